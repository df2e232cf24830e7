//! Who is asking: the bearer token from the `Authorization` header or the `access_token`
//! parameter (never both, §3.8), and the scope a request needs.

use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

use super::errors::MicropubError;
use crate::actions::tokens::{self, Grant, TokenError};
use crate::app::App;
use crate::domain::scope::Scope;
use crate::web::auth::bearer::{bearer_token, invalid_token};

/// The grant of the request's token, or the answer that refuses it.
pub async fn grant(
    app: &App,
    headers: &HeaderMap,
    in_body: Option<&str>,
) -> Result<Grant, Response> {
    let token = match (bearer_token(headers), in_body) {
        (Some(_), Some(_)) => {
            return Err(MicropubError::invalid_request(
                "send the access token in the Authorization header or in the body, not both",
            )
            .into_response());
        }
        (Some(t), None) | (None, Some(t)) => t,
        (None, None) => return Err(MicropubError::unauthorized().into_response()),
    };
    match tokens::authenticate(app, token).await {
        Ok(grant) => Ok(grant),
        Err(TokenError::Storage(e)) => Err(MicropubError::server(&e).into_response()),
        Err(e) => Err(invalid_token(&e.to_string())),
    }
}

/// The grant and the body of a request to an endpoint that reads a body: a body that could
/// not be read is refused for a missing or bad token first, then for what was wrong with it.
pub async fn with_body(
    app: &App,
    headers: &HeaderMap,
    body: Result<super::body::Body, MicropubError>,
) -> Result<(Grant, super::body::Body), Response> {
    let body = match body {
        Ok(b) => b,
        Err(e) => {
            grant(app, headers, None).await?;
            return Err(e.into_response());
        }
    };
    let grant = grant(app, headers, body.token()).await?;
    Ok((grant, body))
}

/// Refuses with `insufficient_scope` unless the token carries `scope`.
pub fn require(grant: &Grant, scope: Scope) -> Result<(), MicropubError> {
    if grant.allows(scope) {
        Ok(())
    } else {
        Err(MicropubError::insufficient_scope(scope))
    }
}
