//! Key projects from signing to production: the squad moves the stages, three procedures run
//! against their statutory working days on the zone's calendar (one on time, one early, one
//! late that climbs the supervision ladder), a weekly check-in is missed, a finding is raised
//! as a request and resolved; the board's days saved match a hand count over a holiday and a
//! make-up working day; companies see their own project only; the enterprise's zone leader
//! hears of supervision steps and unsatisfied votes.

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{json, Value};

use zhitong::clock::Clock;

use crate::backend_tests;
use crate::helpers::{credit_code, TestApp, TestUser};

backend_tests!(
    a_project_runs_from_signing_to_production,
    companies_see_their_own_project_only,
    the_leader_hears_of_an_unsatisfied_vote,
    bad_input_is_refused_and_writes_nothing
);

const PROJECT_FIELDS: &str = "id name stage rhythm investmentWan company { id } leadLiaison { id }
    squad { id } contacts { name phone title } leader { id }
    stageHistory { fromStage toStage note }
    procedures { id stage procedureType name statutoryDays status submittedAt acceptedAt dueAt approvedAt overdueAt
        workingDaysTaken daysSaved late alerts documents department { id } handler { id } }
    checkIns { kind findings stage }
    requests { stage request { id status } }";

const CREATE: &str = "mutation($input: CreateKeyProjectInput!) { createKeyProject(input: $input) { project { id stage rhythm squad { id } } } }";
const ADVANCE: &str =
    "mutation($id: ID!, $note: String!) { advanceProjectStage(id: $id, note: $note) { project { stage rhythm } } }";
const TEMPLATE: &str = "mutation($t: String!, $n: String!, $d: Int!, $dep: ID) { setProcedureTemplate(procedureType: $t, name: $n, statutoryDays: $d, departmentId: $dep) { template { id procedureType statutoryDays } } }";
const ADD: &str = "mutation($p: ID!, $t: ID!, $h: ID, $docs: [String!]) { addProjectProcedure(projectId: $p, templateId: $t, handlerId: $h, documents: $docs) { procedure { id stage statutoryDays status documents } } }";
const STEP: &str = "mutation($id: ID!, $s: ProcedureStepKind!, $at: DateTime) { recordProcedureStep(id: $id, step: $s, at: $at) { procedure { id status dueAt workingDaysTaken daysSaved } } }";
const CHECK_IN: &str = "mutation($p: ID!, $k: CheckInKind!, $f: String) { recordProjectCheckIn(projectId: $p, kind: $k, findings: $f) { checkIn { id kind stage findings } } }";
const RAISE: &str = "mutation($p: ID!, $input: RaiseFromProjectInput!) { raiseRequestFromProject(projectId: $p, input: $input) { request { id number status version channel } project { id } } }";
const LEADER: &str =
    "mutation($c: ID!, $l: ID) { setCompanyLeader(companyId: $c, leaderId: $l) { leader { id } company { id } } }";
const BOARD: &str = "{ keyProjectBoard { byStage { stage count } lateProcedures { id }
    daysSavedByType { procedureType approved statutoryDays workingDaysTaken daysSaved }
    daysSavedByDepartment { department { id } approved statutoryDays workingDaysTaken daysSaved }
    missedCheckIns { project { id } missed } } }";
const CALENDAR: &str =
    "mutation($d: Date!, $k: DayKind, $n: String) { setCalendarDay(date: $d, kind: $k, note: $n) { day { date } } }";
const INBOX: &str = "{ notifications(first: 100) { edges { node { kind body } } } }";

/// Shanghai local time as UTC.
fn local(m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    chrono_tz::Asia::Shanghai
        .with_ymd_and_hms(2026, m, d, h, min, 0)
        .unwrap()
        .with_timezone(&Utc)
}

fn parse(value: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(value.as_str().unwrap_or_else(|| panic!("a time, got {value}")))
        .unwrap()
        .with_timezone(&Utc)
}

struct Zone {
    liaison: TestUser,
    outsider: TestUser,
    member: TestUser,
    leader: TestUser,
    staff: TestUser,
    other_staff: TestUser,
    company: String,
    other_company: String,
    land_bureau: String,
    housing_bureau: String,
}

