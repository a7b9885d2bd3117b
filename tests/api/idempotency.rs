//! Offline-safe mutations: every mutation that creates something or sends a push takes an
//! `idempotencyKey`; a repeat with the same key from the same user answers the first result
//! and changes nothing, also when the repeats race each other.

use chrono::Duration;
use serde_json::{json, Value};
use zhitong::clock::Clock;

use crate::backend_tests;
use crate::helpers::{TestApp, TestUser};
use crate::requests::{due, zone, Zone, ACCEPT, DISPATCH};

const K_ACCEPT: &str = "mutation($id: ID!, $v: Int!, $k: String) { acceptRequest(id: $id, version: $v, idempotencyKey: $k) { request { id status version } } }";
const K_REJECT: &str = "mutation($id: ID!, $v: Int!, $k: String) { rejectRequest(id: $id, version: $v, reason: \"不属于受理范围\", idempotencyKey: $k) { request { id status version answer } } }";
const K_ANSWER: &str = "mutation($id: ID!, $v: Int!, $k: String) { answerRequest(id: $id, version: $v, answer: \"按峰谷电价执行\", idempotencyKey: $k) { request { id status version answer } } }";
const K_DISPATCH: &str = "mutation($id: ID!, $v: Int!, $d: [DispatchDepartmentInput!], $p: Boolean, $k: String) { dispatchRequest(id: $id, version: $v, departments: $d, toPool: $p, idempotencyKey: $k) { request { id status version } tasks { id status lead } } }";
const K_CLAIM: &str = "mutation($t: ID!, $k: String) { claimTask(taskId: $t, idempotencyKey: $k) { task { id status } request { id status version } } }";
const K_SIGN: &str = "mutation($t: ID!, $k: String) { signTask(taskId: $t, idempotencyKey: $k) { task { id status } request { id status version } } }";
const K_RETURN: &str = "mutation($t: ID!, $k: String) { returnTask(taskId: $t, reason: \"非本部门职责\", idempotencyKey: $k) { task { id status } request { id status version } } }";
const K_TRANSFER: &str = "mutation($t: ID!, $d: ID!, $k: String) { transferTask(taskId: $t, toDepartmentId: $d, reason: \"兄弟部门职责\", idempotencyKey: $k) { task { id status } request { id status version } } }";
const K_PLAN: &str = "mutation($t: ID!, $due: DateTime!, $k: String) { submitPlan(taskId: $t, responsible: \"张科长\", approach: \"抢修线路\", dueAt: $due, idempotencyKey: $k) { task { id status } request { id status version } } }";
const K_COMPLETE: &str = "mutation($t: ID!, $k: String) { completeTask(taskId: $t, result: \"已恢复供电\", idempotencyKey: $k) { task { id status result } request { id status version } } }";
const K_NOTE: &str = "mutation($id: ID!, $text: String!, $k: String) { addProgressNote(requestId: $id, text: $text, idempotencyKey: $k) { request { id version } } }";
const K_RESOLVE: &str = "mutation($id: ID!, $v: Int!, $k: String) { resolveRequest(id: $id, version: $v, answer: \"已处理\", idempotencyKey: $k) { request { id status version } } }";
const K_UNRESOLVABLE: &str = "mutation($id: ID!, $v: Int!, $k: String) { markUnresolvable(id: $id, version: $v, reason: \"政策所限\", filingNumber: \"BA-1\", idempotencyKey: $k) { request { id status version } } }";
const K_CONFIRM: &str = "mutation($id: ID!, $s: Boolean!, $k: String) { confirmResolution(id: $id, solved: $s, satisfied: $s, idempotencyKey: $k) { request { id status version } } }";
const K_WITHDRAW: &str = "mutation($id: ID!, $k: String) { withdrawRequest(id: $id, reason: \"已自行解决\", idempotencyKey: $k) { request { id status version } } }";
pub const K_URGE: &str = "mutation($id: ID!, $m: String, $k: String) { urgeRequest(id: $id, message: $m, idempotencyKey: $k) { request { id status version } } }";
const K_ASK: &str = "mutation($id: ID!, $k: String) { requestInformation(requestId: $id, question: \"请补充用电户号\", idempotencyKey: $k) { request { id version } } }";
const K_PROVIDE: &str = "mutation($id: ID!, $k: String) { provideInformation(requestId: $id, answer: \"户号 0012345\", idempotencyKey: $k) { request { id version } } }";
const K_EXTEND: &str = "mutation($t: ID!, $u: DateTime!, $k: String) { requestExtension(taskId: $t, until: $u, reason: \"需协调停电窗口\", idempotencyKey: $k) { extension { id status } } }";
const K_DECIDE: &str = "mutation($e: ID!, $k: String) { decideExtension(extensionId: $e, approve: true, idempotencyKey: $k) { extension { id status } } }";
const K_VOTE: &str = "mutation($k: String) { castEvaluationVote(verdict: UNSATISFIED, reason: \"联系不上\", idempotencyKey: $k) { vote { verdict reason } period { id } } }";
const OPEN: &str = "mutation($y: Int!, $o: DateTime!, $c: DateTime!) { openEvaluationPeriod(year: $y, half: H1, opensAt: $o, closesAt: $c) { period { id } } }";
const ADD_FILE: &str = "mutation($r: ID!, $f: Upload!, $k: String) { addAttachment(requestId: $r, file: $f, idempotencyKey: $k) { attachment { id sha256 } } }";

