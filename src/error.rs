//! One error type with stable, machine-readable codes. It is turned into a GraphQL error once,
//! at the boundary (`graphql::errors`); internal causes are logged there and never sent.
//!
//! `AppError` deliberately does not implement `Display`: async-graphql converts any `Display`
//! type into an error without a code, and without `Display` the `?` operator in a resolver goes
//! through our own conversion, which always sets `extensions.code`.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

use std::borrow::Cow;

use crate::i18n::{self, Locale, Reason};

/// What a client is told: a stable reason and its text in the reader's language, filled with
/// the named arguments when rendered.
#[derive(Debug, Clone)]
pub struct Message(Box<MessageParts>);

#[derive(Debug, Clone)]
struct MessageParts {
    reason: &'static str,
    zh: Cow<'static, str>,
    en: Cow<'static, str>,
    args: Vec<(&'static str, String)>,
    /// For a `CONFLICT` on a versioned entity: its current version.
    current_version: Option<i64>,
    /// The finer reason, when `reason` is a family the apps already handle (see
    /// [`AppError::reported_as`]).
    detail: Option<&'static str>,
}

/// What an error may be made from: an entry of a domain's table of reasons.
pub trait IntoMessage {
    fn into_message(self) -> Message;
}

impl<R: Reason> IntoMessage for R {
    fn into_message(self) -> Message {
        Message(Box::new(MessageParts {
            reason: self.code(),
            zh: Cow::Borrowed(self.template(Locale::ZhCn)),
            en: Cow::Borrowed(self.template(Locale::En)),
            args: Vec::new(),
            current_version: None,
            detail: None,
        }))
    }
}

impl Message {
    pub fn new(reason: impl IntoMessage) -> Message {
        reason.into_message()
    }

    /// Fills the `{name}` placeholder.
    pub fn arg(mut self, name: &'static str, value: impl std::fmt::Display) -> Message {
        self.0.args.push((name, value.to_string()));
        self
    }

    /// The stable SCREAMING_SNAKE_CASE reason (`extensions.reason`).
    pub fn reason(&self) -> &'static str {
        self.0.reason
    }

    /// The text in `locale`.
    pub fn render(&self, locale: Locale) -> String {
        i18n::render(locale.pick(&self.0.zh, &self.0.en), &self.0.args)
    }

    pub fn current_version(&self) -> Option<i64> {
        self.0.current_version
    }

    /// The finer reason under a reported family, if any.
    pub fn detail(&self) -> Option<&'static str> {
        self.0.detail
    }
}

#[derive(Debug, Clone)]
pub enum AppError {
    Unauthenticated(Message),
    Forbidden(Message),
    NotFound(Message),
    BadInput {
        message: Message,
        /// The input field at fault, when there is one.
        field: Option<String>,
    },
    Conflict(Message),
    TooManyRequests(Message),
    /// The database (or another dependency) cannot be reached; the detail is logged only.
    Unavailable(String),
    /// Anything else; the detail is logged only.
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

crate::reasons! {
    /// Refusals shared by every domain: the database's own answers, the rules of user text,
    /// the ids, pages and dates of the GraphQL plumbing.
    pub enum CoreReason {
        INTERNAL => "服务器内部错误", "internal error";
        SERVICE_UNAVAILABLE => "服务暂时不可用，请稍后重试", "the service is temporarily unavailable; try again shortly";
        ALREADY_EXISTS => "该记录已存在", "this already exists";
        CONCURRENT_CHANGE => "同时有其他修改，请重试", "a concurrent change interfered; try again";
        TEXT_REQUIRED => "此项必填", "{field} is required";
        TEXT_TOO_LONG => "此项最多 {max} 个字符", "{field} has at most {max} characters";
        TEXT_CONTROL_CHARACTERS => "此项不能包含控制字符", "{field} cannot contain control characters";
        INVALID_ID => "{kind}编号无效：{id}", "{id} is not a {kind} id";
        PAGE_SIZE_NEGATIVE => "每页条数不能为负数", "`first` cannot be negative";
        PAGE_SIZE_TOO_LARGE => "每页最多 {max} 条", "`first` is at most {max}";
        INVALID_CURSOR => "翻页游标无效，请使用本列表返回的游标", "`after` is not a cursor from this list";
        DATE_RANGE_REVERSED => "结束日期不能早于开始日期", "`to` comes before `from`";
        DATE_RANGE_TOO_LONG => "一次最多查询 {max} 天", "ask for at most {max} days at once";
        NOT_SIGNED_IN => "请先登录", "sign in first: send `Authorization: Bearer <accessToken>`";
        ROLE_REQUIRED => "仅以下角色可执行此操作：{roles}", "only {roles} users may do this";
        IDEMPOTENCY_KEY_REUSED => "该幂等键已用于其他操作或其他参数，新的修改请使用新的键", "this idempotency key was already used for another operation or with other arguments; send a new key for a new change";
        VERSION_MISMATCH => "该记录已被他人修改（当前版本 {version}），请刷新后重试", "this was changed meanwhile (now version {version}); reload and try again";
    }
}

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

