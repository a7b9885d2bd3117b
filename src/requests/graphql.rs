use std::collections::HashMap;

use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{Context, InputObject, Object, SimpleObject, Subscription, ID};
use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt};

use super::categories;
use super::live;
use super::model::{
    Category, CategoryChanges, Channel, Event, EventKind, Request, RequestKind, RequestStatus, Task, TaskStatus,
    Urgency,
};
use super::repo::{self, RequestFilter};
use super::service::{self, Dispatch, DispatchTarget, Raise};
use crate::auth::graphql::{load_user, UserNode};
use crate::auth::model::Role;
use crate::clock::to_utc;
use crate::companies::graphql::{load_company, CompanyNode};
use crate::db::Db;
use crate::departments::graphql::{load_department, DepartmentNode};
use crate::error::{AppError, AppResult};
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, IdKind};
use crate::graphql::pagination::page_request;
use crate::sla::graphql::{ExtensionNode, SlaStatus};
use crate::state::AppState;

/// Batches category look-ups of one request into one query.
pub struct CategoryLoader(pub Db);

impl Loader<i64> for CategoryLoader {
    type Value = Category;
    type Error = AppError;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Category>, AppError> {
        let keys = keys.to_vec();
        let rows = self.0.read(move |conn| categories::find_by_ids(conn, &keys)).await?;
        Ok(rows.into_iter().map(|c| (c.id, c)).collect())
    }
}

/// Batches the tasks of a page of requests into one query.
pub struct TasksLoader(pub Db);

impl Loader<i64> for TasksLoader {
    type Value = Vec<Task>;
    type Error = AppError;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Vec<Task>>, AppError> {
        let keys = keys.to_vec();
        let rows = self.0.read(move |conn| repo::tasks_for_requests(conn, &keys)).await?;
        let mut by_request: HashMap<i64, Vec<Task>> = HashMap::new();
        for task in rows {
            by_request.entry(task.request_id).or_default().push(task);
        }
        Ok(by_request)
    }
}

/// Batches the timelines of a page of requests into one query.
pub struct EventsLoader(pub Db);

impl Loader<i64> for EventsLoader {
    type Value = Vec<Event>;
    type Error = AppError;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Vec<Event>>, AppError> {
        let keys = keys.to_vec();
        let rows = self.0.read(move |conn| repo::events_for_requests(conn, &keys)).await?;
        let mut by_request: HashMap<i64, Vec<Event>> = HashMap::new();
        for event in rows {
            by_request.entry(event.request_id).or_default().push(event);
        }
        Ok(by_request)
    }
}

/// A kind of matter a request is about, managed by admins (permits, water, power, …).
pub struct CategoryNode(pub Category);

/// A kind of matter a request is about, managed by admins (permits, water, power, …).
#[Object(name = "Category")]
impl CategoryNode {
    /// Opaque id.
    async fn id(&self) -> ID {
        ids::encode(IdKind::Category, self.0.id)
    }

    /// Stable short code, such as `water`.
    async fn code(&self) -> &str {
        &self.0.code
    }

    /// Name shown in the app (zh-CN), such as 供水.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// English name.
    async fn name_en(&self) -> &str {
        &self.0.name_en
    }

    /// True when the category can no longer be chosen for new requests.
    async fn disabled(&self) -> bool {
        self.0.disabled_at.is_some()
    }

