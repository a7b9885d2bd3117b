use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{DeliveryStatus, Device, NewDevice, NewNotification, NewPushDelivery, Notification, PushDelivery};
use crate::db::schema::{devices, notifications, push_deliveries, users};
use crate::db::{DbConnection, Page, PageRequest};
use crate::error::AppResult;
use crate::ids::{RequestId, UserId};

pub fn find_device_by_token(conn: &mut DbConnection, token: &str) -> AppResult<Option<Device>> {
    Ok(devices::table
        .filter(devices::token.eq(token))
        .select(Device::as_select())
        .first(conn)
        .optional()?)
}

pub fn devices_of_users(conn: &mut DbConnection, user_ids: &[UserId]) -> AppResult<Vec<Device>> {
    Ok(devices::table
        .filter(devices::user_id.eq_any(user_ids))
        .order(devices::last_seen_at.desc())
        .select(Device::as_select())
        .load(conn)?)
}

pub fn insert_device(conn: &mut DbConnection, new: &NewDevice) -> AppResult<Device> {
    Ok(diesel::insert_into(devices::table)
        .values(new)
        .returning(devices::all_columns)
        .get_result(conn)?)
}

/// Re-registers a token: it moves to `user_id` with fresh details.
pub fn update_device(conn: &mut DbConnection, id: i64, new: &NewDevice) -> AppResult<Device> {
    Ok(diesel::update(devices::table.find(id))
        .set((
            devices::user_id.eq(new.user_id),
            devices::platform.eq(new.platform),
            devices::locale.eq(&new.locale),
            devices::app_version.eq(&new.app_version),
            devices::last_seen_at.eq(new.last_seen_at),
        ))
        .returning(devices::all_columns)
        .get_result(conn)?)
}

/// Deletes a device and gives up its pending pushes; returns whether it existed.
pub fn delete_device(conn: &mut DbConnection, id: i64, why: &str, now: NaiveDateTime) -> AppResult<bool> {
    diesel::update(
        push_deliveries::table
            .filter(push_deliveries::device_id.eq(id))
            .filter(push_deliveries::status.eq(DeliveryStatus::Pending)),
    )
    .set((
        push_deliveries::status.eq(DeliveryStatus::Dead),
        push_deliveries::last_error.eq(why),
        push_deliveries::locked_until.eq(None::<NaiveDateTime>),
        push_deliveries::updated_at.eq(now),
    ))
    .execute(conn)?;
    diesel::update(push_deliveries::table.filter(push_deliveries::device_id.eq(id)))
        .set(push_deliveries::device_id.eq(None::<i64>))
        .execute(conn)?;
    Ok(diesel::delete(devices::table.find(id)).execute(conn)? == 1)
}

pub fn insert_notification(conn: &mut DbConnection, new: &NewNotification) -> AppResult<Notification> {
    Ok(diesel::insert_into(notifications::table)
        .values(new)
        .returning(notifications::all_columns)
        .get_result(conn)?)
}

pub fn insert_delivery(conn: &mut DbConnection, new: &NewPushDelivery) -> AppResult<()> {
    diesel::insert_into(push_deliveries::table).values(new).execute(conn)?;
    Ok(())
}

pub fn inbox(
    conn: &mut DbConnection,
    user_id: UserId,
    unread_only: bool,
    page: PageRequest,
) -> AppResult<Page<Notification>> {
    let filtered = || {
        let mut query = notifications::table
            .filter(notifications::user_id.eq(user_id))
            .into_boxed();
        if unread_only {
            query = query.filter(notifications::read_at.is_null());
        }
        query
    };
    let total: i64 = filtered().count().get_result(conn)?;
    let mut query = filtered()
        .select(Notification::as_select())
        .order(notifications::id.desc())
        .limit(page.limit + 1);
    if let Some(after) = page.after {
        query = query.filter(notifications::id.lt(after));
    }
    Ok(Page::from_rows(query.load(conn)?, page, total))
}

/// The user's notifications newer than `after_id`, oldest first.
pub fn newer_than(conn: &mut DbConnection, user_id: UserId, after_id: i64, limit: i64) -> AppResult<Vec<Notification>> {
    Ok(notifications::table
        .filter(notifications::user_id.eq(user_id))
        .filter(notifications::id.gt(after_id))
        .order(notifications::id.asc())
        .limit(limit)
        .select(Notification::as_select())
        .load(conn)?)
}

