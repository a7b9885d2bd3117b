//! The ledger's statistics against a hand-made fixture: nine requests and five department
//! tasks with known times around the edges of a two-month range (in Asia/Shanghai, UTC+8), and
//! every figure computed by hand below.

use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::{credit_code, TestApp};

backend_tests!(
    statistics_match_the_hand_computed_fixture,
    totals_answer_exactly_as_the_requests_do,
    performance_lines_match_the_fixture,
    only_admins_read_statistics
);

/// One request's row as the fixture wants it; times are UTC.
struct Row {
    created: &'static str,
    kind: &'static str,
    channel: &'static str,
    status: &'static str,
    category: i64,
    first_replied: Option<&'static str>,
    resolved: Option<&'static str>,
    overdue: Option<&'static str>,
    feedback: Option<&'static str>,
    /// (solved, satisfied)
    answers: Option<(bool, bool)>,
}

const POWER: i64 = 3;
const PERMITS: i64 = 1;
const POLICY: i64 = 11;

/// The range is 2026-03-01 to 2026-04-30 in the zone: UTC 2026-02-28 16:00 to 2026-04-30 16:00.
fn fixture() -> Vec<Row> {
    let row = |created, kind, channel, status, category| Row {
        created,
        kind,
        channel,
        status,
        category,
        first_replied: None,
        resolved: None,
        overdue: None,
        feedback: None,
        answers: None,
    };
    vec![
        // R1: raised one minute before the range (23:59 local on 28 Feb), resolved and confirmed in it.
        Row {
            first_replied: Some("2026-02-28 16:59:00"),
            resolved: Some("2026-03-01 02:00:00"),
            feedback: Some("2026-03-02 00:00:00"),
            answers: Some((true, true)),
            ..row("2026-02-28 15:59:00", "PROBLEM", "APP", "CLOSED", POWER)
        },
        // R2: raised at local midnight on 1 March, answered in 30 minutes, confirmed.
        Row {
            first_replied: Some("2026-02-28 16:30:00"),
            resolved: Some("2026-02-28 16:30:00"),
            feedback: Some("2026-03-01 01:00:00"),
            answers: Some((true, true)),
            ..row("2026-02-28 16:00:00", "CONSULTATION", "APP", "CLOSED", POLICY)
        },
        // R3: resolved after two days but went overdue on the way.
        Row {
            first_replied: Some("2026-03-10 04:00:00"),
            resolved: Some("2026-03-12 02:00:00"),
            overdue: Some("2026-03-11 02:00:00"),
            feedback: Some("2026-03-13 00:00:00"),
            answers: Some((true, true)),
            ..row("2026-03-10 02:00:00", "PROBLEM", "HOTLINE", "CLOSED", POWER)
        },
        // R4: found on a visit; the company said neither solved nor satisfied: reopened.
        Row {
            first_replied: Some("2026-03-20 03:00:00"),
            feedback: Some("2026-03-25 00:00:00"),
            answers: Some((false, false)),
            ..row("2026-03-20 02:00:00", "PROBLEM", "VISIT", "REOPENED", POWER)
        },
        // R5: the last second of March (local), still waiting, overdue in April.
        Row {
            overdue: Some("2026-04-02 00:00:00"),
            ..row("2026-03-31 15:59:59", "COMPLAINT", "HOTLINE", "SUBMITTED", POWER)
        },
        // R6: the first second of April (local), resolved a day later, not yet confirmed.
        Row {
            first_replied: Some("2026-04-01 16:00:00"),
            resolved: Some("2026-04-02 16:00:00"),
            ..row("2026-03-31 16:00:00", "SUGGESTION", "GROUP_CHAT", "RESOLVED", PERMITS)
        },
        // R7: answered in 10 minutes, closed automatically without feedback.
        Row {
            first_replied: Some("2026-04-10 00:10:00"),
            resolved: Some("2026-04-10 00:10:00"),
            ..row("2026-04-10 00:00:00", "CONSULTATION", "APP", "CLOSED", POLICY)
        },
        // R8: raised at local midnight on 1 May, after the range; overdue after it too.
        Row {
            overdue: Some("2026-05-01 00:00:00"),
            ..row("2026-04-30 16:00:00", "PROBLEM", "APP", "SUBMITTED", POWER)
        },
        // R9: rejected.
        row("2026-04-15 00:00:00", "PROBLEM", "APP", "REJECTED", POWER),
    ]
}

