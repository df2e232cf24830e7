//! Mentions of local people: a `Create` or `Update` of a post whose `tag` names one of our
//! person actors in a `Mention` reaches that person's notifications, with its addressing kept
//! (a post addressed only to the people it mentions is private). A reply on the person's own
//! post is left to the comments; the post's `Delete` is handled in `delete.rs`.

use std::collections::BTreeSet;

use serde_json::Value;
use url::Url;

use super::reply::content_of;
use crate::app::App;
use crate::domain::{comments, time};
use crate::federation::json_id;
use crate::inbox::InboxError;
use crate::inbox::wire::{addressees, parse_time, same_host, text};
use crate::storage::mentions_received::{self as stored, NewMention};
use crate::storage::remote::RemoteActor;
use crate::storage::users;
use crate::urls;

/// How many `tag` entries of one post are looked at; a post naming more people than this is
/// not a conversation, and the rest are ignored.
pub const MAX_TAGS_READ: usize = 64;

/// Records the mentions of local people in `object` (already checked to be `signer`'s).
/// `edit` is set for an `Update`: stored mentions get the new text, newly named people are
/// told too.
pub async fn receive(
    app: &App,
    object: &Value,
    signer: &RemoteActor,
    edit: bool,
) -> Result<(), InboxError> {
    let names = mentioned_names(app, object);
    let Some(uri) = json_id(object) else {
        return Ok(());
    };
    if !(uri.starts_with("https://") || uri.starts_with("http://")) || !same_host(&uri, &signer.uri)
    {
        return Ok(()); // not on its author's server: not ours to believe
    }
    let content = content_of(object);
    let updated = if edit {
        Some(
            text(object, "updated")
                .and_then(parse_time)
                .unwrap_or_else(time::now),
        )
    } else {
        None
    };
    if let Some(at) = updated {
        stored::update_mentions_received(&app.db, &uri, signer.id, &content, at).await?;
    }
    if names.is_empty() {
        return Ok(());
    }
    let url = object
        .get("url")
        .and_then(json_id)
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"));
    let new = |user_id| NewMention {
        user_id,
        remote_actor_id: signer.id,
        object_uri: &uri,
        url: url.as_deref(),
        content_html: &content,
        visibility: comments::visibility(&addressees(object), &signer.uri),
        published: text(object, "published")
            .and_then(parse_time)
            .unwrap_or_else(time::now),
        updated,
    };
    for name in names {
        let Some(user) = users::find_user_by_username(&app.db, &name).await? else {
            continue;
        };
        if stored::insert_mention_received(&app.db, &new(user.id), time::now()).await? {
            tracing::info!(user = %name, %uri, "a mention was stored");
        }
    }
    Ok(())
}

/// The names of our people that `object`'s `Mention` tags point at, each once.
fn mentioned_names(app: &App, object: &Value) -> BTreeSet<String> {
    let tags: Vec<&Value> = match object.get("tag") {
        Some(Value::Array(items)) => items.iter().take(MAX_TAGS_READ).collect(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => Vec::new(),
    };
    tags.into_iter()
        .filter(|t| is_mention(t))
        .filter_map(|t| t.get("href").and_then(Value::as_str))
        .filter_map(|href| Url::parse(href).ok())
        .filter_map(|href| urls::local_actor_name(&app.config, &href))
        .collect()
}

fn is_mention(tag: &Value) -> bool {
    match tag.get("type") {
        Some(Value::String(t)) => t == "Mention",
        Some(Value::Array(types)) => types.iter().any(|t| t == "Mention"),
        _ => false,
    }
}
