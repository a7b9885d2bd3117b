//! The sweeper: finds open time limits that crossed a threshold and fires each threshold once.
//!
//! Thresholds of one limit, in order: the reminder (提醒) at 75 %, `OVERDUE` at the due time, then
//! after each further escalation interval without the limit being met: chasing (催办),
//! supervision by the admins (督办) and the report to the zone's leaders (通报).
//!
//! Exactly once: every threshold fired is a row of `sla_alerts` with a unique key (target,
//! deadline, due time, stage), inserted with `ON CONFLICT DO NOTHING` in the same transaction as
//! its event and notifications. Only the transaction that inserted the row writes them, so a
//! second run, a restart or another instance racing on PostgreSQL fires nothing twice. A limit
//! moved later (a pause, an approved extension) is a new due time and gets its own thresholds.

use chrono::{Duration, NaiveDateTime};
use diesel::dsl::{exists, not};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};

use crate::db::schema::{request_tasks, requests, sla_alerts};
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::requests::events::{self, Entry};
use crate::requests::model::{EventKind, RequestStatus, TaskStatus};
use crate::requests::{live, repo as requests_repo};
use crate::state::AppState;

const BATCH: i64 = 200;

/// Which limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deadline {
    FirstReply,
    Resolve,
    TaskReply,
}

impl Deadline {
    fn as_str(self) -> &'static str {
        match self {
            Deadline::FirstReply => "FIRST_REPLY",
            Deadline::Resolve => "RESOLVE",
            Deadline::TaskReply => "TASK_REPLY",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Deadline::FirstReply => "first-reply limit",
            Deadline::Resolve => "resolution limit",
            Deadline::TaskReply => "department's reply limit",
        }
    }
}

/// One threshold of a limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Reminder,
    Overdue,
    Chasing,
    Supervision,
    Reprimand,
}

impl Stage {
    const ALL: [Stage; 5] = [
        Stage::Reminder,
        Stage::Overdue,
        Stage::Chasing,
        Stage::Supervision,
        Stage::Reprimand,
    ];

    fn as_str(self) -> &'static str {
        match self {
            Stage::Reminder => "REMINDER",
            Stage::Overdue => "OVERDUE",
            Stage::Chasing => "CHASING",
            Stage::Supervision => "SUPERVISION",
            Stage::Reprimand => "REPRIMAND",
        }
    }

    fn event(self) -> EventKind {
        match self {
            Stage::Reminder => EventKind::DueReminder,
            Stage::Overdue => EventKind::Overdue,
            Stage::Chasing => EventKind::Chased,
            Stage::Supervision => EventKind::Supervised,
            Stage::Reprimand => EventKind::Reprimanded,
        }
    }

    /// When this stage fires for a limit.
    fn at(self, limit: &Limit, escalation: Duration) -> NaiveDateTime {
        match self {
            Stage::Reminder => limit.remind_at,
            Stage::Overdue => limit.due_at,
            Stage::Chasing => limit.due_at + escalation,
            Stage::Supervision => limit.due_at + escalation * 2,
            Stage::Reprimand => limit.due_at + escalation * 3,
        }
    }
}

/// An open limit that has reached at least its reminder.
#[derive(Debug, Clone)]
pub struct Limit {
    pub request_id: i64,
    pub task_id: Option<i64>,
    pub deadline: Deadline,
    pub due_at: NaiveDateTime,
    pub remind_at: NaiveDateTime,
}

