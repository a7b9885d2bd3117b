//! Who is told what, in which words, and when their phones may buzz.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};

use super::errors::NotificationsReason;
use super::model::{
    DeliveryStatus, Device, NewDevice, NewNotification, NewPushDelivery, Notification, Platform, PushDelivery,
    PushProvider,
};
use super::repo::DeliveryFilter;
use super::texts::NoticeKind;
use super::{quiet, repo};
use crate::actor::Actor;
use crate::auth::repo as users_repo;
use crate::db::{Effect, Page, PageRequest, Tx};
use crate::error::{AppError, AppResult};
use crate::ids::{CompanyId, UserId};
use crate::state::AppState;
use crate::text::single_line;

pub const MAX_TOKEN_CHARS: usize = 4096;

/// Something that happened which people must hear about.
#[derive(Debug, Clone)]
pub struct Notice {
    pub kind: NoticeKind,
    /// A request number or company name the texts mention.
    pub subject: String,
    pub request_id: Option<i64>,
    pub company_id: Option<CompanyId>,
    /// Urgent notices are pushed even during quiet hours.
    pub urgent: bool,
}

/// Writes one inbox notification per recipient and one push delivery per recipient's device,
/// inside the caller's transaction, so they commit with the change that caused them or not at
/// all. The actor is never told of their own action. Returns the new notifications.
pub fn notify(
    conn: &mut Tx<'_>,
    now: DateTime<Utc>,
    actor_id: Option<UserId>,
    recipients: impl IntoIterator<Item = UserId>,
    notice: &Notice,
) -> AppResult<Vec<Notification>> {
    notify_with_sms(conn, now, actor_id, recipients, notice, false)
}

/// Like [`notify`]; when `sms_reach` is true the recipients are the ones who must act (the
/// holder of a limit, the officer of a new request), and a notice of a critical kind also
/// queues an SMS to each of them (`sms::service::enqueue`), in the same transaction.
pub fn notify_with_sms(
    conn: &mut Tx<'_>,
    now: DateTime<Utc>,
    actor_id: Option<UserId>,
    recipients: impl IntoIterator<Item = UserId>,
    notice: &Notice,
    sms_reach: bool,
) -> AppResult<Vec<Notification>> {
    let recipients: Vec<UserId> = recipients
        .into_iter()
        .filter(|id| Some(*id) != actor_id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if recipients.is_empty() {
        return Ok(Vec::new());
    }
    let users: HashMap<_, _> = users_repo::find_by_ids(conn, &recipients)?
        .into_iter()
        .filter(|u| u.disabled_at.is_none())
        .map(|u| (u.id, u))
        .collect();
    let mut devices_by_user: HashMap<_, Vec<Device>> = HashMap::new();
    for device in repo::devices_of_users(conn, &recipients)? {
        devices_by_user.entry(device.user_id).or_default().push(device);
    }
    let naive_now = now.naive_utc();
    let expires_at = naive_now + super::push::lifetime(notice.kind.as_str(), notice.urgent);
    let mut created = Vec::with_capacity(recipients.len());
    for user_id in recipients {
        let Some(user) = users.get(&user_id) else {
            continue;
        };
        let devices = devices_by_user.remove(&user_id).unwrap_or_default();
        // The inbox and every push speak the recipient's own language (`setMyLocale`).
        let inbox_locale = user.locale;
        let (title, body) = notice.kind.render(inbox_locale, &notice.subject);
        let notification = repo::insert_notification(
            conn,
            &NewNotification {
                user_id,
                kind: notice.kind.as_str().to_string(),
                title: title.clone(),
                body: body.clone(),
                locale: inbox_locale.as_str().to_string(),
                request_id: notice.request_id,
                company_id: notice.company_id,
                urgent: notice.urgent,
                created_at: naive_now,
            },
        )?;
        for device in devices {
            repo::insert_delivery(
                conn,
                &NewPushDelivery {
                    notification_id: notification.id,
                    device_id: Some(device.id),
                    token: device.token,
                    platform: device.platform,
                    title: title.clone(),
                    body: body.clone(),
                    status: DeliveryStatus::Pending,
                    next_attempt_at: naive_now,
                    created_at: naive_now,
                    updated_at: naive_now,
                    provider: device.provider,
                    kind: notice.kind.as_str().to_string(),
                    expires_at,
                },
            )?;
        }
        if sms_reach {
            super::sms::service::enqueue(conn, &notification, user, &notice.subject, naive_now)?;
        }
        // Their `notificationReceived` subscriptions read it once this commits.
        conn.after_commit(Effect::Notified(user_id));
        created.push(notification);
    }
    Ok(created)
}

fn clean_token(token: &str) -> AppResult<String> {
    let token = token.trim();
    if token.is_empty() || token.len() > MAX_TOKEN_CHARS || token.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(AppError::bad_field("token", NotificationsReason::PUSH_TOKEN_INVALID));
    }
    Ok(token.to_string())
}

