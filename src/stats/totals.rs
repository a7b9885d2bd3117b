//! The statistics' daily totals on PostgreSQL (migration `stats_daily_totals`): per day of the
//! zone, the requests raised by kind, category, channel and status, the resolutions, answers
//! and first overdues, and the durations by bucket. Triggers keep them in the transaction of
//! every change to a request; this module sets the zone they count days in (rebuilding them
//! when it changes), folds the rows the triggers append, and answers the statistics from them.
//!
//! A percentile is exact: the totals say which bucket (seconds cut to two significant digits)
//! holds the wanted rank and how many values lie below it, and the value itself is read among
//! that bucket's requests through an index on the duration. SQLite keeps no totals; there the
//! statistics read the requests directly (`repo`), as they do on PostgreSQL while the totals
//! count days in another zone than the server's.

use chrono::NaiveDate;
use chrono_tz::Tz;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Nullable, Text, Timestamp};

use super::repo::{CubeRow, Durations, Feedback, Measure, Outcomes, Window};
use crate::db::DbConnection;
use crate::error::AppResult;

/// Requests read per statement when the totals are rebuilt.
const REBUILD_CHUNK: i64 = 100_000;

#[derive(QueryableByName)]
struct Zone {
    #[diesel(sql_type = Nullable<Text>)]
    time_zone: Option<String>,
}

fn counted_zone(conn: &mut DbConnection) -> AppResult<Option<String>> {
    Ok(diesel::sql_query("SELECT time_zone FROM stats_zone")
        .load::<Zone>(conn)?
        .pop()
        .and_then(|z| z.time_zone))
}

/// Whether the totals count the days of `zone` (PostgreSQL only), so the statistics of that
/// zone may be read from them.
pub fn usable(conn: &mut DbConnection, zone: Tz) -> AppResult<bool> {
    if !matches!(conn, DbConnection::Postgres(_)) {
        return Ok(false);
    }
    Ok(counted_zone(conn)?.as_deref() == Some(zone.name()))
}

#[derive(QueryableByName)]
struct MaxId {
    #[diesel(sql_type = Nullable<BigInt>)]
    id: Option<i64>,
}

/// Makes the totals count the days of `zone`: nothing to do when they already do; otherwise
/// (a new database, or the zone changed in the configuration) they are rebuilt from the
/// requests in one transaction that holds writes to requests back meanwhile. Returns whether
/// it rebuilt them. Does nothing on SQLite.
pub fn count_days_of(conn: &mut DbConnection, zone: Tz) -> AppResult<bool> {
    use diesel::connection::SimpleConnection;
    if !matches!(conn, DbConnection::Postgres(_)) || counted_zone(conn)?.as_deref() == Some(zone.name()) {
        return Ok(false);
    }
    let rebuilt = conn.transaction(|conn| -> AppResult<bool> {
        // Writers wait (SHARE conflicts with their ROW EXCLUSIVE), and those under way finish
        // first: no change is counted twice or missed. Another instance may have done it.
        conn.batch_execute("LOCK TABLE requests IN SHARE MODE; SELECT 1 FROM stats_zone FOR UPDATE")?;
        if counted_zone(conn)?.as_deref() == Some(zone.name()) {
            return Ok(false);
        }
        conn.batch_execute("DELETE FROM stats_received; DELETE FROM stats_outcomes; DELETE FROM stats_durations")?;
        diesel::sql_query("UPDATE stats_zone SET time_zone = $1")
            .bind::<Text, _>(zone.name())
            .execute(conn)?;
        let last = diesel::sql_query("SELECT MAX(id) AS id FROM requests")
            .load::<MaxId>(conn)?
            .pop()
            .and_then(|m| m.id)
            .unwrap_or(0);
        let mut from = 0;
        while from < last {
            diesel::sql_query(
                "SELECT stats_apply($1, ARRAY(SELECT ROW(1, created_at, kind, category_id, channel, status, \
                 resolved_at, overdue_at, feedback_at, satisfied, solved, first_replied_at)::stats_row \
                 FROM requests WHERE id > $2 AND id <= $3))",
            )
            .bind::<Text, _>(zone.name())
            .bind::<BigInt, _>(from)
            .bind::<BigInt, _>(from + REBUILD_CHUNK)
            .execute(conn)?;
            from += REBUILD_CHUNK;
        }
        fold(conn)?;
        Ok(true)
    })?;
    if rebuilt {
        // The fold rewrote every row: clear the dead ones and give the planner figures now
        // rather than at autovacuum's next pass (outside a transaction, as VACUUM must be).
        conn.batch_execute("VACUUM ANALYZE stats_received, stats_outcomes, stats_durations")?;
    }
    Ok(rebuilt)
}

