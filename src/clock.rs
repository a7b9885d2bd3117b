//! The time source. Production reads the system clock; tests move a manual clock forward
//! instead of sleeping.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, SubsecRound, Utc};

use crate::error::{AppError, AppResult, CoreReason};

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;

    /// The current time as stored in the database (UTC, microsecond precision on both backends).
    fn now_naive(&self) -> NaiveDateTime {
        self.now().naive_utc().trunc_subsecs(6)
    }
}

#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to.
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<Mutex<DateTime<Utc>>>,
}

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> ManualClock {
        ManualClock {
            now: Arc::new(Mutex::new(start.trunc_subsecs(6))),
        }
    }

    pub fn set(&self, at: DateTime<Utc>) {
        *self.now.lock().expect("clock lock") = at.trunc_subsecs(6);
    }

    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().expect("clock lock");
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().expect("clock lock")
    }
}

pub type SharedClock = Arc<dyn Clock>;

/// Checks a range of dates asked for (`from` to `to`, both included): `to` may not come before
/// `from`, and the range may hold at most `max_days` days (BAD_USER_INPUT on `to` otherwise).
pub fn check_date_range(from: NaiveDate, to: NaiveDate, max_days: i64) -> AppResult<()> {
    if to < from {
        return Err(AppError::bad_field("to", CoreReason::DATE_RANGE_REVERSED));
    }
    if (to - from).num_days() >= max_days {
        return Err(AppError::bad_field("to", CoreReason::DATE_RANGE_TOO_LONG).arg("max", max_days));
    }
    Ok(())
}

pub fn to_utc(naive: NaiveDateTime) -> DateTime<Utc> {
    DateTime::from_naive_utc_and_offset(naive, Utc)
}
