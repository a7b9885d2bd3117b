//! The knowledge base in GraphQL: `suggestAnswers` for the company typing a question,
//! `publishAnswer` / `withdrawAnswer` for officers and admins, `markFound` for "this answered
//! my question", the list and the figures.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use super::model::{AnswerHit, KnowledgeAnswer, PolicyHit, Summary};
use super::service::{self, Publish};
use crate::actor::Role;
use crate::clock::to_utc;
use crate::error::AppResult;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, IdKind};
use crate::graphql::loaders::load_one;
use crate::policies::graphql::PolicyNode;
use crate::requests::graphql::{CategoryNode, RequestNode};
use crate::requests::model::Category;

/// A published answer of the knowledge base.
pub struct KnowledgeAnswerNode(pub KnowledgeAnswer);

/// A published answer of the knowledge base: a consultation's question and its answer as an
/// officer or admin rewrote them for every company (no company named).
#[Object(name = "KnowledgeAnswer")]
impl KnowledgeAnswerNode {
    /// Its id (`kna_…`).
    async fn id(&self) -> ID {
        ids::encode(IdKind::KnowledgeAnswer, self.0.id)
    }

    /// The question, as published.
    async fn question(&self) -> &str {
        &self.0.question
    }

    /// The answer.
    async fn answer(&self) -> &str {
        &self.0.answer
    }

    /// Its category.
    async fn category(&self, ctx: &Context<'_>) -> AppResult<Option<CategoryNode>> {
        Ok(load_one::<i64, Category>(ctx, self.0.category_id)
            .await?
            .map(CategoryNode))
    }

    /// When it was published.
    async fn published_at(&self) -> DateTime<Utc> {
        to_utc(self.0.published_at)
    }

    /// When it was withdrawn (then it is offered no more), or null.
    async fn withdrawn_at(&self) -> Option<DateTime<Utc>> {
        self.0.withdrawn_at.map(to_utc)
    }

    /// How many people said it answered their question.
    async fn found_count(&self, ctx: &Context<'_>) -> AppResult<i32> {
        let counts = service::found_counts(ctx.state(), vec![self.0.id]).await?;
        Ok(counts.get(&self.0.id).copied().unwrap_or(0) as i32)
    }

    /// The consultation it came from (officers and admins who may see it; null for others and
    /// for answers written without one).
    async fn source_request(&self, ctx: &Context<'_>) -> AppResult<Option<RequestNode>> {
        let actor = ctx.actor()?;
        let Some(id) = self.0.request_id else {
            return Ok(None);
        };
        if !matches!(actor.role, Role::Officer | Role::Admin) {
            return Ok(None);
        }
        Ok(crate::requests::service::get(ctx.state(), actor, id)
            .await
            .ok()
            .map(RequestNode))
    }
}

/// An answer offered for a question, best first.
#[derive(SimpleObject)]
pub struct AnswerSuggestion {
    /// The score (0–1): text, and the category when one was given.
    pub score: f64,
    /// The text part alone (BM25 of the question against the answer's question, 0–1).
    pub text_score: f64,
    /// The answer.
    pub answer: KnowledgeAnswerNode,
}

impl From<AnswerHit> for AnswerSuggestion {
    fn from(hit: AnswerHit) -> Self {
        AnswerSuggestion {
            score: hit.score,
            text_score: hit.text,
            answer: KnowledgeAnswerNode(hit.answer),
        }
    }
}

/// A policy of the caller's company offered for a question.
#[derive(SimpleObject)]
pub struct PolicySuggestion {
    /// The score (0–1): the question against the policy's title and summary.
    pub score: f64,
    /// The policy.
    pub policy: PolicyNode,
}

impl From<PolicyHit> for PolicySuggestion {
    fn from(hit: PolicyHit) -> Self {
        PolicySuggestion {
            score: hit.score,
            policy: PolicyNode(hit.policy),
        }
    }
}

/// What a question finds before it is asked.
#[derive(SimpleObject)]
pub struct KnowledgeSuggestions {
    /// Published answers, best first.
    pub answers: Vec<AnswerSuggestion>,
    /// For company staff: the policies delivered to their company that the question is about,
    /// best first (empty for other roles).
    pub policies: Vec<PolicySuggestion>,
}

/// The knowledge base's figures.
#[derive(SimpleObject)]
pub struct KnowledgeSummary {
    /// Answers published and not withdrawn.
    pub published: i32,
    /// Answers withdrawn.
    pub withdrawn: i32,
    /// Times a person said a published answer answered their question.
    pub answers_found: i32,
    /// Times a person said a policy answered their question.
    pub policies_found: i32,
    /// Companies whose staff found at least one.
    pub companies: i32,
}

impl From<Summary> for KnowledgeSummary {
    fn from(s: Summary) -> Self {
        let n = |v: i64| i32::try_from(v).unwrap_or(i32::MAX);
        KnowledgeSummary {
            published: n(s.published),
            withdrawn: n(s.withdrawn),
            answers_found: n(s.answers_found),
            policies_found: n(s.policies_found),
            companies: n(s.companies),
        }
    }
}

