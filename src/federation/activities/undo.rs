//! `Undo` of a `Follow` (the follower leaves), a `Like` or an `Announce` (the reaction is no
//! longer counted).

use serde_json::Value;

use super::like;
use crate::app::App;
use crate::domain::time;
use crate::federation::inbox::{InboxError, Incoming};
use crate::federation::{json_id, local_target};
use crate::storage::follows;
use crate::storage::reactions::{self, ReactionKind};
use crate::storage::remote::RemoteActor;

pub async fn receive(
    app: &App,
    activity: &Incoming,
    signer: &RemoteActor,
) -> Result<(), InboxError> {
    let Some(object) = activity.object() else {
        return Err(InboxError::BadRequest("Undo without an object".into()));
    };
    let inner_kind = object.get("type").and_then(Value::as_str);
    let inner_id = json_id(object);
    match inner_kind {
        Some("Follow") => {
            if let Some(target) = object.get("object").and_then(json_id) {
                if let Some(local) = local_target(app, &target).await? {
                    follows::remove_follower(&app.db, local.id, signer.id).await?;
                    return Ok(());
                }
            }
            if let Some(id) = inner_id {
                follows::remove_follower_by_follow_id(&app.db, signer.id, &id).await?;
            }
        }
        Some(kind @ ("Like" | "Announce")) => {
            let kind = if kind == "Like" {
                ReactionKind::Like
            } else {
                ReactionKind::Announce
            };
            let mut removed = false;
            if let Some(id) = &inner_id {
                removed =
                    reactions::remove_reaction_by_activity(&app.db, signer.id, id, time::now())
                        .await?;
            }
            if !removed {
                let target = object.get("object").and_then(json_id).unwrap_or_default();
                if let Some(post) = like::local_post(app, &target).await? {
                    removed =
                        reactions::remove_reaction(&app.db, post.id, signer.id, kind, time::now())
                            .await?;
                }
            }
            if removed {
                app.content_changed().await;
            }
        }
        // Only the id: it may be a Follow or a reaction we stored.
        None => {
            if let Some(id) = inner_id {
                follows::remove_follower_by_follow_id(&app.db, signer.id, &id).await?;
                if reactions::remove_reaction_by_activity(&app.db, signer.id, &id, time::now())
                    .await?
                {
                    app.content_changed().await;
                }
            }
        }
        Some(_) => {}
    }
    Ok(())
}
