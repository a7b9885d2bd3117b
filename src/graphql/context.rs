//! Reaching the application state and the caller from a resolver.

use async_graphql::Context;

use crate::actor::Actor;
use crate::error::{AppError, AppResult, CoreReason};
use crate::state::AppState;

/// Who is calling, as established from the bearer token before the query runs.
#[derive(Debug, Clone, Default)]
pub struct RequestAuth {
    pub actor: Option<Actor>,
    /// Why a presented token was refused, reported when a resolver needs a user.
    pub token_error: Option<AppError>,
    /// The token could not be checked because the database is unreachable: a resolver that
    /// needs a user answers `SERVICE_UNAVAILABLE`, not `UNAUTHENTICATED` (the phone must not
    /// log its user out over an outage).
    pub unavailable: bool,
    /// The language of the request: the caller's own, or the `Accept-Language` header's.
    pub locale: crate::i18n::Locale,
    /// The session the access token was issued for.
    pub session_id: Option<i64>,
    /// What the caller must do before anything else (change the password, enrol a second
    /// factor): only the listed root fields run until then.
    pub restriction: Option<Restriction>,
}

/// A signed-in caller who may only call a few root fields until they act.
#[derive(Debug, Clone)]
pub struct Restriction {
    /// The refusal of every other field (its reason tells the caller what to do).
    pub error: AppError,
    /// The root fields (real names, not aliases) the caller may still call.
    pub allowed: &'static [&'static str],
}

pub trait ContextExt {
    fn state(&self) -> &AppState;
    fn actor(&self) -> AppResult<&Actor>;
}

impl ContextExt for Context<'_> {
    fn state(&self) -> &AppState {
        self.data_unchecked::<AppState>()
    }

    fn actor(&self) -> AppResult<&Actor> {
        match self.data_opt::<RequestAuth>() {
            Some(RequestAuth { actor: Some(actor), .. }) => Ok(actor),
            Some(RequestAuth { unavailable: true, .. }) => Err(AppError::Unavailable(
                "the database could not be reached to check the access token".into(),
            )),
            Some(RequestAuth {
                token_error: Some(why), ..
            }) => Err(why.clone()),
            _ => Err(AppError::unauthenticated(CoreReason::NOT_SIGNED_IN)),
        }
    }
}

/// The client's network address (the peer, or the last `X-Forwarded-For` hop when the server
/// is configured to trust its proxy), for per-address login limits.
#[derive(Debug, Clone)]
pub struct ClientAddress(pub String);
