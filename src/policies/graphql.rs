use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use super::model::{Eligibility, Funnel, Policy, PolicyDelivery, PolicyDocument, PolicyPackage, PolicyStatus};
use super::service::{self, Ask, DocumentInput, PackageInput, PolicyInput, Uptake};
use crate::auth::graphql::{load_user, UserNode};
use crate::clock::to_utc;
use crate::companies::graphql::{load_company, CompanyNode, CompanyProfileNode};
use crate::companies::profile::{CompanyScale, ProfileChange, RevenueBand};
use crate::error::AppResult;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, IdKind};
use crate::graphql::scalars::Date;
use crate::ids::{CompanyId, PolicyId};
use crate::requests::graphql::RequestNode;

fn parse_codes<T: Copy>(codes: &[String], all: &[T], as_str: fn(&T) -> &'static str) -> Vec<T> {
    codes
        .iter()
        .filter_map(|c| all.iter().find(|v| as_str(v) == c.as_str()).copied())
        .collect()
}

/// Who a policy is for: every rule given must hold; a rule left out holds for everyone. A
/// profile field never filled in satisfies no rule on it.
#[derive(SimpleObject, Default, Clone)]
#[graphql(name = "Eligibility")]
pub struct EligibilityRules {
    /// The company's scale is one of these.
    pub scales: Vec<CompanyScale>,
    /// At least this many employees.
    pub employees_at_least: Option<i32>,
    /// Fewer than this many employees (300 for "under 300").
    pub employees_below: Option<i32>,
    /// The revenue band is one of these.
    pub revenue_bands: Vec<RevenueBand>,
    /// The GB/T 4754 industry code starts with one of these (`C` = manufacturing).
    pub industry_code_prefixes: Vec<String>,
    /// The company is in one of these areas.
    pub areas: Vec<String>,
    /// The company has every one of these tags (such as 专精特新).
    pub all_tags: Vec<String>,
    /// The company has at least one of these tags.
    pub any_tags: Vec<String>,
    /// Only key enterprises (true) or only the others (false).
    pub key_enterprise: Option<bool>,
}

/// Who a policy is for: every rule given must hold; a rule left out holds for everyone. A
/// profile field never filled in satisfies no rule on it.
#[derive(InputObject, Default)]
pub struct EligibilityInput {
    /// The company's scale is one of these.
    #[graphql(default)]
    pub scales: Vec<CompanyScale>,
    /// At least this many employees.
    pub employees_at_least: Option<i32>,
    /// Fewer than this many employees (300 for "under 300").
    pub employees_below: Option<i32>,
    /// The revenue band is one of these.
    #[graphql(default)]
    pub revenue_bands: Vec<RevenueBand>,
    /// The GB/T 4754 industry code starts with one of these (`C` = manufacturing).
    #[graphql(default)]
    pub industry_code_prefixes: Vec<String>,
    /// The company is in one of these areas.
    #[graphql(default)]
    pub areas: Vec<String>,
    /// The company has every one of these tags (such as 专精特新).
    #[graphql(default)]
    pub all_tags: Vec<String>,
    /// The company has at least one of these tags.
    #[graphql(default)]
    pub any_tags: Vec<String>,
    /// Only key enterprises (true) or only the others (false).
    pub key_enterprise: Option<bool>,
}

impl EligibilityInput {
    fn into_model(self) -> Eligibility {
        Eligibility {
            scales: self.scales.iter().map(|s| s.as_str().to_string()).collect(),
            employees_at_least: self.employees_at_least,
            employees_below: self.employees_below,
            revenue_bands: self.revenue_bands.iter().map(|b| b.as_str().to_string()).collect(),
            industry_code_prefixes: self.industry_code_prefixes,
            areas: self.areas,
            all_tags: self.all_tags,
            any_tags: self.any_tags,
            key_enterprise: self.key_enterprise,
        }
    }
}

impl EligibilityRules {
    fn from_model(rules: Eligibility) -> EligibilityRules {
        EligibilityRules {
            scales: parse_codes(&rules.scales, CompanyScale::ALL, CompanyScale::as_str),
            employees_at_least: rules.employees_at_least,
            employees_below: rules.employees_below,
            revenue_bands: parse_codes(&rules.revenue_bands, RevenueBand::ALL, RevenueBand::as_str),
            industry_code_prefixes: rules.industry_code_prefixes,
            areas: rules.areas,
            all_tags: rules.all_tags,
            any_tags: rules.any_tags,
            key_enterprise: rules.key_enterprise,
        }
    }
}

