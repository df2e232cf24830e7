//! One file per activity type: what it means when it arrives. Dispatch happens here.

pub mod accept;
pub mod announce;
pub mod create;
pub mod delete;
pub mod flag;
pub mod follow;
pub mod like;
pub mod mention;
pub mod reply;
pub mod undo;

use super::inbox::{InboxError, Incoming};
use crate::app::App;
use crate::storage::remote::RemoteActor;

pub async fn dispatch(
    app: &App,
    activity: &Incoming,
    signer: &RemoteActor,
) -> Result<(), InboxError> {
    match activity.kind.as_str() {
        "Follow" => follow::receive(app, activity, signer).await,
        "Undo" => undo::receive(app, activity, signer).await,
        "Accept" => accept::receive(app, activity, signer, true).await,
        "Reject" => accept::receive(app, activity, signer, false).await,
        "Create" | "Update" => create::receive(app, activity, signer).await,
        "Delete" => delete::receive(app, activity, signer).await,
        "Announce" => announce::receive(app, activity, signer).await,
        "Like" => like::receive(app, activity, signer).await,
        "Flag" => flag::receive(app, activity, signer).await,
        other => {
            tracing::debug!(kind = other, id = %activity.id, "ignored an activity of a type Chorus does not act on");
            Ok(())
        }
    }
}
