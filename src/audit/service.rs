//! Reading the audit log (admins only).

use super::model::{AuditEntry, AuditFilter};
use super::repo;
use crate::actor::Actor;
use crate::db::{Page, PageRequest};
use crate::error::AppResult;
use crate::state::AppState;

/// The entries `filter` selects, newest first (admins).
pub async fn list(
    state: &AppState,
    actor: &Actor,
    filter: AuditFilter,
    page: PageRequest,
) -> AppResult<Page<AuditEntry>> {
    actor.require_admin()?;
    state.db.read(move |conn| repo::list(conn, &filter, page)).await
}
