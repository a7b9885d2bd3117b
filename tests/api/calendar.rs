//! The working calendar admins keep: holidays and make-up working days.

use serde_json::json;

use crate::backend_tests;
use crate::helpers::TestApp;

const DAYS: &str = "query($f: Date!, $t: Date!) { calendarDays(from: $f, to: $t) { date working kind note } }";
const SET: &str = "mutation($d: Date!, $k: DayKind, $n: String) { setCalendarDay(date: $d, kind: $k, note: $n) { day { date working kind note } } }";

backend_tests!(admins_keep_holidays_and_make_up_days);

async fn admins_keep_holidays_and_make_up_days(app: TestApp) {
    let week = app
        .ok(&app.admin_token, DAYS, json!({ "f": "2026-09-26", "t": "2026-10-02" }))
        .await;
    let working: Vec<bool> = week["calendarDays"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["working"].as_bool().unwrap())
        .collect();
    // Saturday 26 September to Friday 2 October, before any override.
    assert_eq!(working, [false, false, true, true, true, true, true]);

    app.ok(
        &app.admin_token,
        SET,
        json!({ "d": "2026-09-26", "k": "WORKDAY", "n": "国庆调休" }),
    )
    .await;
    for d in 1..=2 {
        app.ok(
            &app.admin_token,
            SET,
            json!({ "d": format!("2026-10-0{d}"), "k": "HOLIDAY", "n": "国庆节" }),
        )
        .await;
    }
    let week = app
        .ok(&app.admin_token, DAYS, json!({ "f": "2026-09-26", "t": "2026-10-02" }))
        .await;
    let days = week["calendarDays"].as_array().unwrap();
    let working: Vec<bool> = days.iter().map(|d| d["working"].as_bool().unwrap()).collect();
    assert_eq!(working, [true, false, true, true, true, false, false]);
    assert_eq!(days[0]["kind"], "WORKDAY");
    assert_eq!(days[0]["note"], "国庆调休");
    assert_eq!(days[5]["kind"], "HOLIDAY");
    assert!(days[2]["kind"].is_null());

    // Changing a day replaces its kind; no kind makes it ordinary again.
    let changed = app
        .ok(&app.admin_token, SET, json!({ "d": "2026-10-02", "k": "WORKDAY" }))
        .await;
    assert_eq!(changed["setCalendarDay"]["day"]["working"], true);
    let cleared = app.ok(&app.admin_token, SET, json!({ "d": "2026-10-02" })).await;
    assert_eq!(cleared["setCalendarDay"]["day"]["kind"], serde_json::Value::Null);
    assert_eq!(cleared["setCalendarDay"]["day"]["working"], true, "an ordinary Friday");
    assert_eq!(app.count("calendar_days").await, 2);

    // Bad input and other roles change nothing.
    let officer = app.create_user("OFFICER", "13300000001", "专员", json!({})).await;
    assert_eq!(
        app.error_code(Some(&officer.token), SET, json!({ "d": "2026-10-03", "k": "HOLIDAY" }))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.error_code(
            Some(&officer.token),
            DAYS,
            json!({ "f": "2026-10-01", "t": "2026-10-07" })
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.error_code(
            Some(&app.admin_token),
            DAYS,
            json!({ "f": "2026-10-07", "t": "2026-10-01" })
        )
        .await,
        "BAD_USER_INPUT"
    );
    assert_eq!(
        app.error_code(
            Some(&app.admin_token),
            DAYS,
            json!({ "f": "2026-01-01", "t": "2027-12-31" })
        )
        .await,
        "BAD_USER_INPUT"
    );
    let bad_date = app
        .post(
            Some(&app.admin_token),
            SET,
            json!({ "d": "2026-02-30", "k": "HOLIDAY" }),
        )
        .await;
    assert!(bad_date["errors"][0]["extensions"]["code"].is_string(), "{bad_date:#}");
    assert_eq!(app.count("calendar_days").await, 2);
}

const POLICIES: &str =
    "{ slaPolicies { subject coordinated urgency firstReply { amount unit } resolve { amount unit } } }";
const SET_POLICY: &str =
    "mutation($s: SlaSubject!, $c: Boolean!, $u: Urgency! = NORMAL, $f: TimeLimitInput!, $r: TimeLimitInput) {
    setSlaPolicy(subject: $s, coordinated: $c, urgency: $u, firstReply: $f, resolve: $r) {
        policy { subject coordinated urgency firstReply { amount unit } resolve { amount unit } } } }";

backend_tests!(admins_keep_the_time_limit_policies);

