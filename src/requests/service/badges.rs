//! The per-request unread badge: marking the reader's notifications about one request read.

use super::*;
use crate::notifications::repo as notifications_repo;

/// Marks the caller's unread notifications about a request they may see read; returns how many
/// were marked and the request.
pub async fn mark_notifications_read(state: &AppState, actor: &Actor, id: RequestId) -> AppResult<(i64, Request)> {
    let actor = actor.clone();
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            let request = visible(conn, &actor, id)?;
            let marked = notifications_repo::mark_request_read(conn, actor.user_id, request.id, now)?;
            Ok((marked as i64, request))
        })
        .await
}
