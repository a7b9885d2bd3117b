//! Every query of the similar-request index and of the callers.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::dsl::{count_star, sum};
use diesel::prelude::*;

use super::model::{Caller, NewCaller, NewSearchDoc, NewSearchTerm, Posting};
use crate::db::schema::{
    request_callers, request_search_docs, request_search_term_changes, request_search_term_counts,
    request_search_terms, requests,
};
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::ids::RequestId;
use crate::requests::model::{Request, RequestStatus};
use crate::search::Corpus;

/// Rows per multi-row INSERT (three parameters each, far below either backend's limit).
const TERMS_PER_INSERT: usize = 500;

/// Writes one request's index rows (the document, then its terms).
pub fn insert_index(conn: &mut DbConnection, doc: &NewSearchDoc, terms: &[NewSearchTerm]) -> AppResult<()> {
    diesel::insert_into(request_search_docs::table)
        .values(doc)
        .execute(conn)?;
    for chunk in terms.chunks(TERMS_PER_INSERT) {
        // A multi-row INSERT does not compile through the multi backend: run it on the inner
        // connection.
        let insert = diesel::insert_into(request_search_terms::table).values(chunk);
        match conn {
            DbConnection::Postgres(pg) => insert.execute(pg)?,
            DbConnection::Sqlite(lite) => insert.execute(lite)?,
        };
    }
    let added: Vec<&str> = terms.iter().map(|t| t.term.as_str()).collect();
    record_changes(conn, &added, 1)
}

/// Appends one change of `delta` documents for each of `terms` (see the migration
/// 2026-12-07-000026_search_term_counts: appending, no two raises wait on a shared row).
fn record_changes(conn: &mut DbConnection, terms: &[&str], delta: i64) -> AppResult<()> {
    for chunk in terms.chunks(TERMS_PER_INSERT) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|term| {
                (
                    request_search_term_changes::term.eq(*term),
                    request_search_term_changes::delta.eq(delta),
                )
            })
            .collect();
        let insert = diesel::insert_into(request_search_term_changes::table).values(rows);
        match conn {
            DbConnection::Postgres(pg) => insert.execute(pg)?,
            DbConnection::Sqlite(lite) => insert.execute(lite)?,
        };
    }
    Ok(())
}

/// Drops one request's index rows (before it is indexed again).
pub fn delete_index(conn: &mut DbConnection, id: RequestId) -> AppResult<()> {
    let removed: Vec<String> =
        diesel::delete(request_search_terms::table.filter(request_search_terms::request_id.eq(id)))
            .returning(request_search_terms::term)
            .get_results(conn)?;
    diesel::delete(request_search_docs::table.filter(request_search_docs::request_id.eq(id))).execute(conn)?;
    let removed: Vec<&str> = removed.iter().map(String::as_str).collect();
    record_changes(conn, &removed, -1)
}

/// Requests not indexed yet (raised before the index existed), oldest first.
pub fn unindexed(conn: &mut DbConnection, limit: i64) -> AppResult<Vec<Request>> {
    Ok(requests::table
        .left_join(request_search_docs::table)
        .filter(request_search_docs::request_id.is_null())
        .order(requests::id.asc())
        .limit(limit)
        .select(Request::as_select())
        .load(conn)?)
}

/// How many requests are indexed, and their average length in terms.
pub fn corpus(conn: &mut DbConnection) -> AppResult<Corpus> {
    let (documents, total): (i64, Option<i64>) = request_search_docs::table
        .select((count_star(), sum(request_search_docs::length)))
        .first(conn)?;
    Ok(Corpus::from_totals(documents, total))
}

/// In how many indexed requests each of `terms` occurs (absent: none): the folded counts plus
/// the changes not folded yet, read in one statement so that a fold running meanwhile is seen
/// whole or not at all.
pub fn document_frequencies(conn: &mut DbConnection, terms: &[String]) -> AppResult<HashMap<String, u64>> {
    let query = request_search_term_counts::table
        .filter(request_search_term_counts::term.eq_any(terms))
        .select((request_search_term_counts::term, request_search_term_counts::documents))
        .union_all(
            request_search_term_changes::table
                .filter(request_search_term_changes::term.eq_any(terms))
                .select((request_search_term_changes::term, request_search_term_changes::delta)),
        );
    // UNION does not compile through the multi backend: run it on the inner connection.
    let rows: Vec<(String, i64)> = match conn {
        DbConnection::Postgres(pg) => query.load(pg)?,
        DbConnection::Sqlite(lite) => query.load(lite)?,
    };
    let mut df: HashMap<String, i64> = HashMap::new();
    for (term, n) in rows {
        *df.entry(term).or_default() += n;
    }
    Ok(df
        .into_iter()
        .filter_map(|(term, n)| u64::try_from(n).ok().filter(|n| *n > 0).map(|n| (term, n)))
        .collect())
}

