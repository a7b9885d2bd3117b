//! Live updates: every committed change to a request reaches the subscriptions that follow it,
//! and every ended session reaches the websockets opened with it (they close at once).
//!
//! A write announces a change with [`Tx::after_commit`](super::Tx::after_commit); the write
//! handle delivers it only if the transaction commits. On PostgreSQL the change goes out with
//! `pg_notify` inside the writing transaction (so the database delivers it at commit, to every
//! instance), and one listener thread per [`LiveBus`] forwards the notifications to its
//! subscribers. On SQLite, a single-instance backend, the bus broadcasts the change in the
//! process once the commit has succeeded. Each [`Db`](super::Db) owns its bus, so several servers
//! in one process (as in the tests) never hear each other's requests.
//!
//! The bus also counts, per user, when their account or sessions last changed
//! ([`AccountChanges`]): at once after this instance's own commits, and as the notifications of
//! other instances arrive while the listener runs. What an instance caches about a user (the
//! caller behind an access token) is valid only while no change was heard since it was read.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use futures_util::Stream;
use prometheus_client::metrics::gauge::Gauge;
use tokio::sync::{broadcast, watch};

use super::{establish, Backend, DbConnection, DbUrl};
use crate::error::AppResult;
use crate::ids::{CompanyId, RequestId, UserId};

/// How many changes a slow subscriber may fall behind before it skips some.
const CAPACITY: usize = 256;
/// How often the listener reads notifications that have arrived on its connection.
const POLL: Duration = Duration::from_millis(50);
/// How long a new subscriber waits for the listener to be listening.
const READY_WAIT: Duration = Duration::from_secs(5);

/// A request changed (a step, a note or an urge was committed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestChanged {
    pub request_id: RequestId,
    pub company_id: CompanyId,
}

impl RequestChanged {
    fn payload(&self) -> String {
        format!("{}:{}", self.request_id, self.company_id)
    }

    fn parse(payload: &str) -> Option<RequestChanged> {
        let (request, company) = payload.split_once(':')?;
        Some(RequestChanged {
            request_id: RequestId(request.parse().ok()?),
            company_id: company.parse().ok()?,
        })
    }
}

/// What travels on the bus: a changed request, or "sessions of this user ended" (each open
/// websocket of the user then checks whether its own session is still open).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveEvent {
    Request(RequestChanged),
    SessionsEnded(UserId),
    AccountChanged(UserId),
    /// New notifications in this user's inbox.
    Notified(UserId),
}

impl LiveEvent {
    /// The notification's text; account events carry the bus that wrote them (`origin`), which
    /// counted them already when its transaction committed.
    fn payload(&self, origin: u64) -> String {
        match self {
            LiveEvent::Request(change) => change.payload(),
            LiveEvent::SessionsEnded(user_id) => format!("s:{user_id}:{origin}"),
            LiveEvent::AccountChanged(user_id) => format!("u:{user_id}:{origin}"),
            LiveEvent::Notified(user_id) => format!("n:{user_id}"),
        }
    }

    /// The event a notification carries, and the bus that wrote it if it says.
    fn parse(payload: &str) -> Option<(LiveEvent, Option<u64>)> {
        let account = |rest: &str| -> Option<(UserId, Option<u64>)> {
            let (user, origin) = match rest.split_once(':') {
                Some((user, origin)) => (user, Some(origin.parse().ok()?)),
                None => (rest, None),
            };
            Some((UserId(user.parse().ok()?), origin))
        };
        if let Some(rest) = payload.strip_prefix("s:") {
            let (user, origin) = account(rest)?;
            return Some((LiveEvent::SessionsEnded(user), origin));
        }
        if let Some(rest) = payload.strip_prefix("u:") {
            let (user, origin) = account(rest)?;
            return Some((LiveEvent::AccountChanged(user), origin));
        }
        if let Some(user) = payload.strip_prefix("n:") {
            return Some((LiveEvent::Notified(UserId(user.parse().ok()?)), None));
        }
        RequestChanged::parse(payload).map(|change| (LiveEvent::Request(change), None))
    }

    /// The user whose account or sessions the event changes, if any.
    fn account(&self) -> Option<UserId> {
        match self {
            LiveEvent::SessionsEnded(user_id) | LiveEvent::AccountChanged(user_id) => Some(*user_id),
            LiveEvent::Request(_) | LiveEvent::Notified(_) => None,
        }
    }
}

