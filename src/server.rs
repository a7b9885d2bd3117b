//! The HTTP surface: wires the domains' GraphQL parts into one schema and serves it with
//! actix-web, plus health checks, the first-run set-up and the request-level guards.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use async_graphql::dataloader::DataLoader;
use async_graphql::http::{GraphiQLSource, MultipartOptions};
use async_graphql_actix_web::GraphQLSubscription;
use futures_util::{FutureExt, StreamExt};
use serde_json::json;

use crate::auth::graphql::{OfficerLoadLoader, UserLoader};
use crate::auth::service as auth_service;
use crate::auth::tokens::{self, JwtKeys};
use crate::clock::SharedClock;
use crate::companies::graphql::{ActiveAssignmentLoader, CompanyLoader};
use crate::config::Config;
use crate::db::{run_blocking, Db, PoolOptions};
use crate::departments::graphql::DepartmentLoader;
use crate::error::AppError;
use crate::evaluations::graphql::PeriodLoader;
use crate::graphql::context::RequestAuth;
use crate::graphql::errors::new_correlation_id;
use crate::graphql::{build_schema, limits, AppSchema};
use crate::notifications::push;
use crate::notifications::worker::{PushOptions, PushWorker};
use crate::requests::graphql::{CategoryLoader, EventsLoader, TasksLoader};
use crate::state::AppState;

/// Opens the database pool and the signing keys.
pub fn build_state(config: Config, clock: SharedClock) -> Result<AppState, String> {
    let db = Db::open(
        config.database.clone(),
        &PoolOptions {
            max_size: config.db_pool_size,
            connect_timeout: Duration::from_secs(5),
        },
    )
    .map_err(|e| format!("{e:?}"))?;
    let (secret, generated_at) = tokens::load_or_generate_secret(&config)?;
    if let Some(path) = generated_at {
        tracing::warn!(
            path = %path.display(),
            "no ZHITONG_JWT_SECRET configured: generated one and kept it in this file; set ZHITONG_JWT_SECRET in production"
        );
    }
    Ok(AppState {
        config: Arc::new(config),
        db,
        clock,
        jwt: JwtKeys::new(&secret),
    })
}

/// What start-up did that the operator must know.
#[derive(Debug, Default)]
pub struct Startup {
    pub applied_migrations: Vec<String>,
    /// The generated password of the administrator created on this first run.
    pub first_admin_password: Option<String>,
}

/// Runs the migrations and creates the first administrator when there is none.
pub async fn prepare(state: &AppState) -> Result<Startup, AppError> {
    let db = state.db.clone();
    let applied_migrations = run_blocking(move || db.migrate_blocking()).await?;
    let phone = state.config.admin_phone.clone();
    let now = state.clock.now_naive();
    let first_admin_password = state
        .db
        .write(move |conn| auth_service::ensure_first_admin(conn, &phone, now))
        .await?;
    Ok(Startup {
        applied_migrations,
        first_admin_password,
    })
}

/// The background workers of this instance, stopped after the HTTP server has drained.
pub struct Workers {
    stop: tokio::sync::watch::Sender<bool>,
    handles: Vec<tokio::task::JoinHandle<()>>,
}

impl Workers {
    /// Asks every worker to stop after its current round, and waits for them.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for handle in self.handles {
            let _ = handle.await;
        }
    }
}

/// How often RESOLVED requests are checked for the 7-day automatic close.
const AUTO_CLOSE_EVERY: Duration = Duration::from_secs(600);

/// How often evaluation periods are checked for opening, the closing reminder and closing.
const EVALUATION_EVERY: Duration = Duration::from_secs(60);

