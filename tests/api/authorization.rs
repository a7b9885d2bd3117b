//! The role matrix: each role reaches only its own part of the zone, and refused attempts change
//! nothing.

use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::{credit_code, TestApp, TestUser};

struct Zone {
    company_a: String,
    company_b: String,
    staff_a: TestUser,
    staff_b: TestUser,
    officer_a: TestUser,
    officer_b: TestUser,
    department_a: String,
    department_b: String,
    dept_staff_a: TestUser,
    dept_staff_b: TestUser,
}

async fn zone(app: &TestApp) -> Zone {
    let officer_a = app.create_user("OFFICER", "13600000001", "甲专员", json!({})).await;
    let officer_b = app.create_user("OFFICER", "13600000002", "乙专员", json!({})).await;
    let company_a = app.create_company("甲公司", &credit_code(501)).await;
    let company_b = app.create_company("乙公司", &credit_code(502)).await;
    app.assign_officer(&company_a, &officer_a.id).await;
    app.assign_officer(&company_b, &officer_b.id).await;
    let staff_a = app
        .create_user(
            "COMPANY",
            "13600000003",
            "甲员工",
            json!({ "companyId": company_a, "principal": true }),
        )
        .await;
    let staff_b = app
        .create_user("COMPANY", "13600000004", "乙员工", json!({ "companyId": company_b }))
        .await;
    let department_a = app.create_department("供电公司").await;
    let department_b = app.create_department("自来水公司").await;
    let dept_staff_a = app
        .create_user(
            "DEPARTMENT",
            "13600000005",
            "供电小刘",
            json!({ "departmentId": department_a }),
        )
        .await;
    let dept_staff_b = app
        .create_user(
            "DEPARTMENT",
            "13600000006",
            "水务小陈",
            json!({ "departmentId": department_b }),
        )
        .await;
    Zone {
        company_a,
        company_b,
        staff_a,
        staff_b,
        officer_a,
        officer_b,
        department_a,
        department_b,
        dept_staff_a,
        dept_staff_b,
    }
}

backend_tests!(
    company_staff_see_only_their_company,
    officers_see_only_the_companies_they_serve,
    department_staff_see_only_their_department,
    only_admins_administer,
    unauthenticated_callers_reach_nothing,
);

