//! Time limits end to end: due times stamped from the default policies on the working calendar,
//! the clock paused while waiting on the company, extensions, and the sweeper's reminders and
//! supervision ladder on a manual clock, each threshold fired once even with two instances.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{json, Value};

use crate::backend_tests;
use crate::fake_fcm::FakeFcm;
use crate::helpers::{TestApp, TestUser};
use crate::requests::{dispatched, zone, Zone, PLAN, SIGN, URGE};

const SLA: &str =
    "sla { firstReplyDueAt firstRepliedAt resolveDueAt state remaining overdueAt awaitingCompanySince pausedSeconds }";

fn read_doc() -> String {
    format!(
        "query($id: ID!) {{ request(id: $id) {{ id status version needsCoordination {SLA}
            tasks {{ id status department {{ id }} {SLA} extensions {{ id status requestedDueAt }} }}
            timeline {{ kind internal text taskId }} }} }}"
    )
}

async fn read(app: &TestApp, token: &str, id: &str) -> Value {
    app.ok(token, &read_doc(), json!({ "id": id })).await["request"].clone()
}

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

fn at(value: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(value.as_str().unwrap_or_else(|| panic!("a time, got {value}")))
        .unwrap()
        .with_timezone(&Utc)
}

fn count(request: &Value, kind: &str) -> usize {
    request["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == kind)
        .count()
}

const SET_POLICY: &str = "mutation($s: SlaSubject!, $c: Boolean!, $f: TimeLimitInput!, $r: TimeLimitInput) {
    setSlaPolicy(subject: $s, coordinated: $c, firstReply: $f, resolve: $r) { policy { subject } } }";
const ACCEPT_COORDINATED: &str = "mutation($id: ID!, $v: Int!, $c: Boolean) { acceptRequest(id: $id, version: $v, needsCoordination: $c) { request { version needsCoordination } } }";
const ASK: &str = "mutation($id: ID!, $q: String!) { requestInformation(requestId: $id, question: $q) { request { version sla { state } } } }";
const ANSWER_INFO: &str =
    "mutation($id: ID!, $a: String!) { provideInformation(requestId: $id, answer: $a) { request { version } } }";
const ASK_EXTENSION: &str = "mutation($t: ID!, $u: DateTime!, $r: String!) { requestExtension(taskId: $t, until: $u, reason: $r) { extension { id status previousDueAt requestedDueAt } } }";
const DECIDE: &str = "mutation($e: ID!, $a: Boolean!, $n: String) { decideExtension(extensionId: $e, approve: $a, note: $n) { extension { id status decisionNote decidedBy { id } } } }";
const EXTENSIONS: &str = "query($s: ExtensionStatus) { slaExtensions(status: $s) { totalCount edges { node { id taskId status reason } } } }";
const OVERDUE: &str =
    "query($all: Boolean) { overdueRequests(includeClosed: $all) { totalCount edges { node { id } } } }";
const DUE_SOON: &str = "query($h: Int) { dueSoonRequests(withinHours: $h) { totalCount edges { node { id } } } }";

backend_tests!(
    a_late_reply_is_overdue_even_without_the_sweeper,
    the_default_policies_stamp_due_times,
    due_times_follow_the_zone_s_calendar,
    waiting_on_the_company_stops_the_clock,
    extensions_are_asked_approved_and_refused,
    a_missed_sign_for_climbs_the_ladder_once,
);

