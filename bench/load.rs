//! Load driver: logs in as many users of each role (from the generator's manifest) and runs the
//! apps' operations against a running server, each in two modes:
//!
//! - closed loop: a fixed number of clients, each sending its next request when the previous
//!   answer arrives, for a fixed time (throughput);
//! - open loop: requests sent at a fixed arrival rate whatever the answers do, latency measured
//!   from each request's scheduled send time, so queueing shows instead of hiding.
//!
//! In the same run it measures the floor of each operation (the same reads and writes as plain
//! SQL through the same PostgreSQL, with `pgbench` and the scripts in `bench/floor/`) and the
//! ceiling (a trivial actix endpoint, `bench-ceiling`, on the same machine), and writes a
//! markdown report and the raw figures as JSON.
//!
//! The driver runs on one thread, so it takes at most one of the machine's cores.
//!
//!   cargo run --release --example bench-load -- --url http://127.0.0.1:18080
//!       --manifest bench/out/manifest.json [--server-pid PID] [--duration 20] [--clients 32]
//!       [--scenarios home,detail,raise,my_tasks,stats] [--rates home=400,raise=100]
//!       [--floor-db postgres://…] [--ceiling-url http://127.0.0.1:18081]
//!
//! With --floor-db (PostgreSQL) the report also gives the database's CPU time per operation.
//!       [--report bench/out/report.md] [--json bench/out/results.json]
//!       [--peer-url http://127.0.0.1:18082 --peer-pid PID] [--baseline bench/out/previous.json]
//!       [--modes closed,open,one]
//!
//! With --peer-url the same driver, with the same clients and the same companies and officers,
//! also runs the read operations against the peer (PostGraphile serving the same database, see
//! bench/peer/) with the equivalent queries below, and the report gives the ratios measured in the
//! same run. With --baseline (the JSON of an earlier run) it lists the figures that got worse.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use serde::Deserialize;
use serde_json::{json, Value};

const HOME: &str = "query Home { myRequests(first: 20) { totalCount edges { cursor node { id number status kind \
urgency title category { id name } officer { id name phone } tasks { id lead status department { id name } } \
lastEvent { kind text at } version updatedAt } } pageInfo { hasNextPage endCursor } } }";

const DETAIL_FIELDS: &str = "id number status kind urgency title category { id name } lastEvent { kind text at } \
version updatedAt channel description answer filingNumber createdAt resolvedAt closedAt company { id name } \
officer { id name phone } tasks { id lead status department { id name } plan { responsible approach dueAt } result } \
timeline { id kind at text internal actor { id name role } } satisfaction { solved satisfied comment noFeedback at }";

const MY_TASKS: &str = "query MyQueue { myTasks(first: 20) { totalCount edges { cursor node { id number status kind \
urgency channel title company { id name } tasks { id lead status department { id name } dueAt } \
lastEvent { kind text at actor { id name } } version createdAt } } pageInfo { hasNextPage endCursor } } }";

/// The peer's home screen (PostGraphile 4 inflection), by company id: the query of issue 16.
const PEER_HOME: &str =
    "query Home($id: BigInt!) { allRequests(condition: {companyId: $id}, orderBy: ID_DESC, first: 20) { \
totalCount edges { cursor node { id number status kind urgency title categoryByCategoryId { id name } \
userByOfficerId { id name phone } requestTasksByRequestId(orderBy: ID_ASC) { nodes { id lead status \
departmentByDepartmentId { id name } } } requestEventsByRequestId(orderBy: ID_DESC, first: 1) { nodes { kind text \
createdAt } } version updatedAt } } pageInfo { hasNextPage endCursor } } }";

/// The peer's request detail, the fields of DETAIL_FIELDS: the company sees no internal events
/// (as in zhitong), the satisfaction is the request's own columns.
const PEER_DETAIL: &str = "query RequestDetail($id: BigInt!) { requestById(id: $id) { id number status kind urgency \
title categoryByCategoryId { id name } last: requestEventsByRequestId(orderBy: ID_DESC, first: 1, condition: \
{internal: false}) { nodes { kind text createdAt } } version updatedAt channel description answer filingNumber \
createdAt resolvedAt closedAt companyByCompanyId { id name } userByOfficerId { id name phone } \
requestTasksByRequestId(orderBy: ID_ASC) { nodes { id lead status departmentByDepartmentId { id name } responsible \
approach dueAt result } } requestEventsByRequestId(orderBy: ID_ASC, condition: {internal: false}) { nodes { id kind \
createdAt text internal userByActorId { id name role } } } solved satisfied feedbackComment noFeedback feedbackAt } }";

/// The peer's myTasks: PostGraphile's conditions are equalities, so the queue (the officer's own
/// requests or their companies', in the waiting states, urgent first) is the SQL function of
/// bench/peer/my_tasks.sql, which PostGraphile serves as a connection.
const PEER_MY_TASKS: &str = "query MyQueue($id: BigInt!) { peerMyTasks(officer: $id, first: 20) { totalCount edges { \
cursor node { id number status kind urgency channel title companyByCompanyId { id name } \
requestTasksByRequestId(orderBy: ID_ASC) { nodes { id lead status departmentByDepartmentId { id name } dueAt } } \
requestEventsByRequestId(orderBy: ID_DESC, first: 1) { nodes { kind text createdAt userByActorId { id name } } } \
version createdAt } } pageInfo { hasNextPage endCursor } } }";

fn detail_query() -> String {
    format!("query RequestDetail($id: ID!) {{ request(id: $id) {{ {DETAIL_FIELDS} }} }}")
}

fn raise_query() -> String {
    format!("mutation RaiseRequest($input: RaiseRequestInput!) {{ raiseRequest(input: $input) {{ request {{ {DETAIL_FIELDS} }} }} }}")
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Role {
    Company,
    Officer,
    Admin,
}

/// One operation of the apps, as data: who runs it, which root field it needs in the server's
/// schema (checked by introspection, so operations that do not exist in a build are reported as
/// such), its open-loop rate and its plain-SQL floor script.
struct ScenarioSpec {
    name: &'static str,
    title: &'static str,
    role: Role,
    root: (&'static str, &'static str),
    rate: f64,
    floor: Option<&'static str>,
    /// The database's own limit: the whole answer as JSON in one SQL statement.
    one_statement_floor: Option<&'static str>,
    /// Whether the peer has the equivalent query.
    peer: bool,
}

const SCENARIOS: &[ScenarioSpec] = &[
    ScenarioSpec {
        name: "home",
        title: "company home screen (myRequests first page with officer, tasks, last event)",
        role: Role::Company,
        root: ("Query", "myRequests"),
        rate: 400.0,
        floor: Some("home.sql"),
        one_statement_floor: Some("home_json.sql"),
        peer: true,
    },
    ScenarioSpec {
        name: "detail",
        title: "request detail with timeline (company)",
        role: Role::Company,
        root: ("Query", "request"),
        rate: 200.0,
        floor: Some("detail.sql"),
        one_statement_floor: None,
        peer: true,
    },
    ScenarioSpec {
        name: "my_tasks",
        title: "officer's myTasks queue",
        role: Role::Officer,
        root: ("Query", "myTasks"),
        rate: 200.0,
        floor: Some("my_tasks.sql"),
        one_statement_floor: None,
        peer: true,
    },
    ScenarioSpec {
        name: "stats",
        title: "admin statistics (stats)",
        role: Role::Admin,
        root: ("Query", "stats"),
        rate: 20.0,
        floor: None,
        one_statement_floor: None,
        peer: false,
    },
    ScenarioSpec {
        name: "raise",
        title: "raiseRequest (with its events, notifications and deliveries)",
        role: Role::Company,
        root: ("Mutation", "raiseRequest"),
        rate: 100.0,
        floor: Some("raise.sql"),
        one_statement_floor: None,
        peer: false,
    },
];

#[derive(Deserialize)]
struct Manifest {
    password: String,
    admin_phone: String,
    company_phones: Vec<String>,
    officer_phones: Vec<String>,
    companies: i64,
    officers: i64,
    departments: i64,
    requests: i64,
}

struct Session {
    phone: String,
    token: String,
    /// Requests this company user may open (from its first page).
    request_ids: Vec<String>,
    /// For the peer: the company's id (company users) or the officer's id, as a database id.
    db_id: String,
}

struct Ctx {
    http: reqwest::Client,
    url: String,
    companies: Vec<Session>,
    officers: Vec<Session>,
    admins: Vec<Session>,
    categories: Vec<String>,
    stats_query: Option<String>,
    counter: AtomicU64,
    run_id: String,
    /// The peer (no tokens: the sessions carry database ids instead).
    peer: bool,
}

#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    errors: Option<Value>,
}

/// What one operation did: its latency, or why it failed.
type Outcome = Result<(), String>;

