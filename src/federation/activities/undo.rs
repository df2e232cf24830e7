//! `Undo` of a `Follow`: the follower leaves. (Undo of likes and boosts are counted with
//! reactions.)

use serde_json::Value;

use crate::app::App;
use crate::federation::inbox::{Incoming, InboxError};
use crate::federation::{json_id, local_target};
use crate::storage::follows;
use crate::storage::remote::RemoteActor;

pub async fn receive(app: &App, activity: &Incoming, signer: &RemoteActor) -> Result<(), InboxError> {
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
        // Only the id: it may be a Follow we stored.
        None => {
            if let Some(id) = inner_id {
                follows::remove_follower_by_follow_id(&app.db, signer.id, &id).await?;
            }
        }
        Some(_) => {}
    }
    Ok(())
}
