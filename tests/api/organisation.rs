//! Companies, departments, staff and officer assignments, administered through the explorer.

use serde_json::json;

use crate::backend_tests;
use crate::helpers::{credit_code, TestApp};

const CREATE_COMPANY: &str = "mutation($input: CreateCompanyInput!) { createCompany(input: $input) { company { id name creditCode version officer { id } } } }";
const CREATE_USER: &str =
    "mutation($input: CreateUserInput!) { createUser(input: $input) { user { id principal } initialPassword } }";
const ASSIGN: &str = "mutation($c: ID!, $o: ID!, $r: String!, $v: Int) { assignOfficer(companyId: $c, officerId: $o, reason: $r, version: $v) { company { version officer { id } } assignment { id active } } }";

backend_tests!(
    admin_builds_the_zone,
    reassignment_keeps_history_and_one_active_officer,
    bad_input_is_refused_and_writes_nothing,
    concurrent_reassignment_has_one_winner,
    companies_without_officer_lists_the_uncovered,
    a_generated_password_must_be_changed,
    lists_paginate_with_cursors,
);

async fn admin_builds_the_zone(app: TestApp) {
    let officer = app.create_user("OFFICER", "13700000001", "雷均", json!({})).await;
    let data = app
        .ok(
            &app.admin_token,
            CREATE_COMPANY,
            json!({ "input": { "name": "攀华板材有限公司", "creditCode": credit_code(1).to_lowercase(), "keyEnterprise": true, "officerId": officer.id } }),
        )
        .await;
    let company = &data["createCompany"]["company"];
    assert_eq!(company["creditCode"], credit_code(1), "codes are stored upper-case");
    assert_eq!(company["officer"]["id"], officer.id.as_str());
    let company_id = company["id"].as_str().unwrap().to_string();

    let department = app.create_department("城市管理局").await;
    let staff = app
        .ok(&app.admin_token, CREATE_USER, json!({ "input": { "role": "DEPARTMENT", "phone": "13700000002", "name": "城管小张", "password": "secret-pass-ward-5150", "departmentId": department } }))
        .await;
    assert!(staff["createUser"]["initialPassword"].is_null());

    let boss = app
        .ok(&app.admin_token, CREATE_USER, json!({ "input": { "role": "COMPANY", "phone": "13700000003", "name": "李兴华", "password": "secret-pass-ward-5150", "companyId": company_id, "principal": true } }))
        .await;
    let boss_id = boss["createUser"]["user"]["id"].as_str().unwrap().to_string();
    // A second principal takes the flag over.
    let deputy = app
        .ok(&app.admin_token, CREATE_USER, json!({ "input": { "role": "COMPANY", "phone": "13700000004", "name": "王经理", "password": "secret-pass-ward-5150", "companyId": company_id, "principal": true } }))
        .await;
    let deputy_id = deputy["createUser"]["user"]["id"].as_str().unwrap().to_string();
    let read = app
        .ok(&app.admin_token, "query($id: ID!) { company(id: $id) { keyEnterprise principal { id } staff { id principal } officer { name servedCompanyCount } } }", json!({ "id": company_id }))
        .await;
    assert_eq!(read["company"]["principal"]["id"], deputy_id.as_str());
    assert_eq!(read["company"]["staff"].as_array().unwrap().len(), 2);
    assert!(read["company"]["staff"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["id"] == boss_id.as_str() && s["principal"] == false));
    assert_eq!(read["company"]["officer"]["servedCompanyCount"], 1);

    let updated = app
        .ok(
            &app.admin_token,
            "mutation($id: ID!, $v: Int) { updateCompany(id: $id, version: $v, input: { address: \"涪陵高新区\" }) { company { address version } } }",
            json!({ "id": company_id, "v": 1 }),
        )
        .await;
    assert_eq!(updated["updateCompany"]["company"]["address"], "涪陵高新区");
    let stale = app
        .error_code(
            Some(&app.admin_token),
            "mutation($id: ID!, $v: Int) { updateCompany(id: $id, version: $v, input: { address: \"x\" }) { company { id } } }",
            json!({ "id": company_id, "v": 1 }),
        )
        .await;
    assert_eq!(stale, "CONFLICT");

    let me = app
        .ok(
            &officer.token,
            "{ me { servedCompanies { totalCount edges { node { name } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(me["me"]["servedCompanies"]["totalCount"], 1);
    assert_eq!(
        me["me"]["servedCompanies"]["edges"][0]["node"]["name"],
        "攀华板材有限公司"
    );

    let departments = app
        .ok(
            &officer.token,
            "{ departments { totalCount edges { node { name } } } }",
            json!({}),
        )
        .await;
    assert_eq!(departments["departments"]["totalCount"], 1);

    // Disabling a company disables its staff.
    app.ok(
        &app.admin_token,
        "mutation($id: ID!) { disableCompany(id: $id) { company { disabled } } }",
        json!({ "id": company_id }),
    )
    .await;
    let users = app
        .ok(
            &app.admin_token,
            "query($c: ID) { users(filter: { companyId: $c, includeDisabled: true }) { edges { node { disabled } } } }",
            json!({ "c": company_id }),
        )
        .await;
    assert!(users["users"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["node"]["disabled"] == true));
}

async fn reassignment_keeps_history_and_one_active_officer(app: TestApp) {
    let first = app.create_user("OFFICER", "13700000011", "一号专员", json!({})).await;
    let second = app.create_user("OFFICER", "13700000012", "二号专员", json!({})).await;
    let company = app.create_company("宝庄窗业有限公司", &credit_code(11)).await;
    app.assign_officer(&company, &first.id).await;
    let moved = app
        .ok(
            &app.admin_token,
            ASSIGN,
            json!({ "c": company, "o": second.id, "r": "评价不满意，更换专员" }),
        )
        .await;
    assert_eq!(moved["assignOfficer"]["company"]["officer"]["id"], second.id.as_str());
    let history = app
        .ok(&app.admin_token, "query($id: ID!) { company(id: $id) { officerAssignments { officer { id } active reason endReason endedAt } } }", json!({ "id": company }))
        .await;
    let rows = history["company"]["officerAssignments"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["officer"]["id"], second.id.as_str());
    assert_eq!(rows[0]["active"], true);
    assert_eq!(rows[1]["officer"]["id"], first.id.as_str());
    assert_eq!(rows[1]["active"], false);
    assert_eq!(rows[1]["endReason"], "评价不满意，更换专员");
    assert!(rows[1]["endedAt"].is_string());

    // The former officer no longer sees the company; the new one does.
    let query = "query($id: ID!) { company(id: $id) { name } }";
    assert_eq!(
        app.error_code(Some(&first.token), query, json!({ "id": company }))
            .await,
        "NOT_FOUND"
    );
    app.ok(&second.token, query, json!({ "id": company })).await;

    // Assigning the same officer again is refused.
    assert_eq!(
        app.error_code(
            Some(&app.admin_token),
            ASSIGN,
            json!({ "c": company, "o": second.id, "r": "again" })
        )
        .await,
        "BAD_USER_INPUT"
    );
}

async fn bad_input_is_refused_and_writes_nothing(app: TestApp) {
    let officer = app.create_user("OFFICER", "13700000021", "三号专员", json!({})).await;
    let company = app.create_company("德利发金属制品有限公司", &credit_code(21)).await;
    app.assign_officer(&company, &officer.id).await;
    let (companies, users, assignments) = (
        app.count("companies").await,
        app.count("users").await,
        app.count("officer_assignments").await,
    );

    let mut wrong_check = credit_code(22);
    let last = wrong_check.pop().unwrap();
    wrong_check.push(if last == '0' { '1' } else { '0' });
    let long_name = "企".repeat(3_500);
    let cases = [
        (
            CREATE_COMPANY,
            json!({ "input": { "name": "某公司", "creditCode": wrong_check } }),
            "BAD_USER_INPUT",
        ),
        (
            CREATE_COMPANY,
            json!({ "input": { "name": "某公司", "creditCode": "91110000" } }),
            "BAD_USER_INPUT",
        ),
        (
            CREATE_COMPANY,
            json!({ "input": { "name": "   ", "creditCode": credit_code(23) } }),
            "BAD_USER_INPUT",
        ),
        (
            CREATE_COMPANY,
            json!({ "input": { "name": long_name, "creditCode": credit_code(24) } }),
            "BAD_USER_INPUT",
        ),
        (
            CREATE_COMPANY,
            json!({ "input": { "name": "重复代码", "creditCode": credit_code(21) } }),
            "CONFLICT",
        ),
        (
            CREATE_USER,
            json!({ "input": { "role": "OFFICER", "phone": "1234567", "name": "某人", "password": "secret-pass-ward-5150" } }),
            "BAD_USER_INPUT",
        ),
        (
            CREATE_USER,
            json!({ "input": { "role": "OFFICER", "phone": "13700000029", "name": "", "password": "secret-pass-ward-5150" } }),
            "BAD_USER_INPUT",
        ),
        (
            CREATE_USER,
            json!({ "input": { "role": "OFFICER", "phone": "13700000029", "name": "x".repeat(10_000), "password": "secret-pass-ward-5150" } }),
            "BAD_USER_INPUT",
        ),
        (
            CREATE_USER,
            json!({ "input": { "role": "OFFICER", "phone": "13700000021", "name": "重号", "password": "secret-pass-ward-5150" } }),
            "CONFLICT",
        ),
        (
            CREATE_USER,
            json!({ "input": { "role": "COMPANY", "phone": "13700000029", "name": "无公司", "password": "secret-pass-ward-5150" } }),
            "BAD_USER_INPUT",
        ),
        (
            CREATE_USER,
            json!({ "input": { "role": "OFFICER", "phone": "13700000029", "name": "专员", "password": "secret-pass-ward-5150", "principal": true } }),
            "BAD_USER_INPUT",
        ),
        (
            CREATE_USER,
            json!({ "input": { "role": "OFFICER", "phone": "13700000029", "name": "专员", "password": "short" } }),
            "BAD_USER_INPUT",
        ),
        (
            ASSIGN,
            json!({ "c": company, "o": officer.id, "r": "again" }),
            "BAD_USER_INPUT",
        ),
        (
            ASSIGN,
            json!({ "c": company, "o": app.admin_id, "r": "not an officer" }),
            "BAD_USER_INPUT",
        ),
        (
            ASSIGN,
            json!({ "c": company, "o": officer.id, "r": "  " }),
            "BAD_USER_INPUT",
        ),
        (
            ASSIGN,
            json!({ "c": "cmp_999999", "o": officer.id, "r": "missing" }),
            "NOT_FOUND",
        ),
        (
            ASSIGN,
            json!({ "c": "usr_1", "o": officer.id, "r": "wrong kind of id" }),
            "BAD_USER_INPUT",
        ),
    ];
    for (query, variables, expected) in cases {
        let response = app.post(Some(&app.admin_token), query, variables.clone()).await;
        let code = &response["errors"][0]["extensions"]["code"];
        assert_eq!(code, expected, "{variables}: {response:#}");
        assert!(response["errors"][0]["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    assert_eq!(app.count("companies").await, companies);
    assert_eq!(app.count("users").await, users);
    assert_eq!(app.count("officer_assignments").await, assignments);

    // The database itself refuses a second active assignment for one company.
    let company_id: i64 = company.trim_start_matches("cmp_").parse().unwrap();
    let officer_id: i64 = officer.id.trim_start_matches("usr_").parse().unwrap();
    let refused = app
        .state
        .db
        .write(move |conn| {
            use diesel::prelude::*;
            use zhitong::db::schema::officer_assignments as oa;
            diesel::insert_into(oa::table)
                .values((
                    oa::company_id.eq(company_id),
                    oa::officer_id.eq(officer_id),
                    oa::reason.eq("direct insert"),
                    oa::started_at.eq(chrono::Utc::now().naive_utc()),
                ))
                .execute(&mut **conn)?;
            Ok(())
        })
        .await;
    assert!(
        matches!(refused, Err(zhitong::error::AppError::Conflict(_))),
        "{refused:?}"
    );
    assert_eq!(app.count("officer_assignments").await, assignments);
}

async fn concurrent_reassignment_has_one_winner(app: TestApp) {
    let first = app.create_user("OFFICER", "13700000031", "甲专员", json!({})).await;
    let b = app.create_user("OFFICER", "13700000032", "乙专员", json!({})).await;
    let c = app.create_user("OFFICER", "13700000033", "丙专员", json!({})).await;
    let other_admin = app.create_user("ADMIN", "13700000034", "另一管理员", json!({})).await;
    let company = app.create_company("青泰机械安装有限公司", &credit_code(31)).await;
    app.assign_officer(&company, &first.id).await;
    let officers = [first.id.clone(), b.id.clone(), c.id.clone()];
    for round in 0..3 {
        let now = app
            .ok(
                &app.admin_token,
                "query($id: ID!) { company(id: $id) { version officer { id } } }",
                json!({ "id": company }),
            )
            .await;
        let version = now["company"]["version"].clone();
        let current = now["company"]["officer"]["id"].as_str().unwrap();
        let candidates: Vec<&String> = officers.iter().filter(|o| o.as_str() != current).collect();
        let (left, right) = futures::join!(
            app.post(
                Some(&app.admin_token),
                ASSIGN,
                json!({ "c": company, "o": candidates[0], "r": "调整", "v": version })
            ),
            app.post(
                Some(&other_admin.token),
                ASSIGN,
                json!({ "c": company, "o": candidates[1], "r": "调整", "v": version })
            ),
        );
        let mut outcomes: Vec<String> = [&left, &right]
            .iter()
            .map(|r| {
                r["errors"][0]["extensions"]["code"]
                    .as_str()
                    .unwrap_or("OK")
                    .to_string()
            })
            .collect();
        outcomes.sort();
        assert_eq!(outcomes, ["CONFLICT", "OK"], "round {round}: {left:#} {right:#}");
        let history = app
            .ok(
                &app.admin_token,
                "query($id: ID!) { company(id: $id) { officerAssignments { active } } }",
                json!({ "id": company }),
            )
            .await;
        let active = history["company"]["officerAssignments"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["active"] == true)
            .count();
        assert_eq!(active, 1);
        assert_eq!(
            history["company"]["officerAssignments"].as_array().unwrap().len(),
            round + 2
        );
    }
}

async fn companies_without_officer_lists_the_uncovered(app: TestApp) {
    let officer = app.create_user("OFFICER", "13700000041", "丁专员", json!({})).await;
    let covered = app.create_company("有专员公司", &credit_code(41)).await;
    let uncovered = app.create_company("无专员公司", &credit_code(42)).await;
    let orphaned = app.create_company("专员停用公司", &credit_code(43)).await;
    let leaving = app.create_user("OFFICER", "13700000042", "离任专员", json!({})).await;
    app.assign_officer(&covered, &officer.id).await;
    app.assign_officer(&orphaned, &leaving.id).await;
    app.ok(
        &app.admin_token,
        "mutation($id: ID!) { disableUser(id: $id) { user { id } } }",
        json!({ "id": leaving.id }),
    )
    .await;
    let data = app
        .ok(
            &app.admin_token,
            "{ companiesWithoutOfficer { totalCount edges { node { id } } } }",
            json!({}),
        )
        .await;
    let ids: Vec<&str> = data["companiesWithoutOfficer"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [uncovered.as_str(), orphaned.as_str()]);
    assert_eq!(data["companiesWithoutOfficer"]["totalCount"], 2);
}

async fn a_generated_password_must_be_changed(app: TestApp) {
    let created = app
        .ok(
            &app.admin_token,
            CREATE_USER,
            json!({ "input": { "role": "OFFICER", "phone": "13700000051", "name": "新专员" } }),
        )
        .await;
    let password = created["createUser"]["initialPassword"]
        .as_str()
        .expect("a generated password")
        .to_string();
    assert!(password.len() >= 12);
    let session = app.login("13700000051", &password).await;
    let token = session["accessToken"].as_str().unwrap();
    let me = app.ok(token, "{ me { mustChangePassword } }", json!({})).await;
    assert_eq!(me["me"]["mustChangePassword"], true);
    app.ok(
        token,
        "mutation($o: String!) { changePassword(oldPassword: $o, newPassword: \"my-own-pass-word-2718\") { accessToken } }",
        json!({ "o": password }),
    )
    .await;
    let session = app.login("13700000051", "my-own-pass-word-2718").await;
    let me = app
        .ok(
            session["accessToken"].as_str().unwrap(),
            "{ me { mustChangePassword } }",
            json!({}),
        )
        .await;
    assert_eq!(me["me"]["mustChangePassword"], false);
}

async fn lists_paginate_with_cursors(app: TestApp) {
    for n in 0..7 {
        app.create_company(&format!("分页公司{n}"), &credit_code(100 + n)).await;
    }
    let query = "query($after: String) { companies(first: 3, after: $after, filter: { search: \"分页\" }) { totalCount pageInfo { hasNextPage endCursor } edges { node { name } } } }";
    let mut names = Vec::new();
    let mut after = serde_json::Value::Null;
    loop {
        let page = app.ok(&app.admin_token, query, json!({ "after": after })).await;
        assert_eq!(page["companies"]["totalCount"], 7);
        names.extend(
            page["companies"]["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"]["name"].as_str().unwrap().to_string()),
        );
        if page["companies"]["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = page["companies"]["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(names, (0..7).map(|n| format!("分页公司{n}")).collect::<Vec<_>>());
    assert_eq!(
        app.error_code(
            Some(&app.admin_token),
            "{ companies(first: 1000) { totalCount } }",
            json!({})
        )
        .await,
        "BAD_USER_INPUT"
    );
    assert_eq!(
        app.error_code(
            Some(&app.admin_token),
            "{ companies(after: \"nonsense\") { totalCount } }",
            json!({})
        )
        .await,
        "BAD_USER_INPUT"
    );
}
