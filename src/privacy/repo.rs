//! Every diesel query of the personal-data export, the erasure and the retention purge. The
//! tables belong to other domains; these queries only read a person's rows, delete them, or
//! mask the personal fields in place.

use chrono::{NaiveDateTime, SecondsFormat};
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::clock::to_utc;
use crate::db::schema::{
    attachments, audit_log, devices, evaluation_roll, evaluation_votes, idempotency_keys, knowledge_found,
    login_throttles, notifications, personal_data_erasures, push_deliveries, recovery_codes, refresh_tokens,
    replacement_flags, request_events, requests, second_factors, sessions, sms_deliveries, sms_opt_outs, users, visits,
};
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::graphql::ids::{encode, IdKind};
use crate::ids::UserId;

/// Rows deleted per kind and round of the retention purge.
pub const PURGE_BATCH: i64 = 500;

fn at(t: NaiveDateTime) -> Value {
    json!(to_utc(t).to_rfc3339_opts(SecondsFormat::Secs, true))
}

fn at_opt(t: Option<NaiveDateTime>) -> Value {
    t.map_or(Value::Null, at)
}

// ---- The export: one section per table, each a list of JSON objects. ----

pub fn sessions(conn: &mut DbConnection, user: UserId) -> AppResult<Vec<Value>> {
    let rows: Vec<(
        NaiveDateTime,
        NaiveDateTime,
        Option<NaiveDateTime>,
        Option<NaiveDateTime>,
    )> = refresh_tokens::table
        .filter(refresh_tokens::user_id.eq(user))
        .order(refresh_tokens::id)
        .select((
            refresh_tokens::created_at,
            refresh_tokens::expires_at,
            refresh_tokens::rotated_at,
            refresh_tokens::revoked_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(created, expires, rotated, revoked)| {
            json!({ "createdAt": at(created), "expiresAt": at(expires), "rotatedAt": at_opt(rotated), "revokedAt": at_opt(revoked) })
        })
        .collect())
}

pub fn devices(conn: &mut DbConnection, user: UserId) -> AppResult<Vec<Value>> {
    let rows: Vec<(i64, String, String, String, String, NaiveDateTime, NaiveDateTime)> = devices::table
        .filter(devices::user_id.eq(user))
        .order(devices::id)
        .select((
            devices::id,
            devices::platform,
            devices::provider,
            devices::locale,
            devices::app_version,
            devices::created_at,
            devices::last_seen_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, platform, provider, locale, app_version, created, seen)| {
            json!({
                "id": encode(IdKind::Device, id).0, "platform": platform, "provider": provider,
                "locale": locale, "appVersion": app_version, "registeredAt": at(created), "lastSeenAt": at(seen),
            })
        })
        .collect())
}

pub fn notifications(conn: &mut DbConnection, user: UserId) -> AppResult<Vec<Value>> {
    let rows: Vec<(i64, String, String, String, NaiveDateTime, Option<NaiveDateTime>)> = notifications::table
        .filter(notifications::user_id.eq(user))
        .order(notifications::id)
        .select((
            notifications::id,
            notifications::kind,
            notifications::title,
            notifications::body,
            notifications::created_at,
            notifications::read_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, kind, title, body, created, read)| {
            json!({
                "id": encode(IdKind::Notification, id).0, "kind": kind, "title": title, "body": body,
                "createdAt": at(created), "readAt": at_opt(read),
            })
        })
        .collect())
}

pub fn requests_raised(conn: &mut DbConnection, user: UserId) -> AppResult<Vec<Value>> {
    type Row = (i64, String, String, String, String, Option<String>, NaiveDateTime);
    let rows: Vec<Row> = requests::table
        .filter(requests::raised_by.eq(user))
        .order(requests::id)
        .select((
            requests::id,
            requests::number,
            requests::title,
            requests::description,
            requests::status,
            requests::feedback_comment,
            requests::created_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, number, title, description, status, comment, created)| {
            json!({
                "id": encode(IdKind::Request, id).0, "number": number, "title": title,
                "description": description, "status": status, "feedbackComment": comment, "createdAt": at(created),
            })
        })
        .collect())
}

