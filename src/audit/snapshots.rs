//! What the audit log keeps of each kind of target: a JSON snapshot of the fields an admin
//! changes (never secrets such as password hashes).

use serde_json::{json, Value};

use crate::auth::model::User;
use crate::companies::model::{Company, OfficerAssignment};
use crate::departments::model::Department;
use crate::evaluations::model::{Eligibility, Flag, Period};
use crate::notifications::model::PushDelivery;
use crate::requests::model::Category;
use crate::sla::model::{CalendarDay, SlaPolicy};

/// A row the audit log can record.
pub trait Audited {
    /// The target type as listed in the log (`company`, `user`, …).
    const TARGET: &'static str;
    fn target_id(&self) -> String;
    fn snapshot(&self) -> Value;
}

impl Audited for Company {
    const TARGET: &'static str = "company";
    fn target_id(&self) -> String {
        self.id.to_string()
    }
    fn snapshot(&self) -> Value {
        json!({
            "name": self.name, "creditCode": self.credit_code, "industry": self.industry,
            "address": self.address, "keyEnterprise": self.key_enterprise,
            "disabledAt": self.disabled_at, "version": self.version,
        })
    }
}

impl Audited for User {
    const TARGET: &'static str = "user";
    fn target_id(&self) -> String {
        self.id.to_string()
    }
    fn snapshot(&self) -> Value {
        json!({
            "role": self.role.as_str(), "phone": self.phone, "name": self.name,
            "companyId": self.company_id, "departmentId": self.department_id,
            "principal": self.principal, "zoneLeader": self.zone_leader,
            "mustChangePassword": self.must_change_password,
            "disabledAt": self.disabled_at, "version": self.version,
        })
    }
}

impl Audited for OfficerAssignment {
    const TARGET: &'static str = "assignment";
    fn target_id(&self) -> String {
        self.id.to_string()
    }
    fn snapshot(&self) -> Value {
        json!({
            "companyId": self.company_id, "officerId": self.officer_id, "reason": self.reason,
            "startedAt": self.started_at, "endedAt": self.ended_at, "endReason": self.end_reason,
        })
    }
}

impl Audited for Department {
    const TARGET: &'static str = "department";
    fn target_id(&self) -> String {
        self.id.to_string()
    }
    fn snapshot(&self) -> Value {
        json!({
            "name": self.name, "description": self.description,
            "disabledAt": self.disabled_at, "version": self.version,
        })
    }
}

impl Audited for Category {
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

impl Audited for CalendarDay {
    const TARGET: &'static str = "calendarDay";
    fn target_id(&self) -> String {
        self.day.clone()
    }
    fn snapshot(&self) -> Value {
        json!({ "day": self.day, "kind": self.kind.as_str(), "note": self.note })
    }
}

impl Audited for SlaPolicy {
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

impl Audited for Period {
    const TARGET: &'static str = "evaluationPeriod";
    fn target_id(&self) -> String {
        self.id.to_string()
    }
    fn snapshot(&self) -> Value {
        json!({
            "year": self.year, "half": self.half.as_str(), "opensAt": self.opens_at,
            "closesAt": self.closes_at, "openedAt": self.opened_at, "closedAt": self.closed_at,
        })
    }
}

impl Audited for Flag {
    const TARGET: &'static str = "replacementFlag";
    fn target_id(&self) -> String {
        self.id.to_string()
    }
    fn snapshot(&self) -> Value {
        json!({
            "periodId": self.period_id, "companyId": self.company_id, "officerId": self.officer_id,
            "status": self.status.as_str(), "resolvedAt": self.resolved_at,
            "resolutionNote": self.resolution_note, "newOfficerId": self.new_officer_id,
        })
    }
}

impl Audited for Eligibility {
    const TARGET: &'static str = "awardEligibility";
    fn target_id(&self) -> String {
        self.id.to_string()
    }
    fn snapshot(&self) -> Value {
        json!({
            "officerId": self.officer_id, "year": self.year, "status": self.status.as_str(),
            "note": self.note,
        })
    }
}

impl Audited for PushDelivery {
    const TARGET: &'static str = "pushDelivery";
    fn target_id(&self) -> String {
        self.id.to_string()
    }
    fn snapshot(&self) -> Value {
        json!({
            "notificationId": self.notification_id, "status": self.status.as_str(),
            "attempts": self.attempts, "nextAttemptAt": self.next_attempt_at,
            "lastError": self.last_error,
        })
    }
}
