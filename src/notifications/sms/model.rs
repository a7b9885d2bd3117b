use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::db::schema::{sms_deliveries, sms_kinds};
use crate::ids::UserId;

crate::stored_enum!(
    /// Where an SMS stands.
    SmsStatus {
        /// Waiting to be sent (or retried, or for the recipient's quiet hours to end).
        Pending => "PENDING",
        /// Accepted by the SMS provider.
        Sent => "SENT",
        /// Given up: the provider refused it for good, or every attempt failed.
        Failed => "FAILED",
        /// No SMS provider (or no template for its kind) is configured: kept until an admin
        /// retries it after configuring one.
        HeldUnconfigured => "HELD_UNCONFIGURED",
        /// The phone number had reached the daily SMS cap (`ZHITONG_SMS_DAILY_CAP`).
        HeldDailyCap => "HELD_DAILY_CAP",
        /// Still unsent when its lifetime ended (a day after the notice).
        Expired => "EXPIRED",
    }
);

/// A notice kind that is also sent as SMS.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = sms_kinds)]
pub struct SmsKindRule {
    pub kind: String,
    /// Sent even to users who turned SMS off.
    pub mandatory: bool,
    /// Sent during the recipient's quiet hours too.
    pub overrides_quiet_hours: bool,
    /// Only for urgent notices (e.g. a new URGENT request).
    pub urgent_only: bool,
    pub updated_at: NaiveDateTime,
}

impl crate::audit::Audited for SmsKindRule {
    const TARGET: &'static str = "smsKind";
    fn target_id(&self) -> String {
        self.kind.clone()
    }
    fn snapshot(&self) -> Value {
        json!({
            "kind": self.kind, "mandatory": self.mandatory,
            "overridesQuietHours": self.overrides_quiet_hours, "urgentOnly": self.urgent_only,
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = sms_deliveries)]
pub struct SmsDelivery {
    pub id: i64,
    pub notification_id: i64,
    pub user_id: UserId,
    pub phone: String,
    pub kind: String,
    pub request_number: String,
    pub overrides_quiet_hours: bool,
    pub status: SmsStatus,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub expire_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
    pub provider: Option<String>,
    pub provider_code: Option<String>,
    pub provider_message_id: Option<String>,
    pub last_error: Option<String>,
    pub sent_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = sms_deliveries)]
pub struct NewSmsDelivery {
    pub notification_id: i64,
    pub user_id: UserId,
    pub phone: String,
    pub kind: String,
    pub request_number: String,
    pub overrides_quiet_hours: bool,
    pub status: SmsStatus,
    pub next_attempt_at: NaiveDateTime,
    pub expire_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl crate::audit::Audited for SmsDelivery {
    const TARGET: &'static str = "smsDelivery";
    fn target_id(&self) -> String {
        self.id.to_string()
    }
    fn snapshot(&self) -> Value {
        // The phone number stays out of the audit log; the notification id leads to it.
        json!({
            "notificationId": self.notification_id, "kind": self.kind, "status": self.status.as_str(),
            "attempts": self.attempts, "provider": self.provider, "providerCode": self.provider_code,
        })
    }
}
