//! A bounded, shared cache of parsed public keys by key id.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use url::Url;

use super::keys::PublicKey;

/// A cached key with where it came from.
#[derive(Clone, Debug)]
pub struct CachedKey {
    /// The parsed key.
    pub key: PublicKey,
    /// The actor that owns the key (its `owner` / `controller`).
    pub owner: Url,
    /// When the key was fetched.
    pub fetched_at: SystemTime,
}

impl CachedKey {
    /// Whether the entry is older than `max_age` at `now`.
    pub fn is_older_than(&self, max_age: Duration, now: SystemTime) -> bool {
        now.duration_since(self.fetched_at)
            .is_ok_and(|age| age > max_age)
    }
}

/// Parsed public keys by key id, thread-safe and bounded. Clones share
/// the same cache.
#[derive(Clone)]
pub struct KeyCache {
    inner: Arc<quick_cache::sync::Cache<String, CachedKey>>,
}

impl std::fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyCache")
            .field("len", &self.inner.len())
            .field("capacity", &self.inner.capacity())
            .finish()
    }
}

impl KeyCache {
    /// A cache holding at most about `capacity` keys.
    pub fn new(capacity: usize) -> Self {
        Self {
            inner: Arc::new(quick_cache::sync::Cache::new(capacity.max(1))),
        }
    }

    /// The cached entry for `key_id`, if any.
    pub fn get(&self, key_id: &str) -> Option<CachedKey> {
        self.inner.get(key_id)
    }

    /// Caches `key` for `key_id`, replacing any earlier entry.
    pub fn insert(
        &self,
        key_id: impl Into<String>,
        key: PublicKey,
        owner: Url,
        fetched_at: SystemTime,
    ) {
        self.inner.insert(
            key_id.into(),
            CachedKey {
                key,
                owner,
                fetched_at,
            },
        );
    }

    /// Drops the entry for `key_id` (e.g. after a verification failure,
    /// before refetching), returning it if there was one.
    pub fn remove(&self, key_id: &str) -> Option<CachedKey> {
        self.inner.remove(key_id).map(|(_, v)| v)
    }

    /// Number of cached keys.
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }
}

#[cfg(test)]
mod tests;
