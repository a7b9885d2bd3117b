//! Firebase Cloud Messaging, HTTP v1
//! (<https://firebase.google.com/docs/reference/fcm/rest/v1/projects.messages/send>): OAuth2
//! with a service account (the token is cached and refreshed by `gcp_auth`, which honours the
//! credentials file's `token_uri`), then `POST {endpoint}/v1/projects/{project}/messages:send`.
//!
//! Answers, by the documented error codes
//! (<https://firebase.google.com/docs/reference/fcm/rest/v1/ErrorCode>):
//! `UNREGISTERED`, or `INVALID_ARGUMENT` whose `BadRequest` field violation is `message.token`,
//! remove the device; `QUOTA_EXCEEDED`, `UNAVAILABLE`, `INTERNAL` (and any 429/5xx) retry
//! honouring `Retry-After`; `UNAUTHENTICATED` (401) reloads the credentials once; anything else
//! (`SENDER_ID_MISMATCH`, `THIRD_PARTY_AUTH_ERROR`, a 404 from a wrong project or proxy, …)
//! keeps the device and fails the delivery with the code.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use gcp_auth::TokenProvider;
use serde_json::{json, Value};

use super::http::{self, retry_after};
use super::{PushMessage, PushSender, SendOutcome};
use crate::notifications::model::PushProvider;

const FCM_SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";

pub struct FcmSender {
    http: reqwest::Client,
    credentials: PathBuf,
    auth: tokio::sync::RwLock<Arc<gcp_auth::CustomServiceAccount>>,
    send_url: String,
}

fn load(path: &Path) -> Result<gcp_auth::CustomServiceAccount, String> {
    gcp_auth::CustomServiceAccount::from_file(path)
        .map_err(|e| format!("reading FCM credentials {}: {e}", path.display()))
}

impl FcmSender {
    pub fn from_credentials_file(path: &Path, endpoint: &str) -> Result<FcmSender, String> {
        let auth = load(path)?;
        let project = auth
            .project_id()
            .ok_or_else(|| format!("{} has no project_id", path.display()))?
            .to_string();
        let send_url = format!("{}/v1/projects/{project}/messages:send", endpoint.trim_end_matches('/'));
        Ok(FcmSender {
            http: http::client()?,
            credentials: path.to_path_buf(),
            auth: tokio::sync::RwLock::new(Arc::new(auth)),
            send_url,
        })
    }

    pub fn body(message: &PushMessage) -> Value {
        let ttl = format!("{}s", message.ttl.as_secs());
        let expiration = (chrono::Utc::now().timestamp() + message.ttl.as_secs() as i64).to_string();
        let mut body = json!({
            "token": message.token,
            "notification": { "title": message.title, "body": message.body },
            "data": message.data,
            "android": {
                "priority": if message.urgent { "HIGH" } else { "NORMAL" },
                "ttl": ttl,
                "notification": {
                    "tag": message.tag,
                    "channel_id": message.channel(),
                    "click_action": "OPEN_NOTIFICATION",
                },
            },
            "apns": {
                "headers": {
                    "apns-priority": if message.urgent { "10" } else { "5" },
                    "apns-expiration": expiration,
                    "apns-collapse-id": message.tag,
                },
                "payload": { "aps": { "badge": message.badge } },
            },
        });
        if let Some(key) = &message.collapse_key {
            body["android"]["collapse_key"] = json!(key);
        }
        if let Some(badge) = message.badge {
            body["android"]["notification"]["notification_count"] = json!(badge);
        }
        json!({ "message": body })
    }

    async fn token(&self) -> Result<String, String> {
        let auth = self.auth.read().await.clone();
        auth.token(&[FCM_SCOPE])
            .await
            .map(|t| t.as_str().to_string())
            .map_err(|e| format!("FCM OAuth token: {e}"))
    }

    /// A fresh service account: its token cache starts empty.
    async fn reload(&self) -> Result<(), String> {
        let fresh = load(&self.credentials)?;
        *self.auth.write().await = Arc::new(fresh);
        Ok(())
    }
}

/// FCM's error code for a failed send (`UNREGISTERED`, `INVALID_ARGUMENT`, …).
pub fn fcm_error_code(body: &Value) -> String {
    body["error"]["details"]
        .as_array()
        .and_then(|details| details.iter().find_map(|d| d["errorCode"].as_str()))
        .or_else(|| body["error"]["status"].as_str())
        .unwrap_or("")
        .to_string()
}

/// True when a `google.rpc.BadRequest` detail names the token field.
fn token_field_violation(body: &Value) -> bool {
    body["error"]["details"].as_array().is_some_and(|details| {
        details.iter().any(|d| {
            d["fieldViolations"]
                .as_array()
                .is_some_and(|violations| violations.iter().any(|v| v["field"] == "message.token"))
        })
    })
}