fn clean_short(field: &str, text: &str, max: usize) -> AppResult<String> {
    single_line(max).blank_allowed(field, text)
}

/// Which provider can issue tokens for which platform.
fn check_provider(provider: PushProvider, platform: Platform) -> AppResult<()> {
    let fits = match provider {
        PushProvider::Fcm => matches!(platform, Platform::Android | Platform::Ios | Platform::Web),
        PushProvider::Apns => platform == Platform::Ios,
        PushProvider::Huawei => matches!(platform, Platform::Android | Platform::Harmony),
        PushProvider::Honor | PushProvider::Xiaomi | PushProvider::Oppo | PushProvider::Vivo => {
            platform == Platform::Android
        }
    };
    if fits {
        Ok(())
    } else {
        Err(
            AppError::bad_field("provider", NotificationsReason::PROVIDER_PLATFORM_MISMATCH)
                .arg("provider", provider)
                .arg("platform", platform),
        )
    }
}

/// Registers the caller's device; a token registered before (by anyone) moves to the caller.
pub async fn register_device(
    state: &AppState,
    actor: &Actor,
    token: &str,
    platform: Platform,
    provider: PushProvider,
    locale: Option<&str>,
    app_version: Option<&str>,
) -> AppResult<Device> {
    check_provider(provider, platform)?;
    let new = NewDevice {
        provider,
        user_id: actor.user_id,
        token: clean_token(token)?,
        platform,
        locale: clean_short("locale", locale.unwrap_or("zh-CN"), 35)?,
        app_version: clean_short("appVersion", app_version.unwrap_or(""), 50)?,
        created_at: state.clock.now_naive(),
        last_seen_at: state.clock.now_naive(),
    };
    let new = NewDevice {
        locale: if new.locale.is_empty() {
            "zh-CN".into()
        } else {
            new.locale
        },
        ..new
    };
    state
        .db
        .write(move |conn| match repo::find_device_by_token(conn, &new.token)? {
            Some(existing) => {
                if existing.user_id != new.user_id {
                    tracing::info!(
                        device_id = existing.id,
                        from = existing.user_id.get(),
                        to = new.user_id.get(),
                        "push token moved to another user"
                    );
                }
                repo::update_device(conn, existing.id, &new)
            }
            None => repo::insert_device(conn, &new),
        })
        .await
}

/// Removes one of the caller's devices; false when the caller has no such token.
pub async fn unregister_device(state: &AppState, user_id: UserId, token: &str) -> AppResult<bool> {
    let token = clean_token(token)?;
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| match repo::find_device_by_token(conn, &token)? {
            Some(device) if device.user_id == user_id => {
                repo::delete_device(conn, device.id, "device unregistered", now)
            }
            _ => Ok(false),
        })
        .await
}

pub async fn inbox(
    state: &AppState,
    actor: &Actor,
    unread_only: bool,
    page: PageRequest,
) -> AppResult<Page<Notification>> {
    let user_id = actor.user_id;
    state
        .db
        .read(move |conn| repo::inbox(conn, user_id, unread_only, page))
        .await
}

pub async fn unread_count(state: &AppState, actor: &Actor) -> AppResult<i64> {
    let user_id = actor.user_id;
    state.db.read(move |conn| repo::unread_count(conn, user_id)).await
}

/// Marks notifications read (all of the caller's when `ids` is None); returns the unread count.
pub async fn mark_read(state: &AppState, actor: &Actor, ids: Option<Vec<i64>>) -> AppResult<i64> {
    let user_id = actor.user_id;
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            repo::mark_read(conn, user_id, ids.as_deref(), now)?;
            repo::unread_count(conn, user_id)
        })
        .await
}

pub async fn set_quiet_hours(
    state: &AppState,
    actor: &Actor,
    start: &str,
    end: &str,
) -> AppResult<crate::auth::model::User> {
    let start = quiet::parse_hhmm(start)
        .ok_or_else(|| AppError::bad_field("start", NotificationsReason::QUIET_START_INVALID))?;
    let end =
        quiet::parse_hhmm(end).ok_or_else(|| AppError::bad_field("end", NotificationsReason::QUIET_END_INVALID))?;
    let user_id = actor.user_id;
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            users_repo::set_quiet_hours(conn, user_id, start, end, now)?;
            users_repo::find_by_id(conn, user_id)?
                .ok_or_else(|| AppError::not_found(crate::auth::errors::AuthReason::ACCOUNT_GONE))
        })
        .await
}

pub async fn list_deliveries(
    state: &AppState,
    actor: &Actor,
    filter: DeliveryFilter,
    page: PageRequest,
) -> AppResult<Page<PushDelivery>> {
    actor.require_admin()?;
    state
        .db
        .read(move |conn| repo::list_deliveries(conn, &filter, page))
        .await
}

