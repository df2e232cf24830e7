//! `POST /inbox` and `POST /@name/inbox`: what other servers deliver, handed to
//! [`crate::inbox`]; 202 once it is taken.

use axum::body::Bytes;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use crate::app::App;
use crate::inbox;

/// `POST /inbox`
pub async fn shared_inbox(
    State(app): State<App>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    receive(&app, &uri, &headers, &body).await
}

/// An actor's own inbox (`POST /@name/inbox`), reached through the author routes.
pub async fn receive(app: &App, uri: &Uri, headers: &HeaderMap, body: &Bytes) -> Response {
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    match inbox::receive(app, path, headers, body).await {
        Ok(()) => StatusCode::ACCEPTED.into_response(),
        Err(e) => e.into_response(),
    }
}
