//! The push worker: takes due deliveries from the outbox, sends them with bounded concurrency,
//! and records each outcome (sent, retry with exponential backoff and jitter honouring
//! `Retry-After`, dead after the last attempt, device forgotten when its token is gone).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDateTime;
use futures_util::StreamExt;
use rand::Rng;

use super::model::PushDelivery;
use super::push::{PushMessage, PushSender, SendOutcome};
use super::quiet;
use super::repo::{self, PushContext};
use crate::error::AppResult;
use crate::state::AppState;

#[derive(Debug, Clone)]
pub struct PushOptions {
    /// Deliveries taken per round.
    pub batch_size: i64,
    /// Sends in flight at once.
    pub concurrency: usize,
    /// Attempts before a delivery is given up as dead.
    pub max_attempts: i32,
    /// How long a taken delivery stays reserved for this worker.
    pub lease: Duration,
    /// The first retry waits about this long; each further one doubles it.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for PushOptions {
    fn default() -> Self {
        PushOptions {
            batch_size: 200,
            concurrency: 16,
            max_attempts: 8,
            lease: Duration::from_secs(120),
            base_backoff: Duration::from_secs(5),
            max_backoff: Duration::from_secs(3600),
        }
    }
}

/// What one round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryReport {
    pub claimed: usize,
    /// Held back until the recipient's quiet hours end.
    pub deferred: usize,
    pub sent: usize,
    pub retried: usize,
    pub dead: usize,
    pub unregistered: usize,
    /// The round took a full batch: more may be due at once.
    pub full_batch: bool,
}

#[derive(Clone)]
pub struct PushWorker {
    state: AppState,
    sender: Arc<dyn PushSender>,
    options: PushOptions,
}

/// The wait before attempt `attempt + 1`: exponential, capped, with jitter in [50 %, 100 %].
pub fn backoff(options: &PushOptions, attempts_so_far: i32) -> Duration {
    let exponent = attempts_so_far.clamp(0, 20) as u32;
    let full = options
        .base_backoff
        .saturating_mul(2u32.saturating_pow(exponent))
        .min(options.max_backoff);
    let jitter = rand::rng().random_range(0.5..=1.0);
    full.mul_f64(jitter)
}

fn message_for(delivery: &PushDelivery, context: &PushContext) -> PushMessage {
    let (kind, request_id, urgent) = (&context.kind, context.request_id, context.urgent);
    let mut data = BTreeMap::from([
        (
            "notificationId".to_string(),
            format!("ntf_{}", delivery.notification_id),
        ),
        ("kind".to_string(), kind.clone()),
    ]);
    if let Some(request_id) = request_id {
        data.insert("requestId".to_string(), format!("req_{request_id}"));
    }
    PushMessage {
        token: delivery.token.clone(),
        platform: delivery.platform,
        title: delivery.title.clone(),
        body: delivery.body.clone(),
        data,
        collapse_key: request_id.map(|id| format!("req_{id}")),
        urgent,
    }
}

enum Outcome {
    Sent,
    Retry(NaiveDateTime, String),
    Dead(String),
    Unregistered(String),
}

impl PushWorker {
    pub fn new(state: AppState, sender: Arc<dyn PushSender>, options: PushOptions) -> PushWorker {
        PushWorker { state, sender, options }
    }

