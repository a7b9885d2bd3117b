//! Browsers on the configured origins (the web admin, a uni-app H5 client) may call the API;
//! others get no CORS headers. JSON answers above a small size go out gzip- or
//! brotli-compressed when the client accepts it; small ones and clients that do not are sent
//! as they are. (reqwest here is built without decompression, so the test sees the bytes.)

use std::io::Read;

use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::{Backend, TestApp};

backend_tests!(
    the_configured_origins_may_call_the_api,
    without_origins_no_cors_headers_are_sent,
    large_json_answers_are_compressed
);

const ADMIN_ORIGIN: &str = "https://admin.zone.gov.cn";
const H5_ORIGIN: &str = "http://localhost:5173";

fn backend_of(app: &TestApp) -> Backend {
    match app.state.db.backend() {
        zhitong::db::Backend::Sqlite => Backend::Sqlite,
        zhitong::db::Backend::Postgres => Backend::Postgres,
    }
}

async fn the_configured_origins_may_call_the_api(app: TestApp) {
    let app = TestApp::spawn_configured(backend_of(&app), |c| {
        c.observe.cors_origins = vec![ADMIN_ORIGIN.into(), H5_ORIGIN.into()];
    })
    .await;
    for origin in [ADMIN_ORIGIN, H5_ORIGIN] {
        let preflight = app
            .http()
            .request(reqwest::Method::OPTIONS, app.url("/graphql"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization,content-type,x-request-id",
            )
            .send()
            .await
            .unwrap();
        assert_eq!(preflight.status(), 200, "preflight from {origin}");
        let headers = preflight.headers();
        assert_eq!(headers["access-control-allow-origin"], origin);
        let allowed = headers["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .to_ascii_lowercase();
        for header in ["authorization", "content-type", "x-request-id"] {
            assert!(allowed.contains(header), "{allowed}");
        }
        assert!(headers["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("POST"));
        assert_eq!(headers["access-control-max-age"], "3600");
        assert!(
            headers.get("access-control-allow-credentials").is_none(),
            "bearer tokens, no cookies"
        );

        let answer = app
            .http()
            .post(app.url("/graphql"))
            .header("origin", origin)
            .bearer_auth(&app.admin_token)
            .json(&json!({ "query": "{ me { role } }" }))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.headers()["access-control-allow-origin"], origin);
        assert!(answer.headers()["access-control-expose-headers"]
            .to_str()
            .unwrap()
            .to_ascii_lowercase()
            .contains("x-request-id"));
        let body: Value = answer.json().await.unwrap();
        assert_eq!(body["data"]["me"]["role"], "ADMIN");
    }

    // Another origin: answered, but without CORS headers, so its page cannot read the answer.
    let preflight = app
        .http()
        .request(reqwest::Method::OPTIONS, app.url("/graphql"))
        .header("origin", "https://evil.example.com")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert!(preflight.headers().get("access-control-allow-origin").is_none());
    let answer = app
        .http()
        .post(app.url("/graphql"))
        .header("origin", "https://evil.example.com")
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert!(answer.headers().get("access-control-allow-origin").is_none());
}

async fn without_origins_no_cors_headers_are_sent(app: TestApp) {
    assert!(app.state.config.observe.cors_origins.is_empty(), "none by default");
    let preflight = app
        .http()
        .request(reqwest::Method::OPTIONS, app.url("/graphql"))
        .header("origin", ADMIN_ORIGIN)
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert!(preflight.headers().get("access-control-allow-origin").is_none());
    let answer = app
        .http()
        .post(app.url("/graphql"))
        .header("origin", ADMIN_ORIGIN)
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert!(answer.headers().get("access-control-allow-origin").is_none());
}

/// Posts `query` as the admin with `Accept-Encoding: encoding` (none: no header).
async fn post_encoded(app: &TestApp, query: &str, encoding: Option<&str>) -> reqwest::Response {
    let mut request = app
        .http()
        .post(app.url("/graphql"))
        .bearer_auth(&app.admin_token)
        .json(&json!({ "query": query }));
    if let Some(encoding) = encoding {
        request = request.header("accept-encoding", encoding);
    }
    request.send().await.unwrap()
}

const LARGE: &str = "{ __schema { types { name description fields { name description } } } }";

async fn large_json_answers_are_compressed(app: TestApp) {
    let plain = post_encoded(&app, LARGE, None).await;
    assert!(plain.headers().get("content-encoding").is_none());
    let plain: Value = plain.json().await.unwrap();
    let plain_size = plain.to_string().len();
    assert!(plain_size > 20_000, "a large answer: {plain_size} bytes");

    let gzip = post_encoded(&app, LARGE, Some("gzip")).await;
    assert_eq!(gzip.headers()["content-encoding"], "gzip");
    assert!(gzip.headers()["vary"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase()
        .contains("accept-encoding"));
    assert!(gzip.headers().get("x-request-id").is_some());
    let bytes = gzip.bytes().await.unwrap();
    let mut text = String::new();
    flate2::read::GzDecoder::new(&bytes[..])
        .read_to_string(&mut text)
        .expect("a gzip body");
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), plain);
    assert!(
        bytes.len() * 2 < plain_size,
        "gzip: {} of {plain_size} bytes",
        bytes.len()
    );
    println!("compression of a {plain_size}-byte answer: gzip {} bytes", bytes.len());

    let brotli = post_encoded(&app, LARGE, Some("br;q=1.0, gzip;q=0.8")).await;
    assert_eq!(brotli.headers()["content-encoding"], "br");
    let bytes = brotli.bytes().await.unwrap();
    let mut text = String::new();
    brotli::Decompressor::new(&bytes[..], 4096)
        .read_to_string(&mut text)
        .expect("a brotli body");
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), plain);
    println!(
        "compression of a {plain_size}-byte answer: brotli {} bytes",
        bytes.len()
    );

    // Small answers are not worth it, and are sent as they are.
    let small = post_encoded(&app, "{ __typename }", Some("gzip, br")).await;
    assert!(
        small.headers().get("content-encoding").is_none(),
        "{:?}",
        small.headers()
    );
    let small: Value = small.json().await.unwrap();
    assert_eq!(small["data"]["__typename"], "Query");

    // The explorer's script is text too; a streamed answer (the CSV ledger) is compressed.
    let script = app
        .http()
        .get(app.url("/graphql/assets/explorer.js"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(script.status(), 200);
    assert_eq!(script.headers()["content-encoding"], "gzip");
    let ledger = app
        .http()
        .get(app.url("/export/requests.csv"))
        .bearer_auth(&app.admin_token)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(ledger.status(), 200);
    assert_eq!(ledger.headers()["content-encoding"], "gzip");
    let bytes = ledger.bytes().await.unwrap();
    let mut csv = Vec::new();
    flate2::read::GzDecoder::new(&bytes[..]).read_to_end(&mut csv).unwrap();
    assert!(csv.starts_with("\u{feff}".as_bytes()), "the ledger with its BOM");
}