/// A document of a policy: the issuing body's published file.
#[derive(SimpleObject, InputObject, Clone)]
#[graphql(input_name = "PolicyDocumentInput", name = "PolicyDocument")]
pub struct PolicyDocumentLink {
    /// The document's name (《…实施细则》).
    pub name: String,
    /// Where it is published (https://…).
    pub url: String,
}

impl From<PolicyDocument> for PolicyDocumentLink {
    fn from(d: PolicyDocument) -> Self {
        PolicyDocumentLink {
            name: d.name,
            url: d.url,
        }
    }
}

/// A policy item (政策).
pub struct PolicyNode(pub Policy);

/// A policy item (政策).
#[Object(name = "Policy")]
impl PolicyNode {
    /// Opaque id.
    async fn id(&self) -> ID {
        ids::encode(IdKind::Policy, self.0.id)
    }

    /// Title.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// The issuing body (发文单位).
    async fn issuer(&self) -> &str {
        &self.0.issuer
    }

    /// What it grants and how, in short.
    async fn summary(&self) -> &str {
        &self.0.summary
    }

    /// First day in force; null when open.
    async fn valid_from(&self) -> Option<Date> {
        self.0.valid_from.as_deref().and_then(Date::parse)
    }

    /// Last day in force; null when open.
    async fn valid_to(&self) -> Option<Date> {
        self.0.valid_to.as_deref().and_then(Date::parse)
    }

    /// Who it is for.
    async fn eligibility(&self) -> EligibilityRules {
        EligibilityRules::from_model(self.0.rules())
    }

    /// True when granted without application (免申即享).
    async fn without_application(&self) -> bool {
        self.0.without_application
    }

    /// Draft, published or withdrawn.
    async fn status(&self) -> PolicyStatus {
        self.0.status
    }

