//! Notices to the zone: sent to all companies or a filtered set, read receipts per company, a
//! reminder once to companies that have not read an important notice, and who sees what.

use chrono::Duration;
use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::{credit_code, TestApp, TestUser};

backend_tests!(
    a_notice_to_one_area_reaches_only_that_area_and_counts_read_receipts,
    unread_important_notices_are_reminded_once,
    notices_are_addressed_by_officer_tags_and_key_enterprise,
    bad_notices_are_refused_and_send_nothing
);

const SEND: &str = "mutation($i: SendZoneNoticeInput!) { sendZoneNotice(input: $i) { companies notice { id title category important } } }";
const READ: &str = "mutation($id: ID!) { markZoneNoticeRead(id: $id) { id readAt receiptCounts { recipients read } } }";
const LIST: &str =
    "{ zoneNotices { id title readAt receiptCounts { recipients read reminded } receipts { company { id } readAt } } }";
const INBOX: &str = "{ notifications { edges { node { kind title body } } } }";

struct Firm {
    id: String,
    staff: TestUser,
}

struct Zone {
    officer_a: TestUser,
    officer_b: TestUser,
    north: Vec<Firm>,
    south: Firm,
}

async fn zone(app: &TestApp) -> Zone {
    let officer_a = app.create_user("OFFICER", "13900000201", "雷均", json!({})).await;
    let officer_b = app.create_user("OFFICER", "13900000202", "王芳", json!({})).await;
    let rows = [
        ("北区一号有限公司", "13900000211", "北区", vec!["专精特新"], &officer_a),
        ("北区二号有限公司", "13900000212", "北区", vec![], &officer_a),
        ("南区一号有限公司", "13900000213", "南区", vec!["外资"], &officer_b),
    ];
    let mut firms = Vec::new();
    for (i, (name, phone, area, tags, officer)) in rows.into_iter().enumerate() {
        let id = app.create_company(name, &credit_code(800 + i as u32)).await;
        app.assign_officer(&id, &officer.id).await;
        let staff = app
            .create_user("COMPANY", phone, "企业联系人", json!({ "companyId": id }))
            .await;
        app.ok(
            &app.admin_token,
            "mutation($c: ID!, $i: CompanyProfileInput!) { updateCompanyProfile(companyId: $c, input: $i) { policiesTold } }",
            json!({ "c": id, "i": { "area": area, "tags": tags, "industryCode": "C3360" } }),
        )
        .await;
        firms.push(Firm { id, staff });
    }
    let south = firms.pop().unwrap();
    Zone {
        officer_a,
        officer_b,
        north: firms,
        south,
    }
}

fn notice(title: &str, important: bool, audience: Value) -> Value {
    json!({ "i": { "category": "OUTAGE", "title": title, "body": "12月10日8:00至18:00北区检修停电，请提前安排生产。", "important": important, "audience": audience } })
}

