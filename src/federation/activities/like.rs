//! `Like` and `Announce` of a local post: counted once per actor and kind (a boost of one of
//! our posts is a reaction, not something to keep). `Undo` of either is in `undo.rs`.

use url::Url;

use crate::app::App;
use crate::domain::PostStatus;
use crate::federation::inbox::{InboxError, Incoming};
use crate::federation::intake;
use crate::storage::posts::{self, Post};
use crate::storage::remote::RemoteActor;
use crate::urls;
use crate::urls::slug_from_url;

/// Counts the reaction through the same batched store as reactions signed with cached keys
/// (`federation::intake`), once the general path has resolved and verified the signer.
pub async fn receive(
    app: &App,
    activity: &Incoming,
    signer: &RemoteActor,
) -> Result<(), InboxError> {
    let object = activity
        .object_id()
        .ok_or_else(|| InboxError::BadRequest(format!("{} without an object", activity.kind)))?;
    let Some(reaction) = intake::as_reaction(app, activity) else {
        tracing::debug!(%object, kind = %activity.kind, "a reaction to something that is not a post here was ignored");
        return Ok(());
    };
    intake::receive(app, reaction).await.unwrap_or_else(|| {
        Err(InboxError::Internal(format!(
            "the verified signer {} is not stored",
            signer.uri
        )))
    })
}

/// The published local post whose id is `object`.
pub async fn local_post(app: &App, object: &str) -> Result<Option<Post>, InboxError> {
    let Ok(url) = Url::parse(object) else {
        return Ok(None);
    };
    if !urls::is_local(&app.config, &url) {
        return Ok(None);
    }
    let Some(slug) = slug_from_url(&app.config.base_url, object) else {
        return Ok(None);
    };
    Ok(posts::find_post_by_slug(&app.db, &slug)
        .await?
        .filter(|p| p.status == PostStatus::Published))
}
