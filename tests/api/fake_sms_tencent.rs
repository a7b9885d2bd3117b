//! A stand-in for Tencent Cloud SMS (`SendSms`, 2021-01-11) on a loopback port. It recomputes
//! the TC3-HMAC-SHA256 signature of every request from what arrived, exactly as
//! <https://www.tencentcloud.com/document/product/267/37447> defines it, checks the common headers
//! (X-TC-Action, X-TC-Version, X-TC-Timestamp, X-TC-Region) and the SendSms body
//! (<https://cloud.tencent.cn/document/product/409/55981>), and answers like the service: HTTP 200
//! with `Response.SendStatusSet[].Code` "Ok", a per-number error code, or `Response.Error`.

use std::collections::VecDeque;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use chrono::TimeZone;
use hmac::Mac;
use serde_json::{json, Value};
use sha2::Digest;

pub use crate::fake_sms_aliyun::Answer;

pub const SECRET_ID: &str = "AKIDfakeSecretId0123456789";
pub const SECRET_KEY: &str = "fake-secret-key-0123456789abcdef";
pub const SDK_APP_ID: &str = "1400006666";
pub const SIGN_NAME: &str = "园区直通";

#[derive(Default)]
struct Inner {
    accepted: Vec<Value>,
    attempts: usize,
    rejected: Vec<String>,
    script: VecDeque<Answer>,
}

pub struct FakeTencent {
    pub address: String,
    inner: Arc<Mutex<Inner>>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hmac256(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn error(code: &str, message: &str) -> HttpResponse {
    HttpResponse::Ok()
        .json(json!({ "Response": { "Error": { "Code": code, "Message": message }, "RequestId": request_id() } }))
}

fn header<'a>(request: &'a HttpRequest, name: &str) -> Option<&'a str> {
    request.headers().get(name).and_then(|v| v.to_str().ok())
}

fn verify(request: &HttpRequest, body: &[u8]) -> Result<(), (&'static str, String)> {
    for name in [
        "host",
        "content-type",
        "x-tc-action",
        "x-tc-version",
        "x-tc-timestamp",
        "x-tc-region",
        "authorization",
    ] {
        if header(request, name).is_none_or(|v| v.is_empty()) {
            return Err(("MissingParameter", format!("the header {name} is missing")));
        }
    }
    if header(request, "x-tc-action") != Some("SendSms") {
        return Err(("InvalidAction", "the action is not SendSms".into()));
    }
    if header(request, "x-tc-version") != Some("2021-01-11") {
        return Err(("NoSuchVersion", "the version is not 2021-01-11".into()));
    }
    let timestamp: i64 = header(request, "x-tc-timestamp")
        .and_then(|t| t.parse().ok())
        .ok_or(("InvalidParameter", "X-TC-Timestamp is not a number".to_string()))?;
    if (chrono::Utc::now().timestamp() - timestamp).abs() > 300 {
        return Err(("AuthFailure.SignatureExpire", "the signature expired".into()));
    }
    let rest = header(request, "authorization")
        .unwrap()
        .strip_prefix("TC3-HMAC-SHA256 ")
        .ok_or(("AuthFailure.InvalidAuthorization", "not TC3-HMAC-SHA256".to_string()))?;
    let parts: std::collections::BTreeMap<&str, &str> = rest.split(", ").filter_map(|p| p.split_once('=')).collect();
    let (Some(credential), Some(signed), Some(signature)) = (
        parts.get("Credential"),
        parts.get("SignedHeaders"),
        parts.get("Signature"),
    ) else {
        return Err((
            "AuthFailure.InvalidAuthorization",
            "Credential, SignedHeaders and Signature are required".into(),
        ));
    };
    let mut credential = credential.split('/');
    let (id, date, service, terminator) = (
        credential.next(),
        credential.next(),
        credential.next(),
        credential.next(),
    );
    if id != Some(SECRET_ID) {
        return Err(("AuthFailure.SecretIdNotFound", "the SecretId is not found".into()));
    }
    let expected_date = chrono::Utc
        .timestamp_opt(timestamp, 0)
        .unwrap()
        .format("%Y-%m-%d")
        .to_string();
    if date != Some(expected_date.as_str()) || service != Some("sms") || terminator != Some("tc3_request") {
        return Err((
            "AuthFailure.InvalidAuthorization",
            "the credential scope is wrong".into(),
        ));
    }
    let signed: Vec<&str> = signed.split(';').collect();
    if !signed.contains(&"content-type") || !signed.contains(&"host") {
        return Err((
            "AuthFailure.InvalidAuthorization",
            "content-type and host must be signed".into(),
        ));
    }
    // Header names and values lower-cased and trimmed, in the order SignedHeaders lists them.
    let headers: String = signed
        .iter()
        .map(|name| {
            format!(
                "{name}:{}\n",
                header(request, name).unwrap_or("").trim().to_ascii_lowercase()
            )
        })
        .collect();
    let canonical = format!(
        "{}\n{}\n{}\n{headers}\n{}\n{}",
        request.method(),
        request.path(),
        request.query_string(),
        signed.join(";"),
        hex(&sha2::Sha256::digest(body))
    );
    let scope = format!("{expected_date}/sms/tc3_request");
    let string_to_sign = format!(
        "TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{}",
        hex(&sha2::Sha256::digest(canonical.as_bytes()))
    );
    let key = hmac256(
        &hmac256(
            &hmac256(format!("TC3{SECRET_KEY}").as_bytes(), expected_date.as_bytes()),
            b"sms",
        ),
        b"tc3_request",
    );
    if hex(&hmac256(&key, string_to_sign.as_bytes())) != *signature {
        return Err((
            "AuthFailure.SignatureFailure",
            "The provided credentials could not be validated.".into(),
        ));
    }
    Ok(())
}

