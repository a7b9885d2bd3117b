//! What the SMS worker talks to: one `SmsSender` per provider, built from the configuration.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::config::{SmsConfig, SmsProviderName};

/// One SMS: a pre-approved template and its single parameter, the request number.
#[derive(Debug, Clone)]
pub struct SmsMessage {
    /// 11-digit mainland mobile number.
    pub phone: String,
    /// The provider's template code (Alibaba) or id (Tencent).
    pub template: String,
    /// The request number the template names.
    pub number: String,
    /// Our id for the message (the notification's), echoed back by the provider.
    pub out_id: String,
}

/// What the provider said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmsOutcome {
    /// Accepted, with the provider's code and its id for the message.
    Sent { code: String, message_id: Option<String> },
    /// A quota or server error: try again, no earlier than `after` when the provider said so.
    Retry {
        code: String,
        error: String,
        after: Option<Duration>,
    },
    /// Refused for good (an invalid number, a template problem, or a code we do not know).
    Failed { code: String, error: String },
}

#[async_trait::async_trait]
pub trait SmsSender: Send + Sync + 'static {
    /// `aliyun` or `tencent`.
    fn provider(&self) -> &'static str;
    /// The template of a notice kind, if one is configured.
    fn template(&self, kind: &str) -> Option<&str>;
    async fn send(&self, message: &SmsMessage) -> SmsOutcome;
}

/// The sender this configuration asks for, or why there is none (then SMS are held).
pub fn sender_for(config: &SmsConfig) -> Result<Arc<dyn SmsSender>, String> {
    let provider = config.provider.ok_or("no ZHITONG_SMS_PROVIDER is set")?;
    let sign_name = config.sign_name.clone().ok_or("ZHITONG_SMS_SIGN_NAME is not set")?;
    let templates = config.templates.clone();
    match provider {
        SmsProviderName::Aliyun => {
            let credentials = config
                .aliyun
                .clone()
                .ok_or("ZHITONG_ALIYUN_SMS_ACCESS_KEY_ID and ZHITONG_ALIYUN_SMS_ACCESS_KEY_SECRET are not both set")?;
            Ok(Arc::new(super::aliyun::AliyunSender::new(
                credentials,
                sign_name,
                templates,
            )?))
        }
        SmsProviderName::Tencent => {
            let credentials = config.tencent.clone().ok_or(
                "ZHITONG_TENCENT_SMS_SECRET_ID, ZHITONG_TENCENT_SMS_SECRET_KEY and ZHITONG_TENCENT_SMS_SDK_APP_ID are not all set",
            )?;
            Ok(Arc::new(super::tencent::TencentSender::new(
                credentials,
                sign_name,
                templates,
            )?))
        }
    }
}

pub(crate) fn http_client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .connect_timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| format!("HTTP client: {e}"))
}

/// `Retry-After` as delay-seconds or an HTTP date (RFC 9110 §10.2.3).
/// Reads a provider's answer to a send: unreachable is a retry; otherwise the provider's
/// `classify` judges the HTTP status, the JSON body and `Retry-After`.
pub(crate) async fn read_answer(
    provider: &str,
    response: reqwest::Result<reqwest::Response>,
    classify: impl FnOnce(u16, &serde_json::Value, Option<Duration>) -> SmsOutcome,
) -> SmsOutcome {
    let response = match response {
        Ok(response) => response,
        Err(e) => {
            return SmsOutcome::Retry {
                code: "UNREACHABLE".into(),
                error: format!("{provider} unreachable: {e}"),
                after: None,
            }
        }
    };
    let status = response.status().as_u16();
    let after = retry_after(response.headers());
    let body: serde_json::Value = response.json().await.unwrap_or(serde_json::Value::Null);
    classify(status, &body, after)
}

pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(SystemTime::now()).unwrap_or_default())
}

/// The `Host` a request to `url` carries (with the port when it is not the scheme's default),
/// which both providers sign.
pub(crate) fn host_of(url: &reqwest::Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_string(),
        _ => String::new(),
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    hex(&sha2::Sha256::digest(data))
}

pub(crate) fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    use hmac::Mac;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// Templates with their kinds upper-cased.
pub(crate) fn template_table(templates: BTreeMap<String, String>) -> BTreeMap<String, String> {
    templates
        .into_iter()
        .map(|(kind, code)| (kind.to_ascii_uppercase(), code))
        .collect()
}
