//! Xiaomi MiPush, server API (服务器API地址以及参数,
//! <https://dev.mi.com/xiaomihyperos/documentation/detail?pId=1559>):
//! `POST {endpoint}/v3/message/regid`, form-encoded, with `Authorization: key=<AppSecret>`
//! (the app secret is the credential: there is no token to refresh).
//!
//! The message: `registration_id`, `restricted_package_name`, `title`, `description`,
//! `payload` (the data as JSON), `pass_through=0` (a notification), `notify_id` (a push with the
//! same id replaces the earlier one on the phone: the notification's id), `time_to_live` (ms),
//! `extra.channel_id` (the 私信/service channel registered in the Xiaomi console, so work
//! notices are not counted as 公信 marketing), `extra.notify_effect=2` + `extra.intent_uri`
//! (open the request), and the data keys as `extra.<key>`.
//!
//! Answers: `{"result":"ok","code":0}` is sent — unless `data.bad_regids` lists our token (an
//! invalid reg id), which removes the device, as does code `20301` (no valid targets: the reg id
//! is invalid or unregistered). Xiaomi's error-code page was not among the search results; those
//! two codes and `21301` (authentication failed: a wrong AppSecret, a configuration problem
//! that fails the delivery and keeps the device) follow Xiaomi's Java server SDK `ErrorCode`.
//! HTTP 429/5xx retry; anything else fails with the code.

use serde_json::Value;

use super::http::{self, retry_after};
use super::{PushMessage, PushSender, SendOutcome};
pub use crate::config::XiaomiSettings;
use crate::notifications::model::PushProvider;

pub struct XiaomiSender {
    http: reqwest::Client,
    settings: XiaomiSettings,
}

impl XiaomiSender {
    pub fn new(settings: XiaomiSettings) -> Result<XiaomiSender, String> {
        Ok(XiaomiSender {
            http: http::client()?,
            settings,
        })
    }

    /// The notification id Xiaomi replaces by: a positive 31-bit number from the tag's id.
    fn notify_id(message: &PushMessage) -> String {
        let id: i64 = message
            .data
            .get("notificationId")
            .and_then(|n| n.trim_start_matches("ntf_").parse().ok())
            .unwrap_or(message.delivery_id);
        (id % i64::from(i32::MAX)).to_string()
    }

    pub fn form(message: &PushMessage, settings: &XiaomiSettings) -> Vec<(String, String)> {
        let mut form = vec![
            ("registration_id".to_string(), message.token.clone()),
            ("restricted_package_name".into(), settings.package.clone()),
            ("title".into(), message.title.clone()),
            ("description".into(), message.body.clone()),
            ("payload".into(), message.data_json()),
            ("pass_through".into(), "0".into()),
            ("notify_type".into(), "-1".into()),
            ("notify_id".into(), Self::notify_id(message)),
            ("time_to_live".into(), (message.ttl.as_millis() as u64).to_string()),
            ("extra.channel_id".into(), settings.channel_id.clone()),
            ("extra.notify_effect".into(), "2".into()),
            ("extra.intent_uri".into(), message.click_intent()),
        ];
        for (key, value) in &message.data {
            form.push((format!("extra.{key}"), value.clone()));
        }
        form
    }
}

pub fn classify(status: u16, body: &Value, after: Option<std::time::Duration>, token: &str) -> SendOutcome {
    let code = body["code"].as_i64().map(|c| c.to_string()).unwrap_or_default();
    let error = format!("Xiaomi {status} {code}").trim().to_string();
    let bad = body["data"]["bad_regids"]
        .as_str()
        .is_some_and(|bad| bad.split(',').any(|t| t.trim() == token));
    match code.as_str() {
        "0" if status == 200 && bad => SendOutcome::Unregistered(format!("{error} bad_regids")),
        "0" if status == 200 => SendOutcome::Sent,
        "20301" => SendOutcome::Unregistered(error),
        _ if http::temporary(status) => SendOutcome::Retry { after, error },
        _ => SendOutcome::Failed(error),
    }
}

#[async_trait::async_trait]
impl PushSender for XiaomiSender {
    fn provider(&self) -> PushProvider {
        PushProvider::Xiaomi
    }

    async fn send(&self, message: &PushMessage) -> SendOutcome {
        let url = format!("{}/v3/message/regid", self.settings.endpoint.trim_end_matches('/'));
        let response = self
            .http
            .post(url)
            .header("authorization", format!("key={}", self.settings.app_secret.expose()))
            .form(&Self::form(message, &self.settings))
            .send()
            .await;
        match response {
            Ok(r) => {
                let status = r.status().as_u16();
                let after = retry_after(r.headers());
                let body: Value = r.json().await.unwrap_or(Value::Null);
                classify(status, &body, after, &message.token)
            }
            Err(e) => http::unreachable("Xiaomi", e),
        }
    }
}
