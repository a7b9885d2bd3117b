//! Due times stamped on requests and department tasks: the policy for the request's kind,
//! coordination tier and urgency, applied on the zone's working calendar as it stands when the
//! due time is stamped (later policy or calendar changes apply to new stamps only).

use chrono::{Duration, NaiveDate, NaiveDateTime};
use chrono_tz::Tz;
use diesel::prelude::*;

use super::calendar::WorkCalendar;
use super::model::{CalendarDay, LimitUnit, SlaPolicy, SlaSubject};
use crate::clock::to_utc;
use crate::db::schema::{calendar_days, sla_policies};
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::requests::model::{RequestKind, Urgency};

/// The share of a limit after which the holder is reminded.
pub const REMIND_AT_PERMILLE: i64 = 750;

/// One limit: when it falls due, and when its reminder goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    pub due_at: NaiveDateTime,
    pub remind_at: NaiveDateTime,
}

impl Due {
    /// The limit moved later by `by` (a pause, or an approved extension's difference).
    pub fn shifted(self, by: Duration) -> Due {
        Due {
            due_at: self.due_at + by,
            remind_at: self.remind_at + by,
        }
    }

    /// A limit from `start` to `due_at`, reminded at 75 % of the way.
    pub fn between(start: NaiveDateTime, due_at: NaiveDateTime) -> Due {
        let span = (due_at - start).max(Duration::zero());
        Due {
            due_at,
            remind_at: start + span * REMIND_AT_PERMILLE as i32 / 1000,
        }
    }
}

/// The two limits of a request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RequestDue {
    pub first_reply: Option<Due>,
    pub resolve: Option<Due>,
}

/// The zone's working calendar with every override from `from`'s date on.
pub fn calendar_from(conn: &mut DbConnection, zone: Tz, from: NaiveDateTime) -> AppResult<WorkCalendar> {
    let first_day = (to_utc(from).with_timezone(&zone).date_naive() - Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let overrides: Vec<CalendarDay> = calendar_days::table
        .filter(calendar_days::day.ge(first_day))
        .select(CalendarDay::as_select())
        .load(conn)?;
    Ok(WorkCalendar::new(
        zone,
        overrides.iter().filter_map(|d| {
            NaiveDate::parse_from_str(&d.day, "%Y-%m-%d")
                .ok()
                .map(|date| (date, d.kind))
        }),
    ))
}

pub fn policy(
    conn: &mut DbConnection,
    subject: SlaSubject,
    coordinated: bool,
    urgency: Urgency,
) -> AppResult<Option<SlaPolicy>> {
    Ok(sla_policies::table
        .filter(sla_policies::subject.eq(subject))
        .filter(sla_policies::coordinated.eq(coordinated))
        .filter(sla_policies::urgency.eq(urgency))
        .select(SlaPolicy::as_select())
        .first(conn)
        .optional()?)
}

fn subject_of(kind: RequestKind) -> SlaSubject {
    match kind {
        RequestKind::Consultation => SlaSubject::Consultation,
        RequestKind::Problem => SlaSubject::Problem,
        RequestKind::Suggestion => SlaSubject::Suggestion,
        RequestKind::Complaint => SlaSubject::Complaint,
    }
}

fn limit(calendar: &WorkCalendar, start: NaiveDateTime, amount: i32, unit: LimitUnit) -> Due {
    let due_at = calendar.due(to_utc(start), amount, unit).naive_utc();
    Due::between(start, due_at)
}

/// The limits of a request of `kind` received at `start`.
pub fn for_request(
    conn: &mut DbConnection,
    zone: Tz,
    kind: RequestKind,
    coordinated: bool,
    urgency: Urgency,
    start: NaiveDateTime,
) -> AppResult<RequestDue> {
    let Some(policy) = policy(conn, subject_of(kind), coordinated, urgency)? else {
        return Ok(RequestDue::default());
    };
    let calendar = calendar_from(conn, zone, start)?;
    Ok(RequestDue {
        first_reply: Some(limit(
            &calendar,
            start,
            policy.first_reply_amount,
            policy.first_reply_unit,
        )),
        resolve: match (policy.resolve_amount, policy.resolve_unit) {
            (Some(amount), Some(unit)) => Some(limit(&calendar, start, amount, unit)),
            _ => None,
        },
    })
}

/// The reply limit of a department task dispatched at `start`.
pub fn for_task(
    conn: &mut DbConnection,
    zone: Tz,
    coordinated: bool,
    urgency: Urgency,
    start: NaiveDateTime,
) -> AppResult<Option<Due>> {
    let Some(policy) = policy(conn, SlaSubject::DepartmentTask, coordinated, urgency)? else {
        return Ok(None);
    };
    let calendar = calendar_from(conn, zone, start)?;
    Ok(Some(limit(
        &calendar,
        start,
        policy.first_reply_amount,
        policy.first_reply_unit,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn the_reminder_comes_at_three_quarters() {
        let due = Due::between(at("2026-03-02 01:00"), at("2026-03-03 01:00"));
        assert_eq!(due.remind_at, at("2026-03-02 19:00"));
        let shifted = due.shifted(Duration::hours(48));
        assert_eq!(shifted.due_at, at("2026-03-05 01:00"));
        assert_eq!(shifted.remind_at, at("2026-03-04 19:00"));
    }
}
