use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::db::schema::{categories, request_events, request_tasks, requests};
use crate::ids::{CompanyId, DepartmentId, EventId, RequestId, TaskId, UserId};
/// Urgency selects a request's time-limit policy, so the policies' half owns the type.
pub use crate::sla::model::Urgency;

crate::stored_enum!(
    /// Where a request came from.
    Channel {
        /// Raised by company staff in the phone app.
        App => "APP",
        /// Taken by phone on the enterprise hotline.
        Hotline => "HOTLINE",
        /// Recorded by an officer on a visit to the company.
        Visit => "VISIT",
        /// Picked up in a "direct line" group chat.
        GroupChat => "GROUP_CHAT",
        /// Any other way.
        Other => "OTHER",
    }
);

crate::stored_enum!(
    /// What the company asks for.
    RequestKind {
        /// A question (咨询), answered by the officer.
        Consultation => "CONSULTATION",
        /// A problem to solve (诉求), usually dispatched to departments.
        Problem => "PROBLEM",
        /// A suggestion (建议).
        Suggestion => "SUGGESTION",
        /// A complaint (投诉).
        Complaint => "COMPLAINT",
    }
);

crate::stored_enum!(
    /// Where a request stands in its lifecycle.
    RequestStatus {
        /// Raised, waiting for the officer to accept it.
        Submitted => "SUBMITTED",
        /// Accepted by the officer, to be answered or dispatched.
        Accepted => "ACCEPTED",
        /// Sent to departments (or the pool), none of which has started yet.
        Dispatched => "DISPATCHED",
        /// A department has signed for, claimed or planned its task.
        InProgress => "IN_PROGRESS",
        /// Answered or solved; waiting for the company's confirmation.
        Resolved => "RESOLVED",
        /// Confirmed by the company, or closed without feedback after 7 days.
        Closed => "CLOSED",
        /// Refused as out of scope, with a reason.
        Rejected => "REJECTED",
        /// Withdrawn by the company.
        Withdrawn => "WITHDRAWN",
        /// Cannot be solved under current policy; explained and filed (备案).
        Unresolvable => "UNRESOLVABLE",
        /// The company said it was not solved or not satisfied: to be handled again (重办).
        Reopened => "REOPENED",
    }
);

crate::stored_enum!(
    /// Where one department's task stands.
    TaskStatus {
        /// In the open pool, waiting for a department to claim it.
        Pooled => "POOLED",
        /// Sent to the department, not yet signed for.
        Dispatched => "DISPATCHED",
        /// Signed for (签收) or claimed (认领) by the department.
        Signed => "SIGNED",
        /// The department has stated who handles it, how and by when.
        Planned => "PLANNED",
        /// The department has finished its part.
        Done => "DONE",
        /// Returned by the department as not its remit (退单).
        Returned => "RETURNED",
        /// Moved to another department (转办).
        Transferred => "TRANSFERRED",
    }
);

impl RequestStatus {
    /// Still being handled: time limits run (RESOLVED waits on the company, not the handlers).
    pub const OPEN: [RequestStatus; 5] = [
        RequestStatus::Submitted,
        RequestStatus::Accepted,
        RequestStatus::Dispatched,
        RequestStatus::InProgress,
        RequestStatus::Reopened,
    ];

    pub fn is_open(self) -> bool {
        RequestStatus::OPEN.contains(&self)
    }
}

impl TaskStatus {
    /// Held by the pool or a department that has not given its plan yet: the reply limit runs.
    pub const AWAITING_REPLY: [TaskStatus; 3] = [TaskStatus::Pooled, TaskStatus::Dispatched, TaskStatus::Signed];

    /// Still held by a department or the pool (not returned or transferred away).
    pub fn is_active(self) -> bool {
        !matches!(self, TaskStatus::Returned | TaskStatus::Transferred)
    }
}

