use diesel::prelude::*;

use super::model::{AuditEntry, AuditFilter, NewAuditEntry};
use crate::db::schema::audit_log;
use crate::db::{DbConnection, MultiBackend, Page, PageRequest};
use crate::error::AppResult;

pub fn insert(conn: &mut DbConnection, new: &NewAuditEntry) -> AppResult<()> {
    diesel::insert_into(audit_log::table).values(new).execute(conn)?;
    Ok(())
}

fn filtered(filter: &AuditFilter) -> audit_log::BoxedQuery<'static, MultiBackend> {
    let mut query = audit_log::table.into_boxed();
    if let Some(actor_id) = filter.actor_id {
        query = query.filter(audit_log::actor_id.eq(actor_id));
    }
    if let Some(action) = filter.action.clone() {
        query = query.filter(audit_log::action.eq(action));
    }
    if let Some(target_type) = filter.target_type.clone() {
        query = query.filter(audit_log::target_type.eq(target_type));
    }
    if let Some(target_id) = filter.target_id.clone() {
        query = query.filter(audit_log::target_id.eq(target_id));
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_log::at.ge(from));
    }
    if let Some(before) = filter.before {
        query = query.filter(audit_log::at.lt(before));
    }
    query
}

/// A page of entries, newest first (ids grow with time within one database).
pub fn list(conn: &mut DbConnection, filter: &AuditFilter, page: PageRequest) -> AppResult<Page<AuditEntry>> {
    let total: i64 = filtered(filter).count().get_result(conn)?;
    let mut query = filtered(filter)
        .select(AuditEntry::as_select())
        .order(audit_log::id.desc())
        .limit(page.limit + 1);
    if let Some(after) = page.after {
        query = query.filter(audit_log::id.lt(after));
    }
    Ok(Page::from_rows(query.load(conn)?, page, total))
}
