//! ActivityPub in and out: discovery, actors and objects, the inbox, the outbox, signatures.

pub mod avatars;
pub mod client;
pub mod context;
pub mod discovery;
pub mod enqueue;
pub mod error;
pub mod followers_sync;
pub mod group;
pub mod integrity;

pub mod interaction;
pub mod json;
pub mod keys;
pub mod limits;
pub mod objects;
pub mod outbox;
pub mod quote_consent;
pub mod remote;

pub mod signatures;

use url::Url;

use crate::app::App;
use crate::config::Config;
use crate::storage::actors::LocalActor;
use crate::storage::{site, users};

use crate::urls;
use activitypub_federation::config::FederationConfig;
pub use context::{Data, FedData};
pub use error::FederationError;
pub use json::json_id;

/// Signature keys of remote actors kept parsed in memory.
pub const REMOTE_KEY_CACHE_SIZE: usize = 10_000;

/// Federation state shared by handlers and workers; cheap to clone.
#[derive(Clone)]
pub struct Federation {
    /// Parsed public keys of remote actors, by key id.
    pub remote_keys: signatures::KeyCache,
    /// Parsed private keys of local actors.
    pub signers: keys::SignerCache,
    /// Parsed Ed25519 keys of local actors, which sign proofs.
    pub proof_signers: keys::ProofSignerCache,
    /// Parsed Ed25519 keys of remote actors, which check their proofs.
    pub proof_keys: integrity::remote::ProofKeys,
    /// Outgoing HTTP, refusing private networks unless configured otherwise.
    pub client: client::HttpClient,
    /// Wakes the delivery workers when something was queued.
    pub queue: enqueue::QueueHandle,
    /// How often strangers may make us ask other servers for keys and accounts.
    pub lookups: limits::Lookups,
    /// Signatures the inbox refused, waiting to be written for the health page.
    pub refusals: signatures::refusals::Refusals,
    /// The ActivityPub crate's configuration, set once the application exists.
    protocol: std::sync::OnceLock<FederationConfig<FedData>>,
}

impl Federation {
    pub fn new(config: &Config) -> Result<Federation, FederationError> {
        Ok(Federation {
            remote_keys: signatures::KeyCache::new(REMOTE_KEY_CACHE_SIZE),
            signers: keys::SignerCache::default(),
            proof_signers: keys::ProofSignerCache::default(),
            proof_keys: integrity::remote::ProofKeys::default(),
            client: client::HttpClient::new(config)
                .map_err(|e| FederationError::Key(format!("the HTTP client: {e}")))?,
            queue: enqueue::QueueHandle::default(),
            lookups: limits::Lookups::default(),
            refusals: signatures::refusals::Refusals::default(),
            protocol: std::sync::OnceLock::new(),
        })
    }

    /// Connects the ActivityPub crate to the application (once, at start).
    pub async fn connect(&self, data: FedData, config: &Config) -> Result<(), FederationError> {
        let protocol = context::protocol_config(data, config, &self.client).await?;
        let _ = self.protocol.set(protocol);
        Ok(())
    }

    /// A fresh per-request context for the crate (its fetch count starts at zero).
    pub fn data(&self) -> Data {
        self.protocol
            .get()
            .expect("the ActivityPub configuration is set when the application starts")
            .to_request_data()
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
