//! Push fan-out benchmark: enqueue N notifications (one device each) and deliver them through the
//! real outbox worker and FCM HTTP v1 client to a fake FCM server on loopback. The baseline in the
//! same run is the fake answering the same messages posted straight from a bare HTTP client at
//! the same concurrency: the ratio shows what the outbox (leasing, recording) costs.
//!
//! With `--providers all` the recipients' devices are spread over the seven providers (FCM, APNs
//! over h2c, Huawei, Honor, Xiaomi, OPPO, vivo), each sender pointed at a loopback fake that
//! accepts its protocol's paths; `--providers fcm` (the default) is the FCM-only figure.
//! The server's peak RSS (VmHWM) is printed at the end.
//!
//!   cargo run --release --example fanout -- [--count 100000] [--postgres URL] [--providers all]

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use actix_web::{web, App, HttpResponse, HttpServer};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use futures_util::StreamExt;
use serde_json::json;
use zhitong::clock::{Clock, SystemClock};
use zhitong::config::Config;
use zhitong::db::schema::{devices, users};
use zhitong::db::DbUrl;
use zhitong::ids::UserId;
use zhitong::notifications::model::PushProvider;
use zhitong::notifications::push::{FcmSender, PushRouter};
use zhitong::notifications::service::{notify, Notice};
use zhitong::notifications::texts::NoticeKind;
use zhitong::notifications::worker::{PushOptions, PushWorker};

const RECIPIENTS: usize = 1000;
const CONCURRENCY: usize = 64;

async fn start_fake_fcm(received: Arc<AtomicUsize>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let data = web::Data::new(received);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route(
                "/token",
                web::post().to(|| async {
                    HttpResponse::Ok()
                        .json(json!({ "access_token": "bench", "expires_in": 3600, "token_type": "Bearer" }))
                }),
            )
            .route(
                "/v1/projects/{project}/messages:send",
                web::post().to(|received: web::Data<Arc<AtomicUsize>>, _body: web::Bytes| async move {
                    received.fetch_add(1, Ordering::Relaxed);
                    HttpResponse::Ok().json(json!({ "name": "projects/bench/messages/1" }))
                }),
            )
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    actix_web::rt::spawn(server);
    address
}