/// The three tables of totals and their keys.
const TABLES: [(&str, &str); 3] = [
    (
        "stats_received",
        "day, kind, category_id, channel, status, resolved, overdue",
    ),
    ("stats_outcomes", "fact, day, a, b"),
    ("stats_durations", "measure, day, bucket"),
];

/// Sums the rows the triggers appended into one row per key, for each day that has new rows.
/// Each table is folded in one statement, so a reader sees it before or after, never between;
/// rows appended meanwhile are left for the next fold. Returns the days folded.
pub fn fold(conn: &mut DbConnection) -> AppResult<usize> {
    if !matches!(conn, DbConnection::Postgres(_)) {
        return Ok(0);
    }
    let mut days = 0;
    for (table, keys) in TABLES {
        days += diesel::sql_query(format!(
            "WITH days AS (SELECT DISTINCT day FROM {table} WHERE NOT folded), \
             gone AS (DELETE FROM {table} t USING days WHERE t.day = days.day RETURNING t.*), \
             kept AS (INSERT INTO {table} ({keys}, n, folded) \
                 SELECT {keys}, SUM(n), TRUE FROM gone GROUP BY {keys} HAVING SUM(n) <> 0) \
             SELECT 1 FROM days"
        ))
        .execute(conn)?;
    }
    Ok(days)
}

