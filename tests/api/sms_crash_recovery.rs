//! Nothing is lost: the server is killed (SIGKILL) while SMS are being sent; after a restart
//! every SMS is sent, and at most the one that was in flight is sent twice.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use zhitong::db::{Db, DbUrl, PoolOptions};

use crate::fake_sms_aliyun::{self as aliyun, FakeAliyun};
use crate::helpers::credit_code;
use crate::process::{field, start, Running};

async fn call(http: &reqwest::Client, address: &str, token: Option<&str>, query: &str, variables: Value) -> Value {
    let mut request = http
        .post(format!("{address}/graphql"))
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response: Value = request.send().await.unwrap().json().await.unwrap();
    assert!(response.get("errors").is_none(), "{query}: {response:#}");
    response["data"].clone()
}

async fn login(http: &reqwest::Client, address: &str, phone: &str, password: &str) -> String {
    crate::helpers::first_login(http, address, phone, password).await
}

fn envs(dir: &std::path::Path, fake: &FakeAliyun) -> Vec<(&'static str, String)> {
    vec![
        ("ZHITONG_DATABASE_URL", dir.join("zhitong.db").display().to_string()),
        ("ZHITONG_SMS_PROVIDER", "aliyun".into()),
        ("ZHITONG_SMS_SIGN_NAME", aliyun::SIGN_NAME.into()),
        (
            "ZHITONG_SMS_TEMPLATES",
            "REQUEST_RAISED=SMS_100004,OVERDUE=SMS_100001".into(),
        ),
        ("ZHITONG_ALIYUN_SMS_ACCESS_KEY_ID", aliyun::ACCESS_KEY_ID.into()),
        ("ZHITONG_ALIYUN_SMS_ACCESS_KEY_SECRET", aliyun::ACCESS_KEY_SECRET.into()),
        ("ZHITONG_ALIYUN_SMS_ENDPOINT", fake.address.clone()),
        ("ZHITONG_SMS_INTERVAL_MS", "50".into()),
        ("ZHITONG_SMS_LEASE_SECS", "2".into()),
    ]
}

/// (notification id, status) of every SMS row.
async fn rows(db: &Db) -> Vec<(i64, String)> {
    db.read(|conn| {
        use diesel::prelude::*;
        use zhitong::db::schema::sms_deliveries as s;
        Ok(s::table.select((s::notification_id, s::status)).load(conn)?)
    })
    .await
    .unwrap()
}

#[actix_rt::test]
async fn a_killed_server_loses_no_sms_and_repeats_at_most_the_one_in_flight() {
    const REQUESTS: usize = 8;
    let fake = FakeAliyun::start().await;
    fake.delay_each_send(Duration::from_millis(250));
    let dir = tempfile::tempdir().unwrap();
    let mut first: Running = start(dir.path(), &envs(dir.path(), &fake));
    assert!(
        !first.lines.iter().any(|l| l.contains(aliyun::ACCESS_KEY_SECRET)),
        "the secret is never printed"
    );
    let address = field(&first.lines, "zhitong is serving on").unwrap().to_string();
    let http = reqwest::Client::new();
    let admin = login(
        &http,
        &address,
        "13800000000",
        field(&first.lines, "password:").unwrap(),
    )
    .await;
    let create = "mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } } }";
    let officer = call(
        &http,
        &address,
        Some(&admin),
        create,
        json!({ "i": { "role": "OFFICER", "phone": "13400000001", "name": "甲", "password": "officer pass harbour 41" } }),
    )
    .await["createUser"]["user"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let company = call(&http, &address, Some(&admin),
        "mutation($c: String!, $o: ID) { createCompany(input: { name: \"涪陵攀华\", creditCode: $c, officerId: $o }) { company { id } } }",
        json!({ "c": credit_code(902), "o": officer })).await["createCompany"]["company"]["id"].as_str().unwrap().to_string();
    call(&http, &address, Some(&admin), create,
        json!({ "i": { "role": "COMPANY", "phone": "13400000101", "name": "员工", "password": "staff pass lantern 52", "companyId": company } })).await;
    let staff = login(&http, &address, "13400000101", "staff pass lantern 52").await;
    let categories = call(&http, &address, Some(&staff), "{ categories { id } }", json!({})).await;
    let category = categories["categories"][0]["id"].as_str().unwrap().to_string();
    for i in 0..REQUESTS {
        call(
            &http,
            &address,
            Some(&staff),
            "mutation($i: RaiseRequestInput!) { raiseRequest(input: $i) { request { id } } }",
            json!({ "i": { "kind": "PROBLEM", "categoryId": category, "urgency": "URGENT",
                "title": format!("紧急停电 {i}"), "description": "全厂停电" } }),
        )
        .await;
    }

    // Kill the server while the slow fake is receiving.
    let deadline = Instant::now() + Duration::from_secs(30);
    while fake.accepted().is_empty() && Instant::now() < deadline {
        actix_rt::time::sleep(Duration::from_millis(20)).await;
    }
    first.child.kill().expect("SIGKILL");
    first.child.wait().unwrap();
    let before = fake.accepted().len();
    assert!(
        before > 0 && before < REQUESTS,
        "the kill must land mid-batch: {before}"
    );
    let db = Db::open(DbUrl::Sqlite(dir.path().join("zhitong.db")), &PoolOptions::default()).unwrap();
    assert_eq!(
        rows(&db).await.len(),
        REQUESTS,
        "one SMS per urgent request, written with it"
    );
    assert!(
        rows(&db).await.iter().any(|(_, s)| s == "PENDING"),
        "work was left by the kill"
    );

    fake.delay_each_send(Duration::ZERO);
    let second = start(dir.path(), &envs(dir.path(), &fake));
    assert!(field(&second.lines, "zhitong is serving on").is_some(), "restarted");
    let deadline = Instant::now() + Duration::from_secs(60);
    while rows(&db).await.iter().any(|(_, s)| s != "SENT") {
        assert!(
            Instant::now() < deadline,
            "SMS still unsent after the restart: {:?}",
            rows(&db).await
        );
        actix_rt::time::sleep(Duration::from_millis(100)).await;
    }

    // Every SMS reached the fake; only the one in flight at the kill may have come twice.
    let mut received: BTreeMap<String, usize> = BTreeMap::new();
    for sms in fake.accepted() {
        *received.entry(sms["OutId"].clone()).or_default() += 1;
    }
    for (notification, _) in rows(&db).await {
        assert!(
            received.contains_key(&format!("ntf_{notification}")),
            "ntf_{notification} never sent"
        );
    }
    let repeats: usize = received.values().map(|n| n - 1).sum();
    assert!(repeats <= 1, "more than the in-flight SMS was repeated: {received:?}");
    assert_eq!(fake.accepted().len(), REQUESTS + repeats);
    assert!(fake.rejected().is_empty(), "{:?}", fake.rejected());
    drop(second);
}
