//! Building the application state and preparing the database before the server starts.

use std::sync::Arc;
use std::time::Duration;

use crate::auth::tokens::{self, JwtKeys};
use crate::blobs::Blobs;
use crate::clock::SharedClock;
use crate::config::Config;
use crate::db::{run_blocking, Db, PoolOptions};
use crate::error::AppError;
use crate::state::AppState;
use crate::users::service as users_service;

/// Opens the database pool (with its live-update bus) and the signing keys.
pub fn build_state(config: Config, clock: SharedClock) -> Result<AppState, String> {
    let db = Db::open(
        config.database.clone(),
        &PoolOptions {
            max_size: config.db_pool_size,
            connect_timeout: Duration::from_secs(5),
        },
    )
    .map_err(|e| format!("{e:?}"))?;
    let (secret, generated_at) = tokens::load_or_generate_secret(&config)?;
    if let Some(path) = generated_at {
        tracing::warn!(
            path = %path.display(),
            "no ZHITONG_JWT_SECRET configured: generated one and kept it in this file; set ZHITONG_JWT_SECRET in production"
        );
    }
    log_sms_provider(&config);
    let metrics = Arc::new(crate::metrics::Metrics::new(db.metrics()));
    let blobs = Blobs::open(&config.attachments_store())?;
    tracing::info!(store = blobs.description(), "attachment files");
    Ok(AppState {
        config: Arc::new(config),
        metrics,
        db,
        clock,
        jwt: JwtKeys::new(&secret),
        blobs,
        callers: Default::default(),
        shared_reads: Default::default(),
    })
}

/// What start-up did that the operator must know.
#[derive(Debug, Default)]
pub struct Startup {
    pub applied_migrations: Vec<String>,
    /// The generated password of the administrator created on this first run.
    pub first_admin_password: Option<String>,
}

/// Runs the migrations and creates the first administrator when there is none.
pub async fn prepare(state: &AppState) -> Result<Startup, AppError> {
    let db = state.db.clone();
    let applied_migrations = run_blocking(move || db.migrate_blocking()).await?;
    let phone = state.config.admin_phone.clone();
    let now = state.clock.now_naive();
    let first_admin_password = state
        .db
        .write(move |conn| users_service::ensure_first_admin(conn, &phone, now))
        .await?;
    if crate::stats::service::prepare_totals(state).await? {
        tracing::info!(zone = %state.config.time_zone, "statistics totals rebuilt for the zone's days");
    }
    Ok(Startup {
        applied_migrations,
        first_admin_password,
    })
}

/// Says which SMS provider is on, and for which kinds it has templates.
fn log_sms_provider(config: &Config) {
    match crate::notifications::sms::sender::sender_for(&config.sms) {
        Ok(sender) => tracing::info!(
            provider = sender.provider(),
            templates = %config.sms.templates.keys().cloned().collect::<Vec<_>>().join(","),
            daily_cap = config.sms.daily_cap,
            "SMS provider on"
        ),
        Err(why) => tracing::info!(
            reason = %why,
            "SMS provider off: SMS of critical notices are kept as HELD_UNCONFIGURED"
        ),
    }
}
