//! Issue 18, "Trust": sessions a user can see and end (also an admin for a user), a TOTP second
//! factor for admins, strong passwords and the password change an admin-set password needs.

use chrono::Duration;
use serde_json::{json, Value};
use zhitong::auth::second_factor;
use zhitong::clock::Clock;
use zhitong::config::Environment;

use crate::backend_tests;
use crate::helpers::{initial_password, Backend, TestApp};
use crate::requests_ws::WsClient;

const SESSIONS: &str = "{ mySessions { id device platform address createdAt lastUsedAt current } }";
const END: &str = "mutation($id: ID!) { endSession(id: $id) }";
const END_USER: &str = "mutation($u: ID!) { endUserSessions(userId: $u) }";
const REFRESH: &str = "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken } }";
const LOGIN: &str = "mutation($p: String!, $w: String!, $c: String, $d: String, $f: String) {
    login(phone: $p, password: $w, secondFactor: $c, device: $d, platform: $f) {
        accessToken refreshToken sessionId requiredAction user { id mustChangePassword secondFactorEnabled } } }";
const BEGIN: &str = "mutation { beginSecondFactorEnrolment { secret otpauthUrl } }";
const CONFIRM: &str = "mutation($c: String!) { confirmSecondFactorEnrolment(code: $c) }";
const LOG: &str = "query($a: String) { auditLog(filter: { action: $a }) { totalCount edges { node { actor { id } targetType targetId before after } } } }";

backend_tests!(
    sessions_are_listed_and_one_can_be_ended,
    ending_a_session_closes_its_websocket_at_once,
    admins_end_a_users_sessions_without_disabling_the_account,
    admins_sign_in_with_a_second_factor,
    wrong_second_factors_are_throttled_like_passwords,
    weak_passwords_are_refused_with_a_reason,
    admin_set_passwords_must_be_changed_before_anything_else,
);

fn reason(response: &Value) -> String {
    response["errors"][0]["extensions"]["reason"]
        .as_str()
        .unwrap_or_else(|| panic!("expected an error: {response:#}"))
        .to_string()
}

async fn login(app: &TestApp, phone: &str, password: &str, code: Option<&str>, device: Option<&str>) -> Value {
    app.post(
        None,
        LOGIN,
        json!({ "p": phone, "w": password, "c": code, "d": device, "f": device.map(|_| "android") }),
    )
    .await
}

async fn audit(app: &TestApp, action: &str) -> Value {
    app.ok(&app.admin_token, LOG, json!({ "a": action })).await["auditLog"].clone()
}

