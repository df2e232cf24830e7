//! `POST /inbox` and `POST /@name/inbox`: what other servers deliver, handed to
//! [`crate::inbox`]; 202 once it is taken.

use axum::body::Bytes;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, OriginalUri, Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use crate::app::App;
use crate::error::AppError;
use crate::inbox;
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
    match inbox::receive(app, client.ip(), path, headers, body).await {
        Ok(()) => StatusCode::ACCEPTED.into_response(),
        Err(e) => e.into_response(),
    }
}
