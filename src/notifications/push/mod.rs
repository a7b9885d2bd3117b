//! Senders of push messages, one per provider, and the router that picks the sender of each
//! delivery by its device's provider. The outbox worker talks only to the router; the inbox
//! stays the source of truth: a push is only a hint that something is waiting there.
//!
//! | provider | file | documentation followed |
//! |---|---|---|
//! | FCM | `fcm.rs` | <https://firebase.google.com/docs/reference/fcm/rest/v1/projects.messages/send> |
//! | APNs | `apns.rs` | <https://developer.apple.com/documentation/usernotifications/establishing-a-token-based-connection-to-apns> |
//! | Huawei | `huawei.rs` | <https://developer.huawei.com/consumer/en/doc/hmscore-guides/android-server-dev-0000001050040110> |
//! | Honor | `honor.rs` | Honor's 发送下行消息 guide (<https://developer.honor.com/cn/docs/11002/guides/kit-history>), as published at <https://my.oschina.net/u/5873522/blog/10140231> |
//! | Xiaomi | `xiaomi.rs` | <https://dev.mi.com/xiaomihyperos/documentation/detail?pId=1559> |
//! | OPPO | `oppo.rs` | OPPO推送平台服务端API (<https://storepic.oppomobile.com/openplat/resource/201910/18/OPPO推送平台服务端API-V1.9.3.pdf>, <https://open.oppomobile.com/wiki/doc#id=10194>) |
//! | vivo | `vivo.rs` | vivo 消息推送服务端API 2.9.2 (<https://swsdl.vivo.com.cn/appstore/developer/uploadfile/20191210/we5XL6/PUSH-UPS-API接口文档%20-%202.7.0版.pdf>; 2.9.2 as published at <https://app.applebyme.cn/cloud/appshangjia/2017.html>) |

pub mod apns;
pub mod fcm;
pub mod honor;
pub mod http;
pub mod huawei;
pub mod oppo;
pub mod router;
pub mod vivo;
pub mod xiaomi;

use std::collections::BTreeMap;
use std::time::Duration;

pub use fcm::FcmSender;
pub use router::PushRouter;

use super::model::{Platform, PushProvider};

/// The Android notification channel of routine work notices (declared by the apps).
pub const CHANNEL_WORK: &str = "zhitong_work";
/// The Android notification channel of urgent notices and supervision steps.
pub const CHANNEL_URGENT: &str = "zhitong_urgent";

/// How long a push of this kind keeps being retried, and the TTL the provider is given:
/// supervision steps and urgent requests matter only today (24 hours), routine news for three
/// days (72 hours).
pub fn lifetime(kind: &str, urgent: bool) -> chrono::Duration {
    const SUPERVISION: &[&str] = &[
        "DUE_SOON",
        "OVERDUE",
        "CHASED",
        "SUPERVISED",
        "REPRIMANDED",
        "REQUEST_URGED",
    ];
    if urgent || SUPERVISION.contains(&kind) {
        chrono::Duration::hours(24)
    } else {
        chrono::Duration::hours(72)
    }
}

/// One push to one device. It carries ids, a kind and a short status line, never request content.
#[derive(Debug, Clone)]
pub struct PushMessage {
    pub token: String,
    pub platform: Platform,
    pub provider: PushProvider,
    pub title: String,
    pub body: String,
    /// Small string fields for the app: `notificationId`, `kind`, `requestId` (the click target).
    pub data: BTreeMap<String, String>,
    /// The OS-level tag: pushes with the same tag replace each other on the phone (the
    /// notification's id, so a push sent twice after a crash is shown once).
    pub tag: String,
    /// Pushes about the same request are grouped / collapsed under this key.
    pub collapse_key: Option<String>,
    pub urgent: bool,
    /// The provider keeps the message this long for an offline phone.
    pub ttl: Duration,
    /// The recipient's unread count, for the app icon's badge.
    pub badge: Option<i64>,
    /// The outbox row: a unique, stable id for providers that deduplicate by request id.
    pub delivery_id: i64,
}

impl PushMessage {
    /// The Android notification channel for this message.
    pub fn channel(&self) -> &'static str {
        if self.urgent {
            CHANNEL_URGENT
        } else {
            CHANNEL_WORK
        }
    }

    /// The data as one JSON object string (for providers whose data field is a string).
    pub fn data_json(&self) -> String {
        serde_json::to_string(&self.data).unwrap_or_else(|_| "{}".into())
    }

    /// The app page a click opens: the request when there is one, else the inbox.
    pub fn click_intent(&self) -> String {
        match self.data.get("requestId") {
            Some(id) => format!("zhitong://requests/{id}?notificationId={}", self.data["notificationId"]),
            None => format!("zhitong://notifications/{}", self.data["notificationId"]),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum SendOutcome {
    Sent,
    /// A temporary failure: try again, no earlier than `after` when the service said so.
    Retry {
        after: Option<Duration>,
        error: String,
    },
    /// The provider says the token is invalid or unregistered: forget the device.
    Unregistered(String),
    /// Refused for a reason that does not say the token is gone: keep the device, mark the
    /// delivery failed with the provider's code.
    Failed(String),
}

#[async_trait::async_trait]
pub trait PushSender: Send + Sync + 'static {
    fn provider(&self) -> PushProvider;
    async fn send(&self, message: &PushMessage) -> SendOutcome;
}
