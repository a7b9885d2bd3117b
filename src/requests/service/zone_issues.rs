//! Zone issues (一事多企): linking requests of several companies so they are handled once, a
//! request leaving, the shared steps taken on the issue, and who sees what. The rule on whom an
//! officer may link: requests they handle (their own companies' requests); admins link any.

use super::*;
use crate::audit;
use crate::db::Replay;
use crate::requests::zone_issues::errors::ZoneIssueReason;
use crate::requests::zone_issues::follow::{hand_over, most_urgent, FOLLOWING};
use crate::requests::zone_issues::model::{Member, NewMember, NewZoneIssue, ZoneIssue, ZoneIssueStatus};
use crate::requests::zone_issues::repo::{self as zi_repo, IssueScope};

/// At most this many requests are linked in one call.
pub const MAX_LINKED_AT_ONCE: usize = 200;

impl Replay for ZoneIssue {
    type Ref = i64;

    fn reference(&self) -> i64 {
        self.id
    }

    fn replay(conn: &mut DbConnection, id: i64) -> AppResult<ZoneIssue> {
        zi_repo::find(conn, id)?.ok_or_else(|| AppError::not_found(ZoneIssueReason::ZONE_ISSUE_NOT_FOUND))
    }
}

/// Whether `request` follows a zone issue it does not carry: its handling steps are the
/// carrier's, taken once for all.
pub(super) fn follows_issue(conn: &mut DbConnection, request: &Request) -> AppResult<bool> {
    if !FOLLOWING.contains(&request.status) {
        return Ok(false);
    }
    let Some(member) = zi_repo::active_membership(conn, request.id)? else {
        return Ok(false);
    };
    Ok(zi_repo::find(conn, member.zone_issue_id)?.is_some_and(|i| i.carrier_request_id != request.id))
}

/// A following member that is not the carrier takes no handling step of its own: the issue's
/// carrier takes them once for all.
pub(super) fn zone_issue_guard(conn: &mut DbConnection, request: &Request) -> AppResult<()> {
    if follows_issue(conn, request)? {
        return Err(AppError::bad_input(RequestsReason::HANDLED_WITH_ZONE_ISSUE)
            .reported_as(RequestsReason::INVALID_TRANSITION));
    }
    Ok(())
}

/// The earliest resolution limit among `requests`, with its reminder.
fn shared_limit(requests: &[&Request]) -> (Option<NaiveDateTime>, Option<NaiveDateTime>) {
    requests
        .iter()
        .filter(|r| r.resolve_due_at.is_some())
        .min_by_key(|r| r.resolve_due_at)
        .map_or((None, None), |r| (r.resolve_due_at, r.resolve_remind_at))
}

fn has_active_tasks(conn: &mut DbConnection, id: RequestId) -> AppResult<bool> {
    Ok(repo::tasks_of(conn, id)?.iter().any(|t| t.status.is_active()))
}

fn require_linker(actor: &Actor) -> AppResult<()> {
    if matches!(actor.role, Role::Officer | Role::Admin) {
        Ok(())
    } else {
        Err(AppError::forbidden(ZoneIssueReason::ZONE_ISSUE_ONLY_HANDLERS))
    }
}

fn check_ids(ids: &[RequestId], min: usize) -> AppResult<()> {
    if ids.len() < min {
        return Err(AppError::bad_field(
            "requestIds",
            ZoneIssueReason::ZONE_ISSUE_TWO_REQUESTS,
        ));
    }
    if ids.len() > MAX_LINKED_AT_ONCE {
        return Err(
            AppError::bad_field("requestIds", ZoneIssueReason::ZONE_ISSUE_TOO_MANY).arg("max", MAX_LINKED_AT_ONCE)
        );
    }
    let mut seen = std::collections::HashSet::new();
    if !ids.iter().all(|id| seen.insert(*id)) {
        return Err(AppError::bad_field(
            "requestIds",
            ZoneIssueReason::ZONE_ISSUE_REQUEST_TWICE,
        ));
    }
    Ok(())
}

/// Reads the requests to link: each handled by the caller (NOT_FOUND otherwise, as for any
/// request they may not see), still being handled, and in no other zone issue.
fn linkable(conn: &mut DbConnection, actor: &Actor, ids: &[RequestId]) -> AppResult<Vec<Request>> {
    let mut requests = Vec::with_capacity(ids.len());
    for id in ids {
        let request = visible(conn, actor, *id)?;
        if !FOLLOWING.contains(&request.status) {
            return Err(AppError::bad_field("requestIds", ZoneIssueReason::ZONE_ISSUE_NOT_OPEN)
                .arg("number", &request.number)
                .arg("status", request.status));
        }
        if zi_repo::active_membership(conn, request.id)?.is_some() {
            return Err(
                AppError::bad_field("requestIds", ZoneIssueReason::ZONE_ISSUE_ALREADY_LINKED)
                    .arg("number", &request.number),
            );
        }
        requests.push(request);
    }
    Ok(requests)
}

