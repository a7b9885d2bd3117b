//! Rules for policies, packages and the uptake funnel: admins publish; each company whose
//! profile meets a published policy's rules is told once (a unique delivery row claimed with
//! `ON CONFLICT DO NOTHING`, in the transaction that publishes or changes the profile); the
//! company reads, asks, applies; its officer records the grant.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

use super::errors::PoliciesReason;
use super::model::{
    Eligibility, Funnel, NewPolicy, NewPolicyDocument, NewPolicyPackage, Policy, PolicyDelivery, PolicyDocument,
    PolicyPackage, PolicyStatus,
};
use super::repo;
use crate::actor::{Actor, Role};
use crate::companies::model::Company;
use crate::companies::profile::{self, CompanyProfile, ProfileChange};
use crate::companies::repo as companies_repo;
use crate::db::DbConnection;
use crate::db::Tx;
use crate::error::{AppError, AppResult};
use crate::ids::{CompanyId, PolicyId, PolicyPackageId, UserId};
use crate::notifications::service::{notify, Notice};
use crate::notifications::texts::NoticeKind;
use crate::requests::model::{Request, RequestKind, Urgency};
use crate::state::AppState;
use crate::text::{multi_line, single_line};

pub const MAX_TITLE_CHARS: usize = 100;
pub const MAX_ISSUER_CHARS: usize = 100;
pub const MAX_SUMMARY_CHARS: usize = 5000;
pub const MAX_DOCUMENTS: usize = 20;
pub const MAX_URL_CHARS: usize = 1000;
pub const MAX_PACKAGE_POLICIES: usize = 100;
pub const MAX_NOTE_CHARS: usize = 500;
pub const MAX_QUESTION_CHARS: usize = 2000;

/// A document of a policy as given.
#[derive(Debug, Clone)]
pub struct DocumentInput {
    pub name: String,
    pub url: String,
}

/// A policy item as an admin writes it.
#[derive(Debug, Clone)]
pub struct PolicyInput {
    pub title: String,
    pub issuer: String,
    pub summary: String,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub eligibility: Eligibility,
    pub without_application: bool,
    pub documents: Vec<DocumentInput>,
}

fn clean_rules(rules: Eligibility) -> AppResult<Eligibility> {
    if let (Some(min), Some(max)) = (rules.employees_at_least, rules.employees_below) {
        if min >= max {
            return Err(AppError::bad_field(
                "eligibility.employeesBelow",
                PoliciesReason::EMPLOYEE_BOUNDS_REVERSED,
            ));
        }
    }
    let prefixes = rules
        .industry_code_prefixes
        .iter()
        .map(|p| {
            let code = profile::clean_industry_code(p)?;
            if code.is_empty() {
                return Err(AppError::bad_field(
                    "eligibility.industryCodePrefixes",
                    crate::companies::errors::CompaniesReason::INDUSTRY_CODE_INVALID,
                )
                .arg("code", ""));
            }
            Ok(code)
        })
        .collect::<AppResult<Vec<_>>>()?;
    let areas = rules
        .areas
        .iter()
        .map(|a| single_line(profile::MAX_AREA_CHARS).required("eligibility.areas", a))
        .collect::<AppResult<Vec<_>>>()?;
    Ok(Eligibility {
        industry_code_prefixes: prefixes,
        areas,
        all_tags: profile::clean_tags("eligibility.allTags", &rules.all_tags)?,
        any_tags: profile::clean_tags("eligibility.anyTags", &rules.any_tags)?,
        ..rules
    })
}

