use diesel::prelude::*;

use super::model::CalendarDay;
use crate::db::schema::calendar_days;
use crate::db::DbConnection;
use crate::error::AppResult;

/// Overrides between two ISO dates, inclusive.
pub fn days_between(conn: &mut DbConnection, from: &str, to: &str) -> AppResult<Vec<CalendarDay>> {
    Ok(calendar_days::table
        .filter(calendar_days::day.ge(from))
        .filter(calendar_days::day.le(to))
        .order(calendar_days::day.asc())
        .select(CalendarDay::as_select())
        .load(conn)?)
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
