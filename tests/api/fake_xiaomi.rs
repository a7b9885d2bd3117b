//! A stand-in for Xiaomi MiPush's `/v3/message/regid` on loopback: it checks
//! `Authorization: key=<AppSecret>`, the form fields (package, channel, notification not
//! pass-through, notify id, TTL, payload with the notification id, click intent) and answers each
//! reply class with Xiaomi's code.

use std::collections::HashMap;

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use crate::fake_push::{serve, FakeVendor, Reply, Shared};

pub const APP_SECRET: &str = "fake-xiaomi-secret";
pub const PACKAGE: &str = "cn.zhitong.app";
pub const CHANNEL: &str = "zhitong_work";

pub struct FakeXiaomi {
    pub address: String,
    shared: Shared,
}

impl FakeVendor for FakeXiaomi {
    fn shared(&self) -> &Shared {
        &self.shared
    }
}

fn answer(status: u16, code: i64, data: Value) -> HttpResponse {
    let result = if code == 0 { "ok" } else { "error" };
    let mut response = HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap());
    if status == 503 {
        response.insert_header(("Retry-After", "30"));
    }
    response.json(json!({ "result": result, "code": code, "data": data, "trace_id": "t1", "description": "" }))
}

async fn send(request: HttpRequest, shared: web::Data<Shared>, form: web::Form<Vec<(String, String)>>) -> HttpResponse {
    let auth = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if auth != format!("key={APP_SECRET}") {
        return answer(200, 21301, Value::Null);
    }
    let form: HashMap<String, String> = form.into_inner().into_iter().collect();
    let field = |name: &str| form.get(name).cloned().unwrap_or_default();
    for (name, ok) in [
        ("restricted_package_name", field("restricted_package_name") == PACKAGE),
        ("extra.channel_id", field("extra.channel_id") == CHANNEL),
        ("pass_through", field("pass_through") == "0"),
        ("notify_id", field("notify_id").parse::<i32>().is_ok()),
        (
            "time_to_live",
            field("time_to_live").parse::<u64>().is_ok_and(|t| t >= 60_000),
        ),
        ("title", !field("title").is_empty() && !field("description").is_empty()),
        (
            "extra.intent_uri",
            field("extra.notify_effect") == "2" && field("extra.intent_uri").starts_with("zhitong://"),
        ),
    ] {
        if !ok {
            shared.violation(format!("Xiaomi: {name} in {form:?}"));
        }
    }
    let payload: Value = serde_json::from_str(&field("payload")).unwrap_or(Value::Null);
    if payload["notificationId"].as_str().is_none() {
        shared.violation(format!("Xiaomi: payload {}", field("payload")));
    }
    let token = field("registration_id");
    match shared.next(&token) {
        None => {
            shared.accept(&token, json!(form));
            answer(200, 0, json!({ "id": "xm-1" }))
        }
        Some(Reply::InvalidToken) => answer(200, 20301, Value::Null),
        Some(Reply::Throttle) | Some(Reply::ServerError) => answer(503, -1, Value::Null),
        // Xiaomi's credential is the app secret itself: nothing to refresh.
        Some(Reply::AuthExpired) => answer(200, 21301, Value::Null),
        Some(Reply::Unknown) => answer(200, 10017, Value::Null),
    }
}

impl FakeXiaomi {
    pub fn start() -> FakeXiaomi {
        let shared = Shared::default();
        let data = web::Data::new(shared.clone());
        let address = serve(move |config| {
            config
                .app_data(data.clone())
                .route("/v3/message/regid", web::post().to(send));
        });
        FakeXiaomi { address, shared }
    }

    pub fn settings(&self) -> zhitong::config::XiaomiSettings {
        zhitong::config::XiaomiSettings {
            app_secret: zhitong::config::Secret::new(APP_SECRET),
            package: PACKAGE.into(),
            channel_id: CHANNEL.into(),
            endpoint: self.address.clone(),
        }
    }
}
