//! The request's own steps: accepting, answering, dispatching, resolving, confirming, notes,
//! urging, information requests and the automatic close.

use super::*;
use crate::ids::DepartmentId;

/// Runs one step on a request in a write transaction, after the visibility check.
/// With an idempotency key (`once`), a repeat answers the first step's request and changes nothing.
pub(super) async fn request_step<F>(
    state: &AppState,
    actor: &Actor,
    id: RequestId,
    once: Option<Once>,
    step: F,
) -> AppResult<Request>
where
    F: FnOnce(&mut Tx<'_>, &Actor, Request, NaiveDateTime) -> AppResult<Request> + Send + 'static,
{
    let actor = actor.clone();
    let now = state.clock.now_naive();
    let outcome = state
        .db
        .write_once(once, now, move |conn| {
            let request = visible(conn, &actor, id)?;
            step(conn, &actor, request, now)
        })
        .await;
    outcome
}

/// The common shape of the officer's versioned steps: role, version, transition.
pub(super) fn handler_step(
    conn: &mut DbConnection,
    actor: &Actor,
    request: &Request,
    version: i32,
    action: Action,
) -> AppResult<RequestStatus> {
    authorize(conn, actor, request, None, action)?;
    check_version(request, version)?;
    let step = lifecycle::check(request.status, action)?;
    zone_issue_guard(conn, request)?;
    Ok(lifecycle::next_status(request.status, step.outcome))
}

pub async fn accept(
    state: &AppState,
    actor: &Actor,
    id: RequestId,
    version: i32,
    needs_coordination: Option<bool>,
    idempotency_key: Option<&str>,
) -> AppResult<Request> {
    let zone = state.config.time_zone;
    let once = once(
        actor,
        idempotency_key,
        Action::Accept,
        &(id, version, needs_coordination),
    )?;
    request_step(state, actor, id, once, move |conn, actor, request, now| {
        let to = handler_step(conn, actor, &request, version, Action::Accept)?;
        let mut changes = RequestChanges::default();
        retier(conn, zone, &request, needs_coordination, &mut changes)?;
        let entry = Entry::public(EventKind::Accepted, Some(actor.user_id), EventDetails::by(&actor.name));
        apply(conn, zone, &request, to, changes, entry, now)
    })
    .await
}

pub async fn reject(
    state: &AppState,
    actor: &Actor,
    id: RequestId,
    version: i32,
    reason: &str,
    idempotency_key: Option<&str>,
) -> AppResult<Request> {
    let reason = NOTE.required("reason", reason)?;
    let zone = state.config.time_zone;
    let once = once(actor, idempotency_key, Action::Reject, &(id, version, &reason))?;
    request_step(state, actor, id, once, move |conn, actor, request, now| {
        let to = handler_step(conn, actor, &request, version, Action::Reject)?;
        let changes = RequestChanges {
            answer: Some(Some(reason.clone())),
            closed_at: Some(Some(now)),
            first_replied_at: first_reply(&request, now),
            ..Default::default()
        };
        apply(
            conn,
            zone,
            &request,
            to,
            changes,
            Entry::public(
                EventKind::Rejected,
                Some(actor.user_id),
                EventDetails {
                    reason: Some(reason),
                    ..EventDetails::by(&actor.name)
                },
            ),
            now,
        )
    })
    .await
}

pub async fn answer(
    state: &AppState,
    actor: &Actor,
    id: RequestId,
    version: i32,
    answer: &str,
    idempotency_key: Option<&str>,
) -> AppResult<Request> {
    let answer = LONG.required("answer", answer)?;
    let zone = state.config.time_zone;
    let once = once(actor, idempotency_key, Action::Answer, &(id, version, &answer))?;
    request_step(state, actor, id, once, move |conn, actor, request, now| {
        let to = handler_step(conn, actor, &request, version, Action::Answer)?;
        if request.kind != RequestKind::Consultation {
            return Err(AppError::bad_input(RequestsReason::ANSWER_ONLY_CONSULTATIONS)
                .reported_as(RequestsReason::INVALID_TRANSITION));
        }
        let changes = RequestChanges {
            answer: Some(Some(answer.clone())),
            resolved_at: Some(Some(now)),
            first_replied_at: first_reply(&request, now),
            ..Default::default()
        };
        apply(
            conn,
            zone,
            &request,
            to,
            changes,
            Entry::public(
                EventKind::Answered,
                Some(actor.user_id),
                EventDetails {
                    answer: Some(answer),
                    ..EventDetails::by(&actor.name)
                },
            ),
            now,
        )
    })
    .await
}

#[derive(Debug, Clone, Copy)]
pub struct DispatchTarget {
    pub department_id: DepartmentId,
    pub lead: bool,
}

/// Where a request goes.
#[derive(Debug, Clone, Default)]
pub struct Dispatch {
    pub targets: Vec<DispatchTarget>,
    pub note: Option<String>,
    /// Into the open pool instead of to named departments.
    pub to_pool: bool,
    /// Switches the request's coordination tier (and its time limits) when given.
    pub needs_coordination: Option<bool>,
}

/// Dispatches to departments (exactly one lead among the request's active tasks afterwards),
/// or, with `to_pool`, puts one lead task in the open pool for any department to claim.
pub async fn dispatch(
    state: &AppState,
    actor: &Actor,
    id: RequestId,
    version: i32,
    dispatch: Dispatch,
    idempotency_key: Option<&str>,
) -> AppResult<(Request, Vec<Task>)> {
    let Dispatch {
        targets,
        note,
        to_pool,
        needs_coordination,
    } = dispatch;
    let note = NOTE.optional("note", note.as_deref())?.unwrap_or_default();
    if to_pool && !targets.is_empty() {
        return Err(AppError::bad_field("departments", RequestsReason::DEPARTMENTS_OR_POOL));
    }
    if !to_pool && targets.is_empty() {
        return Err(AppError::bad_field("departments", RequestsReason::DEPARTMENT_REQUIRED));
    }
    let mut seen = std::collections::HashSet::new();
    if !targets.iter().all(|t| seen.insert(t.department_id)) {
        return Err(AppError::bad_field("departments", RequestsReason::DEPARTMENT_TWICE));
    }
    let targets_fingerprint: Vec<_> = targets.iter().map(|t| (t.department_id, t.lead)).collect();
    let once = once(
        actor,
        idempotency_key,
        Action::Dispatch,
        &(id, version, targets_fingerprint, &note, to_pool, needs_coordination),
    )?;
    let actor = actor.clone();
    let now = state.clock.now_naive();
    let zone = state.config.time_zone;
    let outcome = state
        .db
        .write_once(once, now, move |conn| {
            let request = visible(conn, &actor, id)?;
            let to = handler_step(conn, &actor, &request, version, Action::Dispatch)?;
            let mut changes = RequestChanges::default();
            let coordinated = retier(conn, zone, &request, needs_coordination, &mut changes)?;
            let active: Vec<Task> = repo::tasks_of(conn, id)?
                .into_iter()
                .filter(|t| t.status.is_active())
                .collect();
            let existing_leads = active.iter().filter(|t| t.lead).count();
            let new_leads = if to_pool {
                1
            } else {
                targets.iter().filter(|t| t.lead).count()
            };
            if existing_leads + new_leads != 1 {
                return Err(AppError::bad_field(
                    "departments",
                    if existing_leads > 0 {
                        RequestsReason::LEAD_EXISTS
                    } else {
                        RequestsReason::ONE_LEAD_REQUIRED
                    },
                ));
            }
            let mut named = Vec::new();
            let mut tasks = Vec::new();
            if to_pool {
                tasks.push(new_task(
                    conn,
                    zone,
                    &request,
                    coordinated,
                    NewTask {
                        request_id: id,
                        department_id: None,
                        lead: true,
                        status: TaskStatus::Pooled,
                        note: note.clone(),
                        dispatched_by: Some(actor.user_id),
                        created_at: now,
                        updated_at: now,
                        reply_due_at: None,
                        reply_remind_at: None,
                    },
                )?);
            }
            for target in &targets {
                let department = departments_repo::find_by_id(conn, target.department_id)?
                    .ok_or_else(|| AppError::bad_field("departments", RequestsReason::NO_SUCH_DEPARTMENT))?;
                if department.disabled_at.is_some() {
                    return Err(
                        AppError::bad_field("departments", RequestsReason::NAMED_DEPARTMENT_DISABLED)
                            .arg("department", &department.name),
                    );
                }
                if active.iter().any(|t| t.department_id == Some(department.id)) {
                    return Err(
                        AppError::bad_field("departments", RequestsReason::NAMED_DEPARTMENT_HOLDS_TASK)
                            .arg("department", &department.name),
                    );
                }
                named.push(EventDepartment::new(
                    department.id,
                    department.name.clone(),
                    department.name_en.clone(),
                    target.lead,
                ));
                tasks.push(new_task(
                    conn,
                    zone,
                    &request,
                    coordinated,
                    NewTask {
                        request_id: id,
                        department_id: Some(department.id),
                        lead: target.lead,
                        status: TaskStatus::Dispatched,
                        note: note.clone(),
                        dispatched_by: Some(actor.user_id),
                        created_at: now,
                        updated_at: now,
                        reply_due_at: None,
                        reply_remind_at: None,
                    },
                )?);
            }
            let kind = if to_pool {
                EventKind::Pooled
            } else {
                EventKind::Dispatched
            };
            let details = EventDetails {
                departments: (!to_pool).then_some(named),
                note: (!note.is_empty()).then(|| note.clone()),
                ..EventDetails::by(&actor.name)
            };
            let entry = Entry::public(kind, Some(actor.user_id), details);
            let request = apply(conn, zone, &request, to, changes, entry, now)?;
            Ok((request, tasks))
        })
        .await?;
    Ok(outcome)
}

pub async fn add_note(
    state: &AppState,
    actor: &Actor,
    id: RequestId,
    text: &str,
    internal: bool,
    idempotency_key: Option<&str>,
) -> AppResult<Request> {
    let text = NOTE.required("text", text)?;
    let zone = state.config.time_zone;
    if internal && actor.role == Role::Company {
        return Err(AppError::forbidden(RequestsReason::COMPANY_NOTES_PUBLIC));
    }
    let once = once(actor, idempotency_key, Action::Note, &(id, &text, internal))?;
    request_step(state, actor, id, once, move |conn, actor, request, now| {
        authorize(conn, actor, &request, None, Action::Note)?;
        lifecycle::check(request.status, Action::Note)?;
        let details = EventDetails {
            note: Some(text),
            ..EventDetails::by(&actor.name)
        };
        let entry = if internal {
            Entry::internal(EventKind::Note, Some(actor.user_id), details)
        } else {
            Entry::public(EventKind::Note, Some(actor.user_id), details)
        };
        // A note adds to the timeline without changing the request, so it takes no version.
        events::record(conn, zone, &request, Some(request.status), entry, now)?;
        Ok(request)
    })
    .await
}

pub async fn resolve(
    state: &AppState,
    actor: &Actor,
    id: RequestId,
    version: i32,
    answer: &str,
    idempotency_key: Option<&str>,
) -> AppResult<Request> {
    let answer = LONG.required("answer", answer)?;
    let zone = state.config.time_zone;
    let once = once(actor, idempotency_key, Action::Resolve, &(id, version, &answer))?;
    request_step(state, actor, id, once, move |conn, actor, request, now| {
        let to = handler_step(conn, actor, &request, version, Action::Resolve)?;
        let changes = RequestChanges {
            answer: Some(Some(answer.clone())),
            resolved_at: Some(Some(now)),
            first_replied_at: first_reply(&request, now),
            ..Default::default()
        };
        apply(
            conn,
            zone,
            &request,
            to,
            changes,
            Entry::public(
                EventKind::Resolved,
                Some(actor.user_id),
                EventDetails {
                    answer: Some(answer),
                    ..EventDetails::by(&actor.name)
                },
            ),
            now,
        )
    })
    .await
}

pub async fn mark_unresolvable(
    state: &AppState,
    actor: &Actor,
    id: RequestId,
    version: i32,
    reason: &str,
    filing_number: &str,
    idempotency_key: Option<&str>,
) -> AppResult<Request> {
    let reason = LONG.required("reason", reason)?;
    let filing_number = SHORT.required("filingNumber", filing_number)?;
    let zone = state.config.time_zone;
    let once = once(
        actor,
        idempotency_key,
        Action::MarkUnresolvable,
        &(id, version, &reason, &filing_number),
    )?;
    request_step(state, actor, id, once, move |conn, actor, request, now| {
        let to = handler_step(conn, actor, &request, version, Action::MarkUnresolvable)?;
        let details = EventDetails {
            reason: Some(reason.clone()),
            filing_number: Some(filing_number.clone()),
            ..EventDetails::by(&actor.name)
        };
        let changes = RequestChanges {
            answer: Some(Some(reason.clone())),
            filing_number: Some(Some(filing_number.clone())),
            closed_at: Some(Some(now)),
            first_replied_at: first_reply(&request, now),
            ..Default::default()
        };
        apply(
            conn,
            zone,
            &request,
            to,
            changes,
            Entry::public(EventKind::Unresolvable, Some(actor.user_id), details),
            now,
        )
    })
    .await
}

/// The company's two answers: solved (解决) and satisfied (满意). Both yes closes the request;
/// either no reopens it for re-handling (重办), putting finished tasks back to work.
pub async fn confirm(
    state: &AppState,
    actor: &Actor,
    id: RequestId,
    solved: bool,
    satisfied: bool,
    comment: Option<&str>,
    idempotency_key: Option<&str>,
) -> AppResult<Request> {
    let comment = NOTE.optional("comment", comment)?;
    let zone = state.config.time_zone;
    let once = once(
        actor,
        idempotency_key,
        Action::Confirm,
        &(id, solved, satisfied, &comment),
    )?;
    request_step(state, actor, id, once, move |conn, actor, request, now| {
        authorize(conn, actor, &request, None, Action::Confirm)?;
        lifecycle::check(request.status, Action::Confirm)?;
        let details = EventDetails {
            solved: Some(solved),
            satisfied: Some(satisfied),
            comment: comment.clone(),
            ..EventDetails::by(&actor.name)
        };
        verdict(conn, zone, &request, actor, solved, satisfied, comment, details, now)
    })
    .await
}

/// The company's verdict on a resolved request, given in the app or by phone (a callback):
/// both yes closes it; either no reopens it (重办) with a fresh resolution limit.
#[allow(clippy::too_many_arguments)]
pub(super) fn verdict(
    conn: &mut Tx<'_>,
    zone: Tz,
    request: &Request,
    actor: &Actor,
    solved: bool,
    satisfied: bool,
    comment: Option<String>,
    details: EventDetails,
    now: NaiveDateTime,
) -> AppResult<Request> {
    {
        let request = request.clone();
        let closes = solved && satisfied;
        let mut changes = RequestChanges {
            solved: Some(Some(solved)),
            satisfied: Some(Some(satisfied)),
            feedback_comment: Some(comment.clone()),
            no_feedback: Some(false),
            feedback_at: Some(Some(now)),
            ..Default::default()
        };
        let (to, kind) = if closes {
            changes.closed_at = Some(Some(now));
            (RequestStatus::Closed, EventKind::Closed)
        } else {
            changes.resolved_at = Some(None);
            // Handling again (重办) gets a fresh resolution limit from now.
            let due = deadlines::for_request(
                conn,
                zone,
                request.kind,
                request.needs_coordination,
                request.urgency,
                now,
            )?;
            changes.resolve_due_at = Some(due.resolve.map(|d| d.due_at));
            changes.resolve_remind_at = Some(due.resolve.map(|d| d.remind_at));
            repo::reopen_done_tasks(conn, request.id, now)?;
            (RequestStatus::Reopened, EventKind::Reopened)
        };
        apply(
            conn,
            zone,
            &request,
            to,
            changes,
            Entry::public(kind, Some(actor.user_id), details),
            now,
        )
    }
}

pub async fn withdraw(
    state: &AppState,
    actor: &Actor,
    id: RequestId,
    reason: Option<&str>,
    idempotency_key: Option<&str>,
) -> AppResult<Request> {
    let reason = NOTE.optional("reason", reason)?;
    let zone = state.config.time_zone;
    let once = once(actor, idempotency_key, Action::Withdraw, &(id, &reason))?;
    request_step(state, actor, id, once, move |conn, actor, request, now| {
        authorize(conn, actor, &request, None, Action::Withdraw)?;
        let step = lifecycle::check(request.status, Action::Withdraw)?;
        let to = lifecycle::next_status(request.status, step.outcome);
        let details = EventDetails {
            reason,
            ..EventDetails::by(&actor.name)
        };
        let changes = RequestChanges {
            closed_at: Some(Some(now)),
            ..Default::default()
        };
        apply(
            conn,
            zone,
            &request,
            to,
            changes,
            Entry::public(EventKind::Withdrawn, Some(actor.user_id), details),
            now,
        )
    })
    .await
}

pub async fn urge(
    state: &AppState,
    actor: &Actor,
    id: RequestId,
    message: Option<&str>,
    idempotency_key: Option<&str>,
) -> AppResult<Request> {
    let message = NOTE.optional("message", message)?;
    let zone = state.config.time_zone;
    let once = once(actor, idempotency_key, Action::Urge, &(id, &message))?;
    request_step(state, actor, id, once, move |conn, actor, request, now| {
        authorize(conn, actor, &request, None, Action::Urge)?;
        lifecycle::check(request.status, Action::Urge)?;
        let details = EventDetails {
            by_administration: Some(actor.role == Role::Admin),
            message,
            ..EventDetails::by(&actor.name)
        };
        events::record(
            conn,
            zone,
            &request,
            Some(request.status),
            Entry::public(EventKind::Urged, Some(actor.user_id), details),
            now,
        )?;
        Ok(request)
    })
    .await
}

/// Asks the company for missing information (AWAITING_COMPANY): every time limit of the request
/// and its tasks stands still until the company answers.
pub async fn request_information(
    state: &AppState,
    actor: &Actor,
    id: RequestId,
    question: &str,
    idempotency_key: Option<&str>,
) -> AppResult<Request> {
    let question = NOTE.required("question", question)?;
    let zone = state.config.time_zone;
    let once = once(actor, idempotency_key, Action::AskCompany, &(id, &question))?;
    request_step(state, actor, id, once, move |conn, actor, request, now| {
        authorize(conn, actor, &request, None, Action::AskCompany)?;
        lifecycle::check(request.status, Action::AskCompany)?;
        if request.awaiting_company_since.is_some() {
            return Err(AppError::bad_input(RequestsReason::ALREADY_AWAITING_COMPANY)
                .reported_as(RequestsReason::INVALID_TRANSITION));
        }
        let task_id = match actor.role {
            Role::Department => repo::tasks_of(conn, request.id)?
                .into_iter()
                .find(|t| t.status.is_active() && t.department_id == actor.department_id)
                .map(|t| t.id),
            _ => None,
        };
        let changes = RequestChanges {
            awaiting_company_since: Some(Some(now)),
            ..Default::default()
        };
        let mut entry = Entry::public(
            EventKind::InfoRequested,
            Some(actor.user_id),
            EventDetails {
                question: Some(question.clone()),
                ..EventDetails::by(&actor.name)
            },
        );
        if let Some(task_id) = task_id {
            entry = entry.on_task(task_id);
        }
        apply(conn, zone, &request, request.status, changes, entry, now)
    })
    .await
}

/// The company's answer to a request for information: the clock runs again and every open due
/// time (request and tasks) moves by exactly the time waited.
pub async fn provide_information(
    state: &AppState,
    actor: &Actor,
    id: RequestId,
    answer: &str,
    idempotency_key: Option<&str>,
) -> AppResult<Request> {
    let answer = LONG.required("answer", answer)?;
    let zone = state.config.time_zone;
    let once = once(actor, idempotency_key, Action::AnswerCompanyQuestion, &(id, &answer))?;
    request_step(state, actor, id, once, move |conn, actor, request, now| {
        authorize(conn, actor, &request, None, Action::AnswerCompanyQuestion)?;
        lifecycle::check(request.status, Action::AnswerCompanyQuestion)?;
        let Some(since) = request.awaiting_company_since else {
            return Err(AppError::bad_input(RequestsReason::NOT_AWAITING_COMPANY)
                .reported_as(RequestsReason::INVALID_TRANSITION));
        };
        let waited = (now - since).max(Duration::zero());
        let shift = |at: Option<NaiveDateTime>| Some(at.map(|t| t + waited));
        let mut changes = RequestChanges {
            awaiting_company_since: Some(None),
            paused_seconds: Some(request.paused_seconds + waited.num_seconds()),
            ..Default::default()
        };
        if request.first_replied_at.is_none() {
            changes.first_reply_due_at = shift(request.first_reply_due_at);
            changes.first_reply_remind_at = shift(request.first_reply_remind_at);
        }
        if request.resolved_at.is_none() {
            changes.resolve_due_at = shift(request.resolve_due_at);
            changes.resolve_remind_at = shift(request.resolve_remind_at);
        }
        repo::shift_open_task_deadlines(conn, request.id, waited)?;
        let entry = Entry::public(
            EventKind::InfoProvided,
            Some(actor.user_id),
            EventDetails {
                waited_minutes: Some(waited.num_minutes()),
                answer: Some(answer.clone()),
                ..EventDetails::by(&actor.name)
            },
        );
        apply(conn, zone, &request, request.status, changes, entry, now)
    })
    .await
}

/// Closes one request left RESOLVED past the confirmation window; false when it changed
/// meanwhile (confirmed, or reopened).
pub fn auto_close(conn: &mut Tx<'_>, zone: Tz, request: &Request, now: NaiveDateTime) -> AppResult<bool> {
    let Some(current) = repo::find_by_id(conn, request.id)? else {
        return Ok(false);
    };
    if current.version != request.version || lifecycle::check(current.status, Action::AutoClose).is_err() {
        return Ok(false);
    }
    let changes = RequestChanges {
        no_feedback: Some(true),
        closed_at: Some(Some(now)),
        ..Default::default()
    };
    let entry = Entry::public(
        EventKind::AutoClosed,
        None,
        EventDetails {
            days: Some(AUTO_CLOSE_AFTER_DAYS),
            ..Default::default()
        },
    );
    match apply(conn, zone, &current, RequestStatus::Closed, changes, entry, now) {
        Ok(_) => {
            // Closed without the company's answer: flagged for a callback (回访).
            crate::requests::callbacks::repo::flag(conn, current.id, now)?;
            Ok(true)
        }
        Err(AppError::Conflict(_)) => Ok(false),
        Err(other) => Err(other),
    }
}