impl Ctx {
    async fn post(&self, token: Option<&str>, body: &Value) -> Result<Value, String> {
        let mut request = self.http.post(&self.url).json(body);
        if let Some(token) = token.filter(|t| !t.is_empty()) {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.map_err(|e| format!("http: {e}"))?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(|e| format!("http body: {e}"))?;
        let value: Value = serde_json::from_slice(&bytes).map_err(|e| format!("HTTP {status}: not JSON: {e}"))?;
        if let Some(errors) = value.get("errors") {
            return Err(format!("HTTP {status}: {errors}"));
        }
        Ok(value)
    }

    /// The hot path: sends and checks for errors without building the whole answer.
    async fn run(&self, token: &str, body: &[u8]) -> Outcome {
        let mut request = self.http.post(&self.url);
        if !token.is_empty() {
            request = request.bearer_auth(token);
        }
        let response = request
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_vec())
            .send()
            .await
            .map_err(|e| format!("http: {e}"))?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(|e| format!("http body: {e}"))?;
        if !status.is_success() {
            return Err(format!(
                "HTTP {status}: {}",
                String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
            ));
        }
        let answer: Answer = serde_json::from_slice(&bytes).map_err(|e| format!("not JSON: {e}"))?;
        match answer.errors {
            Some(errors) => Err(errors.to_string()),
            None => Ok(()),
        }
    }

    /// The next request body and token of `scenario`, for the `n`-th send.
    fn next(&self, scenario: &str, n: u64) -> (String, Vec<u8>) {
        let pick = |sessions: &[Session]| n as usize % sessions.len();
        if self.peer {
            return self.next_peer(scenario, n);
        }
        match scenario {
            "home" => {
                let s = &self.companies[pick(&self.companies)];
                (s.token.clone(), json!({ "query": HOME }).to_string().into_bytes())
            }
            "detail" => {
                let with_requests: Vec<&Session> =
                    self.companies.iter().filter(|s| !s.request_ids.is_empty()).collect();
                let s = with_requests[n as usize % with_requests.len()];
                let id = &s.request_ids[(n as usize / with_requests.len()) % s.request_ids.len()];
                let body = json!({ "query": detail_query(), "variables": { "id": id } });
                (s.token.clone(), body.to_string().into_bytes())
            }
            "my_tasks" => {
                let s = &self.officers[pick(&self.officers)];
                (s.token.clone(), json!({ "query": MY_TASKS }).to_string().into_bytes())
            }
            "stats" => {
                let s = &self.admins[0];
                let query = self.stats_query.clone().unwrap_or_default();
                (s.token.clone(), json!({ "query": query }).to_string().into_bytes())
            }
            "raise" => {
                let s = &self.companies[pick(&self.companies)];
                let key = self.counter.fetch_add(1, Ordering::Relaxed);
                let kinds = ["CONSULTATION", "PROBLEM", "PROBLEM", "SUGGESTION"];
                let body = json!({
                    "query": raise_query(),
                    "variables": { "input": {
                        "kind": kinds[(n % 4) as usize],
                        "categoryId": self.categories[n as usize % self.categories.len()],
                        "title": "夜间生产经常跳闸",
                        "description": "10 kV 线路故障，影响夜班生产，请尽快协调供电公司排查。",
                        "idempotencyKey": format!("bench-{}-{key}", self.run_id),
                    } }
                });
                (s.token.clone(), body.to_string().into_bytes())
            }
            "ceiling" => (String::new(), json!({ "query": HOME }).to_string().into_bytes()),
            other => panic!("unknown scenario {other}"),
        }
    }
}

impl Ctx {
    /// The peer's equivalent of `next`: the same choice of company, request or officer.
    fn next_peer(&self, scenario: &str, n: u64) -> (String, Vec<u8>) {
        let pick = |sessions: &[Session]| n as usize % sessions.len();
        let body = match scenario {
            "home" => {
                let s = &self.companies[pick(&self.companies)];
                json!({ "query": PEER_HOME, "variables": { "id": s.db_id } })
            }
            "detail" => {
                let with_requests: Vec<&Session> =
                    self.companies.iter().filter(|s| !s.request_ids.is_empty()).collect();
                let s = with_requests[n as usize % with_requests.len()];
                let id = &s.request_ids[(n as usize / with_requests.len()) % s.request_ids.len()];
                json!({ "query": PEER_DETAIL, "variables": { "id": id } })
            }
            "my_tasks" => {
                let s = &self.officers[pick(&self.officers)];
                json!({ "query": PEER_MY_TASKS, "variables": { "id": s.db_id } })
            }
            other => panic!("the peer has no {other}"),
        };
        (String::new(), body.to_string().into_bytes())
    }
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn new_histogram() -> Histogram<u64> {
    // 1 µs to 60 s, 3 significant digits.
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("histogram bounds")
}

/// Figures of one measured run.
#[derive(Clone, Debug, Default)]
struct Figures {
    scenario: String,
    mode: String,
    setting: String,
    seconds: f64,
    ok: u64,
    errors: u64,
    first_error: Option<String>,
    throughput: f64,
    p50_ms: f64,
    p99_ms: f64,
    p999_ms: f64,
    max_ms: f64,
    mean_ms: f64,
    server_peak_rss_mb: Option<f64>,
    server_cpu_ms_per_op: Option<f64>,
    db_cpu_ms_per_op: Option<f64>,
}

impl Figures {
    fn json(&self) -> Value {
        json!({
            "scenario": self.scenario, "mode": self.mode, "setting": self.setting, "seconds": self.seconds,
            "ok": self.ok, "errors": self.errors, "first_error": self.first_error, "throughput": self.throughput,
            "p50_ms": self.p50_ms, "p99_ms": self.p99_ms, "p999_ms": self.p999_ms, "max_ms": self.max_ms,
            "mean_ms": self.mean_ms, "server_peak_rss_mb": self.server_peak_rss_mb,
            "server_cpu_ms_per_op": self.server_cpu_ms_per_op, "db_cpu_ms_per_op": self.db_cpu_ms_per_op,
        })
    }
}

impl Figures {
    /// The figures of an earlier run's JSON (for --baseline).
    fn from_json(v: &Value) -> Figures {
        let text = |k: &str| v[k].as_str().unwrap_or("").to_string();
        let num = |k: &str| v[k].as_f64().unwrap_or(0.0);
        Figures {
            scenario: text("scenario"),
            mode: text("mode"),
            setting: text("setting"),
            seconds: num("seconds"),
            ok: v["ok"].as_u64().unwrap_or(0),
            errors: v["errors"].as_u64().unwrap_or(0),
            first_error: None,
            throughput: num("throughput"),
            p50_ms: num("p50_ms"),
            p99_ms: num("p99_ms"),
            p999_ms: num("p999_ms"),
            max_ms: num("max_ms"),
            mean_ms: num("mean_ms"),
            server_peak_rss_mb: v["server_peak_rss_mb"].as_f64(),
            server_cpu_ms_per_op: v["server_cpu_ms_per_op"].as_f64(),
            db_cpu_ms_per_op: v["db_cpu_ms_per_op"].as_f64(),
        }
    }
}

/// The figures of this run that are worse than the same run's in `baseline` by more than
/// `tolerance` (a fraction): lower throughput, higher p50/p99, CPU per operation or errors.
/// Returns how many figures were compared and the worse ones, described.
fn worse_than(baseline: &[Figures], results: &[Figures], tolerance: f64) -> (usize, Vec<String>) {
    let mut compared = 0;
    let mut worse = Vec::new();
    for r in results {
        let Some(b) = baseline
            .iter()
            .find(|b| b.scenario == r.scenario && b.mode == r.mode && b.setting == r.setting)
        else {
            continue;
        };
        let name = format!("{} {} {}", r.scenario, r.mode, r.setting);
        let mut check = |what: &str, before: f64, now: f64, higher_is_worse: bool| {
            if before <= 0.0 {
                return;
            }
            compared += 1;
            let bad = if higher_is_worse {
                now > before * (1.0 + tolerance)
            } else {
                now < before * (1.0 - tolerance)
            };
            if bad {
                worse.push(format!("{name} {what} {} → {}", fmt_ms(before), fmt_ms(now)));
            }
        };
        if r.mode == "closed" {
            check("throughput /s", b.throughput, r.throughput, false);
        }
        check("p50 ms", b.p50_ms, r.p50_ms, true);
        check("p99 ms", b.p99_ms, r.p99_ms, true);
        check(
            "server CPU ms/op",
            b.server_cpu_ms_per_op.unwrap_or(0.0),
            r.server_cpu_ms_per_op.unwrap_or(0.0),
            true,
        );
        compared += 1;
        if r.errors > b.errors {
            worse.push(format!("{name} errors {} → {}", b.errors, r.errors));
        }
    }
    (compared, worse)
}

/// The size of the data set, to tell whether two runs are comparable.
fn data_json(manifest: &Manifest) -> Value {
    json!({ "companies": manifest.companies, "officers": manifest.officers,
            "departments": manifest.departments, "requests": manifest.requests })
}

/// What the report needs of the peer's part of the run.
struct PeerPart<'a> {
    name: &'a str,
    results: &'a [Figures],
    one_statement_floors: &'a HashMap<String, Floor>,
    notes: &'a [String],
    baseline: Option<&'a [Figures]>,
}

