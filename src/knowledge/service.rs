//! The rules of the knowledge base: who publishes and withdraws answers, what an answer may not
//! hold (the company's name or credit code, a phone number), how a question finds answers and
//! policies, and what a company's "this answered my question" counts.

use std::collections::HashMap;

use super::errors::KnowledgeReason;
use super::model::{AnswerHit, FoundKind, KnowledgeAnswer, NewKnowledgeAnswer, PolicyHit, Summary};
use super::repo;
use crate::actor::{Actor, Role};
use crate::companies::model::Company;
use crate::companies::repo as companies_repo;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::ids::{KnowledgeAnswerId, PolicyId, RequestId};
use crate::policies::model::PolicyStatus;
use crate::policies::repo as policies_repo;
use crate::requests::model::{RequestKind, RequestStatus};
use crate::requests::repo as requests_repo;
use crate::requests::service as requests_service;
use crate::search::{rarest, segment, Bm25, Corpus, TermCounts};
use crate::state::AppState;
use crate::text::multi_line;

pub const MAX_QUESTION_CHARS: usize = 2000;
pub const MAX_ANSWER_CHARS: usize = 5000;
/// Answers and policies given unless asked otherwise, and at most.
pub const DEFAULT_FIRST: usize = 3;
pub const MAX_FIRST: usize = 10;
/// The mix of an answer's score: the question's text, and its category when the asker gave one.
pub const TEXT_WEIGHT: f64 = 0.8;
pub const CATEGORY_WEIGHT: f64 = 0.2;
/// An answer or a policy needs at least this much text similarity to be offered.
pub const MIN_TEXT: f64 = 0.1;
/// Besides the best, an answer is offered only with at least this share of the best's score:
/// with one right answer to most questions, weaker ones are noise (on the labelled set,
/// precision at 3 rose from 0.53 to 0.71 with the same recall).
pub const NEAR_BEST: f64 = 0.6;
/// A long question is searched by its rarest terms only.
pub const MAX_QUERY_TERMS: usize = 64;
/// Terms' rarity is taken as if the knowledge base held at least this many answers: with its
/// first handful, every word would count as common or as unique.
pub const PRIOR_DOCUMENTS: u64 = 200;

/// An answer as an officer or admin publishes it.
#[derive(Debug, Clone)]
pub struct Publish {
    /// The consultation it answers (officers must give one; admins may write an answer alone).
    pub request_id: Option<RequestId>,
    /// Its category, when there is no consultation.
    pub category_id: Option<i64>,
    pub question: String,
    pub answer: String,
}

fn handler(actor: &Actor) -> bool {
    matches!(actor.role, Role::Officer | Role::Admin)
}

/// The names an anonymised text must not hold: the company's name, that name without its legal
/// form (攀华板材有限公司 → 攀华板材), and its credit code.
fn company_marks(company: &Company) -> Vec<String> {
    let mut marks = vec![company.name.clone(), company.credit_code.to_uppercase()];
    let mut short = company.name.as_str();
    for suffix in ["股份有限公司", "有限责任公司", "有限公司", "集团", "公司", "厂"] {
        short = short.strip_suffix(suffix).unwrap_or(short);
    }
    if short.chars().count() >= 2 && short != company.name {
        marks.push(short.to_string());
    }
    marks.retain(|m| !m.is_empty());
    marks
}

/// A mainland mobile number (1[3-9] and nine more digits) or a landline with its area code
/// (0 and 9 to 11 digits), with or without spaces and dashes between the digits.
fn holds_phone(text: &str) -> bool {
    let mut runs: Vec<String> = vec![String::new()];
    let chars: Vec<char> = text.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        let joins = matches!(c, '-' | ' ')
            && i > 0
            && chars[i - 1].is_ascii_digit()
            && chars.get(i + 1).is_some_and(|n| n.is_ascii_digit());
        if c.is_ascii_digit() {
            runs.last_mut().unwrap().push(*c);
        } else if !joins {
            runs.push(String::new());
        }
    }
    runs.iter().any(|run| {
        let b = run.as_bytes();
        (b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]))
            || (b.first() == Some(&b'0') && (10..=12).contains(&b.len()))
    })
}

