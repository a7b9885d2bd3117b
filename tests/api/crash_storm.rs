//! A write storm and a kill: many phones raise requests and their officers accept them while
//! the server is killed (SIGKILL) at a random moment; after each restart every write the
//! server acknowledged is there, nothing is half-written, every notification of a committed
//! change is in its inbox exactly once and pushed at least once, and only what was in flight at
//! the kill is pushed twice. `bench/crash_storm.sh` runs the full rounds (50 clients, 5 rounds,
//! each backend); the suite runs one round of each.
//!
//! Settings: `ZHITONG_STORM_ROUNDS` (default 1), `ZHITONG_STORM_CLIENTS` (default 50),
//! `ZHITONG_STORM_SEED` (the kill moments; default: from the clock, printed).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use zhitong::db::schema::{notifications as n, push_deliveries as d, request_events as e, requests as r};
use zhitong::db::{Db, DbUrl, PoolOptions};

use crate::fake_fcm::FakeFcm;
use crate::helpers::{credit_code, first_login, PG_URL_VAR};
use crate::process::{field, start, Running};

const OFFICERS: usize = 5;
/// What a kill can leave sent but unrecorded: the push worker's 16 concurrent sends plus the
/// chunk of up to 16 finished sends whose outcomes are being written (src/notifications/worker.rs:
/// `buffer_unordered(16).ready_chunks(16)`).
const IN_FLIGHT: usize = 2 * 16;
const PASSWORD: &str = "Storm-7Qx!-rain-over-Fuling";

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[derive(Clone)]
struct Client {
    address: String,
    http: reqwest::Client,
}

impl Client {
    /// One call; `None` when the server did not answer (killed) or refused.
    async fn try_call(&self, token: Option<&str>, query: &str, variables: Value) -> Option<Value> {
        let mut request = self
            .http
            .post(format!("{}/graphql", self.address))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response: Value = request.send().await.ok()?.json().await.ok()?;
        if response.get("errors").is_some() {
            return None;
        }
        Some(response["data"].clone())
    }

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

    /// A user who registers an FCM phone and turns quiet hours off (the server runs on the
    /// real clock: a run in the zone's night would hold every push until the morning).
    async fn phone(&self, phone: &str, device: &str) -> String {
        // The password the admin set must be changed at the first login.
        let token = first_login(&self.http, &self.address, phone, PASSWORD).await;
        self.call(
            Some(&token),
            "mutation { setQuietHours(start: \"00:00\", end: \"00:00\") { user { id } } }",
            json!({}),
        )
        .await;
        self.call(
            Some(&token),
            "mutation($t: String!) { registerDevice(token: $t, platform: ANDROID, provider: FCM, locale: \"zh-CN\") { device { id } } }",
            json!({ "t": device }),
        )
        .await;
        token
    }
}

/// What the server acknowledged, by request number.
#[derive(Default)]
struct Acknowledged {
    raised: BTreeSet<String>,
    accepted: BTreeSet<String>,
}

/// Where the server keeps its data: a SQLite file, or a PostgreSQL schema made for the test.
struct Store {
    url: String,
    db: Db,
    _schema: Option<Schema>,
}

struct Schema {
    base: String,
    name: String,
}

impl Drop for Schema {
    fn drop(&mut self) {
        if let Ok(mut conn) = diesel::PgConnection::establish(&self.base) {
            let _ = conn.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name));
        }
    }
}

impl Store {
    fn sqlite(dir: &std::path::Path) -> Store {
        let path = dir.join("zhitong.db");
        let db = Db::open(DbUrl::Sqlite(path.clone()), &PoolOptions::default()).unwrap();
        Store {
            url: path.display().to_string(),
            db,
            _schema: None,
        }
    }

    fn postgres() -> Store {
        let base = std::env::var(PG_URL_VAR).unwrap_or_else(|_| panic!("{PG_URL_VAR} must be set"));
        let name = format!("zt_storm_{}", uuid::Uuid::new_v4().simple());
        let mut conn = diesel::PgConnection::establish(&base).expect("PostgreSQL");
        conn.batch_execute(&format!("CREATE SCHEMA {name}")).unwrap();
        let separator = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{separator}options=-csearch_path%3D{name}");
        let db = Db::open(DbUrl::Postgres(url.clone()), &PoolOptions::default()).unwrap();
        Store {
            url,
            db,
            _schema: Some(Schema { base, name }),
        }
    }
}

