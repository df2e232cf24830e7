//! Micropub's error answers (§3.7.3, and RFC 6750 for tokens): a status and a JSON body with
//! `error` and `error_description`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::actions::posts::PublishError;
use crate::domain::micropub::RequestError;
use crate::domain::post::PostError;
use crate::domain::scope::Scope;
use crate::media::MediaError;

/// A refused or failed Micropub request.
#[derive(Debug)]
pub struct MicropubError {
    status: StatusCode,
    error: &'static str,
    description: String,
}

impl MicropubError {
    fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        MicropubError {
            status,
            error,
            description: description.into(),
        }
    }

    /// 400: the request is malformed or names something that is not there.
    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }

    /// 401: no token was sent.
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "send an access token in the Authorization header (Bearer) or as access_token",
        )
    }

    /// 403: the token lacks the scope this request needs.
    pub fn insufficient_scope(scope: Scope) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            format!(
                "this request needs a token with the {} scope",
                scope.as_str()
            ),
        )
    }

    /// 403: the token's user may not do this to this post.
    pub fn forbidden(description: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", description)
    }

    /// 500: the server failed; the details are logged, not shown.
    pub fn server(error: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %error, "a Micropub request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "the server could not do this; try again later",
        )
    }
}

impl IntoResponse for MicropubError {
    fn into_response(self) -> Response {
        let body = json!({"error": self.error, "error_description": self.description});
        let mut response = (self.status, axum::Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<RequestError> for MicropubError {
    fn from(e: RequestError) -> Self {
        Self::invalid_request(e.to_string())
    }
}

impl From<PostError> for MicropubError {
    fn from(e: PostError) -> Self {
        Self::invalid_request(e.to_string())
    }
}

impl From<PublishError> for MicropubError {
    fn from(e: PublishError) -> Self {
        match e {
            PublishError::Storage(e) => Self::server(&e),
            e if e.is_refusal() => Self::forbidden(e.to_string()),
            e => Self::invalid_request(e.to_string()),
        }
    }
}

impl From<MediaError> for MicropubError {
    fn from(e: MediaError) -> Self {
        if e.is_client_error() {
            Self::invalid_request(e.to_string())
        } else {
            Self::server(&e)
        }
    }
}

impl From<crate::storage::StorageError> for MicropubError {
    fn from(e: crate::storage::StorageError) -> Self {
        Self::server(&e)
    }
}
