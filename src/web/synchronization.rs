//! `GET /@name/followers_synchronization`: the part of an actor's followers on the server
//! that asks, signed (FEP-8fcf). That server compares it with its own view after a delivery
//! whose `Collection-Synchronization` digest did not match.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, OriginalUri, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::activitypub::json_response;
use crate::app::App;
use crate::error::AppError;
use crate::federation::followers_sync;
use crate::federation::objects::with_context;
use crate::inbox;
use crate::urls::author_path;

pub async fn partial_followers(
    State(app): State<App>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Path(handle): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let username = super::pages::parse_handle(&handle)?;
    let actor = app.config.url(&author_path(&username));
    let Some(local) = crate::federation::local_target(&app, actor.as_str()).await? else {
        return Err(AppError::NotFound);
    };
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let signer = match inbox::verify_get(&app, client.ip(), path, &headers).await {
        Ok(signer) => signer,
        Err(e) => return Ok(e.into_response()),
    };
    let doc = followers_sync::partial_collection(&app, &local, &actor, &signer.domain).await?;
    let mut r = json_response(StatusCode::OK, with_context(doc));
    r.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("private, no-store"),
    );
    Ok(r)
}
