//! What every HTTP endpoint shares: errors shaped like GraphQL's, bounded bodies, bearer
//! authentication and the client's address.

use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde_json::json;

use crate::actor::Actor;
use crate::auth::service as auth_service;
use crate::error::AppError;
use crate::graphql::context::{ClientAddress, RequestAuth};
use crate::state::AppState;

/// A GraphQL-shaped error response for failures outside (or before) a GraphQL operation.
pub fn request_error(status: StatusCode, code: &str, message: &str) -> HttpResponse {
    HttpResponse::build(status).json(json!({ "errors": [{ "message": message, "extensions": { "code": code } }] }))
}

/// Reads the body up to `limit` bytes without buffering more.
pub async fn read_body(mut payload: web::Payload, limit: usize) -> Result<web::BytesMut, HttpResponse> {
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

/// The authenticated caller of a plain HTTP endpoint, or the response refusing the request
/// (`SERVICE_UNAVAILABLE` when the token could not be checked, `UNAUTHENTICATED` otherwise).
pub async fn require_caller(state: &AppState, request: &HttpRequest) -> Result<Actor, HttpResponse> {
    let auth = authenticate(state, request).await;
    if auth.unavailable {
        let message = AppError::Unavailable(String::new()).public_message();
        return Err(request_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "SERVICE_UNAVAILABLE",
            &message,
        ));
    }
    auth.actor.ok_or_else(|| {
        let why = auth
            .token_error
            .unwrap_or_else(|| "send `Authorization: Bearer <accessToken>`".into());
        request_error(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", &why)
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
