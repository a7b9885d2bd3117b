//! Reading requests as each role may see them.

use super::*;
use crate::ids::{DepartmentId, UserId};

/// The request as a live subscriber may see it now: `None` when the subscriber's account is
/// gone or disabled (a long-lived connection must not outlive the account), or when the request
/// is not (or no longer) visible to them.
pub async fn for_subscriber(state: &AppState, user_id: UserId, id: RequestId) -> AppResult<Option<Request>> {
    state
        .db
        .read(move |conn| {
            let Some(user) = crate::auth::repo::find_by_id(conn, user_id)? else {
                return Ok(None);
            };
            if user.disabled_at.is_some() {
                return Ok(None);
            }
            match visible(conn, &Actor::from_user(&user), id) {
                Ok(request) => Ok(Some(request)),
                Err(AppError::NotFound(_)) => Ok(None),
                Err(other) => Err(other),
            }
        })
        .await
}

/// The steps the caller may take now on the request (`task: None`) or on one of its tasks.
pub async fn viewer_actions(
    state: &AppState,
    actor: &Actor,
    request: &Request,
    task: Option<&Task>,
) -> AppResult<Vec<Action>> {
    let (actor, request, task) = (actor.clone(), request.clone(), task.cloned());
    state
        .db
        .read(move |conn| allowed_actions(conn, &actor, &request, task.as_ref()))
        .await
}

/// The steps the caller may take now on one task (none when its request is not visible).
pub async fn task_viewer_actions(state: &AppState, actor: &Actor, task: &Task) -> AppResult<Vec<Action>> {
    let (actor, task) = (actor.clone(), task.clone());
    state
        .db
        .read(move |conn| {
            let Some(request) = repo::find_by_id(conn, task.request_id)? else {
                return Ok(Vec::new());
            };
            allowed_actions(conn, &actor, &request, Some(&task))
        })
        .await
}

pub async fn get(state: &AppState, actor: &Actor, id: RequestId) -> AppResult<Request> {
    let actor = actor.clone();
    state.db.read(move |conn| visible(conn, &actor, id)).await
}

pub async fn list(
    state: &AppState,
    actor: &Actor,
    filter: RequestFilter,
    page: PageRequest,
) -> AppResult<Page<Request>> {
    let scope = scope_of(actor);
    state.db.read(move |conn| repo::list(conn, scope, &filter, page)).await
}

pub async fn my_requests(
    state: &AppState,
    actor: &Actor,
    status: Option<Vec<RequestStatus>>,
    updated_since: Option<NaiveDateTime>,
    page: PageRequest,
) -> AppResult<Page<Request>> {
    actor.require_role(&[Role::Company])?;
    let filter = RequestFilter {
        statuses: status,
        updated_since,
        ..Default::default()
    };
    list(state, actor, filter, page).await
}

pub async fn my_tasks(
    state: &AppState,
    actor: &Actor,
    updated_since: Option<NaiveDateTime>,
    page: PageRequest,
) -> AppResult<Page<Request>> {
    let awaiting = match actor.role {
        Role::Officer => Awaiting::Officer(actor.user_id),
        Role::Department => Awaiting::Department(actor.department_id.unwrap_or(DepartmentId::NONE)),
        _ => return Err(AppError::forbidden(RequestsReason::MY_TASKS_ROLES)),
    };
    state
        .db
        .read(move |conn| repo::awaiting(conn, awaiting, updated_since, page))
        .await
}

/// How many requests the caller may see in each status (every status listed, zeros included).
pub async fn counts(state: &AppState, actor: &Actor) -> AppResult<Vec<(RequestStatus, i64)>> {
    let scope = scope_of(actor);
    let rows = state.db.read(move |conn| repo::counts_by_status(conn, scope)).await?;
    Ok(RequestStatus::ALL
        .iter()
        .map(|status| {
            let n = rows.iter().find(|(s, _)| s == status).map(|(_, n)| *n).unwrap_or(0);
            (*status, n)
        })
        .collect())
}

/// Requests past a limit unmet, newest first, within what the caller may see (admins,
/// officers and department staff); open ones only unless `include_closed`.
pub async fn overdue(
    state: &AppState,
    actor: &Actor,
    include_closed: bool,
    page: PageRequest,
) -> AppResult<Page<Request>> {
    actor.require_role(&[Role::Admin, Role::Officer, Role::Department])?;
    let filter = RequestFilter {
        overdue: Some(true),
        statuses: (!include_closed).then(|| RequestStatus::OPEN.to_vec()),
        ..Default::default()
    };
    list(state, actor, filter, page).await
}

/// Open requests with a running limit falling due within the next `hours` (1 to 720) and not
/// yet passed, within what the caller may see.
pub async fn due_soon(state: &AppState, actor: &Actor, hours: i32, page: PageRequest) -> AppResult<Page<Request>> {
    actor.require_role(&[Role::Admin, Role::Officer, Role::Department])?;
    if !(1..=720).contains(&hours) {
        return Err(AppError::bad_field("withinHours", RequestsReason::WITHIN_HOURS_RANGE));
    }
    let now = state.clock.now_naive();
    let filter = RequestFilter {
        due_between: Some((now, now + Duration::hours(i64::from(hours)))),
        ..Default::default()
    };
    list(state, actor, filter, page).await
}

/// The request a task the caller has reached belongs to.
pub async fn of_task(state: &AppState, request_id: RequestId) -> AppResult<Request> {
    state
        .db
        .read(move |conn| repo::find_by_id(conn, request_id))
        .await?
        .ok_or_else(|| AppError::not_found(RequestsReason::REQUEST_NOT_FOUND))
}

/// Whether a company's staff may see who a participant is: they see their colleagues and
/// officers, while department staff and admins appear to them only by role.
pub fn shows_participant(viewer: &Actor, participant_role: Role) -> bool {
    !(viewer.role == Role::Company && matches!(participant_role, Role::Department | Role::Admin))
}
