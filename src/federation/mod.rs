//! ActivityPub in and out: discovery, actors and objects, the inbox, the outbox, signatures.

pub mod activities;

pub mod avatars;
pub mod client;
pub mod enqueue;
pub mod error;

pub mod inbox;
pub mod intake;
pub mod interaction;
pub mod keys;
pub mod objects;
pub mod outbox;
pub mod remote;

pub mod signatures;

use serde_json::Value;
use url::Url;

use crate::app::App;
use crate::config::Config;
use crate::storage::actors::LocalActor;
use crate::storage::{site, users};

use crate::urls;
pub use error::FederationError;

/// Signature keys of remote actors kept parsed in memory.
pub const REMOTE_KEY_CACHE_SIZE: usize = 10_000;

/// Federation state shared by handlers and workers; cheap to clone.
#[derive(Clone)]
pub struct Federation {
    /// Parsed public keys of remote actors, by key id.
    pub remote_keys: signatures::KeyCache,
    /// Parsed private keys of local actors.
    pub signers: keys::SignerCache,
    /// Outgoing HTTP, refusing private networks unless configured otherwise.
    pub client: client::HttpClient,
    /// Wakes the delivery workers when something was queued.
    pub queue: enqueue::QueueHandle,
}

impl Federation {
    pub fn new(config: &Config) -> anyhow::Result<Federation> {
        Ok(Federation {
            remote_keys: signatures::KeyCache::new(REMOTE_KEY_CACHE_SIZE),
            signers: keys::SignerCache::default(),
            client: client::HttpClient::new(config)?,
            queue: enqueue::QueueHandle::default(),
        })
    }
}

/// The id in a JSON-LD reference: a string, or an object's `id` (or a Link's `href`).
pub fn json_id(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o
            .get("id")
            .or_else(|| o.get("href"))
            .and_then(Value::as_str)
            .map(str::to_owned),
        Value::Array(a) => a.first().and_then(json_id),
        _ => None,
    }
}

/// The local actor (person or community) whose id is `id`, if it is one of ours.
pub async fn local_target(app: &App, id: &str) -> error::Result<Option<LocalActor>> {
    let Ok(url) = Url::parse(id) else {
        return Ok(None);
    };
    let Some(name) = urls::local_actor_name(&app.config, &url) else {
        return Ok(None);
    };
    if name == site::get_site(&app.db).await?.community_username {
        return Ok(Some(keys::community_actor(app).await?));
    }
    match users::find_user_by_username(&app.db, &name).await? {
        Some(user) => Ok(Some(keys::person_actor(app, user.id).await?)),
        None => Ok(None),
    }
}
