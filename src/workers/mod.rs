//! The background jobs of an instance, run by one runner that owns their intervals, the stop
//! signal and the log lines. Each job is one domain's `run_once` (push delivery, automatic
//! closing, the time-limit sweep, evaluation periods), which tests call directly after moving
//! the clock. On SIGTERM the HTTP server drains first; then [`Workers::stop`] lets every job
//! finish the round it is in (a round that has started always finishes) and waits for them.

pub mod memory;

use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::error::AppResult;
use crate::metrics::Metrics;
use crate::notifications::model::PushProvider;
use crate::notifications::push;
use crate::notifications::sms::worker::SmsWorker;
use crate::notifications::worker::{PushOptions, PushWorker};
use crate::state::AppState;

/// How often RESOLVED requests are checked for the 7-day automatic close.
const AUTO_CLOSE_EVERY: Duration = Duration::from_secs(600);

/// How often idempotency keys past their retention window are purged.
const IDEMPOTENCY_PURGE_EVERY: Duration = Duration::from_secs(3600);

/// How often evaluation periods are checked for opening, the closing reminder and closing.
const EVALUATION_EVERY: Duration = Duration::from_secs(60);
/// Requests raised before the similar-request index existed are indexed in rounds this often
/// (a round that finds more waiting runs again at once).
const SIMILAR_INDEX_EVERY: Duration = Duration::from_secs(300);
/// How often the similar-request index's term changes are folded into its counts (a search
/// reads the changes not folded yet, so this bounds its cost, not its correctness).
const TERM_COUNTS_EVERY: Duration = Duration::from_secs(60);
/// How often the rows the statistics' triggers append are folded into daily totals (a read
/// sums the unfolded rows too, so this bounds its cost, not its correctness).
const STATS_FOLD_EVERY: Duration = Duration::from_secs(60);

/// How often unread important notices to the zone are checked for their reminder.
const NOTICE_REMINDERS_EVERY: Duration = Duration::from_secs(600);

/// What a job's round did, for the runner's log line.
pub trait Report: Debug + Send {
    /// False for a round that found nothing to do (not logged).
    fn did_work(&self) -> bool;
    /// True when work is left over (a full batch): the next round starts at once.
    fn more_waiting(&self) -> bool {
        false
    }
}

type Round = Pin<Box<dyn Future<Output = AppResult<Box<dyn Report>>> + Send>>;

/// One background job: a name for the logs, the wait between rounds and the round itself.
pub struct Job {
    name: &'static str,
    every: Duration,
    round: Arc<dyn Fn() -> Round + Send + Sync>,
}

impl Job {
    /// A job that runs `round` (a domain's `run_once` over `state`) every `every`.
    pub fn new<R, F>(name: &'static str, every: Duration, round: F) -> Job
    where
        R: Report + 'static,
        F: Fn() -> Pin<Box<dyn Future<Output = AppResult<R>> + Send>> + Send + Sync + 'static,
    {
        Job {
            name,
            every,
            round: Arc::new(move || {
                let round = round();
                Box::pin(async move { round.await.map(|report| Box::new(report) as Box<dyn Report>) })
            }),
        }
    }

    /// Runs rounds until `stop` fires; `stop` is only heeded between rounds. Each round is
    /// counted in `metrics` (worked, idle or failed) with its duration.
    async fn run(self, mut stop: watch::Receiver<bool>, metrics: Arc<Metrics>) {
        tracing::info!(job = self.name, "background job started");
        while !*stop.borrow() {
            let started = Instant::now();
            let round = (self.round)().await;
            let again_now = match round {
                Ok(report) => {
                    let worked = report.did_work();
                    metrics.job_round(self.name, if worked { "worked" } else { "idle" }, started.elapsed());
                    if worked {
                        tracing::info!(job = self.name, ?report, "background job round done");
                    }
                    report.more_waiting()
                }
                Err(error) => {
                    metrics.job_round(self.name, "failed", started.elapsed());
                    tracing::warn!(job = self.name, code = error.code(), detail = ?error, "background job round failed");
                    false
                }
            };
            if again_now {
                continue;
            }
            tokio::select! {
                _ = tokio::time::sleep(self.every) => {}
                _ = stop.changed() => break,
            }
        }
        tracing::info!(job = self.name, "background job stopped");
    }
}

/// The background jobs of this instance, stopped after the HTTP server has drained.
pub struct Workers {
    stop: watch::Sender<bool>,
    handles: Vec<tokio::task::JoinHandle<()>>,
}

impl Workers {
    /// Asks every job to stop after its current round, and waits for them.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for handle in self.handles {
            let _ = handle.await;
        }
    }
}

