//! The rules of personal data: a person reads everything held about them; an admin erases a
//! person (never themselves), which masks their name and phone, deletes what only served them
//! (inbox, pushes, SMS, devices, sessions, throttle rows, idempotency keys) and masks their free
//! texts outside the legal record, in one transaction with its audit entry.

use chrono::NaiveDateTime;
use serde_json::{json, Value};

use super::errors::PrivacyReason;
use super::model::{Erasure, PersonalDataExport, ERASED_NAME};
use super::repo;
use crate::actor::{Actor, Role};
use crate::auth::model::User;
use crate::auth::repo as users_repo;
use crate::auth::throttle;
use crate::clock::to_utc;
use crate::companies::repo as companies_repo;
use crate::db::DbConnection;
use crate::departments::repo as departments_repo;
use crate::error::{AppError, AppResult};
use crate::graphql::ids::{encode, IdKind};
use crate::ids::UserId;
use crate::state::AppState;

/// What a free text outside the legal record reads after its writer's erasure.
pub const ERASED_TEXT: &str = "（内容已随个人信息注销）";

/// The person an erasure is about, as they were before it.
pub struct Subject {
    pub id: UserId,
    pub name: String,
    pub phone: String,
}

/// One table's part of an erasure: deletes or masks the subject's rows, returns how many.
pub type EraseStep = fn(&mut DbConnection, &Subject, NaiveDateTime) -> AppResult<usize>;

fn push_deliveries(conn: &mut DbConnection, s: &Subject, _: NaiveDateTime) -> AppResult<usize> {
    repo::delete_push_deliveries_of(conn, s.id)
}
fn sms_deliveries(conn: &mut DbConnection, s: &Subject, _: NaiveDateTime) -> AppResult<usize> {
    repo::delete_sms_deliveries_of(conn, s.id)
}
fn notifications(conn: &mut DbConnection, s: &Subject, _: NaiveDateTime) -> AppResult<usize> {
    repo::delete_notifications_of(conn, s.id)
}
fn devices(conn: &mut DbConnection, s: &Subject, _: NaiveDateTime) -> AppResult<usize> {
    repo::delete_devices_of(conn, s.id)
}
fn refresh_tokens(conn: &mut DbConnection, s: &Subject, _: NaiveDateTime) -> AppResult<usize> {
    repo::delete_refresh_tokens_of(conn, s.id)
}
fn sessions(conn: &mut DbConnection, s: &Subject, _: NaiveDateTime) -> AppResult<usize> {
    repo::delete_sessions_of(conn, s.id)
}
fn second_factor(conn: &mut DbConnection, s: &Subject, _: NaiveDateTime) -> AppResult<usize> {
    repo::delete_second_factor_of(conn, s.id)
}
fn idempotency_keys(conn: &mut DbConnection, s: &Subject, _: NaiveDateTime) -> AppResult<usize> {
    repo::delete_idempotency_keys_of(conn, s.id)
}
fn sms_opt_outs(conn: &mut DbConnection, s: &Subject, _: NaiveDateTime) -> AppResult<usize> {
    repo::delete_sms_opt_out_of(conn, s.id)
}
fn login_throttles(conn: &mut DbConnection, s: &Subject, _: NaiveDateTime) -> AppResult<usize> {
    Ok(usize::from(throttle::lift(conn, &throttle::Key::phone(&s.phone))?))
}
fn evaluation_votes(conn: &mut DbConnection, s: &Subject, _: NaiveDateTime) -> AppResult<usize> {
    repo::mask_vote_reasons_of(conn, s.id, ERASED_TEXT)
}
fn request_events(conn: &mut DbConnection, s: &Subject, _: NaiveDateTime) -> AppResult<usize> {
    repo::mask_event_actor_of(conn, s.id, &s.name, ERASED_NAME)
}
fn others_notices(conn: &mut DbConnection, s: &Subject, _: NaiveDateTime) -> AppResult<usize> {
    repo::mask_name_in_notices(conn, &s.name, ERASED_NAME)
}
fn audit_log(conn: &mut DbConnection, s: &Subject, _: NaiveDateTime) -> AppResult<usize> {
    repo::mask_audit_snapshots_of(conn, s.id, ERASED_NAME, &erased_phone(s.id))
}
fn request_callers(conn: &mut DbConnection, s: &Subject, now: NaiveDateTime) -> AppResult<usize> {
    repo::mask_callers_of(conn, s.id, &s.phone, ERASED_NAME, now)
}
fn request_callbacks(conn: &mut DbConnection, s: &Subject, _: NaiveDateTime) -> AppResult<usize> {
    repo::mask_callees_of(conn, s.id, &s.name, ERASED_NAME)
}
fn users(conn: &mut DbConnection, s: &Subject, now: NaiveDateTime) -> AppResult<usize> {
    repo::mask_user(conn, s.id, ERASED_NAME, &erased_phone(s.id), now)
}

