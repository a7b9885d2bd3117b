//! The evaluation job: opens scheduled periods when `opensAt` passes (pushing every principal),
//! reminds principals who have not voted 3 days before `closesAt` (once: the period records it),
//! and closes periods at `closesAt`. `run_once` does one pass: the workers' runner repeats it
//! beside the server, tests call it after moving the clock. Each step is its own transaction and
//! guarded by a conditional update, so instances running the job side by side never repeat a
//! push.

use super::{repo, service};
use crate::error::AppResult;
use crate::state::AppState;

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct EvaluationReport {
    pub opened: usize,
    pub reminded: usize,
    pub closed: usize,
}

pub async fn run_once(state: &AppState) -> AppResult<EvaluationReport> {
    let now = state.clock.now();
    let naive_now = now.naive_utc();
    let mut report = EvaluationReport::default();
    for period in state.db.read(move |conn| repo::due_to_open(conn, naive_now)).await? {
        if period.closes_at <= naive_now {
            continue; // It closes below without ever calling for votes.
        }
        if state
            .db
            .write(move |conn| service::open_now(conn, &period, now, None))
            .await?
        {
            report.opened += 1;
        }
    }
    let horizon = naive_now + service::reminder_lead();
    for period in state.db.read(move |conn| repo::due_for_reminder(conn, horizon)).await? {
        if period.closes_at <= naive_now {
            continue;
        }
        if state
            .db
            .write(move |conn| service::remind_now(conn, &period, now))
            .await?
        {
            report.reminded += 1;
        }
    }
    for period in state.db.read(move |conn| repo::due_to_close(conn, naive_now)).await? {
        if state
            .db
            .write(move |conn| service::close_now(conn, &period, now))
            .await?
        {
            report.closed += 1;
        }
    }
    Ok(report)
}
