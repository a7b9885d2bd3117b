//! Push through each device's own provider — FCM, APNs, Huawei, Honor, Xiaomi, OPPO, vivo —
//! against local fakes that check each vendor's authentication and message shape: a mixed zone,
//! each provider's invalid-token answer, a misconfigured base URL, an outage of a day, a provider
//! not configured, and the admins' bulk requeue.

use std::sync::Arc;

use chrono::Duration;
use serde_json::{json, Value};
use zhitong::clock::Clock;
use zhitong::notifications::push::apns::ApnsSender;
use zhitong::notifications::push::honor::HonorSender;
use zhitong::notifications::push::huawei::HuaweiSender;
use zhitong::notifications::push::oppo::OppoSender;
use zhitong::notifications::push::vivo::VivoSender;
use zhitong::notifications::push::xiaomi::XiaomiSender;
use zhitong::notifications::push::{FcmSender, PushRouter};

use crate::backend_tests;
use crate::fake_apns::FakeApns;
use crate::fake_fcm::FakeFcm;
use crate::fake_huawei::{FakeHuawei, Flavor};
use crate::fake_oppo::FakeOppo;
use crate::fake_push::{FakeVendor, Reply};
use crate::fake_vivo::FakeVivo;
use crate::fake_xiaomi::FakeXiaomi;
use crate::helpers::TestApp;
use crate::requests::{zone, ACCEPT, RAISE};

backend_tests!(
    one_request_s_life_reaches_every_device_through_its_own_provider,
    each_provider_s_invalid_token_removes_only_that_device,
    a_misconfigured_base_url_removes_nothing,
    a_provider_down_for_a_day_loses_nothing,
    an_unconfigured_provider_holds_its_deliveries,
    admins_requeue_failed_deliveries_in_bulk,
);

struct Fakes {
    fcm: FakeFcm,
    apns: FakeApns,
    huawei: FakeHuawei,
    honor: FakeHuawei,
    xiaomi: FakeXiaomi,
    oppo: FakeOppo,
    vivo: FakeVivo,
}

impl Fakes {
    async fn start() -> Fakes {
        Fakes {
            fcm: FakeFcm::start().await,
            apns: FakeApns::start().await,
            huawei: FakeHuawei::start(Flavor::Huawei),
            honor: FakeHuawei::start(Flavor::Honor),
            xiaomi: FakeXiaomi::start(),
            oppo: FakeOppo::start(),
            vivo: FakeVivo::start(),
        }
    }

    /// Every provider's real sender, each pointed at its fake.
    fn router(&self) -> PushRouter {
        PushRouter::new()
            .with(Arc::new(
                FcmSender::from_credentials_file(self.fcm.credentials(), &self.fcm.address).unwrap(),
            ))
            .with(Arc::new(ApnsSender::new(self.apns.settings()).unwrap()))
            .with(Arc::new(HuaweiSender::new(self.huawei.settings()).unwrap()))
            .with(Arc::new(HonorSender::new(self.honor.settings()).unwrap()))
            .with(Arc::new(XiaomiSender::new(self.xiaomi.settings()).unwrap()))
            .with(Arc::new(OppoSender::new(self.oppo.settings()).unwrap()))
            .with(Arc::new(VivoSender::new(self.vivo.settings()).unwrap()))
    }

