//! Replies in a post's thread: a `Create` of a Note (or Article) answering a Chorus post or a
//! comment stored under one becomes a comment, and its author's `Update` edits it. Unknown
//! parents are fetched (signed, at most [`MAX_PARENT_FETCHES`] deep) to find out whether a
//! reply belongs to one of our threads; replies elsewhere are not ours to keep.

use serde_json::Value;
use url::Url;

use crate::app::App;
use crate::domain::comments::{self, Admission, CommentState, ReplyPolicy};
use crate::domain::{PostStatus, remote_html, time};
use crate::federation::{Data, avatars, json_id, keys, local_target, outbox, remote as fetch};
use crate::inbox::InboxError;
use crate::inbox::wire::{addressees, parse_time, same_host, text};
use crate::storage::comments::{self as stored, Comment, NewComment};
use crate::storage::posts::{self, Post};
use crate::storage::remote::RemoteActor;
use crate::storage::{blocks, follows};
use crate::urls;
use crate::urls::slug_from_url;

/// How many unknown ancestors of a reply are fetched to find the post it belongs to.
pub const MAX_PARENT_FETCHES: usize = 5;
/// Object types kept as comments.
const REPLY_TYPES: &[&str] = &["Note", "Article", "Page", "Question"];

/// Where a reply belongs: the post, and the comment it answers (if not the post itself).
struct Place {
    post: Post,
    parent: Option<Comment>,
}

/// Handles a `Create` of `object` by `signer` if it answers something in one of our threads.
/// Gives whether it did; `false` leaves the object to the other handlers.
pub async fn receive_create(
    app: &App,
    data: &Data,
    object: &Value,
    signer: &RemoteActor,
) -> Result<bool, InboxError> {
    let Some(in_reply_to) = object.get("inReplyTo").and_then(json_id) else {
        return Ok(false);
    };
    let uri =
        json_id(object).ok_or_else(|| InboxError::BadRequest("the object has no id".into()))?;
    if !same_host(&uri, &signer.uri) {
        return Err(InboxError::BadRequest(
            "the reply is not on its author's server".into(),
        ));
    }
    if stored::find_comment_by_uri(&app.db, &uri).await?.is_some() {
        return Ok(true); // known already (or deleted): a second copy changes nothing
    }
    let Some(place) = locate(app, data, &in_reply_to, MAX_PARENT_FETCHES).await? else {
        return Ok(false);
    };
    match store(app, object, &uri, signer, &place).await? {
        Kept::Stored => {
            app.content_changed().await;
            avatars::ensure(app, signer.id);
        }
        Kept::Refused => outbox::reject_reply(app, &place.post, &uri, signer).await?,
        Kept::Known => {}
    }
    Ok(true)
}

/// Applies an `Update` of a stored comment by its author. Gives whether the object was a
/// comment of ours.
pub async fn receive_update(
    app: &App,
    object: &Value,
    signer: &RemoteActor,
) -> Result<bool, InboxError> {
    let Some(uri) = json_id(object) else {
        return Ok(false);
    };
    let Some(existing) = stored::find_comment_by_uri(&app.db, &uri).await? else {
        return Ok(false);
    };
    if existing.author.remote_actor_id != signer.id {
        return Err(InboxError::Unauthorized(
            "only its author may edit a comment".into(),
        ));
    }
    let updated = text(object, "updated")
        .and_then(parse_time)
        .unwrap_or_else(time::now);
    let content = content_of(object);
    if stored::update_comment_content(&app.db, &uri, signer.id, &content, updated, time::now())
        .await?
    {
        app.content_changed().await;
    }
    Ok(true)
}

/// Finds the post a reply to `target` belongs to, fetching unknown ancestors (storing them as
/// comments on the way) while `budget` lasts.
async fn locate(
    app: &App,
    data: &Data,
    target: &str,
    budget: usize,
) -> Result<Option<Place>, InboxError> {
    if let Some(post) = local_post(app, target).await? {
        return Ok(Some(Place { post, parent: None }));
    }
    if let Some(parent) = stored::find_comment_by_uri(&app.db, target).await? {
        if parent.deleted {
            return Ok(None);
        }
        let post = posts::find_post_by_id(&app.db, parent.post_id).await?;
        if post.status != PostStatus::Published {
            return Ok(None);
        }
        return Ok(Some(Place {
            post,
            parent: Some(parent),
        }));
    }
    if budget == 0 {
        return Ok(None);
    }
    let Some((object, author)) = fetch_parent(data, target).await else {
        return Ok(None);
    };
    let Some(grandparent) = object.get("inReplyTo").and_then(json_id) else {
        return Ok(None);
    };
    let Some(place) = Box::pin(locate(app, data, &grandparent, budget - 1)).await? else {
        return Ok(None);
    };
    store(app, &object, target, &author, &place).await?;
    let parent = stored::find_comment_by_uri(&app.db, target)
        .await?
        .filter(|c| !c.deleted);
    Ok(Some(Place {
        post: place.post,
        parent,
    }))
}

