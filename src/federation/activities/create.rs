//! `Create` and `Update` of posts: replies in one of our threads become comments (`reply.rs`);
//! mentions of our people reach their notifications (`mention.rs`); other posts by actors
//! someone here follows are kept for them to read. Also `Update` of an actor's own profile
//! (name, inbox, rotated key).

use chrono::{DateTime, Utc};
use serde_json::Value;
use url::Url;

use super::{mention, reply};
use crate::app::App;
use crate::domain::time;
use crate::federation::inbox::{InboxError, Incoming};
use crate::federation::{json_id, remote as fetch};
use crate::storage::follows;
use crate::storage::remote::{self, RemoteActor, RemoteObjectData};

/// Object types kept as posts.
const POST_TYPES: &[&str] = &["Article", "Note", "Page", "Question"];
const ACTOR_TYPES: &[&str] = &["Person", "Group", "Service", "Application", "Organization"];

pub async fn receive(
    app: &App,
    activity: &Incoming,
    signer: &RemoteActor,
) -> Result<(), InboxError> {
    let object = match activity.object() {
        Some(o @ Value::Object(_)) => o,
        Some(Value::String(_)) => return Ok(()), // only a reference: nothing to store
        _ => {
            return Err(InboxError::BadRequest(format!(
                "{} without an object",
                activity.kind
            )));
        }
    };
    let kind = object
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if activity.kind == "Update" && ACTOR_TYPES.contains(&kind) {
        return update_actor(app, object, signer).await;
    }
    if !POST_TYPES.contains(&kind) {
        return Ok(());
    }
    let Some(attributed) = object.get("attributedTo").and_then(json_id) else {
        return Err(InboxError::BadRequest(
            "the object names no author (attributedTo)".into(),
        ));
    };
    if attributed != signer.uri {
        return Err(InboxError::Unauthorized(
            "the object's attributedTo is not the signer".into(),
        ));
    }
    let edit = activity.kind == "Update";
    let handled = if edit {
        reply::receive_update(app, object, signer).await?
    } else {
        reply::receive_create(app, object, signer).await?
    };
    // After the reply is stored, so that a reply on a person's own post is not also a mention.
    mention::receive(app, object, signer, edit).await?;
    if handled {
        return Ok(());
    }
    if !follows::is_followed_locally(&app.db, signer.id).await? {
        return Ok(()); // nobody here follows this actor
    }
    store(app, object, signer, None).await
}

/// Stores a post-like object of `author`.
pub async fn store(
    app: &App,
    object: &Value,
    author: &RemoteActor,
    announced_by: Option<&str>,
) -> Result<(), InboxError> {
    let uri = json_id(object).ok_or_else(|| InboxError::BadRequest("object without id".into()))?;
    let same_origin = Url::parse(&uri)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        == Url::parse(&author.uri)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned));
    if !same_origin {
        return Err(InboxError::BadRequest(
            "the object is not on its author's server".into(),
        ));
    }
    let text = |k: &str| object.get(k).and_then(Value::as_str);
    let content = ammonia::clean(text("content").unwrap_or(""));
    let summary = text("summary").map(ammonia::clean);
    let in_reply_to = object.get("inReplyTo").and_then(json_id);
    let url = object
        .get("url")
        .and_then(json_id)
        .filter(|u| u.starts_with("http"));
    let data = RemoteObjectData {
        uri: &uri,
        remote_actor_id: author.id,
        kind: text("type").unwrap_or("Note"),
        name: text("name"),
        summary: summary.as_deref(),
        content: &content,
        url: url.as_deref(),
        in_reply_to: in_reply_to.as_deref(),
        published: text("published").and_then(parse_time),
        updated: text("updated").and_then(parse_time),
        announced_by,
    };
    remote::upsert_remote_object(&app.db, &data, time::now()).await?;
    Ok(())
}

async fn update_actor(app: &App, object: &Value, signer: &RemoteActor) -> Result<(), InboxError> {
    if json_id(object).as_deref() != Some(signer.uri.as_str()) {
        return Err(InboxError::Unauthorized(
            "an actor may only update itself".into(),
        ));
    }
    let from =
        Url::parse(&signer.uri).map_err(|_| InboxError::BadRequest("bad actor id".into()))?;
    let data = fetch::parse_actor(object, &from)?;
    remote::upsert_remote_actor(&app.db, &data, time::now()).await?;
    app.fed.remote_keys.remove(&signer.key_id);
    Ok(())
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}
