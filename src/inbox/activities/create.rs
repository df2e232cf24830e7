//! `Create` and `Update` of posts: replies in one of our threads become comments (`reply.rs`);
//! mentions of our people reach their notifications (`mention.rs`); other posts by actors
//! someone here follows are kept for them to read. Also `Update` of an actor's own profile
//! (name, inbox, rotated key).

use activitypub_federation::kinds::activity::{CreateType, UpdateType};
use serde::Deserialize;
use serde_json::Value;
use url::Url;

use super::{mention, reply, signer};
use crate::domain::links::is_http_id;
use crate::federation::objects::peer::PeerId;
use crate::federation::objects::remote_post::store_post;
use crate::federation::{Data, group, json_id, remote as fetch};
use crate::inbox::InboxError;
use crate::inbox::wire::kind_of;
use crate::storage::follows;

/// Object types kept as posts.
const POST_TYPES: &[&str] = &["Article", "Note", "Page", "Question"];
const ACTOR_TYPES: &[&str] = &["Person", "Group", "Service", "Application", "Organization"];

#[derive(Debug, Deserialize)]
pub struct Create {
    id: Url,
    #[serde(rename = "type")]
    _kind: CreateType,
    actor: PeerId,
    /// The post, embedded (a bare id carries nothing to store).
    #[serde(default)]
    object: Value,
}

#[derive(Debug, Deserialize)]
pub struct Update {
    id: Url,
    #[serde(rename = "type")]
    _kind: UpdateType,
    actor: PeerId,
    /// The post or the actor itself, embedded, as it is now.
    #[serde(default)]
    object: Value,
}

activity!(Create);

impl Create {
    async fn check(&self, _data: &Data) -> Result<(), InboxError> {
        check_post(&self.object, &self.actor)
    }

    async fn apply(self, data: &Data) -> Result<(), InboxError> {
        receive_post(data, &self.actor, &self.object, false).await
    }
}

activity!(Update);

impl Update {
    async fn check(&self, _data: &Data) -> Result<(), InboxError> {
        if ACTOR_TYPES.contains(&kind_of(&self.object)) {
            if json_id(&self.object).as_deref() != Some(self.actor.inner().as_str()) {
                return Err(InboxError::Unauthorized(
                    "an actor may only update itself".into(),
                ));
            }
            return Ok(());
        }
        check_post(&self.object, &self.actor)
    }

    async fn apply(self, data: &Data) -> Result<(), InboxError> {
        if ACTOR_TYPES.contains(&kind_of(&self.object)) {
            let stored =
                fetch::store_embedded_actor(data, &self.object, self.actor.inner()).await?;
            data.app().fed.remote_keys.remove(&stored.key_id);
            return Ok(());
        }
        receive_post(data, &self.actor, &self.object, true).await
    }
}

/// A post must be embedded with its author, and the author must be the sender.
fn check_post(object: &Value, actor: &PeerId) -> Result<(), InboxError> {
    match object {
        Value::Object(_) => {}
        Value::String(_) => return Ok(()), // only a reference: nothing to store
        _ => return Err(InboxError::BadRequest("no object".into())),
    }
    if !POST_TYPES.contains(&kind_of(object)) {
        return Ok(());
    }
    check_ids(object)?;
    let Some(attributed) = object.get("attributedTo").and_then(json_id) else {
        return Err(InboxError::BadRequest(
            "the object names no author (attributedTo)".into(),
        ));
    };
    if attributed != actor.inner().as_str() {
        return Err(InboxError::Unauthorized(
            "the object's attributedTo is not the signer".into(),
        ));
    }
    Ok(())
}

/// The ids a post names must be http(s) URLs: its own, its author's and what it answers.
/// (A `url` that is not is ignored where it is read.)
fn check_ids(object: &Value) -> Result<(), InboxError> {
    for key in ["id", "attributedTo", "inReplyTo"] {
        if let Some(id) = object.get(key).and_then(json_id)
            && !is_http_id(&id)
        {
            return Err(InboxError::BadRequest(format!(
                "the object's {key} is not an http(s) URL"
            )));
        }
    }
    Ok(())
}

async fn receive_post(
    data: &Data,
    actor: &PeerId,
    object: &Value,
    edit: bool,
) -> Result<(), InboxError> {
    if !object.is_object() || !POST_TYPES.contains(&kind_of(object)) {
        return Ok(());
    }
    let app = data.app();
    let author = signer(actor, data).await?;
    let handled = if edit {
        reply::receive_update(&app, object, &author).await?
    } else if object.get("inReplyTo").and_then(json_id).is_none()
        && group::addressed_to_community(&app, object).await?
    {
        // Only the site's authors post in the community (`postingRestrictedToMods`).
        let id = json_id(object).unwrap_or_default();
        tracing::debug!(post = %id, actor = %author.uri, "a post sent to the community was refused");
        group::reject_post(&app, &id, &author).await?;
        return Ok(());
    } else {
        reply::receive_create(&app, data, object, &author).await?
    };
    // After the reply is stored, so that a reply on a person's own post is not also a mention.
    mention::receive(&app, object, &author, edit).await?;
    if handled {
        return Ok(());
    }
    if !follows::is_followed_locally(&app.db, author.id).await? {
        return Ok(()); // nobody here follows this actor
    }
    Ok(store_post(&app, object, &author, None).await?)
}
