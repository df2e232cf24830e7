//! `Follow` of a local person or the community: store the follower, answer with a signed
//! `Accept` whose object is the original Follow (Mastodon shows "requested" forever otherwise).

use crate::app::App;
use crate::domain::time;
use crate::federation::inbox::{InboxError, Incoming};
use crate::federation::{local_target, outbox};
use crate::storage::follows;
use crate::storage::remote::RemoteActor;

pub async fn receive(
    app: &App,
    activity: &Incoming,
    signer: &RemoteActor,
) -> Result<(), InboxError> {
    let object = activity
        .object_id()
        .ok_or_else(|| InboxError::BadRequest("Follow without an object".into()))?;
    let Some(local) = local_target(app, &object).await? else {
        tracing::debug!(%object, "a Follow of an actor that is not ours was ignored");
        return Ok(());
    };
    follows::add_follower(&app.db, local.id, signer.id, &activity.id, time::now()).await?;
    outbox::accept_follow(app, &local, signer, activity).await?;
    tracing::info!(follower = %signer.uri, %object, "new follower");
    Ok(())
}
