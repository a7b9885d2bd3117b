//! Who records and sees visits: an officer records visits to the companies it serves now;
//! admins see every visit, officers their own, company staff their company's (without the
//! internal notes); department staff see none.

use chrono::NaiveDate;

use super::errors::VisitsReason;
use super::model::{NewVisit, Visit, VisitFilter};
use super::repo;
use crate::actor::{Actor, Role};
use crate::auth::repo as users_repo;
use crate::companies::repo as companies_repo;
use crate::db::{Page, PageRequest};
use crate::error::{AppError, AppResult};
use crate::ids::{CompanyId, UserId};
use crate::requests::model::{Channel, Request, RequestKind, Urgency};
use crate::requests::service::{self as requests_service, Raise};
use crate::state::AppState;
use crate::text::multi_line;

pub const MAX_PEOPLE_CHARS: usize = 200;
pub const MAX_NOTES_CHARS: usize = 5_000;
const MAX_KEY_CHARS: usize = 100;

fn iso(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

fn text(field: &str, value: &str, max: usize, required: bool) -> AppResult<String> {
    let rule = multi_line(max);
    if required {
        rule.required(field, value)
    } else {
        rule.blank_allowed(field, value)
    }
}

#[derive(Debug, Clone)]
pub struct RecordVisit {
    pub company_id: CompanyId,
    pub visited_on: NaiveDate,
    pub people_met: String,
    pub notes: Option<String>,
    pub idempotency_key: Option<String>,
}

/// Records a visit by the calling officer to a company it serves now.
pub async fn record_visit(state: &AppState, actor: &Actor, input: RecordVisit) -> AppResult<Visit> {
    actor.require_role(&[Role::Officer])?;
    let today = state.clock.now().with_timezone(&state.config.time_zone).date_naive();
    if input.visited_on > today {
        return Err(AppError::bad_field("visitedOn", VisitsReason::VISIT_IN_FUTURE));
    }
    let people_met = text("peopleMet", &input.people_met, MAX_PEOPLE_CHARS, true)?;
    let notes = text("notes", input.notes.as_deref().unwrap_or(""), MAX_NOTES_CHARS, false)?;
    let key = input
        .idempotency_key
        .as_deref()
        .map(|k| text("idempotencyKey", k, MAX_KEY_CHARS, false))
        .transpose()?
        .filter(|k| !k.is_empty());
    let officer_id = actor.user_id;
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            if let Some(key) = &key {
                if let Some(existing) = repo::find_by_key(conn, officer_id, key)? {
                    return Ok(existing);
                }
            }
            if companies_repo::active_officer_id(conn, input.company_id)? != Some(officer_id) {
                return Err(AppError::forbidden(VisitsReason::VISIT_COMPANY_NOT_SERVED));
            }
            repo::insert(
                conn,
                &NewVisit {
                    officer_id,
                    company_id: input.company_id,
                    visited_on: iso(input.visited_on),
                    people_met,
                    notes,
                    idempotency_key: key,
                    created_at: now,
                },
            )
        })
        .await
}

/// Narrows `filter` to what `actor` may see.
fn scoped(actor: &Actor, mut filter: VisitFilter) -> AppResult<VisitFilter> {
    match actor.role {
        Role::Admin => {}
        Role::Officer => {
            if filter.officer_id.is_some_and(|o| o != actor.user_id) {
                return Err(AppError::forbidden(VisitsReason::VISITS_OWN_ONLY));
            }
            filter.officer_id = Some(actor.user_id);
        }
        Role::Company => {
            let own = actor
                .company_id
                .ok_or_else(|| AppError::forbidden(VisitsReason::VISITS_NO_COMPANY))?;
            if filter.company_id.is_some_and(|c| c != own) {
                return Err(AppError::forbidden(VisitsReason::VISITS_OWN_COMPANY_ONLY));
            }
            filter.company_id = Some(own);
        }
        Role::Department => return Err(AppError::forbidden(VisitsReason::VISITS_NOT_FOR_DEPARTMENTS)),
    }
    Ok(filter)
}

pub async fn list(state: &AppState, actor: &Actor, filter: VisitFilter, page: PageRequest) -> AppResult<Page<Visit>> {
    let filter = scoped(actor, filter)?;
    state.db.read(move |conn| repo::list(conn, &filter, page)).await
}

