//! `Accept` or `Reject` of a Follow a local actor sent.

use activitypub_federation::kinds::activity::{AcceptType, RejectType};
use serde::Deserialize;
use serde_json::Value;
use url::Url;

use super::signer;
use crate::federation::objects::peer::PeerId;
use crate::federation::{Data, json_id};
use crate::inbox::InboxError;
use crate::storage::follows;

#[derive(Debug, Deserialize)]
pub struct Accept {
    id: Url,
    #[serde(rename = "type")]
    _kind: AcceptType,
    actor: PeerId,
    /// Our Follow, by id or embedded (some servers give it an id of their own).
    #[serde(default)]
    object: Value,
}

#[derive(Debug, Deserialize)]
pub struct Reject {
    id: Url,
    #[serde(rename = "type")]
    _kind: RejectType,
    actor: PeerId,
    #[serde(default)]
    object: Value,
}

/// Marks the follow `object` names as accepted or refused.
async fn answer(
    data: &Data,
    actor: &PeerId,
    object: &Value,
    accepted: bool,
) -> Result<(), InboxError> {
    let app = data.app();
    let remote = signer(actor, data).await?;
    let follow_id = json_id(object);
    let changed =
        follows::answer_following(&app.db, remote.id, follow_id.as_deref(), accepted).await?;
    if !changed && follow_id.is_some() {
        // Some servers answer with their own id for our Follow: answer the pending follow anyway.
        follows::answer_following(&app.db, remote.id, None, accepted).await?;
    }
    tracing::info!(remote = %remote.uri, accepted, "follow answered");
    Ok(())
}

activity!(Accept);

impl Accept {
    async fn check(&self, _data: &Data) -> Result<(), InboxError> {
        Ok(())
    }

    async fn apply(self, data: &Data) -> Result<(), InboxError> {
        answer(data, &self.actor, &self.object, true).await
    }
}

activity!(Reject);

impl Reject {
    async fn check(&self, _data: &Data) -> Result<(), InboxError> {
        Ok(())
    }

    async fn apply(self, data: &Data) -> Result<(), InboxError> {
        answer(data, &self.actor, &self.object, false).await
    }
}
