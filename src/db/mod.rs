//! Storage: one diesel connection type over PostgreSQL and SQLite, a pool, embedded migrations,
//! and the two ways the rest of the code reaches the database (`read` and `write`), both run on
//! the blocking thread pool so no query ever stalls the async runtime.

pub mod backup;
pub mod enums;
pub mod idempotency;
pub mod live;
pub mod schema;
pub mod shared;
mod tx;

pub use idempotency::{Once, Replay};
pub use live::{LiveBus, LiveEvent, RequestChanged};
pub use tx::{Effect, Tx};

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::r2d2::R2D2Connection;
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::error::AppError;
use crate::metrics::{DbMetrics, KindLabels};

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");
pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// How long a writer waits for SQLite's write lock before giving up.
const SQLITE_BUSY_TIMEOUT_MS: u32 = 10_000;

/// The most heap SQLite should hold for the whole process (bytes). Each pooled connection keeps
/// a page cache of its own (2 MiB by default) that fills as the database grows, so the server's
/// memory rose for as long as the soak ran; with this limit SQLite recycles cached pages instead
/// of taking more (`PRAGMA soft_heap_limit`, enforced on the page cache since SQLite 3.7.3:
/// <https://www.sqlite.org/c3ref/hard_heap_limit64.html>). Pages it drops are still in the
/// operating system's file cache.
pub const SQLITE_SOFT_HEAP_LIMIT: u64 = 16 * 1024 * 1024;
/// How often a write transaction asks again for SQLite's write lock after a busy timeout.
const SQLITE_LOCK_RETRIES: u32 = 3;
/// After a failed connection attempt, callers wait this long for a connection instead of the
/// whole pool timeout, so an outage answers `SERVICE_UNAVAILABLE` at once.
const OUTAGE_WAIT: Duration = Duration::from_millis(250);
/// How long a failed connection attempt counts as a sign of an outage.
const OUTAGE_MEMORY: Duration = Duration::from_secs(2);

fn millis_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

/// A database location, parsed once from the configured URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbUrl {
    Postgres(String),
    Sqlite(PathBuf),
}

impl DbUrl {
    /// `postgres://…` or `postgresql://…` selects PostgreSQL; `sqlite://path`, `sqlite:path` or
    /// a bare file path selects SQLite.
    pub fn parse(url: &str) -> Result<Self, String> {
        let url = url.trim();
        if url.is_empty() {
            return Err("the database URL is empty".into());
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DbUrl::Postgres(url.to_string()));
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        if path.is_empty() || path == ":memory:" {
            return Err(
                "SQLite needs a file path (an in-memory database would vanish with each pooled connection)".into(),
            );
        }
        if path.contains("://") {
            return Err(format!(
                "unsupported database URL scheme in {url:?}: use postgres:// or a SQLite file path"
            ));
        }
        Ok(DbUrl::Sqlite(PathBuf::from(path)))
    }

    pub fn backend(&self) -> Backend {
        match self {
            DbUrl::Postgres(_) => Backend::Postgres,
            DbUrl::Sqlite(_) => Backend::Sqlite,
        }
    }

    /// The directory that holds the SQLite file (for files kept beside the database).
    pub fn sqlite_dir(&self) -> Option<&Path> {
        match self {
            DbUrl::Sqlite(path) => Some(path.parent().unwrap_or(Path::new(""))),
            DbUrl::Postgres(_) => None,
        }
    }

    /// The URL with any password hidden, for logs.
    pub fn redacted(&self) -> String {
        match self {
            DbUrl::Sqlite(path) => format!("sqlite:{}", path.display()),
            DbUrl::Postgres(url) => match (url.find("://"), url.rfind('@')) {
                (Some(scheme_end), Some(at)) if at > scheme_end => {
                    let userinfo = &url[scheme_end + 3..at];
                    let user = userinfo.split(':').next().unwrap_or("");
                    format!("{}{}:***{}", &url[..scheme_end + 3], user, &url[at..])
                }
                _ => url.clone(),
            },
        }
    }
}

