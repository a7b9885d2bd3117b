//! The push worker: takes due deliveries of the configured providers from the outbox, sends each
//! through its device's provider with bounded concurrency, and records each outcome as soon as
//! it is known (so a crash re-sends only what was really in flight): sent; retried with
//! exponential backoff and jitter honouring `Retry-After` until the notice kind's lifetime ends;
//! failed with the provider's code (device kept); device forgotten when the provider says its
//! token is gone. Deliveries of providers not configured here are held, never sent elsewhere.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDateTime;
use futures_util::StreamExt;
use rand::Rng;

use super::model::{PushDelivery, PushProvider};
use super::push::{PushMessage, PushRouter, SendOutcome};
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
    /// Given up: the lifetime of the notice ran out.
    pub dead: usize,
    /// Refused by the provider with a code that does not mean the token is gone.
    pub failed: usize,
    pub unregistered: usize,
    /// Put on hold because their provider is not configured here.
    pub held: usize,
    /// The round took a full batch: more may be due at once.
    pub full_batch: bool,
}

#[derive(Clone)]
pub struct PushWorker {
    state: AppState,
    router: PushRouter,
    options: PushOptions,
    released: Arc<AtomicBool>,
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

fn message_for(delivery: &PushDelivery, context: &PushContext, now: NaiveDateTime) -> PushMessage {
    let notification_id = format!("ntf_{}", delivery.notification_id);
    let mut data = BTreeMap::from([
        ("notificationId".to_string(), notification_id.clone()),
        ("kind".to_string(), context.kind.clone()),
    ]);
    if let Some(request_id) = context.request_id {
        data.insert("requestId".to_string(), format!("req_{request_id}"));
    }
    let left = (delivery.expires_at - now).to_std().unwrap_or_default();
    PushMessage {
        token: delivery.token.clone(),
        platform: delivery.platform,
        provider: delivery.provider,
        title: delivery.title.clone(),
        body: delivery.body.clone(),
        data,
        tag: notification_id,
        collapse_key: context.request_id.map(|id| format!("req_{id}")),
        urgent: context.urgent,
        ttl: left.max(Duration::from_secs(60)),
        badge: Some(context.unread),
        delivery_id: delivery.id,
    }
}

enum Outcome {
    Sent,
    Retry(NaiveDateTime, String),
    Dead(String),
    Failed(String),
    Unregistered(String),
}

impl PushWorker {
    pub fn new(state: AppState, router: PushRouter, options: PushOptions) -> PushWorker {
        PushWorker {
            state,
            router,
            options,
            released: Arc::new(AtomicBool::new(false)),
        }
    }

    pub fn providers(&self) -> Vec<PushProvider> {
        self.router.providers()
    }