/// What an FCM error answer means for the device.
pub fn classify(status: u16, body: &Value, after: Option<std::time::Duration>) -> SendOutcome {
    let code = fcm_error_code(body);
    let error = format!("FCM {status} {code}").trim().to_string();
    match code.as_str() {
        "UNREGISTERED" => SendOutcome::Unregistered(error),
        "INVALID_ARGUMENT" if token_field_violation(body) => SendOutcome::Unregistered(error),
        "QUOTA_EXCEEDED" | "UNAVAILABLE" | "INTERNAL" => SendOutcome::Retry { after, error },
        _ if http::temporary(status) => SendOutcome::Retry { after, error },
        _ => SendOutcome::Failed(error),
    }
}

#[async_trait::async_trait]
impl PushSender for FcmSender {
    fn provider(&self) -> PushProvider {
        PushProvider::Fcm
    }

    async fn send(&self, message: &PushMessage) -> SendOutcome {
        let body = Self::body(message);
        let mut reloaded = false;
        loop {
            let token = match self.token().await {
                Ok(token) => token,
                Err(error) => return SendOutcome::Retry { after: None, error },
            };
            let response = match self
                .http
                .post(&self.send_url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
            {
                Ok(r) => r,
                Err(e) => return http::unreachable("FCM", e),
            };
            let status = response.status().as_u16();
            if (200..300).contains(&status) {
                return SendOutcome::Sent;
            }
            let after = retry_after(response.headers());
            let answer: Value = response.json().await.unwrap_or(Value::Null);
            if status == 401 && fcm_error_code(&answer) != "THIRD_PARTY_AUTH_ERROR" {
                if reloaded {
                    return SendOutcome::Retry {
                        after: None,
                        error: "FCM 401 UNAUTHENTICATED".into(),
                    };
                }
                if let Err(error) = self.reload().await {
                    return SendOutcome::Retry { after: None, error };
                }
                reloaded = true;
                continue;
            }
            return classify(status, &answer, after);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::time::Duration;

    use super::*;
    use crate::notifications::model::Platform;

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
    fn only_the_token_codes_remove_a_device() {
        let unregistered = json!({ "error": { "details": [{ "errorCode": "UNREGISTERED" }] } });
        assert!(matches!(
            classify(404, &unregistered, None),
            SendOutcome::Unregistered(_)
        ));
        let bad_token = json!({ "error": { "status": "INVALID_ARGUMENT", "details": [
            { "errorCode": "INVALID_ARGUMENT" },
            { "@type": "type.googleapis.com/google.rpc.BadRequest",
              "fieldViolations": [{ "field": "message.token", "description": "Invalid registration token" }] }] } });
        assert!(matches!(classify(400, &bad_token, None), SendOutcome::Unregistered(_)));
        let bad_ttl = json!({ "error": { "status": "INVALID_ARGUMENT", "message": "token is fine, ttl is not",
            "details": [{ "errorCode": "INVALID_ARGUMENT" }, { "fieldViolations": [{ "field": "message.android.ttl" }] }] } });
        assert!(matches!(classify(400, &bad_ttl, None), SendOutcome::Failed(_)));
        let not_found = json!({ "error": { "code": 404, "status": "NOT_FOUND" } });
        assert!(
            matches!(classify(404, &not_found, None), SendOutcome::Failed(_)),
            "a wrong project id"
        );
        assert!(
            matches!(classify(404, &Value::Null, None), SendOutcome::Failed(_)),
            "a proxy's 404 page"
        );
        let quota = json!({ "error": { "details": [{ "errorCode": "QUOTA_EXCEEDED" }] } });
        assert_eq!(
            classify(429, &quota, Some(Duration::from_secs(9))),
            SendOutcome::Retry {
                after: Some(Duration::from_secs(9)),
                error: "FCM 429 QUOTA_EXCEEDED".into()
            }
        );
    }

    #[test]
    fn the_message_carries_priority_ttl_tag_and_collapse_key() {
        let message = PushMessage {
            token: "t".into(),
            platform: Platform::Android,
            provider: PushProvider::Fcm,
            title: "诉求已受理".into(),
            body: "QY-2026-000001".into(),
            data: BTreeMap::from([("kind".to_string(), "REQUEST_ACCEPTED".to_string())]),
            tag: "ntf_7".into(),
            collapse_key: Some("req_1".into()),
            urgent: true,
            ttl: Duration::from_secs(86400),
            badge: Some(3),
            delivery_id: 1,
        };
        let body = FcmSender::body(&message);
        assert_eq!(body["message"]["android"]["priority"], "HIGH");
        assert_eq!(body["message"]["android"]["ttl"], "86400s");
        assert_eq!(body["message"]["android"]["collapse_key"], "req_1");
        assert_eq!(body["message"]["android"]["notification"]["tag"], "ntf_7");
        assert_eq!(
            body["message"]["android"]["notification"]["channel_id"],
            "zhitong_urgent"
        );
        assert_eq!(body["message"]["apns"]["headers"]["apns-collapse-id"], "ntf_7");
        assert_eq!(body["message"]["apns"]["payload"]["aps"]["badge"], 3);
        assert_eq!(body["message"]["data"]["kind"], "REQUEST_ACCEPTED");
    }
}
