//! Every admin action lands in the audit log with who, what, when and the target before and
//! after, in the same transaction as the change; only admins read it.

use serde_json::json;

use crate::backend_tests;
use crate::helpers::{credit_code, TestApp};

backend_tests!(
    admin_actions_are_logged_with_before_and_after,
    a_refused_change_leaves_no_entry,
    only_admins_read_the_audit_log,
    lockout_lifts_and_role_changes_are_logged,
    the_command_line_administrator_is_logged
);

const LOG: &str = "query($f: AuditLogFilter, $n: Int, $a: String) { auditLog(filter: $f, first: $n, after: $a) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id actor { id } action targetType targetId before after at } } } }";

async fn admin_actions_are_logged_with_before_and_after(app: TestApp) {
    let officer = app.create_user("OFFICER", "13900000001", "甲专员", json!({})).await;
    let company = app.create_company("甲公司", &credit_code(401)).await;
    app.clock.advance(chrono::Duration::minutes(5));
    app.ok(
        &app.admin_token,
        "mutation($id: ID!) { updateCompany(id: $id, input: { name: \"甲科技有限公司\" }) { company { id } } }",
        json!({ "id": company }),
    )
    .await;
    app.assign_officer(&company, &officer.id).await;
    let department = app.create_department("城市管理局").await;
    app.ok(
        &app.admin_token,
        "mutation { setCalendarDay(date: \"2026-10-01\", kind: HOLIDAY, note: \"国庆节\") { day { date } } }",
        json!({}),
    )
    .await;
    app.ok(
        &app.admin_token,
        "mutation { setCalendarDay(date: \"2026-10-01\") { day { date } } }",
        json!({}),
    )
    .await;

    let data = app.ok(&app.admin_token, LOG, json!({})).await;
    let log = &data["auditLog"];
    let actions: Vec<&str> = log["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "setCalendarDay",
            "setCalendarDay",
            "createDepartment",
            "assignOfficer",
            "updateCompany",
            "createCompany",
            "changePassword",
            "createUser",
            "changePassword",
            "createFirstAdmin",
        ],
        "newest first"
    );
    // The officer and the first admin changed the passwords an admin set (or generated),
    // each their own.
    let all: Vec<&serde_json::Value> = log["edges"].as_array().unwrap().iter().map(|e| &e["node"]).collect();
    assert_eq!(all[6]["actor"]["id"], officer.id.as_str());
    assert_eq!(all[6]["before"]["mustChangePassword"], true);
    assert_eq!(all[6]["after"]["mustChangePassword"], false);
    assert_eq!(all[8]["actor"]["id"], app.admin_id.as_str());
    let (first_run, all) = all.split_last().unwrap();
    let entries: Vec<&serde_json::Value> = all
        .iter()
        .copied()
        .filter(|e| e["action"] != "changePassword")
        .collect();
    for entry in &entries {
        assert_eq!(entry["actor"]["id"], app.admin_id.as_str());
    }
    // The first run's administrator, created by the server itself: no actor.
    assert_eq!(first_run["actor"], serde_json::Value::Null);
    assert_eq!(first_run["targetType"], "user");
    assert_eq!(format!("usr_{}", first_run["targetId"].as_str().unwrap()), app.admin_id);
    assert_eq!(first_run["after"]["role"], "ADMIN");
    assert_eq!(first_run["before"], serde_json::Value::Null);
    // The holiday removed: before is the holiday, after nothing.
    assert_eq!(entries[0]["targetType"], "calendarDay");
    assert_eq!(entries[0]["targetId"], "2026-10-01");
    assert_eq!(entries[0]["before"]["kind"], "HOLIDAY");
    assert_eq!(entries[0]["after"], serde_json::Value::Null);
    assert_eq!(entries[1]["before"], serde_json::Value::Null);
    assert_eq!(entries[1]["after"]["note"], "国庆节");
    assert_eq!(entries[2]["targetId"], department[4..]);
    assert_eq!(entries[3]["targetType"], "assignment");
    assert_eq!(entries[3]["after"]["officerId"].to_string(), officer.id[4..]);
    let update = entries[4];
    assert_eq!(update["targetType"], "company");
    assert_eq!(update["targetId"], company[4..]);
    assert_eq!(update["before"]["name"], "甲公司");
    assert_eq!(update["after"]["name"], "甲科技有限公司");
    assert_eq!(update["before"]["version"], 1);
    assert_eq!(update["after"]["version"], 2);
    assert_eq!(update["at"], "2026-03-02T01:35:00+00:00");
    assert_eq!(entries[5]["before"], serde_json::Value::Null);
    let created_user = entries[6];
    assert_eq!(created_user["after"]["role"], "OFFICER");
    assert!(
        created_user["after"].get("passwordHash").is_none() && !created_user["after"].to_string().contains("argon2"),
        "no secrets in the log: {created_user}"
    );

    // Filters: by action, by target, by time; pages continue newest first.
    let data = app
        .ok(&app.admin_token, LOG, json!({ "f": { "action": "setCalendarDay" } }))
        .await;
    assert_eq!(data["auditLog"]["totalCount"], 2);
    let data = app
        .ok(
            &app.admin_token,
            LOG,
            json!({ "f": { "targetType": "company", "targetId": &company[4..] } }),
        )
        .await;
    assert_eq!(data["auditLog"]["totalCount"], 2);
    let data = app
        .ok(
            &app.admin_token,
            LOG,
            json!({ "f": { "before": "2026-03-02T01:31:00Z", "actorId": app.admin_id } }),
        )
        .await;
    assert_eq!(
        data["auditLog"]["totalCount"], 3,
        "the admin's own password change, the officer and the company came first"
    );
    let first = app.ok(&app.admin_token, LOG, json!({ "n": 4 })).await;
    assert_eq!(first["auditLog"]["pageInfo"]["hasNextPage"], true);
    let cursor = first["auditLog"]["pageInfo"]["endCursor"].clone();
    let rest = app.ok(&app.admin_token, LOG, json!({ "n": 4, "a": cursor })).await;
    let rest_actions: Vec<&str> = rest["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        rest_actions,
        ["updateCompany", "createCompany", "changePassword", "createUser"]
    );
    let last = app
        .ok(
            &app.admin_token,
            LOG,
            json!({ "n": 4, "a": rest["auditLog"]["pageInfo"]["endCursor"] }),
        )
        .await;
    let last_actions: Vec<&str> = last["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["action"].as_str().unwrap())
        .collect();
    assert_eq!(last_actions, ["changePassword", "createFirstAdmin"]);
}

