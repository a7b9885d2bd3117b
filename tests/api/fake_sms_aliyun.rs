//! A stand-in for Alibaba Cloud SMS (`SendSms`, dysmsapi 2017-05-25) on a loopback port. It
//! recomputes the V3 signature (`ACS3-HMAC-SHA256`) of every request from what arrived, exactly
//! as <https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature>
//! defines it, checks the common headers and the SendSms parameters
//! (<https://help.aliyun.com/zh/sms/developer-reference/api-dysmsapi-2017-05-25-sendsms>), and
//! answers like the service: `Code` "OK" with a `BizId`, or a documented error code.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use hmac::Mac;
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{json, Value};
use sha2::Digest;

pub const ACCESS_KEY_ID: &str = "LTAI5tFakeAccessKeyId";
pub const ACCESS_KEY_SECRET: &str = "fake-access-key-secret-0123456789";
pub const SIGN_NAME: &str = "园区直通";

/// What the next send is answered with (after the script, sends are accepted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// A quota / flow-control error.
    Quota,
    /// A server error (HTTP 503), with `Retry-After` seconds when given.
    ServerError(Option<u64>),
    /// The number is not valid.
    InvalidNumber,
}

#[derive(Default)]
struct Inner {
    /// The parameters of every accepted send, in order.
    accepted: Vec<BTreeMap<String, String>>,
    attempts: usize,
    /// Requests refused for their signature or headers, with the error code sent.
    rejected: Vec<String>,
    script: VecDeque<Answer>,
    nonces: HashSet<String>,
    delay: Duration,
}

pub struct FakeAliyun {
    pub address: String,
    inner: Arc<Mutex<Inner>>,
}

const RFC3986: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

fn enc(text: &str) -> String {
    utf8_percent_encode(text, RFC3986).to_string()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn error(status: u16, code: &str, message: &str) -> HttpResponse {
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).json(json!({
        "RequestId": uuid::Uuid::new_v4().to_string().to_uppercase(),
        "Code": code, "Message": message, "HostId": "dysmsapi.aliyuncs.com",
    }))
}

fn header<'a>(request: &'a HttpRequest, name: &str) -> Option<&'a str> {
    request.headers().get(name).and_then(|v| v.to_str().ok())
}

/// Checks the request's authentication; Err is the documented error code and message.
fn verify(
    request: &HttpRequest,
    body: &[u8],
    inner: &Mutex<Inner>,
) -> Result<BTreeMap<String, String>, (u16, &'static str, String)> {
    for name in [
        "host",
        "x-acs-action",
        "x-acs-version",
        "x-acs-date",
        "x-acs-signature-nonce",
        "x-acs-content-sha256",
        "authorization",
    ] {
        if header(request, name).is_none_or(|v| v.is_empty()) {
            return Err((400, "MissingParameter", format!("the header {name} is missing")));
        }
    }
    if header(request, "x-acs-action") != Some("SendSms") {
        return Err((400, "InvalidAction.NotFound", "the action is not SendSms".into()));
    }
    if header(request, "x-acs-version") != Some("2017-05-25") {
        return Err((400, "InvalidVersion", "the version is not 2017-05-25".into()));
    }
    let date = chrono::DateTime::parse_from_rfc3339(header(request, "x-acs-date").unwrap()).map_err(|_| {
        (
            400,
            "InvalidTimeStamp.Format",
            "x-acs-date is not ISO 8601 UTC".to_string(),
        )
    })?;
    if (chrono::Utc::now() - date.to_utc()).num_minutes().abs() > 15 {
        return Err((400, "InvalidTimeStamp.Expired", "x-acs-date is too far from now".into()));
    }
    let payload_hash = hex(&sha2::Sha256::digest(body));
    if header(request, "x-acs-content-sha256") != Some(payload_hash.as_str()) {
        return Err((
            400,
            "ContentSHA256NotMatched",
            "x-acs-content-sha256 is not the body's hash".into(),
        ));
    }
    let nonce = header(request, "x-acs-signature-nonce").unwrap().to_string();
    if !inner.lock().unwrap().nonces.insert(nonce) {
        return Err((400, "SignatureNonceUsed", "the signature nonce was used before".into()));
    }
    let authorization = header(request, "authorization").unwrap();
    let rest = authorization.strip_prefix("ACS3-HMAC-SHA256 ").ok_or((
        400,
        "IncompleteSignature",
        "not an ACS3-HMAC-SHA256 authorization".to_string(),
    ))?;
    let parts: BTreeMap<&str, &str> = rest.split(',').filter_map(|p| p.trim().split_once('=')).collect();
    let (Some(key_id), Some(signed), Some(signature)) = (
        parts.get("Credential"),
        parts.get("SignedHeaders"),
        parts.get("Signature"),
    ) else {
        return Err((
            400,
            "IncompleteSignature",
            "Credential, SignedHeaders and Signature are required".into(),
        ));
    };
    if *key_id != ACCESS_KEY_ID {
        return Err((
            404,
            "InvalidAccessKeyId.NotFound",
            "Specified access key is not found.".into(),
        ));
    }
    let signed: Vec<&str> = signed.split(';').collect();
    // host and every x-acs-* header must be signed, in sorted order.
    let mut must: Vec<String> = request
        .headers()
        .keys()
        .map(|k| k.as_str().to_ascii_lowercase())
        .filter(|k| k == "host" || k.starts_with("x-acs-"))
        .collect();
    must.sort();
    must.dedup();
    let mut sorted = signed.clone();
    sorted.sort();
    if sorted != signed || must.iter().any(|m| !signed.contains(&m.as_str())) {
        return Err((
            400,
            "IncompleteSignature",
            "host and the x-acs-* headers must be signed, sorted".into(),
        ));
    }
    // The canonical query string, rebuilt from what arrived.
    let mut params = BTreeMap::new();
    let mut pairs = Vec::new();
    for pair in request.query_string().split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let k = percent_decode_str(k).decode_utf8_lossy().to_string();
        let v = percent_decode_str(v).decode_utf8_lossy().to_string();
        pairs.push((enc(&k), enc(&v)));
        params.insert(k, v);
    }
    pairs.sort();
    let query = pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let headers: String = signed
        .iter()
        .map(|name| format!("{name}:{}\n", header(request, name).unwrap_or("").trim()))
        .collect();
    let canonical = format!(
        "{}\n{}\n{query}\n{headers}\n{}\n{payload_hash}",
        request.method(),
        request.path(),
        signed.join(";")
    );
    let string_to_sign = format!("ACS3-HMAC-SHA256\n{}", hex(&sha2::Sha256::digest(canonical.as_bytes())));
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(ACCESS_KEY_SECRET.as_bytes()).unwrap();
    mac.update(string_to_sign.as_bytes());
    if hex(&mac.finalize().into_bytes()) != *signature {
        return Err((
            400,
            "SignatureDoesNotMatch",
            "Specified signature is not matched with our calculation.".into(),
        ));
    }
    Ok(params)
}

