//! Officers record visits to the companies they serve and raise requests (channel VISIT) from
//! what they find; companies see their visits without the internal notes; admins see coverage.

use serde_json::json;

use crate::backend_tests;
use crate::helpers::{credit_code, TestApp, TestUser};

backend_tests!(
    an_officer_records_a_visit_and_raises_a_request_from_it,
    visits_are_seen_by_role,
    admins_see_visit_coverage_per_officer
);

const RECORD: &str = "mutation($input: RecordVisitInput!) { recordVisit(input: $input) { visit { id visitedOn peopleMet notes officer { id } company { id } } } }";
const RAISE: &str =
    "mutation($v: ID!, $input: RaiseFromVisitInput!) { raiseRequestFromVisit(visitId: $v, input: $input) {
    visit { id requests { id } } request { id channel status company { id } officer { id } } } }";
const LIST: &str = "query($f: VisitFilterInput) { visits(filter: $f) { totalCount edges { node { id visitedOn peopleMet notes company { id } requests { id channel } } } } }";

struct Zone {
    officer: TestUser,
    other_officer: TestUser,
    company: String,
    other_company: String,
    staff: TestUser,
}

async fn zone(app: &TestApp) -> Zone {
    let officer = app.create_user("OFFICER", "13900000001", "雷均", json!({})).await;
    let other_officer = app.create_user("OFFICER", "13900000002", "王芳", json!({})).await;
    let company = app.create_company("攀华板材有限公司", &credit_code(601)).await;
    let other_company = app.create_company("乙公司", &credit_code(602)).await;
    app.assign_officer(&company, &officer.id).await;
    app.assign_officer(&other_company, &other_officer.id).await;
    let staff = app
        .create_user("COMPANY", "13900000003", "李兴华", json!({ "companyId": company }))
        .await;
    Zone {
        officer,
        other_officer,
        company,
        other_company,
        staff,
    }
}

fn visit(company: &str, day: &str) -> serde_json::Value {
    json!({ "input": { "companyId": company, "visitedOn": day, "peopleMet": "李兴华（总经理）", "notes": "厂房漏水，企业不愿声张", "idempotencyKey": format!("{company}-{day}") } })
}

async fn an_officer_records_a_visit_and_raises_a_request_from_it(app: TestApp) {
    let z = zone(&app).await;
    let data = app.ok(&z.officer.token, RECORD, visit(&z.company, "2026-03-02")).await;
    let recorded = &data["recordVisit"]["visit"];
    assert_eq!(recorded["visitedOn"], "2026-03-02");
    assert_eq!(recorded["notes"], "厂房漏水，企业不愿声张");
    assert_eq!(recorded["officer"]["id"], z.officer.id.as_str());
    let visit_id = recorded["id"].as_str().unwrap().to_string();
    // A retry with the same key gives the same visit.
    let again = app.ok(&z.officer.token, RECORD, visit(&z.company, "2026-03-02")).await;
    assert_eq!(again["recordVisit"]["visit"]["id"], visit_id.as_str());
    assert_eq!(app.count("visits").await, 1);

    let input = json!({ "kind": "PROBLEM", "categoryId": "cat_6", "title": "厂房屋顶漏水", "description": "走访时发现", "idempotencyKey": "visit-req-1" });
    let data = app
        .ok(&z.officer.token, RAISE, json!({ "v": visit_id, "input": input }))
        .await;
    let raised = &data["raiseRequestFromVisit"];
    assert_eq!(raised["request"]["channel"], "VISIT");
    assert_eq!(raised["request"]["status"], "SUBMITTED");
    assert_eq!(raised["request"]["company"]["id"], z.company.as_str());
    assert_eq!(raised["request"]["officer"]["id"], z.officer.id.as_str());
    let request_id = raised["request"]["id"].clone();
    assert_eq!(raised["visit"]["requests"], json!([{ "id": request_id }]));
    // Retrying links nothing twice.
    app.ok(&z.officer.token, RAISE, json!({ "v": visit_id, "input": input }))
        .await;
    assert_eq!(app.count("visit_requests").await, 1);
    assert_eq!(app.count("requests").await, 1);

    // Not to a company the officer does not serve, not in the future, not by someone else.
    assert_eq!(
        app.error_code(Some(&z.officer.token), RECORD, visit(&z.other_company, "2026-03-01"))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.error_code(Some(&z.officer.token), RECORD, visit(&z.company, "2026-03-03"))
            .await,
        "BAD_USER_INPUT"
    );
    assert_eq!(
        app.error_code(Some(&app.admin_token), RECORD, visit(&z.company, "2026-03-01"))
            .await,
        "FORBIDDEN"
    );
    let other = json!({ "v": visit_id, "input": { "kind": "PROBLEM", "categoryId": "cat_6", "title": "x", "description": "y" } });
    assert_eq!(
        app.error_code(Some(&z.other_officer.token), RAISE, other.clone()).await,
        "NOT_FOUND"
    );
    assert_eq!(app.error_code(Some(&z.staff.token), RAISE, other).await, "FORBIDDEN");
}

