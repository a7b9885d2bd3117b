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
        match self {
            Stage::Reminder => limit.remind_at,
            Stage::Overdue => limit.due_at,
            Stage::Chasing => limit.due_at + escalation,
            Stage::Supervision => limit.due_at + escalation * 2,
            Stage::Reprimand => limit.due_at + escalation * 3,
        }
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
