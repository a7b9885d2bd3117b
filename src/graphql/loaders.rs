//! The loader registry: every GraphQL request (and websocket session) gets one DataLoader per
//! registered loader. Domains register their loaders with a function of their `graphql` module
//! (`register_loaders`); the app lists those functions once, so the HTTP layer names none.
//!
//! Loaders batch and never cache, so a long-lived websocket never reads stale rows.

use async_graphql::dataloader::DataLoader;
use async_graphql::Data;

use crate::db::Db;

/// What a domain's `register_loaders` adds its loaders to.
pub struct Loaders<'a> {
    db: &'a Db,
    data: &'a mut Data,
}

impl Loaders<'_> {
    /// Adds the loader `make` builds over the database (a loader's tuple constructor will do).
    pub fn add<L>(&mut self, make: impl FnOnce(Db) -> L)
    where
        L: Send + Sync + 'static,
    {
        self.data.insert(DataLoader::new(make(self.db.clone()), tokio::spawn));
    }
}

/// A domain's loader registration.
pub type Registration = fn(&mut Loaders<'_>);

/// Adds the loaders of every registration to a request's (or a session's) data.
pub fn install(registrations: &[Registration], db: &Db, data: &mut Data) {
    let mut loaders = Loaders { db, data };
    for register in registrations {
        register(&mut loaders);
    }
}
