use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use super::model::{Company, OfficerAssignment};
use super::repo::{self, CompanyFilter};
use super::service::{self, CreateCompany, UpdateCompany};
use crate::auth::graphql::{load_user, UserNode};
use crate::clock::to_utc;
use crate::error::AppResult;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, IdKind};
use crate::graphql::loaders::load_one;
use crate::graphql::pagination::page_request;
use crate::ids::CompanyId;

/// This domain's DataLoaders, for the registry in `graphql::loaders`.
pub fn register_loaders(loaders: &mut crate::graphql::loaders::Loaders) {
    loaders.by_key(repo::find_by_ids, |c: &Company| c.id);
    loaders.by_key(repo::active_assignments_for, |a: &OfficerAssignment| a.company_id);
}

/// Loads a company through the request's loader (no access check: callers decide visibility).
pub async fn load_company(ctx: &Context<'_>, id: CompanyId) -> AppResult<Option<CompanyNode>> {
    Ok(load_one::<CompanyId, Company>(ctx, id).await?.map(CompanyNode))
}

/// An enterprise in the zone.
pub struct CompanyNode(pub Company);

crate::connection_types!(CompanyConnection, CompanyEdge, CompanyNode, "companies");

/// An enterprise in the zone.
#[Object(name = "Company")]
impl CompanyNode {
    /// Opaque id.
    async fn id(&self) -> ID {
        ids::encode(IdKind::Company, self.0.id)
    }

    /// Registered name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Unified social credit code (统一社会信用代码), 18 characters.
    async fn credit_code(&self) -> &str {
        &self.0.credit_code
    }

    /// Industry, as the zone classifies it.
    async fn industry(&self) -> &str {
        &self.0.industry
    }

    /// Address in the zone.
    async fn address(&self) -> &str {
        &self.0.address
    }

    /// True for the zone's key enterprises (重点企业).
    async fn key_enterprise(&self) -> bool {
        self.0.key_enterprise
    }

    /// True while the company is disabled.
    async fn disabled(&self) -> bool {
        self.0.disabled_at.is_some()
    }

    /// The service officer assigned now; null when the company has none.
    async fn officer(&self, ctx: &Context<'_>) -> AppResult<Option<UserNode>> {
        let assignment = load_one::<CompanyId, OfficerAssignment>(ctx, self.0.id).await?;
        match assignment {
            Some(a) => load_user(ctx, a.officer_id).await,
            None => Ok(None),
        }
    }

    /// When the current officer was assigned.
    async fn officer_since(&self, ctx: &Context<'_>) -> AppResult<Option<DateTime<Utc>>> {
        let assignment = load_one::<CompanyId, OfficerAssignment>(ctx, self.0.id).await?;
        Ok(assignment.map(|a| to_utc(a.started_at)))
    }

    /// The company's staff accounts (for admins, its officer and its own staff).
    async fn staff(&self, ctx: &Context<'_>) -> AppResult<Vec<UserNode>> {
        let actor = ctx.actor()?;
        Ok(service::staff(ctx.state(), actor, self.0.id)
            .await?
            .into_iter()
            .map(UserNode)
            .collect())
    }

    /// The company's responsible person, who votes in officer evaluations.
    async fn principal(&self, ctx: &Context<'_>) -> AppResult<Option<UserNode>> {
        let actor = ctx.actor()?;
        let staff = service::staff(ctx.state(), actor, self.0.id).await?;
        Ok(staff.into_iter().find(|u| u.principal).map(UserNode))
    }

    /// Every officer assignment, newest first (admins and the company's officer).
    async fn officer_assignments(&self, ctx: &Context<'_>) -> AppResult<Vec<AssignmentNode>> {
        let actor = ctx.actor()?;
        Ok(service::assignment_history(ctx.state(), actor, self.0.id)
            .await?
            .into_iter()
            .map(AssignmentNode)
            .collect())
    }

    /// When the company was registered in zhitong.
    async fn created_at(&self) -> DateTime<Utc> {
        to_utc(self.0.created_at)
    }

    /// When the company's record last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        to_utc(self.0.updated_at)
    }

    /// Optimistic-lock version: pass it back when updating or reassigning.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// The company's profile (admins, its officer and its own staff).
    async fn profile(&self, ctx: &Context<'_>) -> AppResult<CompanyProfileNode> {
        let actor = ctx.actor()?;
        Ok(CompanyProfileNode(
            super::profile::visible(ctx.state(), actor, self.0.id).await?,
        ))
    }
}

/// One period during which an officer served a company.
pub struct AssignmentNode(pub OfficerAssignment);

/// One period during which an officer served a company.
#[Object(name = "OfficerAssignment")]
impl AssignmentNode {
    /// Opaque id.
    async fn id(&self) -> ID {
        ids::encode(IdKind::Assignment, self.0.id)
    }

