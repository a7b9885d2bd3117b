//! Requests end to end: each path of the lifecycle driven through POST /graphql with the
//! tokens of the people who take each step.

use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::{credit_code, TestApp, TestUser};

pub const RAISE: &str = "mutation($input: RaiseRequestInput!) { raiseRequest(input: $input) { request { id number status version channel officer { id } company { id } } } }";
pub const ACCEPT: &str =
    "mutation($id: ID!, $v: Int!) { acceptRequest(id: $id, version: $v) { request { status version } } }";
pub const REJECT: &str = "mutation($id: ID!, $v: Int!, $r: String!) { rejectRequest(id: $id, version: $v, reason: $r) { request { status version answer } } }";
pub const ANSWER: &str = "mutation($id: ID!, $v: Int!, $a: String!) { answerRequest(id: $id, version: $v, answer: $a) { request { status version answer } } }";
pub const DISPATCH: &str = "mutation($id: ID!, $v: Int!, $d: [DispatchDepartmentInput!], $n: String, $p: Boolean) { dispatchRequest(id: $id, version: $v, departments: $d, note: $n, toPool: $p) { request { status version } tasks { id lead status department { id } } } }";
pub const CLAIM: &str =
    "mutation($t: ID!) { claimTask(taskId: $t) { task { id status department { id } } request { status version } } }";
pub const SIGN: &str = "mutation($t: ID!) { signTask(taskId: $t) { task { id status } request { status version } } }";
pub const RETURN: &str = "mutation($t: ID!, $r: String!) { returnTask(taskId: $t, reason: $r) { task { id status } request { status version } } }";
pub const TRANSFER: &str = "mutation($t: ID!, $d: ID!, $r: String!) { transferTask(taskId: $t, toDepartmentId: $d, reason: $r) { task { id status lead department { id } } request { status version } } }";
pub const PLAN: &str = "mutation($t: ID!, $who: String!, $how: String!, $due: DateTime!) { submitPlan(taskId: $t, responsible: $who, approach: $how, dueAt: $due) { task { id status plan { responsible approach dueAt } dueAt } request { status version } } }";
pub const COMPLETE: &str = "mutation($t: ID!, $r: String!) { completeTask(taskId: $t, result: $r) { task { id status result } request { status version answer } } }";
pub const NOTE: &str = "mutation($id: ID!, $text: String!, $internal: Boolean) { addProgressNote(requestId: $id, text: $text, internal: $internal) { request { id } } }";
pub const RESOLVE: &str = "mutation($id: ID!, $v: Int!, $a: String!) { resolveRequest(id: $id, version: $v, answer: $a) { request { status version answer } } }";
pub const UNRESOLVABLE: &str = "mutation($id: ID!, $v: Int!, $r: String!, $f: String!) { markUnresolvable(id: $id, version: $v, reason: $r, filingNumber: $f) { request { status version filingNumber answer } } }";
pub const CONFIRM: &str = "mutation($id: ID!, $s: Boolean!, $sat: Boolean!, $c: String) { confirmResolution(id: $id, solved: $s, satisfied: $sat, comment: $c) { request { status version satisfaction { solved satisfied comment noFeedback } } } }";
pub const WITHDRAW: &str =
    "mutation($id: ID!, $r: String) { withdrawRequest(id: $id, reason: $r) { request { status version } } }";
pub const URGE: &str =
    "mutation($id: ID!, $m: String) { urgeRequest(id: $id, message: $m) { request { status version } } }";
pub const READ: &str = "query($id: ID!) { request(id: $id) { id number status kind urgency channel title description version answer filingNumber
    category { code name } company { id } officer { id } raisedBy { id }
    tasks { id lead status department { id name } plan { responsible approach dueAt } dueAt result }
    timeline { kind actor { id } actorRole at text internal fromStatus toStatus }
    lastEvent { kind text }
    satisfaction { solved satisfied comment noFeedback at } createdAt updatedAt } }";

/// A zone to test requests in: two companies with their officers and staff, three departments
/// with one staff member each, and a company without an officer.
pub struct Zone {
    pub officer_a: TestUser,
    pub officer_b: TestUser,
    pub company_a: String,
    pub company_b: String,
    pub company_c: String,
    pub staff_a: TestUser,
    pub staff_b: TestUser,
    pub staff_c: TestUser,
    pub departments: Vec<String>,
    pub dept_staff: Vec<TestUser>,
    pub category: String,
}

