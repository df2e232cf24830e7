//! The community's and its people's relations with other servers.
//!
//! Amplification: an editor points at a post elsewhere on the fediverse; Chorus fetches it
//! from its origin, keeps it, shows it on the community page as a boost with attribution, and
//! federates `Announce` from the community actor. Un-amplifying federates `Undo(Announce)` and
//! takes it off the page. (A boost of one of *our* posts by someone else is a reaction, counted
//! by the inbox, not this.)
//!
//! Following: a local author or the community follows a remote actor (`Follow`, counted once
//! accepted) or stops (`Undo`); an author removes a follower (`Reject` of their Follow).

use serde_json::Value;
use url::Url;

use crate::app::App;
use crate::domain::time;
use crate::federation::FederationError;
use crate::federation::{json_id, keys, local_target, outbox, remote};
use crate::storage::StorageError;
use crate::storage::amplifications::{self, Amplified};
use crate::storage::remote as stored;
use crate::urls;

#[derive(Debug, thiserror::Error)]
pub enum CommunityError {
    /// What was asked cannot be done; the message says why.
    #[error("{0}")]
    Refused(String),
    #[error("no local user or community named {0:?}")]
    NoSuchLocal(String),
    #[error(transparent)]
    Federation(#[from] FederationError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl CommunityError {
    /// Whether the fault is ours (a 500) rather than the request's or the other server's.
    pub fn is_internal(&self) -> bool {
        match self {
            CommunityError::Storage(_) => true,
            CommunityError::Federation(e) => e.is_internal(),
            _ => false,
        }
    }
}

type Result<T, E = CommunityError> = std::result::Result<T, E>;

fn refused(why: String) -> CommunityError {
    CommunityError::Refused(why)
}

/// Object types that can be amplified.
const AMPLIFIABLE: &[&str] = &[
    "Note", "Article", "Page", "Question", "Video", "Audio", "Image", "Event",
];

/// Amplifies the remote post at `url` (its id or web address). Amplifying it again changes
/// nothing. Gives the amplification.
pub async fn amplify(app: &App, url: &str) -> Result<Amplified> {
    let target = Url::parse(url.trim()).map_err(|_| refused(format!("{url:?} is not a URL")))?;
    if urls::is_local(&app.config, &target) {
        return Err(refused(format!(
            "{target} is on this site: the community already announces every post published here"
        )));
    }
    if let Some(existing) = amplifications::find_amplification(&app.db, target.as_str()).await? {
        return Ok(existing);
    }
    let data = app.fed.data();
    let object: Value = remote::fetch_document(&data, &target)
        .await
        .map_err(|e| refused(format!("cannot fetch {target}: {e}")))?;
    let id = json_id(&object).ok_or_else(|| refused("the fetched document has no id".into()))?;
    let id_url =
        Url::parse(&id).map_err(|_| refused("the fetched document's id is not a URL".into()))?;
    if id_url.host_str() != target.host_str() {
        return Err(refused(format!(
            "the document at {target} claims to be {id}, on another server"
        )));
    }
    let kind = object
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !AMPLIFIABLE.contains(&kind) {
        return Err(refused(format!("{target} is a {kind:?}, not a post")));
    }
    if !is_public(&object) {
        return Err(refused(format!(
            "{target} is not public, so it cannot be amplified"
        )));
    }
    let author_id = object
        .get("attributedTo")
        .and_then(json_id)
        .ok_or_else(|| refused("the post names no author".into()))?;
    let author_url =
        Url::parse(&author_id).map_err(|_| refused("the post's author is not a URL".into()))?;
    if author_url.host_str() != id_url.host_str() {
        return Err(refused(format!(
            "the post's author {author_id} is on another server than the post"
        )));
    }
    let author = remote::actor(&data, &author_url)
        .await
        .map_err(|e| refused(format!("cannot fetch the author {author_id}: {e}")))?;
    if crate::storage::blocks::is_blocked(&app.db, &author.uri, &author.domain).await? {
        return Err(refused(format!("{} is blocked here", author.uri)));
    }
    crate::federation::objects::remote_post::store_post(app, &object, &author, None)
        .await
        .map_err(|e| refused(e.to_string()))?;
    let kept = stored::find_remote_object(&app.db, &id)
        .await?
        .ok_or(StorageError::NotFound)?;
    if let Some(existing) = amplifications::find_amplification(&app.db, &id).await? {
        return Ok(existing);
    }
    let announce = outbox::announce_remote(app, &id, &author).await?;
    amplifications::insert_amplification(&app.db, kept.id, announce.as_str(), time::now()).await?;
    app.content_changed().await;
    Ok(amplifications::find_amplification(&app.db, &id)
        .await?
        .ok_or(StorageError::NotFound)?)
}

/// Takes back the amplification of the post at `url`: `Undo(Announce)` is federated and the
/// post leaves the community page. Gives whether it was amplified.
pub async fn unamplify(app: &App, url: &str) -> Result<bool> {
    let Some(a) = amplifications::find_amplification(&app.db, url.trim()).await? else {
        return Ok(false);
    };
    let author = stored::find_remote_actor_by_uri(&app.db, &a.author.uri)
        .await?
        .ok_or(StorageError::NotFound)?;
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

/// Follows (or with `follow` false, stops following) `target` (an actor URL or `@user@host`)
/// as the local author or community named `local`. Gives the local and remote actor ids.
pub async fn follow(app: &App, local: &str, target: &str, follow: bool) -> Result<(Url, String)> {
    let local_url = urls::person(
        &app.config,
        &local.trim_start_matches('@').to_ascii_lowercase(),
    );
    let actor = local_target(app, local_url.as_str())
        .await?
        .ok_or_else(|| CommunityError::NoSuchLocal(local.to_owned()))?;
    let data = app.fed.data();
    let target_url = if target.starts_with("http://") || target.starts_with("https://") {
        Url::parse(target).map_err(|_| refused(format!("{target:?} is not a URL")))?
    } else {
        remote::resolve_handle(&data, target).await?
    };
    let remote_actor = remote::fetch_actor(&data, &target_url)
        .await
        .map_err(|e| refused(format!("cannot fetch {target_url}: {e}")))?;
    if follow {
        outbox::follow(app, &actor, &remote_actor).await?;
    } else if !outbox::unfollow(app, &actor, &remote_actor).await? {
        return Err(refused(format!(
            "{local_url} does not follow {}",
            remote_actor.uri
        )));
    }
    Ok((local_url, remote_actor.uri))
}

/// `user` removes the follower `remote_actor_id`: the follow ends and their server gets a
/// `Reject` of it. Gives whether they were a follower.
pub async fn remove_follower(
    app: &App,
    user: &crate::storage::users::User,
    remote_actor_id: i64,
) -> Result<bool> {
    let local = keys::person_actor(app, user.id).await?;
    let Some(follower) =
        crate::storage::follows::find_follower(&app.db, local.id, remote_actor_id).await?
    else {
        return Ok(false);
    };
    let removed = outbox::remove_follower(app, &local, &follower).await?;
    if removed {
        tracing::info!(user = %user.username, follower = %follower.uri, "follower removed");
    }
    Ok(removed)
}
