//! Personal information (PIPL): a person downloads everything held about them; an admin erases
//! a person, which keeps the record of government work (requests, timeline, ledger,
//! statistics) with the person shown as "已注销用户"; the retention purge deletes what is past
//! its time.

use chrono::Duration;
use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::{credit_code, TestApp, TestUser};

backend_tests!(
    a_person_reads_and_downloads_everything_held_about_them,
    an_erasure_masks_the_person_and_keeps_the_record,
    erasure_is_refused_where_it_must_not_run,
    the_retention_purge_deletes_what_is_past_its_time,
    retention_periods_are_configurable
);

const RAISE: &str = "mutation($input: RaiseRequestInput!) { raiseRequest(input: $input) { request { id version } } }";
const ACCEPT: &str =
    "mutation($id: ID!, $v: Int!) { acceptRequest(id: $id, version: $v) { request { status version } } }";
const NOTE: &str =
    "mutation($id: ID!, $text: String!) { addProgressNote(requestId: $id, text: $text) { request { id } } }";
const MY_DATA: &str = "{ myPersonalData }";
const ERASE: &str =
    "mutation($id: ID!) { erasePersonalData(userId: $id) { user { id name phone role } tables { table rows } } }";
const REQUEST: &str = "query($id: ID!) { request(id: $id) { number title description raisedBy { name } timeline { actor { name } text } } }";

struct Zone {
    officer: TestUser,
    staff: TestUser,
    colleague: TestUser,
    request: String,
}

async fn zone(app: &TestApp) -> Zone {
    let officer = app.create_user("OFFICER", "13900000001", "雷均", json!({})).await;
    let company = app.create_company("攀华板材有限公司", &credit_code(601)).await;
    app.assign_officer(&company, &officer.id).await;
    let staff = app
        .create_user(
            "COMPANY",
            "13900000002",
            "李兴华",
            json!({ "companyId": company, "principal": true }),
        )
        .await;
    let colleague = app
        .create_user("COMPANY", "13900000003", "王同事", json!({ "companyId": company }))
        .await;
    app.register_device(&staff.token, "staff-device-token", "zh-CN").await;
    let raised = app
        .ok(
            &staff.token,
            RAISE,
            json!({ "input": { "kind": "PROBLEM", "categoryId": "cat_3", "title": "厂区停电", "description": "厂区三号楼停电，影响生产" } }),
        )
        .await;
    let request = raised["raiseRequest"]["request"]["id"].as_str().unwrap().to_string();
    let v = raised["raiseRequest"]["request"]["version"].as_i64().unwrap();
    app.ok(&officer.token, ACCEPT, json!({ "id": request, "v": v })).await;
    app.ok(
        &staff.token,
        NOTE,
        json!({ "id": request, "text": "补充：三号楼配电箱冒烟" }),
    )
    .await;
    Zone {
        officer,
        staff,
        colleague,
        request,
    }
}

async fn user_count(app: &TestApp, table: &'static str, column: &'static str, user_id: &str) -> i64 {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let id: i64 = user_id.trim_start_matches("usr_").parse().unwrap();
    app.state
        .db
        .read(move |conn| {
            let row: Count = diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table} WHERE {column} = {id}"))
                .get_result(conn)?;
            Ok(row.n)
        })
        .await
        .unwrap()
}

