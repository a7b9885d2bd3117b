use async_graphql::{Context, Object, SimpleObject, Subscription, ID};
use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt};

use super::model::{DeliveryStatus, Device, Notification, Platform, PushDelivery, PushProvider};
use super::repo::DeliveryFilter;
use super::service;
use crate::auth::graphql::UserNode;
use crate::clock::to_utc;
use crate::db::shared::SharedReads;
use crate::error::AppResult;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, IdKind};
use crate::graphql::pagination::page_request;

/// A phone (or browser) registered for pushes.
pub struct DeviceNode(pub Device);

/// A phone (or browser) registered for pushes.
#[Object(name = "Device")]
impl DeviceNode {
    /// Opaque id.
    async fn id(&self) -> ID {
        ids::encode(IdKind::Device, self.0.id)
    }

    /// The operating system.
    async fn platform(&self) -> Platform {
        self.0.platform
    }

    /// The push service that issued the token and delivers its pushes.
    async fn provider(&self) -> PushProvider {
        self.0.provider
    }

    /// The locale the app reported for the device (e.g. `zh-CN`, `en-US`). Pushes and the inbox
    /// are written in the user's own language (`User.locale`, set with `setMyLocale`).
    async fn locale(&self) -> &str {
        &self.0.locale
    }

    /// The app version that registered the token.
    async fn app_version(&self) -> &str {
        &self.0.app_version
    }

    /// When the token was first registered.
    async fn registered_at(&self) -> DateTime<Utc> {
        to_utc(self.0.created_at)
    }

    /// When the token was last registered.
    async fn last_seen_at(&self) -> DateTime<Utc> {
        to_utc(self.0.last_seen_at)
    }
}

/// An inbox entry: what happened that concerns the user.
pub struct NotificationNode(pub Notification);

crate::connection_types!(
    NotificationConnection,
    NotificationEdge,
    NotificationNode,
    "notifications"
);

/// An inbox entry: what happened that concerns the user.
#[Object(name = "Notification")]
impl NotificationNode {
    /// Opaque id.
    async fn id(&self) -> ID {
        ids::encode(IdKind::Notification, self.0.id)
    }

    /// What happened, e.g. `OFFICER_ASSIGNED` or `REQUEST_ACCEPTED`.
    async fn kind(&self) -> &str {
        &self.0.kind
    }

    /// Short title, in the recipient's language (`User.locale`).
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// One-line text.
    async fn body(&self) -> &str {
        &self.0.body
    }

    /// The language of the texts (`zh-CN` or `en`).
    async fn locale(&self) -> &str {
        &self.0.locale
    }

    /// Id of the request it concerns, if any.
    async fn request_id(&self) -> Option<ID> {
        self.0.request_id.map(|id| ID(format!("req_{id}")))
    }

    /// Id of the company it concerns, if any.
    async fn company_id(&self) -> Option<ID> {
        self.0.company_id.map(|id| ids::encode(IdKind::Company, id))
    }

    /// True for urgent news, pushed even during quiet hours.
    async fn urgent(&self) -> bool {
        self.0.urgent
    }

    /// True once the user has read it.
    async fn read(&self) -> bool {
        self.0.read_at.is_some()
    }

    /// When the user read it.
    async fn read_at(&self) -> Option<DateTime<Utc>> {
        self.0.read_at.map(to_utc)
    }

    /// When it happened.
    async fn created_at(&self) -> DateTime<Utc> {
        to_utc(self.0.created_at)
    }
}

/// One push of one notification to one device (the outbox), for operations staff.
pub struct PushDeliveryNode(pub PushDelivery);

crate::connection_types!(
    PushDeliveryConnection,
    PushDeliveryEdge,
    PushDeliveryNode,
    "push deliveries"
);

/// One push of one notification to one device (the outbox), for operations staff.
#[Object(name = "PushDelivery")]
impl PushDeliveryNode {
    /// Opaque id.
    async fn id(&self) -> ID {
        ids::encode(IdKind::PushDelivery, self.0.id)
    }

