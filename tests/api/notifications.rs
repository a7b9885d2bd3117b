//! Inbox and push: who is told, in which language, when, and what happens when FCM says no.

use chrono::{Duration, TimeZone, Utc};
use serde_json::{json, Value};
use zhitong::clock::Clock;
use zhitong::error::AppError;
use zhitong::notifications::service::{notify, Notice};
use zhitong::notifications::texts::NoticeKind;

use crate::backend_tests;
use crate::fake_fcm::{Answer, FakeFcm};
use crate::helpers::{credit_code, TestApp, TestUser};

const INBOX: &str = "{ unreadNotificationCount notifications { totalCount edges { node { id kind title body locale read companyId } } } }";
const ASSIGN: &str = "mutation($c: ID!, $o: ID!) { assignOfficer(companyId: $c, officerId: $o, reason: \"调整分工\") { assignment { id } } }";

backend_tests!(
    an_officer_change_reaches_each_party_in_their_language,
    quiet_hours_hold_routine_pushes_until_morning,
    failed_sends_are_retried_with_backoff_and_retry_after,
    unregistered_tokens_are_forgotten,
    a_rolled_back_change_sends_nothing,
    tokens_move_between_users_and_logout_unregisters,
    inbox_marks_and_privacy,
    admins_see_and_retry_failed_deliveries,
);

struct Scene {
    company: String,
    old_officer: TestUser,
    new_officer: TestUser,
    staff: TestUser,
    colleague: TestUser,
}

async fn scene(app: &TestApp) -> Scene {
    let old_officer = app.create_user("OFFICER", "13500000001", "原专员", json!({})).await;
    let new_officer = app.create_user("OFFICER", "13500000002", "新专员", json!({})).await;
    let company = app.create_company("长远锂科股份有限公司", &credit_code(701)).await;
    app.assign_officer(&company, &old_officer.id).await;
    let staff = app
        .create_user(
            "COMPANY",
            "13500000003",
            "陈武",
            json!({ "companyId": company, "principal": true }),
        )
        .await;
    let colleague = app
        .create_user("COMPANY", "13500000004", "吉莎", json!({ "companyId": company }))
        .await;
    Scene {
        company,
        old_officer,
        new_officer,
        staff,
        colleague,
    }
}

fn kinds(inbox: &Value) -> Vec<String> {
    inbox["notifications"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["kind"].as_str().unwrap().to_string())
        .collect()
}

