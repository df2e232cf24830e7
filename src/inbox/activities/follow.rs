//! `Follow` of a local person or the community: store the follower, answer with a signed
//! `Accept` whose object is the original Follow (Mastodon shows "requested" forever otherwise).

use activitypub_federation::kinds::activity::FollowType;
use serde::Deserialize;
use url::Url;

use super::signer;
use crate::domain::time;
use crate::federation::objects::peer::PeerId;
use crate::federation::{Data, local_target, outbox};
use crate::inbox::InboxError;
use crate::inbox::wire::id_of;
use crate::storage::follows;

#[derive(Debug, Deserialize)]
pub struct Follow {
    id: Url,
    #[serde(rename = "type")]
    _kind: FollowType,
    actor: PeerId,
    /// Who is followed; ours or not.
    #[serde(deserialize_with = "id_of")]
    object: Url,
}

activity!(Follow);

impl Follow {
    async fn check(&self, _data: &Data) -> Result<(), InboxError> {
        Ok(())
    }

    async fn apply(self, data: &Data) -> Result<(), InboxError> {
        let app = data.app();
        let Some(local) = local_target(&app, self.object.as_str()).await? else {
            tracing::debug!(object = %self.object, "a Follow of an actor that is not ours was ignored");
            return Ok(());
        };
        let follower = signer(&self.actor, data).await?;
        follows::add_follower(
            &app.db,
            local.id,
            follower.id,
            self.id.as_str(),
            time::now(),
        )
        .await?;
        outbox::accept_follow(&app, &local, &follower, &self.id, &self.object).await?;
        tracing::info!(follower = %follower.uri, object = %self.object, "new follower");
        Ok(())
    }
}
