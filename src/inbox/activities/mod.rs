//! One file per activity type: its wire struct (what we read of it) and what it means when it
//! arrives, as the ActivityPub crate's `Activity` trait (`verify`, then `receive`). The
//! dispatch from a type name to its struct is in [`crate::inbox`].

mod accept;
mod announce;
mod create;
mod delete;
mod flag;
mod follow;
mod like;
mod mention;
mod reply;
mod undo;

pub use accept::{Accept, Reject};
pub use announce::Announce;
pub use create::{Create, Update};
pub use delete::Delete;
pub use flag::Flag;
pub use follow::Follow;
pub use like::{Like, local_post};
pub use reply::MAX_PARENT_FETCHES;
pub use undo::Undo;

use crate::federation::Data;
use crate::federation::objects::peer::PeerId;
use crate::inbox::InboxError;
use crate::storage::remote::RemoteActor;

/// The stored actor behind a verified activity's `actor` (the inbox found and stored it
/// when it checked the signature).
async fn signer(actor: &PeerId, data: &Data) -> Result<RemoteActor, InboxError> {
    Ok(actor.dereference_local(data).await?.into_stored())
}
