//! Rules the server enforces on requests, whatever the app sends: the state machine, optimistic
//! locking, idempotent raising, readable numbers, and who sees what.

use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::TestApp;
use crate::requests::{
    dispatched, due, kinds, read, zone, Zone, ACCEPT, ANSWER, COMPLETE, CONFIRM, DISPATCH, NOTE, PLAN, RAISE, REJECT,
    RESOLVE, SIGN, UNRESOLVABLE, URGE, WITHDRAW,
};

backend_tests!(
    two_officers_accepting_at_once_one_conflicts,
    the_same_idempotency_key_twice_makes_one_request,
    numbers_stay_unique_under_concurrent_raises,
    every_invalid_step_from_every_state_is_refused,
    task_steps_follow_the_task_state_machine,
    companies_see_only_their_requests_and_no_internal_notes,
    officers_and_departments_see_their_own_work,
    lists_filter_and_count,
);

async fn two_officers_accepting_at_once_one_conflicts(app: TestApp) {
    let z = zone(&app).await;
    let (id, v) = z.raise(&app, "PROBLEM").await;
    let vars = json!({ "id": id, "v": v });
    let (a, b) = tokio::join!(
        app.post(Some(&z.officer_a.token), ACCEPT, vars.clone()),
        app.post(Some(&app.admin_token), ACCEPT, vars.clone()),
    );
    let outcomes: Vec<&Value> = vec![&a, &b];
    let winners = outcomes.iter().filter(|r| r.get("errors").is_none()).count();
    assert_eq!(winners, 1, "{a:#} {b:#}");
    let loser = outcomes.iter().find(|r| r.get("errors").is_some()).unwrap();
    assert_eq!(loser["errors"][0]["extensions"]["code"], "CONFLICT");
    let view = read(&app, &app.admin_token, &id).await;
    assert_eq!(kinds(&view), ["RAISED", "ACCEPTED"], "one accept, one event");
    assert_eq!(view["version"], v + 1);

    // A stale version is refused even when the step itself would be possible.
    assert_eq!(
        app.error_code(Some(&z.officer_a.token), RESOLVE, json!({ "id": id, "v": v, "a": "x" }))
            .await,
        "CONFLICT"
    );
}

async fn the_same_idempotency_key_twice_makes_one_request(app: TestApp) {
    let z = zone(&app).await;
    let vars = json!({ "input": { "kind": "PROBLEM", "categoryId": z.category, "title": "断电", "description": "停电", "idempotencyKey": "phone-7f3a" } });
    let first = app.ok(&z.staff_a.token, RAISE, vars.clone()).await;
    let again = app.ok(&z.staff_a.token, RAISE, vars.clone()).await;
    assert_eq!(
        first["raiseRequest"]["request"]["id"],
        again["raiseRequest"]["request"]["id"]
    );
    assert_eq!(app.count("requests").await, 1);

    let racing = json!({ "input": { "kind": "PROBLEM", "categoryId": z.category, "title": "断水", "description": "停水", "idempotencyKey": "phone-race" } });
    let (a, b, c) = tokio::join!(
        app.post(Some(&z.staff_a.token), RAISE, racing.clone()),
        app.post(Some(&z.staff_a.token), RAISE, racing.clone()),
        app.post(Some(&z.staff_a.token), RAISE, racing.clone()),
    );
    for r in [&a, &b, &c] {
        assert!(r.get("errors").is_none(), "{r:#}");
    }
    assert_eq!(
        a["data"]["raiseRequest"]["request"]["id"],
        b["data"]["raiseRequest"]["request"]["id"]
    );
    assert_eq!(
        a["data"]["raiseRequest"]["request"]["id"],
        c["data"]["raiseRequest"]["request"]["id"]
    );
    assert_eq!(app.count("requests").await, 2);
    assert_eq!(app.count("request_events").await, 2, "one RAISED event per request");

    // The key belongs to the raiser: another person's identical key is another request.
    app.ok(&z.officer_a.token, RAISE, json!({ "input": { "companyId": z.company_a, "channel": "HOTLINE", "kind": "PROBLEM", "categoryId": z.category, "title": "断电", "description": "停电", "idempotencyKey": "phone-7f3a" } }))
        .await;
    assert_eq!(app.count("requests").await, 3);
}

