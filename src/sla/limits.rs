//! Due times from the policies: a policy's limits applied on the zone's working calendar as it
//! stands when the due time is stamped (later policy or calendar changes apply to new stamps
//! only). What the limits are stamped on is the caller's business.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use chrono_tz::Tz;

use super::calendar::WorkCalendar;
use super::model::{LimitUnit, SlaSubject, Urgency};
use super::repo;
use crate::clock::to_utc;
use crate::db::DbConnection;
use crate::error::AppResult;

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

/// The limits of one policy from a start: the first reply, and the resolution where the
/// policy sets one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PolicyDue {
    pub first_reply: Due,
    pub resolve: Option<Due>,
}

/// The zone's working calendar with every override from `from`'s date on.
pub fn calendar_from(conn: &mut DbConnection, zone: Tz, from: NaiveDateTime) -> AppResult<WorkCalendar> {
    let first_day = (to_utc(from).with_timezone(&zone).date_naive() - Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let overrides = repo::days_from(conn, &first_day)?;
    Ok(WorkCalendar::new(
        zone,
        overrides.iter().filter_map(|d| {
            NaiveDate::parse_from_str(&d.day, "%Y-%m-%d")
                .ok()
                .map(|date| (date, d.kind))
        }),
    ))
}

fn limit(calendar: &WorkCalendar, start: NaiveDateTime, amount: i32, unit: LimitUnit) -> Due {
    let due_at = calendar.due(to_utc(start), amount, unit).naive_utc();
    Due::between(start, due_at)
}

/// The limits of the policy for `subject`, `coordinated` and `urgency`, counted from `start`
/// (none when no such policy exists).
pub fn due_from(
    conn: &mut DbConnection,
    zone: Tz,
    subject: SlaSubject,
    coordinated: bool,
    urgency: Urgency,
    start: NaiveDateTime,
) -> AppResult<Option<PolicyDue>> {
    let Some(policy) = repo::policy(conn, subject, coordinated, urgency)? else {
        return Ok(None);
    };
    let calendar = calendar_from(conn, zone, start)?;
    Ok(Some(PolicyDue {
        first_reply: limit(&calendar, start, policy.first_reply_amount, policy.first_reply_unit),
        resolve: match (policy.resolve_amount, policy.resolve_unit) {
            (Some(amount), Some(unit)) => Some(limit(&calendar, start, amount, unit)),
            _ => None,
        },
    }))
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