/// "This answered my question": whether this call counted it, and the total.
#[derive(SimpleObject)]
pub struct FoundPayload {
    /// False when the caller had already said so (counted once per person).
    pub counted: bool,
    /// How many people have said so.
    pub found_count: i32,
}

/// An answer to publish.
#[derive(InputObject)]
pub struct PublishAnswerInput {
    /// The consultation it answers (resolved or closed; officers must give one). Its category
    /// is the answer's.
    pub request_id: Option<ID>,
    /// The category, for an answer an admin writes without a consultation.
    pub category_id: Option<ID>,
    /// The question, rewritten for every company (no company name, credit code or phone
    /// number), at most 2000 characters.
    pub question: String,
    /// The answer, likewise, at most 5000 characters.
    pub answer: String,
}

#[derive(Default)]
pub struct KnowledgeQuery;

#[Object]
impl KnowledgeQuery {
    /// What the caller may find before asking `text`: published answers (everyone signed in)
    /// and, for company staff, their company's policies about it.
    async fn suggest_answers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The question as typed so far.")] text: String,
        #[graphql(desc = "The category chosen, if any: answers of it rank higher.")] category_id: Option<ID>,
        #[graphql(desc = "How many answers and how many policies, 1 to 10 (3 unless given).")] first: Option<i32>,
    ) -> AppResult<KnowledgeSuggestions> {
        let category_id = category_id
            .map(|id| ids::decode::<i64>(IdKind::Category, &id, "categoryId"))
            .transpose()?;
        let (answers, policies) = service::suggest(ctx.state(), ctx.actor()?, &text, category_id, first).await?;
        Ok(KnowledgeSuggestions {
            answers: answers.into_iter().map(Into::into).collect(),
            policies: policies.into_iter().map(Into::into).collect(),
        })
    }

    /// Published answers, newest first (officers and admins may include withdrawn ones).
    async fn knowledge_answers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Include withdrawn answers (officers and admins).", default)] include_withdrawn: bool,
    ) -> AppResult<Vec<KnowledgeAnswerNode>> {
        Ok(service::list(ctx.state(), ctx.actor()?, include_withdrawn)
            .await?
            .into_iter()
            .map(KnowledgeAnswerNode)
            .collect())
    }

    /// One answer (withdrawn ones for officers and admins only).
    async fn knowledge_answer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The answer's id.")] id: ID,
    ) -> AppResult<KnowledgeAnswerNode> {
        let id = ids::decode(IdKind::KnowledgeAnswer, &id, "id")?;
        Ok(KnowledgeAnswerNode(service::get(ctx.state(), ctx.actor()?, id).await?))
    }

    /// The knowledge base's figures (officers and admins).
    async fn knowledge_summary(&self, ctx: &Context<'_>) -> AppResult<KnowledgeSummary> {
        Ok(service::summary(ctx.state(), ctx.actor()?).await?.into())
    }
}

#[derive(Default)]
pub struct KnowledgeMutation;

#[Object]
impl KnowledgeMutation {
    /// Publishes an answer to the knowledge base (officers from a resolved consultation of a
    /// company they serve; admins also without one). Refused when the text names the company
    /// or holds a phone number.
    async fn publish_answer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The answer.")] input: PublishAnswerInput,
    ) -> AppResult<KnowledgeAnswerNode> {
        let publish = Publish {
            request_id: input
                .request_id
                .map(|id| ids::decode(IdKind::Request, &id, "requestId"))
                .transpose()?,
            category_id: input
                .category_id
                .map(|id| ids::decode::<i64>(IdKind::Category, &id, "categoryId"))
                .transpose()?,
            question: input.question,
            answer: input.answer,
        };
        Ok(KnowledgeAnswerNode(
            service::publish(ctx.state(), ctx.actor()?, publish).await?,
        ))
    }

    /// Withdraws an answer (its publisher or an admin): it is offered no more.
    async fn withdraw_answer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The answer's id.")] id: ID,
    ) -> AppResult<KnowledgeAnswerNode> {
        let id = ids::decode(IdKind::KnowledgeAnswer, &id, "id")?;
        Ok(KnowledgeAnswerNode(
            service::withdraw(ctx.state(), ctx.actor()?, id).await?,
        ))
    }

    /// Company staff: this answer, or this policy of their company, answered my question
    /// (give exactly one). Counted once per person.
    async fn mark_found(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The answer that answered it.")] answer_id: Option<ID>,
        #[graphql(desc = "Or the policy that answered it.")] policy_id: Option<ID>,
    ) -> AppResult<FoundPayload> {
        let answer_id = answer_id
            .map(|id| ids::decode(IdKind::KnowledgeAnswer, &id, "answerId"))
            .transpose()?;
        let policy_id = policy_id
            .map(|id| ids::decode(IdKind::Policy, &id, "policyId"))
            .transpose()?;
        let (counted, total) = service::mark_found(ctx.state(), ctx.actor()?, answer_id, policy_id).await?;
        Ok(FoundPayload {
            counted,
            found_count: i32::try_from(total).unwrap_or(i32::MAX),
        })
    }
}
