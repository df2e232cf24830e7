//! Finding things on other servers, through the ActivityPub crate: the actor behind a
//! signature's key (also when the key URL answers a reduced document that only names its
//! owner, as GoToSocial's do), an actor by id or by `@user@host` (WebFinger), and any other
//! document by id. Every fetch counts against the crate's per-request limit and goes through
//! our SSRF-safe client, signed by the instance actor.

use std::time::SystemTime;

use activitypub_federation::fetch::fetch_object_http;
use activitypub_federation::fetch::webfinger::Webfinger;
use serde_json::Value;
use url::Url;

use super::context::Data;
use super::error::{FederationError, Result};
use super::objects::peer::{ActorDocument, PeerId, same_origin, store_actor};
use super::signatures::PublicKey;
use crate::app::App;
use crate::storage::remote::{self, RemoteActor};

/// `Accept` for WebFinger: the JRD type, with plain JSON as the fallback some servers need
/// (GoToSocial answers 406 to the ActivityPub types).
pub const ACCEPT_JRD: &str = "application/jrd+json, application/json;q=0.9";

/// The actor owning `key_id` and the parsed key. With `refresh`, the key is fetched again
/// even if known (the actor may have rotated it).
pub async fn actor_by_key(
    data: &Data,
    key_id: &str,
    refresh: bool,
) -> Result<(RemoteActor, PublicKey)> {
    let app = data.app();
    if !refresh {
        if let Some(cached) = app.fed.remote_keys.get(key_id)
            && let Some(actor) =
                remote::find_remote_actor_by_uri(&app.db, cached.owner.as_str()).await?
        {
            return Ok((actor, cached.key));
        }
        if let Some(actor) = remote::find_remote_actor_by_key(&app.db, key_id).await?
            && let Ok(key) = parse_key(&actor)
        {
            return Ok((actor, key));
        }
    }
    let key_url = Url::parse(key_id)
        .map_err(|_| FederationError::Invalid(format!("keyId {key_id:?} is not a URL")))?;
    let mut doc_url = key_url.clone();
    doc_url.set_fragment(None);
    app.fed.lookups.may_fetch_key(&doc_url)?;
    let fetched = match fetch_object_http::<_, Value>(&doc_url, data).await {
        Ok(fetched) => fetched,
        Err(e) => {
            app.fed.lookups.fetch_failed(&doc_url);
            return Err(e.into());
        }
    };
    let (doc, from) = (fetched.object, fetched.url);
    // The actor itself (Mastodon: `<actor>#main-key`), or a document naming the key's owner.
    let actor = if doc.get("inbox").is_some() {
        let doc: ActorDocument = serde_json::from_value(doc)
            .map_err(|e| FederationError::Invalid(format!("actor document: {e}")))?;
        store_actor(data, &doc, &from).await?
    } else {
        let owner = key_owner(&doc)
            .ok_or_else(|| FederationError::Invalid("the key names no owner".into()))?;
        let owner = Url::parse(owner)
            .map_err(|_| FederationError::Invalid("the key's owner is not a URL".into()))?;
        if !same_origin(&owner, &key_url) {
            return Err(FederationError::Invalid(
                "the key's owner is on another host".into(),
            ));
        }
        PeerId::from(owner).dereference_forced(data).await?
    };
    let actor = actor.into_stored();
    if actor.key_id != key_id {
        return Err(FederationError::Invalid(format!(
            "the actor does not publish the key {key_id}"
        )));
    }
    let key = parse_key(&actor)?;
    Ok((actor, key))
}

/// The owner a key document names: `publicKey.owner` of a reduced actor, or `owner` of a bare
/// key document.
fn key_owner(doc: &Value) -> Option<&str> {
    let key = match doc.get("publicKey") {
        Some(Value::Array(keys)) => keys.first(),
        Some(k) => Some(k),
        None => None,
    };
    key.and_then(|k| k.get("owner"))
        .or_else(|| doc.get("owner"))
        .and_then(Value::as_str)
}

