use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::request_callbacks;
use crate::ids::{RequestId, UserId};

/// A request's callback: flagged (closed without an answer) and/or recorded (the call made).
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = request_callbacks)]
pub struct Callback {
    pub id: i64,
    pub request_id: RequestId,
    /// When the request was flagged for a call (closed automatically without an answer).
    pub flagged_at: Option<NaiveDateTime>,
    /// Who at the company answered the call.
    pub callee: Option<String>,
    pub called_at: Option<NaiveDateTime>,
    pub solved: Option<bool>,
    pub satisfied: Option<bool>,
    pub comment: Option<String>,
    pub recorded_by: Option<UserId>,
    pub recorded_at: Option<NaiveDateTime>,
}

/// The answers of one call.
#[derive(Debug, Clone, AsChangeset, Insertable)]
#[diesel(table_name = request_callbacks)]
pub struct CallbackAnswers {
    pub request_id: RequestId,
    pub callee: Option<String>,
    pub called_at: Option<NaiveDateTime>,
    pub solved: Option<bool>,
    pub satisfied: Option<bool>,
    pub comment: Option<String>,
    pub recorded_by: Option<UserId>,
    pub recorded_at: Option<NaiveDateTime>,
}
