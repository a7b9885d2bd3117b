//! The rules of SMS: which notices become SMS (written with the notification, in its
//! transaction), the admins' table of critical kinds, the users' opt-out, the outbox for admins.

use chrono::{Duration, NaiveDateTime};

use super::model::{NewSmsDelivery, SmsDelivery, SmsKindRule, SmsStatus};
use super::repo;
use crate::actor::Actor;
use crate::auth::model::User;
use crate::db::{DbConnection, Page, PageRequest};
use crate::error::{AppError, AppResult};
use crate::ids::UserId;
use crate::notifications::errors::NotificationsReason;
use crate::notifications::model::Notification;
use crate::notifications::texts::NoticeKind;
use crate::state::AppState;

/// How long an SMS may wait (quiet hours, retries) before it is given up as EXPIRED.
pub const LIFETIME: Duration = Duration::hours(24);

/// The notice kinds that can be sent as SMS: those about requests, which officers and
/// departments act on. (Company, officer and evaluation notices are not.)
pub const SMS_CAPABLE: &[NoticeKind] = &[
    NoticeKind::RequestRaised,
    NoticeKind::RequestUrged,
    NoticeKind::RequestReopened,
    NoticeKind::RequestWithdrawn,
    NoticeKind::RequestResolved,
    NoticeKind::RequestUnresolvable,
    NoticeKind::RequestClosed,
    NoticeKind::RequestAutoClosed,
    NoticeKind::TaskDispatched,
    NoticeKind::TaskClaimed,
    NoticeKind::TaskReturned,
    NoticeKind::TaskTransferred,
    NoticeKind::TaskPlanned,
    NoticeKind::TaskCompleted,
    NoticeKind::InfoProvided,
    NoticeKind::ExtensionRequested,
    NoticeKind::ExtensionApproved,
    NoticeKind::ExtensionRefused,
    NoticeKind::DueSoon,
    NoticeKind::Overdue,
    NoticeKind::Chased,
    NoticeKind::Supervised,
    NoticeKind::Reprimanded,
];

fn capable_kind(kind: &str) -> AppResult<&'static str> {
    let kind = kind.trim().to_ascii_uppercase();
    SMS_CAPABLE
        .iter()
        .map(|k| k.as_str())
        .find(|k| *k == kind)
        .ok_or_else(|| {
            AppError::bad_field("kind", NotificationsReason::SMS_KIND_NOT_SENDABLE).arg(
                "kinds",
                SMS_CAPABLE.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", "),
            )
        })
}

/// Queues the SMS of a notification, inside the notification's transaction, when its kind is
/// critical (and, for urgent-only kinds, the notice is urgent), the recipient has a mobile
/// number, and has not turned SMS off (unless the kind is mandatory). `number` is the request
/// number, the only thing the message carries.
pub fn enqueue(
    conn: &mut DbConnection,
    notification: &Notification,
    recipient: &User,
    number: &str,
    now: NaiveDateTime,
) -> AppResult<bool> {
    let Some(rule) = repo::find_kind(conn, &notification.kind)? else {
        return Ok(false);
    };
    if rule.urgent_only && !notification.urgent {
        return Ok(false);
    }
    let Ok(phone) = crate::auth::phone::normalize(&recipient.phone) else {
        return Ok(false);
    };
    if !rule.mandatory && repo::opted_out(conn, recipient.id)? {
        return Ok(false);
    }
    repo::insert_delivery(
        conn,
        &NewSmsDelivery {
            notification_id: notification.id,
            user_id: recipient.id,
            phone,
            kind: notification.kind.clone(),
            request_number: number.to_string(),
            overrides_quiet_hours: rule.overrides_quiet_hours,
            status: SmsStatus::Pending,
            next_attempt_at: now,
            expire_at: now + LIFETIME,
            created_at: now,
            updated_at: now,
        },
    )?;
    Ok(true)
}

