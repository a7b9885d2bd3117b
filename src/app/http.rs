//! What every HTTP endpoint shares: errors shaped like GraphQL's, bounded bodies, bearer
//! authentication and the client's address.

use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde_json::json;

use crate::actor::Actor;
use crate::auth::errors::AuthReason;
use crate::auth::service as auth_service;
use crate::error::{AppError, Message};
use crate::graphql::context::{ClientAddress, RequestAuth};
use crate::i18n::Locale;
use crate::state::AppState;

crate::reasons! {
    /// Refusals of the HTTP shell itself, before a GraphQL operation runs.
    pub enum HttpReason {
        BODY_UNREADABLE => "无法读取请求体", "the request body could not be read";
        PAYLOAD_TOO_LARGE => "请求体超过 {limit} 字节", "the request body is larger than {limit} bytes";
        NOT_JSON => "请求体不是 GraphQL 的 JSON 请求：{detail}", "the body is not a GraphQL JSON request: {detail}";
        NOT_AN_UPLOAD => "multipart 请求体不是 GraphQL 上传：{detail}", "the multipart body is not a GraphQL upload: {detail}";
        UNSUPPORTED_MEDIA_TYPE => "请以 POST 发送 GraphQL 请求，Content-Type 为 application/json（上传用 multipart/form-data）", "send GraphQL requests as POST with Content-Type: application/json (multipart/form-data for uploads)";
        GET_NOT_ALLOWED => "不接受通过 GET 执行 GraphQL 操作，请以 application/json 格式 POST", "GraphQL operations are not accepted over GET: POST them as application/json";
        NO_SUCH_ENDPOINT => "没有该接口：GraphQL 位于 /graphql", "no such endpoint: GraphQL is at /graphql";
        NO_SUCH_ASSET => "没有该浏览器资源", "no such explorer asset";
        FILE_UNREADABLE => "无法读取该文件", "the file cannot be read";
        SEND_BEARER => "请发送 `Authorization: Bearer <accessToken>`", "send `Authorization: Bearer <accessToken>`";
    }
}

/// The language of a plain HTTP answer: the `Accept-Language` header's, else the caller's
/// own, else zh-CN.
pub fn reader_locale(request: &HttpRequest, own: Option<Locale>) -> Locale {
    header_locale(request).or(own).unwrap_or_default()
}

/// The locale an `Accept-Language` header asks for, if it names one we write in.
pub fn header_locale(request: &HttpRequest) -> Option<Locale> {
    request
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Locale::from_accept_language)
}

/// A refusal in the shape of a GraphQL error response, in `locale`.
pub fn request_error(locale: Locale, status: StatusCode, code: &str, message: Message) -> HttpResponse {
    HttpResponse::build(status).json(json!({ "errors": [{
        "message": message.render(locale),
        "extensions": { "code": code, "reason": message.reason() },
    }] }))
}

/// An `AppError` as a plain HTTP answer, in `locale`.
pub fn app_error(locale: Locale, status: StatusCode, error: &AppError) -> HttpResponse {
    HttpResponse::build(status).json(json!({ "errors": [{
        "message": error.message_in(locale),
        "extensions": { "code": error.code(), "reason": error.reason() },
    }] }))
}

/// Reads the body up to `limit` bytes without buffering more.
pub async fn read_body(locale: Locale, mut payload: web::Payload, limit: usize) -> Result<web::BytesMut, HttpResponse> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| {
            request_error(
                locale,
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                Message::new(HttpReason::BODY_UNREADABLE),
            )
        })?;
        if body.len() + chunk.len() > limit {
            return Err(request_error(
                locale,
                StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                Message::new(HttpReason::PAYLOAD_TOO_LARGE).arg("limit", limit),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The caller behind the request's `Authorization` header (no caller without one).
pub async fn authenticate(state: &AppState, request: &HttpRequest) -> RequestAuth {
    let Some(value) = request.headers().get(header::AUTHORIZATION) else {
        return RequestAuth::default();
    };
    authenticate_bearer(state, value.to_str().ok()).await
}

/// The caller behind a `Bearer <accessToken>` value (from a header or a websocket's
/// `connection_init` payload).
pub async fn authenticate_bearer(state: &AppState, value: Option<&str>) -> RequestAuth {
    let token = value.and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")));
    let Some(token) = token.map(str::trim).filter(|t| !t.is_empty()) else {
        return RequestAuth {
            token_error: Some(AppError::unauthenticated(AuthReason::AUTHORIZATION_MALFORMED)),
            ..Default::default()
        };
    };
    match auth_service::actor_for_token(state, token).await {
        Ok(caller) => RequestAuth {
            locale: caller.actor.locale,
            actor: Some(caller.actor),
            session_id: Some(caller.session_id),
            restriction: caller.restriction,
            ..Default::default()
        },
        Err(AppError::Unavailable(detail)) => {
            tracing::warn!(detail, "authentication could not reach the database");
            RequestAuth {
                token_error: Some(AppError::Unavailable(detail)),
                unavailable: true,
                ..Default::default()
            }
        }
        Err(error) => RequestAuth {
            token_error: Some(error),
            ..Default::default()
        },
    }
}

/// The authenticated caller of a plain HTTP endpoint, or the response refusing the request
/// (`SERVICE_UNAVAILABLE` when the token could not be checked, `UNAUTHENTICATED` otherwise).
pub async fn require_caller(state: &AppState, request: &HttpRequest) -> Result<Actor, HttpResponse> {
    let auth = authenticate(state, request).await;
    let locale = reader_locale(request, None);
    if auth.unavailable {
        let error = AppError::Unavailable(String::new());
        return Err(app_error(locale, StatusCode::SERVICE_UNAVAILABLE, &error));
    }
    // A caller who must change the password or enrol a second factor first may do nothing here.
    if let Some(restriction) = &auth.restriction {
        return Err(app_error(locale, StatusCode::FORBIDDEN, &restriction.error));
    }
    auth.actor.ok_or_else(|| match &auth.token_error {
        Some(error) => app_error(locale, StatusCode::UNAUTHORIZED, error),
        None => request_error(
            locale,
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            Message::new(HttpReason::SEND_BEARER),
        ),
    })
}

/// Where the request comes from, for per-address login limits.
pub fn client_address(state: &AppState, request: &HttpRequest) -> ClientAddress {
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
    ClientAddress(address)
}
