//! The ceiling of the benchmarks: a trivial actix-web endpoint with the server's worker count,
//! answering `POST /graphql` with a fixed small JSON body without parsing or any database. The
//! load driver's throughput against it is the most this machine, this HTTP stack and the driver
//! can do together.
//!
//!   cargo run --release --example bench-ceiling -- [--bind 127.0.0.1:18081] [--workers 2]

use actix_web::{web, App, HttpResponse, HttpServer};

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let bind = arg("--bind").unwrap_or_else(|| "127.0.0.1:18081".into());
    let workers = arg("--workers")
        .and_then(|w| w.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2));
    println!("ceiling endpoint on http://{bind}/graphql ({workers} workers)");
    HttpServer::new(|| {
        App::new().route(
            "/graphql",
            web::post().to(|_body: web::Bytes| async {
                HttpResponse::Ok()
                    .content_type("application/json")
                    .body(r#"{"data":{"ping":"pong"}}"#)
            }),
        )
    })
    .workers(workers)
    .bind(bind)?
    .run()
    .await
}
