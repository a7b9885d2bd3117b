//! Reading requests: one, a filtered page, the caller's own, an officer's queue, counts.

use async_graphql::{Context, InputObject, Object, ID};
use chrono::{DateTime, Utc};

use crate::ids::RequestId;
use crate::requests::categories;

use crate::error::AppResult;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, IdKind};
use crate::graphql::pagination::page_request;
use crate::requests::model::{Channel, RequestKind, RequestStatus, Urgency};
use crate::requests::repo::RequestFilter;
use crate::requests::service::{self};

use super::nodes::*;
use super::prefetch::{read_ahead, Wants};

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
            updated_since: None,
        })
    }
}

pub(super) fn decode_opt<T: From<i64>>(kind: IdKind, id: Option<ID>, field: &str) -> AppResult<Option<T>> {
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
        let id = ids::decode::<RequestId>(IdKind::Request, &id, "id")?;
        let request = service::get(ctx.state(), actor, id).await?;
        read_ahead(ctx, std::slice::from_ref(&request), Wants::of_request(ctx.look_ahead())).await?;
        Ok(RequestNode(request))
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
        #[graphql(
            desc = "Only requests changed at or after this time (a step on the request or its tasks, or a new timeline event): to catch up after being offline, send the time of the last sync minus a minute of margin."
        )]
        updated_since: Option<DateTime<Utc>>,
    ) -> AppResult<RequestConnection> {
        let actor = ctx.actor()?;
        let mut filter = filter.unwrap_or_default().into_filter()?;
        filter.updated_since = updated_since.map(|t| t.naive_utc());
        let page = service::list(ctx.state(), actor, filter, page_request(first, after)?).await?;
        read_ahead(ctx, &page.items, Wants::of_page(ctx.look_ahead())).await?;
        Ok(RequestConnection::from_page(page, |r| r.id, RequestNode))
    }

    /// The caller's company's requests, newest first (company staff).
    async fn my_requests(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only these statuses (an app tab).")] status: Option<Vec<RequestStatus>>,
        #[graphql(desc = "Page size (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
        #[graphql(
            desc = "Only requests changed at or after this time (a step on the request or its tasks, or a new timeline event): to catch up after being offline, send the time of the last sync minus a minute of margin."
        )]
        updated_since: Option<DateTime<Utc>>,
    ) -> AppResult<RequestConnection> {
        let actor = ctx.actor()?;
        let since = updated_since.map(|t| t.naive_utc());
        let page = service::my_requests(ctx.state(), actor, status, since, page_request(first, after)?).await?;
        read_ahead(ctx, &page.items, Wants::of_page(ctx.look_ahead())).await?;
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
        #[graphql(
            desc = "Only requests changed at or after this time (a step on the request or its tasks, or a new timeline event): to catch up after being offline, send the time of the last sync minus a minute of margin."
        )]
        updated_since: Option<DateTime<Utc>>,
    ) -> AppResult<RequestConnection> {
        let actor = ctx.actor()?;
        let since = updated_since.map(|t| t.naive_utc());
        let page = service::my_tasks(ctx.state(), actor, since, page_request(first, after)?).await?;
        read_ahead(ctx, &page.items, Wants::of_page(ctx.look_ahead())).await?;
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
