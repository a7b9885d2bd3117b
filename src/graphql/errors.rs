//! How errors leave the server: every error carries `extensions.code`; internal causes are
//! logged with a correlation id and replaced by a generic message.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextRequest, NextValidation,
};
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument};
use async_graphql::{ErrorExtensionValues, Response, ServerError, ServerResult, ValidationResult, Value, Variables};

use crate::error::{AppError, CoreReason};
use crate::i18n::{self, Reason};

impl From<AppError> for async_graphql::Error {
    fn from(error: AppError) -> async_graphql::Error {
        let mut extensions = ErrorExtensionValues::default();
        extensions.set("code", error.code());
        extensions.set("reason", error.reason());
        if let Some(field) = error.field() {
            extensions.set("field", field);
        }
        if let Some(version) = error.current_version() {
            extensions.set("version", version);
        }
        if let Some(detail) = error.detail() {
            extensions.set("detail", detail);
        }
        if let Some(detail) = error.hidden_detail() {
            let correlation_id = new_correlation_id();
            tracing::error!(correlation_id = %correlation_id, code = error.code(), detail, "request failed");
            extensions.set("correlationId", correlation_id);
        }
        async_graphql::Error {
            message: error.public_message(),
            source: None,
            extensions: Some(extensions),
        }
    }
}

pub fn new_correlation_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_string()
}

/// Makes sure every error in a response has a code, including those async-graphql raises itself,
/// and counts each operation (by name, with its duration) and each error (by code) in the
/// application's metrics; the operation's name also goes on the request's span.
pub struct ErrorCodes;

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodesExtension::default())
    }
}

/// One request's extension: the operation's name once the document is known.
#[derive(Default)]
struct ErrorCodesExtension {
    /// The name of the document's only operation (parse), then of the one executed (execute).
    operation: Mutex<Option<String>>,
    executed: std::sync::atomic::AtomicBool,
}

impl ErrorCodesExtension {
    fn set_operation(&self, name: Option<String>) {
        let mut operation = self.operation.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(name) = name.as_ref().filter(|name| operation.as_ref() != Some(*name)) {
            tracing::Span::current().record("graphql.operation.name", name.as_str());
        }
        *operation = name;
    }

