use chrono::NaiveDate;

use super::calendar::WorkCalendar;
use super::model::{CalendarDay, DayKind};
use super::repo;
use crate::auth::model::Actor;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

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
    if to < from {
        return Err(AppError::bad_field("to", "`to` comes before `from`"));
    }
    if (to - from).num_days() >= MAX_RANGE_DAYS {
        return Err(AppError::bad_field(
            "to",
            format!("ask for at most {MAX_RANGE_DAYS} days at once"),
        ));
    }
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
    let note = note.unwrap_or("").trim().to_string();
    if note.chars().count() > MAX_NOTE_CHARS || note.chars().any(char::is_control) {
        return Err(AppError::bad_field(
            "note",
            format!("a note has at most {MAX_NOTE_CHARS} printable characters"),
        ));
    }
    let actor_id = actor.user_id;
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| match kind {
            Some(kind) => repo::put(
                conn,
                &CalendarDay {
                    day: iso(date),
                    kind,
                    note,
                    updated_by: Some(actor_id),
                    updated_at: now,
                },
            ),
            None => repo::remove(conn, &iso(date)).map(|_| ()),
        })
        .await?;
    let mut days = days(state, actor, date, date).await?;
    days.pop()
        .ok_or_else(|| AppError::internal("a one-day range gave no day"))
}