/// Opens connections for the pool, choosing the backend from the URL and reporting the real
/// connection error (diesel's derived `establish` would try each backend in turn).
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: DbUrl,
    /// When a connection attempt last failed (ms since the epoch), 0 after one succeeded.
    last_failure: Arc<AtomicU64>,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConnectError(String);

pub fn establish(url: &DbUrl) -> Result<DbConnection, ConnectError> {
    match url {
        DbUrl::Postgres(url) => PgConnection::establish(url)
            .map(DbConnection::Postgres)
            .map_err(|e| ConnectError(format!("PostgreSQL: {e}"))),
        DbUrl::Sqlite(path) => {
            let path = path.to_string_lossy();
            let mut conn =
                SqliteConnection::establish(&path).map_err(|e| ConnectError(format!("SQLite {path}: {e}")))?;
            // busy_timeout first: the other pragmas may already need to wait for a lock.
            conn.batch_execute(&format!(
                "PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}; PRAGMA journal_mode = WAL; \
                 PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
                 PRAGMA soft_heap_limit = {SQLITE_SOFT_HEAP_LIMIT};"
            ))
            .map_err(|e| ConnectError(format!("SQLite {path}: {e}")))?;
            Ok(DbConnection::Sqlite(conn))
        }
    }
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = ConnectError;

    fn connect(&self) -> Result<DbConnection, ConnectError> {
        let connected = establish(&self.url);
        let stamp = if connected.is_ok() { 0 } else { millis_now() };
        self.last_failure.store(stamp, Ordering::Relaxed);
        connected
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), ConnectError> {
        conn.ping().map_err(|e| ConnectError(e.to_string()))
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        conn.is_broken()
    }
}

pub type Pool = r2d2::Pool<ConnectionManager>;

/// r2d2 logs every failed connection attempt (several a second during an outage) through the
/// `log` crate; the outage is reported once per failed request instead.
#[derive(Debug)]
struct QuietPoolErrors;

impl r2d2::HandleError<ConnectError> for QuietPoolErrors {
    fn handle_error(&self, error: ConnectError) {
        tracing::debug!(%error, "database connection attempt failed");
    }
}

/// The application's handle on its database.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    url: DbUrl,
    last_failure: Arc<AtomicU64>,
    live: LiveBus,
    metrics: DbMetrics,
}

#[derive(Debug, Clone)]
pub struct PoolOptions {
    pub max_size: u32,
    pub connect_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        PoolOptions {
            max_size: 10,
            connect_timeout: Duration::from_secs(5),
        }
    }
}