    /// Id of the inbox notification pushed.
    async fn notification_id(&self) -> ID {
        ids::encode(IdKind::Notification, self.0.notification_id)
    }

    /// The target device's platform.
    async fn platform(&self) -> Platform {
        self.0.platform
    }

    /// The push service it goes through (the device's provider).
    async fn provider(&self) -> PushProvider {
        self.0.provider
    }

    /// The notice kind pushed, e.g. `REQUEST_ACCEPTED`.
    async fn kind(&self) -> &str {
        &self.0.kind
    }

    /// Retries stop at this time (24 hours for supervision steps and urgent requests, 72 for
    /// routine notices); the provider keeps the message for an offline phone until then.
    async fn expires_at(&self) -> DateTime<Utc> {
        to_utc(self.0.expires_at)
    }

    /// Where the delivery stands.
    async fn status(&self) -> DeliveryStatus {
        self.0.status
    }

    /// Attempts made so far.
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }

    /// When the next attempt is due (pending deliveries).
    async fn next_attempt_at(&self) -> DateTime<Utc> {
        to_utc(self.0.next_attempt_at)
    }

    /// The last error the push service reported.
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }

    /// When the push service accepted it.
    async fn sent_at(&self) -> Option<DateTime<Utc>> {
        self.0.sent_at.map(to_utc)
    }

    /// True while the device still exists (a dead delivery can then be retried).
    async fn device_exists(&self) -> bool {
        self.0.device_id.is_some()
    }

    /// When it was queued.
    async fn created_at(&self) -> DateTime<Utc> {
        to_utc(self.0.created_at)
    }
}

#[derive(Default)]
pub struct NotificationQuery;

#[Object]
impl NotificationQuery {
    /// The caller's inbox, newest first.
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only unread notifications (default false).")] unread_only: Option<bool>,
        #[graphql(desc = "Page size (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
    ) -> AppResult<NotificationConnection> {
        let actor = ctx.actor()?;
        let page = service::inbox(
            ctx.state(),
            actor,
            unread_only.unwrap_or(false),
            page_request(first, after)?,
        )
        .await?;
        Ok(NotificationConnection::from_page(page, |n| n.id, NotificationNode))
    }

    /// How many of the caller's notifications are unread (the app's badge).
    async fn unread_notification_count(&self, ctx: &Context<'_>) -> AppResult<i64> {
        let actor = ctx.actor()?;
        service::unread_count(ctx.state(), actor).await
    }

    /// The push outbox, newest first, optionally by status, provider, kind and time (admins).
    #[allow(clippy::too_many_arguments)]
    async fn push_deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only deliveries in this state.")] status: Option<DeliveryStatus>,
        #[graphql(desc = "Only deliveries through this push provider.")] provider: Option<PushProvider>,
        #[graphql(desc = "Only deliveries of this notice kind, e.g. OVERDUE.")] kind: Option<String>,
        #[graphql(desc = "Only deliveries queued at or after this time.")] created_from: Option<DateTime<Utc>>,
        #[graphql(desc = "Only deliveries queued before this time.")] created_before: Option<DateTime<Utc>>,
        #[graphql(desc = "Page size (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
    ) -> AppResult<PushDeliveryConnection> {
        let actor = ctx.actor()?;
        actor.require_admin()?;
        let filter = DeliveryFilter {
            status,
            provider,
            kind,
            from: created_from.map(|t| t.naive_utc()),
            to: created_before.map(|t| t.naive_utc()),
        };
        let page = service::list_deliveries(ctx.state(), actor, filter, page_request(first, after)?).await?;
        Ok(PushDeliveryConnection::from_page(page, |d| d.id, PushDeliveryNode))
    }
}

/// The registered device.
#[derive(SimpleObject)]
pub struct RegisterDevicePayload {
    /// The device.
    pub device: DeviceNode,
}

/// The caller's unread count after marking.
#[derive(SimpleObject)]
pub struct MarkNotificationsReadPayload {
    /// Unread notifications left.
    pub unread_count: i64,
}

/// The user with the new quiet hours.
#[derive(SimpleObject)]
pub struct SetQuietHoursPayload {
    /// The user.
    pub user: UserNode,
}

