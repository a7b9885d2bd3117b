//! Extensions (延期): a department asks for more time on its task's reply limit before it
//! passes, with a reason; an admin approves (the due time moves, on the record) or refuses.

use crate::requests::errors::RequestsReason;
use chrono::NaiveDateTime;
use chrono_tz::Tz;

use super::model::{Extension, ExtensionStatus, NewExtension};
use super::repo;
use crate::actor::{Actor, Role};
use crate::clock::to_utc;
use crate::db::{DbConnection, Once, Page, PageRequest, Replay, Tx};
use crate::error::{AppError, AppResult};
use crate::ids::TaskId;
use crate::requests::events::{self, Entry};
use crate::requests::model::{EventKind, Request, Task};
use crate::requests::timeline::EventDetails;
use crate::requests::{repo as requests_repo, service as requests_service};
use crate::state::AppState;
use crate::text::multi_line;

const MAX_REASON_CHARS: usize = 2_000;

fn text(field: &str, value: &str) -> AppResult<String> {
    multi_line(MAX_REASON_CHARS).required(field, value)
}

struct Step<'a> {
    zone: Tz,
    request: &'a Request,
    task: &'a Task,
    actor: &'a Actor,
    now: NaiveDateTime,
}

impl Step<'_> {
    fn record(&self, conn: &mut Tx<'_>, kind: EventKind, details: EventDetails) -> AppResult<()> {
        let details = EventDetails {
            departments: events::task_department(conn, self.task)?,
            ..details
        };
        events::record(
            conn,
            self.zone,
            self.request,
            Some(self.request.status),
            Entry::internal(kind, Some(self.actor.user_id), details).on_task(self.task.id),
            self.now,
        )?;
        Ok(())
    }
}

/// A department asks for its task's reply limit to move to `until`.
pub async fn request(
    state: &AppState,
    actor: &Actor,
    task_id: TaskId,
    until: NaiveDateTime,
    reason: &str,
    idempotency_key: Option<&str>,
) -> AppResult<Extension> {
    actor.require_role(&[Role::Department])?;
    let reason = text("reason", reason)?;
    let once = Once::new(
        actor.user_id,
        idempotency_key,
        "requestExtension",
        &(task_id, until, &reason),
    )?;
    let actor = actor.clone();
    let now = state.clock.now_naive();
    let zone = state.config.time_zone;
    state
        .db
        .write_once(once, now, move |conn| {
            let task = requests_repo::find_task(conn, task_id)?
                .ok_or_else(|| AppError::not_found(RequestsReason::TASK_NOT_FOUND))?;
            if task.department_id.is_none() || task.department_id != actor.department_id {
                return Err(AppError::not_found(RequestsReason::TASK_NOT_FOUND));
            }
            let request = requests_service::visible(conn, &actor, task.request_id)?;
            let open = task.status.is_active() && task.replied_at.is_none() && request.status.is_open();
            let Some(due_at) = task.reply_due_at.filter(|_| open) else {
                return Err(AppError::bad_field("taskId", RequestsReason::NO_OPEN_LIMIT)
                    .reported_as(RequestsReason::INVALID_TRANSITION));
            };
            if due_at <= now {
                return Err(AppError::bad_field("taskId", RequestsReason::DEADLINE_PASSED));
            }
            if until <= due_at {
                return Err(AppError::bad_field("until", RequestsReason::EXTENSION_NOT_LATER));
            }
            if repo::pending_for_task(conn, task.id)? > 0 {
                return Err(AppError::conflict(RequestsReason::EXTENSION_PENDING));
            }
            let extension = repo::insert_extension(
                conn,
                &NewExtension {
                    request_id: request.id,
                    task_id: task.id,
                    requested_by: actor.user_id,
                    reason: reason.clone(),
                    previous_due_at: due_at,
                    requested_due_at: until,
                    status: ExtensionStatus::Pending,
                    created_at: now,
                },
            )?;
            let step = Step {
                zone,
                request: &request,
                task: &task,
                actor: &actor,
                now,
            };
            step.record(
                conn,
                EventKind::ExtensionRequested,
                EventDetails {
                    previous_due_at: Some(to_utc(due_at)),
                    due_at: Some(to_utc(until)),
                    reason: Some(reason),
                    ..EventDetails::by(&actor.name)
                },
            )?;
            Ok(extension)
        })
        .await
}