    /// When it was first published.
    async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.0.published_at.map(to_utc)
    }

    /// Its documents, in order.
    async fn documents(&self, ctx: &Context<'_>) -> AppResult<Vec<PolicyDocumentLink>> {
        Ok(service::documents(ctx.state(), vec![self.0.id])
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// The uptake funnel over the companies the caller may see (admins all, officers their
    /// own); refused to company staff.
    async fn funnel(&self, ctx: &Context<'_>) -> AppResult<PolicyFunnel> {
        let (funnel, _) = service::uptake(ctx.state(), ctx.actor()?, self.0.id).await?;
        Ok(funnel.into())
    }

    /// One line per company that is eligible now or was told, over the companies the caller
    /// may see; `notApplied` keeps the eligible ones that have neither applied nor been
    /// granted (for their officers to visit).
    async fn uptake(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only eligible companies that have not applied and were not granted (default false).")]
        not_applied: Option<bool>,
    ) -> AppResult<Vec<PolicyUptakeNode>> {
        let not_applied = not_applied.unwrap_or(false);
        let (_, lines) = service::uptake(ctx.state(), ctx.actor()?, self.0.id).await?;
        Ok(lines
            .into_iter()
            .filter(|l| {
                !not_applied
                    || (l.eligible
                        && l.delivery
                            .as_ref()
                            .is_none_or(|d| d.applied_at.is_none() && d.granted_at.is_none()))
            })
            .map(PolicyUptakeNode::from)
            .collect())
    }

    /// Who wrote it.
    async fn created_by(&self, ctx: &Context<'_>) -> AppResult<Option<UserNode>> {
        load_user(ctx, self.0.created_by).await
    }

    /// Optimistic-lock version: pass it back when updating a draft.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// When it was written.
    async fn created_at(&self) -> DateTime<Utc> {
        to_utc(self.0.created_at)
    }
}

/// The uptake funnel (政策兑现) of a policy over a set of companies.
#[derive(SimpleObject)]
pub struct PolicyFunnel {
    /// Companies whose profile meets the rules now.
    pub eligible: i64,
    /// Companies told of it.
    pub delivered: i64,
    /// Of those, companies that opened it.
    pub read: i64,
    /// Companies that raised a consultation from it.
    pub asked: i64,
    /// Companies that applied.
    pub applied: i64,
    /// Companies granted it.
    pub granted: i64,
    /// Sum of the amounts granted, in yuan.
    pub granted_amount: i64,
}

impl From<Funnel> for PolicyFunnel {
    fn from(f: Funnel) -> Self {
        PolicyFunnel {
            eligible: f.eligible,
            delivered: f.delivered,
            read: f.read,
            asked: f.asked,
            applied: f.applied,
            granted: f.granted,
            granted_amount: f.granted_amount,
        }
    }
}

/// How far one company has taken one policy: delivered → read → asked → applied → granted.
pub struct PolicyUptakeNode {
    company_id: CompanyId,
    policy_id: PolicyId,
    eligible: Option<bool>,
    delivery: Option<PolicyDelivery>,
}

impl From<Uptake> for PolicyUptakeNode {
    fn from(u: Uptake) -> Self {
        PolicyUptakeNode {
            company_id: u.company.id,
            policy_id: u.delivery.as_ref().map(|d| d.policy_id).unwrap_or(PolicyId::NONE),
            eligible: Some(u.eligible),
            delivery: u.delivery,
        }
    }
}

impl From<PolicyDelivery> for PolicyUptakeNode {
    fn from(d: PolicyDelivery) -> Self {
        PolicyUptakeNode {
            company_id: d.company_id,
            policy_id: d.policy_id,
            eligible: None,
            delivery: Some(d),
        }
    }
}

/// How far one company has taken one policy: delivered → read → asked → applied → granted.
#[Object(name = "PolicyUptake")]
impl PolicyUptakeNode {
    /// The policy (null on lines of companies eligible but not yet told).
    async fn policy(&self, ctx: &Context<'_>) -> AppResult<Option<PolicyNode>> {
        if self.delivery.is_none() {
            return Ok(None);
        }
        Ok(Some(PolicyNode(
            service::policy(ctx.state(), ctx.actor()?, self.policy_id).await?,
        )))
    }

    /// The company.
    async fn company(&self, ctx: &Context<'_>) -> AppResult<Option<CompanyNode>> {
        load_company(ctx, self.company_id).await
    }

    /// Whether the company's profile meets the rules now (null on the company's own list).
    async fn eligible(&self) -> Option<bool> {
        self.eligible
    }

    /// When the company was told.
    async fn delivered_at(&self) -> Option<DateTime<Utc>> {
        self.delivery.as_ref().map(|d| to_utc(d.delivered_at))
    }

    /// When its staff first opened it.
    async fn read_at(&self) -> Option<DateTime<Utc>> {
        self.delivery.as_ref().and_then(|d| d.read_at).map(to_utc)
    }

    /// When it first asked about it.
    async fn asked_at(&self) -> Option<DateTime<Utc>> {
        self.delivery.as_ref().and_then(|d| d.asked_at).map(to_utc)
    }

    /// The consultation raised from it (the first one).
    async fn request(&self, ctx: &Context<'_>) -> AppResult<Option<RequestNode>> {
        match self.delivery.as_ref().and_then(|d| d.request_id) {
            Some(id) => Ok(Some(RequestNode(
                crate::requests::service::get(ctx.state(), ctx.actor()?, id).await?,
            ))),
            None => Ok(None),
        }
    }

    /// When it applied.
    async fn applied_at(&self) -> Option<DateTime<Utc>> {
        self.delivery.as_ref().and_then(|d| d.applied_at).map(to_utc)
    }

    /// When the grant was recorded.
    async fn granted_at(&self) -> Option<DateTime<Utc>> {
        self.delivery.as_ref().and_then(|d| d.granted_at).map(to_utc)
    }

    /// The amount granted, in yuan, where there is one.
    async fn granted_amount(&self) -> Option<i64> {
        self.delivery.as_ref().and_then(|d| d.granted_amount)
    }

    /// The officer's note on the grant.
    async fn grant_note(&self) -> Option<&str> {
        self.delivery.as_ref().map(|d| d.grant_note.as_str())
    }
}

/// A policy package (政策包): policy items grouped for a kind of company.
pub struct PolicyPackageNode(PolicyPackage, Vec<Policy>);

/// A policy package (政策包): policy items grouped for a kind of company.
#[Object(name = "PolicyPackage")]
impl PolicyPackageNode {
    /// Opaque id.
    async fn id(&self) -> ID {
        ids::encode(IdKind::PolicyPackage, self.0.id)
    }

    /// Name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// What it is for.
    async fn description(&self) -> &str {
        &self.0.description
    }

    /// Its policies the caller may see, in order.
    async fn policies(&self) -> Vec<PolicyNode> {
        self.1.iter().cloned().map(PolicyNode).collect()
    }

    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        to_utc(self.0.updated_at)
    }
}

