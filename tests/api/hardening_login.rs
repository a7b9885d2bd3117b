//! Login abuse: attempts are limited per phone number and per client address with lockouts that
//! grow and that an admin can lift; unknown and known phone numbers answer alike, in the same
//! time; credential changes end sessions; a retried refresh does not log a phone out.

use std::time::{Duration as StdDuration, Instant};

use chrono::Duration;
use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::{Backend, TestApp};

backend_tests!(
    a_phone_is_locked_after_five_failures_for_growing_times,
    an_address_is_locked_after_many_failures_across_phones,
    parallel_attempts_cannot_slip_past_the_limit,
    unknown_and_known_phones_answer_alike_in_the_same_time,
    credential_changes_revoke_refresh_tokens,
    a_retried_refresh_inside_thirty_seconds_keeps_the_session,
);

const LOGIN: &str =
    "mutation($p: String!, $w: String!) { login(phone: $p, password: $w) { accessToken refreshToken } }";
const REFRESH: &str = "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken } }";

async fn attempt(app: &TestApp, phone: &str, password: &str) -> Value {
    app.post(None, LOGIN, json!({ "p": phone, "w": password })).await
}

fn code(response: &Value) -> &str {
    response["errors"][0]["extensions"]["code"].as_str().unwrap_or("OK")
}

async fn lockouts(app: &TestApp) -> Vec<Value> {
    let data = app
        .ok(
            &app.admin_token,
            "{ loginLockouts { kind label lockedUntil lockouts } }",
            json!({}),
        )
        .await;
    data["loginLockouts"].as_array().unwrap().clone()
}

async fn a_phone_is_locked_after_five_failures_for_growing_times(app: TestApp) {
    let user = app.create_user("OFFICER", "13900000201", "甲", json!({})).await;
    for i in 0..5 {
        assert_eq!(
            code(&attempt(&app, &user.phone, &format!("wrong-{i}-pass")).await),
            "UNAUTHENTICATED"
        );
    }
    // Locked: even the right password is refused, with a clear code.
    let locked = attempt(&app, &user.phone, &user.password).await;
    assert_eq!(code(&locked), "TOO_MANY_REQUESTS", "{locked:#}");
    assert!(locked["data"].is_null());
    let listed = lockouts(&app).await;
    assert_eq!(listed.len(), 1, "{listed:#?}");
    assert_eq!(listed[0]["kind"], "PHONE");
    assert_eq!(listed[0]["label"], "139****0201");
    assert_eq!(listed[0]["lockouts"], 1);

    // The first lock lasts a minute.
    app.clock.advance(Duration::seconds(61));
    app.login(&user.phone, &user.password).await;

    // Success forgets the failures; five more lock it again, then five more after the lock
    // ends lock it twice as long.
    for i in 0..5 {
        attempt(&app, &user.phone, &format!("wrong-{i}-again")).await;
    }
    assert_eq!(
        code(&attempt(&app, &user.phone, &user.password).await),
        "TOO_MANY_REQUESTS"
    );
    app.clock.advance(Duration::seconds(61));
    for i in 0..5 {
        assert_eq!(
            code(&attempt(&app, &user.phone, &format!("wrong-{i}-third")).await),
            "UNAUTHENTICATED"
        );
    }
    assert_eq!(
        code(&attempt(&app, &user.phone, &user.password).await),
        "TOO_MANY_REQUESTS"
    );
    app.clock.advance(Duration::seconds(61));
    assert_eq!(
        code(&attempt(&app, &user.phone, &user.password).await),
        "TOO_MANY_REQUESTS",
        "the second lock in a row lasts two minutes"
    );

    // Only admins see or lift locks.
    let officer = app.create_user("OFFICER", "13900000202", "乙", json!({})).await;
    let lift = "mutation($p: String) { liftLoginLockout(phone: $p) { lifted } }";
    assert_eq!(
        app.error_code(Some(&officer.token), lift, json!({ "p": user.phone }))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.error_code(Some(&officer.token), "{ loginLockouts { label } }", json!({}))
            .await,
        "FORBIDDEN"
    );
    let lifted = app.ok(&app.admin_token, lift, json!({ "p": user.phone })).await;
    assert_eq!(lifted["liftLoginLockout"]["lifted"], 1);
    app.login(&user.phone, &user.password).await;
    assert!(lockouts(&app).await.is_empty());
}