/// The peer's sessions: the same company users and officers as `ctx`'s, found by phone through
/// the peer itself (`userByPhone`), with their companies' first pages (for the request detail).
async fn peer_context(ctx: &Ctx, url: &str, notes: &mut Vec<String>) -> Result<Ctx, String> {
    let mut peer = Ctx {
        http: ctx.http.clone(),
        url: url.into(),
        companies: Vec::new(),
        officers: Vec::new(),
        admins: Vec::new(),
        categories: Vec::new(),
        stats_query: None,
        counter: AtomicU64::new(0),
        run_id: ctx.run_id.clone(),
        peer: true,
    };
    let as_text = |v: &Value| {
        v.as_str()
            .map(str::to_string)
            .or_else(|| v.as_i64().map(|i| i.to_string()))
    };
    let by_phone = "query($p: String!) { userByPhone(phone: $p) { id companyId } }";
    for (sessions, company) in [(&ctx.companies, true), (&ctx.officers, false)] {
        for s in sessions {
            let answer = peer
                .post(None, &json!({ "query": by_phone, "variables": { "p": s.phone } }))
                .await?;
            let user = &answer["data"]["userByPhone"];
            let id = as_text(if company { &user["companyId"] } else { &user["id"] })
                .ok_or_else(|| format!("the peer has no user with phone {}", s.phone))?;
            let session = Session {
                phone: s.phone.clone(),
                token: String::new(),
                request_ids: Vec::new(),
                db_id: id,
            };
            if company {
                peer.companies.push(session);
            } else {
                peer.officers.push(session);
            }
        }
    }
    // The same first pages as zhitong's (same requests, same order: compared by length here,
    // the content is the same rows of the same database).
    let mut differing = 0;
    for i in 0..peer.companies.len() {
        let body = json!({ "query": PEER_HOME, "variables": { "id": peer.companies[i].db_id } });
        let page = peer.post(None, &body).await?;
        let ids: Vec<String> = page["data"]["allRequests"]["edges"]
            .as_array()
            .map(|edges| edges.iter().filter_map(|e| as_text(&e["node"]["id"])).collect())
            .unwrap_or_default();
        if ids.len() != ctx.companies[i].request_ids.len() {
            differing += 1;
        }
        peer.companies[i].request_ids = ids;
    }
    if differing > 0 {
        notes.push(format!(
            "{differing} of {} companies' first pages differ in length between zhitong and the peer",
            peer.companies.len()
        ));
    }
    for scenario in ["detail", "my_tasks"] {
        let (_, body) = peer.next_peer(scenario, 0);
        let body: Value = serde_json::from_slice(&body).expect("our own JSON");
        if let Err(e) = peer.post(None, &body).await {
            notes.push(format!(
                "the peer's {scenario} query fails: {}",
                e.chars().take(300).collect::<String>()
            ));
        }
    }
    eprintln!(
        "  peer: {} companies and {} officers found by phone",
        peer.companies.len(),
        peer.officers.len()
    );
    Ok(peer)
}

fn fill(figures: &mut Figures, histogram: &Histogram<u64>, seconds: f64) {
    let ms = |us: u64| us as f64 / 1000.0;
    figures.seconds = seconds;
    figures.throughput = figures.ok as f64 / seconds;
    if histogram.is_empty() {
        return;
    }
    figures.p50_ms = ms(histogram.value_at_quantile(0.50));
    figures.p99_ms = ms(histogram.value_at_quantile(0.99));
    figures.p999_ms = ms(histogram.value_at_quantile(0.999));
    figures.max_ms = ms(histogram.max());
    figures.mean_ms = histogram.mean() / 1000.0;
}

/// The server process and the database, watched from /proc: peak RSS (VmHWM, reset before each
/// run through clear_refs) and CPU time.
struct Watch {
    server_pid: Option<u32>,
    /// PostgreSQL runs on this machine and serves the benchmark (SQLite runs inside the server,
    /// whose CPU time then includes the database's).
    postgres: bool,
}

fn clock_ticks() -> f64 {
    100.0
}

/// Fields of /proc/<pid>/stat after the command name (which may hold spaces).
fn stat_fields(pid: u32) -> Option<Vec<f64>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    Some(rest.split_whitespace().map(|f| f.parse().unwrap_or(0.0)).collect())
}

/// CPU time of a process (user + system), in seconds.
fn cpu_seconds(pid: u32) -> Option<f64> {
    let fields = stat_fields(pid)?;
    Some((fields.get(11)? + fields.get(12)?) / clock_ticks())
}

/// CPU time of every PostgreSQL process (backends, WAL writer, checkpointer…), including the
/// backends that have exited since (their time is added to the postmaster's reaped children).
fn postgres_cpu_seconds() -> Option<f64> {
    let mut total = 0.0;
    let mut found = false;
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        if comm.trim() == "postgres" {
            if let Some(fields) = stat_fields(pid) {
                total += fields.iter().skip(11).take(4).sum::<f64>() / clock_ticks();
                found = true;
            }
        }
    }
    found.then_some(total)
}

impl Watch {
    fn reset_peak(&self) {
        if let Some(pid) = self.server_pid {
            // "5" resets the peak resident set size (VmHWM) to the current RSS.
            let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
        }
    }

    fn status_kb(&self, field: &str) -> Option<f64> {
        let pid = self.server_pid?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        status
            .lines()
            .find(|l| l.starts_with(field))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
    }

    fn peak_rss_mb(&self) -> Option<f64> {
        self.status_kb("VmHWM:").map(|kb| kb / 1024.0)
    }

    fn cpu(&self) -> (Option<f64>, Option<f64>) {
        let db = if self.postgres { postgres_cpu_seconds() } else { None };
        (self.server_pid.and_then(cpu_seconds), db)
    }
}

struct Errors {
    count: u64,
    first: Option<String>,
}

fn record_error(errors: &Mutex<Errors>, e: String) {
    let mut errors = errors.lock().unwrap();
    errors.count += 1;
    if errors.first.is_none() {
        errors.first = Some(e);
    }
}

/// The name of a run in the figures: the peer's are "peer home", "peer detail"….
fn label(ctx: &Ctx, scenario: &str) -> String {
    if ctx.peer {
        format!("peer {scenario}")
    } else {
        scenario.to_string()
    }
}

async fn closed_loop(ctx: Arc<Ctx>, scenario: &'static str, clients: usize, duration: Duration) -> (Figures, f64) {
    let started = Instant::now();
    let deadline = started + duration;
    let errors = Arc::new(Mutex::new(Errors { count: 0, first: None }));
    let mut handles = Vec::new();
    for client in 0..clients {
        let ctx = ctx.clone();
        let errors = errors.clone();
        handles.push(tokio::spawn(async move {
            let mut histogram = new_histogram();
            let mut ok = 0u64;
            let mut n = client as u64;
            while Instant::now() < deadline {
                let (token, body) = ctx.next(scenario, n);
                n += clients as u64;
                let sent = Instant::now();
                match ctx.run(&token, &body).await {
                    Ok(()) => {
                        ok += 1;
                        histogram.saturating_record(sent.elapsed().as_micros() as u64);
                    }
                    Err(e) => record_error(&errors, e),
                }
            }
            (histogram, ok)
        }));
    }
    let mut histogram = new_histogram();
    let mut ok = 0;
    for handle in handles {
        let (h, n) = handle.await.expect("client task");
        histogram.add(&h).expect("same bounds");
        ok += n;
    }
    let seconds = started.elapsed().as_secs_f64();
    let errors = errors.lock().unwrap();
    let mut figures = Figures {
        scenario: label(&ctx, scenario),
        mode: "closed".into(),
        setting: if clients == 1 {
            "1 client".into()
        } else {
            format!("{clients} clients")
        },
        ok,
        errors: errors.count,
        first_error: errors.first.clone(),
        ..Default::default()
    };
    fill(&mut figures, &histogram, seconds);
    (figures, seconds)
}

/// Sends at `rate` per second for `duration`; each latency counts from the request's scheduled
/// time. Requests that would exceed `max_in_flight` are not sent and count as errors.
async fn open_loop(ctx: Arc<Ctx>, scenario: &'static str, rate: f64, duration: Duration) -> (Figures, f64) {
    let max_in_flight = 4096u64;
    let started = tokio::time::Instant::now();
    let total = (rate * duration.as_secs_f64()).round() as u64;
    let histogram = Arc::new(Mutex::new(new_histogram()));
    let errors = Arc::new(Mutex::new(Errors { count: 0, first: None }));
    let ok = Arc::new(AtomicU64::new(0));
    let in_flight = Arc::new(AtomicU64::new(0));
    let mut handles = Vec::with_capacity(total as usize);
    for i in 0..total {
        let scheduled = started + Duration::from_secs_f64(i as f64 / rate);
        tokio::time::sleep_until(scheduled).await;
        if in_flight.load(Ordering::Relaxed) >= max_in_flight {
            record_error(
                &errors,
                format!("more than {max_in_flight} requests in flight: not sent"),
            );
            continue;
        }
        let (token, body) = ctx.next(scenario, i);
        let (ctx, histogram, errors, ok, in_flight) = (
            ctx.clone(),
            histogram.clone(),
            errors.clone(),
            ok.clone(),
            in_flight.clone(),
        );
        in_flight.fetch_add(1, Ordering::Relaxed);
        handles.push(tokio::spawn(async move {
            let outcome = ctx.run(&token, &body).await;
            let latency = scheduled.elapsed();
            in_flight.fetch_sub(1, Ordering::Relaxed);
            match outcome {
                Ok(()) => {
                    ok.fetch_add(1, Ordering::Relaxed);
                    histogram.lock().unwrap().saturating_record(latency.as_micros() as u64);
                }
                Err(e) => record_error(&errors, e),
            }
        }));
    }
    for handle in handles {
        let _ = handle.await;
    }
    let seconds = started.elapsed().as_secs_f64();
    let errors = errors.lock().unwrap();
    let mut figures = Figures {
        scenario: label(&ctx, scenario),
        mode: "open".into(),
        setting: format!("{rate} req/s"),
        ok: ok.load(Ordering::Relaxed),
        errors: errors.count,
        first_error: errors.first.clone(),
        ..Default::default()
    };
    fill(&mut figures, &histogram.lock().unwrap(), seconds);
    // The achieved rate is what was sent, not what the window allowed.
    figures.throughput = figures.ok as f64 / duration.as_secs_f64().max(seconds);
    (figures, seconds)
}