/// Moves `request` to the issue's shared state (status and time limit) and tells its company.
#[allow(clippy::too_many_arguments)]
fn join(
    conn: &mut Tx<'_>,
    zone: Tz,
    actor: &Actor,
    issue: &ZoneIssue,
    request: &Request,
    status: RequestStatus,
    limit: (Option<NaiveDateTime>, Option<NaiveDateTime>),
    now: NaiveDateTime,
) -> AppResult<Request> {
    zi_repo::insert_member(
        conn,
        &NewMember {
            zone_issue_id: issue.id,
            request_id: request.id,
            linked_by: actor.user_id,
            linked_at: now,
        },
    )?;
    let Some(updated) = zi_repo::set_resolve_limit(conn, request, limit.0, limit.1, status, now)? else {
        return Err(stale(request.version));
    };
    events::record(
        conn,
        zone,
        &updated,
        Some(request.status),
        Entry::public(
            EventKind::ZoneIssueLinked,
            Some(actor.user_id),
            EventDetails::by(&actor.name),
        ),
        now,
    )?;
    Ok(updated)
}

/// Links requests of several companies into one zone issue. The carrier is the one request
/// already dispatched, if any (at most one may be), otherwise the most urgent; every member
/// takes the carrier's state and the earliest resolution limit among them.
pub async fn create_zone_issue(
    state: &AppState,
    actor: &Actor,
    title: &str,
    request_ids: Vec<RequestId>,
    idempotency_key: Option<&str>,
) -> AppResult<ZoneIssue> {
    require_linker(actor)?;
    let title = TITLE.required("title", title)?;
    check_ids(&request_ids, 2)?;
    let once = Once::new(
        actor.user_id,
        idempotency_key,
        "createZoneIssue",
        &(&title, &request_ids),
    )?;
    let actor = actor.clone();
    let zone = state.config.time_zone;
    let now = state.clock.now_naive();
    state
        .db
        .write_once(once, now, move |conn| {
            let requests = linkable(conn, &actor, &request_ids)?;
            let mut dispatched = Vec::new();
            for request in &requests {
                if has_active_tasks(conn, request.id)? {
                    dispatched.push(request.clone());
                }
            }
            if dispatched.len() > 1 {
                return Err(AppError::bad_field("requestIds", ZoneIssueReason::ZONE_ISSUE_OWN_TASKS)
                    .arg("number", &dispatched[1].number));
            }
            let carrier = match dispatched.first() {
                Some(carrier) => carrier.clone(),
                None => most_urgent(&requests).expect("two requests at least").clone(),
            };
            let status = if !dispatched.is_empty() {
                carrier.status
            } else if requests.iter().any(|r| r.status == RequestStatus::Accepted) {
                RequestStatus::Accepted
            } else {
                RequestStatus::Submitted
            };
            let limit = shared_limit(&requests.iter().collect::<Vec<_>>());
            let issue = zi_repo::insert(
                conn,
                &NewZoneIssue {
                    title,
                    carrier_request_id: carrier.id,
                    created_by: actor.user_id,
                    created_at: now,
                    updated_at: now,
                },
            )?;
            for request in &requests {
                join(conn, zone, &actor, &issue, request, status, limit, now)?;
            }
            audit::record(conn, actor.user_id, "createZoneIssue", None, Some(&issue), now)?;
            Ok(issue)
        })
        .await
}

/// Adds requests to a zone issue still being handled. They take its state; a more urgent one
/// shortens the shared time limit for every member.
pub async fn add_to_zone_issue(
    state: &AppState,
    actor: &Actor,
    id: i64,
    request_ids: Vec<RequestId>,
    idempotency_key: Option<&str>,
) -> AppResult<ZoneIssue> {
    require_linker(actor)?;
    check_ids(&request_ids, 1)?;
    let once = Once::new(actor.user_id, idempotency_key, "addToZoneIssue", &(id, &request_ids))?;
    let actor = actor.clone();
    let zone = state.config.time_zone;
    let now = state.clock.now_naive();
    state
        .db
        .write_once(once, now, move |conn| {
            let issue = visible_issue(conn, &actor, id)?;
            let carrier = repo::find_by_id(conn, issue.carrier_request_id)?
                .ok_or_else(|| AppError::not_found(RequestsReason::REQUEST_NOT_FOUND))?;
            if !FOLLOWING.contains(&carrier.status) {
                return Err(AppError::bad_input(ZoneIssueReason::ZONE_ISSUE_HANDLED));
            }
            let joining = linkable(conn, &actor, &request_ids)?;
            for request in &joining {
                if has_active_tasks(conn, request.id)? {
                    return Err(
                        AppError::bad_field("requestIds", ZoneIssueReason::ZONE_ISSUE_CARRIER_TASKS)
                            .arg("number", &request.number),
                    );
                }
            }
            let mut all: Vec<&Request> = joining.iter().collect();
            all.push(&carrier);
            let limit = shared_limit(&all);
            if limit.0 != carrier.resolve_due_at {
                // A more urgent member: the whole issue gets its limit.
                for member in zi_repo::member_requests(conn, issue.id)? {
                    if (member.id == carrier.id || FOLLOWING.contains(&member.status))
                        && zi_repo::set_resolve_limit(conn, &member, limit.0, limit.1, member.status, now)?.is_none()
                    {
                        return Err(stale(member.version));
                    }
                }
            }
            for request in &joining {
                join(conn, zone, &actor, &issue, request, carrier.status, limit, now)?;
            }
            zi_repo::touch(conn, issue.id, now)?;
            let after = zi_repo::find(conn, issue.id)?.unwrap_or(issue.clone());
            audit::record(conn, actor.user_id, "addToZoneIssue", Some(&issue), Some(&after), now)?;
            Ok(after)
        })
        .await
}