async fn an_address_is_locked_after_many_failures_across_phones(app: TestApp) {
    let user = app.create_user("OFFICER", "13900000211", "丙", json!({})).await;
    // Twenty failures from one address, four per phone (no phone reaches its own limit).
    for i in 0..20 {
        let phone = format!("1370000{:04}", i / 4);
        assert_eq!(code(&attempt(&app, &phone, "some-guess-1").await), "UNAUTHENTICATED");
    }
    let locked = attempt(&app, &user.phone, &user.password).await;
    assert_eq!(code(&locked), "TOO_MANY_REQUESTS", "{locked:#}");
    let listed = lockouts(&app).await;
    assert!(
        listed
            .iter()
            .any(|l| l["kind"] == "ADDRESS" && l["label"] == "127.0.0.1"),
        "{listed:#?}"
    );
    let lifted = app
        .ok(
            &app.admin_token,
            "mutation { liftLoginLockout(address: \"127.0.0.1\") { lifted } }",
            json!({}),
        )
        .await;
    assert_eq!(lifted["liftLoginLockout"]["lifted"], 1);
    app.login(&user.phone, &user.password).await;
}

async fn parallel_attempts_cannot_slip_past_the_limit(app: TestApp) {
    let user = app.create_user("OFFICER", "13900000221", "丁", json!({})).await;
    let attempts = (0..12).map(|i| {
        let (app, phone) = (&app, user.phone.clone());
        async move { code(&attempt(app, &phone, &format!("parallel-{i}")).await).to_string() }
    });
    let codes = futures::future::join_all(attempts).await;
    let verified = codes.iter().filter(|c| *c == "UNAUTHENTICATED").count();
    let refused = codes.iter().filter(|c| *c == "TOO_MANY_REQUESTS").count();
    assert_eq!((verified, refused), (5, 7), "{codes:?}");
}

fn median(mut samples: Vec<StdDuration>) -> StdDuration {
    samples.sort();
    samples[samples.len() / 2]
}

async fn unknown_and_known_phones_answer_alike_in_the_same_time(app: TestApp) {
    let user = app.create_user("OFFICER", "13900000231", "戊", json!({})).await;
    let unknown = "13900000299";
    let wrong = attempt(&app, &user.phone, "not-the-password").await;
    let missing = attempt(&app, unknown, "not-the-password").await;
    assert_eq!(wrong["errors"][0]["message"], missing["errors"][0]["message"]);
    assert_eq!(wrong["errors"][0]["extensions"], missing["errors"][0]["extensions"]);

    // Timing: both check a password hash (a dummy one for the unknown number).
    let (mut known_times, mut unknown_times) = (Vec::new(), Vec::new());
    for _ in 0..3 {
        let started = Instant::now();
        attempt(&app, &user.phone, "not-the-password").await;
        known_times.push(started.elapsed());
        let started = Instant::now();
        attempt(&app, unknown, "not-the-password").await;
        unknown_times.push(started.elapsed());
    }
    let (known, missing_time) = (median(known_times), median(unknown_times));
    assert!(
        missing_time * 2 >= known && known * 2 >= missing_time,
        "known {known:?} vs unknown {missing_time:?}"
    );

    // Locked, both answer alike too.
    for phone in [user.phone.as_str(), unknown] {
        attempt(&app, phone, "not-the-password").await;
    }
    let locked_known = attempt(&app, &user.phone, "not-the-password").await;
    let locked_unknown = attempt(&app, unknown, "not-the-password").await;
    assert_eq!(code(&locked_known), "TOO_MANY_REQUESTS");
    assert_eq!(
        locked_known["errors"][0]["extensions"],
        locked_unknown["errors"][0]["extensions"]
    );
    let strip_digits = |v: &Value| v.as_str().unwrap().replace(|c: char| c.is_ascii_digit(), "");
    assert_eq!(
        strip_digits(&locked_known["errors"][0]["message"]),
        strip_digits(&locked_unknown["errors"][0]["message"])
    );
}

async fn refresh_refused(app: &TestApp, token: &str) -> bool {
    code(&app.post(None, REFRESH, json!({ "t": token })).await) == "UNAUTHENTICATED"
}

