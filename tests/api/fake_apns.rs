//! A stand-in for APNs' provider API on loopback, speaking HTTP/2 (prior-knowledge h2c) as APNs
//! speaks HTTP/2 only. It verifies the ES256 JWT with the public half of the test key (header
//! `alg`/`kid`, claims `iss`/`iat` no older than an hour), `apns-topic`, `apns-push-type`,
//! `apns-priority`, `apns-expiration`, `apns-collapse-id`, the path `/3/device/<token>` and the
//! payload, and answers each reply class with APNs' documented status and `reason`.

use std::convert::Infallible;
use std::path::PathBuf;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{json, Value};

use crate::fake_push::{FakeVendor, Reply, Shared};

pub const KEY_ID: &str = "TESTKEY123";
pub const TEAM_ID: &str = "TESTTEAM99";
pub const TOPIC: &str = "cn.zhitong.app";

pub struct FakeApns {
    pub address: String,
    shared: Shared,
}

impl FakeVendor for FakeApns {
    fn shared(&self) -> &Shared {
        &self.shared
    }
}

pub fn key_file() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/fake-apns-key.p8"))
}

fn answer(status: u16, reason: &str) -> Response<Full<Bytes>> {
    let mut response = Response::builder().status(status);
    if status == 429 {
        response = response.header("retry-after", "30");
    }
    response
        .body(Full::new(Bytes::from(json!({ "reason": reason }).to_string())))
        .unwrap()
}

fn check_jwt(authorization: &str) -> Result<String, String> {
    let jwt = authorization
        .strip_prefix("bearer ")
        .ok_or_else(|| format!("authorization is not `bearer <jwt>`: {authorization}"))?;
    let header = jsonwebtoken::decode_header(jwt).map_err(|e| format!("JWT header: {e}"))?;
    if header.alg != Algorithm::ES256 || header.kid.as_deref() != Some(KEY_ID) {
        return Err(format!("JWT header {:?}/{:?}", header.alg, header.kid));
    }
    let public = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/fake-apns-key.pub.pem"
    ))
    .unwrap();
    let key = DecodingKey::from_ec_pem(&public).unwrap();
    let mut validation = Validation::new(Algorithm::ES256);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    let claims = jsonwebtoken::decode::<Value>(jwt, &key, &validation)
        .map_err(|e| format!("JWT signature: {e}"))?
        .claims;
    let iat = claims["iat"].as_i64().unwrap_or(0);
    let age = chrono::Utc::now().timestamp() - iat;
    if claims["iss"] != TEAM_ID || !(0..3600).contains(&age) {
        return Err(format!("JWT claims {claims}"));
    }
    Ok(jwt.to_string())
}

async fn handle(shared: Shared, request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    if request.version() != hyper::Version::HTTP_2 {
        shared.violation(format!("APNs: {:?}, not HTTP/2", request.version()));
    }
    let jwt = match check_jwt(&header("authorization")) {
        Ok(jwt) => jwt,
        Err(problem) => {
            shared.violation(format!("APNs: {problem}"));
            return Ok(answer(403, "InvalidProviderToken"));
        }
    };
    let path = request.uri().path().to_string();
    let Some(token) = path.strip_prefix("/3/device/").map(str::to_string) else {
        return Ok(answer(404, "BadPath"));
    };
    if header("apns-topic") != TOPIC {
        return Ok(answer(400, "DeviceTokenNotForTopic"));
    }
    for (name, ok) in [
        ("apns-push-type", header("apns-push-type") == "alert"),
        ("apns-priority", ["5", "10"].contains(&header("apns-priority").as_str())),
        (
            "apns-expiration",
            header("apns-expiration")
                .parse::<i64>()
                .is_ok_and(|t| t > chrono::Utc::now().timestamp()),
        ),
        (
            "apns-collapse-id",
            !header("apns-collapse-id").is_empty() && header("apns-collapse-id").len() <= 64,
        ),
    ] {
        if !ok {
            shared.violation(format!("APNs: header {name} is {:?}", header(name)));
        }
    }
    let collapse_id = header("apns-collapse-id");
    let priority = header("apns-priority");
    let body = request
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let payload: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if payload["aps"]["alert"]["title"].as_str().is_none() || payload["notificationId"].as_str().is_none() {
        shared.violation(format!("APNs: payload {payload}"));
    }
    match shared.next(&token) {
        None => {
            shared.accept(
                &token,
                json!({ "payload": payload, "apns-collapse-id": collapse_id, "apns-priority": priority }),
            );
            Ok(Response::builder()
                .status(200)
                .header("apns-id", uuid::Uuid::new_v4().to_string())
                .body(Full::new(Bytes::new()))
                .unwrap())
        }
        Some(Reply::InvalidToken) => Ok(answer(410, "Unregistered")),
        Some(Reply::Throttle) => Ok(answer(429, "TooManyRequests")),
        Some(Reply::ServerError) => Ok(answer(503, "ServiceUnavailable")),
        Some(Reply::AuthExpired) => {
            shared.0.lock().unwrap().issued.push(format!("refused {jwt}"));
            Ok(answer(403, "ExpiredProviderToken"))
        }
        Some(Reply::Unknown) => Ok(answer(400, "BadCollapseId")),
    }
}

impl FakeApns {
    pub async fn start() -> FakeApns {
        let shared = Shared::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        let server_shared = shared.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let shared = server_shared.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| handle(shared.clone(), request));
                    let _ = hyper::server::conn::http2::Builder::new(hyper_util::rt::TokioExecutor::new())
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        FakeApns { address, shared }
    }

    pub fn settings(&self) -> zhitong::config::ApnsSettings {
        zhitong::config::ApnsSettings {
            key_file: key_file(),
            key_id: KEY_ID.into(),
            team_id: TEAM_ID.into(),
            topic: TOPIC.into(),
            endpoint: self.address.clone(),
        }
    }
}
