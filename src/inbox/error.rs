//! How the inbox answers: 202 when an activity was taken, 401 for anything whose signature
//! cannot be verified (so peers that try RFC 9421 first fall back to draft-cavage), 400 for
//! what cannot be understood, 403 for blocked senders, 503 (with `Retry-After`) when the
//! sender's server could not be reached just now.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::actions::moderation::ModerationError;
use crate::federation::FederationError;
use crate::storage::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum InboxError {
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// This client sent too many activities that each cost a fetch.
    #[error("too many requests: {0}")]
    TooMany(String),
    #[error("internal: {0}")]
    Internal(String),
}

impl From<StorageError> for InboxError {
    fn from(e: StorageError) -> Self {
        InboxError::Internal(e.to_string())
    }
}

impl From<FederationError> for InboxError {
    fn from(e: FederationError) -> Self {
        match e {
            FederationError::Invalid(why) | FederationError::Refused(why) => {
                InboxError::BadRequest(why)
            }
            FederationError::Transient(why) => InboxError::Unavailable(why),
            e => InboxError::Internal(e.to_string()),
        }
    }
}

impl From<ModerationError> for InboxError {
    fn from(e: ModerationError) -> Self {
        match e {
            ModerationError::Storage(e) => e.into(),
            ModerationError::Federation(e) => e.into(),
        }
    }
}

impl From<activitypub_federation::error::Error> for InboxError {
    fn from(e: activitypub_federation::error::Error) -> Self {
        FederationError::from(e).into()
    }
}

impl IntoResponse for InboxError {
    fn into_response(self) -> Response {
        let status = match &self {
            InboxError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            InboxError::BadRequest(_) => StatusCode::BAD_REQUEST,
            InboxError::Forbidden(_) => StatusCode::FORBIDDEN,
            InboxError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            InboxError::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
            InboxError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(error = %self, "inbox processing failed");
        } else {
            tracing::info!(%status, reason = %self, "inbox refused an activity");
        }
        let mut r = (status, format!("{self}\n")).into_response();
        if status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Signature"),
            );
        }
        if status == StatusCode::SERVICE_UNAVAILABLE || status == StatusCode::TOO_MANY_REQUESTS {
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
        }
        r
    }
}
