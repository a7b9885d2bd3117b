//! Time limits as the apps see them: a request's or task's standing against its limits, the
//! supervision lists, information requests that pause the clock, and extensions.

use async_graphql::{Context, Object, SimpleObject, ID};
use chrono::{DateTime, NaiveDateTime, Utc};

use crate::auth::graphql::{load_user, UserNode};
use crate::clock::to_utc;
use crate::error::AppResult;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, IdKind};
use crate::graphql::pagination::page_request;
use crate::ids::{RequestId, TaskId};
use crate::requests::model::{Request, Task, TaskStatus};
use crate::requests::service as requests_service;
use crate::requests::time_limits::extensions;
use crate::requests::time_limits::model::{Extension, ExtensionStatus};

use super::{mutations::*, nodes::*};

crate::stored_enum!(
    /// Where a request or task stands against its time limits.
    SlaState {
        /// No time limit applies (no policy when it was raised).
        None => "NONE",
        /// A limit runs and less than 75 % of it has passed.
        OnTrack => "ON_TRACK",
        /// A limit runs and at least 75 % of it has passed.
        DueSoon => "DUE_SOON",
        /// A running limit has passed unmet.
        Overdue => "OVERDUE",
        /// Waiting on the company for information: the clock stands still.
        AwaitingCompany => "AWAITING_COMPANY",
        /// No limit runs any more, and none was missed.
        Met => "MET",
        /// No limit runs any more, but one was missed (it stays on the record).
        MetLate => "MET_LATE",
    }
);

/// One running limit: when it falls due and when its reminder goes out.
#[derive(Debug, Clone, Copy)]
struct Running {
    due_at: NaiveDateTime,
    remind_at: Option<NaiveDateTime>,
}

/// Where a request or a department task stands against its time limits.
pub struct SlaStatus {
    first_reply_due_at: Option<NaiveDateTime>,
    first_replied_at: Option<NaiveDateTime>,
    resolve_due_at: Option<NaiveDateTime>,
    overdue_at: Option<NaiveDateTime>,
    awaiting_company_since: Option<NaiveDateTime>,
    paused_seconds: i64,
    running: Vec<Running>,
    now: NaiveDateTime,
}

impl SlaStatus {
    pub fn of_request(request: &Request, now: NaiveDateTime) -> SlaStatus {
        let open = request.status.is_open();
        let mut running = Vec::new();
        if open && request.first_replied_at.is_none() {
            if let Some(due_at) = request.first_reply_due_at {
                running.push(Running {
                    due_at,
                    remind_at: request.first_reply_remind_at,
                });
            }
        }
        if open {
            if let Some(due_at) = request.resolve_due_at {
                running.push(Running {
                    due_at,
                    remind_at: request.resolve_remind_at,
                });
            }
        }
        SlaStatus {
            first_reply_due_at: request.first_reply_due_at,
            first_replied_at: request.first_replied_at,
            resolve_due_at: request.resolve_due_at,
            overdue_at: request.overdue_at,
            awaiting_company_since: request.awaiting_company_since.filter(|_| open),
            paused_seconds: request.paused_seconds,
            running,
            now,
        }
    }

    /// A task's limits: its reply (sign-for and plan) limit, and the plan's own deadline as its
    /// resolution.
    pub fn of_task(task: &Task, request: &Request, now: NaiveDateTime) -> SlaStatus {
        let open =
            request.status.is_open() && TaskStatus::AWAITING_REPLY.contains(&task.status) && task.replied_at.is_none();
        let running = match task.reply_due_at.filter(|_| open) {
            Some(due_at) => vec![Running {
                due_at,
                remind_at: task.reply_remind_at,
            }],
            None => Vec::new(),
        };
        SlaStatus {
            first_reply_due_at: task.reply_due_at,
            first_replied_at: task.replied_at,
            resolve_due_at: task.due_at,
            overdue_at: task.overdue_at,
            awaiting_company_since: request.awaiting_company_since.filter(|_| request.status.is_open()),
            paused_seconds: request.paused_seconds,
            running,
            now,
        }
    }

    fn nearest(&self) -> Option<Running> {
        self.running.iter().copied().min_by_key(|r| r.due_at)
    }

    /// The moment the clock reads: the start of the pause while waiting on the company.
    fn clock(&self) -> NaiveDateTime {
        self.awaiting_company_since.unwrap_or(self.now)
    }
}

/// Where a request or a department task stands against its time limits.
#[Object(name = "SlaStatus")]
impl SlaStatus {
    /// When the first reply is due (for a task: the department's sign-for and plan).
    async fn first_reply_due_at(&self) -> Option<DateTime<Utc>> {
        self.first_reply_due_at.map(to_utc)
    }

    /// When the first reply came (for a task: when the department gave its plan).
    async fn first_replied_at(&self) -> Option<DateTime<Utc>> {
        self.first_replied_at.map(to_utc)
    }