/// The id of the user's newest notification (0 when there is none).
pub fn newest_id(conn: &mut DbConnection, user_id: UserId) -> AppResult<i64> {
    Ok(notifications::table
        .filter(notifications::user_id.eq(user_id))
        .select(diesel::dsl::max(notifications::id))
        .first::<Option<i64>>(conn)?
        .unwrap_or(0))
}

pub fn unread_count(conn: &mut DbConnection, user_id: UserId) -> AppResult<i64> {
    Ok(notifications::table
        .filter(notifications::user_id.eq(user_id))
        .filter(notifications::read_at.is_null())
        .count()
        .get_result(conn)?)
}

/// The unread notifications of each (reader, request) pair, in one query (the per-request
/// badge); pairs without unread notifications are left out.
pub fn unread_counts_by_request(
    conn: &mut DbConnection,
    keys: &[(UserId, RequestId)],
) -> AppResult<Vec<((UserId, RequestId), i64)>> {
    let users: Vec<UserId> = keys.iter().map(|(u, _)| *u).collect();
    let requests: Vec<i64> = keys.iter().map(|(_, r)| r.get()).collect();
    let rows: Vec<(UserId, Option<i64>, i64)> = notifications::table
        .filter(notifications::user_id.eq_any(users))
        .filter(notifications::request_id.eq_any(requests))
        .filter(notifications::read_at.is_null())
        .group_by((notifications::user_id, notifications::request_id))
        .select((
            notifications::user_id,
            notifications::request_id,
            diesel::dsl::count_star(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(user, request, n)| request.map(|r| ((user, RequestId(r)), n)))
        .filter(|(key, _)| keys.contains(key))
        .collect())
}

/// Marks the user's unread notifications about one request read; returns how many.
pub fn mark_request_read(
    conn: &mut DbConnection,
    user_id: UserId,
    request_id: RequestId,
    now: NaiveDateTime,
) -> AppResult<usize> {
    Ok(diesel::update(notifications::table)
        .filter(notifications::user_id.eq(user_id))
        .filter(notifications::request_id.eq(request_id.get()))
        .filter(notifications::read_at.is_null())
        .set(notifications::read_at.eq(now))
        .execute(conn)?)
}

/// Marks the user's own notifications read; ids of other users are ignored.
pub fn mark_read(
    conn: &mut DbConnection,
    user_id: UserId,
    ids: Option<&[i64]>,
    now: NaiveDateTime,
) -> AppResult<usize> {
    let mut update = diesel::update(notifications::table)
        .filter(notifications::user_id.eq(user_id))
        .filter(notifications::read_at.is_null())
        .into_boxed();
    if let Some(ids) = ids {
        update = update.filter(notifications::id.eq_any(ids.to_vec()));
    }
    Ok(update.set(notifications::read_at.eq(now)).execute(conn)?)
}

/// Takes up to `limit` due deliveries and leases them until `lease_until`, so that no other
/// worker (on PostgreSQL, no other instance) takes them meanwhile. A crashed worker's lease
/// simply expires and the deliveries are taken again: delivery is at least once.
pub fn claim_due(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> AppResult<Vec<PushDelivery>> {
    let due = push_deliveries::table
        .filter(push_deliveries::status.eq(DeliveryStatus::Pending))
        .filter(push_deliveries::next_attempt_at.le(now))
        .filter(
            push_deliveries::locked_until
                .is_null()
                .or(push_deliveries::locked_until.lt(now)),
        )
        .order(push_deliveries::next_attempt_at.asc())
        .limit(limit)
        .select(push_deliveries::id);
    let ids: Vec<i64> = match conn {
        DbConnection::Postgres(pg) => due.for_update().skip_locked().load(pg)?,
        // SQLite: the write transaction is BEGIN IMMEDIATE, so only one claimer runs at a time.
        DbConnection::Sqlite(lite) => due.load(lite)?,
    };
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(
        diesel::update(push_deliveries::table.filter(push_deliveries::id.eq_any(&ids)))
            .set(push_deliveries::locked_until.eq(lease_until))
            .returning(push_deliveries::all_columns)
            .get_results(conn)?,
    )
}

/// Marks deliveries sent, in one statement.
pub fn mark_sent(conn: &mut DbConnection, ids: &[i64], now: NaiveDateTime) -> AppResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    diesel::update(push_deliveries::table.filter(push_deliveries::id.eq_any(ids)))
        .set((
            push_deliveries::status.eq(DeliveryStatus::Sent),
            push_deliveries::attempts.eq(push_deliveries::attempts + 1),
            push_deliveries::sent_at.eq(now),
            push_deliveries::locked_until.eq(None::<NaiveDateTime>),
            push_deliveries::last_error.eq(None::<String>),
            push_deliveries::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn schedule_retry(
    conn: &mut DbConnection,
    id: i64,
    at: NaiveDateTime,
    error: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    diesel::update(push_deliveries::table.find(id))
        .set((
            push_deliveries::attempts.eq(push_deliveries::attempts + 1),
            push_deliveries::next_attempt_at.eq(at),
            push_deliveries::locked_until.eq(None::<NaiveDateTime>),
            push_deliveries::last_error.eq(error),
            push_deliveries::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn mark_dead(conn: &mut DbConnection, id: i64, error: &str, now: NaiveDateTime) -> AppResult<()> {
    diesel::update(push_deliveries::table.find(id))
        .set((
            push_deliveries::status.eq(DeliveryStatus::Dead),
            push_deliveries::attempts.eq(push_deliveries::attempts + 1),
            push_deliveries::locked_until.eq(None::<NaiveDateTime>),
            push_deliveries::last_error.eq(error),
            push_deliveries::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn find_delivery(conn: &mut DbConnection, id: i64) -> AppResult<Option<PushDelivery>> {
    Ok(push_deliveries::table
        .find(id)
        .select(PushDelivery::as_select())
        .first(conn)
        .optional()?)
}

/// Puts a dead delivery back in the queue (admins' retry).
pub fn requeue(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> AppResult<bool> {
    Ok(diesel::update(
        push_deliveries::table
            .find(id)
            .filter(push_deliveries::status.eq(DeliveryStatus::Dead)),
    )
    .set((
        push_deliveries::status.eq(DeliveryStatus::Pending),
        push_deliveries::attempts.eq(0),
        push_deliveries::next_attempt_at.eq(now),
        push_deliveries::locked_until.eq(None::<NaiveDateTime>),
        push_deliveries::updated_at.eq(now),
    ))
    .execute(conn)?
        == 1)
}

pub fn list_deliveries(
    conn: &mut DbConnection,
    status: Option<DeliveryStatus>,
    page: PageRequest,
) -> AppResult<Page<PushDelivery>> {
    let filtered = || {
        let mut query = push_deliveries::table.into_boxed();
        if let Some(status) = status {
            query = query.filter(push_deliveries::status.eq(status));
        }
        query
    };
    let total: i64 = filtered().count().get_result(conn)?;
    let mut query = filtered()
        .select(PushDelivery::as_select())
        .order(push_deliveries::id.desc())
        .limit(page.limit + 1);
    if let Some(after) = page.after {
        query = query.filter(push_deliveries::id.lt(after));
    }
    Ok(Page::from_rows(query.load(conn)?, page, total))
}

/// What a push needs to know about its notification and recipient.
#[derive(Debug, Clone, Default, Queryable)]
pub struct PushContext {
    pub kind: String,
    pub request_id: Option<i64>,
    pub urgent: bool,
    pub quiet_start_minute: i32,
    pub quiet_end_minute: i32,
}

/// Kind, request, urgency and the recipient's quiet hours of each notification.
pub fn push_context(conn: &mut DbConnection, ids: &[i64]) -> AppResult<HashMap<i64, PushContext>> {
    let rows: Vec<(i64, PushContext)> = notifications::table
        .inner_join(users::table)
        .filter(notifications::id.eq_any(ids))
        .select((
            notifications::id,
            (
                notifications::kind,
                notifications::request_id,
                notifications::urgent,
                users::quiet_start_minute,
                users::quiet_end_minute,
            ),
        ))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// Holds a delivery until `at` (quiet hours) without counting an attempt.
pub fn defer(conn: &mut DbConnection, id: i64, at: NaiveDateTime, now: NaiveDateTime) -> AppResult<()> {
    diesel::update(push_deliveries::table.find(id))
        .set((
            push_deliveries::next_attempt_at.eq(at),
            push_deliveries::locked_until.eq(None::<NaiveDateTime>),
            push_deliveries::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}
