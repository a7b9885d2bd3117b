//! A stand-in for Firebase Cloud Messaging's HTTP v1 API and Google's OAuth token endpoint,
//! on a loopback port, with scripted answers per device token.

use std::collections::{HashMap, VecDeque};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::{json, Value};

const OAUTH_TOKEN: &str = "fake-oauth-access-token";

/// One scripted answer to a send.
#[derive(Debug, Clone)]
pub enum Answer {
    Status(u16),
    RetryAfter(u16, u64),
    Error(u16, &'static str),
    /// 400 INVALID_ARGUMENT with a `BadRequest` field violation on `message.token`.
    InvalidToken,
}

#[derive(Default)]
struct Inner {
    /// Every send the fake answered with 200, in order.
    accepted: Vec<Value>,
    attempts: usize,
    scripts: HashMap<String, VecDeque<Answer>>,
    oauth_requests: usize,
    delay: Duration,
}

pub struct FakeFcm {
    pub address: String,
    inner: Arc<Mutex<Inner>>,
    credentials: PathBuf,
    _dir: tempfile::TempDir,
}

async fn token_endpoint(inner: web::Data<Arc<Mutex<Inner>>>, body: String) -> HttpResponse {
    assert!(
        body.contains("grant_type=urn") && body.contains("assertion="),
        "a JWT-bearer grant: {body}"
    );
    inner.lock().unwrap().oauth_requests += 1;
    HttpResponse::Ok().json(json!({ "access_token": OAUTH_TOKEN, "expires_in": 3600, "token_type": "Bearer" }))
}

async fn send_endpoint(
    request: HttpRequest,
    inner: web::Data<Arc<Mutex<Inner>>>,
    body: web::Json<Value>,
) -> HttpResponse {
    let authorized =
        request.headers().get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Bearer {OAUTH_TOKEN}"));
    if !authorized {
        return HttpResponse::Unauthorized().json(json!({ "error": { "code": 401, "status": "UNAUTHENTICATED" } }));
    }
    let delay = inner.lock().unwrap().delay;
    if !delay.is_zero() {
        actix_web::rt::time::sleep(delay).await;
    }
    let token = body["message"]["token"].as_str().unwrap_or_default().to_string();
    let answer = {
        let mut inner = inner.lock().unwrap();
        inner.attempts += 1;
        inner.scripts.get_mut(&token).and_then(VecDeque::pop_front)
    };
    match answer {
        None | Some(Answer::Status(200)) => {
            inner.lock().unwrap().accepted.push(body.into_inner());
            HttpResponse::Ok().json(json!({ "name": "projects/zhitong-test/messages/1" }))
        }
        Some(Answer::Status(code)) => HttpResponse::build(actix_web::http::StatusCode::from_u16(code).unwrap())
            .json(json!({ "error": { "code": code, "status": "UNAVAILABLE" } })),
        Some(Answer::RetryAfter(code, seconds)) => HttpResponse::build(actix_web::http::StatusCode::from_u16(code).unwrap())
            .insert_header(("Retry-After", seconds.to_string()))
            .json(json!({ "error": { "code": code, "status": "RESOURCE_EXHAUSTED" } })),
        Some(Answer::InvalidToken) => HttpResponse::BadRequest().json(json!({ "error": {
            "code": 400, "status": "INVALID_ARGUMENT", "message": "Request contains an invalid argument.",
            "details": [
                { "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "INVALID_ARGUMENT" },
                { "@type": "type.googleapis.com/google.rpc.BadRequest",
                  "fieldViolations": [{ "field": "message.token", "description": "Invalid registration token" }] }] } })),
        Some(Answer::Error(code, error_code)) => HttpResponse::build(actix_web::http::StatusCode::from_u16(code).unwrap())
            .json(json!({ "error": { "code": code, "status": "NOT_FOUND", "message": "Requested entity was not found.",
                "details": [{ "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": error_code }] } })),
    }
}

impl FakeFcm {
    pub async fn start() -> FakeFcm {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let data = web::Data::new(inner.clone());
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/token", web::post().to(token_endpoint))
                .route("/v1/projects/{project}/messages:send", web::post().to(send_endpoint))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        actix_web::rt::spawn(server);
        let dir = tempfile::tempdir().unwrap();
        let fixture = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/fake-fcm-service-account.json"
        );
        let mut account: Value = serde_json::from_str(&std::fs::read_to_string(fixture).unwrap()).unwrap();
        account["token_uri"] = json!(format!("{address}/token"));
        let credentials = dir.path().join("service-account.json");
        std::fs::write(&credentials, account.to_string()).unwrap();
        FakeFcm {
            address,
            inner,
            credentials,
            _dir: dir,
        }
    }

    pub fn credentials(&self) -> &std::path::Path {
        &self.credentials
    }

    /// The next answers for sends to `token`; after them, sends are accepted.
    pub fn script(&self, token: &str, answers: Vec<Answer>) {
        self.inner
            .lock()
            .unwrap()
            .scripts
            .insert(token.to_string(), answers.into());
    }

    pub fn delay_each_send(&self, delay: Duration) {
        self.inner.lock().unwrap().delay = delay;
    }

    /// The messages accepted so far.
    pub fn accepted(&self) -> Vec<Value> {
        self.inner
            .lock()
            .unwrap()
            .accepted
            .iter()
            .map(|m| m["message"].clone())
            .collect()
    }

    /// The accepted messages for one device token.
    pub fn accepted_for(&self, token: &str) -> Vec<Value> {
        self.accepted().into_iter().filter(|m| m["token"] == token).collect()
    }

    pub fn attempts(&self) -> usize {
        self.inner.lock().unwrap().attempts
    }

    pub fn oauth_requests(&self) -> usize {
        self.inner.lock().unwrap().oauth_requests
    }
}
