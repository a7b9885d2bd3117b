use diesel::prelude::*;

use super::model::{NewVisit, Visit, VisitFilter, VisitRequest};
use crate::db::schema::{officer_assignments, visit_requests, visits};
use crate::db::{DbConnection, MultiBackend, Page, PageRequest};
use crate::error::AppResult;
use crate::ids::{CompanyId, RequestId, UserId};

pub fn insert(conn: &mut DbConnection, new: &NewVisit) -> AppResult<Visit> {
    Ok(diesel::insert_into(visits::table)
        .values(new)
        .returning(visits::all_columns)
        .get_result(conn)?)
}

pub fn find_by_id(conn: &mut DbConnection, id: i64) -> AppResult<Option<Visit>> {
    Ok(visits::table
        .find(id)
        .select(Visit::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_by_key(conn: &mut DbConnection, officer_id: UserId, key: &str) -> AppResult<Option<Visit>> {
    Ok(visits::table
        .filter(visits::officer_id.eq(officer_id))
        .filter(visits::idempotency_key.eq(key))
        .select(Visit::as_select())
        .first(conn)
        .optional()?)
}

fn filtered(filter: &VisitFilter) -> visits::BoxedQuery<'static, MultiBackend> {
    let mut query = visits::table.into_boxed();
    if let Some(company_id) = filter.company_id {
        query = query.filter(visits::company_id.eq(company_id));
    }
    if let Some(officer_id) = filter.officer_id {
        query = query.filter(visits::officer_id.eq(officer_id));
    }
    if let Some(from) = filter.from.clone() {
        query = query.filter(visits::visited_on.ge(from));
    }
    if let Some(to) = filter.to.clone() {
        query = query.filter(visits::visited_on.le(to));
    }
    query
}

/// A page of visits, most recently recorded first.
pub fn list(conn: &mut DbConnection, filter: &VisitFilter, page: PageRequest) -> AppResult<Page<Visit>> {
    let total: i64 = filtered(filter).count().get_result(conn)?;
    let mut query = filtered(filter)
        .select(Visit::as_select())
        .order(visits::id.desc())
        .limit(page.limit + 1);
    if let Some(after) = page.after {
        query = query.filter(visits::id.lt(after));
    }
    Ok(Page::from_rows(query.load(conn)?, page, total))
}

/// Links a request to the visit it came from; false when it already was.
pub fn link(conn: &mut DbConnection, visit_id: i64, request_id: RequestId) -> AppResult<bool> {
    let existing: Option<VisitRequest> = visit_requests::table
        .filter(visit_requests::request_id.eq(request_id))
        .select(VisitRequest::as_select())
        .first(conn)
        .optional()?;
    if existing.is_some() {
        return Ok(false);
    }
    diesel::insert_into(visit_requests::table)
        .values(&VisitRequest { visit_id, request_id })
        .execute(conn)?;
    Ok(true)
}

pub fn links_of(conn: &mut DbConnection, visit_ids: &[i64]) -> AppResult<Vec<VisitRequest>> {
    Ok(visit_requests::table
        .filter(visit_requests::visit_id.eq_any(visit_ids))
        .order(visit_requests::request_id.asc())
        .select(VisitRequest::as_select())
        .load(conn)?)
}

/// Per officer: the companies served now, and how many of them were visited between `from`
/// and `to` (dates, included).
pub fn coverage(
    conn: &mut DbConnection,
    officer_ids: &[UserId],
    from: &str,
    to: &str,
) -> AppResult<Vec<(UserId, i64, i64)>> {
    let served: Vec<(UserId, CompanyId)> = officer_assignments::table
        .filter(officer_assignments::officer_id.eq_any(officer_ids))
        .filter(officer_assignments::ended_at.is_null())
        .select((officer_assignments::officer_id, officer_assignments::company_id))
        .load(conn)?;
    let visited: Vec<(UserId, CompanyId)> = visits::table
        .filter(visits::officer_id.eq_any(officer_ids))
        .filter(visits::visited_on.ge(from.to_string()))
        .filter(visits::visited_on.le(to.to_string()))
        .select((visits::officer_id, visits::company_id))
        .distinct()
        .load(conn)?;
    Ok(officer_ids
        .iter()
        .map(|officer| {
            let companies: Vec<CompanyId> = served.iter().filter(|(o, _)| o == officer).map(|(_, c)| *c).collect();
            let seen = visited
                .iter()
                .filter(|(o, c)| o == officer && companies.contains(c))
                .count() as i64;
            (*officer, companies.len() as i64, seen)
        })
        .collect())
}