/// When each user's account or sessions last changed, as generation numbers of this process:
/// read [`AccountChanges::generation`] before reading a user, and the read is still good while
/// [`AccountChanges::changed_since`] that generation is false.
#[derive(Debug, Default)]
pub struct AccountChanges {
    counter: AtomicU64,
    last: Mutex<HashMap<UserId, u64>>,
}

impl AccountChanges {
    /// The generation now.
    pub fn generation(&self) -> u64 {
        self.counter.load(Ordering::SeqCst)
    }

    /// True when `user`'s account or sessions changed after `generation`.
    pub fn changed_since(&self, user: UserId, generation: u64) -> bool {
        let last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        last.get(&user).is_some_and(|changed| *changed > generation)
    }

    fn changed(&self, user: UserId) {
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        let generation = self.counter.fetch_add(1, Ordering::SeqCst) + 1;
        last.insert(user, generation);
    }
}

/// The broadcast of one database's changes, alive while someone subscribes.
#[derive(Clone)]
struct Channel {
    sender: broadcast::Sender<(u64, LiveEvent)>,
    /// True once the PostgreSQL listener is listening (always true on SQLite).
    ready: watch::Receiver<bool>,
    /// How many times the PostgreSQL listener has read its connection (a pass forwards every
    /// notification the database had sent it when the pass began).
    passes: watch::Receiver<u64>,
    /// Wakes the listener for a pass now rather than after its pause.
    wake: Arc<Wake>,
}

/// A flag and a condition variable: "read the notifications now".
#[derive(Default)]
struct Wake {
    asked: Mutex<bool>,
    signal: std::sync::Condvar,
}

impl Wake {
    fn ask(&self) {
        *self.asked.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.signal.notify_all();
    }

    /// Waits until asked or `pause` has passed.
    fn wait(&self, pause: Duration) {
        let asked = self.asked.lock().unwrap_or_else(|p| p.into_inner());
        let (mut asked, _) = self
            .signal
            .wait_timeout_while(asked, pause, |asked| !*asked)
            .unwrap_or_else(|p| p.into_inner());
        *asked = false;
    }
}

/// The live-update bus of one database handle.
#[derive(Clone)]
pub struct LiveBus {
    url: DbUrl,
    channel: Arc<Mutex<Option<Channel>>>,
    accounts: Arc<AccountChanges>,
    /// This bus's mark on the account changes it announces (its own are counted at commit).
    origin: u64,
    /// How many events this bus has forwarded to its subscribers.
    forwarded: Arc<AtomicU64>,
    /// Subscribers following the bus now (for `/metrics`).
    subscribers: Gauge,
}

/// What a subscriber of the bus hears: an event, or that it fell behind and skipped some.
enum Heard {
    Event(u64, LiveEvent),
    FellBehind,
}

/// Counts a subscriber while its stream lives.
struct Subscribed(Gauge);

impl Drop for Subscribed {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// The PostgreSQL channel of the connection's schema (one database may hold several schemas).
const CHANNEL_SQL: &str = "'zhitong_requests_' || current_schema()";

impl LiveBus {
    pub(super) fn new(url: DbUrl, subscribers: Gauge) -> LiveBus {
        LiveBus {
            url,
            channel: Arc::new(Mutex::new(None)),
            accounts: Arc::new(AccountChanges::default()),
            origin: rand::random(),
            forwarded: Arc::new(AtomicU64::new(0)),
            subscribers,
        }
    }

