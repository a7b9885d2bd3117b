//! Aggregate SQL for the statistics. Statements are built as text with `$n` placeholders
//! numbered in the order they appear (SQLite numbers parameters by first appearance), and
//! every value is bound, except row ids taken from the database, which are written inline.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};

use crate::db::DbConnection;
use crate::error::AppResult;
use crate::ids::{DepartmentId, UserId};

/// Runs the statistics of one answer in one read-only snapshot, so its figures agree with each
/// other. PostgreSQL also gets room to sort the durations in memory for the percentiles.
pub fn in_snapshot<T>(conn: &mut DbConnection, f: impl FnOnce(&mut DbConnection) -> AppResult<T>) -> AppResult<T> {
    use diesel::connection::SimpleConnection;
    conn.transaction(|conn| {
        if matches!(conn, DbConnection::Postgres(_)) {
            conn.batch_execute(
                "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY; SET LOCAL work_mem = '64MB'",
            )?;
        }
        f(conn)
    })
}

/// A half-open UTC interval `[start, end)`.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
}

/// Request states that still wait for the officer or a department.
pub const OPEN_STATES: &str = "'SUBMITTED', 'ACCEPTED', 'DISPATCHED', 'IN_PROGRESS', 'REOPENED'";

/// Whole seconds from `from` to `to`, as SQL for the connection's backend.
fn seconds(conn: &DbConnection, to: &str, from: &str) -> String {
    match conn {
        DbConnection::Postgres(_) => format!("CAST(ROUND(EXTRACT(EPOCH FROM ({to} - {from}))) AS BIGINT)"),
        DbConnection::Sqlite(_) => {
            format!("CAST(ROUND((julianday({to}) - julianday({from})) * 86400.0) AS INTEGER)")
        }
    }
}

/// SQL text with `$n` placeholders for timestamps, numbered as they are written.
struct Sql {
    text: String,
    binds: Vec<NaiveDateTime>,
}

impl Sql {
    fn new() -> Sql {
        Sql {
            text: String::new(),
            binds: Vec::new(),
        }
    }

    fn push(&mut self, text: &str) -> &mut Sql {
        self.text.push_str(text);
        self
    }

    fn bind(&mut self, at: NaiveDateTime) -> &mut Sql {
        self.binds.push(at);
        let n = self.binds.len();
        self.text.push_str(&format!("${n}"));
        self
    }

    /// `column >= start AND column < end`
    fn within(&mut self, column: &str, window: Window) -> &mut Sql {
        self.push(column).push(" >= ").bind(window.start);
        self.push(" AND ").push(column).push(" < ").bind(window.end)
    }

    fn load<T: QueryableByName<crate::db::MultiBackend> + 'static>(
        &self,
        conn: &mut DbConnection,
    ) -> AppResult<Vec<T>> {
        let mut query = diesel::sql_query(self.text.clone()).into_boxed();
        for at in &self.binds {
            query = query.bind::<Timestamp, _>(*at);
        }
        Ok(query.load(conn)?)
    }
}

/// One cell of the received-requests cube.
#[derive(Debug, Clone, QueryableByName)]
pub struct CubeRow {
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = BigInt)]
    pub category_id: i64,
    #[diesel(sql_type = Text)]
    pub channel: String,
    #[diesel(sql_type = Text)]
    pub status: String,
    /// Index into the month boundaries.
    #[diesel(sql_type = BigInt)]
    pub month_index: i64,
    #[diesel(sql_type = BigInt)]
    pub received: i64,
    #[diesel(sql_type = BigInt)]
    pub resolved: i64,
    #[diesel(sql_type = BigInt)]
    pub overdue: i64,
}

/// Requests raised in `window`, counted per kind, category, channel, status and month in one
/// pass. `month_ends` are the UTC starts of the second and later months of the range.
pub fn received_cube(conn: &mut DbConnection, window: Window, month_ends: &[NaiveDateTime]) -> AppResult<Vec<CubeRow>> {
    let mut sql = Sql::new();
    sql.push("SELECT kind, category_id, channel, status, ");
    if month_ends.is_empty() {
        sql.push("CAST(0 AS BIGINT)");
    } else {
        sql.push("CAST(CASE");
        for (index, end) in month_ends.iter().enumerate() {
            sql.push(" WHEN created_at < ")
                .bind(*end)
                .push(&format!(" THEN {index}"));
        }
        sql.push(&format!(" ELSE {} END AS BIGINT)", month_ends.len()));
    }
    sql.push(
        " AS month_index, COUNT(*) AS received, \
         COALESCE(SUM(CASE WHEN resolved_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS resolved, \
         COALESCE(SUM(CASE WHEN overdue_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS overdue \
         FROM requests WHERE ",
    );
    sql.within("created_at", window);
    sql.push(" GROUP BY kind, category_id, channel, status, month_index");
    sql.load(conn)
}

