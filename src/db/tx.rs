//! The write handle: a connection inside a write transaction that also collects what must
//! happen once the transaction has committed (live updates now; more kinds of effects can join
//! [`Effect`]). [`Db::write`](super::Db::write) runs the effects after the commit and drops them
//! on a rollback, on both backends, so no caller has to remember to announce its change.

use std::ops::{Deref, DerefMut};

use super::live::{LiveEvent, RequestChanged};
use super::DbConnection;

/// Something a write causes outside the database, run only if the write commits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Live subscribers following the request or its company hear of the change.
    RequestChanged(RequestChanged),
    /// Sessions of this user ended: the websockets opened with them close.
    SessionsEnded(crate::ids::UserId),
    /// This user's account changed (role, status, password, name, language, company or
    /// department, second factor): what any instance remembers of it is forgotten.
    AccountChanged(crate::ids::UserId),
    /// New notifications arrived in this user's inbox: their `notificationReceived`
    /// subscriptions read them.
    Notified(crate::ids::UserId),
}

/// A connection inside a write transaction, with the effects announced so far. It dereferences
/// to the connection, so repositories take it as `&mut DbConnection`.
pub struct Tx<'c> {
    conn: &'c mut DbConnection,
    effects: Vec<Effect>,
}

impl<'c> Tx<'c> {
    pub(super) fn new(conn: &'c mut DbConnection) -> Tx<'c> {
        Tx {
            conn,
            effects: Vec::new(),
        }
    }

    /// Runs `effect` once this transaction commits (the same effect announced twice runs once).
    pub fn after_commit(&mut self, effect: Effect) {
        if !self.effects.contains(&effect) {
            self.effects.push(effect);
        }
    }

    pub(super) fn into_effects(self) -> Vec<Effect> {
        self.effects
    }
}

impl Deref for Tx<'_> {
    type Target = DbConnection;

    fn deref(&self) -> &DbConnection {
        self.conn
    }
}

impl DerefMut for Tx<'_> {
    fn deref_mut(&mut self) -> &mut DbConnection {
        self.conn
    }
}

/// The live-bus events among `effects`.
pub(super) fn live_events(effects: &[Effect]) -> Vec<LiveEvent> {
    effects
        .iter()
        .map(|effect| match effect {
            Effect::RequestChanged(change) => LiveEvent::Request(*change),
            Effect::SessionsEnded(user_id) => LiveEvent::SessionsEnded(*user_id),
            Effect::AccountChanged(user_id) => LiveEvent::AccountChanged(*user_id),
            Effect::Notified(user_id) => LiveEvent::Notified(*user_id),
        })
        .collect()
}
