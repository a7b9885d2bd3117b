//! Zone issues (一事多企) and callbacks (回访): ten companies raise the same road problem, the
//! officer links them and the issue is handled once, each company told in its own language and
//! confirming on its own; an officer records the company's answers given by phone.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::backend_tests;
use crate::fake_fcm::FakeFcm;
use crate::helpers::{credit_code, TestApp, TestUser};
use crate::requests::{due, CONFIRM, DISPATCH, PLAN, RAISE, RESOLVE, SIGN};

backend_tests!(
    ten_companies_one_road_problem_handled_once,
    each_role_sees_what_it_may_of_a_zone_issue,
    a_company_leaves_without_reopening_the_others,
    linking_refuses_what_it_cannot_handle_and_writes_nothing,
    callback_answers_are_marked_and_counted_apart,
    auto_closed_without_an_answer_is_flagged_for_a_callback,
);

const NAMES: [&str; 10] = [
    "东岳机械",
    "西林化工",
    "南湖电子",
    "北辰物流",
    "中原纺织",
    "金石建材",
    "银河食品",
    "青山塑胶",
    "红星五金",
    "白云制药",
];

/// The same problem in ten companies' own words.
const WORDS: [(&str, &str); 10] = [
    (
        "园区主干道坑洼严重",
        "重型货车通行后路面出现大量坑洼，运输车辆颠簸，货物受损",
    ),
    (
        "厂门口道路破损",
        "我们厂门前的园区道路被大货车压坏了，坑坑洼洼，车辆难以通行",
    ),
    ("道路塌陷影响出货", "园区主路多处塌陷，出货车辆绕行，影响交货期"),
    ("请修复园区道路", "主干道路面破碎，下雨积水，员工上下班骑车摔倒"),
    ("重车压坏路面", "重载车辆频繁通行，道路破损越来越严重，希望尽快修补"),
    ("园区路况差", "进出园区的道路坑槽很多，物流车辆经常爆胎"),
    ("主干道需要维修", "道路出现裂缝和坑洞，夜间行车存在安全隐患"),
    ("运输道路损坏", "原料运输必经的园区道路损毁，运费上涨"),
    ("路面坑洞过多", "厂区外道路坑洞过多，叉车和货车无法正常通行"),
    ("道路破损求修", "园区道路被重型车辆碾压破损，影响企业正常生产经营"),
];

const LINK: &str = "mutation($t: String!, $ids: [ID!]!) { createZoneIssue(title: $t, requestIds: $ids) { zoneIssue { id number title status memberCount companyCount leftCount version resolveDueAt carrier { id urgency } members { id status } } } }";
const ACCEPT_ISSUE: &str = "mutation($id: ID!, $v: Int!) { acceptZoneIssue(id: $id, version: $v) { zoneIssue { version status } carrier { status } } }";
const DISPATCH_ISSUE: &str = "mutation($id: ID!, $v: Int!, $d: [DispatchDepartmentInput!]) { dispatchZoneIssue(id: $id, version: $v, departments: $d, note: \"统一修复\") { zoneIssue { version } carrier { id status } tasks { id lead } } }";
const COMPLETE: &str = "mutation($t: ID!, $r: String!) { completeTask(taskId: $t, result: $r) { request { status } } }";
const ISSUE: &str = "query($id: ID!) { zoneIssue(id: $id) { id number status memberCount companyCount leftCount ageDays version carrier { id } members { id company { name } } } }";
const COMPANY_VIEW: &str = "query($id: ID!) { request(id: $id) { id number status title description version handledWithOtherCompanies zoneIssue { id }
    company { id name } tasks { id } satisfaction { solved satisfied noFeedback }
    timeline { kind kindLabel text internal actor { id name } callback } } }";
const MY_REQUESTS: &str = "{ myRequests(first: 50) { totalCount edges { node { id title company { name } } } } }";
const INBOX: &str = "{ notifications(first: 100) { edges { node { kind title body } } } }";
const CALLBACK: &str = "mutation($input: RecordCallbackInput!) { recordCallback(input: $input) { request { id status version satisfaction { solved satisfied comment noFeedback } callbacks { pending callee solved satisfied recordedBy { id } } timeline { kind callback text } } } }";
const STATS: &str = "query($from: Date!, $to: Date!) { stats(from: $from, to: $to) { received zoneIssues requestsInZoneIssues distinctProblems satisfactionAnswers appAnswers callbackAnswers callbackSatisfied callbackSolved callbacksPending } }";

/// An officer serving ten companies (one staff member each, the first in English), a second
/// officer serving an eleventh, and the urban management department.
struct Scene {
    officer: TestUser,
    other_officer: TestUser,
    staff: Vec<TestUser>,
    other_staff: TestUser,
    department: String,
    dept_staff: TestUser,
    category: String,
}

