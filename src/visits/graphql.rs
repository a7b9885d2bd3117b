use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use super::model::{Visit, VisitFilter};
use super::service::{self, CoverageLine, RecordVisit, VisitRequestInput};
use crate::auth::graphql::{load_user, UserNode};
use crate::clock::to_utc;
use crate::companies::graphql::{load_company, CompanyNode};
use crate::error::AppResult;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, IdKind};
use crate::graphql::pagination::page_request;
use crate::graphql::scalars::Date;
use crate::requests::graphql::RequestNode;
use crate::requests::model::{RequestKind, Urgency};

/// An officer's visit to a company (走访).
pub struct VisitNode(pub Visit);

crate::connection_types!(VisitConnection, VisitEdge, VisitNode, "visits");

/// An officer's visit to a company (走访).
#[Object(name = "Visit")]
impl VisitNode {
    /// Opaque id.
    async fn id(&self) -> ID {
        ids::encode(IdKind::Visit, self.0.id)
    }

    /// The officer who visited.
    async fn officer(&self, ctx: &Context<'_>) -> AppResult<Option<UserNode>> {
        load_user(ctx, self.0.officer_id).await
    }

    /// The company visited.
    async fn company(&self, ctx: &Context<'_>) -> AppResult<Option<CompanyNode>> {
        load_company(ctx, self.0.company_id).await
    }

    /// The day of the visit (the zone's calendar).
    async fn visited_on(&self) -> Option<Date> {
        Date::parse(&self.0.visited_on)
    }

    /// Whom the officer met.
    async fn people_met(&self) -> &str {
        &self.0.people_met
    }

    /// The officer's internal notes: null for the company's staff.
    async fn notes(&self, ctx: &Context<'_>) -> AppResult<Option<&str>> {
        Ok(service::sees_notes(ctx.actor()?).then_some(self.0.notes.as_str()))
    }

    /// Requests raised from problems found on this visit (channel VISIT).
    async fn requests(&self, ctx: &Context<'_>) -> AppResult<Vec<RequestNode>> {
        let rows = service::requests_of(ctx.state(), vec![self.0.id]).await?;
        Ok(rows.into_iter().map(|(_, r)| RequestNode(r)).collect())
    }

    /// When the visit was recorded.
    async fn created_at(&self) -> DateTime<Utc> {
        to_utc(self.0.created_at)
    }
}

/// One officer's visit coverage over a range of days.
pub struct VisitCoverageNode(CoverageLine);

crate::connection_types!(
    VisitCoverageConnection,
    VisitCoverageEdge,
    VisitCoverageNode,
    "officers' visit coverage lines"
);

/// One officer's visit coverage over a range of days.
#[Object(name = "VisitCoverage")]
impl VisitCoverageNode {
    /// The officer.
    async fn officer(&self) -> UserNode {
        UserNode(self.0.officer.clone())
    }

    /// Companies the officer serves now.
    async fn companies_served(&self) -> i64 {
        self.0.companies_served
    }

    /// Of those, companies the officer visited in the range.
    async fn companies_visited(&self) -> i64 {
        self.0.companies_visited
    }

    /// `companiesVisited / companiesServed`, null when the officer serves none.
    async fn rate(&self) -> Option<f64> {
        (self.0.companies_served > 0).then(|| self.0.companies_visited as f64 / self.0.companies_served as f64)
    }
}

/// Narrows the visits listed.
#[derive(InputObject, Default)]
pub struct VisitFilterInput {
    /// Visits to this company.
    pub company_id: Option<ID>,
    /// Visits by this officer.
    pub officer_id: Option<ID>,
    /// On or after this day.
    pub from: Option<Date>,
    /// On or before this day.
    pub to: Option<Date>,
}

#[derive(Default)]
pub struct VisitQuery;

