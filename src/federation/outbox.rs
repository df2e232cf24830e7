//! What local actors send: a post's Create (and the community's Announce), Update and Delete,
//! profile Updates, Accepts of follows, and Follows. Each activity is queued for delivery to
//! the followers' inboxes (one per shared inbox); publishing never waits for delivery.

use serde_json::{Value, json};
use url::Url;

use super::enqueue::{self, OutgoingActivity};
use super::error::Result;
use super::keys;
use super::objects::{PUBLIC, actor, article, with_context};
use crate::app::App;
use crate::domain::time;
use crate::storage::actors::LocalActor;
use crate::storage::blocks;
use crate::storage::follows;
use crate::storage::mentions::{self, Mention};
use crate::storage::posts::Post;
use crate::storage::remote::RemoteActor;
use crate::storage::users::User;
use crate::urls;

pub(super) async fn send(
    app: &App,
    local: &LocalActor,
    kind: &str,
    id: Url,
    payload: Value,
    inboxes: Vec<String>,
) -> Result<()> {
    send_after(app, local, kind, id, payload, inboxes, None).await
}

/// Queues `payload` for `inboxes`; with `after`, each delivery waits until that activity's
/// delivery to the same inbox (if it has one) is done.
pub(super) async fn send_after(
    app: &App,
    local: &LocalActor,
    kind: &str,
    id: Url,
    payload: Value,
    inboxes: Vec<String>,
    after: Option<Url>,
) -> Result<()> {
    let mut allowed: Vec<Url> = Vec::with_capacity(inboxes.len());
    for inbox in inboxes.iter().filter_map(|i| Url::parse(i).ok()) {
        // Nothing new goes to a blocked domain.
        match crate::urls::instance_of(&inbox) {
            Some(domain) if blocks::is_blocked(&app.db, "", &domain).await? => {}
            _ => allowed.push(inbox),
        }
    }
    let inboxes = allowed;
    if inboxes.is_empty() {
        return Ok(());
    }
    let activity = OutgoingActivity {
        id,
        local_actor_id: local.id,
        kind: kind.to_owned(),
        payload: with_context(payload),
        after,
    };
    let n = enqueue::enqueue(app, &activity, &inboxes).await?;
    tracing::info!(kind, id = %activity.id, deliveries = n, "activity queued");
    Ok(())
}

/// Answers a Follow: `Accept` with the original Follow as its object.
pub async fn accept_follow(
    app: &App,
    local: &LocalActor,
    follower: &RemoteActor,
    follow_id: &Url,
    followed: &Url,
) -> Result<()> {
    let actor_id = keys::actor_url(app, local).await?;
    let id = urls::new_activity(&app.config);
    let object = json!({
        "id": follow_id,
        "type": "Follow",
        "actor": follower.uri,
        "object": followed,
    });
    let payload = json!({"id": id, "type": "Accept", "actor": actor_id, "object": object, "to": [follower.uri]});
    send(
        app,
        local,
        "Accept",
        id,
        payload,
        vec![follower.inbox.clone()],
    )
    .await
}

/// A post became public: `Create` from its author, `Announce` from the community.
pub async fn post_published(app: &App, post: &Post) -> Result<()> {
    let author = keys::person_actor(app, post.author.id).await?;
    let id = urls::new_activity(&app.config);
    let mentioned = mentions::post_mentions(&app.db, post.id).await?;
    let setting = article::Setting::load(app).await?;
    let create = article::create(&app.config, post, &setting, &mentioned, Some(&id));
    let mut inboxes = follows::follower_inboxes(&app.db, &[author.id]).await?;
    inboxes.extend(mention_inboxes(&mentioned));
    send(app, &author, "Create", id, create.clone(), inboxes).await?;
    super::group::announce(app, &author, &create).await
}

