//! The callers behind access tokens, remembered for the tokens' lifetime so that a request
//! does not read the user, the session and the second factor again (three queries and a trip
//! to the blocking pool on every request before).
//!
//! An entry is answered only while nothing changed for its user since it was read: every
//! write that changes an account or ends sessions announces it (`Effect::AccountChanged`,
//! `Effect::SessionsEnded`), which this instance counts at once after its commit and other
//! instances count as PostgreSQL's notification reaches them (`db::live::AccountChanges`). A
//! disabled user, a new role or password, a second factor enrolled, a session ended: the next
//! request reads the database again and is refused or answered as the new state says.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::db::live::AccountChanges;
use crate::ids::UserId;

use super::service::Caller;

/// At most this many callers are remembered; past it, the expired ones are dropped, and if
/// none has expired, all of them (they are read again on their next request).
const MAX_ENTRIES: usize = 50_000;

struct Entry {
    user_id: UserId,
    caller: Caller,
    /// The account-change generation before the caller was read.
    generation: u64,
    /// When the access token expires (seconds since the epoch).
    expires: i64,
}

/// The remembered callers of one application, by session.
#[derive(Default)]
pub struct CallerCache {
    entries: Mutex<HashMap<i64, Entry>>,
}

impl CallerCache {
    /// The caller remembered for `session_id` and `user_id`, unless the user's account or
    /// sessions changed since it was read.
    pub fn get(&self, session_id: i64, user_id: UserId, accounts: &AccountChanges) -> Option<Caller> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let entry = entries.get(&session_id)?;
        (entry.user_id == user_id && !accounts.changed_since(user_id, entry.generation)).then(|| entry.caller.clone())
    }

    /// Remembers `caller`, read after `generation`, until `expires`; `now` (seconds since the
    /// epoch) is for dropping expired entries when the cache is full.
    pub fn put(&self, caller: &Caller, generation: u64, expires: i64, now: i64) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, entry| entry.expires > now);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(
            caller.session_id,
            Entry {
                user_id: caller.actor.user_id,
                caller: caller.clone(),
                generation,
                expires,
            },
        );
    }

    /// How many callers are remembered now.
    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