/// Folds the changes appended since the last fold into the counts, in the caller's
/// transaction; returns how many changes it folded. On PostgreSQL the changes are taken by one
/// `DELETE ... RETURNING`, so a raise committing meanwhile is folded now or next time, never
/// twice or lost; SQLite has one writer at a time.
pub fn fold_term_changes(conn: &mut DbConnection) -> AppResult<usize> {
    let folded = match conn {
        DbConnection::Postgres(pg) => {
            diesel::sql_query(
                "WITH taken AS (DELETE FROM request_search_term_changes RETURNING term, delta), \
                  summed AS (SELECT term, SUM(delta) AS documents, COUNT(*) AS changes FROM taken GROUP BY term), \
                  applied AS (INSERT INTO request_search_term_counts (term, documents) \
                      SELECT term, documents FROM summed \
                      ON CONFLICT (term) DO UPDATE \
                      SET documents = request_search_term_counts.documents + excluded.documents) \
             SELECT COALESCE(SUM(changes), 0)::BIGINT AS n FROM summed",
            )
            .get_result::<Folded>(pg)?
            .n
        }
        DbConnection::Sqlite(lite) => {
            // `WHERE true` tells SQLite's parser the ON CONFLICT is the upsert's, not a join's.
            diesel::sql_query(
                "INSERT INTO request_search_term_counts (term, documents) \
                 SELECT term, SUM(delta) FROM request_search_term_changes WHERE true GROUP BY term \
                 ON CONFLICT (term) DO UPDATE SET documents = documents + excluded.documents",
            )
            .execute(lite)?;
            let changes = diesel::sql_query("DELETE FROM request_search_term_changes").execute(lite)?;
            i64::try_from(changes).unwrap_or(i64::MAX)
        }
    };
    Ok(usize::try_from(folded).unwrap_or(0))
}

#[derive(QueryableByName)]
struct Folded {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// The open requests raised between `from` and `to` (but `exclude`) that hold most of `terms`,
/// at most `limit`, those holding more first: the candidates a search scores.
pub fn open_candidates(
    conn: &mut DbConnection,
    terms: &[String],
    from: NaiveDateTime,
    to: NaiveDateTime,
    exclude: Option<RequestId>,
    limit: i64,
) -> AppResult<Vec<RequestId>> {
    let mut query = request_search_terms::table
        .inner_join(request_search_docs::table)
        .inner_join(requests::table.on(requests::id.eq(request_search_terms::request_id)))
        .filter(request_search_terms::term.eq_any(terms))
        .filter(request_search_docs::raised_at.ge(from))
        .filter(request_search_docs::raised_at.le(to))
        .filter(requests::status.eq_any(RequestStatus::OPEN))
        .group_by(request_search_terms::request_id)
        .select(request_search_terms::request_id)
        .order((count_star().desc(), request_search_terms::request_id.desc()))
        .limit(limit)
        .into_boxed();
    if let Some(id) = exclude {
        query = query.filter(request_search_terms::request_id.ne(id));
    }
    Ok(query.load(conn)?)
}

/// The occurrences of `terms` in the requests `ids`.
pub fn postings_of(conn: &mut DbConnection, terms: &[String], ids: &[RequestId]) -> AppResult<Vec<Posting>> {
    Ok(request_search_terms::table
        .inner_join(request_search_docs::table)
        .filter(request_search_terms::term.eq_any(terms))
        .filter(request_search_terms::request_id.eq_any(ids))
        .select((
            request_search_terms::request_id,
            request_search_terms::term,
            request_search_terms::tf,
            request_search_docs::length,
            request_search_docs::category_id,
            request_search_docs::raised_at,
        ))
        .load(conn)?)
}

/// The requests with these ids (any order).
pub fn requests_by_ids(conn: &mut DbConnection, ids: &[RequestId]) -> AppResult<Vec<Request>> {
    Ok(requests::table
        .filter(requests::id.eq_any(ids))
        .select(Request::as_select())
        .load(conn)?)
}

pub fn insert_caller(conn: &mut DbConnection, new: &NewCaller) -> AppResult<()> {
    diesel::insert_into(request_callers::table).values(new).execute(conn)?;
    Ok(())
}

pub fn caller_of(conn: &mut DbConnection, id: RequestId) -> AppResult<Option<Caller>> {
    Ok(request_callers::table
        .filter(request_callers::request_id.eq(id))
        .select(Caller::as_select())
        .first(conn)
        .optional()?)
}
