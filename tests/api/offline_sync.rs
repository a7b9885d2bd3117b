//! Catching up after being offline: `updatedSince` on `requests`, `myRequests` and `myTasks`,
//! and the per-request unread badges (`Request.unreadNotificationCount`,
//! `markRequestNotificationsRead`).

use chrono::Duration;
use serde_json::{json, Value};
use zhitong::clock::Clock;

use crate::backend_tests;
use crate::helpers::TestApp;
use crate::requests::{zone, ACCEPT, DISPATCH, NOTE, RESOLVE, SIGN};

const REQUESTS: &str =
    "query($s: DateTime) { requests(first: 100, updatedSince: $s) { totalCount edges { node { id } } } }";
const MY_REQUESTS: &str = "query($s: DateTime) { myRequests(first: 100, updatedSince: $s) { totalCount edges { node { id unreadNotificationCount } } } }";
const MY_TASKS: &str =
    "query($s: DateTime) { myTasks(first: 100, updatedSince: $s) { totalCount edges { node { id } } } }";
const INBOX: &str =
    "{ unreadNotificationCount notifications(first: 100, unreadOnly: true) { edges { node { id requestId } } } }";
const MARK: &str = "mutation($id: ID!) { markRequestNotificationsRead(requestId: $id) { markedCount request { id unreadNotificationCount } } }";

fn ids(data: &Value, field: &str) -> Vec<String> {
    let mut ids: Vec<String> = data[field]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    assert_eq!(data[field]["totalCount"].as_u64().unwrap() as usize, ids.len());
    ids
}

fn sorted(mut ids: Vec<&String>) -> Vec<String> {
    ids.sort();
    ids.into_iter().cloned().collect()
}

backend_tests!(
    updated_since_lists_only_what_changed,
    per_request_badges_count_and_clear
);