/// A policy item as an admin writes it.
#[derive(InputObject)]
#[graphql(name = "PolicyInput")]
pub struct PolicyInputObject {
    /// Title.
    pub title: String,
    /// The issuing body (发文单位).
    pub issuer: String,
    /// What it grants and how.
    pub summary: String,
    /// First day in force.
    pub valid_from: Option<Date>,
    /// Last day in force.
    pub valid_to: Option<Date>,
    /// Who it is for.
    #[graphql(default)]
    pub eligibility: EligibilityInput,
    /// Granted without application (免申即享).
    #[graphql(default)]
    pub without_application: bool,
    /// Its documents, in order.
    #[graphql(default)]
    pub documents: Vec<PolicyDocumentLink>,
}

impl PolicyInputObject {
    fn into_service(self) -> PolicyInput {
        PolicyInput {
            title: self.title,
            issuer: self.issuer,
            summary: self.summary,
            valid_from: self.valid_from.map(|d| d.0),
            valid_to: self.valid_to.map(|d| d.0),
            eligibility: self.eligibility.into_model(),
            without_application: self.without_application,
            documents: self
                .documents
                .into_iter()
                .map(|d| DocumentInput {
                    name: d.name,
                    url: d.url,
                })
                .collect(),
        }
    }
}

/// A package as an admin writes it.
#[derive(InputObject)]
pub struct PolicyPackageInput {
    /// Name.
    pub name: String,
    /// What it is for.
    #[graphql(default)]
    pub description: String,
    /// Its policies, in order.
    pub policy_ids: Vec<ID>,
}

impl PolicyPackageInput {
    fn into_service(self) -> AppResult<PackageInput> {
        Ok(PackageInput {
            name: self.name,
            description: self.description,
            policy_ids: self
                .policy_ids
                .iter()
                .map(|id| ids::decode(IdKind::Policy, id, "policyIds"))
                .collect::<AppResult<_>>()?,
        })
    }
}

/// A change to a company's profile: fields left out keep their value; an explicit null
/// clears scale, employees or revenue band.
#[derive(InputObject)]
pub struct CompanyProfileInput {
    /// Scale.
    pub scale: async_graphql::MaybeUndefined<CompanyScale>,
    /// Number of employees.
    pub employees: async_graphql::MaybeUndefined<i32>,
    /// Yearly revenue band.
    pub revenue_band: async_graphql::MaybeUndefined<RevenueBand>,
    /// GB/T 4754 industry code (`C3360`); empty clears it.
    pub industry_code: Option<String>,
    /// Park or area; empty clears it.
    pub area: Option<String>,
    /// Tags (replace the current ones).
    pub tags: Option<Vec<String>>,
}

fn maybe<T>(value: async_graphql::MaybeUndefined<T>) -> Option<Option<T>> {
    match value {
        async_graphql::MaybeUndefined::Undefined => None,
        async_graphql::MaybeUndefined::Null => Some(None),
        async_graphql::MaybeUndefined::Value(v) => Some(Some(v)),
    }
}

/// A consultation raised from a policy.
#[derive(InputObject)]
pub struct AskAboutPolicyInput {
    /// The request category (such as policy, 政策).
    pub category_id: ID,
    /// The question.
    pub question: String,
    /// A client-generated key: a retry with the same key raises nothing twice.
    pub idempotency_key: Option<String>,
}

/// The result of publishing.
#[derive(SimpleObject)]
pub struct PublishPolicyPayload {
    /// The policy.
    pub policy: PolicyNode,
    /// Companies told now (0 when published again and no one new is eligible).
    pub companies_told: i32,
}

/// The result of a profile change.
#[derive(SimpleObject)]
pub struct UpdateCompanyProfilePayload {
    /// The profile.
    pub profile: CompanyProfileNode,
    /// Policies the company was newly told of.
    pub policies_told: i32,
}

