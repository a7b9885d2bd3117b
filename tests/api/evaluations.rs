//! Twice-yearly officer evaluation: periods, votes, flags, replacement, pushes and privacy.

use chrono::{Duration, Utc};
use serde_json::{json, Value};
use zhitong::clock::Clock;

use crate::backend_tests;
use crate::fake_fcm::FakeFcm;
use crate::helpers::{credit_code, TestApp, TestUser};

backend_tests!(
    a_full_period_from_opening_to_replacement,
    refusals_change_nothing,
    officers_never_learn_which_company_voted_what,
    a_scheduled_period_opens_and_closes_by_itself,
);

const OPEN: &str = "mutation($y: Int!, $h: EvaluationHalf!, $o: DateTime!, $c: DateTime!) { openEvaluationPeriod(year: $y, half: $h, opensAt: $o, closesAt: $c) { period { id label status opensAt closesAt } } }";
const CLOSE: &str = "mutation($id: ID!) { closeEvaluationPeriod(id: $id) { period { id status closedAt } } }";
const VOTE: &str = "mutation($v: EvaluationVerdict!, $r: String, $o: ID) { castEvaluationVote(verdict: $v, reason: $r, officerId: $o) { vote { verdict reason officer { id } } period { id } } }";
const CURRENT: &str = "{ currentEvaluation { period { id label } officer { id } myVote { verdict reason } closesAt } }";
const RESULTS: &str = "query($id: ID!) { evaluationResults(periodId: $id) { final period { status } officers { officer { id } companies satisfied unsatisfied participation votes { company { id } verdict reason } nonVotingCompanies { company { id } reason } } companiesWithoutOfficer { company { id } reason } } }";
const FLAGS: &str = "query($s: ReplacementFlagStatus) { replacementFlags(status: $s) { id status reason company { id } officer { id } newOfficer { id } resolutionNote period { label } } }";
const SUMMARY: &str = "{ myEvaluationSummary { period { label } companies voted satisfied unsatisfied } }";
const REPLACE: &str = "mutation($c: ID!, $o: ID!, $n: String!) { replaceOfficer(companyId: $c, newOfficerId: $o, note: $n) { company { id officer { id } } assignment { reason } resolvedFlags { id status } } }";

fn iso(at: chrono::DateTime<Utc>) -> String {
    at.to_rfc3339()
}

/// Tokens that received a push of `kind`, sorted.
fn pushed(fake: &FakeFcm, kind: &str) -> Vec<String> {
    let mut tokens: Vec<String> = fake
        .accepted()
        .iter()
        .filter(|m| m["data"]["kind"] == kind)
        .map(|m| m["token"].as_str().unwrap().to_string())
        .collect();
    tokens.sort();
    tokens
}

async fn officer(app: &TestApp, phone: &str, name: &str) -> TestUser {
    app.create_user("OFFICER", phone, name, json!({})).await
}

async fn principal(app: &TestApp, company: &str, phone: &str) -> TestUser {
    app.create_user(
        "COMPANY",
        phone,
        "负责人",
        json!({ "companyId": company, "principal": true }),
    )
    .await
}

