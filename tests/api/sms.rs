//! SMS for what must not be missed, through each provider's fake: an OVERDUE step reaches its
//! holder once with the signature verified; kinds that are not critical send none; opt-out,
//! quiet hours, the daily cap, retries, refusals and an unconfigured provider.

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{json, Value};
use zhitong::config::{AliyunSms, Config, SmsProviderName, TencentSms};
use zhitong::notifications::sms::worker::{SmsReport, SmsWorker};

use crate::fake_sms_aliyun::{self as aliyun, Answer, FakeAliyun};
use crate::fake_sms_tencent::{self as tencent, FakeTencent};
use crate::helpers::{Backend, TestApp, TestUser};
use crate::requests::{dispatched, read, zone, Zone, RAISE};

/// A SQLite and a PostgreSQL test for each `async fn(Backend)` (each starts its own fake first).
macro_rules! sms_tests {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[actix_rt::test]
            async fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite).await
            }

            #[actix_rt::test]
            #[cfg_attr(not(zhitong_pg_tests), ignore = "PostgreSQL: set ZHITONG_TEST_DATABASE_URL to run")]
            async fn postgres() {
                super::$name($crate::helpers::Backend::Postgres).await
            }
        }
    )+};
}

sms_tests!(
    an_overdue_step_texts_its_holder_once_through_alibaba_cloud,
    an_overdue_step_texts_its_holder_once_through_tencent_cloud,
    kinds_that_are_not_critical_send_no_sms,
    opting_out_stops_optional_kinds_but_not_mandatory_ones,
    quiet_hours_hold_what_does_not_override_them,
    the_daily_cap_holds_the_rest_until_an_admin_retries,
    provider_errors_are_retried_and_the_sms_sent_once,
    tencent_errors_are_retried_and_the_sms_sent_once,
    refusals_and_wrong_signatures_fail_with_the_provider_s_code,
    without_a_provider_sms_are_held_and_kept,
    admins_choose_the_critical_kinds,
    a_worker_whose_lease_ran_out_does_not_send,
);

const OVERDUE_TEMPLATE: &str = "SMS_100001";
const RAISED_TEMPLATE: &str = "SMS_100004";
const DISPATCHED_TEMPLATE: &str = "SMS_100005";

fn templates(tencent_ids: bool) -> std::collections::BTreeMap<String, String> {
    [
        ("OVERDUE", "SMS_100001", "2000001"),
        ("SUPERVISED", "SMS_100002", "2000002"),
        ("REPRIMANDED", "SMS_100003", "2000003"),
        ("REQUEST_RAISED", "SMS_100004", "2000004"),
        ("TASK_DISPATCHED", "SMS_100005", "2000005"),
    ]
    .into_iter()
    .map(|(kind, code, id)| (kind.to_string(), if tencent_ids { id } else { code }.to_string()))
    .collect()
}

pub fn with_aliyun(fake: &FakeAliyun, secret: &str, config: &mut Config) {
    config.sms.provider = Some(SmsProviderName::Aliyun);
    config.sms.sign_name = Some(aliyun::SIGN_NAME.into());
    config.sms.templates = templates(false);
    config.sms.aliyun = Some(AliyunSms {
        access_key_id: aliyun::ACCESS_KEY_ID.into(),
        access_key_secret: secret.into(),
        endpoint: fake.address.clone(),
    });
}

fn with_tencent(fake: &FakeTencent, secret: &str, config: &mut Config) {
    config.sms.provider = Some(SmsProviderName::Tencent);
    config.sms.sign_name = Some(tencent::SIGN_NAME.into());
    config.sms.templates = templates(true);
    config.sms.tencent = Some(TencentSms {
        secret_id: tencent::SECRET_ID.into(),
        secret_key: secret.into(),
        sdk_app_id: tencent::SDK_APP_ID.into(),
        region: "ap-guangzhou".into(),
        endpoint: fake.address.clone(),
    });
}

