//! The GraphQL endpoint: `POST /graphql` (JSON, or multipart for uploads) and subscriptions
//! over `graphql-ws` on `/graphql/ws` (the explorer on `GET /graphql` is in `explorer`).

use std::sync::Arc;

use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use async_graphql::http::MultipartOptions;
use async_graphql_actix_web::GraphQLSubscription;
use futures_util::{FutureExt, StreamExt};
use serde_json::json;

use super::http::{
    authenticate, authenticate_bearer, client_address, header_locale, read_body, request_error, HttpReason,
};
use super::routes::ServerData;
use super::schema::{self, AppSchema};
use crate::error::{AppError, Message};
use crate::graphql::context::RequestAuth;
use crate::i18n::{self, Locale};

/// The language of a websocket session (in its data), for the messages of its streams.
#[derive(Debug, Clone, Copy)]
struct SessionLocale(Locale);
use crate::graphql::errors::new_correlation_id;
use crate::graphql::limits;
use crate::state::AppState;

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

/// `POST /graphql`.
pub async fn post(request: HttpRequest, payload: web::Payload, data: web::Data<ServerData>) -> HttpResponse {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let lowered = content_type.to_ascii_lowercase();
    let asked = header_locale(&request);
    let locale = asked.unwrap_or_default();
    let bad_request = |message: Message| request_error(locale, StatusCode::BAD_REQUEST, "BAD_REQUEST", message);
    let gql_request = if lowered.starts_with("application/json") {
        let body = match read_body(locale, payload, data.state.config.max_body_bytes).await {
            Ok(body) => body,
            Err(response) => return response,
        };
        match parse_json_request(&body) {
            Ok(r) => r,
            Err(why) => return bad_request(Message::new(HttpReason::NOT_JSON).arg("detail", why)),
        }
    } else if lowered.starts_with("multipart/form-data") {
        // The GraphQL multipart request spec, for attachments: one file per request.
        let limit = data.state.config.max_attachment_bytes + data.state.config.max_body_bytes;
        let body = match read_body(locale, payload, limit).await {
            Ok(body) => body,
            Err(response) => return response,
        };
        let options = MultipartOptions::default()
            .max_file_size(data.state.config.max_attachment_bytes)
            .max_num_files(1);
        match async_graphql::http::receive_body(Some(content_type), &body[..], options).await {
            Ok(r) => r,
            Err(e) => return bad_request(Message::new(HttpReason::NOT_AN_UPLOAD).arg("detail", e)),
        }
    } else {
        return request_error(
            locale,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "BAD_REQUEST",
            Message::new(HttpReason::UNSUPPORTED_MEDIA_TYPE),
        );
    };
    if let Err(why) = limits::check_query_text(&gql_request.query) {
        let message = Message::new(crate::graphql::errors::DocumentReason::QUERY_TOO_COMPLEX).arg("detail", why);
        return request_error(locale, StatusCode::BAD_REQUEST, "QUERY_TOO_COMPLEX", message);
    }
    let mut auth = authenticate(&data.state, &request).await;
    if let Some(asked) = asked {
        auth.locale = asked;
    }
    let locale = auth.locale;
    let gql_request = with_request_data(gql_request, &data.state, auth).data(client_address(&data.state, &request));
    let execution = i18n::scope(locale, data.schema.execute(gql_request));
    let response = std::panic::AssertUnwindSafe(execution).catch_unwind().await;
    match response {
        Ok(response) => HttpResponse::Ok().json(response),
        Err(_) => {
            let correlation_id = new_correlation_id();
            tracing::error!(correlation_id, "a resolver panicked");
            data.state.metrics.graphql_error("INTERNAL");
            let message = AppError::internal("").message_in(locale);
            HttpResponse::InternalServerError().json(json!({
                "errors": [{ "message": message, "extensions": { "code": "INTERNAL", "reason": "INTERNAL", "correlationId": correlation_id } }]
            }))
        }
    }
}

/// Attaches the caller, the per-request loaders and the store of rows read ahead
/// (`graphql::loaders::Prefetched`) to a GraphQL request.
pub fn with_request_data(
    request: async_graphql::Request,
    state: &AppState,
    auth: RequestAuth,
) -> async_graphql::Request {
    let is_admin = auth.actor.as_ref().is_some_and(|a| a.is_admin());
    let mut request = request.data(auth).data(crate::graphql::loaders::Prefetched::default());
    schema::register_loaders(state, &mut request.data);
    if !(is_admin || state.config.open_introspection) {
        request = request.disable_introspection();
    }
    request
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
                let locale = session_data
                    .as_deref()
                    .and_then(|data| data.get(&std::any::TypeId::of::<SessionLocale>()))
                    .and_then(|locale| locale.downcast_ref::<SessionLocale>())
                    .map(|locale| locale.0)
                    .unwrap_or_default();
                let stream = async_graphql::Executor::execute_stream(&self.schema, request, session_data);
                without_repeats(i18n::scope_stream(locale, stream)).boxed()
            }
            Err(why) => futures_util::stream::once(async move { too_complex(why) }).boxed(),
        }
    }
}

