//! Database access of the request-bound time limits: extension requests, the limits the
//! sweeper looks at, and the thresholds it has fired.

use chrono::NaiveDateTime;
use diesel::dsl::{exists, not};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};

use super::model::{Deadline, Extension, ExtensionStatus, Limit, NewExtension, Stage};
use crate::db::schema::{request_tasks, requests, sla_alerts, sla_extensions};
use crate::db::{DbConnection, Page, PageRequest};
use crate::error::AppResult;
use crate::ids::{RequestId, TaskId, UserId};
use crate::requests::model::{RequestStatus, TaskStatus};

/// Limits read per sweep query.
const BATCH: i64 = 200;

pub fn find_extension(conn: &mut DbConnection, id: i64) -> AppResult<Option<Extension>> {
    Ok(sla_extensions::table
        .find(id)
        .select(Extension::as_select())
        .first(conn)
        .optional()?)
}

/// The extensions asked on these tasks, oldest first.
pub fn for_tasks(conn: &mut DbConnection, task_ids: &[TaskId]) -> AppResult<Vec<Extension>> {
    Ok(sla_extensions::table
        .filter(sla_extensions::task_id.eq_any(task_ids))
        .order(sla_extensions::id.asc())
        .select(Extension::as_select())
        .load(conn)?)
}

/// How many extensions of the task wait for a decision.
pub fn pending_for_task(conn: &mut DbConnection, task_id: TaskId) -> AppResult<i64> {
    Ok(sla_extensions::table
        .filter(sla_extensions::task_id.eq(task_id))
        .filter(sla_extensions::status.eq(ExtensionStatus::Pending))
        .count()
        .get_result::<i64>(conn)?)
}

pub fn insert_extension(conn: &mut DbConnection, new: &NewExtension) -> AppResult<Extension> {
    Ok(diesel::insert_into(sla_extensions::table)
        .values(new)
        .returning(sla_extensions::all_columns)
        .get_result(conn)?)
}

/// Decides a pending extension; `None` when it was decided already.
pub fn decide_pending(
    conn: &mut DbConnection,
    id: i64,
    status: ExtensionStatus,
    decided_by: UserId,
    now: NaiveDateTime,
    note: Option<String>,
) -> AppResult<Option<Extension>> {
    Ok(diesel::update(
        sla_extensions::table
            .find(id)
            .filter(sla_extensions::status.eq(ExtensionStatus::Pending)),
    )
    .set((
        sla_extensions::status.eq(status),
        sla_extensions::decided_by.eq(decided_by),
        sla_extensions::decided_at.eq(now),
        sla_extensions::decision_note.eq(note),
    ))
    .returning(sla_extensions::all_columns)
    .get_result(conn)
    .optional()?)
}

