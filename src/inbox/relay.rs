//! What the community relays to its followers once an activity was taken (FEP-1b12): a public
//! reply to one of its posts when it is approved (now, or later by a moderator, from the
//! `Create` kept with it), a vote on one of its posts (`Like`, `Dislike`) or its `Undo`, and
//! the `Delete` of a public reply it kept the `Create` of.

use serde_json::Value;

use super::Envelope;
use super::activities::local_post;
use crate::app::App;
use crate::domain::comments::{CommentState, Visibility};
use crate::federation::{group, json_id};
use crate::inbox::InboxError;
use crate::inbox::wire::kind_of;
use crate::storage::comments::{self, Comment};
use crate::storage::follows;

/// Relays `activity` when the community should; a failure is logged, never the sender's.
pub async fn after(app: &App, activity: &Envelope) {
    if let Err(e) = relay(app, activity).await {
        tracing::warn!(activity = %activity.id, error = %e, "could not relay an activity to the community's followers");
    }
}

/// Relays a vote the batched lane counted while the community had followers.
pub async fn vote(app: &App, activity: &Envelope) {
    if let Err(e) = group::relay(app, &activity.raw).await {
        tracing::warn!(activity = %activity.id, error = %e, "could not relay a vote to the community's followers");
    }
}

async fn relay(app: &App, activity: &Envelope) -> Result<(), InboxError> {
    if !matches!(
        activity.kind.as_str(),
        "Create" | "Delete" | "Like" | "Dislike" | "Undo"
    ) {
        return Ok(());
    }
    // Most activities are votes: with nobody to relay them to, nothing more is read.
    let has_followers = follows::community_has_followers(&app.db).await?;
    if !has_followers && activity.kind != "Create" {
        return Ok(());
    }
    let object = activity.object().cloned().unwrap_or(Value::Null);
    let relayed = match activity.kind.as_str() {
        "Create" => {
            let Some(comment) = comment_of(app, &object, &activity.actor).await? else {
                return Ok(());
            };
            comments::set_comment_activity(&app.db, comment.id, &activity.raw.to_string()).await?;
            has_followers && shown(&comment)
        }
        // A deleted comment is hidden: relayed when it came in a Create the community kept.
        "Delete" => match comment_of(app, &object, &activity.actor).await? {
            Some(c) if c.visibility == Visibility::Public => {
                comments::find_comment_activity(&app.db, c.id)
                    .await?
                    .is_some()
            }
            _ => false,
        },
        "Like" | "Dislike" => is_our_post(app, &object).await?,
        "Undo" => {
            matches!(kind_of(&object), "Like" | "Dislike")
                && is_our_post(app, object.get("object").unwrap_or(&Value::Null)).await?
        }
        _ => false,
    };
    if relayed {
        group::relay(app, &activity.raw).await?;
    }
    Ok(())
}

/// Whether an approved public reply is shown to every reader, so also relayed.
pub fn shown(comment: &Comment) -> bool {
    comment.visibility == Visibility::Public
        && comment.state == CommentState::Approved
        && !comment.deleted
}

/// The stored comment `object` names, when `actor` wrote it.
async fn comment_of(app: &App, object: &Value, actor: &str) -> Result<Option<Comment>, InboxError> {
    let Some(id) = json_id(object) else {
        return Ok(None);
    };
    Ok(comments::find_comment_by_uri(&app.db, &id)
        .await?
        .filter(|c| c.author.uri == actor))
}

async fn is_our_post(app: &App, object: &Value) -> Result<bool, InboxError> {
    let Some(id) = json_id(object) else {
        return Ok(false);
    };
    Ok(local_post(app, &id).await?.is_some())
}