async fn zone(app: &TestApp) -> Zone {
    let liaison = app.create_user("OFFICER", "13900000001", "雷均", json!({})).await;
    let outsider = app.create_user("OFFICER", "13900000002", "王芳", json!({})).await;
    let land_bureau = app.create_department("自然资源和规划局").await;
    let housing_bureau = app.create_department("住房和城乡建设局").await;
    let member = app
        .create_user(
            "DEPARTMENT",
            "13900000003",
            "赵敏",
            json!({ "departmentId": housing_bureau }),
        )
        .await;
    let leader = app.create_user("ADMIN", "13900000004", "张副主任", json!({})).await;
    let company = app.create_company("攀华集团有限公司", &credit_code(701)).await;
    let other_company = app.create_company("乙公司", &credit_code(702)).await;
    app.assign_officer(&company, &liaison.id).await;
    app.assign_officer(&other_company, &outsider.id).await;
    let staff = app
        .create_user(
            "COMPANY",
            "13900000005",
            "李兴华",
            json!({ "companyId": company, "principal": true }),
        )
        .await;
    let other_staff = app
        .create_user("COMPANY", "13900000006", "周强", json!({ "companyId": other_company }))
        .await;
    Zone {
        liaison,
        outsider,
        member,
        leader,
        staff,
        other_staff,
        company,
        other_company,
        land_bureau,
        housing_bureau,
    }
}

