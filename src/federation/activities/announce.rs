//! `Announce` (a boost): of one of our posts, a reaction counted with likes (`like.rs`); of a
//! remote post by an actor someone here follows, the boosted post is fetched from its origin
//! and kept with who boosted it.

use serde_json::Value;
use url::Url;

use super::create::store;
use crate::app::App;
use crate::federation::inbox::{InboxError, Incoming};
use crate::federation::{json_id, keys, remote as fetch};
use crate::storage::follows;
use crate::storage::remote::{self, RemoteActor};

pub async fn receive(
    app: &App,
    activity: &Incoming,
    signer: &RemoteActor,
) -> Result<(), InboxError> {
    let object_id = activity
        .object_id()
        .ok_or_else(|| InboxError::BadRequest("Announce without an object".into()))?;
    let Ok(object_url) = Url::parse(&object_id) else {
        return Err(InboxError::BadRequest(
            "the announced object is not a URL".into(),
        ));
    };
    if crate::urls::is_local(&app.config, &object_url) {
        return super::like::receive(app, activity, signer).await;
    }
    if !follows::is_followed_locally(&app.db, signer.id).await? {
        return Ok(());
    }
    if remote::find_remote_object(&app.db, &object_id)
        .await?
        .is_some()
    {
        return Ok(());
    }
    // Fetch from the origin rather than trusting an embedded copy.
    let instance = keys::instance_signer(app).await?;
    let object: Value = app
        .fed
        .client
        .fetch_json(&object_url, Some(&instance))
        .await
        .map_err(crate::federation::FederationError::from)?;
    if json_id(&object).as_deref() != Some(object_id.as_str()) {
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
    let author = fetch::actor(app, &author_url).await?;
    store(app, &object, &author, Some(&signer.uri)).await
}
