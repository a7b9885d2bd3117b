//! Live updates: every committed change to a request reaches the subscriptions that follow it.
//!
//! On PostgreSQL the change is announced with `pg_notify` inside the writing transaction (so it
//! is delivered only if the change commits, to every instance on the database), and one
//! listener thread per process and database forwards the notifications to the process's
//! subscribers. On SQLite, a single-instance backend, the change is broadcast in the process
//! after the commit. Buses are kept per database URL, so several servers in one process (as in
//! the tests) never hear each other's requests.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use futures_util::Stream;
use tokio::sync::{broadcast, watch};

use crate::db::{establish, Backend, DbConnection, DbUrl};
use crate::error::AppResult;
use crate::state::AppState;

/// How many changes a slow subscriber may fall behind before it skips some.
const CAPACITY: usize = 256;
/// How often the listener reads notifications that have arrived on its connection.
const POLL: Duration = Duration::from_millis(50);
/// How long a new subscriber waits for the listener to be listening.
const READY_WAIT: Duration = Duration::from_secs(5);

/// A request changed (a step, a note or an urge was committed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestChanged {
    pub request_id: i64,
    pub company_id: i64,
}

impl RequestChanged {
    fn payload(&self) -> String {
        format!("{}:{}", self.request_id, self.company_id)
    }

    fn parse(payload: &str) -> Option<RequestChanged> {
        let (request, company) = payload.split_once(':')?;
        Some(RequestChanged {
            request_id: request.parse().ok()?,
            company_id: company.parse().ok()?,
        })
    }
}

#[derive(Clone)]
struct Bus {
    sender: broadcast::Sender<RequestChanged>,
    /// True once the PostgreSQL listener is listening (always true on SQLite).
    ready: watch::Receiver<bool>,
}

static BUSES: LazyLock<Mutex<HashMap<String, Bus>>> = LazyLock::new(|| Mutex::new(HashMap::new()));

fn buses() -> std::sync::MutexGuard<'static, HashMap<String, Bus>> {
    BUSES.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn bus_key(url: &DbUrl) -> String {
    url.redacted()
}

/// The PostgreSQL channel of the connection's schema (one database may hold several schemas).
const CHANNEL_SQL: &str = "'zhitong_requests_' || current_schema()";

/// Announces a change inside the writing transaction; on PostgreSQL it is delivered at commit.
pub fn notify_in_transaction(conn: &mut DbConnection, change: RequestChanged) -> AppResult<()> {
    if let DbConnection::Postgres(_) = conn {
        diesel::sql_query(format!("SELECT pg_notify({CHANNEL_SQL}, $1)"))
            .bind::<diesel::sql_types::Text, _>(change.payload())
            .execute(conn)?;
    }
    Ok(())
}

/// Tells this process's subscribers about a committed change (SQLite; on PostgreSQL the
/// notification sent in the transaction does it).
pub fn publish(state: &AppState, request_id: i64, company_id: i64) {
    if state.db.backend() != Backend::Sqlite {
        return;
    }
    if let Some(bus) = buses().get(&bus_key(state.db.url())) {
        // An error only means nobody is listening.
        let _ = bus.sender.send(RequestChanged { request_id, company_id });
    }
}

/// Every change committed from now on (a subscriber that falls far behind skips ahead).
pub async fn changes(state: &AppState) -> impl Stream<Item = RequestChanged> + Send + 'static {
    let (receiver, mut ready) = {
        let mut buses = buses();
        let bus = buses
            .entry(bus_key(state.db.url()))
            .or_insert_with(|| start_bus(state.db.url().clone()))
            .clone();
        (bus.sender.subscribe(), bus.ready)
    };
    if tokio::time::timeout(READY_WAIT, ready.wait_for(|listening| *listening))
        .await
        .is_err()
    {
        tracing::warn!("the live-update listener is not listening yet; changes may be missed");
    }
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

fn start_bus(url: DbUrl) -> Bus {
    let sender = broadcast::channel(CAPACITY).0;
    let (set_ready, ready) = watch::channel(url.backend() == Backend::Sqlite);
    if url.backend() == Backend::Postgres {
        let sender = sender.clone();
        let spawned = std::thread::Builder::new()
            .name("zhitong-live".into())
            .spawn(move || listen(url, sender, set_ready));
        if let Err(error) = spawned {
            tracing::error!(%error, "cannot start the live-update listener");
        }
    }
    Bus { sender, ready }
}

/// True (and the bus forgotten) when nobody subscribes any more, so the listener can stop.
fn abandoned(key: &str, sender: &broadcast::Sender<RequestChanged>) -> bool {
    let mut buses = buses();
    if sender.receiver_count() == 0 {
        buses.remove(key);
        true
    } else {
        false
    }
}

/// Listens for the database's notifications and forwards them, reconnecting after failures,
/// until the last subscriber of this process is gone.
fn listen(url: DbUrl, sender: broadcast::Sender<RequestChanged>, ready: watch::Sender<bool>) {
    let key = bus_key(&url);
    loop {
        match listening_connection(&url) {
            Ok(mut conn) => {
                let _ = ready.send(true);
                loop {
                    let mut failed = false;
                    for notification in conn.notifications_iter() {
                        match notification {
                            Ok(notification) => {
                                if let Some(change) = RequestChanged::parse(&notification.payload) {
                                    let _ = sender.send(change);
                                }
                            }
                            Err(error) => {
                                tracing::warn!(%error, "the live-update listener lost its connection");
                                failed = true;
                                break;
                            }
                        }
                    }
                    if abandoned(&key, &sender) {
                        return;
                    }
                    if failed {
                        let _ = ready.send(false);
                        break;
                    }
                    std::thread::sleep(POLL);
                }
            }
            Err(error) => {
                tracing::warn!(error, "the live-update listener cannot listen; retrying");
                if abandoned(&key, &sender) {
                    return;
                }
                std::thread::sleep(Duration::from_secs(1));
            }
        }
    }
}

fn listening_connection(url: &DbUrl) -> Result<PgConnection, String> {
    let DbConnection::Postgres(mut conn) = establish(url).map_err(|e| e.to_string())? else {
        return Err("live updates listen on PostgreSQL only".into());
    };
    #[derive(QueryableByName)]
    struct Channel {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    let channel: Channel = diesel::sql_query(format!("SELECT {CHANNEL_SQL} AS name"))
        .get_result(&mut conn)
        .map_err(|e| e.to_string())?;
    conn.batch_execute(&format!("LISTEN \"{}\"", channel.name.replace('"', "\"\"")))
        .map_err(|e| e.to_string())?;
    Ok(conn)
}