crate::stored_enum!(
    /// What happened to a request.
    EventKind {
        /// The request was raised.
        Raised => "RAISED",
        /// The officer accepted it.
        Accepted => "ACCEPTED",
        /// It was rejected with a reason.
        Rejected => "REJECTED",
        /// The officer answered the consultation.
        Answered => "ANSWERED",
        /// It was dispatched to departments.
        Dispatched => "DISPATCHED",
        /// It was put in the open pool.
        Pooled => "POOLED",
        /// A department claimed it from the pool.
        Claimed => "CLAIMED",
        /// A department signed for its task.
        Signed => "SIGNED",
        /// A department returned its task.
        Returned => "RETURNED",
        /// A task moved to another department.
        Transferred => "TRANSFERRED",
        /// A department gave its plan.
        Planned => "PLANNED",
        /// A department finished its task.
        Completed => "COMPLETED",
        /// A progress note.
        Note => "NOTE",
        /// It was resolved.
        Resolved => "RESOLVED",
        /// It was marked unresolvable and filed.
        Unresolvable => "UNRESOLVABLE",
        /// The company confirmed it solved and was satisfied; closed.
        Closed => "CLOSED",
        /// The company was not satisfied or it was not solved; reopened.
        Reopened => "REOPENED",
        /// The company withdrew it.
        Withdrawn => "WITHDRAWN",
        /// The company urged it on.
        Urged => "URGED",
        /// Closed automatically after 7 days without the company's feedback.
        AutoClosed => "AUTO_CLOSED",
        /// The officer or a department asked the company for missing information; the time
        /// limits stand still until it answers.
        InfoRequested => "INFO_REQUESTED",
        /// The company answered; the time limits run again, moved by the time waited.
        InfoProvided => "INFO_PROVIDED",
        /// A department asked for more time on its task (延期).
        ExtensionRequested => "EXTENSION_REQUESTED",
        /// An admin granted the extension; the task's due time moved.
        ExtensionApproved => "EXTENSION_APPROVED",
        /// An admin refused the extension; the due time stands.
        ExtensionRefused => "EXTENSION_REFUSED",
        /// 75 % of a time limit has passed (提醒).
        DueReminder => "DUE_REMINDER",
        /// A time limit passed unmet. Stays on the record.
        Overdue => "OVERDUE",
        /// Still overdue after the escalation interval: chased (催办).
        Chased => "CHASED",
        /// Still overdue: put under the administration's supervision (督办).
        Supervised => "SUPERVISED",
        /// Still overdue: reported to the zone's leaders (通报).
        Reprimanded => "REPRIMANDED",
        /// Linked into a zone issue (一事多企): handled once with the same problem of other
        /// companies (never named to the company).
        ZoneIssueLinked => "ZONE_ISSUE_LINKED",
        /// Left its zone issue: handled on its own again.
        ZoneIssueLeft => "ZONE_ISSUE_LEFT",
        /// An officer or admin recorded the company's answers given by phone (回访) on a request
        /// already closed (a callback on a resolved request closes or reopens it instead).
        CallbackRecorded => "CALLBACK_RECORDED",
    }
);

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = categories)]
pub struct Category {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub disabled_at: Option<NaiveDateTime>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = categories)]
pub struct NewCategory {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = categories)]
pub struct CategoryChanges {
    pub code: Option<String>,
    pub name: Option<String>,
    pub name_en: Option<String>,
    pub disabled_at: Option<Option<NaiveDateTime>>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = requests)]
pub struct Request {
    pub id: RequestId,
    pub number: String,
    pub company_id: CompanyId,
    pub raised_by: UserId,
    pub channel: Channel,
    pub kind: RequestKind,
    pub category_id: i64,
    pub urgency: Urgency,
    pub title: String,
    pub description: String,
    pub officer_id: Option<UserId>,
    pub status: RequestStatus,
    pub idempotency_key: Option<String>,
    pub answer: Option<String>,
    pub filing_number: Option<String>,
    pub solved: Option<bool>,
    pub satisfied: Option<bool>,
    pub feedback_comment: Option<String>,
    pub no_feedback: bool,
    pub feedback_at: Option<NaiveDateTime>,
    pub resolved_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub needs_coordination: bool,
    pub first_reply_due_at: Option<NaiveDateTime>,
    pub first_reply_remind_at: Option<NaiveDateTime>,
    pub first_replied_at: Option<NaiveDateTime>,
    pub resolve_due_at: Option<NaiveDateTime>,
    pub resolve_remind_at: Option<NaiveDateTime>,
    pub awaiting_company_since: Option<NaiveDateTime>,
    pub paused_seconds: i64,
    pub overdue_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = requests)]
pub struct NewRequest {
    pub number: String,
    pub company_id: CompanyId,
    pub raised_by: UserId,
    pub channel: Channel,
    pub kind: RequestKind,
    pub category_id: i64,
    pub urgency: Urgency,
    pub title: String,
    pub description: String,
    pub officer_id: Option<UserId>,
    pub status: RequestStatus,
    pub idempotency_key: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub first_reply_due_at: Option<NaiveDateTime>,
    pub first_reply_remind_at: Option<NaiveDateTime>,
    pub resolve_due_at: Option<NaiveDateTime>,
    pub resolve_remind_at: Option<NaiveDateTime>,
}