async fn send(request: HttpRequest, body: web::Bytes, inner: web::Data<Arc<Mutex<Inner>>>) -> HttpResponse {
    inner.lock().unwrap().attempts += 1;
    if let Err((code, message)) = verify(&request, &body) {
        inner.lock().unwrap().rejected.push(code.to_string());
        return error(code, &message);
    }
    let body: Value = match serde_json::from_slice(&body) {
        Ok(body) => body,
        Err(_) => return error("InvalidParameter", "the body is not JSON"),
    };
    let phones = body["PhoneNumberSet"].as_array().cloned().unwrap_or_default();
    let phone_ok = phones.len() == 1
        && phones[0]
            .as_str()
            .and_then(|p| p.strip_prefix("+86"))
            .is_some_and(|p| p.len() == 11 && p.bytes().all(|b| b.is_ascii_digit()));
    let params_ok = body["TemplateParamSet"]
        .as_array()
        .is_some_and(|set| set.iter().all(Value::is_string));
    if !phone_ok
        || body["SmsSdkAppId"] != SDK_APP_ID
        || body["SignName"] != SIGN_NAME
        || body["TemplateId"]
            .as_str()
            .is_none_or(|t| t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()))
        || !params_ok
        || body["SessionContext"].as_str().is_none_or(str::is_empty)
    {
        inner.lock().unwrap().rejected.push("InvalidParameterValue".into());
        return error("InvalidParameterValue", &format!("bad parameters: {body}"));
    }
    let phone = phones[0].as_str().unwrap().to_string();
    let status = |code: &str, message: &str| {
        HttpResponse::Ok().json(json!({ "Response": { "SendStatusSet": [{
            "SerialNo": "", "PhoneNumber": phone, "Fee": 0, "SessionContext": body["SessionContext"],
            "Code": code, "Message": message, "IsoCode": "CN" }], "RequestId": request_id() } }))
    };
    let answer = inner.lock().unwrap().script.pop_front();
    match answer {
        Some(Answer::Quota) => status(
            "LimitExceeded.PhoneNumberDailyLimit",
            "the number's daily limit is reached",
        ),
        Some(Answer::InvalidNumber) => status("InvalidParameterValue.IncorrectPhoneNumber", "incorrect phone number"),
        Some(Answer::ServerError(after)) => {
            let mut response = HttpResponse::ServiceUnavailable();
            if let Some(after) = after {
                response.insert_header(("Retry-After", after.to_string()));
            }
            response.json(json!({ "Response": { "Error": { "Code": "InternalError.Timeout", "Message": "timeout" }, "RequestId": request_id() } }))
        }
        None => {
            let mut inner = inner.lock().unwrap();
            inner.accepted.push(body.clone());
            let serial = format!("2028:{}", 6_000_000 + inner.accepted.len());
            HttpResponse::Ok().json(json!({ "Response": { "SendStatusSet": [{
                "SerialNo": serial, "PhoneNumber": phone, "Fee": 1, "SessionContext": body["SessionContext"],
                "Code": "Ok", "Message": "send success", "IsoCode": "CN" }], "RequestId": request_id() } }))
        }
    }
}

impl FakeTencent {
    pub async fn start() -> FakeTencent {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let data = web::Data::new(inner.clone());
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        let server = HttpServer::new(move || App::new().app_data(data.clone()).route("/", web::post().to(send)))
            .workers(1)
            .listen(listener)
            .unwrap()
            .run();
        actix_web::rt::spawn(server);
        FakeTencent { address, inner }
    }

    pub fn script(&self, answers: &[Answer]) {
        self.inner.lock().unwrap().script = answers.iter().copied().collect();
    }

    /// The accepted request bodies.
    pub fn accepted(&self) -> Vec<Value> {
        self.inner.lock().unwrap().accepted.clone()
    }

    pub fn attempts(&self) -> usize {
        self.inner.lock().unwrap().attempts
    }

    pub fn rejected(&self) -> Vec<String> {
        self.inner.lock().unwrap().rejected.clone()
    }
}