async fn a_person_reads_and_downloads_everything_held_about_them(app: TestApp) {
    let zone = zone(&app).await;
    let data = app.ok(&zone.staff.token, MY_DATA, json!({})).await["myPersonalData"].clone();
    assert_eq!(data["account"]["id"], zone.staff.id.as_str());
    assert_eq!(data["account"]["name"], "李兴华");
    assert_eq!(data["account"]["phone"], "13900000002");
    assert_eq!(data["account"]["role"], "COMPANY");
    assert_eq!(data["account"]["company"]["name"], "攀华板材有限公司");
    assert_eq!(data["devices"].as_array().unwrap().len(), 1);
    assert_eq!(data["devices"][0]["platform"], "ANDROID");
    assert!(
        data["devices"][0].get("token").is_none(),
        "push tokens are not handed out"
    );
    // Two sessions are held: the first login's, ended when the password the admin set was
    // changed, and the one opened by that change.
    assert_eq!(data["sessions"].as_array().unwrap().len(), 2);
    assert_eq!(data["requestsRaised"][0]["title"], "厂区停电");
    let entries: Vec<&str> = data["timelineEntries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    assert!(
        entries.iter().any(|e| e.contains("补充：三号楼配电箱冒烟")),
        "{entries:?}"
    );
    assert!(
        !data["notifications"].as_array().unwrap().is_empty(),
        "the acceptance notified the raiser: {data:#}"
    );
    // Only the caller's own data: nothing of the officer or the colleague.
    let text = data.to_string();
    assert!(
        !text.contains("13900000001") && !text.contains("王同事") && !text.contains("13900000003"),
        "{text}"
    );

    // The same document as a download.
    let response = app
        .http()
        .get(app.url("/export/my-data.json"))
        .bearer_auth(&zone.staff.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("my-data.json"));
    let downloaded: Value = response.json().await.unwrap();
    assert_eq!(downloaded["account"], data["account"]);
    assert_eq!(downloaded["requestsRaised"], data["requestsRaised"]);
    let response = app.http().get(app.url("/export/my-data.json")).send().await.unwrap();
    assert_eq!(response.status(), 401);

    // Each export is audited, by and about the caller, with what it held.
    let log = app
        .ok(
            &app.admin_token,
            "{ auditLog(filter: { action: \"exportPersonalData\" }) { totalCount edges { node { actor { id } targetType targetId after } } } }",
            json!({}),
        )
        .await;
    assert_eq!(log["auditLog"]["totalCount"], 2);
    let entry = &log["auditLog"]["edges"][0]["node"];
    assert_eq!(entry["actor"]["id"], zone.staff.id.as_str());
    assert_eq!(entry["targetType"], "user");
    assert_eq!(entry["targetId"], zone.staff.id.trim_start_matches("usr_"));
    assert_eq!(entry["after"]["sections"]["requestsRaised"], 1);
}