async fn template(app: &TestApp, kind: &str, name: &str, days: i64, department: &str) -> String {
    let data = app
        .ok(
            &app.admin_token,
            TEMPLATE,
            json!({ "t": kind, "n": name, "d": days, "dep": department }),
        )
        .await;
    data["setProcedureTemplate"]["template"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn create_project(app: &TestApp, z: &Zone, company: &str, liaison: &str, name: &str) -> String {
    let input = json!({
        "companyId": company, "name": name, "investmentWan": 120000, "industry": "新材料",
        "location": "临港产业园B区", "leadLiaisonId": liaison, "memberIds": [z.member.id],
        "contacts": [{ "name": "李兴华", "phone": "13900000005", "title": "总经理" }],
    });
    let data = app.ok(&app.admin_token, CREATE, json!({ "input": input })).await;
    let project = &data["createKeyProject"]["project"];
    assert_eq!(project["stage"], "SIGNED");
    assert_eq!(project["rhythm"], "WEEKLY");
    project["id"].as_str().unwrap().to_string()
}

async fn project(app: &TestApp, token: &str, id: &str) -> Value {
    let query = format!("query($id: ID!) {{ keyProject(id: $id) {{ {PROJECT_FIELDS} }} }}");
    app.ok(token, &query, json!({ "id": id })).await["keyProject"].clone()
}

async fn inbox(app: &TestApp, token: &str) -> Vec<(String, String)> {
    let data = app.ok(token, INBOX, json!({})).await;
    data["notifications"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["node"]["kind"].as_str().unwrap().to_string(),
                e["node"]["body"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn count(inbox: &[(String, String)], kind: &str) -> usize {
    inbox.iter().filter(|(k, _)| k == kind).count()
}

async fn step(app: &TestApp, token: &str, id: &str, step: &str, at: Option<DateTime<Utc>>) -> Value {
    let data = app
        .ok(
            token,
            STEP,
            json!({ "id": id, "s": step, "at": at.map(|t| t.to_rfc3339()) }),
        )
        .await;
    data["recordProcedureStep"]["procedure"].clone()
}

async fn sweep(app: &TestApp) -> zhitong::projects::sweeper::ProjectSweep {
    zhitong::projects::sweeper::run_once(&app.state).await.unwrap()
}

/// Moves the clock and logs everyone in again (access tokens live for minutes).
macro_rules! move_to {
    ($app:ident, $z:ident, $when:expr) => {{
        $app.clock.set($when);
        $app.relogin_admin().await;
        for user in [
            &mut $z.liaison,
            &mut $z.member,
            &mut $z.leader,
            &mut $z.outsider,
            &mut $z.staff,
        ] {
            $app.relogin(user).await;
        }
    }};
}

async fn a_project_runs_from_signing_to_production(mut app: TestApp) {
    let mut z = zone(&app).await;
    // Thursday 5 March is a holiday, Saturday 7 March a make-up working day.
    for (day, kind) in [("2026-03-05", "HOLIDAY"), ("2026-03-07", "WORKDAY")] {
        app.ok(&app.admin_token, CALENDAR, json!({ "d": day, "k": kind, "n": "测试" }))
            .await;
    }
    let land = template(&app, "LAND_USE_PLANNING", "建设用地规划许可", 5, &z.land_bureau).await;
    let permit = template(&app, "CONSTRUCTION_PERMIT", "建筑工程施工许可", 7, &z.housing_bureau).await;
    let fire = template(&app, "FIRE_DESIGN_REVIEW", "消防设计审查", 3, &z.housing_bureau).await;
    app.ok(&app.admin_token, LEADER, json!({ "c": z.company, "l": z.leader.id }))
        .await;

    // Monday 2 March, 09:30: signed; the squad moves it to land with a note.
    let id = create_project(&app, &z, &z.company, &z.liaison.id, "年产50万吨高端板材项目").await;
    let other = create_project(&app, &z, &z.other_company, &z.outsider.id, "乙公司扩建项目").await;
    let moved = app
        .ok(&z.liaison.token, ADVANCE, json!({ "id": id, "note": "土地已摘牌" }))
        .await;
    assert_eq!(moved["advanceProjectStage"]["project"]["stage"], "LAND");
    let data = app
        .ok(
            &z.liaison.token,
            ADD,
            json!({ "p": id, "t": land, "h": z.member.id, "docs": ["用地申请表", "土地出让合同"] }),
        )
        .await;
    let p_land = data["addProjectProcedure"]["procedure"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(data["addProjectProcedure"]["procedure"]["stage"], "LAND");
    assert_eq!(data["addProjectProcedure"]["procedure"]["status"], "PENDING");
    assert_eq!(
        data["addProjectProcedure"]["procedure"]["documents"],
        json!(["用地申请表", "土地出让合同"])
    );

    // 10:00: the stage after; the three procedures are submitted and accepted.
    move_to!(app, z, local(3, 2, 10, 0));
    let moved = app
        .ok(
            &z.member.token,
            ADVANCE,
            json!({ "id": id, "note": "进入规划许可阶段" }),
        )
        .await;
    assert_eq!(moved["advanceProjectStage"]["project"]["stage"], "PLANNING_AND_PERMITS");
    let mut procedures = vec![p_land.clone()];
    for t in [&permit, &fire] {
        let data = app
            .ok(&z.liaison.token, ADD, json!({ "p": id, "t": t, "h": z.member.id }))
            .await;
        procedures.push(
            data["addProjectProcedure"]["procedure"]["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let (p_permit, p_fire) = (procedures[1].clone(), procedures[2].clone());
    // Accepting before submitting is out of order, and nothing is written.
    let code = app
        .error_code(Some(&z.liaison.token), STEP, json!({ "id": p_fire, "s": "ACCEPTED" }))
        .await;
    assert_eq!(code, "CONFLICT");
    let mut due = Vec::new();
    for procedure in &procedures {
        step(&app, &z.liaison.token, procedure, "SUBMITTED", Some(local(3, 2, 9, 45))).await;
        let accepted = step(&app, &z.liaison.token, procedure, "ACCEPTED", None).await;
        assert_eq!(accepted["status"], "ACCEPTED");
        due.push(parse(&accepted["dueAt"]));
    }
    // Working days from Monday 10:00: Tue 3, Wed 4, (Thu 5 holiday), Fri 6, Sat 7 (make-up),
    // Mon 9, Tue 10, Wed 11.
    assert_eq!(due[0], local(3, 9, 10, 0), "5 working days");
    assert_eq!(due[1], local(3, 11, 10, 0), "7 working days");
    assert_eq!(due[2], local(3, 6, 10, 0), "3 working days");

    // Friday 6 March, 08:00: the fire review's reminder (75 % of its time) goes out.
    move_to!(app, z, local(3, 6, 8, 0));
    let swept = sweep(&app).await;
    assert_eq!(swept.thresholds_fired, 1);
    let seen = project(&app, &z.liaison.token, &id).await;
    assert_eq!(seen["procedures"][2]["alerts"], json!(["REMINDER"]));
    assert_eq!(count(&inbox(&app, &z.member.token).await, "PROCEDURE_DUE_SOON"), 1);
    assert_eq!(count(&inbox(&app, &z.liaison.token).await, "PROCEDURE_DUE_SOON"), 1);

    // 15:00: the construction permit is approved early.
    move_to!(app, z, local(3, 6, 15, 0));
    let approved = step(&app, &z.liaison.token, &p_permit, "APPROVED", None).await;
    // Fri 10:00 is 3 working days, Sat 10:00 (make-up) 4: four days taken, three saved.
    assert_eq!(approved["workingDaysTaken"], 4);
    assert_eq!(approved["daysSaved"], 3);

    // Sunday 8 March, 10:30: the fire review is overdue since Friday 10:00, chased on Saturday
    // and supervised on Sunday (24-hour escalation); the land permit gets its reminder.
    move_to!(app, z, local(3, 8, 10, 30));
    let swept = sweep(&app).await;
    assert_eq!(swept.thresholds_fired, 4);
    let seen = project(&app, &app.admin_token, &id).await;
    assert_eq!(
        seen["procedures"][2]["alerts"],
        json!(["REMINDER", "OVERDUE", "CHASING", "SUPERVISION"])
    );
    assert_eq!(seen["procedures"][2]["late"], true);
    assert_eq!(parse(&seen["procedures"][2]["overdueAt"]), local(3, 6, 10, 0));
    assert_eq!(seen["procedures"][0]["alerts"], json!(["REMINDER"]));
    let leader_inbox = inbox(&app, &z.leader.token).await;
    assert_eq!(count(&leader_inbox, "LEADER_SUPERVISION"), 1, "{leader_inbox:?}");
    assert!(leader_inbox
        .iter()
        .any(|(k, body)| k == "LEADER_SUPERVISION" && body.contains("年产50万吨高端板材项目")));
    assert_eq!(count(&inbox(&app, &app.admin_token).await, "PROCEDURE_SUPERVISED"), 1);
    // A second round fires nothing again.
    assert_eq!(sweep(&app).await.thresholds_fired, 0);
    let board = app.ok(&app.admin_token, BOARD, json!({})).await;
    assert_eq!(board["keyProjectBoard"]["lateProcedures"], json!([{ "id": p_fire }]));

    // Monday 9 March, 10:00: the land permit is approved at its due time — on time.
    move_to!(app, z, local(3, 9, 10, 0));
    let approved = step(&app, &z.liaison.token, &p_land, "APPROVED", None).await;
    assert_eq!(approved["workingDaysTaken"], 5);
    assert_eq!(approved["daysSaved"], 0);

    // 10:30: the first weekly window (from Monday 2 March 10:00) ended without a check-in:
    // the &z.liaison.token is reminded; the fire review reaches the report to the zone's leaders.
    move_to!(app, z, local(3, 9, 10, 30));
    // (The other project, signed at 09:30 and never checked on, misses its first week too.)
    let swept = sweep(&app).await;
    assert_eq!(swept.check_ins_missed, 2, "{swept:?}");
    assert_eq!(swept.thresholds_fired, 1);
    assert_eq!(count(&inbox(&app, &z.liaison.token).await, "CHECK_IN_MISSED"), 1);
    assert_eq!(count(&inbox(&app, &z.outsider.token).await, "CHECK_IN_MISSED"), 1);
    assert_eq!(count(&inbox(&app, &app.admin_token).await, "CHECK_IN_MISSED"), 0);
    // A day later still nothing: the admins are told, once per project.
    move_to!(app, z, local(3, 10, 10, 30));
    let swept = sweep(&app).await;
    assert_eq!(swept.check_ins_missed, 2, "{swept:?}");
    assert_eq!(count(&inbox(&app, &app.admin_token).await, "CHECK_IN_MISSED"), 2);
    assert_eq!(count(&inbox(&app, &z.liaison.token).await, "CHECK_IN_MISSED"), 1);
    assert_eq!(sweep(&app).await.check_ins_missed, 0);

    // The &z.liaison.token checks in and raises what was found as a request.
    let data = app
        .ok(
            &z.liaison.token,
            CHECK_IN,
            json!({ "p": id, "k": "VISIT", "f": "施工临时用电容量不足" }),
        )
        .await;
    assert_eq!(data["recordProjectCheckIn"]["checkIn"]["stage"], "PLANNING_AND_PERMITS");
    // Only the lead &z.liaison.token records check-ins.
    let code = app
        .error_code(Some(&z.member.token), CHECK_IN, json!({ "p": id, "k": "CALL" }))
        .await;
    assert_eq!(code, "FORBIDDEN");
    let input = json!({ "kind": "PROBLEM", "categoryId": "cat_6", "title": "施工临时用电容量不足", "description": "调度走访发现", "idempotencyKey": "prj-finding-1" });
    let data = app
        .ok(&z.liaison.token, RAISE, json!({ "p": id, "input": input }))
        .await;
    let request = data["raiseRequestFromProject"]["request"].clone();
    assert_eq!(request["channel"], "VISIT");
    let request_id = request["id"].as_str().unwrap().to_string();
    let number = request["number"].as_str().unwrap().to_string();
    // A retry links nothing twice.
    app.ok(&z.liaison.token, RAISE, json!({ "p": id, "input": input }))
        .await;
    assert_eq!(app.count("project_requests").await, 1);

    // Wednesday 11 March, 10:00: the fire review is approved, four days late.
    move_to!(app, z, local(3, 11, 10, 0));
    let approved = step(&app, &z.liaison.token, &p_fire, "APPROVED", None).await;
    // Fri 6 (3), Sat 7 (4), Mon 9 (5), Tue 10 (6), Wed 11 (7).
    assert_eq!(approved["workingDaysTaken"], 7);
    assert_eq!(approved["daysSaved"], -4);

    // The request is left unanswered until its own ladder reaches supervision: the leader of
    // the enterprise is told of that too.
    move_to!(app, z, local(3, 20, 12, 0));
    zhitong::requests::time_limits::sweeper::run_once(&app.state)
        .await
        .unwrap();
    let leader_inbox = inbox(&app, &z.leader.token).await;
    assert!(
        leader_inbox
            .iter()
            .any(|(k, body)| k == "LEADER_SUPERVISION" && body.contains(&number)),
        "{leader_inbox:?}"
    );
    // The &z.liaison.token resolves it.
    let current = app
        .ok(
            &z.liaison.token,
            "query($id: ID!) { request(id: $id) { version } }",
            json!({ "id": request_id }),
        )
        .await;
    let accepted = app
        .ok(
            &z.liaison.token,
            "mutation($id: ID!, $v: Int!) { acceptRequest(id: $id, version: $v) { request { version } } }",
            json!({ "id": request_id, "v": current["request"]["version"] }),
        )
        .await;
    let v = accepted["acceptRequest"]["request"]["version"].clone();
    let resolved = app
        .ok(
            &z.liaison.token,
            "mutation($id: ID!, $v: Int!, $a: String!) { resolveRequest(id: $id, version: $v, answer: $a) { request { status } } }",
            json!({ "id": request_id, "v": v, "a": "供电公司已增容" }),
        )
        .await;
    assert_eq!(resolved["resolveRequest"]["request"]["status"], "RESOLVED");

    // On to production.
    for (stage, rhythm) in [
        ("CONSTRUCTION", "DAILY"),
        ("COMMISSIONING", "WEEKLY"),
        ("PRODUCTION", "WEEKLY"),
    ] {
        let moved = app
            .ok(&z.liaison.token, ADVANCE, json!({ "id": id, "note": "阶段目标完成" }))
            .await;
        assert_eq!(moved["advanceProjectStage"]["project"]["stage"], stage);
        assert_eq!(moved["advanceProjectStage"]["project"]["rhythm"], rhythm);
    }
    let code = app
        .error_code(Some(&z.liaison.token), ADVANCE, json!({ "id": id, "note": "再推进" }))
        .await;
    assert_eq!(code, "CONFLICT");
    // An officer outside the squad neither sees nor moves it.
    let code = app
        .error_code(Some(&z.outsider.token), ADVANCE, json!({ "id": id, "note": "x" }))
        .await;
    assert_eq!(code, "NOT_FOUND");

    let seen = project(&app, &app.admin_token, &id).await;
    assert_eq!(seen["stage"], "PRODUCTION");
    let history: Vec<&str> = seen["stageHistory"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["toStage"].as_str().unwrap())
        .collect();
    assert_eq!(
        history,
        [
            "SIGNED",
            "LAND",
            "PLANNING_AND_PERMITS",
            "CONSTRUCTION",
            "COMMISSIONING",
            "PRODUCTION"
        ]
    );
    assert_eq!(seen["leader"]["id"], z.leader.id.as_str());
    assert_eq!(
        seen["requests"],
        json!([{ "stage": "PLANNING_AND_PERMITS", "request": { "id": request_id, "status": "RESOLVED" } }])
    );
    assert_eq!(seen["checkIns"][0]["findings"], "施工临时用电容量不足");

    // The board, by hand: land planning 5 statutory / 5 taken; construction permit 7 / 4; fire
    // review 3 / 7. The land bureau saved 0; the housing bureau 10 − 11 = −1.
    let board = app.ok(&app.admin_token, BOARD, json!({})).await["keyProjectBoard"].clone();
    assert_eq!(
        board["daysSavedByType"],
        json!([
            { "procedureType": "CONSTRUCTION_PERMIT", "approved": 1, "statutoryDays": 7, "workingDaysTaken": 4, "daysSaved": 3 },
            { "procedureType": "FIRE_DESIGN_REVIEW", "approved": 1, "statutoryDays": 3, "workingDaysTaken": 7, "daysSaved": -4 },
            { "procedureType": "LAND_USE_PLANNING", "approved": 1, "statutoryDays": 5, "workingDaysTaken": 5, "daysSaved": 0 },
        ])
    );
    let by_department = board["daysSavedByDepartment"].as_array().unwrap();
    assert_eq!(by_department.len(), 2);
    let line = |dep: &str| {
        by_department
            .iter()
            .find(|l| l["department"]["id"] == dep)
            .unwrap_or_else(|| panic!("no line for {dep}"))
            .clone()
    };
    assert_eq!(
        line(&z.land_bureau),
        json!({ "department": { "id": z.land_bureau }, "approved": 1, "statutoryDays": 5, "workingDaysTaken": 5, "daysSaved": 0 })
    );
    assert_eq!(
        line(&z.housing_bureau),
        json!({ "department": { "id": z.housing_bureau }, "approved": 2, "statutoryDays": 10, "workingDaysTaken": 11, "daysSaved": -1 })
    );
    assert_eq!(board["lateProcedures"], json!([]));
    let stages = board["byStage"].as_array().unwrap();
    assert_eq!(stages.len(), 6);
    assert_eq!(stages[5], json!({ "stage": "PRODUCTION", "count": 1 }));
    assert_eq!(stages[0], json!({ "stage": "SIGNED", "count": 1 }), "the other project");
    let missed = board["missedCheckIns"].as_array().unwrap();
    assert!(
        missed.contains(&json!({ "project": { "id": id }, "missed": 1 })),
        "{missed:?}"
    );
    assert!(missed.iter().any(|m| m["project"]["id"] == other.as_str()));

    // Only admins see the board.
    let code = app.error_code(Some(&z.liaison.token), BOARD, json!({})).await;
    assert_eq!(code, "FORBIDDEN");

    // The ledger's export, through the safe CSV writer.
    let csv = app
        .http()
        .get(app.url("/export/procedures.csv"))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    let body = csv.text().await.unwrap();
    assert!(body.contains("\"消防设计审查\""), "{body}");
    assert!(body.contains("\"'-4\""), "a negative saving is neutralised: {body}");
    assert_eq!(body.lines().count(), 4, "a header and three procedures");
    let denied = app
        .http()
        .get(app.url("/export/projects.csv"))
        .bearer_auth(&z.staff.token)
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), 403);
    let projects_csv = app
        .http()
        .get(app.url("/export/projects.csv"))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(projects_csv.contains("年产50万吨高端板材项目") && projects_csv.contains("乙公司扩建项目"));

    // Admins close it; the squad can move nothing more.
    app.ok(
        &app.admin_token,
        "mutation($id: ID!) { closeKeyProject(id: $id) { project { closedAt } } }",
        json!({ "id": id }),
    )
    .await;
    let code = app
        .error_code(Some(&z.liaison.token), CHECK_IN, json!({ "p": id, "k": "CALL" }))
        .await;
    assert_eq!(code, "CONFLICT");
}

async fn companies_see_their_own_project_only(app: TestApp) {
    let z = zone(&app).await;
    let permit = template(&app, "CONSTRUCTION_PERMIT", "建筑工程施工许可", 7, &z.housing_bureau).await;
    let id = create_project(&app, &z, &z.company, &z.liaison.id, "甲项目").await;
    let other = create_project(&app, &z, &z.other_company, &z.outsider.id, "乙项目").await;
    let data = app.ok(&z.liaison.token, ADD, json!({ "p": id, "t": permit })).await;
    let procedure = data["addProjectProcedure"]["procedure"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    step(&app, &z.liaison.token, &procedure, "SUBMITTED", None).await;
    step(&app, &z.liaison.token, &procedure, "ACCEPTED", None).await;
    app.ok(
        &z.liaison.token,
        CHECK_IN,
        json!({ "p": id, "k": "CALL", "f": "企业内部资金紧张" }),
    )
    .await;

    let list = "{ keyProjects { totalCount edges { node { id name } } } }";
    let mine = app.ok(&z.staff.token, list, json!({})).await;
    assert_eq!(mine["keyProjects"]["totalCount"], 1);
    assert_eq!(mine["keyProjects"]["edges"][0]["node"]["id"], id.as_str());
    let seen = project(&app, &z.staff.token, &id).await;
    assert_eq!(seen["stage"], "SIGNED");
    assert_eq!(seen["procedures"][0]["status"], "ACCEPTED");
    assert!(seen["procedures"][0]["dueAt"].is_string());
    assert!(seen["procedures"][0]["submittedAt"].is_string());
    assert_eq!(seen["checkIns"], json!([]), "the squad's check-ins stay internal");
    assert_eq!(seen["procedures"][0]["alerts"], json!([]));
    // Never another company's.
    let query = "query($id: ID!) { keyProject(id: $id) { id } }";
    let code = app
        .error_code(Some(&z.staff.token), query, json!({ "id": other }))
        .await;
    assert_eq!(code, "NOT_FOUND");
    let code = app
        .error_code(Some(&z.other_staff.token), query, json!({ "id": id }))
        .await;
    assert_eq!(code, "NOT_FOUND");
    let filtered = app
        .ok(
            &z.staff.token,
            "query($c: ID) { keyProjects(filter: { companyId: $c }) { totalCount } }",
            json!({ "c": z.other_company }),
        )
        .await;
    assert_eq!(filtered["keyProjects"]["totalCount"], 0);
    // Officers see the projects whose squad they are on; department staff likewise.
    let outsiders = app.ok(&z.outsider.token, list, json!({})).await;
    assert_eq!(outsiders["keyProjects"]["edges"][0]["node"]["id"], other.as_str());
    assert_eq!(outsiders["keyProjects"]["totalCount"], 1);
    let members = app.ok(&z.member.token, list, json!({})).await;
    assert_eq!(members["keyProjects"]["totalCount"], 2);
    let admins = app.ok(&app.admin_token, list, json!({})).await;
    assert_eq!(admins["keyProjects"]["totalCount"], 2);
    // The company cannot step its procedures.
    let code = app
        .error_code(Some(&z.staff.token), STEP, json!({ "id": procedure, "s": "APPROVED" }))
        .await;
    assert_eq!(code, "FORBIDDEN");
}

async fn the_leader_hears_of_an_unsatisfied_vote(app: TestApp) {
    let z = zone(&app).await;
    app.ok(&app.admin_token, LEADER, json!({ "c": z.company, "l": z.leader.id }))
        .await;
    // Only an active admin leads an enterprise.
    let code = app
        .error_code(
            Some(&app.admin_token),
            LEADER,
            json!({ "c": z.other_company, "l": z.liaison.id }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    let now = app.clock.now();
    app.ok(
        &app.admin_token,
        "mutation($y: Int!, $h: EvaluationHalf!, $o: DateTime!, $c: DateTime!) { openEvaluationPeriod(year: $y, half: $h, opensAt: $o, closesAt: $c) { period { id } } }",
        json!({ "y": 2026, "h": "H1", "o": (now - Duration::hours(1)).to_rfc3339(), "c": (now + Duration::days(10)).to_rfc3339() }),
    )
    .await;
    app.ok(
        &z.staff.token,
        "mutation($v: EvaluationVerdict!, $r: String) { castEvaluationVote(verdict: $v, reason: $r) { vote { verdict } } }",
        json!({ "v": "UNSATISFIED", "r": "三个月未上门服务" }),
    )
    .await;
    let leader_inbox = inbox(&app, &z.leader.token).await;
    assert_eq!(count(&leader_inbox, "LEADER_UNSATISFIED_VOTE"), 1, "{leader_inbox:?}");
    assert!(leader_inbox.iter().any(|(_, body)| body.contains("攀华集团有限公司")));
    // The main admin leads no enterprise and hears of it only as a replacement flag.
    let admin_inbox = inbox(&app, &app.admin_token).await;
    assert_eq!(count(&admin_inbox, "LEADER_UNSATISFIED_VOTE"), 0);
    assert_eq!(count(&admin_inbox, "REPLACEMENT_FLAG_RAISED"), 1);
}

async fn bad_input_is_refused_and_writes_nothing(app: TestApp) {
    let z = zone(&app).await;
    let base = json!({
        "companyId": z.company, "name": "项目", "investmentWan": 100, "industry": "新材料",
        "location": "园区", "leadLiaisonId": z.liaison.id,
    });
    let mut bad = base.clone();
    bad["investmentWan"] = json!(0);
    let code = app
        .error_code(Some(&app.admin_token), CREATE, json!({ "input": bad }))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    let mut bad = base.clone();
    bad["leadLiaisonId"] = json!(z.member.id);
    let code = app
        .error_code(Some(&app.admin_token), CREATE, json!({ "input": bad }))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    let code = app
        .error_code(Some(&z.liaison.token), CREATE, json!({ "input": base }))
        .await;
    assert_eq!(code, "FORBIDDEN");
    assert_eq!(app.count("key_projects").await, 0);
    let code = app
        .error_code(
            Some(&app.admin_token),
            TEMPLATE,
            json!({ "t": "lower case", "n": "x", "d": 5 }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    let code = app
        .error_code(Some(&app.admin_token), TEMPLATE, json!({ "t": "X", "n": "x", "d": 0 }))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(app.count("procedure_templates").await, 0);
    // A step in the future is refused.
    let permit = template(&app, "CONSTRUCTION_PERMIT", "建筑工程施工许可", 7, &z.housing_bureau).await;
    let id = create_project(&app, &z, &z.company, &z.liaison.id, "甲项目").await;
    let data = app.ok(&z.liaison.token, ADD, json!({ "p": id, "t": permit })).await;
    let procedure = data["addProjectProcedure"]["procedure"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let code = app
        .error_code(
            Some(&z.liaison.token),
            STEP,
            json!({ "id": procedure, "s": "SUBMITTED", "at": (app.clock.now() + Duration::hours(1)).to_rfc3339() }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    // A handler outside the squad is refused.
    let code = app
        .error_code(
            Some(&z.liaison.token),
            ADD,
            json!({ "p": id, "t": permit, "h": z.outsider.id }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(app.count("project_procedures").await, 1);
}
