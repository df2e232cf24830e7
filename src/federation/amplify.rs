//! Community amplification: an editor points at a post elsewhere on the fediverse; Chorus
//! fetches it from its origin, keeps it, shows it on the community page as a boost with
//! attribution, and federates `Announce` from the community actor. Un-amplifying federates
//! `Undo(Announce)` and takes it off the page. (A boost of one of *our* posts by someone else
//! is a reaction, counted in `activities/like.rs`, not this.)

use anyhow::{Context, bail};
use serde_json::Value;
use url::Url;

use super::{json_id, keys, outbox, remote};
use crate::app::App;
use crate::domain::time;
use crate::storage::amplifications::{self, Amplified};
use crate::storage::remote as stored;
use crate::urls;

/// Object types that can be amplified.
const AMPLIFIABLE: &[&str] = &[
    "Note", "Article", "Page", "Question", "Video", "Audio", "Image", "Event",
];

/// Amplifies the remote post at `url` (its id or web address). Amplifying it again changes
/// nothing. Gives the amplification.
pub async fn amplify(app: &App, url: &str) -> anyhow::Result<Amplified> {
    let target = Url::parse(url.trim()).with_context(|| format!("{url:?} is not a URL"))?;
    if urls::is_local(&app.config, &target) {
        bail!(
            "{target} is on this site: the community already announces every post published here"
        );
    }
    if let Some(existing) = amplifications::find_amplification(&app.db, target.as_str()).await? {
        return Ok(existing);
    }
    let signer = keys::instance_signer(app).await?;
    let object: Value = app
        .fed
        .client
        .fetch_json(&target, Some(&signer))
        .await
        .with_context(|| format!("cannot fetch {target}"))?;
    let id = json_id(&object).context("the fetched document has no id")?;
    let id_url = Url::parse(&id).context("the fetched document's id is not a URL")?;
    if id_url.host_str() != target.host_str() {
        bail!("the document at {target} claims to be {id}, on another server");
    }
    let kind = object
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !AMPLIFIABLE.contains(&kind) {
        bail!("{target} is a {kind:?}, not a post");
    }
    if !is_public(&object) {
        bail!("{target} is not public, so it cannot be amplified");
    }
    let author_id = object
        .get("attributedTo")
        .and_then(json_id)
        .context("the post names no author")?;
    let author_url = Url::parse(&author_id).context("the post's author is not a URL")?;
    if author_url.host_str() != id_url.host_str() {
        bail!("the post's author {author_id} is on another server than the post");
    }
    let author = remote::actor(app, &author_url)
        .await
        .with_context(|| format!("cannot fetch the author {author_id}"))?;
    if crate::storage::blocks::is_blocked(&app.db, &author.uri, &author.domain).await? {
        bail!("{} is blocked here", author.uri);
    }
    super::activities::create::store(app, &object, &author, None)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let kept = stored::find_remote_object(&app.db, &id)
        .await?
        .context("the post was not stored")?;
    if let Some(existing) = amplifications::find_amplification(&app.db, &id).await? {
        return Ok(existing);
    }
    let announce = outbox::announce_remote(app, &id, &author).await?;
    amplifications::insert_amplification(&app.db, kept.id, announce.as_str(), time::now()).await?;
    app.content_changed().await;
    amplifications::find_amplification(&app.db, &id)
        .await?
        .context("the amplification was not stored")
}

/// Takes back the amplification of the post at `url`: `Undo(Announce)` is federated and the
/// post leaves the community page. Gives whether it was amplified.
pub async fn unamplify(app: &App, url: &str) -> anyhow::Result<bool> {
    let Some(a) = amplifications::find_amplification(&app.db, url.trim()).await? else {
        return Ok(false);
    };
    let author = stored::find_remote_actor_by_uri(&app.db, &a.author.uri)
        .await?
        .context("the post's author is gone")?;
    outbox::undo_announce_remote(app, &a.announce_id, &a.object_uri, &author).await?;
    amplifications::delete_amplification(&app.db, a.amplification_id).await?;
    app.content_changed().await;
    Ok(true)
}

fn is_public(object: &Value) -> bool {
    ["to", "cc"].iter().any(|k| match object.get(*k) {
        Some(Value::Array(items)) => items.iter().filter_map(json_id).any(|a| public(&a)),
        Some(v) => json_id(v).is_some_and(|a| public(&a)),
        None => false,
    })
}

fn public(a: &str) -> bool {
    matches!(
        a,
        "https://www.w3.org/ns/activitystreams#Public" | "as:Public" | "Public"
    )
}
