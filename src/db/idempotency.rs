//! Idempotency keys for every mutation a phone may send again after losing the answer (a flaky
//! 4G link, a day offline). A key belongs to one user; the first mutation that uses it stores a
//! row in `idempotency_keys` **in the same transaction as its change**, naming the rows its
//! answer returned. A repeat with the same key and the same arguments changes nothing and
//! answers those rows again; the same key with another operation or other arguments is refused.
//!
//! Races: the key row is claimed first, with `INSERT … ON CONFLICT (user_id, key) DO NOTHING`.
//! On PostgreSQL a second transaction claiming the same key waits on the unique index until the
//! first one ends: when it commits, the claim inserts nothing and the repeat reads the stored
//! answer (a new statement sees committed rows under READ COMMITTED); when it rolls back (the
//! step was refused), the claim succeeds and the repeat runs the step itself. SQLite's writers
//! are serialised by `BEGIN IMMEDIATE`, so the second one simply finds the row.
//! <https://www.postgresql.org/docs/current/sql-insert.html#SQL-ON-CONFLICT>
//!
//! Services use it through [`Db::write_once`](super::Db::write_once); resolvers only pass the
//! key on. Rows older than [`KEEP_HOURS`] are purged by a background job ([`purge`]).

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};
use serde::de::DeserializeOwned;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::schema::idempotency_keys;
use super::DbConnection;
use crate::error::{AppError, AppResult, CoreReason};
use crate::ids::UserId;
use crate::text::{single_line, TextRule};

/// The longest key accepted (clients send a UUID, 36 characters).
pub const MAX_KEY_CHARS: usize = 100;
const KEY: TextRule = single_line(MAX_KEY_CHARS);
/// How long a key is remembered: a phone offline for a day and a night still gets its answer.
pub const KEEP_HOURS: i64 = 72;
/// How many old keys one purge round deletes.
const PURGE_BATCH: i64 = 1_000;

/// A mutation's idempotency key, checked: whose, which key, which operation, and a digest of
/// the arguments.
#[derive(Debug, Clone)]
pub struct Once {
    user_id: UserId,
    key: String,
    operation: &'static str,
    fingerprint: String,
}

impl Once {
    /// The key of `operation` sent by `user_id` with `arguments` (everything the mutation was
    /// given, the key excepted), or `None` without a key. A blank key counts as none.
    pub fn new(
        user_id: UserId,
        key: Option<&str>,
        operation: &'static str,
        arguments: &impl Serialize,
    ) -> AppResult<Option<Once>> {
        let Some(key) = KEY.optional("idempotencyKey", key)? else {
            return Ok(None);
        };
        let arguments = serde_json::to_string(arguments)
            .map_err(|e| AppError::internal(format!("cannot fingerprint the arguments: {e}")))?;
        let digest = Sha256::digest(format!("{operation}\n{arguments}").as_bytes());
        let fingerprint = digest.iter().map(|b| format!("{b:02x}")).collect();
        Ok(Some(Once {
            user_id,
            key,
            operation,
            fingerprint,
        }))
    }
}

/// What a mutation answers, named by a reference to its rows so that a repeat can answer the
/// same rows again.
pub trait Replay: Sized {
    type Ref: Serialize + DeserializeOwned;

    /// The rows this answer is made of.
    fn reference(&self) -> Self::Ref;

    /// The answer again, read back from its rows.
    fn replay(conn: &mut DbConnection, reference: Self::Ref) -> AppResult<Self>;
}

#[derive(Queryable)]
struct Stored {
    operation: String,
    fingerprint: String,
    result_ref: String,
}

fn reused() -> AppError {
    AppError::bad_field("idempotencyKey", CoreReason::IDEMPOTENCY_KEY_REUSED)
}