async fn a_refused_change_leaves_no_entry(app: TestApp) {
    let company = app.create_company("甲公司", &credit_code(402)).await;
    let before = app.count("audit_log").await;
    let code = app
        .error_code(
            Some(&app.admin_token),
            "mutation($id: ID!) { updateCompany(id: $id, version: 7, input: { name: \"乙公司\" }) { company { id } } }",
            json!({ "id": company }),
        )
        .await;
    assert_eq!(code, "CONFLICT");
    assert_eq!(app.count("audit_log").await, before);
}

async fn only_admins_read_the_audit_log(app: TestApp) {
    let officer = app.create_user("OFFICER", "13900000001", "甲专员", json!({})).await;
    assert_eq!(app.error_code(Some(&officer.token), LOG, json!({})).await, "FORBIDDEN");
    assert_eq!(app.error_code(None, LOG, json!({})).await, "UNAUTHENTICATED");
}

async fn entries_of(app: &TestApp, action: &str) -> Vec<serde_json::Value> {
    let data = app
        .ok(&app.admin_token, LOG, json!({ "f": { "action": action }, "n": 100 }))
        .await;
    data["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

async fn lockout_lifts_and_role_changes_are_logged(app: TestApp) {
    let user = app.create_user("OFFICER", "13900000301", "丙专员", json!({})).await;
    for _ in 0..5 {
        app.post(
            None,
            "mutation($p: String!) { login(phone: $p, password: \"wrong-password\") { accessToken } }",
            json!({ "p": user.phone }),
        )
        .await;
    }
    let lifted = app
        .ok(
            &app.admin_token,
            "mutation($p: String) { liftLoginLockout(phone: $p) { lifted } }",
            json!({ "p": user.phone }),
        )
        .await;
    assert_eq!(lifted["liftLoginLockout"]["lifted"], 1);
    let entries = entries_of(&app, "liftLoginLockout").await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["actor"]["id"], app.admin_id.as_str());
    assert_eq!(entries[0]["targetType"], "loginLockout");
    assert_eq!(entries[0]["after"]["lifted"], 1);
    let key = entries[0]["after"]["keys"][0].as_str().unwrap();
    assert!(
        key.starts_with("139") && !key.contains("00000301"),
        "the phone masked: {key}"
    );
    // A refused lift (no key) leaves no entry.
    let code = app
        .error_code(
            Some(&app.admin_token),
            "mutation { liftLoginLockout { lifted } }",
            json!({}),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(entries_of(&app, "liftLoginLockout").await.len(), 1);

    let department = app.create_department("供电公司").await;
    app.ok(
        &app.admin_token,
        "mutation($id: ID!, $d: ID) { changeUserRole(id: $id, role: DEPARTMENT, departmentId: $d) { user { role } } }",
        json!({ "id": user.id, "d": department }),
    )
    .await;
    let entries = entries_of(&app, "changeUserRole").await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["actor"]["id"], app.admin_id.as_str());
    assert_eq!(format!("usr_{}", entries[0]["targetId"].as_str().unwrap()), user.id);
    assert_eq!(entries[0]["before"]["role"], "OFFICER");
    assert_eq!(entries[0]["after"]["role"], "DEPARTMENT");
}

/// Runs `zhitong create-admin` on the test's database, the password on stdin.
fn create_admin(app: &TestApp, phone: &str, name: &str, password: &str) {
    use std::io::Write;
    let url = match &app.state.config.database {
        zhitong::db::DbUrl::Postgres(url) => url.clone(),
        zhitong::db::DbUrl::Sqlite(path) => path.display().to_string(),
    };
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_zhitong"))
        .args(["create-admin", "--phone", phone, "--name", name])
        .env("ZHITONG_DATABASE_URL", url)
        .env("ZHITONG_LOG", "warn")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary starts");
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

async fn the_command_line_administrator_is_logged(app: TestApp) {
    create_admin(&app, "13900000401", "丁主任", "a-long-password-1");
    let created = entries_of(&app, "createAdminFromCommandLine").await;
    assert_eq!(created.len(), 1);
    assert_eq!(
        created[0]["actor"],
        serde_json::Value::Null,
        "the command line has no actor"
    );
    assert_eq!(created[0]["after"]["name"], "丁主任");
    assert_eq!(created[0]["after"]["role"], "ADMIN");
    let id = created[0]["targetId"].clone();
    // Run again on the same phone: the password is reset and the name changed.
    create_admin(&app, "13900000401", "丁处长", "a-long-password-2");
    let reset = entries_of(&app, "resetAdminFromCommandLine").await;
    assert_eq!(reset.len(), 1);
    assert_eq!(reset[0]["targetId"], id);
    assert_eq!(reset[0]["before"]["name"], "丁主任");
    assert_eq!(reset[0]["after"]["name"], "丁处长");
    let session = app.login("13900000401", "a-long-password-2").await;
    assert_eq!(session["user"]["role"], "ADMIN");
    let snapshots = serde_json::to_string(&reset).unwrap();
    assert!(!snapshots.contains("a-long-password"), "no password in the log");
}
