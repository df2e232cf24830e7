//! What can go wrong in the protocol layer: another server's document is unusable, the
//! server cannot be reached just now, a request was refused by our own rules, or something
//! of ours (the database, a key) failed.

use super::client::ClientError;
use crate::storage::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum FederationError {
    /// The other server's answer cannot be used: not found, gone, the wrong shape, on the
    /// wrong host, or it names what it must not.
    #[error("{0}")]
    Invalid(String),
    /// The other server could not be reached or failed; trying later may work.
    #[error("temporarily unreachable: {0}")]
    Transient(String),
    /// Our own rules refuse this address (private networks, plain http, blocked servers).
    #[error("refused: {0}")]
    Refused(String),
    /// A key of ours could not be made, read or used.
    #[error("key: {0}")]
    Key(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl FederationError {
    /// Whether trying again later may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, FederationError::Transient(_))
    }

    /// Whether the fault is ours (a 500) rather than the other server's or the request's.
    pub fn is_internal(&self) -> bool {
        matches!(self, FederationError::Key(_) | FederationError::Storage(_))
    }
}

impl From<ClientError> for FederationError {
    fn from(e: ClientError) -> Self {
        match e {
            ClientError::Refused(why) => FederationError::Refused(why),
            e if e.is_transient() => FederationError::Transient(e.to_string()),
            e => FederationError::Invalid(e.to_string()),
        }
    }
}

impl From<url::ParseError> for FederationError {
    fn from(e: url::ParseError) -> Self {
        FederationError::Invalid(format!("not a URL: {e}"))
    }
}

/// Results of the protocol layer.
pub type Result<T, E = FederationError> = std::result::Result<T, E>;
