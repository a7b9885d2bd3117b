//! Nothing is lost: the server is killed (SIGKILL) while pushes are in flight; after a restart
//! every notification is pushed at least once, and each inbox holds each notification once.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use zhitong::db::{Db, DbUrl, PoolOptions};

use crate::fake_fcm::FakeFcm;
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
        let data = self
            .call(
                None,
                "mutation($p: String!, $w: String!) { login(phone: $p, password: $w) { accessToken } }",
                json!({ "p": phone, "w": password }),
            )
            .await;
        data["login"]["accessToken"].as_str().unwrap().to_string()
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

fn envs(dir: &std::path::Path, fake: &FakeFcm) -> Vec<(&'static str, String)> {
    vec![
        ("ZHITONG_DATABASE_URL", dir.join("zhitong.db").display().to_string()),
        ("ZHITONG_FCM_CREDENTIALS", fake.credentials().display().to_string()),
        ("ZHITONG_FCM_ENDPOINT", fake.address.clone()),
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
    let fake = FakeFcm::start().await;
    fake.delay_each_send(Duration::from_millis(150));
    let dir = tempfile::tempdir().unwrap();
    let mut first: Running = start(dir.path(), &envs(dir.path(), &fake));
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
                json!({ "role": "OFFICER", "phone": "13400000001", "name": "甲", "password": "officer-pass" }),
            )
            .await,
        client
            .create_user(
                &admin,
                json!({ "role": "OFFICER", "phone": "13400000002", "name": "乙", "password": "officer-pass" }),
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
    let register =
        "mutation($t: String!) { registerDevice(token: $t, platform: ANDROID, locale: \"zh-CN\") { device { id } } }";
    for (i, phone) in ["13400000001", "13400000002"].iter().enumerate() {
        let token = client.login(phone, "officer-pass").await;
        // The server runs on the real clock: without this, a run in the zone's night would
        // hold every push until the morning.
        client.call(Some(&token), NO_QUIET_HOURS, json!({})).await;
        client
            .call(Some(&token), register, json!({ "t": format!("officer-{i}") }))
            .await;
    }
    let mut staff_tokens = Vec::new();
    for i in 0..5 {
        let phone = format!("1340000010{i}");
        client.create_user(&admin, json!({ "role": "COMPANY", "phone": phone, "name": format!("员工{i}"), "password": "staff-pass", "companyId": company })).await;
        let token = client.login(&phone, "staff-pass").await;
        client.call(Some(&token), NO_QUIET_HOURS, json!({})).await;
        for device in 0..2 {
            client
                .call(Some(&token), register, json!({ "t": format!("staff-{i}-{device}") }))
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
        accepted_before_restart > 0 && accepted_before_restart < 120,
        "the kill must land mid-delivery: {accepted_before_restart}"
    );

    let db = Db::open(DbUrl::Sqlite(dir.path().join("zhitong.db")), &PoolOptions::default()).unwrap();
    assert!(
        pending_deliveries(&db).await > 0,
        "deliveries were left undone by the kill"
    );

    fake.delay_each_send(Duration::ZERO);
    let second = start(dir.path(), &envs(dir.path(), &fake));
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
    let delivered: BTreeSet<(String, String)> = fake
        .accepted()
        .iter()
        .map(|m| {
            (
                m["data"]["notificationId"].as_str().unwrap().to_string(),
                m["token"].as_str().unwrap().to_string(),
            )
        })
        .collect();
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
