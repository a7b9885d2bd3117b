use async_graphql::{Context, InputObject, Object, ID};
use chrono::{DateTime, Utc};

use super::model::{AuditEntry, AuditFilter};
use crate::auth::graphql::{load_user, UserNode};
use crate::clock::to_utc;
use crate::error::AppResult;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, IdKind};
use crate::graphql::pagination::page_request;
use crate::graphql::scalars::Json;

/// One admin action in the audit log.
pub struct AuditEntryNode(pub AuditEntry);

crate::connection_types!(
    AuditEntryConnection,
    AuditEntryEdge,
    AuditEntryNode,
    "audit log entries"
);

fn parse(json: Option<&str>) -> Option<Json> {
    json.and_then(|j| serde_json::from_str(j).ok()).map(Json)
}

/// One admin action in the audit log.
#[Object(name = "AuditEntry")]
impl AuditEntryNode {
    /// Opaque id.
    async fn id(&self) -> ID {
        ids::encode(IdKind::AuditEntry, self.0.id)
    }

    /// Who acted (null for the command line).
    async fn actor(&self, ctx: &Context<'_>) -> AppResult<Option<UserNode>> {
        match self.0.actor_id {
            Some(id) => load_user(ctx, id).await,
            None => Ok(None),
        }
    }

    /// What was done: the mutation's name, such as `updateCompany` or `assignOfficer`.
    async fn action(&self) -> &str {
        &self.0.action
    }

    /// The kind of thing acted on: `company`, `user`, `assignment`, `department`, `category`,
    /// `calendarDay`, `slaPolicy`, `evaluationPeriod`, `replacementFlag`, `awardEligibility`,
    /// `pushDelivery`.
    async fn target_type(&self) -> &str {
        &self.0.target_type
    }

    /// The target's row id (a date for calendar days): combine with `targetType`.
    async fn target_id(&self) -> &str {
        &self.0.target_id
    }

    /// The target before the action (null when it was created).
    async fn before(&self) -> Option<Json> {
        parse(self.0.before_json.as_deref())
    }

    /// The target after the action (null when it was removed).
    async fn after(&self) -> Option<Json> {
        parse(self.0.after_json.as_deref())
    }

    /// When.
    async fn at(&self) -> DateTime<Utc> {
        to_utc(self.0.at)
    }
}

/// Narrows the audit log.
#[derive(InputObject, Default)]
pub struct AuditLogFilter {
    /// Actions by this user.
    pub actor_id: Option<ID>,
    /// This action, e.g. `assignOfficer`.
    pub action: Option<String>,
    /// Targets of this type, e.g. `company`.
    pub target_type: Option<String>,
    /// This target (with `targetType`).
    pub target_id: Option<String>,
    /// At or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Before this time.
    pub before: Option<DateTime<Utc>>,
}

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// Every admin action, newest first (admins).
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Narrows the list.")] filter: Option<AuditLogFilter>,
        #[graphql(desc = "Page size (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
    ) -> AppResult<AuditEntryConnection> {
        let actor = ctx.actor()?;
        actor.require_admin()?;
        let input = filter.unwrap_or_default();
        let filter = AuditFilter {
            actor_id: input
                .actor_id
                .map(|id| ids::decode(IdKind::User, &id, "actorId"))
                .transpose()?,
            action: input.action,
            target_type: input.target_type,
            target_id: input.target_id,
            from: input.from.map(|t| t.naive_utc()),
            before: input.before.map(|t| t.naive_utc()),
        };
        let page = page_request(first, after)?;
        let page = super::service::list(ctx.state(), actor, filter, page).await?;
        Ok(AuditEntryConnection::from_page(page, |e| e.id, AuditEntryNode))
    }
}