async fn kinds(app: &TestApp, user: &TestUser, kind: &str) -> Vec<Value> {
    let data = app.ok(&user.token, INBOX, json!({})).await;
    data["notifications"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .filter(|n| n["kind"] == kind)
        .collect()
}

async fn a_notice_to_one_area_reaches_only_that_area_and_counts_read_receipts(app: TestApp) {
    let z = zone(&app).await;
    app.set_locale(&z.north[1].staff.token, "EN").await;
    let sent = app
        .ok(
            &app.admin_token,
            SEND,
            notice("北区计划停电通知", false, json!({ "areas": ["北区"] })),
        )
        .await;
    assert_eq!(sent["sendZoneNotice"]["companies"], 2);
    let id = sent["sendZoneNotice"]["notice"]["id"].as_str().unwrap().to_string();
    assert_eq!(app.count("zone_notice_recipients").await, 2);

    let north0 = kinds(&app, &z.north[0].staff, "ZONE_NOTICE").await;
    assert_eq!(north0.len(), 1);
    assert_eq!(north0[0]["title"], "通知公告");
    assert_eq!(north0[0]["body"], "园区发布通知：北区计划停电通知");
    let north1 = kinds(&app, &z.north[1].staff, "ZONE_NOTICE").await;
    assert_eq!(north1[0]["title"], "Notice from the zone");
    assert!(kinds(&app, &z.south.staff, "ZONE_NOTICE").await.is_empty());

    // The south company neither sees nor reads it.
    let south = app.ok(&z.south.staff.token, LIST, json!({})).await;
    assert_eq!(south["zoneNotices"], json!([]));
    assert_eq!(
        app.error_code(Some(&z.south.staff.token), READ, json!({ "id": id }))
            .await,
        "NOT_FOUND"
    );

    // One north company reads it (twice: counted once).
    let read = app.ok(&z.north[0].staff.token, READ, json!({ "id": id })).await;
    assert!(read["markZoneNoticeRead"]["readAt"].is_string());
    assert_eq!(
        read["markZoneNoticeRead"]["receiptCounts"],
        json!({ "recipients": 1, "read": 1 })
    );
    app.ok(&z.north[0].staff.token, READ, json!({ "id": id })).await;

    let admin = app.ok(&app.admin_token, LIST, json!({})).await;
    let row = &admin["zoneNotices"][0];
    assert_eq!(
        row["receiptCounts"],
        json!({ "recipients": 2, "read": 1, "reminded": 0 })
    );
    let receipts = row["receipts"].as_array().unwrap();
    assert_eq!(receipts.len(), 2);
    let unread: Vec<&Value> = receipts.iter().filter(|r| r["readAt"].is_null()).collect();
    assert_eq!(unread.len(), 1);
    assert_eq!(unread[0]["company"]["id"], z.north[1].id.as_str());

    // Officer A (both north companies) sees the receipts; officer B (south) sees no notice.
    let a = app.ok(&z.officer_a.token, LIST, json!({})).await;
    assert_eq!(a["zoneNotices"][0]["receiptCounts"]["recipients"], 2);
    let b = app.ok(&z.officer_b.token, LIST, json!({})).await;
    assert_eq!(b["zoneNotices"], json!([]));
    // The company sees its own receipt only.
    let own = app.ok(&z.north[1].staff.token, LIST, json!({})).await;
    assert_eq!(
        own["zoneNotices"][0]["receiptCounts"],
        json!({ "recipients": 1, "read": 0, "reminded": 0 })
    );
    assert!(own["zoneNotices"][0]["readAt"].is_null());
}

async fn unread_important_notices_are_reminded_once(mut app: TestApp) {
    let mut z = zone(&app).await;
    let sent = app
        .ok(
            &app.admin_token,
            SEND,
            notice("安全生产大检查会议", true, json!({ "allCompanies": true })),
        )
        .await;
    assert_eq!(sent["sendZoneNotice"]["companies"], 3);
    let id = sent["sendZoneNotice"]["notice"]["id"].as_str().unwrap().to_string();
    // Not important: never reminded.
    app.ok(
        &app.admin_token,
        SEND,
        notice("一般通知", false, json!({ "allCompanies": true })),
    )
    .await;
    app.ok(&z.north[0].staff.token, READ, json!({ "id": id })).await;

    // Not yet a day.
    assert_eq!(zhitong::notices::worker::run_once(&app.state).await.unwrap(), 0);
    app.clock.advance(Duration::hours(25));
    // Access tokens expired meanwhile: everyone signs in again.
    app.relogin_admin().await;
    for firm in z.north.iter_mut() {
        app.relogin(&mut firm.staff).await;
    }
    app.relogin(&mut z.south.staff).await;
    app.ok(&z.south.staff.token, READ, json!({ "id": id })).await;
    assert_eq!(zhitong::notices::worker::run_once(&app.state).await.unwrap(), 1);
    assert_eq!(zhitong::notices::worker::run_once(&app.state).await.unwrap(), 0);

    let reminders = kinds(&app, &z.north[1].staff, "ZONE_NOTICE_REMINDER").await;
    assert_eq!(reminders.len(), 1);
    assert_eq!(
        reminders[0]["body"],
        "重要通知「安全生产大检查会议」尚未阅读，请及时查看"
    );
    for readers in [&z.north[0].staff, &z.south.staff] {
        assert!(kinds(&app, readers, "ZONE_NOTICE_REMINDER").await.is_empty());
    }
    let admin = app
        .ok(
            &app.admin_token,
            "query($id: ID!) { zoneNotice(id: $id) { receiptCounts { recipients read reminded } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        admin["zoneNotice"]["receiptCounts"],
        json!({ "recipients": 3, "read": 2, "reminded": 1 })
    );
}

async fn notices_are_addressed_by_officer_tags_and_key_enterprise(app: TestApp) {
    let z = zone(&app).await;
    let by_officer = app
        .ok(
            &app.admin_token,
            SEND,
            notice("专员走访安排", false, json!({ "officerId": z.officer_b.id })),
        )
        .await;
    assert_eq!(by_officer["sendZoneNotice"]["companies"], 1);
    assert_eq!(kinds(&app, &z.south.staff, "ZONE_NOTICE").await.len(), 1);

    let by_tag = app
        .ok(
            &app.admin_token,
            SEND,
            notice("专精特新申报", false, json!({ "anyTags": ["专精特新", "外资"] })),
        )
        .await;
    assert_eq!(by_tag["sendZoneNotice"]["companies"], 2);
    assert!(kinds(&app, &z.north[1].staff, "ZONE_NOTICE").await.is_empty());

    app.ok(
        &app.admin_token,
        "mutation($id: ID!) { updateCompany(id: $id, input: { keyEnterprise: true }) { company { id } } }",
        json!({ "id": z.north[1].id }),
    )
    .await;
    let key = app
        .ok(
            &app.admin_token,
            SEND,
            notice(
                "重点企业座谈会",
                false,
                json!({ "keyEnterprise": true, "industryCodePrefixes": ["C"] }),
            ),
        )
        .await;
    assert_eq!(key["sendZoneNotice"]["companies"], 1);
    assert_eq!(kinds(&app, &z.north[1].staff, "ZONE_NOTICE").await.len(), 1);
}

async fn bad_notices_are_refused_and_send_nothing(app: TestApp) {
    let z = zone(&app).await;
    let before = app.count("notifications").await;
    for (token, input, code) in [
        (
            &z.officer_a.token,
            notice("x", false, json!({ "allCompanies": true })),
            "FORBIDDEN",
        ),
        (
            &z.south.staff.token,
            notice("x", false, json!({ "allCompanies": true })),
            "FORBIDDEN",
        ),
        (&app.admin_token, notice("x", false, json!({})), "BAD_USER_INPUT"),
        (
            &app.admin_token,
            notice("x", false, json!({ "allCompanies": true, "areas": ["北区"] })),
            "BAD_USER_INPUT",
        ),
        (
            &app.admin_token,
            notice("x", false, json!({ "areas": ["西区"] })),
            "BAD_USER_INPUT",
        ),
        (
            &app.admin_token,
            notice("", false, json!({ "allCompanies": true })),
            "BAD_USER_INPUT",
        ),
        (
            &app.admin_token,
            notice("x", false, json!({ "officerId": z.north[0].staff.id })),
            "BAD_USER_INPUT",
        ),
    ] {
        assert_eq!(app.error_code(Some(token), SEND, input).await, code);
    }
    assert_eq!(app.count("zone_notices").await, 0);
    assert_eq!(app.count("notifications").await, before);
}