async fn numbers_stay_unique_under_concurrent_raises(app: TestApp) {
    let z = zone(&app).await;
    let raise = |n: usize| {
        let vars = json!({ "input": { "kind": "CONSULTATION", "categoryId": z.category, "title": format!("问题{n}"), "description": "内容" } });
        let token = if n.is_multiple_of(2) {
            z.staff_a.token.clone()
        } else {
            z.staff_b.token.clone()
        };
        let app = &app;
        async move { app.post(Some(&token), RAISE, vars).await }
    };
    let responses = futures::future::join_all((0..12).map(raise)).await;
    let mut numbers: Vec<String> = responses
        .iter()
        .map(|r| {
            assert!(r.get("errors").is_none(), "{r:#}");
            r["data"]["raiseRequest"]["request"]["number"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), 12, "{numbers:?}");
    assert!(numbers
        .iter()
        .all(|n| n.starts_with("QY-2026-") && n.len() == "QY-2026-000001".len()));

    // A new year starts a new sequence.
    use chrono::TimeZone;
    app.clock
        .set(chrono::Utc.with_ymd_and_hms(2027, 1, 5, 2, 0, 0).unwrap());
    let session = app.login(&z.staff_a.phone, &z.staff_a.password).await;
    let next_year = app
        .ok(
            session["accessToken"].as_str().unwrap(),
            RAISE,
            json!({ "input": { "kind": "PROBLEM", "categoryId": z.category, "title": "新年", "description": "内容" } }),
        )
        .await;
    assert_eq!(next_year["raiseRequest"]["request"]["number"], "QY-2027-000001");
}

/// The steps a table-driven test tries, each sent by the person who may take it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Try {
    Accept,
    Reject,
    Answer,
    Dispatch,
    Resolve,
    Unresolvable,
    Confirm,
    Withdraw,
    Urge,
    Note,
}

const ALL_TRIES: [Try; 10] = [
    Try::Accept,
    Try::Reject,
    Try::Answer,
    Try::Dispatch,
    Try::Resolve,
    Try::Unresolvable,
    Try::Confirm,
    Try::Withdraw,
    Try::Urge,
    Try::Note,
];

/// Where each step is possible for a PROBLEM request (answering is for consultations only).
fn allowed(state: &str) -> &'static [Try] {
    use Try::*;
    match state {
        "SUBMITTED" => &[Accept, Reject, Unresolvable, Withdraw, Urge, Note],
        "ACCEPTED" => &[Reject, Dispatch, Resolve, Unresolvable, Withdraw, Urge, Note],
        "DISPATCHED" | "IN_PROGRESS" | "REOPENED" => &[Dispatch, Resolve, Unresolvable, Withdraw, Urge, Note],
        "RESOLVED" => &[Confirm, Note],
        "CLOSED" | "REJECTED" | "WITHDRAWN" | "UNRESOLVABLE" => &[],
        other => panic!("unknown state {other}"),
    }
}

async fn attempt(app: &TestApp, z: &Zone, id: &str, version: i64, step: Try) -> Value {
    let officer = z.officer_a.token.as_str();
    let company = z.staff_a.token.as_str();
    let (token, query, vars) = match step {
        Try::Accept => (officer, ACCEPT, json!({ "id": id, "v": version })),
        Try::Reject => (
            officer,
            REJECT,
            json!({ "id": id, "v": version, "r": "不属于受理范围" }),
        ),
        Try::Answer => (officer, ANSWER, json!({ "id": id, "v": version, "a": "答复" })),
        Try::Dispatch => (
            officer,
            DISPATCH,
            json!({ "id": id, "v": version, "d": [{ "departmentId": z.departments[2], "lead": false }] }),
        ),
        Try::Resolve => (officer, RESOLVE, json!({ "id": id, "v": version, "a": "已解决" })),
        Try::Unresolvable => (
            officer,
            UNRESOLVABLE,
            json!({ "id": id, "v": version, "r": "政策限制", "f": "BA-1" }),
        ),
        Try::Confirm => (company, CONFIRM, json!({ "id": id, "s": true, "sat": true })),
        Try::Withdraw => (company, WITHDRAW, json!({ "id": id })),
        Try::Urge => (company, URGE, json!({ "id": id })),
        Try::Note => (officer, NOTE, json!({ "id": id, "text": "进展" })),
    };
    app.post(Some(token), query, vars).await
}

