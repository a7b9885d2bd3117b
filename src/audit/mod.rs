//! The audit log: every admin action (who, what, when, the target before and after), written in
//! the transaction of the change it records, and the admin-only `auditLog` query.

pub mod graphql;
pub mod model;
pub mod repo;
pub mod service;

use chrono::NaiveDateTime;
use serde_json::Value;

use crate::db::DbConnection;
use crate::error::AppResult;
use crate::ids::UserId;
use model::NewAuditEntry;

/// A row the audit log can record. Each domain implements it beside its model, with a JSON
/// snapshot of the fields an admin changes (never secrets such as password hashes), so the
/// audit log depends on no domain.
pub trait Audited {
    /// The target type as listed in the log (`company`, `user`, …).
    const TARGET: &'static str;
    fn target_id(&self) -> String;
    fn snapshot(&self) -> Value;
}

/// Records `action` by `actor_id` (an admin; `None` for the command line) on the target of
/// `before`/`after` (a creation has no before, a removal no after). Call it inside the
/// change's transaction, so the entry commits with the change or not at all.
pub fn record<T: Audited>(
    conn: &mut DbConnection,
    actor_id: impl Into<Option<UserId>>,
    action: &str,
    before: Option<&T>,
    after: Option<&T>,
    at: NaiveDateTime,
) -> AppResult<()> {
    let Some(subject) = after.or(before) else {
        return Ok(());
    };
    repo::insert(
        conn,
        &NewAuditEntry {
            actor_id: actor_id.into(),
            action: action.to_string(),
            target_type: T::TARGET.to_string(),
            target_id: subject.target_id(),
            before_json: before.map(|b| b.snapshot().to_string()),
            after_json: after.map(|a| a.snapshot().to_string()),
            at,
        },
    )
}
