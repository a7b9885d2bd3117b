//! Live updates: after a change to a request commits, its id is broadcast to the subscriptions
//! of this process. Buses are kept per database, so several servers in one process (as in the
//! tests) never see each other's requests. Crossing instances (PostgreSQL `LISTEN/NOTIFY`) is
//! not built yet: a subscriber sees the changes made through its own instance.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use futures_util::Stream;
use tokio::sync::broadcast;

use crate::state::AppState;

/// How many changes a slow subscriber may fall behind before it skips some.
const CAPACITY: usize = 256;

/// A request changed (a step, a note or an urge was committed).
#[derive(Debug, Clone, Copy)]
pub struct RequestChanged {
    pub request_id: i64,
    pub company_id: i64,
}

static BUSES: LazyLock<Mutex<HashMap<String, broadcast::Sender<RequestChanged>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

fn bus_key(state: &AppState) -> String {
    state.db.url().redacted()
}

fn sender(state: &AppState) -> broadcast::Sender<RequestChanged> {
    let mut buses = BUSES.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    buses
        .entry(bus_key(state))
        .or_insert_with(|| broadcast::channel(CAPACITY).0)
        .clone()
}

/// Tells this process's subscribers that the request changed. Call after the commit.
pub fn publish(state: &AppState, request_id: i64, company_id: i64) {
    // An error only means nobody is listening.
    let _ = sender(state).send(RequestChanged { request_id, company_id });
}

/// Every change published from now on (a subscriber that falls far behind skips ahead).
pub fn changes(state: &AppState) -> impl Stream<Item = RequestChanged> + Send + 'static {
    let receiver = sender(state).subscribe();
    futures_util::stream::unfold(receiver, |mut receiver| async move {
        loop {
            match receiver.recv().await {
                Ok(change) => return Some((change, receiver)),
                Err(broadcast::error::RecvError::Lagged(skipped)) => {
                    tracing::warn!(skipped, "a live-update subscriber fell behind");
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    })
}