/// A public post changed: `Update` with a newer `updated`, to everyone who received it.
pub async fn post_updated(app: &App, post: &Post) -> Result<()> {
    let (author, mut inboxes) = author_and_audience(app, post).await?;
    let id = urls::new_activity(&app.config);
    let setting = article::Setting::load(app).await?;
    let mut object = article::article(&app.config, post, &setting);
    object["replies"] = article::replies(app, post).await?;
    let mentioned = mentions::post_mentions(&app.db, post.id).await?;
    article::add_mentions(&mut object, &mentioned);
    inboxes.extend(mention_inboxes(&mentioned));
    let payload = json!({
        "id": id, "type": "Update", "actor": object["attributedTo"], "published": time::iso(&post.updated_at),
        "to": object["to"], "cc": object["cc"], "audience": object["audience"], "object": object,
    });
    send(app, &author, "Update", id, payload.clone(), inboxes).await?;
    super::group::announce(app, &author, &payload).await
}

/// A public post was deleted or unpublished: `Delete` of its Tombstone.
pub async fn post_deleted(app: &App, post: &Post) -> Result<()> {
    let (author, mut inboxes) = author_and_audience(app, post).await?;
    inboxes.extend(mention_inboxes(
        &mentions::post_mentions(&app.db, post.id).await?,
    ));
    let id = urls::new_activity(&app.config);
    let author_url = urls::person(&app.config, post.author.username.as_str());
    let group = article::Setting::load(app).await?.community;
    let payload = json!({
        "id": id, "type": "Delete", "actor": author_url,
        "to": [PUBLIC], "cc": [urls::under(&author_url, "followers"), group], "audience": group,
        "object": {"id": urls::article(&app.config, post.slug.as_str()), "type": "Tombstone", "formerType": "Article"},
    });
    send(app, &author, "Delete", id, payload.clone(), inboxes).await?;
    super::group::announce(app, &author, &payload).await
}

/// The author pinned (`Add`) or unpinned (`Remove`) a public post on their profile: the
/// change to their `featured` collection, to their followers, as Mastodon sends it.
pub async fn post_pinned(app: &App, post: &Post, pinned: bool) -> Result<()> {
    let author = keys::person_actor(app, post.author.id).await?;
    let author_url = urls::person(&app.config, post.author.username.as_str());
    let id = urls::new_activity(&app.config);
    let kind = if pinned { "Add" } else { "Remove" };
    let payload = json!({
        "id": id, "type": kind, "actor": author_url,
        "to": [PUBLIC], "cc": [urls::under(&author_url, "followers")],
        "object": urls::article(&app.config, post.slug.as_str()),
        "target": urls::under(&author_url, "featured"),
    });
    let inboxes = follows::follower_inboxes(&app.db, &[author.id]).await?;
    send(app, &author, kind, id, payload, inboxes).await
}

/// The inboxes of mentioned remote actors (local ones have none).
fn mention_inboxes(mentioned: &[Mention]) -> Vec<String> {
    mentioned
        .iter()
        .filter(|m| !m.inbox.is_empty())
        .map(|m| m.inbox.clone())
        .collect()
}

/// The author's followers and the community's: both saw the post.
async fn author_and_audience(app: &App, post: &Post) -> Result<(LocalActor, Vec<String>)> {
    let author = keys::person_actor(app, post.author.id).await?;
    let community = keys::community_actor(app).await?;
    let inboxes = follows::follower_inboxes(&app.db, &[author.id, community.id]).await?;
    Ok((author, inboxes))
}

/// A profile changed: `Update` of the Person.
pub async fn profile_updated(app: &App, user: &User) -> Result<()> {
    let local = keys::person_actor(app, user.id).await?;
    let pictures = actor::Pictures::load(app, user.avatar_media_id, user.header_media_id).await?;
    let person = actor::person(&app.config, user, &local, &pictures);
    let id = urls::new_activity(&app.config);
    let payload = json!({"id": id, "type": "Update", "actor": person["id"], "to": [PUBLIC], "object": person});
    let inboxes = follows::follower_inboxes(&app.db, &[local.id]).await?;
    send(app, &local, "Update", id, payload, inboxes).await
}