async fn an_officer_change_reaches_each_party_in_their_language(app: TestApp) {
    let fake = FakeFcm::start().await;
    let s = scene(&app).await;
    // The old officer reads English; the staff member keeps zh-CN on both devices, whatever
    // the tablet's own locale says: pushes speak the user's language.
    app.set_locale(&s.old_officer.token, "EN").await;
    app.register_device(&s.old_officer.token, "tok-old-officer", "en-US")
        .await;
    app.register_device(&s.staff.token, "tok-staff-phone", "zh-CN").await;
    app.register_device(&s.staff.token, "tok-staff-tablet", "en").await;
    app.register_device(&s.colleague.token, "tok-colleague", "zh-Hans-CN")
        .await;
    app.register_device(&app.admin_token, "tok-admin", "zh-CN").await;
    let before = app.ok(&app.admin_token, INBOX, json!({})).await;

    app.ok(
        &app.admin_token,
        ASSIGN,
        json!({ "c": s.company, "o": s.new_officer.id }),
    )
    .await;

    // The inbox: one notification each, at once, whether or not the user has a device.
    let inbox = app.ok(&s.new_officer.token, INBOX, json!({})).await;
    assert_eq!(kinds(&inbox), ["OFFICER_ASSIGNED"]);
    assert_eq!(
        inbox["notifications"]["edges"][0]["node"]["companyId"],
        s.company.as_str()
    );
    assert!(inbox["notifications"]["edges"][0]["node"]["body"]
        .as_str()
        .unwrap()
        .contains("长远锂科股份有限公司"));
    let inbox = app.ok(&s.old_officer.token, INBOX, json!({})).await;
    assert_eq!(kinds(&inbox), ["OFFICER_RELEASED", "OFFICER_ASSIGNED"], "newest first");
    assert_eq!(inbox["notifications"]["edges"][0]["node"]["locale"], "en");
    assert_eq!(
        inbox["notifications"]["edges"][0]["node"]["title"],
        "Company reassigned"
    );
    for user in [&s.staff, &s.colleague] {
        let inbox = app.ok(&user.token, INBOX, json!({})).await;
        assert_eq!(kinds(&inbox), ["COMPANY_OFFICER_CHANGED"], "{}", user.phone);
        assert_eq!(inbox["unreadNotificationCount"], 1);
    }
    // Nobody is told of their own action.
    assert_eq!(app.ok(&app.admin_token, INBOX, json!({})).await, before);

    // The pushes: exactly the four devices of the three people with devices, each in its language.
    let report = app.push_worker(&fake).run_once().await.unwrap();
    assert_eq!((report.claimed, report.sent), (4, 4), "{report:?}");
    let accepted = fake.accepted();
    let mut tokens: Vec<&str> = accepted.iter().map(|m| m["token"].as_str().unwrap()).collect();
    tokens.sort();
    assert_eq!(
        tokens,
        [
            "tok-colleague",
            "tok-old-officer",
            "tok-staff-phone",
            "tok-staff-tablet"
        ]
    );
    let message = |token: &str| fake.accepted_for(token).pop().unwrap();
    assert_eq!(
        message("tok-old-officer")["notification"]["title"],
        "Company reassigned"
    );
    assert_eq!(message("tok-old-officer")["data"]["kind"], "OFFICER_RELEASED");
    assert_eq!(message("tok-staff-phone")["notification"]["title"], "服务专员变更");
    assert_eq!(message("tok-staff-tablet")["notification"]["title"], "服务专员变更");
    assert_eq!(message("tok-colleague")["notification"]["title"], "服务专员变更");
    for m in &accepted {
        assert!(m["data"]["notificationId"].as_str().unwrap().starts_with("ntf_"));
        assert_eq!(m["android"]["priority"], "NORMAL");
        let text = m.to_string();
        assert!(
            !text.contains("新专员") && !text.contains("135000"),
            "no personal data in a push: {text}"
        );
    }
    assert_eq!(fake.oauth_requests(), 1, "the OAuth token is cached");

    // Nothing is sent twice.
    let again = app.push_worker(&fake).run_once().await.unwrap();
    assert_eq!(again.claimed, 0);
}

async fn quiet_hours_hold_routine_pushes_until_morning(mut app: TestApp) {
    let fake = FakeFcm::start().await;
    let mut s = scene(&app).await;
    app.register_device(&s.new_officer.token, "tok-night", "zh-CN").await;
    // 23:00 in Shanghai.
    app.clock.set(Utc.with_ymd_and_hms(2026, 3, 2, 15, 0, 0).unwrap());
    app.relogin_admin().await;
    app.relogin(&mut s.new_officer).await;
    app.ok(
        &app.admin_token,
        ASSIGN,
        json!({ "c": s.company, "o": s.new_officer.id }),
    )
    .await;
    assert_eq!(
        app.ok(&s.new_officer.token, INBOX, json!({})).await["unreadNotificationCount"],
        1,
        "the inbox is immediate"
    );
    let worker = app.push_worker(&fake);
    let night = worker.run_once().await.unwrap();
    assert_eq!((night.deferred, night.sent), (1, 0), "no buzz at night: {night:?}");
    assert_eq!(worker.run_once().await.unwrap().claimed, 0, "held until the morning");
    app.clock.set(Utc.with_ymd_and_hms(2026, 3, 2, 22, 59, 0).unwrap());
    assert_eq!(worker.run_once().await.unwrap().claimed, 0, "still 06:59");
    app.clock.set(Utc.with_ymd_and_hms(2026, 3, 2, 23, 0, 0).unwrap());
    assert_eq!(worker.run_once().await.unwrap().sent, 1, "07:00: sent");

    // Switching quiet hours off sends at once, even at night.
    app.clock.set(Utc.with_ymd_and_hms(2026, 3, 3, 16, 0, 0).unwrap());
    app.relogin_admin().await;
    app.relogin(&mut s.new_officer).await;
    let off = "mutation { setQuietHours(start: \"00:00\", end: \"00:00\") { user { quietHoursStart quietHoursEnd } } }";
    let off = app.ok(&s.new_officer.token, off, json!({})).await;
    assert_eq!(off["setQuietHours"]["user"]["quietHoursStart"], "00:00");
    app.ok(
        &app.admin_token,
        ASSIGN,
        json!({ "c": s.company, "o": s.old_officer.id }),
    )
    .await;
    let released = worker.run_once().await.unwrap();
    assert_eq!(
        released.sent, 1,
        "the released officer hears at once, at midnight: {released:?}"
    );
    assert_eq!(fake.accepted_for("tok-night")[1]["data"]["kind"], "OFFICER_RELEASED");
    assert_eq!(
        app.error_code(
            Some(&s.new_officer.token),
            "mutation { setQuietHours(start: \"25:00\", end: \"07:00\") { user { id } } }",
            json!({})
        )
        .await,
        "BAD_USER_INPUT"
    );
}