/// One loopback server answering every Chinese vendor's token and send paths with success.
async fn start_fake_vendors(received: Arc<AtomicUsize>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let data = web::Data::new(received);
    let ok = |body: serde_json::Value| {
        move |received: web::Data<Arc<AtomicUsize>>, _body: web::Bytes| {
            let body = body.clone();
            async move {
                received.fetch_add(1, Ordering::Relaxed);
                HttpResponse::Ok().json(body)
            }
        }
    };
    let token = json!({ "access_token": "bench", "expires_in": 3600, "token_type": "Bearer" });
    let server = HttpServer::new(move || {
        let token = token.clone();
        App::new()
            .app_data(data.clone())
            .route(
                "/oauth/token",
                web::post().to(move || {
                    let t = token.clone();
                    async move { HttpResponse::Ok().json(t) }
                }),
            )
            .route(
                "/server/v1/auth",
                web::post()
                    .to(|| async { HttpResponse::Ok().json(json!({ "code": 0, "data": { "auth_token": "bench" } })) }),
            )
            .route(
                "/message/auth",
                web::post().to(|| async { HttpResponse::Ok().json(json!({ "result": 0, "authToken": "bench" })) }),
            )
            .route(
                "/v1/{app}/messages:send",
                web::post().to(ok(json!({ "code": "80000000", "msg": "Success" }))),
            )
            .route(
                "/api/v1/{app}/sendMessage",
                web::post().to(ok(json!({ "code": 200, "message": "success" }))),
            )
            .route(
                "/v3/message/regid",
                web::post().to(ok(json!({ "result": "ok", "code": 0, "data": { "id": "1" } }))),
            )
            .route(
                "/server/v1/message/notification/unicast",
                web::post().to(ok(json!({ "code": 0, "data": { "messageId": "1" } }))),
            )
            .route(
                "/message/send",
                web::post().to(ok(json!({ "result": 0, "taskId": "1" }))),
            )
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    actix_web::rt::spawn(server);
    address
}

/// A loopback APNs stand-in speaking prior-knowledge HTTP/2, answering 200 to every send.
async fn start_fake_apns(received: Arc<AtomicUsize>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let received = received.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |_request: hyper::Request<hyper::body::Incoming>| {
                    received.fetch_add(1, Ordering::Relaxed);
                    async {
                        Ok::<_, std::convert::Infallible>(hyper::Response::new(http_body_util::Full::new(
                            hyper::body::Bytes::new(),
                        )))
                    }
                });
                let _ = hyper::server::conn::http2::Builder::new(hyper_util::rt::TokioExecutor::new())
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    address
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(str::to_string))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

#[actix_web::main]
async fn main() {
    let count: usize = arg("--count").map(|c| c.parse().expect("--count N")).unwrap_or(100_000);
    let all_providers = arg("--providers").as_deref() == Some("all");
    let dir = tempfile::tempdir().unwrap();
    let mut cleanup = None;
    let (url, label) = match arg("--postgres") {
        Some(base) => {
            cleanup = Some(base.clone());
            let schema = format!("zt_bench_{}", std::process::id());
            let mut conn = diesel::PgConnection::establish(&base).expect("PostgreSQL");
            conn.batch_execute(&format!(
                "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
            ))
            .unwrap();
            let separator = if base.contains('?') { '&' } else { '?' };
            (
                DbUrl::Postgres(format!("{base}{separator}options=-csearch_path%3D{schema}")),
                "PostgreSQL",
            )
        }
        None => (DbUrl::Sqlite(dir.path().join("bench.db")), "SQLite"),
    };
    let received = Arc::new(AtomicUsize::new(0));
    let fake = start_fake_fcm(received.clone()).await;
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/fake-fcm-service-account.json"
    );
    let mut account: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(fixture).unwrap()).unwrap();
    account["token_uri"] = json!(format!("{fake}/token"));
    let credentials = dir.path().join("sa.json");
    std::fs::write(&credentials, account.to_string()).unwrap();

    let mut config = Config::for_database(url);
    config.db_pool_size = 8;
    let state = zhitong::app::build_state(config, Arc::new(SystemClock)).unwrap();
    zhitong::app::prepare(&state).await.unwrap();

    // Recipients, each with one device.
    let now = SystemClock.now_naive();
    let recipient_ids: Vec<i64> = state
        .db
        .write(move |conn| {
            let mut ids = Vec::with_capacity(RECIPIENTS);
            for i in 0..RECIPIENTS {
                let id: i64 = diesel::insert_into(users::table)
                    .values((
                        users::role.eq("OFFICER"),
                        users::phone.eq(format!("1{:010}", 3_000_000_000u64 + i as u64)),
                        users::name.eq(format!("bench {i}")),
                        users::password_hash.eq("x"),
                        users::created_at.eq(now),
                        users::updated_at.eq(now),
                        users::quiet_start_minute.eq(0),
                        users::quiet_end_minute.eq(0),
                    ))
                    .returning(users::id)
                    .get_result(&mut **conn)?;
                let provider = if all_providers {
                    PushProvider::ALL[i % PushProvider::ALL.len()]
                } else {
                    PushProvider::Fcm
                };
                let platform = if provider == PushProvider::Apns {
                    "IOS"
                } else {
                    "ANDROID"
                };
                diesel::insert_into(devices::table)
                    .values((
                        devices::user_id.eq(id),
                        devices::token.eq(format!("bench-token-{i}")),
                        devices::platform.eq(platform),
                        devices::provider.eq(provider.as_str()),
                        devices::locale.eq(if i % 3 == 0 { "en-US" } else { "zh-CN" }),
                        devices::created_at.eq(now),
                        devices::last_seen_at.eq(now),
                    ))
                    .execute(&mut **conn)?;
                ids.push(id);
            }
            Ok(ids)
        })
        .await
        .unwrap();

    // Enqueue: one transaction per notice, each to every recipient.
    let notices = count.div_ceil(RECIPIENTS);
    let enqueue_started = Instant::now();
    for n in 0..notices {
        let ids = recipient_ids.clone();
        state
            .db
            .write(move |conn| {
                let notice = Notice {
                    kind: NoticeKind::CompanyOfficerChanged,
                    subject: format!("公司{n}"),
                    request_id: None,
                    company_id: None,
                    urgent: false,
                };
                notify(
                    conn,
                    SystemClock.now(),
                    None,
                    ids.into_iter().map(UserId::from),
                    &notice,
                )?;
                Ok(())
            })
            .await
            .unwrap();
    }
    let enqueued = notices * RECIPIENTS;
    let enqueue_secs = enqueue_started.elapsed().as_secs_f64();

    // Deliver through the outbox worker.
    let sender = FcmSender::from_credentials_file(&credentials, &fake).unwrap();
    let mut router = PushRouter::new().with(Arc::new(sender));
    if all_providers {
        use zhitong::config::{ApnsSettings, OAuthAppSettings, OppoSettings, Secret, VivoSettings, XiaomiSettings};
        use zhitong::notifications::push::{apns, honor, huawei, oppo, vivo, xiaomi};
        let vendors = start_fake_vendors(received.clone()).await;
        let apns_fake = start_fake_apns(received.clone()).await;
        let oauth = OAuthAppSettings {
            app_id: "1".into(),
            client_id: "1".into(),
            client_secret: Secret::new("s"),
            endpoint: vendors.clone(),
            token_url: format!("{vendors}/oauth/token"),
            badge_class: None,
        };
        router = router
            .with(Arc::new(
                apns::ApnsSender::new(ApnsSettings {
                    key_file: concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/fake-apns-key.p8").into(),
                    key_id: "BENCHKEY01".into(),
                    team_id: "BENCHTEAM1".into(),
                    topic: "cn.zhitong.app".into(),
                    endpoint: apns_fake,
                })
                .unwrap(),
            ))
            .with(Arc::new(huawei::HuaweiSender::new(oauth.clone()).unwrap()))
            .with(Arc::new(honor::HonorSender::new(oauth).unwrap()))
            .with(Arc::new(
                xiaomi::XiaomiSender::new(XiaomiSettings {
                    app_secret: Secret::new("s"),
                    package: "cn.zhitong.app".into(),
                    channel_id: "zhitong_work".into(),
                    endpoint: vendors.clone(),
                })
                .unwrap(),
            ))
            .with(Arc::new(
                oppo::OppoSender::new(OppoSettings {
                    app_key: "k".into(),
                    master_secret: Secret::new("s"),
                    channel_id: "zhitong_work".into(),
                    endpoint: vendors.clone(),
                })
                .unwrap(),
            ))
            .with(Arc::new(
                vivo::VivoSender::new(VivoSettings {
                    app_id: "1".into(),
                    app_key: "k".into(),
                    app_secret: Secret::new("s"),
                    endpoint: vendors,
                })
                .unwrap(),
            ));
    }
    let options = PushOptions {
        batch_size: 1000,
        concurrency: CONCURRENCY,
        ..PushOptions::default()
    };
    let worker = PushWorker::new(state.clone(), router, options);
    let started = Instant::now();
    let (mut sent, mut retried) = (0, 0);
    loop {
        let report = worker.run_once().await.unwrap();
        sent += report.sent;
        retried += report.retried;
        if report.claimed == 0 {
            if sent >= enqueued {
                break;
            }
            // A few sends were retried (a transient error): they are due after the backoff.
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    }
    let worker_secs = started.elapsed().as_secs_f64();
    if retried > 0 {
        let errors: Vec<String> = state
            .db
            .read(|conn| {
                use zhitong::db::schema::push_deliveries as d;
                Ok(d::table
                    .filter(d::attempts.gt(1))
                    .select(d::provider)
                    .load::<String>(conn)?)
            })
            .await
            .unwrap();
        println!("retried {retried} sends (providers: {errors:?}); the time includes their backoff");
    }
    assert_eq!(sent, enqueued, "every delivery sent");
    assert_eq!(received.load(Ordering::Relaxed), enqueued);

    // Baseline: the same number of sends from a bare client, same concurrency, no database.
    let baseline_count = enqueued.min(50_000);
    let http = reqwest::Client::new();
    let url = format!("{fake}/v1/projects/bench/messages:send");
    let started = Instant::now();
    futures_util::stream::iter(0..baseline_count)
        .map(|i| {
            let (http, url) = (http.clone(), url.clone());
            async move {
                let body = json!({ "message": { "token": format!("bench-token-{}", i % RECIPIENTS),
                    "notification": { "title": "服务专员变更", "body": "x" }, "data": { "kind": "COMPANY_OFFICER_CHANGED" } } });
                http.post(&url).bearer_auth("bench").json(&body).send().await.unwrap().bytes().await.unwrap();
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect::<Vec<()>>()
        .await;
    let baseline_secs = started.elapsed().as_secs_f64();

    let outbox_rate = enqueued as f64 / worker_secs;
    let baseline_rate = baseline_count as f64 / baseline_secs;
    println!(
        "backend: {label}; providers: {}",
        if all_providers { "all seven" } else { "FCM only" }
    );
    println!(
        "enqueued {enqueued} notifications + deliveries in {enqueue_secs:.1} s ({:.0}/s)",
        enqueued as f64 / enqueue_secs
    );
    println!("outbox worker: {enqueued} deliveries in {worker_secs:.1} s = {outbox_rate:.0} deliveries/s");
    println!("baseline (bare HTTP client, same fake, concurrency {CONCURRENCY}): {baseline_rate:.0} sends/s");
    println!("ratio outbox / baseline: {:.2}", outbox_rate / baseline_rate);
    println!(
        "peak RSS (VmHWM, this process: server state, worker, fakes): {} MiB",
        peak_rss_kib() / 1024
    );
    if let Some(base) = cleanup {
        let mut conn = diesel::PgConnection::establish(&base).expect("PostgreSQL");
        conn.batch_execute(&format!("DROP SCHEMA zt_bench_{} CASCADE", std::process::id()))
            .unwrap();
    }
}