fn check_anonymous(question: &str, answer: &str, company: Option<&Company>) -> AppResult<()> {
    let both = format!("{question}\n{answer}");
    if let Some(company) = company {
        let upper = both.to_uppercase();
        if let Some(mark) = company_marks(company)
            .into_iter()
            .find(|m| upper.contains(&m.to_uppercase()))
        {
            return Err(AppError::bad_field("answer", KnowledgeReason::ANSWER_NAMES_COMPANY).arg("name", mark));
        }
    }
    if holds_phone(&both) {
        return Err(AppError::bad_field("answer", KnowledgeReason::ANSWER_HOLDS_PHONE));
    }
    Ok(())
}

/// Publishes an answer, indexed in the same transaction; audited.
pub async fn publish(state: &AppState, actor: &Actor, input: Publish) -> AppResult<KnowledgeAnswer> {
    if !handler(actor) {
        return Err(AppError::forbidden(KnowledgeReason::HANDLERS_PUBLISH_ANSWERS));
    }
    if input.request_id.is_none() && actor.role != Role::Admin {
        return Err(AppError::bad_field(
            "requestId",
            KnowledgeReason::OFFICERS_PUBLISH_FROM_REQUESTS,
        ));
    }
    let question = multi_line(MAX_QUESTION_CHARS).required("question", &input.question)?;
    let answer = multi_line(MAX_ANSWER_CHARS).required("answer", &input.answer)?;
    let actor = actor.clone();
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            let (category_id, company) = match input.request_id {
                Some(id) => {
                    let request = requests_service::visible(conn, &actor, id)?;
                    if request.kind != RequestKind::Consultation {
                        return Err(AppError::bad_field("requestId", KnowledgeReason::NOT_A_CONSULTATION));
                    }
                    if !matches!(request.status, RequestStatus::Resolved | RequestStatus::Closed) {
                        return Err(AppError::conflict(KnowledgeReason::CONSULTATION_NOT_ANSWERED));
                    }
                    if repo::of_request(conn, id)?.is_some() {
                        return Err(AppError::conflict(KnowledgeReason::ALREADY_PUBLISHED));
                    }
                    (
                        request.category_id,
                        companies_repo::find_by_id(conn, request.company_id)?,
                    )
                }
                None => {
                    let id = input
                        .category_id
                        .ok_or_else(|| AppError::bad_field("categoryId", KnowledgeReason::CATEGORY_REQUIRED))?;
                    if requests_repo::category(conn, id)?.is_none() {
                        return Err(AppError::bad_field(
                            "categoryId",
                            crate::requests::errors::RequestsReason::NO_SUCH_CATEGORY,
                        ));
                    }
                    (id, None)
                }
            };
            check_anonymous(&question, &answer, company.as_ref())?;
            let terms = segment::terms(&question);
            let answer = repo::insert(
                conn,
                &NewKnowledgeAnswer {
                    request_id: input.request_id,
                    category_id,
                    length: i32::try_from(segment::length(&terms)).unwrap_or(i32::MAX),
                    question,
                    answer,
                    published_by: actor.user_id,
                    published_at: now,
                },
                &terms,
            )?;
            crate::audit::record(conn, actor.user_id, "publishAnswer", None, Some(&answer), now)?;
            Ok(answer)
        })
        .await
}

/// Withdraws an answer (its publisher or an admin); it stays counted but is offered no more.
pub async fn withdraw(state: &AppState, actor: &Actor, id: KnowledgeAnswerId) -> AppResult<KnowledgeAnswer> {
    if !handler(actor) {
        return Err(AppError::forbidden(KnowledgeReason::HANDLERS_PUBLISH_ANSWERS));
    }
    let actor = actor.clone();
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            let before = repo::find(conn, id)?.ok_or_else(|| AppError::not_found(KnowledgeReason::ANSWER_NOT_FOUND))?;
            if actor.role != Role::Admin && before.published_by != actor.user_id {
                return Err(AppError::forbidden(KnowledgeReason::WITHDRAW_OWN_OR_ADMIN));
            }
            if !repo::withdraw(conn, id, actor.user_id, now)? {
                return Err(AppError::conflict(KnowledgeReason::ANSWER_WITHDRAWN));
            }
            let after = repo::find(conn, id)?.ok_or_else(|| AppError::not_found(KnowledgeReason::ANSWER_NOT_FOUND))?;
            crate::audit::record(conn, actor.user_id, "withdrawAnswer", Some(&before), Some(&after), now)?;
            Ok(after)
        })
        .await
}