/// Starts the push worker, the auto-close job, the time-limit sweeper and the evaluation job (unless workers are switched off for this instance).
pub fn start_workers(state: &AppState) -> Result<Workers, String> {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut handles = Vec::new();
    if state.config.workers {
        let sender = push::sender_for(state.config.fcm_credentials.as_deref(), &state.config.fcm_endpoint)?;
        let options = PushOptions {
            lease: state.config.push_lease,
            ..PushOptions::default()
        };
        let worker = PushWorker::new(state.clone(), sender, options);
        tracing::info!(sender = worker.sender_name(), "push delivery enabled");
        handles.push(tokio::spawn(worker.run(state.config.push_interval, stopped.clone())));
        let auto_close_state = state.clone();
        handles.push(tokio::spawn(periodic(AUTO_CLOSE_EVERY, stopped.clone(), move || {
            let state = auto_close_state.clone();
            async move {
                match crate::requests::worker::run_once(&state).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(closed = n, "auto-closed requests without feedback"),
                    Err(error) => tracing::warn!(code = error.code(), detail = ?error, "auto-close pass failed"),
                }
            }
        })));
        let sweeper_state = state.clone();
        handles.push(tokio::spawn(periodic(
            state.config.sla_sweep,
            stopped.clone(),
            move || {
                let state = sweeper_state.clone();
                async move {
                    match crate::sla::sweeper::run_once(&state).await {
                        Ok(sweep) if sweep.thresholds_fired > 0 => {
                            tracing::info!(fired = sweep.thresholds_fired, "time-limit thresholds fired")
                        }
                        Ok(_) => {}
                        Err(error) => tracing::warn!(code = error.code(), detail = ?error, "time-limit sweep failed"),
                    }
                }
            },
        )));
        let evaluation_state = state.clone();
        handles.push(tokio::spawn(periodic(EVALUATION_EVERY, stopped.clone(), move || {
            let state = evaluation_state.clone();
            async move {
                match crate::evaluations::worker::run_once(&state).await {
                    Ok(report) if report == Default::default() => {}
                    Ok(report) => tracing::info!(?report, "evaluation periods moved on"),
                    Err(error) => tracing::warn!(code = error.code(), detail = ?error, "evaluation pass failed"),
                }
            }
        })));
    } else {
        tracing::info!("background workers are off in this instance (ZHITONG_WORKERS=false)");
    }
    Ok(Workers { stop, handles })
}

/// Runs `round` now and every `every` after, until `stop` fires. A round that has started
/// always finishes (a shutdown drains it): `stop` is only heeded between rounds.
async fn periodic<F, R>(every: Duration, mut stop: tokio::sync::watch::Receiver<bool>, round: F)
where
    F: Fn() -> R,
    R: std::future::Future<Output = ()>,
{
    while !*stop.borrow() {
        round().await;
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => break,
        }
    }
}