type Measure = Pin<Box<dyn Future<Output = (Figures, f64)>>>;

/// Runs one measurement with the server's peak RSS and CPU time around it.
async fn measured(watch: &Watch, run: Measure) -> Figures {
    watch.reset_peak();
    let (server_before, db_before) = watch.cpu();
    let (mut figures, _) = run.await;
    let (server_after, db_after) = watch.cpu();
    let ops = (figures.ok + figures.errors).max(1) as f64;
    figures.server_peak_rss_mb = watch.peak_rss_mb();
    figures.server_cpu_ms_per_op = server_before.zip(server_after).map(|(b, a)| (a - b) * 1000.0 / ops);
    figures.db_cpu_ms_per_op = db_before.zip(db_after).map(|(b, a)| (a - b) * 1000.0 / ops);
    eprintln!(
        "  {:<9} {:<6} {:>12}: {:>8.1}/s  p50 {:>7.2} ms  p99 {:>7.2} ms  p99.9 {:>7.2} ms  errors {}{}",
        figures.scenario,
        figures.mode,
        figures.setting,
        figures.throughput,
        figures.p50_ms,
        figures.p99_ms,
        figures.p999_ms,
        figures.errors,
        figures
            .first_error
            .as_deref()
            .map(|e| format!(" (first: {})", &e[..e.len().min(200)]))
            .unwrap_or_default()
    );
    figures
}

/// The plain-SQL floor of one operation, measured with pgbench in the same run.
#[derive(Clone, Debug, Default)]
struct Floor {
    script: String,
    mode: String,
    tps: f64,
    p50_ms: f64,
    p99_ms: f64,
    p999_ms: f64,
    failed: u64,
    db_cpu_ms_per_op: Option<f64>,
    note: Option<String>,
}

fn pgbench(
    database: &str,
    dir: &std::path::Path,
    script: &str,
    manifest: &Manifest,
    clients: usize,
    rate: Option<f64>,
    seconds: u64,
) -> Floor {
    let logs = std::env::temp_dir().join(format!("zhitong-bench-{}-{}", std::process::id(), script));
    let _ = std::fs::remove_dir_all(&logs);
    std::fs::create_dir_all(&logs).expect("temporary directory");
    let prefix = logs.join("log");
    let mut command = Command::new("pgbench");
    command
        .arg("--no-vacuum")
        .arg("--protocol=prepared")
        .arg(format!("--file={}", dir.join(script).display()))
        .arg(format!("--client={clients}"))
        .arg("--jobs=1")
        .arg(format!("--time={seconds}"))
        .arg("--log")
        .arg(format!("--log-prefix={}", prefix.display()))
        .arg(format!("--define=companies={}", manifest.companies))
        .arg(format!("--define=officers={}", manifest.officers))
        .arg(format!("--define=departments={}", manifest.departments))
        .arg(format!("--define=requests={}", manifest.requests))
        .arg(format!("--define=run={}", std::process::id()));
    if let Some(rate) = rate {
        command.arg(format!("--rate={rate}"));
    }
    command.arg(database);
    let mut floor = Floor {
        script: script.into(),
        mode: match rate {
            Some(rate) => format!("open {rate} tx/s"),
            None => format!("closed {clients} clients"),
        },
        ..Default::default()
    };
    let db_before = postgres_cpu_seconds();
    let output = match command.output() {
        Ok(output) => output,
        Err(e) => {
            floor.note = Some(format!("pgbench could not run: {e}"));
            return floor;
        }
    };
    let db_after = postgres_cpu_seconds();
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        floor.note = Some(format!(
            "pgbench failed: {}",
            String::from_utf8_lossy(&output.stderr).lines().last().unwrap_or("")
        ));
    }
    for line in stdout.lines() {
        if let Some(rest) = line.strip_prefix("tps = ") {
            floor.tps = rest
                .split_whitespace()
                .next()
                .and_then(|v| v.parse().ok())
                .unwrap_or(0.0);
        }
        if let Some(rest) = line.strip_prefix("number of failed transactions: ") {
            floor.failed = rest.split_whitespace().next().and_then(|v| v.parse().ok()).unwrap_or(0);
        }
    }
    // Per-transaction log lines: client, transaction, latency µs (from the scheduled start
    // under --rate), script, epoch, µs[, schedule lag µs].
    let mut histogram = new_histogram();
    for entry in std::fs::read_dir(&logs).into_iter().flatten().flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        for line in text.lines() {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let latency: u64 = fields.get(2).and_then(|v| v.parse().ok()).unwrap_or(0);
            if latency > 0 {
                histogram.saturating_record(latency);
            }
        }
    }
    let _ = std::fs::remove_dir_all(&logs);
    let transactions = histogram.len().max(1) as f64;
    floor.db_cpu_ms_per_op = db_before.zip(db_after).map(|(b, a)| (a - b) * 1000.0 / transactions);
    if !histogram.is_empty() {
        floor.p50_ms = histogram.value_at_quantile(0.5) as f64 / 1000.0;
        floor.p99_ms = histogram.value_at_quantile(0.99) as f64 / 1000.0;
        floor.p999_ms = histogram.value_at_quantile(0.999) as f64 / 1000.0;
    }
    eprintln!(
        "  floor {:<13} {:>18}: {:>8.1}/s  p50 {:>7.2} ms  p99 {:>7.2} ms  p99.9 {:>7.2} ms  DB CPU {} ms/tx{}",
        script,
        floor.mode,
        floor.tps,
        floor.p50_ms,
        floor.p99_ms,
        floor.p999_ms,
        opt(floor.db_cpu_ms_per_op, 2),
        floor.note.as_deref().map(|n| format!("  ({n})")).unwrap_or_default()
    );
    floor
}

/// Where the driver keeps the admin's second-factor secret once it has enrolled one, beside the
/// manifest (bench/run removes it when it makes new data).
static SECOND_FACTOR_FILE: std::sync::OnceLock<String> = std::sync::OnceLock::new();

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs() as i64
}

async fn login(ctx: &Ctx, phone: &str, password: &str) -> Result<String, String> {
    let body = json!({
        "query": "mutation($p: String!, $w: String!) { login(phone: $p, password: $w) { accessToken } }",
        "variables": { "p": phone, "w": password },
    });
    let answer = match ctx.post(None, &body).await {
        // An admin who enrolled in an earlier run of the driver signs in with a code.
        Err(e) if e.contains("SECOND_FACTOR_REQUIRED") => {
            let secret = SECOND_FACTOR_FILE
                .get()
                .and_then(|path| std::fs::read_to_string(path).ok())
                .ok_or_else(|| format!("{e} (and no second-factor secret kept by an earlier run)"))?;
            let code =
                zhitong::auth::second_factor::code_at(secret.trim(), now_unix()).map_err(|e| format!("{e:?}"))?;
            let body = json!({
                "query": "mutation($p: String!, $w: String!, $c: String!) { login(phone: $p, password: $w, secondFactor: $c) { accessToken } }",
                "variables": { "p": phone, "w": password, "c": code },
            });
            ctx.post(None, &body).await?
        }
        other => other?,
    };
    answer["data"]["login"]["accessToken"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("no access token for {phone}"))
}

async fn login_all(ctx: &Ctx, phones: &[String], password: &str) -> Vec<Session> {
    use futures_util::StreamExt;
    futures_util::stream::iter(phones.iter())
        .map(|phone| async move {
            match login(ctx, phone, password).await {
                Ok(token) => Some(Session {
                    phone: phone.clone(),
                    token,
                    request_ids: Vec::new(),
                    db_id: String::new(),
                }),
                Err(e) => {
                    eprintln!("  login {phone} failed: {e}");
                    None
                }
            }
        })
        .buffer_unordered(4)
        .filter_map(|s| async move { s })
        .collect()
        .await
}

