//! `GET /metrics` for Prometheus, on its own listener (`ZHITONG_METRICS_BIND`), so the figures
//! are reachable from the monitoring network without being on the public API's address.
//! The gauges that describe the database (outbox depths, the pool, active login locks) are
//! read at scrape time, so every instance reports the same outbox; so are the process's memory
//! figures.

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{web, App, HttpResponse, HttpServer};

use crate::metrics::{OutboxLabels, ScopeLabels, StateLabels, CONTENT_TYPE};
use crate::state::AppState;

/// How long a scrape waits for the database's figures before answering without them.
const DATABASE_WAIT: Duration = Duration::from_secs(3);

/// Serves `GET /metrics` of `state` on `listener` (one worker: scrapes are rare).
pub fn start(listener: TcpListener, state: AppState) -> std::io::Result<Server> {
    let data = web::Data::new(state);
    Ok(HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/metrics", web::get().to(scrape))
    })
    .workers(1)
    .shutdown_timeout(5)
    .listen(listener)?
    .run())
}

async fn scrape(state: web::Data<AppState>) -> HttpResponse {
    refresh(&state).await;
    state.metrics.scrapes.inc();
    HttpResponse::Ok()
        .content_type(CONTENT_TYPE)
        .body(state.metrics.render())
}

/// Reads the gauges that describe the database. A database that does not answer leaves the
/// last figures in place (and `zhitong_db_pool_*` shows why).
async fn refresh(state: &AppState) {
    let metrics = &state.metrics;
    let (in_use, idle, max) = state.db.pool_state();
    for (name, value) in [("in_use", in_use), ("idle", idle)] {
        metrics
            .pool_connections
            .get_or_create(&StateLabels { state: name.into() })
            .set(i64::from(value));
    }
    metrics.pool_max.set(i64::from(max));
    let memory = crate::workers::memory::figures();
    let gauge = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    for (figure, value) in [
        (&metrics.process_resident, memory.resident),
        (&metrics.heap_in_use, memory.heap_in_use),
        (&metrics.heap_free, memory.heap_free),
        (&metrics.sqlite_memory, Some(memory.sqlite)),
    ] {
        if let Some(value) = value {
            figure.set(gauge(value));
        }
    }
    let depths = tokio::time::timeout(DATABASE_WAIT, crate::notifications::service::outbox_depths(state)).await;
    match depths {
        Ok(Ok((push, sms))) => {
            for (family, rows) in [(&metrics.push_outbox, push), (&metrics.sms_outbox, sms)] {
                family.clear();
                for (status, provider, count) in rows {
                    family.get_or_create(&OutboxLabels { status, provider }).set(count);
                }
            }
        }
        Ok(Err(error)) => tracing::warn!(code = error.code(), detail = ?error, "metrics: outbox depths not read"),
        Err(_) => tracing::warn!("metrics: the database did not answer for the outbox depths"),
    }
    match tokio::time::timeout(DATABASE_WAIT, crate::auth::service::active_lock_counts(state)).await {
        Ok(Ok(rows)) => {
            for scope in ["PHONE", "ADDRESS"] {
                let count = rows.iter().find(|(s, _)| s == scope).map_or(0, |(_, n)| *n);
                metrics
                    .login_locks
                    .get_or_create(&ScopeLabels { scope: scope.into() })
                    .set(count);
            }
        }
        Ok(Err(error)) => tracing::warn!(code = error.code(), detail = ?error, "metrics: login locks not read"),
        Err(_) => tracing::warn!("metrics: the database did not answer for the login locks"),
    }
}