pub fn timeline_entries(conn: &mut DbConnection, user: UserId) -> AppResult<Vec<Value>> {
    let rows: Vec<(String, String, String, bool, NaiveDateTime)> = request_events::table
        .inner_join(requests::table)
        .filter(request_events::actor_id.eq(user))
        .order(request_events::id)
        .select((
            requests::number,
            request_events::kind,
            request_events::text,
            request_events::internal,
            request_events::created_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(number, kind, text, internal, created)| {
            json!({ "request": number, "kind": kind, "text": text, "internal": internal, "at": at(created) })
        })
        .collect())
}

pub fn evaluation_votes(conn: &mut DbConnection, user: UserId) -> AppResult<Vec<Value>> {
    let rows: Vec<(i64, String, Option<String>, NaiveDateTime, NaiveDateTime)> = evaluation_votes::table
        .filter(evaluation_votes::voter_id.eq(user))
        .order(evaluation_votes::id)
        .select((
            evaluation_votes::period_id,
            evaluation_votes::verdict,
            evaluation_votes::reason,
            evaluation_votes::created_at,
            evaluation_votes::updated_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(period, verdict, reason, created, updated)| {
            json!({
                "period": encode(IdKind::EvaluationPeriod, period).0, "verdict": verdict, "reason": reason,
                "castAt": at(created), "updatedAt": at(updated),
            })
        })
        .collect())
}

pub fn visits(conn: &mut DbConnection, user: UserId) -> AppResult<Vec<Value>> {
    let rows: Vec<(i64, String, String, String, NaiveDateTime)> = visits::table
        .filter(visits::officer_id.eq(user))
        .order(visits::id)
        .select((
            visits::id,
            visits::visited_on,
            visits::people_met,
            visits::notes,
            visits::created_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, on, people, notes, created)| {
            json!({ "id": encode(IdKind::Visit, id).0, "visitedOn": on, "peopleMet": people, "notes": notes, "recordedAt": at(created) })
        })
        .collect())
}

/// The published answers and policies the person said answered their question.
pub fn knowledge_found(conn: &mut DbConnection, user: UserId) -> AppResult<Vec<Value>> {
    let rows: Vec<(String, i64, NaiveDateTime)> = knowledge_found::table
        .filter(knowledge_found::user_id.eq(user))
        .order((knowledge_found::found_at, knowledge_found::item_id))
        .select((
            knowledge_found::kind,
            knowledge_found::item_id,
            knowledge_found::found_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(kind, item, found)| {
            let id = match kind.as_str() {
                "POLICY" => encode(IdKind::Policy, item).0,
                _ => encode(IdKind::KnowledgeAnswer, item).0,
            };
            json!({ "kind": kind, "id": id, "foundAt": at(found) })
        })
        .collect())
}

pub fn attachments(conn: &mut DbConnection, user: UserId) -> AppResult<Vec<Value>> {
    let rows: Vec<(i64, String, String, i64, NaiveDateTime)> = attachments::table
        .filter(attachments::uploaded_by.eq(user))
        .order(attachments::id)
        .select((
            attachments::id,
            attachments::file_name,
            attachments::content_type,
            attachments::size_bytes,
            attachments::created_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, content_type, size, created)| {
            json!({ "id": encode(IdKind::Attachment, id).0, "fileName": name, "contentType": content_type, "sizeBytes": size, "uploadedAt": at(created) })
        })
        .collect())
}

pub fn sms_messages(conn: &mut DbConnection, user: UserId) -> AppResult<Vec<Value>> {
    let rows: Vec<(String, String, String, String, NaiveDateTime)> = sms_deliveries::table
        .filter(sms_deliveries::user_id.eq(user))
        .order(sms_deliveries::id)
        .select((
            sms_deliveries::phone,
            sms_deliveries::kind,
            sms_deliveries::request_number,
            sms_deliveries::status,
            sms_deliveries::created_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(phone, kind, number, status, created)| {
            json!({ "phone": phone, "kind": kind, "request": number, "status": status, "createdAt": at(created) })
        })
        .collect())
}

