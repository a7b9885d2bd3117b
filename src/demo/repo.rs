//! The few counts the demo reads: whether the database is empty, and its summary.

use diesel::prelude::*;

use crate::db::schema::{companies, replacement_flags, requests, users};
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::requests::model::Channel;

/// How many accounts, companies and requests the database holds.
pub fn totals(conn: &mut DbConnection) -> AppResult<(i64, i64, i64)> {
    let people: i64 = users::table.count().get_result(conn)?;
    let firms: i64 = companies::table.count().get_result(conn)?;
    let asks: i64 = requests::table.count().get_result(conn)?;
    Ok((people, firms, asks))
}

/// How many requests came in through `channel`.
pub fn requests_by_channel(conn: &mut DbConnection, channel: Channel) -> AppResult<i64> {
    Ok(requests::table
        .filter(requests::channel.eq(channel))
        .count()
        .get_result(conn)?)
}

/// How many officers are flagged for replacement.
pub fn replacement_flags(conn: &mut DbConnection) -> AppResult<i64> {
    Ok(replacement_flags::table.count().get_result(conn)?)
}