#[derive(Debug, Clone, Default, QueryableByName)]
pub struct Outcomes {
    /// Resolved in the window (and not reopened since).
    #[diesel(sql_type = BigInt)]
    pub resolved: i64,
    /// Of those, never overdue.
    #[diesel(sql_type = BigInt)]
    pub on_time: i64,
}

/// Requests resolved in the window: how many, and how many never went overdue.
pub fn resolved_in(conn: &mut DbConnection, window: Window) -> AppResult<Outcomes> {
    let mut sql = Sql::new();
    sql.push(
        "SELECT COUNT(*) AS resolved, \
         COALESCE(SUM(CASE WHEN overdue_at IS NULL THEN 1 ELSE 0 END), 0) AS on_time \
         FROM requests WHERE ",
    );
    sql.within("resolved_at", window);
    Ok(sql.load(conn)?.pop().unwrap_or_default())
}

#[derive(Debug, Clone, Default, QueryableByName)]
pub struct Feedback {
    /// Confirmations with a satisfaction answer (automatic closes have none).
    #[diesel(sql_type = BigInt)]
    pub answered: i64,
    #[diesel(sql_type = BigInt)]
    pub satisfied: i64,
    /// Confirmations with a "solved" answer.
    #[diesel(sql_type = BigInt)]
    pub solved_answered: i64,
    #[diesel(sql_type = BigInt)]
    pub solved: i64,
}

/// Companies' confirmations given in the window.
pub fn feedback_in(conn: &mut DbConnection, window: Window) -> AppResult<Feedback> {
    let mut sql = Sql::new();
    sql.push(
        "SELECT COALESCE(SUM(CASE WHEN satisfied IS NOT NULL THEN 1 ELSE 0 END), 0) AS answered, \
         COALESCE(SUM(CASE WHEN satisfied = TRUE THEN 1 ELSE 0 END), 0) AS satisfied, \
         COALESCE(SUM(CASE WHEN solved IS NOT NULL THEN 1 ELSE 0 END), 0) AS solved_answered, \
         COALESCE(SUM(CASE WHEN solved = TRUE THEN 1 ELSE 0 END), 0) AS solved \
         FROM requests WHERE ",
    );
    sql.within("feedback_at", window);
    Ok(sql.load(conn)?.pop().unwrap_or_default())
}

#[derive(Debug, Clone, Default, QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Requests whose first limit passed unmet within the window.
pub fn overdue_in(conn: &mut DbConnection, window: Window) -> AppResult<i64> {
    let mut sql = Sql::new();
    sql.push("SELECT COUNT(*) AS n FROM requests WHERE ");
    sql.within("overdue_at", window);
    Ok(sql.load::<Count>(conn)?.pop().unwrap_or_default().n)
}

/// A distribution of durations in seconds: how many, the median and the 90th percentile
/// (nearest rank: the smallest value with at least that share of values at or below it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Durations {
    pub count: i64,
    pub median: Option<i64>,
    pub p90: Option<i64>,
}

/// Which duration to measure.
#[derive(Debug, Clone, Copy)]
pub enum Measure {
    /// From raising to the first reply, for requests raised in the window.
    FirstReply,
    /// From raising to resolution, for requests resolved in the window.
    Resolution,
}

#[derive(Debug, QueryableByName)]
struct Percentiles {
    #[diesel(sql_type = BigInt)]
    n: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    p50: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    p90: Option<i64>,
}

#[derive(Debug, QueryableByName)]
struct Value {
    #[diesel(sql_type = BigInt)]
    d: i64,
}