fn clean_policy(input: PolicyInput, actor: &Actor, now: NaiveDateTime) -> AppResult<(NewPolicy, Vec<DocumentInput>)> {
    if let (Some(from), Some(to)) = (input.valid_from, input.valid_to) {
        if from > to {
            return Err(AppError::bad_field("validTo", PoliciesReason::VALIDITY_REVERSED));
        }
    }
    if input.documents.len() > MAX_DOCUMENTS {
        return Err(AppError::bad_field("documents", PoliciesReason::TOO_MANY_DOCUMENTS).arg("max", MAX_DOCUMENTS));
    }
    let documents = input
        .documents
        .iter()
        .map(|d| {
            let url = single_line(MAX_URL_CHARS).required("documents.url", &d.url)?;
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(AppError::bad_field(
                    "documents.url",
                    PoliciesReason::DOCUMENT_URL_INVALID,
                ));
            }
            Ok(DocumentInput {
                name: single_line(MAX_TITLE_CHARS).required("documents.name", &d.name)?,
                url,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    let rules = clean_rules(input.eligibility)?;
    Ok((
        NewPolicy {
            title: single_line(MAX_TITLE_CHARS).required("title", &input.title)?,
            issuer: single_line(MAX_ISSUER_CHARS).required("issuer", &input.issuer)?,
            summary: multi_line(MAX_SUMMARY_CHARS).required("summary", &input.summary)?,
            valid_from: input.valid_from.map(|d| d.format("%Y-%m-%d").to_string()),
            valid_to: input.valid_to.map(|d| d.format("%Y-%m-%d").to_string()),
            eligibility: serde_json::to_string(&rules).map_err(|e| AppError::internal(e.to_string()))?,
            without_application: input.without_application,
            status: PolicyStatus::Draft,
            created_by: actor.user_id,
            created_at: now,
            updated_at: now,
        },
        documents,
    ))
}

fn document_rows(id: PolicyId, documents: &[DocumentInput]) -> Vec<NewPolicyDocument> {
    documents
        .iter()
        .enumerate()
        .map(|(i, d)| NewPolicyDocument {
            policy_id: id,
            name: d.name.clone(),
            url: d.url.clone(),
            position: i as i32,
        })
        .collect()
}

fn require_admin(actor: &Actor) -> AppResult<()> {
    if actor.role == Role::Admin {
        Ok(())
    } else {
        Err(AppError::forbidden(PoliciesReason::ADMINS_MANAGE_POLICIES))
    }
}

fn today(state: &AppState) -> NaiveDate {
    state.clock.now().with_timezone(&state.config.time_zone).date_naive()
}

pub async fn create_policy(state: &AppState, actor: &Actor, input: PolicyInput) -> AppResult<Policy> {
    require_admin(actor)?;
    let (new, documents) = clean_policy(input, actor, state.clock.now_naive())?;
    let actor_id = actor.user_id;
    state
        .db
        .write(move |conn| {
            let policy = repo::insert(conn, &new)?;
            repo::replace_documents(conn, policy.id, &document_rows(policy.id, &documents))?;
            crate::audit::record(conn, actor_id, "createPolicy", None, Some(&policy), new.created_at)?;
            Ok(policy)
        })
        .await
}

/// Changes a draft (published policies are fixed: companies were told what they say).
pub async fn update_policy(
    state: &AppState,
    actor: &Actor,
    id: PolicyId,
    version: i32,
    input: PolicyInput,
) -> AppResult<Policy> {
    require_admin(actor)?;
    let (new, documents) = clean_policy(input, actor, state.clock.now_naive())?;
    let actor_id = actor.user_id;
    state
        .db
        .write(move |conn| {
            let before =
                repo::find_by_id(conn, id)?.ok_or_else(|| AppError::not_found(PoliciesReason::POLICY_NOT_FOUND))?;
            if before.status != PolicyStatus::Draft {
                return Err(AppError::bad_input(PoliciesReason::POLICY_NOT_DRAFT));
            }
            let after = repo::update_versioned(conn, id, version, &new)?.ok_or_else(|| {
                AppError::conflict(PoliciesReason::POLICY_CHANGED_MEANWHILE).with_version(i64::from(before.version))
            })?;
            repo::replace_documents(conn, id, &document_rows(id, &documents))?;
            crate::audit::record(
                conn,
                actor_id,
                "updatePolicy",
                Some(&before),
                Some(&after),
                new.updated_at,
            )?;
            Ok(after)
        })
        .await
}

/// Tells each company in `candidates` that meets the policy's rules and was not told before:
/// one delivery row (claimed once), one inbox notice and one push per staff device, in the
/// caller's transaction. Returns the companies told now.
fn deliver(
    conn: &mut Tx<'_>,
    policy: &Policy,
    candidates: &[(Company, CompanyProfile)],
    actor_id: UserId,
    now: DateTime<Utc>,
) -> AppResult<Vec<CompanyId>> {
    let rules = policy.rules();
    let mut told = Vec::new();
    for (company, profile) in candidates {
        if company.disabled_at.is_some() || !rules.matches(company, profile) {
            continue;
        }
        if repo::claim_delivery(conn, policy.id, company.id, now.naive_utc())? {
            told.push(company.id);
        }
    }
    let mut staff: HashMap<CompanyId, Vec<UserId>> = HashMap::new();
    for (company_id, user_id) in companies_repo::active_staff_ids(conn, &told)? {
        staff.entry(company_id).or_default().push(user_id);
    }
    for company_id in &told {
        notify(
            conn,
            now,
            Some(actor_id),
            staff.remove(company_id).unwrap_or_default(),
            &Notice {
                kind: NoticeKind::PolicyMatched,
                subject: policy.title.clone(),
                request_id: None,
                company_id: Some(*company_id),
                urgent: false,
            },
        )?;
    }
    Ok(told)
}

/// Publishes a policy and tells every eligible company. Publishing again is harmless: it
/// tells only companies that became eligible and were not told (none, usually).
pub async fn publish_policy(state: &AppState, actor: &Actor, id: PolicyId) -> AppResult<(Policy, usize)> {
    require_admin(actor)?;
    let clock = state.clock.clone();
    let today = today(state);
    let actor_id = actor.user_id;
    let (policy, told) = state
        .db
        .write(move |conn| {
            repo::take_matching_turn(conn)?;
            let before =
                repo::find_by_id(conn, id)?.ok_or_else(|| AppError::not_found(PoliciesReason::POLICY_NOT_FOUND))?;
            if before.status == PolicyStatus::Withdrawn {
                return Err(AppError::bad_input(PoliciesReason::POLICY_WITHDRAWN));
            }
            if before
                .valid_to
                .as_deref()
                .is_some_and(|to| to < today.format("%Y-%m-%d").to_string().as_str())
            {
                return Err(AppError::bad_input(PoliciesReason::POLICY_EXPIRED));
            }
            let now = clock.now();
            let policy = if before.status == PolicyStatus::Published {
                before
            } else {
                let after = repo::set_status(
                    conn,
                    id,
                    PolicyStatus::Published,
                    Some(now.naive_utc()),
                    now.naive_utc(),
                )?;
                crate::audit::record(
                    conn,
                    actor_id,
                    "publishPolicy",
                    Some(&before),
                    Some(&after),
                    now.naive_utc(),
                )?;
                after
            };
            let candidates = companies_repo::active_with_profiles(conn, now.naive_utc())?;
            let told = deliver(conn, &policy, &candidates, actor_id, now)?;
            Ok((policy, told.len()))
        })
        .await?;
    tracing::info!(
        policy_id = policy.id.get(),
        told,
        by = actor.user_id.get(),
        "policy published"
    );
    Ok((policy, told))
}

pub async fn withdraw_policy(state: &AppState, actor: &Actor, id: PolicyId) -> AppResult<Policy> {
    require_admin(actor)?;
    let clock = state.clock.clone();
    let actor_id = actor.user_id;
    state
        .db
        .write(move |conn| {
            let before =
                repo::find_by_id(conn, id)?.ok_or_else(|| AppError::not_found(PoliciesReason::POLICY_NOT_FOUND))?;
            if before.status == PolicyStatus::Withdrawn {
                return Ok(before);
            }
            let now = clock.now_naive();
            let after = repo::set_status(conn, id, PolicyStatus::Withdrawn, before.published_at, now)?;
            crate::audit::record(conn, actor_id, "withdrawPolicy", Some(&before), Some(&after), now)?;
            Ok(after)
        })
        .await
}

/// Changes a company's profile (admins, the company's officer) and tells the company of every
/// published policy in force it now meets and was not told of. Returns the profile and the
/// number of policies told.
pub async fn update_company_profile(
    state: &AppState,
    actor: &Actor,
    company_id: CompanyId,
    version: Option<i32>,
    change: ProfileChange,
) -> AppResult<(CompanyProfile, usize)> {
    let change = profile::clean_change(change)?;
    let clock = state.clock.clone();
    let today = today(state);
    let actor = actor.clone();
    state
        .db
        .write(move |conn| {
            repo::take_matching_turn(conn)?;
            let now = clock.now();
            let (company, _, after) = profile::save(conn, &actor, company_id, version, &change, now.naive_utc())?;
            let mut told = 0;
            let candidates = [(company, after.clone())];
            for policy in repo::list(conn, Some(PolicyStatus::Published))? {
                if policy.in_force_on(today) {
                    told += deliver(conn, &policy, &candidates, actor.user_id, now)?.len();
                }
            }
            Ok((after, told))
        })
        .await
}

/// Whether the actor may see the policy: admins every one, officers published and withdrawn
/// ones, company staff those their company was told of.
fn may_see(conn: &mut DbConnection, actor: &Actor, policy: &Policy) -> AppResult<bool> {
    Ok(match actor.role {
        Role::Admin => true,
        Role::Officer => policy.status != PolicyStatus::Draft,
        Role::Company => match actor.company_id {
            Some(company_id) => repo::delivery(conn, policy.id, company_id)?.is_some(),
            None => false,
        },
        Role::Department => false,
    })
}

pub async fn policy(state: &AppState, actor: &Actor, id: PolicyId) -> AppResult<Policy> {
    let actor = actor.clone();
    state
        .db
        .read(move |conn| {
            let policy =
                repo::find_by_id(conn, id)?.ok_or_else(|| AppError::not_found(PoliciesReason::POLICY_NOT_FOUND))?;
            if !may_see(conn, &actor, &policy)? {
                return Err(AppError::not_found(PoliciesReason::POLICY_NOT_FOUND));
            }
            Ok(policy)
        })
        .await
}

/// The policies the actor may see, newest first.
pub async fn policies(state: &AppState, actor: &Actor, status: Option<PolicyStatus>) -> AppResult<Vec<Policy>> {
    let actor = actor.clone();
    state
        .db
        .read(move |conn| {
            let all = repo::list(conn, status)?;
            let told: HashSet<PolicyId> = match (actor.role, actor.company_id) {
                (Role::Company, Some(company_id)) => repo::deliveries_of_company(conn, company_id)?
                    .into_iter()
                    .map(|d| d.policy_id)
                    .collect(),
                _ => HashSet::new(),
            };
            Ok(all
                .into_iter()
                .filter(|p| match actor.role {
                    Role::Admin => true,
                    Role::Officer => p.status != PolicyStatus::Draft,
                    Role::Company => told.contains(&p.id),
                    Role::Department => false,
                })
                .collect())
        })
        .await
}

pub async fn documents(state: &AppState, ids: Vec<PolicyId>) -> AppResult<Vec<PolicyDocument>> {
    state.db.read(move |conn| repo::documents_of(conn, &ids)).await
}

/// The caller's company's policies with how far it has taken each (company staff).
pub async fn my_policies(state: &AppState, actor: &Actor) -> AppResult<Vec<PolicyDelivery>> {
    let company_id = own_company(actor)?;
    state
        .db
        .read(move |conn| repo::deliveries_of_company(conn, company_id))
        .await
}

fn own_company(actor: &Actor) -> AppResult<CompanyId> {
    match (actor.role, actor.company_id) {
        (Role::Company, Some(company_id)) => Ok(company_id),
        _ => Err(AppError::forbidden(PoliciesReason::COMPANY_STAFF_ONLY)),
    }
}

fn told(conn: &mut DbConnection, policy_id: PolicyId, company_id: CompanyId) -> AppResult<PolicyDelivery> {
    repo::delivery(conn, policy_id, company_id)?
        .ok_or_else(|| AppError::not_found(PoliciesReason::NOT_ELIGIBLE_OR_NOT_TOLD))
}

/// The company's staff opened the policy.
pub async fn mark_read(state: &AppState, actor: &Actor, policy_id: PolicyId) -> AppResult<PolicyDelivery> {
    let company_id = own_company(actor)?;
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            let delivery = told(conn, policy_id, company_id)?;
            repo::mark_read(conn, delivery.id, now)?;
            told(conn, policy_id, company_id)
        })
        .await
}

/// A consultation raised from a policy.
#[derive(Debug, Clone)]
pub struct Ask {
    pub category_id: i64,
    pub question: String,
    pub idempotency_key: Option<String>,
}

/// The company's staff ask about a policy: a consultation request (channel APP) is raised
/// through the requests service and linked to the company's delivery of the policy (the
/// first question is the funnel's "asked"; later ones are raised but keep the first link).
pub async fn ask(
    state: &AppState,
    actor: &Actor,
    policy_id: PolicyId,
    input: Ask,
) -> AppResult<(PolicyDelivery, Request)> {
    let company_id = own_company(actor)?;
    let question = multi_line(MAX_QUESTION_CHARS).required("question", &input.question)?;
    let policy = state
        .db
        .read(move |conn| {
            told(conn, policy_id, company_id)?;
            repo::find_by_id(conn, policy_id)?.ok_or_else(|| AppError::not_found(PoliciesReason::POLICY_NOT_FOUND))
        })
        .await?;
    let title: String = format!("政策咨询：{}", policy.title)
        .chars()
        .take(crate::requests::service::MAX_TITLE_CHARS)
        .collect();
    let request = crate::requests::service::raise(
        state,
        actor,
        crate::requests::service::Raise {
            company_id: Some(company_id),
            kind: RequestKind::Consultation,
            category_id: input.category_id,
            urgency: Urgency::Normal,
            title,
            description: question,
            channel: None,
            idempotency_key: input.idempotency_key,
            caller: None,
        },
    )
    .await?;
    let now = state.clock.now_naive();
    let request_id = request.id;
    let delivery = state
        .db
        .write(move |conn| {
            let delivery = told(conn, policy_id, company_id)?;
            repo::mark_asked(conn, delivery.id, request_id, now)?;
            told(conn, policy_id, company_id)
        })
        .await?;
    Ok((delivery, request))
}

/// Which company an uptake step is about, and whether the actor may record it: company staff
/// their own company, officers the companies they serve, admins any.
fn acting_for(conn: &mut DbConnection, actor: &Actor, company_id: Option<CompanyId>) -> AppResult<CompanyId> {
    match actor.role {
        Role::Company => {
            let own = own_company(actor)?;
            if company_id.is_some_and(|c| c != own) {
                return Err(AppError::not_found(PoliciesReason::NOT_ELIGIBLE_OR_NOT_TOLD));
            }
            Ok(own)
        }
        Role::Officer | Role::Admin => {
            let company_id =
                company_id.ok_or_else(|| AppError::bad_field("companyId", PoliciesReason::COMPANY_ID_REQUIRED))?;
            if actor.role == Role::Officer
                && companies_repo::active_officer_id(conn, company_id)? != Some(actor.user_id)
            {
                return Err(AppError::forbidden(PoliciesReason::OFFICER_OWN_COMPANIES));
            }
            Ok(company_id)
        }
        Role::Department => Err(AppError::forbidden(PoliciesReason::FUNNEL_FORBIDDEN)),
    }
}

/// The company applied for the policy (said by the company, or recorded by its officer).
pub async fn mark_applied(
    state: &AppState,
    actor: &Actor,
    policy_id: PolicyId,
    company_id: Option<CompanyId>,
) -> AppResult<PolicyDelivery> {
    let actor = actor.clone();
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            let company_id = acting_for(conn, &actor, company_id)?;
            let policy = repo::find_by_id(conn, policy_id)?
                .ok_or_else(|| AppError::not_found(PoliciesReason::POLICY_NOT_FOUND))?;
            if policy.without_application {
                return Err(AppError::bad_input(PoliciesReason::NO_APPLICATION_NEEDED));
            }
            let delivery = told(conn, policy_id, company_id)?;
            if let Some(after) = repo::mark_applied(conn, delivery.id, now)? {
                crate::audit::record(
                    conn,
                    actor.user_id,
                    "markPolicyApplied",
                    Some(&delivery),
                    Some(&after),
                    now,
                )?;
                return Ok(after);
            }
            Ok(delivery)
        })
        .await
}