/// The result of asking about a policy.
#[derive(SimpleObject)]
pub struct AskAboutPolicyPayload {
    /// The company's uptake of the policy.
    pub uptake: PolicyUptakeNode,
    /// The consultation raised.
    pub request: RequestNode,
}

#[derive(Default)]
pub struct PolicyQuery;

#[Object]
impl PolicyQuery {
    /// Policies, newest first: admins all, officers published and withdrawn ones, company staff
    /// those their company was told of.
    async fn policies(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only policies in this state.")] status: Option<PolicyStatus>,
    ) -> AppResult<Vec<PolicyNode>> {
        Ok(service::policies(ctx.state(), ctx.actor()?, status)
            .await?
            .into_iter()
            .map(PolicyNode)
            .collect())
    }

    /// One policy the caller may see.
    async fn policy(&self, ctx: &Context<'_>, #[graphql(desc = "The policy's id.")] id: ID) -> AppResult<PolicyNode> {
        let id = ids::decode(IdKind::Policy, &id, "id")?;
        Ok(PolicyNode(service::policy(ctx.state(), ctx.actor()?, id).await?))
    }

    /// The caller's company's policies, newest first, with how far it has taken each
    /// (company staff).
    async fn my_policies(&self, ctx: &Context<'_>) -> AppResult<Vec<PolicyUptakeNode>> {
        Ok(service::my_policies(ctx.state(), ctx.actor()?)
            .await?
            .into_iter()
            .map(PolicyUptakeNode::from)
            .collect())
    }

    /// Policy packages, with the policies in each the caller may see (a company sees packages
    /// holding a policy it was told of).
    async fn policy_packages(&self, ctx: &Context<'_>) -> AppResult<Vec<PolicyPackageNode>> {
        Ok(service::packages(ctx.state(), ctx.actor()?)
            .await?
            .into_iter()
            .map(|(p, items)| PolicyPackageNode(p, items))
            .collect())
    }
}

#[derive(Default)]
pub struct PolicyMutation;

#[Object]
impl PolicyMutation {
    /// Writes a policy as a draft (admins).
    async fn create_policy(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The policy.")] input: PolicyInputObject,
    ) -> AppResult<PolicyNode> {
        Ok(PolicyNode(
            service::create_policy(ctx.state(), ctx.actor()?, input.into_service()).await?,
        ))
    }

    /// Changes a draft (admins); a published policy is fixed.
    async fn update_policy(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The policy's id.")] id: ID,
        #[graphql(desc = "The version last read.")] version: i32,
        #[graphql(desc = "The policy.")] input: PolicyInputObject,
    ) -> AppResult<PolicyNode> {
        let id = ids::decode(IdKind::Policy, &id, "id")?;
        Ok(PolicyNode(
            service::update_policy(ctx.state(), ctx.actor()?, id, version, input.into_service()).await?,
        ))
    }

    /// Publishes a policy and tells every eligible company, once (admins). Publishing again
    /// tells no one twice.
    async fn publish_policy(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The policy's id.")] id: ID,
    ) -> AppResult<PublishPolicyPayload> {
        let id = ids::decode(IdKind::Policy, &id, "id")?;
        let (policy, told) = service::publish_policy(ctx.state(), ctx.actor()?, id).await?;
        Ok(PublishPolicyPayload {
            policy: PolicyNode(policy),
            companies_told: told as i32,
        })
    }

    /// Withdraws a policy (admins): it is matched to no one any more.
    async fn withdraw_policy(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The policy's id.")] id: ID,
    ) -> AppResult<PolicyNode> {
        let id = ids::decode(IdKind::Policy, &id, "id")?;
        Ok(PolicyNode(
            service::withdraw_policy(ctx.state(), ctx.actor()?, id).await?,
        ))
    }

    /// Groups policies into a package (admins).
    async fn create_policy_package(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The package.")] input: PolicyPackageInput,
    ) -> AppResult<PolicyPackageNode> {
        let actor = ctx.actor()?;
        let package = service::create_package(ctx.state(), actor, input.into_service()?).await?;
        package_node(ctx, package).await
    }