/// The start-up line that says which SMS provider is on was logged (by this or another test of
/// this process with the same configuration).
fn logged_at_start(expected: &str) {
    let log = std::fs::read_to_string(crate::helpers::suite_log_file()).expect("the suite's log");
    assert!(
        log.lines()
            .any(|l| l.contains("zhitong::app::startup") && l.contains(expected)),
        "no start-up line with {expected:?}"
    );
}

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

async fn round(app: &TestApp) -> SmsReport {
    SmsWorker::from_config(&app.state)
        .run_once()
        .await
        .expect("an SMS round")
}

/// Consultations keep the same-day reply limit, with a long resolve limit, so that 18:00 in the
/// zone makes one OVERDUE step (the officer's first reply).
async fn one_limit(app: &TestApp) {
    app.ok(
        &app.admin_token,
        "mutation { setSlaPolicy(subject: CONSULTATION, coordinated: false, firstReply: { amount: 0, unit: SAME_DAY },
            resolve: { amount: 60, unit: WORKING_DAYS }) { policy { subject } } }",
        json!({}),
    )
    .await;
}

async fn sweep(app: &TestApp) {
    zhitong::requests::time_limits::sweeper::run_once(&app.state)
        .await
        .expect("a sweep");
}

const DELIVERIES: &str = "query($s: SmsStatus) { smsDeliveries(status: $s, first: 50) { totalCount edges { node {
    id notificationId kind phone status attempts provider providerCode providerMessageId lastError sentAt nextAttemptAt } } } }";

async fn deliveries(app: &TestApp, status: Option<&str>) -> Vec<Value> {
    let data = app.ok(&app.admin_token, DELIVERIES, json!({ "s": status })).await;
    data["smsDeliveries"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

/// Staff of company A raise an URGENT request; returns (id, number).
async fn raise_urgent(app: &TestApp, z: &Zone) -> (String, String) {
    let data = app
        .ok(
            &z.staff_a.token,
            RAISE,
            json!({ "input": { "kind": "PROBLEM", "categoryId": z.category, "urgency": "URGENT",
                "title": "变压器起火", "description": "厂区变压器冒烟" } }),
        )
        .await;
    let request = &data["raiseRequest"]["request"];
    (
        request["id"].as_str().unwrap().to_string(),
        request["number"].as_str().unwrap().to_string(),
    )
}

async fn number_of(app: &TestApp, token: &str, id: &str) -> String {
    read(app, token, id).await["number"].as_str().unwrap().to_string()
}

/// The notification an SMS carried, from its OutId / SessionContext (`ntf_…`).
async fn notification_of(app: &TestApp, out_id: &str) -> (String, i64) {
    let id: i64 = out_id.strip_prefix("ntf_").expect("ntf_ id").parse().unwrap();
    app.state
        .db
        .read(move |conn| {
            use diesel::prelude::*;
            use zhitong::db::schema::notifications as n;
            Ok(n::table
                .find(id)
                .select((n::kind, n::user_id))
                .first::<(String, i64)>(conn)?)
        })
        .await
        .unwrap()
}

fn user_number(user: &TestUser) -> i64 {
    user.id.strip_prefix("usr_").unwrap().parse().unwrap()
}

async fn relogin_all(app: &mut TestApp, users: &mut [&mut TestUser]) {
    app.relogin_admin().await;
    for user in users.iter_mut() {
        app.relogin(user).await;
    }
}

async fn an_overdue_step_texts_its_holder_once_through_alibaba_cloud(backend: Backend) {
    let fake = FakeAliyun::start().await;
    let mut app = TestApp::spawn_configured(backend, |c| with_aliyun(&fake, aliyun::ACCESS_KEY_SECRET, c)).await;
    logged_at_start("SMS provider on provider=\"aliyun\"");
    let z = zone(&app).await;
    one_limit(&app).await;
    let (id, _) = z.raise(&app, "CONSULTATION").await;
    let number = number_of(&app, &z.officer_a.token, &id).await;
    // A new request that is not urgent is no SMS.
    assert_eq!(round(&app).await.claimed, 0);

    // The same-day reply limit (18:00 in the zone) passes: OVERDUE, held by the officer.
    app.clock.set(utc(2026, 3, 2, 10, 1));
    sweep(&app).await;
    let report = round(&app).await;
    assert_eq!((report.claimed, report.sent), (1, 1), "{report:?}");
    let accepted = fake.accepted();
    assert_eq!(accepted.len(), 1, "{accepted:?}");
    let sms = &accepted[0];
    assert_eq!(sms["PhoneNumbers"], z.officer_a.phone);
    assert_eq!(sms["SignName"], aliyun::SIGN_NAME);
    assert_eq!(sms["TemplateCode"], OVERDUE_TEMPLATE);
    let params: Value = serde_json::from_str(&sms["TemplateParam"]).unwrap();
    assert_eq!(
        params,
        json!({ "number": number }),
        "the request number and nothing else"
    );
    assert_eq!(
        notification_of(&app, &sms["OutId"]).await,
        ("OVERDUE".to_string(), user_number(&z.officer_a))
    );
    assert!(fake.rejected().is_empty(), "{:?}", fake.rejected());

    // The admins see it, the phone masked; the admins' own OVERDUE notice was no SMS.
    app.relogin_admin().await;
    let rows = deliveries(&app, None).await;
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0]["kind"], "OVERDUE");
    assert_eq!(rows[0]["phone"], "139****0001");
    assert_eq!(rows[0]["status"], "SENT");
    assert_eq!(rows[0]["provider"], "aliyun");
    assert_eq!(rows[0]["providerCode"], "OK");
    assert_eq!(rows[0]["providerMessageId"], "900001^0");
    assert_eq!(rows[0]["attempts"], 1);

    // Nothing is sent twice.
    sweep(&app).await;
    assert_eq!(round(&app).await.claimed, 0);
    assert_eq!(fake.accepted().len(), 1);
    assert_eq!(fake.attempts(), 1);
}

