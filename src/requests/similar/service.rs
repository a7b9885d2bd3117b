//! The rules of similar requests: what is indexed, how a suggestion is scored, who sees them.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDateTime};

use super::errors::SimilarReason;
use super::model::{NewSearchDoc, NewSearchTerm, Scores, Suggestion};
use super::repo;
use crate::actor::{Actor, Role};
use crate::companies::repo as companies_repo;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::ids::RequestId;
use crate::requests::model::{Category, Request};
use crate::requests::repo as requests_repo;
use crate::requests::service as requests_service;
use crate::search::{rarest, segment, Bm25, Corpus, TermCounts};
use crate::state::AppState;
use crate::text::{multi_line, TextRule};

/// Suggestions look at open requests raised this many days before or after the reference.
pub const WINDOW_DAYS: i64 = 90;
/// Time closeness halves for every this many days between two requests.
pub const HALF_LIFE_DAYS: f64 = 14.0;
/// The mix of a suggestion's score: text, category, time (they add up to 1).
pub const TEXT_WEIGHT: f64 = 0.55;
pub const CATEGORY_WEIGHT: f64 = 0.35;
pub const TIME_WEIGHT: f64 = 0.1;
/// A suggestion needs at least this much text similarity, whatever its category and time...
pub const MIN_TEXT: f64 = 0.1;
/// ...and at least this score.
pub const MIN_SCORE: f64 = 0.5;
/// A long text is searched by its rarest terms only (the ones that tell it apart); a request of
/// a few sentences has 40 to 70 terms with its character pairs.
pub const MAX_QUERY_TERMS: usize = 64;
/// Candidates are the open requests holding most of the query's this many rarest terms...
pub const SEED_TERMS: usize = 16;
/// ...at most this many of them, scored on all the query's terms.
pub const MAX_CANDIDATES: i64 = 300;
/// A term held by more than this share of the indexed requests (counted as at least
/// `PRIOR_DOCUMENTS`) picks no candidates: it tells no problem apart, and reading its postings
/// is what a search spent its time on (具体情况 is in every request of the bench data).
pub const MAX_SEED_SHARE: f64 = 0.2;
/// Terms' rarity is taken as if the index held at least this many requests. In a young zone
/// (or a test) where ten of the first thirteen requests are one road problem, the road's words
/// would otherwise count as common and its wordings would not find each other.
pub const PRIOR_DOCUMENTS: u64 = 200;
/// Suggestions given unless asked otherwise, and at most.
pub const DEFAULT_FIRST: usize = 3;
pub const MAX_FIRST: usize = 10;
/// Requests indexed per round of the indexing job.
pub const INDEX_BATCH: i64 = 200;
/// The longest text `findSimilarRequests` takes (a request's description).
const SEARCH_TEXT: TextRule = multi_line(crate::requests::service::MAX_DESCRIPTION_CHARS);

/// Groups of category codes whose problems often overlap (a road torn by works is raised as
/// transport or as construction; a utility's outage as water, power or gas). Two categories
/// are related when a group holds both; categories an admin adds later relate only to
/// themselves until listed here.
const RELATED_CATEGORIES: &[&[&str]] = &[
    &["water", "power", "gas"],
    &["permits", "land", "construction", "environment"],
    &["transport", "construction"],
    &["labour", "schooling", "policy"],
    &["finance", "policy"],
];

fn related(a: &str, b: &str) -> bool {
    RELATED_CATEGORIES
        .iter()
        .any(|group| group.contains(&a) && group.contains(&b))
}

/// The text of a request as indexed and as searched.
pub fn request_text(request: &Request) -> String {
    format!("{}\n{}", request.title, request.description)
}

/// Indexes `request` (again, if it was): its terms and counts, in the caller's transaction.
pub fn index(conn: &mut DbConnection, request: &Request, now: NaiveDateTime) -> AppResult<()> {
    let terms = segment::terms(&request_text(request));
    repo::delete_index(conn, request.id)?;
    let doc = NewSearchDoc {
        request_id: request.id,
        category_id: request.category_id,
        length: i32::try_from(segment::length(&terms)).unwrap_or(i32::MAX),
        raised_at: request.created_at,
        indexed_at: now,
    };
    let rows: Vec<NewSearchTerm> = terms
        .into_iter()
        .map(|(term, tf)| NewSearchTerm {
            request_id: request.id,
            term,
            tf: i32::try_from(tf).unwrap_or(i32::MAX),
        })
        .collect();
    repo::insert_index(conn, &doc, &rows)
}

/// What to look for: a text's terms, its category (if known), when, and a request to leave out.
#[derive(Debug, Clone)]
pub struct Probe {
    pub terms: TermCounts,
    pub category_id: Option<i64>,
    pub at: NaiveDateTime,
    pub exclude: Option<RequestId>,
}