    /// When the resolution is due (for a task: the deadline of the department's plan).
    async fn resolve_due_at(&self) -> Option<DateTime<Utc>> {
        self.resolve_due_at.map(to_utc)
    }

    /// The state now.
    async fn state(&self) -> SlaState {
        if self.awaiting_company_since.is_some() {
            return SlaState::AwaitingCompany;
        }
        match self.nearest() {
            Some(running) if running.due_at <= self.now => SlaState::Overdue,
            Some(_)
                if self
                    .running
                    .iter()
                    .any(|r| r.remind_at.is_some_and(|at| at <= self.now)) =>
            {
                SlaState::DueSoon
            }
            Some(_) => SlaState::OnTrack,
            None if self.overdue_at.is_some() => SlaState::MetLate,
            None if self.first_reply_due_at.is_none() && self.resolve_due_at.is_none() => SlaState::None,
            None => SlaState::Met,
        }
    }

    /// Seconds until the nearest running limit falls due (negative once it has passed; frozen
    /// while waiting on the company); null when no limit runs.
    async fn remaining(&self) -> Option<i64> {
        self.nearest().map(|r| (r.due_at - self.clock()).num_seconds())
    }

    /// When a limit was first missed. Never cleared: overdue stays on the record.
    async fn overdue_at(&self) -> Option<DateTime<Utc>> {
        self.overdue_at.map(to_utc)
    }

    /// Since when the handlers wait on the company (the clock stands still); null otherwise.
    async fn awaiting_company_since(&self) -> Option<DateTime<Utc>> {
        self.awaiting_company_since.map(to_utc)
    }

    /// Seconds spent waiting on the company so far, by which the due times have moved.
    async fn paused_seconds(&self) -> i64 {
        self.paused_seconds
    }
}

/// A department's request for more time (延期) on its task, and the admin's decision.
pub struct ExtensionNode(pub Extension);

/// A department's request for more time (延期) on its task, and the admin's decision.
#[Object(name = "SlaExtension")]
impl ExtensionNode {
    /// The extension's id.
    async fn id(&self) -> ID {
        ids::encode(IdKind::Extension, self.0.id)
    }

    /// The request.
    async fn request_id(&self) -> ID {
        ids::encode(IdKind::Request, self.0.request_id)
    }

    /// The task whose reply limit would move.
    async fn task_id(&self) -> ID {
        ids::encode(IdKind::Task, self.0.task_id)
    }

    /// Who asked.
    async fn requested_by(&self, ctx: &Context<'_>) -> AppResult<Option<UserNode>> {
        load_user(ctx, self.0.requested_by).await
    }

    /// Why.
    async fn reason(&self) -> &str {
        &self.0.reason
    }

    /// The due time when it was asked.
    async fn previous_due_at(&self) -> DateTime<Utc> {
        to_utc(self.0.previous_due_at)
    }

    /// The due time asked for.
    async fn requested_due_at(&self) -> DateTime<Utc> {
        to_utc(self.0.requested_due_at)
    }

    /// Pending, approved or refused.
    async fn status(&self) -> ExtensionStatus {
        self.0.status
    }

    /// The admin who decided.
    async fn decided_by(&self, ctx: &Context<'_>) -> AppResult<Option<UserNode>> {
        match self.0.decided_by {
            Some(id) => load_user(ctx, id).await,
            None => Ok(None),
        }
    }

    /// When it was decided.
    async fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.0.decided_at.map(to_utc)
    }

    /// The admin's note.
    async fn decision_note(&self) -> Option<&str> {
        self.0.decision_note.as_deref()
    }

    /// When it was asked.
    async fn created_at(&self) -> DateTime<Utc> {
        to_utc(self.0.created_at)
    }
}

crate::connection_types!(SlaExtensionConnection, SlaExtensionEdge, ExtensionNode, "extensions");

/// The extension after a change.
#[derive(SimpleObject)]
pub struct ExtensionPayload {
    /// The extension.
    pub extension: ExtensionNode,
}

#[derive(Default)]
pub struct SupervisionQuery;

#[Object]
impl SupervisionQuery {
    /// Requests overdue on the record (a limit of the request or of one of its tasks was
    /// missed), newest first, within what the caller may see. By default only those still
    /// open; `includeClosed` adds those resolved or closed since.
    async fn overdue_requests(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Also list requests no longer open (default false).")] include_closed: Option<bool>,
        #[graphql(desc = "Page size (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
    ) -> AppResult<RequestConnection> {
        let page = page_request(first, after)?;
        let include_closed = include_closed.unwrap_or(false);
        let page = requests_service::overdue(ctx.state(), ctx.actor()?, include_closed, page).await?;
        Ok(RequestConnection::from_page(page, |r| r.id, RequestNode))
    }

