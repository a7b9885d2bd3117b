//! Who may see a request and who may take each step (the parties of `lifecycle`'s table).

use super::*;
use crate::ids::{CompanyId, DepartmentId};

/// The request was changed meanwhile: it is now at `version`.
pub(super) fn stale(version: i32) -> AppError {
    AppError::conflict(RequestsReason::REQUEST_CHANGED).with_version(version.into())
}

/// The officer handles the request: recorded on it at raise time, or serving its company now.
pub(super) fn handles(conn: &mut DbConnection, actor: &Actor, request: &Request) -> AppResult<bool> {
    Ok(match actor.role {
        Role::Admin => true,
        Role::Officer => {
            request.officer_id == Some(actor.user_id)
                || companies_repo::active_officer_id(conn, request.company_id)? == Some(actor.user_id)
        }
        Role::Company | Role::Department => false,
    })
}

pub(super) fn can_see(conn: &mut DbConnection, actor: &Actor, request: &Request) -> AppResult<bool> {
    Ok(match actor.role {
        Role::Admin | Role::Officer => handles(conn, actor, request)?,
        Role::Company => actor.company_id == Some(request.company_id),
        Role::Department => repo::tasks_of(conn, request.id)?.iter().any(|t| {
            t.status == TaskStatus::Pooled || (t.department_id.is_some() && t.department_id == actor.department_id)
        }),
    })
}

/// The request, if `actor` may see it (NOT_FOUND otherwise, so existence does not leak).
pub fn visible(conn: &mut DbConnection, actor: &Actor, id: RequestId) -> AppResult<Request> {
    let request = repo::find_by_id(conn, id)?.ok_or_else(|| AppError::not_found(RequestsReason::REQUEST_NOT_FOUND))?;
    if !can_see(conn, actor, &request)? {
        return Err(AppError::not_found(RequestsReason::REQUEST_NOT_FOUND));
    }
    Ok(request)
}

/// Checks that `actor` is the party the state machine names for `action` (the table in
/// `lifecycle` decides who, as it decides when). Visibility has been checked before.
pub(super) fn authorize(
    conn: &mut DbConnection,
    actor: &Actor,
    request: &Request,
    task: Option<&Task>,
    action: Action,
) -> AppResult<()> {
    let party = lifecycle::step(action).by;
    let allowed = match party {
        Party::Handler => handles(conn, actor, request)?,
        Party::Company => actor.role == Role::Company && actor.company_id == Some(request.company_id),
        Party::CompanyOrAdmin => {
            actor.role == Role::Admin || (actor.role == Role::Company && actor.company_id == Some(request.company_id))
        }
        Party::TaskDepartment => {
            actor.role == Role::Department
                && actor.department_id.is_some()
                && task.is_some_and(|t| t.department_id == actor.department_id)
        }
        Party::AnyDepartment => actor.role == Role::Department,
        Party::HandlerOrTaskHolder => {
            handles(conn, actor, request)?
                || (actor.role == Role::Department
                    && actor.department_id.is_some()
                    && repo::tasks_of(conn, request.id)?
                        .iter()
                        .any(|t| t.status.is_active() && t.department_id == actor.department_id))
        }
        Party::Viewer => true,
        Party::System => false,
    };
    if allowed {
        return Ok(());
    }
    Err(AppError::forbidden(match party {
        Party::Handler => RequestsReason::ONLY_HANDLER,
        Party::Company => RequestsReason::ONLY_COMPANY,
        Party::CompanyOrAdmin => RequestsReason::ONLY_COMPANY_OR_ADMIN,
        Party::TaskDepartment => RequestsReason::ONLY_TASK_DEPARTMENT,
        Party::AnyDepartment => RequestsReason::ONLY_DEPARTMENTS,
        Party::HandlerOrTaskHolder => RequestsReason::ONLY_HANDLER_OR_TASK_HOLDER,
        Party::Viewer | Party::System => RequestsReason::NOT_YOUR_STEP,
    }))
}

pub(super) fn check_version(request: &Request, version: i32) -> AppResult<()> {
    if request.version == version {
        Ok(())
    } else {
        Err(stale(request.version))
    }
}

pub fn scope_of(actor: &Actor) -> Scope {
    match actor.role {
        Role::Admin => Scope::All,
        Role::Company => Scope::Company(actor.company_id.unwrap_or(CompanyId::NONE)),
        Role::Officer => Scope::Officer(actor.user_id),
        Role::Department => Scope::Department(actor.department_id.unwrap_or(DepartmentId::NONE)),
    }
}

/// Whether the caller sees internal events and notes.
pub fn sees_internal(actor: &Actor) -> bool {
    actor.role != Role::Company
}

/// Whether `actor`'s department already holds an active task on the request (a department
/// holds at most one: claiming is refused then).
pub(super) fn holds_task(conn: &mut DbConnection, actor: &Actor, request: &Request) -> AppResult<bool> {
    let department_id = actor.department_id;
    Ok(department_id.is_some()
        && repo::tasks_of(conn, request.id)?
            .iter()
            .any(|t| t.status.is_active() && t.department_id == department_id))
}

/// The rules of a step beyond `lifecycle`'s table that its service function applies too: only
/// consultations are answered, information is asked once and given only when asked, and a
/// department claims no second task on a request.
fn preconditions(conn: &mut DbConnection, actor: &Actor, request: &Request, action: Action) -> AppResult<bool> {
    // A zone issue's member takes its handling steps through the issue's carrier.
    if matches!(
        action,
        Action::Accept
            | Action::Reject
            | Action::Answer
            | Action::Dispatch
            | Action::Resolve
            | Action::MarkUnresolvable
    ) && follows_issue(conn, request)?
    {
        return Ok(false);
    }
    Ok(match action {
        Action::Answer => request.kind == RequestKind::Consultation,
        Action::AskCompany => request.awaiting_company_since.is_none(),
        Action::AnswerCompanyQuestion => request.awaiting_company_since.is_some(),
        Action::Claim => !holds_task(conn, actor, request)?,
        _ => true,
    })
}

/// Whether `actor` may take `action` now: the party and the states of `lifecycle`'s table,
/// then the step's own rules, exactly as the step checks them (arguments aside).
fn may_take(
    conn: &mut DbConnection,
    actor: &Actor,
    request: &Request,
    task: Option<&Task>,
    action: Action,
) -> AppResult<bool> {
    // The state checks first: they need no query, and most steps fail them.
    if lifecycle::check(request.status, action).is_err() {
        return Ok(false);
    }
    if task.is_some_and(|t| lifecycle::check_task(t.status, action).is_err()) {
        return Ok(false);
    }
    match authorize(conn, actor, request, task, action) {
        Ok(()) => {}
        Err(AppError::Forbidden(_)) => return Ok(false),
        Err(other) => return Err(other),
    }
    preconditions(conn, actor, request, action)
}

/// The steps `actor` may take now on `request` (without a task: the request's own steps) or
/// on one of its tasks, in the order of `lifecycle`'s table; none when the request is not
/// visible to them.
pub fn allowed_actions(
    conn: &mut DbConnection,
    actor: &Actor,
    request: &Request,
    task: Option<&Task>,
) -> AppResult<Vec<Action>> {
    if !can_see(conn, actor, request)? {
        return Ok(Vec::new());
    }
    let mut actions = Vec::new();
    for step in lifecycle::STEPS {
        if step.by == Party::System || step.task.is_some() != task.is_some() {
            continue;
        }
        if may_take(conn, actor, request, task, step.action)? {
            actions.push(step.action);
        }
    }
    Ok(actions)
}