/// The officer (or an admin) records that the benefit was granted, with its amount in yuan
/// where there is one. A policy granted without application needs no application first.
pub async fn record_grant(
    state: &AppState,
    actor: &Actor,
    policy_id: PolicyId,
    company_id: CompanyId,
    amount: Option<i64>,
    note: Option<String>,
) -> AppResult<PolicyDelivery> {
    if actor.role == Role::Company {
        return Err(AppError::forbidden(PoliciesReason::OFFICER_OWN_COMPANIES));
    }
    if amount.is_some_and(|a| a < 0) {
        return Err(AppError::bad_field("amount", PoliciesReason::AMOUNT_NEGATIVE));
    }
    let note = multi_line(MAX_NOTE_CHARS).blank_allowed("note", note.as_deref().unwrap_or(""))?;
    let actor = actor.clone();
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            let company_id = acting_for(conn, &actor, Some(company_id))?;
            let policy = repo::find_by_id(conn, policy_id)?
                .ok_or_else(|| AppError::not_found(PoliciesReason::POLICY_NOT_FOUND))?;
            let delivery = told(conn, policy_id, company_id)?;
            if delivery.granted_at.is_some() {
                return Err(AppError::conflict(PoliciesReason::ALREADY_GRANTED));
            }
            if !policy.without_application && delivery.applied_at.is_none() {
                return Err(AppError::bad_input(PoliciesReason::NOT_APPLIED_YET));
            }
            let after = repo::mark_granted(conn, delivery.id, amount, &note, actor.user_id, now)?
                .ok_or_else(|| AppError::conflict(PoliciesReason::ALREADY_GRANTED))?;
            crate::audit::record(
                conn,
                actor.user_id,
                "recordPolicyGrant",
                Some(&delivery),
                Some(&after),
                now,
            )?;
            Ok(after)
        })
        .await
}

