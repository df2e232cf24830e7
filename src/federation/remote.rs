//! Actors on other servers: fetched (signed by the instance actor), checked, stored, and
//! their public keys cached parsed.

use std::time::SystemTime;

use serde_json::Value;
use url::Url;

use super::error::{FederationError, Result};
use super::signatures::PublicKey;
use super::{json_id, keys};
use crate::app::App;
use crate::domain::time;
use crate::storage::remote::{self, RemoteActor, RemoteActorData};

/// The actor owning `key_id` and the parsed key. With `refresh`, the key is fetched again
/// even if known (the actor may have rotated it).
pub async fn actor_by_key(
    app: &App,
    key_id: &str,
    refresh: bool,
) -> Result<(RemoteActor, PublicKey)> {
    if !refresh {
        if let Some(cached) = app.fed.remote_keys.get(key_id) {
            if let Some(actor) =
                remote::find_remote_actor_by_uri(&app.db, cached.owner.as_str()).await?
            {
                return Ok((actor, cached.key));
            }
        }
        if let Some(actor) = remote::find_remote_actor_by_key(&app.db, key_id).await? {
            if let Ok(key) = parse_key(&actor) {
                return Ok((actor, key));
            }
        }
    }
    let key_url = Url::parse(key_id)
        .map_err(|_| FederationError::Invalid(format!("keyId {key_id:?} is not a URL")))?;
    let mut doc_url = key_url.clone();
    doc_url.set_fragment(None);
    let signer = keys::instance_signer(app).await?;
    let doc = app.fed.client.fetch_json(&doc_url, Some(&signer)).await?;
    // Either the actor itself (Mastodon: `<actor>#main-key`) or a key document with an owner.
    let actor_doc = if doc.get("inbox").is_some() {
        doc
    } else {
        let owner = doc
            .get("owner")
            .and_then(Value::as_str)
            .ok_or_else(|| FederationError::Invalid("the key has no owner".into()))?;
        let owner = Url::parse(owner)
            .map_err(|_| FederationError::Invalid("the key's owner is not a URL".into()))?;
        if owner.host_str() != key_url.host_str() {
            return Err(FederationError::Invalid(
                "the key's owner is on another host".into(),
            ));
        }
        app.fed.client.fetch_json(&owner, Some(&signer)).await?
    };
    let data = parse_actor(&actor_doc, &doc_url)?;
    if data.key_id != key_id {
        return Err(FederationError::Invalid(format!(
            "the actor does not publish the key {key_id}"
        )));
    }
    let actor = remote::upsert_remote_actor(&app.db, &data, time::now()).await?;
    let key = parse_key(&actor)?;
    Ok((actor, key))
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
pub async fn fetch_actor(app: &App, uri: &Url) -> Result<RemoteActor> {
    let signer = keys::instance_signer(app).await?;
    let doc = app.fed.client.fetch_json(uri, Some(&signer)).await?;
    let data = parse_actor(&doc, uri)?;
    Ok(remote::upsert_remote_actor(&app.db, &data, time::now()).await?)
}

/// The stored actor `uri`, fetched first if unknown.
pub async fn actor(app: &App, uri: &Url) -> Result<RemoteActor> {
    match remote::find_remote_actor_by_uri(&app.db, uri.as_str()).await? {
        Some(a) => Ok(a),
        None => fetch_actor(app, uri).await,
    }
}

/// Checks an actor document fetched from `fetched_from` and extracts what we keep.
pub fn parse_actor(doc: &Value, fetched_from: &Url) -> Result<RemoteActorData> {
    let bad = |why: &str| FederationError::Invalid(format!("actor document: {why}"));
    let id = doc
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("no id"))?;
    let id_url = Url::parse(id).map_err(|_| bad("id is not a URL"))?;
    if id_url.host_str() != fetched_from.host_str()
        || id_url.port_or_known_default() != fetched_from.port_or_known_default()
    {
        return Err(bad("id is on another host than the document"));
    }
    let kind = doc
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("Person")
        .to_owned();
    let inbox = doc
        .get("inbox")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("no inbox"))?;
    let inbox_url = Url::parse(inbox).map_err(|_| bad("inbox is not a URL"))?;
    let shared_inbox = doc
        .get("endpoints")
        .and_then(|e| e.get("sharedInbox"))
        .and_then(Value::as_str)
        .and_then(|s| Url::parse(s).ok())
        .map(|u| u.to_string());
    let keys: Vec<&Value> = match doc.get("publicKey") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v @ Value::Object(_)) => vec![v],
        _ => vec![],
    };
    let key = keys
        .into_iter()
        .find(|k| {
            k.get("owner")
                .and_then(Value::as_str)
                .is_none_or(|o| o == id)
        })
        .ok_or_else(|| bad("no public key owned by the actor"))?;
    let key_id = key
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("public key without id"))?;
    let pem = key
        .get("publicKeyPem")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("public key without PEM"))?;
    PublicKey::from_pem(pem).map_err(|e| bad(&format!("unusable public key: {e}")))?;
    let username = doc
        .get("preferredUsername")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| {
            id_url
                .path_segments()
                .and_then(|mut s| s.next_back().map(|x| x.trim_start_matches('@').to_owned()))
        })
        .unwrap_or_default();
    let domain = match id_url.port() {
        Some(p) => format!("{}:{p}", id_url.host_str().unwrap_or_default()),
        None => id_url.host_str().unwrap_or_default().to_owned(),
    };
    Ok(RemoteActorData {
        uri: id.to_owned(),
        kind,
        username: truncate(&username, 100),
        domain,
        display_name: truncate(doc.get("name").and_then(Value::as_str).unwrap_or(""), 200),
        url: doc
            .get("url")
            .and_then(json_id)
            .filter(|u| u.starts_with("http")),
        icon_url: doc.get("icon").and_then(|i| {
            i.get("url")
                .and_then(json_id)
                .or_else(|| i.get(0).and_then(|x| x.get("url")).and_then(json_id))
        }),
        inbox: inbox_url.to_string(),
        shared_inbox,
        key_id: key_id.to_owned(),
        public_key_pem: pem.to_owned(),
    })
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// Resolves `@user@host` to an actor URL with WebFinger.
pub async fn resolve_handle(app: &App, handle: &str) -> Result<Url> {
    let acct = handle.trim().trim_start_matches('@');
    let (_, host) = acct.split_once('@').ok_or_else(|| {
        FederationError::Invalid(format!("{handle:?} is not a handle like @user@host"))
    })?;
    let mut schemes = vec!["https"];
    if app.config.allow_private_networks {
        schemes.push("http");
    }
    let mut last_err = None;
    for scheme in schemes {
        let mut url = Url::parse(&format!("{scheme}://{host}/.well-known/webfinger"))?;
        url.query_pairs_mut()
            .append_pair("resource", &format!("acct:{acct}"));
        match app.fed.client.fetch_json(&url, None).await {
            Ok(jrd) => {
                let links = jrd
                    .get("links")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                let href = links.iter().find_map(|l| {
                    let rel = l.get("rel").and_then(Value::as_str)?;
                    let ty = l.get("type").and_then(Value::as_str).unwrap_or("");
                    (rel == "self" && (ty.contains("activity+json") || ty.contains("ld+json")))
                        .then(|| l.get("href").and_then(Value::as_str))?
                });
                return href.map(Url::parse).transpose()?.ok_or_else(|| {
                    FederationError::Invalid(format!("{handle} has no ActivityPub actor"))
                });
            }
            Err(e) => last_err = Some(e),
        }
    }
    Err(match last_err.map(FederationError::from) {
        Some(FederationError::Transient(why)) => {
            FederationError::Transient(format!("WebFinger lookup of {handle}: {why}"))
        }
        Some(e) => FederationError::Invalid(format!("WebFinger lookup of {handle} failed: {e}")),
        None => FederationError::Invalid(format!("WebFinger lookup of {handle} failed")),
    })
}
