//! How a step is written: the version guard, limits stamped or met, and the timeline event.

use super::*;

/// The first reply (answer, plan, resolution, refusal) meets the first-reply limit once.
pub(super) fn first_reply(request: &Request, now: NaiveDateTime) -> Option<Option<NaiveDateTime>> {
    request.first_replied_at.is_none().then_some(Some(now))
}

/// Re-stamps the request's open limits for another coordination tier, counted from receipt
/// and moved by the time already spent waiting on the company.
pub(super) fn retier(
    conn: &mut DbConnection,
    zone: Tz,
    request: &Request,
    coordinated: Option<bool>,
    changes: &mut RequestChanges,
) -> AppResult<bool> {
    let Some(coordinated) = coordinated.filter(|c| *c != request.needs_coordination) else {
        return Ok(request.needs_coordination);
    };
    let due = deadlines::for_request(
        conn,
        zone,
        request.kind,
        coordinated,
        request.urgency,
        request.created_at,
    )?;
    let paused = Duration::seconds(request.paused_seconds);
    changes.needs_coordination = Some(coordinated);
    if request.first_replied_at.is_none() {
        let first = due.first_reply.map(|d| d.shifted(paused));
        changes.first_reply_due_at = Some(first.map(|d| d.due_at));
        changes.first_reply_remind_at = Some(first.map(|d| d.remind_at));
    }
    if request.resolved_at.is_none() && request.status != RequestStatus::Reopened {
        let resolve = due.resolve.map(|d| d.shifted(paused));
        changes.resolve_due_at = Some(resolve.map(|d| d.due_at));
        changes.resolve_remind_at = Some(resolve.map(|d| d.remind_at));
    }
    Ok(coordinated)
}

/// A new department task with its reply limit stamped.
pub(super) fn new_task(
    conn: &mut DbConnection,
    zone: Tz,
    request: &Request,
    coordinated: bool,
    task: NewTask,
) -> AppResult<Task> {
    let due = deadlines::for_task(conn, zone, coordinated, request.urgency, task.created_at)?;
    repo::insert_task(
        conn,
        &NewTask {
            reply_due_at: due.map(|d| d.due_at),
            reply_remind_at: due.map(|d| d.remind_at),
            ..task
        },
    )
}

/// A limit met (or ended) only after it passed, which the sweeper has not recorded yet (it runs
/// every minute, or not at all in an instance without workers): overdue is never lost.
pub(super) fn missed_limit(
    request: &Request,
    to: RequestStatus,
    changes: &RequestChanges,
    now: NaiveDateTime,
) -> Option<NaiveDateTime> {
    if request.overdue_at.is_some() || request.awaiting_company_since.is_some() {
        return None;
    }
    let replied = matches!(changes.first_replied_at, Some(Some(_)));
    let ends_handling = request.status.is_open() && !to.is_open();
    [
        request.first_reply_due_at.filter(|_| replied),
        request.resolve_due_at.filter(|_| ends_handling),
    ]
    .into_iter()
    .flatten()
    .filter(|due| *due < now)
    .min()
}

/// Moves the request to `to` (guarded by the version read) and writes the step's event.
pub(super) fn apply(
    conn: &mut Tx<'_>,
    zone: Tz,
    request: &Request,
    to: RequestStatus,
    mut changes: RequestChanges,
    entry: Entry,
    now: NaiveDateTime,
) -> AppResult<Request> {
    if let Some(missed) = missed_limit(request, to, &changes, now) {
        changes.overdue_at = Some(Some(missed));
    }
    let Some(updated) = repo::advance(conn, request.id, request.version, to, &changes, now)? else {
        let current = repo::find_by_id(conn, request.id)?.map_or(request.version, |r| r.version);
        return Err(stale(current));
    };
    events::record(conn, zone, &updated, Some(request.status), entry, now)?;
    Ok(updated)
}
