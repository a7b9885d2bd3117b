//! Senders of push messages. The outbox worker talks to one `PushSender`; Firebase Cloud
//! Messaging's HTTP v1 API is one implementation, a log line (when no credentials are set) is
//! another, and further channels (APNs directly, the Chinese vendors' push services) can be added
//! without touching the outbox. The inbox stays the source of truth: a push is only a hint.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use gcp_auth::TokenProvider;
use serde_json::{json, Value};

use super::model::Platform;

const FCM_SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";

/// One push to one device. It carries ids, a kind and a short status line, never request content.
#[derive(Debug, Clone)]
pub struct PushMessage {
    pub token: String,
    pub platform: Platform,
    pub title: String,
    pub body: String,
    /// Small string fields for the app: notification id, kind, request id.
    pub data: BTreeMap<String, String>,
    /// Pushes about the same request replace each other on the device.
    pub collapse_key: Option<String>,
    pub urgent: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SendOutcome {
    Sent,
    /// A temporary failure: try again, no earlier than `after` when the service said so.
    Retry {
        after: Option<Duration>,
        error: String,
    },
    /// The token is no longer valid: forget the device.
    Unregistered(String),
    /// A permanent failure for this message.
    Failed(String),
}

#[async_trait::async_trait]
pub trait PushSender: Send + Sync + 'static {
    fn name(&self) -> &'static str;
    async fn send(&self, message: &PushMessage) -> SendOutcome;
}

/// Used when no FCM credentials are configured: logs what would be sent.
pub struct LogSender;

#[async_trait::async_trait]
impl PushSender for LogSender {
    fn name(&self) -> &'static str {
        "log"
    }

    async fn send(&self, message: &PushMessage) -> SendOutcome {
        tracing::info!(
            platform = %message.platform,
            kind = message.data.get("kind").map(String::as_str).unwrap_or(""),
            title = %message.title,
            "push (not sent: no ZHITONG_FCM_CREDENTIALS)"
        );
        SendOutcome::Sent
    }
}

/// Firebase Cloud Messaging, HTTP v1: OAuth2 with a service account (the token is cached and
/// refreshed by `gcp_auth`, which honours the credentials file's `token_uri`), then
/// `POST {endpoint}/v1/projects/{project}/messages:send`.
pub struct FcmSender {
    http: reqwest::Client,
    auth: gcp_auth::CustomServiceAccount,
    send_url: String,
}

impl FcmSender {
    pub fn from_credentials_file(path: &Path, endpoint: &str) -> Result<FcmSender, String> {
        let auth = gcp_auth::CustomServiceAccount::from_file(path)
            .map_err(|e| format!("reading FCM credentials {}: {e}", path.display()))?;
        let project = auth
            .project_id()
            .ok_or_else(|| format!("{} has no project_id", path.display()))?
            .to_string();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .connect_timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        let send_url = format!("{}/v1/projects/{project}/messages:send", endpoint.trim_end_matches('/'));
        Ok(FcmSender { http, auth, send_url })
    }

    fn body(message: &PushMessage) -> Value {
        let mut body = json!({
            "token": message.token,
            "notification": { "title": message.title, "body": message.body },
            "data": message.data,
            "android": { "priority": if message.urgent { "HIGH" } else { "NORMAL" } },
            "apns": { "headers": { "apns-priority": if message.urgent { "10" } else { "5" } } },
        });
        if let Some(key) = &message.collapse_key {
            body["android"]["collapse_key"] = json!(key);
            body["apns"]["headers"]["apns-collapse-id"] = json!(key);
        }
        json!({ "message": body })
    }
}

/// Reads `Retry-After` as seconds (HTTP dates are rare from FCM and treated as absent).
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

/// FCM's error code for a failed send (`UNREGISTERED`, `INVALID_ARGUMENT`, …).
fn fcm_error_code(body: &Value) -> String {
    body["error"]["details"]
        .as_array()
        .and_then(|details| details.iter().find_map(|d| d["errorCode"].as_str()))
        .or_else(|| body["error"]["status"].as_str())
        .unwrap_or("")
        .to_string()
}

#[async_trait::async_trait]
impl PushSender for FcmSender {
    fn name(&self) -> &'static str {
        "fcm"
    }

    async fn send(&self, message: &PushMessage) -> SendOutcome {
        let token = match self.auth.token(&[FCM_SCOPE]).await {
            Ok(token) => token,
            Err(e) => {
                return SendOutcome::Retry {
                    after: None,
                    error: format!("OAuth token: {e}"),
                }
            }
        };
        let response = self
            .http
            .post(&self.send_url)
            .bearer_auth(token.as_str())
            .json(&Self::body(message))
            .send()
            .await;
        let response = match response {
            Ok(r) => r,
            Err(e) => {
                return SendOutcome::Retry {
                    after: None,
                    error: format!("FCM unreachable: {e}"),
                }
            }
        };
        let status = response.status().as_u16();
        let after = retry_after(response.headers());
        if (200..300).contains(&status) {
            return SendOutcome::Sent;
        }
        let body: Value = response.json().await.unwrap_or(Value::Null);
        let code = fcm_error_code(&body);
        let error = format!("FCM {status} {code}").trim().to_string();
        match (status, code.as_str()) {
            (_, "UNREGISTERED") | (404, _) => SendOutcome::Unregistered(error),
            (400, "INVALID_ARGUMENT") if body.to_string().contains("token") => SendOutcome::Unregistered(error),
            (429 | 500 | 502 | 503 | 504, _) | (401, _) => SendOutcome::Retry { after, error },
            _ => SendOutcome::Failed(error),
        }
    }
}

/// The sender for this configuration: FCM when credentials are given, the log otherwise.
pub fn sender_for(credentials: Option<&Path>, endpoint: &str) -> Result<Arc<dyn PushSender>, String> {
    match credentials {
        Some(path) => Ok(Arc::new(FcmSender::from_credentials_file(path, endpoint)?)),
        None => Ok(Arc::new(LogSender)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_come_from_the_details() {
        let body = json!({ "error": { "code": 404, "status": "NOT_FOUND", "details": [
            { "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "UNREGISTERED" } ] } });
        assert_eq!(fcm_error_code(&body), "UNREGISTERED");
        assert_eq!(
            fcm_error_code(&json!({ "error": { "status": "UNAVAILABLE" } })),
            "UNAVAILABLE"
        );
        assert_eq!(fcm_error_code(&Value::Null), "");
    }

    #[test]
    fn the_message_carries_priority_and_collapse_key() {
        let message = PushMessage {
            token: "t".into(),
            platform: Platform::Android,
            title: "诉求已受理".into(),
            body: "QY-2026-000001".into(),
            data: BTreeMap::from([("kind".to_string(), "REQUEST_ACCEPTED".to_string())]),
            collapse_key: Some("req_1".into()),
            urgent: true,
        };
        let body = FcmSender::body(&message);
        assert_eq!(body["message"]["android"]["priority"], "HIGH");
        assert_eq!(body["message"]["android"]["collapse_key"], "req_1");
        assert_eq!(body["message"]["apns"]["headers"]["apns-collapse-id"], "req_1");
        assert_eq!(body["message"]["data"]["kind"], "REQUEST_ACCEPTED");
    }
}
