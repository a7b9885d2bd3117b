//! Every query of the knowledge base's tables.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::dsl::{count_star, sum};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};

use super::model::{FoundKind, KnowledgeAnswer, NewKnowledgeAnswer, Summary};
use crate::db::schema::{knowledge_answers, knowledge_found, knowledge_terms};
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::ids::{CompanyId, KnowledgeAnswerId, RequestId, UserId};
use crate::search::{Corpus, TermCounts};

pub fn insert(conn: &mut DbConnection, new: &NewKnowledgeAnswer, terms: &TermCounts) -> AppResult<KnowledgeAnswer> {
    let answer: KnowledgeAnswer = diesel::insert_into(knowledge_answers::table)
        .values(new)
        .returning(knowledge_answers::all_columns)
        .get_result(conn)?;
    let rows: Vec<_> = terms
        .iter()
        .map(|(term, tf)| {
            (
                knowledge_terms::answer_id.eq(answer.id),
                knowledge_terms::term.eq(term.as_str()),
                knowledge_terms::tf.eq(i32::try_from(*tf).unwrap_or(i32::MAX)),
            )
        })
        .collect();
    // Three parameters a row: 500 rows stay far below either backend's limit. A multi-row
    // INSERT does not compile through the multi backend: it runs on the inner connection.
    for chunk in rows.chunks(500) {
        let insert = diesel::insert_into(knowledge_terms::table).values(chunk);
        match conn {
            DbConnection::Postgres(pg) => insert.execute(pg)?,
            DbConnection::Sqlite(lite) => insert.execute(lite)?,
        };
    }
    Ok(answer)
}

pub fn find(conn: &mut DbConnection, id: KnowledgeAnswerId) -> AppResult<Option<KnowledgeAnswer>> {
    Ok(knowledge_answers::table
        .find(id)
        .select(KnowledgeAnswer::as_select())
        .first(conn)
        .optional()?)
}

pub fn of_request(conn: &mut DbConnection, request_id: RequestId) -> AppResult<Option<KnowledgeAnswer>> {
    Ok(knowledge_answers::table
        .filter(knowledge_answers::request_id.eq(request_id))
        .select(KnowledgeAnswer::as_select())
        .first(conn)
        .optional()?)
}

pub fn by_ids(conn: &mut DbConnection, ids: &[KnowledgeAnswerId]) -> AppResult<Vec<KnowledgeAnswer>> {
    Ok(knowledge_answers::table
        .filter(knowledge_answers::id.eq_any(ids))
        .select(KnowledgeAnswer::as_select())
        .load(conn)?)
}

/// Answers, newest first: the published ones, and the withdrawn too when asked.
pub fn list(conn: &mut DbConnection, include_withdrawn: bool) -> AppResult<Vec<KnowledgeAnswer>> {
    let mut query = knowledge_answers::table
        .select(KnowledgeAnswer::as_select())
        .order((knowledge_answers::published_at.desc(), knowledge_answers::id.desc()))
        .into_boxed();
    if !include_withdrawn {
        query = query.filter(knowledge_answers::withdrawn_at.is_null());
    }
    Ok(query.load(conn)?)
}