/// `user` moved to `target`: `Move` of the Person to every follower, whose servers then follow
/// `target` instead (after checking that `target` names `user` in its `alsoKnownAs`).
pub async fn account_moved(app: &App, user: &User, target: &Url) -> Result<()> {
    let local = keys::person_actor(app, user.id).await?;
    let actor_id = urls::person(&app.config, user.username.as_str());
    let id = urls::new_activity(&app.config);
    let payload = json!({
        "id": id, "type": "Move", "actor": actor_id, "object": actor_id, "target": target,
        "to": [urls::under(&actor_id, "followers")],
    });
    let inboxes = follows::follower_inboxes(&app.db, &[local.id]).await?;
    send(app, &local, "Move", id, payload, inboxes).await
}

/// The community's name or description changed: `Update` of the Group.
pub async fn community_updated(app: &App) -> Result<()> {
    let local = keys::community_actor(app).await?;
    let site = crate::storage::site::get_site(&app.db).await?;
    let pictures = actor::Pictures::load(
        app,
        crate::storage::site::community_avatar(&app.db).await?,
        None,
    )
    .await?;
    let group = actor::group(&app.config, &site, &local, &pictures);
    let id = urls::new_activity(&app.config);
    let payload =
        json!({"id": id, "type": "Update", "actor": group["id"], "to": [PUBLIC], "object": group});
    let inboxes = follows::follower_inboxes(&app.db, &[local.id]).await?;
    send(app, &local, "Update", id, payload, inboxes).await
}

/// Refuses a reply to `post` that its reply policy does not allow: `Reject` of the reply
/// (`reply` its id) from the post's author, naming the post as `target`, to the replier. This is
/// how GoToSocial and Mastodon learn that an interaction was not accepted.
pub async fn reject_reply(
    app: &App,
    post: &Post,
    reply: &str,
    replier: &RemoteActor,
) -> Result<()> {
    let author = keys::person_actor(app, post.author.id).await?;
    let actor_id = keys::actor_url(app, &author).await?;
    let id = urls::new_activity(&app.config);
    let payload = json!({
        "id": id, "type": "Reject", "actor": actor_id, "to": [replier.uri],
        "object": reply, "target": urls::article(&app.config, post.slug.as_str()),
    });
    let inbox = replier.delivery_inbox();
    send(app, &author, "Reject", id, payload, vec![inbox]).await
}

/// Removes a follower: `Reject` of their Follow, so their server drops the follow too
/// (Mastodon removes it from the follower's list on a Reject of an accepted follow).
pub async fn remove_follower(
    app: &App,
    local: &LocalActor,
    follower: &follows::Follower,
) -> Result<bool> {
    if !follows::remove_follower(&app.db, local.id, follower.remote_actor_id).await? {
        return Ok(false);
    }
    let actor_id = keys::actor_url(app, local).await?;
    let id = urls::new_activity(&app.config);
    let payload = json!({
        "id": id, "type": "Reject", "actor": actor_id, "to": [follower.uri],
        "object": {"id": follower.follow_id, "type": "Follow", "actor": follower.uri, "object": actor_id},
    });
    send(
        app,
        local,
        "Reject",
        id,
        payload,
        vec![follower.inbox.clone()],
    )
    .await?;
    Ok(true)
}

/// The community amplifies a remote post: `Announce` from the community to its followers and
/// the post's author. Gives the Announce's id (its Undo needs it).
pub async fn announce_remote(app: &App, object_id: &str, author: &RemoteActor) -> Result<Url> {
    let community = keys::community_actor(app).await?;
    let group = keys::actor_url(app, &community).await?;
    let id = urls::new_activity(&app.config);
    let payload = json!({
        "id": id,
        "type": "Announce",
        "actor": group,
        "object": object_id,
        "published": time::iso(&time::now()),
        "to": [PUBLIC],
        "cc": [urls::under(&group, "followers"), author.uri],
    });
    let mut inboxes = follows::follower_inboxes(&app.db, &[community.id]).await?;
    inboxes.push(author.delivery_inbox());
    send(app, &community, "Announce", id.clone(), payload, inboxes).await?;
    Ok(id)
}