/// The rows a mutation (and what it causes) may write.
const TABLES: [&str; 9] = [
    "requests",
    "request_tasks",
    "request_events",
    "notifications",
    "push_deliveries",
    "sla_extensions",
    "attachments",
    "evaluation_votes",
    "idempotency_keys",
];

async fn rows(app: &TestApp) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in TABLES {
        counts.push(app.count(table).await);
    }
    counts
}

/// Sends `query` once, then again with the same variables (the same key): the repeat answers
/// exactly the first answer and writes no row.
async fn twice(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    let before = rows(app).await;
    let first = app.ok(token, query, variables.clone()).await;
    let after_first = rows(app).await;
    assert_ne!(before, after_first, "the first call changes something: {query}");
    let again = app.ok(token, query, variables).await;
    assert_eq!(first, again, "the repeat answers the first result: {query}");
    assert_eq!(rows(app).await, after_first, "the repeat writes nothing: {query}");
    first
}

fn field<'a>(data: &'a Value, path: &[&str]) -> &'a Value {
    path.iter().fold(data, |v, p| &v[*p])
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_else(|| panic!("a string, not {v}")).to_string()
}

async fn accepted(app: &TestApp, z: &Zone, kind: &str) -> (String, i64) {
    let (id, v) = z.raise(app, kind).await;
    let data = app.ok(&z.officer_a.token, ACCEPT, json!({ "id": id, "v": v })).await;
    (id, data["acceptRequest"]["request"]["version"].as_i64().unwrap())
}

async fn dispatched_to(app: &TestApp, z: &Zone, department: usize) -> (String, String) {
    let (id, v) = accepted(app, z, "PROBLEM").await;
    let data = app
        .ok(
            &z.officer_a.token,
            DISPATCH,
            json!({ "id": id, "v": v, "d": [{ "departmentId": z.departments[department], "lead": true }] }),
        )
        .await;
    (id, text(&data["dispatchRequest"]["tasks"][0]["id"]))
}

fn jpeg() -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F'];
    bytes.extend(std::iter::repeat_n(0x3Cu8, 1024));
    bytes
}

