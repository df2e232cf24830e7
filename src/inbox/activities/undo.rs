//! `Undo` of a `Follow` (the follower leaves), a `Like` or an `Announce` (the reaction is no
//! longer counted).

use activitypub_federation::kinds::activity::UndoType;
use serde::Deserialize;
use serde_json::Value;
use url::Url;

use super::{local_post, signer};
use crate::domain::time;
use crate::federation::objects::peer::PeerId;
use crate::federation::{Data, json_id, local_target};
use crate::inbox::InboxError;
use crate::inbox::wire::kind_of;
use crate::storage::follows;
use crate::storage::reactions::{self, ReactionKind};

#[derive(Debug, Deserialize)]
pub struct Undo {
    id: Url,
    #[serde(rename = "type")]
    _kind: UndoType,
    actor: PeerId,
    /// The activity taken back, embedded or by id.
    object: Value,
}

activity!(Undo);

impl Undo {
    /// Nothing to check before: every removal below is scoped to the signer, so an Undo of
    /// another actor's activity changes nothing.
    async fn check(&self, _data: &Data) -> Result<(), InboxError> {
        Ok(())
    }

    async fn apply(self, data: &Data) -> Result<(), InboxError> {
        let app = data.app();
        let remote = signer(&self.actor, data).await?;
        let inner_id = json_id(&self.object);
        match kind_of(&self.object) {
            "Follow" => {
                if let Some(target) = self.object.get("object").and_then(json_id)
                    && let Some(local) = local_target(&app, &target).await?
                {
                    follows::remove_follower(&app.db, local.id, remote.id).await?;
                    return Ok(());
                }
                if let Some(id) = inner_id {
                    follows::remove_follower_by_follow_id(&app.db, remote.id, &id).await?;
                }
            }
            kind @ ("Like" | "Announce") => {
                let kind = if kind == "Like" {
                    ReactionKind::Like
                } else {
                    ReactionKind::Announce
                };
                let mut removed = false;
                if let Some(id) = &inner_id {
                    removed =
                        reactions::remove_reaction_by_activity(&app.db, remote.id, id, time::now())
                            .await?;
                }
                if !removed {
                    let target = self.object.get("object").and_then(json_id);
                    if let Some(post) = local_post(&app, target.as_deref().unwrap_or("")).await? {
                        removed = reactions::remove_reaction(
                            &app.db,
                            post.id,
                            remote.id,
                            kind,
                            time::now(),
                        )
                        .await?;
                    }
                }
                if removed {
                    app.content_changed().await;
                }
            }
            // Only the id: it may be a Follow or a reaction we stored.
            "" => {
                if let Some(id) = inner_id {
                    follows::remove_follower_by_follow_id(&app.db, remote.id, &id).await?;
                    if reactions::remove_reaction_by_activity(&app.db, remote.id, &id, time::now())
                        .await?
                    {
                        app.content_changed().await;
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }
}
