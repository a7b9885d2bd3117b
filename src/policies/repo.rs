use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Timestamp};

use super::model::{
    NewPolicy, NewPolicyDocument, NewPolicyPackage, Policy, PolicyDelivery, PolicyDocument, PolicyPackage, PolicyStatus,
};
use crate::db::schema::{
    policies, policy_deliveries, policy_documents, policy_matching, policy_package_items, policy_packages,
};
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::ids::{CompanyId, PolicyId, PolicyPackageId, RequestId, UserId};

pub fn insert(conn: &mut DbConnection, new: &NewPolicy) -> AppResult<Policy> {
    Ok(diesel::insert_into(policies::table)
        .values(new)
        .returning(policies::all_columns)
        .get_result(conn)?)
}

pub fn find_by_id(conn: &mut DbConnection, id: PolicyId) -> AppResult<Option<Policy>> {
    Ok(policies::table
        .find(id)
        .select(Policy::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_by_ids(conn: &mut DbConnection, ids: &[PolicyId]) -> AppResult<Vec<Policy>> {
    Ok(policies::table
        .filter(policies::id.eq_any(ids))
        .select(Policy::as_select())
        .load(conn)?)
}

/// Policies, newest first, optionally of one status.
pub fn list(conn: &mut DbConnection, status: Option<PolicyStatus>) -> AppResult<Vec<Policy>> {
    let mut query = policies::table.select(Policy::as_select()).into_boxed();
    if let Some(status) = status {
        query = query.filter(policies::status.eq(status));
    }
    Ok(query.order(policies::id.desc()).load(conn)?)
}

/// Replaces the editable fields if the row still has `expected_version`.
pub fn update_versioned(
    conn: &mut DbConnection,
    id: PolicyId,
    expected_version: i32,
    new: &NewPolicy,
) -> AppResult<Option<Policy>> {
    Ok(
        diesel::update(policies::table.find(id).filter(policies::version.eq(expected_version)))
            .set((
                policies::title.eq(&new.title),
                policies::issuer.eq(&new.issuer),
                policies::summary.eq(&new.summary),
                policies::valid_from.eq(&new.valid_from),
                policies::valid_to.eq(&new.valid_to),
                policies::eligibility.eq(&new.eligibility),
                policies::without_application.eq(new.without_application),
                policies::version.eq(policies::version + 1),
                policies::updated_at.eq(new.updated_at),
            ))
            .returning(policies::all_columns)
            .get_result(conn)
            .optional()?,
    )
}

/// Sets the status and when it was first published.
pub fn set_status(
    conn: &mut DbConnection,
    id: PolicyId,
    status: PolicyStatus,
    published_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> AppResult<Policy> {
    Ok(diesel::update(policies::table.find(id))
        .set((
            policies::status.eq(status),
            policies::published_at.eq(published_at),
            policies::version.eq(policies::version + 1),
            policies::updated_at.eq(now),
        ))
        .returning(policies::all_columns)
        .get_result(conn)?)
}

/// Makes publishing and profile changes take turns (a row lock on PostgreSQL; SQLite writes
/// are serial already), so that neither reads what the other is about to change.
pub fn take_matching_turn(conn: &mut DbConnection) -> AppResult<()> {
    diesel::update(policy_matching::table.find(1_i64))
        .set(policy_matching::rounds.eq(policy_matching::rounds + 1))
        .execute(conn)?;
    Ok(())
}

pub fn documents_of(conn: &mut DbConnection, ids: &[PolicyId]) -> AppResult<Vec<PolicyDocument>> {
    Ok(policy_documents::table
        .filter(policy_documents::policy_id.eq_any(ids))
        .order((policy_documents::policy_id.asc(), policy_documents::position.asc()))
        .select(PolicyDocument::as_select())
        .load(conn)?)
}

pub fn replace_documents(conn: &mut DbConnection, id: PolicyId, documents: &[NewPolicyDocument]) -> AppResult<()> {
    diesel::delete(policy_documents::table.filter(policy_documents::policy_id.eq(id))).execute(conn)?;
    for document in documents {
        diesel::insert_into(policy_documents::table)
            .values(document)
            .execute(conn)?;
    }
    Ok(())
}

/// Records that the company was told of the policy; true only for the transaction that
/// inserted the row (a second publish, or two changes at once, find it there and tell no one).
pub fn claim_delivery(
    conn: &mut DbConnection,
    policy_id: PolicyId,
    company_id: CompanyId,
    now: NaiveDateTime,
) -> AppResult<bool> {
    let inserted = diesel::sql_query(
        "INSERT INTO policy_deliveries (policy_id, company_id, delivered_at, grant_note) \
         VALUES ($1, $2, $3, '') ON CONFLICT (policy_id, company_id) DO NOTHING",
    )
    .bind::<BigInt, _>(policy_id)
    .bind::<BigInt, _>(company_id)
    .bind::<Timestamp, _>(now)
    .execute(conn)?;
    Ok(inserted == 1)
}

pub fn delivery(
    conn: &mut DbConnection,
    policy_id: PolicyId,
    company_id: CompanyId,
) -> AppResult<Option<PolicyDelivery>> {
    Ok(policy_deliveries::table
        .filter(policy_deliveries::policy_id.eq(policy_id))
        .filter(policy_deliveries::company_id.eq(company_id))
        .select(PolicyDelivery::as_select())
        .first(conn)
        .optional()?)
}

/// Deliveries of a policy, to the given companies only when `companies` is given.
pub fn deliveries_of_policy(
    conn: &mut DbConnection,
    policy_id: PolicyId,
    companies: Option<&[CompanyId]>,
) -> AppResult<Vec<PolicyDelivery>> {
    let mut query = policy_deliveries::table
        .filter(policy_deliveries::policy_id.eq(policy_id))
        .select(PolicyDelivery::as_select())
        .into_boxed();
    if let Some(companies) = companies {
        query = query.filter(policy_deliveries::company_id.eq_any(companies.to_vec()));
    }
    Ok(query.order(policy_deliveries::id.asc()).load(conn)?)
}

/// A company's deliveries, newest first.
pub fn deliveries_of_company(conn: &mut DbConnection, company_id: CompanyId) -> AppResult<Vec<PolicyDelivery>> {
    Ok(policy_deliveries::table
        .filter(policy_deliveries::company_id.eq(company_id))
        .order(policy_deliveries::id.desc())
        .select(PolicyDelivery::as_select())
        .load(conn)?)
}

pub fn mark_read(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> AppResult<()> {
    diesel::update(
        policy_deliveries::table
            .find(id)
            .filter(policy_deliveries::read_at.is_null()),
    )
    .set(policy_deliveries::read_at.eq(now))
    .execute(conn)?;
    Ok(())
}

/// Links the first consultation raised from the policy (later ones keep the first link).
pub fn mark_asked(conn: &mut DbConnection, id: i64, request_id: RequestId, now: NaiveDateTime) -> AppResult<()> {
    diesel::update(
        policy_deliveries::table
            .find(id)
            .filter(policy_deliveries::asked_at.is_null()),
    )
    .set((
        policy_deliveries::asked_at.eq(now),
        policy_deliveries::request_id.eq(request_id),
    ))
    .execute(conn)?;
    // Asking means it was read.
    mark_read(conn, id, now)
}

pub fn mark_applied(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> AppResult<Option<PolicyDelivery>> {
    Ok(diesel::update(
        policy_deliveries::table
            .find(id)
            .filter(policy_deliveries::applied_at.is_null()),
    )
    .set(policy_deliveries::applied_at.eq(now))
    .returning(policy_deliveries::all_columns)
    .get_result(conn)
    .optional()?)
}

pub fn mark_granted(
    conn: &mut DbConnection,
    id: i64,
    amount: Option<i64>,
    note: &str,
    by: UserId,
    now: NaiveDateTime,
) -> AppResult<Option<PolicyDelivery>> {
    Ok(diesel::update(
        policy_deliveries::table
            .find(id)
            .filter(policy_deliveries::granted_at.is_null()),
    )
    .set((
        policy_deliveries::granted_at.eq(now),
        policy_deliveries::granted_amount.eq(amount),
        policy_deliveries::grant_note.eq(note),
        policy_deliveries::granted_by.eq(by),
    ))
    .returning(policy_deliveries::all_columns)
    .get_result(conn)
    .optional()?)
}

pub fn insert_package(conn: &mut DbConnection, new: &NewPolicyPackage) -> AppResult<PolicyPackage> {
    Ok(diesel::insert_into(policy_packages::table)
        .values(new)
        .returning(policy_packages::all_columns)
        .get_result(conn)?)
}

pub fn find_package(conn: &mut DbConnection, id: PolicyPackageId) -> AppResult<Option<PolicyPackage>> {
    Ok(policy_packages::table
        .find(id)
        .select(PolicyPackage::as_select())
        .first(conn)
        .optional()?)
}

pub fn packages(conn: &mut DbConnection) -> AppResult<Vec<PolicyPackage>> {
    Ok(policy_packages::table
        .order(policy_packages::id.asc())
        .select(PolicyPackage::as_select())
        .load(conn)?)
}

pub fn update_package(
    conn: &mut DbConnection,
    id: PolicyPackageId,
    name: &str,
    description: &str,
    now: NaiveDateTime,
) -> AppResult<PolicyPackage> {
    Ok(diesel::update(policy_packages::table.find(id))
        .set((
            policy_packages::name.eq(name),
            policy_packages::description.eq(description),
            policy_packages::updated_at.eq(now),
        ))
        .returning(policy_packages::all_columns)
        .get_result(conn)?)
}

pub fn replace_package_items(conn: &mut DbConnection, id: PolicyPackageId, policy_ids: &[PolicyId]) -> AppResult<()> {
    diesel::delete(policy_package_items::table.filter(policy_package_items::package_id.eq(id))).execute(conn)?;
    for (position, policy_id) in policy_ids.iter().enumerate() {
        diesel::insert_into(policy_package_items::table)
            .values((
                policy_package_items::package_id.eq(id),
                policy_package_items::policy_id.eq(*policy_id),
                policy_package_items::position.eq(position as i32),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The policy ids of each package, in order.
pub fn package_items(conn: &mut DbConnection, ids: &[PolicyPackageId]) -> AppResult<Vec<(PolicyPackageId, PolicyId)>> {
    Ok(policy_package_items::table
        .filter(policy_package_items::package_id.eq_any(ids))
        .order((
            policy_package_items::package_id.asc(),
            policy_package_items::position.asc(),
        ))
        .select((policy_package_items::package_id, policy_package_items::policy_id))
        .load(conn)?)
}
