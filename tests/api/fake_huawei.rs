//! Stand-ins for Huawei Push Kit (v1 `messages:send`) and Honor Push (`sendMessage`) with their
//! OAuth 2.0 client-credentials token endpoints, on loopback. They check the token exchange
//! (grant type, client id and secret), the bearer token (only the last one issued is valid),
//! Honor's `timestamp` header, the message shape (work category / NORMAL importance, TTL, tag,
//! data string, click intent, the token list) and answer each reply class with the vendor's
//! documented result code.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use crate::fake_push::{expect, serve, FakeVendor, Reply, Shared};

pub const CLIENT_SECRET: &str = "fake-client-secret";

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    Huawei,
    Honor,
}

pub struct FakeHuawei {
    pub address: String,
    pub flavor: Flavor,
    shared: Shared,
}

impl FakeVendor for FakeHuawei {
    fn shared(&self) -> &Shared {
        &self.shared
    }
}

const APP_ID: &str = "10086";
const CLIENT_ID: &str = "10086-client";

async fn token(shared: web::Data<Shared>, form: web::Form<Vec<(String, String)>>) -> HttpResponse {
    let form: std::collections::HashMap<_, _> = form.into_inner().into_iter().collect();
    let ok = form.get("grant_type").map(String::as_str) == Some("client_credentials")
        && form.get("client_id").map(String::as_str) == Some(CLIENT_ID)
        && form.get("client_secret").map(String::as_str) == Some(CLIENT_SECRET);
    if !ok {
        shared.violation(format!("OAuth: bad client credentials {form:?}"));
        return HttpResponse::BadRequest().json(json!({ "error": 1101, "error_description": "invalid client" }));
    }
    let token = shared.issue("oauth");
    HttpResponse::Ok().json(json!({ "access_token": token, "expires_in": 3600, "token_type": "Bearer" }))
}

fn code(flavor: Flavor, status: u16, code: &str, msg: &str) -> HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(status).unwrap();
    let mut response = HttpResponse::build(status);
    if status.as_u16() == 503 {
        response.insert_header(("Retry-After", "30"));
    }
    match flavor {
        Flavor::Huawei => response.json(json!({ "code": code, "msg": msg, "requestId": "1" })),
        Flavor::Honor => {
            response.json(json!({ "code": code.parse::<i64>().unwrap_or(0), "message": msg, "data": null }))
        }
    }
}

async fn send(
    request: HttpRequest,
    shared: web::Data<Shared>,
    flavor: web::Data<Flavor>,
    body: web::Json<Value>,
) -> HttpResponse {
    let flavor = **flavor;
    let name = if flavor == Flavor::Huawei { "Huawei" } else { "Honor" };
    let bearer = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !shared.valid(bearer) {
        return code(flavor, 401, "80200003", "OAuth token expired");
    }
    let (message, notification, ttl) = match flavor {
        Flavor::Huawei => {
            let message = body["message"].clone();
            expect(&shared, name, "validate_only", &body["validate_only"], &json!(false));
            expect(
                &shared,
                name,
                "android.category",
                &message["android"]["category"],
                &json!("WORK"),
            );
            (
                message.clone(),
                message["android"]["notification"].clone(),
                message["android"]["ttl"].clone(),
            )
        }
        Flavor::Honor => {
            if request
                .headers()
                .get("timestamp")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<i64>().ok())
                .is_none()
            {
                shared.violation("Honor: no timestamp header".into());
            }
            let message = body.clone();
            (
                message.clone(),
                message["android"]["notification"].clone(),
                message["android"]["ttl"].clone(),
            )
        }
    };
    expect(
        &shared,
        name,
        "importance",
        &notification["importance"],
        &json!("NORMAL"),
    );
    let click = if flavor == Flavor::Huawei {
        &notification["click_action"]
    } else {
        &notification["clickAction"]
    };
    expect(&shared, name, "click type", &click["type"], &json!(1));
    if !ttl.as_str().is_some_and(|t| t.ends_with('s')) || notification["tag"].as_str().is_none() {
        shared.violation(format!("{name}: ttl {ttl} / tag {}", notification["tag"]));
    }
    let data: Value = message["data"]
        .as_str()
        .and_then(|d| serde_json::from_str(d).ok())
        .unwrap_or(Value::Null);
    if data["notificationId"].as_str().is_none() {
        shared.violation(format!("{name}: data {}", message["data"]));
    }
    let tokens = message["token"].as_array().cloned().unwrap_or_default();
    let Some(token) = tokens.first().and_then(Value::as_str).filter(|_| tokens.len() == 1) else {
        return code(flavor, 400, "80300010", "token count");
    };
    match shared.next(token) {
        None => {
            shared.accept(token, message.clone());
            match flavor {
                Flavor::Huawei => code(flavor, 200, "80000000", "Success"),
                Flavor::Honor => code(flavor, 200, "200", "success"),
            }
        }
        Some(Reply::InvalidToken) => code(flavor, 400, "80300007", "All the tokens are invalid"),
        Some(Reply::Throttle) | Some(Reply::ServerError) => code(flavor, 503, "81000001", "System inner error"),
        Some(Reply::AuthExpired) => {
            shared.expire();
            code(flavor, 401, "80200003", "OAuth token expired")
        }
        Some(Reply::Unknown) => code(flavor, 400, "80100003", "Illegal payload"),
    }
}

impl FakeHuawei {
    pub fn start(flavor: Flavor) -> FakeHuawei {
        let shared = Shared::default();
        let data = web::Data::new(shared.clone());
        let flavor_data = web::Data::new(flavor);
        let address = serve(move |config| {
            config.app_data(data.clone()).app_data(flavor_data.clone());
            match flavor {
                Flavor::Huawei => {
                    config
                        .route("/oauth2/v3/token", web::post().to(token))
                        .route("/v1/{app}/messages:send", web::post().to(send));
                }
                Flavor::Honor => {
                    config
                        .route(
                            "/auth/realms/developer/protocol/openid-connect/token",
                            web::post().to(token),
                        )
                        .route("/api/v1/{app}/sendMessage", web::post().to(send));
                }
            }
        });
        FakeHuawei {
            address,
            flavor,
            shared,
        }
    }

    pub fn settings(&self) -> zhitong::config::OAuthAppSettings {
        let token_url = match self.flavor {
            Flavor::Huawei => format!("{}/oauth2/v3/token", self.address),
            Flavor::Honor => format!("{}/auth/realms/developer/protocol/openid-connect/token", self.address),
        };
        zhitong::config::OAuthAppSettings {
            app_id: APP_ID.into(),
            client_id: CLIENT_ID.into(),
            client_secret: zhitong::config::Secret::new(CLIENT_SECRET),
            endpoint: self.address.clone(),
            token_url,
            badge_class: Some("cn.zhitong.app.MainActivity".into()),
        }
    }
}