    /// Optimistic-lock version.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// A request (诉求工单) raised by or for a company.
pub struct RequestNode(pub Request);

crate::connection_types!(RequestConnection, RequestEdge, RequestNode, "requests");

async fn request_tasks(ctx: &Context<'_>, request_id: i64) -> AppResult<Vec<Task>> {
    Ok(ctx
        .data_unchecked::<DataLoader<TasksLoader>>()
        .load_one(request_id)
        .await?
        .unwrap_or_default())
}

/// The request's events the caller may see (company staff never see internal ones).
async fn visible_events(ctx: &Context<'_>, request_id: i64) -> AppResult<Vec<Event>> {
    let sees_internal = service::sees_internal(ctx.actor()?);
    Ok(ctx
        .data_unchecked::<DataLoader<EventsLoader>>()
        .load_one(request_id)
        .await?
        .unwrap_or_default()
        .into_iter()
        .filter(|e| sees_internal || !e.internal)
        .collect())
}

/// A person taking part in a request, as the caller may see them: company staff see their own
/// colleagues and officers, while department staff and admins appear to them only by role.
async fn participant(ctx: &Context<'_>, user_id: i64) -> AppResult<Option<UserNode>> {
    let viewer_is_company = ctx.actor()?.role == Role::Company;
    Ok(load_user(ctx, user_id)
        .await?
        .filter(|user| !(viewer_is_company && matches!(user.0.role, Role::Department | Role::Admin))))
}

/// A request (诉求工单) raised by or for a company.
#[Object(name = "Request")]
impl RequestNode {
    /// Opaque id.
    async fn id(&self) -> ID {
        ids::encode(IdKind::Request, self.0.id)
    }

    /// Readable number, unique per year, such as `QY-2026-000123`.
    async fn number(&self) -> &str {
        &self.0.number
    }

    /// Where the request stands.
    async fn status(&self) -> RequestStatus {
        self.0.status
    }

    /// What the company asks for.
    async fn kind(&self) -> RequestKind {
        self.0.kind
    }

    /// What the request is about.
    async fn category(&self, ctx: &Context<'_>) -> AppResult<Option<CategoryNode>> {
        Ok(ctx
            .data_unchecked::<DataLoader<CategoryLoader>>()
            .load_one(self.0.category_id)
            .await?
            .map(CategoryNode))
    }

    /// How soon the company needs an answer.
    async fn urgency(&self) -> Urgency {
        self.0.urgency
    }

    /// How the request came in.
    async fn channel(&self) -> Channel {
        self.0.channel
    }

    /// One-line summary (at most 100 characters).
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// The company's description (at most 5,000 characters).
    async fn description(&self) -> &str {
        &self.0.description
    }

    /// The company the request is for.
    async fn company(&self, ctx: &Context<'_>) -> AppResult<Option<CompanyNode>> {
        load_company(ctx, self.0.company_id).await
    }

    /// Who raised it (company staff, or the officer or admin who took it down); null for
    /// company staff when an admin raised it.
    async fn raised_by(&self, ctx: &Context<'_>) -> AppResult<Option<UserNode>> {
        participant(ctx, self.0.raised_by).await
    }

    /// The company's service officer when the request was raised; null if it had none.
    async fn officer(&self, ctx: &Context<'_>) -> AppResult<Option<UserNode>> {
        match self.0.officer_id {
            Some(id) => load_user(ctx, id).await,
            None => Ok(None),
        }
    }

    /// The departments' tasks, in the order they were given.
    async fn tasks(&self, ctx: &Context<'_>) -> AppResult<Vec<TaskNode>> {
        Ok(request_tasks(ctx, self.0.id).await?.into_iter().map(TaskNode).collect())
    }

    /// Everything that happened, oldest first (internal events are hidden from company staff).
    async fn timeline(&self, ctx: &Context<'_>) -> AppResult<Vec<EventNode>> {
        Ok(visible_events(ctx, self.0.id)
            .await?
            .into_iter()
            .map(EventNode)
            .collect())
    }

    /// Photos and documents on the request (internal ones are hidden from company staff).
    async fn attachments(&self, ctx: &Context<'_>) -> AppResult<Vec<crate::attachments::graphql::AttachmentNode>> {
        let actor = ctx.actor()?;
        let files = crate::attachments::service::of_request(ctx.state(), actor, self.0.id).await?;
        Ok(files
            .into_iter()
            .map(crate::attachments::graphql::AttachmentNode)
            .collect())
    }

    /// The latest event the caller may see.
    async fn last_event(&self, ctx: &Context<'_>) -> AppResult<Option<EventNode>> {
        Ok(visible_events(ctx, self.0.id).await?.pop().map(EventNode))
    }