async fn upload(app: &TestApp, user: &TestUser, request: &str, key: &str) -> Value {
    use reqwest::multipart::{Form, Part};
    let operations = json!({ "query": ADD_FILE, "variables": { "r": request, "f": null, "k": key } });
    let form = Form::new()
        .text("operations", operations.to_string())
        .text("map", r#"{"0": ["variables.f"]}"#)
        .part(
            "0",
            Part::bytes(jpeg())
                .file_name("现场.jpg")
                .mime_str("image/jpeg")
                .unwrap(),
        );
    let response = app
        .http()
        .post(app.url("/graphql"))
        .bearer_auth(&user.token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert!(body.get("errors").is_none(), "upload failed: {body:#}");
    body["data"].clone()
}

backend_tests!(
    every_step_repeated_with_its_key_answers_the_first_result,
    a_key_reused_with_other_arguments_is_refused,
    racing_repeats_apply_once,
    keys_are_kept_for_two_days_then_purged,
);

async fn every_step_repeated_with_its_key_answers_the_first_result(app: TestApp) {
    let z = zone(&app).await;
    app.register_device(&z.officer_a.token, "fcm-officer-a", "zh-CN").await;
    app.register_device(&z.dept_staff[0].token, "fcm-dept-0", "zh-CN").await;
    app.register_device(&z.staff_a.token, "fcm-staff-a", "zh-CN").await;
    let (officer, staff, dept) = (&z.officer_a.token, &z.staff_a.token, &z.dept_staff[0].token);

    // One request through its whole life, each step sent twice with its key.
    let (id, v) = z.raise(&app, "PROBLEM").await;
    let data = twice(&app, officer, K_ACCEPT, json!({ "id": id, "v": v, "k": "accept-1" })).await;
    let v = field(&data, &["acceptRequest", "request", "version"]).as_i64().unwrap();
    twice(&app, officer, K_ASK, json!({ "id": id, "k": "ask-1" })).await;
    twice(&app, staff, K_PROVIDE, json!({ "id": id, "k": "provide-1" })).await;
    let v = v + 2;
    let data = twice(
        &app,
        officer,
        K_DISPATCH,
        json!({ "id": id, "v": v, "d": [{ "departmentId": z.departments[0], "lead": true }], "k": "dispatch-1" }),
    )
    .await;
    let task = text(&data["dispatchRequest"]["tasks"][0]["id"]);
    twice(&app, dept, K_SIGN, json!({ "t": task, "k": "sign-1" })).await;
    let data = twice(
        &app,
        dept,
        K_EXTEND,
        json!({ "t": task, "u": due(&app, 20), "k": "extend-1" }),
    )
    .await;
    let extension = text(&data["requestExtension"]["extension"]["id"]);
    twice(
        &app,
        &app.admin_token,
        K_DECIDE,
        json!({ "e": extension, "k": "decide-1" }),
    )
    .await;
    twice(
        &app,
        dept,
        K_PLAN,
        json!({ "t": task, "due": due(&app, 5), "k": "plan-1" }),
    )
    .await;
    twice(
        &app,
        staff,
        K_NOTE,
        json!({ "id": id, "text": "请尽快", "k": "note-1" }),
    )
    .await;
    twice(&app, staff, K_URGE, json!({ "id": id, "m": "停工中", "k": "urge-1" })).await;
    let data = twice(&app, dept, K_COMPLETE, json!({ "t": task, "k": "complete-1" })).await;
    assert_eq!(data["completeTask"]["request"]["status"], "RESOLVED");
    let data = twice(
        &app,
        staff,
        K_CONFIRM,
        json!({ "id": id, "s": false, "k": "confirm-1" }),
    )
    .await;
    assert_eq!(data["confirmResolution"]["request"]["status"], "REOPENED");
    let v = data["confirmResolution"]["request"]["version"].as_i64().unwrap();
    twice(&app, officer, K_RESOLVE, json!({ "id": id, "v": v, "k": "resolve-1" })).await;
    let data = twice(&app, staff, K_CONFIRM, json!({ "id": id, "s": true, "k": "confirm-2" })).await;
    assert_eq!(data["confirmResolution"]["request"]["status"], "CLOSED");

    // The other endings and task steps.
    let (id, v) = z.raise(&app, "PROBLEM").await;
    twice(&app, officer, K_REJECT, json!({ "id": id, "v": v, "k": "reject-1" })).await;
    let (id, v) = accepted(&app, &z, "CONSULTATION").await;
    twice(&app, officer, K_ANSWER, json!({ "id": id, "v": v, "k": "answer-1" })).await;
    let (id, _) = z.raise(&app, "PROBLEM").await;
    twice(&app, staff, K_WITHDRAW, json!({ "id": id, "k": "withdraw-1" })).await;
    let (id, v) = z.raise(&app, "PROBLEM").await;
    twice(
        &app,
        officer,
        K_UNRESOLVABLE,
        json!({ "id": id, "v": v, "k": "unresolvable-1" }),
    )
    .await;
    let (_, task) = dispatched_to(&app, &z, 0).await;
    let data = twice(
        &app,
        dept,
        K_TRANSFER,
        json!({ "t": task, "d": z.departments[1], "k": "transfer-1" }),
    )
    .await;
    let moved = text(&data["transferTask"]["task"]["id"]);
    twice(
        &app,
        &z.dept_staff[1].token,
        K_RETURN,
        json!({ "t": moved, "k": "return-1" }),
    )
    .await;
    let (id, v) = accepted(&app, &z, "PROBLEM").await;
    let data = twice(
        &app,
        officer,
        K_DISPATCH,
        json!({ "id": id, "v": v, "p": true, "k": "pool-1" }),
    )
    .await;
    let pooled = text(&data["dispatchRequest"]["tasks"][0]["id"]);
    twice(
        &app,
        &z.dept_staff[2].token,
        K_CLAIM,
        json!({ "t": pooled, "k": "claim-1" }),
    )
    .await;

    // A photo sent twice is stored once.
    let before = app.count("attachments").await;
    let first = upload(&app, &z.staff_a, &id, "photo-1").await;
    let again = upload(&app, &z.staff_a, &id, "photo-1").await;
    assert_eq!(first, again);
    assert_eq!(app.count("attachments").await, before + 1);

    // A principal's vote sent twice.
    let now = app.clock.now();
    app.ok(
        &app.admin_token,
        OPEN,
        json!({ "y": 2026, "o": (now - Duration::hours(1)).to_rfc3339(), "c": (now + Duration::days(14)).to_rfc3339() }),
    )
    .await;
    let principal = app
        .create_user(
            "COMPANY",
            "13900000099",
            "负责人",
            json!({ "companyId": z.company_a, "principal": true }),
        )
        .await;
    twice(&app, &principal.token, K_VOTE, json!({ "k": "vote-1" })).await;
}

async fn a_key_reused_with_other_arguments_is_refused(app: TestApp) {
    let z = zone(&app).await;
    let (id, _) = z.raise(&app, "PROBLEM").await;
    let staff = &z.staff_a.token;
    app.ok(staff, K_URGE, json!({ "id": id, "m": "第一次", "k": "k-1" }))
        .await;
    let before = rows(&app).await;
    for (query, variables) in [
        (K_URGE, json!({ "id": id, "m": "第二次", "k": "k-1" })),
        (K_NOTE, json!({ "id": id, "text": "另一件事", "k": "k-1" })),
    ] {
        let response = app.post(Some(staff), query, variables).await;
        let error = &response["errors"][0];
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{response:#}");
        assert_eq!(error["extensions"]["reason"], "IDEMPOTENCY_KEY_REUSED", "{response:#}");
        assert_eq!(rows(&app).await, before, "a refused key writes nothing");
    }
    // Keys belong to their user: a colleague's same key is a new urge.
    let colleague = app
        .create_user("COMPANY", "13900000098", "甲同事", json!({ "companyId": z.company_a }))
        .await;
    let events = app.count("request_events").await;
    app.ok(&colleague.token, K_URGE, json!({ "id": id, "m": "第一次", "k": "k-1" }))
        .await;
    assert_eq!(app.count("request_events").await, events + 1);
    // Without a key every call counts.
    app.ok(staff, K_URGE, json!({ "id": id })).await;
    app.ok(staff, K_URGE, json!({ "id": id })).await;
    assert_eq!(app.count("request_events").await, events + 3);
}

/// Fires `n` copies of the same call at once; returns their answers.
async fn race(app: &TestApp, token: &str, query: &str, variables: Value, n: usize) -> Vec<Value> {
    let calls = (0..n).map(|_| app.post(Some(token), query, variables.clone()));
    futures::future::join_all(calls).await
}

async fn racing_repeats_apply_once(app: TestApp) {
    let z = zone(&app).await;
    app.register_device(&z.officer_a.token, "fcm-officer-a", "zh-CN").await;
    app.register_device(&z.dept_staff[0].token, "fcm-dept-0", "zh-CN").await;
    let (id, task) = dispatched_to(&app, &z, 0).await;

    // What one urge causes, measured with its own key.
    let before = rows(&app).await;
    app.ok(&z.staff_a.token, K_URGE, json!({ "id": id, "k": "single" }))
        .await;
    let one_urge: Vec<i64> = rows(&app).await.iter().zip(&before).map(|(a, b)| a - b).collect();
    assert!(
        one_urge[3] >= 2,
        "the officer and the department are notified: {one_urge:?}"
    );

    for (token, query, variables) in [
        (
            &z.staff_a.token,
            K_URGE,
            json!({ "id": id, "m": "停工了", "k": "raced-urge" }),
        ),
        (
            &z.staff_a.token,
            K_NOTE,
            json!({ "id": id, "text": "补充说明", "k": "raced-note" }),
        ),
        (&z.dept_staff[0].token, K_SIGN, json!({ "t": task, "k": "raced-sign" })),
    ] {
        let before = rows(&app).await;
        let answers = race(&app, token, query, variables, 8).await;
        for answer in &answers {
            assert!(answer.get("errors").is_none(), "every racer succeeds: {answer:#}");
            assert_eq!(answer, &answers[0], "all racers answer the same");
        }
        let after = rows(&app).await;
        assert_eq!(after[2] - before[2], 1, "one event for {query}");
        assert_eq!(after[8] - before[8], 1, "one key row for {query}");
        if query == K_URGE {
            let delta: Vec<i64> = after.iter().zip(&before).map(|(a, b)| a - b).collect();
            assert_eq!(delta, one_urge, "one urge's notifications and pushes, not eight");
        }
    }
    let read = app
        .ok(
            &z.officer_a.token,
            "query($id: ID!) { request(id: $id) { status tasks { status } timeline { kind } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(read["request"]["status"], "IN_PROGRESS");
    assert_eq!(read["request"]["tasks"][0]["status"], "SIGNED");
    let kinds: Vec<&str> = read["request"]["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.iter().filter(|k| **k == "URGED").count(), 2);
    assert_eq!(kinds.iter().filter(|k| **k == "SIGNED").count(), 1);
}

async fn keys_are_kept_for_two_days_then_purged(app: TestApp) {
    let mut z = zone(&app).await;
    let (id, _) = z.raise(&app, "PROBLEM").await;
    let urge = json!({ "id": id, "k": "offline-urge" });
    let first = app.ok(&z.staff_a.token, K_URGE, urge.clone()).await;
    let events = app.count("request_events").await;

    app.clock.advance(Duration::hours(47));
    let report = app
        .state
        .db
        .purge_idempotency_keys(app.clock.now().naive_utc())
        .await
        .unwrap();
    assert_eq!(report.purged, 0, "a key is kept for two days at least");
    app.relogin(&mut z.staff_a).await;
    assert_eq!(app.ok(&z.staff_a.token, K_URGE, urge.clone()).await, first);
    assert_eq!(
        app.count("request_events").await,
        events,
        "the late repeat changes nothing"
    );

    app.clock.advance(Duration::hours(26));
    let report = app
        .state
        .db
        .purge_idempotency_keys(app.clock.now().naive_utc())
        .await
        .unwrap();
    assert_eq!(report.purged, 1);
    assert_eq!(app.count("idempotency_keys").await, 0);
}