/// Takes a request out of its zone issue: it is handled on its own from now (back with its
/// officer when the issue was dispatched for it), and the others go on unchanged.
pub async fn leave_zone_issue(
    state: &AppState,
    actor: &Actor,
    request_id: RequestId,
    reason: Option<&str>,
    idempotency_key: Option<&str>,
) -> AppResult<Request> {
    let reason = NOTE.optional("reason", reason)?;
    let zone = state.config.time_zone;
    let once = Once::new(actor.user_id, idempotency_key, "leaveZoneIssue", &(request_id, &reason))?;
    request_step(state, actor, request_id, once, move |conn, actor, request, now| {
        let allowed = match actor.role {
            Role::Company => actor.company_id == Some(request.company_id),
            Role::Officer | Role::Admin => handles(conn, actor, &request)?,
            Role::Department => false,
        };
        if !allowed {
            return Err(AppError::forbidden(ZoneIssueReason::ZONE_ISSUE_LEAVE_FORBIDDEN));
        }
        let member: Member = zi_repo::active_membership(conn, request.id)?
            .ok_or_else(|| AppError::bad_input(ZoneIssueReason::ZONE_ISSUE_NOT_MEMBER))?;
        let issue = zi_repo::find(conn, member.zone_issue_id)?
            .ok_or_else(|| AppError::not_found(ZoneIssueReason::ZONE_ISSUE_NOT_FOUND))?;
        zi_repo::leave(conn, member.id, actor.user_id, now)?;
        if issue.carrier_request_id == request.id {
            hand_over(conn, &issue, &request, now)?;
        }
        zi_repo::touch(conn, issue.id, now)?;
        // Without tasks of its own, a request the issue had dispatched goes back to its officer.
        let mut current = request.clone();
        if matches!(request.status, RequestStatus::Dispatched | RequestStatus::InProgress)
            && !has_active_tasks(conn, request.id)?
        {
            current = zi_repo::back_to_officer(conn, &request, now)?.ok_or_else(|| stale(request.version))?;
        }
        let details = EventDetails {
            reason: reason.clone(),
            ..EventDetails::by(&actor.name)
        };
        events::record(
            conn,
            zone,
            &current,
            Some(request.status),
            Entry::public(EventKind::ZoneIssueLeft, Some(actor.user_id), details),
            now,
        )?;
        repo::find_by_id(conn, request.id)?.ok_or_else(|| AppError::not_found(RequestsReason::REQUEST_NOT_FOUND))
    })
    .await
}

/// Whether `actor` sees the zone issue: admins all; an officer when they handle one of its
/// current members; a department when it holds one of the shared tasks. Company staff never
/// see an issue (their request only says it is handled with others).
fn may_see_issue(conn: &mut DbConnection, actor: &Actor, issue: &ZoneIssue) -> AppResult<bool> {
    Ok(match actor.role {
        Role::Admin => true,
        Role::Company => false,
        Role::Officer => {
            let mut any = false;
            for member in zi_repo::member_requests(conn, issue.id)? {
                if handles(conn, actor, &member)? {
                    any = true;
                    break;
                }
            }
            any
        }
        Role::Department => match repo::find_by_id(conn, issue.carrier_request_id)? {
            Some(carrier) => can_see(conn, actor, &carrier)?,
            None => false,
        },
    })
}

fn visible_issue(conn: &mut DbConnection, actor: &Actor, id: i64) -> AppResult<ZoneIssue> {
    let issue = zi_repo::find(conn, id)?.ok_or_else(|| AppError::not_found(ZoneIssueReason::ZONE_ISSUE_NOT_FOUND))?;
    if !may_see_issue(conn, actor, &issue)? {
        return Err(AppError::not_found(ZoneIssueReason::ZONE_ISSUE_NOT_FOUND));
    }
    Ok(issue)
}

