//! The GraphQL face of zone issues (一事多企): the issue node, the admins' and officers' list,
//! linking, leaving, and the shared steps taken once on the issue.

use async_graphql::{Context, Enum, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use super::model::ZoneIssueStatus;
use crate::clock::to_utc;
use crate::error::AppResult;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, IdKind};
use crate::graphql::pagination::page_request;
use crate::ids::RequestId;
use crate::requests::graphql::{DispatchDepartmentInput, RequestNode, TaskNode};
use crate::requests::service::{self, Dispatch, DispatchTarget, ZoneIssueView};

/// Where a zone issue stands.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "ZoneIssueStatus")]
pub enum ZoneIssueStatusValue {
    /// Being handled once for all its members.
    Open,
    /// The shared handling ended; each company confirms (or its request is handled again alone).
    Resolved,
    /// Every member request is finished (closed, withdrawn, rejected or unresolvable).
    Closed,
}

impl From<ZoneIssueStatus> for ZoneIssueStatusValue {
    fn from(status: ZoneIssueStatus) -> Self {
        match status {
            ZoneIssueStatus::Open => ZoneIssueStatusValue::Open,
            ZoneIssueStatus::Resolved => ZoneIssueStatusValue::Resolved,
            ZoneIssueStatus::Closed => ZoneIssueStatusValue::Closed,
        }
    }
}

/// One problem raised by several companies, handled once (一事多企). Seen by admins, the
/// officers of its companies and the departments holding its tasks; never by company staff.
pub struct ZoneIssueNode(pub ZoneIssueView);

crate::connection_types!(ZoneIssueConnection, ZoneIssueEdge, ZoneIssueNode, "zone issues");

/// One problem shared by several companies' requests (一事多企), handled once: one set of
/// department tasks, one plan, one time limit; each member request keeps its own company,
/// timeline and confirmation. Seen by admins and the officers of its requests, never by
/// company staff.
#[Object(name = "ZoneIssue")]
impl ZoneIssueNode {
    /// Opaque id.
    async fn id(&self) -> ID {
        ids::encode(IdKind::ZoneIssue, self.0.issue.id)
    }

    /// Readable number, e.g. `GX-2026-000012`.
    async fn number(&self) -> String {
        self.0.issue.number()
    }

    /// What the shared problem is.
    async fn title(&self) -> &str {
        &self.0.issue.title
    }

    /// Where it stands.
    async fn status(&self) -> ZoneIssueStatusValue {
        self.0.status.into()
    }

    /// How many requests belong to it now.
    async fn member_count(&self) -> i64 {
        self.0.member_count
    }

    /// How many companies those requests come from.
    async fn company_count(&self) -> i64 {
        self.0.company_count
    }

    /// How many requests left it (handled on their own since).
    async fn left_count(&self) -> i64 {
        self.0.left_count
    }

    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        to_utc(self.0.issue.created_at)
    }

    /// Whole days since it was created (until its handling ended, then up to that day).
    async fn age_days(&self, ctx: &Context<'_>) -> i64 {
        let end = self
            .0
            .issue
            .resolved_at
            .unwrap_or_else(|| ctx.state().clock.now_naive());
        (end - self.0.issue.created_at).num_days().max(0)
    }

    /// When the shared handling first ended (resolved or marked unresolvable).
    async fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.0.issue.resolved_at.map(to_utc)
    }

    /// The shared resolution limit (the most urgent member's).
    async fn resolve_due_at(&self) -> Option<DateTime<Utc>> {
        self.0.carrier.as_ref().and_then(|c| c.resolve_due_at).map(to_utc)
    }

    /// The request that carries the shared tasks, plan and time limit (null when the reader
    /// may not see it).
    async fn carrier(&self) -> Option<RequestNode> {
        self.0.carrier.clone().map(RequestNode)
    }

    /// Pass as `version` to the issue's shared steps (the carrier's version).
    async fn version(&self) -> Option<i32> {
        self.0.carrier.as_ref().map(|c| c.version)
    }

    /// The member requests the reader may see, oldest first.
    async fn members(&self) -> Vec<RequestNode> {
        self.0.members.iter().cloned().map(RequestNode).collect()
    }
}