    fn channel(&self) -> std::sync::MutexGuard<'_, Option<Channel>> {
        self.channel.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Announces committed-to-be changes inside the writing transaction (PostgreSQL delivers
    /// them at commit; SQLite needs nothing here).
    pub(super) fn announce_in_transaction(&self, conn: &mut DbConnection, changes: &[LiveEvent]) -> AppResult<()> {
        if let DbConnection::Postgres(pg) = conn {
            if changes.is_empty() {
                return Ok(());
            }
            // One statement for all of them (a step may notify several users).
            let payloads: Vec<String> = changes.iter().map(|change| change.payload(self.origin)).collect();
            diesel::sql_query(format!(
                "SELECT pg_notify({CHANNEL_SQL}, payload) FROM unnest($1::text[]) AS payload"
            ))
            .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(payloads)
            .execute(pg)?;
        }
        Ok(())
    }

    /// Tells this process's subscribers about committed changes (SQLite; on PostgreSQL the
    /// notifications sent in the transaction do it). Account changes are counted at once on
    /// both backends, so this instance never answers from what it read before its own change.
    pub(super) fn publish_committed(&self, changes: Vec<LiveEvent>) {
        for user in changes.iter().filter_map(LiveEvent::account) {
            self.accounts.changed(user);
        }
        if self.url.backend() != Backend::Sqlite || changes.is_empty() {
            return;
        }
        if let Some(channel) = self.channel().as_ref() {
            for change in changes {
                // An error only means nobody is listening.
                let _ = channel.sender.send((self.stamp(), change));
            }
        }
    }

    /// The number of the next event this bus forwards.
    fn stamp(&self) -> u64 {
        self.forwarded.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Every change to a request committed from now on, with the number the bus forwarded it
    /// under (subscribers reacting to the same forwarding may share one read: `db::shared`); a
    /// subscriber that falls far behind skips ahead.
    pub async fn changes(&self) -> impl Stream<Item = (u64, RequestChanged)> + Send + 'static {
        use futures_util::StreamExt;
        self.events(true).await.filter_map(|(seq, event)| async move {
            match event {
                LiveEvent::Request(change) => Some((seq, change)),
                LiveEvent::SessionsEnded(_) | LiveEvent::AccountChanged(_) | LiveEvent::Notified(_) => None,
            }
        })
    }

    /// When users' accounts and sessions last changed, as this instance heard it.
    pub fn accounts(&self) -> &AccountChanges {
        &self.accounts
    }

    /// Keeps this instance hearing other instances' account changes (PostgreSQL's listener
    /// runs while someone follows the bus): a server runs this for its lifetime. Returns when
    /// the bus closes.
    pub async fn follow_accounts(&self) {
        use futures_util::StreamExt;
        let mut events = std::pin::pin!(self.events(false).await);
        while events.next().await.is_some() {}
    }

    /// Every user whose sessions (some or all) end from now on.
    pub async fn sessions_ended(&self) -> impl Stream<Item = UserId> + Send + 'static {
        use futures_util::StreamExt;
        self.events(false).await.filter_map(|(_, event)| async move {
            match event {
                LiveEvent::SessionsEnded(user_id) => Some(user_id),
                LiveEvent::Request(_) | LiveEvent::AccountChanged(_) | LiveEvent::Notified(_) => None,
            }
        })
    }

    /// A wake-up each time new notifications arrive in `user`'s inbox from now on, with the
    /// number the bus forwarded the news under; `None` after the subscriber fell behind the
    /// bus, when some may have been missed.
    pub async fn notified(&self, user: UserId) -> impl Stream<Item = Option<u64>> + Send + 'static {
        use futures_util::StreamExt;
        self.heard(true).await.filter_map(move |heard| async move {
            match heard {
                Heard::Event(seq, LiveEvent::Notified(to)) if to == user => Some(Some(seq)),
                Heard::Event(..) => None,
                Heard::FellBehind => Some(None),
            }
        })
    }

