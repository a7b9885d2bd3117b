//! Due times stamped on requests and department tasks: the policy for the request's kind,
//! coordination tier and urgency (see `sla::limits`).

use chrono::NaiveDateTime;
use chrono_tz::Tz;

use crate::db::DbConnection;
use crate::error::AppResult;
use crate::requests::model::{RequestKind, Urgency};
pub use crate::sla::limits::Due;
use crate::sla::limits::{self, PolicyDue};
use crate::sla::model::SlaSubject;

/// The two limits of a request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RequestDue {
    pub first_reply: Option<Due>,
    pub resolve: Option<Due>,
}

fn subject_of(kind: RequestKind) -> SlaSubject {
    match kind {
        RequestKind::Consultation => SlaSubject::Consultation,
        RequestKind::Problem => SlaSubject::Problem,
        RequestKind::Suggestion => SlaSubject::Suggestion,
        RequestKind::Complaint => SlaSubject::Complaint,
    }
}

/// The limits of a request of `kind` received at `start`.
pub fn for_request(
    conn: &mut DbConnection,
    zone: Tz,
    kind: RequestKind,
    coordinated: bool,
    urgency: Urgency,
    start: NaiveDateTime,
) -> AppResult<RequestDue> {
    let due = limits::due_from(conn, zone, subject_of(kind), coordinated, urgency, start)?;
    Ok(
        due.map_or_else(RequestDue::default, |PolicyDue { first_reply, resolve }| RequestDue {
            first_reply: Some(first_reply),
            resolve,
        }),
    )
}

/// The reply limit of a department task dispatched at `start`.
pub fn for_task(
    conn: &mut DbConnection,
    zone: Tz,
    coordinated: bool,
    urgency: Urgency,
    start: NaiveDateTime,
) -> AppResult<Option<Due>> {
    let due = limits::due_from(conn, zone, SlaSubject::DepartmentTask, coordinated, urgency, start)?;
    Ok(due.map(|due| due.first_reply))
}