async fn credential_changes_revoke_refresh_tokens(app: TestApp) {
    let company = app
        .create_company("攀华板材有限公司", &crate::helpers::credit_code(231))
        .await;
    let department = app.create_department("供电公司").await;

    // A role change ends every session of that user, access tokens included, at once.
    let mut user = app.create_user("OFFICER", "13900000241", "己", json!({})).await;
    let change = "mutation($id: ID!, $r: Role!, $c: ID, $d: ID) { changeUserRole(id: $id, role: $r, companyId: $c, departmentId: $d) { user { role department { id } } } }";
    let changed = app
        .ok(
            &app.admin_token,
            change,
            json!({ "id": user.id, "r": "DEPARTMENT", "d": department }),
        )
        .await;
    assert_eq!(changed["changeUserRole"]["user"]["role"], "DEPARTMENT");
    assert!(refresh_refused(&app, &user.refresh_token).await);
    let ended = app.post(Some(&user.token), "{ me { role } }", json!({})).await;
    assert_eq!(ended["errors"][0]["extensions"]["reason"], "SESSION_ENDED", "{ended:#}");
    app.relogin(&mut user).await;
    let me = app.ok(&user.token, "{ me { role } }", json!({})).await;
    assert_eq!(me["me"]["role"], "DEPARTMENT");
    // The role needs its link; an officer who serves a company keeps the role.
    assert_eq!(
        app.error_code(Some(&app.admin_token), change, json!({ "id": user.id, "r": "COMPANY" }))
            .await,
        "BAD_USER_INPUT"
    );
    let officer = app.create_user("OFFICER", "13900000242", "庚", json!({})).await;
    app.assign_officer(&company, &officer.id).await;
    assert_eq!(
        app.error_code(
            Some(&app.admin_token),
            change,
            json!({ "id": officer.id, "r": "DEPARTMENT", "d": department })
        )
        .await,
        "CONFLICT"
    );
    assert!(!refresh_refused(&app, &officer.refresh_token).await);

    // A password change and an admin's reset end the sessions too.
    let mut other = app.create_user("OFFICER", "13900000243", "辛", json!({})).await;
    let second = app.login(&other.phone, &other.password).await;
    app.ok(
        &other.token,
        "mutation($o: String!) { changePassword(oldPassword: $o, newPassword: \"another-pass-word-7431\") { accessToken } }",
        json!({ "o": other.password }),
    )
    .await;
    assert!(refresh_refused(&app, &other.refresh_token).await);
    assert!(refresh_refused(&app, second["refreshToken"].as_str().unwrap()).await);
    other.password = "another-pass-word-7431".into();
    app.relogin(&mut other).await;
    app.ok(
        &app.admin_token,
        "mutation($id: ID!) { resetUserPassword(id: $id) { temporaryPassword } }",
        json!({ "id": other.id }),
    )
    .await;
    assert!(refresh_refused(&app, &other.refresh_token).await);
}

async fn a_retried_refresh_inside_thirty_seconds_keeps_the_session(app: TestApp) {
    let user = app.create_user("OFFICER", "13900000251", "壬", json!({})).await;
    // The phone's first exchange is lost on the way back; it retries 20 s later.
    let lost = app.post(None, REFRESH, json!({ "t": user.refresh_token })).await;
    let lost_token = lost["data"]["refreshToken"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_string();
    app.clock.advance(Duration::seconds(20));
    let retried = app.post(None, REFRESH, json!({ "t": user.refresh_token })).await;
    let kept = retried["data"]["refreshToken"]["refreshToken"]
        .as_str()
        .unwrap_or_else(|| panic!("the retry was refused: {retried:#}"))
        .to_string();
    // Both answers stay usable; the session goes on.
    let next = app.post(None, REFRESH, json!({ "t": kept })).await;
    assert!(next["data"]["refreshToken"]["accessToken"].is_string(), "{next:#}");
    let access = next["data"]["refreshToken"]["accessToken"].as_str().unwrap();
    app.ok(access, "{ me { id } }", json!({})).await;

    // Presented again later than a retry would come: a copy. The whole session ends.
    app.clock.advance(Duration::seconds(31));
    assert!(refresh_refused(&app, &user.refresh_token).await);
    assert!(refresh_refused(&app, &lost_token).await);
    let newest = next["data"]["refreshToken"]["refreshToken"].as_str().unwrap();
    assert!(refresh_refused(&app, newest).await);
}

/// Behind a trusted proxy, the address is the last `X-Forwarded-For` hop (the one the proxy
/// added; what the client put before it is ignored): one client's failures do not lock out
/// another's.
#[actix_rt::test]
async fn forwarded_addresses_are_counted_apart_behind_a_trusted_proxy() {
    let app = TestApp::spawn_configured(Backend::Sqlite, |c| c.trust_forwarded_for = true).await;
    let user = app.create_user("OFFICER", "13900000261", "癸", json!({})).await;
    let from = |address: &'static str, phone: String, password: &'static str| {
        let app = &app;
        async move {
            let response = app
                .http()
                .post(app.url("/graphql"))
                .header("x-forwarded-for", format!("10.9.9.{}, {address}", phone.len() % 7))
                .json(&json!({ "query": LOGIN, "variables": { "p": phone, "w": password } }))
                .send()
                .await
                .unwrap();
            response.json::<Value>().await.unwrap()
        }
    };
    for i in 0..20 {
        from("203.0.113.7", format!("1370000{:04}", i / 4), "guess-guess").await;
    }
    assert_eq!(
        code(&from("203.0.113.7", user.phone.clone(), "whatever-1").await),
        "TOO_MANY_REQUESTS"
    );
    let own = crate::helpers::own_password(&user.phone);
    let other = from("198.51.100.2", user.phone.clone(), Box::leak(own.into_boxed_str())).await;
    assert!(other["data"]["login"]["accessToken"].is_string(), "{other:#}");
    let listed = lockouts(&app).await;
    assert_eq!(listed[0]["label"], "203.0.113.7", "{listed:#?}");
}
