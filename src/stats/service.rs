//! Who may read the statistics (admins), and the date range in the zone's time zone.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;

use super::errors::StatsReason;
use super::repo::{self, Coverage, CubeRow, DepartmentFigures, Durations, Feedback, LastEvaluation, Outcomes, Window};
use super::totals;
use crate::actor::Actor;
use crate::auth::repo as users_repo;
use crate::db::{Page, PageRequest};
use crate::departments::model::Department;
use crate::departments::repo as departments_repo;
use crate::error::{AppError, AppResult};
use crate::ids::{DepartmentId, UserId};
use crate::state::AppState;

/// The longest range one statistics query covers.
pub const MAX_RANGE_DAYS: i64 = 3_700;

/// A range of whole days in the zone's time zone, `from` and `to` included.
#[derive(Debug, Clone)]
pub struct DateRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub window: Window,
    /// The calendar months the range touches, as (year, month).
    pub months: Vec<(i32, u32)>,
    /// The UTC start of each month after the first (the month boundaries within the window).
    pub month_ends: Vec<NaiveDateTime>,
}

/// The UTC moment the zone's day `date` begins.
pub fn day_start(zone: Tz, date: NaiveDate) -> NaiveDateTime {
    let midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists");
    let local = zone.from_local_datetime(&midnight);
    match local.earliest().or(local.latest()) {
        Some(at) => at.naive_utc(),
        // A midnight skipped by a daylight-saving jump: the day starts an hour later.
        None => zone
            .from_local_datetime(&(midnight + chrono::Duration::hours(1)))
            .earliest()
            .map(|at| at.naive_utc())
            .unwrap_or(midnight),
    }
}

pub fn date_range(zone: Tz, from: NaiveDate, to: NaiveDate) -> AppResult<DateRange> {
    crate::clock::check_date_range(from, to, MAX_RANGE_DAYS)?;
    let next_day = to
        .succ_opt()
        .ok_or_else(|| AppError::bad_field("to", StatsReason::STATS_DATE_OUT_OF_RANGE))?;
    let mut months = vec![(from.year(), from.month())];
    let mut month_ends = Vec::new();
    loop {
        let (year, month) = *months.last().expect("one month at least");
        let (next_year, next_month) = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
        let start = NaiveDate::from_ymd_opt(next_year, next_month, 1).expect("a month's first day");
        if start > to {
            break;
        }
        months.push((next_year, next_month));
        month_ends.push(day_start(zone, start));
    }
    Ok(DateRange {
        from,
        to,
        window: Window {
            start: day_start(zone, from),
            end: day_start(zone, next_day),
        },
        months,
        month_ends,
    })
}

/// The zone's figures over a range.
#[derive(Debug, Clone)]
pub struct Stats {
    pub range: DateRange,
    pub cube: Vec<CubeRow>,
    pub outcomes: Outcomes,
    pub feedback: Feedback,
    pub overdue: i64,
    pub first_reply: Durations,
    pub resolution: Durations,
    pub coverage: Coverage,
    /// Zone issues (一事多企) beside the requests as received.
    pub sharing: repo::Sharing,
    /// Answers given by phone (回访), counted apart from the app's.
    pub feedback_channels: repo::FeedbackChannels,
}

pub async fn stats(state: &AppState, actor: &Actor, from: NaiveDate, to: NaiveDate) -> AppResult<Stats> {
    actor.require_admin()?;
    let zone = state.config.time_zone;
    let range = date_range(zone, from, to)?;
    state
        .db
        .read(move |conn| {
            repo::in_snapshot(conn, |conn| {
                let window = range.window;
                if totals::usable(conn, zone)? {
                    let days = totals::Days {
                        from: range.from,
                        to: range.to,
                    };
                    let month_starts: Vec<NaiveDate> = range.months[1..]
                        .iter()
                        .map(|&(year, month)| NaiveDate::from_ymd_opt(year, month, 1).expect("a month's first day"))
                        .collect();
                    return Ok(Stats {
                        cube: totals::received_cube(conn, days, &month_starts)?,
                        outcomes: totals::resolved_in(conn, days)?,
                        feedback: totals::feedback_in(conn, days)?,
                        overdue: totals::overdue_in(conn, days)?,
                        first_reply: totals::durations(conn, repo::Measure::FirstReply, days, window)?,
                        resolution: totals::durations(conn, repo::Measure::Resolution, days, window)?,
                        coverage: repo::coverage(conn)?,
                        sharing: repo::sharing_in(conn, window)?,
                        feedback_channels: repo::feedback_channels_in(conn, window)?,
                        range: range.clone(),
                    });
                }
                Ok(Stats {
                    cube: repo::received_cube(conn, window, &range.month_ends)?,
                    outcomes: repo::resolved_in(conn, window)?,
                    feedback: repo::feedback_in(conn, window)?,
                    overdue: repo::overdue_in(conn, window)?,
                    first_reply: repo::durations(conn, repo::Measure::FirstReply, window)?,
                    resolution: repo::durations(conn, repo::Measure::Resolution, window)?,
                    coverage: repo::coverage(conn)?,
                    sharing: repo::sharing_in(conn, window)?,
                    feedback_channels: repo::feedback_channels_in(conn, window)?,
                    range: range.clone(),
                })
            })
        })
        .await
}