/// Brings a fresh PROBLEM request of company A to `state`; returns its id and version.
async fn request_in(app: &TestApp, z: &Zone, state: &str) -> (String, i64) {
    let officer = z.officer_a.token.as_str();
    let company = z.staff_a.token.as_str();
    let version = |data: &Value, field: &str| data[field]["request"]["version"].as_i64().unwrap();
    match state {
        "SUBMITTED" => z.raise(app, "PROBLEM").await,
        "ACCEPTED" => {
            let (id, v) = z.raise(app, "PROBLEM").await;
            let data = app.ok(officer, ACCEPT, json!({ "id": id, "v": v })).await;
            (id, version(&data, "acceptRequest"))
        }
        "DISPATCHED" => {
            let (id, v, _) = dispatched(app, z, &[0]).await;
            (id, v)
        }
        "IN_PROGRESS" => {
            let (id, _, tasks) = dispatched(app, z, &[0]).await;
            let data = app.ok(&z.dept_staff[0].token, SIGN, json!({ "t": tasks[0] })).await;
            (id, version(&data, "signTask"))
        }
        "RESOLVED" | "CLOSED" | "REOPENED" => {
            let (id, v, _) = dispatched(app, z, &[0]).await;
            let data = app
                .ok(officer, RESOLVE, json!({ "id": id, "v": v, "a": "已解决" }))
                .await;
            let v = version(&data, "resolveRequest");
            match state {
                "RESOLVED" => (id, v),
                _ => {
                    let ok = state == "CLOSED";
                    let data = app.ok(company, CONFIRM, json!({ "id": id, "s": ok, "sat": ok })).await;
                    (id, version(&data, "confirmResolution"))
                }
            }
        }
        "REJECTED" => {
            let (id, v) = z.raise(app, "PROBLEM").await;
            let data = app
                .ok(officer, REJECT, json!({ "id": id, "v": v, "r": "不受理" }))
                .await;
            (id, version(&data, "rejectRequest"))
        }
        "WITHDRAWN" => {
            let (id, _) = z.raise(app, "PROBLEM").await;
            let data = app.ok(company, WITHDRAW, json!({ "id": id })).await;
            (id, version(&data, "withdrawRequest"))
        }
        "UNRESOLVABLE" => {
            let (id, v) = z.raise(app, "PROBLEM").await;
            let data = app
                .ok(
                    officer,
                    UNRESOLVABLE,
                    json!({ "id": id, "v": v, "r": "政策限制", "f": "BA-9" }),
                )
                .await;
            (id, version(&data, "markUnresolvable"))
        }
        other => panic!("unknown state {other}"),
    }
}

async fn every_invalid_step_from_every_state_is_refused(app: TestApp) {
    let z = zone(&app).await;
    let states = [
        "SUBMITTED",
        "ACCEPTED",
        "DISPATCHED",
        "IN_PROGRESS",
        "RESOLVED",
        "CLOSED",
        "REJECTED",
        "WITHDRAWN",
        "UNRESOLVABLE",
        "REOPENED",
    ];
    let mut checked = 0;
    for state in states {
        let (id, version) = request_in(&app, &z, state).await;
        let before = read(&app, &app.admin_token, &id).await;
        assert_eq!(before["status"], state);
        let events = app.count("request_events").await;
        let tasks = app.count("request_tasks").await;
        for step in ALL_TRIES {
            if allowed(state).contains(&step) {
                continue;
            }
            let response = attempt(&app, &z, &id, version, step).await;
            let error = &response["errors"][0]["extensions"];
            assert_eq!(error["code"], "BAD_USER_INPUT", "{step:?} from {state}: {response:#}");
            assert_eq!(
                error["reason"], "INVALID_TRANSITION",
                "{step:?} from {state}: {response:#}"
            );
            checked += 1;
        }
        let after = read(&app, &app.admin_token, &id).await;
        assert_eq!(after["status"], state, "refused steps change nothing");
        assert_eq!(after["version"], before["version"]);
        assert_eq!(
            app.count("request_events").await,
            events,
            "no events from refused steps in {state}"
        );
        assert_eq!(app.count("request_tasks").await, tasks);
    }
    assert!(checked >= 50, "the table covers the machine ({checked} refusals)");

    // Answering is for consultations; a consultation can be answered once accepted.
    let (id, v) = z.raise(&app, "CONSULTATION").await;
    let early = app
        .post(Some(&z.officer_a.token), ANSWER, json!({ "id": id, "v": v, "a": "x" }))
        .await;
    assert_eq!(early["errors"][0]["extensions"]["reason"], "INVALID_TRANSITION");
    let v = app.ok(&z.officer_a.token, ACCEPT, json!({ "id": id, "v": v })).await["acceptRequest"]["request"]
        ["version"]
        .as_i64()
        .unwrap();
    app.ok(&z.officer_a.token, ANSWER, json!({ "id": id, "v": v, "a": "答复" }))
        .await;
}

