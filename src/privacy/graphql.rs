//! `myPersonalData` (every caller) and `erasePersonalData` (admins).

use async_graphql::{Context, Object, SimpleObject, ID};

use crate::auth::graphql::UserNode;
use crate::error::AppResult;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, IdKind};
use crate::graphql::scalars::Json;

#[derive(Default)]
pub struct PrivacyQuery;

#[Object]
impl PrivacyQuery {
    /// Everything the zone holds about the caller (their right of access under PIPL), as one
    /// JSON document: account, sessions, devices, inbox, SMS, requests raised, timeline entries
    /// written, attachments, evaluation votes, visits, and the audit log's actions about them.
    /// The same document downloads from `GET /export/my-data.json`. Each read is audited.
    async fn my_personal_data(&self, ctx: &Context<'_>) -> AppResult<Json> {
        let actor = ctx.actor()?;
        Ok(Json(super::service::my_personal_data(ctx.state(), actor).await?))
    }
}

/// One table an erasure touched.
#[derive(SimpleObject)]
pub struct ErasedTable {
    /// The table's name, e.g. `notifications`.
    pub table: String,
    /// Rows deleted or masked there.
    pub rows: i32,
}

/// The result of `erasePersonalData`.
#[derive(SimpleObject)]
pub struct ErasePersonalDataPayload {
    /// The account after erasure: named "已注销用户", disabled, without a usable phone.
    pub user: UserNode,
    /// What was deleted or masked, table by table.
    pub tables: Vec<ErasedTable>,
}

#[derive(Default)]
pub struct PrivacyMutation;

#[Object]
impl PrivacyMutation {
    /// Erases a person's personal data (their right of erasure under PIPL; admins, not for
    /// themselves): name and phone are masked, their inbox, pushes, SMS, devices, sessions and
    /// throttle rows deleted, their evaluation reasons masked. Requests, timeline, ledger and
    /// statistics stay, with the person shown as "已注销用户". An officer who still serves
    /// companies must be replaced first. Audited.
    async fn erase_personal_data(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The person's user id.")] user_id: ID,
    ) -> AppResult<ErasePersonalDataPayload> {
        let actor = ctx.actor()?;
        let id = ids::decode(IdKind::User, &user_id, "userId")?;
        let (user, erasure) = super::service::erase(ctx.state(), actor, id).await?;
        Ok(ErasePersonalDataPayload {
            user: UserNode(user),
            tables: erasure
                .tables
                .into_iter()
                .map(|(table, rows)| ErasedTable {
                    table: table.to_string(),
                    rows: i32::try_from(rows).unwrap_or(i32::MAX),
                })
                .collect(),
        })
    }
}