    fn decide(&self, delivery: &PushDelivery, outcome: SendOutcome, now: chrono::DateTime<chrono::Utc>) -> Outcome {
        match outcome {
            SendOutcome::Sent => Outcome::Sent,
            SendOutcome::Unregistered(error) => Outcome::Unregistered(error),
            SendOutcome::Failed(error) => Outcome::Failed(error),
            SendOutcome::Retry { after, error } => {
                let wait = backoff(&self.options, delivery.attempts).max(after.unwrap_or_default());
                let at = now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1));
                if at.naive_utc() >= delivery.expires_at {
                    Outcome::Dead(format!("lifetime ended; last error: {error}"))
                } else {
                    Outcome::Retry(at.naive_utc(), error)
                }
            }
        }
    }

    /// One round: hold what no sender here can send, take due deliveries, send them, record
    /// each outcome as it arrives.
    pub async fn run_once(&self) -> AppResult<DeliveryReport> {
        let now = self.state.clock.now();
        let lease_until = now + chrono::Duration::from_std(self.options.lease).unwrap_or(chrono::Duration::minutes(2));
        let (batch, naive_now) = (self.options.batch_size, now.naive_utc());
        let providers = self.router.providers();
        // Released every round, not only at start: with several instances configured
        // differently, one that lacks a provider holds its deliveries and one that has it takes
        // them back and sends them in the same transaction.
        let first_round = !self.released.swap(true, Ordering::SeqCst);
        let (held, claimed) = self
            .state
            .db
            .write(move |conn| {
                let released = repo::release_held(conn, &providers, naive_now)?;
                if released > 0 && first_round {
                    tracing::info!(
                        released,
                        "held push deliveries released: their providers are configured now"
                    );
                }
                let held = repo::hold_unconfigured(conn, &providers, naive_now)?;
                let deliveries = repo::claim_due(conn, &providers, naive_now, lease_until.naive_utc(), batch)?;
                let notification_ids: Vec<i64> = deliveries.iter().map(|d| d.notification_id).collect();
                let notifications = repo::push_context(conn, &notification_ids)?;
                let claimed = deliveries
                    .into_iter()
                    .map(|d| {
                        let context = notifications.get(&d.notification_id).cloned().unwrap_or_default();
                        (d, context)
                    })
                    .collect::<Vec<_>>();
                Ok((held, claimed))
            })
            .await?;
        if held > 0 {
            tracing::warn!(
                held,
                "push deliveries held: their provider is not configured on this server"
            );
        }
        let mut report = DeliveryReport {
            claimed: claimed.len(),
            held,
            full_batch: claimed.len() as i64 >= batch,
            ..Default::default()
        };
        if claimed.is_empty() {
            return Ok(report);
        }
        // Routine pushes to someone in their quiet hours wait until the hours end.
        let zone = self.state.config.time_zone;
        let (claimed, quiet): (Vec<_>, Vec<_>) = claimed.into_iter().partition(|(_, context)| {
            quiet::send_time(
                now,
                zone,
                context.quiet_start_minute,
                context.quiet_end_minute,
                context.urgent,
            ) <= now
        });
        let quiet: Vec<(i64, NaiveDateTime)> = quiet
            .into_iter()
            .map(|(delivery, c)| {
                let at = quiet::send_time(now, zone, c.quiet_start_minute, c.quiet_end_minute, c.urgent);
                (delivery.id, at.naive_utc())
            })
            .collect();
        report.deferred = quiet.len();
        if !quiet.is_empty() {
            let done_at = self.state.clock.now_naive();
            self.state
                .db
                .write(move |conn| {
                    for (id, at) in quiet {
                        repo::defer(conn, id, at, done_at)?;
                    }
                    Ok(())
                })
                .await?;
        }
        // Each send's outcome is written as soon as it is known (together with whatever else
        // completed meanwhile), never held back for the rest of the batch.
        let mut outcomes = futures_util::stream::iter(claimed)
            .map(|(delivery, context)| async move {
                let message = message_for(&delivery, &context, naive_now);
                let outcome = match self.router.send(&message).await {
                    Some(outcome) => self.decide(&delivery, outcome, self.state.clock.now()),
                    // Not reachable: only configured providers are claimed.
                    None => Outcome::Failed(format!("{} is not configured", delivery.provider)),
                };
                (delivery, outcome)
            })
            .buffer_unordered(self.options.concurrency.max(1))
            .ready_chunks(self.options.concurrency.max(1));
        while let Some(done) = outcomes.next().await {
            for (delivery, outcome) in &done {
                let label = match outcome {
                    Outcome::Sent => {
                        report.sent += 1;
                        "sent"
                    }
                    Outcome::Retry(..) => {
                        report.retried += 1;
                        "retry"
                    }
                    Outcome::Dead(_) => {
                        report.dead += 1;
                        "dead"
                    }
                    Outcome::Failed(_) => {
                        report.failed += 1;
                        "failed"
                    }
                    Outcome::Unregistered(_) => {
                        report.unregistered += 1;
                        "unregistered"
                    }
                };
                self.state.metrics.push_delivery(delivery.provider.as_str(), label);
            }
            self.record(done).await?;
        }
        Ok(report)
    }

    async fn record(&self, done: Vec<(PushDelivery, Outcome)>) -> AppResult<()> {
        let done_at = self.state.clock.now_naive();
        self.state
            .db
            .write(move |conn| {
                let sent: Vec<i64> = done
                    .iter()
                    .filter(|(_, o)| matches!(o, Outcome::Sent))
                    .map(|(d, _)| d.id)
                    .collect();
                repo::mark_sent(conn, &sent, done_at)?;
                for (delivery, outcome) in done {
                    match outcome {
                        Outcome::Sent => {}
                        Outcome::Retry(at, error) => repo::schedule_retry(conn, delivery.id, at, &error, done_at)?,
                        Outcome::Dead(error) => {
                            tracing::warn!(delivery_id = delivery.id, provider = %delivery.provider, error, "push delivery dead");
                            repo::mark_dead(conn, delivery.id, &error, done_at)?
                        }
                        Outcome::Failed(error) => {
                            tracing::warn!(delivery_id = delivery.id, provider = %delivery.provider, error, "push delivery failed");
                            repo::mark_failed(conn, delivery.id, &error, done_at)?
                        }
                        Outcome::Unregistered(error) => {
                            tracing::info!(delivery_id = delivery.id, provider = %delivery.provider, error, "push token gone: device removed");
                            repo::mark_dead(conn, delivery.id, &error, done_at)?;
                            if let Some(device_id) = delivery.device_id {
                                repo::delete_device(conn, device_id, &error, done_at)?;
                            }
                        }
                    }
                }
                Ok(())
            })
            .await
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