async fn an_overdue_step_texts_its_holder_once_through_tencent_cloud(backend: Backend) {
    let fake = FakeTencent::start().await;
    let mut app = TestApp::spawn_configured(backend, |c| with_tencent(&fake, tencent::SECRET_KEY, c)).await;
    logged_at_start("SMS provider on provider=\"tencent\"");
    let z = zone(&app).await;
    one_limit(&app).await;
    let (id, _) = z.raise(&app, "CONSULTATION").await;
    let number = number_of(&app, &z.officer_a.token, &id).await;
    app.clock.set(utc(2026, 3, 2, 10, 1));
    sweep(&app).await;
    let report = round(&app).await;
    assert_eq!(report.sent, 1, "{report:?}");
    let accepted = fake.accepted();
    assert_eq!(accepted.len(), 1, "{accepted:?}");
    let body = &accepted[0];
    assert_eq!(body["PhoneNumberSet"], json!([format!("+86{}", z.officer_a.phone)]));
    assert_eq!(body["SmsSdkAppId"], tencent::SDK_APP_ID);
    assert_eq!(body["SignName"], tencent::SIGN_NAME);
    assert_eq!(body["TemplateId"], "2000001");
    assert_eq!(body["TemplateParamSet"], json!([number]));
    assert_eq!(
        notification_of(&app, body["SessionContext"].as_str().unwrap()).await,
        ("OVERDUE".to_string(), user_number(&z.officer_a))
    );
    assert!(fake.rejected().is_empty(), "{:?}", fake.rejected());
    app.relogin_admin().await;
    let rows = deliveries(&app, Some("SENT")).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["provider"], "tencent");
    assert_eq!(rows[0]["providerCode"], "Ok");
    assert_eq!(rows[0]["providerMessageId"], "2028:6000001");
    assert_eq!(round(&app).await.claimed, 0);
    assert_eq!(fake.attempts(), 1);
}

async fn kinds_that_are_not_critical_send_no_sms(backend: Backend) {
    let fake = FakeAliyun::start().await;
    let app = TestApp::spawn_configured(backend, |c| with_aliyun(&fake, aliyun::ACCESS_KEY_SECRET, c)).await;
    let z = zone(&app).await;
    // Raised (not urgent), accepted, dispatched: notices to the officer, the company's staff
    // and the department, none of a critical kind.
    dispatched(&app, &z, &[0]).await;
    assert!(app.count("notifications").await >= 4);
    assert_eq!(app.count("sms_deliveries").await, 0);
    assert_eq!(round(&app).await.claimed, 0);
    assert_eq!(fake.attempts(), 0);
}

