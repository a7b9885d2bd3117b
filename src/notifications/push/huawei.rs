//! Huawei Push Kit, server API v1 (Android phones with HMS Core, and HarmonyOS 2–4):
//! <https://developer.huawei.com/consumer/en/doc/hmscore-guides/android-server-dev-0000001050040110>.
//! An app-level access token by OAuth 2.0 client credentials
//! (`POST https://oauth-login.cloud.huawei.com/oauth2/v3/token`, form `grant_type=client_credentials`,
//! `client_id`, `client_secret`; valid an hour), then
//! `POST {endpoint}/v1/{appId}/messages:send` with `Authorization: Bearer …`.
//!
//! The message is self-classified as a work notice (`android.category = WORK`, importance
//! `NORMAL`: 服务与通讯), so it is not throttled as marketing; `android.ttl`, `notification.tag`
//! (replaces an earlier push with the same tag), the request in `data` and as the click intent.
//!
//! Answers, by the result code in the body (<https://developer.huawei.com/consumer/en/doc/HMSCore-Guides/commonerror-0000001059816656>,
//! <https://developer.huawei.com/consumer/en/doc/doccenter-references/api/push-scenariozed-api-response/>):
//! `80000000` sent; `80300007` (all tokens invalid) and `80100000` naming our token among
//! `illegal_tokens` remove the device; `80200001` / `80200003` (OAuth error / token expired)
//! refresh the token once; `81000001` (internal error), HTTP 429/5xx (503 is flow control) retry;
//! anything else (`80100003` illegal payload, `80300002` no permission, `80300008` too large, a
//! bare 404 …) keeps the device and fails the delivery with the code.

use std::time::Duration;

use serde_json::{json, Value};

use super::http::{self, retry_after, Answer, TokenCache};
use super::{PushMessage, PushSender, SendOutcome};
pub use crate::config::OAuthAppSettings;
use crate::notifications::model::PushProvider;

/// Fetches an access token by OAuth 2.0 client credentials (Huawei and Honor alike).
pub async fn client_credentials(
    http: &reqwest::Client,
    provider: &str,
    settings: &OAuthAppSettings,
) -> Result<(String, Duration), String> {
    let response = http
        .post(&settings.token_url)
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", settings.client_id.as_str()),
            ("client_secret", settings.client_secret.expose()),
        ])
        .send()
        .await
        .map_err(|e| format!("{provider} OAuth unreachable: {e}"))?;
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    match body["access_token"].as_str() {
        Some(token) if status == 200 => {
            let lifetime = body["expires_in"].as_u64().unwrap_or(3600).max(60);
            Ok((token.to_string(), Duration::from_secs(lifetime)))
        }
        _ => Err(format!(
            "{provider} OAuth {status} {}",
            body["error_description"]
                .as_str()
                .or(body["error"].as_str())
                .unwrap_or("")
        )
        .trim()
        .to_string()),
    }
}

pub struct HuaweiSender {
    http: reqwest::Client,
    settings: OAuthAppSettings,
    tokens: TokenCache,
}

impl HuaweiSender {
    pub fn new(settings: OAuthAppSettings) -> Result<HuaweiSender, String> {
        Ok(HuaweiSender {
            http: http::client()?,
            settings,
            tokens: TokenCache::default(),
        })
    }

    pub fn body(message: &PushMessage, badge_class: Option<&str>) -> Value {
        let mut notification = json!({
            "title": message.title,
            "body": message.body,
            "tag": message.tag,
            "importance": "NORMAL",
            "channel_id": message.channel(),
            "click_action": { "type": 1, "intent": message.click_intent() },
        });
        if let (Some(class), Some(badge)) = (badge_class, message.badge) {
            notification["badge"] = json!({ "class": class, "set_num": badge });
        }
        json!({
            "validate_only": false,
            "message": {
                "data": message.data_json(),
                "android": {
                    "category": "WORK",
                    "urgency": if message.urgent { "HIGH" } else { "NORMAL" },
                    "ttl": format!("{}s", message.ttl.as_secs()),
                    "bi_tag": message.tag,
                    "notification": notification,
                },
                "token": [message.token],
            },
        })
    }

    async fn post(&self, token: String, message: PushMessage) -> Answer {
        let url = format!(
            "{}/v1/{}/messages:send",
            self.settings.endpoint.trim_end_matches('/'),
            self.settings.app_id
        );
        let response = self
            .http
            .post(url)
            .bearer_auth(token)
            .json(&Self::body(&message, self.settings.badge_class.as_deref()))
            .send()
            .await;
        match response {
            Ok(r) => {
                let status = r.status().as_u16();
                let after = retry_after(r.headers());
                let body: Value = r.json().await.unwrap_or(Value::Null);
                read_answer("Huawei", status, &body, after, &message.token)
            }
            Err(e) => Answer::Final(http::unreachable("Huawei", e)),
        }
    }
}

/// Huawei's (and Honor's) result codes. Honor answers `code` 200 for success, Huawei
/// "80000000".
pub fn read_answer(provider: &str, status: u16, body: &Value, after: Option<Duration>, token: &str) -> Answer {
    let code = match &body["code"] {
        Value::String(code) => code.clone(),
        Value::Number(code) => code.to_string(),
        _ => String::new(),
    };
    let message = body["msg"].as_str().or(body["message"].as_str()).unwrap_or("");
    let error = format!("{provider} {status} {code}").trim().to_string();
    let named = || {
        serde_json::from_str::<Value>(message)
            .ok()
            .and_then(|m| m["illegal_tokens"].as_array().cloned())
            .is_some_and(|tokens| tokens.iter().any(|t| t == token))
    };
    Answer::Final(match code.as_str() {
        "80000000" if status == 200 => SendOutcome::Sent,
        "200" if status == 200 => SendOutcome::Sent,
        "80300007" => SendOutcome::Unregistered(error),
        "80100000" if named() => SendOutcome::Unregistered(error),
        "80200001" | "80200003" => return Answer::AuthRejected(error),
        "81000001" => SendOutcome::Retry { after, error },
        _ if status == 401 => return Answer::AuthRejected(error),
        _ if http::temporary(status) => SendOutcome::Retry { after, error },
        _ => SendOutcome::Failed(error),
    })
}

#[async_trait::async_trait]
impl PushSender for HuaweiSender {
    fn provider(&self) -> PushProvider {
        PushProvider::Huawei
    }

    async fn send(&self, message: &PushMessage) -> SendOutcome {
        http::send_with_refresh(
            &self.tokens,
            || client_credentials(&self.http, "Huawei", &self.settings),
            |token, message| self.post(token, message),
            message,
        )
        .await
    }
}
