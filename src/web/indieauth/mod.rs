//! IndieAuth over HTTP: the metadata document, the authorization endpoint and its consent
//! page, the token, introspection and revocation endpoints, and the account page's Revoke
//! button. The rules are in `actions::indieauth`.

pub mod authorize;
pub mod consent;
pub mod introspect;
pub mod metadata;
pub mod token;
pub mod tokens;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use url::Url;

use crate::actions::indieauth::RequestError;
use crate::app::App;
use crate::error::AppError;

/// JSON for a client, never stored by caches (RFC 6749 §5.1).
pub fn json(status: StatusCode, body: serde_json::Value) -> Response {
    let mut response = (status, axum::Json(body)).into_response();
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// An OAuth 2.0 error answer (RFC 6749 §5.2).
pub fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    if status.is_server_error() {
        tracing::error!(error = description, "IndieAuth request failed");
    }
    json(
        status,
        serde_json::json!({ "error": error, "error_description": description }),
    )
}

/// Sends the browser back to a checked redirect address with `pairs` added to its query
/// and the issuer (`iss`, RFC 9207).
pub fn back_to_client(app: &App, redirect_uri: &Url, pairs: &[(&str, &str)]) -> Response {
    let mut target = redirect_uri.clone();
    let iss = crate::actions::indieauth::issuer(app);
    target
        .query_pairs_mut()
        .extend_pairs(pairs)
        .append_pair("iss", &iss);
    Redirect::to(target.as_str()).into_response()
}

/// A refused authorization request: on a page when the client or redirect address is wrong,
/// else back to the client with the error (RFC 6749 §4.1.2.1).
pub fn refused(app: &App, e: RequestError) -> Result<Response, AppError> {
    match e {
        RequestError::Client(problem) => Err(AppError::BadRequest(crate::web::editor::sentence(
            &problem.to_string(),
        ))),
        RequestError::Redirect {
            client,
            state,
            error,
            description,
        } => {
            let mut pairs = vec![
                ("error", error),
                ("error_description", description.as_str()),
            ];
            if let Some(state) = state.as_deref() {
                pairs.push(("state", state));
            }
            Ok(back_to_client(app, &client.redirect_uri, &pairs))
        }
    }
}
