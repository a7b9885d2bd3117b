//! Every query of the SMS tables.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{NewSmsDelivery, SmsDelivery, SmsKindRule, SmsStatus};
use crate::db::schema::{sms_deliveries, sms_kinds, sms_opt_outs, users};
use crate::db::{DbConnection, Page, PageRequest};
use crate::error::AppResult;
use crate::ids::UserId;

pub fn kinds(conn: &mut DbConnection) -> AppResult<Vec<SmsKindRule>> {
    Ok(sms_kinds::table
        .order(sms_kinds::kind.asc())
        .select(SmsKindRule::as_select())
        .load(conn)?)
}

pub fn find_kind(conn: &mut DbConnection, kind: &str) -> AppResult<Option<SmsKindRule>> {
    Ok(sms_kinds::table
        .find(kind)
        .select(SmsKindRule::as_select())
        .first(conn)
        .optional()?)
}

/// Inserts or replaces the rule of a kind.
pub fn upsert_kind(conn: &mut DbConnection, rule: &SmsKindRule) -> AppResult<SmsKindRule> {
    if find_kind(conn, &rule.kind)?.is_some() {
        Ok(diesel::update(sms_kinds::table.find(&rule.kind))
            .set(rule)
            .returning(sms_kinds::all_columns)
            .get_result(conn)?)
    } else {
        Ok(diesel::insert_into(sms_kinds::table)
            .values(rule)
            .returning(sms_kinds::all_columns)
            .get_result(conn)?)
    }
}

pub fn delete_kind(conn: &mut DbConnection, kind: &str) -> AppResult<bool> {
    Ok(diesel::delete(sms_kinds::table.find(kind)).execute(conn)? == 1)
}

pub fn opted_out(conn: &mut DbConnection, user_id: UserId) -> AppResult<bool> {
    Ok(sms_opt_outs::table.find(user_id).count().get_result::<i64>(conn)? > 0)
}

pub fn set_opt_out(conn: &mut DbConnection, user_id: UserId, opt_out: bool, now: NaiveDateTime) -> AppResult<()> {
    let present = opted_out(conn, user_id)?;
    if opt_out && !present {
        diesel::insert_into(sms_opt_outs::table)
            .values((sms_opt_outs::user_id.eq(user_id), sms_opt_outs::created_at.eq(now)))
            .execute(conn)?;
    } else if !opt_out && present {
        diesel::delete(sms_opt_outs::table.find(user_id)).execute(conn)?;
    }
    Ok(())
}

pub fn insert_delivery(conn: &mut DbConnection, new: &NewSmsDelivery) -> AppResult<()> {
    diesel::insert_into(sms_deliveries::table).values(new).execute(conn)?;
    Ok(())
}

/// Marks pending messages whose lifetime ended as expired; returns how many.
pub fn expire(conn: &mut DbConnection, now: NaiveDateTime) -> AppResult<usize> {
    Ok(diesel::update(
        sms_deliveries::table
            .filter(sms_deliveries::status.eq(SmsStatus::Pending))
            .filter(sms_deliveries::expire_at.le(now))
            .filter(
                sms_deliveries::locked_until
                    .is_null()
                    .or(sms_deliveries::locked_until.lt(now)),
            ),
    )
    .set((
        sms_deliveries::status.eq(SmsStatus::Expired),
        sms_deliveries::locked_until.eq(None::<NaiveDateTime>),
        sms_deliveries::updated_at.eq(now),
    ))
    .execute(conn)?)
}

/// A message taken for sending, with its recipient's quiet hours.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub delivery: SmsDelivery,
    pub quiet_start_minute: i32,
    pub quiet_end_minute: i32,
}

