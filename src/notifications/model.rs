use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::db::schema::{devices, notifications, push_deliveries};
use crate::ids::{CompanyId, UserId};

crate::stored_enum!(
    /// The operating system a device token belongs to.
    Platform {
        /// Android phone.
        Android => "ANDROID",
        /// iPhone or iPad.
        Ios => "IOS",
        /// A browser.
        Web => "WEB",
        /// A HarmonyOS phone (Huawei Push Kit).
        Harmony => "HARMONY",
    }
);

crate::stored_enum!(
    /// The push service that issued a device's token, and so delivers its pushes.
    PushProvider {
        /// Firebase Cloud Messaging (Android phones with Google services; not reachable from
        /// mainland China).
        Fcm => "FCM",
        /// Apple Push Notification service, directly (iPhone, iPad).
        Apns => "APNS",
        /// Huawei Push Kit (Huawei Android phones and HarmonyOS).
        Huawei => "HUAWEI",
        /// Honor Push.
        Honor => "HONOR",
        /// Xiaomi MiPush (Xiaomi, Redmi, POCO).
        Xiaomi => "XIAOMI",
        /// OPPO PUSH (OPPO, OnePlus, realme).
        Oppo => "OPPO",
        /// vivo Push (vivo, iQOO).
        Vivo => "VIVO",
    }
);

crate::stored_enum!(
    /// Where a push delivery stands.
    DeliveryStatus {
        /// Waiting to be sent (or to be retried, or for quiet hours to end).
        Pending => "PENDING",
        /// Accepted by the push service.
        Sent => "SENT",
        /// Given up: its retry lifetime ran out, or the device is gone.
        Dead => "DEAD",
        /// Refused by the push service with a code that does not say the token is gone: the
        /// device is kept and the code is in `lastError`; admins can requeue it.
        Failed => "FAILED",
        /// Its device's push provider is not configured on this server: kept until it is
        /// (sent when a server with that provider starts) or an admin requeues it.
        Held => "HELD",
    }
);

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = devices)]
pub struct Device {
    pub id: i64,
    pub user_id: UserId,
    pub token: String,
    pub platform: Platform,
    pub locale: String,
    pub app_version: String,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub provider: PushProvider,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = devices)]
pub struct NewDevice {
    pub user_id: UserId,
    pub token: String,
    pub platform: Platform,
    pub locale: String,
    pub app_version: String,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub provider: PushProvider,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = notifications)]
pub struct Notification {
    pub id: i64,
    pub user_id: UserId,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub locale: String,
    pub request_id: Option<i64>,
    pub company_id: Option<CompanyId>,
    pub urgent: bool,
    pub read_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = notifications)]
pub struct NewNotification {
    pub user_id: UserId,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub locale: String,
    pub request_id: Option<i64>,
    pub company_id: Option<CompanyId>,
    pub urgent: bool,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = push_deliveries)]
pub struct PushDelivery {
    pub id: i64,
    pub notification_id: i64,
    pub device_id: Option<i64>,
    pub token: String,
    pub platform: Platform,
    pub title: String,
    pub body: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub sent_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub provider: PushProvider,
    pub kind: String,
    /// Retries stop here; the provider's TTL is set to the time left.
    pub expires_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = push_deliveries)]
pub struct NewPushDelivery {
    pub notification_id: i64,
    pub device_id: Option<i64>,
    pub token: String,
    pub platform: Platform,
    pub title: String,
    pub body: String,
    pub status: DeliveryStatus,
    pub next_attempt_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub provider: PushProvider,
    pub kind: String,
    pub expires_at: NaiveDateTime,
}

impl crate::audit::Audited for PushDelivery {
    const TARGET: &'static str = "pushDelivery";
    fn target_id(&self) -> String {
        self.id.to_string()
    }
    fn snapshot(&self) -> Value {
        json!({
            "notificationId": self.notification_id, "status": self.status.as_str(),
            "attempts": self.attempts, "nextAttemptAt": self.next_attempt_at,
            "lastError": self.last_error, "provider": self.provider.as_str(),
        })
    }
}
