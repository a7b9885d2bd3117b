//! Rows of the knowledge base.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::db::schema::knowledge_answers;
use crate::ids::{KnowledgeAnswerId, RequestId, UserId};
use crate::policies::model::Policy;

/// A published answer: the question and the answer as the officer rewrote them, anonymised.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = knowledge_answers)]
pub struct KnowledgeAnswer {
    pub id: KnowledgeAnswerId,
    /// The consultation it came from, if any.
    pub request_id: Option<RequestId>,
    pub category_id: i64,
    pub question: String,
    pub answer: String,
    /// The question's length in terms (BM25).
    pub length: i32,
    pub published_by: UserId,
    pub published_at: NaiveDateTime,
    pub withdrawn_by: Option<UserId>,
    pub withdrawn_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = knowledge_answers)]
pub struct NewKnowledgeAnswer {
    pub request_id: Option<RequestId>,
    pub category_id: i64,
    pub question: String,
    pub answer: String,
    pub length: i32,
    pub published_by: UserId,
    pub published_at: NaiveDateTime,
}

crate::stored_enum!(
    /// What a company found before asking.
    FoundKind {
        /// A published answer.
        Answer => "ANSWER",
        /// A policy delivered to its company.
        Policy => "POLICY",
    }
);

/// A published answer found for a question, with its scores.
#[derive(Debug, Clone)]
pub struct AnswerHit {
    pub answer: KnowledgeAnswer,
    /// The mixed score (0–1), best first.
    pub score: f64,
    /// The text part alone (BM25, 0–1).
    pub text: f64,
}

/// A policy of the company's found for a question.
#[derive(Debug, Clone)]
pub struct PolicyHit {
    pub policy: Policy,
    /// BM25 of the question against the policy's title and summary (0–1).
    pub score: f64,
}

/// The knowledge base's figures.
#[derive(Debug, Clone, Copy, Default)]
pub struct Summary {
    pub published: i64,
    pub withdrawn: i64,
    pub answers_found: i64,
    pub policies_found: i64,
    pub companies: i64,
}

impl crate::audit::Audited for KnowledgeAnswer {
    const TARGET: &'static str = "knowledgeAnswer";
    fn target_id(&self) -> String {
        self.id.to_string()
    }
    fn snapshot(&self) -> Value {
        json!({
            "requestId": self.request_id.map(|r| r.get()), "categoryId": self.category_id,
            "question": self.question, "answer": self.answer,
            "withdrawn": self.withdrawn_at.is_some(),
        })
    }
}