    /// The answer or result given to the company (or the reason for rejecting it or marking it
    /// unresolvable).
    async fn answer(&self) -> Option<&str> {
        self.0.answer.as_deref()
    }

    /// The filing number (备案) of a request marked unresolvable.
    async fn filing_number(&self) -> Option<&str> {
        self.0.filing_number.as_deref()
    }

    /// The company's feedback on the resolution; null until it confirms or the request closes
    /// without feedback.
    async fn satisfaction(&self) -> Option<Satisfaction> {
        if self.0.no_feedback {
            return Some(Satisfaction {
                solved: None,
                satisfied: None,
                comment: None,
                no_feedback: true,
                at: self.0.closed_at.map(to_utc),
            });
        }
        self.0.feedback_at.map(|at| Satisfaction {
            solved: self.0.solved,
            satisfied: self.0.satisfied,
            comment: self.0.feedback_comment.clone(),
            no_feedback: false,
            at: Some(to_utc(at)),
        })
    }

    /// Optimistic-lock version: pass it back with the next step; a stale one gives CONFLICT.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// When the request was raised.
    async fn created_at(&self) -> DateTime<Utc> {
        to_utc(self.0.created_at)
    }

    /// When the request last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        to_utc(self.0.updated_at)
    }

    /// True when the request needs higher approval: the coordinated tier's time limits apply.
    async fn needs_coordination(&self) -> bool {
        self.0.needs_coordination
    }

    /// Where the request stands against its time limits.
    async fn sla(&self, ctx: &Context<'_>) -> SlaStatus {
        SlaStatus::of_request(&self.0, ctx.state().clock.now_naive())
    }

    /// When it was last resolved; null while not resolved.
    async fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.0.resolved_at.map(to_utc)
    }

    /// When it was closed, rejected, withdrawn or marked unresolvable.
    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.0.closed_at.map(to_utc)
    }
}

/// The company's answers to "was it solved?" and "are you satisfied?" (kept apart, as 12345
/// statistics report the solve rate and the satisfaction rate separately).
#[derive(SimpleObject)]
pub struct Satisfaction {
    /// Was it solved (解决); null when closed without feedback.
    pub solved: Option<bool>,
    /// Is the company satisfied (满意); null when closed without feedback.
    pub satisfied: Option<bool>,
    /// The company's comment.
    pub comment: Option<String>,
    /// True when the request closed automatically because the company gave no feedback.
    pub no_feedback: bool,
    /// When the feedback was given (or the request closed without it).
    pub at: Option<DateTime<Utc>>,
}

/// One department's part of a request.
pub struct TaskNode(pub Task);

/// A department's plan: who is responsible, how, and by when.
#[derive(SimpleObject)]
pub struct Plan {
    /// The person responsible.
    pub responsible: String,
    /// How it will be handled.
    pub approach: String,
    /// By when.
    pub due_at: Option<DateTime<Utc>>,
}

/// One department's part of a request.
#[Object(name = "Task")]
impl TaskNode {
    /// Opaque id.
    async fn id(&self) -> ID {
        ids::encode(IdKind::Task, self.0.id)
    }

    /// The request this task belongs to.
    async fn request_id(&self) -> ID {
        ids::encode(IdKind::Request, self.0.request_id)
    }

    /// The department holding the task; null while it waits in the open pool.
    async fn department(&self, ctx: &Context<'_>) -> AppResult<Option<DepartmentNode>> {
        match self.0.department_id {
            Some(id) => load_department(ctx, id).await,
            None => Ok(None),
        }
    }

    /// True for the lead department (主办); false for an assisting one (协办).
    async fn lead(&self) -> bool {
        self.0.lead
    }

    /// Where the task stands.
    async fn status(&self) -> TaskStatus {
        self.0.status
    }

    /// The officer's note when dispatching (or the reason of the transfer that created it).
    async fn note(&self) -> &str {
        &self.0.note
    }

    /// The department's plan, once given.
    async fn plan(&self) -> Option<Plan> {
        match (&self.0.responsible, &self.0.approach) {
            (Some(responsible), Some(approach)) => Some(Plan {
                responsible: responsible.clone(),
                approach: approach.clone(),
                due_at: self.0.due_at.map(to_utc),
            }),
            _ => None,
        }
    }