async fn task_steps_follow_the_task_state_machine(app: TestApp) {
    let z = zone(&app).await;
    let (id, _, tasks) = dispatched(&app, &z, &[0]).await;
    let power = z.dept_staff[0].token.as_str();
    let t = json!({ "t": tasks[0], "r": "完成" });
    // Completing needs a plan; planning needs a signature.
    for (query, vars) in [
        (COMPLETE, t.clone()),
        (
            PLAN,
            json!({ "t": tasks[0], "who": "王工", "how": "抢修", "due": due(&app, 1) }),
        ),
    ] {
        let response = app.post(Some(power), query, vars).await;
        assert_eq!(
            response["errors"][0]["extensions"]["reason"], "INVALID_TRANSITION",
            "{response:#}"
        );
    }
    app.ok(power, SIGN, json!({ "t": tasks[0] })).await;
    let twice = app.post(Some(power), SIGN, json!({ "t": tasks[0] })).await;
    assert_eq!(twice["errors"][0]["extensions"]["reason"], "INVALID_TRANSITION");
    let past = app
        .post(
            Some(power),
            PLAN,
            json!({ "t": tasks[0], "who": "王工", "how": "抢修", "due": due(&app, -1) }),
        )
        .await;
    assert_eq!(
        past["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "a deadline in the past"
    );

    // Dispatch needs exactly one lead among the active tasks.
    let v = read(&app, &z.officer_a.token, &id).await["version"].as_i64().unwrap();
    let second_lead = app
        .post(
            Some(&z.officer_a.token),
            DISPATCH,
            json!({ "id": id, "v": v, "d": [{ "departmentId": z.departments[1], "lead": true }] }),
        )
        .await;
    assert_eq!(second_lead["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    let same_department = app
        .post(
            Some(&z.officer_a.token),
            DISPATCH,
            json!({ "id": id, "v": v, "d": [{ "departmentId": z.departments[0], "lead": false }] }),
        )
        .await;
    assert_eq!(same_department["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    let (id2, v2) = z.raise(&app, "PROBLEM").await;
    let v2 = app.ok(&z.officer_a.token, ACCEPT, json!({ "id": id2, "v": v2 })).await["acceptRequest"]["request"]
        ["version"]
        .as_i64()
        .unwrap();
    for departments in [
        json!([{ "departmentId": z.departments[0], "lead": false }]),
        json!([{ "departmentId": z.departments[0], "lead": true }, { "departmentId": z.departments[1], "lead": true }]),
        json!([]),
    ] {
        let response = app
            .post(
                Some(&z.officer_a.token),
                DISPATCH,
                json!({ "id": id2, "v": v2, "d": departments }),
            )
            .await;
        assert_eq!(
            response["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{departments}"
        );
    }

    // After the officer resolves directly, a department can no longer act on its task.
    let resolved = app
        .ok(
            &z.officer_a.token,
            RESOLVE,
            json!({ "id": id, "v": v, "a": "协调解决" }),
        )
        .await;
    assert_eq!(resolved["resolveRequest"]["request"]["status"], "RESOLVED");
    let late = app
        .post(
            Some(power),
            PLAN,
            json!({ "t": tasks[0], "who": "王工", "how": "抢修", "due": due(&app, 1) }),
        )
        .await;
    assert_eq!(late["errors"][0]["extensions"]["reason"], "INVALID_TRANSITION");
    let _ = v;
}

fn ids(list: &Value) -> Vec<String> {
    list["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap().to_string())
        .collect()
}

async fn companies_see_only_their_requests_and_no_internal_notes(app: TestApp) {
    let z = zone(&app).await;
    let (id_a, _) = z.raise(&app, "PROBLEM").await;
    app.ok(
        &z.officer_a.token,
        NOTE,
        json!({ "id": id_a, "text": "内部：核查企业资质", "internal": true }),
    )
    .await;
    let b = app
        .ok(&z.staff_b.token, RAISE, json!({ "input": { "kind": "PROBLEM", "categoryId": z.category, "title": "乙的问题", "description": "内容" } }))
        .await;
    let id_b = b["raiseRequest"]["request"]["id"].as_str().unwrap().to_string();

    let other = z.staff_b.token.as_str();
    assert_eq!(
        app.error_code(
            Some(other),
            "query($id: ID!) { request(id: $id) { id } }",
            json!({ "id": id_a })
        )
        .await,
        "NOT_FOUND"
    );
    for (query, vars) in [
        (URGE, json!({ "id": id_a })),
        (WITHDRAW, json!({ "id": id_a })),
        (NOTE, json!({ "id": id_a, "text": "x" })),
        (CONFIRM, json!({ "id": id_a, "s": true, "sat": true })),
    ] {
        assert_eq!(app.error_code(Some(other), query, vars).await, "NOT_FOUND");
    }
    let listed = app
        .ok(
            other,
            "{ requests { totalCount edges { node { id } } } myRequests { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(ids(&listed["requests"]), [id_b.as_str()]);
    assert_eq!(ids(&listed["myRequests"]), [id_b.as_str()]);
    let filtered = app
        .ok(
            other,
            "query($c: ID!) { requests(filter: { companyId: $c }) { totalCount } }",
            json!({ "c": z.company_a }),
        )
        .await;
    assert_eq!(filtered["requests"]["totalCount"], 0, "a filter never widens the view");

    let own = app
        .ok(
            &z.staff_a.token,
            "{ myRequests { edges { node { id timeline { internal text } lastEvent { internal } } } } }",
            json!({}),
        )
        .await;
    let node = &own["myRequests"]["edges"][0]["node"];
    assert_eq!(node["id"], id_a.as_str());
    assert!(node["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["internal"] == false));
    assert_eq!(node["lastEvent"]["internal"], false);
    let officer_view = read(&app, &z.officer_a.token, &id_a).await;
    assert_eq!(officer_view["lastEvent"]["text"], "进展说明：内部：核查企业资质");
    assert_eq!(
        app.error_code(Some(&z.officer_a.token), "{ myRequests { totalCount } }", json!({}))
            .await,
        "FORBIDDEN"
    );
}

async fn officers_and_departments_see_their_own_work(app: TestApp) {
    let z = zone(&app).await;
    let (id, _, _) = dispatched(&app, &z, &[0, 1]).await;
    let q = "query($id: ID!) { request(id: $id) { id } }";
    assert_eq!(
        app.error_code(Some(&z.officer_b.token), q, json!({ "id": id })).await,
        "NOT_FOUND",
        "another company's officer"
    );
    assert_eq!(
        app.error_code(Some(&z.officer_b.token), ACCEPT, json!({ "id": id, "v": 1 }))
            .await,
        "NOT_FOUND"
    );
    assert_eq!(
        app.error_code(Some(&z.dept_staff[2].token), q, json!({ "id": id }))
            .await,
        "NOT_FOUND",
        "a department without a task on it"
    );
    app.ok(&z.dept_staff[0].token, q, json!({ "id": id })).await;
    app.ok(&z.dept_staff[1].token, q, json!({ "id": id })).await;
    // Departments see internal notes; they cannot take the officer's steps.
    assert_eq!(
        app.error_code(
            Some(&z.dept_staff[0].token),
            RESOLVE,
            json!({ "id": id, "v": 3, "a": "x" })
        )
        .await,
        "FORBIDDEN"
    );
    let waiting = app
        .ok(
            &z.dept_staff[0].token,
            "{ myTasks { totalCount edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(ids(&waiting["myTasks"]), [id.as_str()]);
    let none = app
        .ok(
            &z.dept_staff[2].token,
            "{ myTasks { totalCount } requests { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(none["myTasks"]["totalCount"], 0);
    assert_eq!(none["requests"]["totalCount"], 0);

    // After reassignment the new officer handles the company's requests; the recorded one still
    // sees them.
    app.ok(
        &app.admin_token,
        "mutation($c: ID!, $o: ID!) { assignOfficer(companyId: $c, officerId: $o, reason: \"rotation\") { assignment { id } } }",
        json!({ "c": z.company_a, "o": z.officer_b.id }),
    )
    .await;
    app.ok(&z.officer_b.token, q, json!({ "id": id })).await;
    app.ok(&z.officer_a.token, q, json!({ "id": id })).await;

    // Officers' queue: urgent first.
    let normal = z.raise(&app, "PROBLEM").await.0;
    let urgent = app
        .ok(&z.staff_a.token, RAISE, json!({ "input": { "kind": "PROBLEM", "urgency": "URGENT", "categoryId": z.category, "title": "紧急", "description": "内容" } }))
        .await["raiseRequest"]["request"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let queue = app
        .ok(
            &z.officer_b.token,
            "{ myTasks(first: 1) { totalCount edges { cursor node { id urgency } } } }",
            json!({}),
        )
        .await;
    assert_eq!(queue["myTasks"]["totalCount"], 2);
    assert_eq!(ids(&queue["myTasks"]), [urgent.as_str()]);
    let cursor = queue["myTasks"]["edges"][0]["cursor"].as_str().unwrap();
    let rest = app
        .ok(
            &z.officer_b.token,
            "query($a: String) { myTasks(first: 5, after: $a) { edges { node { id } } } }",
            json!({ "a": cursor }),
        )
        .await;
    assert_eq!(ids(&rest["myTasks"]), [normal]);
    assert_eq!(
        app.error_code(Some(&z.staff_a.token), "{ myTasks { totalCount } }", json!({}))
            .await,
        "FORBIDDEN"
    );
}

async fn lists_filter_and_count(app: TestApp) {
    let z = zone(&app).await;
    let (a, _) = z.raise(&app, "PROBLEM").await;
    let (_b, _, _) = dispatched(&app, &z, &[1]).await;
    let hotline = app
        .ok(&z.officer_a.token, RAISE, json!({ "input": { "companyId": z.company_a, "channel": "HOTLINE", "kind": "CONSULTATION", "categoryId": z.category, "title": "Tax Relief", "description": "减免税政策" } }))
        .await["raiseRequest"]["request"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let admin = app.admin_token.as_str();
    let app = &app;
    let count = |filter: Value| async move {
        app.ok(
            admin,
            "query($f: RequestFilterInput) { requests(filter: $f) { totalCount } }",
            json!({ "f": filter }),
        )
        .await["requests"]["totalCount"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(count(json!({})).await, 3);
    assert_eq!(count(json!({ "status": ["SUBMITTED"] })).await, 2);
    assert_eq!(count(json!({ "kind": "CONSULTATION" })).await, 1);
    assert_eq!(count(json!({ "channel": "HOTLINE" })).await, 1);
    assert_eq!(count(json!({ "departmentId": z.departments[1] })).await, 1);
    assert_eq!(count(json!({ "departmentId": z.departments[0] })).await, 0);
    assert_eq!(
        count(json!({ "text": "tax relief" })).await,
        1,
        "text search ignores case"
    );
    assert_eq!(count(json!({ "text": "10 kV" })).await, 2, "and reads descriptions");
    assert_eq!(count(json!({ "officerId": z.officer_a.id })).await, 3);
    assert_eq!(count(json!({ "companyId": z.company_b })).await, 0);
    assert_eq!(count(json!({ "urgency": "URGENT" })).await, 0);
    assert_eq!(count(json!({ "categoryId": z.category })).await, 3);
    assert_eq!(count(json!({ "createdFrom": "2030-01-01T00:00:00Z" })).await, 0);
    assert_eq!(count(json!({ "createdBefore": "2030-01-01T00:00:00Z" })).await, 3);

    let page = app
        .ok(
            admin,
            "{ requests(first: 2) { edges { node { id } } pageInfo { hasNextPage endCursor } } }",
            json!({}),
        )
        .await;
    assert_eq!(ids(&page["requests"])[0], hotline, "newest first");
    assert_eq!(page["requests"]["pageInfo"]["hasNextPage"], true);
    let next = app
        .ok(
            admin,
            "query($a: String) { requests(first: 2, after: $a) { edges { node { id } } pageInfo { hasNextPage } } }",
            json!({ "a": page["requests"]["pageInfo"]["endCursor"] }),
        )
        .await;
    assert_eq!(ids(&next["requests"]), [a]);
    assert_eq!(next["requests"]["pageInfo"]["hasNextPage"], false);

    let counts = app
        .ok(&z.staff_a.token, "{ requestCounts { status count } }", json!({}))
        .await;
    let of = |status: &str| {
        counts["requestCounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["status"] == status)
            .unwrap()["count"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(
        counts["requestCounts"].as_array().unwrap().len(),
        10,
        "every tab, zeros included"
    );
    assert_eq!(of("SUBMITTED"), 2);
    assert_eq!(of("DISPATCHED"), 1);
    assert_eq!(of("CLOSED"), 0);
    let other = app
        .ok(&z.staff_b.token, "{ requestCounts { status count } }", json!({}))
        .await;
    assert!(other["requestCounts"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["count"] == 0));
}