    /// The officer.
    async fn officer(&self, ctx: &Context<'_>) -> AppResult<Option<UserNode>> {
        load_user(ctx, self.0.officer_id).await
    }

    /// Why the officer was assigned.
    async fn reason(&self) -> &str {
        &self.0.reason
    }

    /// The admin who assigned the officer.
    async fn assigned_by(&self, ctx: &Context<'_>) -> AppResult<Option<UserNode>> {
        match self.0.assigned_by {
            Some(id) => load_user(ctx, id).await,
            None => Ok(None),
        }
    }

    /// Start of the assignment.
    async fn started_at(&self) -> DateTime<Utc> {
        to_utc(self.0.started_at)
    }

    /// End of the assignment; null while it is active.
    async fn ended_at(&self) -> Option<DateTime<Utc>> {
        self.0.ended_at.map(to_utc)
    }

    /// Why the assignment ended.
    async fn end_reason(&self) -> Option<&str> {
        self.0.end_reason.as_deref()
    }

    /// True while the assignment is active.
    async fn active(&self) -> bool {
        self.0.ended_at.is_none()
    }
}

/// Filters for company lists.
#[derive(InputObject, Default)]
pub struct CompanyFilterInput {
    /// Text in the name or credit code.
    pub search: Option<String>,
    /// Exact industry.
    pub industry: Option<String>,
    /// Only key enterprises (true) or only the others (false).
    pub key_enterprise: Option<bool>,
    /// Only companies this officer serves (admins).
    pub officer_id: Option<ID>,
    /// Include disabled companies (default false).
    pub include_disabled: Option<bool>,
}

impl CompanyFilterInput {
    pub fn into_filter(self) -> AppResult<CompanyFilter> {
        Ok(CompanyFilter {
            search: self.search,
            industry: self.industry,
            key_enterprise: self.key_enterprise,
            officer_id: self
                .officer_id
                .map(|id| ids::decode(IdKind::User, &id, "officerId"))
                .transpose()?,
            only_id: None,
            without_officer: false,
            include_disabled: self.include_disabled.unwrap_or(false),
        })
    }
}

#[derive(Default)]
pub struct CompanyQuery;

#[Object]
impl CompanyQuery {
    /// Companies the caller may see: all for admins, the served ones for officers, their own
    /// for company staff.
    async fn companies(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Narrows the list.")] filter: Option<CompanyFilterInput>,
        #[graphql(desc = "Page size (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
    ) -> AppResult<CompanyConnection> {
        let actor = ctx.actor()?;
        let filter = filter.unwrap_or_default().into_filter()?;
        let page = service::list_companies(ctx.state(), actor, filter, page_request(first, after)?).await?;
        Ok(CompanyConnection::from_page(page, |c| c.id, CompanyNode))
    }

    /// One company, if the caller may see it.
    async fn company(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The company's id.")] id: ID,
    ) -> AppResult<CompanyNode> {
        let actor = ctx.actor()?;
        let id = ids::decode(IdKind::Company, &id, "id")?;
        Ok(CompanyNode(service::visible_company(ctx.state(), actor, id).await?))
    }

    /// Active companies with no officer, or whose officer's account is disabled (admins).
    async fn companies_without_officer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
    ) -> AppResult<CompanyConnection> {
        let actor = ctx.actor()?;
        actor.require_admin()?;
        let filter = CompanyFilter {
            without_officer: true,
            ..Default::default()
        };
        let page = service::list_companies(ctx.state(), actor, filter, page_request(first, after)?).await?;
        Ok(CompanyConnection::from_page(page, |c| c.id, CompanyNode))
    }
}

/// A company to register.
#[derive(InputObject)]
pub struct CreateCompanyInput {
    /// Registered name (at most 100 characters).
    pub name: String,
    /// Unified social credit code, 18 characters with a valid check character.
    pub credit_code: String,
    /// Industry.
    pub industry: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// Key enterprise (default false).
    pub key_enterprise: Option<bool>,
    /// Assign this officer at once.
    pub officer_id: Option<ID>,
}

/// Changes to a company; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateCompanyInput {
    /// Registered name.
    pub name: Option<String>,
    /// Unified social credit code.
    pub credit_code: Option<String>,
    /// Industry.
    pub industry: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// Key enterprise.
    pub key_enterprise: Option<bool>,
}

/// The company after a change.
#[derive(SimpleObject)]
pub struct CompanyPayload {
    /// The company.
    pub company: CompanyNode,
}

/// The company and its new officer assignment.
#[derive(SimpleObject)]
pub struct AssignOfficerPayload {
    /// The company.
    pub company: CompanyNode,
    /// The new, active assignment.
    pub assignment: AssignmentNode,
}

#[derive(Default)]
pub struct CompanyMutation;