pub fn audit_entries_about(conn: &mut DbConnection, user: UserId) -> AppResult<Vec<Value>> {
    let rows: Vec<(String, NaiveDateTime)> = audit_log::table
        .filter(audit_log::target_type.eq("user"))
        .filter(audit_log::target_id.eq(user.to_string()))
        .order(audit_log::id)
        .select((audit_log::action, audit_log::at))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(action, when)| json!({ "action": action, "at": at(when) }))
        .collect())
}

pub fn sms_opted_out(conn: &mut DbConnection, user: UserId) -> AppResult<bool> {
    let n: i64 = sms_opt_outs::table
        .filter(sms_opt_outs::user_id.eq(user))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

// ---- The erasure: each function deletes or masks one table's rows of a person. ----

fn notification_ids(conn: &mut DbConnection, user: UserId) -> AppResult<Vec<i64>> {
    Ok(notifications::table
        .filter(notifications::user_id.eq(user))
        .select(notifications::id)
        .load(conn)?)
}

pub fn delete_push_deliveries_of(conn: &mut DbConnection, user: UserId) -> AppResult<usize> {
    let ids = notification_ids(conn, user)?;
    Ok(diesel::delete(push_deliveries::table.filter(push_deliveries::notification_id.eq_any(ids))).execute(conn)?)
}

pub fn delete_sms_deliveries_of(conn: &mut DbConnection, user: UserId) -> AppResult<usize> {
    Ok(diesel::delete(sms_deliveries::table.filter(sms_deliveries::user_id.eq(user))).execute(conn)?)
}

pub fn delete_notifications_of(conn: &mut DbConnection, user: UserId) -> AppResult<usize> {
    Ok(diesel::delete(notifications::table.filter(notifications::user_id.eq(user))).execute(conn)?)
}

pub fn delete_devices_of(conn: &mut DbConnection, user: UserId) -> AppResult<usize> {
    Ok(diesel::delete(devices::table.filter(devices::user_id.eq(user))).execute(conn)?)
}

pub fn delete_refresh_tokens_of(conn: &mut DbConnection, user: UserId) -> AppResult<usize> {
    Ok(diesel::delete(refresh_tokens::table.filter(refresh_tokens::user_id.eq(user))).execute(conn)?)
}

/// The person's sessions (one per signed-in device): their access tokens stop at once.
pub fn delete_sessions_of(conn: &mut DbConnection, user: UserId) -> AppResult<usize> {
    Ok(diesel::delete(sessions::table.filter(sessions::user_id.eq(user))).execute(conn)?)
}

/// The person's second factor (its secret) and recovery codes.
pub fn delete_second_factor_of(conn: &mut DbConnection, user: UserId) -> AppResult<usize> {
    let codes = diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user))).execute(conn)?;
    let factor = diesel::delete(second_factors::table.filter(second_factors::user_id.eq(user))).execute(conn)?;
    Ok(codes + factor)
}

pub fn delete_idempotency_keys_of(conn: &mut DbConnection, user: UserId) -> AppResult<usize> {
    Ok(diesel::delete(idempotency_keys::table.filter(idempotency_keys::user_id.eq(user))).execute(conn)?)
}

pub fn delete_sms_opt_out_of(conn: &mut DbConnection, user: UserId) -> AppResult<usize> {
    Ok(diesel::delete(sms_opt_outs::table.filter(sms_opt_outs::user_id.eq(user))).execute(conn)?)
}