fn envs(store: &Store, fcm: &FakeFcm) -> Vec<(&'static str, String)> {
    vec![
        ("ZHITONG_DATABASE_URL", store.url.clone()),
        ("ZHITONG_FCM_CREDENTIALS", fcm.credentials().display().to_string()),
        ("ZHITONG_FCM_ENDPOINT", fcm.address.clone()),
        ("ZHITONG_PUSH_INTERVAL_MS", "50".into()),
        ("ZHITONG_PUSH_LEASE_SECS", "2".into()),
        ("ZHITONG_LOG", "warn".into()),
    ]
}

fn serving(running: &Running) -> Client {
    Client {
        address: field(&running.lines, "zhitong is serving on")
            .unwrap_or_else(|| panic!("the server did not start: {:?}", running.lines))
            .to_string(),
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap(),
    }
}

async fn pending_deliveries(db: &Db) -> i64 {
    db.read(|conn| Ok(d::table.filter(d::status.ne("SENT")).count().get_result::<i64>(conn)?))
        .await
        .unwrap()
}

/// The zone of the storm: officers each serving some companies, one phone per company.
struct Zone {
    admin_password: String,
    category: String,
    /// (company staff token, officer index) per client.
    clients: Vec<(String, usize)>,
    officer_tokens: Vec<String>,
}