fn ids(list: &Value) -> Vec<String> {
    list["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap().to_string())
        .collect()
}

async fn company_staff_see_only_their_company(app: TestApp) {
    let z = zone(&app).await;
    let token = z.staff_a.token.as_str();
    let own = app
        .ok(
            token,
            "query($id: ID!) { company(id: $id) { name officer { name phone } staff { name } } }",
            json!({ "id": z.company_a }),
        )
        .await;
    assert_eq!(
        own["company"]["officer"]["name"], "甲专员",
        "staff see their officer's contact"
    );
    let listed = app
        .ok(token, "{ companies { totalCount edges { node { id } } } }", json!({}))
        .await;
    assert_eq!(ids(&listed["companies"]), [z.company_a.as_str()]);

    let q_company = "query($id: ID!) { company(id: $id) { name } }";
    assert_eq!(
        app.error_code(Some(token), q_company, json!({ "id": z.company_b }))
            .await,
        "NOT_FOUND"
    );
    let q_user = "query($id: ID!) { user(id: $id) { name } }";
    assert_eq!(
        app.error_code(Some(token), q_user, json!({ "id": z.staff_b.id })).await,
        "NOT_FOUND"
    );
    assert_eq!(
        app.error_code(Some(token), q_user, json!({ "id": z.officer_b.id }))
            .await,
        "NOT_FOUND"
    );
    assert_eq!(
        app.error_code(Some(token), q_user, json!({ "id": z.dept_staff_a.id }))
            .await,
        "NOT_FOUND"
    );
    app.ok(token, q_user, json!({ "id": z.officer_a.id })).await;
    assert_eq!(
        app.error_code(Some(token), "{ departments { totalCount } }", json!({}))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.error_code(
            Some(token),
            "query($id: ID!) { department(id: $id) { name } }",
            json!({ "id": z.department_a })
        )
        .await,
        "NOT_FOUND"
    );
    assert_eq!(
        app.error_code(Some(token), "{ users { totalCount } }", json!({})).await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.error_code(Some(token), "{ officers { totalCount } }", json!({}))
            .await,
        "FORBIDDEN"
    );
    let q_history = "query($id: ID!) { company(id: $id) { officerAssignments { reason } } }";
    assert_eq!(
        app.error_code(Some(token), q_history, json!({ "id": z.company_a }))
            .await,
        "FORBIDDEN"
    );
}

async fn officers_see_only_the_companies_they_serve(app: TestApp) {
    let z = zone(&app).await;
    let token = z.officer_a.token.as_str();
    let listed = app
        .ok(token, "{ companies { edges { node { id } } } }", json!({}))
        .await;
    assert_eq!(ids(&listed["companies"]), [z.company_a.as_str()]);
    let own = app
        .ok(
            token,
            "query($id: ID!) { company(id: $id) { staff { name } principal { name } officerAssignments { reason } } }",
            json!({ "id": z.company_a }),
        )
        .await;
    assert_eq!(own["company"]["principal"]["name"], "甲员工");
    app.ok(
        token,
        "query($id: ID!) { user(id: $id) { name phone } }",
        json!({ "id": z.staff_a.id }),
    )
    .await;

    assert_eq!(
        app.error_code(
            Some(token),
            "query($id: ID!) { company(id: $id) { name } }",
            json!({ "id": z.company_b })
        )
        .await,
        "NOT_FOUND"
    );
    assert_eq!(
        app.error_code(
            Some(token),
            "query($id: ID!) { user(id: $id) { name } }",
            json!({ "id": z.staff_b.id })
        )
        .await,
        "NOT_FOUND"
    );
    assert_eq!(
        app.error_code(
            Some(token),
            "query($o: ID) { companies(filter: { officerId: $o }) { totalCount } }",
            json!({ "o": z.officer_b.id })
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.error_code(Some(token), "{ companiesWithoutOfficer { totalCount } }", json!({}))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.error_code(
            Some(token),
            "query($id: ID!) { department(id: $id) { staff { name } } }",
            json!({ "id": z.department_a })
        )
        .await,
        "FORBIDDEN"
    );
    let before = app.count("officer_assignments").await;
    let steal = "mutation($c: ID!, $o: ID!) { assignOfficer(companyId: $c, officerId: $o, reason: \"mine\") { assignment { id } } }";
    assert_eq!(
        app.error_code(Some(token), steal, json!({ "c": z.company_b, "o": z.officer_a.id }))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(app.count("officer_assignments").await, before);
}

async fn department_staff_see_only_their_department(app: TestApp) {
    let z = zone(&app).await;
    let token = z.dept_staff_a.token.as_str();
    let own = app
        .ok(
            token,
            "query($id: ID!) { department(id: $id) { name staff { name } } }",
            json!({ "id": z.department_a }),
        )
        .await;
    assert_eq!(own["department"]["staff"][0]["name"], "供电小刘");
    assert_eq!(
        app.error_code(
            Some(token),
            "query($id: ID!) { department(id: $id) { staff { name } } }",
            json!({ "id": z.department_b })
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.error_code(
            Some(token),
            "query($id: ID!) { user(id: $id) { name } }",
            json!({ "id": z.dept_staff_b.id })
        )
        .await,
        "NOT_FOUND"
    );
    assert_eq!(
        app.error_code(
            Some(token),
            "query($id: ID!) { company(id: $id) { name } }",
            json!({ "id": z.company_a })
        )
        .await,
        "NOT_FOUND"
    );
    assert_eq!(
        app.error_code(Some(token), "{ companies { totalCount } }", json!({}))
            .await,
        "FORBIDDEN"
    );
    let _ = (&z.company_b, &z.staff_a);
}

async fn only_admins_administer(app: TestApp) {
    let z = zone(&app).await;
    let before = (
        app.count("companies").await,
        app.count("users").await,
        app.count("departments").await,
        app.count("officer_assignments").await,
    );
    let attempts: Vec<(&str, Value)> = vec![
        ("mutation($c: String!) { createCompany(input: { name: \"冒名公司\", creditCode: $c }) { company { id } } }", json!({ "c": credit_code(599) })),
        ("mutation($id: ID!) { updateCompany(id: $id, input: { name: \"改名\" }) { company { id } } }", json!({ "id": z.company_a })),
        ("mutation($id: ID!) { disableCompany(id: $id) { company { id } } }", json!({ "id": z.company_a })),
        ("mutation { createUser(input: { role: ADMIN, phone: \"13600000099\", name: \"冒名\", password: \"secret-pass\" }) { user { id } } }", json!({})),
        ("mutation($id: ID!) { updateUser(id: $id, input: { name: \"改名\" }) { user { id } } }", json!({ "id": z.staff_b.id })),
        ("mutation($id: ID!) { disableUser(id: $id) { user { id } } }", json!({ "id": z.staff_b.id })),
        ("mutation($id: ID!) { resetUserPassword(id: $id) { temporaryPassword } }", json!({ "id": z.staff_b.id })),
        ("mutation { createDepartment(name: \"冒名部门\") { department { id } } }", json!({})),
        ("mutation($id: ID!) { disableDepartment(id: $id) { department { id } } }", json!({ "id": z.department_b })),
        ("mutation($c: ID!, $o: ID!) { assignOfficer(companyId: $c, officerId: $o, reason: \"x\") { assignment { id } } }", json!({ "c": z.company_b, "o": z.officer_a.id })),
    ];
    for user in [&z.staff_a, &z.officer_a, &z.dept_staff_a] {
        for (query, variables) in &attempts {
            let code = app.error_code(Some(&user.token), query, variables.clone()).await;
            assert_eq!(code, "FORBIDDEN", "{} ran {query}", user.phone);
        }
    }
    let after = (
        app.count("companies").await,
        app.count("users").await,
        app.count("departments").await,
        app.count("officer_assignments").await,
    );
    assert_eq!(before, after);
    let company = app
        .ok(
            &app.admin_token,
            "query($id: ID!) { company(id: $id) { name version disabled } }",
            json!({ "id": z.company_a }),
        )
        .await;
    assert_eq!(company["company"]["name"], "甲公司");
    assert_eq!(company["company"]["disabled"], false);
}

async fn unauthenticated_callers_reach_nothing(app: TestApp) {
    let z = zone(&app).await;
    for (query, variables) in [
        ("{ me { id } }", json!({})),
        ("{ companies { totalCount } }", json!({})),
        (
            "query($id: ID!) { company(id: $id) { name } }",
            json!({ "id": z.company_a }),
        ),
        ("{ departments { totalCount } }", json!({})),
        (
            "mutation { createDepartment(name: \"匿名\") { department { id } } }",
            json!({}),
        ),
        (
            "mutation { changePassword(oldPassword: \"a\", newPassword: \"bbbbbbbbbb\") { accessToken } }",
            json!({}),
        ),
    ] {
        assert_eq!(
            app.error_code(None, query, variables).await,
            "UNAUTHENTICATED",
            "{query}"
        );
    }
}