/// The most deliveries one bulk requeue puts back.
pub const MAX_BULK_REQUEUE: i64 = 10_000;

/// What a bulk requeue did, for the audit log.
pub struct BulkRequeue {
    pub filter: serde_json::Value,
    pub requeued: usize,
}

impl crate::audit::Audited for BulkRequeue {
    const TARGET: &'static str = "pushDeliveries";
    fn target_id(&self) -> String {
        "filter".into()
    }
    fn snapshot(&self) -> serde_json::Value {
        serde_json::json!({ "filter": self.filter, "requeued": self.requeued })
    }
}

/// Puts back in the queue every dead, failed or held delivery `filter` selects whose device
/// still exists (at most `MAX_BULK_REQUEUE`), with one audit entry (admins). Returns how many.
pub async fn requeue_deliveries(state: &AppState, actor: &Actor, filter: DeliveryFilter) -> AppResult<usize> {
    actor.require_admin()?;
    if let Some(status) = filter.status {
        if !repo::REQUEUABLE.contains(&status) {
            return Err(AppError::bad_field(
                "status",
                NotificationsReason::REQUEUE_STATUS_INVALID,
            ));
        }
    }
    if let (Some(from), Some(to)) = (filter.from, filter.to) {
        if from >= to {
            return Err(AppError::bad_field(
                "createdBefore",
                NotificationsReason::CREATED_RANGE_REVERSED,
            ));
        }
    }
    let now = state.clock.now_naive();
    let actor_id = actor.user_id;
    state
        .db
        .write(move |conn| {
            let ids = repo::requeuable_ids(conn, &filter, MAX_BULK_REQUEUE)?;
            let requeued = repo::requeue(conn, &ids, now)?;
            let summary = BulkRequeue {
                filter: serde_json::json!({
                    "status": filter.status.map(|s| s.as_str()),
                    "provider": filter.provider.map(|p| p.as_str()),
                    "kind": filter.kind,
                    "createdFrom": filter.from,
                    "createdBefore": filter.to,
                }),
                requeued,
            };
            crate::audit::record(conn, actor_id, "requeuePushDeliveries", None, Some(&summary), now)?;
            Ok(requeued)
        })
        .await
}

/// Puts a dead, failed or held delivery back in the queue (admins). A delivery whose device is
/// gone cannot be.
pub async fn retry_delivery(state: &AppState, actor: &Actor, id: i64) -> AppResult<PushDelivery> {
    actor.require_admin()?;
    let now = state.clock.now_naive();
    let actor_id = actor.user_id;
    state
        .db
        .write(move |conn| {
            let delivery = repo::find_delivery(conn, id)?
                .ok_or_else(|| AppError::not_found(NotificationsReason::DELIVERY_NOT_FOUND))?;
            if !repo::REQUEUABLE.contains(&delivery.status) {
                return Err(AppError::bad_input(NotificationsReason::DELIVERY_NOT_DEAD));
            }
            if delivery.device_id.is_none() {
                return Err(AppError::bad_input(NotificationsReason::DELIVERY_DEVICE_GONE));
            }
            repo::requeue(conn, &[id], now)?;
            let after = repo::find_delivery(conn, id)?
                .ok_or_else(|| AppError::not_found(NotificationsReason::DELIVERY_NOT_FOUND))?;
            crate::audit::record(conn, actor_id, "retryPushDelivery", Some(&delivery), Some(&after), now)?;
            Ok(after)
        })
        .await
}

/// Where a live inbox starts: the caller's newest notification now.
pub async fn inbox_position(state: &AppState, user_id: UserId) -> AppResult<i64> {
    state.db.read(move |conn| repo::newest_id(conn, user_id)).await
}

/// The caller's notifications after `after_id`, oldest first, if the account is still active.
pub async fn arrived_since(state: &AppState, user_id: UserId, after_id: i64) -> AppResult<Vec<Notification>> {
    state
        .db
        .read(move |conn| {
            match users_repo::find_by_id(conn, user_id)? {
                Some(user) if user.disabled_at.is_none() => {}
                _ => return Ok(Vec::new()),
            }
            repo::newer_than(conn, user_id, after_id, 100)
        })
        .await
}

/// The outboxes' depths for `/metrics`: push deliveries and SMS by (status, provider); an SMS
/// not yet given to a provider counts under `none`.
pub async fn outbox_depths(state: &AppState) -> AppResult<(Vec<(String, String, i64)>, Vec<(String, String, i64)>)> {
    state
        .db
        .read(|conn| {
            let push = repo::outbox_depths(conn)?;
            let sms = super::sms::repo::outbox_depths(conn)?
                .into_iter()
                .map(|(status, provider, n)| (status, provider.unwrap_or_else(|| "none".into()), n))
                .collect();
            Ok((push, sms))
        })
        .await
}