/// The published local post at `url`, if it is one.
async fn local_post(app: &App, url: &str) -> Result<Option<Post>, InboxError> {
    let Ok(parsed) = Url::parse(url) else {
        return Ok(None);
    };
    if !urls::is_local(&app.config, &parsed) {
        return Ok(None);
    }
    let Some(slug) = slug_from_url(&app.config.base_url, url) else {
        return Ok(None);
    };
    Ok(posts::find_post_by_slug(&app.db, &slug)
        .await?
        .filter(|p| p.status == PostStatus::Published))
}

/// Fetches an ancestor from its origin, with its author; `None` when it cannot be used.
async fn fetch_parent(data: &Data, uri: &str) -> Option<(Value, RemoteActor)> {
    let url = Url::parse(uri).ok()?;
    let object = match fetch::fetch_document(data, &url).await {
        Ok(o) => o,
        Err(e) => {
            tracing::debug!(%uri, error = %e, "could not fetch a reply's parent");
            return None;
        }
    };
    let kind = object
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if json_id(&object).as_deref() != Some(uri) || !REPLY_TYPES.contains(&kind) {
        return None;
    }
    let author = object.get("attributedTo").and_then(json_id)?;
    if !same_host(uri, &author) {
        return None;
    }
    let author = fetch::actor(data, &Url::parse(&author).ok()?).await.ok()?;
    Some((object, author))
}

/// What became of a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kept {
    Stored,
    /// Stored before (or deleted): nothing changed.
    Known,
    /// The post's reply policy does not allow it.
    Refused,
}

/// Stores `object` (with id `uri`, by `author`) as a comment at `place`, as the post's reply
/// policy and the reply's addressing allow.
async fn store(
    app: &App,
    object: &Value,
    uri: &str,
    author: &RemoteActor,
    place: &Place,
) -> Result<Kept, InboxError> {
    let visibility = comments::visibility(&addressees(object), &author.uri);
    let policy = stored::effective_reply_policy(&app.db, place.post.id).await?;
    let trusted = match policy {
        ReplyPolicy::Followers => is_follower(app, &place.post, author).await?,
        ReplyPolicy::Following => is_followed_by_author(app, &place.post, author).await?,
        ReplyPolicy::Anyone | ReplyPolicy::Nobody => false,
    };
    let state = match comments::admit(policy, visibility, trusted) {
        Admission::Store(_) if blocks::is_blocked(&app.db, &author.uri, &author.domain).await? => {
            CommentState::Hidden
        }
        Admission::Store(state) => state,
        Admission::Refuse => {
            tracing::debug!(post = %place.post.slug, %uri, "a reply to a post closed to replies was not kept");
            return Ok(Kept::Refused);
        }
    };
    let content = content_of(object);
    let url = object
        .get("url")
        .and_then(json_id)
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"));
    let published = text(object, "published")
        .and_then(parse_time)
        .unwrap_or_else(time::now);
    let updated = text(object, "updated").and_then(parse_time);
    let in_reply_to = object
        .get("inReplyTo")
        .and_then(json_id)
        .unwrap_or_default();
    let new = NewComment {
        post_id: place.post.id,
        uri,
        in_reply_to: &in_reply_to,
        parent_id: place.parent.as_ref().map(|p| p.id),
        remote_actor_id: author.id,
        url: url.as_deref(),
        content_html: &content,
        visibility,
        state,
        published,
        updated,
    };
    let id = stored::insert_comment(&app.db, &new, time::now()).await?;
    if id.is_none() {
        return Ok(Kept::Known);
    }
    tracing::info!(post = %place.post.slug, %uri, visibility = visibility.as_str(), state = state.as_str(), "a reply was stored");
    Ok(Kept::Stored)
}

/// Whether `actor` follows the post's author or the community.
/// Whether the post's author follows `actor` (and the follow was accepted).
async fn is_followed_by_author(
    app: &App,
    post: &Post,
    actor: &RemoteActor,
) -> Result<bool, InboxError> {
    let author = urls::person(&app.config, post.author.username.as_str());
    let Some(local) = local_target(app, author.as_str()).await? else {
        return Ok(false);
    };
    Ok(follows::find_following(&app.db, local.id, actor.id)
        .await?
        .is_some_and(|(_, accepted)| accepted))
}

async fn is_follower(app: &App, post: &Post, actor: &RemoteActor) -> Result<bool, InboxError> {
    let author = urls::person(&app.config, post.author.username.as_str());
    let community = keys::community_actor(app).await?;
    let mut locals = vec![community.id];
    if let Some(a) = local_target(app, author.as_str()).await? {
        locals.push(a.id);
    }
    for local in locals {
        if follows::is_follower(&app.db, local, actor.id).await? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The sanitized content of a reply; a content warning (`summary` on a Note) is kept as a
/// first line.
pub fn content_of(object: &Value) -> String {
    let body = text(object, "content").unwrap_or_default();
    let kind = text(object, "type").unwrap_or_default();
    match text(object, "summary").filter(|s| kind == "Note" && !s.trim().is_empty()) {
        Some(warning) => {
            let warning = remote_html::plain_text(&remote_html::sanitize(warning));
            let warning = crate::domain::html::escape(&warning);
            remote_html::sanitize(&format!("<p><strong>{warning}</strong></p>{body}"))
        }
        None => remote_html::sanitize(body),
    }
}