impl Db {
    /// Opens the pool without requiring the database to be reachable yet.
    pub fn open(url: DbUrl, options: &PoolOptions) -> Result<Db, AppError> {
        if let DbUrl::Sqlite(path) = &url {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| {
                    AppError::internal(format!("cannot create the database directory {}: {e}", dir.display()))
                })?;
            }
        }
        let last_failure = Arc::new(AtomicU64::new(0));
        let pool = r2d2::Pool::builder()
            .max_size(options.max_size)
            .min_idle(Some(0))
            .connection_timeout(options.connect_timeout)
            .test_on_check_out(false)
            .error_handler(Box::new(QuietPoolErrors))
            .build_unchecked(ConnectionManager {
                url: url.clone(),
                last_failure: last_failure.clone(),
            });
        let metrics = DbMetrics::default();
        Ok(Db {
            pool,
            live: LiveBus::new(url.clone(), metrics.live_subscriptions.clone()),
            url,
            last_failure,
            metrics,
        })
    }

    pub fn backend(&self) -> Backend {
        self.url.backend()
    }

    pub fn url(&self) -> &DbUrl {
        &self.url
    }

    /// This handle's figures (registered with the application's metrics).
    pub fn metrics(&self) -> &DbMetrics {
        &self.metrics
    }

    /// Connections of the pool now: (in use, idle, largest size).
    pub fn pool_state(&self) -> (u32, u32, u32) {
        let state = self.pool.state();
        (
            state.connections.saturating_sub(state.idle_connections),
            state.idle_connections,
            self.pool.max_size(),
        )
    }

    /// The live-update bus of this database: committed changes to requests, as they happen.
    pub fn live(&self) -> &LiveBus {
        &self.live
    }

    /// Runs the embedded migrations of the configured backend.
    pub fn migrate_blocking(&self) -> Result<Vec<String>, AppError> {
        let mut conn = self.connection()?;
        run_migrations(&mut conn)
    }

    /// A pooled connection. While connection attempts fail (the database is down), callers
    /// do not queue for the whole pool timeout: they get `Unavailable` within `OUTAGE_WAIT`.
    /// A pool that is merely busy is waited for as long as configured.
    pub fn connection(&self) -> Result<r2d2::PooledConnection<ConnectionManager>, AppError> {
        self.timed_connection("other")
    }

    /// [`Db::connection`], counted as waiting while it waits and timed as `kind`.
    fn timed_connection(&self, kind: &str) -> Result<r2d2::PooledConnection<ConnectionManager>, AppError> {
        let unavailable = |e: r2d2::Error| AppError::Unavailable(format!("database connection: {e}"));
        let started = std::time::Instant::now();
        self.metrics.waiting.inc();
        let conn = match self.pool.get_timeout(OUTAGE_WAIT) {
            Ok(conn) => Ok(conn),
            Err(error) if self.in_outage() => Err(unavailable(error)),
            Err(_) => self.pool.get().map_err(unavailable),
        };
        self.metrics.waiting.dec();
        self.metrics
            .pool_wait
            .get_or_create(&KindLabels { kind: kind.into() })
            .observe(started.elapsed().as_secs_f64());
        conn
    }

    /// Records how long a `kind` of work held its connection.
    fn observe_query(&self, kind: &str, started: std::time::Instant) {
        self.metrics
            .query
            .get_or_create(&KindLabels { kind: kind.into() })
            .observe(started.elapsed().as_secs_f64());
    }

    /// True when a connection attempt failed within `OUTAGE_MEMORY` and none succeeded since.
    fn in_outage(&self) -> bool {
        let failed_at = self.last_failure.load(Ordering::Relaxed);
        failed_at != 0 && millis_now().saturating_sub(failed_at) < OUTAGE_MEMORY.as_millis() as u64
    }

    /// Runs `f` on a pooled connection on the blocking thread pool, outside any transaction.
    pub async fn read<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let db = self.clone();
        run_blocking(move || {
            let mut conn = db.timed_connection("read")?;
            let started = std::time::Instant::now();
            let value = f(&mut conn);
            db.observe_query("read", started);
            value
        })
        .await
    }

    /// Runs `f` in one write transaction (`BEGIN IMMEDIATE` on SQLite) on the blocking pool:
    /// everything `f` writes, including events and notifications, commits together or not at
    /// all, and the effects `f` announced on its [`Tx`] run only once the commit has succeeded.
    pub async fn write<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut Tx<'_>) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let db = self.clone();
        run_blocking(move || {
            let mut conn = db.timed_connection("write")?;
            let started = std::time::Instant::now();
            let written = write_transaction(&mut conn, |conn| {
                let mut tx = Tx::new(conn);
                let value = f(&mut tx)?;
                let effects = tx.into_effects();
                db.live.announce_in_transaction(conn, &tx::live_events(&effects))?;
                Ok((value, effects))
            });
            db.observe_query("write", started);
            let (value, effects) = written?;
            db.live.publish_committed(tx::live_events(&effects));
            Ok(value)
        })
        .await
    }

    /// [`Db::write`] for a mutation with an optional idempotency key (`once`): the key is
    /// claimed at the start of the transaction and stored with the answer's rows before it
    /// commits, so a repeat with the same key (also one racing this one) changes nothing and
    /// answers the same rows; the key reused with other arguments is refused.
    /// `now` is the application clock's time, stamped on the key for the purge.
    pub async fn write_once<T, F>(&self, once: Option<Once>, now: chrono::NaiveDateTime, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut Tx<'_>) -> Result<T, AppError> + Send + 'static,
        T: Replay + Send + 'static,
    {
        self.write(move |tx| {
            let Some(once) = once else {
                return f(tx);
            };
            if let Some(stored) = idempotency::claim(tx, &once, now)? {
                return idempotency::decode(tx, &stored);
            }
            let value = f(tx)?;
            idempotency::record(tx, &once, &idempotency::encode(&value)?)?;
            Ok(value)
        })
        .await
    }

    /// One round of the idempotency-key purge (keys past [`idempotency::KEEP_HOURS`] at `now`).
    pub async fn purge_idempotency_keys(
        &self,
        now: chrono::NaiveDateTime,
    ) -> Result<idempotency::PurgeReport, AppError> {
        self.write(move |tx| idempotency::purge(tx, now)).await
    }

    /// True when a connection can be had and answers a trivial query.
    pub async fn ping(&self) -> bool {
        self.read(|conn| conn.ping().map_err(AppError::from)).await.is_ok()
    }
}

