//! `Like` and `Announce` of a local post: counted once per actor and kind (a boost of one of
//! our posts is a reaction, not something to keep). `Undo` of either is in `undo.rs`.

use url::Url;

use crate::app::App;
use crate::domain::{PostStatus, time};
use crate::federation::inbox::{InboxError, Incoming};
use crate::federation::{avatars, urls};
use crate::publishing::slug_from_url;
use crate::storage::posts::{self, Post};
use crate::storage::reactions::{self, ReactionKind};
use crate::storage::remote::RemoteActor;

pub async fn receive(
    app: &App,
    activity: &Incoming,
    signer: &RemoteActor,
    kind: ReactionKind,
) -> Result<(), InboxError> {
    let object = activity
        .object_id()
        .ok_or_else(|| InboxError::BadRequest(format!("{} without an object", activity.kind)))?;
    let Some(post) = local_post(app, &object).await? else {
        tracing::debug!(%object, kind = kind.as_str(), "a reaction to something that is not a post here was ignored");
        return Ok(());
    };
    if reactions::add_reaction(&app.db, post.id, signer.id, kind, &activity.id, time::now()).await?
    {
        app.content_changed().await;
        avatars::ensure(app, signer.id);
    }
    Ok(())
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
