//! Similar requests as officers and admins see them (`Request.similarRequests`,
//! `findSimilarRequests`), and the caller recorded at intake (`Request.caller`).

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use super::nodes::{CategoryNode, RequestNode};
use crate::clock::to_utc;
use crate::error::AppResult;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, IdKind};
use crate::graphql::loaders::load_one;
use crate::requests::model::{Category, RequestStatus};
use crate::requests::similar::callers::{CallerDetails, CallerView};
use crate::requests::similar::{self, model::Suggestion};

/// Who in the company called the hotline or was met on the visit, given when an officer or an
/// admin raises a request on the HOTLINE or VISIT channel.
#[derive(InputObject)]
pub struct CallerInput {
    /// The person's name, at most 50 characters.
    pub name: String,
    /// Their role in the company (e.g. 行政主管), at most 50 characters.
    pub role: Option<String>,
    /// Their mobile number, to call back.
    pub phone: Option<String>,
}

impl From<CallerInput> for CallerDetails {
    fn from(c: CallerInput) -> Self {
        CallerDetails {
            name: c.name,
            role: c.role,
            phone: c.phone,
        }
    }
}

/// The person who called the hotline or was met on the visit. Officers and admins see it in
/// full; company staff and departments see it masked (张**, 138****5678).
#[derive(SimpleObject)]
#[graphql(name = "RequestCaller")]
pub struct CallerNode {
    /// The name (masked: the family name and stars).
    pub name: String,
    /// Their role in the company.
    pub role: String,
    /// The mobile number (masked: 138****5678); null when none was given or after erasure.
    pub phone: Option<String>,
    /// True when the reader sees it masked.
    pub masked: bool,
    /// True when the person's data was erased (the name reads 已注销用户).
    pub erased: bool,
}

impl From<CallerView> for CallerNode {
    fn from(v: CallerView) -> Self {
        CallerNode {
            name: v.name,
            role: v.role,
            phone: v.phone,
            masked: v.masked,
            erased: v.erased,
        }
    }
}

/// An open request (of any company) likely the same problem, with how it was scored. Only
/// officers and admins are given these.
pub struct SimilarRequestNode(pub Suggestion);

/// An open request (of any company) likely the same problem, with how it was scored.
#[Object(name = "SimilarRequest")]
impl SimilarRequestNode {
    /// The overall score between 0 and 1 (0.7 × text + 0.2 × category + 0.1 × time);
    /// suggestions come best first.
    async fn score(&self) -> f64 {
        self.0.scores.score
    }

    /// BM25 similarity of the two texts (title and description), between 0 and 1.
    async fn text_score(&self) -> f64 {
        self.0.scores.text
    }

    /// 1 for the same category, 0.5 for a related one (e.g. water and power), 0 otherwise.
    async fn category_score(&self) -> f64 {
        self.0.scores.category
    }

    /// Days between the two requests' raising (or the search).
    async fn days_apart(&self) -> f64 {
        self.0.scores.days_apart
    }

    /// The suggested request's id.
    async fn request_id(&self) -> ID {
        ids::encode(IdKind::Request, self.0.request.id)
    }

    /// Its readable number.
    async fn number(&self) -> &str {
        &self.0.request.number
    }

    /// Its title.
    async fn title(&self) -> &str {
        &self.0.request.title
    }

    /// Its status (always an open one).
    async fn status(&self) -> RequestStatus {
        self.0.request.status
    }

    /// Its category.
    async fn category(&self, ctx: &Context<'_>) -> AppResult<Option<CategoryNode>> {
        Ok(load_one::<i64, Category>(ctx, self.0.request.category_id)
            .await?
            .map(CategoryNode))
    }

    /// The company that raised it.
    async fn company_name(&self) -> &str {
        &self.0.company_name
    }

    /// When it was raised.
    async fn raised_at(&self) -> DateTime<Utc> {
        to_utc(self.0.request.created_at)
    }

    /// The request itself, when the reader may open it (an officer only their companies'
    /// requests; admins all); null otherwise.
    async fn request(&self) -> Option<RequestNode> {
        self.0.can_open.then(|| RequestNode(self.0.request.clone()))
    }
}

pub(super) async fn similar_of(
    ctx: &Context<'_>,
    id: crate::ids::RequestId,
    first: Option<i32>,
) -> AppResult<Vec<SimilarRequestNode>> {
    let found = similar::for_request(ctx.state(), ctx.actor()?, id, first).await?;
    Ok(found.into_iter().map(SimilarRequestNode).collect())
}

pub(super) async fn caller_of(ctx: &Context<'_>, id: crate::ids::RequestId) -> AppResult<Option<CallerNode>> {
    let found = similar::callers::of_request(ctx.state(), ctx.actor()?, id).await?;
    Ok(found.map(CallerNode::from))
}

#[derive(Default)]
pub struct SimilarQuery;

#[Object]
impl SimilarQuery {
    /// The open requests of any company likely about `text` (a hotline call being taken down),
    /// best first: BM25 over segmented Chinese, mixed with category and time closeness.
    /// Officers and admins only; company staff are refused (COMPANIES_SEE_NO_OTHERS).
    async fn find_similar_requests(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The problem in the company's words (title and description).")] text: String,
        #[graphql(desc = "Its category, if known: the same category scores higher.")] category_id: Option<ID>,
        #[graphql(desc = "How many suggestions, 1 to 10 (default 3).")] first: Option<i32>,
    ) -> AppResult<Vec<SimilarRequestNode>> {
        let actor = ctx.actor()?;
        let category_id = match category_id {
            Some(id) => Some(ids::decode(IdKind::Category, &id, "categoryId")?),
            None => None,
        };
        let found = similar::for_text(ctx.state(), actor, &text, category_id, first).await?;
        Ok(found.into_iter().map(SimilarRequestNode).collect())
    }
}