async fn open_period(app: &TestApp, half: &str, days: i64) -> String {
    let now = app.clock.now();
    let data = app
        .ok(
            &app.admin_token,
            OPEN,
            json!({ "y": 2026, "h": half, "o": iso(now - Duration::hours(1)), "c": iso(now + Duration::days(days)) }),
        )
        .await;
    assert_eq!(data["openEvaluationPeriod"]["period"]["status"], "OPEN");
    data["openEvaluationPeriod"]["period"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn vote(app: &TestApp, user: &TestUser, verdict: &str, reason: Option<&str>) -> Value {
    app.ok(&user.token, VOTE, json!({ "v": verdict, "r": reason })).await["castEvaluationVote"].clone()
}

fn officer_result<'a>(results: &'a Value, officer_id: &str) -> &'a Value {
    results["evaluationResults"]["officers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["officer"]["id"] == officer_id)
        .unwrap_or_else(|| panic!("no results for {officer_id}: {results:#}"))
}

async fn a_full_period_from_opening_to_replacement(mut app: TestApp) {
    let fake = FakeFcm::start().await;
    let o1 = officer(&app, "13600000001", "一号专员").await;
    let o2 = officer(&app, "13600000002", "二号专员").await;
    let o3 = officer(&app, "13600000003", "三号专员").await;
    let mut companies = Vec::new();
    for (n, o) in [(1, &o1), (2, &o1), (3, &o2), (4, &o2), (5, &o2)] {
        let c = app.create_company(&format!("评价企业{n}"), &credit_code(800 + n)).await;
        app.assign_officer(&c, &o.id).await;
        companies.push(c);
    }
    let (a, b, c, d, e) = (
        &companies[0],
        &companies[1],
        &companies[2],
        &companies[3],
        &companies[4],
    );
    let mut pa = principal(&app, a, "13600000011").await;
    let mut pb = principal(&app, b, "13600000012").await;
    let mut pc = principal(&app, c, "13600000013").await;
    let mut pe = principal(&app, e, "13600000015").await;
    // D has staff but no principal.
    let staff_d = app
        .create_user("COMPANY", "13600000014", "员工", json!({ "companyId": d }))
        .await;
    for (user, token) in [
        (&pa, "tok-pa"),
        (&pb, "tok-pb"),
        (&pc, "tok-pc"),
        (&pe, "tok-pe"),
        (&staff_d, "tok-d"),
        (&o1, "tok-o1"),
        (&o3, "tok-o3"),
    ] {
        app.register_device(&user.token, token, "zh-CN").await;
    }
    app.set_locale(&app.admin_token, "EN").await;
    app.register_device(&app.admin_token, "tok-admin", "en").await;
    app.push_worker(&fake).run_once().await.unwrap();

    // Opening pushes every principal, and nobody else.
    let period = open_period(&app, "H1", 10).await;
    app.push_worker(&fake).run_once().await.unwrap();
    assert_eq!(
        pushed(&fake, "EVALUATION_OPENED"),
        ["tok-pa", "tok-pb", "tok-pc", "tok-pe"]
    );
    let opened = fake.accepted_for("tok-pa").pop().unwrap();
    assert_eq!(opened["notification"]["title"], "半年评价开始");
    assert!(opened["notification"]["body"].as_str().unwrap().contains("2026-H1"));

    let current = app.ok(&pa.token, CURRENT, json!({})).await;
    assert_eq!(current["currentEvaluation"]["period"]["label"], "2026-H1");
    assert_eq!(current["currentEvaluation"]["officer"]["id"], o1.id.as_str());
    assert!(current["currentEvaluation"]["myVote"].is_null());

    // Votes: A satisfied, B unsatisfied, C unsatisfied and then satisfied; E never votes.
    let cast = vote(&app, &pa, "SATISFIED", None).await;
    assert_eq!(cast["vote"]["officer"]["id"], o1.id.as_str());
    vote(&app, &pb, "UNSATISFIED", Some("响应太慢")).await;
    vote(&app, &pc, "UNSATISFIED", Some("联系不上")).await;
    assert_eq!(app.count("replacement_flags").await, 2);
    vote(&app, &pc, "SATISFIED", Some("后来解决了")).await;
    assert_eq!(app.count("evaluation_votes").await, 3, "a changed vote stays one vote");
    let current = app.ok(&pc.token, CURRENT, json!({})).await;
    assert_eq!(current["currentEvaluation"]["myVote"]["verdict"], "SATISFIED");
    let open_flags = app.ok(&app.admin_token, FLAGS, json!({ "s": "OPEN" })).await;
    let open_flags = open_flags["replacementFlags"].as_array().unwrap().clone();
    assert_eq!(open_flags.len(), 1, "C's flag went with its vote: {open_flags:#?}");
    assert_eq!(open_flags[0]["company"]["id"], b.as_str());
    assert_eq!(open_flags[0]["officer"]["id"], o1.id.as_str());
    assert_eq!(open_flags[0]["reason"], "响应太慢");
    let withdrawn = app.ok(&app.admin_token, FLAGS, json!({ "s": "WITHDRAWN" })).await;
    assert_eq!(withdrawn["replacementFlags"][0]["company"]["id"], c.as_str());
    // The admins heard of both flags when they were raised.
    app.push_worker(&fake).run_once().await.unwrap();
    assert_eq!(pushed(&fake, "REPLACEMENT_FLAG_RAISED"), ["tok-admin", "tok-admin"]);
    // o1's eligibility is under review; o2's review went with C's flag.
    let eligibility = app
        .ok(
            &app.admin_token,
            "{ awardEligibility(year: 2026) { officer { id } year status } }",
            json!({}),
        )
        .await;
    assert_eq!(
        eligibility["awardEligibility"],
        json!([{ "officer": { "id": o1.id }, "year": 2026, "status": "UNDER_REVIEW" }])
    );

    // Seven days in, nothing to remind yet; at three days before closing, the non-voters, once.
    let report = zhitong::evaluations::worker::run_once(&app.state).await.unwrap();
    assert_eq!(report.reminded, 0);
    app.clock.advance(Duration::days(7));
    let report = zhitong::evaluations::worker::run_once(&app.state).await.unwrap();
    assert_eq!(report.reminded, 1);
    let again = zhitong::evaluations::worker::run_once(&app.state).await.unwrap();
    assert_eq!(again.reminded, 0);
    app.push_worker(&fake).run_once().await.unwrap();
    assert_eq!(pushed(&fake, "EVALUATION_CLOSING_SOON"), ["tok-pe"]);
    app.clock.advance(Duration::hours(1));
    zhitong::evaluations::worker::run_once(&app.state).await.unwrap();
    app.push_worker(&fake).run_once().await.unwrap();
    assert_eq!(pushed(&fake, "EVALUATION_CLOSING_SOON"), ["tok-pe"], "once only");

    // Closing at closesAt freezes the votes.
    app.clock.advance(Duration::days(3));
    let report = zhitong::evaluations::worker::run_once(&app.state).await.unwrap();
    assert_eq!(report.closed, 1);
    app.relogin_admin().await;
    for user in [&mut pa, &mut pb, &mut pc, &mut pe] {
        app.relogin(user).await;
    }
    let response = app
        .post(Some(&pa.token), VOTE, json!({ "v": "UNSATISFIED", "r": "改主意了" }))
        .await;
    assert_eq!(response["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(response["errors"][0]["extensions"]["reason"], "EVALUATION_CLOSED");
    assert!(app.ok(&pa.token, CURRENT, json!({})).await["currentEvaluation"].is_null());

    let results = app.ok(&app.admin_token, RESULTS, json!({ "id": period })).await;
    assert_eq!(results["evaluationResults"]["final"], true);
    let r1 = officer_result(&results, &o1.id);
    assert_eq!(
        (
            r1["companies"].as_i64(),
            r1["satisfied"].as_i64(),
            r1["unsatisfied"].as_i64()
        ),
        (Some(2), Some(1), Some(1))
    );
    assert_eq!(r1["participation"], 1.0);
    let r2 = officer_result(&results, &o2.id);
    assert_eq!(
        (
            r2["companies"].as_i64(),
            r2["satisfied"].as_i64(),
            r2["unsatisfied"].as_i64()
        ),
        (Some(3), Some(1), Some(0))
    );
    assert!((r2["participation"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-9);
    assert_eq!(
        r2["nonVotingCompanies"],
        json!([{ "company": { "id": d }, "reason": "NO_PRINCIPAL" }, { "company": { "id": e }, "reason": "NOT_VOTED" }])
    );
    assert_eq!(
        r2["votes"],
        json!([{ "company": { "id": c }, "verdict": "SATISFIED", "reason": "后来解决了" }])
    );

    // A fixed record: later reassignments and new companies change nothing.
    app.assign_officer(a, &o3.id).await;
    app.create_company("后来的企业", &credit_code(899)).await;
    let later = app.ok(&app.admin_token, RESULTS, json!({ "id": period })).await;
    assert_eq!(later, results);

    // Replacement: the suggestions skip the flagged officer, least loaded first.
    let suggested = app
        .ok(
            &app.admin_token,
            "query($c: ID!) { suggestedOfficers(companyId: $c) { officer { id } companies } }",
            json!({ "c": b }),
        )
        .await;
    assert_eq!(
        suggested["suggestedOfficers"],
        json!([{ "officer": { "id": o3.id }, "companies": 1 }, { "officer": { "id": o2.id }, "companies": 3 }])
    );
    let refused = app
        .error_code(
            Some(&app.admin_token),
            REPLACE,
            json!({ "c": b, "o": o1.id, "n": "换人" }),
        )
        .await;
    assert_eq!(refused, "BAD_USER_INPUT");
    app.push_worker(&fake).run_once().await.unwrap();
    let before_push = fake.accepted().len();
    let replaced = app
        .ok(
            &app.admin_token,
            REPLACE,
            json!({ "c": b, "o": o3.id, "n": "企业评价不满意" }),
        )
        .await;
    let replaced = &replaced["replaceOfficer"];
    assert_eq!(replaced["company"]["officer"]["id"], o3.id.as_str());
    assert!(replaced["assignment"]["reason"]
        .as_str()
        .unwrap()
        .contains("企业评价不满意"));
    assert_eq!(replaced["resolvedFlags"][0]["status"], "RESOLVED");
    assert_eq!(
        app.ok(&app.admin_token, FLAGS, json!({ "s": "OPEN" })).await["replacementFlags"],
        json!([])
    );
    let resolved = app.ok(&app.admin_token, FLAGS, json!({ "s": "RESOLVED" })).await;
    assert_eq!(resolved["replacementFlags"][0]["newOfficer"]["id"], o3.id.as_str());
    assert_eq!(resolved["replacementFlags"][0]["resolutionNote"], "企业评价不满意");
    app.push_worker(&fake).run_once().await.unwrap();
    let mut notified: Vec<(String, String)> = fake.accepted()[before_push..]
        .iter()
        .map(|m| {
            (
                m["token"].as_str().unwrap().to_string(),
                m["data"]["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    notified.sort();
    assert_eq!(
        notified,
        [
            ("tok-o1".to_string(), "OFFICER_RELEASED".to_string()),
            ("tok-o3".to_string(), "OFFICER_ASSIGNED".to_string()),
            ("tok-pb".to_string(), "COMPANY_OFFICER_CHANGED".to_string()),
        ]
    );

    // The admin's determination of o1's eligibility.
    let decided = app
        .ok(
            &app.admin_token,
            "mutation($o: ID!) { setAwardEligibility(officerId: $o, year: 2026, eligible: false, note: \"企业不满意\") { eligibility { status note decidedBy { id } } } }",
            json!({ "o": o1.id }),
        )
        .await;
    assert_eq!(decided["setAwardEligibility"]["eligibility"]["status"], "INELIGIBLE");
    assert_eq!(
        decided["setAwardEligibility"]["eligibility"]["decidedBy"]["id"],
        app.admin_id.as_str()
    );

    // The officer's own totals.
    let mut o1 = o1;
    app.relogin(&mut o1).await;
    let summary = app.ok(&o1.token, SUMMARY, json!({})).await;
    assert_eq!(
        summary["myEvaluationSummary"],
        json!([{ "period": { "label": "2026-H1" }, "companies": 2, "voted": 2, "satisfied": 1, "unsatisfied": 1 }])
    );
}

async fn refusals_change_nothing(app: TestApp) {
    let o1 = officer(&app, "13600000101", "一号专员").await;
    let o2 = officer(&app, "13600000102", "二号专员").await;
    let a = app.create_company("甲企业", &credit_code(811)).await;
    let b = app.create_company("乙企业", &credit_code(812)).await;
    app.assign_officer(&a, &o1.id).await;
    app.assign_officer(&b, &o2.id).await;
    let pa = principal(&app, &a, "13600000111").await;
    let colleague = app
        .create_user("COMPANY", "13600000112", "员工", json!({ "companyId": a }))
        .await;
    principal(&app, &b, "13600000113").await;
    let period = open_period(&app, "H2", 10).await;

    let tables = [
        "evaluation_votes",
        "replacement_flags",
        "notifications",
        "award_eligibility",
        "evaluation_periods",
    ];
    let mut before = Vec::new();
    for t in tables {
        before.push(app.count(t).await);
    }
    let code = |token: &str, vars: Value| {
        let token = token.to_string();
        let app = &app;
        async move { app.error_code(Some(&token), VOTE, vars).await }
    };
    assert_eq!(code(&colleague.token, json!({ "v": "SATISFIED" })).await, "FORBIDDEN");
    assert_eq!(code(&o1.token, json!({ "v": "SATISFIED" })).await, "FORBIDDEN");
    assert_eq!(code(&app.admin_token, json!({ "v": "SATISFIED" })).await, "FORBIDDEN");
    assert_eq!(
        code(&pa.token, json!({ "v": "UNSATISFIED", "r": "不好", "o": o2.id })).await,
        "BAD_USER_INPUT"
    );
    assert_eq!(code(&pa.token, json!({ "v": "UNSATISFIED" })).await, "BAD_USER_INPUT");
    assert_eq!(
        code(&pa.token, json!({ "v": "UNSATISFIED", "r": "   " })).await,
        "BAD_USER_INPUT"
    );
    assert_eq!(
        app.error_code(Some(&colleague.token), CURRENT, json!({})).await,
        "FORBIDDEN"
    );
    let now = app.clock.now();
    assert_eq!(
        app.error_code(
            Some(&app.admin_token),
            OPEN,
            json!({ "y": 2026, "h": "H2", "o": iso(now + Duration::days(30)), "c": iso(now + Duration::days(40)) }),
        )
        .await,
        "CONFLICT",
        "a second period for the same half"
    );
    assert_eq!(
        app.error_code(
            Some(&app.admin_token),
            OPEN,
            json!({ "y": 2027, "h": "H1", "o": iso(now + Duration::days(40)), "c": iso(now + Duration::days(30)) }),
        )
        .await,
        "BAD_USER_INPUT",
        "closesAt before opensAt"
    );
    assert_eq!(
        app.error_code(
            Some(&pa.token),
            OPEN,
            json!({ "y": 2027, "h": "H1", "o": iso(now + Duration::days(30)), "c": iso(now + Duration::days(40)) }),
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.error_code(
            Some(&app.admin_token),
            REPLACE,
            json!({ "c": a, "o": o2.id, "n": "没有旗标" })
        )
        .await,
        "BAD_USER_INPUT",
        "replaceOfficer needs an open flag"
    );
    for (t, n) in tables.iter().zip(&before) {
        assert_eq!(app.count(t).await, *n, "{t} changed");
    }

    // After closing, votes are refused and the period cannot close twice.
    app.ok(&app.admin_token, CLOSE, json!({ "id": period })).await;
    let response = app.post(Some(&pa.token), VOTE, json!({ "v": "SATISFIED" })).await;
    assert_eq!(response["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(response["errors"][0]["extensions"]["reason"], "EVALUATION_CLOSED");
    assert_eq!(
        app.error_code(Some(&app.admin_token), CLOSE, json!({ "id": period }))
            .await,
        "CONFLICT"
    );
    assert_eq!(app.count("evaluation_votes").await, 0);
    assert_eq!(app.count("replacement_flags").await, 0);
}

async fn officers_never_learn_which_company_voted_what(app: TestApp) {
    let o1 = officer(&app, "13600000201", "一号专员").await;
    let a = app.create_company("保密甲企业", &credit_code(821)).await;
    let b = app.create_company("保密乙企业", &credit_code(822)).await;
    app.assign_officer(&a, &o1.id).await;
    app.assign_officer(&b, &o1.id).await;
    let pa = principal(&app, &a, "13600000211").await;
    let pb = principal(&app, &b, "13600000212").await;
    let period = open_period(&app, "H1", 10).await;
    vote(&app, &pa, "SATISFIED", None).await;
    vote(&app, &pb, "UNSATISFIED", Some("秘密理由")).await;

    // No running totals while the period is open: each vote would show as it came in.
    assert_eq!(
        app.ok(&o1.token, SUMMARY, json!({})).await["myEvaluationSummary"],
        json!([])
    );
    app.ok(&app.admin_token, CLOSE, json!({ "id": period })).await;
    let summary = app.ok(&o1.token, SUMMARY, json!({})).await;
    assert_eq!(
        summary["myEvaluationSummary"],
        json!([{ "period": { "label": "2026-H1" }, "companies": 2, "voted": 2, "satisfied": 1, "unsatisfied": 1 }])
    );
    let text = summary.to_string();
    assert!(!text.contains(&a) && !text.contains(&b) && !text.contains("秘密理由"));

    for query in [
        RESULTS,
        FLAGS,
        "{ evaluationPeriods { id } }",
        "{ awardEligibility { status } }",
        CURRENT,
    ] {
        let response = app
            .post(Some(&o1.token), query, json!({ "id": period, "s": null }))
            .await;
        assert_eq!(
            response["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{query}: {response:#}"
        );
        assert!(!response.to_string().contains("秘密理由"));
    }
    assert_eq!(
        app.error_code(
            Some(&o1.token),
            "query($c: ID!) { suggestedOfficers(companyId: $c) { companies } }",
            json!({ "c": b })
        )
        .await,
        "FORBIDDEN"
    );
    // Nothing in the officer's inbox or company views tells them either.
    let inbox = app
        .ok(
            &o1.token,
            "{ notifications { edges { node { kind title body } } } companies { edges { node { id name } } } }",
            json!({}),
        )
        .await;
    let text = inbox.to_string();
    assert!(
        !text.contains("EVALUATION") && !text.contains("REPLACEMENT") && !text.contains("秘密理由"),
        "{text}"
    );
    // The schema offers no evaluation field on companies or users at all.
    let schema = zhitong::app::schema::sdl();
    for ty in ["type Company {", "type User {"] {
        let start = schema.find(ty).unwrap();
        let body = &schema[start..start + schema[start..].find("\n}").unwrap()];
        let fields: Vec<String> = body
            .lines()
            .map(str::trim)
            .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_lowercase()) && l.contains(':'))
            .map(|l| l.split([':', '(']).next().unwrap().to_lowercase())
            .collect();
        assert!(fields.len() > 5, "{fields:?}");
        for field in fields {
            assert!(
                !["evaluation", "vote", "verdict", "flag", "satisf"]
                    .iter()
                    .any(|w| field.contains(w)),
                "{ty} {field}"
            );
        }
    }
}

async fn a_scheduled_period_opens_and_closes_by_itself(mut app: TestApp) {
    let fake = FakeFcm::start().await;
    let o1 = officer(&app, "13600000301", "一号专员").await;
    let o2 = officer(&app, "13600000302", "二号专员").await;
    let o3 = officer(&app, "13600000303", "三号专员").await;
    let a = app.create_company("定时企业", &credit_code(831)).await;
    app.assign_officer(&a, &o1.id).await;
    let mut pa = principal(&app, &a, "13600000311").await;
    app.set_locale(&pa.token, "EN").await;
    app.register_device(&pa.token, "tok-pa", "en").await;
    let now = app.clock.now();
    let data = app
        .ok(
            &app.admin_token,
            OPEN,
            json!({ "y": 2026, "h": "H1", "o": iso(now + Duration::days(1)), "c": iso(now + Duration::days(15)) }),
        )
        .await;
    assert_eq!(data["openEvaluationPeriod"]["period"]["status"], "SCHEDULED");
    let period = data["openEvaluationPeriod"]["period"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(app.ok(&pa.token, CURRENT, json!({})).await["currentEvaluation"].is_null());
    assert_eq!(
        app.error_code(Some(&pa.token), VOTE, json!({ "v": "SATISFIED" })).await,
        "BAD_USER_INPUT"
    );

    app.clock.advance(Duration::days(1));
    let report = zhitong::evaluations::worker::run_once(&app.state).await.unwrap();
    assert_eq!((report.opened, report.reminded, report.closed), (1, 0, 0));
    app.push_worker(&fake).run_once().await.unwrap();
    assert_eq!(pushed(&fake, "EVALUATION_OPENED"), ["tok-pa"]);
    assert_eq!(
        fake.accepted_for("tok-pa").pop().unwrap()["notification"]["title"],
        "Officer evaluation open"
    );
    app.relogin_admin().await;
    app.relogin(&mut pa).await;

    // An unsatisfied vote, then the company is reassigned during the period: it votes on its
    // current officer, the old flag is withdrawn and one on the new officer raised.
    vote(&app, &pa, "UNSATISFIED", Some("不满意")).await;
    app.assign_officer(&a, &o2.id).await;
    let current = app.ok(&pa.token, CURRENT, json!({})).await;
    assert_eq!(current["currentEvaluation"]["officer"]["id"], o2.id.as_str());
    let cast = vote(&app, &pa, "UNSATISFIED", Some("还是不满意")).await;
    assert_eq!(cast["vote"]["officer"]["id"], o2.id.as_str());
    let open = app.ok(&app.admin_token, FLAGS, json!({ "s": "OPEN" })).await;
    assert_eq!(open["replacementFlags"].as_array().unwrap().len(), 1);
    assert_eq!(open["replacementFlags"][0]["officer"]["id"], o2.id.as_str());

    // Closed by the job at closesAt.
    app.clock.advance(Duration::days(14));
    let report = zhitong::evaluations::worker::run_once(&app.state).await.unwrap();
    assert_eq!(report.closed, 1);
    app.relogin_admin().await;
    let results = app.ok(&app.admin_token, RESULTS, json!({ "id": period })).await;
    assert_eq!(results["evaluationResults"]["period"]["status"], "CLOSED");
    assert_eq!(officer_result(&results, &o2.id)["unsatisfied"], 1);

    // Moved by hand with assignOfficer, the company keeps its flag; the flagged officer, now the
    // least loaded, is never suggested.
    app.assign_officer(&a, &o3.id).await;
    let suggested = app
        .ok(
            &app.admin_token,
            "query($c: ID!) { suggestedOfficers(companyId: $c) { officer { id } companies } }",
            json!({ "c": a }),
        )
        .await;
    assert_eq!(
        suggested["suggestedOfficers"],
        json!([{ "officer": { "id": o1.id }, "companies": 0 }])
    );

    // A disabled officer's flag still needs resolving, and can be.
    app.ok(
        &app.admin_token,
        "mutation($id: ID!) { disableUser(id: $id) { user { id } } }",
        json!({ "id": o2.id }),
    )
    .await;
    let open = app.ok(&app.admin_token, FLAGS, json!({ "s": "OPEN" })).await;
    assert_eq!(open["replacementFlags"][0]["officer"]["id"], o2.id.as_str());
    let replaced = app
        .ok(
            &app.admin_token,
            REPLACE,
            json!({ "c": a, "o": o1.id, "n": "专员已离岗" }),
        )
        .await;
    assert_eq!(replaced["replaceOfficer"]["resolvedFlags"][0]["status"], "RESOLVED");
    assert_eq!(replaced["replaceOfficer"]["company"]["officer"]["id"], o1.id.as_str());
}