async fn visits_are_seen_by_role(app: TestApp) {
    let z = zone(&app).await;
    app.ok(&z.officer.token, RECORD, visit(&z.company, "2026-02-20")).await;
    app.ok(&z.other_officer.token, RECORD, visit(&z.other_company, "2026-02-21"))
        .await;

    let all = app.ok(&app.admin_token, LIST, json!({})).await;
    assert_eq!(all["visits"]["totalCount"], 2);
    let mine = app.ok(&z.officer.token, LIST, json!({})).await;
    assert_eq!(mine["visits"]["totalCount"], 1);
    assert_eq!(mine["visits"]["edges"][0]["node"]["notes"], "厂房漏水，企业不愿声张");
    // The company sees its visit and who was met, never the notes.
    let theirs = app.ok(&z.staff.token, LIST, json!({})).await;
    assert_eq!(theirs["visits"]["totalCount"], 1);
    let node = &theirs["visits"]["edges"][0]["node"];
    assert_eq!(node["company"]["id"], z.company.as_str());
    assert_eq!(node["peopleMet"], "李兴华（总经理）");
    assert_eq!(node["notes"], serde_json::Value::Null);
    assert_eq!(
        app.error_code(
            Some(&z.staff.token),
            LIST,
            json!({ "f": { "companyId": z.other_company } })
        )
        .await,
        "FORBIDDEN"
    );
    let ranged = app
        .ok(
            &app.admin_token,
            LIST,
            json!({ "f": { "from": "2026-02-21", "to": "2026-02-28" } }),
        )
        .await;
    assert_eq!(ranged["visits"]["totalCount"], 1);
    let department = app.create_department("城市管理局").await;
    let clerk = app
        .create_user(
            "DEPARTMENT",
            "13900000004",
            "赵科员",
            json!({ "departmentId": department }),
        )
        .await;
    assert_eq!(app.error_code(Some(&clerk.token), LIST, json!({})).await, "FORBIDDEN");
}

async fn admins_see_visit_coverage_per_officer(app: TestApp) {
    let z = zone(&app).await;
    let third = app.create_company("丙公司", &credit_code(603)).await;
    app.assign_officer(&third, &z.officer.id).await;
    app.ok(&z.officer.token, RECORD, visit(&z.company, "2026-02-10")).await;
    app.ok(&z.officer.token, RECORD, visit(&z.company, "2026-02-11")).await;
    app.ok(&z.officer.token, RECORD, visit(&third, "2026-01-05")).await;
    const COVERAGE: &str = "query($from: Date!, $to: Date!) { visitCoverage(from: $from, to: $to) { totalCount edges { node { officer { id } companiesServed companiesVisited rate } } } }";
    let data = app
        .ok(
            &app.admin_token,
            COVERAGE,
            json!({ "from": "2026-02-01", "to": "2026-02-28" }),
        )
        .await;
    assert_eq!(
        data["visitCoverage"]["edges"],
        json!([
            { "node": { "officer": { "id": z.officer.id }, "companiesServed": 2, "companiesVisited": 1, "rate": 0.5 } },
            { "node": { "officer": { "id": z.other_officer.id }, "companiesServed": 1, "companiesVisited": 0, "rate": 0.0 } },
        ])
    );
    let vars = json!({ "from": "2026-01-01", "to": "2026-02-28" });
    let data = app.ok(&app.admin_token, COVERAGE, vars.clone()).await;
    assert_eq!(data["visitCoverage"]["edges"][0]["node"]["rate"], 1.0);
    assert_eq!(
        app.error_code(Some(&z.officer.token), COVERAGE, vars).await,
        "FORBIDDEN"
    );
}
