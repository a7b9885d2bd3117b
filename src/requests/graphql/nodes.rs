//! The node types of requests: categories, requests, department tasks and timeline events.

use crate::i18n;
use async_graphql::{Context, Enum, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use crate::ids::{RequestId, UserId};
use crate::requests::time_limits::extensions;

use super::time_limits::{ExtensionNode, SlaStatus};
use crate::actor::Role;
use crate::auth::graphql::{load_user, UserNode};
use crate::clock::to_utc;
use crate::companies::graphql::{load_company, CompanyNode};
use crate::departments::graphql::{load_department, DepartmentNode};
use crate::error::AppResult;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, IdKind};
use crate::graphql::loaders::load_one;
use crate::requests::lifecycle::Action;
use crate::requests::model::{
    Category, Channel, Event, EventKind, Request, RequestKind, RequestStatus, Task, TaskStatus, Urgency,
};
use crate::requests::service::{self};
use crate::requests::timeline::{self, EventDepartment, EventDetails, TimeLimitKind, TimeLimitStage};

/// A step the reader may take on a request now (`Request.viewerActions`), named after its
/// mutation. Computed from the same lifecycle table (`docs/requests.md`) and the same checks
/// the mutations apply: a listed step is accepted (given valid arguments and the version last
/// read); an unlisted one is refused. Show the buttons of the listed steps.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum RequestAction {
    /// `acceptRequest`.
    AcceptRequest,
    /// `rejectRequest`.
    RejectRequest,
    /// `answerRequest` (consultations).
    AnswerRequest,
    /// `dispatchRequest` (also re-dispatching and adding assisting departments).
    DispatchRequest,
    /// `addProgressNote`.
    AddProgressNote,
    /// `resolveRequest`.
    ResolveRequest,
    /// `markUnresolvable`.
    MarkUnresolvable,
    /// `confirmResolution`.
    ConfirmResolution,
    /// `withdrawRequest`.
    WithdrawRequest,
    /// `urgeRequest`.
    UrgeRequest,
    /// `requestInformation` (asking the company for missing information).
    RequestInformation,
    /// `provideInformation` (the company's answer while it is asked).
    ProvideInformation,
}

/// A step the reader may take on a department task now (`Task.viewerActions`), named after its
/// mutation, from the same lifecycle table and checks as the mutations.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum TaskAction {
    /// `claimTask` (from the open pool).
    ClaimTask,
    /// `signTask`.
    SignTask,
    /// `returnTask`.
    ReturnTask,
    /// `transferTask`.
    TransferTask,
    /// `submitPlan`.
    SubmitPlan,
    /// `completeTask`.
    CompleteTask,
}

fn request_action(action: Action) -> Option<RequestAction> {
    Some(match action {
        Action::Accept => RequestAction::AcceptRequest,
        Action::Reject => RequestAction::RejectRequest,
        Action::Answer => RequestAction::AnswerRequest,
        Action::Dispatch => RequestAction::DispatchRequest,
        Action::Note => RequestAction::AddProgressNote,
        Action::Resolve => RequestAction::ResolveRequest,
        Action::MarkUnresolvable => RequestAction::MarkUnresolvable,
        Action::Confirm => RequestAction::ConfirmResolution,
        Action::Withdraw => RequestAction::WithdrawRequest,
        Action::Urge => RequestAction::UrgeRequest,
        Action::AskCompany => RequestAction::RequestInformation,
        Action::AnswerCompanyQuestion => RequestAction::ProvideInformation,
        Action::Claim
        | Action::Sign
        | Action::Return
        | Action::Transfer
        | Action::Plan
        | Action::Complete
        | Action::AutoClose => return None,
    })
}

