//! Extensions (延期): a department asks for more time on its task's reply limit before it
//! passes, with a reason; an admin approves (the due time moves, on the record) or refuses.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::auth::model::{Actor, Role};
use crate::db::schema::{request_tasks, sla_extensions};
use crate::db::{DbConnection, Page, PageRequest};
use crate::error::{AppError, AppResult};
use crate::requests::events::{self, Entry};
use crate::requests::model::{EventKind, Request, Task};
use crate::requests::{live, repo as requests_repo, service as requests_service};
use crate::state::AppState;

const MAX_REASON_CHARS: usize = 2_000;

crate::stored_enum!(
    /// Where an extension request stands.
    ExtensionStatus {
        /// Waiting for an admin's decision.
        Pending => "PENDING",
        /// Granted: the task's due time moved.
        Approved => "APPROVED",
        /// Refused: the due time stands.
        Refused => "REFUSED",
    }
);

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sla_extensions)]
pub struct Extension {
    pub id: i64,
    pub request_id: i64,
    pub task_id: i64,
    pub requested_by: i64,
    pub reason: String,
    pub previous_due_at: NaiveDateTime,
    pub requested_due_at: NaiveDateTime,
    pub status: ExtensionStatus,
    pub decided_by: Option<i64>,
    pub decided_at: Option<NaiveDateTime>,
    pub decision_note: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = sla_extensions)]
struct NewExtension {
    request_id: i64,
    task_id: i64,
    requested_by: i64,
    reason: String,
    previous_due_at: NaiveDateTime,
    requested_due_at: NaiveDateTime,
    status: ExtensionStatus,
    created_at: NaiveDateTime,
}

fn text(field: &str, value: &str) -> AppResult<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(AppError::bad_field(field, "say why"));
    }
    if value.chars().count() > MAX_REASON_CHARS {
        return Err(AppError::bad_field(
            field,
            format!("at most {MAX_REASON_CHARS} characters"),
        ));
    }
    Ok(value.to_string())
}

fn find(conn: &mut DbConnection, id: i64) -> AppResult<Option<Extension>> {
    Ok(sla_extensions::table
        .find(id)
        .select(Extension::as_select())
        .first(conn)
        .optional()?)
}

pub fn for_tasks(conn: &mut DbConnection, task_ids: &[i64]) -> AppResult<Vec<Extension>> {
    Ok(sla_extensions::table
        .filter(sla_extensions::task_id.eq_any(task_ids))
        .order(sla_extensions::id.asc())
        .select(Extension::as_select())
        .load(conn)?)
}

fn record(
    conn: &mut DbConnection,
    request: &Request,
    task: &Task,
    kind: EventKind,
    actor_id: i64,
    text: String,
    now: NaiveDateTime,
) -> AppResult<()> {
    events::record(
        conn,
        request,
        Some(request.status),
        Entry::internal(kind, Some(actor_id), text).on_task(task.id),
        now,
    )?;
    Ok(())
}

/// A department asks for its task's reply limit to move to `until`.
pub async fn request(
    state: &AppState,
    actor: &Actor,
    task_id: i64,
    until: NaiveDateTime,
    reason: &str,
) -> AppResult<Extension> {
    actor.require_role(&[Role::Department])?;
    let reason = text("reason", reason)?;
    let actor = actor.clone();
    let now = state.clock.now_naive();
    let (extension, request) = state
        .db
        .write(move |conn| {
            let task = requests_repo::find_task(conn, task_id)?.ok_or_else(|| AppError::not_found("task"))?;
            if task.department_id.is_none() || task.department_id != actor.department_id {
                return Err(AppError::not_found("task"));
            }
            let request = requests_service::visible(conn, &actor, task.request_id)?;
            let open = task.status.is_active() && task.replied_at.is_none() && request.status.is_open();
            let Some(due_at) = task.reply_due_at.filter(|_| open) else {
                return Err(AppError::BadInput {
                    message: "the task has no open time limit to extend".into(),
                    field: Some("taskId".into()),
                    reason: Some("INVALID_TRANSITION"),
                });
            };
            if due_at <= now {
                return Err(AppError::BadInput {
                    message: "an extension is asked for before the deadline passes".into(),
                    field: Some("taskId".into()),
                    reason: Some("DEADLINE_PASSED"),
                });
            }
            if until <= due_at {
                return Err(AppError::bad_field(
                    "until",
                    "ask for a moment after the current due time",
                ));
            }
            let pending = sla_extensions::table
                .filter(sla_extensions::task_id.eq(task.id))
                .filter(sla_extensions::status.eq(ExtensionStatus::Pending))
                .count()
                .get_result::<i64>(conn)?;
            if pending > 0 {
                return Err(AppError::conflict(
                    "an extension for this task already waits for a decision",
                ));
            }
            let extension: Extension = diesel::insert_into(sla_extensions::table)
                .values(&NewExtension {
                    request_id: request.id,
                    task_id: task.id,
                    requested_by: actor.user_id,
                    reason: reason.clone(),
                    previous_due_at: due_at,
                    requested_due_at: until,
                    status: ExtensionStatus::Pending,
                    created_at: now,
                })
                .returning(sla_extensions::all_columns)
                .get_result(conn)?;
            record(
                conn,
                &request,
                &task,
                EventKind::ExtensionRequested,
                actor.user_id,
                format!(
                    "extension asked from {} to {} UTC: {reason}",
                    due_at.format("%Y-%m-%d %H:%M"),
                    until.format("%Y-%m-%d %H:%M")
                ),
                now,
            )?;
            Ok((extension, request))
        })
        .await?;
    live::publish(state, request.id, request.company_id);
    Ok(extension)
}