pub async fn run_blocking<T, F>(f: F) -> Result<T, AppError>
where
    F: FnOnce() -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    // The caller's span (the HTTP request's, with its request id) goes along to the blocking
    // thread, so what the work logs there is still that request's.
    let span = tracing::Span::current();
    match tokio::task::spawn_blocking(move || span.in_scope(f)).await {
        Ok(result) => result,
        Err(join_error) if join_error.is_panic() => {
            Err(AppError::internal(format!("a database task panicked: {join_error}")))
        }
        Err(join_error) => Err(AppError::internal(format!(
            "a database task was cancelled: {join_error}"
        ))),
    }
}

pub fn run_migrations(conn: &mut DbConnection) -> Result<Vec<String>, AppError> {
    let migrations = match conn {
        DbConnection::Postgres(_) => POSTGRES_MIGRATIONS,
        DbConnection::Sqlite(_) => SQLITE_MIGRATIONS,
    };
    let applied = conn
        .run_pending_migrations(migrations)
        .map_err(|e| AppError::internal(format!("migrations failed: {e}")))?;
    Ok(applied.iter().map(|v| v.to_string()).collect())
}

/// A write transaction on either backend. SQLite's deferred `BEGIN` would fail at once with
/// "database is locked" when it reads and then tries to write under contention, so SQLite gets
/// `BEGIN IMMEDIATE`, which waits for the write lock up front.
fn write_transaction<T, F>(conn: &mut DbConnection, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, AppError>,
{
    match conn {
        DbConnection::Postgres(_) => conn.transaction(f),
        DbConnection::Sqlite(inner) => {
            begin_immediate(inner)?;
            let outcome = f(conn);
            let DbConnection::Sqlite(inner) = conn else {
                unreachable!("the variant cannot change")
            };
            match outcome {
                Ok(value) => {
                    match <AnsiTransactionManager as TransactionManager<SqliteConnection>>::commit_transaction(inner) {
                        Ok(()) => Ok(value),
                        Err(commit_error) => {
                            let _ =
                                <AnsiTransactionManager as TransactionManager<SqliteConnection>>::rollback_transaction(
                                    inner,
                                );
                            Err(commit_error.into())
                        }
                    }
                }
                Err(error) => {
                    if let Err(rollback_error) =
                        <AnsiTransactionManager as TransactionManager<SqliteConnection>>::rollback_transaction(inner)
                    {
                        tracing::error!(%rollback_error, "rollback failed");
                    }
                    Err(error)
                }
            }
        }
    }
}

/// True for SQLite's "database is locked" / "database is busy" (`SQLITE_BUSY`).
pub fn is_sqlite_busy(error: &diesel::result::Error) -> bool {
    matches!(error, diesel::result::Error::DatabaseError(_, info)
        if info.message().contains("database is locked") || info.message().contains("database is busy"))
}

/// `BEGIN IMMEDIATE`, asked again when another writer held the lock past the busy timeout:
/// lock contention makes a write wait, never fail (up to `SQLITE_LOCK_RETRIES` timeouts, then
/// the database counts as unavailable).
fn begin_immediate(conn: &mut SqliteConnection) -> Result<(), AppError> {
    let mut attempt = 0;
    loop {
        match AnsiTransactionManager::begin_transaction_sql(conn, "BEGIN IMMEDIATE") {
            Ok(()) => return Ok(()),
            Err(error) if is_sqlite_busy(&error) && attempt < SQLITE_LOCK_RETRIES => {
                attempt += 1;
                tracing::warn!(
                    attempt,
                    "SQLite write lock still held after the busy timeout; waiting again"
                );
            }
            Err(error) if is_sqlite_busy(&error) => {
                return Err(AppError::Unavailable(format!("SQLite write lock: {error}")));
            }
            Err(error) => return Err(error.into()),
        }
    }
}

/// A page of a keyset-paginated list.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub total_count: i64,
}