    /// The bus's events from now on; `counted` streams are GraphQL subscriptions (the
    /// `zhitong_live_subscriptions` gauge), the websockets' own session watchers are not.
    async fn events(&self, counted: bool) -> impl Stream<Item = (u64, LiveEvent)> + Send + 'static {
        use futures_util::StreamExt;
        self.heard(counted).await.filter_map(|heard| async move {
            match heard {
                Heard::Event(seq, event) => Some((seq, event)),
                Heard::FellBehind => None,
            }
        })
    }

    /// The bus's events from now on, and where the subscriber fell behind and skipped some.
    async fn heard(&self, counted: bool) -> impl Stream<Item = Heard> + Send + 'static {
        let (mut receiver, mut ready, mut passes, wake) = {
            let mut channel = self.channel();
            let channel = channel.get_or_insert_with(|| self.start()).clone();
            (channel.sender.subscribe(), channel.ready, channel.passes, channel.wake)
        };
        if tokio::time::timeout(READY_WAIT, ready.wait_for(|listening| *listening))
            .await
            .is_err()
        {
            tracing::warn!("the live-update listener is not listening yet; changes may be missed");
        }
        if self.url.backend() == Backend::Postgres {
            // PostgreSQL delivers a notification to the listener as its transaction commits, but
            // the listener forwards it at its next pass: a change committed before this
            // subscription could reach it a moment later, after the subscriber's first answer.
            // Two passes from now (the first may have begun before this call) forward every
            // change committed before it; what they forwarded is dropped here, so a subscriber
            // hears only of changes after it subscribed.
            let seen = *passes.borrow();
            wake.ask();
            if tokio::time::timeout(READY_WAIT, passes.wait_for(|n| *n >= seen + 2))
                .await
                .is_err()
            {
                tracing::warn!("the live-update listener did not read its notifications in time");
            }
            while let Ok(_) | Err(broadcast::error::TryRecvError::Lagged(_)) = receiver.try_recv() {}
        }
        let subscribed = counted.then(|| {
            self.subscribers.inc();
            Subscribed(self.subscribers.clone())
        });
        futures_util::stream::unfold((receiver, subscribed), |(mut receiver, subscribed)| async move {
            let heard = match receiver.recv().await {
                Ok((seq, change)) => Heard::Event(seq, change),
                Err(broadcast::error::RecvError::Lagged(skipped)) => {
                    tracing::warn!(skipped, "a live-update subscriber fell behind");
                    Heard::FellBehind
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            };
            Some((heard, (receiver, subscribed)))
        })
    }

    fn start(&self) -> Channel {
        let sender = broadcast::channel(CAPACITY).0;
        let (set_ready, ready) = watch::channel(self.url.backend() == Backend::Sqlite);
        let (count_passes, passes) = watch::channel(0);
        let wake = Arc::new(Wake::default());
        if self.url.backend() == Backend::Postgres {
            let (bus, sender, waker) = (self.clone(), sender.clone(), wake.clone());
            let spawned = std::thread::Builder::new()
                .name("zhitong-live".into())
                .spawn(move || bus.listen(sender, set_ready, count_passes, &waker));
            if let Err(error) = spawned {
                tracing::error!(%error, "cannot start the live-update listener");
            }
        }
        Channel {
            sender,
            ready,
            passes,
            wake,
        }
    }

    /// True (and the channel dropped) when nobody subscribes any more, so the listener can stop.
    fn abandoned(&self, sender: &broadcast::Sender<(u64, LiveEvent)>) -> bool {
        let mut channel = self.channel();
        if sender.receiver_count() == 0 {
            *channel = None;
            true
        } else {
            false
        }
    }

    /// Listens for the database's notifications and forwards them, reconnecting after
    /// failures, until the last subscriber is gone.
    fn listen(
        &self,
        sender: broadcast::Sender<(u64, LiveEvent)>,
        ready: watch::Sender<bool>,
        passes: watch::Sender<u64>,
        wake: &Wake,
    ) {
        loop {
            match listening_connection(&self.url) {
                Ok(mut conn) => {
                    let _ = ready.send(true);
                    loop {
                        let mut failed = false;
                        for notification in conn.notifications_iter() {
                            match notification {
                                Ok(notification) => {
                                    if let Some((change, origin)) = LiveEvent::parse(&notification.payload) {
                                        // This bus's own changes were counted at their commit;
                                        // counting them again would forget what was read since.
                                        if let Some(user) = change.account().filter(|_| origin != Some(self.origin)) {
                                            self.accounts.changed(user);
                                        }
                                        let _ = sender.send((self.stamp(), change));
                                    }
                                }
                                Err(error) => {
                                    tracing::warn!(%error, "the live-update listener lost its connection");
                                    failed = true;
                                    break;
                                }
                            }
                        }
                        if self.abandoned(&sender) {
                            return;
                        }
                        if failed {
                            let _ = ready.send(false);
                            break;
                        }
                        passes.send_modify(|n| *n += 1);
                        wake.wait(POLL);
                    }
                }
                Err(error) => {
                    tracing::warn!(error, "the live-update listener cannot listen; retrying");
                    if self.abandoned(&sender) {
                        return;
                    }
                    std::thread::sleep(Duration::from_secs(1));
                }
            }
        }
    }
}

fn listening_connection(url: &DbUrl) -> Result<PgConnection, String> {
    let DbConnection::Postgres(mut conn) = establish(url).map_err(|e| e.to_string())? else {
        return Err("live updates listen on PostgreSQL only".into());
    };
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    let channel: Name = diesel::sql_query(format!("SELECT {CHANNEL_SQL} AS name"))
        .get_result(&mut conn)
        .map_err(|e| e.to_string())?;
    conn.batch_execute(&format!("LISTEN \"{}\"", channel.name.replace('"', "\"\"")))
        .map_err(|e| e.to_string())?;
    Ok(conn)
}
