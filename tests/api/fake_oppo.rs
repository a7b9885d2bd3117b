//! A stand-in for OPPO PUSH on loopback: `/server/v1/auth` checks
//! `sign = sha256(app_key + timestamp + master_secret)` (computed here independently) and a
//! timestamp within ten minutes, and issues an auth token; `/server/v1/message/notification/unicast`
//! checks that token, the message (target type 2, the 私信 channel, category and notify level,
//! TTL, data, click intent) and answers each reply class with OPPO's code.

use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::fake_push::{expect, hex, serve, FakeVendor, Reply, Shared};

pub const APP_KEY: &str = "fake-oppo-key";
pub const MASTER_SECRET: &str = "fake-oppo-master";
pub const CHANNEL: &str = "zhitong_work";

pub struct FakeOppo {
    pub address: String,
    shared: Shared,
}

impl FakeVendor for FakeOppo {
    fn shared(&self) -> &Shared {
        &self.shared
    }
}

fn answer(status: u16, code: i64, data: Value) -> HttpResponse {
    let mut response = HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap());
    if status == 503 {
        response.insert_header(("Retry-After", "30"));
    }
    response.json(json!({ "code": code, "message": "", "data": data }))
}

async fn auth(shared: web::Data<Shared>, form: web::Form<Vec<(String, String)>>) -> HttpResponse {
    let form: HashMap<String, String> = form.into_inner().into_iter().collect();
    let timestamp = form.get("timestamp").cloned().unwrap_or_default();
    let expected = hex(&Sha256::digest(
        format!("{APP_KEY}{timestamp}{MASTER_SECRET}").as_bytes(),
    ));
    let fresh = timestamp
        .parse::<i64>()
        .is_ok_and(|t| (chrono::Utc::now().timestamp_millis() - t).abs() < 600_000);
    if form.get("app_key").map(String::as_str) != Some(APP_KEY) || form.get("sign") != Some(&expected) || !fresh {
        shared.violation(format!("OPPO: auth {form:?}"));
        return answer(200, 16, Value::Null);
    }
    let token = shared.issue("oppo");
    answer(
        200,
        0,
        json!({ "auth_token": token, "create_time": chrono::Utc::now().timestamp_millis() }),
    )
}

async fn unicast(shared: web::Data<Shared>, form: web::Form<Vec<(String, String)>>) -> HttpResponse {
    let form: HashMap<String, String> = form.into_inner().into_iter().collect();
    if !shared.valid(form.get("auth_token").map(String::as_str).unwrap_or("")) {
        return answer(200, 11, Value::Null);
    }
    let message: Value = form
        .get("message")
        .and_then(|m| serde_json::from_str(m).ok())
        .unwrap_or(Value::Null);
    let n = &message["notification"];
    expect(&shared, "OPPO", "target_type", &message["target_type"], &json!(2));
    expect(&shared, "OPPO", "channel_id", &n["channel_id"], &json!(CHANNEL));
    expect(&shared, "OPPO", "category", &n["category"], &json!("TODO"));
    expect(&shared, "OPPO", "notify_level", &n["notify_level"], &json!(2));
    let data: Value = n["action_parameters"]
        .as_str()
        .and_then(|d| serde_json::from_str(d).ok())
        .unwrap_or(Value::Null);
    if n["title"].as_str().is_none()
        || n["off_line_ttl"].as_u64().is_none()
        || data["notificationId"].as_str().is_none()
    {
        shared.violation(format!("OPPO: message {message}"));
    }
    let token = message["target_value"].as_str().unwrap_or("").to_string();
    match shared.next(&token) {
        None => {
            shared.accept(&token, message);
            answer(200, 0, json!({ "messageId": "oppo-1" }))
        }
        Some(Reply::InvalidToken) => answer(200, 10000, Value::Null),
        Some(Reply::Throttle) => answer(200, -2, Value::Null),
        Some(Reply::ServerError) => answer(503, -1, Value::Null),
        Some(Reply::AuthExpired) => {
            shared.expire();
            answer(200, 11, Value::Null)
        }
        Some(Reply::Unknown) => answer(200, 41, Value::Null),
    }
}

impl FakeOppo {
    pub fn start() -> FakeOppo {
        let shared = Shared::default();
        let data = web::Data::new(shared.clone());
        let address = serve(move |config| {
            config
                .app_data(data.clone())
                .route("/server/v1/auth", web::post().to(auth))
                .route("/server/v1/message/notification/unicast", web::post().to(unicast));
        });
        FakeOppo { address, shared }
    }

    pub fn settings(&self) -> zhitong::config::OppoSettings {
        zhitong::config::OppoSettings {
            app_key: APP_KEY.into(),
            master_secret: zhitong::config::Secret::new(MASTER_SECRET),
            channel_id: CHANNEL.into(),
            endpoint: self.address.clone(),
        }
    }
}