/// Masks the reasons the person gave for their evaluation votes, and the copies of them in the
/// period's roll and replacement flags; the verdicts stay.
pub fn mask_vote_reasons_of(conn: &mut DbConnection, user: UserId, masked: &str) -> AppResult<usize> {
    let given: Vec<(i64, i64, Option<String>)> = evaluation_votes::table
        .filter(evaluation_votes::voter_id.eq(user))
        .filter(evaluation_votes::reason.is_not_null())
        .select((
            evaluation_votes::period_id,
            evaluation_votes::company_id,
            evaluation_votes::reason,
        ))
        .load(conn)?;
    for (period, company, reason) in given {
        let Some(reason) = reason else { continue };
        diesel::update(
            replacement_flags::table
                .filter(replacement_flags::period_id.eq(period))
                .filter(replacement_flags::company_id.eq(company))
                .filter(replacement_flags::reason.eq(&reason)),
        )
        .set(replacement_flags::reason.eq(masked))
        .execute(conn)?;
        diesel::update(
            evaluation_roll::table
                .filter(evaluation_roll::period_id.eq(period))
                .filter(evaluation_roll::company_id.eq(company))
                .filter(evaluation_roll::reason.eq(&reason)),
        )
        .set(evaluation_roll::reason.eq(masked))
        .execute(conn)?;
    }
    Ok(diesel::update(
        evaluation_votes::table
            .filter(evaluation_votes::voter_id.eq(user))
            .filter(evaluation_votes::reason.is_not_null()),
    )
    .set(evaluation_votes::reason.eq(masked))
    .execute(conn)?)
}

/// Replaces the `name` and `phone` of the person's snapshots in the audit log (the entries
/// whose target is the person); the actions and their times stay.
pub fn mask_audit_snapshots_of(conn: &mut DbConnection, user: UserId, name: &str, phone: &str) -> AppResult<usize> {
    let rows: Vec<(i64, Option<String>, Option<String>)> = audit_log::table
        .filter(audit_log::target_type.eq("user"))
        .filter(audit_log::target_id.eq(user.to_string()))
        .select((audit_log::id, audit_log::before_json, audit_log::after_json))
        .load(conn)?;
    let mask = |json: Option<String>| -> Option<String> {
        json.map(|text| match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(mut map)) => {
                for (key, value) in [("name", name), ("phone", phone)] {
                    if map.contains_key(key) {
                        map.insert(key.into(), json!(value));
                    }
                }
                Value::Object(map).to_string()
            }
            _ => text,
        })
    };
    let mut changed = 0;
    for (id, before, after) in rows {
        let (masked_before, masked_after) = (mask(before.clone()), mask(after.clone()));
        if masked_before != before || masked_after != after {
            diesel::update(audit_log::table.find(id))
                .set((
                    audit_log::before_json.eq(masked_before),
                    audit_log::after_json.eq(masked_after),
                ))
                .execute(conn)?;
            changed += 1;
        }
    }
    Ok(changed)
}

/// Replaces the person's name in the timeline events they acted in: the `actorName` part and
/// the sentence stored with it. What they wrote (notes, answers, comments) stays: it is the
/// record.
pub fn mask_event_actor_of(conn: &mut DbConnection, user: UserId, old_name: &str, new_name: &str) -> AppResult<usize> {
    let rows: Vec<(i64, String, Option<String>)> = request_events::table
        .filter(request_events::actor_id.eq(user))
        .select((request_events::id, request_events::text, request_events::details))
        .load(conn)?;
    let mut changed = 0;
    for (id, text, details) in rows {
        let masked_details = details.clone().map(|d| match serde_json::from_str::<Value>(&d) {
            Ok(Value::Object(mut map)) if map.contains_key("actorName") => {
                map.insert("actorName".into(), json!(new_name));
                Value::Object(map).to_string()
            }
            _ => d,
        });
        let masked_text = if old_name.is_empty() {
            text.clone()
        } else {
            text.replace(old_name, new_name)
        };
        if masked_details != details || masked_text != text {
            diesel::update(request_events::table.find(id))
                .set((
                    request_events::text.eq(masked_text),
                    request_events::details.eq(masked_details),
                ))
                .execute(conn)?;
            changed += 1;
        }
    }
    Ok(changed)
}