/// Which slice of a list to read: rows after the row with id `after`, at most `limit` of them.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub after: Option<i64>,
    pub limit: i64,
}

impl<T> Page<T> {
    /// Builds a page from rows fetched with `limit + 1` so the extra row tells whether more follow.
    pub fn from_rows(mut rows: Vec<T>, request: PageRequest, total_count: i64) -> Page<T> {
        let has_next_page = rows.len() as i64 > request.limit;
        rows.truncate(request.limit as usize);
        Page {
            items: rows,
            has_next_page,
            has_previous_page: request.after.is_some(),
            total_count,
        }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            has_next_page: self.has_next_page,
            has_previous_page: self.has_previous_page,
            total_count: self.total_count,
        }
    }
}

diesel::define_sql_function! {
    /// SQL `lower()`, so text searches ignore case on both backends.
    fn lower(text: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern and wraps it for a substring match.
pub fn like_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for ch in text.to_lowercase().chars() {
        if matches!(ch, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(ch);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_select_the_backend() {
        assert_eq!(DbUrl::parse("zhitong.db").unwrap(), DbUrl::Sqlite("zhitong.db".into()));
        assert_eq!(
            DbUrl::parse("sqlite:///tmp/a.db").unwrap(),
            DbUrl::Sqlite("/tmp/a.db".into())
        );
        assert_eq!(DbUrl::parse("sqlite:a.db").unwrap(), DbUrl::Sqlite("a.db".into()));
        assert!(matches!(DbUrl::parse("postgres://u@h/db").unwrap(), DbUrl::Postgres(_)));
        assert!(matches!(
            DbUrl::parse("postgresql://u@h/db").unwrap(),
            DbUrl::Postgres(_)
        ));
        assert!(DbUrl::parse("mysql://u@h/db").is_err());
        assert!(DbUrl::parse("").is_err());
        assert!(DbUrl::parse(":memory:").is_err());
    }

    #[test]
    fn redaction_hides_the_password() {
        let url = DbUrl::parse("postgres://zt:s3cret@db.example:5432/zt").unwrap();
        assert_eq!(url.redacted(), "postgres://zt:***@db.example:5432/zt");
    }

    #[test]
    fn sqlite_connections_hold_the_heap_limit_and_the_pragmas() {
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Limit {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            soft_heap_limit: i64,
        }
        #[derive(diesel::QueryableByName)]
        struct Keys {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            foreign_keys: i32,
        }
        let dir = tempfile::tempdir().unwrap();
        let DbConnection::Sqlite(mut conn) = establish(&DbUrl::Sqlite(dir.path().join("t.db"))).unwrap() else {
            panic!("an SQLite URL opens SQLite");
        };
        let limit: Limit = diesel::sql_query("PRAGMA soft_heap_limit")
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(limit.soft_heap_limit, SQLITE_SOFT_HEAP_LIMIT as i64);
        let keys: Keys = diesel::sql_query("PRAGMA foreign_keys").get_result(&mut conn).unwrap();
        assert_eq!(keys.foreign_keys, 1);
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern("50%_A"), "%50\\%\\_a%");
    }
}
