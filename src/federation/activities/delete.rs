//! `Delete` of an actor (it leaves: its follows go) or of one of its objects.

use crate::app::App;
use crate::domain::time;
use crate::federation::inbox::{Incoming, InboxError};
use crate::storage::remote::{self, RemoteActor};

pub async fn receive(app: &App, activity: &Incoming, signer: &RemoteActor) -> Result<(), InboxError> {
    let object = activity.object_id().ok_or_else(|| InboxError::BadRequest("Delete without an object".into()))?;
    if object == signer.uri {
        remote::delete_remote_actor(&app.db, signer.id).await?;
        tracing::info!(actor = %signer.uri, "a remote actor was deleted");
        return Ok(());
    }
    remote::delete_remote_object(&app.db, &object, signer.id, time::now()).await?;
    Ok(())
}
