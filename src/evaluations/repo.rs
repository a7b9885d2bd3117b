//! Database access for evaluations.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{
    Eligibility, EligibilityStatus, EvaluationHalf, Flag, NewFlag, NewPeriod, NewVote, Period, ReplacementFlagStatus,
    RollEntry, Vote,
};
use crate::actor::Role;
use crate::auth::model::User;
use crate::db::schema::{
    award_eligibility, companies, evaluation_periods, evaluation_roll, evaluation_votes, replacement_flags, users,
};
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::ids::{CompanyId, UserId};

pub fn find_period(conn: &mut DbConnection, id: i64) -> AppResult<Option<Period>> {
    Ok(evaluation_periods::table
        .find(id)
        .select(Period::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_periods(conn: &mut DbConnection, ids: &[i64]) -> AppResult<Vec<Period>> {
    Ok(evaluation_periods::table
        .filter(evaluation_periods::id.eq_any(ids))
        .select(Period::as_select())
        .load(conn)?)
}

pub fn period_exists(conn: &mut DbConnection, year: i32, half: EvaluationHalf) -> AppResult<bool> {
    Ok(evaluation_periods::table
        .filter(evaluation_periods::year.eq(year))
        .filter(evaluation_periods::half.eq(half))
        .select(evaluation_periods::id)
        .first::<i64>(conn)
        .optional()?
        .is_some())
}

/// Unclosed periods whose window overlaps `[opens_at, closes_at)`.
pub fn overlapping_unclosed(
    conn: &mut DbConnection,
    opens_at: NaiveDateTime,
    closes_at: NaiveDateTime,
) -> AppResult<i64> {
    Ok(evaluation_periods::table
        .filter(evaluation_periods::closed_at.is_null())
        .filter(evaluation_periods::opens_at.lt(closes_at))
        .filter(evaluation_periods::closes_at.gt(opens_at))
        .count()
        .get_result(conn)?)
}

pub fn insert_period(conn: &mut DbConnection, new: &NewPeriod) -> AppResult<Period> {
    Ok(diesel::insert_into(evaluation_periods::table)
        .values(new)
        .returning(evaluation_periods::all_columns)
        .get_result(conn)?)
}

pub fn list_periods(conn: &mut DbConnection) -> AppResult<Vec<Period>> {
    Ok(evaluation_periods::table
        .order((evaluation_periods::year.desc(), evaluation_periods::half.desc()))
        .select(Period::as_select())
        .load(conn)?)
}

pub fn closed_periods(conn: &mut DbConnection) -> AppResult<Vec<Period>> {
    Ok(evaluation_periods::table
        .filter(evaluation_periods::closed_at.is_not_null())
        .order((evaluation_periods::year.desc(), evaluation_periods::half.desc()))
        .select(Period::as_select())
        .load(conn)?)
}

/// The period taking votes now (the earliest-closing one if windows were ever to overlap).
pub fn open_period(conn: &mut DbConnection) -> AppResult<Option<Period>> {
    Ok(evaluation_periods::table
        .filter(evaluation_periods::opened_at.is_not_null())
        .filter(evaluation_periods::closed_at.is_null())
        .order(evaluation_periods::closes_at.asc())
        .select(Period::as_select())
        .first(conn)
        .optional()?)
}

/// Scheduled periods whose opening time has come.
pub fn due_to_open(conn: &mut DbConnection, now: NaiveDateTime) -> AppResult<Vec<Period>> {
    Ok(evaluation_periods::table
        .filter(evaluation_periods::opened_at.is_null())
        .filter(evaluation_periods::closed_at.is_null())
        .filter(evaluation_periods::opens_at.le(now))
        .select(Period::as_select())
        .load(conn)?)
}

/// Open periods within `before` of closing whose reminder has not gone out.
pub fn due_for_reminder(conn: &mut DbConnection, horizon: NaiveDateTime) -> AppResult<Vec<Period>> {
    Ok(evaluation_periods::table
        .filter(evaluation_periods::opened_at.is_not_null())
        .filter(evaluation_periods::closed_at.is_null())
        .filter(evaluation_periods::reminder_sent_at.is_null())
        .filter(evaluation_periods::closes_at.le(horizon))
        .select(Period::as_select())
        .load(conn)?)
}

pub fn due_to_close(conn: &mut DbConnection, now: NaiveDateTime) -> AppResult<Vec<Period>> {
    Ok(evaluation_periods::table
        .filter(evaluation_periods::closed_at.is_null())
        .filter(evaluation_periods::closes_at.le(now))
        .select(Period::as_select())
        .load(conn)?)
}

/// Marks the period open; false when someone else already did (another instance's job).
pub fn mark_opened(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> AppResult<bool> {
    Ok(diesel::update(
        evaluation_periods::table
            .find(id)
            .filter(evaluation_periods::opened_at.is_null())
            .filter(evaluation_periods::closed_at.is_null()),
    )
    .set(evaluation_periods::opened_at.eq(now))
    .execute(conn)?
        == 1)
}

pub fn mark_reminded(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> AppResult<bool> {
    Ok(diesel::update(
        evaluation_periods::table
            .find(id)
            .filter(evaluation_periods::reminder_sent_at.is_null())
            .filter(evaluation_periods::closed_at.is_null()),
    )
    .set(evaluation_periods::reminder_sent_at.eq(now))
    .execute(conn)?
        == 1)
}

pub fn mark_closed(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> AppResult<bool> {
    Ok(diesel::update(
        evaluation_periods::table
            .find(id)
            .filter(evaluation_periods::closed_at.is_null()),
    )
    .set(evaluation_periods::closed_at.eq(now))
    .execute(conn)?
        == 1)
}

pub fn find_vote(conn: &mut DbConnection, period_id: i64, company_id: CompanyId) -> AppResult<Option<Vote>> {
    Ok(evaluation_votes::table
        .filter(evaluation_votes::period_id.eq(period_id))
        .filter(evaluation_votes::company_id.eq(company_id))
        .select(Vote::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_vote_by_id(conn: &mut DbConnection, id: i64) -> AppResult<Option<Vote>> {
    Ok(evaluation_votes::table
        .find(id)
        .select(Vote::as_select())
        .first(conn)
        .optional()?)
}

pub fn votes_of_period(conn: &mut DbConnection, period_id: i64) -> AppResult<Vec<Vote>> {
    Ok(evaluation_votes::table
        .filter(evaluation_votes::period_id.eq(period_id))
        .order(evaluation_votes::company_id.asc())
        .select(Vote::as_select())
        .load(conn)?)
}

pub fn insert_vote(conn: &mut DbConnection, new: &NewVote) -> AppResult<Vote> {
    Ok(diesel::insert_into(evaluation_votes::table)
        .values(new)
        .returning(evaluation_votes::all_columns)
        .get_result(conn)?)
}

pub fn update_vote(conn: &mut DbConnection, id: i64, new: &NewVote) -> AppResult<Vote> {
    Ok(diesel::update(evaluation_votes::table.find(id))
        .set((
            evaluation_votes::officer_id.eq(new.officer_id),
            evaluation_votes::voter_id.eq(new.voter_id),
            evaluation_votes::verdict.eq(new.verdict),
            evaluation_votes::reason.eq(new.reason.clone()),
            evaluation_votes::updated_at.eq(new.updated_at),
        ))
        .returning(evaluation_votes::all_columns)
        .get_result(conn)?)
}

pub fn insert_roll(conn: &mut DbConnection, entry: &RollEntry) -> AppResult<()> {
    diesel::insert_into(evaluation_roll::table)
        .values(entry)
        .execute(conn)?;
    Ok(())
}

pub fn roll_of_period(conn: &mut DbConnection, period_id: i64) -> AppResult<Vec<RollEntry>> {
    Ok(evaluation_roll::table
        .filter(evaluation_roll::period_id.eq(period_id))
        .order(evaluation_roll::company_id.asc())
        .select(RollEntry::as_select())
        .load(conn)?)
}

/// Active principals of active companies, with their company.
pub fn active_principals(conn: &mut DbConnection) -> AppResult<Vec<User>> {
    Ok(users::table
        .inner_join(companies::table)
        .filter(users::role.eq(Role::Company))
        .filter(users::principal.eq(true))
        .filter(users::disabled_at.is_null())
        .filter(companies::disabled_at.is_null())
        .order(users::id.asc())
        .select(User::as_select())
        .load(conn)?)
}

/// Ids of the active admins.
pub fn active_admin_ids(conn: &mut DbConnection) -> AppResult<Vec<UserId>> {
    Ok(users::table
        .filter(users::role.eq(Role::Admin))
        .filter(users::disabled_at.is_null())
        .select(users::id)
        .load(conn)?)
}

/// Active officers, by id.
pub fn active_officers(conn: &mut DbConnection) -> AppResult<Vec<User>> {
    Ok(users::table
        .filter(users::role.eq(Role::Officer))
        .filter(users::disabled_at.is_null())
        .order(users::id.asc())
        .select(User::as_select())
        .load(conn)?)
}

/// Ids of the active companies.
pub fn active_company_ids(conn: &mut DbConnection) -> AppResult<Vec<CompanyId>> {
    Ok(companies::table
        .filter(companies::disabled_at.is_null())
        .order(companies::id.asc())
        .select(companies::id)
        .load(conn)?)
}

pub fn open_flag_of_company(conn: &mut DbConnection, period_id: i64, company_id: CompanyId) -> AppResult<Option<Flag>> {
    Ok(replacement_flags::table
        .filter(replacement_flags::period_id.eq(period_id))
        .filter(replacement_flags::company_id.eq(company_id))
        .filter(replacement_flags::status.eq(ReplacementFlagStatus::Open))
        .select(Flag::as_select())
        .first(conn)
        .optional()?)
}

pub fn open_flags_of_company(conn: &mut DbConnection, company_id: CompanyId) -> AppResult<Vec<Flag>> {
    Ok(replacement_flags::table
        .filter(replacement_flags::company_id.eq(company_id))
        .filter(replacement_flags::status.eq(ReplacementFlagStatus::Open))
        .order(replacement_flags::id.asc())
        .select(Flag::as_select())
        .load(conn)?)
}

pub fn insert_flag(conn: &mut DbConnection, new: &NewFlag) -> AppResult<Flag> {
    Ok(diesel::insert_into(replacement_flags::table)
        .values(new)
        .returning(replacement_flags::all_columns)
        .get_result(conn)?)
}

/// Points an open flag at the vote's current officer and reason.
pub fn update_open_flag(conn: &mut DbConnection, id: i64, officer_id: UserId, reason: &str) -> AppResult<()> {
    diesel::update(
        replacement_flags::table
            .find(id)
            .filter(replacement_flags::status.eq(ReplacementFlagStatus::Open)),
    )
    .set((
        replacement_flags::officer_id.eq(officer_id),
        replacement_flags::reason.eq(reason),
    ))
    .execute(conn)?;
    Ok(())
}

pub fn withdraw_flag(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> AppResult<()> {
    diesel::update(
        replacement_flags::table
            .find(id)
            .filter(replacement_flags::status.eq(ReplacementFlagStatus::Open)),
    )
    .set((
        replacement_flags::status.eq(ReplacementFlagStatus::Withdrawn),
        replacement_flags::resolved_at.eq(now),
    ))
    .execute(conn)?;
    Ok(())
}

/// Resolves a company's open flags by a reassignment; returns them as they are now.
pub fn resolve_flags(
    conn: &mut DbConnection,
    ids: &[i64],
    by: UserId,
    note: &str,
    new_officer_id: UserId,
    now: NaiveDateTime,
) -> AppResult<Vec<Flag>> {
    Ok(diesel::update(
        replacement_flags::table
            .filter(replacement_flags::id.eq_any(ids))
            .filter(replacement_flags::status.eq(ReplacementFlagStatus::Open)),
    )
    .set((
        replacement_flags::status.eq(ReplacementFlagStatus::Resolved),
        replacement_flags::resolved_at.eq(now),
        replacement_flags::resolved_by.eq(by),
        replacement_flags::resolution_note.eq(note),
        replacement_flags::new_officer_id.eq(new_officer_id),
    ))
    .returning(replacement_flags::all_columns)
    .get_results(conn)?)
}

pub fn list_flags(conn: &mut DbConnection, status: Option<ReplacementFlagStatus>) -> AppResult<Vec<Flag>> {
    let mut query = replacement_flags::table.into_boxed();
    if let Some(status) = status {
        query = query.filter(replacement_flags::status.eq(status));
    }
    Ok(query
        .order(replacement_flags::id.asc())
        .select(Flag::as_select())
        .load(conn)?)
}

/// Open or resolved flags on an officer in periods of `year` (withdrawn ones do not count).
pub fn standing_flags_of_officer_in_year(conn: &mut DbConnection, officer_id: UserId, year: i32) -> AppResult<i64> {
    Ok(replacement_flags::table
        .inner_join(evaluation_periods::table)
        .filter(replacement_flags::officer_id.eq(officer_id))
        .filter(evaluation_periods::year.eq(year))
        .filter(replacement_flags::status.ne(ReplacementFlagStatus::Withdrawn))
        .count()
        .get_result(conn)?)
}

pub fn find_eligibility(conn: &mut DbConnection, officer_id: UserId, year: i32) -> AppResult<Option<Eligibility>> {
    Ok(award_eligibility::table
        .filter(award_eligibility::officer_id.eq(officer_id))
        .filter(award_eligibility::year.eq(year))
        .select(Eligibility::as_select())
        .first(conn)
        .optional()?)
}

/// Records the officer's eligibility for the year, creating the row when there is none.
pub fn upsert_eligibility(
    conn: &mut DbConnection,
    officer_id: UserId,
    year: i32,
    status: EligibilityStatus,
    note: &str,
    decided_by: Option<UserId>,
    now: NaiveDateTime,
) -> AppResult<Eligibility> {
    let decided_at = decided_by.map(|_| now);
    if let Some(existing) = find_eligibility(conn, officer_id, year)? {
        return Ok(diesel::update(award_eligibility::table.find(existing.id))
            .set((
                award_eligibility::status.eq(status),
                award_eligibility::note.eq(note),
                award_eligibility::decided_by.eq(decided_by),
                award_eligibility::decided_at.eq(decided_at),
                award_eligibility::updated_at.eq(now),
            ))
            .returning(award_eligibility::all_columns)
            .get_result(conn)?);
    }
    Ok(diesel::insert_into(award_eligibility::table)
        .values((
            award_eligibility::officer_id.eq(officer_id),
            award_eligibility::year.eq(year),
            award_eligibility::status.eq(status),
            award_eligibility::note.eq(note),
            award_eligibility::decided_by.eq(decided_by),
            award_eligibility::decided_at.eq(decided_at),
            award_eligibility::updated_at.eq(now),
        ))
        .returning(award_eligibility::all_columns)
        .get_result(conn)?)
}

pub fn delete_eligibility(conn: &mut DbConnection, id: i64) -> AppResult<()> {
    diesel::delete(award_eligibility::table.find(id)).execute(conn)?;
    Ok(())
}

pub fn list_eligibility(
    conn: &mut DbConnection,
    year: Option<i32>,
    officer_id: Option<UserId>,
) -> AppResult<Vec<Eligibility>> {
    let mut query = award_eligibility::table.into_boxed();
    if let Some(year) = year {
        query = query.filter(award_eligibility::year.eq(year));
    }
    if let Some(officer_id) = officer_id {
        query = query.filter(award_eligibility::officer_id.eq(officer_id));
    }
    Ok(query
        .order((award_eligibility::year.desc(), award_eligibility::officer_id.asc()))
        .select(Eligibility::as_select())
        .load(conn)?)
}

/// Takes the period's row lock if it is still not closed; false once it has closed.
pub fn mark_open_still(conn: &mut DbConnection, id: i64) -> AppResult<bool> {
    Ok(diesel::update(
        evaluation_periods::table
            .find(id)
            .filter(evaluation_periods::closed_at.is_null()),
    )
    .set(evaluation_periods::closed_at.eq(evaluation_periods::closed_at))
    .execute(conn)?
        == 1)
}