fn lit(value: Option<&str>) -> String {
    value.map_or("NULL".into(), |v| format!("'{v}'"))
}

async fn sql(app: &TestApp, statement: String) {
    app.state
        .db
        .write(move |conn| {
            use diesel::RunQueryDsl;
            diesel::sql_query(statement).execute(&mut **conn)?;
            Ok(())
        })
        .await
        .expect("fixture statement");
}

struct Fixture {
    officer: String,
    idle_officer: String,
    departments: [String; 2],
}

/// Raises the fixture's requests through the API, then sets their times and outcomes.
async fn build(app: &TestApp) -> Fixture {
    let officer = app.create_user("OFFICER", "13900000001", "甲专员", json!({})).await;
    let idle = app.create_user("OFFICER", "13900000002", "乙专员", json!({})).await;
    let company = app.create_company("甲公司", &credit_code(301)).await;
    app.assign_officer(&company, &officer.id).await;
    let staff = app
        .create_user("COMPANY", "13900000003", "李员工", json!({ "companyId": company }))
        .await;
    let rows = fixture();
    for (index, row) in rows.iter().enumerate() {
        app.ok(
            &staff.token,
            "mutation($input: RaiseRequestInput!) { raiseRequest(input: $input) { request { id } } }",
            json!({ "input": { "kind": "PROBLEM", "categoryId": "cat_3", "title": format!("诉求 {index}"), "description": "fixture" } }),
        )
        .await;
        let (solved, satisfied) = match row.answers {
            Some((solved, satisfied)) => (solved.to_string().to_uppercase(), satisfied.to_string().to_uppercase()),
            None => ("NULL".into(), "NULL".into()),
        };
        let no_feedback = if row.status == "CLOSED" && row.answers.is_none() {
            "TRUE"
        } else {
            "FALSE"
        };
        sql(
            app,
            format!(
                "UPDATE requests SET created_at = '{}', kind = '{}', channel = '{}', status = '{}', category_id = {}, \
                 first_replied_at = {}, resolved_at = {}, overdue_at = {}, feedback_at = {}, solved = {solved}, \
                 satisfied = {satisfied}, no_feedback = {no_feedback} WHERE id = {}",
                row.created,
                row.kind,
                row.channel,
                row.status,
                row.category,
                lit(row.first_replied),
                lit(row.resolved),
                lit(row.overdue),
                lit(row.feedback),
                index + 1
            ),
        )
        .await;
    }
    let d1 = app.create_department("城市管理局").await;
    let d2 = app.create_department("供电公司").await;
    let (n1, n2) = (&d1[4..], &d2[4..]);
    // (request, department, status, created, updated, replied, overdue)
    let tasks = [
        (
            3,
            n1,
            "DONE",
            "2026-03-10 03:00:00",
            "2026-03-11 03:00:00",
            Some("2026-03-10 05:00:00"),
            None,
        ),
        (
            4,
            n1,
            "DISPATCHED",
            "2026-03-20 03:00:00",
            "2026-03-20 03:00:00",
            None,
            Some("2026-03-25 03:00:00"),
        ),
        (
            6,
            n1,
            "TRANSFERRED",
            "2026-04-01 00:00:00",
            "2026-04-01 01:00:00",
            None,
            None,
        ),
        (
            9,
            n1,
            "DONE",
            "2026-02-01 00:00:00",
            "2026-02-02 00:00:00",
            Some("2026-02-01 01:00:00"),
            None,
        ),
        (
            6,
            n2,
            "PLANNED",
            "2026-04-01 01:00:00",
            "2026-04-01 02:00:00",
            Some("2026-04-01 02:00:00"),
            Some("2026-04-01 01:30:00"),
        ),
    ];
    for (request, department, status, created, updated, replied, overdue) in tasks {
        sql(
            app,
            format!(
                "INSERT INTO request_tasks (request_id, department_id, lead, status, created_at, updated_at, replied_at, overdue_at) \
                 VALUES ({request}, {department}, TRUE, '{status}', '{created}', '{updated}', {}, {})",
                lit(replied),
                lit(overdue)
            ),
        )
        .await;
    }
    Fixture {
        officer: officer.id,
        idle_officer: idle.id,
        departments: [d1, d2],
    }
}

