//! Idle phones: many websockets, each subscribed to `notificationReceived` and
//! `myRequestUpdates` as the apps keep them open, against a running server (issue 16's target:
//! idle, the server makes ≤ 10 database queries/s in total and holds < 300 MB RSS; one change
//! reaches the right subscribers within 100 ms at p99).
//!
//! The bench sets up its cast through GraphQL as the admin (`--officers` officers serving
//! `--companies` companies in turn, one staff account each), opens `--phones` websockets, one
//! in 50 an officer's and the rest spread over the company accounts (graphql-transport-ws, the protocol of
//! <https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md>), waits for them to settle,
//! reads the server's query counters (`/metrics`) across `--idle` seconds of nothing happening,
//! then has one company raise a request to warm the server up (reported apart), then `--changes`
//! other companies each raise one, and times how long each concerned phone
//! takes to hear it (from before the raise is sent to the message's arrival), counting any
//! message that reaches a phone it does not concern.
//!
//!   bench/subscribers.sh               # 5,000 phones on a fresh SQLite file, release build
//!   SUBSCRIBERS_PG=postgres://postgres@127.0.0.1:5432/test bench/subscribers.sh
//!   cargo run --release --example bench-subscribers -- --url http://127.0.0.1:8080 \
//!       --metrics http://127.0.0.1:9090/metrics --pid PID --password ADMIN_PASSWORD \
//!       [--phones 5000] [--companies 200] [--officers 20] [--idle 30] [--changes 20]

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, Mutex};

const PASSWORD: &str = "Idle-phones-9Vq!-over-Langfang";

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn number(name: &str, default: usize) -> usize {
    arg(name).map_or(default, |v| v.parse().unwrap_or_else(|_| panic!("{name} is a number")))
}