/// What a bulk requeue did.
#[derive(SimpleObject)]
pub struct RequeuePushDeliveriesPayload {
    /// How many dead, failed or held deliveries are pending again.
    pub requeued_count: i64,
}

/// The requeued delivery.
#[derive(SimpleObject)]
pub struct RetryPushDeliveryPayload {
    /// The delivery, pending again.
    pub delivery: PushDeliveryNode,
}

#[derive(Default)]
pub struct NotificationMutation;

#[Object]
impl NotificationMutation {
    /// Registers this phone's push token for the caller (a token registered by another user
    /// moves to the caller).
    async fn register_device(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The push token, as the provider's SDK gave it to the app.")] token: String,
        #[graphql(desc = "The operating system.")] platform: Platform,
        #[graphql(
            desc = "The push service that issued the token (default FCM): APNS for iPhones, HUAWEI / HONOR / \
                    XIAOMI / OPPO / VIVO for those phones' own push services."
        )]
        provider: Option<PushProvider>,
        #[graphql(desc = "The device's locale, e.g. zh-CN or en-US (default zh-CN).")] locale: Option<String>,
        #[graphql(desc = "The app's version.")] app_version: Option<String>,
    ) -> AppResult<RegisterDevicePayload> {
        let actor = ctx.actor()?;
        let device = service::register_device(
            ctx.state(),
            actor,
            &token,
            platform,
            provider.unwrap_or(PushProvider::Fcm),
            locale.as_deref(),
            app_version.as_deref(),
        )
        .await?;
        Ok(RegisterDevicePayload {
            device: DeviceNode(device),
        })
    }

    /// Stops pushes to one of the caller's devices. True when the token was registered.
    async fn unregister_device(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The push token registered.")] token: String,
    ) -> AppResult<bool> {
        let actor = ctx.actor()?;
        service::unregister_device(ctx.state(), actor.user_id, &token).await
    }

    /// Marks some of the caller's notifications read.
    async fn mark_notifications_read(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The notifications' ids.")] ids: Vec<ID>,
    ) -> AppResult<MarkNotificationsReadPayload> {
        let actor = ctx.actor()?;
        let ids = ids
            .iter()
            .map(|id| ids::decode(IdKind::Notification, id, "ids"))
            .collect::<AppResult<Vec<_>>>()?;
        let unread_count = service::mark_read(ctx.state(), actor, Some(ids)).await?;
        Ok(MarkNotificationsReadPayload { unread_count })
    }

    /// Marks every notification of the caller read.
    async fn mark_all_notifications_read(&self, ctx: &Context<'_>) -> AppResult<MarkNotificationsReadPayload> {
        let actor = ctx.actor()?;
        let unread_count = service::mark_read(ctx.state(), actor, None).await?;
        Ok(MarkNotificationsReadPayload { unread_count })
    }

    /// Sets the caller's quiet hours (zone time, HH:MM; equal times switch them off). Routine
    /// pushes wait until they end; urgent ones and the inbox do not.
    async fn set_quiet_hours(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Start, e.g. 22:00.")] start: String,
        #[graphql(desc = "End, e.g. 07:00.")] end: String,
    ) -> AppResult<SetQuietHoursPayload> {
        let actor = ctx.actor()?;
        let user = service::set_quiet_hours(ctx.state(), actor, &start, &end).await?;
        Ok(SetQuietHoursPayload { user: UserNode(user) })
    }

    /// Puts back in the queue every dead, failed or held push delivery the filter selects
    /// whose device still exists (at most 10,000 at once), with a fresh lifetime; recorded in
    /// the audit log (admins).
    async fn requeue_push_deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only deliveries in this state (DEAD, FAILED or HELD; default: all three).")] status: Option<
            DeliveryStatus,
        >,
        #[graphql(desc = "Only deliveries through this push provider.")] provider: Option<PushProvider>,
        #[graphql(desc = "Only deliveries of this notice kind, e.g. OVERDUE.")] kind: Option<String>,
        #[graphql(desc = "Only deliveries queued at or after this time.")] created_from: Option<DateTime<Utc>>,
        #[graphql(desc = "Only deliveries queued before this time.")] created_before: Option<DateTime<Utc>>,
    ) -> AppResult<RequeuePushDeliveriesPayload> {
        let actor = ctx.actor()?;
        let filter = DeliveryFilter {
            status,
            provider,
            kind,
            from: created_from.map(|t| t.naive_utc()),
            to: created_before.map(|t| t.naive_utc()),
        };
        let requeued = service::requeue_deliveries(ctx.state(), actor, filter).await?;
        Ok(RequeuePushDeliveriesPayload {
            requeued_count: requeued as i64,
        })
    }

    /// Puts a dead, failed or held push delivery back in the queue (admins).
    async fn retry_push_delivery(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The delivery's id.")] id: ID,
    ) -> AppResult<RetryPushDeliveryPayload> {
        let actor = ctx.actor()?;
        let id = ids::decode(IdKind::PushDelivery, &id, "id")?;
        Ok(RetryPushDeliveryPayload {
            delivery: PushDeliveryNode(service::retry_delivery(ctx.state(), actor, id).await?),
        })
    }
}