/// Replaces the person's name in other people's inbox texts and in the pushes still waiting
/// to carry them (their own are deleted).
pub fn mask_name_in_notices(conn: &mut DbConnection, old_name: &str, new_name: &str) -> AppResult<usize> {
    if old_name.is_empty() {
        return Ok(0);
    }
    let pattern = format!("%{old_name}%");
    let rows: Vec<(i64, String, String)> = notifications::table
        .filter(
            notifications::title
                .like(&pattern)
                .or(notifications::body.like(&pattern)),
        )
        .select((notifications::id, notifications::title, notifications::body))
        .load(conn)?;
    let mut changed = 0;
    for (id, title, body) in rows {
        if title.contains(old_name) || body.contains(old_name) {
            diesel::update(notifications::table.find(id))
                .set((
                    notifications::title.eq(title.replace(old_name, new_name)),
                    notifications::body.eq(body.replace(old_name, new_name)),
                ))
                .execute(conn)?;
            changed += 1;
        }
    }
    let rows: Vec<(i64, String, String)> = push_deliveries::table
        .filter(
            push_deliveries::title
                .like(&pattern)
                .or(push_deliveries::body.like(&pattern)),
        )
        .select((push_deliveries::id, push_deliveries::title, push_deliveries::body))
        .load(conn)?;
    for (id, title, body) in rows {
        if title.contains(old_name) || body.contains(old_name) {
            diesel::update(push_deliveries::table.find(id))
                .set((
                    push_deliveries::title.eq(title.replace(old_name, new_name)),
                    push_deliveries::body.eq(body.replace(old_name, new_name)),
                ))
                .execute(conn)?;
            changed += 1;
        }
    }
    Ok(changed)
}

/// Masks the account row: name and phone replaced, password unusable, disabled, no flags.
pub fn mask_user(
    conn: &mut DbConnection,
    user: UserId,
    name: &str,
    phone: &str,
    now: NaiveDateTime,
) -> AppResult<usize> {
    Ok(diesel::update(users::table.find(user))
        .set((
            users::name.eq(name),
            users::phone.eq(phone),
            users::password_hash.eq("!erased"),
            users::must_change_password.eq(false),
            users::principal.eq(false),
            users::zone_leader.eq(false),
            users::disabled_at.eq(Some(now)),
            users::version.eq(users::version + 1),
            users::updated_at.eq(now),
        ))
        .execute(conn)?)
}

/// When `user`'s data was erased, if it was.
pub fn erased_at(conn: &mut DbConnection, user: UserId) -> AppResult<Option<NaiveDateTime>> {
    Ok(personal_data_erasures::table
        .find(user)
        .select(personal_data_erasures::erased_at)
        .first::<NaiveDateTime>(conn)
        .optional()?)
}