pub fn durations(conn: &mut DbConnection, measure: Measure, window: Window) -> AppResult<Durations> {
    let (end_column, window_column) = match measure {
        Measure::FirstReply => ("first_replied_at", "created_at"),
        Measure::Resolution => ("resolved_at", "resolved_at"),
    };
    let secs = seconds(conn, end_column, "created_at");
    let mut source = Sql::new();
    source.push(&format!(
        "SELECT {secs} AS d FROM requests WHERE {end_column} IS NOT NULL AND "
    ));
    source.within(window_column, window);
    if matches!(conn, DbConnection::Postgres(_)) {
        let mut sql = Sql::new();
        sql.push(
            "SELECT COUNT(*) AS n, \
             percentile_disc(0.5) WITHIN GROUP (ORDER BY d) AS p50, \
             percentile_disc(0.9) WITHIN GROUP (ORDER BY d) AS p90 FROM (",
        );
        sql.push(&source.text).push(") durations");
        sql.binds = source.binds.clone();
        let row = sql.load::<Percentiles>(conn)?.pop();
        return Ok(row
            .map(|r| Durations {
                count: r.n,
                median: r.p50,
                p90: r.p90,
            })
            .unwrap_or_default());
    }
    let mut count = Sql::new();
    count
        .push("SELECT COUNT(*) AS n FROM (")
        .push(&source.text)
        .push(") durations");
    count.binds = source.binds.clone();
    let n = count.load::<Count>(conn)?.pop().unwrap_or_default().n;
    let mut rank = |share: f64| -> AppResult<Option<i64>> {
        if n == 0 {
            return Ok(None);
        }
        let offset = ((share * n as f64).ceil() as i64 - 1).clamp(0, n - 1);
        let mut sql = Sql::new();
        sql.push(&source.text)
            .push(&format!(" ORDER BY d LIMIT 1 OFFSET {offset}"));
        sql.binds = source.binds.clone();
        Ok(sql.load::<Value>(conn)?.pop().map(|v| v.d))
    };
    Ok(Durations {
        count: n,
        median: rank(0.5)?,
        p90: rank(0.9)?,
    })
}

#[derive(Debug, Clone, Default, QueryableByName)]
pub struct Coverage {
    /// Active companies.
    #[diesel(sql_type = BigInt)]
    pub companies: i64,
    /// Active companies with an active officer.
    #[diesel(sql_type = BigInt)]
    pub covered: i64,
}

pub fn coverage(conn: &mut DbConnection) -> AppResult<Coverage> {
    let sql = "SELECT COUNT(*) AS companies, \
               COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM officer_assignments a \
                   WHERE a.company_id = c.id AND a.ended_at IS NULL) THEN 1 ELSE 0 END), 0) AS covered \
               FROM companies c WHERE c.disabled_at IS NULL";
    Ok(diesel::sql_query(sql).load::<Coverage>(conn)?.pop().unwrap_or_default())
}