/// The open requests most like `probe`, best first, at most `first`, each above the thresholds.
pub fn rank(conn: &mut DbConnection, probe: &Probe, first: usize) -> AppResult<Vec<(RequestId, Scores)>> {
    if probe.terms.is_empty() {
        return Ok(Vec::new());
    }
    let bm25 = Bm25::default();
    let corpus = repo::corpus(conn)?;
    let all_terms: Vec<String> = probe.terms.keys().cloned().collect();
    let df = repo::document_frequencies(conn, &all_terms)?;
    let df_of = |t: &str| df.get(t).copied().unwrap_or(0);
    let query = rarest(&probe.terms, df_of, MAX_QUERY_TERMS);
    let terms: Vec<String> = query.keys().cloned().collect();
    let window = Duration::days(WINDOW_DAYS);
    // The candidates: the open requests holding most of the query's rarest terms. A problem
    // said in other words shares some of its telling terms; a request that shares only common
    // ones scores low anyway, and loading every posting of a common term made a search on
    // 200,000 requests take a second.
    // Terms no other request holds find nothing (the request itself is counted in its terms'
    // document frequency when it is indexed).
    let own = u64::from(probe.exclude.is_some());
    let common = (corpus.documents.max(PRIOR_DOCUMENTS) as f64 * MAX_SEED_SHARE) as u64;
    let shared: TermCounts = query
        .iter()
        .filter(|(t, _)| df_of(t) > own && df_of(t) <= common)
        .map(|(t, n)| (t.clone(), *n))
        .collect();
    let seeds: Vec<String> = rarest(&shared, df_of, SEED_TERMS).into_keys().collect();
    let ids = repo::open_candidates(
        conn,
        &seeds,
        probe.at - window,
        probe.at + window,
        probe.exclude,
        MAX_CANDIDATES,
    )?;
    let postings = repo::postings_of(conn, &terms, &ids)?;
    let codes: HashMap<i64, String> = requests_repo::categories(conn, true)?
        .into_iter()
        .map(|c: Category| (c.id, c.code))
        .collect();
    let code = |id: i64| codes.get(&id).map(String::as_str);
    let mut candidates: HashMap<RequestId, Candidate<RequestId>> = HashMap::new();
    for p in postings {
        let c = candidates.entry(p.request_id).or_insert_with(|| Candidate {
            key: p.request_id,
            terms: TermCounts::new(),
            length: u32::try_from(p.length).unwrap_or(0),
            category: code(p.category_id).map(str::to_owned),
            raised_at: p.raised_at,
        });
        c.terms.insert(p.term, u32::try_from(p.tf).unwrap_or(0));
    }
    let reference = Reference {
        query: &query,
        category: probe.category_id.and_then(code),
        at: probe.at,
    };
    Ok(score(
        &bm25,
        corpus,
        &reference,
        candidates.into_values().collect(),
        df_of,
        first,
    ))
}

/// What a search compares against: its terms (already cut to the rarest), its category code,
/// and when.
pub struct Reference<'a> {
    pub query: &'a TermCounts,
    pub category: Option<&'a str>,
    pub at: NaiveDateTime,
}

/// A document that holds at least one of the query's terms: its key (a request's id, or a
/// fixture's key in the offline measure), its matching terms, length, category code and time.
pub struct Candidate<K> {
    pub key: K,
    pub terms: TermCounts,
    pub length: u32,
    pub category: Option<String>,
    pub raised_at: NaiveDateTime,
}

/// The scoring itself, with no database: each candidate's text, category and time scores mixed
/// into one, those under the thresholds dropped, best first (ties by key), at most `first`.
pub fn score<K: Ord>(
    bm25: &Bm25,
    corpus: Corpus,
    reference: &Reference<'_>,
    candidates: Vec<Candidate<K>>,
    df_of: impl Fn(&str) -> u64,
    first: usize,
) -> Vec<(K, Scores)> {
    let corpus = Corpus {
        documents: corpus.documents.max(PRIOR_DOCUMENTS),
        ..corpus
    };
    let mut ranked: Vec<(K, Scores)> = candidates
        .into_iter()
        .map(|c| {
            let text = bm25.similarity(corpus, reference.query, &c.terms, c.length, &df_of);
            let category = match (reference.category, c.category.as_deref()) {
                (Some(a), Some(b)) if a == b => 1.0,
                (Some(a), Some(b)) if related(a, b) => 0.5,
                _ => 0.0,
            };
            let days_apart = (reference.at - c.raised_at).num_seconds().abs() as f64 / 86_400.0;
            let time = 0.5_f64.powf(days_apart / HALF_LIFE_DAYS);
            let score = TEXT_WEIGHT * text + CATEGORY_WEIGHT * category + TIME_WEIGHT * time;
            (
                c.key,
                Scores {
                    score,
                    text,
                    category,
                    time,
                    days_apart,
                },
            )
        })
        .filter(|(_, s)| s.text >= MIN_TEXT && s.score >= MIN_SCORE)
        .collect();
    ranked.sort_by(|(a_id, a), (b_id, b)| b.score.total_cmp(&a.score).then(a_id.cmp(b_id)));
    ranked.truncate(first);
    ranked
}