/// Published answers, newest first (and withdrawn ones for officers and admins who ask).
pub async fn list(state: &AppState, actor: &Actor, include_withdrawn: bool) -> AppResult<Vec<KnowledgeAnswer>> {
    if include_withdrawn && !handler(actor) {
        return Err(AppError::forbidden(KnowledgeReason::WITHDRAWN_FOR_HANDLERS));
    }
    state.db.read(move |conn| repo::list(conn, include_withdrawn)).await
}

/// One answer: published for everyone signed in, withdrawn ones for officers and admins.
pub async fn get(state: &AppState, actor: &Actor, id: KnowledgeAnswerId) -> AppResult<KnowledgeAnswer> {
    let handler = handler(actor);
    state
        .db
        .read(move |conn| {
            repo::find(conn, id)?
                .filter(|a| handler || a.withdrawn_at.is_none())
                .ok_or_else(|| AppError::not_found(KnowledgeReason::ANSWER_NOT_FOUND))
        })
        .await
}

fn check_first(first: Option<i32>) -> AppResult<usize> {
    match first {
        None => Ok(DEFAULT_FIRST),
        Some(n) if (1..=MAX_FIRST as i32).contains(&n) => Ok(n as usize),
        Some(_) => Err(AppError::bad_field("first", KnowledgeReason::FIRST_RANGE).arg("max", MAX_FIRST)),
    }
}

/// A published answer's question, found for a search: its matching terms, length, category.
pub struct Candidate<K> {
    pub key: K,
    pub terms: TermCounts,
    pub length: u32,
    pub category_id: i64,
}

/// Ranks candidates for `query` (already cut to its rarest terms): BM25 of the text, mixed
/// with the category when the asker gave one; below `MIN_TEXT`, or below `NEAR_BEST` of the
/// best score, dropped; best first (ties by key), at most `first`. Returns (key, score, text
/// score).
pub fn rank<K: Ord>(
    corpus: Corpus,
    query: &TermCounts,
    category_id: Option<i64>,
    candidates: Vec<Candidate<K>>,
    df: impl Fn(&str) -> u64,
    first: usize,
) -> Vec<(K, f64, f64)> {
    let bm25 = Bm25::default();
    let corpus = Corpus {
        documents: corpus.documents.max(PRIOR_DOCUMENTS),
        ..corpus
    };
    let mut ranked: Vec<(K, f64, f64)> = candidates
        .into_iter()
        .map(|c| {
            let text = bm25.similarity(corpus, query, &c.terms, c.length, &df);
            let score = match category_id {
                Some(id) => TEXT_WEIGHT * text + CATEGORY_WEIGHT * f64::from(u8::from(id == c.category_id)),
                None => text,
            };
            (c.key, score, text)
        })
        .filter(|(_, _, text)| *text >= MIN_TEXT)
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let best = ranked.first().map_or(0.0, |r| r.1);
    ranked.retain(|r| r.1 >= NEAR_BEST * best);
    ranked.truncate(first);
    ranked
}