async fn sessions_are_listed_and_one_can_be_ended(app: TestApp) {
    let user = app.create_user("OFFICER", "13900000101", "王专员", json!({})).await;
    let phone = login(&app, &user.phone, &user.password, None, Some("HUAWEI Mate 60")).await;
    let phone = phone["data"]["login"].clone();
    app.clock.advance(Duration::minutes(3));
    let list = app.ok(&user.token, SESSIONS, json!({})).await["mySessions"].clone();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2, "{list:?}");
    let lost = list
        .iter()
        .find(|s| s["id"] == phone["sessionId"])
        .expect("the phone's session");
    assert_eq!(lost["device"], "HUAWEI Mate 60");
    assert_eq!(lost["platform"], "ANDROID");
    assert_eq!(lost["address"], "127.0.0.*");
    assert_eq!(lost["current"], false);
    assert_eq!(list.iter().filter(|s| s["current"] == true).count(), 1);

    // The lost phone's session ends: its access token and refresh token stop at once.
    let ended = app.ok(&user.token, END, json!({ "id": phone["sessionId"] })).await;
    assert_eq!(ended["endSession"], true);
    let refused = app
        .post(phone["accessToken"].as_str(), "{ me { id } }", json!({}))
        .await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    assert_eq!(reason(&refused), "SESSION_ENDED");
    let refreshed = app.post(None, REFRESH, json!({ "t": phone["refreshToken"] })).await;
    assert_eq!(reason(&refreshed), "SESSION_ENDED");
    assert_eq!(
        app.ok(&user.token, SESSIONS, json!({})).await["mySessions"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    app.ok(&user.token, "{ me { id } }", json!({})).await;

    // Nobody ends another user's session.
    let other = app.create_user("OFFICER", "13900000102", "李专员", json!({})).await;
    let mine = app.ok(&user.token, SESSIONS, json!({})).await["mySessions"][0]["id"].clone();
    let foreign = app.post(Some(&other.token), END, json!({ "id": mine })).await;
    assert_eq!(foreign["errors"][0]["extensions"]["code"], "NOT_FOUND");
    app.ok(&user.token, "{ me { id } }", json!({})).await;
}

async fn ending_a_session_closes_its_websocket_at_once(app: TestApp) {
    let user = app.create_user("OFFICER", "13900000111", "王专员", json!({})).await;
    let second = login(&app, &user.phone, &user.password, None, Some("iPhone")).await["data"]["login"].clone();
    let token = second["accessToken"].as_str().unwrap().to_string();
    let (address, own) = (app.address.clone(), user.token.clone());
    let (ended, kept) = tokio::task::spawn_blocking(move || {
        let mut ended = WsClient::init(&address, &token);
        ended.subscribe("1", "subscription { notificationReceived { id } }", json!({}));
        let mut kept = WsClient::init(&address, &own);
        kept.subscribe("1", "subscription { notificationReceived { id } }", json!({}));
        (ended, kept)
    })
    .await
    .unwrap();
    let started = std::time::Instant::now();
    app.ok(&user.token, END, json!({ "id": second["sessionId"] })).await;
    let (closed, kept_open, waited) = tokio::task::spawn_blocking(move || {
        let (mut ended, mut kept) = (ended, kept);
        let closed = ended.next_message().is_none();
        let waited = started.elapsed();
        (closed, kept.stays_quiet(std::time::Duration::from_millis(500)), waited)
    })
    .await
    .unwrap();
    assert!(closed, "the ended session's websocket must close");
    assert!(waited < std::time::Duration::from_secs(5), "closed after {waited:?}");
    assert!(kept_open, "the other session's websocket stays open");
}

async fn admins_end_a_users_sessions_without_disabling_the_account(app: TestApp) {
    let user = app
        .create_user(
            "COMPANY",
            "13900000121",
            "赵员工",
            json!({ "companyId": app.create_company("甲公司", &crate::helpers::credit_code(181)).await }),
        )
        .await;
    let other = app.create_user("OFFICER", "13900000122", "钱专员", json!({})).await;
    let refused = app.post(Some(&other.token), END_USER, json!({ "u": user.id })).await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "FORBIDDEN");
    app.ok(&user.token, "{ me { id } }", json!({})).await;

    let ended = app.ok(&app.admin_token, END_USER, json!({ "u": user.id })).await;
    assert_eq!(ended["endUserSessions"], 1);
    assert_eq!(
        reason(&app.post(Some(&user.token), "{ me { id } }", json!({})).await),
        "SESSION_ENDED"
    );
    assert_eq!(
        reason(&app.post(None, REFRESH, json!({ "t": user.refresh_token })).await),
        "SESSION_ENDED"
    );
    // The account is not disabled: the user logs in again.
    let again = login(&app, &user.phone, &user.password, None, None).await;
    assert!(again["errors"].is_null(), "{again:#}");
    let log = audit(&app, "endUserSession").await;
    assert_eq!(log["totalCount"], 1);
    let entry = &log["edges"][0]["node"];
    assert_eq!(entry["actor"]["id"], app.admin_id.as_str());
    assert_eq!(entry["targetType"], "session");
    assert!(
        entry["before"]["endedAt"].is_null() && !entry["after"]["endedAt"].is_null(),
        "{entry:#}"
    );
}