/// Takes up to `limit` due messages and leases them until `lease_until`, so that no other
/// worker (on PostgreSQL, no other instance) takes them meanwhile; a crashed worker's lease
/// expires and the messages are taken again.
pub fn claim_due(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> AppResult<Vec<Claimed>> {
    let due = sms_deliveries::table
        .filter(sms_deliveries::status.eq(SmsStatus::Pending))
        .filter(sms_deliveries::next_attempt_at.le(now))
        .filter(
            sms_deliveries::locked_until
                .is_null()
                .or(sms_deliveries::locked_until.lt(now)),
        )
        .order((sms_deliveries::next_attempt_at.asc(), sms_deliveries::id.asc()))
        .limit(limit)
        .select(sms_deliveries::id);
    let ids: Vec<i64> = match conn {
        DbConnection::Postgres(pg) => due.for_update().skip_locked().load(pg)?,
        // SQLite: the write transaction is BEGIN IMMEDIATE, so only one claimer runs at a time.
        DbConnection::Sqlite(lite) => due.load(lite)?,
    };
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    diesel::update(sms_deliveries::table.filter(sms_deliveries::id.eq_any(&ids)))
        .set(sms_deliveries::locked_until.eq(lease_until))
        .execute(conn)?;
    let rows: Vec<(SmsDelivery, (i32, i32))> = sms_deliveries::table
        .inner_join(users::table)
        .filter(sms_deliveries::id.eq_any(&ids))
        .order((sms_deliveries::next_attempt_at.asc(), sms_deliveries::id.asc()))
        .select((
            SmsDelivery::as_select(),
            (users::quiet_start_minute, users::quiet_end_minute),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(delivery, (quiet_start_minute, quiet_end_minute))| Claimed {
            delivery,
            quiet_start_minute,
            quiet_end_minute,
        })
        .collect())
}

/// Renews this worker's lease on a message just before it is sent, so that a long round never
/// sends a message whose lease ran out (and another worker may have taken). False when the
/// lease is no longer ours.
pub fn renew_lease(
    conn: &mut DbConnection,
    id: i64,
    ours: NaiveDateTime,
    now: NaiveDateTime,
    until: NaiveDateTime,
) -> AppResult<bool> {
    Ok(diesel::update(
        sms_deliveries::table
            .find(id)
            .filter(sms_deliveries::status.eq(SmsStatus::Pending))
            .filter(sms_deliveries::locked_until.eq(ours))
            .filter(sms_deliveries::locked_until.gt(now)),
    )
    .set(sms_deliveries::locked_until.eq(until))
    .execute(conn)?
        == 1)
}

/// SMS accepted by the provider for `phone` in `[from, until)`.
pub fn sent_to_phone_between(
    conn: &mut DbConnection,
    phone: &str,
    from: NaiveDateTime,
    until: NaiveDateTime,
) -> AppResult<i64> {
    Ok(sms_deliveries::table
        .filter(sms_deliveries::phone.eq(phone))
        .filter(sms_deliveries::status.eq(SmsStatus::Sent))
        .filter(sms_deliveries::sent_at.ge(from))
        .filter(sms_deliveries::sent_at.lt(until))
        .count()
        .get_result(conn)?)
}

pub fn mark_sent(
    conn: &mut DbConnection,
    id: i64,
    provider: &str,
    code: &str,
    message_id: Option<&str>,
    now: NaiveDateTime,
) -> AppResult<()> {
    diesel::update(sms_deliveries::table.find(id))
        .set((
            sms_deliveries::status.eq(SmsStatus::Sent),
            sms_deliveries::attempts.eq(sms_deliveries::attempts + 1),
            sms_deliveries::provider.eq(provider),
            sms_deliveries::provider_code.eq(code),
            sms_deliveries::provider_message_id.eq(message_id),
            sms_deliveries::last_error.eq(None::<String>),
            sms_deliveries::sent_at.eq(now),
            sms_deliveries::locked_until.eq(None::<NaiveDateTime>),
            sms_deliveries::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records a failed attempt: retried at `retry_at`, or given up with `status` when it is None.
#[allow(clippy::too_many_arguments)]
pub fn record_failure(
    conn: &mut DbConnection,
    id: i64,
    provider: &str,
    code: &str,
    error: &str,
    retry_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> AppResult<()> {
    let status = if retry_at.is_some() {
        SmsStatus::Pending
    } else {
        SmsStatus::Failed
    };
    diesel::update(sms_deliveries::table.find(id))
        .set((
            sms_deliveries::status.eq(status),
            sms_deliveries::attempts.eq(sms_deliveries::attempts + 1),
            sms_deliveries::provider.eq(provider),
            sms_deliveries::provider_code.eq(code),
            sms_deliveries::last_error.eq(error),
            sms_deliveries::next_attempt_at.eq(retry_at.unwrap_or(now)),
            sms_deliveries::locked_until.eq(None::<NaiveDateTime>),
            sms_deliveries::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Holds a message with `status` (unconfigured provider, daily cap) without counting an attempt.
pub fn hold(
    conn: &mut DbConnection,
    id: i64,
    status: SmsStatus,
    provider: Option<&str>,
    why: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    diesel::update(sms_deliveries::table.find(id))
        .set((
            sms_deliveries::status.eq(status),
            sms_deliveries::provider.eq(provider),
            sms_deliveries::last_error.eq(why),
            sms_deliveries::locked_until.eq(None::<NaiveDateTime>),
            sms_deliveries::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Holds a pending message until `at` (quiet hours) without counting an attempt.
pub fn defer(conn: &mut DbConnection, id: i64, at: NaiveDateTime, now: NaiveDateTime) -> AppResult<()> {
    diesel::update(sms_deliveries::table.find(id))
        .set((
            sms_deliveries::next_attempt_at.eq(at),
            sms_deliveries::locked_until.eq(None::<NaiveDateTime>),
            sms_deliveries::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn find_delivery(conn: &mut DbConnection, id: i64) -> AppResult<Option<SmsDelivery>> {
    Ok(sms_deliveries::table
        .find(id)
        .select(SmsDelivery::as_select())
        .first(conn)
        .optional()?)
}

/// Puts a message that is not pending or sent back in the queue, with a fresh lifetime.
pub fn requeue(conn: &mut DbConnection, id: i64, expire_at: NaiveDateTime, now: NaiveDateTime) -> AppResult<bool> {
    Ok(diesel::update(
        sms_deliveries::table
            .find(id)
            .filter(sms_deliveries::status.ne_all([SmsStatus::Pending, SmsStatus::Sent])),
    )
    .set((
        sms_deliveries::status.eq(SmsStatus::Pending),
        sms_deliveries::attempts.eq(0),
        sms_deliveries::next_attempt_at.eq(now),
        sms_deliveries::expire_at.eq(expire_at),
        sms_deliveries::locked_until.eq(None::<NaiveDateTime>),
        sms_deliveries::updated_at.eq(now),
    ))
    .execute(conn)?
        == 1)
}

pub fn list_deliveries(
    conn: &mut DbConnection,
    status: Option<SmsStatus>,
    page: PageRequest,
) -> AppResult<Page<SmsDelivery>> {
    let filtered = || {
        let mut query = sms_deliveries::table.into_boxed();
        if let Some(status) = status {
            query = query.filter(sms_deliveries::status.eq(status));
        }
        query
    };
    let total: i64 = filtered().count().get_result(conn)?;
    let mut query = filtered()
        .select(SmsDelivery::as_select())
        .order(sms_deliveries::id.desc())
        .limit(page.limit + 1);
    if let Some(after) = page.after {
        query = query.filter(sms_deliveries::id.lt(after));
    }
    Ok(Page::from_rows(query.load(conn)?, page, total))
}

/// How many SMS are in each (status, provider), for `/metrics`; no provider yet: `None`.
pub fn outbox_depths(conn: &mut DbConnection) -> AppResult<Vec<(String, Option<String>, i64)>> {
    Ok(sms_deliveries::table
        .group_by((sms_deliveries::status, sms_deliveries::provider))
        .select((
            sms_deliveries::status,
            sms_deliveries::provider,
            diesel::dsl::count_star(),
        ))
        .load(conn)?)
}
