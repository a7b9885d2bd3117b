use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{Company, CompanyChanges, NewCompany, NewOfficerAssignment, OfficerAssignment};
use super::profile::CompanyProfile;
use crate::db::schema::{companies, company_profiles, officer_assignments, users};
use crate::db::{like_pattern, lower, DbConnection, MultiBackend, Page, PageRequest};
use crate::error::AppResult;
use crate::ids::{CompanyId, UserId};

pub fn find_by_id(conn: &mut DbConnection, id: CompanyId) -> AppResult<Option<Company>> {
    Ok(companies::table
        .find(id)
        .select(Company::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_by_ids(conn: &mut DbConnection, ids: &[CompanyId]) -> AppResult<Vec<Company>> {
    Ok(companies::table
        .filter(companies::id.eq_any(ids))
        .select(Company::as_select())
        .load(conn)?)
}

pub fn credit_code_taken(conn: &mut DbConnection, code: &str, except_id: Option<CompanyId>) -> AppResult<bool> {
    let mut query = companies::table
        .filter(companies::credit_code.eq(code))
        .select(companies::id)
        .into_boxed();
    if let Some(id) = except_id {
        query = query.filter(companies::id.ne(id));
    }
    Ok(query.first::<i64>(conn).optional()?.is_some())
}

pub fn insert(conn: &mut DbConnection, new: &NewCompany) -> AppResult<Company> {
    Ok(diesel::insert_into(companies::table)
        .values(new)
        .returning(companies::all_columns)
        .get_result(conn)?)
}

/// Applies `changes` and bumps the version if the row still has `expected_version`.
pub fn update_versioned(
    conn: &mut DbConnection,
    id: CompanyId,
    expected_version: Option<i32>,
    changes: &CompanyChanges,
    now: NaiveDateTime,
) -> AppResult<Option<Company>> {
    let mut update = diesel::update(companies::table.filter(companies::id.eq(id))).into_boxed();
    if let Some(version) = expected_version {
        update = update.filter(companies::version.eq(version));
    }
    Ok(update
        .set((
            changes,
            companies::version.eq(companies::version + 1),
            companies::updated_at.eq(now),
        ))
        .returning(companies::all_columns)
        .get_result(conn)
        .optional()?)
}

#[derive(Debug, Default, Clone)]
pub struct CompanyFilter {
    pub search: Option<String>,
    pub industry: Option<String>,
    pub key_enterprise: Option<bool>,
    /// Only companies this officer serves now.
    pub officer_id: Option<UserId>,
    /// Only this company (how company staff see the list).
    pub only_id: Option<CompanyId>,
    /// Only companies with no active officer (or whose officer is disabled).
    pub without_officer: bool,
    pub include_disabled: bool,
}

fn filtered(filter: &CompanyFilter) -> companies::BoxedQuery<'static, MultiBackend> {
    let mut query = companies::table.into_boxed();
    if let Some(search) = filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let pattern = like_pattern(search);
        query = query.filter(
            lower(companies::name)
                .like(pattern.clone())
                .escape('\\')
                .or(lower(companies::credit_code).like(pattern).escape('\\')),
        );
    }
    if let Some(industry) = filter.industry.clone() {
        query = query.filter(companies::industry.eq(industry));
    }
    if let Some(key) = filter.key_enterprise {
        query = query.filter(companies::key_enterprise.eq(key));
    }
    if let Some(officer_id) = filter.officer_id {
        query = query.filter(
            companies::id.eq_any(
                officer_assignments::table
                    .filter(officer_assignments::officer_id.eq(officer_id))
                    .filter(officer_assignments::ended_at.is_null())
                    .select(officer_assignments::company_id),
            ),
        );
    }
    if let Some(id) = filter.only_id {
        query = query.filter(companies::id.eq(id));
    }
    if filter.without_officer {
        query = query.filter(
            companies::id.ne_all(
                officer_assignments::table
                    .inner_join(users::table)
                    .filter(officer_assignments::ended_at.is_null())
                    .filter(users::disabled_at.is_null())
                    .select(officer_assignments::company_id),
            ),
        );
    }
    if !filter.include_disabled {
        query = query.filter(companies::disabled_at.is_null());
    }
    query
}

pub fn list(conn: &mut DbConnection, filter: &CompanyFilter, page: PageRequest) -> AppResult<Page<Company>> {
    let total: i64 = filtered(filter).count().get_result(conn)?;
    let mut query = filtered(filter)
        .select(Company::as_select())
        .order(companies::id.asc())
        .limit(page.limit + 1);
    if let Some(after) = page.after {
        query = query.filter(companies::id.gt(after));
    }
    Ok(Page::from_rows(query.load(conn)?, page, total))
}

pub fn active_assignment(conn: &mut DbConnection, company_id: CompanyId) -> AppResult<Option<OfficerAssignment>> {
    Ok(officer_assignments::table
        .filter(officer_assignments::company_id.eq(company_id))
        .filter(officer_assignments::ended_at.is_null())
        .select(OfficerAssignment::as_select())
        .first(conn)
        .optional()?)
}

pub fn active_officer_id(conn: &mut DbConnection, company_id: CompanyId) -> AppResult<Option<UserId>> {
    Ok(active_assignment(conn, company_id)?.map(|a| a.officer_id))
}

pub fn active_assignments_for(conn: &mut DbConnection, company_ids: &[CompanyId]) -> AppResult<Vec<OfficerAssignment>> {
    Ok(officer_assignments::table
        .filter(officer_assignments::company_id.eq_any(company_ids))
        .filter(officer_assignments::ended_at.is_null())
        .select(OfficerAssignment::as_select())
        .load(conn)?)
}

pub fn assignments_of_company(conn: &mut DbConnection, company_id: CompanyId) -> AppResult<Vec<OfficerAssignment>> {
    Ok(officer_assignments::table
        .filter(officer_assignments::company_id.eq(company_id))
        .order(officer_assignments::id.desc())
        .select(OfficerAssignment::as_select())
        .load(conn)?)
}

pub fn insert_assignment(conn: &mut DbConnection, new: &NewOfficerAssignment) -> AppResult<OfficerAssignment> {
    Ok(diesel::insert_into(officer_assignments::table)
        .values(new)
        .returning(officer_assignments::all_columns)
        .get_result(conn)?)
}

/// Ends an active assignment; false when it had already ended.
pub fn end_assignment(
    conn: &mut DbConnection,
    id: i64,
    reason: &str,
    by: Option<UserId>,
    now: NaiveDateTime,
) -> AppResult<bool> {
    let rows = diesel::update(
        officer_assignments::table
            .find(id)
            .filter(officer_assignments::ended_at.is_null()),
    )
    .set((
        officer_assignments::ended_at.eq(now),
        officer_assignments::end_reason.eq(reason),
        officer_assignments::ended_by.eq(by),
    ))
    .execute(conn)?;
    Ok(rows == 1)
}

/// Removes the principal flag from the company's current principal, if any.
pub fn clear_principal(conn: &mut DbConnection, company_id: CompanyId, now: NaiveDateTime) -> AppResult<()> {
    diesel::update(
        users::table
            .filter(users::company_id.eq(company_id))
            .filter(users::principal.eq(true)),
    )
    .set((
        users::principal.eq(false),
        users::version.eq(users::version + 1),
        users::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(())
}

/// Disables every account of the company (when the company itself is disabled).
pub fn disable_staff(conn: &mut DbConnection, company_id: CompanyId, now: NaiveDateTime) -> AppResult<Vec<UserId>> {
    Ok(diesel::update(
        users::table
            .filter(users::company_id.eq(company_id))
            .filter(users::disabled_at.is_null()),
    )
    .set((
        users::disabled_at.eq(now),
        users::version.eq(users::version + 1),
        users::updated_at.eq(now),
    ))
    .returning(users::id)
    .get_results(conn)?)
}

/// The zone leader who looks after a key enterprise (领导包联), if any.
pub fn leader_of(conn: &mut DbConnection, company_id: CompanyId) -> AppResult<Option<UserId>> {
    use crate::db::schema::company_leaders;
    Ok(company_leaders::table
        .find(company_id)
        .select(company_leaders::leader_id)
        .first::<UserId>(conn)
        .optional()?)
}

/// Sets (or with `None` removes) the zone leader of a key enterprise.
pub fn set_leader(
    conn: &mut DbConnection,
    company_id: CompanyId,
    leader_id: Option<UserId>,
    updated_by: UserId,
    now: NaiveDateTime,
) -> AppResult<()> {
    use crate::db::schema::company_leaders;
    diesel::delete(company_leaders::table.find(company_id)).execute(conn)?;
    if let Some(leader_id) = leader_id {
        diesel::insert_into(company_leaders::table)
            .values((
                company_leaders::company_id.eq(company_id),
                company_leaders::leader_id.eq(leader_id),
                company_leaders::updated_by.eq(Some(updated_by)),
                company_leaders::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn find_profile(conn: &mut DbConnection, company_id: CompanyId) -> AppResult<Option<CompanyProfile>> {
    Ok(company_profiles::table
        .find(company_id)
        .select(CompanyProfile::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_profiles(conn: &mut DbConnection, ids: &[CompanyId]) -> AppResult<Vec<CompanyProfile>> {
    Ok(company_profiles::table
        .filter(company_profiles::company_id.eq_any(ids))
        .select(CompanyProfile::as_select())
        .load(conn)?)
}

/// Every active company with its profile (an empty one where none was filled in): what
/// policies and notices are matched against.
pub fn active_with_profiles(conn: &mut DbConnection, now: NaiveDateTime) -> AppResult<Vec<(Company, CompanyProfile)>> {
    let companies: Vec<Company> = companies::table
        .filter(companies::disabled_at.is_null())
        .order(companies::id.asc())
        .select(Company::as_select())
        .load(conn)?;
    let mut profiles: std::collections::HashMap<CompanyId, CompanyProfile> = company_profiles::table
        .select(CompanyProfile::as_select())
        .load(conn)?
        .into_iter()
        .map(|p: CompanyProfile| (p.company_id, p))
        .collect();
    Ok(companies
        .into_iter()
        .map(|c| {
            let profile = profiles
                .remove(&c.id)
                .unwrap_or_else(|| CompanyProfile::empty(c.id, now));
            (c, profile)
        })
        .collect())
}

pub fn insert_profile(conn: &mut DbConnection, profile: &CompanyProfile) -> AppResult<CompanyProfile> {
    Ok(diesel::insert_into(company_profiles::table)
        .values(profile)
        .returning(company_profiles::all_columns)
        .get_result(conn)?)
}

/// Replaces the profile if it still has `expected_version`.
pub fn update_profile(
    conn: &mut DbConnection,
    expected_version: i32,
    profile: &CompanyProfile,
) -> AppResult<Option<CompanyProfile>> {
    Ok(diesel::update(
        company_profiles::table
            .find(profile.company_id)
            .filter(company_profiles::version.eq(expected_version)),
    )
    .set((
        company_profiles::scale.eq(profile.scale),
        company_profiles::employees.eq(profile.employees),
        company_profiles::revenue_band.eq(profile.revenue_band),
        company_profiles::industry_code.eq(&profile.industry_code),
        company_profiles::area.eq(&profile.area),
        company_profiles::tags.eq(&profile.tags),
        company_profiles::version.eq(profile.version),
        company_profiles::updated_by.eq(profile.updated_by),
        company_profiles::updated_at.eq(profile.updated_at),
    ))
    .returning(company_profiles::all_columns)
    .get_result(conn)
    .optional()?)
}

/// Ids of the company's active staff accounts (who hear of policies and notices).
pub fn active_staff_ids(conn: &mut DbConnection, company_ids: &[CompanyId]) -> AppResult<Vec<(CompanyId, UserId)>> {
    Ok(users::table
        .filter(users::company_id.eq_any(company_ids))
        .filter(users::disabled_at.is_null())
        .select((users::company_id.assume_not_null(), users::id))
        .load::<(CompanyId, UserId)>(conn)?)
}

/// Companies served now by this officer.
pub fn company_ids_of_officer(conn: &mut DbConnection, officer_id: UserId) -> AppResult<Vec<CompanyId>> {
    Ok(officer_assignments::table
        .filter(officer_assignments::officer_id.eq(officer_id))
        .filter(officer_assignments::ended_at.is_null())
        .select(officer_assignments::company_id)
        .load(conn)?)
}