/// The window's days in the zone, `from` and `to` included.
#[derive(Debug, Clone, Copy)]
pub struct Days {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// The received cube from the totals: as `repo::received_cube`, the month of a day found
/// among `month_starts` (the first days of the second and later months of the range).
pub fn received_cube(conn: &mut DbConnection, days: Days, month_starts: &[NaiveDate]) -> AppResult<Vec<CubeRow>> {
    let mut month = String::from("CAST(0 AS BIGINT)");
    if !month_starts.is_empty() {
        month = String::from("CAST(CASE");
        for (index, _) in month_starts.iter().enumerate() {
            month.push_str(&format!(" WHEN day < ${} THEN {index}", index + 3));
        }
        month.push_str(&format!(" ELSE {} END AS BIGINT)", month_starts.len()));
    }
    let mut query = diesel::sql_query(format!(
        "SELECT kind, category_id, channel, status, {month} AS month_index, \
         CAST(SUM(n) AS BIGINT) AS received, \
         CAST(SUM(CASE WHEN resolved THEN n ELSE 0 END) AS BIGINT) AS resolved, \
         CAST(SUM(CASE WHEN overdue THEN n ELSE 0 END) AS BIGINT) AS overdue \
         FROM stats_received WHERE day >= $1 AND day <= $2 \
         GROUP BY kind, category_id, channel, status, month_index HAVING SUM(n) <> 0"
    ))
    .into_boxed()
    .bind::<Date, _>(days.from)
    .bind::<Date, _>(days.to);
    for start in month_starts {
        query = query.bind::<Date, _>(*start);
    }
    Ok(query.load(conn)?)
}

#[derive(QueryableByName)]
struct FactSums {
    #[diesel(sql_type = BigInt)]
    n: i64,
    #[diesel(sql_type = BigInt)]
    a_true: i64,
    #[diesel(sql_type = BigInt)]
    a_known: i64,
    #[diesel(sql_type = BigInt)]
    b_true: i64,
    #[diesel(sql_type = BigInt)]
    b_known: i64,
}

fn fact_sums(conn: &mut DbConnection, fact: &str, days: Days) -> AppResult<FactSums> {
    Ok(diesel::sql_query(
        "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) AS n, \
         CAST(COALESCE(SUM(CASE WHEN a THEN n ELSE 0 END), 0) AS BIGINT) AS a_true, \
         CAST(COALESCE(SUM(CASE WHEN a IS NOT NULL THEN n ELSE 0 END), 0) AS BIGINT) AS a_known, \
         CAST(COALESCE(SUM(CASE WHEN b THEN n ELSE 0 END), 0) AS BIGINT) AS b_true, \
         CAST(COALESCE(SUM(CASE WHEN b IS NOT NULL THEN n ELSE 0 END), 0) AS BIGINT) AS b_known \
         FROM stats_outcomes WHERE fact = $1 AND day >= $2 AND day <= $3",
    )
    .bind::<Text, _>(fact)
    .bind::<Date, _>(days.from)
    .bind::<Date, _>(days.to)
    .load::<FactSums>(conn)?
    .pop()
    .expect("an aggregate returns one row"))
}

/// As `repo::resolved_in`.
pub fn resolved_in(conn: &mut DbConnection, days: Days) -> AppResult<Outcomes> {
    let sums = fact_sums(conn, "RESOLVED", days)?;
    Ok(Outcomes {
        resolved: sums.n,
        on_time: sums.a_true,
    })
}

/// As `repo::feedback_in`.
pub fn feedback_in(conn: &mut DbConnection, days: Days) -> AppResult<Feedback> {
    let sums = fact_sums(conn, "FEEDBACK", days)?;
    Ok(Feedback {
        answered: sums.a_known,
        satisfied: sums.a_true,
        solved_answered: sums.b_known,
        solved: sums.b_true,
    })
}

/// As `repo::overdue_in`.
pub fn overdue_in(conn: &mut DbConnection, days: Days) -> AppResult<i64> {
    Ok(fact_sums(conn, "OVERDUE", days)?.n)
}

#[derive(QueryableByName)]
struct Bucket {
    #[diesel(sql_type = BigInt)]
    bucket: i64,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Value {
    #[diesel(sql_type = BigInt)]
    d: i64,
}

/// The first value after a bucket's start `lo` that lies in the next bucket (`stats_bucket`
/// in the migration cuts seconds to two significant digits; below 100 each second is one).
pub fn bucket_end(lo: i64) -> i64 {
    if lo < 100 {
        return lo + 1;
    }
    let digits = lo.to_string().len() as u32;
    lo + 10_i64.pow(digits - 2)
}

/// As `repo::durations`: how many, and the median and 90th percentile by nearest rank.
pub fn durations(conn: &mut DbConnection, measure: Measure, days: Days, window: Window) -> AppResult<Durations> {
    let (name, end_column, window_column) = match measure {
        Measure::FirstReply => ("FIRST_REPLY", "first_replied_at", "created_at"),
        Measure::Resolution => ("RESOLUTION", "resolved_at", "resolved_at"),
    };
    let buckets: Vec<Bucket> = diesel::sql_query(
        "SELECT bucket, CAST(SUM(n) AS BIGINT) AS n FROM stats_durations \
         WHERE measure = $1 AND day >= $2 AND day <= $3 GROUP BY bucket HAVING SUM(n) <> 0 ORDER BY bucket",
    )
    .bind::<Text, _>(name)
    .bind::<Date, _>(days.from)
    .bind::<Date, _>(days.to)
    .load(conn)?;
    let count: i64 = buckets.iter().map(|b| b.n).sum();
    // The seconds exactly as the index on them (migration) and `repo::durations` write them.
    let seconds = format!("CAST(ROUND(EXTRACT(EPOCH FROM ({end_column} - created_at))) AS BIGINT)");
    let mut rank = |share: f64| -> AppResult<Option<i64>> {
        if count == 0 {
            return Ok(None);
        }
        // 0-based, as repo::durations' OFFSET.
        let wanted = ((share * count as f64).ceil() as i64 - 1).clamp(0, count - 1);
        let mut below = 0;
        for bucket in &buckets {
            if wanted < below + bucket.n {
                let value = diesel::sql_query(format!(
                    "SELECT {seconds} AS d FROM requests WHERE {end_column} IS NOT NULL \
                     AND {seconds} >= $1 AND {seconds} < $2 \
                     AND {window_column} >= $3 AND {window_column} < $4 \
                     ORDER BY 1 LIMIT 1 OFFSET $5"
                ))
                .bind::<BigInt, _>(bucket.bucket)
                .bind::<BigInt, _>(bucket_end(bucket.bucket))
                .bind::<Timestamp, _>(window.start)
                .bind::<Timestamp, _>(window.end)
                .bind::<BigInt, _>(wanted - below)
                .load::<Value>(conn)?
                .pop();
                return Ok(value.map(|v| v.d));
            }
            below += bucket.n;
        }
        Ok(None)
    };
    Ok(Durations {
        count,
        median: rank(0.5)?,
        p90: rank(0.9)?,
    })
}