/// An admin's decision on a pending extension.
pub async fn decide(
    state: &AppState,
    actor: &Actor,
    id: i64,
    approve: bool,
    note: Option<&str>,
) -> AppResult<Extension> {
    actor.require_admin()?;
    let note = note.map(|n| text("note", n)).transpose()?;
    let actor = actor.clone();
    let now = state.clock.now_naive();
    let (extension, request) = state
        .db
        .write(move |conn| {
            let extension = find(conn, id)?.ok_or_else(|| AppError::not_found("extension"))?;
            let task =
                requests_repo::find_task(conn, extension.task_id)?.ok_or_else(|| AppError::not_found("extension"))?;
            let request = requests_repo::find_by_id(conn, extension.request_id)?
                .ok_or_else(|| AppError::not_found("extension"))?;
            let status = if approve {
                ExtensionStatus::Approved
            } else {
                ExtensionStatus::Refused
            };
            let decided: Option<Extension> = diesel::update(
                sla_extensions::table
                    .find(id)
                    .filter(sla_extensions::status.eq(ExtensionStatus::Pending)),
            )
            .set((
                sla_extensions::status.eq(status),
                sla_extensions::decided_by.eq(actor.user_id),
                sla_extensions::decided_at.eq(now),
                sla_extensions::decision_note.eq(note.clone()),
            ))
            .returning(sla_extensions::all_columns)
            .get_result(conn)
            .optional()?;
            let Some(decided) = decided else {
                return Err(AppError::conflict("this extension has been decided already"));
            };
            let suffix = note.map(|n| format!(": {n}")).unwrap_or_default();
            if approve {
                // The reminder keeps its distance from the (moved) due time.
                let lead = task
                    .reply_due_at
                    .zip(task.reply_remind_at)
                    .map(|(due, remind)| due - remind)
                    .unwrap_or_default();
                diesel::update(request_tasks::table.find(task.id))
                    .set((
                        request_tasks::reply_due_at.eq(Some(extension.requested_due_at)),
                        request_tasks::reply_remind_at.eq(Some(extension.requested_due_at - lead)),
                    ))
                    .execute(conn)?;
                record(
                    conn,
                    &request,
                    &task,
                    EventKind::ExtensionApproved,
                    actor.user_id,
                    format!(
                        "extension granted: due {} UTC instead of {} UTC{suffix}",
                        extension.requested_due_at.format("%Y-%m-%d %H:%M"),
                        extension.previous_due_at.format("%Y-%m-%d %H:%M")
                    ),
                    now,
                )?;
            } else {
                record(
                    conn,
                    &request,
                    &task,
                    EventKind::ExtensionRefused,
                    actor.user_id,
                    format!(
                        "extension refused: still due {} UTC{suffix}",
                        extension.previous_due_at.format("%Y-%m-%d %H:%M")
                    ),
                    now,
                )?;
            }
            Ok((decided, request))
        })
        .await?;
    live::publish(state, request.id, request.company_id);
    Ok(extension)
}

/// Extensions by status, oldest first (admins).
pub async fn list(
    state: &AppState,
    actor: &Actor,
    status: Option<ExtensionStatus>,
    page: PageRequest,
) -> AppResult<Page<Extension>> {
    actor.require_admin()?;
    state
        .db
        .read(move |conn| {
            let mut query = sla_extensions::table.into_boxed();
            let mut count = sla_extensions::table.into_boxed();
            if let Some(status) = status {
                query = query.filter(sla_extensions::status.eq(status));
                count = count.filter(sla_extensions::status.eq(status));
            }
            if let Some(after) = page.after {
                query = query.filter(sla_extensions::id.gt(after));
            }
            let total = count.count().get_result::<i64>(conn)?;
            let rows = query
                .order(sla_extensions::id.asc())
                .limit(page.limit + 1)
                .select(Extension::as_select())
                .load(conn)?;
            Ok(Page::from_rows(rows, page, total))
        })
        .await
}