/// One officer's line.
#[derive(Debug, Clone)]
pub struct OfficerLine {
    pub officer: crate::auth::model::User,
    pub companies_served: i64,
    pub open_requests: i64,
    pub figures: repo::OfficerFigures,
    pub last_evaluation: Option<LastEvaluation>,
}

/// Officers' performance over a range, a page of officers at a time (by id).
pub async fn officer_performance(
    state: &AppState,
    actor: &Actor,
    from: NaiveDate,
    to: NaiveDate,
    page: PageRequest,
) -> AppResult<Page<OfficerLine>> {
    actor.require_admin()?;
    let range = date_range(state.config.time_zone, from, to)?;
    state
        .db
        .read(move |conn| {
            let officers = users_repo::officers(conn, page)?;
            let ids: Vec<UserId> = officers.items.iter().map(|u| u.id).collect();
            let served: HashMap<UserId, i64> = repo::companies_served(conn, &ids)?
                .into_iter()
                .map(|r| (r.id, r.n))
                .collect();
            let open: HashMap<UserId, i64> = repo::open_load(conn, &ids)?.into_iter().map(|r| (r.id, r.n)).collect();
            let mut figures: HashMap<UserId, repo::OfficerFigures> = repo::officer_figures(conn, &ids, range.window)?
                .into_iter()
                .map(|f| (f.officer_id, f))
                .collect();
            let mut evaluations: HashMap<UserId, LastEvaluation> = repo::last_evaluation(conn, &ids)?
                .into_iter()
                .map(|e| (e.officer_id, e))
                .collect();
            Ok(officers.map(|officer| OfficerLine {
                companies_served: served.get(&officer.id).copied().unwrap_or(0),
                open_requests: open.get(&officer.id).copied().unwrap_or(0),
                figures: figures
                    .remove(&officer.id)
                    .unwrap_or_else(|| repo::OfficerFigures::none(officer.id)),
                last_evaluation: evaluations.remove(&officer.id),
                officer,
            }))
        })
        .await
}

/// Departments' performance over tasks dispatched to them in a range.
pub async fn department_performance(
    state: &AppState,
    actor: &Actor,
    from: NaiveDate,
    to: NaiveDate,
    page: PageRequest,
) -> AppResult<Page<(Department, DepartmentFigures)>> {
    actor.require_admin()?;
    let range = date_range(state.config.time_zone, from, to)?;
    state
        .db
        .read(move |conn| {
            let departments = departments_repo::list(conn, None, true, page)?;
            let ids: Vec<DepartmentId> = departments.items.iter().map(|d| d.id).collect();
            let mut figures: HashMap<DepartmentId, DepartmentFigures> =
                repo::department_figures(conn, &ids, range.window)?
                    .into_iter()
                    .map(|f| (f.department_id, f))
                    .collect();
            Ok(departments.map(|department| {
                let line = figures
                    .remove(&department.id)
                    .unwrap_or_else(|| DepartmentFigures::none(department.id));
                (department, line)
            }))
        })
        .await
}

/// Makes the statistics' totals count the days of the configured zone (at start-up; a
/// rebuild when the zone changed or the database is new, on PostgreSQL).
pub async fn prepare_totals(state: &AppState) -> AppResult<bool> {
    let zone = state.config.time_zone;
    state.db.read(move |conn| totals::count_days_of(conn, zone)).await
}

/// Folds the rows the triggers appended to the totals (the background job's round); returns
/// the days folded.
pub async fn fold_totals(state: &AppState) -> AppResult<usize> {
    state.db.read(totals::fold).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_whole_local_days_split_at_local_months() {
        let zone = chrono_tz::Asia::Shanghai;
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        let range = date_range(zone, d(2026, 1, 15), d(2026, 3, 2)).unwrap();
        assert_eq!(range.window.start.to_string(), "2026-01-14 16:00:00");
        assert_eq!(range.window.end.to_string(), "2026-03-02 16:00:00");
        assert_eq!(range.months, vec![(2026, 1), (2026, 2), (2026, 3)]);
        let ends: Vec<String> = range.month_ends.iter().map(|t| t.to_string()).collect();
        assert_eq!(ends, ["2026-01-31 16:00:00", "2026-02-28 16:00:00"]);
        assert!(date_range(zone, d(2026, 3, 2), d(2026, 3, 1)).is_err());
    }
}
