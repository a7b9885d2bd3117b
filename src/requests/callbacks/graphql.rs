//! The GraphQL face of callbacks (回访): recording the company's answers given by phone, and
//! the list of requests waiting for a call.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use super::model::Callback;
use crate::auth::graphql::{load_user, UserNode};
use crate::clock::to_utc;
use crate::error::AppResult;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, IdKind};
use crate::graphql::pagination::page_request;
use crate::ids::RequestId;
use crate::requests::graphql::RequestNode;
use crate::requests::model::Request;
use crate::requests::service::{self, CallbackInput};

/// A callback (回访) on a request: flagged when it closed without the company's answer, and
/// the answers an officer or admin recorded from the call.
pub struct CallbackNode(pub Callback);

/// A callback (回访) on a request: flagged when it closed without the company's answer, and
/// the answers an officer or admin recorded from the call.
#[Object(name = "Callback")]
impl CallbackNode {
    /// When the request was flagged for a call (closed automatically without an answer in the
    /// app); null for a call made without a flag.
    async fn flagged_at(&self) -> Option<DateTime<Utc>> {
        self.0.flagged_at.map(to_utc)
    }

    /// Whether the call is still to be made.
    async fn pending(&self) -> bool {
        self.0.recorded_at.is_none()
    }

    /// Who at the company was called.
    async fn callee(&self) -> Option<&str> {
        self.0.callee.as_deref()
    }

    /// When the call was made.
    async fn called_at(&self) -> Option<DateTime<Utc>> {
        self.0.called_at.map(to_utc)
    }

    /// Was it solved (解决), as the company said on the phone.
    async fn solved(&self) -> Option<bool> {
        self.0.solved
    }

    /// Is the company satisfied (满意), as it said on the phone.
    async fn satisfied(&self) -> Option<bool> {
        self.0.satisfied
    }

    /// The company's comment, as noted by the caller.
    async fn comment(&self) -> Option<&str> {
        self.0.comment.as_deref()
    }

    /// The officer or admin who recorded the answers.
    async fn recorded_by(&self, ctx: &Context<'_>) -> AppResult<Option<UserNode>> {
        match self.0.recorded_by {
            Some(id) => load_user(ctx, id).await,
            None => Ok(None),
        }
    }

    /// When the answers were recorded.
    async fn recorded_at(&self) -> Option<DateTime<Utc>> {
        self.0.recorded_at.map(to_utc)
    }
}

/// The company's answers given by phone.
#[derive(InputObject)]
pub struct RecordCallbackInput {
    /// The request called about.
    pub request_id: ID,
    /// Was it solved?
    pub solved: bool,
    /// Is the company satisfied?
    pub satisfied: bool,
    /// The company's comment, as noted.
    pub comment: Option<String>,
    /// Who at the company was called (name, and role if useful; at most 100 characters).
    pub callee: String,
    /// When the call was made (not in the future, at most 30 days ago).
    pub called_at: DateTime<Utc>,
    /// A client-generated key for retries: a repeat with the same key returns the first answer
    /// and changes nothing.
    pub idempotency_key: Option<String>,
}

/// A request waiting for a callback.
pub struct CallbackDueNode(pub Request);

crate::connection_types!(
    CallbackDueConnection,
    CallbackDueEdge,
    CallbackDueNode,
    "requests waiting for a callback"
);

/// A request waiting for a callback: it closed without the company's answer in the app.
#[Object(name = "CallbackDue")]
impl CallbackDueNode {
    /// The request, closed without the company's answer.
    async fn request(&self) -> RequestNode {
        RequestNode(self.0.clone())
    }
}

/// The request after a callback was recorded.
#[derive(SimpleObject)]
pub struct CallbackPayload {
    /// The request (closed or reopened, or still closed with the answers now recorded).
    pub request: RequestNode,
}

#[derive(Default)]
pub struct CallbackQuery;

#[Object]
impl CallbackQuery {
    /// Requests flagged for a callback and not called yet, oldest flag first: an officer's
    /// own (raised while they served the company), all for admins.
    async fn callbacks_due(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
    ) -> AppResult<CallbackDueConnection> {
        let page = service::callbacks_due(ctx.state(), ctx.actor()?, page_request(first, after)?).await?;
        Ok(CallbackDueConnection::from_page(
            page,
            |(flag, _)| *flag,
            |(_, r)| CallbackDueNode(r),
        ))
    }
}

#[derive(Default)]
pub struct CallbackMutation;

#[Object]
impl CallbackMutation {
    /// Records the company's answers given by phone (回访), on its behalf (the request's
    /// officer or an admin). On a RESOLVED request it works as the company's confirmation
    /// (both yes closes, either no reopens); on a request closed automatically and flagged for
    /// a callback it records the answers. Marked as a callback in the timeline and counted
    /// apart in the statistics.
    async fn record_callback(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request, the answers and who was called when.")] input: RecordCallbackInput,
    ) -> AppResult<CallbackPayload> {
        let request = service::record_callback(
            ctx.state(),
            ctx.actor()?,
            ids::decode::<RequestId>(IdKind::Request, &input.request_id, "requestId")?,
            CallbackInput {
                solved: input.solved,
                satisfied: input.satisfied,
                comment: input.comment,
                callee: input.callee,
                called_at: input.called_at.naive_utc(),
            },
            input.idempotency_key.as_deref(),
        )
        .await?;
        Ok(CallbackPayload {
            request: RequestNode(request),
        })
    }
}
