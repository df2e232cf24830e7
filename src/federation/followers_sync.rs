//! Followers collection synchronization (FEP-8fcf), as Mastodon does it. A delivery to a
//! server where an actor has followers carries a `Collection-Synchronization` header: the
//! actor's followers collection, where to read the part of it on that server, and a digest
//! (the XOR of the SHA-256 of each follower's id there). A server whose own view differs
//! reads that part and drops the follows it has but the sender does not know of.
//!
//! Both ways here: deliveries carry the header ([`headers_for`]), the partial collection is
//! served to the server that asks, signed ([`partial_collection`]), and a header received
//! with an activity is checked against the local actors who follow the sender ([`received`]).

use std::collections::{HashMap, HashSet};

use aws_lc_rs::digest::{SHA256, digest as sha256};
use serde_json::{Value, json};
use url::Url;

use super::error::Result;
use super::keys;
use crate::app::App;
use crate::storage::actors::{self, LocalActor};
use crate::storage::follows;
use crate::storage::remote::RemoteActor;
use crate::urls;

/// The header's name.
pub const HEADER: &str = "collection-synchronization";
/// Where each actor serves the part of its followers on the server asking.
pub const LEAF: &str = "followers_synchronization";

/// The header's three parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncHeader {
    pub collection_id: String,
    pub url: String,
    pub digest: String,
}

impl SyncHeader {
    pub fn render(&self) -> String {
        format!(
            "collectionId=\"{}\", url=\"{}\", digest=\"{}\"",
            self.collection_id, self.url, self.digest
        )
    }

    /// Reads `collectionId="…", url="…", digest="…"` (in any order; other keys ignored).
    pub fn parse(value: &str) -> Option<SyncHeader> {
        let mut found: HashMap<&str, &str> = HashMap::new();
        let mut rest = value.trim();
        while !rest.is_empty() {
            let (key, after) = rest.split_once('=')?;
            let after = after.trim_start().strip_prefix('"')?;
            let end = after.find('"')?;
            found.insert(key.trim(), &after[..end]);
            rest = after[end + 1..].trim_start();
            rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
        }
        Some(SyncHeader {
            collection_id: (*found.get("collectionId")?).to_owned(),
            url: (*found.get("url")?).to_owned(),
            digest: found.get("digest")?.to_ascii_lowercase(),
        })
    }
}

/// The XOR of the SHA-256 of each id, in lowercase hex (all zeros for none).
pub fn digest<'a>(ids: impl IntoIterator<Item = &'a str>) -> String {
    let mut acc = [0u8; 32];
    for id in ids {
        for (a, b) in acc.iter_mut().zip(sha256(&SHA256, id.as_bytes()).as_ref()) {
            *a ^= b;
        }
    }
    acc.iter().map(|b| format!("{b:02x}")).collect()
}

/// The header for deliveries from local actor `local_actor_id` to each of `domains` where it
/// has followers.
pub async fn headers_for(
    app: &App,
    local_actor_id: i64,
    domains: &[String],
) -> Result<HashMap<String, String>> {
    let found = follows::followers_on_domains(&app.db, local_actor_id, domains).await?;
    if found.is_empty() {
        return Ok(HashMap::new());
    }
    let Some(local) = actors::find_local_actor(&app.db, local_actor_id).await? else {
        return Ok(HashMap::new());
    };
    let actor = keys::actor_url(app, &local).await?;
    let mut by_domain: HashMap<String, Vec<String>> = HashMap::new();
    for (domain, uri) in found {
        by_domain.entry(domain).or_default().push(uri);
    }
    Ok(by_domain
        .into_iter()
        .map(|(domain, uris)| {
            let header = SyncHeader {
                collection_id: urls::under(&actor, "followers").to_string(),
                url: urls::under(&actor, LEAF).to_string(),
                digest: digest(uris.iter().map(String::as_str)),
            };
            (domain, header.render())
        })
        .collect())
}

/// The followers of `local` (whose id is `actor`) on the server `domain`, as an
/// `OrderedCollection`: what the header's digest was computed over.
pub async fn partial_collection(
    app: &App,
    local: &LocalActor,
    actor: &Url,
    domain: &str,
) -> Result<Value> {
    let found = follows::followers_on_domains(&app.db, local.id, &[domain.to_owned()]).await?;
    let items: Vec<String> = found.into_iter().map(|(_, uri)| uri).collect();
    Ok(json!({
        "id": urls::under(actor, LEAF),
        "type": "OrderedCollection",
        "totalItems": items.len(),
        "orderedItems": items,
    }))
}

