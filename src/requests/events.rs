//! The timeline. Every change to a request writes its event through `record`, inside the same
//! transaction, so the history can be replayed and later hooks (notifications, live updates)
//! have one place to attach to.

use chrono::NaiveDateTime;
use chrono_tz::Tz;

use super::model::{Event, EventKind, NewEvent, Request, RequestStatus, Task};
use super::timeline::{self, EventDepartment, EventDetails};
use super::{notices, repo};
use crate::db::{DbConnection, Effect, RequestChanged, Tx};
use crate::departments::repo as departments_repo;
use crate::error::AppResult;
use crate::i18n::Locale;
use crate::ids::{TaskId, UserId};

/// What one step writes to the timeline: its kind and its parts (never a sentence: the text
/// is rendered from the parts in the reader's language, see `timeline`).
#[derive(Debug, Clone)]
pub struct Entry {
    pub kind: EventKind,
    pub actor_id: Option<UserId>,
    pub task_id: Option<TaskId>,
    pub details: EventDetails,
    pub internal: bool,
}

impl Entry {
    pub fn public(kind: EventKind, actor_id: Option<UserId>, details: EventDetails) -> Entry {
        Entry {
            kind,
            actor_id,
            task_id: None,
            details,
            internal: false,
        }
    }

    pub fn internal(kind: EventKind, actor_id: Option<UserId>, details: EventDetails) -> Entry {
        Entry {
            internal: true,
            ..Entry::public(kind, actor_id, details)
        }
    }

    pub fn on_task(mut self, task_id: TaskId) -> Entry {
        self.task_id = Some(task_id);
        self
    }
}

/// The department holding `task`, as the timeline names it (none for a pooled task).
pub fn task_department(conn: &mut DbConnection, task: &Task) -> AppResult<Option<Vec<EventDepartment>>> {
    let Some(id) = task.department_id else {
        return Ok(None);
    };
    Ok(departments_repo::find_by_id(conn, id)?.map(|d| vec![EventDepartment::new(d.id, d.name, d.name_en, task.lead)]))
}

/// Writes one event for `request`, which moved from `from` to its current status, and
/// announces the change to live subscribers when the transaction commits. The parts go to
/// `details` as JSON; `text` keeps the zh-CN sentence (times in `zone`) for SQL readers.
pub fn record(
    conn: &mut Tx<'_>,
    zone: Tz,
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
            text: timeline::render(entry.kind, &entry.details, Locale::ZhCn, zone),
            internal: entry.internal,
            from_status: from,
            to_status: Some(request.status),
            created_at: at,
            details: Some(entry.details.to_json()),
        },
    )?;
    notices::on_event(conn, request, &event, at)?;
    super::zone_issues::follow::on_carrier_event(conn, zone, request, &event, &entry.details, at)?;
    Ok(event)
}
