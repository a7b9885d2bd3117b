//! Every query of the similar-request index and of the callers.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::dsl::{count_star, sum};
use diesel::prelude::*;

use super::model::{Caller, NewCaller, NewSearchDoc, NewSearchTerm, Posting};
use crate::db::schema::{request_callers, request_search_docs, request_search_terms, requests};
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
    Ok(())
}

/// Drops one request's index rows (before it is indexed again).
pub fn delete_index(conn: &mut DbConnection, id: RequestId) -> AppResult<()> {
    diesel::delete(request_search_terms::table.filter(request_search_terms::request_id.eq(id))).execute(conn)?;
    diesel::delete(request_search_docs::table.filter(request_search_docs::request_id.eq(id))).execute(conn)?;
    Ok(())
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

/// In how many indexed requests each of `terms` occurs (absent: none).
pub fn document_frequencies(conn: &mut DbConnection, terms: &[String]) -> AppResult<HashMap<String, u64>> {
    let rows: Vec<(String, i64)> = request_search_terms::table
        .filter(request_search_terms::term.eq_any(terms))
        .group_by(request_search_terms::term)
        .select((request_search_terms::term, count_star()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(term, n)| (term, u64::try_from(n).unwrap_or(0)))
        .collect())
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