/// Changes a lifecycle step makes to the request row (besides status, version and time).
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = requests)]
pub struct RequestChanges {
    pub answer: Option<Option<String>>,
    pub filing_number: Option<Option<String>>,
    pub solved: Option<Option<bool>>,
    pub satisfied: Option<Option<bool>>,
    pub feedback_comment: Option<Option<String>>,
    pub no_feedback: Option<bool>,
    pub feedback_at: Option<Option<NaiveDateTime>>,
    pub resolved_at: Option<Option<NaiveDateTime>>,
    pub closed_at: Option<Option<NaiveDateTime>>,
    pub needs_coordination: Option<bool>,
    pub first_reply_due_at: Option<Option<NaiveDateTime>>,
    pub first_reply_remind_at: Option<Option<NaiveDateTime>>,
    pub first_replied_at: Option<Option<NaiveDateTime>>,
    pub resolve_due_at: Option<Option<NaiveDateTime>>,
    pub resolve_remind_at: Option<Option<NaiveDateTime>>,
    pub awaiting_company_since: Option<Option<NaiveDateTime>>,
    pub paused_seconds: Option<i64>,
    pub overdue_at: Option<Option<NaiveDateTime>>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = request_tasks)]
pub struct Task {
    pub id: TaskId,
    pub request_id: RequestId,
    pub department_id: Option<DepartmentId>,
    pub lead: bool,
    pub status: TaskStatus,
    pub note: String,
    pub responsible: Option<String>,
    pub approach: Option<String>,
    pub due_at: Option<NaiveDateTime>,
    pub result: Option<String>,
    pub reason: Option<String>,
    pub dispatched_by: Option<UserId>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub reply_due_at: Option<NaiveDateTime>,
    pub reply_remind_at: Option<NaiveDateTime>,
    pub replied_at: Option<NaiveDateTime>,
    pub overdue_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = request_tasks)]
pub struct NewTask {
    pub request_id: RequestId,
    pub department_id: Option<DepartmentId>,
    pub lead: bool,
    pub status: TaskStatus,
    pub note: String,
    pub dispatched_by: Option<UserId>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub reply_due_at: Option<NaiveDateTime>,
    pub reply_remind_at: Option<NaiveDateTime>,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = request_tasks)]
pub struct TaskChanges {
    pub department_id: Option<Option<DepartmentId>>,
    pub responsible: Option<Option<String>>,
    pub approach: Option<Option<String>>,
    pub due_at: Option<Option<NaiveDateTime>>,
    pub result: Option<Option<String>>,
    pub reason: Option<Option<String>>,
    pub reply_due_at: Option<Option<NaiveDateTime>>,
    pub reply_remind_at: Option<Option<NaiveDateTime>>,
    pub replied_at: Option<Option<NaiveDateTime>>,
    pub overdue_at: Option<Option<NaiveDateTime>>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = request_events)]
pub struct Event {
    pub id: EventId,
    pub request_id: RequestId,
    pub task_id: Option<TaskId>,
    pub kind: EventKind,
    pub actor_id: Option<UserId>,
    pub text: String,
    pub internal: bool,
    pub from_status: Option<RequestStatus>,
    pub to_status: Option<RequestStatus>,
    pub created_at: NaiveDateTime,
    /// The event's parts (who, which departments, the user's own words, due times) as typed
    /// JSON; `None` for events written before the timeline was structured.
    pub details: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = request_events)]
pub struct NewEvent {
    pub request_id: RequestId,
    pub task_id: Option<TaskId>,
    pub kind: EventKind,
    pub actor_id: Option<UserId>,
    pub text: String,
    pub internal: bool,
    pub from_status: Option<RequestStatus>,
    pub to_status: Option<RequestStatus>,
    pub created_at: NaiveDateTime,
    /// The event's parts (who, which departments, the user's own words, due times) as typed
    /// JSON; `None` for events written before the timeline was structured.
    pub details: Option<String>,
}

impl crate::audit::Audited for Category {
    const TARGET: &'static str = "category";
    fn target_id(&self) -> String {
        self.id.to_string()
    }
    fn snapshot(&self) -> Value {
        json!({
            "code": self.code, "name": self.name, "nameEn": self.name_en,
            "disabledAt": self.disabled_at, "version": self.version,
        })
    }
}
