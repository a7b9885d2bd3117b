//! `/metrics` for Prometheus: a scenario through the real API, the push worker sending to the
//! fake FCM, the SMS worker, a live subscription and the background runner, with the scrapes
//! before and after showing that each figure moved as it should. Two apps in one process keep
//! their own figures.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::time::Duration;

use serde_json::json;

use crate::backend_tests;
use crate::fake_fcm::FakeFcm;
use crate::helpers::TestApp;
use crate::requests::zone;
use crate::requests_ws::WsClient;

backend_tests!(a_scenario_moves_the_figures, two_apps_in_one_process_count_their_own);

/// Serves the app's `/metrics` on a loopback port; returns its URL.
pub fn serve_metrics(app: &TestApp) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/metrics", listener.local_addr().unwrap());
    let server = zhitong::app::metrics::start(listener, app.state.clone()).expect("the metrics server");
    actix_rt::spawn(server);
    url
}

/// One scrape: each sample line, by its name with its labels (`name{a="1",b="2"}`), to its value.
pub struct Scrape {
    pub text: String,
    samples: BTreeMap<String, f64>,
}

impl Scrape {
    /// The value of `name` with exactly these labels (in the order the exposition gives them),
    /// 0 when absent.
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        let key = if labels.is_empty() {
            name.to_string()
        } else {
            let labels: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
            format!("{name}{{{}}}", labels.join(","))
        };
        self.samples.get(&key).copied().unwrap_or(0.0)
    }

    /// The sum of every sample of `name` whatever its labels.
    pub fn sum(&self, name: &str) -> f64 {
        self.samples
            .iter()
            .filter(|(key, _)| key.as_str() == name || key.starts_with(&format!("{name}{{")))
            .map(|(_, v)| v)
            .sum()
    }
}

pub async fn scrape(url: &str) -> Scrape {
    let response = reqwest::get(url).await.expect("the metrics endpoint answers");
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"].to_str().unwrap().to_string();
    assert!(
        content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    let text = response.text().await.unwrap();
    assert!(
        text.trim_end().ends_with("# EOF"),
        "an OpenMetrics exposition ends with # EOF"
    );
    let samples = text
        .lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| {
            let (key, value) = line.rsplit_once(' ').expect("a sample line");
            (key.to_string(), value.parse::<f64>().expect("a number"))
        })
        .collect();
    Scrape { text, samples }
}

const RAISE_NAMED: &str =
    "mutation MetricsRaise($input: RaiseRequestInput!) { raiseRequest(input: $input) { request { id } } }";
const LOGIN_NAMED: &str =
    "mutation MetricsLogin($p: String!, $w: String!) { login(phone: $p, password: $w) { accessToken } }";