async fn opting_out_stops_optional_kinds_but_not_mandatory_ones(backend: Backend) {
    let fake = FakeAliyun::start().await;
    let app = TestApp::spawn_configured(backend, |c| with_aliyun(&fake, aliyun::ACCESS_KEY_SECRET, c)).await;
    let z = zone(&app).await;
    // New tasks become critical, but not mandatory.
    let set = app
        .ok(
            &app.admin_token,
            "mutation { setSmsKind(kind: \"TASK_DISPATCHED\", mandatory: false, overridesQuietHours: false) { smsKind { kind mandatory overridesQuietHours urgentOnly } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        set["setSmsKind"]["smsKind"],
        json!({ "kind": "TASK_DISPATCHED", "mandatory": false, "overridesQuietHours": false, "urgentOnly": false })
    );
    let opt_out = "mutation($o: Boolean!) { setSmsOptOut(optOut: $o) { smsOptOut } }";
    for user in [&z.dept_staff[0], &z.officer_a] {
        let data = app.ok(&user.token, opt_out, json!({ "o": true })).await;
        assert_eq!(data["setSmsOptOut"]["smsOptOut"], true);
        assert_eq!(app.ok(&user.token, "{ smsOptOut }", json!({})).await["smsOptOut"], true);
    }
    assert_eq!(
        app.ok(&z.dept_staff[1].token, "{ smsOptOut }", json!({})).await["smsOptOut"],
        false
    );

    one_limit(&app).await;
    z.raise(&app, "CONSULTATION").await;
    dispatched(&app, &z, &[0, 1]).await;
    round(&app).await;
    let phones: Vec<String> = fake.accepted().iter().map(|m| m["PhoneNumbers"].clone()).collect();
    assert_eq!(
        phones,
        vec![z.dept_staff[1].phone.clone()],
        "only the department that kept SMS on"
    );
    assert_eq!(fake.accepted()[0]["TemplateCode"], DISPATCHED_TEMPLATE);

    // OVERDUE is mandatory: the officer who opted out still gets it.
    app.clock.set(utc(2026, 3, 2, 10, 1));
    sweep(&app).await;
    round(&app).await;
    let accepted = fake.accepted();
    assert_eq!(accepted.len(), 2, "{accepted:?}");
    assert_eq!(accepted[1]["PhoneNumbers"], z.officer_a.phone);
    assert_eq!(accepted[1]["TemplateCode"], OVERDUE_TEMPLATE);

    // Turning SMS on again works.
    let mut officer = z.officer_a.clone();
    app.relogin(&mut officer).await;
    assert_eq!(
        app.ok(&officer.token, opt_out, json!({ "o": false })).await["setSmsOptOut"]["smsOptOut"],
        false
    );
}

