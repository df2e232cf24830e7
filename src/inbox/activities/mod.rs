//! One file per activity type: its wire struct (what we read of it), what must hold before it
//! is taken (`check`, the crate's `Activity::verify`) and what it means when it arrives
//! (`apply`, the crate's `Activity::receive`). The dispatch from a type name to its struct is
//! in [`crate::inbox`].

/// Implements the ActivityPub crate's `Activity` trait for a wire struct with an `id` and an
/// `actor`: its `verify` is the struct's `check`, its `receive` the struct's `apply`.
macro_rules! activity {
    ($wire:ty) => {
        #[async_trait::async_trait]
        impl activitypub_federation::traits::Activity for $wire {
            type DataType = crate::federation::FedData;
            type Error = crate::inbox::InboxError;

            fn id(&self) -> &url::Url {
                &self.id
            }

            fn actor(&self) -> &url::Url {
                self.actor.inner()
            }

            async fn verify(&self, data: &crate::federation::Data) -> Result<(), Self::Error> {
                self.check(data).await
            }

            async fn receive(self, data: &crate::federation::Data) -> Result<(), Self::Error> {
                self.apply(data).await
            }
        }
    };
}

mod accept;
mod announce;
mod create;
mod delete;
mod flag;
mod follow;
mod like;
mod mention;
mod moved;
mod quote_request;
mod reply;
mod undo;

pub use accept::{Accept, Reject};
pub use announce::Announce;
pub use create::{Create, Update};
pub use delete::Delete;
pub use flag::Flag;
pub use follow::Follow;
pub use like::{Dislike, Like, local_post};
pub use moved::Move;
pub use quote_request::QuoteRequest;
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
