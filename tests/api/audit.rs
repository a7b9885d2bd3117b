//! Every admin action lands in the audit log with who, what, when and the target before and
//! after, in the same transaction as the change; only admins read it.

use serde_json::json;

use crate::backend_tests;
use crate::helpers::{credit_code, TestApp};

backend_tests!(
    admin_actions_are_logged_with_before_and_after,
    a_refused_change_leaves_no_entry,
    only_admins_read_the_audit_log
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
    let entries: Vec<&serde_json::Value> = all.into_iter().filter(|e| e["action"] != "changePassword").collect();
    for entry in &entries {
        assert_eq!(entry["actor"]["id"], app.admin_id.as_str());
    }
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
    assert_eq!(last["auditLog"]["edges"][0]["node"]["action"], "changePassword");
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