async fn quiet_hours_hold_what_does_not_override_them(backend: Backend) {
    let fake = FakeAliyun::start().await;
    let mut app = TestApp::spawn_configured(backend, |c| with_aliyun(&fake, aliyun::ACCESS_KEY_SECRET, c)).await;
    let mut z = zone(&app).await;
    app.ok(
        &z.officer_a.token,
        "mutation { setQuietHours(start: \"17:00\", end: \"20:00\") { user { id } } }",
        json!({}),
    )
    .await;
    one_limit(&app).await;
    z.raise(&app, "CONSULTATION").await;
    // 18:01 in the zone, inside the officer's quiet hours: OVERDUE waits for 20:00.
    app.clock.set(utc(2026, 3, 2, 10, 1));
    sweep(&app).await;
    let report = round(&app).await;
    assert_eq!((report.deferred, report.sent), (1, 0), "{report:?}");
    assert!(fake.accepted().is_empty());
    relogin_all(&mut app, &mut [&mut z.staff_a]).await;
    let held = deliveries(&app, Some("PENDING")).await;
    assert_eq!(held.len(), 1);
    assert_eq!(held[0]["nextAttemptAt"], "2026-03-02T12:00:00+00:00");
    assert_eq!(held[0]["attempts"], 0, "waiting is no attempt");

    // A new URGENT request overrides quiet hours: its SMS goes at once.
    let (_, number) = raise_urgent(&app, &z).await;
    let report = round(&app).await;
    assert_eq!((report.claimed, report.sent), (1, 1), "{report:?}");
    assert_eq!(fake.accepted()[0]["TemplateCode"], RAISED_TEMPLATE);
    assert_eq!(
        serde_json::from_str::<Value>(&fake.accepted()[0]["TemplateParam"]).unwrap(),
        json!({ "number": number })
    );

    // At 20:00 the OVERDUE goes.
    app.clock.set(utc(2026, 3, 2, 11, 59));
    assert_eq!(round(&app).await.claimed, 0);
    app.clock.set(utc(2026, 3, 2, 12, 0));
    assert_eq!(round(&app).await.sent, 1);
    let templates: Vec<String> = fake.accepted().iter().map(|m| m["TemplateCode"].clone()).collect();
    assert_eq!(templates, vec![RAISED_TEMPLATE, OVERDUE_TEMPLATE]);
}

async fn the_daily_cap_holds_the_rest_until_an_admin_retries(backend: Backend) {
    let fake = FakeAliyun::start().await;
    let mut app = TestApp::spawn_configured(backend, |c| {
        with_aliyun(&fake, aliyun::ACCESS_KEY_SECRET, c);
        c.sms.daily_cap = 2;
    })
    .await;
    let z = zone(&app).await;
    for _ in 0..3 {
        raise_urgent(&app, &z).await;
    }
    let report = round(&app).await;
    assert_eq!((report.sent, report.capped), (2, 1), "{report:?}");
    assert_eq!(fake.accepted().len(), 2);
    let held = deliveries(&app, Some("HELD_DAILY_CAP")).await;
    assert_eq!(held.len(), 1, "{held:#?}");
    assert!(
        held[0]["lastError"]
            .as_str()
            .unwrap()
            .contains("ZHITONG_SMS_DAILY_CAP=2"),
        "{held:#?}"
    );
    // Held stays held.
    assert_eq!(round(&app).await.claimed, 0);

    // Still the same zone day at 23:59 (15:59 UTC); a retry is capped again.
    app.clock.set(utc(2026, 3, 2, 15, 59));
    app.relogin_admin().await;
    let retry = "mutation($id: ID!) { retrySmsDelivery(id: $id) { delivery { status attempts } } }";
    let audit_before = app.count("audit_log").await;
    let data = app.ok(&app.admin_token, retry, json!({ "id": held[0]["id"] })).await;
    assert_eq!(data["retrySmsDelivery"]["delivery"]["status"], "PENDING");
    assert_eq!(app.count("audit_log").await, audit_before + 1, "the retry is audited");
    assert_eq!(round(&app).await.capped, 1);

    // The next zone day (00:00 in Shanghai is 16:00 UTC) it goes.
    app.clock.set(utc(2026, 3, 2, 16, 0));
    app.ok(&app.admin_token, retry, json!({ "id": held[0]["id"] })).await;
    assert_eq!(round(&app).await.sent, 1);
    assert_eq!(fake.accepted().len(), 3);
    // A sent one cannot be retried.
    let sent = deliveries(&app, Some("SENT")).await;
    assert_eq!(
        app.error_code(Some(&app.admin_token), retry, json!({ "id": sent[0]["id"] }))
            .await,
        "BAD_USER_INPUT"
    );
    let mut staff = z.staff_a.clone();
    app.relogin(&mut staff).await;
    assert_eq!(
        app.error_code(Some(&staff.token), retry, json!({ "id": sent[0]["id"] }))
            .await,
        "FORBIDDEN"
    );
}