    /// The stable reason (`extensions.reason`).
    pub fn reason(&self) -> &'static str {
        match self {
            AppError::Unavailable(_) => CoreReason::SERVICE_UNAVAILABLE.code(),
            AppError::Internal(_) => CoreReason::INTERNAL.code(),
            other => other.message().map(Message::reason).unwrap_or("INTERNAL"),
        }
    }

    fn message(&self) -> Option<&Message> {
        match self {
            AppError::Unauthenticated(m)
            | AppError::Forbidden(m)
            | AppError::NotFound(m)
            | AppError::Conflict(m)
            | AppError::TooManyRequests(m)
            | AppError::BadInput { message: m, .. } => Some(m),
            AppError::Unavailable(_) | AppError::Internal(_) => None,
        }
    }

    fn message_mut(&mut self) -> Option<&mut Message> {
        match self {
            AppError::Unauthenticated(m)
            | AppError::Forbidden(m)
            | AppError::NotFound(m)
            | AppError::Conflict(m)
            | AppError::TooManyRequests(m)
            | AppError::BadInput { message: m, .. } => Some(m),
            AppError::Unavailable(_) | AppError::Internal(_) => None,
        }
    }

    /// Fills the `{name}` placeholder of the message.
    pub fn arg(mut self, name: &'static str, value: impl std::fmt::Display) -> AppError {
        if let Some(message) = self.message_mut() {
            message.0.args.push((name, value.to_string()));
        }
        self
    }

    /// Says which version the entity has now (sent as `extensions.version`).
    pub fn with_version(mut self, version: i64) -> AppError {
        if let Some(message) = self.message_mut() {
            message.0.current_version = Some(version);
            message.0.args.push(("version", version.to_string()));
        }
        self
    }

    /// Reports the error under `family` (the reason the apps already handle, such as
    /// `INVALID_TRANSITION`), keeping its own text and its own code as `extensions.detail`.
    pub fn reported_as(mut self, family: impl Reason) -> AppError {
        if let Some(message) = self.message_mut() {
            message.0.detail = Some(message.0.reason);
            message.0.reason = family.code();
        }
        self
    }

    /// The finer reason of an error reported under a family.
    pub fn detail(&self) -> Option<&'static str> {
        self.message().and_then(Message::detail)
    }

    /// The entity's current version, for a `CONFLICT` that knows it.
    pub fn current_version(&self) -> Option<i64> {
        self.message().and_then(Message::current_version)
    }

    /// The input field at fault, for `BAD_USER_INPUT`.
    pub fn field(&self) -> Option<&str> {
        match self {
            AppError::BadInput { field, .. } => field.as_deref(),
            _ => None,
        }
    }

    pub fn internal(detail: impl Into<String>) -> AppError {
        AppError::Internal(detail.into())
    }

    pub fn unauthenticated(reason: impl IntoMessage) -> AppError {
        AppError::Unauthenticated(Message::new(reason))
    }

    pub fn too_many_requests(reason: impl IntoMessage) -> AppError {
        AppError::TooManyRequests(Message::new(reason))
    }

    pub fn bad_input(reason: impl IntoMessage) -> AppError {
        AppError::BadInput {
            message: Message::new(reason),
            field: None,
        }
    }

    pub fn bad_field(field: &str, reason: impl IntoMessage) -> AppError {
        AppError::BadInput {
            message: Message::new(reason),
            field: Some(field.to_string()),
        }
        .arg("field", field.to_string())
    }

    pub fn not_found(reason: impl IntoMessage) -> AppError {
        AppError::NotFound(Message::new(reason))
    }

    pub fn forbidden(reason: impl IntoMessage) -> AppError {
        AppError::Forbidden(Message::new(reason))
    }

    pub fn conflict(reason: impl IntoMessage) -> AppError {
        AppError::Conflict(Message::new(reason))
    }

    /// A write that named an older version than the entity has now.
    pub fn stale_version(current: i64) -> AppError {
        AppError::conflict(CoreReason::VERSION_MISMATCH).with_version(current)
    }

    /// The message a client may see, in the reader's language.
    pub fn public_message(&self) -> String {
        self.message_in(i18n::current())
    }

    /// The message a client may see, in `locale`.
    pub fn message_in(&self, locale: Locale) -> String {
        match self {
            AppError::Unavailable(_) => Message::new(CoreReason::SERVICE_UNAVAILABLE).render(locale),
            AppError::Internal(_) => Message::new(CoreReason::INTERNAL).render(locale),
            other => other.message().map(|m| m.render(locale)).unwrap_or_default(),
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
                AppError::conflict(CoreReason::ALREADY_EXISTS)
            }
            DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                AppError::conflict(CoreReason::CONCURRENT_CHANGE)
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
