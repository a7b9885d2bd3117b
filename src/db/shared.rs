//! Reads shared by the subscribers that react to the same live event.
//!
//! One change reaches every subscription of the people it concerns at once: an officer with the
//! app on a phone and the explorer open, a company whose staff all follow their requests. Each
//! subscription reads the change back with its caller's rights; those of the same person read
//! the same thing. Keyed by what the read depends on and by the number the live bus forwarded
//! the event under (`LiveBus::changes`, `LiveBus::notified`), the first subscription starts the
//! read and the others await its answer. A key never outlives its event's meaning: a later
//! change has a new number, so it is always read afresh.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use futures_util::future::{BoxFuture, FutureExt, Shared};

use crate::error::AppResult;

/// How many reads are kept (finished ones stay for subscriptions that come to their event a
/// little later); past it, the finished ones are dropped.
const KEPT: usize = 1024;

type SharedRead<V> = Shared<BoxFuture<'static, AppResult<V>>>;

/// One [`SharedReads`] per kind of read, made on first use: the application state holds the
/// shelf, and each domain takes its own reads from it by type (so the state names no domain).
#[derive(Default)]
pub struct Shelf {
    kinds: Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
}

impl Shelf {
    /// The shelf's `T`, made on first use.
    pub fn get<T: Default + Send + Sync + 'static>(&self) -> Arc<T> {
        let mut kinds = self.kinds.lock().unwrap_or_else(|p| p.into_inner());
        let kind = kinds
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Arc::new(T::default()) as Arc<dyn Any + Send + Sync>)
            .clone();
        kind.downcast::<T>()
            .expect("a shelf entry has the type it is kept under")
    }
}

/// The reads in flight or just finished, by key.
pub struct SharedReads<K, V> {
    reads: Mutex<HashMap<K, SharedRead<V>>>,
}

impl<K, V> Default for SharedReads<K, V> {
    fn default() -> Self {
        SharedReads {
            reads: Mutex::new(HashMap::new()),
        }
    }
}

impl<K, V> SharedReads<K, V>
where
    K: Hash + Eq,
    V: Clone + Send + Sync + 'static,
{
    /// The answer of the read for `key`: `read` starts it if no subscription has yet.
    pub async fn get(&self, key: K, read: impl FnOnce() -> BoxFuture<'static, AppResult<V>>) -> AppResult<V> {
        let shared = {
            let mut reads = self.reads.lock().unwrap_or_else(|p| p.into_inner());
            match reads.get(&key) {
                Some(found) => found.clone(),
                None => {
                    if reads.len() >= KEPT {
                        reads.retain(|_, read| read.peek().is_none());
                    }
                    let started = read().shared();
                    reads.insert(key, started.clone());
                    started
                }
            }
        };
        shared.await
    }

    /// How many reads are kept now.
    pub fn len(&self) -> usize {
        self.reads.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use super::*;

    #[tokio::test]
    async fn subscriptions_of_one_event_share_a_read_and_a_new_event_reads_again() {
        let reads: Arc<SharedReads<(i64, u64), i64>> = Arc::default();
        let count = Arc::new(AtomicUsize::new(0));
        let read = |value: i64| {
            let count = count.clone();
            move || -> BoxFuture<'static, AppResult<i64>> {
                async move {
                    count.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                    Ok(value)
                }
                .boxed()
            }
        };
        let together = futures_util::future::join_all((0..10).map(|_| reads.get((7, 1), read(70)))).await;
        assert!(together.iter().all(|answer| answer.as_ref().ok() == Some(&70)));
        assert_eq!(count.load(Ordering::SeqCst), 1, "ten subscriptions, one read");
        // Late to the same event: the finished answer.
        assert_eq!(reads.get((7, 1), read(0)).await.unwrap(), 70);
        assert_eq!(count.load(Ordering::SeqCst), 1);
        // The next event reads afresh.
        assert_eq!(reads.get((7, 2), read(71)).await.unwrap(), 71);
        assert_eq!(count.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn finished_reads_are_dropped_when_too_many_are_kept() {
        let reads: SharedReads<u64, u64> = SharedReads::default();
        for seq in 0..(KEPT as u64 + 10) {
            reads.get(seq, || async move { Ok(seq) }.boxed()).await.unwrap();
        }
        assert!(reads.len() <= KEPT, "{}", reads.len());
    }
}