impl Limit {
    fn target(&self) -> String {
        match self.task_id {
            Some(task_id) => format!("task:{task_id}"),
            None => format!("request:{}", self.request_id),
        }
    }
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sweep {
    pub limits_checked: usize,
    pub thresholds_fired: usize,
}

/// Open limits past their reminder whose last threshold has not fired yet.
fn due_limits(conn: &mut DbConnection, now: NaiveDateTime) -> AppResult<Vec<Limit>> {
    let mut limits = Vec::new();

    let first: Vec<(i64, Option<NaiveDateTime>, Option<NaiveDateTime>)> = requests::table
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

    let resolve: Vec<(i64, Option<NaiveDateTime>, Option<NaiveDateTime>)> = requests::table
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

    let tasks: Vec<(i64, i64, Option<NaiveDateTime>, Option<NaiveDateTime>)> = request_tasks::table
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

/// The limit as it stands now inside the transaction, if it is still open and unchanged.
fn still_open(conn: &mut DbConnection, limit: &Limit) -> AppResult<bool> {
    let Some(request) = requests_repo::find_by_id(conn, limit.request_id)? else {
        return Ok(false);
    };
    if !request.status.is_open() || request.awaiting_company_since.is_some() {
        return Ok(false);
    }
    Ok(match limit.deadline {
        Deadline::FirstReply => request.first_replied_at.is_none() && request.first_reply_due_at == Some(limit.due_at),
        Deadline::Resolve => request.resolve_due_at == Some(limit.due_at),
        Deadline::TaskReply => {
            let Some(task) = limit
                .task_id
                .map(|id| requests_repo::find_task(conn, id))
                .transpose()?
                .flatten()
            else {
                return Ok(false);
            };
            TaskStatus::AWAITING_REPLY.contains(&task.status)
                && task.replied_at.is_none()
                && task.reply_due_at == Some(limit.due_at)
        }
    })
}

/// Claims one threshold; true only for the transaction that inserted its row.
fn claim(conn: &mut DbConnection, limit: &Limit, stage: Stage, now: NaiveDateTime) -> AppResult<bool> {
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

fn mark_overdue(conn: &mut DbConnection, limit: &Limit) -> AppResult<()> {
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

fn text(stage: Stage, limit: &Limit) -> String {
    let due = limit.due_at.format("%Y-%m-%d %H:%M UTC");
    let what = limit.deadline.describe();
    match stage {
        Stage::Reminder => format!("reminder (提醒): 75 % of the {what} has passed; due {due}"),
        Stage::Overdue => format!("overdue: the {what} passed at {due} unmet"),
        Stage::Chasing => format!("chased (催办): the {what} passed at {due} and nothing has moved"),
        Stage::Supervision => format!("under supervision (督办): the {what} passed at {due}"),
        Stage::Reprimand => format!("reported to the zone's leaders (通报): the {what} passed at {due}"),
    }
}

/// Fires every threshold of `limit` that is due and not fired yet; returns how many fired and
/// the request's company (for the live update).
fn fire(
    conn: &mut DbConnection,
    limit: &Limit,
    now: NaiveDateTime,
    escalation: Duration,
) -> AppResult<(usize, Option<i64>)> {
    if !still_open(conn, limit)? {
        return Ok((0, None));
    }
    let mut fired = 0;
    let mut company_id = None;
    for stage in Stage::ALL {
        if stage.at(limit, escalation) > now {
            break;
        }
        // A limit found already past its due time skips its reminder.
        if stage == Stage::Reminder && limit.due_at <= now {
            continue;
        }
        if !claim(conn, limit, stage, now)? {
            continue;
        }
        if stage == Stage::Overdue {
            mark_overdue(conn, limit)?;
        }
        let request = requests_repo::find_by_id(conn, limit.request_id)?
            .ok_or_else(|| crate::error::AppError::internal("the request of an open limit vanished"))?;
        let mut entry = if stage == Stage::Overdue {
            Entry::public(stage.event(), None, text(stage, limit))
        } else {
            Entry::internal(stage.event(), None, text(stage, limit))
        };
        if let Some(task_id) = limit.task_id {
            entry = entry.on_task(task_id);
        }
        events::record(conn, &request, Some(request.status), entry, now)?;
        company_id = Some(request.company_id);
        fired += 1;
    }
    Ok((fired, company_id))
}

/// One pass over every open limit; tests call it after moving the clock.
pub async fn run_once(state: &AppState) -> AppResult<Sweep> {
    let now = state.clock.now_naive();
    let escalation = Duration::from_std(state.config.sla_escalation).unwrap_or(Duration::hours(24));
    let limits = state.db.read(move |conn| due_limits(conn, now)).await?;
    let mut sweep = Sweep {
        limits_checked: limits.len(),
        ..Default::default()
    };
    for limit in limits {
        let request_id = limit.request_id;
        let (fired, company_id) = state.db.write(move |conn| fire(conn, &limit, now, escalation)).await?;
        sweep.thresholds_fired += fired;
        if let Some(company_id) = company_id {
            live::publish(state, request_id, company_id);
        }
    }
    Ok(sweep)
}
