//! `Like` of a local post: counted once per actor (a boost of one of our posts, `Announce`,
//! is counted the same way, see `announce.rs`). `Undo` of either is in `undo.rs`. A `Dislike`
//! (Lemmy's downvote, also sent when a vote is switched) is not counted, but takes back the
//! actor's like.

use activitypub_federation::kinds::activity::{DislikeType, LikeType};
use serde::Deserialize;
use url::Url;

use crate::app::App;
use crate::domain::PostStatus;
use crate::domain::time;
use crate::federation::Data;
use crate::federation::objects::peer::PeerId;
use crate::inbox::wire::id_of;
use crate::inbox::{InboxError, intake};
use crate::storage::posts::{self, Post};
use crate::storage::reactions::{self, ReactionKind};
use crate::urls::{self, slug_from_url};

#[derive(Debug, Deserialize)]
pub struct Like {
    id: Url,
    #[serde(rename = "type")]
    _kind: LikeType,
    actor: PeerId,
    #[serde(deserialize_with = "id_of")]
    object: Url,
}

activity!(Like);

impl Like {
    async fn check(&self, _data: &Data) -> Result<(), InboxError> {
        Ok(())
    }

    async fn apply(self, data: &Data) -> Result<(), InboxError> {
        count(
            data,
            ReactionKind::Like,
            &self.id,
            &self.actor,
            &self.object,
        )
        .await
    }
}

#[derive(Debug, Deserialize)]
pub struct Dislike {
    id: Url,
    #[serde(rename = "type")]
    _kind: DislikeType,
    actor: PeerId,
    #[serde(deserialize_with = "id_of")]
    object: Url,
}

activity!(Dislike);

impl Dislike {
    async fn check(&self, _data: &Data) -> Result<(), InboxError> {
        Ok(())
    }

    async fn apply(self, data: &Data) -> Result<(), InboxError> {
        let app = data.app();
        let Some(post) = local_post(&app, self.object.as_str()).await? else {
            return Ok(());
        };
        let remote = super::signer(&self.actor, data).await?;
        if reactions::remove_reaction(&app.db, post.id, remote.id, ReactionKind::Like, time::now())
            .await?
        {
            app.content_changed().await;
        }
        Ok(())
    }
}

/// Counts a reaction to one of our posts through the same batched store as reactions signed
/// with cached keys (`inbox::intake`), once the signer was found and verified.
pub(super) async fn count(
    data: &Data,
    kind: ReactionKind,
    id: &Url,
    actor: &PeerId,
    object: &Url,
) -> Result<(), InboxError> {
    let app = data.app();
    let Some(reaction) = intake::reaction(
        &app,
        kind,
        id.as_str(),
        actor.inner().as_str(),
        object.as_str(),
    ) else {
        tracing::debug!(%object, ?kind, "a reaction to something that is not a post here was ignored");
        return Ok(());
    };
    // Taken here, a vote is relayed by the general path's `relay::after`.
    match intake::receive(&app, reaction).await {
        Some(taken) => taken.map(|_| ()),
        None => Err(InboxError::Internal(format!(
            "the verified signer {actor} is not stored"
        ))),
    }
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
