//! Rules for companies and officer assignments.

use super::credit_code;
use super::errors::CompaniesReason;
use super::model::{Company, CompanyChanges, NewCompany, NewOfficerAssignment, OfficerAssignment};
use super::repo::{self, CompanyFilter};
use crate::actor::{Actor, Role};
use crate::auth::repo as users_repo;
use crate::db::Tx;
use crate::db::{DbConnection, Page, PageRequest};
use crate::error::{AppError, AppResult};
use crate::ids::{CompanyId, UserId};
use crate::notifications::service::{notify, Notice};
use crate::notifications::texts::NoticeKind;
use crate::state::AppState;
use crate::text::{multi_line, single_line};

pub const MAX_COMPANY_NAME_CHARS: usize = 100;
pub const MAX_TEXT_CHARS: usize = 200;
pub const MAX_REASON_CHARS: usize = 500;

fn clean_company_name(name: &str) -> AppResult<String> {
    single_line(MAX_COMPANY_NAME_CHARS).required("name", name)
}

fn clean_text(field: &str, text: &str, max: usize) -> AppResult<String> {
    single_line(max).blank_allowed(field, text)
}

/// A reason that must be given (assignments, replacements).
pub fn required_reason(field: &str, reason: &str) -> AppResult<String> {
    multi_line(MAX_REASON_CHARS).required(field, reason)
}

fn clean_credit_code(code: &str) -> AppResult<String> {
    credit_code::normalize(code)
}

#[derive(Debug, Clone)]
pub struct CreateCompany {
    pub name: String,
    pub credit_code: String,
    pub industry: Option<String>,
    pub address: Option<String>,
    pub key_enterprise: bool,
    /// Assigns this officer at once (full coverage from day one).
    pub officer_id: Option<UserId>,
}

pub async fn create_company(state: &AppState, actor: &Actor, input: CreateCompany) -> AppResult<Company> {
    actor.require_admin()?;
    let new = NewCompany {
        name: clean_company_name(&input.name)?,
        credit_code: clean_credit_code(&input.credit_code)?,
        industry: clean_text("industry", input.industry.as_deref().unwrap_or(""), MAX_TEXT_CHARS)?,
        address: clean_text("address", input.address.as_deref().unwrap_or(""), MAX_TEXT_CHARS)?,
        key_enterprise: input.key_enterprise,
        created_at: state.clock.now_naive(),
        updated_at: state.clock.now_naive(),
    };
    let actor_id = actor.user_id;
    let officer_id = input.officer_id;
    let company = state
        .db
        .write(move |conn| {
            if repo::credit_code_taken(conn, &new.credit_code, None)? {
                return Err(AppError::conflict(CompaniesReason::CREDIT_CODE_TAKEN));
            }
            let company = repo::insert(conn, &new)?;
            crate::audit::record(conn, actor_id, "createCompany", None, Some(&company), new.created_at)?;
            if let Some(officer_id) = officer_id {
                check_officer(conn, officer_id)?;
                let assignment = repo::insert_assignment(
                    conn,
                    &NewOfficerAssignment {
                        company_id: company.id,
                        officer_id,
                        reason: "assigned when the company was registered".into(),
                        assigned_by: Some(actor_id),
                        started_at: new.created_at,
                    },
                )?;
                crate::audit::record(conn, actor_id, "assignOfficer", None, Some(&assignment), new.created_at)?;
            }
            Ok(company)
        })
        .await?;
    tracing::info!(
        company_id = company.id.get(),
        by = actor.user_id.get(),
        "company created"
    );
    Ok(company)
}

#[derive(Debug, Clone, Default)]
pub struct UpdateCompany {
    pub name: Option<String>,
    pub credit_code: Option<String>,
    pub industry: Option<String>,
    pub address: Option<String>,
    pub key_enterprise: Option<bool>,
}