async fn failed_sends_are_retried_with_backoff_and_retry_after(mut app: TestApp) {
    let fake = FakeFcm::start().await;
    let s = scene(&app).await;
    app.register_device(&s.new_officer.token, "tok-flaky", "zh-CN").await;
    app.register_device(&s.staff.token, "tok-throttled", "zh-CN").await;
    fake.script("tok-flaky", vec![Answer::Status(503)]);
    fake.script("tok-throttled", vec![Answer::RetryAfter(429, 120)]);
    app.ok(
        &app.admin_token,
        ASSIGN,
        json!({ "c": s.company, "o": s.new_officer.id }),
    )
    .await;
    let worker = app.push_worker(&fake);
    let first = worker.run_once().await.unwrap();
    assert_eq!((first.sent, first.retried), (0, 2), "{first:?}");

    // The 503 is retried after the first backoff (at most 5 s), the 429 only after 120 s.
    app.clock.advance(Duration::seconds(6));
    let second = worker.run_once().await.unwrap();
    assert_eq!((second.claimed, second.sent), (1, 1), "{second:?}");
    assert_eq!(fake.accepted_for("tok-flaky").len(), 1);
    app.clock.advance(Duration::seconds(100));
    assert_eq!(worker.run_once().await.unwrap().claimed, 0, "Retry-After is honoured");
    app.clock.advance(Duration::seconds(20));
    assert_eq!(worker.run_once().await.unwrap().sent, 1);
    assert_eq!(fake.accepted_for("tok-throttled").len(), 1);
    assert_eq!(fake.attempts(), 4);

    // A delivery that keeps failing is retried until its notice's lifetime (72 hours for a
    // routine notice) ends, then dies with its error kept.
    app.register_device(&s.colleague.token, "tok-down", "zh-CN").await;
    fake.script("tok-down", vec![Answer::Status(500); 200]);
    app.ok(
        &app.admin_token,
        ASSIGN,
        json!({ "c": s.company, "o": s.old_officer.id }),
    )
    .await;
    let (mut dead, mut hours) = (0, 0);
    while dead == 0 && hours < 100 {
        dead += worker.run_once().await.unwrap().dead;
        app.clock.advance(Duration::hours(1));
        hours += 1;
    }
    assert_eq!(dead, 1);
    assert!(
        (71..=74).contains(&hours),
        "dead after the 72-hour lifetime, not before: {hours} h"
    );
    app.relogin_admin().await;
    let deliveries = app
        .ok(
            &app.admin_token,
            "{ pushDeliveries(status: DEAD) { edges { node { attempts lastError kind provider } } } }",
            json!({}),
        )
        .await;
    let node = &deliveries["pushDeliveries"]["edges"][0]["node"];
    assert!(node["attempts"].as_i64().unwrap() > 8, "{node}");
    assert_eq!(node["provider"], "FCM");
    assert!(node["lastError"].as_str().unwrap().contains("FCM 500"), "{node}");
}

