//! The notice reminder job: companies that have not read an important notice a day after it
//! was sent are reminded once. `run_once` does one bounded pass (the runner repeats it; tests
//! call it after moving the clock); each reminder is its own transaction, claimed by a
//! conditional update, so instances running the job side by side never remind twice.

use super::{repo, service};
use crate::error::AppResult;
use crate::state::AppState;

/// How many unread companies one pass reminds at most.
pub const BATCH: i64 = 200;

/// Reminds the unread companies due; returns how many were reminded.
pub async fn run_once(state: &AppState) -> AppResult<usize> {
    let now = state.clock.now();
    let sent_before = now.naive_utc() - service::reminder_after();
    let due = state
        .db
        .read(move |conn| repo::due_for_reminder(conn, sent_before, BATCH))
        .await?;
    let mut reminded = 0;
    for recipient in due {
        if state
            .db
            .write(move |conn| service::remind(conn, &recipient, now))
            .await?
        {
            reminded += 1;
        }
    }
    Ok(reminded)
}