pub async fn update_company(
    state: &AppState,
    actor: &Actor,
    id: CompanyId,
    version: Option<i32>,
    input: UpdateCompany,
) -> AppResult<Company> {
    actor.require_admin()?;
    let changes = CompanyChanges {
        name: input.name.as_deref().map(clean_company_name).transpose()?,
        credit_code: input.credit_code.as_deref().map(clean_credit_code).transpose()?,
        industry: input
            .industry
            .as_deref()
            .map(|t| clean_text("industry", t, MAX_TEXT_CHARS))
            .transpose()?,
        address: input
            .address
            .as_deref()
            .map(|t| clean_text("address", t, MAX_TEXT_CHARS))
            .transpose()?,
        key_enterprise: input.key_enterprise,
        disabled_at: None,
    };
    let clock = state.clock.clone();
    let actor_id = actor.user_id;
    state
        .db
        .write(move |conn| {
            let before =
                repo::find_by_id(conn, id)?.ok_or_else(|| AppError::not_found(CompaniesReason::COMPANY_NOT_FOUND))?;
            if let Some(code) = &changes.credit_code {
                if repo::credit_code_taken(conn, code, Some(id))? {
                    return Err(AppError::conflict(CompaniesReason::CREDIT_CODE_TAKEN));
                }
            }
            let after = repo::update_versioned(conn, id, version, &changes, clock.now_naive())?.ok_or_else(|| {
                AppError::conflict(CompaniesReason::COMPANY_CHANGED_MEANWHILE).with_version(i64::from(before.version))
            })?;
            crate::audit::record(
                conn,
                actor_id,
                "updateCompany",
                Some(&before),
                Some(&after),
                after.updated_at,
            )?;
            Ok(after)
        })
        .await
}

/// Disables a company and its staff accounts, or re-enables the company (its staff stay
/// disabled until enabled one by one).
pub async fn set_disabled(state: &AppState, actor: &Actor, id: CompanyId, disabled: bool) -> AppResult<Company> {
    actor.require_admin()?;
    let clock = state.clock.clone();
    let actor_id = actor.user_id;
    state
        .db
        .write(move |conn| {
            let company =
                repo::find_by_id(conn, id)?.ok_or_else(|| AppError::not_found(CompaniesReason::COMPANY_NOT_FOUND))?;
            if company.disabled_at.is_some() == disabled {
                return Ok(company);
            }
            let now = clock.now_naive();
            if disabled {
                for user_id in repo::disable_staff(conn, id, now)? {
                    users_repo::revoke_all_for_user(conn, user_id, now)?;
                }
            }
            let changes = CompanyChanges {
                disabled_at: Some(disabled.then_some(now)),
                ..Default::default()
            };
            let after = repo::update_versioned(conn, id, None, &changes, now)?
                .ok_or_else(|| AppError::not_found(CompaniesReason::COMPANY_NOT_FOUND))?;
            let action = if disabled { "disableCompany" } else { "enableCompany" };
            crate::audit::record(conn, actor_id, action, Some(&company), Some(&after), now)?;
            Ok(after)
        })
        .await
}

fn check_officer(conn: &mut DbConnection, officer_id: UserId) -> AppResult<()> {
    let officer = users_repo::find_by_id(conn, officer_id)?
        .ok_or_else(|| AppError::bad_field("officerId", CompaniesReason::OFFICER_UNKNOWN))?;
    if officer.role != Role::Officer {
        return Err(AppError::bad_field("officerId", CompaniesReason::ASSIGNEE_NOT_OFFICER));
    }
    if officer.disabled_at.is_some() {
        return Err(AppError::bad_field(
            "officerId",
            CompaniesReason::OFFICER_ACCOUNT_DISABLED,
        ));
    }
    Ok(())
}