async fn provider_errors_are_retried_and_the_sms_sent_once(backend: Backend) {
    let fake = FakeAliyun::start().await;
    let mut app = TestApp::spawn_configured(backend, |c| with_aliyun(&fake, aliyun::ACCESS_KEY_SECRET, c)).await;
    let z = zone(&app).await;
    fake.script(&[Answer::Quota, Answer::ServerError(Some(120))]);
    raise_urgent(&app, &z).await;
    retried_then_sent(&mut app, "isv.BUSINESS_LIMIT_CONTROL", "ServiceUnavailable").await;
    assert_eq!(fake.accepted().len(), 1);
    assert_eq!(fake.attempts(), 3);
    assert!(fake.rejected().is_empty(), "{:?}", fake.rejected());
}

async fn tencent_errors_are_retried_and_the_sms_sent_once(backend: Backend) {
    let fake = FakeTencent::start().await;
    let mut app = TestApp::spawn_configured(backend, |c| with_tencent(&fake, tencent::SECRET_KEY, c)).await;
    let z = zone(&app).await;
    fake.script(&[Answer::Quota, Answer::ServerError(Some(120))]);
    raise_urgent(&app, &z).await;
    retried_then_sent(&mut app, "LimitExceeded.PhoneNumberDailyLimit", "InternalError.Timeout").await;
    assert_eq!(fake.accepted().len(), 1);
    assert_eq!(fake.attempts(), 3);
    assert!(fake.rejected().is_empty(), "{:?}", fake.rejected());
}

/// One message: a quota error (retried within the first backoff), a server error with
/// `Retry-After: 120` (not retried before), then accepted, and never again.
async fn retried_then_sent(app: &mut TestApp, quota_code: &str, server_code: &str) {
    let start = utc(2026, 3, 2, 1, 30);
    let report = round(app).await;
    assert_eq!(report.retried, 1, "{report:?}");
    let row = &deliveries(app, Some("PENDING")).await[0];
    assert_eq!(row["providerCode"], quota_code);
    assert_eq!(row["attempts"], 1);
    let next: DateTime<Utc> = row["nextAttemptAt"].as_str().unwrap().parse().unwrap();
    assert!(
        next >= start + chrono::Duration::seconds(15) && next <= start + chrono::Duration::seconds(30),
        "{next}"
    );
    app.clock.set(start + chrono::Duration::seconds(31));
    assert_eq!(round(app).await.retried, 1);
    let row = &deliveries(app, Some("PENDING")).await[0];
    assert_eq!(row["providerCode"], server_code);
    let next: DateTime<Utc> = row["nextAttemptAt"].as_str().unwrap().parse().unwrap();
    assert!(
        next >= start + chrono::Duration::seconds(31 + 120),
        "Retry-After honoured: {next}"
    );
    app.clock.set(start + chrono::Duration::seconds(31 + 119));
    assert_eq!(round(app).await.claimed, 0, "not before Retry-After");
    app.clock.set(start + chrono::Duration::seconds(31 + 121));
    assert_eq!(round(app).await.sent, 1);
    app.clock.set(start + chrono::Duration::hours(2));
    assert_eq!(round(app).await.claimed, 0);
    app.relogin_admin().await;
    let rows = deliveries(app, None).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["status"], "SENT");
    assert_eq!(rows[0]["attempts"], 3);
    assert_eq!(rows[0]["lastError"], Value::Null);
}