fn parse_key(actor: &RemoteActor) -> Result<PublicKey> {
    PublicKey::from_pem(&actor.public_key_pem)
        .map_err(|e| FederationError::Invalid(format!("unusable key: {e}")))
}

/// Puts a verified key in the in-memory cache.
pub fn remember_key(app: &App, actor: &RemoteActor, key: &PublicKey) {
    if let Ok(owner) = Url::parse(&actor.uri) {
        app.fed
            .remote_keys
            .insert(actor.key_id.clone(), key.clone(), owner, SystemTime::now());
    }
}

/// Fetches (or refreshes) the actor at `uri` and stores it.
pub async fn fetch_actor(data: &Data, uri: &Url) -> Result<RemoteActor> {
    Ok(PeerId::from(uri.clone())
        .dereference_forced(data)
        .await?
        .into_stored())
}

/// The actor `uri`: as stored, fetched when unknown or a day old.
pub async fn actor(data: &Data, uri: &Url) -> Result<RemoteActor> {
    Ok(PeerId::from(uri.clone())
        .dereference(data)
        .await?
        .into_stored())
}

/// Checks and stores an actor document that arrived embedded (an actor's `Update` of itself).
pub async fn store_embedded_actor(data: &Data, doc: &Value, from: &Url) -> Result<RemoteActor> {
    let doc: ActorDocument = serde_json::from_value(doc.clone())
        .map_err(|e| FederationError::Invalid(format!("actor document: {e}")))?;
    Ok(store_actor(data, &doc, from).await?.into_stored())
}

/// Any ActivityPub document by id, fetched from its origin.
pub async fn fetch_document(data: &Data, url: &Url) -> Result<Value> {
    let fetched = fetch_object_http::<_, Value>(url, data).await?;
    if !same_origin(&fetched.url, url) {
        return Err(FederationError::Invalid(format!(
            "{url} redirected to another server"
        )));
    }
    Ok(fetched.object)
}

/// Resolves `@user@host` to an actor URL with WebFinger.
pub async fn resolve_handle(data: &Data, handle: &str) -> Result<Url> {
    let acct = handle.trim().trim_start_matches('@');
    let (_, host) = acct.split_once('@').ok_or_else(|| {
        FederationError::Invalid(format!("{handle:?} is not a handle like @user@host"))
    })?;
    let jrd = webfinger(data, host, &format!("acct:{acct}")).await?;
    jrd.links
        .iter()
        .find(|l| {
            l.rel.as_deref() == Some("self")
                && l.kind
                    .as_deref()
                    .is_some_and(|t| t.contains("activity+json") || t.contains("ld+json"))
        })
        .and_then(|l| l.href.clone())
        .ok_or_else(|| FederationError::Invalid(format!("{handle} has no ActivityPub actor")))
}

/// The WebFinger answer of `host` about `resource`, asked for over https (and over plain http
/// too when private networks are allowed, for local peers).
pub async fn webfinger(data: &Data, host: &str, resource: &str) -> Result<Webfinger> {
    let app = data.app();
    let mut schemes = vec!["https"];
    if app.config.allow_private_networks {
        schemes.push("http");
    }
    let mut last_err = None;
    for scheme in schemes {
        let mut url = Url::parse(&format!("{scheme}://{host}/.well-known/webfinger"))?;
        url.query_pairs_mut().append_pair("resource", resource);
        match app.fed.client.fetch_jrd(&url, ACCEPT_JRD).await {
            Ok(doc) => {
                return serde_json::from_value(doc).map_err(|e| {
                    FederationError::Invalid(format!("the WebFinger answer of {host}: {e}"))
                });
            }
            Err(e) => last_err = Some(e),
        }
    }
    Err(match last_err.map(FederationError::from) {
        Some(FederationError::Transient(why)) => {
            FederationError::Transient(format!("WebFinger lookup of {resource}: {why}"))
        }
        Some(e) => FederationError::Invalid(format!("WebFinger lookup of {resource} failed: {e}")),
        None => FederationError::Invalid(format!("WebFinger lookup of {resource} failed")),
    })
}