fn find_answers(
    conn: &mut DbConnection,
    terms: &TermCounts,
    category_id: Option<i64>,
    first: usize,
) -> AppResult<Vec<AnswerHit>> {
    let corpus = repo::corpus(conn)?;
    let all: Vec<String> = terms.keys().cloned().collect();
    let df = repo::document_frequencies(conn, &all)?;
    let df_of = |t: &str| df.get(t).copied().unwrap_or(0);
    let query = rarest(terms, df_of, MAX_QUERY_TERMS);
    let wanted: Vec<String> = query.keys().cloned().collect();
    let mut candidates: HashMap<KnowledgeAnswerId, Candidate<KnowledgeAnswerId>> = HashMap::new();
    for (id, term, tf, length, category) in repo::postings(conn, &wanted)? {
        candidates
            .entry(id)
            .or_insert_with(|| Candidate {
                key: id,
                terms: TermCounts::new(),
                length: u32::try_from(length).unwrap_or(0),
                category_id: category,
            })
            .terms
            .insert(term, u32::try_from(tf).unwrap_or(0));
    }
    let ranked = rank(
        corpus,
        &query,
        category_id,
        candidates.into_values().collect(),
        df_of,
        first,
    );
    let ids: Vec<KnowledgeAnswerId> = ranked.iter().map(|(id, _, _)| *id).collect();
    let mut rows: HashMap<KnowledgeAnswerId, KnowledgeAnswer> =
        repo::by_ids(conn, &ids)?.into_iter().map(|a| (a.id, a)).collect();
    Ok(ranked
        .into_iter()
        .filter_map(|(id, score, text)| rows.remove(&id).map(|answer| AnswerHit { answer, score, text }))
        .collect())
}

/// The company's policies (those delivered to it and still published) that the question is
/// about, best first: BM25 over their titles and summaries, the company's policies as corpus.
fn find_policies(
    conn: &mut DbConnection,
    actor: &Actor,
    terms: &TermCounts,
    first: usize,
) -> AppResult<Vec<PolicyHit>> {
    let (Role::Company, Some(company_id)) = (actor.role, actor.company_id) else {
        return Ok(Vec::new());
    };
    let ids: Vec<PolicyId> = policies_repo::deliveries_of_company(conn, company_id)?
        .into_iter()
        .map(|d| d.policy_id)
        .collect();
    let policies: Vec<_> = policies_repo::find_by_ids(conn, &ids)?
        .into_iter()
        .filter(|p| p.status == PolicyStatus::Published)
        .collect();
    let docs: Vec<TermCounts> = policies
        .iter()
        .map(|p| segment::terms(&format!("{}\n{}", p.title, p.summary)))
        .collect();
    let mut df: HashMap<&str, u64> = HashMap::new();
    for doc in &docs {
        for term in doc.keys() {
            *df.entry(term.as_str()).or_default() += 1;
        }
    }
    let df_of = |t: &str| df.get(t).copied().unwrap_or(0);
    let corpus = Corpus {
        documents: docs.len() as u64,
        average_length: docs.iter().map(|d| f64::from(segment::length(d))).sum::<f64>() / docs.len().max(1) as f64,
    };
    let query = rarest(terms, df_of, MAX_QUERY_TERMS);
    let candidates = docs
        .iter()
        .enumerate()
        .map(|(i, doc)| Candidate {
            key: i,
            terms: doc
                .iter()
                .filter(|(t, _)| query.contains_key(*t))
                .map(|(t, n)| (t.clone(), *n))
                .collect(),
            length: segment::length(doc),
            category_id: 0,
        })
        .collect();
    Ok(rank(corpus, &query, None, candidates, df_of, first)
        .into_iter()
        .map(|(i, score, _)| PolicyHit {
            policy: policies[i].clone(),
            score,
        })
        .collect())
}

/// What a person typing `text` (in `category_id`, if chosen) may find before asking: published
/// answers, and for company staff the policies delivered to their company.
pub async fn suggest(
    state: &AppState,
    actor: &Actor,
    text: &str,
    category_id: Option<i64>,
    first: Option<i32>,
) -> AppResult<(Vec<AnswerHit>, Vec<PolicyHit>)> {
    let first = check_first(first)?;
    let text = multi_line(MAX_QUESTION_CHARS).required("text", text)?;
    let actor = actor.clone();
    state
        .db
        .read(move |conn| {
            let terms = segment::terms(&text);
            if terms.is_empty() {
                return Ok((Vec::new(), Vec::new()));
            }
            Ok((
                find_answers(conn, &terms, category_id, first)?,
                find_policies(conn, &actor, &terms, first)?,
            ))
        })
        .await
}

