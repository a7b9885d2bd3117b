//! The retention purge: one bounded round deletes, per kind, up to a batch of rows older than
//! its retention period (`config.retention`): read notifications with their deliveries, sent or
//! abandoned pushes and SMS, idle login-throttle rows, and ended sessions. The runner in
//! `workers::jobs` calls [`run_once`]; tests call it after moving the clock.

use super::model::RetentionReport;
use super::repo;
use crate::error::AppResult;
use crate::state::AppState;

/// One round of the purge, in one transaction.
pub async fn run_once(state: &AppState) -> AppResult<RetentionReport> {
    let now = state.clock.now_naive();
    let keep = state.config.retention.clone();
    state
        .db
        .write(move |conn| {
            let (notifications, more_n) = repo::purge_read_notifications(conn, now - keep.read_notifications)?;
            let (push_deliveries, more_p) = repo::purge_finished_pushes(conn, now - keep.deliveries)?;
            let (sms_deliveries, more_s) = repo::purge_finished_sms(conn, now - keep.deliveries)?;
            let (login_throttles, more_t) = repo::purge_idle_throttles(conn, now - keep.login_throttles, now)?;
            let (refresh_tokens, more_r) = repo::purge_ended_sessions(conn, now - keep.sessions)?;
            let (sessions, more_d) = repo::purge_signed_out_devices(conn, now - keep.sessions)?;
            Ok(RetentionReport {
                notifications,
                push_deliveries,
                sms_deliveries,
                login_throttles,
                refresh_tokens,
                sessions,
                more: more_n || more_p || more_s || more_t || more_r || more_d,
            })
        })
        .await
}