async fn a_scenario_moves_the_figures(app: TestApp) {
    let url = serve_metrics(&app);
    let z = zone(&app).await;
    app.register_device(&z.officer_a.token, "metrics-device-token-0001", "zh-CN")
        .await;
    let before = scrape(&url).await;
    let graphql_200 = [("route", "/graphql"), ("method", "POST"), ("status", "200")];
    assert!(
        before.value("zhitong_http_requests_total", &graphql_200) >= 10.0,
        "the zone's set-up went through POST /graphql:\n{}",
        before.text
    );
    assert_eq!(before.value("zhitong_db_pool_max_connections", &[]), 5.0);
    assert_eq!(before.value("zhitong_live_subscriptions", &[]), 0.0);
    // The process's memory: resident, the allocator's heap in use and free, SQLite's own.
    assert!(
        before.value("zhitong_process_resident_bytes", &[]) > 10e6,
        "{}",
        before.text
    );
    assert!(before.value("zhitong_heap_in_use_bytes", &[]) > 1e6, "{}", before.text);
    assert!(before.text.contains("zhitong_heap_free_bytes "), "{}", before.text);
    if app.state.db.backend() == zhitong::db::Backend::Sqlite {
        assert!(
            before.value("zhitong_sqlite_memory_bytes", &[]) > 100e3,
            "{}",
            before.text
        );
    }

    // A company raises an urgent request: a push to its officer and an SMS (critical kind).
    let raised = app
        .post(
            Some(&z.staff_a.token),
            RAISE_NAMED,
            json!({ "input": { "kind": "PROBLEM", "categoryId": z.category, "urgency": "URGENT",
                "title": "变压器起火", "description": "厂区变压器冒烟" } }),
        )
        .await;
    assert!(raised.get("errors").is_none(), "{raised:#}");
    // Wrong passwords until the phone is locked.
    for i in 0..8 {
        app.post(
            None,
            LOGIN_NAMED,
            json!({ "p": z.staff_b.phone, "w": format!("wrong-password-{i}") }),
        )
        .await;
    }
    let middle = scrape(&url).await;
    fn op(name: &str) -> [(&'static str, &str); 1] {
        [("operation", name)]
    }
    assert_eq!(
        middle.value("zhitong_graphql_operations_total", &op("MetricsRaise")),
        1.0
    );
    assert_eq!(
        middle.value("zhitong_graphql_operations_total", &op("MetricsLogin")),
        8.0
    );
    assert_eq!(
        middle.value("zhitong_graphql_operation_duration_seconds_count", &op("MetricsLogin")),
        8.0
    );
    assert_eq!(
        middle.value("zhitong_http_requests_total", &graphql_200)
            - before.value("zhitong_http_requests_total", &graphql_200),
        9.0,
        "one raise and eight logins"
    );
    let locked = middle.value("zhitong_graphql_errors_total", &[("code", "TOO_MANY_REQUESTS")])
        - before.value("zhitong_graphql_errors_total", &[("code", "TOO_MANY_REQUESTS")]);
    assert!(locked >= 1.0, "the locked logins are counted by code:\n{}", middle.text);
    assert!(
        middle.sum("zhitong_graphql_errors_total") - before.sum("zhitong_graphql_errors_total") >= 8.0,
        "every failed login is an error"
    );
    assert_eq!(middle.value("zhitong_login_locks_active", &[("scope", "PHONE")]), 1.0);
    let pending_push = middle.value("zhitong_push_outbox", &[("status", "PENDING"), ("provider", "FCM")]);
    assert!(pending_push >= 1.0, "{}", middle.text);
    assert_eq!(
        middle.value("zhitong_sms_outbox", &[("status", "PENDING"), ("provider", "none")]),
        1.0
    );
    let writes = |s: &Scrape| s.value("zhitong_db_query_duration_seconds_count", &[("kind", "write")]);
    assert!(writes(&middle) > writes(&before), "the raise and the logins wrote");
    assert!(
        middle.value("zhitong_db_pool_wait_seconds_count", &[("kind", "read")])
            > before.value("zhitong_db_pool_wait_seconds_count", &[("kind", "read")])
    );

    // The push worker sends through the fake FCM; the SMS worker holds the SMS (no provider).
    let fake = FakeFcm::start().await;
    let report = app.push_worker(&fake).run_once().await.expect("a push round");
    assert!(report.sent >= 1, "{report:?}");
    zhitong::notifications::sms::worker::SmsWorker::from_config(&app.state)
        .run_once()
        .await
        .expect("an SMS round");
    let after = scrape(&url).await;
    assert_eq!(
        after.value(
            "zhitong_push_deliveries_total",
            &[("provider", "FCM"), ("outcome", "sent")]
        ),
        report.sent as f64
    );
    assert_eq!(
        after.value("zhitong_push_outbox", &[("status", "PENDING"), ("provider", "FCM")]),
        pending_push - report.sent as f64
    );
    assert_eq!(
        after.value("zhitong_push_outbox", &[("status", "SENT"), ("provider", "FCM")]),
        report.sent as f64
    );
    assert_eq!(
        after.value("zhitong_sms_outbox", &[("status", "PENDING"), ("provider", "none")]),
        0.0,
        "a status that emptied is gone:\n{}",
        after.text
    );
    assert_eq!(
        after.value(
            "zhitong_sms_outbox",
            &[("status", "HELD_UNCONFIGURED"), ("provider", "none")]
        ),
        1.0
    );

    // A live subscription is counted while it is open.
    let address = app.address.clone();
    let token = z.staff_a.token.clone();
    let ws = tokio::task::spawn_blocking(move || {
        let mut ws = WsClient::init(&address, &token);
        ws.subscribe("1", "subscription { myRequestUpdates { id } }", json!({}));
        ws
    })
    .await
    .unwrap();
    let live = wait_for(&url, |s| s.value("zhitong_live_subscriptions", &[]) == 1.0).await;
    assert_eq!(live.value("zhitong_live_subscriptions", &[]), 1.0, "{}", live.text);
    drop(ws);
    let gone = wait_for(&url, |s| s.value("zhitong_live_subscriptions", &[]) == 0.0).await;
    assert_eq!(gone.value("zhitong_live_subscriptions", &[]), 0.0);

    // The background runner counts each job's rounds and times them.
    let workers = zhitong::workers::start(&zhitong::state::AppState {
        config: std::sync::Arc::new(zhitong::config::Config {
            workers: true,
            ..(*app.state.config).clone()
        }),
        ..app.state.clone()
    })
    .expect("the workers");
    let jobs = [
        "sms delivery",
        "push delivery",
        "automatic closing",
        "time-limit sweep",
        "evaluation periods",
        "idempotency-key purge",
        "similar-request term counts",
        "memory trim",
    ];
    let ran = wait_for(&url, |s| {
        jobs.iter()
            .all(|job| s.value("zhitong_job_round_duration_seconds_count", &[("job", job)]) >= 1.0)
    })
    .await;
    workers.stop().await;
    assert!(
        ran.value(
            "zhitong_job_round_duration_seconds_count",
            &[("job", "time-limit sweep")]
        ) >= 1.0,
        "{}",
        ran.text
    );
    for job in jobs {
        assert!(
            ran.value("zhitong_job_round_duration_seconds_count", &[("job", job)]) >= 1.0,
            "{job} ran a round:\n{}",
            ran.text
        );
    }
    assert!(ran.sum("zhitong_job_rounds_total") >= jobs.len() as f64);
    assert!(ran.value("zhitong_metrics_scrapes_total", &[]) > after.value("zhitong_metrics_scrapes_total", &[]));
}

/// Scrapes until `done` holds (for at most 10 s) and returns the last scrape.
async fn wait_for(url: &str, done: impl Fn(&Scrape) -> bool) -> Scrape {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let scraped = scrape(url).await;
        if done(&scraped) || std::time::Instant::now() > deadline {
            return scraped;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn two_apps_in_one_process_count_their_own(first: TestApp) {
    let backend = if first.state.db.backend() == zhitong::db::Backend::Sqlite {
        crate::helpers::Backend::Sqlite
    } else {
        crate::helpers::Backend::Postgres
    };
    let second = TestApp::spawn(backend).await;
    let (first_url, second_url) = (serve_metrics(&first), serve_metrics(&second));
    let healthz = [("route", "/healthz"), ("method", "GET"), ("status", "200")];
    for _ in 0..7 {
        let answer = first.http().get(first.url("/healthz")).send().await.unwrap();
        assert_eq!(answer.status(), 200);
    }
    for _ in 0..3 {
        second.http().get(second.url("/healthz")).send().await.unwrap();
    }
    first.post(None, "query FirstOnly { me { id } }", json!({})).await;
    let (a, b) = (scrape(&first_url).await, scrape(&second_url).await);
    assert_eq!(a.value("zhitong_http_requests_total", &healthz), 7.0, "{}", a.text);
    assert_eq!(b.value("zhitong_http_requests_total", &healthz), 3.0, "{}", b.text);
    assert_eq!(
        a.value("zhitong_graphql_operations_total", &[("operation", "FirstOnly")]),
        1.0
    );
    assert_eq!(
        b.value("zhitong_graphql_operations_total", &[("operation", "FirstOnly")]),
        0.0
    );
    assert_eq!(
        a.value("zhitong_graphql_errors_total", &[("code", "UNAUTHENTICATED")])
            - b.value("zhitong_graphql_errors_total", &[("code", "UNAUTHENTICATED")]),
        1.0,
        "only the first answered `me` without a token"
    );
}
