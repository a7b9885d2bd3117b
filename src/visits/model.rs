use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{visit_requests, visits};
use crate::ids::{CompanyId, RequestId, UserId};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = visits)]
pub struct Visit {
    pub id: i64,
    pub officer_id: UserId,
    pub company_id: CompanyId,
    /// `YYYY-MM-DD` in the zone's time zone.
    pub visited_on: String,
    pub people_met: String,
    /// Internal: never shown to the company's staff.
    pub notes: String,
    pub idempotency_key: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = visits)]
pub struct NewVisit {
    pub officer_id: UserId,
    pub company_id: CompanyId,
    pub visited_on: String,
    pub people_met: String,
    pub notes: String,
    pub idempotency_key: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Copy, Queryable, Selectable, Insertable)]
#[diesel(table_name = visit_requests)]
pub struct VisitRequest {
    pub visit_id: i64,
    pub request_id: RequestId,
}

/// Which visits to list (within what the caller may see).
#[derive(Debug, Clone, Default)]
pub struct VisitFilter {
    pub company_id: Option<CompanyId>,
    pub officer_id: Option<UserId>,
    /// `YYYY-MM-DD`, included.
    pub from: Option<String>,
    /// `YYYY-MM-DD`, included.
    pub to: Option<String>,
}
