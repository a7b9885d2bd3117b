//! One error type with stable, machine-readable codes. It is turned into a GraphQL error once,
//! at the boundary (`graphql::errors`); internal causes are logged there and never sent.
//!
//! `AppError` deliberately does not implement `Display`: async-graphql converts any `Display`
//! type into an error without a code, and without `Display` the `?` operator in a resolver goes
//! through our own conversion, which always sets `extensions.code`.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

#[derive(Debug, Clone)]
pub enum AppError {
    Unauthenticated(String),
    Forbidden(String),
    NotFound(String),
    BadInput {
        message: String,
        /// The input field at fault, when there is one.
        field: Option<String>,
        /// A finer machine-readable reason, such as `INVALID_TRANSITION`.
        reason: Option<&'static str>,
    },
    Conflict(String),
    TooManyRequests(String),
    /// The database (or another dependency) cannot be reached; the detail is logged only.
    Unavailable(String),
    /// Anything else; the detail is logged only.
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated(_) => "UNAUTHENTICATED",
            AppError::Forbidden(_) => "FORBIDDEN",
            AppError::NotFound(_) => "NOT_FOUND",
            AppError::BadInput { .. } => "BAD_USER_INPUT",
            AppError::Conflict(_) => "CONFLICT",
            AppError::TooManyRequests(_) => "TOO_MANY_REQUESTS",
            AppError::Unavailable(_) => "SERVICE_UNAVAILABLE",
            AppError::Internal(_) => "INTERNAL",
        }
    }

    pub fn internal(detail: impl Into<String>) -> AppError {
        AppError::Internal(detail.into())
    }

    pub fn bad_input(message: impl Into<String>) -> AppError {
        AppError::BadInput {
            message: message.into(),
            field: None,
            reason: None,
        }
    }

    pub fn bad_field(field: &str, message: impl Into<String>) -> AppError {
        AppError::BadInput {
            message: message.into(),
            field: Some(field.to_string()),
            reason: None,
        }
    }

    pub fn not_found(what: &str) -> AppError {
        AppError::NotFound(format!("{what} not found"))
    }

    pub fn forbidden(message: impl Into<String>) -> AppError {
        AppError::Forbidden(message.into())
    }

    pub fn conflict(message: impl Into<String>) -> AppError {
        AppError::Conflict(message.into())
    }

    /// The message a client may see.
    pub fn public_message(&self) -> String {
        match self {
            AppError::Unauthenticated(m)
            | AppError::Forbidden(m)
            | AppError::NotFound(m)
            | AppError::Conflict(m)
            | AppError::TooManyRequests(m) => m.clone(),
            AppError::BadInput { message, .. } => message.clone(),
            AppError::Unavailable(_) => "the service is temporarily unavailable; try again shortly".into(),
            AppError::Internal(_) => "internal error".into(),
        }
    }

    /// The part that must never leave the server (logged with a correlation id).
    pub fn hidden_detail(&self) -> Option<&str> {
        match self {
            AppError::Internal(detail) | AppError::Unavailable(detail) => Some(detail),
            _ => None,
        }
    }
}

impl From<DieselError> for AppError {
    fn from(error: DieselError) -> AppError {
        match &error {
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                AppError::Conflict("this already exists".into())
            }
            DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                AppError::Conflict("a concurrent change interfered; try again".into())
            }
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                AppError::Unavailable(format!("database connection closed: {}", info.message()))
            }
            DieselError::DatabaseError(DatabaseErrorKind::UnableToSendCommand, info) => {
                AppError::Unavailable(format!("database unreachable: {}", info.message()))
            }
            DieselError::DatabaseError(_, info) if is_connection_failure(info.message()) => {
                AppError::Unavailable(format!("database connection lost: {}", info.message()))
            }
            DieselError::NotFound => AppError::internal("a row expected to exist was not found"),
            _ => AppError::internal(format!("database: {error}")),
        }
    }
}

/// Messages of a connection that died under the query (server stopped or restarted).
fn is_connection_failure(message: &str) -> bool {
    [
        "terminating connection",
        "server closed the connection",
        "no connection to the server",
        "could not receive data from server",
        "could not send data to server",
        "the database system is shutting down",
        "the database system is starting up",
        "connection to server",
    ]
    .iter()
    .any(|m| message.contains(m))
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(error: diesel::r2d2::PoolError) -> AppError {
        AppError::Unavailable(format!("database pool: {error}"))
    }
}