/// An admin's decision on a pending extension.
pub async fn decide(
    state: &AppState,
    actor: &Actor,
    id: i64,
    approve: bool,
    note: Option<&str>,
    idempotency_key: Option<&str>,
) -> AppResult<Extension> {
    actor.require_admin()?;
    let note = note.map(|n| text("note", n)).transpose()?;
    let once = Once::new(actor.user_id, idempotency_key, "decideExtension", &(id, approve, &note))?;
    let actor = actor.clone();
    let now = state.clock.now_naive();
    let zone = state.config.time_zone;
    state
        .db
        .write_once(once, now, move |conn| {
            let extension = repo::find_extension(conn, id)?
                .ok_or_else(|| AppError::not_found(RequestsReason::EXTENSION_NOT_FOUND))?;
            let task = requests_repo::find_task(conn, extension.task_id)?
                .ok_or_else(|| AppError::not_found(RequestsReason::EXTENSION_NOT_FOUND))?;
            let request = requests_repo::find_by_id(conn, extension.request_id)?
                .ok_or_else(|| AppError::not_found(RequestsReason::EXTENSION_NOT_FOUND))?;
            let status = if approve {
                ExtensionStatus::Approved
            } else {
                ExtensionStatus::Refused
            };
            let decided = repo::decide_pending(conn, id, status, actor.user_id, now, note.clone())?;
            let Some(decided) = decided else {
                return Err(AppError::conflict(RequestsReason::EXTENSION_DECIDED));
            };
            let step = Step {
                zone,
                request: &request,
                task: &task,
                actor: &actor,
                now,
            };
            if approve {
                // The reminder keeps its distance from the (moved) due time.
                let lead = task
                    .reply_due_at
                    .zip(task.reply_remind_at)
                    .map(|(due, remind)| due - remind)
                    .unwrap_or_default();
                repo::move_task_reply_limit(
                    conn,
                    task.id,
                    extension.requested_due_at,
                    extension.requested_due_at - lead,
                )?;
                step.record(
                    conn,
                    EventKind::ExtensionApproved,
                    EventDetails {
                        previous_due_at: Some(to_utc(extension.previous_due_at)),
                        due_at: Some(to_utc(extension.requested_due_at)),
                        note,
                        ..EventDetails::by(&actor.name)
                    },
                )?;
            } else {
                step.record(
                    conn,
                    EventKind::ExtensionRefused,
                    EventDetails {
                        due_at: Some(to_utc(extension.previous_due_at)),
                        note,
                        ..EventDetails::by(&actor.name)
                    },
                )?;
            }
            Ok(decided)
        })
        .await
}

/// Extensions by status, oldest first (admins).
pub async fn list(
    state: &AppState,
    actor: &Actor,
    status: Option<ExtensionStatus>,
    page: PageRequest,
) -> AppResult<Page<Extension>> {
    actor.require_admin()?;
    state.db.read(move |conn| repo::extensions(conn, status, page)).await
}

/// The extensions asked on a task the caller has reached, oldest first (none for company
/// staff, who do not see the departments' negotiations).
pub async fn of_task(state: &AppState, actor: &Actor, task_id: TaskId) -> AppResult<Vec<Extension>> {
    if actor.role == Role::Company {
        return Ok(Vec::new());
    }
    state.db.read(move |conn| repo::for_tasks(conn, &[task_id])).await
}

/// A repeated request or decision answers the same extension (`db::idempotency`).
impl Replay for Extension {
    type Ref = i64;

    fn reference(&self) -> i64 {
        self.id
    }

    fn replay(conn: &mut DbConnection, id: i64) -> AppResult<Extension> {
        repo::find_extension(conn, id)?.ok_or_else(|| AppError::not_found(RequestsReason::EXTENSION_NOT_FOUND))
    }
}