/// The critical kinds (admins).
pub async fn kinds(state: &AppState, actor: &Actor) -> AppResult<Vec<SmsKindRule>> {
    actor.require_admin()?;
    state.db.read(repo::kinds).await
}

/// Marks a kind as sent by SMS, or changes how (admins, audited).
pub async fn set_kind(
    state: &AppState,
    actor: &Actor,
    kind: &str,
    mandatory: bool,
    overrides_quiet_hours: bool,
    urgent_only: bool,
) -> AppResult<SmsKindRule> {
    actor.require_admin()?;
    let kind = capable_kind(kind)?;
    let now = state.clock.now_naive();
    let actor_id = actor.user_id;
    state
        .db
        .write(move |conn| {
            let before = repo::find_kind(conn, kind)?;
            let after = repo::upsert_kind(
                conn,
                &SmsKindRule {
                    kind: kind.to_string(),
                    mandatory,
                    overrides_quiet_hours,
                    urgent_only,
                    updated_at: now,
                },
            )?;
            crate::audit::record(conn, actor_id, "setSmsKind", before.as_ref(), Some(&after), now)?;
            Ok(after)
        })
        .await
}

/// Stops sending a kind by SMS (admins, audited). False when it was not sent by SMS.
pub async fn remove_kind(state: &AppState, actor: &Actor, kind: &str) -> AppResult<bool> {
    actor.require_admin()?;
    let kind = capable_kind(kind)?;
    let now = state.clock.now_naive();
    let actor_id = actor.user_id;
    state
        .db
        .write(move |conn| {
            let Some(before) = repo::find_kind(conn, kind)? else {
                return Ok(false);
            };
            repo::delete_kind(conn, kind)?;
            crate::audit::record(conn, actor_id, "removeSmsKind", Some(&before), None, now)?;
            Ok(true)
        })
        .await
}

/// Whether the caller turned SMS off for the kinds that are not mandatory.
pub async fn opted_out(state: &AppState, user_id: UserId) -> AppResult<bool> {
    state.db.read(move |conn| repo::opted_out(conn, user_id)).await
}

/// The caller turns SMS off (or on again) for the kinds that are not mandatory.
pub async fn set_opt_out(state: &AppState, actor: &Actor, opt_out: bool) -> AppResult<bool> {
    let user_id = actor.user_id;
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            repo::set_opt_out(conn, user_id, opt_out, now)?;
            repo::opted_out(conn, user_id)
        })
        .await
}

/// The SMS outbox, newest first (admins).
pub async fn list_deliveries(
    state: &AppState,
    actor: &Actor,
    status: Option<SmsStatus>,
    page: PageRequest,
) -> AppResult<Page<SmsDelivery>> {
    actor.require_admin()?;
    state
        .db
        .read(move |conn| repo::list_deliveries(conn, status, page))
        .await
}

/// Puts a failed, held or expired SMS back in the queue with a fresh lifetime (admins,
/// audited), e.g. after configuring a provider.
pub async fn retry_delivery(state: &AppState, actor: &Actor, id: i64) -> AppResult<SmsDelivery> {
    actor.require_admin()?;
    let now = state.clock.now_naive();
    let actor_id = actor.user_id;
    state
        .db
        .write(move |conn| {
            let before = repo::find_delivery(conn, id)?
                .ok_or_else(|| AppError::not_found(NotificationsReason::SMS_DELIVERY_NOT_FOUND))?;
            if matches!(before.status, SmsStatus::Pending | SmsStatus::Sent) {
                return Err(AppError::bad_input(NotificationsReason::SMS_DELIVERY_NOT_RETRIABLE));
            }
            repo::requeue(conn, id, now + LIFETIME, now)?;
            let after = repo::find_delivery(conn, id)?
                .ok_or_else(|| AppError::not_found(NotificationsReason::SMS_DELIVERY_NOT_FOUND))?;
            crate::audit::record(conn, actor_id, "retrySmsDelivery", Some(&before), Some(&after), now)?;
            Ok(after)
        })
        .await
}
