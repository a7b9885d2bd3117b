//! Tencent Cloud SMS: `SendSms`, version 2021-01-11, at sms.tencentcloudapi.com, signed with
//! TC3-HMAC-SHA256 (signature v3).
//!
//! - SendSms (2021-01-11): <https://cloud.tencent.cn/document/product/409/55981>
//!   (English, older version: <https://www.tencentcloud.com/document/product/382/34859>)
//! - Signature v3 (TC3-HMAC-SHA256, the same for every Tencent Cloud API):
//!   <https://www.tencentcloud.com/document/product/267/37447>
//! - Error codes: the SendSms page's list (`LimitExceeded.PhoneNumberDailyLimit`, …).
//!
//! Tencent answers HTTP 200 also for errors: the request's own error is `Response.Error.Code`,
//! and each number's outcome is a `Response.SendStatusSet[].Code` (`Ok` when accepted).

use std::collections::BTreeMap;

use chrono::{TimeZone, Utc};
use serde_json::{json, Value};

use super::sender::{self, SmsMessage, SmsOutcome, SmsSender};
use crate::config::TencentSms;

pub const ACTION: &str = "SendSms";
pub const VERSION: &str = "2021-01-11";
pub const SERVICE: &str = "sms";
pub const ALGORITHM: &str = "TC3-HMAC-SHA256";
pub const CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// Code prefixes that mean "later": rate limits, per-number frequency limits, quotas and the
/// package balance, Tencent's internal errors.
const RETRY_PREFIXES: &[&str] = &[
    "RequestLimitExceeded",
    "LimitExceeded.PhoneNumberDailyLimit",
    "LimitExceeded.PhoneNumberOneHourLimit",
    "LimitExceeded.PhoneNumberThirtySecondLimit",
    "LimitExceeded.PhoneNumberSameContentDailyLimit",
    "LimitExceeded.DeliveryFrequencyLimit",
    "LimitExceeded.AppDailyLimit",
    "LimitExceeded.AppGlobalDailyLimit",
    "LimitExceeded.AppMainlandChinaDailyLimit",
    "FailedOperation.InsufficientBalanceInSmsPackage",
    "InternalError",
    "ResourceUnavailable",
];

fn retryable(code: &str) -> bool {
    RETRY_PREFIXES.iter().any(|prefix| code.starts_with(prefix))
}

/// The `Authorization` value for a POST of `payload` to `/` at `host`, at `timestamp` (seconds).
pub fn authorization(secret_id: &str, secret_key: &str, host: &str, payload: &[u8], timestamp: i64) -> String {
    let canonical_headers = format!(
        "content-type:{CONTENT_TYPE}\nhost:{host}\nx-tc-action:{}\n",
        ACTION.to_ascii_lowercase()
    );
    let signed_headers = "content-type;host;x-tc-action";
    let canonical_request = format!(
        "POST\n/\n\n{canonical_headers}\n{signed_headers}\n{}",
        sender::sha256_hex(payload)
    );
    let date = Utc
        .timestamp_opt(timestamp, 0)
        .single()
        .unwrap_or_default()
        .format("%Y-%m-%d")
        .to_string();
    let scope = format!("{date}/{SERVICE}/tc3_request");
    let string_to_sign = format!(
        "{ALGORITHM}\n{timestamp}\n{scope}\n{}",
        sender::sha256_hex(canonical_request.as_bytes())
    );
    let secret_date = sender::hmac_sha256(format!("TC3{secret_key}").as_bytes(), date.as_bytes());
    let secret_service = sender::hmac_sha256(&secret_date, SERVICE.as_bytes());
    let secret_signing = sender::hmac_sha256(&secret_service, b"tc3_request");
    let signature = sender::hex(&sender::hmac_sha256(&secret_signing, string_to_sign.as_bytes()));
    format!("{ALGORITHM} Credential={secret_id}/{scope}, SignedHeaders={signed_headers}, Signature={signature}")
}

pub struct TencentSender {
    http: reqwest::Client,
    credentials: TencentSms,
    sign_name: String,
    templates: BTreeMap<String, String>,
    url: reqwest::Url,
}

impl TencentSender {
    pub fn new(
        credentials: TencentSms,
        sign_name: String,
        templates: BTreeMap<String, String>,
    ) -> Result<TencentSender, String> {
        let url = reqwest::Url::parse(&format!("{}/", credentials.endpoint))
            .map_err(|e| format!("ZHITONG_TENCENT_SMS_ENDPOINT: {e}"))?;
        Ok(TencentSender {
            http: sender::http_client()?,
            credentials,
            sign_name,
            templates: sender::template_table(templates),
            url,
        })
    }

    fn body(&self, message: &SmsMessage) -> Value {
        json!({
            "PhoneNumberSet": [format!("+86{}", message.phone)],
            "SmsSdkAppId": self.credentials.sdk_app_id,
            "SignName": self.sign_name,
            "TemplateId": message.template,
            "TemplateParamSet": [message.number],
            "SessionContext": message.out_id,
        })
    }