async fn scene(app: &TestApp) -> Scene {
    let officer = app.create_user("OFFICER", "13900000001", "甲专员", json!({})).await;
    let other_officer = app.create_user("OFFICER", "13900000002", "乙专员", json!({})).await;
    let mut staff = Vec::new();
    for (i, name) in NAMES.iter().enumerate() {
        let company = app.create_company(name, &credit_code(700 + i as u32)).await;
        app.assign_officer(&company, &officer.id).await;
        let user = app
            .create_user(
                "COMPANY",
                &format!("139000001{i:02}"),
                &format!("员工{i}"),
                json!({ "companyId": company }),
            )
            .await;
        staff.push(user);
    }
    let other = app.create_company("紫金科技", &credit_code(799)).await;
    app.assign_officer(&other, &other_officer.id).await;
    let other_staff = app
        .create_user("COMPANY", "13900000199", "紫金员工", json!({ "companyId": other }))
        .await;
    let department = app.create_department("城市管理局").await;
    let dept_staff = app
        .create_user(
            "DEPARTMENT",
            "13900000300",
            "城管员工",
            json!({ "departmentId": department }),
        )
        .await;
    let categories = app.ok(&officer.token, "{ categories { id code } }", json!({})).await;
    let category = categories["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "transport")
        .expect("the seeded transport category")["id"]
        .as_str()
        .unwrap()
        .to_string();
    Scene {
        officer,
        other_officer,
        staff,
        other_staff,
        department,
        dept_staff,
        category,
    }
}

/// Fresh tokens for everyone after the clock moved past their expiry.
async fn relogin(app: &mut TestApp, s: &mut Scene) {
    app.relogin_admin().await;
    app.relogin(&mut s.officer).await;
    app.relogin(&mut s.other_officer).await;
    app.relogin(&mut s.dept_staff).await;
    app.relogin(&mut s.other_staff).await;
    for staff in s.staff.iter_mut() {
        app.relogin(staff).await;
    }
}

/// Every company raises its road problem (the fourth as urgent); returns the request ids.
async fn raise_all(app: &TestApp, s: &Scene) -> Vec<String> {
    let mut ids = Vec::new();
    for (i, (title, description)) in WORDS.iter().enumerate() {
        let urgency = if i == 3 { "URGENT" } else { "NORMAL" };
        let data = app
            .ok(
                &s.staff[i].token,
                RAISE,
                json!({ "input": { "kind": "PROBLEM", "categoryId": s.category, "urgency": urgency, "title": title, "description": description } }),
            )
            .await;
        ids.push(data["raiseRequest"]["request"]["id"].as_str().unwrap().to_string());
    }
    ids
}

async fn link(app: &TestApp, token: &str, ids: &[String]) -> Value {
    app.ok(
        token,
        LINK,
        json!({ "t": "园区主干道路面破损（重型车辆）", "ids": ids }),
    )
    .await["createZoneIssue"]["zoneIssue"]
        .clone()
}

async fn status_of(app: &TestApp, token: &str, id: &str) -> String {
    app.ok(
        token,
        "query($id: ID!) { request(id: $id) { status } }",
        json!({ "id": id }),
    )
    .await["request"]["status"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The pushes delivered since `seen` to `device`, as (kind, title).
fn pushes_to(fake: &FakeFcm, device: &str) -> Vec<(String, String)> {
    fake.accepted_for(device)
        .iter()
        .map(|m| {
            (
                m["data"]["kind"].as_str().unwrap().to_string(),
                m["notification"]["title"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Nothing the company reads names another company.
async fn assert_no_other_company(app: &TestApp, s: &Scene, i: usize, id: &str) {
    let mut seen = Vec::new();
    seen.push(app.ok(&s.staff[i].token, COMPANY_VIEW, json!({ "id": id })).await);
    seen.push(app.ok(&s.staff[i].token, MY_REQUESTS, json!({})).await);
    seen.push(app.ok(&s.staff[i].token, INBOX, json!({})).await);
    let text = serde_json::to_string(&seen).unwrap();
    assert!(text.contains(NAMES[i]), "company {i} sees its own name");
    for (j, name) in NAMES.iter().enumerate() {
        if j != i {
            assert!(!text.contains(name), "company {i} must not learn of {name}: {text}");
        }
    }
    assert!(!text.contains("紫金科技"));
}

async fn ten_companies_one_road_problem_handled_once(app: TestApp) {
    let fake = FakeFcm::start().await;
    let s = scene(&app).await;
    app.set_locale(&s.staff[0].token, "EN").await;
    for (i, staff) in s.staff.iter().enumerate() {
        let locale = if i == 0 { "en-US" } else { "zh-CN" };
        app.register_device(&staff.token, &format!("co-{i}"), locale).await;
    }
    app.register_device(&s.officer.token, "officer", "zh-CN").await;
    app.register_device(&s.dept_staff.token, "dept", "zh-CN").await;
    let ids = raise_all(&app, &s).await;
    app.push_worker(&fake).run_once().await.unwrap();
    let before = fake.accepted().len();

    // The officer links the ten; the urgent one carries the issue and its time limit.
    let issue = link(&app, &s.officer.token, &ids).await;
    let issue_id = issue["id"].as_str().unwrap().to_string();
    assert_eq!(issue["memberCount"], 10);
    assert_eq!(issue["companyCount"], 10);
    assert_eq!(issue["status"], "OPEN");
    assert!(issue["number"].as_str().unwrap().starts_with("GX-2026-"));
    assert_eq!(issue["carrier"]["id"], ids[3].as_str());
    assert_eq!(issue["carrier"]["urgency"], "URGENT");
    let shared_due = issue["resolveDueAt"].as_str().unwrap().to_string();
    for id in &ids {
        let r = app
            .ok(
                &s.officer.token,
                "query($id: ID!) { request(id: $id) { sla { resolveDueAt } } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(
            r["request"]["sla"]["resolveDueAt"],
            shared_due.as_str(),
            "one time limit"
        );
    }

    // Accepted and dispatched once, for all ten.
    let v = issue["version"].as_i64().unwrap();
    let accepted = app
        .ok(&s.officer.token, ACCEPT_ISSUE, json!({ "id": issue_id, "v": v }))
        .await;
    let v = accepted["acceptZoneIssue"]["zoneIssue"]["version"].as_i64().unwrap();
    let dispatched = app
        .ok(
            &s.officer.token,
            DISPATCH_ISSUE,
            json!({ "id": issue_id, "v": v, "d": [{ "departmentId": s.department, "lead": true }] }),
        )
        .await;
    let task = dispatched["dispatchZoneIssue"]["tasks"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(app.count("request_tasks").await, 1, "one set of department tasks");
    for id in &ids {
        assert_eq!(status_of(&app, &s.officer.token, id).await, "DISPATCHED");
    }
    // A member is not dispatched on its own while it follows the issue.
    let member_version = app
        .ok(
            &s.officer.token,
            "query($id: ID!) { request(id: $id) { version } }",
            json!({ "id": ids[0] }),
        )
        .await["request"]["version"]
        .as_i64()
        .unwrap();
    assert_eq!(
        app.error_code(
            Some(&s.officer.token),
            RESOLVE,
            json!({ "id": ids[0], "v": member_version, "a": "单独办结" })
        )
        .await,
        "BAD_USER_INPUT"
    );

    // The department signs and plans once; every member is in progress with the plan.
    app.ok(&s.dept_staff.token, SIGN, json!({ "t": task })).await;
    app.ok(
        &s.dept_staff.token,
        PLAN,
        json!({ "t": task, "who": "道路养护科王科长", "how": "铣刨重铺主干道 1.2 公里并设置限重标志", "due": due(&app, 3) }),
    )
    .await;
    assert_eq!(app.count("request_tasks").await, 1);
    for (i, id) in ids.iter().enumerate() {
        let view = app.ok(&s.staff[i].token, COMPANY_VIEW, json!({ "id": id })).await;
        let r = &view["request"];
        assert_eq!(r["status"], "IN_PROGRESS");
        assert_eq!(r["handledWithOtherCompanies"], true);
        assert!(r["zoneIssue"].is_null(), "companies never see the zone issue");
        let planned: Vec<&Value> = r["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "PLANNED")
            .collect();
        assert_eq!(planned.len(), 1, "the shared plan appears once on every member");
        assert_eq!(planned[0]["internal"], false);
        assert!(planned[0]["text"].as_str().unwrap().contains("铣刨重铺主干道"));
        if i == 0 {
            assert!(
                planned[0]["text"].as_str().unwrap().starts_with("plan of"),
                "English reader"
            );
        }
    }

    // The department finishes: the issue is resolved, every company asked to confirm.
    app.ok(
        &s.dept_staff.token,
        COMPLETE,
        json!({ "t": task, "r": "主干道已重铺完毕" }),
    )
    .await;
    for id in &ids {
        assert_eq!(status_of(&app, &s.officer.token, id).await, "RESOLVED");
    }
    let view = app.ok(&s.officer.token, ISSUE, json!({ "id": issue_id })).await;
    assert_eq!(view["zoneIssue"]["status"], "RESOLVED");

    // Every company was told of each shared step, in its own language; the officer heard of
    // the plan once, not ten times.
    app.push_worker(&fake).run_once().await.unwrap();
    assert!(fake.accepted().len() > before);
    for i in 0..10 {
        let got = pushes_to(&fake, &format!("co-{i}"));
        let kinds: BTreeSet<&str> = got.iter().map(|(k, _)| k.as_str()).collect();
        for kind in [
            "REQUEST_ACCEPTED",
            "REQUEST_DISPATCHED",
            "REQUEST_PLANNED",
            "REQUEST_RESOLVED",
        ] {
            assert!(kinds.contains(kind), "company {i} told of {kind}: {got:?}");
        }
        let resolved = got.iter().find(|(k, _)| k == "REQUEST_RESOLVED").unwrap();
        let expected = if i == 0 { "Request resolved" } else { "诉求已办结" };
        assert_eq!(resolved.1, expected, "company {i} in its own language");
    }
    let officer_plans = pushes_to(&fake, "officer")
        .into_iter()
        .filter(|(k, _)| k == "TASK_PLANNED")
        .count();
    assert_eq!(officer_plans, 1);
    let dept_tasks = pushes_to(&fake, "dept")
        .into_iter()
        .filter(|(k, _)| k == "TASK_DISPATCHED")
        .count();
    assert_eq!(dept_tasks, 1, "the department got one task");

    // Each company confirms on its own: two are not satisfied and reopen alone.
    for (i, id) in ids.iter().enumerate() {
        let satisfied = i != 7 && i != 8;
        let data = app
            .ok(
                &s.staff[i].token,
                CONFIRM,
                json!({ "id": id, "s": true, "sat": satisfied, "c": if satisfied { "满意" } else { "修得太慢" } }),
            )
            .await;
        let expected = if satisfied { "CLOSED" } else { "REOPENED" };
        assert_eq!(data["confirmResolution"]["request"]["status"], expected);
    }
    // One of them is handled again alone: dispatched on its own, the others untouched.
    let v8 = app
        .ok(
            &s.officer.token,
            "query($id: ID!) { request(id: $id) { version } }",
            json!({ "id": ids[8] }),
        )
        .await["request"]["version"]
        .as_i64()
        .unwrap();
    app.ok(
        &s.officer.token,
        DISPATCH,
        json!({ "id": ids[8], "v": v8, "d": [{ "departmentId": s.department, "lead": true }] }),
    )
    .await;
    for (i, id) in ids.iter().enumerate() {
        let expected = match i {
            7 => "REOPENED",
            8 => "DISPATCHED",
            _ => "CLOSED",
        };
        assert_eq!(status_of(&app, &s.officer.token, id).await, expected, "request {i}");
    }

    // The ledger and the statistics count ten requests and one zone issue.
    let stats = app
        .ok(
            &app.admin_token,
            STATS,
            json!({ "from": "2026-03-01", "to": "2026-03-31" }),
        )
        .await;
    let st = &stats["stats"];
    assert_eq!(st["received"], 10);
    assert_eq!(st["zoneIssues"], 1);
    assert_eq!(st["requestsInZoneIssues"], 10);
    assert_eq!(st["distinctProblems"], 1);
    assert_eq!(st["satisfactionAnswers"], 10);
    assert_eq!(st["appAnswers"], 10);
    assert_eq!(st["callbackAnswers"], 0);
    let csv = app
        .http()
        .get(app.url("/export/requests.csv"))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let text = std::str::from_utf8(&csv[3..]).unwrap();
    let rows: Vec<csv::StringRecord> = csv::ReaderBuilder::new()
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap())
        .collect();
    let header: Vec<String> = csv::ReaderBuilder::new()
        .from_reader(text.as_bytes())
        .headers()
        .unwrap()
        .iter()
        .map(String::from)
        .collect();
    let column = header
        .iter()
        .position(|h| h == "共性问题")
        .expect("a zone issue column");
    let how = header
        .iter()
        .position(|h| h == "评价方式")
        .expect("an answer channel column");
    assert_eq!(rows.len(), 10, "ten requests as received");
    let issues: BTreeSet<&str> = rows.iter().map(|r| &r[column]).collect();
    assert_eq!(issues.len(), 1, "one zone issue");
    assert_eq!(
        *issues.iter().next().unwrap(),
        view["zoneIssue"]["number"].as_str().unwrap()
    );
    assert!(rows.iter().all(|r| &r[how] == "企业自评"));

    // No company ever learns another's name.
    for (i, id) in ids.iter().enumerate() {
        assert_no_other_company(&app, &s, i, id).await;
    }
}

async fn each_role_sees_what_it_may_of_a_zone_issue(mut app: TestApp) {
    let mut s = scene(&app).await;
    let ids = raise_all(&app, &s).await;
    let issue = link(&app, &app.admin_token, &ids[..4]).await;
    let issue_id = issue["id"].as_str().unwrap().to_string();

    // Admins list every zone issue with its member count, age and status.
    app.clock.advance(chrono::Duration::days(2));
    relogin(&mut app, &mut s).await;
    let list = app
        .ok(
            &app.admin_token,
            "{ zoneIssues(first: 10) { totalCount edges { node { id memberCount companyCount ageDays status } } } }",
            json!({}),
        )
        .await;
    assert_eq!(list["zoneIssues"]["totalCount"], 1);
    let node = &list["zoneIssues"]["edges"][0]["node"];
    assert_eq!(node["memberCount"], 4);
    assert_eq!(node["ageDays"], 2);
    assert_eq!(node["status"], "OPEN");

    // The officer of the companies sees it and its members; another officer sees nothing.
    let view = app.ok(&s.officer.token, ISSUE, json!({ "id": issue_id })).await;
    assert_eq!(view["zoneIssue"]["members"].as_array().unwrap().len(), 4);
    let mine = app
        .ok(&s.officer.token, "{ zoneIssues(first: 10) { totalCount } }", json!({}))
        .await;
    assert_eq!(mine["zoneIssues"]["totalCount"], 1);
    assert_eq!(
        app.error_code(Some(&s.other_officer.token), ISSUE, json!({ "id": issue_id }))
            .await,
        "NOT_FOUND"
    );
    let theirs = app
        .ok(
            &s.other_officer.token,
            "{ zoneIssues(first: 10) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(theirs["zoneIssues"]["totalCount"], 0);

    // Company staff never see the issue, not even their own request's.
    assert_eq!(
        app.error_code(Some(&s.staff[0].token), ISSUE, json!({ "id": issue_id }))
            .await,
        "NOT_FOUND"
    );
    assert_eq!(
        app.error_code(
            Some(&s.staff[0].token),
            "{ zoneIssues(first: 5) { totalCount } }",
            json!({})
        )
        .await,
        "FORBIDDEN"
    );

    // A department sees the issue once it holds its task, and only the carrier request.
    assert_eq!(
        app.error_code(Some(&s.dept_staff.token), ISSUE, json!({ "id": issue_id }))
            .await,
        "NOT_FOUND"
    );
    let v = issue["version"].as_i64().unwrap();
    let v = app
        .ok(&s.officer.token, ACCEPT_ISSUE, json!({ "id": issue_id, "v": v }))
        .await["acceptZoneIssue"]["zoneIssue"]["version"]
        .as_i64()
        .unwrap();
    app.ok(
        &s.officer.token,
        DISPATCH_ISSUE,
        json!({ "id": issue_id, "v": v, "d": [{ "departmentId": s.department, "lead": true }] }),
    )
    .await;
    let seen = app.ok(&s.dept_staff.token, ISSUE, json!({ "id": issue_id })).await;
    let members = seen["zoneIssue"]["members"].as_array().unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0]["id"], seen["zoneIssue"]["carrier"]["id"]);
    assert_eq!(seen["zoneIssue"]["memberCount"], 4);
}

async fn a_company_leaves_without_reopening_the_others(app: TestApp) {
    let s = scene(&app).await;
    let ids: Vec<String> = raise_all(&app, &s).await.into_iter().take(4).collect();
    let issue = link(&app, &s.officer.token, &ids).await;
    let issue_id = issue["id"].as_str().unwrap().to_string();
    let v = issue["version"].as_i64().unwrap();
    let v = app
        .ok(&s.officer.token, ACCEPT_ISSUE, json!({ "id": issue_id, "v": v }))
        .await["acceptZoneIssue"]["zoneIssue"]["version"]
        .as_i64()
        .unwrap();
    let dispatched = app
        .ok(
            &s.officer.token,
            DISPATCH_ISSUE,
            json!({ "id": issue_id, "v": v, "d": [{ "departmentId": s.department, "lead": true }] }),
        )
        .await;
    let task = dispatched["dispatchZoneIssue"]["tasks"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    const LEAVE: &str = "mutation($id: ID!, $r: String) { leaveZoneIssue(requestId: $id, reason: $r) { request { status handledWithOtherCompanies timeline { kind text } } } }";

    // Another company's staff cannot take it out.
    assert_eq!(
        app.error_code(Some(&s.staff[1].token), LEAVE, json!({ "id": ids[0], "r": null }))
            .await,
        "NOT_FOUND"
    );
    // A member company leaves: back with its officer, the others go on.
    let left = app
        .ok(
            &s.staff[0].token,
            LEAVE,
            json!({ "id": ids[0], "r": "我们自行协调修路" }),
        )
        .await;
    let r = &left["leaveZoneIssue"]["request"];
    assert_eq!(r["status"], "ACCEPTED");
    assert_eq!(r["handledWithOtherCompanies"], false);
    assert_eq!(
        r["timeline"].as_array().unwrap().last().unwrap()["kind"],
        "ZONE_ISSUE_LEFT"
    );
    // The carrier itself leaves (its officer takes it out): the shared task moves on.
    let left = app
        .ok(&s.officer.token, LEAVE, json!({ "id": ids[3], "r": null }))
        .await;
    assert_eq!(left["leaveZoneIssue"]["request"]["status"], "ACCEPTED");
    let view = app.ok(&s.officer.token, ISSUE, json!({ "id": issue_id })).await;
    assert_eq!(view["zoneIssue"]["memberCount"], 2);
    assert_eq!(view["zoneIssue"]["leftCount"], 2);
    let carrier = view["zoneIssue"]["carrier"]["id"].as_str().unwrap().to_string();
    assert!(carrier == ids[1] || carrier == ids[2]);
    for id in [&ids[1], &ids[2]] {
        assert_eq!(
            status_of(&app, &s.officer.token, id).await,
            "DISPATCHED",
            "not reopened"
        );
    }
    // The department finishes the shared task: the two remaining members are resolved, the
    // ones that left are not.
    app.ok(&s.dept_staff.token, SIGN, json!({ "t": task })).await;
    app.ok(
        &s.dept_staff.token,
        PLAN,
        json!({ "t": task, "who": "王科长", "how": "重铺", "due": due(&app, 3) }),
    )
    .await;
    app.ok(&s.dept_staff.token, COMPLETE, json!({ "t": task, "r": "已修复" }))
        .await;
    assert_eq!(status_of(&app, &s.officer.token, &ids[1]).await, "RESOLVED");
    assert_eq!(status_of(&app, &s.officer.token, &ids[2]).await, "RESOLVED");
    assert_eq!(status_of(&app, &s.officer.token, &ids[0]).await, "ACCEPTED");
    assert_eq!(status_of(&app, &s.officer.token, &ids[3]).await, "ACCEPTED");
    // Stats: the two that left count as problems of their own.
    let stats = app
        .ok(
            &app.admin_token,
            STATS,
            json!({ "from": "2026-03-01", "to": "2026-03-31" }),
        )
        .await;
    assert_eq!(stats["stats"]["received"], 10);
    assert_eq!(stats["stats"]["requestsInZoneIssues"], 2);
    assert_eq!(stats["stats"]["distinctProblems"], 9);
}

async fn linking_refuses_what_it_cannot_handle_and_writes_nothing(app: TestApp) {
    let s = scene(&app).await;
    let ids = raise_all(&app, &s).await;
    let other = app
        .ok(
            &s.other_staff.token,
            RAISE,
            json!({ "input": { "kind": "PROBLEM", "categoryId": s.category, "title": "道路破损", "description": "园区道路坑洼" } }),
        )
        .await["raiseRequest"]["request"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let vars = |ids: Vec<&String>| json!({ "t": "道路", "ids": ids });
    // An officer links only requests of companies they serve.
    assert_eq!(
        app.error_code(Some(&s.officer.token), LINK, vars(vec![&ids[0], &other]))
            .await,
        "NOT_FOUND"
    );
    assert_eq!(
        app.error_code(Some(&s.other_officer.token), LINK, vars(vec![&ids[0], &other]))
            .await,
        "NOT_FOUND"
    );
    // Company staff and departments link nothing.
    assert_eq!(
        app.error_code(Some(&s.staff[0].token), LINK, vars(vec![&ids[0], &ids[1]]))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.error_code(Some(&s.dept_staff.token), LINK, vars(vec![&ids[0], &ids[1]]))
            .await,
        "FORBIDDEN"
    );
    // One request, or the same twice, is not a zone issue.
    assert_eq!(
        app.error_code(Some(&s.officer.token), LINK, vars(vec![&ids[0]])).await,
        "BAD_USER_INPUT"
    );
    assert_eq!(
        app.error_code(Some(&s.officer.token), LINK, vars(vec![&ids[0], &ids[0]]))
            .await,
        "BAD_USER_INPUT"
    );
    assert_eq!(app.count("zone_issues").await, 0);
    assert_eq!(app.count("zone_issue_members").await, 0);
    // An admin links across officers; a request belongs to one issue at a time.
    link(&app, &app.admin_token, &[ids[0].clone(), other.clone()]).await;
    assert_eq!(
        app.error_code(Some(&s.officer.token), LINK, vars(vec![&ids[0], &ids[1]]))
            .await,
        "BAD_USER_INPUT"
    );
    assert_eq!(app.count("zone_issues").await, 1);
    assert_eq!(app.count("zone_issue_members").await, 2);
}

/// Raises, accepts and resolves a request of company `i`; returns its id.
async fn resolved(app: &TestApp, s: &Scene, i: usize) -> String {
    let data = app
        .ok(
            &s.staff[i].token,
            RAISE,
            json!({ "input": { "kind": "PROBLEM", "categoryId": s.category, "title": WORDS[i].0, "description": WORDS[i].1 } }),
        )
        .await;
    let id = data["raiseRequest"]["request"]["id"].as_str().unwrap().to_string();
    let v = data["raiseRequest"]["request"]["version"].as_i64().unwrap();
    let v = app
        .ok(&s.officer.token, crate::requests::ACCEPT, json!({ "id": id, "v": v }))
        .await["acceptRequest"]["request"]["version"]
        .as_i64()
        .unwrap();
    app.ok(&s.officer.token, RESOLVE, json!({ "id": id, "v": v, "a": "已修补" }))
        .await;
    id
}

fn called_at(app: &TestApp, hours_ago: i64) -> String {
    use zhitong::clock::Clock;
    (app.clock.now() - chrono::Duration::hours(hours_ago)).to_rfc3339()
}

async fn callback_answers_are_marked_and_counted_apart(app: TestApp) {
    let s = scene(&app).await;
    let by_app = resolved(&app, &s, 0).await;
    let by_phone = resolved(&app, &s, 1).await;
    app.ok(
        &s.staff[0].token,
        CONFIRM,
        json!({ "id": by_app, "s": true, "sat": true, "c": null }),
    )
    .await;
    let input = |id: &str, satisfied: bool| {
        json!({ "input": { "requestId": id, "solved": true, "satisfied": satisfied, "comment": "电话回访：路已修好",
            "callee": "李经理（行政主管）", "calledAt": called_at(&app, 1) } })
    };
    // Only the request's officer or an admin records a callback.
    assert_eq!(
        app.error_code(Some(&s.staff[1].token), CALLBACK, input(&by_phone, true))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.error_code(Some(&s.other_officer.token), CALLBACK, input(&by_phone, true))
            .await,
        "NOT_FOUND"
    );
    // Not in the future.
    let mut future = input(&by_phone, true);
    future["input"]["calledAt"] = json!(called_at(&app, -2));
    assert_eq!(
        app.error_code(Some(&s.officer.token), CALLBACK, future).await,
        "BAD_USER_INPUT"
    );
    assert_eq!(app.count("request_callbacks").await, 0);

    let data = app.ok(&s.officer.token, CALLBACK, input(&by_phone, true)).await;
    let r = &data["recordCallback"]["request"];
    assert_eq!(r["status"], "CLOSED");
    assert_eq!(r["satisfaction"]["satisfied"], true);
    assert_eq!(r["satisfaction"]["noFeedback"], false);
    assert_eq!(r["callbacks"][0]["pending"], false);
    assert_eq!(r["callbacks"][0]["callee"], "李经理（行政主管）");
    assert_eq!(r["callbacks"][0]["recordedBy"]["id"], s.officer.id.as_str());
    let last = r["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "CLOSED");
    assert_eq!(last["callback"], true);
    assert!(last["text"].as_str().unwrap().contains("回访李经理"));
    // The company sees the callback marked in its timeline.
    let seen = app.ok(&s.staff[1].token, COMPANY_VIEW, json!({ "id": by_phone })).await;
    let last = seen["request"]["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["callback"], true);
    // The app's confirmation is not marked.
    let seen = app.ok(&s.staff[0].token, COMPANY_VIEW, json!({ "id": by_app })).await;
    let last = seen["request"]["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["callback"], false);

    // A callback on a resolved request saying "not satisfied" reopens it, like the app's.
    let reopened = resolved(&app, &s, 2).await;
    let data = app.ok(&app.admin_token, CALLBACK, input(&reopened, false)).await;
    assert_eq!(data["recordCallback"]["request"]["status"], "REOPENED");
    // A request that waits for neither cannot take a callback.
    assert_eq!(
        app.error_code(Some(&s.officer.token), CALLBACK, input(&by_app, true))
            .await,
        "BAD_USER_INPUT"
    );

    let stats = app
        .ok(
            &app.admin_token,
            STATS,
            json!({ "from": "2026-03-01", "to": "2026-03-31" }),
        )
        .await;
    let st = &stats["stats"];
    assert_eq!(st["satisfactionAnswers"], 3);
    assert_eq!(st["appAnswers"], 1);
    assert_eq!(st["callbackAnswers"], 2);
    assert_eq!(st["callbackSatisfied"], 1);
    assert_eq!(st["callbackSolved"], 2);
    assert_eq!(st["callbacksPending"], 0);

    // The person called has an account and asks to be erased: the callback and the timeline
    // no longer name them; the answers stay.
    let company = app.ok(&s.staff[1].token, COMPANY_VIEW, json!({ "id": by_phone })).await["request"]["company"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let called = app
        .create_user("COMPANY", "13900000177", "李经理", json!({ "companyId": company }))
        .await;
    let erased = app
        .ok(
            &app.admin_token,
            "mutation($id: ID!) { erasePersonalData(userId: $id) { tables { table rows } } }",
            json!({ "id": called.id }),
        )
        .await;
    let step = erased["erasePersonalData"]["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["table"] == "request_callbacks")
        .cloned()
        .unwrap();
    assert_eq!(step["rows"], 2, "the callback and its timeline sentence: {erased:#}");
    let seen = app.ok(&app.admin_token, CALLBACK_VIEW, json!({ "id": by_phone })).await;
    assert_eq!(seen["request"]["callbacks"][0]["callee"], "已注销用户（行政主管）");
    assert_eq!(seen["request"]["callbacks"][0]["solved"], true);
    let text = seen["request"]["timeline"].to_string();
    assert!(!text.contains("李经理") && text.contains("回访已注销用户"), "{text}");
}

const CALLBACK_VIEW: &str = "query($id: ID!) { request(id: $id) { callbacks { callee solved } timeline { text } } }";

async fn auto_closed_without_an_answer_is_flagged_for_a_callback(mut app: TestApp) {
    let mut s = scene(&app).await;
    let silent = resolved(&app, &s, 0).await;
    let answered = resolved(&app, &s, 1).await;
    app.ok(
        &s.staff[1].token,
        CONFIRM,
        json!({ "id": answered, "s": true, "sat": true, "c": null }),
    )
    .await;
    const DUE: &str = "{ callbacksDue(first: 10) { totalCount edges { node { request { id status } } } } }";
    assert_eq!(
        app.ok(&s.officer.token, DUE, json!({})).await["callbacksDue"]["totalCount"],
        0
    );

    app.clock.advance(chrono::Duration::days(8));
    relogin(&mut app, &mut s).await;
    assert_eq!(zhitong::requests::worker::run_once(&app.state).await.unwrap(), 1);
    let due_now = app.ok(&s.officer.token, DUE, json!({})).await;
    assert_eq!(due_now["callbacksDue"]["totalCount"], 1);
    assert_eq!(
        due_now["callbacksDue"]["edges"][0]["node"]["request"]["id"],
        silent.as_str()
    );
    assert_eq!(
        due_now["callbacksDue"]["edges"][0]["node"]["request"]["status"],
        "CLOSED"
    );
    assert_eq!(
        app.ok(&s.other_officer.token, DUE, json!({})).await["callbacksDue"]["totalCount"],
        0
    );
    assert_eq!(
        app.error_code(Some(&s.staff[0].token), DUE, json!({})).await,
        "FORBIDDEN"
    );
    let stats = app
        .ok(
            &app.admin_token,
            STATS,
            json!({ "from": "2026-03-01", "to": "2026-03-31" }),
        )
        .await;
    assert_eq!(stats["stats"]["callbacksPending"], 1);

    let data = app
        .ok(
            &s.officer.token,
            CALLBACK,
            json!({ "input": { "requestId": silent, "solved": true, "satisfied": false, "comment": null,
                "callee": "王总", "calledAt": called_at(&app, 0) } }),
        )
        .await;
    let r = &data["recordCallback"]["request"];
    assert_eq!(r["status"], "CLOSED", "a closed request stays closed");
    assert_eq!(r["satisfaction"]["noFeedback"], false);
    assert_eq!(r["satisfaction"]["satisfied"], false);
    assert_eq!(r["callbacks"].as_array().unwrap().len(), 1, "the flag is answered");
    assert_eq!(r["callbacks"][0]["pending"], false);
    let last = r["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "CALLBACK_RECORDED");
    assert_eq!(last["callback"], true);
    assert_eq!(
        app.ok(&s.officer.token, DUE, json!({})).await["callbacksDue"]["totalCount"],
        0
    );
    // Recorded once: a second call on the closed request is refused.
    assert_eq!(
        app.error_code(
            Some(&s.officer.token),
            CALLBACK,
            json!({ "input": { "requestId": silent, "solved": true, "satisfied": true, "comment": null,
                "callee": "王总", "calledAt": called_at(&app, 0) } })
        )
        .await,
        "BAD_USER_INPUT"
    );
    let stats = app
        .ok(
            &app.admin_token,
            STATS,
            json!({ "from": "2026-03-01", "to": "2026-03-31" }),
        )
        .await;
    assert_eq!(stats["stats"]["callbacksPending"], 0);
    assert_eq!(stats["stats"]["callbackAnswers"], 1);
    assert_eq!(stats["stats"]["appAnswers"], 1);
}