/// A subscription's answers without an answer equal to the one sent just before it. A change
/// committed just before a phone subscribed can reach it after its first answer (PostgreSQL
/// delivers notifications asynchronously, so the bus may forward it a few milliseconds late),
/// and a change the subscriber may not see (an internal note, for a company) reads back the
/// same as before: the phone is told only when what it sees has changed.
fn without_repeats<S>(stream: S) -> impl futures_util::Stream<Item = async_graphql::Response>
where
    S: futures_util::Stream<Item = async_graphql::Response>,
{
    let mut last: Option<async_graphql::Value> = None;
    stream.filter_map(move |response| {
        let repeated = response.errors.is_empty() && last.as_ref() == Some(&response.data);
        if response.errors.is_empty() && !repeated {
            last = Some(response.data.clone());
        }
        futures_util::future::ready((!repeated).then_some(response))
    })
}

/// Resolves once the session `opened` names (set by `connection_init`) has ended: the live bus
/// says the user's sessions changed (on PostgreSQL from any instance) and the session is no
/// longer open.
async fn session_ended(state: AppState, mut opened: tokio::sync::watch::Receiver<Option<(i64, crate::ids::UserId)>>) {
    let Ok(guard) = opened.wait_for(|o| o.is_some()).await else {
        // The connection ended before its `connection_init`: nothing to watch.
        return std::future::pending().await;
    };
    let Some((session_id, user_id)) = *guard else {
        return;
    };
    drop(guard);
    let mut ended = Box::pin(state.db.live().sessions_ended().await);
    // It may have ended between `connection_init` and listening.
    if !crate::auth::service::session_open(&state, session_id)
        .await
        .unwrap_or(true)
    {
        return;
    }
    while let Some(user) = ended.next().await {
        if user == user_id
            && !crate::auth::service::session_open(&state, session_id)
                .await
                .unwrap_or(true)
        {
            tracing::info!(
                session_id,
                user_id = user_id.get(),
                "session ended; closing its websocket"
            );
            return;
        }
    }
    std::future::pending().await
}

/// Subscriptions over `graphql-ws` (and the older `graphql-transport-ws` names). The client
/// authenticates in `connection_init` with `{ "Authorization": "Bearer <accessToken>" }` (or
/// `{ "token": "<accessToken>" }`); a refused token closes the connection, and so does the
/// end of the token's session (`endSession`, logout, a password change, …), at once.
pub async fn websocket(
    request: HttpRequest,
    payload: web::Payload,
    data: web::Data<ServerData>,
) -> actix_web::Result<HttpResponse> {
    let state = data.state.clone();
    let address = client_address(&state, &request);
    let asked = header_locale(&request);
    let checked = CheckedSchema {
        schema: data.schema.clone(),
        open_introspection: state.config.open_introspection,
    };
    let (opened, watched) = tokio::sync::watch::channel(None);
    // The client's frames stop when the session ends, which stops the connection's actor and
    // closes the socket (async-graphql-actix-web has no other handle to close it from outside).
    let payload = payload.take_until(Box::pin(session_ended(state.clone(), watched)));
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
            let mut auth = match bearer {
                Some(bearer) => {
                    let auth = authenticate_bearer(&state, Some(&bearer)).await;
                    if let Some(why) = &auth.token_error {
                        let locale = asked.unwrap_or(auth.locale);
                        return Err(async_graphql::Error::new(why.message_in(locale)));
                    }
                    if let (Some(session_id), Some(actor)) = (auth.session_id, &auth.actor) {
                        let _ = opened.send(Some((session_id, actor.user_id)));
                    }
                    auth
                }
                None => RequestAuth::default(),
            };
            if let Some(asked) = asked {
                auth.locale = asked;
            }
            let mut session = async_graphql::Data::default();
            session.insert(SessionLocale(auth.locale));
            session.insert(auth);
            session.insert(address);
            schema::register_loaders(&state, &mut session);
            Ok(session)
        })
        .start(&request, payload)
}