/// The companies whose uptake the actor may see: every one for admins, their own for officers.
fn funnel_scope(conn: &mut DbConnection, actor: &Actor) -> AppResult<Option<Vec<CompanyId>>> {
    match actor.role {
        Role::Admin => Ok(None),
        Role::Officer => Ok(Some(companies_repo::company_ids_of_officer(conn, actor.user_id)?)),
        Role::Company | Role::Department => Err(AppError::forbidden(PoliciesReason::FUNNEL_FORBIDDEN)),
    }
}

/// One company's standing on a policy, for the funnel's lists.
#[derive(Debug, Clone)]
pub struct Uptake {
    pub company: Company,
    pub eligible: bool,
    pub delivery: Option<PolicyDelivery>,
}

/// The policy's funnel and its per-company lines, over the companies the actor may see.
pub async fn uptake(state: &AppState, actor: &Actor, policy_id: PolicyId) -> AppResult<(Funnel, Vec<Uptake>)> {
    let actor = actor.clone();
    let now = state.clock.now_naive();
    state
        .db
        .read(move |conn| {
            let scope = funnel_scope(conn, &actor)?;
            let policy = repo::find_by_id(conn, policy_id)?
                .ok_or_else(|| AppError::not_found(PoliciesReason::POLICY_NOT_FOUND))?;
            if !may_see(conn, &actor, &policy)? {
                return Err(AppError::not_found(PoliciesReason::POLICY_NOT_FOUND));
            }
            let rules = policy.rules();
            let deliveries = repo::deliveries_of_policy(conn, policy_id, scope.as_deref())?;
            let mut by_company: HashMap<CompanyId, PolicyDelivery> =
                deliveries.iter().map(|d| (d.company_id, d.clone())).collect();
            let in_scope = |id: CompanyId| scope.as_ref().is_none_or(|s| s.contains(&id));
            let mut lines = Vec::new();
            let mut eligible = 0;
            for (company, profile) in companies_repo::active_with_profiles(conn, now)? {
                if !in_scope(company.id) {
                    continue;
                }
                let is_eligible = policy.status == PolicyStatus::Published && rules.matches(&company, &profile);
                eligible += i64::from(is_eligible);
                let delivery = by_company.remove(&company.id);
                if is_eligible || delivery.is_some() {
                    lines.push(Uptake {
                        company,
                        eligible: is_eligible,
                        delivery,
                    });
                }
            }
            Ok((Funnel::of(eligible, &deliveries), lines))
        })
        .await
}

