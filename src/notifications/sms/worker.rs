//! The SMS job: takes due messages from the outbox and sends them one at a time, recording each
//! outcome as soon as the provider answered, so a crash re-sends at most the message that was
//! in flight (the provider also gets our notification id as `OutId` / `SessionContext`).
//! Quiet hours hold what does not override them; the per-phone daily cap holds the rest.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use rand::Rng;

use super::model::SmsStatus;
use super::repo::{self, Claimed};
use super::sender::{SmsMessage, SmsOutcome, SmsSender};
use crate::error::AppResult;
use crate::notifications::quiet;
use crate::state::AppState;

#[derive(Debug, Clone)]
pub struct SmsOptions {
    /// Messages taken per round.
    pub batch_size: i64,
    /// Attempts before a message is given up as FAILED.
    pub max_attempts: i32,
    /// How long a taken message stays reserved for this worker.
    pub lease: Duration,
    /// The first retry waits about this long; each further one doubles it.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// SMS per phone number per day of the zone.
    pub daily_cap: i64,
}

impl Default for SmsOptions {
    fn default() -> Self {
        SmsOptions {
            batch_size: 50,
            max_attempts: 6,
            lease: Duration::from_secs(60),
            base_backoff: Duration::from_secs(30),
            max_backoff: Duration::from_secs(3600),
            daily_cap: 20,
        }
    }
}

/// What one round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SmsReport {
    pub claimed: usize,
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
    /// Held back until the recipient's quiet hours end.
    pub deferred: usize,
    /// Held for want of a provider or template.
    pub unconfigured: usize,
    /// Held because the phone reached the daily cap.
    pub capped: usize,
    pub expired: usize,
    /// Not sent by this worker: its lease ran out before the message's turn.
    pub lost_lease: usize,
    /// The round took a full batch: more may be due at once.
    pub full_batch: bool,
}

#[derive(Clone)]
pub struct SmsWorker {
    state: AppState,
    /// None when no provider is configured (why, for the held messages).
    sender: Result<Arc<dyn SmsSender>, String>,
    options: SmsOptions,
}

/// The wait before attempt `attempts_so_far + 1`: exponential, capped, with jitter in [50 %, 100 %].
pub fn backoff(options: &SmsOptions, attempts_so_far: i32) -> Duration {
    let exponent = attempts_so_far.clamp(0, 20) as u32;
    let full = options
        .base_backoff
        .saturating_mul(2u32.saturating_pow(exponent))
        .min(options.max_backoff);
    full.mul_f64(rand::rng().random_range(0.5..=1.0))
}

/// The zone's day around `now`, as UTC times.
fn zone_day(now: DateTime<Utc>, zone: chrono_tz::Tz) -> (NaiveDateTime, NaiveDateTime) {
    let date = now.with_timezone(&zone).date_naive();
    let start = |d: chrono::NaiveDate| {
        zone.from_local_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight"))
            .earliest()
            .map(|t| t.naive_utc())
            .unwrap_or_else(|| d.and_hms_opt(0, 0, 0).expect("midnight"))
    };
    (start(date), start(date + chrono::Duration::days(1)))
}

impl SmsWorker {
    pub fn new(state: AppState, sender: Result<Arc<dyn SmsSender>, String>, options: SmsOptions) -> SmsWorker {
        SmsWorker { state, sender, options }
    }

    /// The worker for this instance's configuration.
    pub fn from_config(state: &AppState) -> SmsWorker {
        let config = &state.config.sms;
        let options = SmsOptions {
            lease: config.lease,
            daily_cap: config.daily_cap,
            ..SmsOptions::default()
        };
        SmsWorker::new(state.clone(), super::sender::sender_for(config), options)
    }