pub async fn zone(app: &TestApp) -> Zone {
    let officer_a = app.create_user("OFFICER", "13900000001", "甲专员", json!({})).await;
    let officer_b = app.create_user("OFFICER", "13900000002", "乙专员", json!({})).await;
    let company_a = app.create_company("甲公司", &credit_code(101)).await;
    let company_b = app.create_company("乙公司", &credit_code(102)).await;
    let company_c = app.create_company("丙公司", &credit_code(103)).await;
    app.assign_officer(&company_a, &officer_a.id).await;
    app.assign_officer(&company_b, &officer_b.id).await;
    let staff_a = app
        .create_user("COMPANY", "13900000011", "甲员工", json!({ "companyId": company_a }))
        .await;
    let staff_b = app
        .create_user("COMPANY", "13900000012", "乙员工", json!({ "companyId": company_b }))
        .await;
    let staff_c = app
        .create_user("COMPANY", "13900000013", "丙员工", json!({ "companyId": company_c }))
        .await;
    let mut departments = Vec::new();
    let mut dept_staff = Vec::new();
    for (i, name) in ["供电公司", "水务局", "城市管理局"].iter().enumerate() {
        let department = app.create_department(name).await;
        let staff = app
            .create_user(
                "DEPARTMENT",
                &format!("1390000002{i}"),
                &format!("{name}员工"),
                json!({ "departmentId": department }),
            )
            .await;
        departments.push(department);
        dept_staff.push(staff);
    }
    let categories = app.ok(&staff_a.token, "{ categories { id code } }", json!({})).await;
    let category = categories["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "power")
        .expect("the seeded power category")["id"]
        .as_str()
        .unwrap()
        .to_string();
    Zone {
        officer_a,
        officer_b,
        company_a,
        company_b,
        company_c,
        staff_a,
        staff_b,
        staff_c,
        departments,
        dept_staff,
        category,
    }
}

impl Zone {
    /// Company A's staff raise a request of `kind`; returns (id, version).
    pub async fn raise(&self, app: &TestApp, kind: &str) -> (String, i64) {
        let data = app
            .ok(
                &self.staff_a.token,
                RAISE,
                json!({ "input": { "kind": kind, "categoryId": self.category, "title": "厂区停电", "description": "10 kV 线路故障，生产线停工" } }),
            )
            .await;
        let request = &data["raiseRequest"]["request"];
        (
            request["id"].as_str().unwrap().to_string(),
            request["version"].as_i64().unwrap(),
        )
    }
}

pub async fn read(app: &TestApp, token: &str, id: &str) -> Value {
    app.ok(token, READ, json!({ "id": id })).await["request"].clone()
}

pub fn kinds(request: &Value) -> Vec<String> {
    request["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect()
}

pub fn due(app: &TestApp, days: i64) -> String {
    use zhitong::clock::Clock;
    (app.clock.now() + chrono::Duration::days(days)).to_rfc3339()
}

/// Raises, accepts and dispatches a problem to `leads` (first is lead); returns (id, version, task ids).
pub async fn dispatched(app: &TestApp, z: &Zone, departments: &[usize]) -> (String, i64, Vec<String>) {
    let (id, v) = z.raise(app, "PROBLEM").await;
    let officer = z.officer_a.token.as_str();
    let v = app.ok(officer, ACCEPT, json!({ "id": id, "v": v })).await["acceptRequest"]["request"]["version"]
        .as_i64()
        .unwrap();
    let targets: Vec<Value> = departments
        .iter()
        .enumerate()
        .map(|(i, d)| json!({ "departmentId": z.departments[*d], "lead": i == 0 }))
        .collect();
    let data = app
        .ok(
            officer,
            DISPATCH,
            json!({ "id": id, "v": v, "d": targets, "n": "请尽快处理" }),
        )
        .await;
    let tasks = data["dispatchRequest"]["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect();
    (
        id,
        data["dispatchRequest"]["request"]["version"].as_i64().unwrap(),
        tasks,
    )
}

backend_tests!(
    consultation_answered_and_confirmed,
    problem_dispatched_to_two_departments_planned_resolved_and_confirmed,
    unsatisfied_confirmation_reopens_then_resolved_again,
    rejected_with_a_reason,
    marked_unresolvable_with_a_filing_number,
    withdrawn_by_the_company,
    transferred_to_another_department,
    returned_and_re_dispatched,
    claimed_from_the_pool,
    auto_closed_after_seven_days_without_feedback,
    raising_on_behalf_and_bad_input,
    urges_and_notes,
);

async fn consultation_answered_and_confirmed(app: TestApp) {
    let z = zone(&app).await;
    let data = app
        .ok(
            &z.staff_a.token,
            RAISE,
            json!({ "input": { "kind": "CONSULTATION", "categoryId": z.category, "title": "  电价政策咨询 ", "description": "峰谷电价如何执行？" } }),
        )
        .await;
    let request = &data["raiseRequest"]["request"];
    assert_eq!(request["number"], "QY-2026-000001");
    assert_eq!(request["status"], "SUBMITTED");
    assert_eq!(request["channel"], "APP");
    assert_eq!(
        request["officer"]["id"],
        z.officer_a.id.as_str(),
        "the officer at raise time"
    );
    let id = request["id"].as_str().unwrap().to_string();

    let officer = z.officer_a.token.as_str();
    let accepted = app.ok(officer, ACCEPT, json!({ "id": id, "v": 1 })).await;
    assert_eq!(accepted["acceptRequest"]["request"]["status"], "ACCEPTED");
    let answered = app
        .ok(
            officer,
            ANSWER,
            json!({ "id": id, "v": 2, "a": "按园区峰谷分时电价执行" }),
        )
        .await;
    assert_eq!(answered["answerRequest"]["request"]["status"], "RESOLVED");

    let confirmed = app
        .ok(
            &z.staff_a.token,
            CONFIRM,
            json!({ "id": id, "s": true, "sat": true, "c": "很及时" }),
        )
        .await;
    let request = &confirmed["confirmResolution"]["request"];
    assert_eq!(request["status"], "CLOSED");
    assert_eq!(request["satisfaction"]["solved"], true);
    assert_eq!(request["satisfaction"]["satisfied"], true);
    assert_eq!(request["satisfaction"]["comment"], "很及时");

    let read = read(&app, &z.staff_a.token, &id).await;
    assert_eq!(read["title"], "电价政策咨询", "titles are trimmed");
    assert_eq!(read["answer"], "按园区峰谷分时电价执行");
    assert_eq!(kinds(&read), ["RAISED", "ACCEPTED", "ANSWERED", "CLOSED"]);
    let timeline = read["timeline"].as_array().unwrap();
    assert_eq!(timeline[1]["actor"]["id"], z.officer_a.id.as_str());
    assert_eq!(timeline[1]["fromStatus"], "SUBMITTED");
    assert_eq!(timeline[1]["toStatus"], "ACCEPTED");
    assert_eq!(read["lastEvent"]["kind"], "CLOSED");
}

async fn problem_dispatched_to_two_departments_planned_resolved_and_confirmed(app: TestApp) {
    let z = zone(&app).await;
    let (id, _, tasks) = dispatched(&app, &z, &[0, 1]).await;
    let (power, water) = (&z.dept_staff[0].token, &z.dept_staff[1].token);
    let read1 = read(&app, &z.officer_a.token, &id).await;
    assert_eq!(read1["status"], "DISPATCHED");
    assert_eq!(read1["tasks"][0]["lead"], true);
    assert_eq!(read1["tasks"][1]["lead"], false);
    assert_eq!(read1["tasks"][0]["status"], "DISPATCHED");

    // A plan needs the task signed for first (签收).
    let code = app
        .post(
            Some(power),
            PLAN,
            json!({ "t": tasks[0], "who": "王工", "how": "抢修", "due": due(&app, 1) }),
        )
        .await;
    assert_eq!(code["errors"][0]["extensions"]["reason"], "INVALID_TRANSITION");

    let signed = app.ok(power, SIGN, json!({ "t": tasks[0] })).await;
    assert_eq!(signed["signTask"]["task"]["status"], "SIGNED");
    assert_eq!(signed["signTask"]["request"]["status"], "IN_PROGRESS");
    app.ok(water, SIGN, json!({ "t": tasks[1] })).await;
    // Another department cannot act on a task that is not theirs.
    assert_eq!(
        app.error_code(Some(water), SIGN, json!({ "t": tasks[0] })).await,
        "FORBIDDEN"
    );

    let due_at = due(&app, 2);
    let planned = app
        .ok(
            power,
            PLAN,
            json!({ "t": tasks[0], "who": "王工", "how": "更换故障电缆", "due": due_at }),
        )
        .await;
    let task = &planned["submitPlan"]["task"];
    assert_eq!(task["status"], "PLANNED");
    assert_eq!(task["plan"]["responsible"], "王工");
    assert_eq!(task["plan"]["approach"], "更换故障电缆");
    assert!(task["dueAt"].as_str().is_some());
    app.ok(
        water,
        PLAN,
        json!({ "t": tasks[1], "who": "李工", "how": "协助排水", "due": due(&app, 1) }),
    )
    .await;

    let assisted = app.ok(water, COMPLETE, json!({ "t": tasks[1], "r": "排水完成" })).await;
    assert_eq!(
        assisted["completeTask"]["request"]["status"], "IN_PROGRESS",
        "an assisting department finishing does not resolve"
    );
    let led = app
        .ok(power, COMPLETE, json!({ "t": tasks[0], "r": "电缆已更换，恢复供电" }))
        .await;
    assert_eq!(led["completeTask"]["request"]["status"], "RESOLVED");
    assert_eq!(led["completeTask"]["request"]["answer"], "电缆已更换，恢复供电");

    let closed = app
        .ok(&z.staff_a.token, CONFIRM, json!({ "id": id, "s": true, "sat": true }))
        .await;
    assert_eq!(closed["confirmResolution"]["request"]["status"], "CLOSED");
    let officer_view = read(&app, &z.officer_a.token, &id).await;
    let signed_by = |view: &Value| view["timeline"][3]["actor"].clone();
    assert_eq!(signed_by(&officer_view)["id"], z.dept_staff[0].id.as_str());
    let read2 = read(&app, &z.staff_a.token, &id).await;
    assert!(
        signed_by(&read2).is_null(),
        "company staff see department staff by role only"
    );
    assert_eq!(read2["timeline"][3]["actorRole"], "DEPARTMENT");
    assert_eq!(
        read2["timeline"][1]["actor"]["id"],
        z.officer_a.id.as_str(),
        "and their officer by name"
    );
    assert_eq!(
        kinds(&read2),
        [
            "RAISED",
            "ACCEPTED",
            "DISPATCHED",
            "SIGNED",
            "SIGNED",
            "PLANNED",
            "PLANNED",
            "COMPLETED",
            "COMPLETED",
            "CLOSED"
        ]
    );
    assert_eq!(read2["tasks"][0]["status"], "DONE");
    assert_eq!(read2["tasks"][0]["plan"]["dueAt"], read2["tasks"][0]["dueAt"]);
}

async fn unsatisfied_confirmation_reopens_then_resolved_again(app: TestApp) {
    let z = zone(&app).await;
    let (id, _, tasks) = dispatched(&app, &z, &[0]).await;
    let power = &z.dept_staff[0].token;
    app.ok(power, SIGN, json!({ "t": tasks[0] })).await;
    app.ok(
        power,
        PLAN,
        json!({ "t": tasks[0], "who": "王工", "how": "抢修", "due": due(&app, 1) }),
    )
    .await;
    app.ok(power, COMPLETE, json!({ "t": tasks[0], "r": "已恢复" })).await;

    let reopened = app
        .ok(
            &z.staff_a.token,
            CONFIRM,
            json!({ "id": id, "s": false, "sat": false, "c": "仍然跳闸" }),
        )
        .await;
    let request = &reopened["confirmResolution"]["request"];
    assert_eq!(request["status"], "REOPENED");
    assert_eq!(request["satisfaction"]["solved"], false);
    let read1 = read(&app, &z.officer_a.token, &id).await;
    assert_eq!(
        read1["tasks"][0]["status"], "PLANNED",
        "the department handles it again (重办)"
    );
    let waiting = app
        .ok(
            &z.officer_a.token,
            "{ myTasks { edges { node { id status } } } }",
            json!({}),
        )
        .await;
    assert!(waiting["myTasks"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["node"]["id"] == id.as_str()));

    let again = app
        .ok(power, COMPLETE, json!({ "t": tasks[0], "r": "更换断路器" }))
        .await;
    assert_eq!(again["completeTask"]["request"]["status"], "RESOLVED");
    let closed = app
        .ok(&z.staff_a.token, CONFIRM, json!({ "id": id, "s": true, "sat": true }))
        .await;
    assert_eq!(closed["confirmResolution"]["request"]["status"], "CLOSED");
    let officer_view = read(&app, &z.officer_a.token, &id).await;
    let signed_by = |view: &Value| view["timeline"][3]["actor"].clone();
    assert_eq!(signed_by(&officer_view)["id"], z.dept_staff[0].id.as_str());
    let read2 = read(&app, &z.staff_a.token, &id).await;
    assert!(
        signed_by(&read2).is_null(),
        "company staff see department staff by role only"
    );
    assert_eq!(read2["timeline"][3]["actorRole"], "DEPARTMENT");
    assert_eq!(
        read2["timeline"][1]["actor"]["id"],
        z.officer_a.id.as_str(),
        "and their officer by name"
    );
    let k = kinds(&read2);
    assert_eq!(&k[k.len() - 4..], ["COMPLETED", "REOPENED", "COMPLETED", "CLOSED"]);
}

async fn rejected_with_a_reason(app: TestApp) {
    let z = zone(&app).await;
    let (id, v) = z.raise(&app, "SUGGESTION").await;
    let officer = z.officer_a.token.as_str();
    let events = app.count("request_events").await;
    assert_eq!(
        app.error_code(Some(officer), REJECT, json!({ "id": id, "v": v, "r": "   " }))
            .await,
        "BAD_USER_INPUT"
    );
    assert_eq!(app.count("request_events").await, events, "nothing written");
    let rejected = app
        .ok(
            officer,
            REJECT,
            json!({ "id": id, "v": v, "r": "不属于园区职责范围，请联系市场监管局" }),
        )
        .await;
    assert_eq!(rejected["rejectRequest"]["request"]["status"], "REJECTED");
    let seen = read(&app, &z.staff_a.token, &id).await;
    assert_eq!(seen["answer"], "不属于园区职责范围，请联系市场监管局");
    assert_eq!(kinds(&seen), ["RAISED", "REJECTED"]);
}

async fn marked_unresolvable_with_a_filing_number(app: TestApp) {
    let z = zone(&app).await;
    let (id, v, _) = dispatched(&app, &z, &[2]).await;
    let officer = z.officer_a.token.as_str();
    assert_eq!(
        app.error_code(
            Some(officer),
            UNRESOLVABLE,
            json!({ "id": id, "v": v, "r": "政策限制", "f": "" })
        )
        .await,
        "BAD_USER_INPUT",
        "a filing number is required"
    );
    let done = app
        .ok(
            officer,
            UNRESOLVABLE,
            json!({ "id": id, "v": v, "r": "用地指标受国家政策限制", "f": "BA-2026-017" }),
        )
        .await;
    let request = &done["markUnresolvable"]["request"];
    assert_eq!(request["status"], "UNRESOLVABLE");
    assert_eq!(request["filingNumber"], "BA-2026-017");
    let seen = read(&app, &z.staff_a.token, &id).await;
    assert!(seen["lastEvent"]["text"].as_str().unwrap().contains("BA-2026-017"));
}

async fn withdrawn_by_the_company(app: TestApp) {
    let z = zone(&app).await;
    let (id, v) = z.raise(&app, "PROBLEM").await;
    assert_eq!(
        app.error_code(Some(&z.officer_a.token), WITHDRAW, json!({ "id": id }))
            .await,
        "FORBIDDEN",
        "only the company withdraws"
    );
    let withdrawn = app
        .ok(&z.staff_a.token, WITHDRAW, json!({ "id": id, "r": "问题已自行解决" }))
        .await;
    assert_eq!(withdrawn["withdrawRequest"]["request"]["status"], "WITHDRAWN");
    let late = app
        .post(Some(&z.officer_a.token), ACCEPT, json!({ "id": id, "v": v + 1 }))
        .await;
    assert_eq!(late["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(late["errors"][0]["extensions"]["reason"], "INVALID_TRANSITION");
}

async fn transferred_to_another_department(app: TestApp) {
    let z = zone(&app).await;
    let (id, _, tasks) = dispatched(&app, &z, &[0]).await;
    let (power, water) = (&z.dept_staff[0].token, &z.dept_staff[1].token);
    app.ok(power, SIGN, json!({ "t": tasks[0] })).await;
    assert_eq!(
        app.error_code(
            Some(power),
            TRANSFER,
            json!({ "t": tasks[0], "d": z.departments[1], "r": " " })
        )
        .await,
        "BAD_USER_INPUT",
        "a reason is required"
    );
    let moved = app
        .ok(
            power,
            TRANSFER,
            json!({ "t": tasks[0], "d": z.departments[1], "r": "属于供水管网问题" }),
        )
        .await;
    let new_task = &moved["transferTask"]["task"];
    assert_eq!(new_task["status"], "DISPATCHED");
    assert_eq!(new_task["lead"], true, "the lead role moves with the task");
    assert_eq!(new_task["department"]["id"], z.departments[1].as_str());
    let new_id = new_task["id"].as_str().unwrap().to_string();

    assert_eq!(
        app.error_code(Some(power), SIGN, json!({ "t": new_id })).await,
        "FORBIDDEN"
    );
    app.ok(water, SIGN, json!({ "t": new_id })).await;
    app.ok(
        water,
        PLAN,
        json!({ "t": new_id, "who": "李工", "how": "修复管道", "due": due(&app, 3) }),
    )
    .await;
    let done = app.ok(water, COMPLETE, json!({ "t": new_id, "r": "管道已修复" })).await;
    assert_eq!(done["completeTask"]["request"]["status"], "RESOLVED");

    let officer_view = read(&app, &z.officer_a.token, &id).await;
    assert_eq!(officer_view["tasks"][0]["status"], "TRANSFERRED");
    assert!(kinds(&officer_view).contains(&"TRANSFERRED".to_string()));
    let company_view = read(&app, &z.staff_a.token, &id).await;
    assert!(
        !kinds(&company_view).contains(&"TRANSFERRED".to_string()),
        "routing between departments is internal"
    );
}

async fn returned_and_re_dispatched(app: TestApp) {
    let z = zone(&app).await;
    let (id, _, tasks) = dispatched(&app, &z, &[2]).await;
    let urban = &z.dept_staff[2].token;
    let returned = app
        .ok(urban, RETURN, json!({ "t": tasks[0], "r": "不属于城管职责" }))
        .await;
    assert_eq!(returned["returnTask"]["task"]["status"], "RETURNED");
    let request = &returned["returnTask"]["request"];
    assert_eq!(request["status"], "ACCEPTED", "back to the officer to re-dispatch");
    let v = request["version"].as_i64().unwrap();

    let waiting = app
        .ok(&z.officer_a.token, "{ myTasks { edges { node { id } } } }", json!({}))
        .await;
    assert_eq!(waiting["myTasks"]["edges"][0]["node"]["id"], id.as_str());
    let again = app
        .ok(
            &z.officer_a.token,
            DISPATCH,
            json!({ "id": id, "v": v, "d": [{ "departmentId": z.departments[0], "lead": true }] }),
        )
        .await;
    assert_eq!(again["dispatchRequest"]["request"]["status"], "DISPATCHED");
    let view = read(&app, &z.officer_a.token, &id).await;
    assert_eq!(view["tasks"].as_array().unwrap().len(), 2);
    assert_eq!(view["tasks"][1]["department"]["id"], z.departments[0].as_str());
}

async fn claimed_from_the_pool(app: TestApp) {
    let z = zone(&app).await;
    let (id, v) = z.raise(&app, "PROBLEM").await;
    let officer = z.officer_a.token.as_str();
    let v = app.ok(officer, ACCEPT, json!({ "id": id, "v": v })).await["acceptRequest"]["request"]["version"]
        .as_i64()
        .unwrap();
    let pooled = app.ok(officer, DISPATCH, json!({ "id": id, "v": v, "p": true })).await;
    let task = &pooled["dispatchRequest"]["tasks"][0];
    assert_eq!(task["status"], "POOLED");
    assert!(task["department"].is_null());
    let task_id = task["id"].as_str().unwrap().to_string();
    // An assisting department joins; it cannot also claim the pooled lead task.
    let v = pooled["dispatchRequest"]["request"]["version"].as_i64().unwrap();
    app.ok(
        officer,
        DISPATCH,
        json!({ "id": id, "v": v, "d": [{ "departmentId": z.departments[0], "lead": false }] }),
    )
    .await;
    assert_eq!(
        app.error_code(Some(&z.dept_staff[0].token), CLAIM, json!({ "t": task_id }))
            .await,
        "BAD_USER_INPUT"
    );

    for staff in &z.dept_staff {
        let waiting = app
            .ok(
                &staff.token,
                "{ myTasks { totalCount edges { node { id } } } }",
                json!({}),
            )
            .await;
        assert_eq!(waiting["myTasks"]["totalCount"], 1, "every department sees the pool");
    }
    let claimed = app.ok(&z.dept_staff[2].token, CLAIM, json!({ "t": task_id })).await;
    assert_eq!(claimed["claimTask"]["task"]["status"], "SIGNED");
    assert_eq!(
        claimed["claimTask"]["task"]["department"]["id"],
        z.departments[2].as_str()
    );
    assert_eq!(claimed["claimTask"]["request"]["status"], "IN_PROGRESS");
    let second = app
        .post(Some(&z.dept_staff[1].token), CLAIM, json!({ "t": task_id }))
        .await;
    assert_eq!(
        second["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "no longer in the pool, not theirs"
    );
    let others = app
        .ok(&z.dept_staff[1].token, "{ myTasks { totalCount } }", json!({}))
        .await;
    assert_eq!(others["myTasks"]["totalCount"], 0);

    let urban = &z.dept_staff[2].token;
    app.ok(
        urban,
        PLAN,
        json!({ "t": task_id, "who": "赵队", "how": "清理占道", "due": due(&app, 1) }),
    )
    .await;
    let done = app.ok(urban, COMPLETE, json!({ "t": task_id, "r": "已清理" })).await;
    assert_eq!(done["completeTask"]["request"]["status"], "RESOLVED");
}

async fn auto_closed_after_seven_days_without_feedback(app: TestApp) {
    let z = zone(&app).await;
    let (id, v) = z.raise(&app, "PROBLEM").await;
    let officer = z.officer_a.token.as_str();
    app.ok(officer, ACCEPT, json!({ "id": id, "v": v })).await;
    app.ok(officer, RESOLVE, json!({ "id": id, "v": v + 1, "a": "现场协调解决" }))
        .await;

    assert_eq!(zhitong::requests::worker::run_once(&app.state).await.unwrap(), 0);
    app.clock.advance(chrono::Duration::days(6));
    assert_eq!(zhitong::requests::worker::run_once(&app.state).await.unwrap(), 0);
    let session = app.login(&z.officer_a.phone, &z.officer_a.password).await;
    assert_eq!(
        read(&app, session["accessToken"].as_str().unwrap(), &id).await["status"],
        "RESOLVED"
    );
    app.clock
        .advance(chrono::Duration::days(1) + chrono::Duration::minutes(1));
    assert_eq!(zhitong::requests::worker::run_once(&app.state).await.unwrap(), 1);
    assert_eq!(
        zhitong::requests::worker::run_once(&app.state).await.unwrap(),
        0,
        "closing happens once"
    );

    // Access tokens expired while the clock moved: log in again.
    let session = app.login(&z.staff_a.phone, &z.staff_a.password).await;
    let seen = read(&app, session["accessToken"].as_str().unwrap(), &id).await;
    assert_eq!(seen["status"], "CLOSED");
    assert_eq!(seen["satisfaction"]["noFeedback"], true);
    assert!(seen["satisfaction"]["solved"].is_null());
    assert_eq!(seen["lastEvent"]["kind"], "AUTO_CLOSED");
    assert_eq!(seen["lastEvent"]["text"], "企业7天内未反馈，自动关闭");
    assert!(seen["timeline"].as_array().unwrap().last().unwrap()["actor"].is_null());
}

async fn raising_on_behalf_and_bad_input(app: TestApp) {
    let z = zone(&app).await;
    let input = |extra: Value| {
        let mut input = json!({ "kind": "PROBLEM", "categoryId": z.category, "title": "道路积水", "description": "厂门口道路积水" });
        input
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        json!({ "input": input })
    };
    let officer = z.officer_a.token.as_str();
    let hotline = app
        .ok(
            officer,
            RAISE,
            input(json!({ "companyId": z.company_a, "channel": "HOTLINE" })),
        )
        .await;
    assert_eq!(hotline["raiseRequest"]["request"]["channel"], "HOTLINE");
    assert_eq!(
        hotline["raiseRequest"]["request"]["company"]["id"],
        z.company_a.as_str()
    );

    let before = app.count("requests").await;
    let cases = [
        (
            officer,
            input(json!({ "companyId": z.company_a, "channel": "APP" })),
            "BAD_USER_INPUT",
        ),
        (officer, input(json!({ "companyId": z.company_a })), "BAD_USER_INPUT"),
        (officer, input(json!({ "channel": "VISIT" })), "BAD_USER_INPUT"),
        (
            officer,
            input(json!({ "companyId": z.company_b, "channel": "VISIT" })),
            "FORBIDDEN",
        ),
        (
            z.staff_a.token.as_str(),
            input(json!({ "companyId": z.company_b })),
            "FORBIDDEN",
        ),
        (
            z.staff_a.token.as_str(),
            input(json!({ "channel": "HOTLINE" })),
            "BAD_USER_INPUT",
        ),
        (
            z.dept_staff[0].token.as_str(),
            input(json!({ "companyId": z.company_a, "channel": "OTHER" })),
            "FORBIDDEN",
        ),
        (
            z.staff_a.token.as_str(),
            input(json!({ "title": "x".repeat(101) })),
            "BAD_USER_INPUT",
        ),
        (
            z.staff_a.token.as_str(),
            input(json!({ "title": "   " })),
            "BAD_USER_INPUT",
        ),
        (
            z.staff_a.token.as_str(),
            input(json!({ "description": "字".repeat(5001) })),
            "BAD_USER_INPUT",
        ),
        (
            z.staff_a.token.as_str(),
            input(json!({ "categoryId": "cat_999" })),
            "BAD_USER_INPUT",
        ),
        (
            z.staff_a.token.as_str(),
            input(json!({ "categoryId": z.company_a })),
            "BAD_USER_INPUT",
        ),
    ];
    for (token, variables, expected) in cases {
        assert_eq!(
            app.error_code(Some(token), RAISE, variables.clone()).await,
            expected,
            "{variables}"
        );
    }
    assert_eq!(app.count("requests").await, before, "refused raises write nothing");
    assert_eq!(
        app.ok(&z.staff_a.token, RAISE, input(json!({ "title": "x".repeat(100) })))
            .await["raiseRequest"]["request"]["status"],
        "SUBMITTED",
        "100 characters is the limit, not over it"
    );

    // A company without an officer can still raise; admins see it.
    let orphan = app.ok(&z.staff_c.token, RAISE, input(json!({}))).await;
    let orphan_id = orphan["raiseRequest"]["request"]["id"].as_str().unwrap().to_string();
    assert!(orphan["raiseRequest"]["request"]["officer"].is_null());
    let admin_view = read(&app, &app.admin_token, &orphan_id).await;
    assert_eq!(admin_view["status"], "SUBMITTED");
    let by_admin = app
        .ok(
            &app.admin_token,
            RAISE,
            input(json!({ "companyId": z.company_c, "channel": "VISIT" })),
        )
        .await;
    assert_eq!(by_admin["raiseRequest"]["request"]["channel"], "VISIT");

    // A disabled category cannot be chosen.
    app.ok(
        &app.admin_token,
        "mutation($id: ID!) { disableCategory(id: $id) { category { disabled } } }",
        json!({ "id": z.category }),
    )
    .await;
    assert_eq!(
        app.error_code(Some(&z.staff_a.token), RAISE, input(json!({}))).await,
        "BAD_USER_INPUT"
    );
}

async fn urges_and_notes(app: TestApp) {
    let z = zone(&app).await;
    let (id, v) = z.raise(&app, "COMPLAINT").await;
    app.ok(&z.staff_a.token, URGE, json!({ "id": id, "m": "请尽快" })).await;
    app.ok(
        &z.officer_a.token,
        NOTE,
        json!({ "id": id, "text": "已电话联系企业", "internal": false }),
    )
    .await;
    app.ok(
        &z.officer_a.token,
        NOTE,
        json!({ "id": id, "text": "该企业欠缴税款，注意核实", "internal": true }),
    )
    .await;
    assert_eq!(
        app.error_code(
            Some(&z.staff_a.token),
            NOTE,
            json!({ "id": id, "text": "x", "internal": true })
        )
        .await,
        "FORBIDDEN"
    );
    app.ok(
        &z.staff_a.token,
        NOTE,
        json!({ "id": id, "text": "补充：影响二号车间" }),
    )
    .await;

    let officer_view = read(&app, &z.officer_a.token, &id).await;
    assert_eq!(kinds(&officer_view), ["RAISED", "URGED", "NOTE", "NOTE", "NOTE"]);
    assert_eq!(officer_view["version"], v, "notes and urges do not move the request");
    let company_view = read(&app, &z.staff_a.token, &id).await;
    assert_eq!(kinds(&company_view), ["RAISED", "URGED", "NOTE", "NOTE"]);
    assert!(company_view["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["internal"] == false && !e["text"].as_str().unwrap().contains("欠缴")));
}