    fn vendors(&self) -> [(&'static str, &dyn FakeVendor); 6] {
        [
            ("APNS", &self.apns),
            ("HUAWEI", &self.huawei),
            ("HONOR", &self.honor),
            ("XIAOMI", &self.xiaomi),
            ("OPPO", &self.oppo),
            ("VIVO", &self.vivo),
        ]
    }

    /// No fake saw a request that breaks its vendor's protocol.
    fn assert_no_violations(&self) {
        for (name, fake) in self.vendors() {
            assert!(fake.violations().is_empty(), "{name}: {:?}", fake.violations());
        }
    }

    /// How many messages reached `token`, whichever provider it belongs to.
    fn received(&self, token: &str) -> usize {
        self.fcm.accepted_for(token).len()
            + self
                .vendors()
                .iter()
                .map(|(_, f)| f.accepted_for(token).len())
                .sum::<usize>()
    }
}

/// (token, platform, provider) of one device per provider.
const ONE_EACH: [(&str, &str, &str); 7] = [
    ("fcm-1", "ANDROID", "FCM"),
    ("apns-1", "IOS", "APNS"),
    ("huawei-1", "HARMONY", "HUAWEI"),
    ("honor-1", "ANDROID", "HONOR"),
    ("xiaomi-1", "ANDROID", "XIAOMI"),
    ("oppo-1", "ANDROID", "OPPO"),
    ("vivo-1", "ANDROID", "VIVO"),
];

const DELIVERIES: &str = "query($s: DeliveryStatus, $p: PushProvider) { pushDeliveries(status: $s, provider: $p, first: 100) { totalCount edges { node { id status provider kind lastError deviceExists expiresAt } } } }";

async fn deliveries(app: &TestApp, status: Option<&str>, provider: Option<&str>) -> Vec<Value> {
    let data = app
        .ok(&app.admin_token, DELIVERIES, json!({ "s": status, "p": provider }))
        .await;
    data["pushDeliveries"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

/// An officer change: the admin assigns `officer` to `company`, which notifies the officer.
async fn assign(app: &TestApp, company: &str, officer: &str) {
    app.ok(
        &app.admin_token,
        "mutation($c: ID!, $o: ID!) { assignOfficer(companyId: $c, officerId: $o, reason: \"调整\") { assignment { id } } }",
        json!({ "c": company, "o": officer }),
    )
    .await;
}

async fn one_request_s_life_reaches_every_device_through_its_own_provider(app: TestApp) {
    let fakes = Fakes::start().await;
    let z = zone(&app).await;
    let colleague = app
        .create_user("COMPANY", "13900000031", "甲同事", json!({ "companyId": z.company_a }))
        .await;
    // The officer has an iPhone and a Huawei phone; the colleague a Xiaomi and an OPPO; the
    // staff member a vivo, an Honor and a phone with Google services.
    for (user, token, platform, provider) in [
        (&z.officer_a.token, "officer-iphone", "IOS", "APNS"),
        (&z.officer_a.token, "officer-huawei", "HARMONY", "HUAWEI"),
        (&colleague.token, "colleague-xiaomi", "ANDROID", "XIAOMI"),
        (&colleague.token, "colleague-oppo", "ANDROID", "OPPO"),
        (&z.staff_a.token, "staff-vivo", "ANDROID", "VIVO"),
        (&z.staff_a.token, "staff-honor", "ANDROID", "HONOR"),
        (&z.staff_a.token, "staff-fcm", "ANDROID", "FCM"),
    ] {
        let device = app.register_provider_device(user, token, platform, provider).await;
        assert_eq!(device["registerDevice"]["device"]["provider"], provider);
    }
    let worker = app.push_worker_with(fakes.router());

    let raised = app
        .ok(&z.staff_a.token, RAISE, json!({ "input": { "kind": "PROBLEM", "categoryId": z.category, "title": "夜间跳闸", "description": "生产用电经常跳闸" } }))
        .await;
    let id = raised["raiseRequest"]["request"]["id"].as_str().unwrap().to_string();
    let v = raised["raiseRequest"]["request"]["version"].as_i64().unwrap();
    let report = worker.run_once().await.unwrap();
    assert_eq!(
        (report.claimed, report.sent),
        (4, 4),
        "officer's two, colleague's two: {report:?}"
    );
    app.ok(&z.officer_a.token, ACCEPT, json!({ "id": id, "v": v })).await;
    let report = worker.run_once().await.unwrap();
    assert_eq!(
        (report.claimed, report.sent),
        (5, 5),
        "staff's three, colleague's two: {report:?}"
    );
    fakes.assert_no_violations();

    // Each device got exactly its pushes, through its own provider, with the request as the
    // click target and the notification id as the OS-level tag.
    let apns = fakes.apns.accepted_for("officer-iphone");
    assert_eq!(apns.len(), 1);
    assert_eq!(apns[0]["payload"]["requestId"], id.as_str());
    assert_eq!(apns[0]["payload"]["kind"], "REQUEST_RAISED");
    assert_eq!(apns[0]["payload"]["aps"]["alert"]["title"], "新的诉求");
    assert_eq!(apns[0]["apns-collapse-id"], apns[0]["payload"]["notificationId"]);
    let huawei = fakes.huawei.accepted_for("officer-huawei");
    assert_eq!(huawei.len(), 1);
    let data: Value = serde_json::from_str(huawei[0]["data"].as_str().unwrap()).unwrap();
    assert_eq!(data["requestId"], id.as_str());
    assert_eq!(huawei[0]["android"]["notification"]["tag"], data["notificationId"]);
    assert!(huawei[0]["android"]["notification"]["click_action"]["intent"]
        .as_str()
        .unwrap()
        .contains(&id));
    assert_eq!(
        huawei[0]["android"]["ttl"], "259200s",
        "a routine notice lives 72 hours"
    );
    let xiaomi = fakes.xiaomi.accepted_for("colleague-xiaomi");
    assert_eq!(
        xiaomi
            .iter()
            .map(|m| m["extra.kind"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["REQUEST_RAISED", "REQUEST_ACCEPTED"]
    );
    assert_ne!(
        xiaomi[0]["notify_id"], xiaomi[1]["notify_id"],
        "two notices, two notifications"
    );
    assert_eq!(fakes.oppo.accepted_for("colleague-oppo").len(), 2);
    let vivo = fakes.vivo.accepted_for("staff-vivo");
    assert_eq!(vivo.len(), 1);
    assert_eq!(vivo[0]["clientCustomMap"]["kind"], "REQUEST_ACCEPTED");
    assert_eq!(fakes.honor.accepted_for("staff-honor").len(), 1);
    assert_eq!(fakes.fcm.accepted_for("staff-fcm").len(), 1);
    for token in [
        "officer-iphone",
        "officer-huawei",
        "staff-vivo",
        "staff-honor",
        "staff-fcm",
    ] {
        assert_eq!(fakes.received(token), 1, "{token}: once, through its own provider only");
    }
    // The providers' tokens were exchanged once each and then reused.
    for (name, fake) in fakes.vendors() {
        if name != "XIAOMI" && name != "APNS" {
            assert_eq!(fake.auth_exchanges(), 1, "{name}");
        }
    }
    let sent = deliveries(&app, Some("SENT"), None).await;
    assert_eq!(sent.len(), 9);
    let providers: std::collections::BTreeSet<&str> = sent.iter().map(|d| d["provider"].as_str().unwrap()).collect();
    assert_eq!(providers.len(), 7, "{providers:?}");
}

async fn each_provider_s_invalid_token_removes_only_that_device(app: TestApp) {
    let fakes = Fakes::start().await;
    let officer = app.create_user("OFFICER", "13500000001", "专员", json!({})).await;
    let company = app
        .create_company("长远锂科股份有限公司", &crate::helpers::credit_code(701))
        .await;
    // Per provider: a stale token, a healthy one, one refused with an unknown code, and one
    // whose first send meets an expired access token.
    for (token, platform, provider) in ONE_EACH {
        let base = token.trim_end_matches("-1");
        for suffix in ["stale", "ok", "odd", "auth"] {
            app.register_provider_device(&officer.token, &format!("{base}-{suffix}"), platform, provider)
                .await;
        }
    }
    assert_eq!(app.count("devices").await, 28);
    fakes
        .fcm
        .script("fcm-stale", vec![crate::fake_fcm::Answer::Error(404, "UNREGISTERED")]);
    fakes.fcm.script(
        "fcm-odd",
        vec![crate::fake_fcm::Answer::Error(403, "SENDER_ID_MISMATCH")],
    );
    for (name, fake) in fakes.vendors() {
        let base = name.to_lowercase();
        fake.script(&format!("{base}-stale"), vec![Reply::InvalidToken]);
        fake.script(&format!("{base}-odd"), vec![Reply::Unknown]);
        fake.script(&format!("{base}-auth"), vec![Reply::AuthExpired]);
    }
    assign(&app, &company, &officer.id).await;
    let report = app.push_worker_with(fakes.router()).run_once().await.unwrap();
    fakes.assert_no_violations();
    // Xiaomi's credential is the app secret: its "authentication failed" cannot be refreshed
    // and fails the delivery like an unknown code.
    assert_eq!(
        (report.unregistered, report.failed, report.sent),
        (7, 8, 13),
        "{report:?}"
    );
    assert_eq!(
        app.count("devices").await,
        21,
        "exactly the seven stale tokens are gone"
    );
    for (token, _, _) in ONE_EACH {
        let base = token.trim_end_matches("-1");
        assert_eq!(fakes.received(&format!("{base}-ok")), 1, "{base}");
        assert_eq!(fakes.received(&format!("{base}-stale")), 0, "{base}");
    }
    for name in ["APNS", "HUAWEI", "HONOR", "OPPO", "VIVO"] {
        let base = name.to_lowercase();
        assert_eq!(
            fakes.received(&format!("{base}-auth")),
            1,
            "{name}: sent after one refresh"
        );
    }
    for name in ["HUAWEI", "HONOR", "OPPO", "VIVO"] {
        let fake = fakes.vendors().into_iter().find(|(n, _)| *n == name).unwrap().1;
        assert_eq!(fake.auth_exchanges(), 2, "{name}: refreshed exactly once");
    }
    let failed = deliveries(&app, Some("FAILED"), None).await;
    assert_eq!(failed.len(), 8);
    assert!(
        failed.iter().all(|d| d["deviceExists"] == true),
        "failed deliveries keep their device"
    );
    let codes: Vec<&str> = failed.iter().map(|d| d["lastError"].as_str().unwrap()).collect();
    for expected in [
        "SENDER_ID_MISMATCH",
        "BadCollapseId",
        "80100003",
        "Xiaomi 200 10017",
        "Xiaomi 200 21301",
        "OPPO 200 41",
        "vivo 200 10055",
    ] {
        assert!(codes.iter().any(|c| c.contains(expected)), "{expected} in {codes:?}");
    }
}

async fn a_misconfigured_base_url_removes_nothing(app: TestApp) {
    let fakes = Fakes::start().await;
    let officer = app.create_user("OFFICER", "13500000001", "专员", json!({})).await;
    let company = app
        .create_company("长远锂科股份有限公司", &crate::helpers::credit_code(701))
        .await;
    for (token, platform, provider) in ONE_EACH {
        app.register_provider_device(&officer.token, token, platform, provider)
            .await;
    }
    // Every sender pointed at a server that knows none of its paths (a wrong project id or a
    // misconfigured proxy answers 404 to everything).
    let wrong = fakes.xiaomi.address.clone();
    let mut huawei = fakes.huawei.settings();
    huawei.endpoint = wrong.clone();
    let mut honor = fakes.honor.settings();
    honor.endpoint = wrong.clone();
    let mut apns = fakes.apns.settings();
    apns.endpoint = fakes.apns.address.clone() + "/wrong-prefix";
    let mut xiaomi = fakes.xiaomi.settings();
    xiaomi.endpoint = fakes.oppo.address.clone();
    let mut oppo = fakes.oppo.settings();
    oppo.endpoint = wrong.clone();
    let mut vivo = fakes.vivo.settings();
    vivo.endpoint = wrong.clone();
    let router = PushRouter::new()
        .with(Arc::new(
            FcmSender::from_credentials_file(fakes.fcm.credentials(), &wrong).unwrap(),
        ))
        .with(Arc::new(ApnsSender::new(apns).unwrap()))
        .with(Arc::new(HuaweiSender::new(huawei).unwrap()))
        .with(Arc::new(HonorSender::new(honor).unwrap()))
        .with(Arc::new(XiaomiSender::new(xiaomi).unwrap()))
        .with(Arc::new(OppoSender::new(oppo).unwrap()))
        .with(Arc::new(VivoSender::new(vivo).unwrap()));
    assign(&app, &company, &officer.id).await;
    let report = app.push_worker_with(router).run_once().await.unwrap();
    assert_eq!(report.unregistered, 0, "{report:?}");
    assert_eq!(app.count("devices").await, 7, "no device lost to a wrong URL");
    let all = deliveries(&app, None, None).await;
    assert!(
        all.iter().all(|d| d["deviceExists"] == true && d["status"] != "SENT"),
        "{all:?}"
    );
    let fcm = all.iter().find(|d| d["provider"] == "FCM").unwrap();
    assert_eq!(fcm["status"], "FAILED");
    assert!(fcm["lastError"].as_str().unwrap().contains("404"), "{fcm}");
}

async fn a_provider_down_for_a_day_loses_nothing(app: TestApp) {
    let fakes = Fakes::start().await;
    let officer = app.create_user("OFFICER", "13500000001", "专员", json!({})).await;
    let company = app
        .create_company("长远锂科股份有限公司", &crate::helpers::credit_code(701))
        .await;
    let other = app.create_company("甲公司", &crate::helpers::credit_code(101)).await;
    for (token, platform, provider) in ONE_EACH {
        app.register_provider_device(&officer.token, token, platform, provider)
            .await;
    }
    // Quiet hours off: the outage, not the night, is what holds the pushes back.
    app.ok(
        &officer.token,
        "mutation { setQuietHours(start: \"00:00\", end: \"00:00\") { user { id } } }",
        json!({}),
    )
    .await;
    let worker = app.push_worker_with(fakes.router());
    fakes.huawei.set_down(true);
    fakes.vivo.set_down(true);
    assign(&app, &company, &officer.id).await;
    assign(&app, &other, &officer.id).await;
    let first = worker.run_once().await.unwrap();
    assert_eq!((first.sent, first.retried), (10, 4), "{first:?}");
    // A day of outage: the worker keeps trying, each retry no sooner than the backoff.
    for _ in 0..24 {
        app.clock.advance(Duration::hours(1));
        let round = worker.run_once().await.unwrap();
        assert_eq!((round.sent, round.dead, round.unregistered), (0, 0, 0), "{round:?}");
    }
    assert!(
        fakes.huawei.attempts() > 10,
        "retried through the day: {}",
        fakes.huawei.attempts()
    );
    fakes.huawei.set_down(false);
    fakes.vivo.set_down(false);
    app.clock.advance(Duration::hours(1));
    let back = worker.run_once().await.unwrap();
    assert_eq!(back.sent, 4, "{back:?}");
    assert_eq!(worker.run_once().await.unwrap().claimed, 0);
    for (token, _, _) in ONE_EACH {
        assert_eq!(fakes.received(token), 2, "{token}: each of the two pushes once");
    }
    assert_eq!(app.count("devices").await, 7);
    fakes.assert_no_violations();
}

async fn an_unconfigured_provider_holds_its_deliveries(app: TestApp) {
    let fakes = Fakes::start().await;
    let officer = app.create_user("OFFICER", "13500000001", "专员", json!({})).await;
    let company = app
        .create_company("长远锂科股份有限公司", &crate::helpers::credit_code(701))
        .await;
    app.register_provider_device(&officer.token, "fcm-1", "ANDROID", "FCM")
        .await;
    app.register_provider_device(&officer.token, "vivo-1", "ANDROID", "VIVO")
        .await;
    assign(&app, &company, &officer.id).await;
    // This server has FCM only.
    let fcm_only = app.push_worker(&fakes.fcm);
    let report = fcm_only.run_once().await.unwrap();
    assert_eq!((report.sent, report.held), (1, 1), "{report:?}");
    let held = deliveries(&app, Some("HELD"), None).await;
    assert_eq!(held.len(), 1);
    assert_eq!(held[0]["provider"], "VIVO");
    assert_eq!(held[0]["deviceExists"], true);
    assert!(
        fakes.fcm.accepted_for("vivo-1").is_empty(),
        "never sent through another provider"
    );
    assert_eq!(app.count("devices").await, 2);
    // A server with vivo configured sends it.
    let report = app.push_worker_with(fakes.router()).run_once().await.unwrap();
    assert_eq!(report.sent, 1, "{report:?}");
    assert_eq!(fakes.vivo.accepted_for("vivo-1").len(), 1);
    // A provider that cannot issue tokens for the platform is refused at registration.
    assert_eq!(
        app.error_code(
            Some(&officer.token),
            "mutation { registerDevice(token: \"x-1\", platform: IOS, provider: XIAOMI) { device { id } } }",
            json!({})
        )
        .await,
        "BAD_USER_INPUT"
    );
    assert_eq!(app.count("devices").await, 2);
}

async fn admins_requeue_failed_deliveries_in_bulk(app: TestApp) {
    let fakes = Fakes::start().await;
    let officer = app.create_user("OFFICER", "13500000001", "专员", json!({})).await;
    let company = app
        .create_company("长远锂科股份有限公司", &crate::helpers::credit_code(701))
        .await;
    for (token, platform, provider) in ONE_EACH {
        app.register_provider_device(&officer.token, token, platform, provider)
            .await;
    }
    fakes.oppo.script("oppo-1", vec![Reply::Unknown, Reply::Unknown]);
    fakes.vivo.script("vivo-1", vec![Reply::Unknown]);
    fakes.xiaomi.script("xiaomi-1", vec![Reply::Throttle]);
    assign(&app, &company, &officer.id).await;
    let other = app.create_company("甲公司", &crate::helpers::credit_code(101)).await;
    assign(&app, &other, &officer.id).await;
    let worker = app.push_worker_with(fakes.router());
    let report = worker.run_once().await.unwrap();
    assert_eq!((report.failed, report.retried), (3, 1), "{report:?}");

    let requeue = "mutation($p: PushProvider, $k: String, $f: DateTime, $b: DateTime) { requeuePushDeliveries(provider: $p, kind: $k, createdFrom: $f, createdBefore: $b) { requeuedCount } }";
    assert_eq!(
        app.error_code(Some(&officer.token), requeue, json!({ "p": "OPPO" }))
            .await,
        "FORBIDDEN"
    );
    let now = app.clock.now();
    let empty = app
        .ok(
            &app.admin_token,
            requeue,
            json!({ "p": "OPPO", "f": now + Duration::hours(1), "b": now + Duration::hours(2) }),
        )
        .await;
    assert_eq!(
        empty["requeuePushDeliveries"]["requeuedCount"], 0,
        "outside the time range"
    );
    let done = app
        .ok(
            &app.admin_token,
            requeue,
            json!({ "p": "OPPO", "k": "OFFICER_ASSIGNED" }),
        )
        .await;
    assert_eq!(done["requeuePushDeliveries"]["requeuedCount"], 2);
    assert_eq!(
        deliveries(&app, Some("FAILED"), None).await.len(),
        1,
        "vivo's is left alone"
    );
    let pending = deliveries(&app, Some("PENDING"), Some("OPPO")).await;
    assert_eq!(pending.len(), 2);
    let report = worker.run_once().await.unwrap();
    assert_eq!(report.sent, 2, "{report:?}");
    assert_eq!(fakes.oppo.accepted_for("oppo-1").len(), 2);
    let audit = app
        .ok(
            &app.admin_token,
            "{ auditLog(first: 10) { edges { node { action targetType after } } } }",
            json!({}),
        )
        .await;
    let entries: Vec<&Value> = audit["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"])
        .filter(|n| n["action"] == "requeuePushDeliveries")
        .collect();
    assert_eq!(entries.len(), 2, "{audit}");
    assert!(entries.iter().any(|e| e["after"]["requeued"] == 2), "{entries:?}");
    assert!(
        entries.iter().any(|e| e["after"]["filter"]["provider"] == "OPPO"),
        "{entries:?}"
    );
    assert_eq!(
        app.error_code(
            Some(&app.admin_token),
            "mutation { requeuePushDeliveries(status: SENT) { requeuedCount } }",
            json!({})
        )
        .await,
        "BAD_USER_INPUT"
    );
}
