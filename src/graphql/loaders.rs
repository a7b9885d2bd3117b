//! The loader registry: every GraphQL request (and websocket session) can use one DataLoader per
//! registered loader. Domains register their loaders with a function of their `graphql` module
//! (`register_loaders`); the app lists those functions once, so the HTTP layer names none. The
//! registrations are read once into a [`Registry`]; a request (or session) holds a [`LoaderSet`]
//! that makes a loader's DataLoader the first time a resolver asks it, so a request that reads
//! through two loaders makes two, and an idle websocket none (5,000 idle phones held ~25 each).
//!
//! A loader is a repository function that answers a batch of keys in one query
//! ([`BatchLoader`]); resolvers ask for one key with [`load_one`]. A loader is known by its key
//! and value types, so each (key, value) pair may be registered once (checked at registration).
//!
//! Loaders batch and never cache, so a long-lived websocket never reads stale rows.
//!
//! A list or detail resolver that knows what its selection will ask for (its look-ahead) reads
//! those rows itself, for every item at once and in one visit to the database ([`Prefetch`]),
//! and leaves them in the request's [`Prefetched`]; [`load_one`] answers from there before
//! asking the DataLoader. The rows come from the loaders' own batch functions, so a field
//! resolves to the same value either way; only the number of trips changes (one instead of one
//! per level of the selection, each after the DataLoader's wait). `Prefetched` lives for one
//! HTTP request; websocket sessions have none and always use the loaders.

use std::any::{Any, TypeId};
use std::collections::{HashMap, HashSet};
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{Context, Data};

use crate::db::{Db, DbConnection};
use crate::error::{AppError, AppResult};

/// What a batch loader runs: the values for a batch of keys, each with its key (keys without a
/// value are left out).
pub type Fetch<K, V> = Arc<dyn Fn(&mut DbConnection, &[K]) -> AppResult<Vec<(K, V)>> + Send + Sync>;

/// A repository function that answers a batch of keys with (key, value) pairs.
type FetchPairs<K, V> = fn(&mut DbConnection, &[K]) -> AppResult<Vec<(K, V)>>;

/// A DataLoader over one repository function.
pub struct BatchLoader<K, V> {
    db: Db,
    fetch: Fetch<K, V>,
}

impl<K, V> Loader<K> for BatchLoader<K, V>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    V: Send + Sync + Clone + 'static,
{
    type Value = V;
    type Error = AppError;

    async fn load(&self, keys: &[K]) -> Result<HashMap<K, V>, AppError> {
        let keys = keys.to_vec();
        let fetch = self.fetch.clone();
        Ok(self
            .db
            .read(move |conn| fetch(conn, &keys))
            .await?
            .into_iter()
            .collect())
    }
}

