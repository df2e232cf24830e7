//! HTTP in, for readers, authors, administrators, other servers and operators: one route
//! table ([`routes`]), and handlers that parse the request and render the answer.

pub mod activitypub;
pub mod admin;
pub mod auth;
pub mod avatars;
pub mod community;
pub mod contexts;
pub mod conversation;
pub mod discovery;
pub mod edit_links;
pub mod editor;
pub mod error_pages;
pub mod feed_page;
pub mod feeds;
pub mod front;
pub mod headers;
pub mod inbox;
pub mod indieauth;
pub mod interact;
pub mod invites;
pub mod media;
pub mod metrics;
pub mod micropub;
pub mod moderation;
pub mod moving;
pub mod notifications;
pub mod old_urls;
pub mod pages;
pub mod profile;
pub mod quotes;
pub mod register;
pub mod render;
pub mod review;
pub mod routes;
pub mod search;
pub mod series;
pub mod sitemap;
pub mod static_files;
pub mod synchronization;
pub mod webmention;

use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::app::App;
use crate::cache::PageKey;
use crate::error::AppError;

/// Largest request body accepted anywhere unless a route says otherwise.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// A request that takes longer than this is answered 408 and dropped.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

pub use routes::router;

/// `GET /healthz`: 200 while the database answers.
pub async fn healthz(State(app): State<App>) -> Response {
    match app.db.ping().await {
        Ok(()) => (StatusCode::OK, "ok\n").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
        }
    }
}

/// Answers a request for `key` from the cache.
pub async fn respond(app: &App, key: PageKey, headers: &HeaderMap) -> Result<Response, AppError> {
    Ok(render::page(app, &key).await?.respond(headers))
}
