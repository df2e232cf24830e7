//! Actors on other servers, as the ActivityPub crate sees them: [`Peer`] implements its
//! `Object` and `Actor` traits, so `ObjectId<Peer>::dereference` reads a stored actor, fetches
//! it (signed, through our client, within the crate's fetch limit) when it is unknown or a day
//! old, checks the document, and stores it.

use activitypub_federation::fetch::object_id::ObjectId;
use activitypub_federation::traits::{Actor, Object};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use crate::domain::links::is_http_id;
use crate::domain::time;
use crate::federation::context::{Data, FedData};
use crate::federation::error::FederationError;
use crate::federation::json_id;
use crate::federation::signatures::PublicKey;
use crate::storage::remote::{self, RemoteActor, RemoteActorData};

/// A reference to a remote actor.
pub type PeerId = ObjectId<Peer>;

/// A remote actor: what we store of it, with its id parsed.
#[derive(Debug, Clone)]
pub struct Peer {
    id: Url,
    pub actor: RemoteActor,
}

impl Peer {
    pub fn new(actor: RemoteActor) -> Result<Peer, FederationError> {
        let id = Url::parse(&actor.uri)?;
        Ok(Peer { id, actor })
    }

    pub fn into_stored(self) -> RemoteActor {
        self.actor
    }
}

/// An actor document as other servers write it. Lenient where servers differ (one key or
/// several, `icon` as an object or a list, `url` as a string or a link), strict where it
/// matters (an id, an inbox, a key the actor owns).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActorDocument {
    pub id: Url,
    #[serde(rename = "type", default)]
    pub kind: Value,
    #[serde(default)]
    pub preferred_username: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub inbox: Option<Url>,
    #[serde(default)]
    pub endpoints: Option<Value>,
    #[serde(default)]
    pub public_key: Value,
    #[serde(default)]
    pub url: Option<Value>,
    #[serde(default)]
    pub icon: Option<Value>,
}

impl ActorDocument {
    /// The key the actor publishes as `key_id` (any of its keys when `None`) that it owns.
    pub fn owned_key(&self, key_id: Option<&str>) -> Option<(&str, &str)> {
        let keys: Vec<&Value> = match &self.public_key {
            Value::Array(a) => a.iter().collect(),
            v @ Value::Object(_) => vec![v],
            _ => vec![],
        };
        keys.into_iter()
            .filter(|k| {
                k.get("owner")
                    .and_then(Value::as_str)
                    .is_none_or(|o| o == self.id.as_str())
            })
            .filter_map(|k| {
                Some((
                    k.get("id").and_then(Value::as_str)?,
                    k.get("publicKeyPem").and_then(Value::as_str)?,
                ))
            })
            .find(|(id, _)| key_id.is_none_or(|want| want == *id))
    }

