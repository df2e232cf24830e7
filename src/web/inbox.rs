//! `POST /inbox` and `POST /@name/inbox`: what other servers deliver, handed to
//! [`crate::inbox`]; 202 once it is taken.

use axum::body::Bytes;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, OriginalUri, Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use crate::app::App;
use crate::error::AppError;
use crate::inbox::{self, InboxError};
use crate::telemetry::metrics;
use crate::urls::author_path;

/// `POST /inbox`
pub async fn shared_inbox(
    State(app): State<App>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    receive(&app, client, &uri, &headers, &body).await
}

/// `POST /@name/inbox`: a local person's or the community's own inbox.
pub async fn actor_inbox(
    State(app): State<App>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Path(handle): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let username = super::pages::parse_handle(&handle)?;
    let actor = app.config.url(&author_path(&username));
    if crate::federation::local_target(&app, actor.as_str())
        .await?
        .is_none()
    {
        return Err(AppError::NotFound);
    }
    Ok(receive(&app, client, &uri, &headers, &body).await)
}

async fn receive(
    app: &App,
    client: SocketAddr,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Response {
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let answer = inbox::receive(app, client.ip(), path, headers, body).await;
    if metrics::handle().is_some() {
        metrics::inbox_activity(activity_type(body), answer_name(&answer));
    }
    match answer {
        Ok(()) => StatusCode::ACCEPTED.into_response(),
        Err(e) => e.into_response(),
    }
}

/// Activity types counted by name; any other is `other` (labels stay few).
const COUNTED_TYPES: [&str; 16] = [
    "Accept",
    "Add",
    "Announce",
    "Create",
    "Delete",
    "Dislike",
    "EmojiReact",
    "Flag",
    "Follow",
    "Like",
    "Move",
    "QuoteRequest",
    "Reject",
    "Remove",
    "Undo",
    "Update",
];

/// The activity's type as counted: read from the body again, only when metrics are kept.
fn activity_type(body: &[u8]) -> &'static str {
    #[derive(serde::Deserialize)]
    struct Typed {
        #[serde(rename = "type")]
        kind: Option<serde_json::Value>,
    }
    let kind = serde_json::from_slice::<Typed>(body)
        .ok()
        .and_then(|t| t.kind);
    match kind.as_ref().and_then(|k| k.as_str()) {
        Some(k) => COUNTED_TYPES
            .iter()
            .find(|t| **t == k)
            .copied()
            .unwrap_or("other"),
        None => "unreadable",
    }
}

fn answer_name(answer: &Result<(), InboxError>) -> &'static str {
    match answer {
        Ok(()) => "accepted",
        Err(InboxError::Unauthorized(_)) => "unauthorized",
        Err(InboxError::BadRequest(_)) => "bad_request",
        Err(InboxError::Forbidden(_)) => "forbidden",
        Err(InboxError::Unavailable(_)) => "unavailable",
        Err(InboxError::TooMany(_)) => "too_many",
        Err(InboxError::Internal(_)) => "internal",
    }
}