    /// Open requests with a running limit (the request's, or a task's reply) falling due within
    /// the next `withinHours` hours and not yet passed, newest first, within what the caller may
    /// see.
    async fn due_soon_requests(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How far ahead to look, in hours (1 to 720, default 24).")] within_hours: Option<i32>,
        #[graphql(desc = "Page size (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
    ) -> AppResult<RequestConnection> {
        let page = page_request(first, after)?;
        let hours = within_hours.unwrap_or(24);
        let page = requests_service::due_soon(ctx.state(), ctx.actor()?, hours, page).await?;
        Ok(RequestConnection::from_page(page, |r| r.id, RequestNode))
    }

    /// Extensions asked for, oldest first (admins); PENDING ones wait for a decision.
    async fn sla_extensions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this status.")] status: Option<ExtensionStatus>,
        #[graphql(desc = "Page size (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
    ) -> AppResult<SlaExtensionConnection> {
        let actor = ctx.actor()?;
        let page = extensions::list(ctx.state(), actor, status, page_request(first, after)?).await?;
        Ok(SlaExtensionConnection::from_page(page, |e| e.id, ExtensionNode))
    }
}

#[derive(Default)]
pub struct SupervisionMutation;

#[Object]
impl SupervisionMutation {
    /// Asks the company for missing information (the officer, an admin, or a department holding
    /// a task). The request waits on the company (AWAITING_COMPANY): its time limits and its
    /// tasks' stand still until the company answers.
    async fn request_information(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request's id.")] request_id: ID,
        #[graphql(desc = "What is missing; the company sees it.")] question: String,
        #[graphql(
            desc = "A client-generated key (e.g. a UUID) for retries: a repeat with the same key returns the first answer and changes nothing; the same key with other arguments is refused (IDEMPOTENCY_KEY_REUSED)."
        )]
        idempotency_key: Option<String>,
    ) -> AppResult<RequestPayload> {
        let actor = ctx.actor()?;
        let id = ids::decode::<RequestId>(IdKind::Request, &request_id, "requestId")?;
        Ok(RequestPayload {
            request: RequestNode(
                requests_service::request_information(ctx.state(), actor, id, &question, idempotency_key.as_deref())
                    .await?,
            ),
        })
    }

    /// The company's answer to a request for information (company staff). The clock runs again
    /// and every open due time moves by the time waited.
    async fn provide_information(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request's id.")] request_id: ID,
        #[graphql(desc = "The information asked for.")] answer: String,
        #[graphql(
            desc = "A client-generated key (e.g. a UUID) for retries: a repeat with the same key returns the first answer and changes nothing; the same key with other arguments is refused (IDEMPOTENCY_KEY_REUSED)."
        )]
        idempotency_key: Option<String>,
    ) -> AppResult<RequestPayload> {
        let actor = ctx.actor()?;
        let id = ids::decode::<RequestId>(IdKind::Request, &request_id, "requestId")?;
        Ok(RequestPayload {
            request: RequestNode(
                requests_service::provide_information(ctx.state(), actor, id, &answer, idempotency_key.as_deref())
                    .await?,
            ),
        })
    }

    /// Asks for more time (延期) on the caller's department's task, before its reply limit
    /// passes (department staff). An admin decides.
    async fn request_extension(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The task's id.")] task_id: ID,
        #[graphql(desc = "The due time asked for (after the current one).")] until: DateTime<Utc>,
        #[graphql(desc = "Why more time is needed.")] reason: String,
        #[graphql(
            desc = "A client-generated key (e.g. a UUID) for retries: a repeat with the same key returns the first answer and changes nothing; the same key with other arguments is refused (IDEMPOTENCY_KEY_REUSED)."
        )]
        idempotency_key: Option<String>,
    ) -> AppResult<ExtensionPayload> {
        let actor = ctx.actor()?;
        let id = ids::decode::<TaskId>(IdKind::Task, &task_id, "taskId")?;
        Ok(ExtensionPayload {
            extension: ExtensionNode(
                extensions::request(
                    ctx.state(),
                    actor,
                    id,
                    until.naive_utc(),
                    &reason,
                    idempotency_key.as_deref(),
                )
                .await?,
            ),
        })
    }

    /// Approves (the task's due time moves) or refuses a pending extension (admins).
    async fn decide_extension(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The extension's id.")] extension_id: ID,
        #[graphql(desc = "True to grant, false to refuse.")] approve: bool,
        #[graphql(desc = "A note for the department.")] note: Option<String>,
        #[graphql(
            desc = "A client-generated key (e.g. a UUID) for retries: a repeat with the same key returns the first answer and changes nothing; the same key with other arguments is refused (IDEMPOTENCY_KEY_REUSED)."
        )]
        idempotency_key: Option<String>,
    ) -> AppResult<ExtensionPayload> {
        let actor = ctx.actor()?;
        let id = ids::decode(IdKind::Extension, &extension_id, "extensionId")?;
        Ok(ExtensionPayload {
            extension: ExtensionNode(
                extensions::decide(
                    ctx.state(),
                    actor,
                    id,
                    approve,
                    note.as_deref(),
                    idempotency_key.as_deref(),
                )
                .await?,
            ),
        })
    }
}