/// Claims the key inside the open write transaction: `None` when it is new (the caller runs
/// its change and then [`record`]s it), or the stored reference of the first answer.
pub(super) fn claim(conn: &mut DbConnection, once: &Once, now: NaiveDateTime) -> AppResult<Option<String>> {
    let inserted = diesel::sql_query(
        "INSERT INTO idempotency_keys (user_id, key, operation, fingerprint, result_ref, created_at) \
         VALUES ($1, $2, $3, $4, '', $5) ON CONFLICT (user_id, key) DO NOTHING",
    )
    .bind::<BigInt, _>(once.user_id.get())
    .bind::<Text, _>(&once.key)
    .bind::<Text, _>(once.operation)
    .bind::<Text, _>(&once.fingerprint)
    .bind::<Timestamp, _>(now)
    .execute(conn)?;
    if inserted == 1 {
        return Ok(None);
    }
    let stored: Stored = idempotency_keys::table
        .filter(idempotency_keys::user_id.eq(once.user_id.get()))
        .filter(idempotency_keys::key.eq(&once.key))
        .select((
            idempotency_keys::operation,
            idempotency_keys::fingerprint,
            idempotency_keys::result_ref,
        ))
        .first(conn)?;
    if stored.operation != once.operation || stored.fingerprint != once.fingerprint {
        return Err(reused());
    }
    Ok(Some(stored.result_ref))
}

/// Stores the first answer's reference on the claimed key, before the transaction commits.
pub(super) fn record(conn: &mut DbConnection, once: &Once, result_ref: &str) -> AppResult<()> {
    diesel::update(
        idempotency_keys::table
            .filter(idempotency_keys::user_id.eq(once.user_id.get()))
            .filter(idempotency_keys::key.eq(&once.key)),
    )
    .set(idempotency_keys::result_ref.eq(result_ref))
    .execute(conn)?;
    Ok(())
}

pub(super) fn encode<T: Replay>(value: &T) -> AppResult<String> {
    serde_json::to_string(&value.reference()).map_err(|e| AppError::internal(format!("idempotency reference: {e}")))
}

pub(super) fn decode<T: Replay>(conn: &mut DbConnection, stored: &str) -> AppResult<T> {
    let reference = serde_json::from_str(stored)
        .map_err(|e| AppError::internal(format!("stored idempotency reference {stored:?}: {e}")))?;
    T::replay(conn, reference)
}

/// One round of the purge: how many keys past the retention window were deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PurgeReport {
    pub purged: usize,
    /// A full batch was deleted: more may be waiting.
    pub more: bool,
}

/// Deletes up to one batch of keys older than [`KEEP_HOURS`] at `now`.
pub fn purge(conn: &mut DbConnection, now: NaiveDateTime) -> AppResult<PurgeReport> {
    let cutoff = now - Duration::hours(KEEP_HOURS);
    let ids: Vec<i64> = idempotency_keys::table
        .filter(idempotency_keys::created_at.lt(cutoff))
        .select(idempotency_keys::id)
        .order(idempotency_keys::id)
        .limit(PURGE_BATCH)
        .load(conn)?;
    let purged = diesel::delete(idempotency_keys::table.filter(idempotency_keys::id.eq_any(&ids))).execute(conn)?;
    Ok(PurgeReport {
        purged,
        more: ids.len() as i64 == PURGE_BATCH,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_binds_the_operation_and_its_arguments() {
        let a = Once::new(UserId(1), Some(" k1 "), "urgeRequest", &(5, "hurry"))
            .unwrap()
            .unwrap();
        let b = Once::new(UserId(1), Some("k1"), "urgeRequest", &(5, "hurry"))
            .unwrap()
            .unwrap();
        let c = Once::new(UserId(1), Some("k1"), "urgeRequest", &(5, "later"))
            .unwrap()
            .unwrap();
        let d = Once::new(UserId(1), Some("k1"), "addProgressNote", &(5, "hurry"))
            .unwrap()
            .unwrap();
        assert_eq!(a.key, "k1");
        assert_eq!(a.fingerprint, b.fingerprint);
        assert_ne!(a.fingerprint, c.fingerprint);
        assert_ne!(a.fingerprint, d.fingerprint);
        assert!(Once::new(UserId(1), None, "urgeRequest", &()).unwrap().is_none());
        assert!(Once::new(UserId(1), Some("  "), "urgeRequest", &()).unwrap().is_none());
        assert!(Once::new(UserId(1), Some(&"x".repeat(101)), "urgeRequest", &()).is_err());
    }
}