    fn operation(&self) -> Option<String> {
        self.operation.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

crate::reasons! {
    /// Refusals async-graphql raises itself, before or around our resolvers; `{detail}` is its
    /// own English description of what is wrong with the document.
    pub enum DocumentReason {
        GRAPHQL_PARSE_FAILED => "查询语句无法解析：{detail}", "{detail}";
        GRAPHQL_VALIDATION_FAILED => "查询语句不符合接口定义：{detail}", "{detail}";
        INVALID_ARGUMENT_VALUE => "参数值无效：{detail}", "{detail}";
        QUERY_TOO_COMPLEX => "查询过于复杂：{detail}", "{detail}";
    }
}

fn document_reason(code: &str) -> Option<DocumentReason> {
    match code {
        "GRAPHQL_PARSE_FAILED" => Some(DocumentReason::GRAPHQL_PARSE_FAILED),
        "GRAPHQL_VALIDATION_FAILED" => Some(DocumentReason::GRAPHQL_VALIDATION_FAILED),
        "BAD_USER_INPUT" => Some(DocumentReason::INVALID_ARGUMENT_VALUE),
        "QUERY_TOO_COMPLEX" => Some(DocumentReason::QUERY_TOO_COMPLEX),
        _ => None,
    }
}

/// Gives an error async-graphql raised its code, a reason and a message in the reader's
/// language (ours already have all three).
fn with_code(mut error: ServerError, code: &str) -> ServerError {
    let extensions = error.extensions.get_or_insert_with(ErrorExtensionValues::default);
    if extensions.get("code").is_none() {
        extensions.set("code", code);
    }
    if extensions.get("reason").is_none() {
        if let Some(reason) = document_reason(code) {
            extensions.set("reason", reason.code());
            let template = reason.template(i18n::current());
            error.message = i18n::render(template, &[("detail", error.message.clone())]);
        } else {
            extensions.set("reason", code);
        }
    }
    error
}

/// async-graphql's own limit errors, told apart by their text, get `QUERY_TOO_COMPLEX` and the
/// limit at fault instead of a generic code.
fn with_limit_code(error: ServerError, otherwise: &str) -> ServerError {
    let limit = match error.message.as_str() {
        "Query is too complex." => Some("complexity"),
        "Query is nested too deep." => Some("depth"),
        m if m.starts_with("The recursion depth of the query") => Some("depth"),
        m if m.starts_with("The number of directives on the field") => Some("directives"),
        _ => None,
    };
    match limit {
        Some(limit) if !has_code(&error) => {
            let mut error = with_code(error, "QUERY_TOO_COMPLEX");
            error
                .extensions
                .get_or_insert_with(ErrorExtensionValues::default)
                .set("limit", limit);
            error
        }
        _ => with_code(error, otherwise),
    }
}

fn has_code(error: &ServerError) -> bool {
    error.extensions.as_ref().is_some_and(|e| e.get("code").is_some())
}

/// An error raised during execution without a code: a bad argument value (the client's fault)
/// keeps its message; anything else is hidden behind a correlation id.
pub fn classify_uncoded(error: ServerError) -> ServerError {
    if has_code(&error) {
        return error;
    }
    let message = error.message.as_str();
    if message.starts_with("Failed to parse")
        || message.starts_with("Invalid value for argument")
        || message.starts_with("Expected input type")
    {
        return with_code(error, "BAD_USER_INPUT");
    }
    let correlation_id = new_correlation_id();
    tracing::error!(correlation_id = %correlation_id, detail = %error.message, "request failed without a code");
    let mut hidden = ServerError::new(AppError::internal("").public_message(), None);
    hidden.locations = error.locations;
    hidden.path = error.path;
    let extensions = hidden.extensions.get_or_insert_with(ErrorExtensionValues::default);
    extensions.set("code", "INTERNAL");
    extensions.set("reason", CoreReason::INTERNAL.code());
    extensions.set("correlationId", Value::from(correlation_id));
    hidden
}

#[async_trait::async_trait]
impl Extension for ErrorCodesExtension {
    /// The last net: errors raised between validation and execution (choosing the operation)
    /// or by another extension get a code too.
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let started = Instant::now();
        let mut response = next.run(ctx).await;
        response.errors = response
            .errors
            .into_iter()
            .map(|error| {
                if error.message.starts_with("Unknown operation named")
                    || error.message.starts_with("Operation name required")
                {
                    with_code(error, "GRAPHQL_VALIDATION_FAILED")
                } else {
                    classify_uncoded(error)
                }
            })
            .collect();
        if let Some(state) = ctx.data_opt::<crate::state::AppState>() {
            let metrics = &state.metrics;
            if self.executed.load(std::sync::atomic::Ordering::Relaxed) {
                metrics.graphql_operation(self.operation().as_deref(), started.elapsed());
            }
            for error in &response.errors {
                let code = error.extensions.as_ref().and_then(|e| e.get("code"));
                match code {
                    Some(Value::String(code)) => metrics.graphql_error(code),
                    _ => metrics.graphql_error("INTERNAL"),
                }
            }
        }
        response
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next
            .run(ctx, query, variables)
            .await
            .map_err(|e| with_limit_code(e, "GRAPHQL_PARSE_FAILED"))?;
        // A document with one named operation needs no operationName to run it.
        if let DocumentOperations::Multiple(operations) = &document.operations {
            if operations.len() == 1 {
                self.set_operation(operations.keys().next().map(|name| name.to_string()));
            }
        }
        Ok(document)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|e| with_limit_code(e, "GRAPHQL_VALIDATION_FAILED"))
                .collect()
        })
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        self.executed.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(name) = operation_name {
            self.set_operation(Some(name.to_string()));
        }
        let mut response = next.run(ctx, operation_name).await;
        response.errors = response.errors.into_iter().map(classify_uncoded).collect();
        response
    }
}