    /// What we keep of the actor, once the document is known to be usable.
    fn stored(&self) -> Result<RemoteActorData, FederationError> {
        let bad = |why: &str| FederationError::Invalid(format!("actor document: {why}"));
        let inbox = self.inbox.as_ref().ok_or_else(|| bad("no inbox"))?;
        let (key_id, pem) = self
            .owned_key(None)
            .ok_or_else(|| bad("no public key owned by the actor"))?;
        PublicKey::from_pem(pem).map_err(|e| bad(&format!("unusable public key: {e}")))?;
        let kind = match &self.kind {
            Value::String(s) => s.clone(),
            Value::Array(a) => a.iter().find_map(Value::as_str).unwrap_or("Person").into(),
            _ => "Person".into(),
        };
        let username = self
            .preferred_username
            .clone()
            .or_else(|| {
                self.id
                    .path_segments()
                    .and_then(|mut s| s.next_back().map(|x| x.trim_start_matches('@').to_owned()))
            })
            .unwrap_or_default();
        let shared_inbox = self
            .endpoints
            .as_ref()
            .and_then(|e| e.get("sharedInbox"))
            .and_then(Value::as_str)
            .and_then(|s| Url::parse(s).ok())
            .map(|u| u.to_string());
        Ok(RemoteActorData {
            uri: self.id.to_string(),
            kind,
            username: truncate(&username, 100),
            domain: crate::urls::instance_of(&self.id).unwrap_or_default(),
            display_name: truncate(self.name.as_deref().unwrap_or(""), 200),
            url: self
                .url
                .as_ref()
                .and_then(json_id)
                .filter(|u| is_http_id(u)),
            icon_url: self.icon.as_ref().and_then(|i| {
                i.get("url")
                    .and_then(json_id)
                    .or_else(|| i.get(0).and_then(|x| x.get("url")).and_then(json_id))
            }),
            inbox: inbox.to_string(),
            shared_inbox,
            key_id: key_id.to_owned(),
            public_key_pem: pem.to_owned(),
        })
    }
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// Whether two URLs are on the same server: scheme, host and port. (The crate's own check
/// compares domain names only, so every literal IP address would match every other, and
/// ports are ignored.)
pub fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str().is_some()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// Checks and stores an actor document fetched from `fetched_from`.
pub async fn store_actor(
    data: &Data,
    doc: &ActorDocument,
    fetched_from: &Url,
) -> Result<Peer, FederationError> {
    check(doc, fetched_from)?;
    let stored = doc.stored()?;
    let app = data.app();
    let actor = remote::upsert_remote_actor(&app.db, &stored, time::now()).await?;
    // A new document may carry a new key.
    app.fed.remote_keys.remove(&actor.key_id);
    Peer::new(actor)
}

fn check(doc: &ActorDocument, fetched_from: &Url) -> Result<(), FederationError> {
    if !same_origin(&doc.id, fetched_from) {
        return Err(FederationError::Invalid(
            "actor document: id is on another host than the document".into(),
        ));
    }
    Ok(())
}

#[async_trait::async_trait]
impl Object for Peer {
    type DataType = FedData;
    type Kind = ActorDocument;
    type Error = FederationError;

    fn id(&self) -> &Url {
        &self.id
    }

    fn last_refreshed_at(&self) -> Option<DateTime<Utc>> {
        Some(self.actor.fetched_at)
    }

    async fn read_from_id(id: Url, data: &Data) -> Result<Option<Peer>, FederationError> {
        let app = data.app();
        remote::find_remote_actor_by_uri(&app.db, id.as_str())
            .await?
            .map(Peer::new)
            .transpose()
    }

    async fn into_json(self, _data: &Data) -> Result<ActorDocument, FederationError> {
        let a = self.actor;
        Ok(ActorDocument {
            id: self.id,
            kind: Value::String(a.kind),
            preferred_username: Some(a.username),
            name: Some(a.display_name),
            inbox: Url::parse(&a.inbox).ok(),
            endpoints: a
                .shared_inbox
                .map(|s| serde_json::json!({ "sharedInbox": s })),
            public_key: serde_json::json!({
                "id": a.key_id, "owner": a.uri, "publicKeyPem": a.public_key_pem,
            }),
            url: a.url.map(Value::String),
            icon: a
                .icon_url
                .map(|u| serde_json::json!({ "type": "Image", "url": u })),
        })
    }

    async fn verify(
        json: &ActorDocument,
        expected_domain: &Url,
        _data: &Data,
    ) -> Result<(), FederationError> {
        check(json, expected_domain)?;
        json.stored().map(|_| ())
    }

    async fn from_json(json: ActorDocument, data: &Data) -> Result<Peer, FederationError> {
        let from = json.id.clone();
        store_actor(data, &json, &from).await
    }
}

impl Actor for Peer {
    fn public_key_pem(&self) -> &str {
        &self.actor.public_key_pem
    }

    fn private_key_pem(&self) -> Option<String> {
        None
    }

    fn inbox(&self) -> Url {
        Url::parse(&self.actor.inbox).unwrap_or_else(|_| self.id.clone())
    }

    fn shared_inbox(&self) -> Option<Url> {
        self.actor
            .shared_inbox
            .as_deref()
            .and_then(|s| Url::parse(s).ok())
    }
}