/// A zone issue as its readers see it: the issue, its current members the reader may see, how
/// many there are in all, and where it stands.
#[derive(Debug, Clone)]
pub struct ZoneIssueView {
    pub issue: ZoneIssue,
    pub carrier: Option<Request>,
    /// The current members the reader may see.
    pub members: Vec<Request>,
    pub member_count: i64,
    pub company_count: i64,
    pub left_count: i64,
    pub status: ZoneIssueStatus,
}

fn view(conn: &mut DbConnection, actor: &Actor, issue: ZoneIssue) -> AppResult<ZoneIssueView> {
    let all = zi_repo::member_requests(conn, issue.id)?;
    let memberships = zi_repo::members_of(conn, &[issue.id])?;
    let left_count = memberships.iter().filter(|m| m.left_at.is_some()).count() as i64;
    let companies: std::collections::HashSet<_> = all.iter().map(|r| r.company_id).collect();
    let finished = |r: &Request| {
        matches!(
            r.status,
            RequestStatus::Closed | RequestStatus::Withdrawn | RequestStatus::Rejected | RequestStatus::Unresolvable
        )
    };
    let status = if all.iter().all(finished) {
        ZoneIssueStatus::Closed
    } else if issue.resolved_at.is_some() {
        ZoneIssueStatus::Resolved
    } else {
        ZoneIssueStatus::Open
    };
    let mut members = Vec::new();
    for request in &all {
        if can_see(conn, actor, request)? {
            members.push(request.clone());
        }
    }
    let carrier = repo::find_by_id(conn, issue.carrier_request_id)?
        .filter(|c| members.iter().any(|m| m.id == c.id) || actor.role == Role::Department);
    Ok(ZoneIssueView {
        member_count: all.len() as i64,
        company_count: companies.len() as i64,
        left_count,
        status,
        carrier,
        members,
        issue,
    })
}

pub async fn zone_issue(state: &AppState, actor: &Actor, id: i64) -> AppResult<ZoneIssueView> {
    let actor = actor.clone();
    state
        .db
        .read(move |conn| {
            let issue = visible_issue(conn, &actor, id)?;
            view(conn, &actor, issue)
        })
        .await
}

/// The zone issue a request belongs to now, as `actor` sees it (none for company staff).
pub async fn zone_issue_of(state: &AppState, actor: &Actor, request_id: RequestId) -> AppResult<Option<ZoneIssueView>> {
    let actor = actor.clone();
    state
        .db
        .read(move |conn| {
            let Some(member) = zi_repo::active_membership(conn, request_id)? else {
                return Ok(None);
            };
            let Some(issue) = zi_repo::find(conn, member.zone_issue_id)? else {
                return Ok(None);
            };
            if !may_see_issue(conn, &actor, &issue)? {
                return Ok(None);
            }
            Ok(Some(view(conn, &actor, issue)?))
        })
        .await
}

/// Whether a request (already visible to the caller) is handled with other companies'
/// requests now: told to the company without saying whose.
pub async fn handled_with_others(state: &AppState, request_id: RequestId) -> AppResult<bool> {
    state
        .db
        .read(move |conn| Ok(!zi_repo::active_memberships(conn, &[request_id])?.is_empty()))
        .await
}

/// Zone issues, newest first: admins see all, officers those with a member of their companies.
pub async fn zone_issues(state: &AppState, actor: &Actor, page: PageRequest) -> AppResult<Page<ZoneIssueView>> {
    let scope = match actor.role {
        Role::Admin => IssueScope::All,
        Role::Officer => IssueScope::Officer(actor.user_id),
        Role::Company | Role::Department => return Err(AppError::forbidden(ZoneIssueReason::ZONE_ISSUE_ONLY_HANDLERS)),
    };
    let actor = actor.clone();
    state
        .db
        .read(move |conn| {
            let page = zi_repo::list(conn, scope, page)?;
            let mut items = Vec::with_capacity(page.items.len());
            for issue in page.items {
                items.push(view(conn, &actor, issue)?);
            }
            Ok(Page {
                items,
                has_next_page: page.has_next_page,
                has_previous_page: page.has_previous_page,
                total_count: page.total_count,
            })
        })
        .await
}

/// The carrier request of a zone issue `actor` may see, for a shared step taken on the issue.
pub async fn carrier_of(state: &AppState, actor: &Actor, id: i64) -> AppResult<RequestId> {
    let actor = actor.clone();
    state
        .db
        .read(move |conn| Ok(visible_issue(conn, &actor, id)?.carrier_request_id))
        .await
}
