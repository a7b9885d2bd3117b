//! The rows of the similar-request index and of the callers, and a suggestion as the service
//! gives it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{request_callers, request_search_docs, request_search_terms};
use crate::ids::{RequestId, UserId};
use crate::requests::model::Request;

/// One indexed request: its length in terms and what closeness needs.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = request_search_docs)]
pub struct NewSearchDoc {
    pub request_id: RequestId,
    pub category_id: i64,
    pub length: i32,
    pub raised_at: NaiveDateTime,
    pub indexed_at: NaiveDateTime,
}

/// One term of an indexed request and its count.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = request_search_terms)]
pub struct NewSearchTerm {
    pub request_id: RequestId,
    pub term: String,
    pub tf: i32,
}

/// A query term found in an open request of the time window, with that request's facts.
#[derive(Debug, Clone, Queryable)]
pub struct Posting {
    pub request_id: RequestId,
    pub term: String,
    pub tf: i32,
    pub length: i32,
    pub category_id: i64,
    pub raised_at: NaiveDateTime,
}

/// Who in the company called the hotline or was met on a visit.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = request_callers)]
pub struct Caller {
    pub request_id: RequestId,
    pub name: String,
    pub role: String,
    pub phone: Option<String>,
    pub user_id: Option<UserId>,
    pub erased_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = request_callers)]
pub struct NewCaller {
    pub request_id: RequestId,
    pub name: String,
    pub role: String,
    pub phone: Option<String>,
    pub user_id: Option<UserId>,
    pub created_at: NaiveDateTime,
}

/// How one open request compares with the text searched for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scores {
    /// The mix below, between 0 and 1: what suggestions are ordered by.
    pub score: f64,
    /// BM25 similarity of the texts, between 0 and 1.
    pub text: f64,
    /// 1 for the same category, 0.5 for a related one, 0 otherwise.
    pub category: f64,
    /// 1 when raised at the same time, halving every `HALF_LIFE_DAYS` apart.
    pub time: f64,
    /// Days between the two.
    pub days_apart: f64,
}

/// A suggested open request with its scores.
#[derive(Debug, Clone)]
pub struct Suggestion {
    pub request: Request,
    pub company_name: String,
    pub scores: Scores,
    /// Whether the caller may open the request itself (an officer only their companies').
    pub can_open: bool,
}