async fn unregistered_tokens_are_forgotten(app: TestApp) {
    let fake = FakeFcm::start().await;
    let s = scene(&app).await;
    app.register_device(&s.staff.token, "tok-uninstalled", "zh-CN").await;
    app.register_device(&s.colleague.token, "tok-stale", "zh-CN").await;
    app.register_device(&s.new_officer.token, "tok-bad-ttl", "zh-CN").await;
    fake.script("tok-uninstalled", vec![Answer::Error(404, "UNREGISTERED")]);
    fake.script("tok-stale", vec![Answer::InvalidToken]);
    // INVALID_ARGUMENT about another field says nothing about the token.
    fake.script("tok-bad-ttl", vec![Answer::Error(400, "INVALID_ARGUMENT")]);
    app.ok(
        &app.admin_token,
        ASSIGN,
        json!({ "c": s.company, "o": s.new_officer.id }),
    )
    .await;
    let report = app.push_worker(&fake).run_once().await.unwrap();
    assert_eq!((report.unregistered, report.failed), (2, 1), "{report:?}");
    assert_eq!(
        app.count("devices").await,
        1,
        "the UNREGISTERED and invalid tokens are deleted"
    );
    // The next change creates no push for the forgotten devices.
    app.ok(
        &app.admin_token,
        ASSIGN,
        json!({ "c": s.company, "o": s.old_officer.id }),
    )
    .await;
    let next = app.push_worker(&fake).run_once().await.unwrap();
    assert_eq!((next.claimed, next.sent), (1, 1));
    assert_eq!(fake.accepted_for("tok-bad-ttl").len(), 1);
    assert!(fake.accepted_for("tok-uninstalled").is_empty());
}

async fn a_rolled_back_change_sends_nothing(app: TestApp) {
    let fake = FakeFcm::start().await;
    let s = scene(&app).await;
    app.register_device(&s.new_officer.token, "tok-rollback", "zh-CN").await;
    let (notifications, deliveries) = (app.count("notifications").await, app.count("push_deliveries").await);

    // Through the API: a stale version refuses the reassignment and notifies nobody.
    let stale = "mutation($c: ID!, $o: ID!) { assignOfficer(companyId: $c, officerId: $o, reason: \"x\", version: 1) { assignment { id } } }";
    assert_eq!(
        app.error_code(
            Some(&app.admin_token),
            stale,
            json!({ "c": s.company, "o": s.new_officer.id })
        )
        .await,
        "CONFLICT"
    );

    // Directly: notifications written and then rolled back with the change.
    let officer_id: i64 = s.new_officer.id.trim_start_matches("usr_").parse().unwrap();
    let now = app.clock.now();
    let outcome = app
        .state
        .db
        .write(move |conn| {
            let notice = Notice {
                kind: NoticeKind::OfficerAssigned,
                subject: "回滚公司".into(),
                request_id: None,
                company_id: None,
                urgent: true,
            };
            let written = notify(conn, now, None, [officer_id.into()], &notice)?;
            assert_eq!(written.len(), 1);
            Err::<(), _>(AppError::conflict(zhitong::error::CoreReason::CONCURRENT_CHANGE))
        })
        .await;
    assert!(outcome.is_err());
    assert_eq!(app.count("notifications").await, notifications);
    assert_eq!(app.count("push_deliveries").await, deliveries);
    assert_eq!(app.push_worker(&fake).run_once().await.unwrap().claimed, 0);
    assert!(fake.accepted().is_empty());
}

async fn tokens_move_between_users_and_logout_unregisters(app: TestApp) {
    let fake = FakeFcm::start().await;
    let s = scene(&app).await;
    // A shared phone: first the staff member, then the colleague logs in on it.
    app.register_device(&s.staff.token, "tok-shared", "zh-CN").await;
    app.set_locale(&s.colleague.token, "EN").await;
    app.register_device(&s.colleague.token, "tok-shared", "en-US").await;
    assert_eq!(app.count("devices").await, 1);
    app.ok(
        &app.admin_token,
        ASSIGN,
        json!({ "c": s.company, "o": s.new_officer.id }),
    )
    .await;
    assert_eq!(
        app.push_worker(&fake).run_once().await.unwrap().sent,
        1,
        "one device, one push: the colleague's"
    );
    assert_eq!(
        fake.accepted_for("tok-shared")[0]["notification"]["title"],
        "Your service officer changed"
    );

    // Another user cannot unregister it; logging out with it does.
    let unregister = "mutation($t: String!) { unregisterDevice(token: $t) }";
    assert_eq!(
        app.ok(&s.staff.token, unregister, json!({ "t": "tok-shared" })).await["unregisterDevice"],
        false
    );
    assert_eq!(app.count("devices").await, 1);
    let logout = "mutation($r: String!, $d: String) { logout(refreshToken: $r, deviceToken: $d) }";
    app.ok(
        &s.colleague.token,
        logout,
        json!({ "r": s.colleague.refresh_token, "d": "tok-shared" }),
    )
    .await;
    assert_eq!(app.count("devices").await, 0);
    assert_eq!(
        app.error_code(
            Some(&s.staff.token),
            "mutation { registerDevice(token: \"  \", platform: IOS) { device { id } } }",
            json!({})
        )
        .await,
        "BAD_USER_INPUT"
    );
}

