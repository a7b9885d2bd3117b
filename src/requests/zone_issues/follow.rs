//! The shared steps of a zone issue: a public step on the carrier request is copied onto every
//! member that still follows the issue (not resolved, reopened, finished or left), as the same
//! public event, with the carrier's status and shared time limit; each member's company is
//! told, in each reader's language. Called by `events::record` inside the step's transaction.

use chrono::NaiveDateTime;
use chrono_tz::Tz;

use super::model::ZoneIssue;
use super::repo;
use crate::db::{DbConnection, Effect, RequestChanged, Tx};
use crate::error::{AppError, AppResult};
use crate::i18n::Locale;
use crate::ids::RequestId;
use crate::requests::errors::RequestsReason;
use crate::requests::model::{Event, EventKind, NewEvent, Request, RequestStatus, Urgency};
use crate::requests::timeline::{self, EventDetails};
use crate::requests::{notices, repo as requests_repo};

/// The steps handled once for every member: acceptance, dispatch and the departments' work,
/// extensions, and the end of handling. Confirmation, reopening, withdrawal, notes, urging and
/// the time-limit alerts stay each request's own.
pub const SHARED: &[EventKind] = &[
    EventKind::Accepted,
    EventKind::Dispatched,
    EventKind::Pooled,
    EventKind::Claimed,
    EventKind::Signed,
    EventKind::Returned,
    EventKind::Transferred,
    EventKind::Planned,
    EventKind::Completed,
    EventKind::ExtensionApproved,
    EventKind::Answered,
    EventKind::Resolved,
    EventKind::Unresolvable,
];

/// A member follows the carrier's shared steps while it is handled with the issue.
pub const FOLLOWING: &[RequestStatus] = &[
    RequestStatus::Submitted,
    RequestStatus::Accepted,
    RequestStatus::Dispatched,
    RequestStatus::InProgress,
];

/// Copies `event`, just written on `carrier`, onto the zone issue's following members.
pub fn on_carrier_event(
    conn: &mut Tx<'_>,
    zone: Tz,
    carrier: &Request,
    event: &Event,
    details: &EventDetails,
    at: NaiveDateTime,
) -> AppResult<()> {
    if matches!(event.kind, EventKind::Withdrawn | EventKind::Rejected) {
        // The carrier stops being handled: its shared tasks go on for the others.
        if let Some(issue) = repo::carried_by(conn, carrier.id)? {
            hand_over(conn, &issue, carrier, at)?;
        }
        return Ok(());
    }
    if event.internal || !SHARED.contains(&event.kind) {
        return Ok(());
    }
    let Some(issue) = repo::carried_by(conn, carrier.id)? else {
        return Ok(());
    };
    for member in repo::member_requests(conn, issue.id)? {
        if member.id == carrier.id || !FOLLOWING.contains(&member.status) {
            continue;
        }
        let from = member.status;
        let Some(updated) = repo::follow(conn, &member, carrier, at)? else {
            return Err(AppError::conflict(RequestsReason::REQUEST_CHANGED).with_version(member.version.into()));
        };
        record_copy(conn, zone, &updated, from, event.kind, event.actor_id, details, at)?;
    }
    if matches!(carrier.status, RequestStatus::Resolved | RequestStatus::Unresolvable) {
        repo::mark_resolved(conn, issue.id, at)?;
    } else {
        repo::touch(conn, issue.id, at)?;
    }
    Ok(())
}

fn rank(request: &Request) -> (bool, bool, Option<NaiveDateTime>, NaiveDateTime, RequestId) {
    (
        request.urgency != Urgency::Urgent,
        request.resolve_due_at.is_none(),
        request.resolve_due_at,
        request.created_at,
        request.id,
    )
}

/// The most urgent request: urgent before normal, then the earliest resolution limit, then the
/// first raised.
pub fn most_urgent(requests: &[Request]) -> Option<&Request> {
    requests.iter().min_by_key(|r| rank(r))
}

/// Hands the shared tasks of `carrier`, which stops carrying the issue, to the most urgent
/// member still following; the issue keeps `carrier` when none follows.
pub fn hand_over(conn: &mut DbConnection, issue: &ZoneIssue, carrier: &Request, now: NaiveDateTime) -> AppResult<()> {
    let following: Vec<Request> = repo::member_requests(conn, issue.id)?
        .into_iter()
        .filter(|m| m.id != carrier.id && FOLLOWING.contains(&m.status))
        .collect();
    if let Some(next) = most_urgent(&following) {
        repo::move_tasks(conn, carrier.id, next.id)?;
        repo::set_carrier(conn, issue.id, next.id, now)?;
    }
    Ok(())
}

/// Writes a public event on a member request (no task of its own: the tasks are the carrier's)
/// and tells its company only.
#[allow(clippy::too_many_arguments)]
pub fn record_copy(
    conn: &mut Tx<'_>,
    zone: Tz,
    request: &Request,
    from: RequestStatus,
    kind: EventKind,
    actor_id: Option<crate::ids::UserId>,
    details: &EventDetails,
    at: NaiveDateTime,
) -> AppResult<Event> {
    conn.after_commit(Effect::RequestChanged(RequestChanged {
        request_id: request.id,
        company_id: request.company_id,
    }));
    let event = requests_repo::insert_event(
        conn,
        &NewEvent {
            request_id: request.id,
            task_id: None,
            kind,
            actor_id,
            text: timeline::render(kind, details, Locale::ZhCn, zone),
            internal: false,
            from_status: Some(from),
            to_status: Some(request.status),
            created_at: at,
            details: Some(details.to_json()),
        },
    )?;
    notices::on_shared_event(conn, request, &event, at)?;
    Ok(event)
}
