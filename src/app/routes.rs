//! The route table, the request log, the health checks and the answer for unknown paths.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::{Condition, Next};
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::json;
use tracing::Instrument;

use super::http::{reader_locale, request_error, HttpReason};
use super::schema::{build_schema, AppSchema};
use super::{attachments, compression, explorer, graphql, ledger, personal_data};
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
    // The callers remembered behind access tokens are dropped when another instance changes
    // their accounts: hear those changes for as long as the runtime serving this runs.
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        let bus = state.db.live().clone();
        runtime.spawn(async move { bus.follow_accounts().await });
    }
    let schema = build_schema(Some(state.clone()));
    let cors_origins = state.config.observe.cors_origins.clone();
    let data = web::Data::new(ServerData { state, schema });
    let server = HttpServer::new(move || {
        // Inside out: the routes, then CORS (its preflight answers are small and never
        // compressed), compression of what is worth it, and outermost the request's span.
        App::new()
            .app_data(data.clone())
            .wrap(actix_web::middleware::from_fn(compression::choose))
            .wrap(Condition::new(!cors_origins.is_empty(), cors(&cors_origins)))
            .wrap(actix_web::middleware::Compress::default())
            .wrap(actix_web::middleware::from_fn(compression::unmark))
            .wrap(actix_web::middleware::from_fn(log_requests))
            .route("/graphql", web::post().to(graphql::post))
            .route("/graphql", web::get().to(explorer::page))
            .route("/graphql/assets/{name}", web::get().to(explorer::asset))
            .route("/attachments/{id}", web::get().to(attachments::download))
            .route("/export/requests.csv", web::get().to(ledger::export_requests))
            .route("/export/projects.csv", web::get().to(ledger::export_projects))
            .route("/export/procedures.csv", web::get().to(ledger::export_procedures))
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

/// Cross-origin calls from the browsers of the allowed origins (the web admin, a uni-app H5
/// client): the bearer token travels in `Authorization`, so no cookies are allowed. A request
/// from another origin is answered without CORS headers and the browser keeps the answer from
/// the page. https://docs.rs/actix-cors/0.7.1/actix_cors/struct.Cors.html
fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::ACCEPT_LANGUAGE,
            header::HeaderName::from_static(REQUEST_ID_HEADER),
        ])
        .expose_headers([header::HeaderName::from_static(REQUEST_ID_HEADER)])
        .block_on_origin_mismatch(false)
        .max_age(3600);
    for origin in origins {
        cors = cors.allowed_origin(origin);
    }
    cors
}

/// The header that carries a request's id in and out.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The id a caller (or the proxy in front) sent in `X-Request-Id`, when it is a plain token of
/// at most 64 letters, digits, `-`, `_`, `.` (anything else could forge log lines).
fn incoming_request_id(request: &ServiceRequest) -> Option<String> {
    let value = request.headers().get(REQUEST_ID_HEADER)?.to_str().ok()?.trim();
    let plain = !value.is_empty()
        && value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    plain.then(|| value.to_string())
}

/// Runs the whole request inside its span: every line logged while it is handled (resolvers,
/// services, database work on the blocking pool, the `correlationId` of an INTERNAL error)
/// carries its `request_id`, which also goes back in the `X-Request-Id` header. The span is
/// the request's OpenTelemetry server span when traces are exported. Counts the request in the
/// metrics by route pattern (never the raw path, which holds ids).
async fn log_requests(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let request_id = incoming_request_id(&request).unwrap_or_else(new_correlation_id);
    let method = request.method().to_string();
    let path = request.path().to_string();
    // The route pattern (`/attachments/{id}`), from the app's resource map before routing.
    let route = request.match_pattern().unwrap_or_else(|| "unmatched".into());
    let metrics = request
        .app_data::<web::Data<ServerData>>()
        .map(|data| data.state.metrics.clone());
    let span = tracing::info_span!(
        "http",
        request_id = %request_id,
        method = %method,
        path = %path,
        "otel.kind" = "server",
        "otel.name" = %format!("{method} {route}"),
        route = %route,
        status = tracing::field::Empty,
        "graphql.operation.name" = tracing::field::Empty,
    );
    let outcome = next.call(request).instrument(span.clone()).await;
    let mut response = match outcome {
        Ok(response) => response,
        Err(error) => {
            let _entered = span.enter();
            tracing::warn!(%method, %path, %error, "request failed before an answer");
            return Err(error);
        }
    };
    let status = response.status().as_u16();
    span.record("status", status);
    {
        let _entered = span.enter();
        tracing::info!(%method, %path, status, elapsed_ms = started.elapsed().as_millis() as u64, "request");
    }
    if let Some(metrics) = metrics {
        metrics.http_request(&route, &method, status, started.elapsed());
    }
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response
            .headers_mut()
            .insert(header::HeaderName::from_static(REQUEST_ID_HEADER), value);
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
