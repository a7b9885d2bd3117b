//! The timeline. Every change to a request writes its event through `record`, inside the same
//! transaction, so the history can be replayed and later hooks (notifications, live updates)
//! have one place to attach to.

use chrono::NaiveDateTime;

use super::model::{Event, EventKind, NewEvent, Request, RequestStatus};
use super::{notices, repo};
use crate::db::{Effect, RequestChanged, Tx};
use crate::error::AppResult;
use crate::ids::{TaskId, UserId};

/// What one step writes to the timeline.
#[derive(Debug, Clone)]
pub struct Entry {
    pub kind: EventKind,
    pub actor_id: Option<UserId>,
    pub task_id: Option<TaskId>,
    pub text: String,
    pub internal: bool,
}

impl Entry {
    pub fn public(kind: EventKind, actor_id: Option<UserId>, text: impl Into<String>) -> Entry {
        Entry {
            kind,
            actor_id,
            task_id: None,
            text: text.into(),
            internal: false,
        }
    }

    pub fn internal(kind: EventKind, actor_id: Option<UserId>, text: impl Into<String>) -> Entry {
        Entry {
            internal: true,
            ..Entry::public(kind, actor_id, text)
        }
    }

    pub fn on_task(mut self, task_id: TaskId) -> Entry {
        self.task_id = Some(task_id);
        self
    }
}

/// Writes one event for `request`, which moved from `from` to its current status, and
/// announces the change to live subscribers when the transaction commits.
pub fn record(
    conn: &mut Tx<'_>,
    request: &Request,
    from: Option<RequestStatus>,
    entry: Entry,
    at: NaiveDateTime,
) -> AppResult<Event> {
    conn.after_commit(Effect::RequestChanged(RequestChanged {
        request_id: request.id,
        company_id: request.company_id,
    }));
    let event = repo::insert_event(
        conn,
        &NewEvent {
            request_id: request.id,
            task_id: entry.task_id,
            kind: entry.kind,
            actor_id: entry.actor_id,
            text: entry.text,
            internal: entry.internal,
            from_status: from,
            to_status: Some(request.status),
            created_at: at,
            details: None,
        },
    )?;
    notices::on_event(conn, request, &event, at)?;
    Ok(event)
}