/// An admin of a server in production must turn on the second factor before anything else
/// (`SECOND_FACTOR_ENROLMENT_REQUIRED`): the driver does it as the admin would, with the code an
/// authenticator app would show for the new secret (RFC 6238, the server's own implementation).
async fn enrol_second_factor(ctx: &Ctx, admin: &str) {
    let me = ctx.post(Some(admin), &json!({ "query": "{ me { id } }" })).await;
    let needed = ctx
        .post(Some(admin), &json!({ "query": "{ categories { id } }" }))
        .await;
    if me.is_err()
        || !needed
            .as_ref()
            .is_err_and(|e| e.contains("SECOND_FACTOR_ENROLMENT_REQUIRED"))
    {
        return;
    }
    let begun = ctx
        .post(
            Some(admin),
            &json!({ "query": "mutation { beginSecondFactorEnrolment { secret } }" }),
        )
        .await
        .expect("beginSecondFactorEnrolment");
    let secret = begun["data"]["beginSecondFactorEnrolment"]["secret"]
        .as_str()
        .expect("a secret")
        .to_string();
    let code = zhitong::auth::second_factor::code_at(&secret, now_unix()).expect("a TOTP code");
    ctx.post(
        Some(admin),
        &json!({ "query": "mutation($c: String!) { confirmSecondFactorEnrolment(code: $c) }", "variables": { "c": code } }),
    )
    .await
    .expect("confirmSecondFactorEnrolment");
    if let Some(path) = SECOND_FACTOR_FILE.get() {
        std::fs::write(path, &secret).expect("the second-factor secret kept");
    }
    eprintln!("  the admin turned on the second factor (the server runs in production)");
}