    /// The plan's deadline.
    async fn due_at(&self) -> Option<DateTime<Utc>> {
        self.0.due_at.map(to_utc)
    }

    /// What the department reported when it finished.
    async fn result(&self) -> Option<&str> {
        self.0.result.as_deref()
    }

    /// When the task was given.
    async fn created_at(&self) -> DateTime<Utc> {
        to_utc(self.0.created_at)
    }

    /// When the task last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        to_utc(self.0.updated_at)
    }

    /// Where the task stands against its reply limit (and its plan's deadline).
    async fn sla(&self, ctx: &Context<'_>) -> AppResult<SlaStatus> {
        let request_id = self.0.request_id;
        let request = ctx
            .state()
            .db
            .read(move |conn| repo::find_by_id(conn, request_id))
            .await?
            .ok_or_else(|| AppError::not_found("request"))?;
        Ok(SlaStatus::of_task(&self.0, &request, ctx.state().clock.now_naive()))
    }

    /// Extensions (延期) asked for on this task, oldest first (not shown to company staff).
    async fn extensions(&self, ctx: &Context<'_>) -> AppResult<Vec<ExtensionNode>> {
        let actor = ctx.actor()?;
        if actor.role == Role::Company {
            return Ok(Vec::new());
        }
        let task_id = self.0.id;
        Ok(ctx
            .state()
            .db
            .read(move |conn| crate::sla::extensions::for_tasks(conn, &[task_id]))
            .await?
            .into_iter()
            .map(ExtensionNode)
            .collect())
    }
}

/// One entry of a request's timeline.
pub struct EventNode(pub Event);

/// One entry of a request's timeline.
#[Object(name = "RequestEvent")]
impl EventNode {
    /// Opaque id.
    async fn id(&self) -> ID {
        ids::encode(IdKind::Event, self.0.id)
    }

    /// What happened.
    async fn kind(&self) -> EventKind {
        self.0.kind
    }

    /// Who did it; null for the system, and for company staff when department staff or an
    /// admin did it (see `actorRole`).
    async fn actor(&self, ctx: &Context<'_>) -> AppResult<Option<UserNode>> {
        match self.0.actor_id {
            Some(id) => participant(ctx, id).await,
            None => Ok(None),
        }
    }

    /// The role of who did it; null for the system.
    async fn actor_role(&self, ctx: &Context<'_>) -> AppResult<Option<Role>> {
        match self.0.actor_id {
            Some(id) => Ok(load_user(ctx, id).await?.map(|user| user.0.role)),
            None => Ok(None),
        }
    }

    /// When.
    async fn at(&self) -> DateTime<Utc> {
        to_utc(self.0.created_at)
    }

    /// What was said or done.
    async fn text(&self) -> &str {
        &self.0.text
    }

    /// True for internal events, never shown to company staff.
    async fn internal(&self) -> bool {
        self.0.internal
    }

    /// The task the event concerns, if any.
    async fn task_id(&self) -> Option<ID> {
        self.0.task_id.map(|id| ids::encode(IdKind::Task, id))
    }

    /// The request's status before the event.
    async fn from_status(&self) -> Option<RequestStatus> {
        self.0.from_status
    }

    /// The request's status after the event.
    async fn to_status(&self) -> Option<RequestStatus> {
        self.0.to_status
    }
}

/// How many requests are in one status.
#[derive(SimpleObject)]
pub struct RequestCount {
    /// The status.
    pub status: RequestStatus,
    /// How many of the caller's visible requests are in it.
    pub count: i64,
}

