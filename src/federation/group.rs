//! The community as a group (FEP-1b12), the way Lemmy, PieFed and Mbin read one: it announces
//! what its authors publish, change and delete by embedding the author's own activity, as the
//! author's followers got it (same id, served at that id).

use serde_json::{Value, json};
use url::Url;

use super::enqueue::{self, OutgoingActivity};
use super::error::Result;
use super::keys;
use super::objects::{PUBLIC, with_context};
use super::outbox::{send, send_after};
use crate::app::App;
use crate::domain::time;
use crate::storage::actors::LocalActor;
use crate::storage::follows;
use crate::storage::remote::RemoteActor;
use crate::urls;

/// The community announces `activity`, sent by `signer`, embedded, to its followers. The
/// activity is kept at its id even when nobody but the community's followers gets it, so that
/// a receiver that does not trust the embedded copy can fetch it.
pub async fn announce(app: &App, signer: &LocalActor, activity: &Value) -> Result<()> {
    let community = keys::community_actor(app).await?;
    let inboxes = follows::follower_inboxes(&app.db, &[community.id]).await?;
    if inboxes.is_empty() {
        return Ok(());
    }
    let inner = activity
        .get("id")
        .and_then(Value::as_str)
        .and_then(|i| Url::parse(i).ok());
    if let Some(inner) = inner.clone() {
        let kept = OutgoingActivity {
            id: inner,
            local_actor_id: signer.id,
            kind: activity["type"].as_str().unwrap_or_default().to_owned(),
            payload: with_context(activity.clone()),
            after: None,
        };
        enqueue::enqueue(app, &kept, &[]).await?;
    }
    let group = keys::actor_url(app, &community).await?;
    let id = urls::new_activity(&app.config);
    let mut cc = vec![json!(urls::under(&group, "followers"))];
    if let Some(actor) = activity.get("actor") {
        cc.push(actor.clone());
    }
    let payload = json!({
        "id": id,
        "type": "Announce",
        "actor": group,
        "object": activity,
        "published": time::iso(&time::now()),
        "to": [PUBLIC],
        "cc": cc,
        "audience": group,
    });
    // At each inbox after the activity itself, so that the receiver has taken the author's
    // Create (and its mentions) before the community's Announce of it.
    send_after(app, &community, "Announce", id, payload, inboxes, inner).await
}

/// Whether `object` (a post) is addressed to the community: in `audience`, `to` or `cc`.
pub async fn addressed_to_community(app: &App, object: &Value) -> Result<bool> {
    let community = keys::community_actor(app).await?;
    let group = keys::actor_url(app, &community).await?;
    let mut named = crate::federation::json::addressees(object);
    named.extend(object.get("audience").and_then(crate::federation::json_id));
    Ok(named.iter().any(|a| a == group.as_str()))
}

/// Refuses a post sent to the community (only the site's authors post in it): `Reject` of the
/// post `post` (its id) from the community, naming the community as `target`, to its author.
pub async fn reject_post(app: &App, post: &str, author: &RemoteActor) -> Result<()> {
    let community = keys::community_actor(app).await?;
    let group = keys::actor_url(app, &community).await?;
    let id = urls::new_activity(&app.config);
    let payload = json!({
        "id": id, "type": "Reject", "actor": group, "to": [author.uri],
        "object": post, "target": group,
    });
    let inbox = author.delivery_inbox();
    send(app, &community, "Reject", id, payload, vec![inbox]).await
}

/// How the community's outbox lists a post: its `Announce` of the author's `Create` (the
/// stable one, `<post>/activity`), under the stable id `<post>/announce`, inline, as group
/// software backfills a community from it.
pub fn outbox_announce(group: &Url, create: Value) -> Value {
    let post = create["object"]["id"].as_str().unwrap_or_default();
    json!({
        "id": format!("{post}/announce"),
        "type": "Announce",
        "actor": group,
        "object": create,
        "published": create["published"],
        "to": [PUBLIC],
        "cc": [urls::under(group, "followers")],
        "audience": group,
    })
}

/// The community relays `activity`, another server's (a reply it accepted, a vote on one of
/// its posts, or their `Undo` or `Delete`), embedded as received, to its followers: so the
/// other subscribers see the comment and count the vote, as in a Lemmy community.
pub async fn relay(app: &App, activity: &Value) -> Result<()> {
    let community = keys::community_actor(app).await?;
    let inboxes = follows::follower_inboxes(&app.db, &[community.id]).await?;
    let group = keys::actor_url(app, &community).await?;
    let id = urls::new_activity(&app.config);
    let mut object = activity.clone();
    if let Value::Object(map) = &mut object {
        map.remove("@context");
        map.remove("signature");
    }
    let payload = json!({
        "id": id,
        "type": "Announce",
        "actor": group,
        "object": object,
        "published": time::iso(&time::now()),
        "to": [PUBLIC],
        "cc": [urls::under(&group, "followers")],
        "audience": group,
    });
    send(app, &community, "Announce", id, payload, inboxes).await
}