/// The jobs of an instance: SMS delivery, push delivery, automatic closing, the time-limit
/// sweep, the evaluation periods, the idempotency-key purge, the retention purge, and the
/// housekeeping of indexes, counts and totals.
pub fn jobs(state: &AppState) -> Result<Vec<Job>, String> {
    let router = push::PushRouter::from_config(&state.config.push)?;
    let options = PushOptions {
        lease: state.config.push_lease,
        ..PushOptions::default()
    };
    let worker = PushWorker::new(state.clone(), router, options);
    let on: Vec<&str> = worker.providers().iter().map(|p| p.as_str()).collect();
    let off: Vec<&str> = PushProvider::ALL
        .iter()
        .filter(|p| !worker.providers().contains(p))
        .map(|p| p.as_str())
        .collect();
    tracing::info!(
        providers = on.join(","),
        held = off.join(","),
        "push delivery enabled; deliveries to the held providers wait until they are configured"
    );
    let (s1, s2, s3, s4, s5, s6) = (
        state.clone(),
        state.clone(),
        state.clone(),
        state.clone(),
        state.clone(),
        state.clone(),
    );
    let (s7, s8, s9, s10) = (state.clone(), state.clone(), state.clone(), state.clone());
    let sms = SmsWorker::from_config(state);
    Ok(vec![
        Job::new("sms delivery", state.config.sms.interval, move || {
            let sms = sms.clone();
            Box::pin(async move { sms.run_once().await })
        }),
        Job::new("push delivery", state.config.push_interval, move || {
            let worker = worker.clone();
            Box::pin(async move { worker.run_once().await })
        }),
        Job::new("automatic closing", AUTO_CLOSE_EVERY, move || {
            let state = s1.clone();
            Box::pin(async move { crate::requests::worker::run_once(&state).await })
        }),
        Job::new("time-limit sweep", state.config.sla_sweep, move || {
            let state = s2.clone();
            Box::pin(async move { crate::requests::time_limits::sweeper::run_once(&state).await })
        }),
        Job::new("evaluation periods", EVALUATION_EVERY, move || {
            let state = s3.clone();
            Box::pin(async move { crate::evaluations::worker::run_once(&state).await })
        }),
        Job::new("idempotency-key purge", IDEMPOTENCY_PURGE_EVERY, move || {
            let state = s4.clone();
            Box::pin(async move { state.db.purge_idempotency_keys(state.clock.now_naive()).await })
        }),
        Job::new("retention purge", state.config.retention.interval, move || {
            let state = s5.clone();
            Box::pin(async move { crate::privacy::retention::run_once(&state).await })
        }),
        Job::new("key-project sweep", state.config.sla_sweep, move || {
            let state = s6.clone();
            Box::pin(async move { crate::projects::sweeper::run_once(&state).await })
        }),
        Job::new("notice reminders", NOTICE_REMINDERS_EVERY, move || {
            let state = s7.clone();
            Box::pin(async move { crate::notices::worker::run_once(&state).await })
        }),
        Job::new("similar-request index", SIMILAR_INDEX_EVERY, move || {
            let state = s8.clone();
            Box::pin(async move { crate::requests::similar::run_once(&state).await })
        }),
        Job::new("similar-request term counts", TERM_COUNTS_EVERY, move || {
            let state = s9.clone();
            Box::pin(async move { crate::requests::similar::fold_term_counts(&state).await })
        }),
        Job::new("statistics totals fold", STATS_FOLD_EVERY, move || {
            let state = s10.clone();
            Box::pin(async move { crate::stats::service::fold_totals(&state).await })
        }),
        Job::new("memory trim", memory::TRIM_EVERY, || {
            Box::pin(async { Ok(memory::trim().await) })
        }),
    ])
}

/// Starts the jobs (unless background work is switched off for this instance).
pub fn start(state: &AppState) -> Result<Workers, String> {
    let (stop, stopped) = watch::channel(false);
    let mut handles = Vec::new();
    if state.config.workers {
        for job in jobs(state)? {
            handles.push(tokio::spawn(job.run(stopped.clone(), state.metrics.clone())));
        }
    } else {
        tracing::info!("background workers are off in this instance (ZHITONG_WORKERS=false)");
    }
    Ok(Workers { stop, handles })
}

/// A count of things done (requests closed).
impl Report for usize {
    fn did_work(&self) -> bool {
        *self > 0
    }
}

impl Report for crate::notifications::worker::DeliveryReport {
    fn did_work(&self) -> bool {
        self.claimed > 0
    }

    fn more_waiting(&self) -> bool {
        self.full_batch
    }
}

/// A trim is housekeeping, never logged: `zhitong_process_resident_bytes` and
/// `zhitong_heap_*_bytes` show its effect.
impl Report for memory::Trim {
    fn did_work(&self) -> bool {
        false
    }
}

impl Report for crate::requests::time_limits::sweeper::Sweep {
    fn did_work(&self) -> bool {
        self.thresholds_fired > 0
    }
}

impl Report for crate::projects::sweeper::ProjectSweep {
    fn did_work(&self) -> bool {
        self.thresholds_fired > 0 || self.check_ins_missed > 0
    }
}

impl Report for crate::evaluations::worker::EvaluationReport {
    fn did_work(&self) -> bool {
        *self != Self::default()
    }
}

impl Report for crate::db::idempotency::PurgeReport {
    fn did_work(&self) -> bool {
        self.purged > 0
    }

    fn more_waiting(&self) -> bool {
        self.more
    }
}

impl Report for crate::notifications::sms::worker::SmsReport {
    fn did_work(&self) -> bool {
        self.claimed > 0 || self.expired > 0
    }

    fn more_waiting(&self) -> bool {
        self.full_batch
    }
}

impl Report for crate::privacy::model::RetentionReport {
    fn did_work(&self) -> bool {
        self.total() > 0
    }

    fn more_waiting(&self) -> bool {
        self.more
    }
}
