//! Apple Push Notification service, directly, with token-based authentication:
//! <https://developer.apple.com/documentation/usernotifications/establishing-a-token-based-connection-to-apns>
//! (an ES256 JWT signed with the team's `.p8` key: header `alg`, `kid` = key id; claims `iss` =
//! team id, `iat`; renewed between 20 and 60 minutes), sent over HTTP/2 as
//! `POST {endpoint}/3/device/{token}` with `apns-topic` (the bundle id), `apns-push-type`,
//! `apns-priority`, `apns-expiration`, `apns-collapse-id`:
//! <https://developer.apple.com/documentation/usernotifications/sending-notification-requests-to-apns>.
//!
//! Answers (<https://developer.apple.com/documentation/usernotifications/handling-notification-responses-from-apns>):
//! `410 Unregistered` / `410 ExpiredToken` and `400 BadDeviceToken` remove the device;
//! `403 ExpiredProviderToken` / `InvalidProviderToken` sign a new JWT once; `429
//! TooManyRequests`, `500 InternalServerError`, `503 ServiceUnavailable` / `Shutdown` retry;
//! anything else (`DeviceTokenNotForTopic`, `BadTopic`, `404 BadPath`, …) keeps the device and
//! fails the delivery with the reason.

use std::time::Duration;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

use super::http::{self, retry_after, Answer, TokenCache};
use super::{PushMessage, PushSender, SendOutcome};
pub use crate::config::ApnsSettings;
use crate::notifications::model::PushProvider;

/// Apple refuses tokens older than an hour and throttles renewals more often than every 20
/// minutes: renew after 40.
const JWT_LIFETIME: Duration = Duration::from_secs(40 * 60);

pub struct ApnsSender {
    http: reqwest::Client,
    key: EncodingKey,
    settings: ApnsSettings,
    tokens: TokenCache,
}

impl ApnsSender {
    pub fn new(settings: ApnsSettings) -> Result<ApnsSender, String> {
        let pem = std::fs::read(&settings.key_file)
            .map_err(|e| format!("reading APNs key {}: {e}", settings.key_file.display()))?;
        let key = EncodingKey::from_ec_pem(&pem).map_err(|e| {
            format!(
                "APNs key {} is not a PKCS#8 P-256 key: {e}",
                settings.key_file.display()
            )
        })?;
        let mut builder = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .connect_timeout(Duration::from_secs(5));
        if settings.endpoint.starts_with("http://") {
            builder = builder.http2_prior_knowledge();
        }
        let http = builder.build().map_err(|e| format!("HTTP client: {e}"))?;
        Ok(ApnsSender {
            http,
            key,
            settings,
            tokens: TokenCache::default(),
        })
    }

    fn sign(&self) -> Result<(String, Duration), String> {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.settings.key_id.clone());
        let claims = json!({ "iss": self.settings.team_id, "iat": chrono::Utc::now().timestamp() });
        let jwt =
            jsonwebtoken::encode(&header, &claims, &self.key).map_err(|e| format!("signing the APNs JWT: {e}"))?;
        Ok((jwt, JWT_LIFETIME))
    }

    pub fn payload(message: &PushMessage) -> Value {
        let mut payload = json!({
            "aps": {
                "alert": { "title": message.title, "body": message.body },
                "sound": "default",
                "interruption-level": if message.urgent { "time-sensitive" } else { "active" },
            },
        });
        if let Some(badge) = message.badge {
            payload["aps"]["badge"] = json!(badge);
        }
        if let Some(thread) = &message.collapse_key {
            payload["aps"]["thread-id"] = json!(thread);
        }
        for (key, value) in &message.data {
            payload[key] = json!(value);
        }
        payload
    }

    async fn post(&self, jwt: String, message: PushMessage) -> Answer {
        let url = format!(
            "{}/3/device/{}",
            self.settings.endpoint.trim_end_matches('/'),
            message.token
        );
        let expiration = chrono::Utc::now().timestamp() + message.ttl.as_secs() as i64;
        let response = self
            .http
            .post(url)
            .header("authorization", format!("bearer {jwt}"))
            .header("apns-topic", &self.settings.topic)
            .header("apns-push-type", "alert")
            .header("apns-priority", if message.urgent { "10" } else { "5" })
            .header("apns-expiration", expiration.to_string())
            .header("apns-collapse-id", &message.tag)
            .json(&Self::payload(&message))
            .send()
            .await;
        let response = match response {
            Ok(r) => r,
            Err(e) => return Answer::Final(http::unreachable("APNs", e)),
        };
        let status = response.status().as_u16();
        if status == 200 {
            return Answer::Final(SendOutcome::Sent);
        }
        let after = retry_after(response.headers());
        let body: Value = response.json().await.unwrap_or(Value::Null);
        let reason = body["reason"].as_str().unwrap_or("").to_string();
        let error = format!("APNs {status} {reason}").trim().to_string();
        Answer::Final(match (status, reason.as_str()) {
            (403, "ExpiredProviderToken" | "InvalidProviderToken") => return Answer::AuthRejected(error),
            (410, _) | (400, "BadDeviceToken") => SendOutcome::Unregistered(error),
            (_, "TooManyRequests" | "InternalServerError" | "ServiceUnavailable" | "Shutdown") => {
                SendOutcome::Retry { after, error }
            }
            _ if http::temporary(status) => SendOutcome::Retry { after, error },
            _ => SendOutcome::Failed(error),
        })
    }
}

#[async_trait::async_trait]
impl PushSender for ApnsSender {
    fn provider(&self) -> PushProvider {
        PushProvider::Apns
    }

    async fn send(&self, message: &PushMessage) -> SendOutcome {
        http::send_with_refresh(
            &self.tokens,
            || async { self.sign() },
            |jwt, message| self.post(jwt, message),
            message,
        )
        .await
    }
}