/// Who becomes whose officer, by whom and why.
#[derive(Debug, Clone)]
pub struct Reassignment {
    pub company_id: CompanyId,
    pub officer_id: UserId,
    pub reason: String,
    pub actor_id: UserId,
    /// The company's version the admin last read; a stale one gives CONFLICT.
    pub expected_version: Option<i32>,
}

/// Makes `officer_id` the company's officer, ending the current assignment with `reason`.
/// Runs inside the caller's transaction so other domains (evaluations) can combine it with
/// their own changes. `expected_version` guards against two admins reassigning at once.
/// Everyone concerned is notified in the same transaction: the new officer, the previous one
/// and the company's staff.
pub fn reassign(
    conn: &mut Tx<'_>,
    change: &Reassignment,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<(Company, Option<OfficerAssignment>, OfficerAssignment)> {
    let Reassignment {
        company_id,
        officer_id,
        ref reason,
        actor_id,
        expected_version,
    } = *change;
    let reason = reason.as_str();
    let naive_now = now.naive_utc();
    let company =
        repo::find_by_id(conn, company_id)?.ok_or_else(|| AppError::not_found(CompaniesReason::COMPANY_NOT_FOUND))?;
    if company.disabled_at.is_some() {
        return Err(AppError::bad_field("companyId", CompaniesReason::COMPANY_DISABLED));
    }
    check_officer(conn, officer_id)?;
    // Bumping the version first serialises concurrent reassignments of one company: on
    // PostgreSQL the second writer waits for the row lock, then finds the version moved.
    let company = repo::update_versioned(
        conn,
        company_id,
        expected_version.or(Some(company.version)),
        &CompanyChanges::default(),
        naive_now,
    )?
    .ok_or_else(|| {
        AppError::conflict(CompaniesReason::COMPANY_CHANGED_MEANWHILE).with_version(i64::from(company.version))
    })?;
    let previous = repo::active_assignment(conn, company_id)?;
    if let Some(current) = &previous {
        if current.officer_id == officer_id {
            return Err(AppError::bad_field(
                "officerId",
                CompaniesReason::OFFICER_ALREADY_SERVES,
            ));
        }
        if !repo::end_assignment(conn, current.id, reason, Some(actor_id), naive_now)? {
            return Err(AppError::conflict(CompaniesReason::ASSIGNMENT_CHANGED_MEANWHILE));
        }
    }
    let assignment = repo::insert_assignment(
        conn,
        &NewOfficerAssignment {
            company_id,
            officer_id,
            reason: reason.to_string(),
            assigned_by: Some(actor_id),
            started_at: naive_now,
        },
    )?;
    let about = |kind| Notice {
        kind,
        subject: company.name.clone(),
        request_id: None,
        company_id: Some(company_id),
        urgent: false,
    };
    notify(
        conn,
        now,
        Some(actor_id),
        [officer_id],
        &about(NoticeKind::OfficerAssigned),
    )?;
    if let Some(previous) = &previous {
        notify(
            conn,
            now,
            Some(actor_id),
            [previous.officer_id],
            &about(NoticeKind::OfficerReleased),
        )?;
    }
    let staff = users_repo::list(
        conn,
        &users_repo::UserFilter {
            company_id: Some(company_id),
            ..Default::default()
        },
        PageRequest {
            after: None,
            limit: 1000,
        },
    )?;
    let staff_ids = staff.items.iter().map(|u| u.id);
    notify(
        conn,
        now,
        Some(actor_id),
        staff_ids,
        &about(NoticeKind::CompanyOfficerChanged),
    )?;
    Ok((company, previous, assignment))
}

pub async fn assign_officer(
    state: &AppState,
    actor: &Actor,
    company_id: CompanyId,
    officer_id: UserId,
    reason: &str,
    expected_version: Option<i32>,
) -> AppResult<(Company, OfficerAssignment)> {
    actor.require_admin()?;
    let reason = required_reason("reason", reason)?;
    let clock = state.clock.clone();
    let actor_id = actor.user_id;
    let (company, previous, assignment) = state
        .db
        .write(move |conn| {
            let change = Reassignment {
                company_id,
                officer_id,
                reason,
                actor_id,
                expected_version,
            };
            let outcome = reassign(conn, &change, clock.now())?;
            let (_, previous, assignment) = &outcome;
            crate::audit::record(
                conn,
                actor_id,
                "assignOfficer",
                previous.as_ref(),
                Some(assignment),
                assignment.started_at,
            )?;
            Ok(outcome)
        })
        .await?;
    tracing::info!(
        company_id = company_id.get(),
        officer_id = officer_id.get(),
        previous = previous.map(|p| p.officer_id.get()),
        by = actor_id.get(),
        "officer assigned"
    );
    Ok((company, assignment))
}

/// Whether `actor` may see the company: admins all, officers the companies they serve, staff
/// their own company. Department users see companies only through their tasks.
pub fn can_see_company(conn: &mut DbConnection, actor: &Actor, company_id: CompanyId) -> AppResult<bool> {
    Ok(match actor.role {
        Role::Admin => true,
        Role::Company => actor.company_id == Some(company_id),
        Role::Officer => repo::active_officer_id(conn, company_id)? == Some(actor.user_id),
        Role::Department => false,
    })
}

pub async fn visible_company(state: &AppState, actor: &Actor, id: CompanyId) -> AppResult<Company> {
    let actor = actor.clone();
    state
        .db
        .read(move |conn| {
            if !can_see_company(conn, &actor, id)? {
                return Err(AppError::not_found(CompaniesReason::COMPANY_NOT_FOUND));
            }
            repo::find_by_id(conn, id)?.ok_or_else(|| AppError::not_found(CompaniesReason::COMPANY_NOT_FOUND))
        })
        .await
}

/// The companies `actor` may list, narrowed by `filter`.
pub async fn list_companies(
    state: &AppState,
    actor: &Actor,
    mut filter: CompanyFilter,
    page: PageRequest,
) -> AppResult<Page<Company>> {
    match actor.role {
        Role::Admin => {}
        Role::Officer => {
            if filter.officer_id.is_some_and(|o| o != actor.user_id) {
                return Err(AppError::forbidden(CompaniesReason::OFFICER_LISTS_OWN_COMPANIES));
            }
            filter.officer_id = Some(actor.user_id);
        }
        Role::Company => filter.only_id = actor.company_id,
        Role::Department => return Err(AppError::forbidden(CompaniesReason::DEPARTMENT_SEES_COMPANIES_BY_TASKS)),
    }
    state.db.read(move |conn| repo::list(conn, &filter, page)).await
}

pub async fn assignment_history(
    state: &AppState,
    actor: &Actor,
    company_id: CompanyId,
) -> AppResult<Vec<OfficerAssignment>> {
    let actor = actor.clone();
    state
        .db
        .read(move |conn| {
            if !(actor.is_admin() || (actor.role == Role::Officer && can_see_company(conn, &actor, company_id)?)) {
                return Err(AppError::forbidden(CompaniesReason::ASSIGNMENT_HISTORY_FORBIDDEN));
            }
            repo::assignments_of_company(conn, company_id)
        })
        .await
}

/// Staff of a company, for those who may see the company.
pub async fn staff(state: &AppState, actor: &Actor, company_id: CompanyId) -> AppResult<Vec<crate::auth::model::User>> {
    let actor = actor.clone();
    state
        .db
        .read(move |conn| {
            if !can_see_company(conn, &actor, company_id)? {
                return Err(AppError::not_found(CompaniesReason::COMPANY_NOT_FOUND));
            }
            let filter = users_repo::UserFilter {
                company_id: Some(company_id),
                ..Default::default()
            };
            Ok(users_repo::list(
                conn,
                &filter,
                PageRequest {
                    after: None,
                    limit: 500,
                },
            )?
            .items)
        })
        .await
}
