//! `zhitong seed-demo` fills an empty SQLite file with a zone where every request status and
//! channel occurs, refuses a database that is not empty, and prints logins that work.

use std::net::TcpListener;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use serde_json::{json, Value};
use zhitong::clock::{Clock, ManualClock};
use zhitong::config::Config;
use zhitong::db::DbUrl;
use zhitong::demo::{self, DemoOptions};
use zhitong::requests::model::{Channel, RequestStatus};

async fn post(client: &reqwest::Client, address: &str, token: Option<&str>, query: &str, variables: Value) -> Value {
    let mut request = client
        .post(format!("{address}/graphql"))
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap().json().await.unwrap()
}

#[actix_rt::test]
async fn seed_demo_fills_an_empty_database_with_every_status_and_channel() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config::for_database(DbUrl::Sqlite(dir.path().join("demo.db")));
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 20, 2, 0, 0).unwrap());
    let state = zhitong::app::build_state(config, Arc::new(clock.clone())).unwrap();
    state.db.migrate_blocking().unwrap();

    let report = demo::seed(&state, &clock, &DemoOptions::default())
        .await
        .expect("the demo");
    for status in RequestStatus::ALL {
        let n = report.by_status.iter().find(|(s, _)| s == status).unwrap().1;
        assert!(n > 0, "no {status} request in the demo: {:?}", report.by_status);
    }
    for channel in Channel::ALL {
        let n = report.by_channel.iter().find(|(c, _)| c == channel).unwrap().1;
        assert!(n > 0, "no {channel} request in the demo: {:?}", report.by_channel);
    }
    let total: i64 = report.by_status.iter().map(|(_, n)| n).sum();
    assert_eq!(total, 400);
    assert_eq!((report.companies, report.officers, report.departments), (200, 20, 8));
    assert!(report.flags > 0, "the closed evaluation period flagged someone");
    assert_eq!(
        clock.now_naive(),
        Utc.with_ymd_and_hms(2026, 11, 20, 2, 0, 0).unwrap().naive_utc()
    );

    // A second run refuses: the database is no longer empty.
    let again = demo::seed(&state, &clock, &DemoOptions::default()).await;
    assert!(matches!(again, Err(zhitong::error::AppError::Conflict(_))));

    // The printed logins work, one per role.
    let printed = report.render();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    actix_rt::spawn(zhitong::app::start(listener, state.clone(), 1).unwrap());
    let client = reqwest::Client::new();
    let mut roles = Vec::new();
    let mut admin_token = String::new();
    let mut company_token = String::new();
    for line in printed.lines().filter(|l| l.contains(" phone ")) {
        let words: Vec<&str> = line.split_whitespace().collect();
        let (role, phone, password) = (words[0], words[2], words[4]);
        let answer = post(
            &client,
            &address,
            None,
            "mutation($p: String!, $w: String!) { login(phone: $p, password: $w) { accessToken user { role } } }",
            json!({ "p": phone, "w": password }),
        )
        .await;
        assert_eq!(answer["data"]["login"]["user"]["role"], role, "{line}: {answer}");
        if role == "ADMIN" {
            admin_token = answer["data"]["login"]["accessToken"].as_str().unwrap().to_string();
        }
        if role == "COMPANY" {
            company_token = answer["data"]["login"]["accessToken"].as_str().unwrap().to_string();
        }
        roles.push(role.to_string());
    }
    assert_eq!(roles, ["ADMIN", "OFFICER", "DEPARTMENT", "COMPANY"]);

    // The company app finds the demo's published answers before asking.
    let found = post(
        &client,
        &address,
        Some(&company_token),
        "query($t: String!) { suggestAnswers(text: $t) { answers { answer { question } } } }",
        json!({ "t": "我们今年没裁员，稳岗补贴怎么申请？" }),
    )
    .await;
    let first = found["data"]["suggestAnswers"]["answers"][0]["answer"]["question"]
        .as_str()
        .unwrap_or_default();
    assert!(first.contains("稳岗"), "{found}");

    // The admin's numbers agree with the demo.
    let answer = post(
        &client,
        &address,
        Some(&admin_token),
        "{ stats(from: \"2026-01-01\", to: \"2026-12-31\") { received coverage { withoutOfficer } }
           replacementFlags { id } }",
        json!({}),
    )
    .await;
    assert_eq!(answer["data"]["stats"]["received"], 400, "{answer}");
    assert!(answer["data"]["stats"]["coverage"]["withoutOfficer"].as_i64().unwrap() > 0);
    assert_eq!(
        answer["data"]["replacementFlags"].as_array().unwrap().len(),
        report.flags
    );
}
