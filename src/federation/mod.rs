//! ActivityPub in and out: discovery, actors and objects, the inbox, the outbox, signatures.

pub mod keys;
pub mod signatures;
pub mod urls;

use crate::config::Config;

/// Signature keys of remote actors kept parsed in memory.
pub const REMOTE_KEY_CACHE_SIZE: usize = 10_000;

/// Federation state shared by handlers and workers; cheap to clone.
#[derive(Clone)]
pub struct Federation {
    /// Parsed public keys of remote actors, by key id.
    pub remote_keys: signatures::KeyCache,
    /// Parsed private keys of local actors.
    pub signers: keys::SignerCache,
}

impl Federation {
    pub fn new(_config: &Config) -> anyhow::Result<Federation> {
        Ok(Federation { remote_keys: signatures::KeyCache::new(REMOTE_KEY_CACHE_SIZE), signers: keys::SignerCache::default() })
    }
}
