//! The route table, the request log, the health checks and the answer for unknown paths.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::json;

use super::http::{reader_locale, request_error, HttpReason};
use super::schema::{build_schema, AppSchema};
use super::{attachments, explorer, graphql, ledger, personal_data};
use crate::error::Message;
use crate::graphql::errors::new_correlation_id;
use crate::state::AppState;

/// What every handler reaches: the state and the schema built once for the process.
pub struct ServerData {
    pub state: AppState,
    pub schema: AppSchema,
}

/// Starts serving on `listener`. The returned server runs until stopped (SIGTERM and SIGINT
/// stop it gracefully, letting in-flight requests finish).
pub fn start(listener: TcpListener, state: AppState, workers: usize) -> std::io::Result<Server> {
    let schema = build_schema(Some(state.clone()));
    let data = web::Data::new(ServerData { state, schema });
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .wrap(actix_web::middleware::from_fn(log_requests))
            .route("/graphql", web::post().to(graphql::post))
            .route("/graphql", web::get().to(explorer::page))
            .route("/graphql/assets/{name}", web::get().to(explorer::asset))
            .route("/attachments/{id}", web::get().to(attachments::download))
            .route("/export/requests.csv", web::get().to(ledger::export_requests))
            .route("/export/my-data.json", web::get().to(personal_data::download))
            .route("/graphql/ws", web::get().to(graphql::websocket))
            .route("/healthz", web::get().to(healthz))
            .route("/readyz", web::get().to(readyz))
            .default_service(web::to(not_found))
    })
    .workers(workers.max(1))
    .shutdown_timeout(30)
    .listen(listener)?
    .run();
    Ok(server)
}

async fn log_requests(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let request_id = new_correlation_id();
    let method = request.method().to_string();
    let path = request.path().to_string();
    let span = tracing::info_span!("http", request_id = %request_id);
    let mut response = {
        let _entered = span.enter();
        next.call(request)
    }
    .await?;
    let status = response.status().as_u16();
    let _entered = span.enter();
    tracing::info!(%method, %path, status, elapsed_ms = started.elapsed().as_millis() as u64, "request");
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response
            .headers_mut()
            .insert(header::HeaderName::from_static("x-request-id"), value);
    }
    Ok(response)
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

async fn readyz(data: web::Data<ServerData>) -> HttpResponse {
    let ready = tokio::time::timeout(Duration::from_secs(2), data.state.db.ping())
        .await
        .unwrap_or(false);
    if ready {
        HttpResponse::Ok().json(json!({ "status": "ready" }))
    } else {
        HttpResponse::ServiceUnavailable()
            .json(json!({ "status": "unavailable", "reason": "the database cannot be reached" }))
    }
}

async fn not_found(request: HttpRequest) -> HttpResponse {
    request_error(
        reader_locale(&request, None),
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        Message::new(HttpReason::NO_SUCH_ENDPOINT),
    )
}