async fn the_default_policies_stamp_due_times(app: TestApp) {
    // Monday 2 March 2026, 09:30 in Shanghai (01:30 UTC).
    let z = zone(&app).await;
    let officer = z.officer_a.token.as_str();

    // A consultation is answered the same working day: 18:00 Shanghai.
    let (consultation, _) = z.raise(&app, "CONSULTATION").await;
    let request = read(&app, officer, &consultation).await;
    assert_eq!(at(&request["sla"]["firstReplyDueAt"]), utc(2026, 3, 2, 10, 0));
    assert_eq!(at(&request["sla"]["resolveDueAt"]), utc(2026, 3, 2, 10, 0));
    assert_eq!(request["sla"]["state"], "ON_TRACK");
    assert_eq!(request["sla"]["remaining"], 8 * 3600 + 30 * 60);

    // A problem the department can decide itself: 24 hours.
    let (problem, _) = z.raise(&app, "PROBLEM").await;
    let request = read(&app, officer, &problem).await;
    assert_eq!(request["needsCoordination"], false);
    assert_eq!(at(&request["sla"]["firstReplyDueAt"]), utc(2026, 3, 3, 1, 30));
    assert_eq!(at(&request["sla"]["resolveDueAt"]), utc(2026, 3, 3, 1, 30));

    // One that needs higher approval: a reply in 48 hours, resolution in 5 working days
    // (Tuesday to the next Monday), stamped when the officer accepts it as such.
    let (coordinated, v) = z.raise(&app, "PROBLEM").await;
    let accepted = app
        .ok(
            officer,
            ACCEPT_COORDINATED,
            json!({ "id": coordinated, "v": v, "c": true }),
        )
        .await;
    assert_eq!(accepted["acceptRequest"]["request"]["needsCoordination"], true);
    let request = read(&app, officer, &coordinated).await;
    assert_eq!(at(&request["sla"]["firstReplyDueAt"]), utc(2026, 3, 4, 1, 30));
    assert_eq!(at(&request["sla"]["resolveDueAt"]), utc(2026, 3, 9, 1, 30));

    // A department replies to its task within 3 working days: Thursday 09:30.
    let (dispatched_id, _, tasks) = dispatched(&app, &z, &[0]).await;
    let request = read(&app, officer, &dispatched_id).await;
    let task = &request["tasks"][0];
    assert_eq!(task["id"], tasks[0].as_str());
    assert_eq!(at(&task["sla"]["firstReplyDueAt"]), utc(2026, 3, 5, 1, 30));
    assert_eq!(task["sla"]["state"], "ON_TRACK");
    assert!(task["sla"]["resolveDueAt"].is_null(), "no plan yet");

    // Due soon: within 12 hours only the consultation; within 25 hours the problems too.
    let soon = app.ok(&app.admin_token, DUE_SOON, json!({ "h": 12 })).await;
    let ids: Vec<&str> = soon["dueSoonRequests"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["node"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [consultation.as_str()]);
    let soon = app.ok(&app.admin_token, DUE_SOON, json!({ "h": 25 })).await;
    assert_eq!(soon["dueSoonRequests"]["totalCount"], 3, "{soon}");
    let theirs = app.ok(&z.officer_b.token, DUE_SOON, json!({ "h": 25 })).await;
    assert_eq!(theirs["dueSoonRequests"]["totalCount"], 0, "another officer's requests");
    assert_eq!(
        app.error_code(Some(&z.staff_a.token), DUE_SOON, json!({})).await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.error_code(Some(&app.admin_token), DUE_SOON, json!({ "h": 0 }))
            .await,
        "BAD_USER_INPUT"
    );

    // A policy change applies to new requests only.
    app.ok(
        &app.admin_token,
        SET_POLICY,
        json!({ "s": "PROBLEM", "c": false, "f": { "amount": 12, "unit": "HOURS" }, "r": { "amount": 2, "unit": "WORKING_DAYS" } }),
    )
    .await;
    let (newer, _) = z.raise(&app, "PROBLEM").await;
    let request = read(&app, officer, &newer).await;
    assert_eq!(at(&request["sla"]["firstReplyDueAt"]), utc(2026, 3, 2, 13, 30));
    assert_eq!(at(&request["sla"]["resolveDueAt"]), utc(2026, 3, 4, 1, 30));
    let older = read(&app, officer, &problem).await;
    assert_eq!(at(&older["sla"]["firstReplyDueAt"]), utc(2026, 3, 3, 1, 30));

    // The first reply is recorded and stops its limit.
    let planned = &tasks[0];
    app.ok(&z.dept_staff[0].token, SIGN, json!({ "t": planned })).await;
    app.ok(
        &z.dept_staff[0].token,
        PLAN,
        json!({ "t": planned, "who": "王工", "how": "更换电缆", "due": "2026-03-06T09:00:00Z" }),
    )
    .await;
    let request = read(&app, officer, &dispatched_id).await;
    assert_eq!(at(&request["sla"]["firstRepliedAt"]), utc(2026, 3, 2, 1, 30));
    assert_eq!(request["tasks"][0]["sla"]["state"], "MET");
    assert_eq!(
        at(&request["tasks"][0]["sla"]["resolveDueAt"]),
        utc(2026, 3, 6, 9, 0),
        "the plan's own deadline"
    );
}

async fn a_late_reply_is_overdue_even_without_the_sweeper(app: TestApp) {
    let mut app = app;
    let mut z = zone(&app).await;
    let (id, v) = z.raise(&app, "CONSULTATION").await;
    // Answered at 19:00 Shanghai, an hour after the same-day limit, before any sweep.
    app.clock.set(utc(2026, 3, 2, 11, 0));
    refresh(&mut app, &mut [&mut z.officer_a]).await;
    let accepted = app
        .ok(&z.officer_a.token, ACCEPT_COORDINATED, json!({ "id": id, "v": v }))
        .await;
    let v = accepted["acceptRequest"]["request"]["version"].clone();
    app.ok(
        &z.officer_a.token,
        "mutation($id: ID!, $v: Int!) { answerRequest(id: $id, version: $v, answer: \"可以申请\") { request { id } } }",
        json!({ "id": id, "v": v }),
    )
    .await;
    let request = read(&app, &z.officer_a.token, &id).await;
    assert_eq!(request["sla"]["state"], "MET_LATE");
    assert_eq!(at(&request["sla"]["overdueAt"]), utc(2026, 3, 2, 10, 0));
    let listed = app.ok(&app.admin_token, OVERDUE, json!({ "all": true })).await;
    assert_eq!(listed["overdueRequests"]["totalCount"], 1);
}

const SET_DAY: &str = "mutation($d: Date!, $k: DayKind) { setCalendarDay(date: $d, kind: $k) { day { working } } }";

async fn due_times_follow_the_zone_s_calendar(app: TestApp) {
    let mut app = app;
    // Tuesday and Wednesday are holidays; Saturday is a make-up working day (调休).
    for (day, kind) in [
        ("2026-03-03", "HOLIDAY"),
        ("2026-03-04", "HOLIDAY"),
        ("2026-03-07", "WORKDAY"),
    ] {
        app.ok(&app.admin_token, SET_DAY, json!({ "d": day, "k": kind })).await;
    }
    let mut z = zone(&app).await;
    let (id, _, _) = dispatched(&app, &z, &[0]).await;
    let request = read(&app, &z.officer_a.token, &id).await;
    // 24 working-day hours from Monday 09:30 Shanghai: the holidays stop the clock until
    // Thursday 09:30.
    assert_eq!(at(&request["sla"]["firstReplyDueAt"]), utc(2026, 3, 5, 1, 30));
    // 3 working days: Thursday, Friday and the make-up Saturday.
    assert_eq!(
        at(&request["tasks"][0]["sla"]["firstReplyDueAt"]),
        utc(2026, 3, 7, 1, 30)
    );

    // Raised at 20:00 on Monday, after office hours: the same-day limit is the end of the next
    // working day, Thursday 18:00 Shanghai.
    app.clock.set(utc(2026, 3, 2, 12, 0));
    refresh(&mut app, &mut [&mut z.staff_a, &mut z.officer_a]).await;
    let (consultation, _) = z.raise(&app, "CONSULTATION").await;
    let request = read(&app, &z.officer_a.token, &consultation).await;
    assert_eq!(at(&request["sla"]["firstReplyDueAt"]), utc(2026, 3, 5, 10, 0));
}

async fn refresh(app: &mut TestApp, users: &mut [&mut TestUser]) {
    app.relogin_admin().await;
    for user in users.iter_mut() {
        app.relogin(user).await;
    }
}

async fn waiting_on_the_company_stops_the_clock(app: TestApp) {
    let mut app = app;
    let fake = FakeFcm::start().await;
    let mut z = zone(&app).await;
    app.register_device(&z.staff_a.token, "staff-a", "zh-CN").await;
    app.register_device(&z.officer_a.token, "officer-a", "zh-CN").await;
    app.register_device(&z.dept_staff[0].token, "dept-0", "zh-CN").await;
    let (id, _, tasks) = dispatched(&app, &z, &[0]).await;
    let mut seen = 0;
    pushed(&app, &fake, &mut seen).await;
    let before = read(&app, &z.officer_a.token, &id).await;
    assert_eq!(at(&before["sla"]["firstReplyDueAt"]), utc(2026, 3, 3, 1, 30));
    assert_eq!(
        at(&before["tasks"][0]["sla"]["firstReplyDueAt"]),
        utc(2026, 3, 5, 1, 30)
    );

    // Ten minutes later the department asks the company for its load figures.
    app.clock.advance(chrono::Duration::minutes(10));
    assert_eq!(
        app.error_code(
            Some(&z.dept_staff[1].token),
            ASK,
            json!({ "id": id, "q": "请补充用电负荷" })
        )
        .await,
        "NOT_FOUND",
        "a department without a task on it"
    );
    assert_eq!(
        app.error_code(Some(&z.staff_a.token), ASK, json!({ "id": id, "q": "?" }))
            .await,
        "FORBIDDEN"
    );
    let asked = app
        .ok(
            &z.dept_staff[0].token,
            ASK,
            json!({ "id": id, "q": "请补充近三个月用电负荷表" }),
        )
        .await;
    assert_eq!(
        asked["requestInformation"]["request"]["sla"]["state"],
        "AWAITING_COMPANY"
    );
    assert_eq!(
        pushed(&app, &fake, &mut seen).await,
        pairs(&[("staff-a", "INFO_REQUESTED")])
    );
    let twice = app
        .post(Some(&z.officer_a.token), ASK, json!({ "id": id, "q": "再问一次" }))
        .await;
    assert_eq!(twice["errors"][0]["extensions"]["reason"], "INVALID_TRANSITION");

    // The company sees the question; the clock stands still however long it takes.
    let company_view = read(&app, &z.staff_a.token, &id).await;
    let question = company_view["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "INFO_REQUESTED")
        .expect("the question on the company's timeline");
    assert!(question["text"].as_str().unwrap().contains("用电负荷表"));
    assert_eq!(
        company_view["sla"]["remaining"],
        24 * 3600 - 600,
        "frozen at the moment of asking"
    );

    app.clock.advance(chrono::Duration::hours(48));
    refresh(
        &mut app,
        &mut [&mut z.staff_a, &mut z.staff_b, &mut z.officer_a, &mut z.dept_staff[0]],
    )
    .await;
    let sweep = zhitong::requests::time_limits::sweeper::run_once(&app.state)
        .await
        .unwrap();
    assert_eq!(
        sweep.thresholds_fired, 0,
        "nothing is overdue while the company is asked"
    );
    let paused = read(&app, &z.officer_a.token, &id).await;
    assert_eq!(paused["sla"]["state"], "AWAITING_COMPANY");
    assert_eq!(paused["tasks"][0]["sla"]["state"], "AWAITING_COMPANY");

    assert_eq!(
        app.error_code(Some(&z.staff_b.token), ANSWER_INFO, json!({ "id": id, "a": "x" }))
            .await,
        "NOT_FOUND"
    );
    assert_eq!(
        app.error_code(Some(&z.officer_a.token), ANSWER_INFO, json!({ "id": id, "a": "x" }))
            .await,
        "FORBIDDEN"
    );
    app.ok(&z.staff_a.token, ANSWER_INFO, json!({ "id": id, "a": "已上传负荷表" }))
        .await;

    assert_eq!(
        pushed(&app, &fake, &mut seen).await,
        pairs(&[("officer-a", "INFO_PROVIDED"), ("dept-0", "INFO_PROVIDED")])
    );

    // Every open due time moved by exactly the 48 hours waited.
    let after = read(&app, &z.officer_a.token, &id).await;
    assert_eq!(after["sla"]["pausedSeconds"], 48 * 3600);
    assert!(after["sla"]["awaitingCompanySince"].is_null());
    assert_eq!(at(&after["sla"]["firstReplyDueAt"]), utc(2026, 3, 5, 1, 30));
    assert_eq!(at(&after["sla"]["resolveDueAt"]), utc(2026, 3, 5, 1, 30));
    assert_eq!(at(&after["tasks"][0]["sla"]["firstReplyDueAt"]), utc(2026, 3, 7, 1, 30));
    assert_eq!(after["sla"]["state"], "ON_TRACK");
    assert_eq!(after["sla"]["remaining"], 24 * 3600 - 600);
    assert_eq!(count(&after, "INFO_PROVIDED"), 1);
    assert_eq!(after["tasks"][0]["id"], tasks[0].as_str());

    let again = app
        .post(Some(&z.staff_a.token), ANSWER_INFO, json!({ "id": id, "a": "again" }))
        .await;
    assert_eq!(again["errors"][0]["extensions"]["reason"], "INVALID_TRANSITION");
    assert_eq!(
        zhitong::requests::time_limits::sweeper::run_once(&app.state)
            .await
            .unwrap()
            .thresholds_fired,
        0,
        "still inside the moved limits"
    );
}

async fn extensions_are_asked_approved_and_refused(app: TestApp) {
    let mut app = app;
    let mut z = zone(&app).await;
    let (id, _, tasks) = dispatched(&app, &z, &[0, 1]).await;
    let (lead, assisting) = (&tasks[0], &tasks[1]);

    let asked = app
        .ok(
            &z.dept_staff[0].token,
            ASK_EXTENSION,
            json!({ "t": lead, "u": "2026-03-09T01:30:00Z", "r": "需协调上级电网停电窗口" }),
        )
        .await;
    let extension = asked["requestExtension"]["extension"].clone();
    assert_eq!(extension["status"], "PENDING");
    assert_eq!(at(&extension["previousDueAt"]), utc(2026, 3, 5, 1, 30));
    let again = app
        .error_code(
            Some(&z.dept_staff[0].token),
            ASK_EXTENSION,
            json!({ "t": lead, "u": "2026-03-10T01:30:00Z", "r": "再延" }),
        )
        .await;
    assert_eq!(again, "CONFLICT", "one pending extension per task");
    assert_eq!(
        app.error_code(
            Some(&z.dept_staff[1].token),
            ASK_EXTENSION,
            json!({ "t": lead, "u": "2026-03-09T01:30:00Z", "r": "x" })
        )
        .await,
        "NOT_FOUND",
        "another department's task"
    );
    assert_eq!(
        app.error_code(
            Some(&z.dept_staff[1].token),
            ASK_EXTENSION,
            json!({ "t": assisting, "u": "2026-03-04T01:30:00Z", "r": "earlier" })
        )
        .await,
        "BAD_USER_INPUT",
        "an extension moves the due time later"
    );

    let pending = app.ok(&app.admin_token, EXTENSIONS, json!({ "s": "PENDING" })).await;
    assert_eq!(pending["slaExtensions"]["totalCount"], 1);
    assert_eq!(
        app.error_code(Some(&z.officer_a.token), EXTENSIONS, json!({})).await,
        "FORBIDDEN"
    );
    let decision = json!({ "e": extension["id"], "a": true, "n": "同意" });
    assert_eq!(
        app.error_code(Some(&z.officer_a.token), DECIDE, decision.clone()).await,
        "FORBIDDEN"
    );
    let approved = app.ok(&app.admin_token, DECIDE, decision.clone()).await;
    assert_eq!(approved["decideExtension"]["extension"]["status"], "APPROVED");
    assert_eq!(
        app.error_code(Some(&app.admin_token), DECIDE, decision).await,
        "CONFLICT",
        "decided once"
    );

    let refused_ask = app
        .ok(
            &z.dept_staff[1].token,
            ASK_EXTENSION,
            json!({ "t": assisting, "u": "2026-03-06T01:30:00Z", "r": "人手不足" }),
        )
        .await;
    let refused = app
        .ok(
            &app.admin_token,
            DECIDE,
            json!({ "e": refused_ask["requestExtension"]["extension"]["id"], "a": false, "n": "请按期办理" }),
        )
        .await;
    assert_eq!(refused["decideExtension"]["extension"]["status"], "REFUSED");

    let request = read(&app, &z.officer_a.token, &id).await;
    let task = |id: &str| {
        request["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(at(&task(lead)["sla"]["firstReplyDueAt"]), utc(2026, 3, 9, 1, 30));
    assert_eq!(task(lead)["extensions"][0]["status"], "APPROVED");
    assert_eq!(at(&task(assisting)["sla"]["firstReplyDueAt"]), utc(2026, 3, 5, 1, 30));
    for kind in ["EXTENSION_REQUESTED", "EXTENSION_APPROVED", "EXTENSION_REFUSED"] {
        assert!(count(&request, kind) >= 1, "{kind} on the record");
    }
    let company_view = read(&app, &z.staff_a.token, &id).await;
    assert_eq!(count(&company_view, "EXTENSION_REQUESTED"), 0, "internal to the zone");
    assert_eq!(company_view["tasks"][0]["extensions"], json!([]));

    // After its deadline a department can no longer ask, and the sweeper marks the assisting
    // department's missed sign-for while the extended lead task is still on time.
    app.clock.set(utc(2026, 3, 5, 2, 0));
    refresh(&mut app, &mut [&mut z.officer_a, &mut z.dept_staff[1]]).await;
    let late = app
        .post(
            Some(&z.dept_staff[1].token),
            ASK_EXTENSION,
            json!({ "t": assisting, "u": "2026-03-09T01:30:00Z", "r": "晚了" }),
        )
        .await;
    assert_eq!(late["errors"][0]["extensions"]["reason"], "DEADLINE_PASSED", "{late}");
    zhitong::requests::time_limits::sweeper::run_once(&app.state)
        .await
        .unwrap();
    let request = read(&app, &z.officer_a.token, &id).await;
    let task = |id: &str| {
        request["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(task(assisting)["sla"]["state"], "OVERDUE");
    assert_eq!(at(&task(assisting)["sla"]["overdueAt"]), utc(2026, 3, 5, 1, 30));
    assert_eq!(task(lead)["sla"]["state"], "ON_TRACK", "its reminder moved with it");
    assert!(task(lead)["sla"]["overdueAt"].is_null());

    // An admin urges it on (督办): an event, and an urgent push to the officer.
    app.ok(&app.admin_token, URGE, json!({ "id": id, "m": "请今日内签收" }))
        .await;
    let request = read(&app, &z.officer_a.token, &id).await;
    let urged = request["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "URGED")
        .cloned()
        .expect("the admin's urging on the record");
    assert!(urged["text"].as_str().unwrap().contains("督办"), "{urged}");
}

/// Delivers due pushes and returns the (device, kind) pairs sent since the last call.
async fn pushed(app: &TestApp, fake: &FakeFcm, seen: &mut usize) -> BTreeSet<(String, String)> {
    app.push_worker(fake).run_once().await.unwrap();
    let all = fake.accepted();
    let new = all[*seen..]
        .iter()
        .map(|m| {
            (
                m["token"].as_str().unwrap().to_string(),
                m["data"]["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    *seen = all.len();
    new
}

fn pairs(expected: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    expected.iter().map(|(d, k)| (d.to_string(), k.to_string())).collect()
}

async fn a_missed_sign_for_climbs_the_ladder_once(app: TestApp) {
    let mut app = app;
    let fake = FakeFcm::start().await;
    let mut z: Zone = zone(&app).await;
    // Long request limits, so only the department's 3-working-day reply limit is in play.
    app.ok(
        &app.admin_token,
        SET_POLICY,
        json!({ "s": "PROBLEM", "c": false, "f": { "amount": 60, "unit": "WORKING_DAYS" }, "r": { "amount": 60, "unit": "WORKING_DAYS" } }),
    )
    .await;
    let mut leader = app
        .create_user("ADMIN", "13900000099", "园区领导", json!({ "zoneLeader": true }))
        .await;
    app.register_device(&z.dept_staff[0].token, "dept-0", "zh-CN").await;
    app.register_device(&z.dept_staff[1].token, "dept-1", "zh-CN").await;
    app.register_device(&z.officer_a.token, "officer-a", "zh-CN").await;
    app.register_device(&z.staff_a.token, "staff-a", "zh-CN").await;
    app.register_device(&app.admin_token, "admin", "zh-CN").await;
    app.register_device(&leader.token, "leader", "zh-CN").await;
    let (id, _, tasks) = dispatched(&app, &z, &[0]).await;
    let mut seen = 0;
    pushed(&app, &fake, &mut seen).await;
    let sweep = |app: &TestApp| {
        let state = app.state.clone();
        async move {
            zhitong::requests::time_limits::sweeper::run_once(&state)
                .await
                .unwrap()
                .thresholds_fired
        }
    };
    assert_eq!(sweep(&app).await, 0);

    // 75 % of 72 hours from Monday 01:30 UTC: Wednesday 07:30 UTC.
    app.clock.set(utc(2026, 3, 4, 7, 29));
    assert_eq!(sweep(&app).await, 0, "not yet");
    app.clock.set(utc(2026, 3, 4, 7, 31));
    assert_eq!(sweep(&app).await, 1);
    assert_eq!(pushed(&app, &fake, &mut seen).await, pairs(&[("dept-0", "DUE_SOON")]));
    assert_eq!(sweep(&app).await, 0, "a second run fires nothing");

    // The sign-for deadline passes: one OVERDUE event, pushed to the holder, officer and admins.
    app.clock.set(utc(2026, 3, 5, 1, 31));
    assert_eq!(sweep(&app).await, 1);
    assert_eq!(
        pushed(&app, &fake, &mut seen).await,
        pairs(&[
            ("dept-0", "OVERDUE"),
            ("officer-a", "OVERDUE"),
            ("admin", "OVERDUE"),
            ("leader", "OVERDUE")
        ])
    );
    assert_eq!(sweep(&app).await, 0);

    // A day later without action: chased (催办).
    app.clock.set(utc(2026, 3, 6, 1, 31));
    assert_eq!(sweep(&app).await, 1);
    assert_eq!(pushed(&app, &fake, &mut seen).await, pairs(&[("dept-0", "CHASED")]));

    // Two more days pass unnoticed; two instances sweep at once: supervision (督办) and the
    // report to the zone's leaders (通报) fire once each.
    app.clock.set(utc(2026, 3, 8, 1, 31));
    let second = zhitong::app::build_state((*app.state.config).clone(), Arc::new(app.clock.clone()))
        .expect("a second instance on the same database");
    let (a, b, c) = tokio::join!(
        zhitong::requests::time_limits::sweeper::run_once(&app.state),
        zhitong::requests::time_limits::sweeper::run_once(&second),
        zhitong::requests::time_limits::sweeper::run_once(&app.state),
    );
    let fired = a.unwrap().thresholds_fired + b.unwrap().thresholds_fired + c.unwrap().thresholds_fired;
    assert_eq!(fired, 2, "supervision and reprimand, once each");
    assert_eq!(
        pushed(&app, &fake, &mut seen).await,
        pairs(&[
            ("dept-0", "SUPERVISED"),
            ("admin", "SUPERVISED"),
            ("leader", "SUPERVISED"),
            ("dept-0", "REPRIMANDED"),
            ("officer-a", "REPRIMANDED"),
            ("leader", "REPRIMANDED"),
        ])
    );
    assert_eq!(sweep(&app).await, 0);
    app.clock.set(utc(2026, 3, 20, 1, 31));
    assert_eq!(sweep(&app).await, 0, "the ladder ends at the reprimand");
    assert_eq!(app.count("sla_alerts").await, 5);

    let (first_department, rest) = z.dept_staff.split_at_mut(1);
    refresh(
        &mut app,
        &mut [
            &mut z.officer_a,
            &mut z.officer_b,
            &mut z.staff_a,
            &mut first_department[0],
            &mut rest[0],
            &mut leader,
        ],
    )
    .await;
    let request = read(&app, &z.officer_a.token, &id).await;
    for kind in ["DUE_REMINDER", "OVERDUE", "CHASED", "SUPERVISED", "REPRIMANDED"] {
        assert_eq!(count(&request, kind), 1, "{kind} once on the record");
    }
    assert_eq!(request["tasks"][0]["sla"]["state"], "OVERDUE");
    let company_view = read(&app, &z.staff_a.token, &id).await;
    assert_eq!(count(&company_view, "OVERDUE"), 1, "the company sees that it is late");
    assert_eq!(count(&company_view, "CHASED"), 0, "the ladder is internal");

    // Supervision lists: admins see it, the officer too, other officers and departments not.
    let listed = app.ok(&app.admin_token, OVERDUE, json!({})).await;
    assert_eq!(listed["overdueRequests"]["edges"][0]["node"]["id"], id.as_str());
    let officer = app.ok(&z.officer_a.token, OVERDUE, json!({})).await;
    assert_eq!(officer["overdueRequests"]["totalCount"], 1);
    let other = app.ok(&z.officer_b.token, OVERDUE, json!({})).await;
    assert_eq!(other["overdueRequests"]["totalCount"], 0);
    let other_department = app.ok(&z.dept_staff[1].token, OVERDUE, json!({})).await;
    assert_eq!(other_department["overdueRequests"]["totalCount"], 0);
    assert_eq!(
        app.error_code(Some(&z.staff_a.token), OVERDUE, json!({})).await,
        "FORBIDDEN"
    );

    // The department finally signs and plans: the limit is met late, and overdue stays.
    app.ok(&z.dept_staff[0].token, SIGN, json!({ "t": tasks[0] })).await;
    app.ok(
        &z.dept_staff[0].token,
        PLAN,
        json!({ "t": tasks[0], "who": "李工", "how": "抢修", "due": "2026-03-21T09:00:00Z" }),
    )
    .await;
    let request = read(&app, &z.officer_a.token, &id).await;
    assert_eq!(request["tasks"][0]["sla"]["state"], "MET_LATE");
    assert_eq!(at(&request["tasks"][0]["sla"]["overdueAt"]), utc(2026, 3, 5, 1, 30));
    let still = app.ok(&app.admin_token, OVERDUE, json!({ "all": true })).await;
    assert_eq!(still["overdueRequests"]["totalCount"], 1, "overdue stays on the record");
    let filtered = app
        .ok(
            &app.admin_token,
            "{ requests(filter: { overdue: true }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(filtered["requests"]["totalCount"], 1);
    assert_eq!(sweep(&app).await, 0);
}