const STATS: &str = "query($from: Date!, $to: Date!) { stats(from: $from, to: $to) {
    from to received resolutionRate resolved resolvedOnTime onTimeRate overdue
    satisfactionAnswers satisfied satisfactionRate solvedRate
    firstReply { count medianSeconds p90Seconds } resolution { count medianSeconds p90Seconds }
    byKind { kind count { received resolved overdue } }
    byChannel { channel count { received resolved overdue } }
    byStatus { status count { received resolved overdue } }
    byCategory { category { code } count { received resolved overdue } }
    byMonth { month count { received resolved overdue } }
    coverage { companies withOfficer withoutOfficer rate } } }";

fn tally(received: i64, resolved: i64, overdue: i64) -> Value {
    json!({ "received": received, "resolved": resolved, "overdue": overdue })
}

async fn statistics_match_the_hand_computed_fixture(app: TestApp) {
    build(&app).await;
    // A company without an officer, for coverage.
    app.create_company("乙公司", &credit_code(302)).await;
    let data = app
        .ok(
            &app.admin_token,
            STATS,
            json!({ "from": "2026-03-01", "to": "2026-04-30" }),
        )
        .await;
    let s = &data["stats"];
    assert_eq!(s["from"], "2026-03-01");
    assert_eq!(s["to"], "2026-04-30");
    // Raised in the range: R2–R7 and R9 (R1 is a minute early, R8 local 1 May).
    assert_eq!(s["received"], 7);
    // Of those resolved now: R2, R3, R6, R7.
    assert_eq!(s["resolutionRate"].as_f64().unwrap(), 4.0 / 7.0);
    // Resolved in the range: R1, R2, R3, R6, R7; all but R3 never overdue.
    assert_eq!(s["resolved"], 5);
    assert_eq!(s["resolvedOnTime"], 4);
    assert_eq!(s["onTimeRate"].as_f64().unwrap(), 0.8);
    // Overdue first in the range: R3 (11 Mar) and R5 (2 Apr); R8's is after it.
    assert_eq!(s["overdue"], 2);
    // Confirmed in the range: R1, R2, R3 satisfied and solved; R4 neither. R7 closed without feedback.
    assert_eq!(s["satisfactionAnswers"], 4);
    assert_eq!(s["satisfied"], 3);
    assert_eq!(s["satisfactionRate"].as_f64().unwrap(), 0.75);
    assert_eq!(s["solvedRate"].as_f64().unwrap(), 0.75);
    // First replies of requests raised in the range: 600, 1800, 3600, 7200, 86400 s.
    assert_eq!(
        s["firstReply"],
        json!({ "count": 5, "medianSeconds": 3600, "p90Seconds": 86400 })
    );
    // Resolutions in the range: R7 600, R2 1800, R1 36060, R3 and R6 172800 s.
    assert_eq!(
        s["resolution"],
        json!({ "count": 5, "medianSeconds": 36060, "p90Seconds": 172800 })
    );
    assert_eq!(
        s["byKind"],
        json!([
            { "kind": "CONSULTATION", "count": tally(2, 2, 0) },
            { "kind": "PROBLEM", "count": tally(3, 1, 1) },
            { "kind": "SUGGESTION", "count": tally(1, 1, 0) },
            { "kind": "COMPLAINT", "count": tally(1, 0, 1) },
        ])
    );
    assert_eq!(
        s["byChannel"],
        json!([
            { "channel": "APP", "count": tally(3, 2, 0) },
            { "channel": "HOTLINE", "count": tally(2, 1, 2) },
            { "channel": "VISIT", "count": tally(1, 0, 0) },
            { "channel": "GROUP_CHAT", "count": tally(1, 1, 0) },
            { "channel": "OTHER", "count": tally(0, 0, 0) },
        ])
    );
    assert_eq!(
        s["byStatus"],
        json!([
            { "status": "SUBMITTED", "count": tally(1, 0, 1) },
            { "status": "ACCEPTED", "count": tally(0, 0, 0) },
            { "status": "DISPATCHED", "count": tally(0, 0, 0) },
            { "status": "IN_PROGRESS", "count": tally(0, 0, 0) },
            { "status": "RESOLVED", "count": tally(1, 1, 0) },
            { "status": "CLOSED", "count": tally(3, 3, 1) },
            { "status": "REJECTED", "count": tally(1, 0, 0) },
            { "status": "WITHDRAWN", "count": tally(0, 0, 0) },
            { "status": "UNRESOLVABLE", "count": tally(0, 0, 0) },
            { "status": "REOPENED", "count": tally(1, 0, 0) },
        ])
    );
    assert_eq!(
        s["byCategory"],
        json!([
            { "category": { "code": "permits" }, "count": tally(1, 1, 0) },
            { "category": { "code": "power" }, "count": tally(4, 1, 2) },
            { "category": { "code": "policy" }, "count": tally(2, 2, 0) },
        ])
    );
    assert_eq!(
        s["byMonth"],
        json!([
            { "month": "2026-03", "count": tally(4, 2, 2) },
            { "month": "2026-04", "count": tally(3, 2, 0) },
        ])
    );
    assert_eq!(
        s["coverage"],
        json!({ "companies": 2, "withOfficer": 1, "withoutOfficer": 1, "rate": 0.5 })
    );

    // One day: only R2 (local 1 March).
    let data = app
        .ok(
            &app.admin_token,
            STATS,
            json!({ "from": "2026-03-01", "to": "2026-03-01" }),
        )
        .await;
    assert_eq!(data["stats"]["received"], 1);
    assert_eq!(
        data["stats"]["byMonth"],
        json!([{ "month": "2026-03", "count": tally(1, 1, 0) }])
    );
    // Resolved on 1 March (local): R1 at 10:00 and R2 at 00:30.
    assert_eq!(data["stats"]["resolved"], 2);

    // An empty range has no rates.
    let data = app
        .ok(
            &app.admin_token,
            STATS,
            json!({ "from": "2025-01-01", "to": "2025-01-31" }),
        )
        .await;
    assert_eq!(data["stats"]["received"], 0);
    assert_eq!(data["stats"]["resolutionRate"], Value::Null);
    assert_eq!(data["stats"]["onTimeRate"], Value::Null);
    assert_eq!(
        data["stats"]["firstReply"],
        json!({ "count": 0, "medianSeconds": null, "p90Seconds": null })
    );
}

