//! `Move` of a remote account that local actors follow (Mastodon's account migration): when
//! the target names the mover among its aliases (`alsoKnownAs`, read afresh from the target's
//! server), every local actor that followed the mover follows the target instead.

use activitypub_federation::kinds::activity::MoveType;
use serde::Deserialize;
use serde_json::Value;
use url::Url;

use super::signer;
use crate::federation::objects::peer::PeerId;
use crate::federation::{Data, outbox, remote};
use crate::inbox::InboxError;
use crate::inbox::wire::id_of;
use crate::storage::{actors, follows};

#[derive(Debug, Deserialize)]
pub struct Move {
    id: Url,
    #[serde(rename = "type")]
    _kind: MoveType,
    actor: PeerId,
    /// The account that moved: the actor itself.
    #[serde(deserialize_with = "id_of")]
    object: Url,
    /// Where it moved to.
    #[serde(deserialize_with = "id_of")]
    target: Url,
}

activity!(Move);

/// The ids in a document's `alsoKnownAs` (a string or a list).
fn aliases(doc: &Value) -> Vec<&str> {
    match doc.get("alsoKnownAs") {
        Some(Value::String(one)) => vec![one.as_str()],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

impl Move {
    async fn check(&self, _data: &Data) -> Result<(), InboxError> {
        if self.object != *self.actor.inner() {
            return Err(InboxError::Forbidden(
                "an account can only move itself".into(),
            ));
        }
        if self.target == self.object {
            return Err(InboxError::BadRequest(
                "an account cannot move to itself".into(),
            ));
        }
        Ok(())
    }

    async fn apply(self, data: &Data) -> Result<(), InboxError> {
        let app = data.app();
        let mover = signer(&self.actor, data).await?;
        let locals = follows::local_followers_of(&app.db, mover.id).await?;
        if locals.is_empty() {
            return Ok(());
        }
        let doc = remote::fetch_document(data, &self.target).await?;
        if !aliases(&doc).contains(&mover.uri.as_str()) {
            return Err(InboxError::BadRequest(format!(
                "{} does not list {} in alsoKnownAs",
                self.target, mover.uri
            )));
        }
        let target = remote::fetch_actor(data, &self.target).await?;
        for id in locals {
            let Some(local) = actors::find_local_actor(&app.db, id).await? else {
                continue;
            };
            outbox::follow(&app, &local, &target).await?;
            outbox::unfollow(&app, &local, &mover).await?;
        }
        tracing::info!(from = %mover.uri, to = %target.uri, "a followed account moved; following its new account");
        Ok(())
    }
}