/// Company staff say an answer or a policy answered their question. Returns whether this call
/// counted it (false when they had said so before) and how many people have found it.
pub async fn mark_found(
    state: &AppState,
    actor: &Actor,
    answer_id: Option<KnowledgeAnswerId>,
    policy_id: Option<PolicyId>,
) -> AppResult<(bool, i64)> {
    let (Role::Company, Some(company_id)) = (actor.role, actor.company_id) else {
        return Err(AppError::forbidden(KnowledgeReason::COMPANY_STAFF_FIND));
    };
    let (kind, item_id) = match (answer_id, policy_id) {
        (Some(a), None) => (FoundKind::Answer, a.get()),
        (None, Some(p)) => (FoundKind::Policy, p.get()),
        _ => return Err(AppError::bad_field("answerId", KnowledgeReason::SAY_ANSWER_OR_POLICY)),
    };
    let user_id = actor.user_id;
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            match kind {
                FoundKind::Answer => {
                    repo::find(conn, KnowledgeAnswerId::from(item_id))?
                        .filter(|a| a.withdrawn_at.is_none())
                        .ok_or_else(|| AppError::not_found(KnowledgeReason::ANSWER_NOT_FOUND))?;
                }
                FoundKind::Policy => {
                    policies_repo::delivery(conn, PolicyId::from(item_id), company_id)?
                        .ok_or_else(|| AppError::not_found(KnowledgeReason::POLICY_NOT_TOLD))?;
                }
            }
            let counted = repo::insert_found(conn, kind, item_id, user_id, Some(company_id), now)?;
            let total = repo::found_counts(conn, kind, &[item_id])?
                .get(&item_id)
                .copied()
                .unwrap_or(0);
            Ok((counted, total))
        })
        .await
}

/// How many people found each of the answers.
pub async fn found_counts(state: &AppState, ids: Vec<KnowledgeAnswerId>) -> AppResult<HashMap<KnowledgeAnswerId, i64>> {
    state
        .db
        .read(move |conn| {
            let items: Vec<i64> = ids.iter().map(|i| i.get()).collect();
            Ok(repo::found_counts(conn, FoundKind::Answer, &items)?
                .into_iter()
                .map(|(id, n)| (KnowledgeAnswerId::from(id), n))
                .collect())
        })
        .await
}

/// The knowledge base's figures (officers and admins).
pub async fn summary(state: &AppState, actor: &Actor) -> AppResult<Summary> {
    if !handler(actor) {
        return Err(AppError::forbidden(KnowledgeReason::SUMMARY_FOR_HANDLERS));
    }
    state.db.read(repo::summary).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_are_seen_with_or_without_separators() {
        assert!(holds_phone("请拨打13912345678咨询"));
        assert!(holds_phone("电话 139 1234 5678"));
        assert!(holds_phone("座机023-72345678"));
        assert!(!holds_phone("补贴标准为每人1000元，2026年12月31日截止"));
        assert!(!holds_phone("申请编号 12345678"));
    }

    #[test]
    fn a_company_is_named_by_its_name_its_short_name_or_its_code() {
        let company = Company {
            id: crate::ids::CompanyId(1),
            name: "攀华板材有限公司".into(),
            credit_code: "91500102MA5U1234XY".into(),
            industry: String::new(),
            address: String::new(),
            key_enterprise: false,
            disabled_at: None,
            version: 1,
            created_at: chrono::NaiveDateTime::default(),
            updated_at: chrono::NaiveDateTime::default(),
        };
        assert!(check_anonymous("攀华板材的稳岗补贴怎么申请", "见答复", Some(&company)).is_err());
        assert!(check_anonymous("q", "代码91500102ma5u1234xy", Some(&company)).is_err());
        assert!(check_anonymous("稳岗补贴怎么申请", "登录人社局网站申报。", Some(&company)).is_ok());
    }
}