#[Object]
impl VisitQuery {
    /// Visits, most recently recorded first: admins see all, officers their own, company staff
    /// their company's (without notes).
    async fn visits(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Narrows the list.")] filter: Option<VisitFilterInput>,
        #[graphql(desc = "Page size (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
    ) -> AppResult<VisitConnection> {
        let actor = ctx.actor()?;
        let input = filter.unwrap_or_default();
        let filter = VisitFilter {
            company_id: input
                .company_id
                .map(|id| ids::decode(IdKind::Company, &id, "companyId"))
                .transpose()?,
            officer_id: input
                .officer_id
                .map(|id| ids::decode(IdKind::User, &id, "officerId"))
                .transpose()?,
            from: input.from.map(|d| d.to_string()),
            to: input.to.map(|d| d.to_string()),
        };
        let page = service::list(ctx.state(), actor, filter, page_request(first, after)?).await?;
        Ok(VisitConnection::from_page(page, |v| v.id, VisitNode))
    }

    /// Per active officer: companies served now and how many were visited in the range (admins).
    async fn visit_coverage(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "First day of the range.")] from: Date,
        #[graphql(desc = "Last day of the range, included.")] to: Date,
        #[graphql(desc = "Page size (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
    ) -> AppResult<VisitCoverageConnection> {
        let actor = ctx.actor()?;
        let page = service::coverage(ctx.state(), actor, from.0, to.0, page_request(first, after)?).await?;
        Ok(VisitCoverageConnection::from_page(
            page,
            |line| line.officer.id,
            VisitCoverageNode,
        ))
    }
}

/// A visit to record.
#[derive(InputObject)]
pub struct RecordVisitInput {
    /// The company visited (one the officer serves).
    pub company_id: ID,
    /// The day of the visit; not in the future.
    pub visited_on: Date,
    /// Whom the officer met (at most 200 characters).
    pub people_met: String,
    /// Internal notes (at most 5,000 characters), never shown to the company.
    pub notes: Option<String>,
    /// A client-generated key: recording again with the same key returns the first visit.
    pub idempotency_key: Option<String>,
}

/// A problem found on a visit, to raise as a request.
#[derive(InputObject)]
pub struct RaiseFromVisitInput {
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
    /// A client-generated key: raising again with the same key returns the first request.
    pub idempotency_key: Option<String>,
}

/// The visit after it was recorded.
#[derive(SimpleObject)]
pub struct VisitPayload {
    /// The visit.
    pub visit: VisitNode,
}

/// The visit and the request raised from it.
#[derive(SimpleObject)]
pub struct VisitRequestPayload {
    /// The visit.
    pub visit: VisitNode,
    /// The new request (channel VISIT).
    pub request: RequestNode,
}

#[derive(Default)]
pub struct VisitMutation;

#[Object]
impl VisitMutation {
    /// Records a visit to a company the calling officer serves (officers).
    async fn record_visit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The visit.")] input: RecordVisitInput,
    ) -> AppResult<VisitPayload> {
        let actor = ctx.actor()?;
        let input = RecordVisit {
            company_id: ids::decode(IdKind::Company, &input.company_id, "companyId")?,
            visited_on: input.visited_on.0,
            people_met: input.people_met,
            notes: input.notes,
            idempotency_key: input.idempotency_key,
        };
        let visit = service::record_visit(ctx.state(), actor, input).await?;
        Ok(VisitPayload {
            visit: VisitNode(visit),
        })
    }

    /// Raises a request (channel VISIT) for a problem found on the visit, linked to it (the
    /// officer who made the visit).
    async fn raise_request_from_visit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The visit.")] visit_id: ID,
        #[graphql(desc = "The problem found.")] input: RaiseFromVisitInput,
    ) -> AppResult<VisitRequestPayload> {
        let actor = ctx.actor()?;
        let visit_id = ids::decode(IdKind::Visit, &visit_id, "visitId")?;
        let input = VisitRequestInput {
            kind: input.kind,
            category_id: ids::decode(IdKind::Category, &input.category_id, "categoryId")?,
            urgency: input.urgency.unwrap_or(Urgency::Normal),
            title: input.title,
            description: input.description,
            idempotency_key: input.idempotency_key,
        };
        let (visit, request) = service::raise_from_visit(ctx.state(), actor, visit_id, input).await?;
        Ok(VisitRequestPayload {
            visit: VisitNode(visit),
            request: RequestNode(request),
        })
    }
}