    pub fn sender_name(&self) -> &'static str {
        self.sender.name()
    }

    /// One round: take due deliveries, send them, record the outcomes.
    pub async fn run_once(&self) -> AppResult<DeliveryReport> {
        let now = self.state.clock.now();
        let lease_until = now + chrono::Duration::from_std(self.options.lease).unwrap_or(chrono::Duration::minutes(2));
        let (batch, naive_now) = (self.options.batch_size, now.naive_utc());
        let claimed = self
            .state
            .db
            .write(move |conn| {
                let deliveries = repo::claim_due(conn, naive_now, lease_until.naive_utc(), batch)?;
                let notification_ids: Vec<i64> = deliveries.iter().map(|d| d.notification_id).collect();
                let notifications = repo::push_context(conn, &notification_ids)?;
                Ok(deliveries
                    .into_iter()
                    .map(|d| {
                        let context = notifications.get(&d.notification_id).cloned().unwrap_or_default();
                        (d, context)
                    })
                    .collect::<Vec<_>>())
            })
            .await?;
        let mut report = DeliveryReport {
            claimed: claimed.len(),
            full_batch: claimed.len() as i64 >= batch,
            ..Default::default()
        };
        if claimed.is_empty() {
            return Ok(report);
        }
        // Routine pushes to someone in their quiet hours wait until the hours end.
        let zone = self.state.config.time_zone;
        let (claimed, held): (Vec<_>, Vec<_>) = claimed.into_iter().partition(|(_, context)| {
            quiet::send_time(
                now,
                zone,
                context.quiet_start_minute,
                context.quiet_end_minute,
                context.urgent,
            ) <= now
        });
        let held: Vec<(i64, NaiveDateTime)> = held
            .into_iter()
            .map(|(delivery, c)| {
                let at = quiet::send_time(now, zone, c.quiet_start_minute, c.quiet_end_minute, c.urgent);
                (delivery.id, at.naive_utc())
            })
            .collect();
        report.deferred = held.len();
        let outcomes: Vec<(PushDelivery, Outcome)> = futures_util::stream::iter(claimed)
            .map(|(delivery, context)| {
                let sender = self.sender.clone();
                let options = self.options.clone();
                async move {
                    let message = message_for(&delivery, &context);
                    let outcome = match sender.send(&message).await {
                        SendOutcome::Sent => Outcome::Sent,
                        SendOutcome::Unregistered(error) => Outcome::Unregistered(error),
                        SendOutcome::Failed(error) => Outcome::Dead(error),
                        SendOutcome::Retry { .. } if delivery.attempts + 1 >= options.max_attempts => {
                            Outcome::Dead("gave up after the last attempt".into())
                        }
                        SendOutcome::Retry { after, error } => {
                            let wait = backoff(&options, delivery.attempts).max(after.unwrap_or_default());
                            let at = now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1));
                            Outcome::Retry(at.naive_utc(), error)
                        }
                    };
                    (delivery, outcome)
                }
            })
            .buffer_unordered(self.options.concurrency.max(1))
            .collect()
            .await;
        for (_, outcome) in &outcomes {
            match outcome {
                Outcome::Sent => report.sent += 1,
                Outcome::Retry(..) => report.retried += 1,
                Outcome::Dead(_) => report.dead += 1,
                Outcome::Unregistered(_) => report.unregistered += 1,
            }
        }
        let done_at = self.state.clock.now_naive();
        self.state
            .db
            .write(move |conn| {
                for (id, at) in held {
                    repo::defer(conn, id, at, done_at)?;
                }
                let sent: Vec<i64> = outcomes
                    .iter()
                    .filter(|(_, o)| matches!(o, Outcome::Sent))
                    .map(|(d, _)| d.id)
                    .collect();
                repo::mark_sent(conn, &sent, done_at)?;
                for (delivery, outcome) in outcomes {
                    match outcome {
                        Outcome::Sent => {}
                        Outcome::Retry(at, error) => repo::schedule_retry(conn, delivery.id, at, &error, done_at)?,
                        Outcome::Dead(error) => {
                            tracing::warn!(delivery_id = delivery.id, error, "push delivery dead");
                            repo::mark_dead(conn, delivery.id, &error, done_at)?
                        }
                        Outcome::Unregistered(error) => {
                            repo::mark_dead(conn, delivery.id, &error, done_at)?;
                            if let Some(device_id) = delivery.device_id {
                                repo::delete_device(conn, device_id, &error, done_at)?;
                            }
                        }
                    }
                }
                Ok(())
            })
            .await?;
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let options = PushOptions::default();
        let first = backoff(&options, 0);
        assert!(
            first >= Duration::from_millis(2500) && first <= Duration::from_secs(5),
            "{first:?}"
        );
        let third = backoff(&options, 2);
        assert!(
            third >= Duration::from_secs(10) && third <= Duration::from_secs(20),
            "{third:?}"
        );
        assert!(backoff(&options, 30) <= options.max_backoff);
    }
}
