use chrono::NaiveDate;

use super::calendar::WorkCalendar;
use super::errors::SlaReason;
use super::model::Urgency;
use super::model::{CalendarDay, DayKind, LimitUnit, SlaPolicy, SlaSubject};
use super::repo::{self, PolicyLimits};
use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::text::single_line;

/// The longest range `calendarDays` answers at once.
pub const MAX_RANGE_DAYS: i64 = 366;
const MAX_NOTE_CHARS: usize = 100;

/// One day as the calendar sees it.
#[derive(Debug, Clone)]
pub struct Day {
    pub date: NaiveDate,
    pub working: bool,
    /// The override, when the day is not an ordinary weekday or weekend day.
    pub special: Option<CalendarDay>,
}

fn iso(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// Every day from `from` to `to` (admins).
pub async fn days(state: &AppState, actor: &Actor, from: NaiveDate, to: NaiveDate) -> AppResult<Vec<Day>> {
    actor.require_admin()?;
    crate::clock::check_date_range(from, to, MAX_RANGE_DAYS)?;
    let zone = state.config.time_zone;
    let overrides = state
        .db
        .read(move |conn| repo::days_between(conn, &iso(from), &iso(to)))
        .await?;
    let calendar = WorkCalendar::new(
        zone,
        overrides.iter().filter_map(|d| {
            NaiveDate::parse_from_str(&d.day, "%Y-%m-%d")
                .ok()
                .map(|date| (date, d.kind))
        }),
    );
    Ok(from
        .iter_days()
        .take_while(|d| *d <= to)
        .map(|date| Day {
            date,
            working: calendar.is_working_day(date),
            special: overrides.iter().find(|o| o.day == iso(date)).cloned(),
        })
        .collect())
}

/// Marks a day a holiday or a make-up working day, or (with `kind` None) an ordinary day again.
pub async fn set_day(
    state: &AppState,
    actor: &Actor,
    date: NaiveDate,
    kind: Option<DayKind>,
    note: Option<&str>,
) -> AppResult<Day> {
    actor.require_admin()?;
    let note = single_line(MAX_NOTE_CHARS).blank_allowed("note", note.unwrap_or(""))?;
    let actor_id = actor.user_id;
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            let before = repo::days_between(conn, &iso(date), &iso(date))?.pop();
            let after = kind.map(|kind| CalendarDay {
                day: iso(date),
                kind,
                note,
                updated_by: Some(actor_id),
                updated_at: now,
            });
            match &after {
                Some(day) => repo::put(conn, day)?,
                None => repo::remove(conn, &iso(date)).map(|_| ())?,
            }
            crate::audit::record(conn, actor_id, "setCalendarDay", before.as_ref(), after.as_ref(), now)
        })
        .await?;
    let mut days = days(state, actor, date, date).await?;
    days.pop()
        .ok_or_else(|| AppError::internal("a one-day range gave no day"))
}

/// A limit as an admin sets it.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub amount: i32,
    pub unit: LimitUnit,
}

fn check_limit(field: &str, limit: Limit) -> AppResult<()> {
    let (max, reason) = match limit.unit {
        LimitUnit::Hours => (24 * 60, SlaReason::SLA_HOURS_OUT_OF_RANGE),
        LimitUnit::WorkingDays => (60, SlaReason::SLA_WORKING_DAYS_OUT_OF_RANGE),
        LimitUnit::SameDay => (0, SlaReason::SLA_SAME_DAY_AMOUNT),
    };
    if limit.amount < 0 || limit.amount > max || (limit.unit != LimitUnit::SameDay && limit.amount == 0) {
        return Err(AppError::bad_field(field, reason).arg("max", max));
    }
    Ok(())
}

pub async fn policies(state: &AppState, actor: &Actor) -> AppResult<Vec<SlaPolicy>> {
    actor.require_admin()?;
    state.db.read(repo::policies).await
}

/// Changes one policy's limits. Requests and tasks keep the due times stamped when they were
/// raised or dispatched; the new limits apply to new ones.
pub async fn set_policy(
    state: &AppState,
    actor: &Actor,
    subject: SlaSubject,
    coordinated: bool,
    urgency: Urgency,
    first_reply: Limit,
    resolve: Option<Limit>,
) -> AppResult<SlaPolicy> {
    actor.require_admin()?;
    check_limit("firstReply", first_reply)?;
    match (subject, resolve) {
        (SlaSubject::DepartmentTask, Some(_)) => {
            return Err(AppError::bad_field("resolve", SlaReason::SLA_TASK_REPLY_ONLY))
        }
        (SlaSubject::DepartmentTask, None) => {}
        (_, None) => return Err(AppError::bad_field("resolve", SlaReason::SLA_RESOLVE_REQUIRED)),
        (_, Some(limit)) => check_limit("resolve", limit)?,
    }
    let actor_id = actor.user_id;
    let limits = PolicyLimits {
        first_reply_amount: first_reply.amount,
        first_reply_unit: first_reply.unit,
        resolve_amount: resolve.map(|l| l.amount),
        resolve_unit: resolve.map(|l| l.unit),
        updated_by: Some(actor.user_id),
        updated_at: state.clock.now_naive(),
    };
    state
        .db
        .write(move |conn| {
            let before = repo::policies(conn)?
                .into_iter()
                .find(|p| p.subject == subject && p.coordinated == coordinated && p.urgency == urgency);
            let after = repo::set_policy(conn, subject, coordinated, urgency, &limits)?
                .ok_or_else(|| AppError::not_found(SlaReason::SLA_POLICY_NOT_FOUND))?;
            crate::audit::record(
                conn,
                actor_id,
                "setSlaPolicy",
                before.as_ref(),
                Some(&after),
                after.updated_at,
            )?;
            Ok(after)
        })
        .await
}
