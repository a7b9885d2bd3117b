//! Rules for notices to the zone: admins send them to all companies or a filtered set; each
//! company addressed gets one recipient row (its read receipt), and its staff an inbox notice
//! and a push, in the transaction that sends it; staff mark it read; admins see every receipt,
//! officers those of the companies they serve.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};

use super::errors::NoticesReason;
use super::model::{Audience, NewZoneNotice, NoticeCategory, NoticeRecipient, ZoneNotice};
use super::repo;
use crate::actor::{Actor, Role};
use crate::auth::repo as users_repo;
use crate::companies::profile;
use crate::companies::repo as companies_repo;
use crate::db::DbConnection;
use crate::db::Tx;
use crate::error::{AppError, AppResult};
use crate::ids::{CompanyId, UserId, ZoneNoticeId};
use crate::notifications::service::{notify, Notice};
use crate::notifications::texts::NoticeKind;
use crate::state::AppState;
use crate::text::{multi_line, single_line};

pub const MAX_TITLE_CHARS: usize = 100;
pub const MAX_BODY_CHARS: usize = 5000;

/// How long after sending an important notice its unread companies are reminded.
pub fn reminder_after() -> Duration {
    Duration::hours(24)
}

/// A notice as an admin writes it.
#[derive(Debug, Clone)]
pub struct SendNotice {
    pub category: NoticeCategory,
    pub title: String,
    pub body: String,
    pub important: bool,
    pub audience: Audience,
}

fn clean_audience(audience: Audience) -> AppResult<Audience> {
    if audience.all_companies && !audience.unfiltered() {
        return Err(AppError::bad_field("audience", NoticesReason::AUDIENCE_AMBIGUOUS));
    }
    if !audience.all_companies && audience.unfiltered() {
        return Err(AppError::bad_field("audience", NoticesReason::AUDIENCE_NOT_CHOSEN));
    }
    Ok(Audience {
        industry_code_prefixes: audience
            .industry_code_prefixes
            .iter()
            .map(|p| profile::clean_industry_code(p))
            .collect::<AppResult<_>>()?,
        areas: audience
            .areas
            .iter()
            .map(|a| single_line(profile::MAX_AREA_CHARS).required("audience.areas", a))
            .collect::<AppResult<_>>()?,
        any_tags: profile::clean_tags("audience.anyTags", &audience.any_tags)?,
        ..audience
    })
}

fn tell_staff(
    conn: &mut Tx<'_>,
    notice: &ZoneNotice,
    kind: NoticeKind,
    companies: &[CompanyId],
    actor_id: Option<UserId>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let mut staff: HashMap<CompanyId, Vec<UserId>> = HashMap::new();
    for (company_id, user_id) in companies_repo::active_staff_ids(conn, companies)? {
        staff.entry(company_id).or_default().push(user_id);
    }
    for company_id in companies {
        notify(
            conn,
            now,
            actor_id,
            staff.remove(company_id).unwrap_or_default(),
            &Notice {
                kind,
                subject: notice.title.clone(),
                request_id: None,
                company_id: Some(*company_id),
                urgent: notice.important,
            },
        )?;
    }
    Ok(())
}

/// Sends a notice to every active company the audience addresses. Returns the notice and the
/// number of companies it went to; an audience matching no company is refused.
pub async fn send(state: &AppState, actor: &Actor, input: SendNotice) -> AppResult<(ZoneNotice, usize)> {
    if actor.role != Role::Admin {
        return Err(AppError::forbidden(NoticesReason::ADMINS_SEND_NOTICES));
    }
    let audience = clean_audience(input.audience)?;
    let title = single_line(MAX_TITLE_CHARS).required("title", &input.title)?;
    let body = multi_line(MAX_BODY_CHARS).required("body", &input.body)?;
    let clock = state.clock.clone();
    let actor_id = actor.user_id;
    let (notice, sent) = state
        .db
        .write(move |conn| {
            let officer_companies = match audience.officer_id {
                Some(officer_id) => {
                    let officer = users_repo::find_by_id(conn, officer_id)?
                        .filter(|u| u.role == Role::Officer)
                        .ok_or_else(|| AppError::bad_field("audience.officerId", NoticesReason::OFFICER_NOT_FOUND))?;
                    companies_repo::company_ids_of_officer(conn, officer.id)?
                }
                None => Vec::new(),
            };
            let now = clock.now();
            let companies: Vec<CompanyId> = companies_repo::active_with_profiles(conn, now.naive_utc())?
                .into_iter()
                .filter(|(company, profile)| audience.includes(company, profile, &officer_companies))
                .map(|(company, _)| company.id)
                .collect();
            if companies.is_empty() {
                return Err(AppError::bad_field("audience", NoticesReason::NO_RECIPIENTS));
            }
            let notice = repo::insert(
                conn,
                &NewZoneNotice {
                    category: input.category,
                    title,
                    body,
                    important: input.important,
                    audience: serde_json::to_string(&audience).map_err(|e| AppError::internal(e.to_string()))?,
                    sent_by: actor_id,
                    sent_at: now.naive_utc(),
                },
            )?;
            for company_id in &companies {
                repo::insert_recipient(conn, notice.id, *company_id)?;
            }
            tell_staff(conn, &notice, NoticeKind::ZoneNotice, &companies, Some(actor_id), now)?;
            crate::audit::record(conn, actor_id, "sendZoneNotice", None, Some(&notice), now.naive_utc())?;
            Ok((notice, companies.len()))
        })
        .await?;
    tracing::info!(
        notice_id = notice.id.get(),
        companies = sent,
        by = actor.user_id.get(),
        "notice sent to the zone"
    );
    Ok((notice, sent))
}

