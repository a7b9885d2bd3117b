//! Login throttling: failed attempts are counted per phone number and per client address, in
//! the database so every instance sees the same counts. Too many failures lock that phone (or
//! address) for a while, twice as long after each lockout; an admin can lift a lock.
//!
//! Every attempt is counted *before* the password is checked and uncounted only when it
//! succeeds, so parallel attempts cannot slip past the limit while earlier ones are verified.

use chrono::{Duration, NaiveDateTime};
use sha2::{Digest, Sha256};

use super::model::{NewThrottle, Throttle};
use super::repo;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Phone,
    Address,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Phone => "PHONE",
            Scope::Address => "ADDRESS",
        }
    }

    /// Failed attempts allowed within one window before the key is locked.
    pub fn max_failures(self) -> i32 {
        match self {
            Scope::Phone => 5,
            Scope::Address => 20,
        }
    }

    /// The first lockout; each further one doubles, up to `MAX_LOCK`.
    fn first_lock(self) -> Duration {
        match self {
            Scope::Phone => Duration::minutes(1),
            Scope::Address => Duration::minutes(5),
        }
    }
}

/// Failures older than this are forgotten.
pub const WINDOW: Duration = Duration::minutes(15);
/// The longest lockout.
pub const MAX_LOCK: Duration = Duration::hours(24);

/// One throttled key: a phone number or a client address.
#[derive(Debug, Clone)]
pub struct Key {
    pub scope: Scope,
    hash: String,
    /// What admins see: the masked phone number or the address.
    pub label: String,
}

impl Key {
    pub fn phone(phone: &str) -> Key {
        Key {
            scope: Scope::Phone,
            hash: hash_key("phone", phone),
            label: super::phone::mask(phone),
        }
    }

    pub fn address(address: &str) -> Key {
        Key {
            scope: Scope::Address,
            hash: hash_key("address", address),
            label: address.to_string(),
        }
    }
}

fn hash_key(kind: &str, value: &str) -> String {
    let digest = Sha256::digest(format!("zhitong-login-throttle:{kind}:{value}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn find(conn: &mut DbConnection, key: &Key) -> AppResult<Option<Throttle>> {
    repo::find_throttle(conn, key.scope.as_str(), &key.hash)
}

/// The key's row, created on first use. A concurrent first use on PostgreSQL makes one insert
/// fail on the unique key; the savepoint keeps the transaction usable and the row is read back.
fn find_or_create(conn: &mut DbConnection, key: &Key, now: NaiveDateTime) -> AppResult<Throttle> {
    if let Some(found) = repo::find_throttle(conn, key.scope.as_str(), &key.hash)? {
        return Ok(found);
    }
    repo::insert_throttle_if_absent(
        conn,
        &NewThrottle {
            scope: key.scope.as_str(),
            key_hash: &key.hash,
            label: &key.label,
            failures: 0,
            window_started_at: now,
            lockouts: 0,
            updated_at: now,
        },
    )?;
    find(conn, key)?.ok_or_else(|| AppError::internal("login throttle row vanished"))
}

fn lock_length(scope: Scope, lockouts_so_far: i32) -> Duration {
    let doublings = lockouts_so_far.clamp(0, 16) as u32;
    let length = scope.first_lock() * 2i32.pow(doublings);
    length.min(MAX_LOCK)
}

/// The seconds until `key`'s lock ends, if it is locked.
pub fn locked_for(conn: &mut DbConnection, key: &Key, now: NaiveDateTime) -> AppResult<Option<i64>> {
    Ok(find(conn, key)?
        .and_then(|row| row.locked_until)
        .filter(|until| *until > now)
        .map(|until| (until - now).num_seconds().max(1)))
}

/// Counts an attempt for `key`, or refuses it with the seconds until the lock ends.
pub fn register_attempt(conn: &mut DbConnection, key: &Key, now: NaiveDateTime) -> AppResult<Result<(), i64>> {
    let row = find_or_create(conn, key, now)?;
    if let Some(until) = row.locked_until.filter(|until| *until > now) {
        return Ok(Err((until - now).num_seconds().max(1)));
    }
    if row.window_started_at + WINDOW <= now {
        repo::restart_throttle_window(conn, row.id, row.window_started_at, now)?;
    }
    let max = key.scope.max_failures();
    // Conditional updates keep the count right when attempts race on PostgreSQL.
    // Not while locked either: locking resets the count, and an attempt that passed the lock
    // check just before a concurrent one locked the key must not count from zero again.
    if repo::count_throttled_failure(conn, row.id, max, now)? {
        return Ok(Ok(()));
    }
    let row = find(conn, key)?.ok_or_else(|| AppError::internal("login throttle row vanished"))?;
    let until = now + lock_length(key.scope, row.lockouts);
    let locked_now = repo::lock_throttle(conn, row.id, max, until, now)?;
    let locked_until = find(conn, key)?.and_then(|r| r.locked_until).unwrap_or(until);
    if locked_now {
        tracing::warn!(
            scope = key.scope.as_str(),
            key = %key.label,
            lockouts = row.lockouts + 1,
            locked_until = %locked_until,
            "login locked after repeated failures"
        );
    }
    Ok(Err((locked_until - now).num_seconds().max(1)))
}

/// A successful login: the phone's record is cleared; the address gets back the attempt it
/// was charged (its other failures stand).
pub fn record_success(conn: &mut DbConnection, key: &Key, now: NaiveDateTime) -> AppResult<()> {
    match key.scope {
        Scope::Phone => repo::clear_throttle(conn, key.scope.as_str(), &key.hash, now),
        Scope::Address => repo::refund_throttled_failure(conn, key.scope.as_str(), &key.hash, now),
    }
}

/// Gives back the attempt `key` was charged: the password was right and the login only waits
/// for its second factor, which is charged again when it comes.
pub fn refund_attempt(conn: &mut DbConnection, key: &Key, now: NaiveDateTime) -> AppResult<()> {
    repo::refund_throttled_failure(conn, key.scope.as_str(), &key.hash, now)
}

/// Lifts the lock and forgets the failures and past lockouts of `key`. True if it had any.
pub fn lift(conn: &mut DbConnection, key: &Key) -> AppResult<bool> {
    repo::delete_throttle(conn, key.scope.as_str(), &key.hash)
}

/// Keys locked at `now`, the longest lock first.
pub fn list_locked(conn: &mut DbConnection, now: NaiveDateTime, limit: i64) -> AppResult<Vec<Throttle>> {
    repo::locked_throttles(conn, now, limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_double_and_are_capped() {
        assert_eq!(lock_length(Scope::Phone, 0), Duration::minutes(1));
        assert_eq!(lock_length(Scope::Phone, 1), Duration::minutes(2));
        assert_eq!(lock_length(Scope::Phone, 3), Duration::minutes(8));
        assert_eq!(lock_length(Scope::Address, 0), Duration::minutes(5));
        assert_eq!(lock_length(Scope::Phone, 40), MAX_LOCK);
    }

    #[test]
    fn keys_keep_no_phone_number() {
        let key = Key::phone("13812345678");
        assert_eq!(key.label, "138****5678");
        assert!(!key.hash.contains("13812345678"));
        assert_ne!(key.hash, Key::address("13812345678").hash);
    }
}