/// A zone issue after a change.
#[derive(SimpleObject)]
pub struct ZoneIssuePayload {
    /// The zone issue.
    pub zone_issue: ZoneIssueNode,
}

/// A zone issue after a shared step, with the carrier request the step was taken on.
#[derive(SimpleObject)]
pub struct ZoneIssueStepPayload {
    /// The zone issue.
    pub zone_issue: ZoneIssueNode,
    /// The carrier request after the step.
    pub carrier: RequestNode,
    /// The tasks a dispatch created (empty for other steps).
    pub tasks: Vec<TaskNode>,
}

fn issue_id(id: &ID) -> AppResult<i64> {
    ids::decode::<i64>(IdKind::ZoneIssue, id, "id")
}

fn decode_requests(ids_in: &[ID]) -> AppResult<Vec<RequestId>> {
    ids_in
        .iter()
        .map(|id| ids::decode::<RequestId>(IdKind::Request, id, "requestIds"))
        .collect()
}

async fn step_payload(
    ctx: &Context<'_>,
    id: i64,
    carrier: crate::requests::model::Request,
    tasks: Vec<crate::requests::model::Task>,
) -> AppResult<ZoneIssueStepPayload> {
    let view = service::zone_issue(ctx.state(), ctx.actor()?, id).await?;
    Ok(ZoneIssueStepPayload {
        zone_issue: ZoneIssueNode(view),
        carrier: RequestNode(carrier),
        tasks: tasks.into_iter().map(TaskNode).collect(),
    })
}

#[derive(Default)]
pub struct ZoneIssueQuery;

#[Object]
impl ZoneIssueQuery {
    /// Zone issues, newest first, with member count, age and status: admins see all, officers
    /// those with a request raised while they served its company.
    async fn zone_issues(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
    ) -> AppResult<ZoneIssueConnection> {
        let page = service::zone_issues(ctx.state(), ctx.actor()?, page_request(first, after)?).await?;
        Ok(ZoneIssueConnection::from_page(page, |v| v.issue.id, ZoneIssueNode))
    }

    /// One zone issue (NOT_FOUND for company staff and for those who may not see it).
    async fn zone_issue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The zone issue's id.")] id: ID,
    ) -> AppResult<ZoneIssueNode> {
        Ok(ZoneIssueNode(
            service::zone_issue(ctx.state(), ctx.actor()?, issue_id(&id)?).await?,
        ))
    }
}

#[derive(Default)]
pub struct ZoneIssueMutation;