async fn performance_lines_match_the_fixture(app: TestApp) {
    let fixture = build(&app).await;
    let data = app
        .ok(
            &app.admin_token,
            "query { officerPerformance(from: \"2026-03-01\", to: \"2026-04-30\") { totalCount edges { node {
                officer { id } companiesServed openRequests received resolved overdue
                satisfactionAnswers satisfactionRate lastEvaluation { satisfied } } } } }",
            json!({}),
        )
        .await;
    let lines = &data["officerPerformance"];
    assert_eq!(lines["totalCount"], 2);
    assert_eq!(
        lines["edges"][0]["node"],
        json!({
            "officer": { "id": fixture.officer }, "companiesServed": 1,
            // R4 reopened, R5 and R8 submitted (R8 raised after the range still waits).
            "openRequests": 3, "received": 7, "resolved": 5, "overdue": 2,
            "satisfactionAnswers": 4, "satisfactionRate": 0.75, "lastEvaluation": null,
        })
    );
    assert_eq!(
        lines["edges"][1]["node"],
        json!({
            "officer": { "id": fixture.idle_officer }, "companiesServed": 0,
            "openRequests": 0, "received": 0, "resolved": 0, "overdue": 0,
            "satisfactionAnswers": 0, "satisfactionRate": null, "lastEvaluation": null,
        })
    );

    let data = app
        .ok(
            &app.admin_token,
            "query { departmentPerformance(from: \"2026-03-01\", to: \"2026-04-30\") { totalCount edges { node {
                department { id } tasks replied onTimeRate averageReplySeconds done averageHandlingSeconds transfersOut } } } }",
            json!({}),
        )
        .await;
    let lines = &data["departmentPerformance"];
    assert_eq!(lines["totalCount"], 2);
    // The first department's February task is outside the range.
    assert_eq!(
        lines["edges"][0]["node"],
        json!({
            "department": { "id": fixture.departments[0] }, "tasks": 3, "replied": 1,
            "onTimeRate": 0.5, "averageReplySeconds": 7200, "done": 1,
            "averageHandlingSeconds": 86400, "transfersOut": 1,
        })
    );
    assert_eq!(
        lines["edges"][1]["node"],
        json!({
            "department": { "id": fixture.departments[1] }, "tasks": 1, "replied": 1,
            "onTimeRate": 0.0, "averageReplySeconds": 3600, "done": 0,
            "averageHandlingSeconds": null, "transfersOut": 0,
        })
    );
}

