//! Alibaba Cloud SMS: `SendSms` of dysmsapi (RPC style, version 2017-05-25), signed with the
//! V3 signature `ACS3-HMAC-SHA256`, the one Alibaba Cloud recommends over the older V2 RPC
//! signature (HMAC-SHA1).
//!
//! - Signature V3: <https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature>
//!   (中文: <https://help.aliyun.com/zh/resource-management/common-parameters>)
//! - SendSms: <https://help.aliyun.com/zh/sms/developer-reference/api-dysmsapi-2017-05-25-sendsms>
//! - Error codes: the SendSms page's list (`isv.BUSINESS_LIMIT_CONTROL`, `isv.MOBILE_NUMBER_ILLEGAL`, …).
//!
//! An RPC-style operation carries its parameters in the query string; the body is empty, so
//! `x-acs-content-sha256` is the SHA-256 of the empty string.

use std::collections::BTreeMap;

use chrono::Utc;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::Value;

use super::sender::{self, SmsMessage, SmsOutcome, SmsSender};
use crate::config::AliyunSms;

pub const ACTION: &str = "SendSms";
pub const VERSION: &str = "2017-05-25";
pub const ALGORITHM: &str = "ACS3-HMAC-SHA256";

/// RFC 3986 encoding: everything but `A–Z a–z 0–9 - _ . ~` is percent-encoded (a space is
/// `%20`), as the V3 signature requires for the canonical query string.
const RFC3986: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

fn encode(text: &str) -> String {
    utf8_percent_encode(text, RFC3986).to_string()
}

/// Codes that mean "later": flow control, daily quotas, the balance, the platform's own errors.
const RETRY_CODES: &[&str] = &[
    "isv.BUSINESS_LIMIT_CONTROL",
    "isv.DAY_LIMIT_CONTROL",
    "isv.AMOUNT_NOT_ENOUGH",
    "isv.OUT_OF_SERVICE",
    "Throttling.User",
    "Throttling",
    "isp.SYSTEM_ERROR",
    "isp.GATEWAY_ERROR",
    "ServiceUnavailable",
    "InternalError",
];