async fn refusals_and_wrong_signatures_fail_with_the_provider_s_code(backend: Backend) {
    // An invalid number: failed at once with the provider's code, never retried.
    let fake = FakeAliyun::start().await;
    let mut app = TestApp::spawn_configured(backend, |c| with_aliyun(&fake, aliyun::ACCESS_KEY_SECRET, c)).await;
    let z = zone(&app).await;
    fake.script(&[Answer::InvalidNumber]);
    raise_urgent(&app, &z).await;
    assert_eq!(round(&app).await.failed, 1);
    app.clock.set(utc(2026, 3, 2, 5, 0));
    assert_eq!(round(&app).await.claimed, 0);
    app.relogin_admin().await;
    let failed = deliveries(&app, Some("FAILED")).await;
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["providerCode"], "isv.MOBILE_NUMBER_ILLEGAL");
    assert_eq!(failed[0]["attempts"], 1);
    assert_eq!(fake.attempts(), 1);

    // A wrong secret: each fake recomputes the signature and refuses it.
    let fake = FakeAliyun::start().await;
    let app = TestApp::spawn_configured(backend, |c| with_aliyun(&fake, "not-the-secret", c)).await;
    let z = zone(&app).await;
    raise_urgent(&app, &z).await;
    assert_eq!(round(&app).await.failed, 1);
    assert_eq!(fake.rejected(), vec!["SignatureDoesNotMatch".to_string()]);
    assert!(fake.accepted().is_empty());
    assert_eq!(
        deliveries(&app, Some("FAILED")).await[0]["providerCode"],
        "SignatureDoesNotMatch"
    );

    let fake = FakeTencent::start().await;
    let app = TestApp::spawn_configured(backend, |c| with_tencent(&fake, "not-the-secret", c)).await;
    let z = zone(&app).await;
    raise_urgent(&app, &z).await;
    assert_eq!(round(&app).await.failed, 1);
    assert_eq!(fake.rejected(), vec!["AuthFailure.SignatureFailure".to_string()]);
    assert!(fake.accepted().is_empty());
    assert_eq!(
        deliveries(&app, Some("FAILED")).await[0]["providerCode"],
        "AuthFailure.SignatureFailure"
    );
}

async fn without_a_provider_sms_are_held_and_kept(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    logged_at_start("SMS provider off");
    let z = zone(&app).await;
    raise_urgent(&app, &z).await;
    let report = round(&app).await;
    assert_eq!(report.unconfigured, 1, "{report:?}");
    assert_eq!(round(&app).await.claimed, 0);
    let held = deliveries(&app, Some("HELD_UNCONFIGURED")).await;
    assert_eq!(held.len(), 1);
    assert!(
        held[0]["lastError"].as_str().unwrap().contains("ZHITONG_SMS_PROVIDER"),
        "{held:#?}"
    );
    assert_eq!(held[0]["provider"], Value::Null);
    assert_eq!(app.count("sms_deliveries").await, 1, "held, never deleted");

    // A provider without a template for the kind holds it too.
    let fake = FakeAliyun::start().await;
    let app = TestApp::spawn_configured(backend, |c| {
        with_aliyun(&fake, aliyun::ACCESS_KEY_SECRET, c);
        c.sms.templates.remove("REQUEST_RAISED");
    })
    .await;
    let z = zone(&app).await;
    raise_urgent(&app, &z).await;
    assert_eq!(round(&app).await.unconfigured, 1);
    let held = deliveries(&app, Some("HELD_UNCONFIGURED")).await;
    assert_eq!(held[0]["provider"], "aliyun");
    assert!(
        held[0]["lastError"].as_str().unwrap().contains("REQUEST_RAISED"),
        "{held:#?}"
    );
    assert_eq!(fake.attempts(), 0);
}

