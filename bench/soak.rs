//! Soak load: moderate mixed traffic against a running server for a while, as the apps and the
//! explorer would make it (raise and accept requests, list and read them, inboxes, counts, token
//! refreshes, failed logins), with a pause between each client's calls. `bench/soak.sh` starts a
//! release server on a fresh database and runs this against it.
//!
//!   cargo run --release --example soak -- --url http://127.0.0.1:8080 --password ADMIN_PW \
//!       [--minutes 10] [--clients 6] [--warmup 30] [--pid SERVER_PID] [--metrics URL]
//!
//! With `--pid`, the server's RSS is read after the warm-up and at the end. Prints one line per
//! minute and a summary; exits non-zero when any call failed unexpectedly.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// Resident memory of a process, in kB (Linux).
fn rss_kb(pid: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

#[derive(Default)]
struct Tally {
    calls: AtomicUsize,
    /// Refusals the traffic asks for (wrong passwords, locks).
    expected_refusals: AtomicUsize,
    /// Transport failures, HTTP 5xx, and errors on calls that should succeed.
    errors: AtomicUsize,
    micros: AtomicU64,
}

struct Client {
    http: reqwest::Client,
    url: String,
    tally: Arc<Tally>,
}

impl Client {
    /// Runs a call; `expect_ok` says whether an error answer is a failure.
    async fn call(&self, token: Option<&str>, query: &str, variables: Value, expect_ok: bool) -> Option<Value> {
        let started = Instant::now();
        let mut request = self
            .http
            .post(format!("{}/graphql", self.url))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let result = request.send().await;
        self.tally.calls.fetch_add(1, Ordering::Relaxed);
        self.tally
            .micros
            .fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
        let response = match result {
            Ok(response) if response.status().is_server_error() => {
                eprintln!("HTTP {} for {query}", response.status());
                self.tally.errors.fetch_add(1, Ordering::Relaxed);
                return None;
            }
            Ok(response) => response.json::<Value>().await.ok(),
            Err(error) => {
                eprintln!("transport error: {error}");
                None
            }
        };
        let Some(body) = response else {
            self.tally.errors.fetch_add(1, Ordering::Relaxed);
            return None;
        };
        match body.get("errors") {
            None => Some(body["data"].clone()),
            Some(errors) if expect_ok => {
                eprintln!("unexpected error for {query}: {errors}");
                self.tally.errors.fetch_add(1, Ordering::Relaxed);
                None
            }
            Some(_) => {
                self.tally.expected_refusals.fetch_add(1, Ordering::Relaxed);
                None
            }
        }
    }

    async fn login(&self, phone: &str, password: &str) -> (String, String) {
        let data = self
            .call(
                None,
                "mutation($p: String!, $w: String!) { login(phone: $p, password: $w) { accessToken refreshToken } }",
                json!({ "p": phone, "w": password }),
                true,
            )
            .await
            .expect("login");
        (
            data["login"]["accessToken"].as_str().unwrap().to_string(),
            data["login"]["refreshToken"].as_str().unwrap().to_string(),
        )
    }
}

impl Client {
    /// Logs in for the first time: an account whose password an admin set (or the first run
    /// generated) must change it before anything else; the new one is the old plus " renewed".
    /// Returns the session and the password that now holds.
    async fn first_login(&self, phone: &str, password: &str) -> ((String, String), String) {
        let data = self
            .call(
                None,
                "mutation($p: String!, $w: String!) { login(phone: $p, password: $w) { accessToken refreshToken requiredAction } }",
                json!({ "p": phone, "w": password }),
                true,
            )
            .await
            .expect("login");
        let login = &data["login"];
        let token = login["accessToken"].as_str().unwrap().to_string();
        if login["requiredAction"] != "PASSWORD_CHANGE_REQUIRED" {
            return (
                (token, login["refreshToken"].as_str().unwrap().to_string()),
                password.to_string(),
            );
        }
        let renewed = format!("{password} renewed");
        let data = self
            .call(
                Some(&token),
                "mutation($o: String!, $n: String!) { changePassword(oldPassword: $o, newPassword: $n) { accessToken refreshToken } }",
                json!({ "o": password, "n": renewed }),
                true,
            )
            .await
            .expect("the first password change");
        let changed = &data["changePassword"];
        (
            (
                changed["accessToken"].as_str().unwrap().to_string(),
                changed["refreshToken"].as_str().unwrap().to_string(),
            ),
            renewed,
        )
    }
}

/// The password the admin gives the soak's accounts (strong enough for the strength check).
const SOAK_PASSWORD: &str = "Soak-7Qx!-rain-over-Fuling";

struct Cast {
    admin: String,
    company: (String, String),
    officer: String,
    category: String,
}

async fn set_up(client: &Client, admin_password: &str, n: usize) -> Cast {
    let (admin, _) = client.login("13800000000", admin_password).await;
    let ok = |data: Option<Value>| data.expect("set-up call");
    let officer_phone = format!("139{:08}", 10_000 + n * 2);
    let officer_id = ok(client
        .call(
            Some(&admin),
            "mutation($p: String!) { createUser(input: { role: OFFICER, phone: $p, name: \"专员\", password: \"Soak-7Qx!-rain-over-Fuling\" }) { user { id } } }",
            json!({ "p": officer_phone }),
            true,
        )
        .await)["createUser"]["user"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let check = {
        let first17 = format!("91110000{:09}", 500 + n);
        let check = zhitong::companies::credit_code::check_char(&first17).unwrap();
        format!("{first17}{check}")
    };
    let company_id = ok(client
        .call(
            Some(&admin),
            "mutation($c: String!, $o: ID!, $n: String!) { createCompany(input: { name: $n, creditCode: $c, industry: \"制造业\", officerId: $o }) { company { id } } }",
            json!({ "c": check, "o": officer_id, "n": format!("压测公司{n}") }),
            true,
        )
        .await)["createCompany"]["company"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let staff_phone = format!("139{:08}", 10_001 + n * 2);
    ok(client
        .call(
            Some(&admin),
            "mutation($p: String!, $c: ID!) { createUser(input: { role: COMPANY, phone: $p, name: \"员工\", companyId: $c, principal: true, password: \"Soak-7Qx!-rain-over-Fuling\" }) { user { id } } }",
            json!({ "p": staff_phone, "c": company_id }),
            true,
        )
        .await);
    let category = ok(client
        .call(Some(&admin), "{ categories { id } }", json!({}), true)
        .await)["categories"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (company, _) = client.first_login(&staff_phone, SOAK_PASSWORD).await;
    let ((officer, _), _) = client.first_login(&officer_phone, SOAK_PASSWORD).await;
    Cast {
        admin,
        company,
        officer,
        category,
    }
}

async fn run_client(client: Client, mut cast: Cast, deadline: Instant, n: usize) {
    let mut i = 0usize;
    let mut last_request: Option<String> = None;
    while Instant::now() < deadline {
        let (company, _) = &cast.company;
        match i % 10 {
            0 => {
                let raised = client
                    .call(
                        Some(company),
                        "mutation($c: ID!, $k: String!) { raiseRequest(input: { kind: PROBLEM, categoryId: $c, title: \"夜间跳闸\", description: \"10 kV 线路故障，影响生产\", idempotencyKey: $k }) { request { id version } } }",
                        json!({ "c": cast.category, "k": format!("soak-{n}-{i}") }),
                        true,
                    )
                    .await;
                if let Some(raised) = raised {
                    let id = raised["raiseRequest"]["request"]["id"].as_str().unwrap().to_string();
                    client
                        .call(
                            Some(&cast.officer),
                            "mutation($id: ID!) { acceptRequest(id: $id, version: 1) { request { status } } }",
                            json!({ "id": id }),
                            true,
                        )
                        .await;
                    last_request = Some(id);
                }
            }
            1 => {
                client
                    .call(
                        Some(company),
                        "{ myRequests(first: 20) { totalCount edges { node { id number status title updatedAt } } } }",
                        json!({}),
                        true,
                    )
                    .await;
            }
            2 => {
                client
                    .call(
                        Some(&cast.officer),
                        "{ myTasks(first: 20) { totalCount edges { node { id status company { name } } } } }",
                        json!({}),
                        true,
                    )
                    .await;
            }
            3 => {
                client
                    .call(
                        Some(&cast.admin),
                        "{ companies(first: 20) { totalCount edges { node { name officer { name } } } } }",
                        json!({}),
                        true,
                    )
                    .await;
            }
            4 => {
                client
                    .call(
                        Some(company),
                        "{ unreadNotificationCount notifications(first: 20) { edges { node { title read } } } }",
                        json!({}),
                        true,
                    )
                    .await;
            }
            5 => {
                client
                    .call(Some(&cast.officer), "{ me { id name role } }", json!({}), true)
                    .await;
            }
            6 => {
                let refreshed = client
                    .call(
                        None,
                        "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken } }",
                        json!({ "t": cast.company.1 }),
                        true,
                    )
                    .await;
                if let Some(r) = refreshed {
                    cast.company = (
                        r["refreshToken"]["accessToken"].as_str().unwrap().to_string(),
                        r["refreshToken"]["refreshToken"].as_str().unwrap().to_string(),
                    );
                }
            }
            7 => {
                // Someone guessing: refused (wrong password, then locked).
                client
                    .call(
                        None,
                        "mutation($p: String!) { login(phone: $p, password: \"a-wrong-guess\") { accessToken } }",
                        json!({ "p": format!("137{:08}", i % 1000) }),
                        false,
                    )
                    .await;
            }
            8 => {
                if let Some(id) = &last_request {
                    client
                        .call(
                            Some(company),
                            "query($id: ID!) { request(id: $id) { number status officer { name } timeline { kind at text } } }",
                            json!({ "id": id }),
                            true,
                        )
                        .await;
                }
            }
            _ => {
                client
                    .call(Some(company), "{ requestCounts { status count } }", json!({}), true)
                    .await;
            }
        }
        i += 1;
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// `; heap N kB in use, N kB free; SQLite N kB` from a scrape of the server's `/metrics`.
async fn memory_parts(http: &reqwest::Client, url: &str) -> String {
    let Ok(response) = http.get(url).send().await else {
        return "; /metrics did not answer".into();
    };
    let text = response.text().await.unwrap_or_default();
    let kb = |name: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.trim().parse::<f64>().ok())
            .map_or("?".to_string(), |bytes| format!("{:.0}", bytes / 1024.0))
    };
    format!(
        "; heap {} kB in use, {} kB free; SQLite {} kB",
        kb("zhitong_heap_in_use_bytes"),
        kb("zhitong_heap_free_bytes"),
        kb("zhitong_sqlite_memory_bytes")
    )
}

#[actix_rt::main]
async fn main() {
    let url = arg("--url").unwrap_or_else(|| "http://127.0.0.1:8080".into());
    let password = arg("--password").expect("--password: the administrator's password");
    let minutes: f64 = arg("--minutes").and_then(|m| m.parse().ok()).unwrap_or(10.0);
    let clients: usize = arg("--clients").and_then(|c| c.parse().ok()).unwrap_or(6);
    let warmup = Duration::from_secs(arg("--warmup").and_then(|w| w.parse().ok()).unwrap_or(30));
    let pid = arg("--pid");
    let metrics = arg("--metrics");
    let tally = Arc::new(Tally::default());
    let http = reqwest::Client::new();
    let client = |tally: &Arc<Tally>| Client {
        http: http.clone(),
        url: url.clone(),
        tally: tally.clone(),
    };
    // The first run's administrator changes the generated password first.
    let (_, password) = client(&tally).first_login("13800000000", &password).await;
    let mut casts = Vec::new();
    for n in 0..clients {
        casts.push(set_up(&client(&tally), &password, n).await);
    }
    let warm_until = Instant::now() + warmup;
    let deadline = warm_until + Duration::from_secs_f64(minutes * 60.0);
    let mut handles = Vec::new();
    for (n, cast) in casts.into_iter().enumerate() {
        handles.push(actix_rt::spawn(run_client(client(&tally), cast, deadline, n)));
    }
    tokio::time::sleep_until(warm_until.into()).await;
    let start_rss = pid.as_deref().and_then(rss_kb);
    let warm_calls = tally.calls.load(Ordering::Relaxed);
    let warm_errors = tally.errors.load(Ordering::Relaxed);
    let warm_micros = tally.micros.load(Ordering::Relaxed);
    let warm_refusals = tally.expected_refusals.load(Ordering::Relaxed);
    println!("warm-up done: {warm_calls} calls, {warm_errors} errors; server RSS {start_rss:?} kB");
    let started = Instant::now();
    // The server's RSS every second, summed up once a minute as its floor (the lowest reading),
    // median and peak. A login or refresh holds a 19 MiB argon2 block for a few milliseconds, so
    // a single reading lands anywhere between the floor and tens of MB above it; the floor is
    // what the server keeps, and the memory verdict is on the floors of the last ten minutes.
    let samples = Arc::new(std::sync::Mutex::new(Vec::<u64>::new()));
    let reporter = {
        let tally = tally.clone();
        let samples = samples.clone();
        let pid = pid.clone();
        let http = http.clone();
        actix_rt::spawn(async move {
            loop {
                let mut minute = Vec::with_capacity(60);
                for _ in 0..60 {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    if let Some(rss) = pid.as_deref().and_then(rss_kb) {
                        minute.push(rss);
                    }
                }
                minute.sort_unstable();
                let summary = match (minute.first(), minute.last()) {
                    (Some(&floor), Some(&peak)) => {
                        samples.lock().unwrap().push(floor);
                        format!(
                            "server RSS floor {floor} kB, median {} kB, peak {peak} kB",
                            minute[minute.len() / 2]
                        )
                    }
                    _ => "server RSS ?".into(),
                };
                // What the memory is made of, from the server's /metrics: the allocator's heap
                // in use and kept free, and SQLite's own allocations.
                let parts = match &metrics {
                    Some(url) => memory_parts(&http, url).await,
                    None => String::new(),
                };
                println!(
                    "{:>4.0} s: {} calls, {} errors, {summary}{parts}",
                    started.elapsed().as_secs_f64(),
                    tally.calls.load(Ordering::Relaxed),
                    tally.errors.load(Ordering::Relaxed),
                );
            }
        })
    };
    for handle in handles {
        handle.await.unwrap();
    }
    reporter.abort();
    let end_rss = pid.as_deref().and_then(rss_kb);
    let calls = (tally.calls.load(Ordering::Relaxed) - warm_calls).max(1);
    let errors = tally.errors.load(Ordering::Relaxed);
    println!(
        "soak: {:.0} s, {} clients, {} calls ({:.0}/s), mean {:.1} ms, {} expected refusals, {} errors ({} in warm-up)",
        started.elapsed().as_secs_f64(),
        clients,
        calls,
        calls as f64 / started.elapsed().as_secs_f64(),
        (tally.micros.load(Ordering::Relaxed) - warm_micros) as f64 / calls as f64 / 1000.0,
        tally.expected_refusals.load(Ordering::Relaxed) - warm_refusals,
        errors - warm_errors,
        warm_errors
    );
    if let (Some(start), Some(end)) = (start_rss, end_rss) {
        println!(
            "server RSS: {start} kB after warm-up, {end} kB at the end, growth {} kB",
            end as i64 - start as i64
        );
    }
    // Levelled off: over the last ten minutes (eleven one-minute floors) RSS grew by less
    // than 2 %.
    let samples = samples.lock().unwrap().clone();
    let mut failed = errors > 0;
    if samples.len() >= 11 {
        let first = samples[samples.len() - 11];
        let last = *samples.last().unwrap();
        let growth = (last as f64 - first as f64) / first as f64 * 100.0;
        let verdict = if growth < 2.0 { "met" } else { "missed" };
        println!("last 10 minutes: RSS floor {first} kB -> {last} kB, growth {growth:+.2} % (target < 2 %: {verdict})");
        failed |= growth >= 2.0;
    } else if pid.is_some() {
        println!("last 10 minutes: fewer than 11 RSS samples (run --minutes 10 or more for the verdict)");
    }
    if failed {
        std::process::exit(1);
    }
}