/// A package as an admin writes it.
#[derive(Debug, Clone)]
pub struct PackageInput {
    pub name: String,
    pub description: String,
    pub policy_ids: Vec<PolicyId>,
}

fn clean_package(input: &PackageInput) -> AppResult<(String, String, Vec<PolicyId>)> {
    if input.policy_ids.len() > MAX_PACKAGE_POLICIES {
        return Err(
            AppError::bad_field("policyIds", PoliciesReason::TOO_MANY_POLICIES_IN_PACKAGE)
                .arg("max", MAX_PACKAGE_POLICIES),
        );
    }
    let mut ids = Vec::new();
    for id in &input.policy_ids {
        if !ids.contains(id) {
            ids.push(*id);
        }
    }
    Ok((
        single_line(MAX_TITLE_CHARS).required("name", &input.name)?,
        multi_line(MAX_SUMMARY_CHARS).blank_allowed("description", &input.description)?,
        ids,
    ))
}

fn check_policies_exist(conn: &mut DbConnection, ids: &[PolicyId]) -> AppResult<()> {
    if repo::find_by_ids(conn, ids)?.len() != ids.len() {
        return Err(AppError::bad_field("policyIds", PoliciesReason::POLICY_NOT_FOUND));
    }
    Ok(())
}

pub async fn create_package(state: &AppState, actor: &Actor, input: PackageInput) -> AppResult<PolicyPackage> {
    require_admin(actor)?;
    let (name, description, ids) = clean_package(&input)?;
    let now = state.clock.now_naive();
    let actor_id = actor.user_id;
    state
        .db
        .write(move |conn| {
            check_policies_exist(conn, &ids)?;
            let package = repo::insert_package(
                conn,
                &NewPolicyPackage {
                    name,
                    description,
                    created_by: actor_id,
                    created_at: now,
                    updated_at: now,
                },
            )?;
            repo::replace_package_items(conn, package.id, &ids)?;
            crate::audit::record(conn, actor_id, "createPolicyPackage", None, Some(&package), now)?;
            Ok(package)
        })
        .await
}