/// Records that `user`'s data was erased by `by` at `now`.
pub fn insert_erasure(conn: &mut DbConnection, user: UserId, by: UserId, now: NaiveDateTime) -> AppResult<()> {
    diesel::insert_into(personal_data_erasures::table)
        .values((
            personal_data_erasures::user_id.eq(user),
            personal_data_erasures::erased_by.eq(Some(by)),
            personal_data_erasures::erased_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

// ---- The retention purge: one bounded batch per kind. ----

/// Read notifications read before `cutoff`, with their push and SMS deliveries.
pub fn purge_read_notifications(conn: &mut DbConnection, cutoff: NaiveDateTime) -> AppResult<(usize, bool)> {
    let ids: Vec<i64> = notifications::table
        .filter(notifications::read_at.lt(cutoff))
        .order(notifications::id)
        .limit(PURGE_BATCH)
        .select(notifications::id)
        .load(conn)?;
    diesel::delete(push_deliveries::table.filter(push_deliveries::notification_id.eq_any(&ids))).execute(conn)?;
    diesel::delete(sms_deliveries::table.filter(sms_deliveries::notification_id.eq_any(&ids))).execute(conn)?;
    let n = diesel::delete(notifications::table.filter(notifications::id.eq_any(&ids))).execute(conn)?;
    Ok((n, ids.len() as i64 == PURGE_BATCH))
}

/// Push deliveries finished (sent or given up) before `cutoff`: their payloads and tokens.
pub fn purge_finished_pushes(conn: &mut DbConnection, cutoff: NaiveDateTime) -> AppResult<(usize, bool)> {
    let ids: Vec<i64> = push_deliveries::table
        .filter(push_deliveries::status.eq_any(["SENT", "DEAD"]))
        .filter(push_deliveries::updated_at.lt(cutoff))
        .order(push_deliveries::id)
        .limit(PURGE_BATCH)
        .select(push_deliveries::id)
        .load(conn)?;
    let n = diesel::delete(push_deliveries::table.filter(push_deliveries::id.eq_any(&ids))).execute(conn)?;
    Ok((n, ids.len() as i64 == PURGE_BATCH))
}

/// SMS deliveries finished (sent, failed or expired) before `cutoff`: their phone numbers.
pub fn purge_finished_sms(conn: &mut DbConnection, cutoff: NaiveDateTime) -> AppResult<(usize, bool)> {
    let ids: Vec<i64> = sms_deliveries::table
        .filter(sms_deliveries::status.eq_any(["SENT", "FAILED", "EXPIRED"]))
        .filter(sms_deliveries::updated_at.lt(cutoff))
        .order(sms_deliveries::id)
        .limit(PURGE_BATCH)
        .select(sms_deliveries::id)
        .load(conn)?;
    let n = diesel::delete(sms_deliveries::table.filter(sms_deliveries::id.eq_any(&ids))).execute(conn)?;
    Ok((n, ids.len() as i64 == PURGE_BATCH))
}

/// Login-throttle rows untouched since `cutoff` and not locked at `now`.
pub fn purge_idle_throttles(
    conn: &mut DbConnection,
    cutoff: NaiveDateTime,
    now: NaiveDateTime,
) -> AppResult<(usize, bool)> {
    let ids: Vec<i64> = login_throttles::table
        .filter(login_throttles::updated_at.lt(cutoff))
        .filter(
            login_throttles::locked_until
                .is_null()
                .or(login_throttles::locked_until.le(now)),
        )
        .order(login_throttles::id)
        .limit(PURGE_BATCH)
        .select(login_throttles::id)
        .load(conn)?;
    let n = diesel::delete(login_throttles::table.filter(login_throttles::id.eq_any(&ids))).execute(conn)?;
    Ok((n, ids.len() as i64 == PURGE_BATCH))
}

/// Refresh tokens that expired, or were revoked, before `cutoff`.
pub fn purge_ended_sessions(conn: &mut DbConnection, cutoff: NaiveDateTime) -> AppResult<(usize, bool)> {
    let ids: Vec<i64> = refresh_tokens::table
        .filter(
            refresh_tokens::expires_at
                .lt(cutoff)
                .or(refresh_tokens::revoked_at.lt(cutoff)),
        )
        .order(refresh_tokens::id)
        .limit(PURGE_BATCH)
        .select(refresh_tokens::id)
        .load(conn)?;
    let n = diesel::delete(refresh_tokens::table.filter(refresh_tokens::id.eq_any(&ids))).execute(conn)?;
    Ok((n, ids.len() as i64 == PURGE_BATCH))
}

/// The signed-in devices (`sessions` rows) whose refresh tokens are all gone and which ended,
/// or were last used, before the cutoff.
pub fn purge_signed_out_devices(conn: &mut DbConnection, cutoff: NaiveDateTime) -> AppResult<(usize, bool)> {
    let candidates: Vec<(i64, String)> = sessions::table
        .filter(sessions::ended_at.lt(cutoff).or(sessions::last_used_at.lt(cutoff)))
        .order(sessions::id)
        .limit(PURGE_BATCH)
        .select((sessions::id, sessions::family_id))
        .load(conn)?;
    let families: Vec<&String> = candidates.iter().map(|(_, f)| f).collect();
    let alive: std::collections::HashSet<String> = refresh_tokens::table
        .filter(refresh_tokens::family_id.eq_any(families))
        .select(refresh_tokens::family_id)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    let gone: Vec<i64> = candidates
        .iter()
        .filter(|(_, family)| !alive.contains(family))
        .map(|(id, _)| *id)
        .collect();
    let m = diesel::delete(sessions::table.filter(sessions::id.eq_any(&gone))).execute(conn)?;
    Ok((m, gone.len() as i64 == PURGE_BATCH))
}

/// Replaces the person's name where a callback (回访) names them: the callee recorded on the
/// callbacks of their company's requests, and the timeline texts of those requests (the
/// callback's sentence says who was called). Names shorter than two characters are left alone:
/// replacing one character would maim other words. Returns the rows changed.
pub fn mask_callees_of(conn: &mut DbConnection, user: UserId, old_name: &str, new_name: &str) -> AppResult<usize> {
    use crate::db::schema::{request_callbacks, requests, users};
    if old_name.chars().count() < 2 {
        return Ok(0);
    }
    let company: Option<i64> = users::table
        .find(user)
        .select(users::company_id)
        .first::<Option<i64>>(conn)
        .optional()?
        .flatten();
    let Some(company) = company else {
        return Ok(0);
    };
    let of_company = requests::table
        .filter(requests::company_id.eq(company))
        .select(requests::id);
    let mut changed = 0;
    let callees: Vec<(i64, Option<String>)> = request_callbacks::table
        .filter(request_callbacks::request_id.eq_any(of_company))
        .filter(request_callbacks::callee.is_not_null())
        .select((request_callbacks::id, request_callbacks::callee))
        .load(conn)?;
    for (id, callee) in callees {
        let Some(callee) = callee.filter(|c| c.contains(old_name)) else {
            continue;
        };
        diesel::update(request_callbacks::table.find(id))
            .set(request_callbacks::callee.eq(callee.replace(old_name, new_name)))
            .execute(conn)?;
        changed += 1;
    }
    let events: Vec<(i64, String, Option<String>)> = request_events::table
        .filter(request_events::request_id.eq_any(of_company))
        .select((request_events::id, request_events::text, request_events::details))
        .load(conn)?;
    // JSON strings hold a name as it is unless it has a quote or a backslash.
    let plain = !old_name.contains(['"', '\\']) && !new_name.contains(['"', '\\']);
    for (id, text, details) in events {
        let in_details = plain && details.as_deref().is_some_and(|d| d.contains(old_name));
        if !text.contains(old_name) && !in_details {
            continue;
        }
        let details = if in_details {
            details.map(|d| d.replace(old_name, new_name))
        } else {
            details
        };
        diesel::update(request_events::table.find(id))
            .set((
                request_events::text.eq(text.replace(old_name, new_name)),
                request_events::details.eq(details),
            ))
            .execute(conn)?;
        changed += 1;
    }
    Ok(changed)
}

/// Masks the callers recorded at intake who are the person: linked to their account, or given
/// with their phone. The name becomes `name`, role and phone are removed; the row stays, so
/// the request still shows that someone called.
pub fn mask_callers_of(
    conn: &mut DbConnection,
    user: UserId,
    phone: &str,
    name: &str,
    now: NaiveDateTime,
) -> AppResult<usize> {
    use crate::db::schema::request_callers;
    let mine = request_callers::user_id.eq(user).or(request_callers::phone.eq(phone));
    Ok(diesel::update(
        request_callers::table
            .filter(mine)
            .filter(request_callers::erased_at.is_null()),
    )
    .set((
        request_callers::name.eq(name),
        request_callers::role.eq(""),
        request_callers::phone.eq(None::<String>),
        request_callers::user_id.eq(Some(user)),
        request_callers::erased_at.eq(Some(now)),
    ))
    .execute(conn)?)
}