async fn admins_keep_the_time_limit_policies(app: TestApp) {
    let policies = app.ok(&app.admin_token, POLICIES, json!({})).await;
    let find = |subject: &str, coordinated: bool| {
        policies["slaPolicies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["subject"] == subject && p["coordinated"] == coordinated && p["urgency"] == "NORMAL")
            .cloned()
            .unwrap_or_else(|| panic!("no {subject} policy"))
    };
    // The defaults of the zone's rules.
    assert_eq!(
        find("CONSULTATION", false)["firstReply"],
        json!({ "amount": 0, "unit": "SAME_DAY" })
    );
    assert_eq!(
        find("PROBLEM", false)["resolve"],
        json!({ "amount": 24, "unit": "HOURS" })
    );
    assert_eq!(
        find("PROBLEM", true)["firstReply"],
        json!({ "amount": 48, "unit": "HOURS" })
    );
    assert_eq!(
        find("PROBLEM", true)["resolve"],
        json!({ "amount": 5, "unit": "WORKING_DAYS" })
    );
    assert_eq!(
        find("DEPARTMENT_TASK", false)["firstReply"],
        json!({ "amount": 3, "unit": "WORKING_DAYS" })
    );
    assert!(find("DEPARTMENT_TASK", false)["resolve"].is_null());
    // Every kind, tier and urgency has a policy; urgent ones start with the ordinary limits.
    assert_eq!(policies["slaPolicies"].as_array().unwrap().len(), 20);
    let urgent_problem = policies["slaPolicies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["subject"] == "PROBLEM" && p["coordinated"] == false && p["urgency"] == "URGENT")
        .cloned()
        .expect("an urgent problem policy");
    assert_eq!(urgent_problem["firstReply"], json!({ "amount": 24, "unit": "HOURS" }));

    let urgent = app
        .ok(
            &app.admin_token,
            SET_POLICY,
            json!({ "s": "PROBLEM", "c": false, "u": "URGENT", "f": { "amount": 4, "unit": "HOURS" }, "r": { "amount": 8, "unit": "HOURS" } }),
        )
        .await;
    assert_eq!(urgent["setSlaPolicy"]["policy"]["urgency"], "URGENT");
    let after_urgent = app.ok(&app.admin_token, POLICIES, json!({})).await;
    let normal_problem = after_urgent["slaPolicies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["subject"] == "PROBLEM" && p["coordinated"] == false && p["urgency"] == "NORMAL")
        .cloned()
        .unwrap();
    assert_eq!(
        normal_problem["firstReply"],
        json!({ "amount": 24, "unit": "HOURS" }),
        "the ordinary tier keeps its limits"
    );

    let changed = app
        .ok(
            &app.admin_token,
            SET_POLICY,
            json!({ "s": "COMPLAINT", "c": false, "f": { "amount": 12, "unit": "HOURS" }, "r": { "amount": 2, "unit": "WORKING_DAYS" } }),
        )
        .await;
    assert_eq!(changed["setSlaPolicy"]["policy"]["firstReply"]["amount"], 12);

    let before = app.ok(&app.admin_token, POLICIES, json!({})).await;
    let refused = [
        json!({ "s": "PROBLEM", "c": false, "f": { "amount": 0, "unit": "HOURS" }, "r": { "amount": 24, "unit": "HOURS" } }),
        json!({ "s": "PROBLEM", "c": false, "f": { "amount": 3, "unit": "SAME_DAY" }, "r": { "amount": 24, "unit": "HOURS" } }),
        json!({ "s": "PROBLEM", "c": false, "f": { "amount": 24, "unit": "HOURS" } }),
        json!({ "s": "DEPARTMENT_TASK", "c": false, "f": { "amount": 3, "unit": "WORKING_DAYS" }, "r": { "amount": 1, "unit": "HOURS" } }),
        json!({ "s": "PROBLEM", "c": true, "f": { "amount": 99999, "unit": "HOURS" }, "r": { "amount": 5, "unit": "WORKING_DAYS" } }),
    ];
    let null_urgency = json!({ "s": "PROBLEM", "c": false, "f": { "amount": 1, "unit": "HOURS" }, "r": { "amount": 1, "unit": "HOURS" } });
    // An unset nullable variable in the defaulted argument is the client's error, not ours.
    let nullable = SET_POLICY.replace("$u: Urgency! = NORMAL", "$u: Urgency");
    assert_eq!(
        app.error_code(Some(&app.admin_token), &nullable, null_urgency).await,
        "BAD_USER_INPUT"
    );
    for variables in refused {
        assert_eq!(
            app.error_code(Some(&app.admin_token), SET_POLICY, variables.clone())
                .await,
            "BAD_USER_INPUT",
            "{variables}"
        );
    }
    let officer = app.create_user("OFFICER", "13300000002", "专员", json!({})).await;
    assert_eq!(
        app.error_code(Some(&officer.token), POLICIES, json!({})).await,
        "FORBIDDEN"
    );
    let attempt = json!({ "s": "PROBLEM", "c": false, "f": { "amount": 1, "unit": "HOURS" }, "r": { "amount": 1, "unit": "HOURS" } });
    assert_eq!(
        app.error_code(Some(&officer.token), SET_POLICY, attempt).await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.ok(&app.admin_token, POLICIES, json!({})).await,
        before,
        "refusals change nothing"
    );
}