async fn admins_choose_the_critical_kinds(backend: Backend) {
    let fake = FakeAliyun::start().await;
    let mut app = TestApp::spawn_configured(backend, |c| with_aliyun(&fake, aliyun::ACCESS_KEY_SECRET, c)).await;
    let mut z = zone(&app).await;
    one_limit(&app).await;
    let kinds = app
        .ok(
            &app.admin_token,
            "{ smsKinds { kind mandatory overridesQuietHours urgentOnly } }",
            json!({}),
        )
        .await;
    assert_eq!(
        kinds["smsKinds"],
        json!([
            { "kind": "OVERDUE", "mandatory": true, "overridesQuietHours": false, "urgentOnly": false },
            { "kind": "REPRIMANDED", "mandatory": true, "overridesQuietHours": false, "urgentOnly": false },
            { "kind": "REQUEST_RAISED", "mandatory": true, "overridesQuietHours": true, "urgentOnly": true },
            { "kind": "SUPERVISED", "mandatory": true, "overridesQuietHours": false, "urgentOnly": false },
        ])
    );
    assert_eq!(
        app.error_code(Some(&z.officer_a.token), "{ smsKinds { kind } }", json!({}))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.error_code(Some(&z.officer_a.token), "{ smsDeliveries { totalCount } }", json!({}))
            .await,
        "FORBIDDEN"
    );
    let set = "mutation($k: String!) { setSmsKind(kind: $k, mandatory: true, overridesQuietHours: true) { smsKind { kind } } }";
    let audit_before = app.count("audit_log").await;
    assert_eq!(
        app.error_code(Some(&app.admin_token), set, json!({ "k": "COMPANY_OFFICER_CHANGED" }))
            .await,
        "BAD_USER_INPUT"
    );
    assert_eq!(
        app.error_code(Some(&z.officer_a.token), set, json!({ "k": "OVERDUE" }))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(app.count("sms_kinds").await, 4, "refused changes change nothing");
    assert_eq!(app.count("audit_log").await, audit_before);

    // OVERDUE no longer by SMS: the step sends none. Audited.
    let removed = app
        .ok(
            &app.admin_token,
            "mutation { removeSmsKind(kind: \"overdue\") }",
            json!({}),
        )
        .await;
    assert_eq!(removed["removeSmsKind"], true);
    assert_eq!(app.count("audit_log").await, audit_before + 1);
    z.raise(&app, "CONSULTATION").await;
    app.clock.set(utc(2026, 3, 2, 10, 1));
    sweep(&app).await;
    assert_eq!(round(&app).await.claimed, 0);
    assert_eq!(app.count("sms_deliveries").await, 0);
    relogin_all(&mut app, &mut [&mut z.officer_a]).await;
    let again = app.ok(&app.admin_token, set, json!({ "k": "OVERDUE" })).await;
    assert_eq!(again["setSmsKind"]["smsKind"]["kind"], "OVERDUE");
    assert_eq!(app.count("audit_log").await, audit_before + 2);
    // Changing a kind that is already there.
    let changed = app
        .ok(
            &app.admin_token,
            "mutation { setSmsKind(kind: \"OVERDUE\", mandatory: false, overridesQuietHours: false, urgentOnly: true) { smsKind { kind mandatory overridesQuietHours urgentOnly } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        changed["setSmsKind"]["smsKind"],
        json!({ "kind": "OVERDUE", "mandatory": false, "overridesQuietHours": false, "urgentOnly": true })
    );
    assert_eq!(app.count("sms_kinds").await, 4);
    assert_eq!(app.count("audit_log").await, audit_before + 3);
}

async fn a_worker_whose_lease_ran_out_does_not_send(backend: Backend) {
    let fake = FakeAliyun::start().await;
    let app = TestApp::spawn_configured(backend, |c| with_aliyun(&fake, aliyun::ACCESS_KEY_SECRET, c)).await;
    let z = zone(&app).await;
    raise_urgent(&app, &z).await;
    raise_urgent(&app, &z).await;
    fake.delay_each_send(std::time::Duration::from_millis(800));
    // Worker A takes both and is slow on the first; meanwhile its leases run out and worker B
    // takes both again.
    let state = app.state.clone();
    let a = actix_rt::spawn(async move { SmsWorker::from_config(&state).run_once().await.unwrap() });
    actix_rt::time::sleep(std::time::Duration::from_millis(200)).await;
    app.clock.advance(chrono::Duration::seconds(61));
    let b = round(&app).await;
    let a = a.await.unwrap();
    assert_eq!((a.claimed, a.sent, a.lost_lease), (2, 1, 1), "{a:?}");
    assert_eq!((b.claimed, b.sent), (2, 2), "{b:?}");
    // The second message went once (by B); only the first, in flight at A, went twice.
    let mut counts = std::collections::BTreeMap::new();
    for sms in fake.accepted() {
        *counts.entry(sms["OutId"].clone()).or_insert(0) += 1;
    }
    let mut repeats: Vec<i32> = counts.values().copied().collect();
    repeats.sort();
    assert_eq!(repeats, vec![1, 2], "{counts:?}");
    assert_eq!(app.count("sms_deliveries").await, 2);
}
