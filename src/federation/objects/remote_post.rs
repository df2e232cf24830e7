//! Posts of other servers kept here: those of actors someone here follows, and those the
//! community amplifies or a followed actor boosted. Their HTML is sanitized before it is kept.

use serde_json::Value;

use crate::app::App;
use crate::domain::links::is_http_id;
use crate::domain::time;
use crate::federation::error::FederationError;
use crate::federation::json::{json_id, parse_time, same_host, text};
use crate::storage::remote::{self, RemoteActor, RemoteObjectData};

/// Stores a post-like object of `author` (with who boosted it, if it came in an Announce).
pub async fn store_post(
    app: &App,
    object: &Value,
    author: &RemoteActor,
    announced_by: Option<&str>,
) -> Result<(), FederationError> {
    let uri =
        json_id(object).ok_or_else(|| FederationError::Invalid("object without id".into()))?;
    let in_reply_to = object.get("inReplyTo").and_then(json_id);
    if !is_http_id(&uri) || in_reply_to.as_deref().is_some_and(|r| !is_http_id(r)) {
        return Err(FederationError::Invalid(
            "the object's id or inReplyTo is not an http(s) URL".into(),
        ));
    }
    if !same_host(&uri, &author.uri) {
        return Err(FederationError::Invalid(
            "the object is not on its author's server".into(),
        ));
    }
    let content = ammonia::clean(text(object, "content").unwrap_or(""));
    let summary = text(object, "summary").map(ammonia::clean);
    let url = object
        .get("url")
        .and_then(json_id)
        .filter(|u| is_http_id(u));
    let data = RemoteObjectData {
        uri: &uri,
        remote_actor_id: author.id,
        kind: text(object, "type").unwrap_or("Note"),
        name: text(object, "name"),
        summary: summary.as_deref(),
        content: &content,
        url: url.as_deref(),
        in_reply_to: in_reply_to.as_deref(),
        published: text(object, "published").and_then(parse_time),
        updated: text(object, "updated").and_then(parse_time),
        announced_by,
    };
    remote::upsert_remote_object(&app.db, &data, time::now()).await?;
    Ok(())
}
