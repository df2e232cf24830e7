//! `Accept` or `Reject` of a Follow a local actor sent.

use crate::app::App;
use crate::federation::inbox::{InboxError, Incoming};
use crate::storage::follows;
use crate::storage::remote::RemoteActor;

pub async fn receive(
    app: &App,
    activity: &Incoming,
    signer: &RemoteActor,
    accepted: bool,
) -> Result<(), InboxError> {
    let follow_id = activity.object_id();
    let changed =
        follows::answer_following(&app.db, signer.id, follow_id.as_deref(), accepted).await?;
    if !changed && follow_id.is_some() {
        // Some servers answer with their own id for our Follow: accept the pending follow anyway.
        follows::answer_following(&app.db, signer.id, None, accepted).await?;
    }
    tracing::info!(remote = %signer.uri, accepted, "follow answered");
    Ok(())
}
