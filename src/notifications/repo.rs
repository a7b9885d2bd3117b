use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{
    DeliveryStatus, Device, NewDevice, NewNotification, NewPushDelivery, Notification, PushDelivery, PushProvider,
};
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
            devices::provider.eq(new.provider),
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
    providers: &[PushProvider],
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> AppResult<Vec<PushDelivery>> {
    let due = push_deliveries::table
        .filter(push_deliveries::status.eq(DeliveryStatus::Pending))
        .filter(push_deliveries::provider.eq_any(providers.to_vec()))
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
    mark_final(conn, id, DeliveryStatus::Dead, error, now)
}

/// Refused by the provider with a code that keeps the device.
pub fn mark_failed(conn: &mut DbConnection, id: i64, error: &str, now: NaiveDateTime) -> AppResult<()> {
    mark_final(conn, id, DeliveryStatus::Failed, error, now)
}

fn mark_final(
    conn: &mut DbConnection,
    id: i64,
    status: DeliveryStatus,
    error: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    diesel::update(push_deliveries::table.find(id))
        .set((
            push_deliveries::status.eq(status),
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

/// The states an admin can put back in the queue.
pub const REQUEUABLE: [DeliveryStatus; 3] = [DeliveryStatus::Dead, DeliveryStatus::Failed, DeliveryStatus::Held];

/// Puts dead, failed or held deliveries back in the queue with a fresh lifetime (admins'
/// retry). Deliveries whose device is gone are left alone. Returns how many were requeued.
pub fn requeue(conn: &mut DbConnection, ids: &[i64], now: NaiveDateTime) -> AppResult<usize> {
    let rows: Vec<(i64, NaiveDateTime, NaiveDateTime)> = push_deliveries::table
        .filter(push_deliveries::id.eq_any(ids))
        .filter(push_deliveries::status.eq_any(REQUEUABLE))
        .filter(push_deliveries::device_id.is_not_null())
        .select((
            push_deliveries::id,
            push_deliveries::created_at,
            push_deliveries::expires_at,
        ))
        .load(conn)?;
    // The same lifetime as first given (it depends on the kind and urgency), from now.
    let mut by_lifetime: HashMap<i64, Vec<i64>> = HashMap::new();
    for (id, created_at, expires_at) in rows {
        by_lifetime
            .entry((expires_at - created_at).num_seconds())
            .or_default()
            .push(id);
    }
    let mut count = 0;
    for (lifetime, ids) in by_lifetime {
        count += diesel::update(push_deliveries::table.filter(push_deliveries::id.eq_any(ids)))
            .set((
                push_deliveries::status.eq(DeliveryStatus::Pending),
                push_deliveries::attempts.eq(0),
                push_deliveries::next_attempt_at.eq(now),
                push_deliveries::expires_at.eq(now + chrono::Duration::seconds(lifetime.max(3600))),
                push_deliveries::locked_until.eq(None::<NaiveDateTime>),
                push_deliveries::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(count)
}

/// Which deliveries a list or a bulk requeue selects.
#[derive(Debug, Clone, Default)]
pub struct DeliveryFilter {
    pub status: Option<DeliveryStatus>,
    pub provider: Option<PushProvider>,
    pub kind: Option<String>,
    /// Queued at or after.
    pub from: Option<NaiveDateTime>,
    /// Queued before.
    pub to: Option<NaiveDateTime>,
}

fn filtered(filter: &DeliveryFilter) -> push_deliveries::BoxedQuery<'static, crate::db::MultiBackend> {
    let mut query = push_deliveries::table.into_boxed();
    if let Some(status) = filter.status {
        query = query.filter(push_deliveries::status.eq(status));
    }
    if let Some(provider) = filter.provider {
        query = query.filter(push_deliveries::provider.eq(provider));
    }
    if let Some(kind) = &filter.kind {
        query = query.filter(push_deliveries::kind.eq(kind.clone()));
    }
    if let Some(from) = filter.from {
        query = query.filter(push_deliveries::created_at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(push_deliveries::created_at.lt(to));
    }
    query
}

/// The ids of requeuable deliveries `filter` selects (at most `limit`), oldest first.
pub fn requeuable_ids(conn: &mut DbConnection, filter: &DeliveryFilter, limit: i64) -> AppResult<Vec<i64>> {
    Ok(filtered(filter)
        .filter(push_deliveries::status.eq_any(REQUEUABLE))
        .filter(push_deliveries::device_id.is_not_null())
        .order(push_deliveries::id.asc())
        .limit(limit)
        .select(push_deliveries::id)
        .load(conn)?)
}

/// Pending deliveries of providers this server cannot send through become HELD.
pub fn hold_unconfigured(conn: &mut DbConnection, configured: &[PushProvider], now: NaiveDateTime) -> AppResult<usize> {
    Ok(diesel::update(
        push_deliveries::table
            .filter(push_deliveries::status.eq(DeliveryStatus::Pending))
            .filter(push_deliveries::provider.ne_all(configured.to_vec())),
    )
    .set((
        push_deliveries::status.eq(DeliveryStatus::Held),
        push_deliveries::last_error.eq("push provider not configured on this server"),
        push_deliveries::updated_at.eq(now),
    ))
    .execute(conn)?)
}

/// Held deliveries of providers configured now go back to the queue (lifetimes kept).
pub fn release_held(conn: &mut DbConnection, configured: &[PushProvider], now: NaiveDateTime) -> AppResult<usize> {
    Ok(diesel::update(
        push_deliveries::table
            .filter(push_deliveries::status.eq(DeliveryStatus::Held))
            .filter(push_deliveries::provider.eq_any(configured.to_vec())),
    )
    .set((
        push_deliveries::status.eq(DeliveryStatus::Pending),
        push_deliveries::next_attempt_at.eq(now),
        push_deliveries::updated_at.eq(now),
    ))
    .execute(conn)?)
}

pub fn list_deliveries(
    conn: &mut DbConnection,
    filter: &DeliveryFilter,
    page: PageRequest,
) -> AppResult<Page<PushDelivery>> {
    let total: i64 = filtered(filter).count().get_result(conn)?;
    let mut query = filtered(filter)
        .select(PushDelivery::as_select())
        .order(push_deliveries::id.desc())
        .limit(page.limit + 1);
    if let Some(after) = page.after {
        query = query.filter(push_deliveries::id.lt(after));
    }
    Ok(Page::from_rows(query.load(conn)?, page, total))
}

/// What a push needs to know about its notification and recipient.
#[derive(Debug, Clone, Default)]
pub struct PushContext {
    pub kind: String,
    pub request_id: Option<i64>,
    pub urgent: bool,
    pub quiet_start_minute: i32,
    pub quiet_end_minute: i32,
    /// The recipient's unread notifications (the badge).
    pub unread: i64,
}

/// Kind, request, urgency and the recipient's quiet hours of each notification.
pub fn push_context(conn: &mut DbConnection, ids: &[i64]) -> AppResult<HashMap<i64, PushContext>> {
    #[allow(clippy::type_complexity)]
    let rows: Vec<(i64, UserId, String, Option<i64>, bool, i32, i32)> = notifications::table
        .inner_join(users::table)
        .filter(notifications::id.eq_any(ids))
        .select((
            notifications::id,
            notifications::user_id,
            notifications::kind,
            notifications::request_id,
            notifications::urgent,
            users::quiet_start_minute,
            users::quiet_end_minute,
        ))
        .load(conn)?;
    let user_ids: Vec<UserId> = rows.iter().map(|r| r.1).collect();
    let unread: HashMap<UserId, i64> = notifications::table
        .filter(notifications::user_id.eq_any(user_ids))
        .filter(notifications::read_at.is_null())
        .group_by(notifications::user_id)
        .select((notifications::user_id, diesel::dsl::count_star()))
        .load::<(UserId, i64)>(conn)?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .map(
            |(id, user_id, kind, request_id, urgent, quiet_start_minute, quiet_end_minute)| {
                let context = PushContext {
                    kind,
                    request_id,
                    urgent,
                    quiet_start_minute,
                    quiet_end_minute,
                    unread: unread.get(&user_id).copied().unwrap_or(0),
                };
                (id, context)
            },
        )
        .collect())
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

/// How many push deliveries are in each (status, provider), for `/metrics`.
pub fn outbox_depths(conn: &mut DbConnection) -> AppResult<Vec<(String, String, i64)>> {
    Ok(push_deliveries::table
        .group_by((push_deliveries::status, push_deliveries::provider))
        .select((
            push_deliveries::status,
            push_deliveries::provider,
            diesel::dsl::count_star(),
        ))
        .load(conn)?)
}
