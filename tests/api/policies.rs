//! Company profiles, policies matched to them and pushed once, the uptake funnel and who sees
//! what: a policy for 专精特新 manufacturers with under 300 employees reaches exactly those
//! companies, once, even when published twice or when profiles change at once.

use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::{credit_code, TestApp, TestUser};

backend_tests!(
    a_policy_reaches_exactly_the_matching_companies_once,
    a_profile_change_makes_a_company_newly_eligible_and_it_is_told,
    the_funnel_counts_follow_a_scripted_sequence,
    companies_and_officers_see_only_their_own,
    bad_policies_and_profiles_are_refused_and_write_nothing
);

const PROFILE: &str = "mutation($c: ID!, $v: Int, $input: CompanyProfileInput!) { updateCompanyProfile(companyId: $c, version: $v, input: $input) { policiesTold profile { scale employees industryCode area tags version } } }";
const CREATE: &str = "mutation($input: PolicyInput!) { createPolicy(input: $input) { id status version } }";
const PUBLISH: &str =
    "mutation($id: ID!) { publishPolicy(id: $id) { companiesTold policy { id status publishedAt } } }";
const INBOX: &str = "{ notifications { totalCount edges { node { kind title body companyId } } } }";
const FUNNEL: &str =
    "query($id: ID!) { policy(id: $id) { funnel { eligible delivered read asked applied granted grantedAmount } } }";
const UPTAKE: &str = "query($id: ID!, $n: Boolean) { policy(id: $id) { uptake(notApplied: $n) { company { id } eligible deliveredAt readAt askedAt appliedAt grantedAt grantedAmount } } }";
const MY: &str = "{ myPolicies { policy { id title } readAt askedAt appliedAt grantedAt request { id kind } } }";
const APPLY: &str = "mutation($p: ID!, $c: ID) { markPolicyApplied(policyId: $p, companyId: $c) { appliedAt } }";
const GRANT: &str = "mutation($p: ID!, $c: ID!, $a: Int) { recordPolicyGrant(policyId: $p, companyId: $c, amount: $a, note: \"首批拨付\") { grantedAt grantedAmount grantNote } }";

struct Firm {
    id: String,
    staff: TestUser,
}

struct Zone {
    officer_a: TestUser,
    officer_b: TestUser,
    /// 专精特新, C3360, 120 employees (officer A): eligible.
    c1: Firm,
    /// 专精特新, C3450, 500 employees (officer A): too big.
    c2: Firm,
    /// 专精特新, F5191 wholesale, 50 employees (officer B): not manufacturing.
    c3: Firm,
    /// C3911, no tag, 80 employees (officer B): not 专精特新.
    c4: Firm,
    /// 专精特新, C2710, 299 employees (officer B): eligible.
    c5: Firm,
}

async fn profile(app: &TestApp, token: &str, company: &str, input: Value) -> Value {
    app.ok(token, PROFILE, json!({ "c": company, "input": input })).await["updateCompanyProfile"].clone()
}

async fn zone(app: &TestApp) -> Zone {
    let officer_a = app.create_user("OFFICER", "13900000101", "雷均", json!({})).await;
    let officer_b = app.create_user("OFFICER", "13900000102", "王芳", json!({})).await;
    let rows = [
        (
            "攀华板材有限公司",
            "13900000111",
            "C3360",
            120,
            vec!["专精特新", "高新技术企业"],
            "北区",
            &officer_a,
        ),
        (
            "长春一汽配套有限公司",
            "13900000112",
            "C3450",
            500,
            vec!["专精特新"],
            "北区",
            &officer_a,
        ),
        (
            "宏达商贸有限公司",
            "13900000113",
            "F5191",
            50,
            vec!["专精特新"],
            "南区",
            &officer_b,
        ),
        (
            "新光电子有限公司",
            "13900000114",
            "C3911",
            80,
            vec![],
            "南区",
            &officer_b,
        ),
        (
            "瑞丰化工有限公司",
            "13900000115",
            "C2710",
            299,
            vec!["专精特新", "外资"],
            "东区",
            &officer_b,
        ),
    ];
    let mut firms = Vec::new();
    for (i, (name, phone, code, employees, tags, area, officer)) in rows.into_iter().enumerate() {
        let id = app.create_company(name, &credit_code(700 + i as u32)).await;
        app.assign_officer(&id, &officer.id).await;
        let staff = app
            .create_user("COMPANY", phone, "企业联系人", json!({ "companyId": id }))
            .await;
        profile(
            app,
            &app.admin_token,
            &id,
            json!({ "scale": "SMALL", "employees": employees, "industryCode": code, "area": area, "tags": tags }),
        )
        .await;
        firms.push(Firm { id, staff });
    }
    let mut firms = firms.into_iter();
    Zone {
        officer_a,
        officer_b,
        c1: firms.next().unwrap(),
        c2: firms.next().unwrap(),
        c3: firms.next().unwrap(),
        c4: firms.next().unwrap(),
        c5: firms.next().unwrap(),
    }
}