fn task_action(action: Action) -> Option<TaskAction> {
    Some(match action {
        Action::Claim => TaskAction::ClaimTask,
        Action::Sign => TaskAction::SignTask,
        Action::Return => TaskAction::ReturnTask,
        Action::Transfer => TaskAction::TransferTask,
        Action::Plan => TaskAction::SubmitPlan,
        Action::Complete => TaskAction::CompleteTask,
        _ => return None,
    })
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

    /// The name in the reader's language: the English name for readers in English when there
    /// is one, the Chinese name otherwise.
    async fn display_name(&self) -> &str {
        match crate::i18n::current() {
            crate::i18n::Locale::En if !self.0.name_en.trim().is_empty() => &self.0.name_en,
            _ => &self.0.name,
        }
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

pub(super) async fn request_tasks(ctx: &Context<'_>, request_id: RequestId) -> AppResult<Vec<Task>> {
    Ok(load_one::<RequestId, Vec<Task>>(ctx, request_id)
        .await?
        .unwrap_or_default())
}

/// The request's events the caller may see (company staff never see internal ones).
pub(super) async fn visible_events(ctx: &Context<'_>, request_id: RequestId) -> AppResult<Vec<Event>> {
    let sees_internal = service::sees_internal(ctx.actor()?);
    Ok(load_one::<RequestId, Vec<Event>>(ctx, request_id)
        .await?
        .unwrap_or_default()
        .into_iter()
        .filter(|e| sees_internal || !e.internal)
        .collect())
}

/// A person taking part in a request, as the caller may see them: company staff see their own
/// colleagues and officers, while department staff and admins appear to them only by role.
pub(super) async fn participant(ctx: &Context<'_>, user_id: UserId) -> AppResult<Option<UserNode>> {
    let viewer = ctx.actor()?;
    Ok(load_user(ctx, user_id)
        .await?
        .filter(|user| service::shows_participant(viewer, user.0.role)))
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

    /// `status` in the reader's language (待受理, submitted, …).
    async fn status_label(&self) -> &'static str {
        self.0.status.label(i18n::current())
    }

    /// `kind` in the reader's language.
    async fn kind_label(&self) -> &'static str {
        self.0.kind.label(i18n::current())
    }

    /// `urgency` in the reader's language.
    async fn urgency_label(&self) -> &'static str {
        self.0.urgency.label(i18n::current())
    }

    /// `channel` in the reader's language.
    async fn channel_label(&self) -> &'static str {
        self.0.channel.label(i18n::current())
    }

    /// What the company asks for.
    async fn kind(&self) -> RequestKind {
        self.0.kind
    }

    /// What the request is about.
    async fn category(&self, ctx: &Context<'_>) -> AppResult<Option<CategoryNode>> {
        Ok(load_one::<i64, Category>(ctx, self.0.category_id)
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

    /// True while the request is handled together with the same problem raised by other
    /// companies (一事多企); the others are never named to the company.
    async fn handled_with_other_companies(&self, ctx: &Context<'_>) -> AppResult<bool> {
        crate::requests::service::handled_with_others(ctx.state(), self.0.id).await
    }

    /// The zone issue the request is handled with now; null when handled alone, and always
    /// null for company staff.
    async fn zone_issue(
        &self,
        ctx: &Context<'_>,
    ) -> AppResult<Option<crate::requests::zone_issues::graphql::ZoneIssueNode>> {
        Ok(
            crate::requests::service::zone_issue_of(ctx.state(), ctx.actor()?, self.0.id)
                .await?
                .map(crate::requests::zone_issues::graphql::ZoneIssueNode),
        )
    }

    /// Callbacks (回访): the flag set when it closed without the company's answer, and the
    /// answers recorded from calls, oldest first.
    async fn callbacks(&self, ctx: &Context<'_>) -> AppResult<Vec<crate::requests::callbacks::graphql::CallbackNode>> {
        Ok(crate::requests::service::callbacks_of(ctx.state(), self.0.id)
            .await?
            .into_iter()
            .map(crate::requests::callbacks::graphql::CallbackNode)
            .collect())
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

    /// The request's own steps the reader may take now, from the lifecycle table (the steps on
    /// its department tasks are each task's `viewerActions`).
    async fn viewer_actions(&self, ctx: &Context<'_>) -> AppResult<Vec<RequestAction>> {
        let actions = service::viewer_actions(ctx.state(), ctx.actor()?, &self.0, None).await?;
        Ok(actions.into_iter().filter_map(request_action).collect())
    }

    /// How many of the reader's notifications about this request are unread (the badge);
    /// `markRequestNotificationsRead` clears it.
    async fn unread_notification_count(&self, ctx: &Context<'_>) -> AppResult<i64> {
        let key = (ctx.actor()?.user_id, self.0.id);
        Ok(load_one::<(UserId, RequestId), i64>(ctx, key).await?.unwrap_or(0))
    }

    /// Open requests of any company likely the same problem (similar text, same or related
    /// category, close in time), best first with their scores. Officers and admins only:
    /// company staff are refused (COMPANIES_SEE_NO_OTHERS), departments too.
    async fn similar_requests(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many suggestions, 1 to 10 (default 3).")] first: Option<i32>,
    ) -> AppResult<Vec<super::similar::SimilarRequestNode>> {
        super::similar::similar_of(ctx, self.0.id, first).await
    }

    /// Who in the company called the hotline or was met on the visit; null when none was
    /// recorded. Masked for company staff and departments.
    async fn caller(&self, ctx: &Context<'_>) -> AppResult<Option<super::similar::CallerNode>> {
        super::similar::caller_of(ctx, self.0.id).await
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

    /// `status` in the reader's language (待签收, dispatched, …).
    async fn status_label(&self) -> &'static str {
        self.0.status.label(i18n::current())
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
        let request = service::of_task(ctx.state(), self.0.request_id).await?;
        Ok(SlaStatus::of_task(&self.0, &request, ctx.state().clock.now_naive()))
    }

    /// The steps the reader may take on this task now, from the lifecycle table.
    async fn viewer_actions(&self, ctx: &Context<'_>) -> AppResult<Vec<TaskAction>> {
        let actions = service::task_viewer_actions(ctx.state(), ctx.actor()?, &self.0).await?;
        Ok(actions.into_iter().filter_map(task_action).collect())
    }

    /// Extensions (延期) asked for on this task, oldest first (not shown to company staff).
    async fn extensions(&self, ctx: &Context<'_>) -> AppResult<Vec<ExtensionNode>> {
        let extensions = extensions::of_task(ctx.state(), ctx.actor()?, self.0.id).await?;
        Ok(extensions.into_iter().map(ExtensionNode).collect())
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

    /// `kind` in the reader's language (受理, accepted, …).
    async fn kind_label(&self) -> &'static str {
        self.0.kind.label(i18n::current())
    }

    /// True when the event records answers the company gave by phone (回访), recorded on its
    /// behalf by an officer or admin, rather than in the app.
    async fn callback(&self) -> bool {
        self.0.kind == EventKind::CallbackRecorded
            || crate::requests::timeline::EventDetails::from_json(self.0.details.as_deref())
                .is_some_and(|d| d.callback == Some(true))
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

    /// What was said or done, in the reader's language (the caller's locale or the
    /// `Accept-Language` header's), rendered from `details`; the user's own words in it are as
    /// written. Events written before the timeline was structured keep the text they were
    /// written with.
    async fn text(&self, ctx: &Context<'_>) -> AppResult<String> {
        let locale = i18n::current();
        let Some(mut details) = self.details_for(ctx).await? else {
            return Ok(self.0.text.clone());
        };
        if details.actor_name.is_none() {
            if let Some(role) = self.hidden_actor(ctx).await? {
                details.actor_name = Some(role.label(locale).to_string());
            }
        }
        Ok(timeline::render(
            self.0.kind,
            &details,
            locale,
            ctx.state().config.time_zone,
        ))
    }

    /// The event's parts (who, which departments, the user's own words, due times, verdicts),
    /// for apps that lay the event out themselves; null for events written before the timeline
    /// was structured. `actorName` is null where `actor` is.
    async fn details(&self, ctx: &Context<'_>) -> AppResult<Option<EventDetailsNode>> {
        Ok(self.details_for(ctx).await?.map(EventDetailsNode::from))
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

impl EventNode {
    /// The role of who did it when the reader may not see who (company staff reading a
    /// department's or an admin's step).
    async fn hidden_actor(&self, ctx: &Context<'_>) -> AppResult<Option<Role>> {
        let Some(id) = self.0.actor_id else {
            return Ok(None);
        };
        let viewer = ctx.actor()?;
        Ok(load_user(ctx, id)
            .await?
            .map(|user| user.0.role)
            .filter(|role| !service::shows_participant(viewer, *role)))
    }

    /// The event's parts as the reader may see them.
    async fn details_for(&self, ctx: &Context<'_>) -> AppResult<Option<EventDetails>> {
        let Some(mut details) = EventDetails::from_json(self.0.details.as_deref()) else {
            return Ok(None);
        };
        if self.hidden_actor(ctx).await?.is_some() {
            details.actor_name = None;
        }
        Ok(Some(details))
    }
}

/// A department named by a timeline event, as it was called when the event was written.
#[derive(SimpleObject)]
#[graphql(name = "EventDepartment")]
pub struct EventDepartmentNode {
    /// The department's opaque id.
    pub id: ID,
    /// Its Chinese name.
    pub name: String,
    /// Its English name, if it has one.
    pub name_en: Option<String>,
    /// Its name in the reader's language (the Chinese name when it has no English one).
    pub display_name: String,
    /// Whether it leads (牵头) the request.
    pub lead: bool,
}

impl From<EventDepartment> for EventDepartmentNode {
    fn from(d: EventDepartment) -> EventDepartmentNode {
        EventDepartmentNode {
            id: ids::encode(IdKind::Department, d.id),
            display_name: d.name_in(i18n::current()).to_string(),
            name: d.name,
            name_en: d.name_en,
            lead: d.lead,
        }
    }
}

/// The parts of a timeline event. Each kind of event fills the fields it has and leaves the
/// others null (see docs/requests.md, "The timeline's parts"). The user's own words are as
/// written, never translated.
#[derive(SimpleObject)]
#[graphql(name = "RequestEventDetails")]
pub struct EventDetailsNode {
    /// The name of who did it, as it was then.
    pub actor_name: Option<String>,
    /// For `URGED`: true when the administration urged it (督办), false when the company did.
    pub by_administration: Option<bool>,
    /// For `RAISED`: the channel the request came through.
    pub channel: Option<Channel>,
    /// For `DISPATCHED`: the departments dispatched to, each with its lead flag; for a task's
    /// steps (`CLAIMED`, `SIGNED`, `RETURNED`, `PLANNED`, `COMPLETED`, extensions): the
    /// task's department.
    pub departments: Option<Vec<EventDepartmentNode>>,
    /// For `TRANSFERRED`: the department the task left.
    pub from_department: Option<EventDepartmentNode>,
    /// For `TRANSFERRED`: the department the task went to.
    pub to_department: Option<EventDepartmentNode>,
    /// The note of a dispatch, a progress note or an admin's decision on an extension.
    pub note: Option<String>,
    /// The reason of a rejection, a return, a transfer, a withdrawal, an unresolvable
    /// request or an extension asked.
    pub reason: Option<String>,
    /// The answer of an answered or resolved request, or the company's answer to a question.
    pub answer: Option<String>,
    /// For `COMPLETED`: the department's result.
    pub result: Option<String>,
    /// For `CLOSED`/`REOPENED`: the company's comment.
    pub comment: Option<String>,
    /// For `INFO_REQUESTED`: what the company was asked.
    pub question: Option<String>,
    /// For `URGED`: the urge's message.
    pub message: Option<String>,
    /// For `PLANNED`: who in the department handles it.
    pub responsible: Option<String>,
    /// For `PLANNED`: how the department handles it.
    pub approach: Option<String>,
    /// The due time of a plan, of the limit an alert is about, the one an approved extension
    /// moves to, or the one a refused extension leaves standing.
    pub due_at: Option<DateTime<Utc>>,
    /// For extensions: the due time before the extension.
    pub previous_due_at: Option<DateTime<Utc>>,
    /// For `UNRESOLVABLE`: the filing number (备案号).
    pub filing_number: Option<String>,
    /// For `INFO_PROVIDED`: how long the time limits stood still waiting for the company, in
    /// minutes (they moved by as much).
    pub waited_minutes: Option<i64>,
    /// For `AUTO_CLOSED`: the days without the company's feedback after which it closed.
    pub days: Option<i64>,
    /// For time-limit alerts: which threshold fired.
    pub stage: Option<TimeLimitStage>,
    /// For time-limit alerts: which limit.
    pub limit: Option<TimeLimitKind>,
    /// For `CLOSED`/`REOPENED`: the company's verdict, solved (解决).
    pub solved: Option<bool>,
    /// For `CLOSED`/`REOPENED`: the company's verdict, satisfied (满意).
    pub satisfied: Option<bool>,
}

impl From<EventDetails> for EventDetailsNode {
    fn from(d: EventDetails) -> EventDetailsNode {
        let channel = d.channel();
        let department = |d: Option<EventDepartment>| d.map(EventDepartmentNode::from);
        EventDetailsNode {
            actor_name: d.actor_name,
            by_administration: d.by_administration,
            channel,
            departments: d
                .departments
                .map(|list| list.into_iter().map(EventDepartmentNode::from).collect()),
            from_department: department(d.from_department),
            to_department: department(d.to_department),
            note: d.note,
            reason: d.reason,
            answer: d.answer,
            result: d.result,
            comment: d.comment,
            question: d.question,
            message: d.message,
            responsible: d.responsible,
            approach: d.approach,
            due_at: d.due_at,
            previous_due_at: d.previous_due_at,
            filing_number: d.filing_number,
            waited_minutes: d.waited_minutes,
            days: d.days,
            stage: d.stage,
            limit: d.limit,
            solved: d.solved,
            satisfied: d.satisfied,
        }
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