#[Object]
impl ZoneIssueMutation {
    /// Links requests of several companies into one zone issue (officers: requests of the
    /// companies they serve; admins: any). Each must still be handled (SUBMITTED, ACCEPTED,
    /// DISPATCHED or IN_PROGRESS) and in no other issue; at most one may already be dispatched,
    /// and it carries the issue, otherwise the most urgent does.
    async fn create_zone_issue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the shared problem is (one line).")] title: String,
        #[graphql(desc = "The requests to link (two at least).")] request_ids: Vec<ID>,
        #[graphql(desc = "A client-generated key for retries.")] idempotency_key: Option<String>,
    ) -> AppResult<ZoneIssuePayload> {
        let actor = ctx.actor()?;
        let issue = service::create_zone_issue(
            ctx.state(),
            actor,
            &title,
            decode_requests(&request_ids)?,
            idempotency_key.as_deref(),
        )
        .await?;
        Ok(ZoneIssuePayload {
            zone_issue: ZoneIssueNode(service::zone_issue(ctx.state(), actor, issue.id).await?),
        })
    }

    /// Adds requests to a zone issue still being handled; they take its state and, if more
    /// urgent, shorten its time limit.
    async fn add_to_zone_issue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The zone issue's id.")] id: ID,
        #[graphql(desc = "The requests to add.")] request_ids: Vec<ID>,
        #[graphql(desc = "A client-generated key for retries.")] idempotency_key: Option<String>,
    ) -> AppResult<ZoneIssuePayload> {
        let actor = ctx.actor()?;
        let issue = service::add_to_zone_issue(
            ctx.state(),
            actor,
            issue_id(&id)?,
            decode_requests(&request_ids)?,
            idempotency_key.as_deref(),
        )
        .await?;
        Ok(ZoneIssuePayload {
            zone_issue: ZoneIssueNode(service::zone_issue(ctx.state(), actor, issue.id).await?),
        })
    }

    /// Takes a request out of its zone issue (the company's staff, its officer or an admin):
    /// it is handled on its own from now; the other members go on unchanged.
    async fn leave_zone_issue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The member request's id.")] request_id: ID,
        #[graphql(desc = "Why (shown on the request's timeline).")] reason: Option<String>,
        #[graphql(desc = "A client-generated key for retries.")] idempotency_key: Option<String>,
    ) -> AppResult<crate::requests::graphql::RequestPayload> {
        let request = service::leave_zone_issue(
            ctx.state(),
            ctx.actor()?,
            ids::decode::<RequestId>(IdKind::Request, &request_id, "requestId")?,
            reason.as_deref(),
            idempotency_key.as_deref(),
        )
        .await?;
        Ok(crate::requests::graphql::RequestPayload {
            request: RequestNode(request),
        })
    }

    /// Accepts the zone issue once for all its members.
    async fn accept_zone_issue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The zone issue's id.")] id: ID,
        #[graphql(desc = "The issue's version last read; a stale one gives CONFLICT.")] version: i32,
        #[graphql(desc = "True when it needs higher approval (longer time limits).")] needs_coordination: Option<bool>,
        #[graphql(desc = "A client-generated key for retries.")] idempotency_key: Option<String>,
    ) -> AppResult<ZoneIssueStepPayload> {
        let actor = ctx.actor()?;
        let id = issue_id(&id)?;
        let carrier = service::carrier_of(ctx.state(), actor, id).await?;
        let request = service::accept(
            ctx.state(),
            actor,
            carrier,
            version,
            needs_coordination,
            idempotency_key.as_deref(),
        )
        .await?;
        step_payload(ctx, id, request, Vec::new()).await
    }

    /// Dispatches the zone issue once: one set of department tasks for all its members.
    #[allow(clippy::too_many_arguments)]
    async fn dispatch_zone_issue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The zone issue's id.")] id: ID,
        #[graphql(desc = "The issue's version last read; a stale one gives CONFLICT.")] version: i32,
        #[graphql(desc = "The departments and which one leads.")] departments: Option<Vec<DispatchDepartmentInput>>,
        #[graphql(desc = "A note for the departments.")] note: Option<String>,
        #[graphql(desc = "Put it in the open pool instead (default false).")] to_pool: Option<bool>,
        #[graphql(desc = "True when it needs higher approval (longer time limits).")] needs_coordination: Option<bool>,
        #[graphql(desc = "A client-generated key for retries.")] idempotency_key: Option<String>,
    ) -> AppResult<ZoneIssueStepPayload> {
        let actor = ctx.actor()?;
        let id = issue_id(&id)?;
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
        let carrier = service::carrier_of(ctx.state(), actor, id).await?;
        let (request, tasks) = service::dispatch(
            ctx.state(),
            actor,
            carrier,
            version,
            Dispatch {
                targets,
                note,
                to_pool: to_pool.unwrap_or(false),
                needs_coordination,
            },
            idempotency_key.as_deref(),
        )
        .await?;
        step_payload(ctx, id, request, tasks).await
    }

    /// Resolves the zone issue once; every member still following it is resolved and its
    /// company asked to confirm.
    async fn resolve_zone_issue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The zone issue's id.")] id: ID,
        #[graphql(desc = "The issue's version last read; a stale one gives CONFLICT.")] version: i32,
        #[graphql(desc = "The result, told to every company.")] answer: String,
        #[graphql(desc = "A client-generated key for retries.")] idempotency_key: Option<String>,
    ) -> AppResult<ZoneIssueStepPayload> {
        let actor = ctx.actor()?;
        let id = issue_id(&id)?;
        let carrier = service::carrier_of(ctx.state(), actor, id).await?;
        let request = service::resolve(
            ctx.state(),
            actor,
            carrier,
            version,
            &answer,
            idempotency_key.as_deref(),
        )
        .await?;
        step_payload(ctx, id, request, Vec::new()).await
    }
}