/// The root fields of the server's schema (introspection is open to admins).
async fn root_fields(ctx: &Ctx, admin: &str) -> Result<HashMap<String, Vec<String>>, String> {
    let body = json!({ "query": "{ __schema { queryType { fields { name } } mutationType { fields { name } } } }" });
    let answer = ctx.post(Some(admin), &body).await?;
    let mut roots = HashMap::new();
    for (root, key) in [("Query", "queryType"), ("Mutation", "mutationType")] {
        let names = answer["data"]["__schema"][key]["fields"]
            .as_array()
            .map(|fields| {
                fields
                    .iter()
                    .filter_map(|f| f["name"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        roots.insert(root.to_string(), names);
    }
    Ok(roots)
}

const TYPE_REF: &str = "kind name ofType { kind name ofType { kind name ofType { kind name } } }";

fn named_type(type_ref: &Value) -> (String, String) {
    let mut t = type_ref;
    while t["ofType"].is_object() {
        t = &t["ofType"];
    }
    (
        t["kind"].as_str().unwrap_or("").to_string(),
        t["name"].as_str().unwrap_or("").to_string(),
    )
}

/// A selection of every field of `type_name` that needs no argument, scalars at any depth up to
/// `depth` (connections and lists included), for a query whose shape this driver cannot know.
fn selection<'a>(
    ctx: &'a Ctx,
    admin: &'a str,
    type_name: String,
    depth: u32,
) -> Pin<Box<dyn Future<Output = Result<String, String>> + 'a>> {
    Box::pin(async move {
        let body = json!({
            "query": format!("query($n: String!) {{ __type(name: $n) {{ fields {{ name args {{ name type {{ kind }} }} type {{ {TYPE_REF} }} }} }} }}"),
            "variables": { "n": type_name },
        });
        let answer = ctx.post(Some(admin), &body).await?;
        let mut parts = Vec::new();
        for field in answer["data"]["__type"]["fields"]
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            let required_args = field["args"]
                .as_array()
                .map(|args| args.iter().any(|a| a["type"]["kind"] == "NON_NULL"))
                .unwrap_or(false);
            if required_args {
                continue;
            }
            let name = field["name"].as_str().unwrap_or("").to_string();
            match named_type(&field["type"]) {
                (kind, _) if kind == "SCALAR" || kind == "ENUM" => parts.push(name),
                (kind, inner) if kind == "OBJECT" && depth > 0 => {
                    let sub = selection(ctx, admin, inner, depth - 1).await?;
                    if !sub.is_empty() {
                        parts.push(format!("{name} {{ {sub} }}"));
                    }
                }
                _ => {}
            }
        }
        Ok(parts.join(" "))
    })
}

/// The `stats` query to run, built from the schema: every argument-free field of its result.
async fn stats_query(ctx: &Ctx, admin: &str) -> Result<String, String> {
    let body = json!({ "query": format!("{{ __type(name: \"Query\") {{ fields {{ name args {{ name type {{ kind }} }} type {{ {TYPE_REF} }} }} }} }}") });
    let answer = ctx.post(Some(admin), &body).await?;
    let field = answer["data"]["__type"]["fields"]
        .as_array()
        .and_then(|fields| fields.iter().find(|f| f["name"] == "stats").cloned())
        .ok_or("no stats field")?;
    // The admin's usual view: the last 30 days, as `stats(from:, to:)` dates.
    let today = chrono::Utc::now().date_naive();
    let mut args = Vec::new();
    for arg in field["args"].as_array().into_iter().flatten() {
        if arg["type"]["kind"] != "NON_NULL" {
            continue;
        }
        match arg["name"].as_str() {
            Some("from") => args.push(format!("from: \"{}\"", today - chrono::Duration::days(29))),
            Some("to") => args.push(format!("to: \"{today}\"")),
            _ => return Err("stats takes required arguments this driver does not know".into()),
        }
    }
    let call = if args.is_empty() {
        "stats".to_string()
    } else {
        format!("stats({})", args.join(", "))
    };
    match named_type(&field["type"]) {
        (kind, _) if kind == "SCALAR" || kind == "ENUM" => Ok(format!("query Stats {{ {call} }}")),
        (_, name) => Ok(format!(
            "query Stats {{ {call} {{ {} }} }}",
            selection(ctx, admin, name, 2).await?
        )),
    }
}

fn fmt_ms(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn opt(v: Option<f64>, digits: usize) -> String {
    v.map(|v| format!("{v:.digits$}")).unwrap_or_else(|| "–".into())
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run());
}

async fn run() {
    let base = arg("--url").unwrap_or_else(|| "http://127.0.0.1:18080".into());
    let manifest_path = arg("--manifest").unwrap_or_else(|| "bench/out/manifest.json".into());
    let _ = SECOND_FACTOR_FILE.set(format!("{manifest_path}.admin-totp"));
    let manifest: Manifest =
        serde_json::from_str(&std::fs::read_to_string(&manifest_path).expect("manifest")).expect("manifest JSON");
    let duration = Duration::from_secs(arg("--duration").and_then(|d| d.parse().ok()).unwrap_or(20));
    let warmup = Duration::from_secs(arg("--warmup").and_then(|d| d.parse().ok()).unwrap_or(3));
    let clients: usize = arg("--clients").and_then(|c| c.parse().ok()).unwrap_or(32);
    let company_users: usize = arg("--company-users").and_then(|c| c.parse().ok()).unwrap_or(200);
    let officer_users: usize = arg("--officer-users").and_then(|c| c.parse().ok()).unwrap_or(50);
    let wanted: Vec<String> = arg("--scenarios")
        .map(|s| s.split(',').map(str::to_string).collect())
        .unwrap_or_else(|| SCENARIOS.iter().map(|s| s.name.to_string()).collect());
    let rates: HashMap<String, f64> = arg("--rates")
        .map(|r| {
            r.split(',')
                .filter_map(|kv| kv.split_once('='))
                .filter_map(|(k, v)| v.parse().ok().map(|v| (k.to_string(), v)))
                .collect()
        })
        .unwrap_or_default();
    let floor_db = arg("--floor-db");
    // closed: `clients` clients; open: the arrival rate; one: one client alone (read operations).
    let modes: Vec<String> = arg("--modes")
        .map(|s| s.split(',').map(str::to_string).collect())
        .unwrap_or_else(|| vec!["closed".into(), "open".into(), "one".into()]);
    let floor_dir = std::path::PathBuf::from(arg("--floor-dir").unwrap_or_else(|| "bench/floor".into()));
    let watch = Watch {
        server_pid: arg("--server-pid").and_then(|p| p.parse().ok()),
        postgres: floor_db.is_some(),
    };

    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(4096)
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(60))
        .build()
        .expect("HTTP client");
    let mut ctx = Ctx {
        http,
        url: format!("{base}/graphql"),
        companies: Vec::new(),
        officers: Vec::new(),
        admins: Vec::new(),
        categories: Vec::new(),
        stats_query: None,
        counter: AtomicU64::new(0),
        run_id: format!("{}-{}", std::process::id(), chrono::Utc::now().timestamp()),
        peer: false,
    };

    eprintln!("logging in ({company_users} company users, {officer_users} officers, 1 admin)…");
    let login_started = Instant::now();
    let phones: Vec<String> = manifest.company_phones.iter().take(company_users).cloned().collect();
    ctx.companies = login_all(&ctx, &phones, &manifest.password).await;
    let phones: Vec<String> = manifest.officer_phones.iter().take(officer_users).cloned().collect();
    ctx.officers = login_all(&ctx, &phones, &manifest.password).await;
    ctx.admins = login_all(&ctx, std::slice::from_ref(&manifest.admin_phone), &manifest.password).await;
    let login_secs = login_started.elapsed().as_secs_f64();
    let logins = ctx.companies.len() + ctx.officers.len() + ctx.admins.len();
    eprintln!(
        "  {logins} sessions in {login_secs:.1} s ({:.1} logins/s, argon2id on the server)",
        logins as f64 / login_secs
    );
    assert!(
        !ctx.companies.is_empty() && !ctx.officers.is_empty() && !ctx.admins.is_empty(),
        "every role needs at least one session"
    );

    // What this build offers, and the data the operations need.
    let admin = ctx.admins[0].token.clone();
    enrol_second_factor(&ctx, &admin).await;
    let roots = root_fields(&ctx, &admin).await.expect("introspection as admin");
    let categories = ctx
        .post(Some(&admin), &json!({ "query": "{ categories { id } }" }))
        .await
        .expect("categories");
    ctx.categories = categories["data"]["categories"]
        .as_array()
        .map(|a| a.iter().filter_map(|c| c["id"].as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    for i in 0..ctx.companies.len() {
        let token = ctx.companies[i].token.clone();
        if let Ok(page) = ctx.post(Some(&token), &json!({ "query": HOME })).await {
            ctx.companies[i].request_ids = page["data"]["myRequests"]["edges"]
                .as_array()
                .map(|edges| {
                    edges
                        .iter()
                        .filter_map(|e| e["node"]["id"].as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
        }
    }
    let available = |spec: &ScenarioSpec| {
        roots
            .get(spec.root.0)
            .is_some_and(|fields| fields.iter().any(|f| f == spec.root.1))
    };
    let mut unavailable: Vec<(String, String)> = Vec::new();
    if SCENARIOS.iter().any(|s| s.name == "stats" && available(s)) && wanted.iter().any(|w| w == "stats") {
        match stats_query(&ctx, &admin).await {
            Ok(query) => ctx.stats_query = Some(query),
            Err(e) => unavailable.push(("stats".into(), format!("present but not runnable: {e}"))),
        }
    }
    let ctx = Arc::new(ctx);

    // The peer: the same company users and officers, by their database ids (no tokens).
    let peer_name = arg("--peer-name").unwrap_or_else(|| "PostGraphile 4.14.1".into());
    let peer_watch = Watch {
        server_pid: arg("--peer-pid").and_then(|p| p.parse().ok()),
        postgres: floor_db.is_some(),
    };
    let mut peer_notes: Vec<String> = Vec::new();
    let peer = match arg("--peer-url") {
        Some(url) => match peer_context(&ctx, &format!("{url}/graphql"), &mut peer_notes).await {
            Ok(peer) => Some(Arc::new(peer)),
            Err(e) => {
                eprintln!("  the peer is not usable: {e}");
                peer_notes.push(format!("the peer was not measured: {e}"));
                None
            }
        },
        None => None,
    };

    // The peak of set-up (logins hash passwords), before the runs reset it.
    let setup_peak = watch.peak_rss_mb();
    let mut results: Vec<Figures> = Vec::new();
    let mut floors: HashMap<String, (Option<Floor>, Option<Floor>)> = HashMap::new();
    let mut one_statement_floors: HashMap<String, Floor> = HashMap::new();
    let mut peer_results: Vec<Figures> = Vec::new();
    let started_at = chrono::Utc::now();
    for spec in SCENARIOS.iter().filter(|s| wanted.iter().any(|w| w == s.name)) {
        if !available(spec) {
            unavailable.push((spec.name.into(), "not available in this build".into()));
            eprintln!(
                "  {:<9} not available in this build (no {}.{})",
                spec.name, spec.root.0, spec.root.1
            );
            continue;
        }
        if spec.name == "stats" && ctx.stats_query.is_none() {
            continue;
        }
        let rate = rates.get(spec.name).copied().unwrap_or(spec.rate);
        // Warm the caches and the connection pools, unmeasured.
        let _ = closed_loop(ctx.clone(), spec.name, clients, warmup).await;
        if modes.iter().any(|m| m == "closed") {
            results.push(measured(&watch, Box::pin(closed_loop(ctx.clone(), spec.name, clients, duration))).await);
        }
        if modes.iter().any(|m| m == "open") {
            results.push(measured(&watch, Box::pin(open_loop(ctx.clone(), spec.name, rate, duration))).await);
        }
        if spec.peer && modes.iter().any(|m| m == "one") {
            // The latency of one client alone: no queueing, the cost of one operation end to end.
            results.push(measured(&watch, Box::pin(closed_loop(ctx.clone(), spec.name, 1, duration))).await);
        }
        if let (Some(db), Some(script)) = (&floor_db, spec.floor) {
            let manifest = &manifest;
            let closed = pgbench(db, &floor_dir, script, manifest, clients, None, duration.as_secs());
            let open = pgbench(
                db,
                &floor_dir,
                script,
                manifest,
                clients,
                Some(rate),
                duration.as_secs(),
            );
            floors.insert(spec.name.into(), (Some(closed), Some(open)));
        }
        if let (Some(db), Some(script)) = (&floor_db, spec.one_statement_floor) {
            let floor = pgbench(db, &floor_dir, script, &manifest, clients, None, duration.as_secs());
            one_statement_floors.insert(spec.name.into(), floor);
        }
        if let Some(peer) = peer.as_ref().filter(|_| spec.peer) {
            let _ = closed_loop(peer.clone(), spec.name, clients, warmup).await;
            peer_results.push(
                measured(
                    &peer_watch,
                    Box::pin(closed_loop(peer.clone(), spec.name, clients, duration)),
                )
                .await,
            );
            peer_results.push(measured(&peer_watch, Box::pin(closed_loop(peer.clone(), spec.name, 1, duration))).await);
        }
    }

    let mut ceiling: Vec<Figures> = Vec::new();
    if let Some(url) = arg("--ceiling-url") {
        let mut http_only = Ctx {
            http: ctx.http.clone(),
            url: format!("{url}/graphql"),
            companies: Vec::new(),
            officers: Vec::new(),
            admins: Vec::new(),
            categories: Vec::new(),
            stats_query: None,
            counter: AtomicU64::new(0),
            run_id: ctx.run_id.clone(),
            peer: false,
        };
        http_only.companies.push(Session {
            phone: String::new(),
            token: "ceiling".into(),
            request_ids: Vec::new(),
            db_id: String::new(),
        });
        let http_only = Arc::new(http_only);
        let _ = closed_loop(http_only.clone(), "ceiling", clients, warmup).await;
        let none = Watch {
            server_pid: None,
            postgres: false,
        };
        ceiling.push(
            measured(
                &none,
                Box::pin(closed_loop(http_only.clone(), "ceiling", clients, duration)),
            )
            .await,
        );
        ceiling.push(
            measured(
                &none,
                Box::pin(open_loop(http_only.clone(), "ceiling", 400.0, duration)),
            )
            .await,
        );
    }

    let baseline: Option<Vec<Figures>> = arg("--baseline").and_then(|path| {
        let text = std::fs::read_to_string(&path).ok()?;
        let value: Value = serde_json::from_str(&text).ok()?;
        // Only a run on the same data is comparable.
        if value["data"] != data_json(&manifest) {
            eprintln!("  {path}: another data set, not compared");
            return None;
        }
        Some(value["results"].as_array()?.iter().map(Figures::from_json).collect())
    });
    let peer_part = PeerPart {
        name: &peer_name,
        results: &peer_results,
        one_statement_floors: &one_statement_floors,
        notes: &peer_notes,
        baseline: baseline.as_deref(),
    };
    let report = report(
        &manifest,
        &results,
        &peer_part,
        &floors,
        &ceiling,
        &unavailable,
        clients,
        duration,
        started_at,
        login_secs,
        logins,
        setup_peak,
    );
    let report_path = arg("--report").unwrap_or_else(|| "bench/out/report.md".into());
    if let Some(dir) = std::path::Path::new(&report_path).parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    std::fs::write(&report_path, &report).expect("write the report");
    eprintln!("report: {report_path}");
    if let Some(path) = arg("--json") {
        let floors_json: Value = floors
            .iter()
            .map(|(k, (closed, open))| {
                let f = |f: &Option<Floor>| {
                    f.as_ref().map(|f| {
                        json!({ "script": f.script, "mode": f.mode, "tps": f.tps, "p50_ms": f.p50_ms,
                        "p99_ms": f.p99_ms, "p999_ms": f.p999_ms, "failed": f.failed,
                        "db_cpu_ms_per_op": f.db_cpu_ms_per_op, "note": f.note })
                    })
                };
                (k.clone(), json!({ "closed": f(closed), "open": f(open) }))
            })
            .collect::<serde_json::Map<_, _>>()
            .into();
        let all = json!({
            "results": results.iter().map(Figures::json).collect::<Vec<_>>(),
            "floors": floors_json,
            "ceiling": ceiling.iter().map(Figures::json).collect::<Vec<_>>(),
            "unavailable": unavailable,
            "data": data_json(&manifest),
            "peer": { "name": peer_name, "results": peer_results.iter().map(Figures::json).collect::<Vec<_>>(), "notes": peer_notes },
            "one_statement_floors": one_statement_floors.iter().map(|(k, f)| (k.clone(), json!({ "script": f.script, "mode": f.mode, "tps": f.tps, "p50_ms": f.p50_ms, "p99_ms": f.p99_ms, "failed": f.failed, "db_cpu_ms_per_op": f.db_cpu_ms_per_op, "note": f.note }))).collect::<serde_json::Map<_, _>>(),
        });
        std::fs::write(path, serde_json::to_string_pretty(&all).unwrap()).expect("write the JSON");
    }
}

#[allow(clippy::too_many_arguments)]
fn report(
    manifest: &Manifest,
    results: &[Figures],
    peer: &PeerPart,
    floors: &HashMap<String, (Option<Floor>, Option<Floor>)>,
    ceiling: &[Figures],
    unavailable: &[(String, String)],
    clients: usize,
    duration: Duration,
    started_at: chrono::DateTime<chrono::Utc>,
    login_secs: f64,
    logins: usize,
    setup_peak: Option<f64>,
) -> String {
    let mut out = String::new();
    let find = |scenario: &str, mode: &str| results.iter().find(|r| r.scenario == scenario && r.mode == mode);
    out.push_str(&format!(
        "Run started {} UTC; {} s per measurement, {clients} clients in closed loop; data: {} companies, {} officers, {} departments, {} requests.\n\n",
        started_at.format("%Y-%m-%d %H:%M"),
        duration.as_secs(),
        manifest.companies,
        manifest.officers,
        manifest.departments,
        manifest.requests,
    ));
    out.push_str("### Targets\n\n| target | measured | |\n|---|---|---|\n");
    let mut target = |name: &str, measured: Option<String>, pass: Option<bool>| {
        out.push_str(&format!(
            "| {name} | {} | {} |\n",
            measured.unwrap_or_else(|| "not measured".into()),
            match pass {
                Some(true) => "met",
                Some(false) => "**missed**",
                None => "–",
            }
        ));
    };
    let home_closed = find("home", "closed");
    let home_floor = floors.get("home").and_then(|f| f.0.clone());
    match (home_closed, &home_floor) {
        (Some(h), Some(f)) if f.tps > 0.0 => target(
            &format!("home screen, closed loop {clients} clients: ≥ 50 % of the plain-SQL floor"),
            Some(format!(
                "{:.0}/s vs floor {:.0}/s = {:.0} %",
                h.throughput,
                f.tps,
                100.0 * h.throughput / f.tps
            )),
            Some(h.throughput >= 0.5 * f.tps),
        ),
        (Some(h), _) => target(
            "home screen, closed loop: ≥ 50 % of the plain-SQL floor",
            Some(format!("{:.0}/s, no floor measured", h.throughput)),
            None,
        ),
        _ => target("home screen, closed loop: ≥ 50 % of the plain-SQL floor", None, None),
    }
    if let Some(h) = find("home", "open") {
        target(
            &format!("home screen, open loop {}: p99 < 10 ms", h.setting),
            Some(format!("p99 {} ms ({} errors)", fmt_ms(h.p99_ms), h.errors)),
            Some(h.p99_ms < 10.0 && h.errors == 0),
        );
    }
    if let Some(r) = find("raise", "open") {
        target(
            &format!("raiseRequest, open loop {}: p99 < 30 ms", r.setting),
            Some(format!("p99 {} ms ({} errors)", fmt_ms(r.p99_ms), r.errors)),
            Some(r.p99_ms < 30.0 && r.errors == 0),
        );
    }
    // Issue 16: against the peer and the database's own limit, in the same run.
    let many = format!("{clients} clients");
    let closed_at = |scenario: &str, setting: &str| {
        results
            .iter()
            .find(|r| r.scenario == scenario && r.mode == "closed" && r.setting == setting)
    };
    let peer_at = |scenario: &str, setting: &str| {
        peer.results
            .iter()
            .find(|r| r.scenario == format!("peer {scenario}") && r.mode == "closed" && r.setting == setting)
    };
    let one_floor = peer.one_statement_floors.get("home").filter(|f| f.tps > 0.0);
    match (closed_at("home", &many), one_floor) {
        (Some(h), Some(f)) => target(
            &format!("home screen, closed loop {clients} clients: ≥ 50 % of the one-statement floor (home_json.sql)"),
            Some(format!(
                "{:.0}/s vs {:.0}/s = {:.0} %",
                h.throughput,
                f.tps,
                100.0 * h.throughput / f.tps
            )),
            Some(h.throughput >= 0.5 * f.tps && h.errors == 0),
        ),
        _ => target(
            "home screen, closed loop: ≥ 50 % of the one-statement floor (home_json.sql)",
            None,
            None,
        ),
    }
    for (name, title) in [
        ("home", "home screen"),
        ("detail", "request detail"),
        ("my_tasks", "myTasks"),
    ] {
        let what = format!(
            "{title}, closed loop {clients} clients: ≥ 2.0 × {}'s throughput",
            peer.name
        );
        match (closed_at(name, &many), peer_at(name, &many)) {
            (Some(z), Some(p)) if p.throughput > 0.0 => target(
                &what,
                Some(format!(
                    "{:.0}/s vs {:.0}/s = {:.2} ×",
                    z.throughput,
                    p.throughput,
                    z.throughput / p.throughput
                )),
                Some(z.throughput >= 2.0 * p.throughput && z.errors == 0),
            ),
            (Some(z), _) => target(
                &what,
                Some(format!("{:.0}/s, the peer not measured", z.throughput)),
                None,
            ),
            _ => target(&what, None, None),
        }
        let one = closed_at(name, "1 client");
        let peer_one = peer_at(name, "1 client");
        let versus = |p: Option<&Figures>| {
            p.filter(|p| p.p50_ms > 0.0)
                .map(|p| {
                    format!(
                        " vs {} ms = {:.2} ×",
                        fmt_ms(p.p50_ms),
                        one.map_or(0.0, |z| z.p50_ms) / p.p50_ms
                    )
                })
                .unwrap_or_else(|| ", the peer not measured".into())
        };
        if name == "home" {
            target(
                "home screen, one client: p50 ≤ 1.5 ms (PostGraphile's p50 beside it)",
                one.map(|z| format!("p50 {} ms{}", fmt_ms(z.p50_ms), versus(peer_one))),
                one.map(|z| z.p50_ms <= 1.5 && z.errors == 0),
            );
        } else {
            // The home screen's ratio: 1.5 ms against PostGraphile's 3.3 ms.
            let ratio = 1.5 / 3.3;
            target(
                &format!(
                    "{title}, one client: p50 ≤ {ratio:.2} × {}'s (the home screen's 1.5 / 3.3 ms)",
                    peer.name
                ),
                one.map(|z| format!("p50 {} ms{}", fmt_ms(z.p50_ms), versus(peer_one))),
                one.zip(peer_one)
                    .filter(|(_, p)| p.p50_ms > 0.0)
                    .map(|(z, p)| z.p50_ms <= ratio * p.p50_ms && z.errors == 0),
            );
        }
    }
    let home_cpu: Vec<(String, f64)> = results
        .iter()
        .filter(|r| r.scenario == "home")
        .filter_map(|r| r.server_cpu_ms_per_op.map(|c| (format!("{} {}", r.mode, r.setting), c)))
        .collect();
    target(
        "server CPU per home screen ≤ 0.6 ms (every home run)",
        (!home_cpu.is_empty()).then(|| {
            home_cpu
                .iter()
                .map(|(run, c)| format!("{c:.2} ms ({run})"))
                .collect::<Vec<_>>()
                .join(", ")
        }),
        (!home_cpu.is_empty()).then(|| home_cpu.iter().all(|(_, c)| *c <= 0.6)),
    );
    target(
        "stats: < 300 ms for a full year on 1M requests",
        Some(match find("stats", "closed") {
            Some(s) => format!(
                "measured by bench/stats_1m.sh (its section below, when bench/run ran it); here the last 30 days of {} requests: p50 {} ms with {clients} clients",
                manifest.requests,
                fmt_ms(s.p50_ms)
            ),
            None => "measured by bench/stats_1m.sh (its section below, when bench/run ran it)".into(),
        }),
        None,
    );
    target(
        "5,000 idle subscribers: ≤ 10 queries/s and < 300 MB RSS",
        Some("measured by bench/subscribers.sh".into()),
        None,
    );
    match peer.baseline {
        Some(baseline) => {
            let (compared, worse) = worse_than(baseline, results, 0.10);
            let mut shown: Vec<String> = worse.iter().take(8).cloned().collect();
            if worse.len() > shown.len() {
                shown.push(format!("and {} more", worse.len() - shown.len()));
            }
            target(
                "no figure of the previous report gets worse (by more than 10 %)",
                Some(if worse.is_empty() {
                    format!("{compared} figures compared, none worse")
                } else {
                    format!("{} of {compared} worse: {}", worse.len(), shown.join("; "))
                }),
                Some(worse.is_empty()),
            );
        }
        None => target(
            "no figure of the previous report gets worse",
            Some("no previous run on the same data to compare with".into()),
            None,
        ),
    }
    let peak = results
        .iter()
        .filter_map(|r| r.server_peak_rss_mb)
        .chain(setup_peak)
        .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))));
    target(
        "server RSS < 150 MB at peak",
        peak.map(|p| format!("{p:.0} MB")),
        peak.map(|p| p < 150.0),
    );

    out.push_str("\n### Operations\n\n");
    for spec in SCENARIOS {
        out.push_str(&format!(
            "- `{}`: {}, as {:?} users\n",
            spec.name, spec.title, spec.role
        ));
    }
    out.push_str(
        "\nLatency in ms; open-loop latency counts from each request's scheduled send time. CPU per operation is the server process's and all PostgreSQL processes' CPU time divided by the operations of the run. Peak RSS is the server's VmHWM during that run.\n\n\
| operation | mode | setting | throughput /s | p50 | p99 | p99.9 | max | errors | server CPU ms/op | DB CPU ms/op | server peak RSS MB |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for r in results {
        out.push_str(&format!(
            "| {} | {} | {} | {:.1} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            r.scenario,
            r.mode,
            r.setting,
            r.throughput,
            fmt_ms(r.p50_ms),
            fmt_ms(r.p99_ms),
            fmt_ms(r.p999_ms),
            fmt_ms(r.max_ms),
            r.errors,
            opt(r.server_cpu_ms_per_op, 2),
            opt(r.db_cpu_ms_per_op, 2),
            opt(r.server_peak_rss_mb, 0),
        ));
    }
    for (name, why) in unavailable {
        out.push_str(&format!("| {name} | – | – | {why} | | | | | | | | |\n"));
    }
    let errors: Vec<&Figures> = results.iter().filter(|r| r.first_error.is_some()).collect();
    if !errors.is_empty() {
        out.push_str("\nFirst error of each run with errors:\n\n");
        for r in errors {
            let e = r.first_error.as_deref().unwrap_or("");
            out.push_str(&format!(
                "- {} {}: `{}`\n",
                r.scenario,
                r.mode,
                e[..e.len().min(300)].replace('`', "'")
            ));
        }
    }

    out.push_str(&format!(
        "\n### Floors: the same work as plain SQL (pgbench, prepared statements, same database, same run)\n\n\
| operation | floor closed {clients} clients /s | server closed /s | server / floor | floor open p50 | floor open p99 | server open p99 | server p99 / floor p99 | floor DB CPU ms/op | server DB CPU ms/op |\n|---|---|---|---|---|---|---|---|---|---|\n"
    ));
    let mut names: Vec<&String> = floors.keys().collect();
    names.sort();
    for name in names {
        let (closed, open) = &floors[name];
        let server_closed = find(name, "closed");
        let server_open = find(name, "open");
        let closed_tps = closed.as_ref().map(|f| f.tps).unwrap_or(0.0);
        let ratio = server_closed
            .filter(|_| closed_tps > 0.0)
            .map(|s| format!("{:.2}", s.throughput / closed_tps))
            .unwrap_or_else(|| "–".into());
        let (open_p50, open_p99) = open
            .as_ref()
            .map(|f| (fmt_ms(f.p50_ms), f.p99_ms))
            .unwrap_or_else(|| ("–".into(), 0.0));
        out.push_str(&format!(
            "| {name} | {:.0} | {} | {ratio} | {open_p50} | {} | {} | {} | {} | {} |\n",
            closed_tps,
            server_closed
                .map(|s| format!("{:.0}", s.throughput))
                .unwrap_or_else(|| "–".into()),
            fmt_ms(open_p99),
            server_open.map(|s| fmt_ms(s.p99_ms)).unwrap_or_else(|| "–".into()),
            server_open
                .filter(|_| open_p99 > 0.0)
                .map(|s| format!("{:.1}", s.p99_ms / open_p99))
                .unwrap_or_else(|| "–".into()),
            opt(closed.as_ref().and_then(|f| f.db_cpu_ms_per_op), 2),
            opt(server_closed.and_then(|s| s.db_cpu_ms_per_op), 2),
        ));
        for f in [closed, open].into_iter().flatten() {
            if let Some(note) = &f.note {
                out.push_str(&format!("\n{name} floor ({}): {note}\n", f.mode));
            }
        }
    }
    if !peer.results.is_empty() || !peer.notes.is_empty() || !peer.one_statement_floors.is_empty() {
        out.push_str(&format!(
            "\n### Peer: {} on the same database, same driver, same clients, same run\n\n\
The peer runs without authentication (a company or officer id as a variable instead of a token) and without access rules, so it does less work per request than zhitong: the comparison favours it. Throughput and CPU from the closed loop with {clients} clients, p50 from one client alone. CPU per operation: the server's (or the node process's) and all PostgreSQL processes'.\n\n\
| operation | zhitong /s | peer /s | zhitong / peer | zhitong p50 1 client | peer p50 1 client | zhitong / peer | zhitong server CPU ms/op | peer server CPU ms/op | zhitong / peer | zhitong DB CPU ms/op | peer DB CPU ms/op | peer errors |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
            peer.name
        ));
        let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) if b > 0.0 => format!("{:.2}", a / b),
            _ => "–".into(),
        };
        for name in ["home", "detail", "my_tasks"] {
            let (z, p) = (closed_at(name, &many), peer_at(name, &many));
            let (z1, p1) = (closed_at(name, "1 client"), peer_at(name, "1 client"));
            if z.is_none() && p.is_none() {
                continue;
            }
            let tput = |f: Option<&Figures>| f.map(|f| f.throughput);
            let p50 = |f: Option<&Figures>| f.map(|f| f.p50_ms);
            let cpu = |f: Option<&Figures>| f.and_then(|f| f.server_cpu_ms_per_op);
            let db = |f: Option<&Figures>| f.and_then(|f| f.db_cpu_ms_per_op);
            out.push_str(&format!(
                "| {name} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                opt(tput(z), 0),
                opt(tput(p), 0),
                ratio(tput(z), tput(p)),
                p50(z1).map(fmt_ms).unwrap_or_else(|| "–".into()),
                p50(p1).map(fmt_ms).unwrap_or_else(|| "–".into()),
                ratio(p50(z1), p50(p1)),
                opt(cpu(z), 2),
                opt(cpu(p), 2),
                ratio(cpu(z), cpu(p)),
                opt(db(z), 2),
                opt(db(p), 2),
                p.map(|p| p.errors).unwrap_or(0) + p1.map(|p| p.errors).unwrap_or(0),
            ));
        }
        for (name, f) in peer.one_statement_floors {
            let z = closed_at(name, &many).map(|z| z.throughput);
            let p = peer_at(name, &many).map(|p| p.throughput);
            let share = |v: Option<f64>| match v {
                Some(v) if f.tps > 0.0 => format!("{:.0} %", 100.0 * v / f.tps),
                _ => "–".into(),
            };
            out.push_str(&format!(
                "\nThe database's own limit for `{name}` ({}: the whole answer as JSON in one SQL statement, pgbench {}): {:.0}/s, p50 {} ms, {} ms of database CPU per call; zhitong reaches {} of it, the peer {}.{}\n",
                f.script,
                f.mode,
                f.tps,
                fmt_ms(f.p50_ms),
                opt(f.db_cpu_ms_per_op, 2),
                share(z),
                share(p),
                f.note.as_deref().map(|n| format!(" ({n})")).unwrap_or_default(),
            ));
        }
        let peer_errors: Vec<&Figures> = peer.results.iter().filter(|r| r.first_error.is_some()).collect();
        for r in peer_errors {
            let e = r.first_error.as_deref().unwrap_or("");
            out.push_str(&format!(
                "\n- {} {} {}: first error `{}`\n",
                r.scenario,
                r.mode,
                r.setting,
                e[..e.len().min(300)].replace('`', "'")
            ));
        }
        for note in peer.notes {
            out.push_str(&format!("\n- {note}\n"));
        }
    }
    if !ceiling.is_empty() {
        out.push_str("\n### Ceiling: a trivial actix endpoint (bench-ceiling, 2 workers) through the same driver\n\n| mode | setting | throughput /s | p50 | p99 | p99.9 |\n|---|---|---|---|---|---|\n");
        for c in ceiling {
            out.push_str(&format!(
                "| {} | {} | {:.0} | {} | {} | {} |\n",
                c.mode,
                c.setting,
                c.throughput,
                fmt_ms(c.p50_ms),
                fmt_ms(c.p99_ms),
                fmt_ms(c.p999_ms)
            ));
        }
        if let (Some(c), Some(h)) = (ceiling.first(), home_closed) {
            out.push_str(&format!(
                "\nHome screen closed-loop throughput is {:.1} % of the ceiling.\n",
                100.0 * h.throughput / c.throughput.max(1.0)
            ));
        }
    }
    out.push_str(&format!(
        "\nSet-up: {logins} logins in {login_secs:.1} s; server peak RSS during set-up {}.\n",
        setup_peak
            .map(|p| format!("{p:.0} MB"))
            .unwrap_or_else(|| "not watched".into())
    ));
    out
}