    /// `aliyun`, `tencent`, or why no provider is on.
    pub fn describe(&self) -> Result<&'static str, &str> {
        match &self.sender {
            Ok(sender) => Ok(sender.provider()),
            Err(why) => Err(why.as_str()),
        }
    }

    /// One round: expire what is too old, take due messages, send them one by one.
    pub async fn run_once(&self) -> AppResult<SmsReport> {
        let now = self.state.clock.now();
        let lease = chrono::Duration::from_std(self.options.lease).unwrap_or(chrono::Duration::minutes(1));
        let (naive_now, lease_until, batch) = (now.naive_utc(), (now + lease).naive_utc(), self.options.batch_size);
        let (expired, claimed) = self
            .state
            .db
            .write(move |conn| {
                let expired = repo::expire(conn, naive_now)?;
                Ok((expired, repo::claim_due(conn, naive_now, lease_until, batch)?))
            })
            .await?;
        let mut report = SmsReport {
            claimed: claimed.len(),
            expired,
            full_batch: claimed.len() as i64 >= batch,
            ..Default::default()
        };
        for message in claimed {
            self.deliver(message, &mut report).await?;
        }
        Ok(report)
    }

    async fn deliver(&self, claimed: Claimed, report: &mut SmsReport) -> AppResult<()> {
        let Claimed {
            delivery,
            quiet_start_minute,
            quiet_end_minute,
        } = claimed;
        let id = delivery.id;
        let now = self.state.clock.now();
        let naive_now = now.naive_utc();
        let zone = self.state.config.time_zone;
        let sender = match &self.sender {
            Ok(sender) => sender.clone(),
            Err(why) => {
                let why = format!("no SMS provider: {why}");
                report.unconfigured += 1;
                return self
                    .state
                    .db
                    .write(move |conn| repo::hold(conn, id, SmsStatus::HeldUnconfigured, None, &why, naive_now))
                    .await;
            }
        };
        let provider = sender.provider();
        let Some(template) = sender.template(&delivery.kind).map(str::to_string) else {
            let why = format!("no template for {} in ZHITONG_SMS_TEMPLATES", delivery.kind);
            report.unconfigured += 1;
            return self
                .state
                .db
                .write(move |conn| repo::hold(conn, id, SmsStatus::HeldUnconfigured, Some(provider), &why, naive_now))
                .await;
        };
        let send_at = quiet::send_time(
            now,
            zone,
            quiet_start_minute,
            quiet_end_minute,
            delivery.overrides_quiet_hours,
        );
        if send_at > now {
            report.deferred += 1;
            let at = send_at.naive_utc();
            return self
                .state
                .db
                .write(move |conn| repo::defer(conn, id, at, naive_now))
                .await;
        }
        let (day_start, day_end) = zone_day(now, zone);
        let phone = delivery.phone.clone();
        let sent_today = self
            .state
            .db
            .read(move |conn| repo::sent_to_phone_between(conn, &phone, day_start, day_end))
            .await?;
        if sent_today >= self.options.daily_cap {
            report.capped += 1;
            let why = format!(
                "{sent_today} SMS already sent to this number today (ZHITONG_SMS_DAILY_CAP={})",
                self.options.daily_cap
            );
            return self
                .state
                .db
                .write(move |conn| repo::hold(conn, id, SmsStatus::HeldDailyCap, Some(provider), &why, naive_now))
                .await;
        }
        // Only a message whose lease is still ours is sent; the lease covers the send.
        let (ours, lease) = (
            delivery.locked_until.unwrap_or(naive_now),
            chrono::Duration::from_std(self.options.lease).unwrap_or(chrono::Duration::minutes(1)),
        );
        let until = (now + lease).naive_utc();
        let renewed = self
            .state
            .db
            .write(move |conn| repo::renew_lease(conn, id, ours, naive_now, until))
            .await?;
        if !renewed {
            report.lost_lease += 1;
            return Ok(());
        }
        let message = SmsMessage {
            phone: delivery.phone.clone(),
            template,
            number: delivery.request_number.clone(),
            out_id: format!("ntf_{}", delivery.notification_id),
        };
        let outcome = sender.send(&message).await;
        let done_at = self.state.clock.now();
        let (done_naive, attempts) = (done_at.naive_utc(), delivery.attempts);
        let options = self.options.clone();
        let label = match &outcome {
            SmsOutcome::Sent { .. } => {
                report.sent += 1;
                "sent"
            }
            SmsOutcome::Retry { .. } if attempts + 1 < options.max_attempts => {
                report.retried += 1;
                "retry"
            }
            _ => {
                report.failed += 1;
                "failed"
            }
        };
        self.state.metrics.sms_delivery(provider, label);
        let masked = crate::auth::phone::mask(&delivery.phone);
        self.state
            .db
            .write(move |conn| match outcome {
                SmsOutcome::Sent { code, message_id } => {
                    repo::mark_sent(conn, id, provider, &code, message_id.as_deref(), done_naive)
                }
                SmsOutcome::Retry { code, error, after } if attempts + 1 < options.max_attempts => {
                    let wait = backoff(&options, attempts).max(after.unwrap_or_default());
                    let at = done_at + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1));
                    repo::record_failure(conn, id, provider, &code, &error, Some(at.naive_utc()), done_naive)
                }
                SmsOutcome::Retry { code, error, .. } => {
                    let error = format!("gave up after {} attempts; last: {error}", attempts + 1);
                    tracing::warn!(sms_delivery_id = id, phone = %masked, code, "SMS failed");
                    repo::record_failure(conn, id, provider, &code, &error, None, done_naive)
                }
                SmsOutcome::Failed { code, error } => {
                    tracing::warn!(sms_delivery_id = id, phone = %masked, code, "SMS refused by the provider");
                    repo::record_failure(conn, id, provider, &code, &error, None, done_naive)
                }
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let options = SmsOptions::default();
        let first = backoff(&options, 0);
        assert!(
            first >= Duration::from_secs(15) && first <= Duration::from_secs(30),
            "{first:?}"
        );
        assert!(backoff(&options, 30) <= options.max_backoff);
    }

    #[test]
    fn the_day_is_the_zone_s() {
        let now = Utc.with_ymd_and_hms(2026, 3, 2, 17, 0, 0).unwrap(); // 01:00 on the 3rd in Shanghai
        let (start, end) = zone_day(now, chrono_tz::Asia::Shanghai);
        assert_eq!(start, Utc.with_ymd_and_hms(2026, 3, 2, 16, 0, 0).unwrap().naive_utc());
        assert_eq!(end, Utc.with_ymd_and_hms(2026, 3, 3, 16, 0, 0).unwrap().naive_utc());
    }
}