/// The value for `key`: from what the request prefetched if it holds the key, else through the
/// request's loader of (`K`, `V`). No access check: callers decide visibility.
pub async fn load_one<K, V>(ctx: &Context<'_>, key: K) -> AppResult<Option<V>>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    V: Send + Sync + Clone + 'static,
{
    if let Some(hit) = ctx.data_opt::<Prefetched>().and_then(|p| p.get::<K, V>(&key)) {
        return Ok(hit);
    }
    ctx.data_unchecked::<LoaderSet>().loader::<K, V>().load_one(key).await
}

/// The rows one HTTP request's resolvers read ahead, by loader: for each key asked, its value
/// or `None` (asked, and nothing there).
#[derive(Default)]
pub struct Prefetched {
    by_loader: Mutex<HashMap<TypeId, Box<dyn Any + Send + Sync>>>,
}

impl Prefetched {
    fn get<K, V>(&self, key: &K) -> Option<Option<V>>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        V: Send + Sync + Clone + 'static,
    {
        let by_loader = self.by_loader.lock().unwrap_or_else(|p| p.into_inner());
        by_loader
            .get(&TypeId::of::<BatchLoader<K, V>>())?
            .downcast_ref::<HashMap<K, Option<V>>>()?
            .get(key)
            .cloned()
    }

    fn put<K, V>(&self, keys: Vec<K>, pairs: Vec<(K, V)>)
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        V: Send + Sync + Clone + 'static,
    {
        let mut by_loader = self.by_loader.lock().unwrap_or_else(|p| p.into_inner());
        let entry = by_loader
            .entry(TypeId::of::<BatchLoader<K, V>>())
            .or_insert_with(|| Box::new(HashMap::<K, Option<V>>::new()));
        if let Some(map) = entry.downcast_mut::<HashMap<K, Option<V>>>() {
            for key in keys {
                map.entry(key).or_insert(None);
            }
            for (key, value) in pairs {
                map.insert(key, Some(value));
            }
        }
    }
}

/// Reads rows ahead for a resolver's selection, through the loaders' batch functions, on the
/// connection of one blocking call: `fetch` for each loader the selection needs, then
/// [`Prefetch::keep`] in the request's [`Prefetched`].
pub struct Prefetch {
    results: Vec<Keep>,
}

/// Puts one loader's rows in a `Prefetched`.
type Keep = Box<dyn FnOnce(&Prefetched) + Send>;

/// The batch function of the request's loader of (`K`, `V`), to run inside a blocking call.
pub fn batch_fn<K, V>(ctx: &Context<'_>) -> Fetch<K, V>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    V: Send + Sync + Clone + 'static,
{
    ctx.data_unchecked::<LoaderSet>().registry.fetch::<K, V>()
}

impl Prefetch {
    pub fn new() -> Prefetch {
        Prefetch { results: Vec::new() }
    }

    /// Runs `fetch` for `keys` (each once) on `conn` and returns the rows read; they are kept
    /// for the request by [`Prefetch::keep`].
    pub fn fetch<K, V>(&mut self, conn: &mut DbConnection, fetch: &Fetch<K, V>, keys: Vec<K>) -> AppResult<Vec<(K, V)>>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        V: Send + Sync + Clone + 'static,
    {
        let mut seen = HashSet::new();
        let keys: Vec<K> = keys.into_iter().filter(|k| seen.insert(k.clone())).collect();
        let pairs = if keys.is_empty() {
            Vec::new()
        } else {
            fetch(conn, &keys)?
        };
        let kept = pairs.clone();
        self.results
            .push(Box::new(move |prefetched: &Prefetched| prefetched.put(keys, kept)));
        Ok(pairs)
    }

    /// Leaves every row read in the request's `Prefetched` (if it has one).
    pub fn keep(self, ctx: &Context<'_>) {
        if let Some(prefetched) = ctx.data_opt::<Prefetched>() {
            for put in self.results {
                put(prefetched);
            }
        }
    }
}

impl Default for Prefetch {
    fn default() -> Self {
        Prefetch::new()
    }
}

/// What a domain's `register_loaders` adds its loaders to.
pub struct Loaders {
    /// The batch function of each loader, by the type of its `BatchLoader`.
    fetches: HashMap<TypeId, Arc<dyn Any + Send + Sync>>,
}

impl Loaders {
    /// Adds a loader whose repository function returns (key, value) pairs.
    pub fn pairs<K, V>(&mut self, fetch: FetchPairs<K, V>)
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        V: Send + Sync + Clone + 'static,
    {
        self.add_fetch(Arc::new(fetch));
    }

    /// Adds a loader of rows by their own key (`key` reads it from a row).
    pub fn by_key<K, V>(&mut self, fetch: fn(&mut DbConnection, &[K]) -> AppResult<Vec<V>>, key: fn(&V) -> K)
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        V: Send + Sync + Clone + 'static,
    {
        self.add_fetch(Arc::new(move |conn: &mut DbConnection, keys: &[K]| {
            Ok(fetch(conn, keys)?.into_iter().map(|row| (key(&row), row)).collect())
        }));
    }

    /// Adds a loader of the rows that belong to each key (`key` reads the owner from a row),
    /// in the order the repository returns them.
    pub fn grouped<K, V>(&mut self, fetch: fn(&mut DbConnection, &[K]) -> AppResult<Vec<V>>, key: fn(&V) -> K)
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        V: Send + Sync + Clone + 'static,
    {
        self.add_fetch(Arc::new(move |conn: &mut DbConnection, keys: &[K]| {
            let mut groups: HashMap<K, Vec<V>> = HashMap::new();
            for row in fetch(conn, keys)? {
                groups.entry(key(&row)).or_default().push(row);
            }
            Ok(groups.into_iter().collect())
        }));
    }

    fn add_fetch<K, V>(&mut self, fetch: Fetch<K, V>)
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        V: Send + Sync + Clone + 'static,
    {
        let type_id = TypeId::of::<BatchLoader<K, V>>();
        let before = self.fetches.insert(type_id, Arc::new(fetch));
        assert!(
            before.is_none(),
            "two loaders of {} by {}",
            std::any::type_name::<V>(),
            std::any::type_name::<K>()
        );
    }
}

/// A domain's loader registration.
pub type Registration = fn(&mut Loaders);

/// Every registered loader's batch function, read once from the registrations.
pub struct Registry {
    fetches: HashMap<TypeId, Arc<dyn Any + Send + Sync>>,
}

impl Registry {
    /// Runs every registration (a loader registered twice panics: a programming error).
    pub fn new(registrations: &[Registration]) -> Registry {
        let mut loaders = Loaders {
            fetches: HashMap::new(),
        };
        for register in registrations {
            register(&mut loaders);
        }
        Registry {
            fetches: loaders.fetches,
        }
    }

    /// The batch function of the loader of (`K`, `V`); panics if none was registered (a
    /// programming error, caught by any test that resolves the field).
    fn fetch<K, V>(&self) -> Fetch<K, V>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        V: Send + Sync + Clone + 'static,
    {
        self.fetches
            .get(&TypeId::of::<BatchLoader<K, V>>())
            .and_then(|fetch| fetch.downcast_ref::<Fetch<K, V>>())
            .unwrap_or_else(|| {
                panic!(
                    "no loader of {} by {} is registered",
                    std::any::type_name::<V>(),
                    std::any::type_name::<K>()
                )
            })
            .clone()
    }
}

/// One request's (or websocket session's) DataLoaders, each made on first use.
pub struct LoaderSet {
    db: Db,
    registry: Arc<Registry>,
    made: Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
}

impl LoaderSet {
    /// The DataLoader of (`K`, `V`), made now if this request has not used it yet.
    fn loader<K, V>(&self) -> Arc<DataLoader<BatchLoader<K, V>>>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        V: Send + Sync + Clone + 'static,
    {
        let type_id = TypeId::of::<BatchLoader<K, V>>();
        let mut made = self.made.lock().unwrap_or_else(|p| p.into_inner());
        let loader = made.entry(type_id).or_insert_with(|| {
            let loader = BatchLoader {
                db: self.db.clone(),
                fetch: self.registry.fetch::<K, V>(),
            };
            Arc::new(DataLoader::new(loader, tokio::spawn))
        });
        loader
            .clone()
            .downcast::<DataLoader<BatchLoader<K, V>>>()
            .expect("a loader is stored under its own type")
    }
}

/// Gives a request's (or a session's) data the loaders of `registry`, made on first use.
pub fn install(registry: &Arc<Registry>, db: &Db, data: &mut Data) {
    data.insert(LoaderSet {
        db: db.clone(),
        registry: registry.clone(),
        made: Mutex::new(HashMap::new()),
    });
}