async fn an_erasure_masks_the_person_and_keeps_the_record(app: TestApp) {
    let zone = zone(&app).await;
    let staff_id: i64 = zone.staff.id.trim_start_matches("usr_").parse().unwrap();
    assert!(user_count(&app, "notifications", "user_id", &zone.staff.id).await > 0);
    // The person votes on their officer, with a reason, which raises a replacement flag.
    use zhitong::clock::Clock;
    let now = app.clock.now();
    app.ok(
        &app.admin_token,
        "mutation($o: DateTime!, $c: DateTime!) { openEvaluationPeriod(year: 2026, half: H1, opensAt: $o, closesAt: $c) { period { id } } }",
        json!({ "o": (now - Duration::hours(1)).to_rfc3339(), "c": (now + Duration::days(10)).to_rfc3339() }),
    )
    .await;
    app.ok(
        &zone.staff.token,
        "mutation { castEvaluationVote(verdict: UNSATISFIED, reason: \"李兴华认为专员从不回电话\") { vote { verdict } } }",
        json!({}),
    )
    .await;
    let erased = app.ok(&app.admin_token, ERASE, json!({ "id": zone.staff.id })).await["erasePersonalData"].clone();
    assert_eq!(erased["user"]["name"], "已注销用户");
    assert_eq!(erased["user"]["phone"], format!("erased-{staff_id}"));
    let tables: Vec<(String, i64)> = erased["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["table"].as_str().unwrap().to_string(), t["rows"].as_i64().unwrap()))
        .collect();
    let rows = |name: &str| tables.iter().find(|(t, _)| t == name).map(|(_, n)| *n).unwrap();
    assert_eq!(rows("devices"), 1);
    // The first login's (ended by the first password change) and the current one.
    assert_eq!(rows("refresh_tokens"), 2);
    assert!(rows("notifications") >= 1);
    assert_eq!(rows("users"), 1);
    assert_eq!(rows("evaluation_votes"), 1);
    // The verdict and its flag stay; the reason the person wrote does not.
    let flags = app
        .ok(&app.admin_token, "{ replacementFlags { status reason } }", json!({}))
        .await;
    assert_eq!(flags["replacementFlags"].as_array().unwrap().len(), 1, "{flags:#}");
    assert_eq!(flags["replacementFlags"][0]["reason"], "（内容已随个人信息注销）");

    // Gone from the database: inbox, pushes, devices, sessions; the name and phone nowhere.
    for (table, column) in [
        ("notifications", "user_id"),
        ("devices", "user_id"),
        ("refresh_tokens", "user_id"),
        ("sms_deliveries", "user_id"),
    ] {
        assert_eq!(user_count(&app, table, column, &zone.staff.id).await, 0, "{table}");
    }
    let audit = app
        .ok(
            &app.admin_token,
            "query($t: String!) { auditLog(filter: { targetType: \"user\", targetId: $t }) { edges { node { action before after } } } }",
            json!({ "t": staff_id.to_string() }),
        )
        .await
        .to_string();
    assert!(!audit.contains("李兴华") && !audit.contains("13900000002"), "{audit}");
    assert!(
        audit.contains("createUser") && audit.contains("erasePersonalData"),
        "{audit}"
    );

    // The person can no longer log in or use a session.
    let code = app
        .error_code(Some(&zone.staff.token), "{ me { id } }", json!({}))
        .await;
    assert_eq!(code, "UNAUTHENTICATED");
    let refreshed = app
        .post(
            None,
            "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken } }",
            json!({ "t": zone.staff.refresh_token }),
        )
        .await;
    assert!(refreshed.get("errors").is_some(), "{refreshed:#}");
    let login = app
        .post(
            None,
            "mutation { login(phone: \"13900000002\", password: \"pw-13900000002\") { accessToken } }",
            json!({}),
        )
        .await;
    assert!(login.get("errors").is_some(), "{login:#}");

    // The record stays, read from the colleague's, the officer's and the admin's view.
    for token in [&zone.colleague.token, &zone.officer.token, &app.admin_token] {
        let request = app.ok(token, REQUEST, json!({ "id": zone.request })).await["request"].clone();
        assert_eq!(request["title"], "厂区停电");
        let timeline = request["timeline"].as_array().unwrap();
        assert!(timeline.len() >= 3, "{request:#}");
        assert!(
            timeline
                .iter()
                .any(|e| e["actor"]["name"] == "已注销用户" && e["text"].as_str().unwrap().contains("配电箱")),
            "the note stays, by the erased person: {request:#}"
        );
        if !request["raisedBy"].is_null() {
            assert_eq!(request["raisedBy"]["name"], "已注销用户");
        }
        let text = request.to_string();
        assert!(!text.contains("李兴华") && !text.contains("13900000002"), "{text}");
    }
    let csv = app
        .http()
        .get(app.url("/export/requests.csv"))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.contains("厂区停电"), "the ledger keeps the request: {csv}");
    assert!(!csv.contains("李兴华"), "{csv}");
    // Other people's inboxes no longer name the person.
    let inbox = app
        .ok(
            &zone.officer.token,
            "{ notifications(first: 50) { edges { node { title body } } } }",
            json!({}),
        )
        .await
        .to_string();
    assert!(!inbox.contains("李兴华"), "{inbox}");
    let stats = app
        .ok(
            &app.admin_token,
            "query($from: Date!, $to: Date!) { stats(from: $from, to: $to) { received } }",
            json!({ "from": "2026-01-01", "to": "2026-12-31" }),
        )
        .await;
    assert_eq!(stats["stats"]["received"], 1);
    let mine = app
        .ok(
            &zone.colleague.token,
            "{ myRequests(first: 10) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(mine["myRequests"]["totalCount"], 1);
}

async fn erasure_is_refused_where_it_must_not_run(app: TestApp) {
    let zone = zone(&app).await;
    let code = app
        .error_code(Some(&zone.officer.token), ERASE, json!({ "id": zone.staff.id }))
        .await;
    assert_eq!(code, "FORBIDDEN");
    let code = app
        .error_code(Some(&app.admin_token), ERASE, json!({ "id": app.admin_id }))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    let response = app
        .post(Some(&app.admin_token), ERASE, json!({ "id": zone.officer.id }))
        .await;
    assert_eq!(response["errors"][0]["extensions"]["code"], "CONFLICT", "{response:#}");
    assert_eq!(
        response["errors"][0]["extensions"]["reason"],
        "ERASE_OFFICER_STILL_SERVES"
    );
    let code = app
        .error_code(Some(&app.admin_token), ERASE, json!({ "id": "usr_999999" }))
        .await;
    assert_eq!(code, "NOT_FOUND");
    assert_eq!(
        app.count("personal_data_erasures").await,
        0,
        "a refusal changes nothing"
    );
    assert_eq!(user_count(&app, "devices", "user_id", &zone.staff.id).await, 1);
    app.ok(&app.admin_token, ERASE, json!({ "id": zone.staff.id })).await;
    let response = app
        .post(Some(&app.admin_token), ERASE, json!({ "id": zone.staff.id }))
        .await;
    assert_eq!(response["errors"][0]["extensions"]["reason"], "ERASE_ALREADY_DONE");
    assert_eq!(app.count("personal_data_erasures").await, 1);
}

async fn run_purge(app: &TestApp) -> zhitong::privacy::model::RetentionReport {
    zhitong::privacy::retention::run_once(&app.state)
        .await
        .expect("a purge round")
}

async fn sql(app: &TestApp, statement: String) {
    use diesel::prelude::*;
    app.state
        .db
        .write(move |conn| {
            diesel::sql_query(statement).execute(&mut **conn)?;
            Ok(())
        })
        .await
        .unwrap();
}

async fn scalar(app: &TestApp, query: &'static str) -> i64 {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    app.state
        .db
        .read(move |conn| Ok(diesel::sql_query(query).get_result::<Count>(conn)?.n))
        .await
        .unwrap()
}

fn stamp(app: &TestApp) -> String {
    app.state.clock.now_naive().format("%Y-%m-%d %H:%M:%S").to_string()
}

async fn the_retention_purge_deletes_what_is_past_its_time(app: TestApp) {
    let zone = zone(&app).await;
    // The officer reads the inbox (the raise notified them); the raiser leaves theirs unread.
    app.ok(
        &zone.officer.token,
        "mutation { markAllNotificationsRead { unreadCount } }",
        json!({}),
    )
    .await;
    let officer_inbox = user_count(&app, "notifications", "user_id", &zone.officer.id).await;
    let staff_inbox = user_count(&app, "notifications", "user_id", &zone.staff.id).await;
    assert!(officer_inbox > 0 && staff_inbox > 0);
    // The raiser's pushes were delivered now.
    sql(
        &app,
        format!(
            "UPDATE push_deliveries SET status = 'SENT', sent_at = '{0}', updated_at = '{0}'",
            stamp(&app)
        ),
    )
    .await;
    let pushes = app.count("push_deliveries").await;
    assert!(pushes > 0);
    // A failed login leaves throttle rows; a logout ends a session.
    let failed = app
        .post(
            None,
            "mutation { login(phone: \"13900000003\", password: \"wrong-password\") { accessToken } }",
            json!({}),
        )
        .await;
    assert!(failed.get("errors").is_some());
    assert!(app.count("login_throttles").await > 0);
    app.ok(
        &zone.colleague.token,
        "mutation($t: String!) { logout(refreshToken: $t) }",
        json!({ "t": zone.colleague.refresh_token }),
    )
    .await;
    let sessions = app.count("refresh_tokens").await;
    // Ended now: the logout, and each first login's session, ended by the change of the
    // password the admin had set.
    let ended = scalar(
        &app,
        "SELECT COUNT(*) AS n FROM refresh_tokens WHERE revoked_at IS NOT NULL",
    )
    .await;
    assert!(ended >= 2, "the logout and the first logins: {ended}");

    // Within every period nothing goes.
    app.clock.advance(Duration::days(29));
    assert_eq!(run_purge(&app).await.total(), 0);
    assert_eq!(app.count("push_deliveries").await, pushes);

    // After 30 days: sent pushes, idle throttle rows and the ended session.
    app.clock.advance(Duration::days(2));
    let report = run_purge(&app).await;
    assert_eq!(report.push_deliveries as i64, pushes, "{report:?}");
    assert_eq!(app.count("push_deliveries").await, 0);
    assert_eq!(app.count("login_throttles").await, 0);
    assert_eq!(
        report.refresh_tokens as i64, ended,
        "only the ended sessions: {report:?}"
    );
    assert_eq!(app.count("refresh_tokens").await, sessions - ended);
    // A signed-in device goes with its last refresh token, and only then.
    assert!(report.sessions > 0, "{report:?}");
    let orphans = scalar(
        &app,
        "SELECT COUNT(*) AS n FROM sessions WHERE family_id NOT IN (SELECT family_id FROM refresh_tokens)",
    )
    .await;
    assert_eq!(orphans, 0);
    let kept = scalar(&app, "SELECT COUNT(*) AS n FROM sessions").await;
    assert!(kept > 0, "the open sessions' devices stay");
    assert_eq!(report.notifications, 0, "read notifications stay 180 days");
    assert!(!report.more);
    assert_eq!(run_purge(&app).await.total(), 0, "a second round finds nothing");

    // After 180 days: the read notifications (the unread stay) and the expired sessions.
    app.clock.advance(Duration::days(150));
    let report = run_purge(&app).await;
    assert_eq!(report.notifications as i64, officer_inbox, "{report:?}");
    assert_eq!(user_count(&app, "notifications", "user_id", &zone.officer.id).await, 0);
    assert_eq!(
        user_count(&app, "notifications", "user_id", &zone.staff.id).await,
        staff_inbox
    );
    assert_eq!(
        app.count("refresh_tokens").await,
        0,
        "sessions expire after 30 days and go 30 days later"
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) AS n FROM sessions").await,
        0,
        "their signed-in devices with them"
    );
}

async fn retention_periods_are_configurable(app: TestApp) {
    // The same server with `ZHITONG_RETAIN_READ_NOTIFICATIONS_DAYS=7`.
    let mut config = (*app.state.config).clone();
    config.retention.read_notifications = Duration::days(7);
    let mut state = app.state.clone();
    state.config = std::sync::Arc::new(config);
    let zone = zone(&app).await;
    app.ok(
        &zone.officer.token,
        "mutation { markAllNotificationsRead { unreadCount } }",
        json!({}),
    )
    .await;
    let inbox = user_count(&app, "notifications", "user_id", &zone.officer.id).await;
    assert!(inbox > 0);
    app.clock.advance(Duration::days(6));
    let purge = || zhitong::privacy::retention::run_once(&state);
    assert_eq!(purge().await.unwrap().notifications, 0);
    assert_eq!(
        run_purge(&app).await.notifications,
        0,
        "the default keeps them 180 days"
    );
    app.clock.advance(Duration::days(2));
    assert_eq!(purge().await.unwrap().notifications as i64, inbox);
    assert_eq!(user_count(&app, "notifications", "user_id", &zone.officer.id).await, 0);
}