async fn inbox_marks_and_privacy(app: TestApp) {
    let s = scene(&app).await;
    app.ok(
        &app.admin_token,
        ASSIGN,
        json!({ "c": s.company, "o": s.new_officer.id }),
    )
    .await;
    app.ok(
        &app.admin_token,
        ASSIGN,
        json!({ "c": s.company, "o": s.old_officer.id }),
    )
    .await;
    let inbox = app.ok(&s.staff.token, INBOX, json!({})).await;
    assert_eq!(inbox["unreadNotificationCount"], 2);
    let ids: Vec<Value> = inbox["notifications"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].clone())
        .collect();

    // Marking another user's notification read does nothing to it.
    let mark = "mutation($ids: [ID!]!) { markNotificationsRead(ids: $ids) { unreadCount } }";
    let officer_inbox = app.ok(&s.new_officer.token, INBOX, json!({})).await;
    let foreign = officer_inbox["notifications"]["edges"][0]["node"]["id"].clone();
    assert_eq!(
        app.ok(&s.staff.token, mark, json!({ "ids": [foreign] })).await["markNotificationsRead"]["unreadCount"],
        2
    );
    assert_eq!(
        app.ok(&s.new_officer.token, INBOX, json!({})).await["unreadNotificationCount"],
        2
    );

    assert_eq!(
        app.ok(&s.staff.token, mark, json!({ "ids": [ids[0]] })).await["markNotificationsRead"]["unreadCount"],
        1
    );
    let unread = app
        .ok(
            &s.staff.token,
            "{ notifications(unreadOnly: true) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(unread["notifications"]["totalCount"], 1);
    let all = app
        .ok(
            &s.staff.token,
            "mutation { markAllNotificationsRead { unreadCount } }",
            json!({}),
        )
        .await;
    assert_eq!(all["markAllNotificationsRead"]["unreadCount"], 0);
    // The colleague's inbox is untouched by the staff member's reading.
    assert_eq!(
        app.ok(&s.colleague.token, INBOX, json!({})).await["unreadNotificationCount"],
        2
    );
    assert_eq!(
        app.error_code(Some(&s.staff.token), "{ pushDeliveries { totalCount } }", json!({}))
            .await,
        "FORBIDDEN"
    );
}

async fn admins_see_and_retry_failed_deliveries(app: TestApp) {
    let fake = FakeFcm::start().await;
    let s = scene(&app).await;
    app.register_device(&s.new_officer.token, "tok-rejected", "zh-CN").await;
    fake.script("tok-rejected", vec![Answer::Error(403, "SENDER_ID_MISMATCH")]);
    app.ok(
        &app.admin_token,
        ASSIGN,
        json!({ "c": s.company, "o": s.new_officer.id }),
    )
    .await;
    let worker = app.push_worker(&fake);
    assert_eq!(worker.run_once().await.unwrap().failed, 1, "refused, device kept");
    let dead = app
        .ok(
            &app.admin_token,
            "{ pushDeliveries(status: FAILED) { totalCount edges { node { id lastError deviceExists } } } }",
            json!({}),
        )
        .await;
    assert_eq!(dead["pushDeliveries"]["totalCount"], 1);
    let node = &dead["pushDeliveries"]["edges"][0]["node"];
    assert!(node["lastError"].as_str().unwrap().contains("403 SENDER_ID_MISMATCH"));
    assert_eq!(node["deviceExists"], true);
    let retry = "mutation($id: ID!) { retryPushDelivery(id: $id) { delivery { status attempts } } }";
    let retried = app.ok(&app.admin_token, retry, json!({ "id": node["id"] })).await;
    assert_eq!(retried["retryPushDelivery"]["delivery"]["status"], "PENDING");
    assert_eq!(worker.run_once().await.unwrap().sent, 1);
    assert_eq!(
        app.error_code(Some(&app.admin_token), retry, json!({ "id": node["id"] }))
            .await,
        "BAD_USER_INPUT"
    );
    assert_eq!(
        app.error_code(Some(&s.new_officer.token), retry, json!({ "id": node["id"] }))
            .await,
        "FORBIDDEN"
    );
}