fn specialised_manufacturers() -> Value {
    json!({ "input": {
        "title": "专精特新中小企业研发费用补助",
        "issuer": "经开区经济发展局",
        "summary": "对专精特新中小制造企业按研发投入的10%给予补助，最高50万元。",
        "validFrom": "2026-01-01",
        "validTo": "2026-12-31",
        "eligibility": { "industryCodePrefixes": ["C"], "allTags": ["专精特新"], "employeesBelow": 300 },
        "documents": [{ "name": "关于支持专精特新企业发展的若干措施", "url": "https://www.example.gov.cn/zcwj/2026/12.pdf" }]
    } })
}

async fn create(app: &TestApp, input: Value) -> String {
    app.ok(&app.admin_token, CREATE, input).await["createPolicy"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn publish(app: &TestApp, id: &str) -> i64 {
    app.ok(&app.admin_token, PUBLISH, json!({ "id": id })).await["publishPolicy"]["companiesTold"]
        .as_i64()
        .unwrap()
}

/// The inbox notices of a kind a user has.
async fn inbox_of(app: &TestApp, user: &TestUser, kind: &str) -> Vec<Value> {
    let data = app.ok(&user.token, INBOX, json!({})).await;
    data["notifications"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .filter(|n| n["kind"] == kind)
        .collect()
}

async fn funnel(app: &TestApp, token: &str, id: &str) -> Value {
    app.ok(token, FUNNEL, json!({ "id": id })).await["policy"]["funnel"].clone()
}

async fn a_policy_reaches_exactly_the_matching_companies_once(app: TestApp) {
    let z = zone(&app).await;
    app.set_locale(&z.c5.staff.token, "EN").await;
    app.register_device(&z.c1.staff.token, "device-c1", "zh-CN").await;
    let id = create(&app, specialised_manufacturers()).await;
    // A draft tells no one.
    assert_eq!(app.count("policy_deliveries").await, 0);

    // Published twice at once: each eligible company is told once.
    let publishing = app.ok(&app.admin_token, PUBLISH, json!({ "id": id }));
    let again = app.ok(&app.admin_token, PUBLISH, json!({ "id": id }));
    let (first, second) = tokio::join!(publishing, again);
    let told = first["publishPolicy"]["companiesTold"].as_i64().unwrap()
        + second["publishPolicy"]["companiesTold"].as_i64().unwrap();
    assert_eq!(told, 2);
    assert_eq!(first["publishPolicy"]["policy"]["status"], "PUBLISHED");
    assert_eq!(publish(&app, &id).await, 0, "a third publish tells no one");
    assert_eq!(app.count("policy_deliveries").await, 2);

    let c1 = inbox_of(&app, &z.c1.staff, "POLICY_MATCHED").await;
    assert_eq!(c1.len(), 1);
    assert_eq!(c1[0]["title"], "新政策推送");
    assert_eq!(
        c1[0]["body"],
        "贵企业符合政策「专精特新中小企业研发费用补助」的条件，请在应用中查看"
    );
    assert_eq!(c1[0]["companyId"], z.c1.id.as_str());
    // In the reader's language.
    let c5 = inbox_of(&app, &z.c5.staff, "POLICY_MATCHED").await;
    assert_eq!(c5.len(), 1);
    assert_eq!(c5[0]["title"], "A policy for your company");
    for firm in [&z.c2, &z.c3, &z.c4] {
        assert!(inbox_of(&app, &firm.staff, "POLICY_MATCHED").await.is_empty());
    }
    // And as a push to the registered device, once.
    let pushes = app
        .ok(
            &app.admin_token,
            "{ pushDeliveries(kind: \"POLICY_MATCHED\") { totalCount edges { node { kind provider status } } } }",
            json!({}),
        )
        .await;
    assert_eq!(pushes["pushDeliveries"]["totalCount"], 1);
    assert_eq!(pushes["pushDeliveries"]["edges"][0]["node"]["status"], "PENDING");

    let f = funnel(&app, &app.admin_token, &id).await;
    assert_eq!(f["eligible"], 2);
    assert_eq!(f["delivered"], 2);
}

async fn a_profile_change_makes_a_company_newly_eligible_and_it_is_told(app: TestApp) {
    let z = zone(&app).await;
    let id = create(&app, specialised_manufacturers()).await;
    assert_eq!(publish(&app, &id).await, 2);

    // Officer B, who serves c4, records that it became 专精特新: it is told at once.
    let changed = profile(&app, &z.officer_b.token, &z.c4.id, json!({ "tags": ["专精特新"] })).await;
    assert_eq!(changed["policiesTold"], 1);
    assert_eq!(changed["profile"]["tags"], json!(["专精特新"]));
    assert_eq!(changed["profile"]["employees"], 80, "fields left out keep their value");
    assert_eq!(inbox_of(&app, &z.c4.staff, "POLICY_MATCHED").await.len(), 1);
    // Changing it again tells nothing twice.
    let again = profile(&app, &z.officer_b.token, &z.c4.id, json!({ "employees": 90 })).await;
    assert_eq!(again["policiesTold"], 0);
    assert_eq!(inbox_of(&app, &z.c4.staff, "POLICY_MATCHED").await.len(), 1);

    // Two profiles change at once while the policy is published again: each is told once.
    let c2 = app.ok(
        &z.officer_a.token,
        PROFILE,
        json!({ "c": z.c2.id, "input": { "employees": 210 } }),
    );
    let c3 = app.ok(
        &z.officer_b.token,
        PROFILE,
        json!({ "c": z.c3.id, "input": { "industryCode": "C1713" } }),
    );
    let republish = app.ok(&app.admin_token, PUBLISH, json!({ "id": id }));
    let (c2, c3, republished) = tokio::join!(c2, c3, republish);
    let told = c2["updateCompanyProfile"]["policiesTold"].as_i64().unwrap()
        + c3["updateCompanyProfile"]["policiesTold"].as_i64().unwrap()
        + republished["publishPolicy"]["companiesTold"].as_i64().unwrap();
    assert_eq!(told, 2);
    assert_eq!(app.count("policy_deliveries").await, 5);
    for firm in [&z.c1, &z.c2, &z.c3, &z.c4, &z.c5] {
        assert_eq!(inbox_of(&app, &firm.staff, "POLICY_MATCHED").await.len(), 1);
    }

    // A company that stops meeting the rules keeps what it was told; the funnel's eligible
    // count follows the profiles.
    profile(&app, &app.admin_token, &z.c5.id, json!({ "employees": 300 })).await;
    let f = funnel(&app, &app.admin_token, &id).await;
    assert_eq!(f["eligible"], 4);
    assert_eq!(f["delivered"], 5);
}

async fn the_funnel_counts_follow_a_scripted_sequence(app: TestApp) {
    let z = zone(&app).await;
    profile(&app, &z.officer_a.token, &z.c2.id, json!({ "employees": 200 })).await;
    let id = create(&app, specialised_manufacturers()).await;
    assert_eq!(publish(&app, &id).await, 3); // c1, c2, c5

    // c1 reads, asks (a consultation linked to the policy), applies and is granted.
    app.ok(
        &z.c1.staff.token,
        "mutation($p: ID!) { markPolicyRead(policyId: $p) { readAt } }",
        json!({ "p": id }),
    )
    .await;
    let asked = app
        .ok(
            &z.c1.staff.token,
            "mutation($p: ID!, $i: AskAboutPolicyInput!) { askAboutPolicy(policyId: $p, input: $i) { uptake { askedAt readAt } request { id kind channel title company { id } } } }",
            json!({ "p": id, "i": { "categoryId": "cat_11", "question": "研发费用如何认定？", "idempotencyKey": "ask-1" } }),
        )
        .await;
    let request = &asked["askAboutPolicy"]["request"];
    assert_eq!(request["kind"], "CONSULTATION");
    assert_eq!(request["channel"], "APP");
    assert_eq!(request["title"], "政策咨询：专精特新中小企业研发费用补助");
    assert_eq!(request["company"]["id"], z.c1.id.as_str());
    assert!(asked["askAboutPolicy"]["uptake"]["askedAt"].is_string());
    assert_eq!(app.count("requests").await, 1);
    app.ok(&z.c1.staff.token, APPLY, json!({ "p": id })).await;
    let granted = app
        .ok(&z.officer_a.token, GRANT, json!({ "p": id, "c": z.c1.id, "a": 500000 }))
        .await;
    assert_eq!(granted["recordPolicyGrant"]["grantedAmount"], 500000);
    assert_eq!(granted["recordPolicyGrant"]["grantNote"], "首批拨付");
    // c5's officer records its application.
    app.ok(&z.officer_b.token, APPLY, json!({ "p": id, "c": z.c5.id }))
        .await;

    let all = funnel(&app, &app.admin_token, &id).await;
    assert_eq!(
        all,
        json!({ "eligible": 3, "delivered": 3, "read": 1, "asked": 1, "applied": 2, "granted": 1, "grantedAmount": 500000 })
    );
    // Eligible but not applied: c2, for officer A to visit.
    let waiting = app.ok(&app.admin_token, UPTAKE, json!({ "id": id, "n": true })).await;
    let waiting = waiting["policy"]["uptake"].as_array().unwrap().clone();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0]["company"]["id"], z.c2.id.as_str());
    // Officers see their own companies only.
    assert_eq!(
        funnel(&app, &z.officer_a.token, &id).await,
        json!({ "eligible": 2, "delivered": 2, "read": 1, "asked": 1, "applied": 1, "granted": 1, "grantedAmount": 500000 })
    );
    assert_eq!(
        funnel(&app, &z.officer_b.token, &id).await,
        json!({ "eligible": 1, "delivered": 1, "read": 0, "asked": 0, "applied": 1, "granted": 0, "grantedAmount": 0 })
    );
    let lines = app.ok(&z.officer_b.token, UPTAKE, json!({ "id": id })).await;
    assert_eq!(lines["policy"]["uptake"].as_array().unwrap().len(), 1);
    assert_eq!(lines["policy"]["uptake"][0]["company"]["id"], z.c5.id.as_str());

    // Out of turn: a grant before an application, a second grant, another officer's company,
    // a company recording its own grant, a company reading the funnel.
    assert_eq!(
        app.error_code(
            Some(&z.officer_a.token),
            GRANT,
            json!({ "p": id, "c": z.c2.id, "a": 1 })
        )
        .await,
        "BAD_USER_INPUT"
    );
    assert_eq!(
        app.error_code(
            Some(&z.officer_a.token),
            GRANT,
            json!({ "p": id, "c": z.c1.id, "a": 1 })
        )
        .await,
        "CONFLICT"
    );
    assert_eq!(
        app.error_code(
            Some(&z.officer_a.token),
            GRANT,
            json!({ "p": id, "c": z.c5.id, "a": 1 })
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.error_code(Some(&z.c5.staff.token), GRANT, json!({ "p": id, "c": z.c5.id, "a": 1 }))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.error_code(Some(&z.c1.staff.token), FUNNEL, json!({ "id": id }))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(funnel(&app, &app.admin_token, &id).await["granted"], 1);

    // 免申即享: nothing to apply for; the officer records the grant directly.
    let mut free = specialised_manufacturers();
    free["input"]["title"] = json!("高新技术企业所得税减免");
    free["input"]["withoutApplication"] = json!(true);
    free["input"]["eligibility"] = json!({ "anyTags": ["高新技术企业"] });
    let free = create(&app, free).await;
    assert_eq!(publish(&app, &free).await, 1);
    assert_eq!(
        app.error_code(Some(&z.c1.staff.token), APPLY, json!({ "p": free }))
            .await,
        "BAD_USER_INPUT"
    );
    app.ok(&z.officer_a.token, GRANT, json!({ "p": free, "c": z.c1.id, "a": null }))
        .await;
    let f = funnel(&app, &app.admin_token, &free).await;
    assert_eq!(f["granted"], 1);
    assert_eq!(f["applied"], 0);
    assert_eq!(f["grantedAmount"], 0);

    // The company follows its own.
    let mine = app.ok(&z.c1.staff.token, MY, json!({})).await;
    let mine = mine["myPolicies"].as_array().unwrap().clone();
    assert_eq!(mine.len(), 2);
    let first = mine.iter().find(|m| m["policy"]["id"] == id.as_str()).unwrap();
    assert!(first["grantedAt"].is_string() && first["appliedAt"].is_string() && first["readAt"].is_string());
    assert_eq!(first["request"]["kind"], "CONSULTATION");
}

async fn companies_and_officers_see_only_their_own(app: TestApp) {
    let z = zone(&app).await;
    let id = create(&app, specialised_manufacturers()).await;
    let mut other = specialised_manufacturers();
    other["input"]["title"] = json!("外资企业稳外资奖励");
    other["input"]["eligibility"] = json!({ "anyTags": ["外资"] });
    let other = create(&app, other).await;
    let draft = create(
        &app,
        json!({ "input": { "title": "草稿政策", "issuer": "经发局", "summary": "未发布" } }),
    )
    .await;
    publish(&app, &id).await;
    publish(&app, &other).await;
    let package = app
        .ok(
            &app.admin_token,
            "mutation($i: PolicyPackageInput!) { createPolicyPackage(input: $i) { id name policies { id } } }",
            json!({ "i": { "name": "制造业惠企政策包", "description": "一企一策", "policyIds": [id, other, draft] } }),
        )
        .await;
    assert_eq!(package["createPolicyPackage"]["policies"].as_array().unwrap().len(), 3);

    // c1 (told of one) sees that one; c5 (told of both) sees both; c3 sees none.
    const LIST: &str = "{ policies { id } policyPackages { name policies { id } } }";
    let c1 = app.ok(&z.c1.staff.token, LIST, json!({})).await;
    assert_eq!(c1["policies"], json!([{ "id": id }]));
    assert_eq!(c1["policyPackages"][0]["policies"], json!([{ "id": id }]));
    let c5 = app.ok(&z.c5.staff.token, LIST, json!({})).await;
    assert_eq!(c5["policies"].as_array().unwrap().len(), 2);
    let c3 = app.ok(&z.c3.staff.token, LIST, json!({})).await;
    assert_eq!(c3, json!({ "policies": [], "policyPackages": [] }));
    assert_eq!(
        app.error_code(
            Some(&z.c1.staff.token),
            "query($id: ID!) { policy(id: $id) { id } }",
            json!({ "id": other })
        )
        .await,
        "NOT_FOUND"
    );
    // Officers see published policies, not drafts; admins see all.
    let officer = app.ok(&z.officer_a.token, LIST, json!({})).await;
    assert_eq!(officer["policies"].as_array().unwrap().len(), 2);
    let admin = app.ok(&app.admin_token, LIST, json!({})).await;
    assert_eq!(admin["policies"].as_array().unwrap().len(), 3);

    // Profiles: a company sees its own, not another's; it cannot change its own.
    const SEE: &str = "query($id: ID!) { company(id: $id) { profile { employees tags industryCode } } }";
    let own = app.ok(&z.c1.staff.token, SEE, json!({ "id": z.c1.id })).await;
    assert_eq!(own["company"]["profile"]["employees"], 120);
    assert_eq!(own["company"]["profile"]["industryCode"], "C3360");
    assert_eq!(
        app.error_code(Some(&z.c1.staff.token), SEE, json!({ "id": z.c2.id }))
            .await,
        "NOT_FOUND"
    );
    assert_eq!(
        app.error_code(
            Some(&z.c1.staff.token),
            PROFILE,
            json!({ "c": z.c1.id, "input": { "employees": 10 } })
        )
        .await,
        "FORBIDDEN"
    );
    // Officers change only their companies' profiles.
    assert_eq!(
        app.error_code(
            Some(&z.officer_a.token),
            PROFILE,
            json!({ "c": z.c5.id, "input": { "employees": 10 } })
        )
        .await,
        "FORBIDDEN"
    );
    // Only admins publish.
    assert_eq!(
        app.error_code(Some(&z.officer_a.token), PUBLISH, json!({ "id": draft }))
            .await,
        "FORBIDDEN"
    );
    // Company staff of c3 cannot act on a policy they were not told of.
    assert_eq!(
        app.error_code(Some(&z.c3.staff.token), APPLY, json!({ "p": id })).await,
        "NOT_FOUND"
    );
}

async fn bad_policies_and_profiles_are_refused_and_write_nothing(app: TestApp) {
    let z = zone(&app).await;
    let before = app.count("audit_log").await;
    for (field, value) in [
        ("industryCode", json!("制造业")),
        ("industryCode", json!("C33601")),
        ("employees", json!(-1)),
    ] {
        assert_eq!(
            app.error_code(
                Some(&app.admin_token),
                PROFILE,
                json!({ "c": z.c1.id, "input": { field: value } })
            )
            .await,
            "BAD_USER_INPUT",
            "{field}"
        );
    }
    // A stale version.
    assert_eq!(
        app.error_code(
            Some(&app.admin_token),
            PROFILE,
            json!({ "c": z.c1.id, "v": 0, "input": { "employees": 5 } })
        )
        .await,
        "CONFLICT"
    );
    let mut reversed = specialised_manufacturers();
    reversed["input"]["validFrom"] = json!("2027-01-01");
    let mut bounds = specialised_manufacturers();
    bounds["input"]["eligibility"] = json!({ "employeesAtLeast": 300, "employeesBelow": 300 });
    let mut link = specialised_manufacturers();
    link["input"]["documents"] = json!([{ "name": "文件", "url": "javascript:alert(1)" }]);
    for input in [reversed, bounds, link] {
        assert_eq!(
            app.error_code(Some(&app.admin_token), CREATE, input).await,
            "BAD_USER_INPUT"
        );
    }
    assert_eq!(app.count("policies").await, 0);
    assert_eq!(app.count("audit_log").await, before);

    // An expired policy is not published; a published one is not edited.
    let mut old = specialised_manufacturers();
    old["input"]["validFrom"] = json!("2025-01-01");
    old["input"]["validTo"] = json!("2025-12-31");
    let old = create(&app, old).await;
    assert_eq!(
        app.error_code(Some(&app.admin_token), PUBLISH, json!({ "id": old }))
            .await,
        "BAD_USER_INPUT"
    );
    assert_eq!(app.count("policy_deliveries").await, 0);
    let id = create(&app, specialised_manufacturers()).await;
    publish(&app, &id).await;
    let mut edit = specialised_manufacturers();
    edit["id"] = json!(id);
    edit["v"] = json!(2);
    assert_eq!(
        app.error_code(
            Some(&app.admin_token),
            "mutation($id: ID!, $v: Int!, $input: PolicyInput!) { updatePolicy(id: $id, version: $v, input: $input) { id } }",
            edit
        )
        .await,
        "BAD_USER_INPUT"
    );
}
