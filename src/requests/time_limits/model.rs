//! What the request-bound half of the time limits stores: extension requests, and the
//! thresholds the sweeper fires on a limit.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::sla_extensions;
use crate::ids::{RequestId, TaskId, UserId};
use crate::requests::model::EventKind;

crate::stored_enum!(
    /// Where an extension request stands.
    ExtensionStatus {
        /// Waiting for an admin's decision.
        Pending => "PENDING",
        /// Granted: the task's due time moved.
        Approved => "APPROVED",
        /// Refused: the due time stands.
        Refused => "REFUSED",
    }
);

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sla_extensions)]
pub struct Extension {
    pub id: i64,
    pub request_id: RequestId,
    pub task_id: TaskId,
    pub requested_by: UserId,
    pub reason: String,
    pub previous_due_at: NaiveDateTime,
    pub requested_due_at: NaiveDateTime,
    pub status: ExtensionStatus,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<NaiveDateTime>,
    pub decision_note: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = sla_extensions)]
pub struct NewExtension {
    pub request_id: RequestId,
    pub task_id: TaskId,
    pub requested_by: UserId,
    pub reason: String,
    pub previous_due_at: NaiveDateTime,
    pub requested_due_at: NaiveDateTime,
    pub status: ExtensionStatus,
    pub created_at: NaiveDateTime,
}

/// Which limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deadline {
    FirstReply,
    Resolve,
    TaskReply,
}

impl Deadline {
    pub fn as_str(self) -> &'static str {
        match self {
            Deadline::FirstReply => "FIRST_REPLY",
            Deadline::Resolve => "RESOLVE",
            Deadline::TaskReply => "TASK_REPLY",
        }
    }
}

/// One threshold of a limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Reminder,
    Overdue,
    Chasing,
    Supervision,
    Reprimand,
}

impl Stage {
    pub const ALL: [Stage; 5] = [
        Stage::Reminder,
        Stage::Overdue,
        Stage::Chasing,
        Stage::Supervision,
        Stage::Reprimand,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Reminder => "REMINDER",
            Stage::Overdue => "OVERDUE",
            Stage::Chasing => "CHASING",
            Stage::Supervision => "SUPERVISION",
            Stage::Reprimand => "REPRIMAND",
        }
    }

    pub fn event(self) -> EventKind {
        match self {
            Stage::Reminder => EventKind::DueReminder,
            Stage::Overdue => EventKind::Overdue,
            Stage::Chasing => EventKind::Chased,
            Stage::Supervision => EventKind::Supervised,
            Stage::Reprimand => EventKind::Reprimanded,
        }
    }

    /// When this stage fires for a limit.
    pub fn at(self, limit: &Limit, escalation: Duration) -> NaiveDateTime {
        self.at_times(limit.due_at, limit.remind_at, escalation)
    }

    /// When this stage fires for any limit due at `due_at` and reminded at `remind_at`: the
    /// ladder is the same for a request's limits and for a key project's procedures.
    pub fn at_times(self, due_at: NaiveDateTime, remind_at: NaiveDateTime, escalation: Duration) -> NaiveDateTime {
        match self {
            Stage::Reminder => remind_at,
            Stage::Overdue => due_at,
            Stage::Chasing => due_at + escalation,
            Stage::Supervision => due_at + escalation * 2,
            Stage::Reprimand => due_at + escalation * 3,
        }
    }

    /// The stages of a limit that are due at `now`, in order. A limit found already past its
    /// due time skips its reminder. Whether each has fired already is the caller's claim.
    pub fn reached(
        due_at: NaiveDateTime,
        remind_at: NaiveDateTime,
        escalation: Duration,
        now: NaiveDateTime,
    ) -> Vec<Stage> {
        Stage::ALL
            .into_iter()
            .take_while(|stage| stage.at_times(due_at, remind_at, escalation) <= now)
            .filter(|stage| !(*stage == Stage::Reminder && due_at <= now))
            .collect()
    }
}

/// An open limit that has reached at least its reminder.
#[derive(Debug, Clone)]
pub struct Limit {
    pub request_id: RequestId,
    pub task_id: Option<TaskId>,
    pub deadline: Deadline,
    pub due_at: NaiveDateTime,
    pub remind_at: NaiveDateTime,
}

impl Limit {
    /// The key of the limit's holder in `sla_alerts`.
    pub fn target(&self) -> String {
        match self.task_id {
            Some(task_id) => format!("task:{task_id}"),
            None => format!("request:{}", self.request_id),
        }
    }
}
