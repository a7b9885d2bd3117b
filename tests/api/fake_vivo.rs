//! A stand-in for vivo Push on loopback: `/message/auth` checks
//! `sign = md5(appId + appKey + timestamp + appSecret)` (computed here independently) and a
//! timestamp within ten minutes, and issues an auth token; `/message/send` checks the `authToken`
//! header, the body (appId, system-message classification, category, TTL, request id, data,
//! click intent) and answers each reply class with vivo's result code.

use actix_web::{web, HttpRequest, HttpResponse};
use md5::{Digest, Md5};
use serde_json::{json, Value};

use crate::fake_push::{expect, hex, serve, FakeVendor, Reply, Shared};

pub const APP_ID: &str = "10004";
pub const APP_KEY: &str = "fake-vivo-key";
pub const APP_SECRET: &str = "fake-vivo-secret";

pub struct FakeVivo {
    pub address: String,
    shared: Shared,
}

impl FakeVendor for FakeVivo {
    fn shared(&self) -> &Shared {
        &self.shared
    }
}

fn answer(status: u16, result: i64, extra: Value) -> HttpResponse {
    let mut body = json!({ "result": result, "desc": "" });
    if let Value::Object(extra) = extra {
        body.as_object_mut().unwrap().extend(extra);
    }
    let mut response = HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap());
    if status == 503 {
        response.insert_header(("Retry-After", "30"));
    }
    response.json(body)
}

async fn auth(shared: web::Data<Shared>, body: web::Json<Value>) -> HttpResponse {
    let timestamp = body["timestamp"].as_i64().unwrap_or(0);
    let expected = hex(&Md5::digest(
        format!("{APP_ID}{APP_KEY}{timestamp}{APP_SECRET}").as_bytes(),
    ));
    let fresh = (chrono::Utc::now().timestamp_millis() - timestamp).abs() < 600_000;
    if body["appId"] != json!(APP_ID.parse::<i64>().unwrap())
        || body["appKey"] != APP_KEY
        || body["sign"] != expected.as_str()
        || !fresh
    {
        shared.violation(format!("vivo: auth {body}"));
        return answer(200, 10202, Value::Null);
    }
    let token = shared.issue("vivo");
    answer(200, 0, json!({ "authToken": token }))
}

async fn send(request: HttpRequest, shared: web::Data<Shared>, body: web::Json<Value>) -> HttpResponse {
    let token = request
        .headers()
        .get("authToken")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !shared.valid(token) {
        return answer(200, 10000, Value::Null);
    }
    expect(&shared, "vivo", "appId", &body["appId"], &json!(10004));
    expect(&shared, "vivo", "classification", &body["classification"], &json!(1));
    expect(&shared, "vivo", "category", &body["category"], &json!("TODO"));
    expect(&shared, "vivo", "skipType", &body["skipType"], &json!(4));
    if body["requestId"].as_str().is_none()
        || body["timeToLive"].as_u64().is_none()
        || body["clientCustomMap"]["notificationId"].as_str().is_none()
    {
        shared.violation(format!("vivo: body {body}"));
    }
    let reg_id = body["regId"].as_str().unwrap_or("").to_string();
    match shared.next(&reg_id) {
        None => {
            shared.accept(&reg_id, body.into_inner());
            answer(200, 0, json!({ "taskId": "vivo-1" }))
        }
        Some(Reply::InvalidToken) => answer(200, 10302, Value::Null),
        Some(Reply::Throttle) => answer(200, 10071, Value::Null),
        Some(Reply::ServerError) => answer(503, 500, Value::Null),
        Some(Reply::AuthExpired) => {
            shared.expire();
            answer(200, 10000, Value::Null)
        }
        Some(Reply::Unknown) => answer(200, 10055, Value::Null),
    }
}

impl FakeVivo {
    pub fn start() -> FakeVivo {
        let shared = Shared::default();
        let data = web::Data::new(shared.clone());
        let address = serve(move |config| {
            config
                .app_data(data.clone())
                .route("/message/auth", web::post().to(auth))
                .route("/message/send", web::post().to(send));
        });
        FakeVivo { address, shared }
    }

    pub fn settings(&self) -> zhitong::config::VivoSettings {
        zhitong::config::VivoSettings {
            app_id: APP_ID.into(),
            app_key: APP_KEY.into(),
            app_secret: zhitong::config::Secret::new(APP_SECRET),
            endpoint: self.address.clone(),
        }
    }
}