#[derive(Default)]
pub struct NotificationSubscription;

#[Subscription]
impl NotificationSubscription {
    /// Each new notification of the caller, as it arrives in the inbox (the same rows as
    /// `notifications`; the app can rely on this and the inbox alone, without FCM).
    async fn notification_received(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Start after this notification (the newest the app has shown), so nothing is missed \
                          between reading the inbox and subscribing; omitted: from now."
        )]
        after: Option<ID>,
    ) -> async_graphql::Result<impl Stream<Item = NotificationNode>> {
        let user_id = ctx.actor()?.user_id;
        let after = after
            .map(|id| ids::decode(IdKind::Notification, &id, "after"))
            .transpose()?;
        let state = ctx.state().clone();
        // Listen before reading the position, so nothing between the two is missed. The inbox
        // is read again only when this user's notifications arrive (`Effect::Notified`, from
        // any instance on PostgreSQL): an idle phone costs the database nothing.
        let notified = state.db.live().notified(user_id).await;
        let position = match after {
            Some(after) => after,
            None => service::inbox_position(&state, user_id).await?,
        };
        // With `after`, what arrived since then is read at once. The subscriptions of one
        // person at the same position that hear the same news share one read; a wake-up after
        // falling behind the bus (`None`) reads alone.
        let wakeups = futures_util::stream::iter(after.map(|_| None)).chain(notified);
        let arrivals = futures_util::stream::unfold(
            (wakeups.boxed(), position, state),
            move |(mut wakeups, mut position, state)| async move {
                loop {
                    let seq = wakeups.next().await?;
                    let read_state = state.clone();
                    let read = move || {
                        futures_util::FutureExt::boxed(async move {
                            service::arrived_since(&read_state, user_id, position).await
                        })
                    };
                    let arrived = match seq {
                        Some(seq) => {
                            let reads = state
                                .shared_reads
                                .get::<SharedReads<(crate::ids::UserId, i64, u64), Vec<super::model::Notification>>>();
                            reads.get((user_id, position, seq), read).await
                        }
                        None => read().await,
                    };
                    match arrived {
                        Ok(new) if !new.is_empty() => {
                            position = new.last().map_or(position, |n| n.id);
                            return Some((new, (wakeups, position, state)));
                        }
                        Ok(_) => {}
                        Err(error) => tracing::warn!(error = ?error, "live inbox read failed"),
                    }
                }
            },
        );
        Ok(arrivals.flat_map(|batch| futures_util::stream::iter(batch.into_iter().map(NotificationNode))))
    }
}

/// This domain's DataLoaders, for the registry in `graphql::loaders`: the unread notifications
/// of many (reader, request) pairs in one query (`Request.unreadNotificationCount`).
pub fn register_loaders(loaders: &mut crate::graphql::loaders::Loaders) {
    loaders.pairs(super::repo::unread_counts_by_request);
}
