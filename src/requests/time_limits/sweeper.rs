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
use chrono_tz::Tz;

use super::model::{Deadline, Limit, Stage};
use super::repo::{self, claim, mark_overdue};
use crate::clock::to_utc;
use crate::db::{DbConnection, Tx};
use crate::error::AppResult;
use crate::requests::events::{self, Entry};
use crate::requests::model::TaskStatus;
use crate::requests::repo as requests_repo;
use crate::requests::timeline::{EventDetails, TimeLimitKind, TimeLimitStage};
use crate::state::AppState;

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sweep {
    pub limits_checked: usize,
    pub thresholds_fired: usize,
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

/// The parts of an alert: which threshold of which limit, and its due time.
fn details(stage: Stage, limit: &Limit) -> EventDetails {
    EventDetails {
        stage: Some(match stage {
            Stage::Reminder => TimeLimitStage::Reminder,
            Stage::Overdue => TimeLimitStage::Overdue,
            Stage::Chasing => TimeLimitStage::Chasing,
            Stage::Supervision => TimeLimitStage::Supervision,
            Stage::Reprimand => TimeLimitStage::Reprimand,
        }),
        limit: Some(match limit.deadline {
            Deadline::FirstReply => TimeLimitKind::FirstReply,
            Deadline::Resolve => TimeLimitKind::Resolve,
            Deadline::TaskReply => TimeLimitKind::TaskReply,
        }),
        due_at: Some(to_utc(limit.due_at)),
        ..Default::default()
    }
}

/// Fires every threshold of `limit` that is due and not fired yet; returns how many fired.
fn fire(conn: &mut Tx<'_>, zone: Tz, limit: &Limit, now: NaiveDateTime, escalation: Duration) -> AppResult<usize> {
    if !still_open(conn, limit)? {
        return Ok(0);
    }
    let mut fired = 0;
    for stage in Stage::reached(limit.due_at, limit.remind_at, escalation, now) {
        if !claim(conn, limit, stage, now)? {
            continue;
        }
        if stage == Stage::Overdue {
            mark_overdue(conn, limit)?;
        }
        let request = requests_repo::find_by_id(conn, limit.request_id)?
            .ok_or_else(|| crate::error::AppError::internal("the request of an open limit vanished"))?;
        let mut entry = if stage == Stage::Overdue {
            Entry::public(stage.event(), None, details(stage, limit))
        } else {
            Entry::internal(stage.event(), None, details(stage, limit))
        };
        if let Some(task_id) = limit.task_id {
            entry = entry.on_task(task_id);
        }
        events::record(conn, zone, &request, Some(request.status), entry, now)?;
        fired += 1;
    }
    Ok(fired)
}

/// One pass over every open limit; tests call it after moving the clock.
pub async fn run_once(state: &AppState) -> AppResult<Sweep> {
    let now = state.clock.now_naive();
    let escalation = Duration::from_std(state.config.sla_escalation).unwrap_or(Duration::hours(24));
    let zone = state.config.time_zone;
    let limits = state.db.read(move |conn| repo::due_limits(conn, now)).await?;
    let mut sweep = Sweep {
        limits_checked: limits.len(),
        ..Default::default()
    };
    for limit in limits {
        sweep.thresholds_fired += state
            .db
            .write(move |conn| fire(conn, zone, &limit, now, escalation))
            .await?;
    }
    Ok(sweep)
}
