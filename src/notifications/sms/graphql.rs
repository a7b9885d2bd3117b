use async_graphql::{Context, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use super::model::{SmsDelivery, SmsKindRule, SmsStatus};
use super::service;
use crate::clock::to_utc;
use crate::error::AppResult;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, IdKind};
use crate::graphql::pagination::page_request;

/// A notice kind that also goes out as SMS, and how (admins).
pub struct SmsKindNode(pub SmsKindRule);

/// A notice kind that also goes out as SMS, and how (admins).
#[Object(name = "SmsKind")]
impl SmsKindNode {
    /// The notice kind, e.g. `OVERDUE` (see `Notification.kind`).
    async fn kind(&self) -> &str {
        &self.0.kind
    }

    /// Sent even to users who turned SMS off.
    async fn mandatory(&self) -> bool {
        self.0.mandatory
    }

    /// Sent during the recipient's quiet hours too.
    async fn overrides_quiet_hours(&self) -> bool {
        self.0.overrides_quiet_hours
    }

    /// Only for urgent notices (e.g. a new request marked URGENT).
    async fn urgent_only(&self) -> bool {
        self.0.urgent_only
    }

    /// When it was last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        to_utc(self.0.updated_at)
    }
}

/// One SMS of one notification (the SMS outbox), for operations staff.
pub struct SmsDeliveryNode(pub SmsDelivery);

crate::connection_types!(
    SmsDeliveryConnection,
    SmsDeliveryEdge,
    SmsDeliveryNode,
    "SMS deliveries"
);

/// One SMS of one notification (the SMS outbox), for operations staff.
#[Object(name = "SmsDelivery")]
impl SmsDeliveryNode {
    /// Opaque id.
    async fn id(&self) -> ID {
        ids::encode(IdKind::SmsDelivery, self.0.id)
    }

    /// Id of the inbox notification it carries.
    async fn notification_id(&self) -> ID {
        ids::encode(IdKind::Notification, self.0.notification_id)
    }

    /// The notice kind.
    async fn kind(&self) -> &str {
        &self.0.kind
    }

    /// The recipient's number, masked (138****5678).
    async fn phone(&self) -> String {
        crate::auth::phone::mask(&self.0.phone)
    }

    /// Where it stands.
    async fn status(&self) -> SmsStatus {
        self.0.status
    }

    /// Attempts made so far.
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }

    /// The provider that handled it (`aliyun` or `tencent`), once one did.
    async fn provider(&self) -> Option<&str> {
        self.0.provider.as_deref()
    }

    /// The provider's last answer code (`OK`, `Ok`, `isv.MOBILE_NUMBER_ILLEGAL`, …).
    async fn provider_code(&self) -> Option<&str> {
        self.0.provider_code.as_deref()
    }

    /// The provider's id of the sent message (Alibaba `BizId`, Tencent `SerialNo`).
    async fn provider_message_id(&self) -> Option<&str> {
        self.0.provider_message_id.as_deref()
    }

    /// Why it is held, or the last error.
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }

    /// When the next attempt is due (pending messages).
    async fn next_attempt_at(&self) -> DateTime<Utc> {
        to_utc(self.0.next_attempt_at)
    }

    /// When an unsent message is given up as EXPIRED.
    async fn expire_at(&self) -> DateTime<Utc> {
        to_utc(self.0.expire_at)
    }

    /// When the provider accepted it.
    async fn sent_at(&self) -> Option<DateTime<Utc>> {
        self.0.sent_at.map(to_utc)
    }

    /// When it was queued (with its notification).
    async fn created_at(&self) -> DateTime<Utc> {
        to_utc(self.0.created_at)
    }
}

#[derive(Default)]
pub struct SmsQuery;

#[Object]
impl SmsQuery {
    /// The notice kinds that also go out as SMS (admins).
    async fn sms_kinds(&self, ctx: &Context<'_>) -> AppResult<Vec<SmsKindNode>> {
        let kinds = service::kinds(ctx.state(), ctx.actor()?).await?;
        Ok(kinds.into_iter().map(SmsKindNode).collect())
    }

    /// The SMS outbox, newest first, optionally by status (admins).
    async fn sms_deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only messages in this state.")] status: Option<SmsStatus>,
        #[graphql(desc = "Page size (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
    ) -> AppResult<SmsDeliveryConnection> {
        let page = service::list_deliveries(ctx.state(), ctx.actor()?, status, page_request(first, after)?).await?;
        Ok(SmsDeliveryConnection::from_page(page, |d| d.id, SmsDeliveryNode))
    }

    /// True when the caller turned SMS off for the kinds that are not mandatory.
    async fn sms_opt_out(&self, ctx: &Context<'_>) -> AppResult<bool> {
        service::opted_out(ctx.state(), ctx.actor()?.user_id).await
    }
}

/// The kind as it is now sent.
#[derive(SimpleObject)]
pub struct SetSmsKindPayload {
    /// The kind's SMS rule.
    pub sms_kind: SmsKindNode,
}

/// The caller's SMS setting.
#[derive(SimpleObject)]
pub struct SetSmsOptOutPayload {
    /// True when SMS of kinds that are not mandatory are off for the caller.
    pub sms_opt_out: bool,
}

/// The requeued SMS.
#[derive(SimpleObject)]
pub struct RetrySmsDeliveryPayload {
    /// The message, pending again.
    pub delivery: SmsDeliveryNode,
}

#[derive(Default)]
pub struct SmsMutation;

#[Object]
impl SmsMutation {
    /// Sends a notice kind as SMS too, or changes how (admins; audited).
    async fn set_sms_kind(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The notice kind, e.g. OVERDUE or TASK_DISPATCHED.")] kind: String,
        #[graphql(desc = "Sent even to users who turned SMS off.")] mandatory: bool,
        #[graphql(desc = "Sent during the recipient's quiet hours too.")] overrides_quiet_hours: bool,
        #[graphql(desc = "Only for urgent notices (default false).")] urgent_only: Option<bool>,
    ) -> AppResult<SetSmsKindPayload> {
        let rule = service::set_kind(
            ctx.state(),
            ctx.actor()?,
            &kind,
            mandatory,
            overrides_quiet_hours,
            urgent_only.unwrap_or(false),
        )
        .await?;
        Ok(SetSmsKindPayload {
            sms_kind: SmsKindNode(rule),
        })
    }

    /// Stops sending a notice kind as SMS (admins; audited). False when it was not sent so.
    async fn remove_sms_kind(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The notice kind.")] kind: String,
    ) -> AppResult<bool> {
        service::remove_kind(ctx.state(), ctx.actor()?, &kind).await
    }

    /// Turns SMS off (or on again) for the caller, for the kinds that are not mandatory.
    async fn set_sms_opt_out(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "True to receive only the mandatory SMS.")] opt_out: bool,
    ) -> AppResult<SetSmsOptOutPayload> {
        let sms_opt_out = service::set_opt_out(ctx.state(), ctx.actor()?, opt_out).await?;
        Ok(SetSmsOptOutPayload { sms_opt_out })
    }

    /// Puts a failed, held or expired SMS back in the queue (admins; audited).
    async fn retry_sms_delivery(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The SMS delivery's id.")] id: ID,
    ) -> AppResult<RetrySmsDeliveryPayload> {
        let actor = ctx.actor()?;
        let id = ids::decode(IdKind::SmsDelivery, &id, "id")?;
        Ok(RetrySmsDeliveryPayload {
            delivery: SmsDeliveryNode(service::retry_delivery(ctx.state(), actor, id).await?),
        })
    }
}
