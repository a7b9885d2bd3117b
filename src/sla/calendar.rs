//! Working time in the zone's time zone. A day is a working day when it is Monday to Friday and
//! not a holiday, or when it is a make-up working day (调休) on a weekend. Office hours are
//! 09:00–18:00.
//!
//! Two units of time limit:
//! - **hours** run on the clock of working days only: 24 hours raised on Friday 17:00 fall due on
//!   Monday 17:00 (weekends and holidays stop the clock);
//! - **working days** count from the moment of receipt; a moment outside office hours counts from
//!   the next working day's opening (09:00): 3 working days from Friday 10:00 are Wednesday 10:00,
//!   1 working day from Friday 20:00 is Tuesday 09:00. **Same day** means the end of office hours
//!   of the day of receipt (or of the next working day, after hours).

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

use super::model::{DayKind, LimitUnit};

pub const OFFICE_OPENS: NaiveTime = NaiveTime::from_hms_opt(9, 0, 0).unwrap();
pub const OFFICE_CLOSES: NaiveTime = NaiveTime::from_hms_opt(18, 0, 0).unwrap();
/// Limits are looked for at most this far ahead (a year of holidays cannot stop the clock longer).
const MAX_DAYS_AHEAD: i64 = 3 * 366;

#[derive(Debug, Clone)]
pub struct WorkCalendar {
    zone: Tz,
    overrides: HashMap<NaiveDate, DayKind>,
}

impl WorkCalendar {
    pub fn new(zone: Tz, overrides: impl IntoIterator<Item = (NaiveDate, DayKind)>) -> WorkCalendar {
        WorkCalendar {
            zone,
            overrides: overrides.into_iter().collect(),
        }
    }

