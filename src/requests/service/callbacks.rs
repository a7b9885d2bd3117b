//! Callbacks (回访): an officer or admin records the company's answers given by phone, on its
//! behalf. On a resolved request the answers work as the company's confirmation (both yes
//! closes it, either no reopens it); on a request closed automatically and flagged for a
//! callback, they are recorded on the closed request. Either way the timeline marks them as a
//! callback and the statistics count them apart from the answers given in the app.

use super::*;
use crate::clock::to_utc;
use crate::requests::callbacks::model::{Callback, CallbackAnswers};
use crate::requests::callbacks::repo as callbacks_repo;

/// A call is recorded within this many days of being made.
pub const MAX_CALLBACK_AGE_DAYS: i64 = 30;

/// The company's answers given by phone.
#[derive(Debug, Clone)]
pub struct CallbackInput {
    pub solved: bool,
    pub satisfied: bool,
    pub comment: Option<String>,
    /// Who at the company was called (name, and role if useful).
    pub callee: String,
    /// When the call was made.
    pub called_at: NaiveDateTime,
}

pub async fn record_callback(
    state: &AppState,
    actor: &Actor,
    id: RequestId,
    input: CallbackInput,
    idempotency_key: Option<&str>,
) -> AppResult<Request> {
    if !matches!(actor.role, Role::Officer | Role::Admin) {
        return Err(AppError::forbidden(RequestsReason::ONLY_HANDLER));
    }
    let comment = NOTE.optional("comment", input.comment.as_deref())?;
    let callee = SHORT.required("callee", &input.callee)?;
    let now = state.clock.now_naive();
    if input.called_at > now + Duration::minutes(5) {
        return Err(AppError::bad_field("calledAt", RequestsReason::CALLBACK_IN_FUTURE));
    }
    if input.called_at < now - Duration::days(MAX_CALLBACK_AGE_DAYS) {
        return Err(
            AppError::bad_field("calledAt", RequestsReason::CALLBACK_TOO_OLD).arg("days", MAX_CALLBACK_AGE_DAYS)
        );
    }
    let called_at = input.called_at;
    let (solved, satisfied) = (input.solved, input.satisfied);
    let zone = state.config.time_zone;
    let once = Once::new(
        actor.user_id,
        idempotency_key,
        "recordCallback",
        &(id, solved, satisfied, &comment, &callee, called_at),
    )?;
    request_step(state, actor, id, once, move |conn, actor, request, now| {
        if !handles(conn, actor, &request)? {
            return Err(AppError::forbidden(RequestsReason::ONLY_HANDLER));
        }
        let flag: Option<Callback> = callbacks_repo::open_flag(conn, request.id)?;
        let details = EventDetails {
            solved: Some(solved),
            satisfied: Some(satisfied),
            comment: comment.clone(),
            callback: Some(true),
            callee: Some(callee.clone()),
            called_at: Some(to_utc(called_at)),
            ..EventDetails::by(&actor.name)
        };
        let updated = match request.status {
            RequestStatus::Resolved => verdict(
                conn,
                zone,
                &request,
                actor,
                solved,
                satisfied,
                comment.clone(),
                details,
                now,
            )?,
            RequestStatus::Closed if flag.is_some() => {
                let changes = RequestChanges {
                    solved: Some(Some(solved)),
                    satisfied: Some(Some(satisfied)),
                    feedback_comment: Some(comment.clone()),
                    no_feedback: Some(false),
                    feedback_at: Some(Some(now)),
                    ..Default::default()
                };
                let entry = Entry::public(EventKind::CallbackRecorded, Some(actor.user_id), details);
                apply(conn, zone, &request, RequestStatus::Closed, changes, entry, now)?
            }
            status => {
                return Err(AppError::bad_input(RequestsReason::CALLBACK_NOT_DUE)
                    .arg("status", status)
                    .reported_as(RequestsReason::INVALID_TRANSITION))
            }
        };
        callbacks_repo::record(
            conn,
            flag.as_ref(),
            &CallbackAnswers {
                request_id: request.id,
                callee: Some(callee.clone()),
                called_at: Some(called_at),
                solved: Some(solved),
                satisfied: Some(satisfied),
                comment: comment.clone(),
                recorded_by: Some(actor.user_id),
                recorded_at: Some(now),
            },
        )?;
        Ok(updated)
    })
    .await
}

/// The callbacks (flags and calls) of a request the caller has already been allowed to see.
pub async fn callbacks_of(state: &AppState, request_id: RequestId) -> AppResult<Vec<Callback>> {
    state
        .db
        .read(move |conn| callbacks_repo::for_requests(conn, &[request_id]))
        .await
}

/// Requests waiting for a callback: an officer's own (raised while they served the company),
/// or all for admins; each with its flag's id as the cursor.
pub async fn callbacks_due(state: &AppState, actor: &Actor, page: PageRequest) -> AppResult<Page<(i64, Request)>> {
    let officer = match actor.role {
        Role::Admin => None,
        Role::Officer => Some(actor.user_id),
        Role::Company | Role::Department => return Err(AppError::forbidden(RequestsReason::ONLY_HANDLER)),
    };
    state
        .db
        .read(move |conn| callbacks_repo::due_requests(conn, officer, page))
        .await
}
