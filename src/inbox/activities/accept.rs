//! `Accept` or `Reject` of a Follow a local actor sent.

use activitypub_federation::kinds::activity::{AcceptType, RejectType};
use activitypub_federation::traits::Activity;
use serde::Deserialize;
use serde_json::Value;
use url::Url;

use super::signer;
use crate::federation::objects::peer::PeerId;
use crate::federation::{Data, FedData, json_id};
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

#[async_trait::async_trait]
impl Activity for Accept {
    type DataType = FedData;
    type Error = InboxError;

    fn id(&self) -> &Url {
        &self.id
    }

    fn actor(&self) -> &Url {
        self.actor.inner()
    }

    async fn verify(&self, _data: &Data) -> Result<(), InboxError> {
        Ok(())
    }

    async fn receive(self, data: &Data) -> Result<(), InboxError> {
        answer(data, &self.actor, &self.object, true).await
    }
}

#[async_trait::async_trait]
impl Activity for Reject {
    type DataType = FedData;
    type Error = InboxError;

    fn id(&self) -> &Url {
        &self.id
    }

    fn actor(&self) -> &Url {
        self.actor.inner()
    }

    async fn verify(&self, _data: &Data) -> Result<(), InboxError> {
        Ok(())
    }

    async fn receive(self, data: &Data) -> Result<(), InboxError> {
        answer(data, &self.actor, &self.object, false).await
    }
}