    pub fn zone(&self) -> Tz {
        self.zone
    }

    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        match self.overrides.get(&day) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::Workday) => true,
            None => !matches!(day.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    fn local(&self, at: DateTime<Utc>) -> NaiveDateTime {
        at.with_timezone(&self.zone).naive_local()
    }

    fn utc(&self, local: NaiveDateTime) -> DateTime<Utc> {
        self.zone
            .from_local_datetime(&local)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| Utc.from_utc_datetime(&local))
    }

    fn next_working_day(&self, after: NaiveDate) -> NaiveDate {
        let mut day = after;
        for _ in 0..MAX_DAYS_AHEAD {
            day = day.succ_opt().expect("dates within range");
            if self.is_working_day(day) {
                return day;
            }
        }
        day
    }

    /// `hours` of working-day clock time after `from`.
    pub fn add_hours(&self, from: DateTime<Utc>, hours: i64) -> DateTime<Utc> {
        let mut left = Duration::hours(hours.max(0));
        let mut at = self.local(from);
        if !self.is_working_day(at.date()) {
            at = self.next_working_day(at.date()).and_time(NaiveTime::MIN);
        }
        loop {
            let midnight = (at.date() + Duration::days(1)).and_time(NaiveTime::MIN);
            let today = midnight - at;
            if left <= today {
                return self.utc(at + left);
            }
            left -= today;
            at = self.next_working_day(at.date()).and_time(NaiveTime::MIN);
        }
    }

    /// The moment counting starts from: `at` in office hours, else the next opening.
    fn start_of_count(&self, at: NaiveDateTime) -> NaiveDateTime {
        let day = at.date();
        if self.is_working_day(day) && at.time() < OFFICE_CLOSES {
            if at.time() < OFFICE_OPENS {
                day.and_time(OFFICE_OPENS)
            } else {
                at
            }
        } else {
            self.next_working_day(day).and_time(OFFICE_OPENS)
        }
    }

    /// `days` working days after `from` (see the module's rules).
    pub fn add_working_days(&self, from: DateTime<Utc>, days: i64) -> DateTime<Utc> {
        let start = self.start_of_count(self.local(from));
        let mut day = start.date();
        for _ in 0..days.max(0) {
            day = self.next_working_day(day);
        }
        self.utc(day.and_time(start.time()))
    }

    /// How many working days something started at `from` and finished at `to` took: the least
    /// `n` with `add_working_days(from, n) >= to` (0 when `to` is not after `from`). A
    /// procedure approved exactly at its due time of `d` working days took `d`.
    pub fn working_days_taken(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        let mut days = 0;
        while days < MAX_DAYS_AHEAD && self.add_working_days(from, days) < to {
            days += 1;
        }
        days
    }

    /// When a limit of `amount` `unit` that starts at `from` falls due.
    pub fn due(&self, from: DateTime<Utc>, amount: i32, unit: LimitUnit) -> DateTime<Utc> {
        match unit {
            LimitUnit::Hours => self.add_hours(from, i64::from(amount)),
            LimitUnit::WorkingDays => self.add_working_days(from, i64::from(amount)),
            LimitUnit::SameDay => self.end_of_working_day(from),
        }
    }

    /// The end of office hours on the day `from` counts in.
    pub fn end_of_working_day(&self, from: DateTime<Utc>) -> DateTime<Utc> {
        let start = self.start_of_count(self.local(from));
        self.utc(start.date().and_time(OFFICE_CLOSES))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Asia::Shanghai;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// Local Shanghai time as UTC.
    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Shanghai
            .with_ymd_and_hms(y, m, d, h, min, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    /// The 2026 National Day week: holidays 1–7 October (Thursday to Wednesday), with the
    /// Saturday before, 26 September, and the Saturday after, 10 October, made working days.
    fn national_day() -> WorkCalendar {
        let mut days: Vec<(NaiveDate, DayKind)> = (1..=7).map(|d| (day(2026, 10, d), DayKind::Holiday)).collect();
        days.push((day(2026, 9, 26), DayKind::Workday));
        days.push((day(2026, 10, 10), DayKind::Workday));
        WorkCalendar::new(Shanghai, days)
    }

    #[test]
    fn weekends_holidays_and_make_up_days() {
        let calendar = national_day();
        assert!(calendar.is_working_day(day(2026, 9, 25)));
        assert!(calendar.is_working_day(day(2026, 9, 26)), "make-up Saturday");
        assert!(!calendar.is_working_day(day(2026, 9, 27)), "ordinary Sunday");
        assert!(!calendar.is_working_day(day(2026, 10, 1)), "holiday");
        assert!(!calendar.is_working_day(day(2026, 10, 5)), "holiday on a Monday");
        assert!(calendar.is_working_day(day(2026, 10, 8)));
        assert!(calendar.is_working_day(day(2026, 10, 10)), "make-up Saturday after");
    }

    #[test]
    fn working_days_skip_a_weekend() {
        let calendar = WorkCalendar::new(Shanghai, []);
        // Friday 13 March 2026, 10:00 + 3 working days = Wednesday 18 March, 10:00.
        assert_eq!(
            calendar.add_working_days(at(2026, 3, 13, 10, 0), 3),
            at(2026, 3, 18, 10, 0)
        );
        assert_eq!(
            calendar.add_working_days(at(2026, 3, 13, 10, 0), 0),
            at(2026, 3, 13, 10, 0)
        );
    }

    #[test]
    fn after_hours_counts_from_the_next_opening() {
        let calendar = WorkCalendar::new(Shanghai, []);
        // Friday 20:00 + 1 working day: counting starts Monday 09:00, due Tuesday 09:00.
        assert_eq!(
            calendar.add_working_days(at(2026, 3, 13, 20, 0), 1),
            at(2026, 3, 17, 9, 0)
        );
        // Before opening counts from the opening the same day.
        assert_eq!(
            calendar.add_working_days(at(2026, 3, 16, 7, 30), 1),
            at(2026, 3, 17, 9, 0)
        );
        // Saturday counts from Monday's opening.
        assert_eq!(
            calendar.add_working_days(at(2026, 3, 14, 11, 0), 5),
            at(2026, 3, 23, 9, 0)
        );
        // Same day: the day's closing, or the next working day's after hours.
        assert_eq!(
            calendar.end_of_working_day(at(2026, 3, 16, 10, 0)),
            at(2026, 3, 16, 18, 0)
        );
        assert_eq!(
            calendar.end_of_working_day(at(2026, 3, 13, 18, 30)),
            at(2026, 3, 16, 18, 0)
        );
    }

    #[test]
    fn a_holiday_block_and_make_up_saturdays() {
        let calendar = national_day();
        // Wednesday 30 September 15:00 + 2 working days: 1–7 October are holidays, so Thursday
        // 8 October is the first, Friday 9 October the second.
        assert_eq!(
            calendar.add_working_days(at(2026, 9, 30, 15, 0), 2),
            at(2026, 10, 9, 15, 0)
        );
        // + 3 lands on the make-up Saturday, 10 October.
        assert_eq!(
            calendar.add_working_days(at(2026, 9, 30, 15, 0), 3),
            at(2026, 10, 10, 15, 0)
        );
        // Friday 25 September + 1 working day is the make-up Saturday 26 September.
        assert_eq!(
            calendar.add_working_days(at(2026, 9, 25, 9, 30), 1),
            at(2026, 9, 26, 9, 30)
        );
        // Five working days from the make-up Saturday: 28, 29, 30 September, 8, 9 October.
        assert_eq!(
            calendar.add_working_days(at(2026, 9, 26, 10, 0), 5),
            at(2026, 10, 9, 10, 0)
        );
    }

    #[test]
    fn working_days_taken_over_a_holiday_and_a_make_up_day() {
        let calendar = national_day();
        // Accepted Wednesday 30 September 15:00; the 1–7 October holidays do not count, the
        // make-up Saturday 10 October does.
        let from = at(2026, 9, 30, 15, 0);
        assert_eq!(calendar.working_days_taken(from, from), 0);
        assert_eq!(calendar.working_days_taken(from, at(2026, 10, 8, 15, 0)), 1);
        assert_eq!(calendar.working_days_taken(from, at(2026, 10, 8, 16, 0)), 2);
        assert_eq!(calendar.working_days_taken(from, at(2026, 10, 10, 11, 0)), 3);
    }

    #[test]
    fn the_default_limits() {
        let plain = WorkCalendar::new(Shanghai, []);
        let friday_ten = at(2026, 3, 13, 10, 0);
        // A consultation on the spot: the same working day.
        assert_eq!(plain.due(friday_ten, 0, LimitUnit::SameDay), at(2026, 3, 13, 18, 0));
        // An in-authority problem: 24 hours of working-day clock.
        assert_eq!(plain.due(friday_ten, 24, LimitUnit::Hours), at(2026, 3, 16, 10, 0));
        // A coordinated problem: reply in 48 hours, resolve in 5 working days.
        assert_eq!(plain.due(friday_ten, 48, LimitUnit::Hours), at(2026, 3, 17, 10, 0));
        assert_eq!(plain.due(friday_ten, 5, LimitUnit::WorkingDays), at(2026, 3, 20, 10, 0));
        // A department's reply: 3 working days.
        assert_eq!(plain.due(friday_ten, 3, LimitUnit::WorkingDays), at(2026, 3, 18, 10, 0));
    }

    #[test]
    fn hours_run_on_working_days_only() {
        let calendar = national_day();
        let plain = WorkCalendar::new(Shanghai, []);
        // Friday 17:00 + 24 h = Monday 17:00 (the weekend stops the clock).
        assert_eq!(plain.add_hours(at(2026, 3, 13, 17, 0), 24), at(2026, 3, 16, 17, 0));
        // Tuesday 09:00 + 48 h = Thursday 09:00.
        assert_eq!(plain.add_hours(at(2026, 3, 17, 9, 0), 48), at(2026, 3, 19, 9, 0));
        // Raised on a Sunday: the clock starts on Monday at midnight.
        assert_eq!(plain.add_hours(at(2026, 3, 15, 12, 0), 24), at(2026, 3, 17, 0, 0));
        // 30 September 20:00 + 24 h: 4 h left that day, then the clock waits for 8 October.
        assert_eq!(calendar.add_hours(at(2026, 9, 30, 20, 0), 24), at(2026, 10, 8, 20, 0));
    }
}