/// Filters for request lists; all given filters must match.
#[derive(InputObject, Default)]
pub struct RequestFilterInput {
    /// Any of these statuses.
    pub status: Option<Vec<RequestStatus>>,
    /// This kind.
    pub kind: Option<RequestKind>,
    /// This category.
    pub category_id: Option<ID>,
    /// This channel.
    pub channel: Option<Channel>,
    /// This company.
    pub company_id: Option<ID>,
    /// Recorded with this officer.
    pub officer_id: Option<ID>,
    /// With a task (now or before) of this department.
    pub department_id: Option<ID>,
    /// This urgency.
    pub urgency: Option<Urgency>,
    /// Raised at or after this time.
    pub created_from: Option<DateTime<Utc>>,
    /// Raised before this time.
    pub created_before: Option<DateTime<Utc>>,
    /// Text in the title or description (case-insensitive).
    pub text: Option<String>,
    /// True: overdue on the record (a limit of the request or of one of its tasks was missed,
    /// even if it was met later); false: never overdue.
    pub overdue: Option<bool>,
}

impl RequestFilterInput {
    pub fn into_filter(self) -> AppResult<RequestFilter> {
        Ok(RequestFilter {
            statuses: self.status,
            kind: self.kind,
            category_id: decode_opt(IdKind::Category, self.category_id, "categoryId")?,
            channel: self.channel,
            company_id: decode_opt(IdKind::Company, self.company_id, "companyId")?,
            officer_id: decode_opt(IdKind::User, self.officer_id, "officerId")?,
            department_id: decode_opt(IdKind::Department, self.department_id, "departmentId")?,
            urgency: self.urgency,
            created_from: self.created_from.map(|t| t.naive_utc()),
            created_before: self.created_before.map(|t| t.naive_utc()),
            text: self.text,
            overdue: self.overdue,
            due_between: None,
        })
    }
}

fn decode_opt(kind: IdKind, id: Option<ID>, field: &str) -> AppResult<Option<i64>> {
    id.map(|id| ids::decode(kind, &id, field)).transpose()
}

#[derive(Default)]
pub struct RequestQuery;

#[Object]
impl RequestQuery {
    /// Request categories to choose from (everyone logged in); disabled ones only on request.
    async fn categories(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Include disabled categories (default false).")] include_disabled: Option<bool>,
    ) -> AppResult<Vec<CategoryNode>> {
        ctx.actor()?;
        let rows = categories::list(ctx.state(), include_disabled.unwrap_or(false)).await?;
        Ok(rows.into_iter().map(CategoryNode).collect())
    }

    /// One request, if the caller may see it.
    async fn request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request's id.")] id: ID,
    ) -> AppResult<RequestNode> {
        let actor = ctx.actor()?;
        let id = ids::decode(IdKind::Request, &id, "id")?;
        Ok(RequestNode(service::get(ctx.state(), actor, id).await?))
    }

    /// Requests the caller may see, newest first: all for admins, those of the companies they
    /// serve for officers, those with a task of their department (or in the pool) for
    /// department staff, their company's for company staff.
    async fn requests(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Narrows the list.")] filter: Option<RequestFilterInput>,
        #[graphql(desc = "Page size (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
    ) -> AppResult<RequestConnection> {
        let actor = ctx.actor()?;
        let filter = filter.unwrap_or_default().into_filter()?;
        let page = service::list(ctx.state(), actor, filter, page_request(first, after)?).await?;
        Ok(RequestConnection::from_page(page, |r| r.id, RequestNode))
    }

    /// The caller's company's requests, newest first (company staff).
    async fn my_requests(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only these statuses (an app tab).")] status: Option<Vec<RequestStatus>>,
        #[graphql(desc = "Page size (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
    ) -> AppResult<RequestConnection> {
        let actor = ctx.actor()?;
        let page = service::my_requests(ctx.state(), actor, status, page_request(first, after)?).await?;
        Ok(RequestConnection::from_page(page, |r| r.id, RequestNode))
    }

    /// What waits for the caller's action, urgent first, then oldest first. Officers: their
    /// requests that are new, accepted or reopened. Department staff: requests with a task of
    /// their department to sign, plan or finish, and those in the open pool.
    async fn my_tasks(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
    ) -> AppResult<RequestConnection> {
        let actor = ctx.actor()?;
        let page = service::my_tasks(ctx.state(), actor, page_request(first, after)?).await?;
        Ok(RequestConnection::from_page(page, |r| r.id, RequestNode))
    }

    /// How many of the caller's visible requests are in each status, for the app's tabs.
    async fn request_counts(&self, ctx: &Context<'_>) -> AppResult<Vec<RequestCount>> {
        let actor = ctx.actor()?;
        Ok(service::counts(ctx.state(), actor)
            .await?
            .into_iter()
            .map(|(status, count)| RequestCount { status, count })
            .collect())
    }
}

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

