//! The auto-close worker: RESOLVED requests the company has not confirmed within 7 days close
//! as "no feedback". `run_once` does one pass: the workers' runner
//! repeats it beside the server, tests call it after moving the clock.

use super::{repo, service};
use crate::error::AppResult;
use crate::state::AppState;

const BATCH: i64 = 100;

/// Closes every request resolved at least 7 days ago and still unconfirmed; returns how many.
pub async fn run_once(state: &AppState) -> AppResult<usize> {
    let mut closed = 0;
    loop {
        let now = state.clock.now_naive();
        let zone = state.config.time_zone;
        let cutoff = now - chrono::Duration::days(service::AUTO_CLOSE_AFTER_DAYS);
        let due = state
            .db
            .read(move |conn| repo::resolved_before(conn, cutoff, BATCH))
            .await?;
        let batch_len = due.len();
        let mut closed_in_batch = 0;
        for request in due {
            if state
                .db
                .write(move |conn| service::auto_close(conn, zone, &request, now))
                .await?
            {
                closed_in_batch += 1;
            }
        }
        closed += closed_in_batch;
        // A short batch is the last; a batch where nothing closed would only repeat itself.
        if (batch_len as i64) < BATCH || closed_in_batch == 0 {
            return Ok(closed);
        }
    }
}