/// Withdraws a published answer; false when it was already withdrawn.
pub fn withdraw(conn: &mut DbConnection, id: KnowledgeAnswerId, by: UserId, at: NaiveDateTime) -> AppResult<bool> {
    let n = diesel::update(
        knowledge_answers::table
            .find(id)
            .filter(knowledge_answers::withdrawn_at.is_null()),
    )
    .set((
        knowledge_answers::withdrawn_by.eq(by),
        knowledge_answers::withdrawn_at.eq(at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// The published answers as a corpus: how many, and their questions' average length.
pub fn corpus(conn: &mut DbConnection) -> AppResult<Corpus> {
    let (documents, total): (i64, Option<i64>) = knowledge_answers::table
        .filter(knowledge_answers::withdrawn_at.is_null())
        .select((count_star(), sum(knowledge_answers::length)))
        .first(conn)?;
    Ok(Corpus::from_totals(documents, total))
}

/// In how many published answers' questions each of `terms` occurs.
pub fn document_frequencies(conn: &mut DbConnection, terms: &[String]) -> AppResult<HashMap<String, u64>> {
    let rows: Vec<(String, i64)> = knowledge_terms::table
        .inner_join(knowledge_answers::table)
        .filter(knowledge_answers::withdrawn_at.is_null())
        .filter(knowledge_terms::term.eq_any(terms))
        .group_by(knowledge_terms::term)
        .select((knowledge_terms::term, count_star()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(term, n)| (term, u64::try_from(n).unwrap_or(0)))
        .collect())
}

/// One occurrence of a term in a published answer's question: (answer, term, count, the
/// question's length, its category).
pub type Posting = (KnowledgeAnswerId, String, i32, i32, i64);

/// The occurrences of `terms` in published answers.
pub fn postings(conn: &mut DbConnection, terms: &[String]) -> AppResult<Vec<Posting>> {
    Ok(knowledge_terms::table
        .inner_join(knowledge_answers::table)
        .filter(knowledge_answers::withdrawn_at.is_null())
        .filter(knowledge_terms::term.eq_any(terms))
        .select((
            knowledge_terms::answer_id,
            knowledge_terms::term,
            knowledge_terms::tf,
            knowledge_answers::length,
            knowledge_answers::category_id,
        ))
        .load(conn)?)
}

/// Records that `user_id` found the item; false when they had already said so.
pub fn insert_found(
    conn: &mut DbConnection,
    kind: FoundKind,
    item_id: i64,
    user_id: UserId,
    company_id: Option<CompanyId>,
    at: NaiveDateTime,
) -> AppResult<bool> {
    let inserted = diesel::sql_query(
        "INSERT INTO knowledge_found (kind, item_id, user_id, company_id, found_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (kind, item_id, user_id) DO NOTHING",
    )
    .bind::<Text, _>(kind.as_str())
    .bind::<BigInt, _>(item_id)
    .bind::<BigInt, _>(user_id)
    .bind::<Nullable<BigInt>, _>(company_id.map(|c| c.get()))
    .bind::<Timestamp, _>(at)
    .execute(conn)?;
    Ok(inserted == 1)
}

/// How many people found each of `items` of `kind`.
pub fn found_counts(conn: &mut DbConnection, kind: FoundKind, items: &[i64]) -> AppResult<HashMap<i64, i64>> {
    let rows: Vec<(i64, i64)> = knowledge_found::table
        .filter(knowledge_found::kind.eq(kind.as_str()))
        .filter(knowledge_found::item_id.eq_any(items))
        .group_by(knowledge_found::item_id)
        .select((knowledge_found::item_id, count_star()))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

pub fn summary(conn: &mut DbConnection) -> AppResult<Summary> {
    let published: i64 = knowledge_answers::table
        .filter(knowledge_answers::withdrawn_at.is_null())
        .count()
        .get_result(conn)?;
    let withdrawn: i64 = knowledge_answers::table
        .filter(knowledge_answers::withdrawn_at.is_not_null())
        .count()
        .get_result(conn)?;
    let found = |conn: &mut DbConnection, kind: FoundKind| -> AppResult<i64> {
        Ok(knowledge_found::table
            .filter(knowledge_found::kind.eq(kind.as_str()))
            .count()
            .get_result(conn)?)
    };
    let answers_found = found(conn, FoundKind::Answer)?;
    let policies_found = found(conn, FoundKind::Policy)?;
    let companies: i64 = knowledge_found::table
        .select(knowledge_found::company_id)
        .distinct()
        .load::<Option<i64>>(conn)?
        .into_iter()
        .flatten()
        .count() as i64;
    Ok(Summary {
        published,
        withdrawn,
        answers_found,
        policies_found,
        companies,
    })
}