/// A category after a change.
#[derive(SimpleObject)]
pub struct CategoryPayload {
    /// The category.
    pub category: CategoryNode,
}

fn request_id(id: &ID) -> AppResult<i64> {
    ids::decode(IdKind::Request, id, "id")
}

fn task_id(id: &ID) -> AppResult<i64> {
    ids::decode(IdKind::Task, id, "taskId")
}

fn payload(request: Request) -> RequestPayload {
    RequestPayload {
        request: RequestNode(request),
    }
}

fn task_payload((task, request): (Task, Request)) -> TaskPayload {
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
    ) -> AppResult<RequestPayload> {
        let actor = ctx.actor()?;
        Ok(payload(
            service::accept(ctx.state(), actor, request_id(&id)?, version, needs_coordination).await?,
        ))
    }

    /// Rejects a request as out of scope, with a reason the company sees.
    async fn reject_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request's id.")] id: ID,
        #[graphql(desc = "The version last read; a stale one gives CONFLICT.")] version: i32,
        #[graphql(desc = "Why (required).")] reason: String,
    ) -> AppResult<RequestPayload> {
        let actor = ctx.actor()?;
        Ok(payload(
            service::reject(ctx.state(), actor, request_id(&id)?, version, &reason).await?,
        ))
    }

    /// Answers a consultation, which resolves it.
    async fn answer_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request's id.")] id: ID,
        #[graphql(desc = "The version last read; a stale one gives CONFLICT.")] version: i32,
        #[graphql(desc = "The answer.")] answer: String,
    ) -> AppResult<RequestPayload> {
        let actor = ctx.actor()?;
        Ok(payload(
            service::answer(ctx.state(), actor, request_id(&id)?, version, &answer).await?,
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
        let (request, tasks) = service::dispatch(ctx.state(), actor, request_id(&id)?, version, dispatch).await?;
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
    ) -> AppResult<TaskPayload> {
        let actor = ctx.actor()?;
        Ok(task_payload(
            service::claim(ctx.state(), actor, self::task_id(&task_id)?).await?,
        ))
    }

    /// Signs for (签收) a task dispatched to the caller's department.
    async fn sign_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The task's id.")] task_id: ID,
    ) -> AppResult<TaskPayload> {
        let actor = ctx.actor()?;
        Ok(task_payload(
            service::sign(ctx.state(), actor, self::task_id(&task_id)?).await?,
        ))
    }

    /// Returns (退单) a task that is not the department's remit; the officer re-dispatches.
    async fn return_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The task's id.")] task_id: ID,
        #[graphql(desc = "Why it is not the department's remit (required).")] reason: String,
    ) -> AppResult<TaskPayload> {
        let actor = ctx.actor()?;
        Ok(task_payload(
            service::return_task(ctx.state(), actor, self::task_id(&task_id)?, &reason).await?,
        ))
    }

    /// Transfers (转办) a task to another department, with a reason.
    async fn transfer_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The task's id.")] task_id: ID,
        #[graphql(desc = "The department to take it over.")] to_department_id: ID,
        #[graphql(desc = "Why (required).")] reason: String,
    ) -> AppResult<TaskPayload> {
        let actor = ctx.actor()?;
        let to = ids::decode(IdKind::Department, &to_department_id, "toDepartmentId")?;
        Ok(task_payload(
            service::transfer(ctx.state(), actor, self::task_id(&task_id)?, to, &reason).await?,
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
    ) -> AppResult<TaskPayload> {
        let actor = ctx.actor()?;
        Ok(task_payload(
            service::complete_task(ctx.state(), actor, self::task_id(&task_id)?, &result).await?,
        ))
    }

    /// Adds a progress note; internal notes are never shown to company staff.
    async fn add_progress_note(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request's id.")] request_id: ID,
        #[graphql(desc = "The note.")] text: String,
        #[graphql(desc = "True for a note company staff never see (default false).")] internal: Option<bool>,
    ) -> AppResult<RequestPayload> {
        let actor = ctx.actor()?;
        let id = ids::decode(IdKind::Request, &request_id, "requestId")?;
        Ok(payload(
            service::add_note(ctx.state(), actor, id, &text, internal.unwrap_or(false)).await?,
        ))
    }

    /// Resolves the request directly with an answer (its officer or an admin).
    async fn resolve_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request's id.")] id: ID,
        #[graphql(desc = "The version last read; a stale one gives CONFLICT.")] version: i32,
        #[graphql(desc = "What was done or the answer (the company sees it).")] answer: String,
    ) -> AppResult<RequestPayload> {
        let actor = ctx.actor()?;
        Ok(payload(
            service::resolve(ctx.state(), actor, request_id(&id)?, version, &answer).await?,
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
    ) -> AppResult<RequestPayload> {
        let actor = ctx.actor()?;
        Ok(payload(
            service::mark_unresolvable(ctx.state(), actor, request_id(&id)?, version, &reason, &filing_number).await?,
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
    ) -> AppResult<RequestPayload> {
        let actor = ctx.actor()?;
        Ok(payload(
            service::withdraw(ctx.state(), actor, request_id(&id)?, reason.as_deref()).await?,
        ))
    }

    /// Urges an open request on: company staff, or an admin supervising it (督办). The officer
    /// and the departments holding a task get an urgent push.
    async fn urge_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request's id.")] id: ID,
        #[graphql(desc = "A message for the officer.")] message: Option<String>,
    ) -> AppResult<RequestPayload> {
        let actor = ctx.actor()?;
        Ok(payload(
            service::urge(ctx.state(), actor, request_id(&id)?, message.as_deref()).await?,
        ))
    }
}

/// Whether a change should reach a subscriber, and the request as the subscriber may see it.
async fn visible_update(state: &AppState, user_id: i64, request_id: i64) -> Option<async_graphql::Result<RequestNode>> {
    match service::for_subscriber(state, user_id, request_id).await {
        Ok(Some(request)) => Some(Ok(RequestNode(request))),
        Ok(None) => None,
        Err(error) => Some(Err(error.into())),
    }
}

#[derive(Default)]
pub struct RequestSubscription;

#[Subscription]
impl RequestSubscription {
    /// The request as it is now, then again after each change (a step, a note, an urge), with
    /// the same visibility as the `request` query.
    async fn request_updated(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request's id.")] id: ID,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<RequestNode>>> {
        let actor = ctx.actor()?.clone();
        let state = ctx.state().clone();
        let id = ids::decode(IdKind::Request, &id, "id")?;
        // Listen first, so no change between the snapshot and the subscription is lost.
        let changes = live::changes(&state).await;
        let now = RequestNode(service::get(&state, &actor, id).await?);
        let user_id = actor.user_id;
        let later = changes
            .filter(move |change| futures_util::future::ready(change.request_id == id))
            .filter_map(move |change| {
                let state = state.clone();
                async move { visible_update(&state, user_id, change.request_id).await }
            });
        Ok(futures_util::stream::once(async move { Ok(now) }).chain(later))
    }

    /// Every change to a request the caller may see: their company's for company staff, those
    /// they handle for officers, those with their department's task for department staff, all
    /// for admins.
    async fn my_request_updates(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<RequestNode>>> {
        let actor = ctx.actor()?.clone();
        let state = ctx.state().clone();
        let company_only = (actor.role == Role::Company).then_some(actor.company_id);
        let user_id = actor.user_id;
        Ok(live::changes(&state)
            .await
            .filter(move |change| {
                futures_util::future::ready(company_only.is_none_or(|own| own == Some(change.company_id)))
            })
            .filter_map(move |change| {
                let state = state.clone();
                async move { visible_update(&state, user_id, change.request_id).await }
            }))
    }
}
