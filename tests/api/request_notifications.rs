//! Every request event reaches exactly the intended devices, in their language, and nobody else
//! (the table in docs/notifications.md).

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::backend_tests;
use crate::fake_fcm::FakeFcm;
use crate::helpers::{TestApp, TestUser};
use crate::requests::{
    due, zone, Zone, ACCEPT, ANSWER, CLAIM, CONFIRM, DISPATCH, NOTE, PLAN, RAISE, REJECT, RESOLVE, RETURN, SIGN,
    TRANSFER, UNRESOLVABLE, URGE, WITHDRAW,
};

backend_tests!(
    a_problem_s_life_tells_each_party_and_nobody_else,
    the_other_endings_tell_each_party,
);

/// The scene's devices: one per person, the colleague's in English.
struct Devices {
    colleague: TestUser,
}

async fn devices(app: &TestApp, z: &Zone) -> Devices {
    let colleague = app
        .create_user("COMPANY", "13900000031", "甲同事", json!({ "companyId": z.company_a }))
        .await;
    app.register_device(&z.staff_a.token, "staff-a", "zh-CN").await;
    app.set_locale(&colleague.token, "EN").await;
    app.register_device(&colleague.token, "colleague-a", "en-US").await;
    app.register_device(&z.officer_a.token, "officer-a", "zh-CN").await;
    app.register_device(&z.officer_b.token, "officer-b", "zh-CN").await;
    app.register_device(&z.staff_b.token, "staff-b", "zh-CN").await;
    app.register_device(&z.staff_c.token, "staff-c", "zh-CN").await;
    for (i, staff) in z.dept_staff.iter().enumerate() {
        app.register_device(&staff.token, &format!("dept-{i}"), "zh-CN").await;
    }
    app.register_device(&app.admin_token, "admin", "zh-CN").await;
    Devices { colleague }
}

