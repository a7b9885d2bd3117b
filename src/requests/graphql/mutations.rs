//! Every step of a request and its department tasks, and the categories.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use crate::ids::{RequestId, TaskId};
use crate::requests::categories;

use crate::error::AppResult;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, IdKind};
use crate::requests::model::{CategoryChanges, Channel, Request, RequestKind, Task, Urgency};
use crate::requests::service::{self, Dispatch, DispatchTarget, Raise};

use super::{nodes::*, queries::*};

/// A request to raise.
#[derive(InputObject)]
pub struct RaiseRequestInput {
    /// The company (officers and admins only; company staff raise for their own company).
    pub company_id: Option<ID>,
    /// What the company asks for.
    pub kind: RequestKind,
    /// What it is about.
    pub category_id: ID,
    /// How soon (default NORMAL).
    pub urgency: Option<Urgency>,
    /// One-line summary, at most 100 characters.
    pub title: String,
    /// Description, at most 5,000 characters.
    pub description: String,
    /// How it came in: APP for company staff (the default for them); HOTLINE, VISIT,
    /// GROUP_CHAT or OTHER when an officer or admin raises it on the company's behalf.
    pub channel: Option<Channel>,
    /// A client-generated key: raising again with the same key returns the first request.
    pub idempotency_key: Option<String>,
    /// Who in the company called the hotline or was met on the visit (officers and admins,
    /// HOTLINE or VISIT only). Shown masked to company staff and departments.
    pub caller: Option<super::similar::CallerInput>,
}

/// One department to dispatch to.
#[derive(InputObject)]
pub struct DispatchDepartmentInput {
    /// The department.
    pub department_id: ID,
    /// True for the lead department (主办); exactly one per request.
    pub lead: bool,
}

/// A category to create.
#[derive(InputObject)]
pub struct CreateCategoryInput {
    /// Stable short code (letters, digits, '-' and '_').
    pub code: String,
    /// Name in zh-CN.
    pub name: String,
    /// Name in English.
    pub name_en: Option<String>,
}

/// Changes to a category; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateCategoryInput {
    /// Stable short code.
    pub code: Option<String>,
    /// Name in zh-CN.
    pub name: Option<String>,
    /// Name in English.
    pub name_en: Option<String>,
    /// False disables the category, true enables it again.
    pub enabled: Option<bool>,
}

/// The request after a step.
#[derive(SimpleObject)]
pub struct RequestPayload {
    /// The request.
    pub request: RequestNode,
}

/// A task and its request after a step.
#[derive(SimpleObject)]
pub struct TaskPayload {
    /// The task.
    pub task: TaskNode,
    /// The request.
    pub request: RequestNode,
}

/// The request and the tasks a dispatch created.
#[derive(SimpleObject)]
pub struct DispatchPayload {
    /// The request.
    pub request: RequestNode,
    /// The new tasks.
    pub tasks: Vec<TaskNode>,
}

/// What marking a request's notifications read did.
#[derive(SimpleObject)]
pub struct MarkRequestNotificationsReadPayload {
    /// How many unread notifications were marked read.
    pub marked_count: i64,
    /// The request (its `unreadNotificationCount` is now 0).
    pub request: RequestNode,
}

/// A category after a change.
#[derive(SimpleObject)]
pub struct CategoryPayload {
    /// The category.
    pub category: CategoryNode,
}

pub(super) fn request_id(id: &ID) -> AppResult<RequestId> {
    ids::decode::<RequestId>(IdKind::Request, id, "id")
}

pub(super) fn task_id(id: &ID) -> AppResult<TaskId> {
    ids::decode::<TaskId>(IdKind::Task, id, "taskId")
}

pub(super) fn payload(request: Request) -> RequestPayload {
    RequestPayload {
        request: RequestNode(request),
    }
}

pub(super) fn task_payload((task, request): (Task, Request)) -> TaskPayload {
    TaskPayload {
        task: TaskNode(task),
        request: RequestNode(request),
    }
}

#[derive(Default)]
pub struct RequestMutation;

#[Object]
impl RequestMutation {
    /// Adds a request category (admins).
    async fn create_category(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The category.")] input: CreateCategoryInput,
    ) -> AppResult<CategoryPayload> {
        let actor = ctx.actor()?;
        let category =
            categories::create(ctx.state(), actor, &input.code, &input.name, input.name_en.as_deref()).await?;
        Ok(CategoryPayload {
            category: CategoryNode(category),
        })
    }