/// Only officers and admins see suggestions; companies would learn of other companies.
fn require_handler(actor: &Actor) -> AppResult<()> {
    match actor.role {
        Role::Officer | Role::Admin => Ok(()),
        Role::Company => Err(AppError::forbidden(SimilarReason::COMPANIES_SEE_NO_OTHERS)),
        Role::Department => Err(AppError::forbidden(SimilarReason::DEPARTMENTS_SEE_NO_SIMILAR)),
    }
}

fn check_first(first: Option<i32>) -> AppResult<usize> {
    match first {
        None => Ok(DEFAULT_FIRST),
        Some(n) if (1..=MAX_FIRST as i32).contains(&n) => Ok(n as usize),
        Some(_) => Err(AppError::bad_field("first", SimilarReason::SIMILAR_FIRST_RANGE).arg("max", MAX_FIRST)),
    }
}

fn suggestions(conn: &mut DbConnection, actor: &Actor, ranked: Vec<(RequestId, Scores)>) -> AppResult<Vec<Suggestion>> {
    let ids: Vec<RequestId> = ranked.iter().map(|(id, _)| *id).collect();
    let mut rows: HashMap<RequestId, Request> = repo::requests_by_ids(conn, &ids)?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let company_ids: Vec<_> = rows
        .values()
        .map(|r| r.company_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let names: HashMap<_, _> = companies_repo::find_by_ids(conn, &company_ids)?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let mut out = Vec::with_capacity(ranked.len());
    for (id, scores) in ranked {
        let Some(request) = rows.remove(&id) else { continue };
        let can_open = requests_service::visible(conn, actor, id).is_ok();
        out.push(Suggestion {
            company_name: names.get(&request.company_id).cloned().unwrap_or_default(),
            request,
            scores,
            can_open,
        });
    }
    Ok(out)
}

/// The open requests (of any company) likely the same problem as request `id`, which the
/// caller must be able to see. Officers and admins only.
pub async fn for_request(
    state: &AppState,
    actor: &Actor,
    id: RequestId,
    first: Option<i32>,
) -> AppResult<Vec<Suggestion>> {
    require_handler(actor)?;
    let first = check_first(first)?;
    let actor = actor.clone();
    state
        .db
        .read(move |conn| {
            let request = requests_service::visible(conn, &actor, id)?;
            let probe = Probe {
                terms: segment::terms(&request_text(&request)),
                category_id: Some(request.category_id),
                at: request.created_at,
                exclude: Some(request.id),
            };
            let ranked = rank(conn, &probe, first)?;
            suggestions(conn, &actor, ranked)
        })
        .await
}

/// The open requests likely about `text` (in `category_id`, if given), e.g. while a hotline
/// call is being taken down. Officers and admins only.
pub async fn for_text(
    state: &AppState,
    actor: &Actor,
    text: &str,
    category_id: Option<i64>,
    first: Option<i32>,
) -> AppResult<Vec<Suggestion>> {
    require_handler(actor)?;
    let first = check_first(first)?;
    let text = SEARCH_TEXT.required("text", text)?;
    let actor = actor.clone();
    let now = state.clock.now_naive();
    state
        .db
        .read(move |conn| {
            if let Some(id) = category_id {
                if requests_repo::category(conn, id)?.is_none() {
                    return Err(AppError::bad_field(
                        "categoryId",
                        crate::requests::errors::RequestsReason::NO_SUCH_CATEGORY,
                    ));
                }
            }
            let probe = Probe {
                terms: segment::terms(&text),
                category_id,
                at: now,
                exclude: None,
            };
            let ranked = rank(conn, &probe, first)?;
            suggestions(conn, &actor, ranked)
        })
        .await
}

/// Indexes up to `limit` requests not indexed yet, oldest first; returns how many.
pub fn index_pending(conn: &mut DbConnection, limit: i64, now: NaiveDateTime) -> AppResult<usize> {
    let pending = repo::unindexed(conn, limit)?;
    for request in &pending {
        index(conn, request, now)?;
    }
    Ok(pending.len())
}

/// One round of the indexing job: indexes up to `INDEX_BATCH` requests raised before the
/// index existed (or written by other tools), in one transaction. Returns how many.
pub async fn run_once(state: &AppState) -> AppResult<usize> {
    let now = state.clock.now_naive();
    state.db.write(move |conn| index_pending(conn, INDEX_BATCH, now)).await
}

/// One round of the term-count job: folds the document-frequency changes the raises appended
/// since the last round into the counts (see [`repo::fold_term_changes`]). Returns how many.
pub async fn fold_term_counts(state: &AppState) -> AppResult<usize> {
    state.db.write(|tx| repo::fold_term_changes(tx)).await
}
