//! Database access for zone issues, their members, and the request rows a shared step copies.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{Member, NewMember, NewZoneIssue, ZoneIssue};
use crate::db::schema::{request_tasks, requests, zone_issue_members, zone_issues};
use crate::db::{DbConnection, Page, PageRequest};
use crate::error::AppResult;
use crate::ids::{RequestId, UserId};
use crate::requests::model::{Request, RequestStatus};

pub fn insert(conn: &mut DbConnection, new: &NewZoneIssue) -> AppResult<ZoneIssue> {
    Ok(diesel::insert_into(zone_issues::table)
        .values(new)
        .returning(zone_issues::all_columns)
        .get_result(conn)?)
}

pub fn find(conn: &mut DbConnection, id: i64) -> AppResult<Option<ZoneIssue>> {
    Ok(zone_issues::table
        .find(id)
        .select(ZoneIssue::as_select())
        .first(conn)
        .optional()?)
}

pub fn by_ids(conn: &mut DbConnection, ids: &[i64]) -> AppResult<Vec<ZoneIssue>> {
    Ok(zone_issues::table
        .filter(zone_issues::id.eq_any(ids))
        .select(ZoneIssue::as_select())
        .load(conn)?)
}

/// The zone issue whose shared handling `request_id` carries.
pub fn carried_by(conn: &mut DbConnection, request_id: RequestId) -> AppResult<Option<ZoneIssue>> {
    Ok(zone_issues::table
        .filter(zone_issues::carrier_request_id.eq(request_id))
        .select(ZoneIssue::as_select())
        .first(conn)
        .optional()?)
}

