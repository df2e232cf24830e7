//! `Delete` of an actor (it leaves: its follows, comments, reactions and mentions go) or of one
//! of its objects (a comment becomes a tombstone; a mention leaves the notifications; an
//! amplified post leaves the community page).

use activitypub_federation::kinds::activity::DeleteType;
use serde::Deserialize;
use url::Url;

use super::signer;
use crate::domain::time;
use crate::federation::Data;
use crate::federation::objects::peer::PeerId;
use crate::inbox::InboxError;
use crate::inbox::wire::id_of;
use crate::storage::remote;
use crate::storage::{amplifications, comments, mentions_received};

#[derive(Debug, Deserialize)]
pub struct Delete {
    id: Url,
    #[serde(rename = "type")]
    _kind: DeleteType,
    actor: PeerId,
    /// What is deleted: by id, or a `Tombstone` carrying it.
    #[serde(deserialize_with = "id_of")]
    object: Url,
}

activity!(Delete);

impl Delete {
    async fn check(&self, _data: &Data) -> Result<(), InboxError> {
        Ok(())
    }

    /// Only what the actor wrote is removed: every store below is scoped to the signer.
    async fn apply(self, data: &Data) -> Result<(), InboxError> {
        let app = data.app();
        let actor = signer(&self.actor, data).await?;
        let object = self.object.as_str();
        if object == actor.uri {
            comments::forget_actor(&app.db, actor.id, time::now()).await?;
            remote::delete_remote_actor(&app.db, actor.id).await?;
            app.content_changed().await;
            tracing::info!(actor = %actor.uri, "a remote actor was deleted");
            return Ok(());
        }
        mentions_received::delete_mentions_received(&app.db, object, actor.id).await?;
        crate::actions::quotes::quote_deleted(&app, &actor, object).await?;
        if comments::delete_comment_by_author(&app.db, object, actor.id, time::now()).await? {
            app.content_changed().await;
            return Ok(());
        }
        if remote::delete_remote_object(&app.db, object, actor.id, time::now()).await?
            && let Some(a) = amplifications::find_amplification(&app.db, object).await?
        {
            amplifications::delete_amplification(&app.db, a.amplification_id).await?;
            app.content_changed().await;
        }
        Ok(())
    }
}