async fn send(request: HttpRequest, body: web::Bytes, inner: web::Data<Arc<Mutex<Inner>>>) -> HttpResponse {
    let delay = inner.lock().unwrap().delay;
    if !delay.is_zero() {
        actix_web::rt::time::sleep(delay).await;
    }
    inner.lock().unwrap().attempts += 1;
    let params = match verify(&request, &body, &inner) {
        Ok(params) => params,
        Err((status, code, message)) => {
            inner.lock().unwrap().rejected.push(code.to_string());
            return error(status, code, &message);
        }
    };
    // The message shape SendSms requires.
    let phone_ok = params
        .get("PhoneNumbers")
        .is_some_and(|p| p.len() == 11 && p.bytes().all(|b| b.is_ascii_digit()));
    let param_ok = params
        .get("TemplateParam")
        .and_then(|p| serde_json::from_str::<Value>(p).ok())
        .is_some_and(|p| p.is_object());
    if !phone_ok
        || params.get("SignName").map(String::as_str) != Some(SIGN_NAME)
        || !param_ok
        || params.get("TemplateCode").is_none_or(|t| !t.starts_with("SMS_"))
        || params.get("OutId").is_none_or(String::is_empty)
    {
        inner.lock().unwrap().rejected.push("isv.INVALID_PARAMETERS".into());
        return error(200, "isv.INVALID_PARAMETERS", &format!("bad parameters: {params:?}"));
    }
    let answer = inner.lock().unwrap().script.pop_front();
    match answer {
        Some(Answer::Quota) => error(200, "isv.BUSINESS_LIMIT_CONTROL", "触发号码天级流控"),
        Some(Answer::ServerError(after)) => {
            let mut response = HttpResponse::ServiceUnavailable();
            if let Some(after) = after {
                response.insert_header(("Retry-After", after.to_string()));
            }
            response.json(json!({ "Code": "ServiceUnavailable", "Message": "The request has failed due to a temporary failure of the server." }))
        }
        Some(Answer::InvalidNumber) => error(200, "isv.MOBILE_NUMBER_ILLEGAL", "非法手机号"),
        None => {
            let mut inner = inner.lock().unwrap();
            inner.accepted.push(params);
            let biz_id = format!("{}^0", 900_000 + inner.accepted.len());
            HttpResponse::Ok().json(json!({
                "Code": "OK", "Message": "OK", "BizId": biz_id,
                "RequestId": uuid::Uuid::new_v4().to_string().to_uppercase(),
            }))
        }
    }
}

impl FakeAliyun {
    pub async fn start() -> FakeAliyun {
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
        FakeAliyun { address, inner }
    }

    /// The next answers; after them, sends are accepted.
    pub fn script(&self, answers: &[Answer]) {
        self.inner.lock().unwrap().script = answers.iter().copied().collect();
    }

    pub fn delay_each_send(&self, delay: Duration) {
        self.inner.lock().unwrap().delay = delay;
    }

    /// The parameters of the accepted sends.
    pub fn accepted(&self) -> Vec<BTreeMap<String, String>> {
        self.inner.lock().unwrap().accepted.clone()
    }

    pub fn attempts(&self) -> usize {
        self.inner.lock().unwrap().attempts
    }

    /// Error codes of requests refused for their authentication or shape.
    pub fn rejected(&self) -> Vec<String> {
        self.inner.lock().unwrap().rejected.clone()
    }
}