pub async fn update_package(
    state: &AppState,
    actor: &Actor,
    id: PolicyPackageId,
    input: PackageInput,
) -> AppResult<PolicyPackage> {
    require_admin(actor)?;
    let (name, description, ids) = clean_package(&input)?;
    let now = state.clock.now_naive();
    let actor_id = actor.user_id;
    state
        .db
        .write(move |conn| {
            let before =
                repo::find_package(conn, id)?.ok_or_else(|| AppError::not_found(PoliciesReason::PACKAGE_NOT_FOUND))?;
            check_policies_exist(conn, &ids)?;
            let after = repo::update_package(conn, id, &name, &description, now)?;
            repo::replace_package_items(conn, id, &ids)?;
            crate::audit::record(conn, actor_id, "updatePolicyPackage", Some(&before), Some(&after), now)?;
            Ok(after)
        })
        .await
}

/// Packages with the policies in each that the actor may see; a company sees only packages
/// holding at least one policy it was told of.
pub async fn packages(state: &AppState, actor: &Actor) -> AppResult<Vec<(PolicyPackage, Vec<Policy>)>> {
    let visible = policies(state, actor, None).await?;
    let role = actor.role;
    state
        .db
        .read(move |conn| {
            let packages = repo::packages(conn)?;
            let ids: Vec<PolicyPackageId> = packages.iter().map(|p| p.id).collect();
            let items = repo::package_items(conn, &ids)?;
            let by_id: HashMap<PolicyId, Policy> = visible.into_iter().map(|p| (p.id, p)).collect();
            Ok(packages
                .into_iter()
                .map(|package| {
                    let policies: Vec<Policy> = items
                        .iter()
                        .filter(|(pkg, _)| *pkg == package.id)
                        .filter_map(|(_, policy_id)| by_id.get(policy_id).cloned())
                        .collect();
                    (package, policies)
                })
                .filter(|(_, policies)| role != Role::Company || !policies.is_empty())
                .collect())
        })
        .await
}
