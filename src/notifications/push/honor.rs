//! Honor Push, server API: Honor's 发送下行消息 guide
//! (<https://developer.honor.com/cn/docs/11002/guides/kit-history>, as published at
//! <https://my.oschina.net/u/5873522/blog/10140231>). An access token by OAuth 2.0 client
//! credentials (`POST https://iam.developer.honor.com/auth/realms/developer/protocol/openid-connect/token`,
//! form `grant_type=client_credentials`, `client_id`, `client_secret`), then
//! `POST {endpoint}/api/v1/{appId}/sendMessage` with `Authorization: Bearer …` and a
//! `timestamp` header (milliseconds).
//!
//! The message is classified as a service notice (`importance = NORMAL`, 服务与通讯, not
//! marketing), with `android.ttl`, `notification.tag`, the data as a JSON string and the click
//! intent to the request.
//!
//! Answers: `code` 200 is success. Honor's 下行消息响应码 page was not among the search results;
//! Honor's codes follow Huawei Push Kit's numbering (Honor's server API was derived from it), so
//! they are read as Huawei's are ([`super::huawei::read_answer`]): `80300007` removes the
//! device, `80200001`/`80200003` refresh the token once, `81000001` and 429/5xx retry, anything
//! else fails with the code.

use serde_json::{json, Value};

use super::http::{self, retry_after, Answer, TokenCache};
use super::huawei::{client_credentials, read_answer, OAuthAppSettings};
use super::{PushMessage, PushSender, SendOutcome};
use crate::notifications::model::PushProvider;

pub struct HonorSender {
    http: reqwest::Client,
    settings: OAuthAppSettings,
    tokens: TokenCache,
}

impl HonorSender {
    pub fn new(settings: OAuthAppSettings) -> Result<HonorSender, String> {
        Ok(HonorSender {
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
            "clickAction": { "type": 1, "intent": message.click_intent() },
        });
        if let (Some(class), Some(badge)) = (badge_class, message.badge) {
            notification["badge"] = json!({ "badgeClass": class, "setNum": badge });
        }
        json!({
            "data": message.data_json(),
            "android": {
                "ttl": format!("{}s", message.ttl.as_secs()),
                "biTag": message.tag,
                "notification": notification,
            },
            "token": [message.token],
        })
    }

    async fn post(&self, token: String, message: PushMessage) -> Answer {
        let url = format!(
            "{}/api/v1/{}/sendMessage",
            self.settings.endpoint.trim_end_matches('/'),
            self.settings.app_id
        );
        let response = self
            .http
            .post(url)
            .bearer_auth(token)
            .header("timestamp", chrono::Utc::now().timestamp_millis().to_string())
            .json(&Self::body(&message, self.settings.badge_class.as_deref()))
            .send()
            .await;
        match response {
            Ok(r) => {
                let status = r.status().as_u16();
                let after = retry_after(r.headers());
                let body: Value = r.json().await.unwrap_or(Value::Null);
                read_answer("Honor", status, &body, after, &message.token)
            }
            Err(e) => Answer::Final(http::unreachable("Honor", e)),
        }
    }
}

#[async_trait::async_trait]
impl PushSender for HonorSender {
    fn provider(&self) -> PushProvider {
        PushProvider::Honor
    }

    async fn send(&self, message: &PushMessage) -> SendOutcome {
        http::send_with_refresh(
            &self.tokens,
            || client_credentials(&self.http, "Honor", &self.settings),
            |token, message| self.post(token, message),
            message,
        )
        .await
    }
}