fn rss_kb(pid: &str, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

struct Api {
    http: reqwest::Client,
    url: String,
}

impl Api {
    async fn call(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = self
            .http
            .post(format!("{}/graphql", self.url))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let body: Value = request
            .send()
            .await
            .expect("the server answers")
            .json()
            .await
            .expect("a JSON answer");
        if let Some(errors) = body.get("errors") {
            panic!("{query}: {errors}");
        }
        body["data"].clone()
    }

    /// Logs in; an account whose password an admin set changes it first (as the app does).
    async fn login(&self, phone: &str, password: &str) -> String {
        let data = self
            .call(
                None,
                "mutation($p: String!, $w: String!) { login(phone: $p, password: $w) { accessToken requiredAction } }",
                json!({ "p": phone, "w": password }),
            )
            .await;
        let token = data["login"]["accessToken"].as_str().unwrap().to_string();
        if data["login"]["requiredAction"] != "PASSWORD_CHANGE_REQUIRED" {
            return token;
        }
        let changed = self
            .call(
                Some(&token),
                "mutation($o: String!, $n: String!) { changePassword(oldPassword: $o, newPassword: $n) { accessToken } }",
                json!({ "o": password, "n": format!("{password} renewed") }),
            )
            .await;
        changed["changePassword"]["accessToken"].as_str().unwrap().to_string()
    }

    /// The sum of the server's database query counters (reads and writes).
    /// A gauge of the server's /metrics (0 when absent).
    async fn gauge(&self, metrics: &str, name: &str) -> f64 {
        let text = self.http.get(metrics).send().await.unwrap().text().await.unwrap();
        text.lines()
            .find(|l| l.split(' ').next() == Some(name))
            .and_then(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .unwrap_or(0.0)
    }

    async fn queries(&self, metrics: &str) -> f64 {
        let text = self.http.get(metrics).send().await.unwrap().text().await.unwrap();
        text.lines()
            .filter(|l| l.starts_with("zhitong_db_query_duration_seconds_count"))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    }
}

const MASK: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

/// A masked client frame (RFC 6455 §5.2: every client frame is masked).
fn frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![0x80 | opcode];
    match payload.len() {
        n if n < 126 => out.push(0x80 | n as u8),
        n if n < 65_536 => {
            out.push(0x80 | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(0x80 | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(&MASK);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ MASK[i % 4]));
    out
}

async fn send(writer: &Mutex<OwnedWriteHalf>, message: &Value) {
    let bytes = frame(0x1, message.to_string().as_bytes());
    let _ = writer.lock().await.write_all(&bytes).await;
}

/// Reads one server frame: (opcode, payload); None when the connection ended.
async fn read_frame(reader: &mut tokio::net::tcp::OwnedReadHalf) -> Option<(u8, Vec<u8>)> {
    let mut header = [0u8; 2];
    reader.read_exact(&mut header).await.ok()?;
    let len = match header[1] & 0x7f {
        126 => {
            let mut n = [0u8; 2];
            reader.read_exact(&mut n).await.ok()?;
            u16::from_be_bytes(n) as usize
        }
        127 => {
            let mut n = [0u8; 8];
            reader.read_exact(&mut n).await.ok()?;
            u64::from_be_bytes(n) as usize
        }
        n => n as usize,
    };
    let mut payload = vec![0u8; len];
    reader.read_exact(&mut payload).await.ok()?;
    Some((header[0] & 0x0f, payload))
}

/// Opens a phone's websocket, authenticates, subscribes to both streams and hands what it
/// hears to `heard` as (phone, when, message) from then on; the connection stays open while
/// its reading task runs (to the end of the bench).
async fn open(host: &str, token: &str, index: usize, heard: mpsc::UnboundedSender<(usize, Instant, Value)>) {
    let stream = TcpStream::connect(host).await.expect("connect to the server");
    let (mut reader, mut writer) = stream.into_split();
    let handshake = format!(
        "GET /graphql/ws HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n"
    );
    writer.write_all(handshake.as_bytes()).await.unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        reader.read_exact(&mut byte).await.expect("the handshake's answer");
        head.push(byte[0]);
    }
    assert!(head.starts_with(b"HTTP/1.1 101"), "{}", String::from_utf8_lossy(&head));
    let writer = Arc::new(Mutex::new(writer));
    send(
        &writer,
        &json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } }),
    )
    .await;
    loop {
        let (opcode, payload) = read_frame(&mut reader).await.expect("connection_ack");
        if opcode == 0x1 {
            let message: Value = serde_json::from_slice(&payload).unwrap();
            assert_eq!(message["type"], "connection_ack", "{message}");
            break;
        }
    }
    send(
        &writer,
        &json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { notificationReceived { id kind requestId } }" } }),
    )
    .await;
    send(
        &writer,
        &json!({ "id": "2", "type": "subscribe", "payload": { "query": "subscription { myRequestUpdates { id status } }" } }),
    )
    .await;
    let pong_to = writer.clone();
    tokio::spawn(async move {
        while let Some((opcode, payload)) = read_frame(&mut reader).await {
            match opcode {
                0x1 => {
                    let message: Value = serde_json::from_slice(&payload).unwrap_or(Value::Null);
                    match message["type"].as_str() {
                        Some("ping") => send(&pong_to, &json!({ "type": "pong" })).await,
                        Some("pong") => {}
                        _ => {
                            let _ = heard.send((index, Instant::now(), message));
                        }
                    }
                }
                0x9 => {
                    let bytes = frame(0xA, &payload);
                    let _ = pong_to.lock().await.write_all(&bytes).await;
                }
                0x8 => break,
                _ => {}
            }
        }
        let _ = heard.send((index, Instant::now(), json!({ "type": "closed" })));
    });
}

/// Whose phone a websocket is.
#[derive(Clone, Copy)]
enum Phone {
    /// Company n's staff account.
    Staff(usize),
    /// Officer o's account.
    Officer(usize),
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[(((sorted.len() - 1) as f64) * p).round() as usize]
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let url = arg("--url").expect("--url http://127.0.0.1:PORT");
    let metrics = arg("--metrics").expect("--metrics http://127.0.0.1:PORT/metrics");
    let pid = arg("--pid").expect("--pid (the server's)");
    let admin_password = arg("--password").expect("--password (the first-run admin's)");
    let phones = number("--phones", 5000);
    let companies = number("--companies", 200);
    let idle = number("--idle", 30);
    let officers = number("--officers", 20).clamp(1, companies.max(1));
    let changes = number("--changes", 20).min(companies.saturating_sub(1));
    let api = Api {
        http: reqwest::Client::new(),
        url: url.clone(),
    };
    let host = url.trim_start_matches("http://").to_string();