pub fn set_carrier(conn: &mut DbConnection, id: i64, carrier: RequestId, now: NaiveDateTime) -> AppResult<()> {
    diesel::update(zone_issues::table.find(id))
        .set((
            zone_issues::carrier_request_id.eq(carrier),
            zone_issues::updated_at.eq(now),
            zone_issues::version.eq(zone_issues::version + 1),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records the first end of the shared handling.
pub fn mark_resolved(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> AppResult<()> {
    diesel::update(zone_issues::table.find(id).filter(zone_issues::resolved_at.is_null()))
        .set((
            zone_issues::resolved_at.eq(Some(now)),
            zone_issues::updated_at.eq(now),
            zone_issues::version.eq(zone_issues::version + 1),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn touch(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> AppResult<()> {
    diesel::update(zone_issues::table.find(id))
        .set((
            zone_issues::updated_at.eq(now),
            zone_issues::version.eq(zone_issues::version + 1),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn insert_member(conn: &mut DbConnection, new: &NewMember) -> AppResult<Member> {
    Ok(diesel::insert_into(zone_issue_members::table)
        .values(new)
        .returning(zone_issue_members::all_columns)
        .get_result(conn)?)
}

/// The request's current membership, if it belongs to a zone issue.
pub fn active_membership(conn: &mut DbConnection, request_id: RequestId) -> AppResult<Option<Member>> {
    Ok(zone_issue_members::table
        .filter(zone_issue_members::request_id.eq(request_id))
        .filter(zone_issue_members::left_at.is_null())
        .select(Member::as_select())
        .first(conn)
        .optional()?)
}

/// The current memberships of many requests.
pub fn active_memberships(conn: &mut DbConnection, request_ids: &[RequestId]) -> AppResult<Vec<Member>> {
    Ok(zone_issue_members::table
        .filter(zone_issue_members::request_id.eq_any(request_ids))
        .filter(zone_issue_members::left_at.is_null())
        .select(Member::as_select())
        .load(conn)?)
}

/// Every membership (current and past) of the zone issues, in the order they were made.
pub fn members_of(conn: &mut DbConnection, issue_ids: &[i64]) -> AppResult<Vec<Member>> {
    Ok(zone_issue_members::table
        .filter(zone_issue_members::zone_issue_id.eq_any(issue_ids))
        .order(zone_issue_members::id.asc())
        .select(Member::as_select())
        .load(conn)?)
}

/// The current member requests of a zone issue, carrier included.
pub fn member_requests(conn: &mut DbConnection, issue_id: i64) -> AppResult<Vec<Request>> {
    Ok(requests::table
        .inner_join(zone_issue_members::table)
        .filter(zone_issue_members::zone_issue_id.eq(issue_id))
        .filter(zone_issue_members::left_at.is_null())
        .order(requests::id.asc())
        .select(Request::as_select())
        .load(conn)?)
}

pub fn leave(conn: &mut DbConnection, member_id: i64, by: UserId, now: NaiveDateTime) -> AppResult<()> {
    diesel::update(zone_issue_members::table.find(member_id))
        .set((
            zone_issue_members::left_by.eq(Some(by)),
            zone_issue_members::left_at.eq(Some(now)),
        ))
        .execute(conn)?;
    Ok(())
}

/// What a member request takes over from its carrier when it follows a shared step: the
/// status, the shared time limit, and the handling's outcome.
#[derive(Debug, AsChangeset)]
#[diesel(table_name = requests, treat_none_as_null = true)]
struct Followed {
    status: RequestStatus,
    needs_coordination: bool,
    resolve_due_at: Option<NaiveDateTime>,
    resolve_remind_at: Option<NaiveDateTime>,
    resolved_at: Option<NaiveDateTime>,
    answer: Option<String>,
    filing_number: Option<String>,
}

/// Copies the carrier's state onto a following member (guarded by the member's version);
/// `None` when the member changed meanwhile. The first reply is stamped once.
pub fn follow(
    conn: &mut DbConnection,
    member: &Request,
    carrier: &Request,
    now: NaiveDateTime,
) -> AppResult<Option<Request>> {
    let ended = !carrier.status.is_open() && carrier.status != RequestStatus::Resolved;
    let updated: Option<Request> = diesel::update(
        requests::table
            .filter(requests::id.eq(member.id))
            .filter(requests::version.eq(member.version)),
    )
    .set((
        Followed {
            status: carrier.status,
            needs_coordination: carrier.needs_coordination,
            resolve_due_at: carrier.resolve_due_at,
            resolve_remind_at: carrier.resolve_remind_at,
            resolved_at: carrier.resolved_at,
            answer: carrier.answer.clone(),
            filing_number: carrier.filing_number.clone(),
        },
        requests::first_replied_at.eq(member.first_replied_at.or(carrier.first_replied_at)),
        requests::closed_at.eq(if ended { carrier.closed_at } else { member.closed_at }),
        requests::version.eq(requests::version + 1),
        requests::updated_at.eq(now),
    ))
    .returning(requests::all_columns)
    .get_result(conn)
    .optional()?;
    Ok(updated)
}

/// Puts a request back with its officer (`ACCEPTED`) when it leaves a zone issue whose tasks it
/// did not hold.
pub fn back_to_officer(conn: &mut DbConnection, request: &Request, now: NaiveDateTime) -> AppResult<Option<Request>> {
    Ok(diesel::update(
        requests::table
            .filter(requests::id.eq(request.id))
            .filter(requests::version.eq(request.version)),
    )
    .set((
        requests::status.eq(RequestStatus::Accepted),
        requests::version.eq(requests::version + 1),
        requests::updated_at.eq(now),
    ))
    .returning(requests::all_columns)
    .get_result(conn)
    .optional()?)
}

/// Gives the shared time limit to `request` (version-guarded); `None` when it changed.
pub fn set_resolve_limit(
    conn: &mut DbConnection,
    request: &Request,
    due: Option<NaiveDateTime>,
    remind: Option<NaiveDateTime>,
    status: RequestStatus,
    now: NaiveDateTime,
) -> AppResult<Option<Request>> {
    Ok(diesel::update(
        requests::table
            .filter(requests::id.eq(request.id))
            .filter(requests::version.eq(request.version)),
    )
    .set((
        requests::resolve_due_at.eq(due),
        requests::resolve_remind_at.eq(remind),
        requests::status.eq(status),
        requests::version.eq(requests::version + 1),
        requests::updated_at.eq(now),
    ))
    .returning(requests::all_columns)
    .get_result(conn)
    .optional()?)
}

/// Hands the department tasks of a carrier that leaves to the next carrier.
pub fn move_tasks(conn: &mut DbConnection, from: RequestId, to: RequestId) -> AppResult<usize> {
    Ok(
        diesel::update(request_tasks::table.filter(request_tasks::request_id.eq(from)))
            .set(request_tasks::request_id.eq(to))
            .execute(conn)?,
    )
}

/// Which zone issues a list shows.
#[derive(Debug, Clone, Copy)]
pub enum IssueScope {
    All,
    /// Issues with a current member raised while this officer served its company.
    Officer(UserId),
}

fn scoped(scope: IssueScope) -> zone_issues::BoxedQuery<'static, crate::db::MultiBackend> {
    let query = zone_issues::table.into_boxed();
    match scope {
        IssueScope::All => query,
        IssueScope::Officer(officer) => query.filter(
            zone_issues::id.eq_any(
                zone_issue_members::table
                    .inner_join(requests::table)
                    .filter(zone_issue_members::left_at.is_null())
                    .filter(requests::officer_id.eq(officer))
                    .select(zone_issue_members::zone_issue_id),
            ),
        ),
    }
}

/// Zone issues, newest first.
pub fn list(conn: &mut DbConnection, scope: IssueScope, page: PageRequest) -> AppResult<Page<ZoneIssue>> {
    let total: i64 = scoped(scope).count().get_result(conn)?;
    let mut query = scoped(scope)
        .select(ZoneIssue::as_select())
        .order(zone_issues::id.desc())
        .limit(page.limit + 1);
    if let Some(after) = page.after {
        query = query.filter(zone_issues::id.lt(after));
    }
    Ok(Page::from_rows(query.load(conn)?, page, total))
}