/// Every table that holds a person's data outside the legal record, and how the erasure
/// treats it, in the order it runs (children before parents, the account row last). A table
/// added later that holds personal data gets one line here (and one in `docs/privacy.md`).
/// Kept: requests, tasks, timeline events (their name replaced), attachments, visits,
/// evaluation verdicts and the audit log's actions: the record of government work, which then
/// names the person only by id.
pub const ERASURE: &[(&str, EraseStep)] = &[
    ("push_deliveries", push_deliveries),
    ("sms_deliveries", sms_deliveries),
    ("notifications", notifications),
    ("notifications_of_others", others_notices),
    ("devices", devices),
    ("refresh_tokens", refresh_tokens),
    ("sessions", sessions),
    ("second_factors", second_factor),
    ("idempotency_keys", idempotency_keys),
    ("sms_opt_outs", sms_opt_outs),
    ("login_throttles", login_throttles),
    ("evaluation_votes", evaluation_votes),
    ("request_events", request_events),
    ("audit_log", audit_log),
    ("request_callers", request_callers),
    ("request_callbacks", request_callbacks),
    ("users", users),
];

/// The placeholder that takes an erased person's phone number: unique, and never a valid
/// mobile number, so nobody can log in with it or register it by mistake.
pub fn erased_phone(id: UserId) -> String {
    format!("erased-{id}")
}

/// Erases `id`'s personal data (admins; not their own; not an officer who still serves
/// companies). Returns the masked account and what was done per table.
pub async fn erase(state: &AppState, actor: &Actor, id: UserId) -> AppResult<(User, Erasure)> {
    actor.require_admin()?;
    if id == actor.user_id {
        return Err(AppError::bad_input(PrivacyReason::ERASE_OWN_ACCOUNT));
    }
    let by = actor.user_id;
    let clock = state.clock.clone();
    state
        .db
        .write(move |conn| {
            let user = users_repo::find_by_id(conn, id)?
                .ok_or_else(|| AppError::not_found(PrivacyReason::ERASE_USER_NOT_FOUND))?;
            if repo::erased_at(conn, id)?.is_some() {
                return Err(AppError::conflict(PrivacyReason::ERASE_ALREADY_DONE));
            }
            if user.role == Role::Officer {
                let serving = users_repo::active_assignment_counts(conn, &[id])?
                    .first()
                    .map_or(0, |(_, n)| *n);
                if serving > 0 {
                    return Err(AppError::conflict(PrivacyReason::ERASE_OFFICER_STILL_SERVES).arg("count", serving));
                }
            }
            let now = clock.now_naive();
            let subject = Subject {
                id,
                name: user.name.clone(),
                phone: user.phone.clone(),
            };
            let mut tables = Vec::with_capacity(ERASURE.len());
            for (table, step) in ERASURE {
                tables.push((*table, step(conn, &subject, now)?));
            }
            repo::insert_erasure(conn, id, by, now)?;
            // The person's open websockets close with their sessions, on every instance, and
            // what any instance remembers of the account is forgotten.
            conn.after_commit(crate::db::Effect::SessionsEnded(id));
            conn.after_commit(crate::db::Effect::AccountChanged(id));
            let erasure = Erasure { user_id: id, tables };
            crate::audit::record(conn, by, "erasePersonalData", None, Some(&erasure), now)?;
            let masked = users_repo::find_by_id(conn, id)?
                .ok_or_else(|| AppError::not_found(PrivacyReason::ERASE_USER_NOT_FOUND))?;
            tracing::info!(user_id = id.get(), by = by.get(), "personal data erased");
            Ok((masked, erasure))
        })
        .await
}