/// Acts on a header that came with an activity signed by `sender`: when the local actors
/// who follow `sender` do not give its digest, reads its partial collection (once an hour per
/// sender at most) and then drops the follows it does not list and takes back, with `Undo`,
/// the follows it lists that are not ours. Runs in the background; failures are logged.
pub fn received(app: &App, sender: &RemoteActor, value: &str) {
    let Some(header) = SyncHeader::parse(value) else {
        tracing::debug!(actor = %sender.uri, "a Collection-Synchronization header that cannot be read");
        return;
    };
    let on_sender = |u: &str| {
        Url::parse(u)
            .ok()
            .and_then(|u| urls::instance_of(&u))
            .is_some_and(|d| d == sender.domain)
    };
    if !on_sender(&header.url) || !on_sender(&header.collection_id) {
        tracing::debug!(actor = %sender.uri, url = %header.url, "a Collection-Synchronization header naming another server");
        return;
    }
    let (app, sender) = (app.clone(), sender.clone());
    tokio::spawn(async move {
        if let Err(e) = synchronize(&app, &sender, &header).await {
            tracing::info!(actor = %sender.uri, error = %e, "could not synchronize the follows of an actor");
        }
    });
}

async fn synchronize(app: &App, sender: &RemoteActor, header: &SyncHeader) -> Result<()> {
    let mut ours: HashMap<String, LocalActor> = HashMap::new();
    for id in follows::local_followers_of(&app.db, sender.id).await? {
        if let Some(local) = actors::find_local_actor(&app.db, id).await? {
            ours.insert(keys::actor_url(app, &local).await?.to_string(), local);
        }
    }
    if digest(ours.keys().map(String::as_str)) == header.digest
        || !app.fed.lookups.may_synchronize(&sender.uri)
    {
        return Ok(());
    }
    let url =
        Url::parse(&header.url).map_err(|e| super::FederationError::Invalid(e.to_string()))?;
    let signer = keys::instance_signer(app).await?;
    let doc = app.fed.client.fetch_json(&url, Some(&signer)).await?;
    let listed: HashSet<String> = items(&doc).collect();
    for (uri, local) in &ours {
        if !listed.contains(uri) {
            tracing::info!(actor = %sender.uri, local = %uri, "dropped a follow the followed server does not know of");
            follows::remove_following(&app.db, local.id, sender.id).await?;
        }
    }
    for uri in listed.iter().filter(|u| !ours.contains_key(*u)) {
        if let Some(local) = local_actor_at(app, uri).await? {
            tracing::info!(actor = %sender.uri, local = %uri, "took back a follow the followed server has but this one does not");
            super::outbox::undo_stale_follow(app, &local, sender).await?;
        }
    }
    Ok(())
}

/// The ids in a collection's items (inline; a first page given inline counts too).
fn items(doc: &Value) -> impl Iterator<Item = String> + '_ {
    let list = |v: &'_ Value| -> Vec<Value> {
        ["orderedItems", "items"]
            .iter()
            .find_map(|k| v.get(*k).and_then(Value::as_array).cloned())
            .unwrap_or_default()
    };
    let mut all = list(doc);
    if let Some(first) = doc.get("first").filter(|f| f.is_object()) {
        all.extend(list(first));
    }
    all.into_iter().filter_map(|i| super::json_id(&i))
}

/// The local actor whose id is `uri`, if it is one of ours.
async fn local_actor_at(app: &App, uri: &str) -> Result<Option<LocalActor>> {
    if Url::parse(uri).is_ok_and(|u| u == urls::instance(&app.config)) {
        return Ok(Some(keys::instance_actor(app).await?));
    }
    super::local_target(app, uri).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_is_the_xor_of_each_ids_sha256() {
        assert_eq!(digest(Vec::<&str>::new()), "0".repeat(64));
        let one = digest(["https://a.example/users/pat"]);
        assert_eq!(one.len(), 64);
        // XOR: order does not matter, and an id twice cancels out.
        let ab = digest([
            "https://a.example/users/pat",
            "https://a.example/users/quinn",
        ]);
        let ba = digest([
            "https://a.example/users/quinn",
            "https://a.example/users/pat",
        ]);
        assert_eq!(ab, ba);
        assert_eq!(
            digest([
                "https://a.example/users/quinn",
                "https://a.example/users/quinn"
            ]),
            "0".repeat(64)
        );
        // SHA-256("abc") alone is its own digest.
        assert_eq!(
            digest(["abc"]),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn the_header_reads_back_what_it_writes_and_refuses_what_it_cannot_read() {
        let h = SyncHeader {
            collection_id: "https://c.example/@alice/followers".into(),
            url: "https://c.example/@alice/followers_synchronization".into(),
            digest: "ab".repeat(32),
        };
        assert_eq!(SyncHeader::parse(&h.render()), Some(h.clone()));
        let reordered = format!(
            "digest=\"{}\",url=\"{}\", collectionId=\"{}\"",
            h.digest.to_uppercase(),
            h.url,
            h.collection_id
        );
        assert_eq!(SyncHeader::parse(&reordered), Some(h));
        for bad in [
            "",
            "collectionId=\"x\"",
            "url=x, digest=y",
            "collectionId=\"a\", url=\"b\", digest=\"c",
        ] {
            assert_eq!(SyncHeader::parse(bad), None, "{bad}");
        }
    }
}
