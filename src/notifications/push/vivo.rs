//! vivo Push, server API (vivo 消息推送服务端API, PUSH-UPS-API
//! <https://swsdl.vivo.com.cn/appstore/developer/uploadfile/20191210/we5XL6/PUSH-UPS-API接口文档%20-%202.7.0版.pdf>;
//! version 2.9.2 as published at <https://app.applebyme.cn/cloud/appshangjia/2017.html>).
//!
//! Authentication: `POST {endpoint}/message/auth`, JSON `appId`, `appKey`, `timestamp` (ms,
//! within ten minutes of vivo's clock) and `sign = md5(appId + appKey + timestamp + appSecret)`
//! in lower-case hex; the answer's `authToken` (valid a day) goes in the `authToken` header of
//! every call. Sending: `POST {endpoint}/message/send`, JSON with `appId`, `regId`, `title`,
//! `content`, `notifyType`, `timeToLive` (seconds), `skipType` 4 + `skipContent` (open the
//! request), `classification` 1 (系统消息: work notices, not the 5-a-day 运营消息 quota) and
//! `category` `TODO`, `requestId` (unique per delivery: vivo drops a repeated request id, so a
//! resend after a crash is not shown twice) and the data in `clientCustomMap`.
//!
//! Answers (`result`): `0` sent; `10302` (the regId is not valid for this app) removes the
//! device; `10000` (authentication failed: the token expired) exchanges a new token once;
//! `10070` (daily total exceeded), `10071` (sending too fast) and HTTP 429/5xx retry; anything
//! else fails with the code. vivo's code table was only partly in the search results (the auth
//! codes `10200`…); `10302`, `10070`, `10071` follow the 2.7.0 PDF above.

use std::time::Duration;

use serde_json::{json, Value};

use super::http::{self, retry_after, Answer, TokenCache};
use super::{PushMessage, PushSender, SendOutcome};
pub use crate::config::VivoSettings;
use crate::notifications::model::PushProvider;

pub fn sign(app_id: &str, app_key: &str, timestamp: &str, app_secret: &str) -> String {
    use md5::{Digest, Md5};
    let digest = Md5::digest(format!("{app_id}{app_key}{timestamp}{app_secret}").trim().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

pub struct VivoSender {
    http: reqwest::Client,
    settings: VivoSettings,
    tokens: TokenCache,
}

impl VivoSender {
    pub fn new(settings: VivoSettings) -> Result<VivoSender, String> {
        settings
            .app_id
            .parse::<i64>()
            .map_err(|_| "ZHITONG_VIVO_APP_ID must be vivo's numeric app id".to_string())?;
        Ok(VivoSender {
            http: http::client()?,
            settings,
            tokens: TokenCache::default(),
        })
    }

    fn app_id(&self) -> i64 {
        self.settings.app_id.parse().unwrap_or_default()
    }

    async fn auth(&self) -> Result<(String, Duration), String> {
        let timestamp = chrono::Utc::now().timestamp_millis();
        let sign = sign(
            &self.settings.app_id,
            &self.settings.app_key,
            &timestamp.to_string(),
            self.settings.app_secret.expose(),
        );
        let url = format!("{}/message/auth", self.settings.endpoint.trim_end_matches('/'));
        let response = self
            .http
            .post(url)
            .json(&json!({ "appId": self.app_id(), "appKey": self.settings.app_key, "timestamp": timestamp, "sign": sign }))
            .send()
            .await
            .map_err(|e| format!("vivo auth unreachable: {e}"))?;
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        match body["authToken"].as_str() {
            Some(token) if body["result"] == 0 => Ok((token.to_string(), Duration::from_secs(24 * 3600))),
            _ => Err(format!("vivo auth {status} {}", body["result"]).trim().to_string()),
        }
    }

    pub fn body(message: &PushMessage, app_id: i64) -> Value {
        json!({
            "appId": app_id,
            "regId": message.token,
            "notifyType": 4,
            "title": message.title,
            "content": message.body,
            "timeToLive": message.ttl.as_secs().clamp(60, 7 * 24 * 3600),
            "skipType": 4,
            "skipContent": message.click_intent(),
            "networkType": -1,
            "classification": 1,
            "category": "TODO",
            "requestId": format!("zt-{}", message.delivery_id),
            "clientCustomMap": message.data,
        })
    }

    async fn post(&self, token: String, message: PushMessage) -> Answer {
        let url = format!("{}/message/send", self.settings.endpoint.trim_end_matches('/'));
        let response = self
            .http
            .post(url)
            .header("authToken", token)
            .json(&Self::body(&message, self.app_id()))
            .send()
            .await;
        let response = match response {
            Ok(r) => r,
            Err(e) => return Answer::Final(http::unreachable("vivo", e)),
        };
        let status = response.status().as_u16();
        let after = retry_after(response.headers());
        let body: Value = response.json().await.unwrap_or(Value::Null);
        let code = body["result"].as_i64().map(|c| c.to_string()).unwrap_or_default();
        let error = format!("vivo {status} {code}").trim().to_string();
        Answer::Final(match code.as_str() {
            "0" if status == 200 => SendOutcome::Sent,
            "10302" => SendOutcome::Unregistered(error),
            "10000" => return Answer::AuthRejected(error),
            "10070" | "10071" => SendOutcome::Retry { after, error },
            _ if http::temporary(status) => SendOutcome::Retry { after, error },
            _ => SendOutcome::Failed(error),
        })
    }
}

#[async_trait::async_trait]
impl PushSender for VivoSender {
    fn provider(&self) -> PushProvider {
        PushProvider::Vivo
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
    fn the_sign_is_md5_of_id_key_time_and_secret() {
        // `printf %s 10004app-key1501484120000secret | md5sum`
        assert_eq!(
            super::sign("10004", "app-key", "1501484120000", "secret"),
            "4ef19551fec77d198a8b9bba971428f3"
        );
    }
}