/// Moves a task's reply limit (an approved extension).
pub fn move_task_reply_limit(
    conn: &mut DbConnection,
    task_id: TaskId,
    due_at: NaiveDateTime,
    remind_at: NaiveDateTime,
) -> AppResult<()> {
    diesel::update(request_tasks::table.find(task_id))
        .set((
            request_tasks::reply_due_at.eq(Some(due_at)),
            request_tasks::reply_remind_at.eq(Some(remind_at)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Extensions by status, oldest first.
pub fn extensions(
    conn: &mut DbConnection,
    status: Option<ExtensionStatus>,
    page: PageRequest,
) -> AppResult<Page<Extension>> {
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
}

/// Open limits past their reminder whose last threshold has not fired yet.
pub fn due_limits(conn: &mut DbConnection, now: NaiveDateTime) -> AppResult<Vec<Limit>> {
    let mut limits = Vec::new();

    let first: Vec<(RequestId, Option<NaiveDateTime>, Option<NaiveDateTime>)> = requests::table
        .filter(requests::status.eq_any(RequestStatus::OPEN))
        .filter(requests::awaiting_company_since.is_null())
        .filter(requests::first_replied_at.is_null())
        .filter(requests::first_reply_remind_at.le(now))
        .filter(not(exists(
            sla_alerts::table
                .filter(sla_alerts::request_id.eq(requests::id))
                .filter(sla_alerts::task_id.is_null())
                .filter(sla_alerts::deadline.eq(Deadline::FirstReply.as_str()))
                .filter(sla_alerts::stage.eq(Stage::Reprimand.as_str()))
                .filter(sla_alerts::due_at.nullable().eq(requests::first_reply_due_at)),
        )))
        .order(requests::first_reply_remind_at.asc())
        .limit(BATCH)
        .select((
            requests::id,
            requests::first_reply_due_at,
            requests::first_reply_remind_at,
        ))
        .load(conn)?;
    limits.extend(first.into_iter().filter_map(|(id, due, remind)| {
        Some(Limit {
            request_id: id,
            task_id: None,
            deadline: Deadline::FirstReply,
            due_at: due?,
            remind_at: remind?,
        })
    }));

    let resolve: Vec<(RequestId, Option<NaiveDateTime>, Option<NaiveDateTime>)> = requests::table
        .filter(requests::status.eq_any(RequestStatus::OPEN))
        .filter(requests::awaiting_company_since.is_null())
        .filter(requests::resolve_remind_at.le(now))
        .filter(not(exists(
            sla_alerts::table
                .filter(sla_alerts::request_id.eq(requests::id))
                .filter(sla_alerts::task_id.is_null())
                .filter(sla_alerts::deadline.eq(Deadline::Resolve.as_str()))
                .filter(sla_alerts::stage.eq(Stage::Reprimand.as_str()))
                .filter(sla_alerts::due_at.nullable().eq(requests::resolve_due_at)),
        )))
        .order(requests::resolve_remind_at.asc())
        .limit(BATCH)
        .select((requests::id, requests::resolve_due_at, requests::resolve_remind_at))
        .load(conn)?;
    limits.extend(resolve.into_iter().filter_map(|(id, due, remind)| {
        Some(Limit {
            request_id: id,
            task_id: None,
            deadline: Deadline::Resolve,
            due_at: due?,
            remind_at: remind?,
        })
    }));

    let tasks: Vec<(RequestId, TaskId, Option<NaiveDateTime>, Option<NaiveDateTime>)> = request_tasks::table
        .inner_join(requests::table)
        .filter(requests::status.eq_any(RequestStatus::OPEN))
        .filter(requests::awaiting_company_since.is_null())
        .filter(request_tasks::status.eq_any(TaskStatus::AWAITING_REPLY))
        .filter(request_tasks::replied_at.is_null())
        .filter(request_tasks::reply_remind_at.le(now))
        .filter(not(exists(
            sla_alerts::table
                .filter(sla_alerts::task_id.eq(request_tasks::id.nullable()))
                .filter(sla_alerts::deadline.eq(Deadline::TaskReply.as_str()))
                .filter(sla_alerts::stage.eq(Stage::Reprimand.as_str()))
                .filter(sla_alerts::due_at.nullable().eq(request_tasks::reply_due_at)),
        )))
        .order(request_tasks::reply_remind_at.asc())
        .limit(BATCH)
        .select((
            request_tasks::request_id,
            request_tasks::id,
            request_tasks::reply_due_at,
            request_tasks::reply_remind_at,
        ))
        .load(conn)?;
    limits.extend(tasks.into_iter().filter_map(|(request_id, task_id, due, remind)| {
        Some(Limit {
            request_id,
            task_id: Some(task_id),
            deadline: Deadline::TaskReply,
            due_at: due?,
            remind_at: remind?,
        })
    }));
    Ok(limits)
}

/// Claims one threshold; true only for the transaction that inserted its row.
pub fn claim(conn: &mut DbConnection, limit: &Limit, stage: Stage, now: NaiveDateTime) -> AppResult<bool> {
    let inserted = diesel::sql_query(
        "INSERT INTO sla_alerts (request_id, task_id, target, deadline, stage, due_at, fired_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
    )
    .bind::<BigInt, _>(limit.request_id)
    .bind::<Nullable<BigInt>, _>(limit.task_id)
    .bind::<Text, _>(limit.target())
    .bind::<Text, _>(limit.deadline.as_str())
    .bind::<Text, _>(stage.as_str())
    .bind::<Timestamp, _>(limit.due_at)
    .bind::<Timestamp, _>(now)
    .execute(conn)?;
    Ok(inserted == 1)
}

/// Records when the limit passed on its request or task (once).
pub fn mark_overdue(conn: &mut DbConnection, limit: &Limit) -> AppResult<()> {
    match limit.task_id {
        Some(task_id) => {
            diesel::update(
                request_tasks::table
                    .find(task_id)
                    .filter(request_tasks::overdue_at.is_null()),
            )
            .set(request_tasks::overdue_at.eq(limit.due_at))
            .execute(conn)?;
        }
        None => {
            diesel::update(
                requests::table
                    .find(limit.request_id)
                    .filter(requests::overdue_at.is_null()),
            )
            .set(requests::overdue_at.eq(limit.due_at))
            .execute(conn)?;
        }
    }
    Ok(())
}