fn id_list<T: Copy + Into<i64>>(ids: &[T]) -> String {
    if ids.is_empty() {
        return "NULL".into();
    }
    ids.iter()
        .map(|id| (*id).into().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// One officer's figures.
#[derive(Debug, Clone, QueryableByName)]
pub struct OfficerFigures {
    #[diesel(sql_type = BigInt)]
    pub officer_id: UserId,
    #[diesel(sql_type = BigInt)]
    pub received: i64,
    #[diesel(sql_type = BigInt)]
    pub resolved: i64,
    #[diesel(sql_type = BigInt)]
    pub overdue: i64,
    #[diesel(sql_type = BigInt)]
    pub answered: i64,
    #[diesel(sql_type = BigInt)]
    pub satisfied: i64,
}

impl OfficerFigures {
    /// The figures of an officer with no request in the window.
    pub fn none(officer_id: UserId) -> OfficerFigures {
        OfficerFigures {
            officer_id,
            received: 0,
            resolved: 0,
            overdue: 0,
            answered: 0,
            satisfied: 0,
        }
    }
}

/// Per officer of `officer_ids`: requests received, resolved, gone overdue and confirmed
/// (with satisfaction) in the window.
pub fn officer_figures(
    conn: &mut DbConnection,
    officer_ids: &[UserId],
    window: Window,
) -> AppResult<Vec<OfficerFigures>> {
    let mut sql = Sql::new();
    sql.push("SELECT officer_id, COALESCE(SUM(CASE WHEN ");
    sql.within("created_at", window);
    sql.push(" THEN 1 ELSE 0 END), 0) AS received, COALESCE(SUM(CASE WHEN ");
    sql.within("resolved_at", window);
    sql.push(" THEN 1 ELSE 0 END), 0) AS resolved, COALESCE(SUM(CASE WHEN ");
    sql.within("overdue_at", window);
    sql.push(" THEN 1 ELSE 0 END), 0) AS overdue, COALESCE(SUM(CASE WHEN satisfied IS NOT NULL AND ");
    sql.within("feedback_at", window);
    sql.push(" THEN 1 ELSE 0 END), 0) AS answered, COALESCE(SUM(CASE WHEN satisfied = TRUE AND ");
    sql.within("feedback_at", window);
    sql.push(" THEN 1 ELSE 0 END), 0) AS satisfied FROM requests WHERE officer_id IN (");
    sql.push(&id_list(officer_ids)).push(") AND (");
    for (index, column) in ["created_at", "resolved_at", "overdue_at", "feedback_at"]
        .iter()
        .enumerate()
    {
        if index > 0 {
            sql.push(" OR ");
        }
        sql.push("(");
        sql.within(column, window);
        sql.push(")");
    }
    sql.push(") GROUP BY officer_id");
    sql.load(conn)
}

#[derive(Debug, Clone, QueryableByName)]
pub struct PerId {
    #[diesel(sql_type = BigInt)]
    pub id: UserId,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

/// Open requests (waiting for the officer or a department) per officer, whenever raised.
pub fn open_load(conn: &mut DbConnection, officer_ids: &[UserId]) -> AppResult<Vec<PerId>> {
    let sql = format!(
        "SELECT officer_id AS id, COUNT(*) AS n FROM requests \
         WHERE status IN ({OPEN_STATES}) AND officer_id IN ({}) GROUP BY officer_id",
        id_list(officer_ids)
    );
    Ok(diesel::sql_query(sql).load(conn)?)
}

/// Companies each officer serves now.
pub fn companies_served(conn: &mut DbConnection, officer_ids: &[UserId]) -> AppResult<Vec<PerId>> {
    let sql = format!(
        "SELECT officer_id AS id, COUNT(*) AS n FROM officer_assignments \
         WHERE ended_at IS NULL AND officer_id IN ({}) GROUP BY officer_id",
        id_list(officer_ids)
    );
    Ok(diesel::sql_query(sql).load(conn)?)
}

/// The latest closed evaluation period's verdicts per officer.
#[derive(Debug, Clone, QueryableByName)]
pub struct LastEvaluation {
    #[diesel(sql_type = BigInt)]
    pub officer_id: UserId,
    #[diesel(sql_type = BigInt)]
    pub period_id: i64,
    #[diesel(sql_type = BigInt)]
    pub satisfied: i64,
    #[diesel(sql_type = BigInt)]
    pub unsatisfied: i64,
    #[diesel(sql_type = BigInt)]
    pub not_voted: i64,
}

pub fn last_evaluation(conn: &mut DbConnection, officer_ids: &[UserId]) -> AppResult<Vec<LastEvaluation>> {
    let sql = format!(
        "SELECT r.officer_id AS officer_id, r.period_id AS period_id, \
         COALESCE(SUM(CASE WHEN r.verdict = 'SATISFIED' THEN 1 ELSE 0 END), 0) AS satisfied, \
         COALESCE(SUM(CASE WHEN r.verdict = 'UNSATISFIED' THEN 1 ELSE 0 END), 0) AS unsatisfied, \
         COALESCE(SUM(CASE WHEN r.verdict IS NULL THEN 1 ELSE 0 END), 0) AS not_voted \
         FROM evaluation_roll r WHERE r.officer_id IN ({}) AND r.period_id = \
         (SELECT p.id FROM evaluation_periods p WHERE p.closed_at IS NOT NULL \
          ORDER BY p.closes_at DESC, p.id DESC LIMIT 1) \
         GROUP BY r.officer_id, r.period_id",
        id_list(officer_ids)
    );
    Ok(diesel::sql_query(sql).load(conn)?)
}

/// One department's figures over tasks dispatched to it in the window.
#[derive(Debug, Clone, QueryableByName)]
pub struct DepartmentFigures {
    #[diesel(sql_type = BigInt)]
    pub department_id: DepartmentId,
    #[diesel(sql_type = BigInt)]
    pub tasks: i64,
    #[diesel(sql_type = BigInt)]
    pub replied: i64,
    #[diesel(sql_type = BigInt)]
    pub replied_on_time: i64,
    /// Tasks with a reply or gone overdue: the on-time rate's denominator.
    #[diesel(sql_type = BigInt)]
    pub judged: i64,
    #[diesel(sql_type = BigInt)]
    pub done: i64,
    #[diesel(sql_type = BigInt)]
    pub transferred_out: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub reply_seconds_total: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub done_seconds_total: Option<i64>,
}

impl DepartmentFigures {
    /// The figures of a department with no task in the window.
    pub fn none(department_id: DepartmentId) -> DepartmentFigures {
        DepartmentFigures {
            department_id,
            tasks: 0,
            replied: 0,
            replied_on_time: 0,
            judged: 0,
            done: 0,
            transferred_out: 0,
            reply_seconds_total: None,
            done_seconds_total: None,
        }
    }
}

pub fn department_figures(
    conn: &mut DbConnection,
    department_ids: &[DepartmentId],
    window: Window,
) -> AppResult<Vec<DepartmentFigures>> {
    let reply = seconds(conn, "replied_at", "created_at");
    let done = seconds(conn, "updated_at", "created_at");
    let mut sql = Sql::new();
    sql.push(&format!(
        "SELECT department_id, COUNT(*) AS tasks, \
         COALESCE(SUM(CASE WHEN replied_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS replied, \
         COALESCE(SUM(CASE WHEN replied_at IS NOT NULL AND overdue_at IS NULL THEN 1 ELSE 0 END), 0) AS replied_on_time, \
         COALESCE(SUM(CASE WHEN replied_at IS NOT NULL OR overdue_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS judged, \
         COALESCE(SUM(CASE WHEN status = 'DONE' THEN 1 ELSE 0 END), 0) AS done, \
         COALESCE(SUM(CASE WHEN status = 'TRANSFERRED' THEN 1 ELSE 0 END), 0) AS transferred_out, \
         CAST(SUM(CASE WHEN replied_at IS NOT NULL THEN {reply} END) AS BIGINT) AS reply_seconds_total, \
         CAST(SUM(CASE WHEN status = 'DONE' THEN {done} END) AS BIGINT) AS done_seconds_total \
         FROM request_tasks WHERE department_id IN ({}) AND ",
        id_list(department_ids)
    ));
    sql.within("created_at", window);
    sql.push(" GROUP BY department_id");
    sql.load(conn)
}

/// Zone issues (一事多企) beside the requests as received.
#[derive(Debug, Clone, Default, QueryableByName)]
pub struct Sharing {
    /// Zone issues created in the window.
    #[diesel(sql_type = BigInt)]
    pub zone_issues: i64,
    /// Requests raised in the window that are handled in a zone issue now.
    #[diesel(sql_type = BigInt)]
    pub shared_requests: i64,
    /// The distinct zone issues those requests became.
    #[diesel(sql_type = BigInt)]
    pub shared_issues: i64,
}

/// Zone issues created in the window, and what the requests raised in it became.
pub fn sharing_in(conn: &mut DbConnection, window: Window) -> AppResult<Sharing> {
    let mut sql = Sql::new();
    sql.push("SELECT (SELECT COUNT(*) FROM zone_issues WHERE ");
    sql.within("created_at", window);
    sql.push(
        ") AS zone_issues, COUNT(DISTINCT r.id) AS shared_requests, \
         COUNT(DISTINCT m.zone_issue_id) AS shared_issues \
         FROM requests r JOIN zone_issue_members m ON m.request_id = r.id AND m.left_at IS NULL WHERE ",
    );
    sql.within("r.created_at", window);
    Ok(sql.load(conn)?.pop().unwrap_or_default())
}

/// The companies' answers by how they were given: in the app, or by phone (回访).
#[derive(Debug, Clone, Default, QueryableByName)]
pub struct FeedbackChannels {
    /// Answers given in the window and recorded from a callback.
    #[diesel(sql_type = BigInt)]
    pub callback_answers: i64,
    /// Of those, "satisfied".
    #[diesel(sql_type = BigInt)]
    pub callback_satisfied: i64,
    /// Of those, "solved".
    #[diesel(sql_type = BigInt)]
    pub callback_solved: i64,
    /// Requests flagged for a callback and not called yet (now, whatever the window).
    #[diesel(sql_type = BigInt)]
    pub callbacks_pending: i64,
}

/// The answers given in the window that came from callbacks; the rest came from the app. Read
/// from the requests called back (few) rather than from every answer in the window (many).
pub fn feedback_channels_in(conn: &mut DbConnection, window: Window) -> AppResult<FeedbackChannels> {
    let mut sql = Sql::new();
    sql.push(
        "SELECT COUNT(*) AS callback_answers, \
         COALESCE(SUM(CASE WHEN r.satisfied = TRUE THEN 1 ELSE 0 END), 0) AS callback_satisfied, \
         COALESCE(SUM(CASE WHEN r.solved = TRUE THEN 1 ELSE 0 END), 0) AS callback_solved, \
         (SELECT COUNT(*) FROM request_callbacks p WHERE p.flagged_at IS NOT NULL AND p.recorded_at IS NULL) \
         AS callbacks_pending \
         FROM (SELECT DISTINCT request_id FROM request_callbacks WHERE recorded_at IS NOT NULL) called \
         JOIN requests r ON r.id = called.request_id \
         WHERE r.satisfied IS NOT NULL AND EXISTS (SELECT 1 FROM request_callbacks c \
         WHERE c.request_id = r.id AND c.recorded_at IS NOT NULL AND c.recorded_at >= r.feedback_at) AND ",
    );
    sql.within("r.feedback_at", window);
    Ok(sql.load(conn)?.pop().unwrap_or_default())
}