    /// Changes a package's name, description and policies (admins).
    async fn update_policy_package(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The package's id.")] id: ID,
        #[graphql(desc = "The package.")] input: PolicyPackageInput,
    ) -> AppResult<PolicyPackageNode> {
        let id = ids::decode(IdKind::PolicyPackage, &id, "id")?;
        let package = service::update_package(ctx.state(), ctx.actor()?, id, input.into_service()?).await?;
        package_node(ctx, package).await
    }

    /// Changes a company's profile (admins and the company's officer) and tells the company of
    /// every published policy it now meets and was not told of.
    async fn update_company_profile(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The company's id.")] company_id: ID,
        #[graphql(desc = "The profile's version last read (0 for one never filled in).")] version: Option<i32>,
        #[graphql(desc = "The fields to change.")] input: CompanyProfileInput,
    ) -> AppResult<UpdateCompanyProfilePayload> {
        let company_id = ids::decode(IdKind::Company, &company_id, "companyId")?;
        let change = ProfileChange {
            scale: maybe(input.scale),
            employees: maybe(input.employees),
            revenue_band: maybe(input.revenue_band),
            industry_code: input.industry_code,
            area: input.area,
            tags: input.tags,
        };
        let (profile, told) =
            service::update_company_profile(ctx.state(), ctx.actor()?, company_id, version, change).await?;
        Ok(UpdateCompanyProfilePayload {
            profile: CompanyProfileNode(profile),
            policies_told: told as i32,
        })
    }

    /// The caller's company opened the policy (company staff).
    async fn mark_policy_read(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The policy's id.")] policy_id: ID,
    ) -> AppResult<PolicyUptakeNode> {
        let policy_id = ids::decode(IdKind::Policy, &policy_id, "policyId")?;
        Ok(service::mark_read(ctx.state(), ctx.actor()?, policy_id).await?.into())
    }

    /// Raises a consultation about the policy, linked to it (company staff).
    async fn ask_about_policy(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The policy's id.")] policy_id: ID,
        #[graphql(desc = "The question.")] input: AskAboutPolicyInput,
    ) -> AppResult<AskAboutPolicyPayload> {
        let policy_id = ids::decode(IdKind::Policy, &policy_id, "policyId")?;
        let ask = Ask {
            category_id: ids::decode(IdKind::Category, &input.category_id, "categoryId")?,
            question: input.question,
            idempotency_key: input.idempotency_key,
        };
        let (delivery, request) = service::ask(ctx.state(), ctx.actor()?, policy_id, ask).await?;
        Ok(AskAboutPolicyPayload {
            uptake: delivery.into(),
            request: RequestNode(request),
        })
    }

    /// The company applied for the policy: said by its staff, or recorded by its officer or an
    /// admin (who name the company).
    async fn mark_policy_applied(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The policy's id.")] policy_id: ID,
        #[graphql(desc = "The company (officers and admins).")] company_id: Option<ID>,
    ) -> AppResult<PolicyUptakeNode> {
        let policy_id = ids::decode(IdKind::Policy, &policy_id, "policyId")?;
        let company_id = company_id
            .map(|id| ids::decode(IdKind::Company, &id, "companyId"))
            .transpose()?;
        Ok(service::mark_applied(ctx.state(), ctx.actor()?, policy_id, company_id)
            .await?
            .into())
    }

    /// Records that the company was granted the policy (its officer or an admin).
    async fn record_policy_grant(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The policy's id.")] policy_id: ID,
        #[graphql(desc = "The company.")] company_id: ID,
        #[graphql(desc = "The amount granted, in yuan, where there is one.")] amount: Option<i64>,
        #[graphql(desc = "A note on the grant.")] note: Option<String>,
    ) -> AppResult<PolicyUptakeNode> {
        let policy_id = ids::decode(IdKind::Policy, &policy_id, "policyId")?;
        let company_id = ids::decode(IdKind::Company, &company_id, "companyId")?;
        Ok(
            service::record_grant(ctx.state(), ctx.actor()?, policy_id, company_id, amount, note)
                .await?
                .into(),
        )
    }
}

async fn package_node(ctx: &Context<'_>, package: PolicyPackage) -> AppResult<PolicyPackageNode> {
    let id = package.id;
    let items = service::packages(ctx.state(), ctx.actor()?)
        .await?
        .into_iter()
        .find(|(p, _)| p.id == id)
        .map(|(_, items)| items)
        .unwrap_or_default();
    Ok(PolicyPackageNode(package, items))
}