async fn updated_since_lists_only_what_changed(app: TestApp) {
    let z = zone(&app).await;
    let (r1, v1) = z.raise(&app, "PROBLEM").await;
    let (r2, _) = z.raise(&app, "PROBLEM").await;
    let (r3, _) = z.raise(&app, "PROBLEM").await;
    let officer = z.officer_a.token.as_str();

    app.clock.advance(Duration::minutes(3));
    let t1 = app.clock.now().to_rfc3339();
    let accepted = app.ok(officer, ACCEPT, json!({ "id": r1, "v": v1 })).await;
    let v1 = accepted["acceptRequest"]["request"]["version"].as_i64().unwrap();
    // A note changes the timeline only: it counts as a change too.
    app.ok(&z.staff_a.token, NOTE, json!({ "id": r2, "text": "补充情况" }))
        .await;

    let all = sorted(vec![&r1, &r2, &r3]);
    let changed = sorted(vec![&r1, &r2]);
    assert_eq!(ids(&app.ok(officer, REQUESTS, json!({})).await, "requests"), all);
    assert_eq!(
        ids(&app.ok(officer, REQUESTS, json!({ "s": t1 })).await, "requests"),
        changed
    );
    assert_eq!(
        ids(
            &app.ok(&z.staff_a.token, MY_REQUESTS, json!({ "s": t1 })).await,
            "myRequests"
        ),
        changed
    );
    assert_eq!(ids(&app.ok(officer, MY_TASKS, json!({})).await, "myTasks"), all);
    assert_eq!(
        ids(&app.ok(officer, MY_TASKS, json!({ "s": t1 })).await, "myTasks"),
        changed
    );

    // A department's step on its task counts as a change of the request.
    let dispatched = app
        .ok(
            officer,
            DISPATCH,
            json!({ "id": r1, "v": v1, "d": [{ "departmentId": z.departments[0], "lead": true }] }),
        )
        .await;
    let task = dispatched["dispatchRequest"]["tasks"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.clock.advance(Duration::minutes(3));
    let t2 = app.clock.now().to_rfc3339();
    let dept = z.dept_staff[0].token.as_str();
    assert!(ids(&app.ok(dept, MY_TASKS, json!({ "s": t2 })).await, "myTasks").is_empty());
    app.ok(dept, SIGN, json!({ "t": task })).await;
    assert_eq!(
        ids(&app.ok(dept, MY_TASKS, json!({ "s": t2 })).await, "myTasks"),
        vec![r1.clone()]
    );
    assert_eq!(
        ids(&app.ok(officer, REQUESTS, json!({ "s": t2 })).await, "requests"),
        vec![r1.clone()]
    );
    assert!(ids(
        &app.ok(&z.staff_b.token, MY_REQUESTS, json!({ "s": t1 })).await,
        "myRequests"
    )
    .is_empty());

    let later = (app.clock.now() + Duration::minutes(1)).to_rfc3339();
    assert!(ids(&app.ok(officer, REQUESTS, json!({ "s": later })).await, "requests").is_empty());
}

async fn per_request_badges_count_and_clear(app: TestApp) {
    let z = zone(&app).await;
    let officer = z.officer_a.token.as_str();
    let staff = z.staff_a.token.as_str();
    let (r1, v1) = z.raise(&app, "PROBLEM").await;
    let (r2, v2) = z.raise(&app, "PROBLEM").await;
    let accepted = app.ok(officer, ACCEPT, json!({ "id": r1, "v": v1 })).await;
    let v1 = accepted["acceptRequest"]["request"]["version"].as_i64().unwrap();
    app.ok(officer, RESOLVE, json!({ "id": r1, "v": v1, "a": "已处理" }))
        .await;
    app.ok(officer, ACCEPT, json!({ "id": r2, "v": v2 })).await;

    // The badges agree with the inbox, request by request.
    let inbox = app.ok(staff, INBOX, json!({})).await;
    let unread: Vec<String> = inbox["notifications"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["node"]["requestId"].as_str().map(str::to_string))
        .collect();
    let expected = |id: &str| unread.iter().filter(|r| *r == id).count() as i64;
    assert!(
        expected(&r1) >= 2 && expected(&r2) >= 1,
        "the company hears of each step"
    );
    let mine = app.ok(staff, MY_REQUESTS, json!({})).await;
    for edge in mine["myRequests"]["edges"].as_array().unwrap() {
        let id = edge["node"]["id"].as_str().unwrap();
        assert_eq!(edge["node"]["unreadNotificationCount"], expected(id), "{id}");
    }

    // Marking one request read clears its badge only.
    let total = inbox["unreadNotificationCount"].as_i64().unwrap();
    let marked = app.ok(staff, MARK, json!({ "id": r1 })).await;
    assert_eq!(marked["markRequestNotificationsRead"]["markedCount"], expected(&r1));
    assert_eq!(
        marked["markRequestNotificationsRead"]["request"]["unreadNotificationCount"],
        0
    );
    let after = app.ok(staff, INBOX, json!({})).await;
    assert_eq!(
        after["unreadNotificationCount"].as_i64().unwrap(),
        total - expected(&r1)
    );
    let mine = app.ok(staff, MY_REQUESTS, json!({})).await;
    for edge in mine["myRequests"]["edges"].as_array().unwrap() {
        let id = edge["node"]["id"].as_str().unwrap();
        let badge = if id == r1 { 0 } else { expected(id) };
        assert_eq!(edge["node"]["unreadNotificationCount"], badge, "{id}");
    }
    let again = app.ok(staff, MARK, json!({ "id": r1 })).await;
    assert_eq!(again["markRequestNotificationsRead"]["markedCount"], 0);

    // Another company's staff may not touch (or learn of) the request.
    assert_eq!(
        app.error_code(Some(&z.staff_b.token), MARK, json!({ "id": r2 })).await,
        "NOT_FOUND"
    );
    let badge = app
        .ok(
            staff,
            "query($id: ID!) { request(id: $id) { unreadNotificationCount } }",
            json!({ "id": r2 }),
        )
        .await;
    assert_eq!(badge["request"]["unreadNotificationCount"], expected(&r2));
}