fn time(t: Option<NaiveDateTime>) -> Value {
    t.map_or(Value::Null, |t| {
        json!(to_utc(t).to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
    })
}

/// Everything held about the caller, as one JSON document; the export is audited.
pub async fn my_personal_data(state: &AppState, actor: &Actor) -> AppResult<Value> {
    let id = actor.user_id;
    let clock = state.clock.clone();
    state
        .db
        .write(move |conn| {
            let user = users_repo::find_by_id(conn, id)?
                .ok_or_else(|| AppError::not_found(PrivacyReason::ERASE_USER_NOT_FOUND))?;
            let company = match user.company_id {
                Some(c) => companies_repo::find_by_id(conn, c)?
                    .map(|c| json!({ "id": encode(IdKind::Company, c.id).0, "name": c.name })),
                None => None,
            };
            let department = match user.department_id {
                Some(d) => departments_repo::find_by_id(conn, d)?
                    .map(|d| json!({ "id": encode(IdKind::Department, d.id).0, "name": d.name })),
                None => None,
            };
            let now = clock.now_naive();
            let account = json!({
                "id": encode(IdKind::User, id).0,
                "role": user.role.as_str(),
                "name": user.name,
                "phone": user.phone,
                "locale": user.locale.as_str(),
                "company": company,
                "department": department,
                "principal": user.principal,
                "zoneLeader": user.zone_leader,
                "quietHours": { "startMinute": user.quiet_start_minute, "endMinute": user.quiet_end_minute },
                "smsOptedOut": repo::sms_opted_out(conn, id)?,
                "createdAt": time(Some(user.created_at)),
                "lastLoginAt": time(user.last_login_at),
                "disabledAt": time(user.disabled_at),
            });
            let sections: Vec<(&str, Vec<Value>)> = vec![
                ("sessions", repo::sessions(conn, id)?),
                ("devices", repo::devices(conn, id)?),
                ("notifications", repo::notifications(conn, id)?),
                ("smsMessages", repo::sms_messages(conn, id)?),
                ("requestsRaised", repo::requests_raised(conn, id)?),
                ("timelineEntries", repo::timeline_entries(conn, id)?),
                ("attachmentsUploaded", repo::attachments(conn, id)?),
                ("evaluationVotes", repo::evaluation_votes(conn, id)?),
                ("visits", repo::visits(conn, id)?),
                ("knowledgeFound", repo::knowledge_found(conn, id)?),
                ("auditEntriesAboutMe", repo::audit_entries_about(conn, id)?),
            ];
            let export = PersonalDataExport {
                user_id: id,
                sections: sections
                    .iter()
                    .map(|(name, rows)| ((*name).to_string(), rows.len()))
                    .collect(),
            };
            crate::audit::record(conn, id, "exportPersonalData", None, Some(&export), now)?;
            let mut document = serde_json::Map::new();
            document.insert("exportedAt".into(), time(Some(now)));
            document.insert("account".into(), account);
            for (name, rows) in sections {
                document.insert(name.into(), Value::Array(rows));
            }
            Ok(Value::Object(document))
        })
        .await
}