    // The cast: `--officers` officers, company n served by officer n % officers, one staff
    // account per company.
    let started = Instant::now();
    let admin = api.login("13800000000", &admin_password).await;
    let mut officer_ids = Vec::with_capacity(officers);
    for o in 0..officers {
        officer_ids.push(
            api.call(
                Some(&admin),
                "mutation($p: String!, $w: String!) { createUser(input: { role: OFFICER, phone: $p, name: \"驻企专员\", password: $w }) { user { id } } }",
                json!({ "p": format!("137{o:08}"), "w": PASSWORD }),
            )
            .await["createUser"]["user"]["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let category = api.call(Some(&admin), "{ categories { id } }", json!({})).await["categories"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut staff_tokens = Vec::with_capacity(companies);
    for n in 0..companies {
        let first17 = format!("91110000{:09}", 700 + n);
        let code = format!(
            "{first17}{}",
            zhitong::companies::credit_code::check_char(&first17).unwrap()
        );
        let company = api
            .call(
                Some(&admin),
                "mutation($c: String!, $o: ID!, $n: String!) { createCompany(input: { name: $n, creditCode: $c, industry: \"制造业\", officerId: $o }) { company { id } } }",
                json!({ "c": code, "o": officer_ids[n % officers], "n": format!("订阅压测企业{n}") }),
            )
            .await["createCompany"]["company"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let phone = format!("136{:08}", n);
        api.call(
            Some(&admin),
            "mutation($p: String!, $c: ID!, $w: String!) { createUser(input: { role: COMPANY, phone: $p, name: \"企业员工\", companyId: $c, principal: true, password: $w }) { user { id } } }",
            json!({ "p": phone, "c": company, "w": PASSWORD }),
        )
        .await;
        staff_tokens.push(api.login(&phone, PASSWORD).await);
    }
    let mut officer_tokens = Vec::with_capacity(officers);
    for o in 0..officers {
        officer_tokens.push(api.login(&format!("137{o:08}"), PASSWORD).await);
    }
    println!(
        "cast: {companies} companies with one staff account each, served by {officers} officers ({:.0} s)",
        started.elapsed().as_secs_f64()
    );

    // The phones: one in 50 is an officer's (spread over the officers), the rest spread over
    // the companies' staff.
    let (heard_tx, mut heard) = mpsc::unbounded_channel();
    let mut owner = Vec::with_capacity(phones);
    let opening = Instant::now();
    let rss_before = rss_kb(&pid, "VmRSS:").unwrap_or(0);
    for chunk_start in (0..phones).step_by(100) {
        let mut batch = Vec::new();
        for index in chunk_start..(chunk_start + 100).min(phones) {
            let who = if index % 50 == 49 {
                Phone::Officer((index / 50) % officers)
            } else {
                Phone::Staff(index % companies)
            };
            owner.push(who);
            let token = match who {
                Phone::Staff(n) => staff_tokens[n].clone(),
                Phone::Officer(o) => officer_tokens[o].clone(),
            };
            let (host, heard_tx) = (host.clone(), heard_tx.clone());
            batch.push(tokio::spawn(async move { open(&host, &token, index, heard_tx).await }));
        }
        for phone in batch {
            phone.await.expect("a phone opened");
        }
    }
    println!(
        "{phones} phones subscribed in {:.1} s (server RSS {} → {} MB)",
        opening.elapsed().as_secs_f64(),
        rss_before / 1024,
        rss_kb(&pid, "VmRSS:").unwrap_or(0) / 1024
    );

    // Idle: nothing happens; the server should not touch the database for them.
    tokio::time::sleep(Duration::from_secs(5)).await;
    while heard.try_recv().is_ok() {}
    let before = api.queries(&metrics).await;
    let idle_from = Instant::now();
    tokio::time::sleep(Duration::from_secs(idle as u64)).await;
    let after = api.queries(&metrics).await;
    let idle_secs = idle_from.elapsed().as_secs_f64();
    // The two /metrics reads make no query; what the counters moved is the server's own.
    let idle_rate = (after - before) / idle_secs;
    let rss_idle = rss_kb(&pid, "VmRSS:").unwrap_or(0);
    let mut heard_idle = 0;
    while heard.try_recv().is_ok() {
        heard_idle += 1;
    }
    println!(
        "idle {idle_secs:.0} s: {:.0} database queries ({idle_rate:.2}/s), {heard_idle} messages, server RSS {} MB \
         (heap in use {:.0} MB, held free by the allocator {:.0} MB)",
        after - before,
        rss_idle / 1024,
        api.gauge(&metrics, "zhitong_heap_in_use_bytes").await / 1048576.0,
        api.gauge(&metrics, "zhitong_heap_free_bytes").await / 1048576.0
    );

    // Changes: company n raises a request; its staff's phones hear it on myRequestUpdates and
    // its officer's phones on both (a new request for them). No other phone hears anything.
    // The first change after start (company `changes`, not one of the measured) warms the
    // server up and is reported apart.
    let mut latencies = Vec::new();
    let mut slowest = Vec::new();
    let mut warm_up = f64::NAN;
    let mut wrong = 0usize;
    let mut missing = 0usize;
    for n in std::iter::once(changes).chain(0..changes) {
        let staff = &staff_tokens[n];
        let concerned: Vec<usize> = (0..phones)
            .filter(|&i| match owner[i] {
                Phone::Staff(c) => c == n,
                Phone::Officer(o) => o == n % officers,
            })
            .collect();
        let mut waiting: HashMap<usize, ()> = concerned.iter().map(|&i| (i, ())).collect();
        let mut heard_by = Vec::new();
        let sent = Instant::now();
        api.call(
            Some(staff),
            "mutation($c: ID!) { raiseRequest(input: { kind: PROBLEM, categoryId: $c, title: \"园区道路积水\", description: \"雨后厂区门口道路积水，货车无法通行\" }) { request { id } } }",
            json!({ "c": category }),
        )
        .await;
        let deadline = sent + Duration::from_secs(3);
        while !waiting.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, heard.recv()).await {
                Ok(Some((index, at, message))) => {
                    if waiting.remove(&index).is_some() {
                        heard_by.push(at.duration_since(sent).as_secs_f64() * 1000.0);
                    } else if !concerned.contains(&index) {
                        wrong += 1;
                        eprintln!("phone {index} heard what does not concern it: {message}");
                    }
                }
                _ => break,
            }
        }
        let worst = heard_by.iter().cloned().fold(0.0, f64::max);
        if n == changes {
            warm_up = worst;
        } else {
            missing += waiting.len();
            slowest.push(format!("{worst:.0}"));
            latencies.extend(heard_by);
        }
        // Let stragglers (a second message to a concerned phone) arrive before the next change.
        tokio::time::sleep(Duration::from_millis(200)).await;
        while let Ok((index, _, message)) = heard.try_recv() {
            if !concerned.contains(&index) {
                wrong += 1;
                eprintln!("phone {index} heard what does not concern it: {message}");
            }
        }
    }
    latencies.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let (p50, p99, max) = (
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or(f64::NAN),
    );
    let peak = rss_kb(&pid, "VmHWM:").unwrap_or(0);
    println!(
        "{changes} changes: {} deliveries to the phones concerned, p50 {p50:.1} ms, p99 {p99:.1} ms, max {max:.1} ms; {missing} missed, {wrong} to phones not concerned",
        latencies.len()
    );
    println!(
        "slowest delivery of each change, ms: {} (the warm-up change before them, the first after start: {warm_up:.0} ms)",
        slowest.join(" ")
    );
    println!("server peak RSS {} MB", peak / 1024);
    let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
    println!(
        "target idle ≤ 10 queries/s: {} ({idle_rate:.2}/s)",
        verdict(idle_rate <= 10.0)
    );
    println!(
        "target RSS < 300 MB with {phones} phones idle: {} ({} MB idle; peak {} MB while the changes were delivered)",
        verdict(rss_idle < 300 * 1024),
        rss_idle / 1024,
        peak / 1024
    );
    println!(
        "target one change reaches the right phones within 100 ms at p99: {} (p99 {p99:.1} ms, {missing} missed, {wrong} wrong)",
        verdict(p99 < 100.0 && missing == 0 && wrong == 0)
    );
}