/// Enrols the admin's second factor; returns the secret and the recovery codes.
async fn enrol(app: &TestApp, token: &str) -> (String, Vec<String>) {
    let begun = app.ok(token, BEGIN, json!({})).await["beginSecondFactorEnrolment"].clone();
    let secret = begun["secret"].as_str().unwrap().to_string();
    assert!(
        begun["otpauthUrl"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/zhitong:"),
        "{begun}"
    );
    let wrong = app.post(Some(token), CONFIRM, json!({ "c": "000000" })).await;
    if second_factor::code_at(&secret, app.clock.now().timestamp()).unwrap() != "000000" {
        assert_eq!(reason(&wrong), "SECOND_FACTOR_WRONG");
    }
    let code = second_factor::code_at(&secret, app.clock.now().timestamp()).unwrap();
    let confirmed = app.ok(token, CONFIRM, json!({ "c": code })).await;
    let codes: Vec<String> = confirmed["confirmSecondFactorEnrolment"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    (secret, codes)
}

async fn admins_sign_in_with_a_second_factor(app: TestApp) {
    let phone = app.state.config.admin_phone.clone();
    let password = app.admin_password().to_string();
    let (secret, codes) = enrol(&app, &app.admin_token).await;
    assert_eq!(codes.len(), 10);
    let enrolled = audit(&app, "enrolSecondFactor").await;
    assert_eq!(enrolled["totalCount"], 1);
    assert_eq!(enrolled["edges"][0]["node"]["after"]["enabled"], true);
    assert!(!enrolled["edges"][0]["node"]["after"].to_string().contains(&secret));

    // The password alone is not enough; the right code is, once.
    app.clock.advance(Duration::seconds(30));
    let without = login(&app, &phone, &password, None, None).await;
    assert_eq!(without["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    assert_eq!(reason(&without), "SECOND_FACTOR_REQUIRED");
    let wrong_password = login(&app, &phone, "not the password at all", None, None).await;
    assert_eq!(reason(&wrong_password), "WRONG_CREDENTIALS");
    let code = second_factor::code_at(&secret, app.clock.now().timestamp()).unwrap();
    let signed_in = login(&app, &phone, &password, Some(&code), None).await;
    assert!(signed_in["errors"].is_null(), "{signed_in:#}");
    assert_eq!(signed_in["data"]["login"]["user"]["secondFactorEnabled"], true);
    let replayed = login(&app, &phone, &password, Some(&code), None).await;
    assert_eq!(reason(&replayed), "SECOND_FACTOR_WRONG");

    // A recovery code works once, and its use is audited.
    let recovered = login(&app, &phone, &password, Some(&codes[0].to_uppercase()), None).await;
    assert!(recovered["errors"].is_null(), "{recovered:#}");
    assert_eq!(
        reason(&login(&app, &phone, &password, Some(&codes[0]), None).await),
        "SECOND_FACTOR_WRONG"
    );
    let used = audit(&app, "useRecoveryCode").await;
    assert_eq!(used["totalCount"], 1);
    assert_eq!(used["edges"][0]["node"]["after"]["recoveryCodesLeft"], 9);

    // Other roles may enrol too; an admin removes a lost factor, which ends the user's sessions.
    let officer = app.create_user("OFFICER", "13900000131", "孙专员", json!({})).await;
    let (officer_secret, _) = enrol(&app, &officer.token).await;
    let reset = app
        .ok(
            &app.admin_token,
            "mutation($u: ID!) { resetSecondFactor(userId: $u) { secondFactorEnabled } }",
            json!({ "u": officer.id }),
        )
        .await;
    assert_eq!(reset["resetSecondFactor"]["secondFactorEnabled"], false);
    assert_eq!(
        reason(&app.post(Some(&officer.token), "{ me { id } }", json!({})).await),
        "SESSION_ENDED"
    );
    let back = login(&app, &officer.phone, &officer.password, None, None).await;
    assert!(back["errors"].is_null(), "{back:#}");
    let _ = officer_secret;
    assert_eq!(audit(&app, "resetSecondFactor").await["totalCount"], 1);

    // The admin turns its own factor off with a current code.
    app.clock.advance(Duration::seconds(30));
    let code = second_factor::code_at(&secret, app.clock.now().timestamp()).unwrap();
    let token = signed_in["data"]["login"]["accessToken"].as_str().unwrap();
    let removed = app
        .ok(
            token,
            "mutation($c: String!) { removeSecondFactor(code: $c) { secondFactorEnabled } }",
            json!({ "c": code }),
        )
        .await;
    assert_eq!(removed["removeSecondFactor"]["secondFactorEnabled"], false);
    assert_eq!(audit(&app, "removeSecondFactor").await["totalCount"], 1);
    assert!(login(&app, &phone, &password, None, None).await["errors"].is_null());
}

async fn wrong_second_factors_are_throttled_like_passwords(app: TestApp) {
    let phone = app.state.config.admin_phone.clone();
    let password = app.admin_password().to_string();
    let (secret, _) = enrol(&app, &app.admin_token).await;
    app.clock.advance(Duration::seconds(30));
    let right = second_factor::code_at(&secret, app.clock.now().timestamp()).unwrap();
    let wrong = if right == "111111" { "222222" } else { "111111" };
    // Asking for the code costs nothing.
    for _ in 0..6 {
        assert_eq!(
            reason(&login(&app, &phone, &password, None, None).await),
            "SECOND_FACTOR_REQUIRED"
        );
    }
    for _ in 0..5 {
        assert_eq!(
            reason(&login(&app, &phone, &password, Some(wrong), None).await),
            "SECOND_FACTOR_WRONG"
        );
    }
    let locked = login(&app, &phone, &password, Some(&right), None).await;
    assert_eq!(
        locked["errors"][0]["extensions"]["code"], "TOO_MANY_REQUESTS",
        "{locked:#}"
    );
}

async fn weak_passwords_are_refused_with_a_reason(app: TestApp) {
    const CREATE: &str = "mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } } }";
    let create = |password: &str| json!({ "i": { "role": "OFFICER", "phone": "13900000141", "name": "周专员", "password": password } });
    let common = app.post(Some(&app.admin_token), CREATE, create("password123")).await;
    assert_eq!(common["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(reason(&common), "PASSWORD_COMMON");
    assert_eq!(common["errors"][0]["extensions"]["field"], "password");
    assert!(
        common["errors"][0]["message"].as_str().unwrap().contains("常见密码"),
        "{common:#}"
    );
    let personal = app
        .post(Some(&app.admin_token), CREATE, create("zhou13900000141"))
        .await;
    assert_eq!(reason(&personal), "PASSWORD_PERSONAL");
    let keyboard = app.post(Some(&app.admin_token), CREATE, create("qwertyuiop")).await;
    assert_eq!(keyboard["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(app.count("users").await, 1, "nothing was created");

    let user = app.create_user("OFFICER", "13900000142", "吴专员", json!({})).await;
    let english = app
        .http()
        .post(app.url("/graphql"))
        .bearer_auth(&user.token)
        .header("Accept-Language", "en")
        .json(&json!({ "query": "mutation($o: String!) { changePassword(oldPassword: $o, newPassword: \"aaaaaaaaaaaa\") { accessToken } }", "variables": { "o": user.password } }))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(reason(&english), "PASSWORD_REPEATS");
    assert_eq!(english["errors"][0]["extensions"]["field"], "newPassword");
    assert!(
        english["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("repeated characters"),
        "{english:#}"
    );
    // The generated passwords pass.
    let generated = app
        .ok(&app.admin_token, "mutation { createUser(input: { role: OFFICER, phone: \"13900000143\", name: \"郑专员\" }) { initialPassword } }", json!({}))
        .await;
    assert_eq!(generated["createUser"]["initialPassword"].as_str().unwrap().len(), 16);
}

async fn admin_set_passwords_must_be_changed_before_anything_else(app: TestApp) {
    app.ok(
        &app.admin_token,
        "mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } } }",
        json!({ "i": { "role": "OFFICER", "phone": "13900000151", "name": "冯专员", "password": initial_password("13900000151") } }),
    )
    .await;
    let first = login(&app, "13900000151", &initial_password("13900000151"), None, None).await["data"]["login"].clone();
    assert_eq!(first["requiredAction"], "PASSWORD_CHANGE_REQUIRED");
    assert_eq!(first["user"]["mustChangePassword"], true);
    let token = first["accessToken"].as_str().unwrap();
    app.ok(token, "{ me { id mustChangePassword } }", json!({})).await;
    for query in [
        "{ mySessions { id } }",
        "{ sneaky: mySessions { id } }",
        "{ me { id } notifications(first: 1) { totalCount } }",
        "query { ...F } fragment F on Query { mySessions { id } }",
    ] {
        let refused = app.post(Some(token), query, json!({})).await;
        assert_eq!(
            refused["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{query}: {refused:#}"
        );
        assert_eq!(reason(&refused), "PASSWORD_CHANGE_REQUIRED");
        assert!(refused["data"].is_null(), "{refused:#}");
    }
    let changed = app
        .change_password(token, &initial_password("13900000151"), "plover-oak-candle-91")
        .await;
    assert!(changed["requiredAction"].is_null());
    app.ok(
        changed["accessToken"].as_str().unwrap(),
        "{ mySessions { id } }",
        json!({}),
    )
    .await;
    let changes = audit(&app, "changePassword").await;
    assert!(
        changes["totalCount"].as_i64().unwrap() >= 2,
        "the helper's admin change and this one"
    );

    // A reset password must be changed too.
    let id = changed["user"]["id"].clone();
    let reset = app
        .ok(
            &app.admin_token,
            "mutation($id: ID!) { resetUserPassword(id: $id) { temporaryPassword } }",
            json!({ "id": id }),
        )
        .await;
    let generated = reset["resetUserPassword"]["temporaryPassword"]
        .as_str()
        .unwrap()
        .to_string();
    let again = login(&app, "13900000151", &generated, None, None).await["data"]["login"].clone();
    assert_eq!(again["requiredAction"], "PASSWORD_CHANGE_REQUIRED");
    assert_eq!(audit(&app, "resetPassword").await["totalCount"], 1);
}

/// An admin in production must enrol a second factor before anything else; other roles need not.
#[actix_rt::test]
async fn admins_in_production_must_enrol_a_second_factor_sqlite() {
    admins_in_production_must_enrol(Backend::Sqlite).await
}

#[actix_rt::test]
#[cfg_attr(not(zhitong_pg_tests), ignore = "PostgreSQL: set ZHITONG_TEST_DATABASE_URL to run")]
async fn admins_in_production_must_enrol_a_second_factor_postgres() {
    admins_in_production_must_enrol(Backend::Postgres).await
}

async fn admins_in_production_must_enrol(backend: Backend) {
    let app = TestApp::spawn_configured(backend, |c| c.environment = Environment::Production).await;
    let refused = app
        .post(Some(&app.admin_token), "{ users(first: 1) { totalCount } }", json!({}))
        .await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "FORBIDDEN");
    assert_eq!(reason(&refused), "SECOND_FACTOR_ENROLMENT_REQUIRED");
    let phone = app.state.config.admin_phone.clone();
    let payload = login(&app, &phone, app.admin_password(), None, None).await;
    assert_eq!(
        payload["data"]["login"]["requiredAction"],
        "SECOND_FACTOR_ENROLMENT_REQUIRED"
    );
    enrol(&app, &app.admin_token).await;
    app.ok(&app.admin_token, "{ users(first: 1) { totalCount } }", json!({}))
        .await;
    // An officer in production signs in with the password alone.
    let officer = app.create_user("OFFICER", "13900000161", "陈专员", json!({})).await;
    app.ok(&officer.token, "{ mySessions { id } }", json!({})).await;
}
