//! A page of requests with their company, officer, tasks and last events costs a bounded number
//! of SQL queries, whatever the page size (the DataLoaders batch the look-ups). Queries are
//! counted with diesel's instrumentation, per database URL so parallel tests do not mix.

use std::collections::HashMap;
use std::sync::{Mutex, Once};

use diesel::connection::{set_default_instrumentation, Instrumentation, InstrumentationEvent};
use serde_json::json;
use zhitong::db::DbUrl;

use crate::helpers::{Backend, TestApp};
use crate::requests::{dispatched, zone, NOTE, RAISE};

static QUERIES: Mutex<Option<HashMap<String, u64>>> = Mutex::new(None);
static INSTALL: Once = Once::new();

/// Counts the statements each connection runs, under the URL it was opened with.
struct QueryCounter {
    url: Option<String>,
    /// Statements run while a connection is being opened are set-up, not work.
    established: bool,
}

impl Instrumentation for QueryCounter {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartEstablishConnection { url, .. } => {
                self.url = Some(url.to_string());
                self.established = false;
            }
            InstrumentationEvent::FinishEstablishConnection { .. } => self.established = true,
            InstrumentationEvent::StartQuery { .. } if !self.established => {}
            // Opening a SQLite connection runs its PRAGMAs: connection set-up, not the page's
            // work, and how many connections a page opens depends on timing.
            InstrumentationEvent::StartQuery { query, .. } if query.to_string().trim_start().starts_with("PRAGMA") => {}
            InstrumentationEvent::StartQuery { .. } => {
                if let Some(url) = &self.url {
                    let mut counts = QUERIES.lock().unwrap();
                    *counts.get_or_insert_with(HashMap::new).entry(url.clone()).or_default() += 1;
                }
            }
            _ => {}
        }
    }
}

fn install() {
    INSTALL.call_once(|| {
        set_default_instrumentation(|| {
            Some(Box::new(QueryCounter {
                url: None,
                established: false,
            }))
        })
        .expect("instrumentation");
    });
}

fn queries_so_far(app: &TestApp) -> u64 {
    let key = match app.state.db.url() {
        DbUrl::Sqlite(path) => path.to_string_lossy().to_string(),
        DbUrl::Postgres(url) => url.clone(),
    };
    QUERIES
        .lock()
        .unwrap()
        .as_ref()
        .and_then(|counts| counts.get(&key).copied())
        .unwrap_or(0)
}

const PAGE: &str = "query($n: Int) { requests(first: $n) { totalCount edges { node {
    number status title category { name } raisedBy { name }
    company { name officer { name } } officer { name phone }
    tasks { lead status department { name } plan { responsible dueAt } }
    lastEvent { kind text actor { name } } } } } }";

/// Runs the page query twice (the first warms the pool's connections) and counts the second.
async fn queries_for_page(app: &TestApp, size: i64) -> u64 {
    app.ok(&app.admin_token, PAGE, json!({ "n": size })).await;
    let before = queries_so_far(app);
    let data = app.ok(&app.admin_token, PAGE, json!({ "n": size })).await;
    assert_eq!(data["requests"]["edges"].as_array().unwrap().len() as i64, size);
    queries_so_far(app) - before
}

async fn a_page_of_fifty_requests_runs_a_bounded_number_of_queries(backend: Backend) {
    install();
    let app = TestApp::spawn(backend).await;
    let z = zone(&app).await;
    for i in 0..8 {
        let (id, _, _) = dispatched(&app, &z, &[i % 3, (i + 1) % 3]).await;
        app.ok(
            &z.officer_a.token,
            NOTE,
            json!({ "id": id, "text": "跟进", "internal": true }),
        )
        .await;
    }
    for (i, staff) in [&z.staff_a, &z.staff_b, &z.staff_c].iter().cycle().take(42).enumerate() {
        app.ok(
            &staff.token,
            RAISE,
            json!({ "input": { "kind": "PROBLEM", "categoryId": z.category, "title": format!("诉求{i}"), "description": "内容" } }),
        )
        .await;
    }
    let for_five = queries_for_page(&app, 5).await;
    let for_fifty = queries_for_page(&app, 50).await;
    assert!(for_fifty > 0, "the counter sees this app's queries");
    assert!(
        for_fifty <= 16,
        "a page of 50 requests took {for_fifty} queries (a page of 5 took {for_five})"
    );
    assert!(
        for_fifty <= for_five + 2,
        "queries grow with the page size: 5 → {for_five}, 50 → {for_fifty}"
    );
}

#[actix_rt::test]
async fn sqlite() {
    a_page_of_fifty_requests_runs_a_bounded_number_of_queries(Backend::Sqlite).await
}

#[actix_rt::test]
#[cfg_attr(not(zhitong_pg_tests), ignore = "PostgreSQL: set ZHITONG_TEST_DATABASE_URL to run")]
async fn postgres() {
    a_page_of_fifty_requests_runs_a_bounded_number_of_queries(Backend::Postgres).await
}