/// Delivers what is due and checks that exactly `expected` (device, kind) pairs were pushed.
async fn pushed(app: &TestApp, fake: &FakeFcm, seen: &mut usize, expected: &[(&str, &str)], step: &str) -> Vec<Value> {
    app.push_worker(fake).run_once().await.unwrap();
    let all = fake.accepted();
    let new: Vec<Value> = all[*seen..].to_vec();
    *seen = all.len();
    let got: BTreeSet<(String, String)> = new
        .iter()
        .map(|m| {
            (
                m["token"].as_str().unwrap().to_string(),
                m["data"]["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want: BTreeSet<(String, String)> = expected.iter().map(|(t, k)| (t.to_string(), k.to_string())).collect();
    assert_eq!(got, want, "after {step}");
    assert_eq!(new.len(), expected.len(), "one push per device after {step}");
    new
}

/// Delivers what is due without checking it (steps already covered elsewhere).
async fn flush(app: &TestApp, fake: &FakeFcm, seen: &mut usize) {
    app.push_worker(fake).run_once().await.unwrap();
    *seen = fake.accepted().len();
}

fn version(data: &Value, field: &str) -> i64 {
    data[field]["request"]["version"].as_i64().unwrap()
}

async fn a_problem_s_life_tells_each_party_and_nobody_else(app: TestApp) {
    let fake = FakeFcm::start().await;
    let z = zone(&app).await;
    let d = devices(&app, &z).await;
    let mut seen = 0;
    pushed(&app, &fake, &mut seen, &[], "setting up").await;

    let raised = app
        .ok(&z.staff_a.token, RAISE, json!({ "input": { "kind": "PROBLEM", "categoryId": z.category, "title": "夜间跳闸", "description": "生产用电经常跳闸" } }))
        .await;
    let id = raised["raiseRequest"]["request"]["id"].as_str().unwrap().to_string();
    let number = raised["raiseRequest"]["request"]["number"]
        .as_str()
        .unwrap()
        .to_string();
    let v = version(&raised, "raiseRequest");
    let new = pushed(
        &app,
        &fake,
        &mut seen,
        &[("officer-a", "REQUEST_RAISED"), ("colleague-a", "REQUEST_RAISED")],
        "raise",
    )
    .await;
    let to_officer = new.iter().find(|m| m["token"] == "officer-a").unwrap();
    assert_eq!(to_officer["notification"]["title"], "新的诉求");
    assert_eq!(to_officer["notification"]["body"], format!("诉求 {number}：新的诉求"));
    assert_eq!(to_officer["data"]["requestId"], id.as_str());
    assert_eq!(to_officer["android"]["collapse_key"], id.as_str());
    let to_colleague = new.iter().find(|m| m["token"] == "colleague-a").unwrap();
    assert_eq!(to_colleague["notification"]["title"], "New request");
    assert!(
        !to_colleague.to_string().contains("跳闸"),
        "no request content in a push"
    );

    let v = version(
        &app.ok(&z.officer_a.token, ACCEPT, json!({ "id": id, "v": v })).await,
        "acceptRequest",
    );
    pushed(
        &app,
        &fake,
        &mut seen,
        &[("staff-a", "REQUEST_ACCEPTED"), ("colleague-a", "REQUEST_ACCEPTED")],
        "accept",
    )
    .await;

    let targets = json!([{ "departmentId": z.departments[0], "lead": true }, { "departmentId": z.departments[1], "lead": false }]);
    let data = app
        .ok(
            &z.officer_a.token,
            DISPATCH,
            json!({ "id": id, "v": v, "d": targets, "n": "请尽快处理" }),
        )
        .await;
    let tasks: Vec<String> = data["dispatchRequest"]["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect();
    pushed(
        &app,
        &fake,
        &mut seen,
        &[
            ("staff-a", "REQUEST_DISPATCHED"),
            ("colleague-a", "REQUEST_DISPATCHED"),
            ("dept-0", "TASK_DISPATCHED"),
            ("dept-1", "TASK_DISPATCHED"),
        ],
        "dispatch",
    )
    .await;

    app.ok(&z.dept_staff[0].token, SIGN, json!({ "t": tasks[0] })).await;
    pushed(
        &app,
        &fake,
        &mut seen,
        &[
            ("staff-a", "REQUEST_IN_PROGRESS"),
            ("colleague-a", "REQUEST_IN_PROGRESS"),
        ],
        "sign",
    )
    .await;

    app.ok(
        &z.dept_staff[1].token,
        TRANSFER,
        json!({ "t": tasks[1], "d": z.departments[2], "r": "属于城管职责" }),
    )
    .await;
    pushed(
        &app,
        &fake,
        &mut seen,
        &[("dept-2", "TASK_DISPATCHED"), ("officer-a", "TASK_TRANSFERRED")],
        "transfer (internal)",
    )
    .await;

    app.ok(
        &z.dept_staff[0].token,
        PLAN,
        json!({ "t": tasks[0], "who": "王工", "how": "更换变压器", "due": due(&app, 2) }),
    )
    .await;
    pushed(
        &app,
        &fake,
        &mut seen,
        &[
            ("staff-a", "REQUEST_PLANNED"),
            ("colleague-a", "REQUEST_PLANNED"),
            ("officer-a", "TASK_PLANNED"),
        ],
        "plan",
    )
    .await;

    app.ok(&z.staff_a.token, URGE, json!({ "id": id, "m": "还在停产" }))
        .await;
    let urged = pushed(
        &app,
        &fake,
        &mut seen,
        &[
            ("officer-a", "REQUEST_URGED"),
            ("dept-0", "REQUEST_URGED"),
            ("dept-2", "REQUEST_URGED"),
        ],
        "urge",
    )
    .await;
    assert!(
        urged.iter().all(|m| m["android"]["priority"] == "HIGH"),
        "an urge is urgent"
    );

    app.ok(
        &z.officer_a.token,
        NOTE,
        json!({ "id": id, "text": "内部：已协调供电所", "internal": true }),
    )
    .await;
    pushed(&app, &fake, &mut seen, &[], "internal note").await;
    app.ok(
        &z.officer_a.token,
        NOTE,
        json!({ "id": id, "text": "供电所今晚抢修", "internal": false }),
    )
    .await;
    pushed(
        &app,
        &fake,
        &mut seen,
        &[("staff-a", "REQUEST_NOTE"), ("colleague-a", "REQUEST_NOTE")],
        "public note",
    )
    .await;

    app.ok(
        &z.dept_staff[0].token,
        "mutation($t: ID!, $r: String!) { completeTask(taskId: $t, result: $r) { task { id } } }",
        json!({ "t": tasks[0], "r": "已更换变压器" }),
    )
    .await;
    pushed(
        &app,
        &fake,
        &mut seen,
        &[
            ("officer-a", "TASK_COMPLETED"),
            ("staff-a", "REQUEST_RESOLVED"),
            ("colleague-a", "REQUEST_RESOLVED"),
        ],
        "the lead task completes the request",
    )
    .await;

    app.ok(
        &z.staff_a.token,
        CONFIRM,
        json!({ "id": id, "s": false, "sat": false, "c": "仍然跳闸" }),
    )
    .await;
    pushed(
        &app,
        &fake,
        &mut seen,
        &[
            ("officer-a", "REQUEST_REOPENED"),
            ("dept-0", "REQUEST_REOPENED"),
            ("dept-2", "REQUEST_REOPENED"),
            ("colleague-a", "REQUEST_REOPENED"),
        ],
        "unsatisfied confirmation: the finished task goes back to work",
    )
    .await;

    let current = crate::requests::read(&app, &z.officer_a.token, &id).await;
    let v = current["version"].as_i64().unwrap();
    app.ok(
        &z.officer_a.token,
        RESOLVE,
        json!({ "id": id, "v": v, "a": "线路已改造" }),
    )
    .await;
    pushed(
        &app,
        &fake,
        &mut seen,
        &[("staff-a", "REQUEST_RESOLVED"), ("colleague-a", "REQUEST_RESOLVED")],
        "resolve",
    )
    .await;

    app.ok(&d.colleague.token, CONFIRM, json!({ "id": id, "s": true, "sat": true }))
        .await;
    pushed(
        &app,
        &fake,
        &mut seen,
        &[("officer-a", "REQUEST_CLOSED"), ("staff-a", "REQUEST_CLOSED")],
        "confirmation",
    )
    .await;

    // The bystanders' inboxes are empty of this request.
    for user in [&z.officer_b, &z.staff_b, &z.staff_c] {
        let inbox = app
            .ok(
                &user.token,
                "{ notifications { edges { node { requestId } } } }",
                json!({}),
            )
            .await;
        assert!(inbox["notifications"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["node"]["requestId"] != id.as_str()));
    }
    let admin = app
        .ok(
            &app.admin_token,
            "{ notifications { edges { node { requestId } } } }",
            json!({}),
        )
        .await;
    assert!(admin["notifications"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["node"]["requestId"] != id.as_str()));
}

async fn the_other_endings_tell_each_party(app: TestApp) {
    let fake = FakeFcm::start().await;
    let z = zone(&app).await;
    devices(&app, &z).await;
    let mut seen = 0;
    pushed(&app, &fake, &mut seen, &[], "setting up").await;
    let raised = [("officer-a", "REQUEST_RAISED"), ("colleague-a", "REQUEST_RAISED")];

    // A consultation answered on the spot.
    let (id, v) = z.raise(&app, "CONSULTATION").await;
    pushed(&app, &fake, &mut seen, &raised, "raise").await;
    let v = version(
        &app.ok(&z.officer_a.token, ACCEPT, json!({ "id": id, "v": v })).await,
        "acceptRequest",
    );
    pushed(
        &app,
        &fake,
        &mut seen,
        &[("staff-a", "REQUEST_ACCEPTED"), ("colleague-a", "REQUEST_ACCEPTED")],
        "accept",
    )
    .await;
    app.ok(
        &z.officer_a.token,
        ANSWER,
        json!({ "id": id, "v": v, "a": "按峰谷电价执行" }),
    )
    .await;
    pushed(
        &app,
        &fake,
        &mut seen,
        &[("staff-a", "REQUEST_ANSWERED"), ("colleague-a", "REQUEST_ANSWERED")],
        "answer",
    )
    .await;

    // Rejected.
    let (id, v) = z.raise(&app, "SUGGESTION").await;
    pushed(&app, &fake, &mut seen, &raised, "raise").await;
    app.ok(
        &z.officer_a.token,
        REJECT,
        json!({ "id": id, "v": v, "r": "不属于开发区职责" }),
    )
    .await;
    pushed(
        &app,
        &fake,
        &mut seen,
        &[("staff-a", "REQUEST_REJECTED"), ("colleague-a", "REQUEST_REJECTED")],
        "reject",
    )
    .await;

    // Withdrawn while dispatched: the department holding it hears too.
    let (id, _, _) = crate::requests::dispatched(&app, &z, &[0]).await;
    flush(&app, &fake, &mut seen).await;
    app.ok(&z.staff_a.token, WITHDRAW, json!({ "id": id, "r": "已自行解决" }))
        .await;
    pushed(
        &app,
        &fake,
        &mut seen,
        &[
            ("officer-a", "REQUEST_WITHDRAWN"),
            ("dept-0", "REQUEST_WITHDRAWN"),
            ("colleague-a", "REQUEST_WITHDRAWN"),
        ],
        "withdraw",
    )
    .await;

    // Returned by a department: the officer must dispatch again.
    let (id, _, tasks) = crate::requests::dispatched(&app, &z, &[1]).await;
    flush(&app, &fake, &mut seen).await;
    app.ok(
        &z.dept_staff[1].token,
        RETURN,
        json!({ "t": tasks[0], "r": "不是本部门职责" }),
    )
    .await;
    pushed(&app, &fake, &mut seen, &[("officer-a", "TASK_RETURNED")], "return").await;

    // Unresolvable, explained and filed.
    let current = crate::requests::read(&app, &z.officer_a.token, &id).await;
    app.ok(
        &z.officer_a.token,
        UNRESOLVABLE,
        json!({ "id": id, "v": current["version"], "r": "受现行政策限制", "f": "BA-2026-001" }),
    )
    .await;
    pushed(
        &app,
        &fake,
        &mut seen,
        &[
            ("staff-a", "REQUEST_UNRESOLVABLE"),
            ("colleague-a", "REQUEST_UNRESOLVABLE"),
        ],
        "unresolvable",
    )
    .await;

    // The open pool: claimed by a department.
    let (id, v) = z.raise(&app, "PROBLEM").await;
    let v = version(
        &app.ok(&z.officer_a.token, ACCEPT, json!({ "id": id, "v": v })).await,
        "acceptRequest",
    );
    let pooled = app
        .ok(&z.officer_a.token, DISPATCH, json!({ "id": id, "v": v, "p": true }))
        .await;
    flush(&app, &fake, &mut seen).await;
    let task = pooled["dispatchRequest"]["tasks"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.ok(&z.dept_staff[2].token, CLAIM, json!({ "t": task })).await;
    pushed(
        &app,
        &fake,
        &mut seen,
        &[
            ("officer-a", "TASK_CLAIMED"),
            ("staff-a", "REQUEST_IN_PROGRESS"),
            ("colleague-a", "REQUEST_IN_PROGRESS"),
        ],
        "claim",
    )
    .await;

    // Resolved and left without feedback for 7 days: closed automatically, together with the
    // consultation answered above and never confirmed.
    let current = crate::requests::read(&app, &z.officer_a.token, &id).await;
    app.ok(
        &z.officer_a.token,
        RESOLVE,
        json!({ "id": id, "v": current["version"], "a": "已处理" }),
    )
    .await;
    pushed(
        &app,
        &fake,
        &mut seen,
        &[("staff-a", "REQUEST_RESOLVED"), ("colleague-a", "REQUEST_RESOLVED")],
        "resolve",
    )
    .await;
    app.clock.advance(chrono::Duration::days(8));
    assert_eq!(zhitong::requests::worker::run_once(&app.state).await.unwrap(), 2);
    let each = [
        ("officer-a", "REQUEST_AUTO_CLOSED"),
        ("staff-a", "REQUEST_AUTO_CLOSED"),
        ("colleague-a", "REQUEST_AUTO_CLOSED"),
    ];
    let closed = pushed(&app, &fake, &mut seen, &[each, each].concat(), "auto-close").await;
    let requests: BTreeSet<String> = closed
        .iter()
        .map(|m| m["data"]["requestId"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(requests.len(), 2, "both requests closed");
}

mod live {
    use serde_json::json;

    use crate::backend_tests;
    use crate::helpers::TestApp;
    use crate::requests::{zone, ACCEPT, NOTE};
    use crate::requests_ws::WsClient;

    const RECEIVED: &str =
        "subscription($after: ID) { notificationReceived(after: $after) { id kind title requestId companyId } }";

    backend_tests!(the_live_inbox_hears_each_new_notification);

    async fn next(client: WsClient) -> (WsClient, serde_json::Value) {
        tokio::task::spawn_blocking(move || {
            let mut client = client;
            let message = client.next_message().expect("a message before the connection closed");
            (client, message)
        })
        .await
        .unwrap()
    }

    async fn the_live_inbox_hears_each_new_notification(app: TestApp) {
        let z = zone(&app).await;
        let (id, v) = z.raise(&app, "PROBLEM").await;
        // The app reads its inbox, then subscribes after the newest it has shown.
        app.ok(
            &z.officer_a.token,
            NOTE,
            json!({ "id": id, "text": "已联系供电所", "internal": false }),
        )
        .await;
        let inbox = app
            .ok(
                &z.staff_a.token,
                "{ notifications(first: 1) { edges { node { id kind } } } }",
                json!({}),
            )
            .await;
        assert_eq!(inbox["notifications"]["edges"][0]["node"]["kind"], "REQUEST_NOTE");
        let newest = inbox["notifications"]["edges"][0]["node"]["id"].clone();
        let mut staff = WsClient::init(&app.address, &z.staff_a.token);
        staff.subscribe("1", RECEIVED, json!({ "after": newest }));
        let mut other = WsClient::init(&app.address, &z.staff_b.token);
        other.subscribe("1", RECEIVED, json!({}));

        // A request step: announced at once.
        app.ok(&z.officer_a.token, ACCEPT, json!({ "id": id, "v": v })).await;
        let (staff, accepted) = next(staff).await;
        let node = &accepted["payload"]["data"]["notificationReceived"];
        assert_eq!(node["kind"], "REQUEST_ACCEPTED", "{accepted}");
        assert_eq!(node["requestId"], id.as_str());

        // Idle, the two live inboxes cost the database nothing: they are read again only when
        // their user's notifications arrive, never on a timer.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let before = crate::helpers::reads(&app);
        tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
        assert_eq!(
            crate::helpers::reads(&app),
            before,
            "idle subscribers read the database"
        );

        // A reassignment (no request event): announced with the notification it writes.
        app.assign_officer(&z.company_a, &z.officer_b.id).await;
        let (_staff, changed) = next(staff).await;
        assert_eq!(
            changed["payload"]["data"]["notificationReceived"]["kind"],
            "COMPANY_OFFICER_CHANGED"
        );
        assert_eq!(
            changed["payload"]["data"]["notificationReceived"]["companyId"],
            z.company_a.as_str()
        );

        // The other company's staff heard nothing of either: the next thing they hear is their own.
        app.assign_officer(&z.company_b, &z.officer_a.id).await;
        let (_other, own) = next(other).await;
        assert_eq!(
            own["payload"]["data"]["notificationReceived"]["companyId"],
            z.company_b.as_str(),
            "{own}"
        );
    }
}
