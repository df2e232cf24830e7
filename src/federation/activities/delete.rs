//! `Delete` of an actor (it leaves: its follows, comments, reactions and mentions go) or of one
//! of its objects (a comment becomes a tombstone; a mention leaves the notifications; an
//! amplified post leaves the community page).

use crate::app::App;
use crate::domain::time;
use crate::federation::inbox::{InboxError, Incoming};
use crate::storage::remote::{self, RemoteActor};
use crate::storage::{amplifications, comments, mentions_received};

pub async fn receive(
    app: &App,
    activity: &Incoming,
    signer: &RemoteActor,
) -> Result<(), InboxError> {
    let object = activity
        .object_id()
        .ok_or_else(|| InboxError::BadRequest("Delete without an object".into()))?;
    if object == signer.uri {
        comments::forget_actor(&app.db, signer.id, time::now()).await?;
        remote::delete_remote_actor(&app.db, signer.id).await?;
        app.content_changed().await;
        tracing::info!(actor = %signer.uri, "a remote actor was deleted");
        return Ok(());
    }
    mentions_received::delete_mentions_received(&app.db, &object, signer.id).await?;
    if comments::delete_comment_by_author(&app.db, &object, signer.id, time::now()).await? {
        app.content_changed().await;
        return Ok(());
    }
    if remote::delete_remote_object(&app.db, &object, signer.id, time::now()).await?
        && let Some(a) = amplifications::find_amplification(&app.db, &object).await?
    {
        amplifications::delete_amplification(&app.db, a.amplification_id).await?;
        app.content_changed().await;
    }
    Ok(())
}
