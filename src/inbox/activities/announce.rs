//! `Announce` (a boost): of one of our posts, a reaction counted with likes; of a remote post
//! by an actor someone here follows, the boosted post is fetched from its origin (never
//! trusted from an embedded copy) and kept with who boosted it. A group (FEP-1b12) announces
//! its members' activities instead: of a `Create` or `Update` the post it carries is taken the
//! same way; what else a group relays (comments, votes, deletions) is not kept here.

use activitypub_federation::kinds::activity::AnnounceType;
use serde::Deserialize;
use serde_json::Value;
use url::Url;

use super::like::count;
use super::signer;
use crate::federation::objects::peer::PeerId;
use crate::federation::objects::remote_post::store_post;
use crate::federation::{Data, json_id, remote};
use crate::inbox::InboxError;
use crate::inbox::wire::kind_of;
use crate::storage::follows;
use crate::storage::reactions::ReactionKind;
use crate::storage::remote as stored;

#[derive(Debug, Deserialize)]
pub struct Announce {
    id: Url,
    #[serde(rename = "type")]
    _kind: AnnounceType,
    actor: PeerId,
    /// The post, by id or embedded, or a group member's activity, embedded or by id.
    object: Value,
}

/// What an Announce's `object` boosts: a post's id, or `None` when it is nothing to keep.
fn boosted(object: &Value) -> Option<Url> {
    let post = match kind_of(object) {
        "Create" | "Update" => object.get("object")?,
        "Delete" | "Undo" | "Like" | "Dislike" | "Announce" | "Add" | "Remove" | "Block" => {
            return None;
        }
        _ => object,
    };
    if post.get("inReplyTo").and_then(json_id).is_some() {
        return None;
    }
    Url::parse(&json_id(post)?).ok()
}

activity!(Announce);

impl Announce {
    async fn check(&self, _data: &Data) -> Result<(), InboxError> {
        Ok(())
    }

    async fn apply(self, data: &Data) -> Result<(), InboxError> {
        let app = data.app();
        let Some(object) = boosted(&self.object) else {
            return Ok(());
        };
        if crate::urls::is_local(&app.config, &object) {
            return count(data, ReactionKind::Announce, &self.id, &self.actor, &object).await;
        }
        let booster = signer(&self.actor, data).await?;
        if !follows::is_followed_locally(&app.db, booster.id).await? {
            return Ok(());
        }
        if stored::find_remote_object(&app.db, object.as_str())
            .await?
            .is_some()
        {
            return Ok(());
        }
        let wanted = object;
        let object = remote::fetch_document(data, &wanted).await?;
        if json_id(&object).as_deref() != Some(wanted.as_str()) {
            return Err(InboxError::BadRequest(
                "the announced object's id does not match".into(),
            ));
        }
        let author = object
            .get("attributedTo")
            .and_then(json_id)
            .ok_or_else(|| InboxError::BadRequest("announced object without author".into()))?;
        let author_url =
            Url::parse(&author).map_err(|_| InboxError::BadRequest("bad attributedTo".into()))?;
        let author = remote::actor(data, &author_url).await?;
        Ok(store_post(&app, &object, &author, Some(&booster.uri)).await?)
    }
}
