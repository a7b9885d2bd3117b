use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{NewZoneNotice, NoticeRecipient, ZoneNotice};
use crate::db::schema::{zone_notice_recipients, zone_notices};
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::ids::{CompanyId, UserId, ZoneNoticeId};

pub fn insert(conn: &mut DbConnection, new: &NewZoneNotice) -> AppResult<ZoneNotice> {
    Ok(diesel::insert_into(zone_notices::table)
        .values(new)
        .returning(zone_notices::all_columns)
        .get_result(conn)?)
}

pub fn insert_recipient(conn: &mut DbConnection, notice_id: ZoneNoticeId, company_id: CompanyId) -> AppResult<()> {
    diesel::insert_into(zone_notice_recipients::table)
        .values((
            zone_notice_recipients::notice_id.eq(notice_id),
            zone_notice_recipients::company_id.eq(company_id),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn find_by_id(conn: &mut DbConnection, id: ZoneNoticeId) -> AppResult<Option<ZoneNotice>> {
    Ok(zone_notices::table
        .find(id)
        .select(ZoneNotice::as_select())
        .first(conn)
        .optional()?)
}

/// Notices, newest first; only those sent to one of `companies` when it is given.
pub fn list(conn: &mut DbConnection, companies: Option<&[CompanyId]>) -> AppResult<Vec<ZoneNotice>> {
    let mut query = zone_notices::table.select(ZoneNotice::as_select()).into_boxed();
    if let Some(companies) = companies {
        query = query.filter(
            zone_notices::id.eq_any(
                zone_notice_recipients::table
                    .filter(zone_notice_recipients::company_id.eq_any(companies.to_vec()))
                    .select(zone_notice_recipients::notice_id),
            ),
        );
    }
    Ok(query.order(zone_notices::id.desc()).load(conn)?)
}

/// Recipients of the notices; only `companies` when given.
pub fn recipients(
    conn: &mut DbConnection,
    notice_ids: &[ZoneNoticeId],
    companies: Option<&[CompanyId]>,
) -> AppResult<Vec<NoticeRecipient>> {
    let mut query = zone_notice_recipients::table
        .filter(zone_notice_recipients::notice_id.eq_any(notice_ids.to_vec()))
        .select(NoticeRecipient::as_select())
        .into_boxed();
    if let Some(companies) = companies {
        query = query.filter(zone_notice_recipients::company_id.eq_any(companies.to_vec()));
    }
    Ok(query.order(zone_notice_recipients::id.asc()).load(conn)?)
}

pub fn recipient(
    conn: &mut DbConnection,
    notice_id: ZoneNoticeId,
    company_id: CompanyId,
) -> AppResult<Option<NoticeRecipient>> {
    Ok(zone_notice_recipients::table
        .filter(zone_notice_recipients::notice_id.eq(notice_id))
        .filter(zone_notice_recipients::company_id.eq(company_id))
        .select(NoticeRecipient::as_select())
        .first(conn)
        .optional()?)
}

pub fn mark_read(conn: &mut DbConnection, id: i64, by: UserId, now: NaiveDateTime) -> AppResult<()> {
    diesel::update(
        zone_notice_recipients::table
            .find(id)
            .filter(zone_notice_recipients::read_at.is_null()),
    )
    .set((
        zone_notice_recipients::read_at.eq(now),
        zone_notice_recipients::read_by.eq(by),
    ))
    .execute(conn)?;
    Ok(())
}

/// Unread, unreminded recipients of important notices sent at or before `sent_before`.
pub fn due_for_reminder(
    conn: &mut DbConnection,
    sent_before: NaiveDateTime,
    limit: i64,
) -> AppResult<Vec<NoticeRecipient>> {
    Ok(zone_notice_recipients::table
        .filter(zone_notice_recipients::read_at.is_null())
        .filter(zone_notice_recipients::reminded_at.is_null())
        .filter(
            zone_notice_recipients::notice_id.eq_any(
                zone_notices::table
                    .filter(zone_notices::important.eq(true))
                    .filter(zone_notices::sent_at.le(sent_before))
                    .select(zone_notices::id),
            ),
        )
        .order(zone_notice_recipients::id.asc())
        .limit(limit)
        .select(NoticeRecipient::as_select())
        .load(conn)?)
}

/// Marks one recipient reminded; true only for the transaction that did it while it was still
/// unread (instances running the job side by side remind once).
pub fn claim_reminder(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> AppResult<bool> {
    let rows = diesel::update(
        zone_notice_recipients::table
            .find(id)
            .filter(zone_notice_recipients::reminded_at.is_null())
            .filter(zone_notice_recipients::read_at.is_null()),
    )
    .set(zone_notice_recipients::reminded_at.eq(now))
    .execute(conn)?;
    Ok(rows == 1)
}