/// The canonical query string: parameters sorted by name, names and values RFC 3986-encoded.
pub fn canonical_query(params: &BTreeMap<&str, String>) -> String {
    let mut pairs: Vec<(String, String)> = params.iter().map(|(k, v)| (encode(k), encode(v))).collect();
    pairs.sort();
    pairs
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// The signed headers (lower-case names, sorted) and the `Authorization` value for a POST to
/// `/` with `query` and an empty body.
pub fn authorization(
    access_key_id: &str,
    access_key_secret: &str,
    query: &str,
    headers: &BTreeMap<String, String>,
) -> String {
    let canonical_headers: String = headers
        .iter()
        .map(|(name, value)| format!("{name}:{}\n", value.trim()))
        .collect();
    let signed_headers = headers.keys().cloned().collect::<Vec<_>>().join(";");
    let payload_hash = sender::sha256_hex(b"");
    let canonical_request = format!("POST\n/\n{query}\n{canonical_headers}\n{signed_headers}\n{payload_hash}");
    let string_to_sign = format!("{ALGORITHM}\n{}", sender::sha256_hex(canonical_request.as_bytes()));
    let signature = sender::hex(&sender::hmac_sha256(
        access_key_secret.as_bytes(),
        string_to_sign.as_bytes(),
    ));
    format!("{ALGORITHM} Credential={access_key_id},SignedHeaders={signed_headers},Signature={signature}")
}

pub struct AliyunSender {
    http: reqwest::Client,
    credentials: AliyunSms,
    sign_name: String,
    templates: BTreeMap<String, String>,
    url: reqwest::Url,
}

impl AliyunSender {
    pub fn new(
        credentials: AliyunSms,
        sign_name: String,
        templates: BTreeMap<String, String>,
    ) -> Result<AliyunSender, String> {
        let url = reqwest::Url::parse(&format!("{}/", credentials.endpoint))
            .map_err(|e| format!("ZHITONG_ALIYUN_SMS_ENDPOINT: {e}"))?;
        Ok(AliyunSender {
            http: sender::http_client()?,
            credentials,
            sign_name,
            templates: sender::template_table(templates),
            url,
        })
    }

    fn classify(status: u16, body: &Value, after: Option<std::time::Duration>) -> SmsOutcome {
        let code = body["Code"].as_str().unwrap_or_default().to_string();
        let message = body["Message"].as_str().unwrap_or_default();
        if status == 200 && code == "OK" {
            return SmsOutcome::Sent {
                code,
                message_id: body["BizId"].as_str().map(str::to_string),
            };
        }
        let code = if code.is_empty() {
            format!("HTTP {status}")
        } else {
            code
        };
        let error = format!("Alibaba Cloud SMS {status} {code}: {message}");
        if RETRY_CODES.contains(&code.as_str()) || status == 429 || status >= 500 {
            SmsOutcome::Retry { code, error, after }
        } else {
            SmsOutcome::Failed { code, error }
        }
    }
}

#[async_trait::async_trait]
impl SmsSender for AliyunSender {
    fn provider(&self) -> &'static str {
        "aliyun"
    }

    fn template(&self, kind: &str) -> Option<&str> {
        self.templates.get(kind).map(String::as_str)
    }

    async fn send(&self, message: &SmsMessage) -> SmsOutcome {
        let params = BTreeMap::from([
            ("PhoneNumbers", message.phone.clone()),
            ("SignName", self.sign_name.clone()),
            ("TemplateCode", message.template.clone()),
            (
                "TemplateParam",
                serde_json::json!({ "number": message.number }).to_string(),
            ),
            ("OutId", message.out_id.clone()),
        ]);
        let query = canonical_query(&params);
        let headers = BTreeMap::from([
            ("host".to_string(), sender::host_of(&self.url)),
            ("x-acs-action".to_string(), ACTION.to_string()),
            ("x-acs-version".to_string(), VERSION.to_string()),
            (
                "x-acs-date".to_string(),
                Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            ),
            (
                "x-acs-signature-nonce".to_string(),
                uuid::Uuid::new_v4().simple().to_string(),
            ),
            ("x-acs-content-sha256".to_string(), sender::sha256_hex(b"")),
        ]);
        let authorization = authorization(
            &self.credentials.access_key_id,
            &self.credentials.access_key_secret,
            &query,
            &headers,
        );
        let mut url = self.url.clone();
        url.set_query(Some(&query));
        let mut request = self.http.post(url).header("authorization", authorization);
        for (name, value) in &headers {
            request = request.header(name.as_str(), value.as_str());
        }
        sender::read_answer("Alibaba Cloud SMS", request.send().await, Self::classify).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_query_is_sorted_and_rfc3986_encoded() {
        let params = BTreeMap::from([
            ("TemplateParam", "{\"number\":\"QY-1\"}".to_string()),
            ("SignName", "直通 园区".to_string()),
            ("OutId", "a~b*c".to_string()),
        ]);
        assert_eq!(
            canonical_query(&params),
            "OutId=a~b%2Ac&SignName=%E7%9B%B4%E9%80%9A%20%E5%9B%AD%E5%8C%BA&TemplateParam=%7B%22number%22%3A%22QY-1%22%7D"
        );
    }

    #[test]
    fn codes_are_classified() {
        assert!(matches!(
            AliyunSender::classify(200, &json!({ "Code": "OK", "BizId": "9^0" }), None),
            SmsOutcome::Sent { message_id: Some(id), .. } if id == "9^0"
        ));
        assert!(matches!(
            AliyunSender::classify(200, &json!({ "Code": "isv.BUSINESS_LIMIT_CONTROL" }), None),
            SmsOutcome::Retry { .. }
        ));
        assert!(matches!(
            AliyunSender::classify(200, &json!({ "Code": "isv.MOBILE_NUMBER_ILLEGAL" }), None),
            SmsOutcome::Failed { code, .. } if code == "isv.MOBILE_NUMBER_ILLEGAL"
        ));
        assert!(matches!(
            AliyunSender::classify(503, &Value::Null, None),
            SmsOutcome::Retry { .. }
        ));
        assert!(matches!(
            AliyunSender::classify(200, &json!({ "Code": "isv.SOMETHING_NEW" }), None),
            SmsOutcome::Failed { .. }
        ));
    }
}