async fn only_admins_read_statistics(app: TestApp) {
    let officer = app.create_user("OFFICER", "13900000009", "丙专员", json!({})).await;
    let vars = json!({ "from": "2026-03-01", "to": "2026-03-31" });
    assert_eq!(
        app.error_code(Some(&officer.token), STATS, vars.clone()).await,
        "FORBIDDEN"
    );
    assert_eq!(app.error_code(None, STATS, vars).await, "UNAUTHENTICATED");
    let backwards = json!({ "from": "2026-03-31", "to": "2026-03-01" });
    assert_eq!(
        app.error_code(Some(&app.admin_token), STATS, backwards).await,
        "BAD_USER_INPUT"
    );
}

/// The statistics of each window, as the admin reads them.
async fn ask(app: &TestApp, windows: &[(&str, &str)]) -> Vec<Value> {
    let mut answers = Vec::new();
    for (from, to) in windows {
        answers.push(app.ok(&app.admin_token, STATS, json!({ "from": from, "to": to })).await["stats"].clone());
    }
    answers
}

/// A deterministic pseudo-random sequence (a linear congruential generator), so a failure
/// repeats.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % below
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.roll(from.len() as u64) as usize]
    }
}

/// Seconds for a duration: around bucket edges (99, 100, 109, 110, 1999, 2000), repeated
/// values, and a spread from a minute to a month.
fn seconds(dice: &mut Dice) -> i64 {
    const EDGES: [i64; 8] = [0, 99, 100, 109, 110, 1_999, 2_000, 86_400];
    match dice.roll(3) {
        0 => EDGES[dice.roll(EDGES.len() as u64) as usize],
        _ => 60 + dice.roll(30 * 86_400) as i64,
    }
}

