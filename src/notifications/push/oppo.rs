//! OPPO PUSH, server API (OPPO推送平台服务端API,
//! <https://storepic.oppomobile.com/openplat/resource/201910/18/OPPO推送平台服务端API-V1.9.3.pdf>;
//! the 调用地址，公共参数和返回码 page of <https://open.oppomobile.com/wiki/doc#id=10194>).
//!
//! Authentication: `POST {endpoint}/server/v1/auth`, form `app_key`, `timestamp` (ms) and
//! `sign = sha256(app_key + timestamp + master_secret)` in lower-case hex; the answer's
//! `data.auth_token` is valid 24 hours and goes with every call (form field `auth_token`).
//! Sending: `POST {endpoint}/server/v1/message/notification/unicast`, form `message` = JSON
//! `{target_type: 2, target_value: <registration id>, notification: {…}}` with `title`,
//! `content`, `channel_id` (the 私信 channel: not throttled as 公信 marketing), `category`
//! `TODO` and `notify_level` 2 (service/work notice), `off_line_ttl` (seconds), the data in
//! `action_parameters` and the click intent (`click_action_type` 5, `click_action_url`).
//!
//! Answers (`code`): `0` sent; `10000` (invalid registration id) removes the device; `11`
//! (invalid auth token) exchanges a new token once; `-1` (service unavailable), `-2` (flow
//! control), `33` (daily quota exceeded) and HTTP 429/5xx retry; anything else (`14` invalid
//! app key, `16` invalid signature, `41` invalid arguments, …) fails with the code.

use std::time::Duration;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::http::{self, retry_after, Answer, TokenCache};
use super::{PushMessage, PushSender, SendOutcome};
pub use crate::config::OppoSettings;
use crate::notifications::model::PushProvider;

pub struct OppoSender {
    http: reqwest::Client,
    settings: OppoSettings,
    tokens: TokenCache,
}

pub fn sign(app_key: &str, timestamp: &str, master_secret: &str) -> String {
    let digest = Sha256::digest(format!("{app_key}{timestamp}{master_secret}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

impl OppoSender {
    pub fn new(settings: OppoSettings) -> Result<OppoSender, String> {
        Ok(OppoSender {
            http: http::client()?,
            settings,
            tokens: TokenCache::default(),
        })
    }

    async fn auth(&self) -> Result<(String, Duration), String> {
        let timestamp = chrono::Utc::now().timestamp_millis().to_string();
        let sign = sign(&self.settings.app_key, &timestamp, self.settings.master_secret.expose());
        let url = format!("{}/server/v1/auth", self.settings.endpoint.trim_end_matches('/'));
        let response = self
            .http
            .post(url)
            .form(&[
                ("app_key", self.settings.app_key.as_str()),
                ("sign", sign.as_str()),
                ("timestamp", timestamp.as_str()),
            ])
            .send()
            .await
            .map_err(|e| format!("OPPO auth unreachable: {e}"))?;
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        match body["data"]["auth_token"].as_str() {
            Some(token) if body["code"] == 0 => Ok((token.to_string(), Duration::from_secs(24 * 3600))),
            _ => Err(format!("OPPO auth {status} {}", body["code"]).trim().to_string()),
        }
    }

    pub fn message(message: &PushMessage, channel_id: &str) -> Value {
        json!({
            "target_type": 2,
            "target_value": message.token,
            "notification": {
                "title": message.title,
                "content": message.body,
                "channel_id": channel_id,
                "category": "TODO",
                "notify_level": 2,
                "off_line": true,
                "off_line_ttl": message.ttl.as_secs(),
                "click_action_type": 5,
                "click_action_url": message.click_intent(),
                "action_parameters": message.data_json(),
            },
        })
    }

    async fn post(&self, token: String, message: PushMessage) -> Answer {
        let url = format!(
            "{}/server/v1/message/notification/unicast",
            self.settings.endpoint.trim_end_matches('/')
        );
        let body = Self::message(&message, &self.settings.channel_id).to_string();
        let response = self
            .http
            .post(url)
            .form(&[("auth_token", token.as_str()), ("message", body.as_str())])
            .send()
            .await;
        let response = match response {
            Ok(r) => r,
            Err(e) => return Answer::Final(http::unreachable("OPPO", e)),
        };
        let status = response.status().as_u16();
        let after = retry_after(response.headers());
        let body: Value = response.json().await.unwrap_or(Value::Null);
        let code = body["code"].as_i64().map(|c| c.to_string()).unwrap_or_default();
        let error = format!("OPPO {status} {code}").trim().to_string();
        Answer::Final(match code.as_str() {
            "0" if status == 200 => SendOutcome::Sent,
            "10000" => SendOutcome::Unregistered(error),
            "11" => return Answer::AuthRejected(error),
            "-1" | "-2" | "33" => SendOutcome::Retry { after, error },
            _ if http::temporary(status) => SendOutcome::Retry { after, error },
            _ => SendOutcome::Failed(error),
        })
    }
}

#[async_trait::async_trait]
impl PushSender for OppoSender {
    fn provider(&self) -> PushProvider {
        PushProvider::Oppo
    }

    async fn send(&self, message: &PushMessage) -> SendOutcome {
        http::send_with_refresh(
            &self.tokens,
            || self.auth(),
            |token, message| self.post(token, message),
            message,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_sign_is_sha256_of_key_time_and_secret() {
        // `printf %s k1700000000000s | sha256sum`
        assert_eq!(
            super::sign("k", "1700000000000", "s"),
            "ea69308234fc809599f8b5934fae803c77be085338d5c57d31e2fd18afe3752e"
        );
    }
}