async fn build_zone(client: &Client, admin_password: String, companies: usize) -> Zone {
    let admin = first_login(&client.http, &client.address, "13800000000", &admin_password).await;
    let mut officer_ids = Vec::new();
    for i in 0..OFFICERS {
        let phone = format!("1340000{i:04}");
        let name = format!("专员{i}");
        officer_ids.push(
            client
                .create_user(
                    &admin,
                    json!({ "role": "OFFICER", "phone": phone, "name": name, "password": PASSWORD }),
                )
                .await,
        );
    }
    let mut officer_tokens = Vec::new();
    for i in 0..OFFICERS {
        officer_tokens.push(client.phone(&format!("1340000{i:04}"), &format!("officer-{i}")).await);
    }
    let mut clients = Vec::new();
    for c in 0..companies {
        let officer = c % OFFICERS;
        let company = client
            .call(
                Some(&admin),
                "mutation($n: String!, $c: String!, $o: ID) { createCompany(input: { name: $n, creditCode: $c, officerId: $o }) { company { id } } }",
                json!({ "n": format!("风暴测试企业{c}"), "c": credit_code(7000 + c as u32), "o": officer_ids[officer] }),
            )
            .await["createCompany"]["company"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let phone = format!("1350000{c:04}");
        client
            .create_user(
                &admin,
                json!({ "role": "COMPANY", "phone": phone, "name": format!("员工{c}"), "password": PASSWORD, "companyId": company }),
            )
            .await;
        clients.push((client.phone(&phone, &format!("staff-{c}")).await, officer));
    }
    let categories = client.call(Some(&admin), "{ categories { id } }", json!({})).await;
    Zone {
        admin_password,
        category: categories["categories"][0]["id"].as_str().unwrap().to_string(),
        clients,
        officer_tokens,
    }
}

const RAISE: &str = "mutation($i: RaiseRequestInput!) { raiseRequest(input: $i) { request { id number version } } }";
const ACCEPT: &str =
    "mutation($id: ID!, $v: Int!) { acceptRequest(id: $id, version: $v) { request { number status } } }";

/// One phone and its officer, raising and accepting until the server stops answering.
async fn storm(client: Client, zone: Arc<Zone>, index: usize, acknowledged: Arc<Mutex<Acknowledged>>) {
    let (staff, officer) = zone.clients[index].clone();
    let officer = zone.officer_tokens[officer].clone();
    for round in 0.. {
        let input = json!({
            "kind": "PROBLEM",
            "categoryId": zone.category,
            "title": format!("园区道路积水第{index}-{round}号"),
            "description": "暴雨后厂区门口积水，货车无法进出，请协调排水。",
        });
        let Some(raised) = client.try_call(Some(&staff), RAISE, json!({ "i": input })).await else {
            return;
        };
        let request = &raised["raiseRequest"]["request"];
        let number = request["number"].as_str().unwrap().to_string();
        acknowledged.lock().unwrap().raised.insert(number.clone());
        let variables = json!({ "id": request["id"], "v": request["version"] });
        let Some(accepted) = client.try_call(Some(&officer), ACCEPT, variables).await else {
            return;
        };
        assert_eq!(accepted["acceptRequest"]["request"]["status"], "ACCEPTED");
        acknowledged.lock().unwrap().accepted.insert(number);
    }
}

/// Every committed request: number → (id, status).
async fn committed(db: &Db) -> BTreeMap<String, (i64, String)> {
    db.read(|conn| {
        Ok(r::table
            .select((r::number, r::id, r::status))
            .load::<(String, i64, String)>(conn)?
            .into_iter()
            .map(|(number, id, status)| (number, (id, status)))
            .collect())
    })
    .await
    .unwrap()
}

/// Everything after a restart: acknowledged writes present, nothing half-written, each inbox
/// once, each push at least once.
async fn check(db: &Db, fcm: &FakeFcm, acknowledged: &Acknowledged, kills: usize) -> usize {
    let requests = committed(db).await;
    for number in &acknowledged.raised {
        assert!(
            requests.contains_key(number),
            "acknowledged request {number} is missing"
        );
    }
    for number in &acknowledged.accepted {
        assert_eq!(
            requests[number].1, "ACCEPTED",
            "acknowledged acceptance of {number} is missing"
        );
    }
    // Nothing half-written: each request has exactly its raise event, and its acceptance event
    // exactly when it is accepted; each change's notifications, once each.
    let events: HashMap<(i64, String), i64> = db
        .read(|conn| {
            Ok(e::table
                .group_by((e::request_id, e::kind))
                .select((e::request_id, e::kind, diesel::dsl::count_star()))
                .load::<(i64, String, i64)>(conn)?
                .into_iter()
                .map(|(id, kind, count)| ((id, kind), count))
                .collect())
        })
        .await
        .unwrap();
    let notices: HashMap<(i64, String), Vec<i64>> = db
        .read(|conn| {
            let rows = n::table
                .filter(n::request_id.is_not_null())
                .select((n::request_id.assume_not_null(), n::kind, n::user_id))
                .load::<(i64, String, i64)>(conn)?;
            let mut by: HashMap<(i64, String), Vec<i64>> = HashMap::new();
            for (request, kind, user) in rows {
                by.entry((request, kind)).or_default().push(user);
            }
            Ok(by)
        })
        .await
        .unwrap();
    for (number, (id, status)) in &requests {
        let accepted = status == "ACCEPTED";
        assert_eq!(
            events.get(&(*id, "RAISED".into())),
            Some(&1),
            "request {number}: raise event"
        );
        assert_eq!(
            events.get(&(*id, "ACCEPTED".into())).copied().unwrap_or(0),
            i64::from(accepted),
            "request {number}: acceptance event"
        );
        let raised = notices
            .get(&(*id, "REQUEST_RAISED".into()))
            .cloned()
            .unwrap_or_default();
        assert_eq!(
            raised.len(),
            1,
            "request {number}: the officer told of it once: {raised:?}"
        );
        let told = notices
            .get(&(*id, "REQUEST_ACCEPTED".into()))
            .cloned()
            .unwrap_or_default();
        assert_eq!(
            told.len(),
            usize::from(accepted),
            "request {number}: the company told once: {told:?}"
        );
    }
    let total_notices: usize = notices.values().map(Vec::len).sum();
    assert_eq!(
        total_notices,
        requests.len() + requests.values().filter(|(_, s)| s == "ACCEPTED").count()
    );

    // Every delivery row was sent, and reached the fake at least once.
    let deadline = Instant::now() + Duration::from_secs(120);
    while pending_deliveries(db).await > 0 {
        assert!(Instant::now() < deadline, "deliveries still pending after the restart");
        actix_rt::time::sleep(Duration::from_millis(100)).await;
    }
    let expected: Vec<(i64, String)> = db
        .read(|conn| {
            Ok(d::table
                .select((d::notification_id, d::token))
                .load::<(i64, String)>(conn)?)
        })
        .await
        .unwrap();
    assert_eq!(expected.len(), total_notices, "one phone per recipient");
    let accepted: Vec<(String, String)> = fcm
        .accepted()
        .iter()
        .map(|m| {
            (
                m["data"]["notificationId"].as_str().unwrap().to_string(),
                m["token"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let delivered: BTreeSet<(String, String)> = accepted.iter().cloned().collect();
    for (notification, token) in &expected {
        assert!(
            delivered.contains(&(format!("ntf_{notification}"), token.clone())),
            "ntf_{notification} never reached {token}"
        );
    }
    let repeats = accepted.len() - delivered.len();
    assert!(
        repeats <= IN_FLIGHT * kills,
        "{repeats} pushes sent twice after {kills} kills (at most {IN_FLIGHT} unrecorded at each)"
    );
    repeats
}

async fn storm_and_kill(store: Store, backend: &str) {
    let rounds = setting("ZHITONG_STORM_ROUNDS", 1) as usize;
    let companies = setting("ZHITONG_STORM_CLIENTS", 50) as usize;
    let seed = setting("ZHITONG_STORM_SEED", chrono::Utc::now().timestamp_millis() as u64);
    println!("crash storm on {backend}: {rounds} rounds, {companies} clients, seed {seed}");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let fcm = FakeFcm::start().await;
    // Slow sends, so that the kill lands with pushes in flight.
    fcm.delay_each_send(Duration::from_millis(30));
    let dir = tempfile::tempdir().unwrap();
    let mut running = start(dir.path(), &envs(&store, &fcm));
    let client = serving(&running);
    let admin_password = field(&running.lines, "password:").unwrap().to_string();
    let zone = Arc::new(build_zone(&client, admin_password, companies).await);
    let acknowledged = Arc::new(Mutex::new(Acknowledged::default()));
    for round in 1..=rounds {
        let client = serving(&running);
        let phones: Vec<_> = (0..companies)
            .map(|i| actix_rt::spawn(storm(client.clone(), zone.clone(), i, acknowledged.clone())))
            .collect();
        let before = committed(&store.db).await.len();
        let moment = Duration::from_millis(rng.random_range(1_500..5_000));
        actix_rt::time::sleep(moment).await;
        running.child.kill().expect("SIGKILL");
        running.child.wait().unwrap();
        for phone in phones {
            phone.await.unwrap();
        }
        let after = committed(&store.db).await.len();
        let in_outbox = pending_deliveries(&store.db).await;
        running = start(dir.path(), &envs(&store, &fcm));
        serving(&running);
        {
            let acknowledged = acknowledged.lock().unwrap();
            println!(
                "round {round}: killed after {} ms; {} requests committed this round, {} raised and {} accepted acknowledged in all, {in_outbox} pushes waiting at the kill",
                moment.as_millis(),
                after - before,
                acknowledged.raised.len(),
                acknowledged.accepted.len()
            );
        }
        assert!(after > before, "round {round}: the storm wrote nothing before the kill");
        let snapshot = {
            let a = acknowledged.lock().unwrap();
            Acknowledged {
                raised: a.raised.clone(),
                accepted: a.accepted.clone(),
            }
        };
        let repeats = check(&store.db, &fcm, &snapshot, round).await;
        println!(
            "round {round}: every acknowledged write present, inboxes once, every push sent; {repeats} pushes sent twice so far (at most {IN_FLIGHT} per kill)"
        );
    }
    // The restarted server answers and the admin still signs in.
    serving(&running)
        .login("13800000000", &format!("{} renewed", zone.admin_password))
        .await;
}

#[actix_rt::test]
async fn sqlite() {
    let dir = tempfile::tempdir().unwrap();
    storm_and_kill(Store::sqlite(dir.path()), "SQLite").await;
}

#[actix_rt::test]
#[cfg_attr(not(zhitong_pg_tests), ignore = "PostgreSQL: set ZHITONG_TEST_DATABASE_URL to run")]
async fn postgres() {
    storm_and_kill(Store::postgres(), "PostgreSQL").await;
}
