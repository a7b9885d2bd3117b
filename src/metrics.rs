//! The process's figures for Prometheus: one registry per [`Metrics`], kept in the application
//! state (never a process global, so several apps in one test process each count their own).
//! Counters and histograms move as things happen; the outbox depths, the pool and the active
//! login locks are gauges read when `/metrics` is scraped (`app::metrics`).
//!
//! The exposition is the OpenMetrics text format of `prometheus-client`
//! (https://docs.rs/prometheus-client/0.26.0/prometheus_client/encoding/text/fn.encode.html),
//! which Prometheus scrapes natively.

use std::collections::HashSet;
use std::sync::atomic::AtomicU64;
use std::sync::Mutex;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

/// How many distinct GraphQL operation names are kept as labels; later new names count as
/// `other`, so a client inventing names cannot grow the exposition without bound.
pub const MAX_OPERATION_NAMES: usize = 300;

/// Latency buckets from 1 ms to about 33 s.
fn latency_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

/// Round-duration buckets of background jobs, 1 ms to about 2 minutes.
fn job_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.5, 14))
}

type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    pub route: String,
    pub method: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OperationLabels {
    pub operation: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CodeLabels {
    pub code: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StateLabels {
    pub state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabels {
    pub kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutboxLabels {
    pub status: String,
    pub provider: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DeliveryLabels {
    pub provider: String,
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct JobLabels {
    pub job: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct JobRoundLabels {
    pub job: String,
    pub result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ScopeLabels {
    pub scope: String,
}

/// The database handle's own figures (kept in `Db`, registered with the app's metrics).
#[derive(Clone)]
pub struct DbMetrics {
    /// Callers waiting for a pooled connection right now.
    pub waiting: Gauge,
    /// Time spent waiting for a pooled connection.
    pub pool_wait: Histograms<KindLabels>,
    /// Time a read or a write transaction held its connection.
    pub query: Histograms<KindLabels>,
    /// Live-update subscribers (GraphQL subscriptions) of this handle.
    pub live_subscriptions: Gauge,
}

impl Default for DbMetrics {
    fn default() -> Self {
        DbMetrics {
            waiting: Gauge::default(),
            pool_wait: Family::new_with_constructor(latency_buckets),
            query: Family::new_with_constructor(latency_buckets),
            live_subscriptions: Gauge::default(),
        }
    }
}

/// Every figure of one application.
pub struct Metrics {
    registry: Registry,
    http_requests: Family<HttpLabels, Counter>,
    http_duration: Histograms<RouteLabels>,
    operations: Family<OperationLabels, Counter>,
    operation_duration: Histograms<OperationLabels>,
    errors: Family<CodeLabels, Counter>,
    pub pool_connections: Family<StateLabels, Gauge>,
    pub pool_max: Gauge,
    pub push_outbox: Family<OutboxLabels, Gauge>,
    pub sms_outbox: Family<OutboxLabels, Gauge>,
    push_deliveries: Family<DeliveryLabels, Counter>,
    sms_deliveries: Family<DeliveryLabels, Counter>,
    job_rounds: Family<JobRoundLabels, Counter>,
    job_duration: Histograms<JobLabels>,
    pub login_locks: Family<ScopeLabels, Gauge>,
    /// The process's memory (bytes), read at scrape time (`workers::memory::figures`).
    pub process_resident: Gauge,
    pub heap_in_use: Gauge,
    pub heap_free: Gauge,
    pub sqlite_memory: Gauge,
    /// The operation names already used as labels (bounded by `MAX_OPERATION_NAMES`).
    names: Mutex<HashSet<String>>,
    /// Scrapes answered, for the scrape's own line.
    pub scrapes: Counter<u64, AtomicU64>,
}

impl Metrics {
    /// A registry with every figure, including the database handle's.
    pub fn new(db: &DbMetrics) -> Metrics {
        let mut registry = Registry::with_prefix("zhitong");
        let metrics = Metrics {
            http_requests: Family::default(),
            http_duration: Family::new_with_constructor(latency_buckets),
            operations: Family::default(),
            operation_duration: Family::new_with_constructor(latency_buckets),
            errors: Family::default(),
            pool_connections: Family::default(),
            pool_max: Gauge::default(),
            push_outbox: Family::default(),
            sms_outbox: Family::default(),
            push_deliveries: Family::default(),
            sms_deliveries: Family::default(),
            job_rounds: Family::default(),
            job_duration: Family::new_with_constructor(job_buckets),
            login_locks: Family::default(),
            process_resident: Gauge::default(),
            heap_in_use: Gauge::default(),
            heap_free: Gauge::default(),
            sqlite_memory: Gauge::default(),
            names: Mutex::new(HashSet::new()),
            scrapes: Counter::default(),
            registry: Registry::default(),
        };
        let r = &mut registry;
        r.register(
            "http_requests",
            "HTTP requests answered, by route pattern, method and status",
            metrics.http_requests.clone(),
        );
        r.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by route pattern",
            metrics.http_duration.clone(),
        );
        r.register(
            "graphql_operations",
            "GraphQL operations executed, by operation name (anonymous, or other past the first 300 names)",
            metrics.operations.clone(),
        );
        r.register(
            "graphql_operation_duration_seconds",
            "Time to execute a GraphQL operation, by operation name",
            metrics.operation_duration.clone(),
        );
        r.register(
            "graphql_errors",
            "Errors in GraphQL answers, by extensions.code",
            metrics.errors.clone(),
        );
        r.register(
            "db_pool_connections",
            "Database connections of the pool: in_use or idle",
            metrics.pool_connections.clone(),
        );
        r.register(
            "db_pool_max_connections",
            "Largest size of the database pool",
            metrics.pool_max.clone(),
        );
        r.register(
            "db_pool_waiting",
            "Callers waiting for a database connection now",
            db.waiting.clone(),
        );
        r.register(
            "db_pool_wait_seconds",
            "Time waited for a database connection, by kind (read or write)",
            db.pool_wait.clone(),
        );
        r.register(
            "db_query_duration_seconds",
            "Time a read or a write transaction held its connection, by kind",
            db.query.clone(),
        );
        r.register(
            "push_outbox",
            "Push deliveries in the outbox, by status and provider",
            metrics.push_outbox.clone(),
        );
        r.register(
            "sms_outbox",
            "SMS in the outbox, by status and provider (none: not yet given to one)",
            metrics.sms_outbox.clone(),
        );
        r.register(
            "push_deliveries",
            "Push send attempts by this instance, by provider and outcome",
            metrics.push_deliveries.clone(),
        );
        r.register(
            "sms_deliveries",
            "SMS send attempts by this instance, by provider and outcome",
            metrics.sms_deliveries.clone(),
        );
        r.register(
            "live_subscriptions",
            "GraphQL subscriptions following live updates now",
            db.live_subscriptions.clone(),
        );
        r.register(
            "job_rounds",
            "Background job rounds, by job and result (worked, idle, failed)",
            metrics.job_rounds.clone(),
        );
        r.register(
            "job_round_duration_seconds",
            "Duration of background job rounds, by job",
            metrics.job_duration.clone(),
        );
        r.register(
            "login_locks_active",
            "Login keys locked now after repeated failures, by scope (phone or address)",
            metrics.login_locks.clone(),
        );
        r.register(
            "process_resident_bytes",
            "Resident memory of this process",
            metrics.process_resident.clone(),
        );
        r.register(
            "heap_in_use_bytes",
            "Memory the allocator has handed out and not had back (glibc)",
            metrics.heap_in_use.clone(),
        );
        r.register(
            "heap_free_bytes",
            "Memory the allocator holds free, given back by the minutely trim where whole pages are free (glibc)",
            metrics.heap_free.clone(),
        );
        r.register(
            "sqlite_memory_bytes",
            "Memory SQLite holds for every connection of this process (page caches, statements); 0 on PostgreSQL",
            metrics.sqlite_memory.clone(),
        );
        r.register("metrics_scrapes", "Scrapes of this endpoint", metrics.scrapes.clone());
        Metrics { registry, ..metrics }
    }

    /// One HTTP request answered.
    pub fn http_request(&self, route: &str, method: &str, status: u16, elapsed: Duration) {
        let route = route.to_string();
        self.http_requests
            .get_or_create(&HttpLabels {
                route: route.clone(),
                method: method.to_string(),
                status,
            })
            .inc();
        self.http_duration
            .get_or_create(&RouteLabels { route })
            .observe(elapsed.as_secs_f64());
    }

    /// One GraphQL operation executed (`None`: anonymous).
    pub fn graphql_operation(&self, name: Option<&str>, elapsed: Duration) {
        let operation = self.operation_label(name);
        self.operation_duration
            .get_or_create(&OperationLabels {
                operation: operation.clone(),
            })
            .observe(elapsed.as_secs_f64());
        self.operations.get_or_create(&OperationLabels { operation }).inc();
    }

    fn operation_label(&self, name: Option<&str>) -> String {
        let Some(name) = name else {
            return "anonymous".into();
        };
        let mut names = self.names.lock().unwrap_or_else(|p| p.into_inner());
        if names.contains(name) {
            return name.to_string();
        }
        if names.len() >= MAX_OPERATION_NAMES {
            return "other".into();
        }
        names.insert(name.to_string());
        name.to_string()
    }

    /// One error in a GraphQL answer.
    pub fn graphql_error(&self, code: &str) {
        self.errors.get_or_create(&CodeLabels { code: code.to_string() }).inc();
    }

    /// One push send attempt and what came of it.
    pub fn push_delivery(&self, provider: &str, outcome: &str) {
        self.push_deliveries
            .get_or_create(&DeliveryLabels {
                provider: provider.to_string(),
                outcome: outcome.to_string(),
            })
            .inc();
    }

    /// One SMS send attempt and what came of it.
    pub fn sms_delivery(&self, provider: &str, outcome: &str) {
        self.sms_deliveries
            .get_or_create(&DeliveryLabels {
                provider: provider.to_string(),
                outcome: outcome.to_string(),
            })
            .inc();
    }

    /// One round of a background job: `worked`, `idle` or `failed`.
    pub fn job_round(&self, job: &str, result: &str, elapsed: Duration) {
        self.job_rounds
            .get_or_create(&JobRoundLabels {
                job: job.to_string(),
                result: result.to_string(),
            })
            .inc();
        self.job_duration
            .get_or_create(&JobLabels { job: job.to_string() })
            .observe(elapsed.as_secs_f64());
    }

    /// The exposition in the OpenMetrics text format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// The content type of [`Metrics::render`].
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_names_are_bounded() {
        let metrics = Metrics::new(&DbMetrics::default());
        for i in 0..MAX_OPERATION_NAMES + 5 {
            metrics.graphql_operation(Some(&format!("Op{i}")), Duration::from_millis(1));
        }
        metrics.graphql_operation(Some("Op0"), Duration::from_millis(1));
        metrics.graphql_operation(None, Duration::from_millis(1));
        let text = metrics.render();
        assert!(
            text.contains("zhitong_graphql_operations_total{operation=\"Op0\"} 2"),
            "{text}"
        );
        assert!(text.contains("zhitong_graphql_operations_total{operation=\"other\"} 5"));
        assert!(text.contains("zhitong_graphql_operations_total{operation=\"anonymous\"} 1"));
        assert!(!text.contains(&format!("operation=\"Op{MAX_OPERATION_NAMES}\"")));
        assert!(text.ends_with("# EOF\n"));
    }
}
