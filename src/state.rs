//! What every request handler and worker shares.

use std::sync::Arc;

use crate::auth::cache::CallerCache;
use crate::auth::tokens::JwtKeys;
use crate::blobs::Blobs;
use crate::clock::SharedClock;
use crate::config::Config;
use crate::db::shared::Shelf;
use crate::db::Db;
use crate::metrics::Metrics;

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
    /// The reads live subscriptions share (`db::shared`): a change read back once per person
    /// however many of their subscriptions follow it.
    pub shared_reads: Arc<Shelf>,
}
