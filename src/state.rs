//! What every request handler and worker shares.

use std::sync::Arc;

use crate::auth::cache::CallerCache;
use crate::auth::tokens::JwtKeys;
use crate::blobs::Blobs;
use crate::clock::SharedClock;
use crate::config::Config;
use crate::db::shared::SharedReads;
use crate::db::Db;
use crate::ids::{RequestId, UserId};
use crate::metrics::Metrics;
use crate::notifications::model::Notification;
use crate::requests::model::Request;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub clock: SharedClock,
    pub jwt: JwtKeys,
    /// This application's figures for `/metrics` (its own registry, not a process global).
    pub metrics: Arc<Metrics>,
    /// The store of attachment files (a directory, or an S3-compatible bucket).
    pub blobs: Blobs,
    /// The callers behind access tokens, remembered while their accounts do not change.
    pub callers: Arc<CallerCache>,
    /// A live request change read back once per person (user, request, the bus's number of
    /// the change), however many of their subscriptions follow it.
    pub live_requests: Arc<SharedReads<(UserId, RequestId, u64), Option<Request>>>,
    /// A live inbox read once per person and news (user, position, the bus's number).
    pub live_inboxes: Arc<SharedReads<(UserId, i64, u64), Vec<Notification>>>,
}