/// The community takes back an amplification: `Undo` of its `Announce` `announce_id`.
pub async fn undo_announce_remote(
    app: &App,
    announce_id: &str,
    object_id: &str,
    author: &RemoteActor,
) -> Result<()> {
    let community = keys::community_actor(app).await?;
    let group = keys::actor_url(app, &community).await?;
    let id = urls::new_activity(&app.config);
    let followers = urls::under(&group, "followers");
    let payload = json!({
        "id": id,
        "type": "Undo",
        "actor": group,
        "to": [PUBLIC],
        "cc": [followers, author.uri],
        "object": {"id": announce_id, "type": "Announce", "actor": group, "object": object_id},
    });
    let mut inboxes = follows::follower_inboxes(&app.db, &[community.id]).await?;
    inboxes.push(author.delivery_inbox());
    send(app, &community, "Undo", id, payload, inboxes).await
}

/// Asks to follow a remote actor; the follow counts once it is accepted.
pub async fn follow(app: &App, local: &LocalActor, remote: &RemoteActor) -> Result<Url> {
    let actor_id = keys::actor_url(app, local).await?;
    let id = urls::new_activity(&app.config);
    follows::add_following(&app.db, local.id, remote.id, id.as_str(), time::now()).await?;
    let payload = json!({"id": id, "type": "Follow", "actor": actor_id, "object": remote.uri, "to": [remote.uri]});
    send(
        app,
        local,
        "Follow",
        id.clone(),
        payload,
        vec![remote.inbox.clone()],
    )
    .await?;
    Ok(id)
}

/// Withdraws a follow: `Undo` of the original Follow.
pub async fn unfollow(app: &App, local: &LocalActor, remote: &RemoteActor) -> Result<bool> {
    let Some((follow_id, _)) = follows::find_following(&app.db, local.id, remote.id).await? else {
        return Ok(false);
    };
    let actor_id = keys::actor_url(app, local).await?;
    follows::remove_following(&app.db, local.id, remote.id).await?;
    let id = urls::new_activity(&app.config);
    let payload = json!({
        "id": id, "type": "Undo", "actor": actor_id, "to": [remote.uri],
        "object": {"id": follow_id, "type": "Follow", "actor": actor_id, "object": remote.uri},
    });
    send(app, local, "Undo", id, payload, vec![remote.inbox.clone()]).await?;
    Ok(true)
}

/// Takes back a follow of `remote` by `local` that the remote server has and this one does
/// not (found by followers synchronization): `Undo` of a `Follow` named by its actor and
/// object, as Mastodon matches it.
pub async fn undo_stale_follow(app: &App, local: &LocalActor, remote: &RemoteActor) -> Result<()> {
    let actor_id = keys::actor_url(app, local).await?;
    let id = urls::new_activity(&app.config);
    let payload = json!({
        "id": id, "type": "Undo", "actor": actor_id, "to": [remote.uri],
        "object": {"type": "Follow", "actor": actor_id, "object": remote.uri},
    });
    send(app, local, "Undo", id, payload, vec![remote.inbox.clone()]).await
}

/// Forwards a report to the server of the reported account: a `Flag` from the instance actor
/// naming only the account and the reported objects, with the admin's words as `content`
/// (never who reported it to us). Gives the Flag's id.
pub async fn forward_report(
    app: &App,
    account: &RemoteActor,
    objects: &[String],
    comment: &str,
) -> Result<Url> {
    let instance = keys::instance_actor(app).await?;
    let actor_id = keys::actor_url(app, &instance).await?;
    let id = urls::new_activity(&app.config);
    let mut object = vec![account.uri.clone()];
    object.extend(objects.iter().filter(|o| **o != account.uri).cloned());
    let mut payload =
        json!({"id": id, "type": "Flag", "actor": actor_id, "object": object, "to": [account.uri]});
    if !comment.is_empty() {
        payload["content"] = json!(comment);
    }
    let inbox = account.delivery_inbox();
    send(app, &instance, "Flag", id.clone(), payload, vec![inbox]).await?;
    Ok(id)
}