/// The visit, if `actor` may see it.
pub async fn visible(state: &AppState, actor: &Actor, id: i64) -> AppResult<Visit> {
    let visit = state
        .db
        .read(move |conn| repo::find_by_id(conn, id))
        .await?
        .ok_or_else(|| AppError::not_found(VisitsReason::VISIT_NOT_FOUND))?;
    let seen = match actor.role {
        Role::Admin => true,
        Role::Officer => visit.officer_id == actor.user_id,
        Role::Company => actor.company_id == Some(visit.company_id),
        Role::Department => false,
    };
    if !seen {
        return Err(AppError::not_found(VisitsReason::VISIT_NOT_FOUND));
    }
    Ok(visit)
}

/// Whether `actor` reads a visit's internal notes.
pub fn sees_notes(actor: &Actor) -> bool {
    matches!(actor.role, Role::Admin | Role::Officer)
}

#[derive(Debug, Clone)]
pub struct VisitRequestInput {
    pub kind: RequestKind,
    pub category_id: i64,
    pub urgency: Urgency,
    pub title: String,
    pub description: String,
    pub idempotency_key: Option<String>,
}

/// Raises a request (channel VISIT) for a problem found on the visit and links it to the visit.
/// Only the officer who made the visit, while still serving the company. The raise and the link
/// are two transactions: a retry with the same idempotency key finds the request and links it.
pub async fn raise_from_visit(
    state: &AppState,
    actor: &Actor,
    visit_id: i64,
    input: VisitRequestInput,
) -> AppResult<(Visit, Request)> {
    let visit = visible(state, actor, visit_id).await?;
    if actor.role != Role::Officer || visit.officer_id != actor.user_id {
        return Err(AppError::forbidden(VisitsReason::VISIT_RAISER_ONLY));
    }
    let raise = Raise {
        company_id: Some(visit.company_id),
        kind: input.kind,
        category_id: input.category_id,
        urgency: input.urgency,
        title: input.title,
        description: input.description,
        channel: Some(Channel::Visit),
        idempotency_key: input.idempotency_key,
        caller: None,
    };
    let request = requests_service::raise(state, actor, raise).await?;
    if request.channel != Channel::Visit || request.company_id != visit.company_id {
        return Err(AppError::conflict(VisitsReason::VISIT_IDEMPOTENCY_KEY_REUSED));
    }
    let request_id = request.id;
    state
        .db
        .write(move |conn| repo::link(conn, visit_id, request_id))
        .await?;
    Ok((visit, request))
}

/// The requests raised from each visit, for the visits `actor` may see.
pub async fn requests_of(state: &AppState, visit_ids: Vec<i64>) -> AppResult<Vec<(i64, Request)>> {
    state
        .db
        .read(move |conn| {
            let links = repo::links_of(conn, &visit_ids)?;
            let mut out = Vec::with_capacity(links.len());
            for link in links {
                if let Some(request) = crate::requests::repo::find_by_id(conn, link.request_id)? {
                    out.push((link.visit_id, request));
                }
            }
            Ok(out)
        })
        .await
}

/// One officer's visit coverage over a range of days.
#[derive(Debug, Clone)]
pub struct CoverageLine {
    pub officer: crate::auth::model::User,
    pub companies_served: i64,
    pub companies_visited: i64,
}

/// Per active officer: companies served now and how many of them were visited in the range.
pub async fn coverage(
    state: &AppState,
    actor: &Actor,
    from: NaiveDate,
    to: NaiveDate,
    page: PageRequest,
) -> AppResult<Page<CoverageLine>> {
    actor.require_admin()?;
    crate::clock::check_date_range(from, to, i64::MAX)?;
    state
        .db
        .read(move |conn| {
            let officers = users_repo::officers(conn, page)?;
            let ids: Vec<UserId> = officers.items.iter().map(|u| u.id).collect();
            let figures = repo::coverage(conn, &ids, &iso(from), &iso(to))?;
            Ok(officers.map(|officer| {
                let (_, served, visited) = figures
                    .iter()
                    .find(|(id, _, _)| *id == officer.id)
                    .copied()
                    .unwrap_or((officer.id, 0, 0));
                CoverageLine {
                    officer,
                    companies_served: served,
                    companies_visited: visited,
                }
            }))
        })
        .await
}