    /// Changes a category (admins).
    async fn update_category(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The category's id.")] id: ID,
        #[graphql(desc = "The changes.")] input: UpdateCategoryInput,
    ) -> AppResult<CategoryPayload> {
        let actor = ctx.actor()?;
        let id = ids::decode(IdKind::Category, &id, "id")?;
        let changes = CategoryChanges {
            code: input.code,
            name: input.name,
            name_en: input.name_en,
            disabled_at: None,
        };
        let category = categories::update(ctx.state(), actor, id, changes, input.enabled).await?;
        Ok(CategoryPayload {
            category: CategoryNode(category),
        })
    }

    /// Stops a category from being chosen for new requests; existing requests keep it (admins).
    async fn disable_category(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The category's id.")] id: ID,
    ) -> AppResult<CategoryPayload> {
        let actor = ctx.actor()?;
        let id = ids::decode(IdKind::Category, &id, "id")?;
        let category = categories::update(ctx.state(), actor, id, CategoryChanges::default(), Some(false)).await?;
        Ok(CategoryPayload {
            category: CategoryNode(category),
        })
    }

    /// Raises a request: company staff for their company; officers and admins on a company's
    /// behalf. With an idempotency key, a retry returns the first request.
    async fn raise_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request.")] input: RaiseRequestInput,
    ) -> AppResult<RequestPayload> {
        let actor = ctx.actor()?;
        let raise = Raise {
            company_id: decode_opt(IdKind::Company, input.company_id, "companyId")?,
            kind: input.kind,
            category_id: ids::decode(IdKind::Category, &input.category_id, "categoryId")?,
            urgency: input.urgency.unwrap_or(Urgency::Normal),
            title: input.title,
            description: input.description,
            channel: input.channel,
            idempotency_key: input.idempotency_key,
            caller: input.caller.map(Into::into),
        };
        Ok(payload(service::raise(ctx.state(), actor, raise).await?))
    }

    /// Accepts a new request (its officer or an admin).
    async fn accept_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request's id.")] id: ID,
        #[graphql(desc = "The version last read; a stale one gives CONFLICT.")] version: i32,
        #[graphql(
            desc = "True when the request needs higher approval (the coordinated tier's longer time limits); omit to keep the tier."
        )]
        needs_coordination: Option<bool>,
        #[graphql(
            desc = "A client-generated key (e.g. a UUID) for retries: a repeat with the same key returns the first answer and changes nothing; the same key with other arguments is refused (IDEMPOTENCY_KEY_REUSED)."
        )]
        idempotency_key: Option<String>,
    ) -> AppResult<RequestPayload> {
        let actor = ctx.actor()?;
        Ok(payload(
            service::accept(
                ctx.state(),
                actor,
                request_id(&id)?,
                version,
                needs_coordination,
                idempotency_key.as_deref(),
            )
            .await?,
        ))
    }

    /// Rejects a request as out of scope, with a reason the company sees.
    async fn reject_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request's id.")] id: ID,
        #[graphql(desc = "The version last read; a stale one gives CONFLICT.")] version: i32,
        #[graphql(desc = "Why (required).")] reason: String,
        #[graphql(
            desc = "A client-generated key (e.g. a UUID) for retries: a repeat with the same key returns the first answer and changes nothing; the same key with other arguments is refused (IDEMPOTENCY_KEY_REUSED)."
        )]
        idempotency_key: Option<String>,
    ) -> AppResult<RequestPayload> {
        let actor = ctx.actor()?;
        Ok(payload(
            service::reject(
                ctx.state(),
                actor,
                request_id(&id)?,
                version,
                &reason,
                idempotency_key.as_deref(),
            )
            .await?,
        ))
    }

    /// Answers a consultation, which resolves it.
    async fn answer_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request's id.")] id: ID,
        #[graphql(desc = "The version last read; a stale one gives CONFLICT.")] version: i32,
        #[graphql(desc = "The answer.")] answer: String,
        #[graphql(
            desc = "A client-generated key (e.g. a UUID) for retries: a repeat with the same key returns the first answer and changes nothing; the same key with other arguments is refused (IDEMPOTENCY_KEY_REUSED)."
        )]
        idempotency_key: Option<String>,
    ) -> AppResult<RequestPayload> {
        let actor = ctx.actor()?;
        Ok(payload(
            service::answer(
                ctx.state(),
                actor,
                request_id(&id)?,
                version,
                &answer,
                idempotency_key.as_deref(),
            )
            .await?,
        ))
    }

    /// Dispatches (交办) to departments, exactly one of them the lead (主办) — or, with
    /// `toPool: true` and no departments, puts the request in the open pool for any department
    /// to claim. Also re-dispatches after a department returned its task.
    #[allow(clippy::too_many_arguments)]
    async fn dispatch_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request's id.")] id: ID,
        #[graphql(desc = "The version last read; a stale one gives CONFLICT.")] version: i32,
        #[graphql(desc = "The departments and which one leads.")] departments: Option<Vec<DispatchDepartmentInput>>,
        #[graphql(desc = "A note for the departments.")] note: Option<String>,
        #[graphql(desc = "Put the request in the open pool instead (default false).")] to_pool: Option<bool>,
        #[graphql(
            desc = "True when the request needs higher approval (the coordinated tier's longer time limits); omit to keep the tier."
        )]
        needs_coordination: Option<bool>,
        #[graphql(
            desc = "A client-generated key (e.g. a UUID) for retries: a repeat with the same key returns the first answer and changes nothing; the same key with other arguments is refused (IDEMPOTENCY_KEY_REUSED)."
        )]
        idempotency_key: Option<String>,
    ) -> AppResult<DispatchPayload> {
        let actor = ctx.actor()?;
        let targets = departments
            .unwrap_or_default()
            .into_iter()
            .map(|d| {
                Ok(DispatchTarget {
                    department_id: ids::decode(IdKind::Department, &d.department_id, "departments")?,
                    lead: d.lead,
                })
            })
            .collect::<AppResult<Vec<_>>>()?;
        let dispatch = Dispatch {
            targets,
            note,
            to_pool: to_pool.unwrap_or(false),
            needs_coordination,
        };
        let (request, tasks) = service::dispatch(
            ctx.state(),
            actor,
            request_id(&id)?,
            version,
            dispatch,
            idempotency_key.as_deref(),
        )
        .await?;
        Ok(DispatchPayload {
            request: RequestNode(request),
            tasks: tasks.into_iter().map(TaskNode).collect(),
        })
    }

    /// Claims (认领) a task from the open pool for the caller's department.
    async fn claim_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The pooled task's id.")] task_id: ID,
        #[graphql(
            desc = "A client-generated key (e.g. a UUID) for retries: a repeat with the same key returns the first answer and changes nothing; the same key with other arguments is refused (IDEMPOTENCY_KEY_REUSED)."
        )]
        idempotency_key: Option<String>,
    ) -> AppResult<TaskPayload> {
        let actor = ctx.actor()?;
        Ok(task_payload(
            service::claim(ctx.state(), actor, self::task_id(&task_id)?, idempotency_key.as_deref()).await?,
        ))
    }

    /// Signs for (签收) a task dispatched to the caller's department.
    async fn sign_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The task's id.")] task_id: ID,
        #[graphql(
            desc = "A client-generated key (e.g. a UUID) for retries: a repeat with the same key returns the first answer and changes nothing; the same key with other arguments is refused (IDEMPOTENCY_KEY_REUSED)."
        )]
        idempotency_key: Option<String>,
    ) -> AppResult<TaskPayload> {
        let actor = ctx.actor()?;
        Ok(task_payload(
            service::sign(ctx.state(), actor, self::task_id(&task_id)?, idempotency_key.as_deref()).await?,
        ))
    }

    /// Returns (退单) a task that is not the department's remit; the officer re-dispatches.
    async fn return_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The task's id.")] task_id: ID,
        #[graphql(desc = "Why it is not the department's remit (required).")] reason: String,
        #[graphql(
            desc = "A client-generated key (e.g. a UUID) for retries: a repeat with the same key returns the first answer and changes nothing; the same key with other arguments is refused (IDEMPOTENCY_KEY_REUSED)."
        )]
        idempotency_key: Option<String>,
    ) -> AppResult<TaskPayload> {
        let actor = ctx.actor()?;
        Ok(task_payload(
            service::return_task(
                ctx.state(),
                actor,
                self::task_id(&task_id)?,
                &reason,
                idempotency_key.as_deref(),
            )
            .await?,
        ))
    }

    /// Transfers (转办) a task to another department, with a reason.
    async fn transfer_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The task's id.")] task_id: ID,
        #[graphql(desc = "The department to take it over.")] to_department_id: ID,
        #[graphql(desc = "Why (required).")] reason: String,
        #[graphql(
            desc = "A client-generated key (e.g. a UUID) for retries: a repeat with the same key returns the first answer and changes nothing; the same key with other arguments is refused (IDEMPOTENCY_KEY_REUSED)."
        )]
        idempotency_key: Option<String>,
    ) -> AppResult<TaskPayload> {
        let actor = ctx.actor()?;
        let to = ids::decode(IdKind::Department, &to_department_id, "toDepartmentId")?;
        Ok(task_payload(
            service::transfer(
                ctx.state(),
                actor,
                self::task_id(&task_id)?,
                to,
                &reason,
                idempotency_key.as_deref(),
            )
            .await?,
        ))
    }

    /// Gives (or revises) the task's plan: who is responsible, how, and by when.
    async fn submit_plan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The task's id.")] task_id: ID,
        #[graphql(desc = "The person responsible.")] responsible: String,
        #[graphql(desc = "How it will be handled.")] approach: String,
        #[graphql(desc = "By when (in the future).")] due_at: DateTime<Utc>,
        #[graphql(
            desc = "A client-generated key (e.g. a UUID) for retries: a repeat with the same key returns the first answer and changes nothing; the same key with other arguments is refused (IDEMPOTENCY_KEY_REUSED)."
        )]
        idempotency_key: Option<String>,
    ) -> AppResult<TaskPayload> {
        let actor = ctx.actor()?;
        Ok(task_payload(
            service::submit_plan(
                ctx.state(),
                actor,
                self::task_id(&task_id)?,
                &responsible,
                &approach,
                due_at.naive_utc(),
                idempotency_key.as_deref(),
            )
            .await?,
        ))
    }

    /// Reports the department's task done; the request is resolved when every lead task is.
    async fn complete_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The task's id.")] task_id: ID,
        #[graphql(desc = "What was done (the company sees it).")] result: String,
        #[graphql(
            desc = "A client-generated key (e.g. a UUID) for retries: a repeat with the same key returns the first answer and changes nothing; the same key with other arguments is refused (IDEMPOTENCY_KEY_REUSED)."
        )]
        idempotency_key: Option<String>,
    ) -> AppResult<TaskPayload> {
        let actor = ctx.actor()?;
        Ok(task_payload(
            service::complete_task(
                ctx.state(),
                actor,
                self::task_id(&task_id)?,
                &result,
                idempotency_key.as_deref(),
            )
            .await?,
        ))
    }

    /// Adds a progress note; internal notes are never shown to company staff.
    async fn add_progress_note(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request's id.")] request_id: ID,
        #[graphql(desc = "The note.")] text: String,
        #[graphql(desc = "True for a note company staff never see (default false).")] internal: Option<bool>,
        #[graphql(
            desc = "A client-generated key (e.g. a UUID) for retries: a repeat with the same key returns the first answer and changes nothing; the same key with other arguments is refused (IDEMPOTENCY_KEY_REUSED)."
        )]
        idempotency_key: Option<String>,
    ) -> AppResult<RequestPayload> {
        let actor = ctx.actor()?;
        let id = ids::decode::<RequestId>(IdKind::Request, &request_id, "requestId")?;
        Ok(payload(
            service::add_note(
                ctx.state(),
                actor,
                id,
                &text,
                internal.unwrap_or(false),
                idempotency_key.as_deref(),
            )
            .await?,
        ))
    }

    /// Resolves the request directly with an answer (its officer or an admin).
    async fn resolve_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request's id.")] id: ID,
        #[graphql(desc = "The version last read; a stale one gives CONFLICT.")] version: i32,
        #[graphql(desc = "What was done or the answer (the company sees it).")] answer: String,
        #[graphql(
            desc = "A client-generated key (e.g. a UUID) for retries: a repeat with the same key returns the first answer and changes nothing; the same key with other arguments is refused (IDEMPOTENCY_KEY_REUSED)."
        )]
        idempotency_key: Option<String>,
    ) -> AppResult<RequestPayload> {
        let actor = ctx.actor()?;
        Ok(payload(
            service::resolve(
                ctx.state(),
                actor,
                request_id(&id)?,
                version,
                &answer,
                idempotency_key.as_deref(),
            )
            .await?,
        ))
    }

    /// Marks an open request unresolvable under current policy, with an explanation and the
    /// filing number (备案).
    async fn mark_unresolvable(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request's id.")] id: ID,
        #[graphql(desc = "The version last read; a stale one gives CONFLICT.")] version: i32,
        #[graphql(desc = "The explanation (required).")] reason: String,
        #[graphql(desc = "The filing number (required).")] filing_number: String,
        #[graphql(
            desc = "A client-generated key (e.g. a UUID) for retries: a repeat with the same key returns the first answer and changes nothing; the same key with other arguments is refused (IDEMPOTENCY_KEY_REUSED)."
        )]
        idempotency_key: Option<String>,
    ) -> AppResult<RequestPayload> {
        let actor = ctx.actor()?;
        Ok(payload(
            service::mark_unresolvable(
                ctx.state(),
                actor,
                request_id(&id)?,
                version,
                &reason,
                &filing_number,
                idempotency_key.as_deref(),
            )
            .await?,
        ))
    }

    /// The company's confirmation of a resolved request: both answers yes closes it; either
    /// no reopens it for re-handling (重办).
    async fn confirm_resolution(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request's id.")] id: ID,
        #[graphql(desc = "Was it solved?")] solved: bool,
        #[graphql(desc = "Is the company satisfied?")] satisfied: bool,
        #[graphql(desc = "A comment.")] comment: Option<String>,
        #[graphql(
            desc = "A client-generated key (e.g. a UUID) for retries: a repeat with the same key returns the first answer and changes nothing; the same key with other arguments is refused (IDEMPOTENCY_KEY_REUSED)."
        )]
        idempotency_key: Option<String>,
    ) -> AppResult<RequestPayload> {
        let actor = ctx.actor()?;
        Ok(payload(
            service::confirm(
                ctx.state(),
                actor,
                request_id(&id)?,
                solved,
                satisfied,
                comment.as_deref(),
                idempotency_key.as_deref(),
            )
            .await?,
        ))
    }

    /// Withdraws an open request (company staff).
    async fn withdraw_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request's id.")] id: ID,
        #[graphql(desc = "Why.")] reason: Option<String>,
        #[graphql(
            desc = "A client-generated key (e.g. a UUID) for retries: a repeat with the same key returns the first answer and changes nothing; the same key with other arguments is refused (IDEMPOTENCY_KEY_REUSED)."
        )]
        idempotency_key: Option<String>,
    ) -> AppResult<RequestPayload> {
        let actor = ctx.actor()?;
        Ok(payload(
            service::withdraw(
                ctx.state(),
                actor,
                request_id(&id)?,
                reason.as_deref(),
                idempotency_key.as_deref(),
            )
            .await?,
        ))
    }

    /// Marks the caller's notifications about one request read (clears its badge,
    /// `Request.unreadNotificationCount`); the inbox's unread count drops by as many.
    async fn mark_request_notifications_read(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request's id.")] request_id: ID,
    ) -> AppResult<MarkRequestNotificationsReadPayload> {
        let actor = ctx.actor()?;
        let id = ids::decode::<RequestId>(IdKind::Request, &request_id, "requestId")?;
        let (marked_count, request) = service::mark_notifications_read(ctx.state(), actor, id).await?;
        Ok(MarkRequestNotificationsReadPayload {
            marked_count,
            request: RequestNode(request),
        })
    }

    /// Urges an open request on: company staff, or an admin supervising it (督办). The officer
    /// and the departments holding a task get an urgent push.
    async fn urge_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request's id.")] id: ID,
        #[graphql(desc = "A message for the officer.")] message: Option<String>,
        #[graphql(
            desc = "A client-generated key (e.g. a UUID) for retries: a repeat with the same key returns the first answer and changes nothing; the same key with other arguments is refused (IDEMPOTENCY_KEY_REUSED)."
        )]
        idempotency_key: Option<String>,
    ) -> AppResult<RequestPayload> {
        let actor = ctx.actor()?;
        Ok(payload(
            service::urge(
                ctx.state(),
                actor,
                request_id(&id)?,
                message.as_deref(),
                idempotency_key.as_deref(),
            )
            .await?,
        ))
    }
}
