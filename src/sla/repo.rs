use diesel::prelude::*;

use super::model::Urgency;
use super::model::{CalendarDay, LimitUnit, SlaPolicy, SlaSubject};
use crate::db::schema::{calendar_days, sla_policies};
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::ids::UserId;

/// Overrides between two ISO dates, inclusive.
pub fn days_between(conn: &mut DbConnection, from: &str, to: &str) -> AppResult<Vec<CalendarDay>> {
    Ok(calendar_days::table
        .filter(calendar_days::day.ge(from))
        .filter(calendar_days::day.le(to))
        .order(calendar_days::day.asc())
        .select(CalendarDay::as_select())
        .load(conn)?)
}

/// Overrides from an ISO date on.
pub fn days_from(conn: &mut DbConnection, from: &str) -> AppResult<Vec<CalendarDay>> {
    Ok(calendar_days::table
        .filter(calendar_days::day.ge(from))
        .select(CalendarDay::as_select())
        .load(conn)?)
}

/// The policy of one subject, coordination tier and urgency.
pub fn policy(
    conn: &mut DbConnection,
    subject: SlaSubject,
    coordinated: bool,
    urgency: Urgency,
) -> AppResult<Option<SlaPolicy>> {
    Ok(sla_policies::table
        .filter(sla_policies::subject.eq(subject))
        .filter(sla_policies::coordinated.eq(coordinated))
        .filter(sla_policies::urgency.eq(urgency))
        .select(SlaPolicy::as_select())
        .first(conn)
        .optional()?)
}

/// Sets (or replaces) the override of one day.
pub fn put(conn: &mut DbConnection, day: &CalendarDay) -> AppResult<()> {
    diesel::delete(calendar_days::table.find(&day.day)).execute(conn)?;
    diesel::insert_into(calendar_days::table).values(day).execute(conn)?;
    Ok(())
}

pub fn remove(conn: &mut DbConnection, day: &str) -> AppResult<bool> {
    Ok(diesel::delete(calendar_days::table.find(day)).execute(conn)? == 1)
}

pub fn policies(conn: &mut DbConnection) -> AppResult<Vec<SlaPolicy>> {
    Ok(sla_policies::table
        .order((
            sla_policies::subject.asc(),
            sla_policies::coordinated.asc(),
            sla_policies::urgency.asc(),
        ))
        .select(SlaPolicy::as_select())
        .load(conn)?)
}

/// The new limits of one policy.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = sla_policies, treat_none_as_null = true)]
pub struct PolicyLimits {
    pub first_reply_amount: i32,
    pub first_reply_unit: LimitUnit,
    pub resolve_amount: Option<i32>,
    pub resolve_unit: Option<LimitUnit>,
    pub updated_by: Option<UserId>,
    pub updated_at: chrono::NaiveDateTime,
}

pub fn set_policy(
    conn: &mut DbConnection,
    subject: SlaSubject,
    coordinated: bool,
    urgency: Urgency,
    limits: &PolicyLimits,
) -> AppResult<Option<SlaPolicy>> {
    Ok(diesel::update(
        sla_policies::table
            .filter(sla_policies::subject.eq(subject))
            .filter(sla_policies::coordinated.eq(coordinated))
            .filter(sla_policies::urgency.eq(urgency)),
    )
    .set(limits)
    .returning(sla_policies::all_columns)
    .get_result(conn)
    .optional()?)
}