struct ServerData {
    state: AppState,
    schema: AppSchema,
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
            .route("/graphql", web::post().to(graphql_post))
            .route("/graphql", web::get().to(graphiql))
            .route("/attachments/{id}", web::get().to(download_attachment))
            .route("/export/requests.csv", web::get().to(export_requests))
            .route("/graphql/ws", web::get().to(graphql_ws))
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

/// A GraphQL-shaped error response for failures before the query runs.
fn request_error(status: StatusCode, code: &str, message: &str) -> HttpResponse {
    HttpResponse::build(status).json(json!({ "errors": [{ "message": message, "extensions": { "code": code } }] }))
}

/// Reads the body up to the configured limit without buffering more.
async fn read_body(mut payload: web::Payload, limit: usize) -> Result<web::BytesMut, HttpResponse> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| {
            request_error(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "the request body could not be read",
            )
        })?;
        if body.len() + chunk.len() > limit {
            return Err(request_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                &format!("the request body is larger than {limit} bytes"),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

async fn authenticate(state: &AppState, request: &HttpRequest) -> RequestAuth {
    let Some(value) = request.headers().get(header::AUTHORIZATION) else {
        return RequestAuth::default();
    };
    authenticate_bearer(state, value.to_str().ok()).await
}

/// The caller behind a `Bearer <accessToken>` value (from a header or a websocket's
/// `connection_init` payload).
async fn authenticate_bearer(state: &AppState, value: Option<&str>) -> RequestAuth {
    let token = value.and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")));
    let Some(token) = token.map(str::trim).filter(|t| !t.is_empty()) else {
        return RequestAuth {
            token_error: Some("the Authorization header must be `Bearer <accessToken>`".into()),
            ..Default::default()
        };
    };
    match auth_service::actor_for_token(state, token).await {
        Ok(actor) => RequestAuth {
            actor: Some(actor),
            ..Default::default()
        },
        Err(AppError::Unavailable(detail)) => {
            tracing::warn!(detail, "authentication could not reach the database");
            RequestAuth {
                token_error: Some("the service is temporarily unavailable; try again shortly".into()),
                unavailable: true,
                ..Default::default()
            }
        }
        Err(error) => RequestAuth {
            token_error: Some(error.public_message()),
            ..Default::default()
        },
    }
}

/// The GraphQL request in a JSON body, or why it is not one.
fn parse_json_request(body: &[u8]) -> Result<async_graphql::Request, String> {
    serde_json::from_slice(body).map_err(|e| {
        if body.first() == Some(&b'[') {
            "batched requests are not accepted: send one operation per request".to_string()
        } else {
            format!(
                "the body is not a GraphQL request in JSON: {}",
                e.to_string().chars().take(120).collect::<String>()
            )
        }
    })
}

/// `GET /attachments/{id}`: the file, for a caller who may see its request.
async fn download_attachment(
    request: HttpRequest,
    path: web::Path<String>,
    data: web::Data<ServerData>,
) -> HttpResponse {
    let auth = authenticate(&data.state, &request).await;
    if auth.unavailable {
        let message = AppError::Unavailable(String::new()).public_message();
        return request_error(StatusCode::SERVICE_UNAVAILABLE, "SERVICE_UNAVAILABLE", &message);
    }
    let Some(actor) = auth.actor else {
        let why = auth
            .token_error
            .unwrap_or_else(|| "send `Authorization: Bearer <accessToken>`".into());
        return request_error(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", &why);
    };
    let not_found = || request_error(StatusCode::NOT_FOUND, "NOT_FOUND", "attachment not found");
    let Ok(id) = crate::graphql::ids::decode(crate::graphql::ids::IdKind::Attachment, &path.into_inner().into(), "id")
    else {
        return not_found();
    };
    let (attachment, file) = match crate::attachments::service::open(&data.state, &actor, id).await {
        Ok(found) => found,
        Err(AppError::NotFound(_)) => return not_found(),
        Err(error) => {
            tracing::error!(error = ?error, "attachment lookup failed");
            return request_error(StatusCode::SERVICE_UNAVAILABLE, error.code(), &error.public_message());
        }
    };
    let bytes = match run_blocking(move || std::fs::read(&file).map_err(|e| AppError::internal(format!("{e}")))).await {
        Ok(bytes) => bytes,
        Err(error) => {
            tracing::error!(error = ?error, attachment_id = attachment.id, "attachment file unreadable");
            return request_error(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", "the file cannot be read");
        }
    };
    let encoded: String = attachment
        .file_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    HttpResponse::Ok()
        .content_type(attachment.content_type.as_str())
        .insert_header(("Content-Disposition", format!("attachment; filename*=UTF-8''{encoded}")))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("Cache-Control", "private, no-store"))
        .body(bytes)
}

async fn graphql_post(request: HttpRequest, payload: web::Payload, data: web::Data<ServerData>) -> HttpResponse {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let lowered = content_type.to_ascii_lowercase();
    let gql_request = if lowered.starts_with("application/json") {
        let body = match read_body(payload, data.state.config.max_body_bytes).await {
            Ok(body) => body,
            Err(response) => return response,
        };
        match parse_json_request(&body) {
            Ok(r) => r,
            Err(why) => return request_error(StatusCode::BAD_REQUEST, "BAD_REQUEST", &why),
        }
    } else if lowered.starts_with("multipart/form-data") {
        // The GraphQL multipart request spec, for attachments: one file per request.
        let limit = data.state.config.max_attachment_bytes + data.state.config.max_body_bytes;
        let body = match read_body(payload, limit).await {
            Ok(body) => body,
            Err(response) => return response,
        };
        let options = MultipartOptions::default()
            .max_file_size(data.state.config.max_attachment_bytes)
            .max_num_files(1);
        match async_graphql::http::receive_body(Some(content_type), &body[..], options).await {
            Ok(r) => r,
            Err(e) => {
                let message = format!("the multipart body is not a GraphQL upload: {e}");
                return request_error(StatusCode::BAD_REQUEST, "BAD_REQUEST", &message);
            }
        }
    } else {
        return request_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "BAD_REQUEST",
            "send GraphQL requests as POST with Content-Type: application/json (multipart/form-data for uploads)",
        );
    };
    if let Err(why) = limits::check_query_text(&gql_request.query) {
        return request_error(StatusCode::BAD_REQUEST, "QUERY_TOO_COMPLEX", &why);
    }
    let auth = authenticate(&data.state, &request).await;
    let gql_request = with_request_data(gql_request, &data.state, auth).data(client_address(&data.state, &request));
    let response = std::panic::AssertUnwindSafe(data.schema.execute(gql_request))
        .catch_unwind()
        .await;
    match response {
        Ok(response) => HttpResponse::Ok().json(response),
        Err(_) => {
            let correlation_id = new_correlation_id();
            tracing::error!(correlation_id, "a resolver panicked");
            HttpResponse::InternalServerError().json(json!({
                "errors": [{ "message": "internal error", "extensions": { "code": "INTERNAL", "correlationId": correlation_id } }]
            }))
        }
    }
}

/// Where the request comes from, for per-address login limits.
fn client_address(state: &AppState, request: &HttpRequest) -> crate::graphql::context::ClientAddress {
    let forwarded = state
        .config
        .trust_forwarded_for
        .then(|| request.headers().get("x-forwarded-for"))
        .flatten()
        .and_then(|v| v.to_str().ok())
        // The last hop is the one our proxy added; earlier ones are whatever the client sent.
        .and_then(|v| v.rsplit(',').next())
        .map(str::trim)
        .filter(|v| !v.is_empty() && v.len() <= 64);
    let address = match forwarded {
        Some(address) => address.to_string(),
        None => request
            .peer_addr()
            .map(|a| a.ip().to_string())
            .unwrap_or_else(|| "unknown".into()),
    };
    crate::graphql::context::ClientAddress(address)
}

/// Attaches the caller and the per-request loaders to a GraphQL request.
pub fn with_request_data(
    request: async_graphql::Request,
    state: &AppState,
    auth: RequestAuth,
) -> async_graphql::Request {
    let is_admin = auth.actor.as_ref().is_some_and(|a| a.is_admin());
    let mut request = request.data(auth);
    request.data = loaders(state, std::mem::take(&mut request.data));
    if !(is_admin || state.config.open_introspection) {
        request = request.disable_introspection();
    }
    request
}

/// Adds the DataLoaders (batching only, no cache, so a long-lived websocket never reads stale
/// rows) to `data`.
fn loaders(state: &AppState, mut data: async_graphql::Data) -> async_graphql::Data {
    data.insert(DataLoader::new(UserLoader(state.db.clone()), tokio::spawn));
    data.insert(DataLoader::new(PeriodLoader(state.db.clone()), tokio::spawn));
    data.insert(DataLoader::new(OfficerLoadLoader(state.db.clone()), tokio::spawn));
    data.insert(DataLoader::new(CompanyLoader(state.db.clone()), tokio::spawn));
    data.insert(DataLoader::new(ActiveAssignmentLoader(state.db.clone()), tokio::spawn));
    data.insert(DataLoader::new(DepartmentLoader(state.db.clone()), tokio::spawn));
    data.insert(DataLoader::new(CategoryLoader(state.db.clone()), tokio::spawn));
    data.insert(DataLoader::new(TasksLoader(state.db.clone()), tokio::spawn));
    data.insert(DataLoader::new(EventsLoader(state.db.clone()), tokio::spawn));
    data
}

/// The schema behind the websocket, with the guards of `POST /graphql`: over-nested documents
/// are refused before parsing, and introspection is for admins unless opened in the config.
#[derive(Clone)]
struct CheckedSchema {
    schema: AppSchema,
    open_introspection: bool,
}

impl CheckedSchema {
    fn guard(&self, request: async_graphql::Request, session: Option<&async_graphql::Data>) -> async_graphql::Request {
        let is_admin = session
            .and_then(|data| data.get(&std::any::TypeId::of::<RequestAuth>()))
            .and_then(|auth| auth.downcast_ref::<RequestAuth>())
            .and_then(|auth| auth.actor.as_ref())
            .is_some_and(|actor| actor.is_admin());
        if is_admin || self.open_introspection {
            request
        } else {
            request.disable_introspection()
        }
    }
}

fn too_complex(why: String) -> async_graphql::Response {
    let mut error = async_graphql::ServerError::new(why, None);
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", "QUERY_TOO_COMPLEX");
    async_graphql::Response::from_errors(vec![error])
}

impl async_graphql::Executor for CheckedSchema {
    async fn execute(&self, request: async_graphql::Request) -> async_graphql::Response {
        match limits::check_query_text(&request.query) {
            Ok(()) => self.schema.execute(self.guard(request, None)).await,
            Err(why) => too_complex(why),
        }
    }

    fn execute_stream(
        &self,
        request: async_graphql::Request,
        session_data: Option<Arc<async_graphql::Data>>,
    ) -> futures_util::stream::BoxStream<'static, async_graphql::Response> {
        match limits::check_query_text(&request.query) {
            Ok(()) => {
                let request = self.guard(request, session_data.as_deref());
                async_graphql::Executor::execute_stream(&self.schema, request, session_data)
            }
            Err(why) => futures_util::stream::once(async move { too_complex(why) }).boxed(),
        }
    }
}

/// Subscriptions over `graphql-ws` (and the older `graphql-transport-ws` names). The client
/// authenticates in `connection_init` with `{ "Authorization": "Bearer <accessToken>" }` (or
/// `{ "token": "<accessToken>" }`); a refused token closes the connection.
async fn graphql_ws(
    request: HttpRequest,
    payload: web::Payload,
    data: web::Data<ServerData>,
) -> actix_web::Result<HttpResponse> {
    let state = data.state.clone();
    let address = client_address(&state, &request);
    let checked = CheckedSchema {
        schema: data.schema.clone(),
        open_introspection: state.config.open_introspection,
    };
    GraphQLSubscription::new(checked)
        .on_connection_init(move |init| async move {
            let bearer = ["Authorization", "authorization"]
                .iter()
                .find_map(|key| init.get(*key).and_then(|v| v.as_str()).map(str::to_string))
                .or_else(|| {
                    ["token", "accessToken"]
                        .iter()
                        .find_map(|key| init.get(*key).and_then(|v| v.as_str()).map(|t| format!("Bearer {t}")))
                });
            let auth = match bearer {
                Some(bearer) => {
                    let auth = authenticate_bearer(&state, Some(&bearer)).await;
                    if let Some(why) = &auth.token_error {
                        return Err(async_graphql::Error::new(why.clone()));
                    }
                    auth
                }
                None => RequestAuth::default(),
            };
            let mut session = async_graphql::Data::default();
            session.insert(auth);
            session.insert(address);
            Ok(loaders(&state, session))
        })
        .start(&request, payload)
}

async fn graphiql(request: HttpRequest) -> HttpResponse {
    if request.query_string().contains("query=") {
        return request_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "BAD_REQUEST",
            "GraphQL operations are not accepted over GET: POST them as application/json",
        );
    }
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(
        GraphiQLSource::build()
            .endpoint("/graphql")
            .subscription_endpoint("/graphql/ws")
            .title("zhitong")
            .finish(),
    )
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

async fn not_found() -> HttpResponse {
    request_error(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        "no such endpoint: GraphQL is at /graphql",
    )
}

/// `GET /export/requests.csv`: the ledger for admins, streamed page by page, with the
/// `requests` filter as query-string parameters.
async fn export_requests(request: HttpRequest, data: web::Data<ServerData>) -> HttpResponse {
    let auth = authenticate(&data.state, &request).await;
    let Some(actor) = auth.actor else {
        let why = auth
            .token_error
            .unwrap_or_else(|| "send `Authorization: Bearer <accessToken>`".into());
        return request_error(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", &why);
    };
    if let Err(error) = actor.require_admin() {
        return request_error(StatusCode::FORBIDDEN, error.code(), &error.public_message());
    }
    let params = match web::Query::<crate::stats::export::ExportParams>::from_query(request.query_string()) {
        Ok(params) => params.into_inner(),
        Err(e) => return request_error(StatusCode::BAD_REQUEST, "BAD_USER_INPUT", &e.to_string()),
    };
    let filter = match params.into_filter() {
        Ok(filter) => filter,
        Err(error) => return request_error(StatusCode::BAD_REQUEST, error.code(), &error.public_message()),
    };
    let chunks = crate::stats::export::ledger_csv(
        data.state.db.clone(),
        data.state.config.time_zone,
        filter,
        crate::stats::export::PAGE_ROWS,
    )
    .map(|chunk| {
        chunk.map(web::Bytes::from).map_err(|error| {
            tracing::error!(error = ?error, "ledger export failed part-way");
            actix_web::error::ErrorInternalServerError("the export failed part-way")
        })
    });
    tracing::info!(by = actor.user_id, "ledger exported");
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Content-Disposition", "attachment; filename=\"requests.csv\""))
        .insert_header(("Cache-Control", "private, no-store"))
        .streaming(chunks)
}
