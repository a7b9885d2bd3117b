//! Quiet hours: routine pushes wait until the recipient's quiet hours end; urgent ones do not.

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

pub const DEFAULT_QUIET_START: i32 = 22 * 60;
pub const DEFAULT_QUIET_END: i32 = 7 * 60;

/// When a push may go out: `now`, or the end of the quiet hours if `now` falls inside them.
/// `start` and `end` are minutes after local midnight; a window may wrap past midnight, and an
/// empty window (`start == end`) means no quiet hours.
pub fn send_time(now: DateTime<Utc>, zone: Tz, start: i32, end: i32, urgent: bool) -> DateTime<Utc> {
    if urgent || start == end {
        return now;
    }
    let local = now.with_timezone(&zone);
    let minute = (local.hour() * 60 + local.minute()) as i32;
    let (quiet, ends_tomorrow) = if start < end {
        (minute >= start && minute < end, false)
    } else {
        (minute >= start || minute < end, minute >= start)
    };
    if !quiet {
        return now;
    }
    let date = if ends_tomorrow {
        local.date_naive() + Duration::days(1)
    } else {
        local.date_naive()
    };
    let end_time = NaiveTime::from_hms_opt((end / 60) as u32, (end % 60) as u32, 0).expect("minutes within a day");
    zone.from_local_datetime(&date.and_time(end_time))
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(now)
}

/// Parses `HH:MM` into minutes after midnight.
pub fn parse_hhmm(text: &str) -> Option<i32> {
    let (h, m) = text.trim().split_once(':')?;
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    ((0..24).contains(&h) && (0..60).contains(&m)).then_some(h * 60 + m)
}

pub fn format_hhmm(minutes: i32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Asia::Shanghai;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        // A local Shanghai time on 2026-03-02, as UTC.
        Shanghai
            .with_ymd_and_hms(2026, 3, 2, h, m, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn daytime_pushes_go_at_once() {
        assert_eq!(
            send_time(at(9, 0), Shanghai, DEFAULT_QUIET_START, DEFAULT_QUIET_END, false),
            at(9, 0)
        );
        assert_eq!(
            send_time(at(21, 59), Shanghai, DEFAULT_QUIET_START, DEFAULT_QUIET_END, false),
            at(21, 59)
        );
    }

    #[test]
    fn night_pushes_wait_for_the_morning() {
        let next_morning = Shanghai
            .with_ymd_and_hms(2026, 3, 3, 7, 0, 0)
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            send_time(at(22, 0), Shanghai, DEFAULT_QUIET_START, DEFAULT_QUIET_END, false),
            next_morning
        );
        assert_eq!(
            send_time(at(23, 30), Shanghai, DEFAULT_QUIET_START, DEFAULT_QUIET_END, false),
            next_morning
        );
        assert_eq!(
            send_time(at(3, 0), Shanghai, DEFAULT_QUIET_START, DEFAULT_QUIET_END, false),
            at(7, 0)
        );
        assert_eq!(
            send_time(at(7, 0), Shanghai, DEFAULT_QUIET_START, DEFAULT_QUIET_END, false),
            at(7, 0)
        );
    }

    #[test]
    fn urgent_pushes_and_empty_windows_never_wait() {
        assert_eq!(
            send_time(at(23, 0), Shanghai, DEFAULT_QUIET_START, DEFAULT_QUIET_END, true),
            at(23, 0)
        );
        assert_eq!(send_time(at(23, 0), Shanghai, 0, 0, false), at(23, 0));
    }

    #[test]
    fn windows_within_a_day() {
        // A siesta from 12:00 to 14:00.
        assert_eq!(send_time(at(12, 30), Shanghai, 12 * 60, 14 * 60, false), at(14, 0));
        assert_eq!(send_time(at(14, 30), Shanghai, 12 * 60, 14 * 60, false), at(14, 30));
    }

    #[test]
    fn hhmm_round_trips() {
        assert_eq!(parse_hhmm("22:00"), Some(1320));
        assert_eq!(parse_hhmm("7:05"), Some(425));
        assert_eq!(parse_hhmm("24:00"), None);
        assert_eq!(parse_hhmm("12:60"), None);
        assert_eq!(parse_hhmm("noon"), None);
        assert_eq!(format_hhmm(425), "07:05");
    }
}