#[Object]
impl CompanyMutation {
    /// Registers a company (admins).
    async fn create_company(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The company.")] input: CreateCompanyInput,
    ) -> AppResult<CompanyPayload> {
        let actor = ctx.actor()?;
        actor.require_admin()?;
        let create = CreateCompany {
            name: input.name,
            credit_code: input.credit_code,
            industry: input.industry,
            address: input.address,
            key_enterprise: input.key_enterprise.unwrap_or(false),
            officer_id: input
                .officer_id
                .map(|id| ids::decode(IdKind::User, &id, "officerId"))
                .transpose()?,
        };
        Ok(CompanyPayload {
            company: CompanyNode(service::create_company(ctx.state(), actor, create).await?),
        })
    }

    /// Changes a company's record (admins).
    async fn update_company(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The company's id.")] id: ID,
        #[graphql(desc = "The version last read; a stale one gives CONFLICT.")] version: Option<i32>,
        #[graphql(desc = "The changes.")] input: UpdateCompanyInput,
    ) -> AppResult<CompanyPayload> {
        let actor = ctx.actor()?;
        let id = ids::decode(IdKind::Company, &id, "id")?;
        let update = UpdateCompany {
            name: input.name,
            credit_code: input.credit_code,
            industry: input.industry,
            address: input.address,
            key_enterprise: input.key_enterprise,
        };
        Ok(CompanyPayload {
            company: CompanyNode(service::update_company(ctx.state(), actor, id, version, update).await?),
        })
    }

    /// Disables a company and its staff accounts (admins).
    async fn disable_company(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The company's id.")] id: ID,
    ) -> AppResult<CompanyPayload> {
        let actor = ctx.actor()?;
        let id = ids::decode(IdKind::Company, &id, "id")?;
        Ok(CompanyPayload {
            company: CompanyNode(service::set_disabled(ctx.state(), actor, id, true).await?),
        })
    }

    /// Re-enables a company; its staff accounts are enabled one by one (admins).
    async fn enable_company(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The company's id.")] id: ID,
    ) -> AppResult<CompanyPayload> {
        let actor = ctx.actor()?;
        let id = ids::decode(IdKind::Company, &id, "id")?;
        Ok(CompanyPayload {
            company: CompanyNode(service::set_disabled(ctx.state(), actor, id, false).await?),
        })
    }

    /// Makes an officer the company's service officer, ending the current assignment (admins).
    async fn assign_officer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The company's id.")] company_id: ID,
        #[graphql(desc = "The officer's user id.")] officer_id: ID,
        #[graphql(desc = "Why (kept in the assignment history).")] reason: String,
        #[graphql(desc = "The company's version last read; a stale one gives CONFLICT.")] version: Option<i32>,
    ) -> AppResult<AssignOfficerPayload> {
        let actor = ctx.actor()?;
        let company_id = ids::decode(IdKind::Company, &company_id, "companyId")?;
        let officer_id = ids::decode(IdKind::User, &officer_id, "officerId")?;
        let (company, assignment) =
            service::assign_officer(ctx.state(), actor, company_id, officer_id, &reason, version).await?;
        Ok(AssignOfficerPayload {
            company: CompanyNode(company),
            assignment: AssignmentNode(assignment),
        })
    }
}

/// A company's profile (企业画像): the fields policies are matched on and notices addressed by.
pub struct CompanyProfileNode(pub super::profile::CompanyProfile);

/// A company's profile (企业画像): the fields policies are matched on and notices addressed by.
#[Object(name = "CompanyProfile")]
impl CompanyProfileNode {
    /// Scale (大型/中型/小型/微型); null until set.
    async fn scale(&self) -> Option<super::profile::CompanyScale> {
        self.0.scale
    }

    /// Number of employees (从业人员); null until set.
    async fn employees(&self) -> Option<i32> {
        self.0.employees
    }

    /// Yearly revenue band; null until set.
    async fn revenue_band(&self) -> Option<super::profile::RevenueBand> {
        self.0.revenue_band
    }

    /// National industry classification code (GB/T 4754), such as `C3360`; empty until set.
    async fn industry_code(&self) -> &str {
        &self.0.industry_code
    }

    /// Park or area of the zone; empty until set.
    async fn area(&self) -> &str {
        &self.0.area
    }

    /// Tags such as 高新技术企业, 专精特新, 外资.
    async fn tags(&self) -> Vec<String> {
        self.0.tag_list()
    }

    /// Optimistic-lock version (0 for a profile never filled in): pass it back when updating.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// Who changed it last.
    async fn updated_by(&self, ctx: &Context<'_>) -> AppResult<Option<UserNode>> {
        match self.0.updated_by {
            Some(id) => load_user(ctx, id).await,
            None => Ok(None),
        }
    }

    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        to_utc(self.0.updated_at)
    }
}
