//! Times similar-request suggestions on the bench data (issue 19): first the indexing of the
//! requests the generator wrote straight into the tables (the "similar-request index" job's
//! work, in batches of 1,000) and the folding of the term counts it appended, then `rank` for a sample of open requests (what
//! `Request.similarRequests` does after the access check) and for free texts (what
//! `findSimilarRequests` does), with percentiles.
//!
//!   zhitong migrate && cargo run --release --example bench-data -- --database-url URL
//!   cargo run --release --example bench-similar -- --database-url URL [--queries 300] [--seed 1]

use std::time::{Duration, Instant};

use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::SeedableRng;
use zhitong::db::schema::requests;
use zhitong::db::{establish, DbConnection, DbUrl};
use zhitong::requests::model::{Request, RequestStatus};
use zhitong::requests::similar::repo::fold_term_changes;
use zhitong::requests::similar::{index_pending, rank, request_text, Probe};
use zhitong::search::segment;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

/// The app's errors are GraphQL errors, not `std::error::Error`: shown with their debug form.
fn app<T>(result: zhitong::error::AppResult<T>) -> Result<T, Box<dyn std::error::Error>> {
    result.map_err(|e| format!("{e:?}").into())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}

fn report(what: &str, mut times: Vec<Duration>, found: usize) {
    times.sort();
    println!(
        "{what}: {} queries, p50 {:?}, p95 {:?}, p99 {:?}, max {:?}; {found} suggestions in all",
        times.len(),
        percentile(&times, 0.5),
        percentile(&times, 0.95),
        percentile(&times, 0.99),
        times.last().copied().unwrap_or_default()
    );
}

/// Hotline calls as they might be typed in, to time `findSimilarRequests`.
const CALLS: &[&str] = &[
    "园区道路被大货车压坏了，坑很多",
    "晚上厂里老是跳闸停电",
    "水压太低，楼上没有水",
    "天然气价格太贵了",
    "施工许可一直批不下来",
    "招不到一线工人",
    "员工孩子上学没有学位",
    "想申请贴息贷款",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = arg("--database-url")
        .or_else(|| std::env::var("ZHITONG_DATABASE_URL").ok())
        .ok_or("give --database-url (or ZHITONG_DATABASE_URL)")?;
    let queries: usize = arg("--queries").and_then(|q| q.parse().ok()).unwrap_or(300);
    let seed: u64 = arg("--seed").and_then(|q| q.parse().ok()).unwrap_or(1);
    let mut conn: DbConnection = establish(&DbUrl::parse(&url)?).map_err(|e| e.to_string())?;
    let now = chrono::Utc::now().naive_utc();

    let started = Instant::now();
    let mut indexed = 0;
    loop {
        let n = app(conn.transaction::<_, zhitong::error::AppError, _>(|c| index_pending(c, 1_000, now)))?;
        if n == 0 {
            break;
        }
        indexed += n;
        if indexed % 20_000 < 1_000 {
            println!(
                "indexed {indexed} requests ({:.0} a second)",
                indexed as f64 / started.elapsed().as_secs_f64()
            );
        }
    }
    println!("indexing: {indexed} requests in {:?}", started.elapsed());
    // The term-count job's round (every minute in a server): the changes the indexing
    // appended become counts.
    let started = Instant::now();
    let folded = app(conn.transaction::<_, zhitong::error::AppError, _>(fold_term_changes))?;
    println!("term counts: {folded} changes folded in {:?}", started.elapsed());

    let open: Vec<Request> = requests::table
        .filter(requests::status.eq_any(RequestStatus::OPEN))
        .select(Request::as_select())
        .load(&mut conn)?;
    println!("{} open requests", open.len());
    let mut rng = StdRng::seed_from_u64(seed);
    let sample: Vec<&Request> = open.choose_multiple(&mut rng, queries).collect();
    let (mut times, mut found) = (Vec::new(), 0);
    for request in sample {
        let probe = Probe {
            terms: segment::terms(&request_text(request)),
            category_id: Some(request.category_id),
            at: request.created_at,
            exclude: Some(request.id),
        };
        let t = Instant::now();
        found += app(rank(&mut conn, &probe, 3))?.len();
        times.push(t.elapsed());
    }
    report("Request.similarRequests (rank, first 3)", times, found);

    // The calls come in at the time of the latest request, so the window holds the data.
    let latest = open.iter().map(|r| r.created_at).max().unwrap_or(now);
    let (mut times, mut found) = (Vec::new(), 0);
    for i in 0..queries {
        let text = CALLS[i % CALLS.len()];
        let probe = Probe {
            terms: segment::terms(text),
            category_id: None,
            at: latest,
            exclude: None,
        };
        let t = Instant::now();
        found += app(rank(&mut conn, &probe, 3))?.len();
        times.push(t.elapsed());
    }
    report("findSimilarRequests (segment + rank, first 3)", times, found);
    Ok(())
}