/// The companies whose receipts the actor sees: all (None) for admins, their own for
/// officers, their company for company staff.
fn scope(conn: &mut DbConnection, actor: &Actor) -> AppResult<Option<Vec<CompanyId>>> {
    match actor.role {
        Role::Admin => Ok(None),
        Role::Officer => Ok(Some(companies_repo::company_ids_of_officer(conn, actor.user_id)?)),
        Role::Company => Ok(Some(actor.company_id.into_iter().collect())),
        Role::Department => Ok(Some(Vec::new())),
    }
}

/// Notices the actor may see, newest first: admins all, officers those sent to one of their
/// companies, company staff those sent to their company.
pub async fn list(state: &AppState, actor: &Actor) -> AppResult<Vec<ZoneNotice>> {
    let actor = actor.clone();
    state
        .db
        .read(move |conn| {
            let scope = scope(conn, &actor)?;
            repo::list(conn, scope.as_deref())
        })
        .await
}

pub async fn get(state: &AppState, actor: &Actor, id: ZoneNoticeId) -> AppResult<ZoneNotice> {
    let actor = actor.clone();
    state
        .db
        .read(move |conn| {
            let notice =
                repo::find_by_id(conn, id)?.ok_or_else(|| AppError::not_found(NoticesReason::NOTICE_NOT_FOUND))?;
            if let Some(scope) = scope(conn, &actor)? {
                if repo::recipients(conn, &[id], Some(&scope))?.is_empty() {
                    return Err(AppError::not_found(NoticesReason::NOTICE_NOT_FOUND));
                }
            }
            Ok(notice)
        })
        .await
}

/// The receipts of a notice the actor may see (admins all, officers their companies', company
/// staff their own).
pub async fn receipts(state: &AppState, actor: &Actor, id: ZoneNoticeId) -> AppResult<Vec<NoticeRecipient>> {
    let actor = actor.clone();
    state
        .db
        .read(move |conn| {
            let scope = scope(conn, &actor)?;
            repo::recipients(conn, &[id], scope.as_deref())
        })
        .await
}

/// The caller's company read the notice (the first reader is recorded).
pub async fn mark_read(state: &AppState, actor: &Actor, id: ZoneNoticeId) -> AppResult<NoticeRecipient> {
    let company_id = match (actor.role, actor.company_id) {
        (Role::Company, Some(company_id)) => company_id,
        _ => return Err(AppError::forbidden(NoticesReason::COMPANY_STAFF_READ_NOTICES)),
    };
    let now = state.clock.now_naive();
    let user_id = actor.user_id;
    state
        .db
        .write(move |conn| {
            let recipient = repo::recipient(conn, id, company_id)?
                .ok_or_else(|| AppError::not_found(NoticesReason::NOTICE_NOT_FOUND))?;
            repo::mark_read(conn, recipient.id, user_id, now)?;
            repo::recipient(conn, id, company_id)?.ok_or_else(|| AppError::not_found(NoticesReason::NOTICE_NOT_FOUND))
        })
        .await
}

/// Reminds one unread company of an important notice, once; true when this call did it.
pub fn remind(conn: &mut Tx<'_>, recipient: &NoticeRecipient, now: DateTime<Utc>) -> AppResult<bool> {
    if !repo::claim_reminder(conn, recipient.id, now.naive_utc())? {
        return Ok(false);
    }
    let Some(notice) = repo::find_by_id(conn, recipient.notice_id)? else {
        return Ok(false);
    };
    tell_staff(
        conn,
        &notice,
        NoticeKind::ZoneNoticeReminder,
        &[recipient.company_id],
        None,
        now,
    )?;
    Ok(true)
}
