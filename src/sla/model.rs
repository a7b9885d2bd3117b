use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::db::schema::{calendar_days, sla_policies};
use crate::ids::UserId;

crate::stored_enum!(
    /// How soon the company needs an answer.
    Urgency {
        /// The ordinary time limits apply.
        Normal => "NORMAL",
        /// Needs attention before ordinary requests.
        Urgent => "URGENT",
    }
);

crate::stored_enum!(
    /// How a calendar day differs from the ordinary week.
    DayKind {
        /// A public holiday: no working day even on a weekday.
        Holiday => "HOLIDAY",
        /// A make-up working day (调休): a working day even on a weekend.
        Workday => "WORKDAY",
    }
);

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = calendar_days)]
pub struct CalendarDay {
    /// `YYYY-MM-DD` in the zone's time zone.
    pub day: String,
    pub kind: DayKind,
    pub note: String,
    pub updated_by: Option<UserId>,
    pub updated_at: NaiveDateTime,
}

crate::stored_enum!(
    /// What a time-limit policy applies to.
    SlaSubject {
        /// Consultations (咨询).
        Consultation => "CONSULTATION",
        /// Problems (诉求).
        Problem => "PROBLEM",
        /// Suggestions (建议).
        Suggestion => "SUGGESTION",
        /// Complaints (投诉).
        Complaint => "COMPLAINT",
        /// A department's reply (plan) to a dispatched task.
        DepartmentTask => "DEPARTMENT_TASK",
    }
);

crate::stored_enum!(
    /// The unit of a time limit.
    LimitUnit {
        /// Clock hours that run on working days only.
        Hours => "HOURS",
        /// Working days, counted from receipt (from the next opening after hours).
        WorkingDays => "WORKING_DAYS",
        /// By the end of the working day of receipt (the amount is 0).
        SameDay => "SAME_DAY",
    }
);

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sla_policies)]
pub struct SlaPolicy {
    pub id: i64,
    pub subject: SlaSubject,
    pub coordinated: bool,
    pub urgency: Urgency,
    pub first_reply_amount: i32,
    pub first_reply_unit: LimitUnit,
    pub resolve_amount: Option<i32>,
    pub resolve_unit: Option<LimitUnit>,
    pub updated_by: Option<UserId>,
    pub updated_at: NaiveDateTime,
}

impl crate::audit::Audited for CalendarDay {
    const TARGET: &'static str = "calendarDay";
    fn target_id(&self) -> String {
        self.day.clone()
    }
    fn snapshot(&self) -> Value {
        json!({ "day": self.day, "kind": self.kind.as_str(), "note": self.note })
    }
}

impl crate::audit::Audited for SlaPolicy {
    const TARGET: &'static str = "slaPolicy";
    fn target_id(&self) -> String {
        self.id.to_string()
    }
    fn snapshot(&self) -> Value {
        json!({
            "subject": self.subject.as_str(), "coordinated": self.coordinated,
            "urgency": self.urgency.as_str(),
            "firstReply": { "amount": self.first_reply_amount, "unit": self.first_reply_unit.as_str() },
            "resolve": self.resolve_amount.map(|amount| json!({
                "amount": amount, "unit": self.resolve_unit.map(|u| u.as_str()),
            })),
        })
    }
}

crate::labels!(Urgency {
    Normal => "一般", "normal";
    Urgent => "紧急", "urgent";
});
