//! The caller behind an access token is remembered for the token's lifetime (issue 16): a
//! request no longer reads the user, the session and the second factor again. What the
//! account's changes must still do at once: a new language is spoken on the next request, a
//! disabled account and an ended session are refused, an admin's password reset restricts the
//! account, on this instance and (PostgreSQL) on another serving the same database.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::{reads, TestApp};

backend_tests!(a_remembered_caller_is_read_again_as_soon_as_the_account_changes,);

const MISSING: &str = "{ request(id: \"req_999999\") { id } }";

fn message(response: &Value) -> String {
    response["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn code(response: &Value) -> String {
    response["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn reason(response: &Value) -> String {
    response["errors"][0]["extensions"]["reason"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn chinese(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

async fn a_remembered_caller_is_read_again_as_soon_as_the_account_changes(app: TestApp) {
    let officer = app.create_user("OFFICER", "13900000101", "甲专员", json!({})).await;
    let me = "{ me { id name } }";

    // The first request reads the caller; the next ones only what they ask for.
    let before = reads(&app);
    app.ok(&officer.token, me, json!({})).await;
    let first = reads(&app) - before;
    let before = reads(&app);
    app.ok(&officer.token, me, json!({})).await;
    let second = reads(&app) - before;
    assert_eq!((first, second), (2.0, 1.0), "reads for `me`, first and second time");

    // A new language: the very next answer speaks it.
    let missing = app.post(Some(&officer.token), MISSING, json!({})).await;
    assert!(chinese(&message(&missing)), "{missing}");
    app.ok(&officer.token, "mutation { setMyLocale(locale: EN) { id } }", json!({}))
        .await;
    let missing = app.post(Some(&officer.token), MISSING, json!({})).await;
    assert_eq!(code(&missing), "NOT_FOUND", "{missing}");
    assert!(!chinese(&message(&missing)), "{missing}");

    // An admin resets the password: the next request must change it first.
    let other = app.create_user("OFFICER", "13900000102", "乙专员", json!({})).await;
    app.ok(&other.token, me, json!({})).await;
    app.ok(
        &app.admin_token,
        "mutation($id: ID!) { resetUserPassword(id: $id) { temporaryPassword } }",
        json!({ "id": other.id }),
    )
    .await;
    let refused = app.post(Some(&other.token), me, json!({})).await;
    assert_eq!(code(&refused), "UNAUTHENTICATED", "{refused}");

    // Disabled: refused on the next request.
    app.ok(&officer.token, me, json!({})).await;
    app.ok(
        &app.admin_token,
        "mutation($id: ID!) { disableUser(id: $id) { user { id } } }",
        json!({ "id": officer.id }),
    )
    .await;
    let refused = app.post(Some(&officer.token), me, json!({})).await;
    assert_eq!(code(&refused), "UNAUTHENTICATED", "{refused}");
    assert!(
        ["ACCOUNT_DISABLED", "SESSION_ENDED"].contains(&reason(&refused).as_str()),
        "{refused}"
    );
}

/// Another instance on the same PostgreSQL database remembers a caller; the account is
/// disabled through this one: the other refuses the token as soon as the notification reaches
/// it (its listener reads every 50 ms).
async fn a_change_on_one_instance_reaches_the_callers_another_remembers(app: TestApp) {
    let officer = app.create_user("OFFICER", "13900000103", "丙专员", json!({})).await;
    let state = zhitong::app::build_state(
        zhitong::config::Config::for_database(app.state.db.url().clone()),
        std::sync::Arc::new(app.clock.clone()),
    )
    .expect("a second instance");
    let remembered = state.callers.clone();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let second = format!("http://{}/graphql", listener.local_addr().unwrap());
    actix_rt::spawn(zhitong::app::start(listener, state, 1).unwrap());
    let client = reqwest::Client::new();
    let me = |token: String| {
        let (client, second) = (client.clone(), second.clone());
        async move {
            client
                .post(&second)
                .bearer_auth(token)
                .json(&json!({ "query": "{ me { id } }" }))
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let answered = me(officer.token.clone()).await;
    assert_eq!(answered["data"]["me"]["id"], officer.id.as_str(), "{answered}");
    assert_eq!(remembered.len(), 1, "the second instance remembers the caller");
    // Give the second instance's listener time to listen before the change.
    tokio::time::sleep(Duration::from_millis(300)).await;

    app.ok(
        &app.admin_token,
        "mutation($id: ID!) { disableUser(id: $id) { user { id } } }",
        json!({ "id": officer.id }),
    )
    .await;
    let started = Instant::now();
    let refused = loop {
        let answer = me(officer.token.clone()).await;
        if answer.get("errors").is_some() || started.elapsed() > Duration::from_secs(5) {
            break answer;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(code(&refused), "UNAUTHENTICATED", "{refused}");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "refused after {:?}",
        started.elapsed()
    );
}

mod a_change_on_one_instance_reaches_the_callers_another_remembers {
    #[actix_rt::test]
    #[cfg_attr(not(zhitong_pg_tests), ignore = "PostgreSQL: set ZHITONG_TEST_DATABASE_URL to run")]
    async fn postgres() {
        super::a_change_on_one_instance_reaches_the_callers_another_remembers(
            crate::helpers::TestApp::spawn(crate::helpers::Backend::Postgres).await,
        )
        .await
    }
}