fn at(base: chrono::NaiveDateTime, plus: i64) -> String {
    (base + chrono::Duration::seconds(plus))
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// On PostgreSQL the statistics of requests are read from daily totals kept by triggers: for
/// 150 requests raised through the API and then given random times, states and answers (row
/// by row and by statements changing many rows at once), the totals, folded or not, answer
/// every window exactly as the requests read directly do, field by field. On SQLite the
/// statistics always read the requests, and the same windows are asked for the same answers.
async fn totals_answer_exactly_as_the_requests_do(app: TestApp) {
    let postgres = matches!(app.state.db.backend(), zhitong::db::Backend::Postgres);
    let officer = app.create_user("OFFICER", "13900000011", "丙专员", json!({})).await;
    let company = app.create_company("丙公司", &credit_code(311)).await;
    app.assign_officer(&company, &officer.id).await;
    let staff = app
        .create_user("COMPANY", "13900000012", "王员工", json!({ "companyId": company }))
        .await;
    let mut ids = Vec::new();
    for index in 0..150 {
        let raised = app
            .ok(
                &staff.token,
                "mutation($input: RaiseRequestInput!) { raiseRequest(input: $input) { request { id } } }",
                json!({ "input": { "kind": "PROBLEM", "categoryId": "cat_3", "title": format!("统计 {index}"), "description": "totals" } }),
            )
            .await;
        let id = raised["raiseRequest"]["request"]["id"].as_str().unwrap().to_string();
        ids.push(id.trim_start_matches("req_").parse::<i64>().unwrap());
    }
    let base = chrono::NaiveDate::from_ymd_opt(2025, 12, 20)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let mut dice = Dice(20_261_208);
    for id in &ids {
        let created = dice.roll(400 * 86_400) as i64;
        let status = dice.pick(&[
            "SUBMITTED",
            "ACCEPTED",
            "IN_PROGRESS",
            "RESOLVED",
            "CLOSED",
            "REJECTED",
            "REOPENED",
        ]);
        let replied = (dice.roll(4) > 0).then(|| at(base, created + seconds(&mut dice)));
        let resolved = matches!(status, "RESOLVED" | "CLOSED").then(|| at(base, created + seconds(&mut dice)));
        let overdue = (dice.roll(4) == 0).then(|| at(base, created + seconds(&mut dice)));
        let answered = status == "CLOSED" && dice.roll(3) > 0;
        let feedback = answered.then(|| at(base, created + seconds(&mut dice)));
        let solved = if answered {
            dice.pick(&["TRUE", "FALSE"])
        } else {
            "NULL"
        };
        let satisfied = if answered {
            dice.pick(&["TRUE", "FALSE", "NULL"])
        } else {
            "NULL"
        };
        sql(
            &app,
            format!(
                "UPDATE requests SET created_at = '{}', kind = '{}', channel = '{}', status = '{status}',                  category_id = {}, first_replied_at = {}, resolved_at = {}, overdue_at = {}, feedback_at = {},                  solved = {solved}, satisfied = {satisfied} WHERE id = {id}",
                at(base, created),
                dice.pick(&["CONSULTATION", "PROBLEM", "SUGGESTION", "COMPLAINT"]),
                dice.pick(&["APP", "HOTLINE", "VISIT", "GROUP_CHAT", "OTHER"]),
                dice.pick(&["1", "3", "11"]),
                lit(replied.as_deref()),
                lit(resolved.as_deref()),
                lit(overdue.as_deref()),
                lit(feedback.as_deref()),
            ),
        )
        .await;
    }
    let windows = [
        ("2025-12-01", "2027-01-31"),
        ("2026-01-01", "2026-12-31"),
        ("2026-03-01", "2026-03-31"),
        ("2026-02-27", "2026-04-02"),
        ("2026-05-15", "2026-05-15"),
        ("2026-06-30", "2026-09-01"),
    ];
    let unfolded = ask(&app, &windows).await;
    // Statements that change many rows at once, and a request taken away.
    sql(&app, format!("UPDATE requests SET status = 'CLOSED', resolved_at = created_at WHERE id % 7 = 0 AND resolved_at IS NULL AND id <= {}", ids[149])).await;
    sql(&app, "UPDATE requests SET overdue_at = NULL WHERE id % 5 = 1".into()).await;
    sql(
        &app,
        "UPDATE requests SET title = title || ' (改)' WHERE id % 2 = 0".into(),
    )
    .await;
    // Rows written straight into the table (a bulk insert) and some of them taken away.
    sql(
        &app,
        format!(
            "INSERT INTO requests (number, company_id, raised_by, channel, kind, category_id, urgency, title, \
             description, status, solved, satisfied, feedback_at, resolved_at, first_replied_at, overdue_at, \
             created_at, updated_at) \
             SELECT 'COPY-' || number, company_id, raised_by, channel, kind, category_id, urgency, title, description, \
             status, solved, satisfied, feedback_at, resolved_at, first_replied_at, overdue_at, created_at, updated_at \
             FROM requests WHERE id <= {}",
            ids[40]
        ),
    )
    .await;
    sql(
        &app,
        "DELETE FROM requests WHERE number LIKE 'COPY-%' AND id % 3 <> 0".into(),
    )
    .await;
    let changed_unfolded = ask(&app, &windows).await;
    assert_ne!(unfolded, changed_unfolded, "the bulk changes changed some figure");
    let folded_days = zhitong::stats::service::fold_totals(&app.state).await.unwrap();
    assert_eq!(folded_days > 0, postgres, "days folded on PostgreSQL only");
    let folded = ask(&app, &windows).await;
    if postgres {
        assert!(app.count("stats_received").await > 0, "the totals were kept");
        sql(&app, "UPDATE stats_zone SET time_zone = NULL".into()).await;
    }
    let direct = ask(&app, &windows).await;
    for (index, (from, to)) in windows.iter().enumerate() {
        assert_eq!(
            changed_unfolded[index], direct[index],
            "{from}..{to}: unfolded totals against the requests"
        );
        assert_eq!(
            folded[index], direct[index],
            "{from}..{to}: folded totals against the requests"
        );
    }
    // A zone change (here: none counted) rebuilds the totals, which answer the same again.
    assert_eq!(
        zhitong::stats::service::prepare_totals(&app.state).await.unwrap(),
        postgres
    );
    assert_eq!(ask(&app, &windows).await, direct, "rebuilt totals against the requests");
}