    fn classify(status: u16, body: &Value, after: Option<std::time::Duration>) -> SmsOutcome {
        let response = &body["Response"];
        let (code, message) = match response["Error"]["Code"].as_str() {
            Some(code) => (
                code.to_string(),
                response["Error"]["Message"].as_str().unwrap_or_default(),
            ),
            None => {
                let first = &response["SendStatusSet"][0];
                match first["Code"].as_str() {
                    Some("Ok") if status == 200 => {
                        return SmsOutcome::Sent {
                            code: "Ok".into(),
                            message_id: first["SerialNo"].as_str().map(str::to_string),
                        }
                    }
                    Some(code) => (code.to_string(), first["Message"].as_str().unwrap_or_default()),
                    None => (format!("HTTP {status}"), "no SendStatusSet in the answer"),
                }
            }
        };
        let error = format!("Tencent Cloud SMS {status} {code}: {message}");
        if retryable(&code) || status == 429 || status >= 500 {
            SmsOutcome::Retry { code, error, after }
        } else {
            SmsOutcome::Failed { code, error }
        }
    }
}

#[async_trait::async_trait]
impl SmsSender for TencentSender {
    fn provider(&self) -> &'static str {
        "tencent"
    }

    fn template(&self, kind: &str) -> Option<&str> {
        self.templates.get(kind).map(String::as_str)
    }

    async fn send(&self, message: &SmsMessage) -> SmsOutcome {
        let payload = self.body(message).to_string().into_bytes();
        let host = sender::host_of(&self.url);
        let timestamp = Utc::now().timestamp();
        let authorization = authorization(
            &self.credentials.secret_id,
            &self.credentials.secret_key,
            &host,
            &payload,
            timestamp,
        );
        let response = self
            .http
            .post(self.url.clone())
            .header("host", host)
            .header("content-type", CONTENT_TYPE)
            .header("x-tc-action", ACTION)
            .header("x-tc-version", VERSION)
            .header("x-tc-timestamp", timestamp.to_string())
            .header("x-tc-region", &self.credentials.region)
            .header("authorization", authorization)
            .body(payload)
            .send()
            .await;
        sender::read_answer("Tencent Cloud SMS", response, Self::classify).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The credential scope carries the UTC date of the timestamp and the service; the payload
    /// is part of what is signed. (The fake server checks the whole signature.)
    #[test]
    fn the_signing_key_chain_matches_the_definition() {
        let auth = authorization("AKIDEXAMPLE", "SECRET", "sms.tencentcloudapi.com", b"{}", 1_551_113_065);
        assert!(auth.starts_with("TC3-HMAC-SHA256 Credential=AKIDEXAMPLE/2019-02-25/sms/tc3_request, "));
        assert!(auth.contains("SignedHeaders=content-type;host;x-tc-action, Signature="));
        let signature = auth.rsplit("Signature=").next().unwrap();
        assert_eq!(signature.len(), 64);
        assert_ne!(
            signature,
            authorization(
                "AKIDEXAMPLE",
                "SECRET",
                "sms.tencentcloudapi.com",
                b"{ }",
                1_551_113_065
            )
            .rsplit("Signature=")
            .next()
            .unwrap(),
            "the payload is signed"
        );
    }

    #[test]
    fn codes_are_classified() {
        let ok = json!({ "Response": { "SendStatusSet": [{ "Code": "Ok", "SerialNo": "2028:1" }], "RequestId": "r" } });
        assert!(matches!(
            TencentSender::classify(200, &ok, None),
            SmsOutcome::Sent { message_id: Some(id), .. } if id == "2028:1"
        ));
        let limit = json!({ "Response": { "SendStatusSet": [{ "Code": "LimitExceeded.PhoneNumberDailyLimit" }] } });
        assert!(matches!(
            TencentSender::classify(200, &limit, None),
            SmsOutcome::Retry { .. }
        ));
        let invalid =
            json!({ "Response": { "SendStatusSet": [{ "Code": "InvalidParameterValue.IncorrectPhoneNumber" }] } });
        assert!(matches!(
            TencentSender::classify(200, &invalid, None),
            SmsOutcome::Failed { .. }
        ));
        let auth = json!({ "Response": { "Error": { "Code": "AuthFailure.SignatureFailure", "Message": "x" } } });
        assert!(matches!(
            TencentSender::classify(200, &auth, None),
            SmsOutcome::Failed { code, .. } if code == "AuthFailure.SignatureFailure"
        ));
        let busy = json!({ "Response": { "Error": { "Code": "InternalError.Timeout" } } });
        assert!(matches!(
            TencentSender::classify(200, &busy, None),
            SmsOutcome::Retry { .. }
        ));
    }
}
