//! Nothing is lost: the server is killed (SIGKILL) while pushes are in flight through several
//! providers; after a restart every notification is pushed at least once, no more than the
//! sends really in flight go twice, and each inbox holds each notification once.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use zhitong::db::{Db, DbUrl, PoolOptions};

use crate::fake_apns::FakeApns;
use crate::fake_fcm::FakeFcm;
use crate::fake_huawei::{FakeHuawei, Flavor};
use crate::fake_oppo::FakeOppo;
use crate::fake_push::FakeVendor;
use crate::fake_vivo::FakeVivo;
use crate::fake_xiaomi::FakeXiaomi;
use crate::helpers::credit_code;
use crate::process::{field, start, Running};

struct Client {
    address: String,
    http: reqwest::Client,
}

impl Client {
    async fn call(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = self
            .http
            .post(format!("{}/graphql", self.address))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response: Value = request.send().await.unwrap().json().await.unwrap();
        assert!(response.get("errors").is_none(), "{query}: {response:#}");
        response["data"].clone()
    }

    async fn login(&self, phone: &str, password: &str) -> String {
        crate::helpers::first_login(&self.http, &self.address, phone, password).await
    }

    async fn create_user(&self, admin: &str, input: Value) -> String {
        let data = self
            .call(
                Some(admin),
                "mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } } }",
                json!({ "i": input }),
            )
            .await;
        data["createUser"]["user"]["id"].as_str().unwrap().to_string()
    }
}

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
    /// (notification id, device token) of every message any fake accepted, repeats included.
    fn accepted(&self) -> Vec<(String, String)> {
        let mut all: Vec<(String, String)> = self
            .fcm
            .accepted()
            .iter()
            .map(|m| {
                (
                    m["data"]["notificationId"].as_str().unwrap().to_string(),
                    m["token"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        type NotificationId = fn(&Value) -> Value;
        let vendors: [(&dyn FakeVendor, NotificationId); 6] = [
            (&self.apns, |m| m["payload"]["notificationId"].clone()),
            (&self.huawei, |m| {
                json!(serde_json::from_str::<Value>(m["data"].as_str().unwrap()).unwrap()["notificationId"])
            }),
            (&self.honor, |m| {
                json!(serde_json::from_str::<Value>(m["data"].as_str().unwrap()).unwrap()["notificationId"])
            }),
            (&self.xiaomi, |m| m["extra.notificationId"].clone()),
            (&self.oppo, |m| {
                json!(
                    serde_json::from_str::<Value>(m["notification"]["action_parameters"].as_str().unwrap()).unwrap()
                        ["notificationId"]
                )
            }),
            (&self.vivo, |m| m["clientCustomMap"]["notificationId"].clone()),
        ];
        for (fake, id) in vendors {
            let state = fake.shared().0.lock().unwrap();
            for (token, message) in &state.accepted {
                all.push((id(message).as_str().unwrap().to_string(), token.clone()));
            }
        }
        all
    }
}

fn envs(dir: &std::path::Path, fakes: &Fakes) -> Vec<(&'static str, String)> {
    let (huawei, honor) = (fakes.huawei.settings(), fakes.honor.settings());
    let (xiaomi, oppo, vivo) = (fakes.xiaomi.settings(), fakes.oppo.settings(), fakes.vivo.settings());
    vec![
        ("ZHITONG_DATABASE_URL", dir.join("zhitong.db").display().to_string()),
        ("ZHITONG_FCM_CREDENTIALS", fakes.fcm.credentials().display().to_string()),
        ("ZHITONG_FCM_ENDPOINT", fakes.fcm.address.clone()),
        (
            "ZHITONG_APNS_KEY_FILE",
            crate::fake_apns::key_file().display().to_string(),
        ),
        ("ZHITONG_APNS_KEY_ID", crate::fake_apns::KEY_ID.into()),
        ("ZHITONG_APNS_TEAM_ID", crate::fake_apns::TEAM_ID.into()),
        ("ZHITONG_APNS_TOPIC", crate::fake_apns::TOPIC.into()),
        ("ZHITONG_APNS_ENDPOINT", fakes.apns.address.clone()),
        ("ZHITONG_HUAWEI_APP_ID", huawei.app_id),
        ("ZHITONG_HUAWEI_CLIENT_ID", huawei.client_id),
        (
            "ZHITONG_HUAWEI_CLIENT_SECRET",
            huawei.client_secret.expose().to_string(),
        ),
        ("ZHITONG_HUAWEI_ENDPOINT", huawei.endpoint),
        ("ZHITONG_HUAWEI_TOKEN_URL", huawei.token_url),
        ("ZHITONG_HONOR_APP_ID", honor.app_id),
        ("ZHITONG_HONOR_CLIENT_ID", honor.client_id),
        ("ZHITONG_HONOR_CLIENT_SECRET", honor.client_secret.expose().to_string()),
        ("ZHITONG_HONOR_ENDPOINT", honor.endpoint),
        ("ZHITONG_HONOR_TOKEN_URL", honor.token_url),
        ("ZHITONG_XIAOMI_APP_SECRET", xiaomi.app_secret.expose().to_string()),
        ("ZHITONG_XIAOMI_PACKAGE", xiaomi.package),
        ("ZHITONG_XIAOMI_CHANNEL_ID", xiaomi.channel_id),
        ("ZHITONG_XIAOMI_ENDPOINT", xiaomi.endpoint),
        ("ZHITONG_OPPO_APP_KEY", oppo.app_key),
        ("ZHITONG_OPPO_MASTER_SECRET", oppo.master_secret.expose().to_string()),
        ("ZHITONG_OPPO_CHANNEL_ID", oppo.channel_id),
        ("ZHITONG_OPPO_ENDPOINT", oppo.endpoint),
        ("ZHITONG_VIVO_APP_ID", vivo.app_id),
        ("ZHITONG_VIVO_APP_KEY", vivo.app_key),
        ("ZHITONG_VIVO_APP_SECRET", vivo.app_secret.expose().to_string()),
        ("ZHITONG_VIVO_ENDPOINT", vivo.endpoint),
        ("ZHITONG_PUSH_INTERVAL_MS", "50".into()),
        ("ZHITONG_PUSH_LEASE_SECS", "2".into()),
    ]
}

async fn pending_deliveries(db: &Db) -> i64 {
    db.read(|conn| {
        use diesel::prelude::*;
        use zhitong::db::schema::push_deliveries as d;
        Ok(d::table.filter(d::status.ne("SENT")).count().get_result::<i64>(conn)?)
    })
    .await
    .unwrap()
}

const NO_QUIET_HOURS: &str = "mutation { setQuietHours(start: \"00:00\", end: \"00:00\") { user { id } } }";

#[actix_rt::test]
async fn a_killed_server_loses_no_notification() {
    let fakes = Fakes {
        fcm: FakeFcm::start().await,
        apns: FakeApns::start().await,
        huawei: FakeHuawei::start(Flavor::Huawei),
        honor: FakeHuawei::start(Flavor::Honor),
        xiaomi: FakeXiaomi::start(),
        oppo: FakeOppo::start(),
        vivo: FakeVivo::start(),
    };
    let fake = &fakes.fcm;
    fake.delay_each_send(Duration::from_millis(150));
    let dir = tempfile::tempdir().unwrap();
    let mut first: Running = start(dir.path(), &envs(dir.path(), &fakes));
    let client = Client {
        address: field(&first.lines, "zhitong is serving on").unwrap().to_string(),
        http: reqwest::Client::new(),
    };
    let admin_password = field(&first.lines, "password:").unwrap().to_string();
    let admin = client.login("13800000000", &admin_password).await;

    let officers = [
        client
            .create_user(
                &admin,
                json!({ "role": "OFFICER", "phone": "13400000001", "name": "甲", "password": "officer pass harbour 41" }),
            )
            .await,
        client
            .create_user(
                &admin,
                json!({ "role": "OFFICER", "phone": "13400000002", "name": "乙", "password": "officer pass harbour 41" }),
            )
            .await,
    ];
    let company = client
        .call(
            Some(&admin),
            "mutation($c: String!, $o: ID) { createCompany(input: { name: \"涪陵攀华\", creditCode: $c, officerId: $o }) { company { id } } }",
            json!({ "c": credit_code(901), "o": officers[0] }),
        )
        .await["createCompany"]["company"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let register = "mutation($t: String!, $p: Platform!, $v: PushProvider) { registerDevice(token: $t, platform: $p, provider: $v, locale: \"zh-CN\") { device { id } } }";
    // The officers: an iPhone (APNs) and a Huawei phone; each staff member: a phone with
    // Google services (FCM, the slow fake) and one of the Chinese vendors'.
    let officer_devices = [("IOS", "APNS"), ("HARMONY", "HUAWEI")];
    let staff_second = ["XIAOMI", "OPPO", "VIVO", "HONOR", "XIAOMI"];
    for (i, phone) in ["13400000001", "13400000002"].iter().enumerate() {
        let token = client.login(phone, "officer pass harbour 41").await;
        // The server runs on the real clock: without this, a run in the zone's night would
        // hold every push until the morning.
        client.call(Some(&token), NO_QUIET_HOURS, json!({})).await;
        client
            .call(
                Some(&token),
                register,
                json!({ "t": format!("officer-{i}"), "p": officer_devices[i].0, "v": officer_devices[i].1 }),
            )
            .await;
    }
    let mut staff_tokens = Vec::new();
    for (i, second_provider) in staff_second.into_iter().enumerate() {
        let phone = format!("1340000010{i}");
        client.create_user(&admin, json!({ "role": "COMPANY", "phone": phone, "name": format!("员工{i}"), "password": "staff pass lantern 52", "companyId": company })).await;
        let token = client.login(&phone, "staff pass lantern 52").await;
        client.call(Some(&token), NO_QUIET_HOURS, json!({})).await;
        for (device, provider) in ["FCM", second_provider].into_iter().enumerate() {
            client
                .call(
                    Some(&token),
                    register,
                    json!({ "t": format!("staff-{i}-{device}"), "p": "ANDROID", "v": provider }),
                )
                .await;
        }
        staff_tokens.push(token);
    }

    // Ten reassignments: each notifies both officers and the five staff (7 notifications, 12 pushes).
    let assign = "mutation($c: ID!, $o: ID!) { assignOfficer(companyId: $c, officerId: $o, reason: \"轮换\") { assignment { id } } }";
    for round in 0..10 {
        client
            .call(
                Some(&admin),
                assign,
                json!({ "c": company, "o": officers[(round + 1) % 2] }),
            )
            .await;
    }

    // Kill the server while the slow fake is still receiving.
    let deadline = Instant::now() + Duration::from_secs(30);
    while fake.accepted().is_empty() && Instant::now() < deadline {
        actix_rt::time::sleep(Duration::from_millis(20)).await;
    }
    first.child.kill().expect("SIGKILL");
    first.child.wait().unwrap();
    let accepted_before_restart = fake.accepted().len();
    assert!(
        accepted_before_restart > 0 && accepted_before_restart < 50,
        "the kill must land mid-delivery: {accepted_before_restart} of FCM's 50"
    );

    let db = Db::open(DbUrl::Sqlite(dir.path().join("zhitong.db")), &PoolOptions::default()).unwrap();
    assert!(
        pending_deliveries(&db).await > 0,
        "deliveries were left undone by the kill"
    );

    fake.delay_each_send(Duration::ZERO);
    let second = start(dir.path(), &envs(dir.path(), &fakes));
    let client = Client {
        address: field(&second.lines, "zhitong is serving on")
            .expect("restarted")
            .to_string(),
        http: reqwest::Client::new(),
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while pending_deliveries(&db).await > 0 {
        assert!(Instant::now() < deadline, "deliveries still pending after the restart");
        actix_rt::time::sleep(Duration::from_millis(100)).await;
    }

    // Every (notification, device) pair reached the fake at least once.
    let expected: Vec<(i64, String)> = db
        .read(|conn| {
            use diesel::prelude::*;
            use zhitong::db::schema::push_deliveries as d;
            Ok(d::table
                .select((d::notification_id, d::token))
                .load::<(i64, String)>(conn)?)
        })
        .await
        .unwrap();
    assert_eq!(expected.len(), 10 * (2 + 5 * 2));
    let accepted = fakes.accepted();
    let delivered: BTreeSet<(String, String)> = accepted.iter().cloned().collect();
    // Each send is recorded as it completes: only what was in flight at the kill can go twice,
    // that is the worker's 16 concurrent sends plus the chunk of up to 16 finished sends whose
    // outcomes were being written (`buffer_unordered(16).ready_chunks(16)` in
    // src/notifications/worker.rs; 17 and 18 were seen on a loaded machine).
    let repeats = accepted.len() - delivered.len();
    assert!(repeats <= 2 * 16, "{repeats} pushes sent twice");
    for (name, fake) in [
        ("APNS", &fakes.apns as &dyn FakeVendor),
        ("HUAWEI", &fakes.huawei),
        ("HONOR", &fakes.honor),
        ("XIAOMI", &fakes.xiaomi),
        ("OPPO", &fakes.oppo),
        ("VIVO", &fakes.vivo),
    ] {
        assert!(fake.violations().is_empty(), "{name}: {:?}", fake.violations());
        assert!(fake.accepted_count() > 0, "{name} delivered");
    }
    for (notification, token) in &expected {
        assert!(
            delivered.contains(&(format!("ntf_{notification}"), token.clone())),
            "ntf_{notification} never reached {token}"
        );
    }

    // Each inbox holds each notification exactly once.
    let count_by_user: HashMap<i64, i64> = db
        .read(|conn| {
            use diesel::prelude::*;
            use zhitong::db::schema::notifications as n;
            Ok(n::table
                .group_by(n::user_id)
                .select((n::user_id, diesel::dsl::count_star()))
                .load::<(i64, i64)>(conn)?
                .into_iter()
                .collect())
        })
        .await
        .unwrap();
    assert_eq!(count_by_user.values().sum::<i64>(), 10 * 7);
    for token in &staff_tokens {
        let inbox = client
            .call(
                Some(token),
                "{ notifications(first: 50) { totalCount edges { node { kind } } } }",
                json!({}),
            )
            .await;
        assert_eq!(inbox["notifications"]["totalCount"], 10);
        assert!(inbox["notifications"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["node"]["kind"] == "COMPANY_OFFICER_CHANGED"));
    }
}
