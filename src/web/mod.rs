//! HTTP for people: public pages, feeds, static files, health; one router lists every URL.

pub mod activitypub;
pub mod admin;
pub mod auth;
pub mod avatars;
pub mod community;
pub mod conversation;
pub mod discovery;
pub mod editor;
pub mod feeds;
pub mod headers;
pub mod inbox;
pub mod interact;
pub mod invites;
pub mod media;
pub mod moderation;
pub mod notifications;
pub mod pages;
pub mod profile;
pub mod register;
pub mod render;
pub mod static_files;

use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::app::App;
use crate::cache::PageKey;
use crate::error::AppError;

/// Largest request body accepted anywhere unless a route says otherwise.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// A request that takes longer than this is answered 408 and dropped.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Every URL Chorus answers.
pub fn router(app: App) -> Router {
    Router::new()
        .route("/", get(pages::home))
        .route("/posts/{slug}", get(pages::post))
        .route("/tags/{tag}", get(pages::tag))
        .route("/tags/{tag}/{feed}", get(feeds::tag_feed))
        .route("/{handle}", get(pages::author))
        .route(
            "/{handle}/{leaf}",
            get(pages::author_leaf)
                .post(pages::author_inbox)
                .layer(DefaultBodyLimit::max(crate::inbox::INBOX_MAX_BYTES)),
        )
        .route("/feed.xml", get(feeds::site_rss))
        .route("/atom.xml", get(feeds::site_atom))
        .route("/feed.json", get(feeds::site_json))
        .route("/static/{name}", get(static_files::serve))
        .route("/media/{file}", get(media::serve))
        .route("/avatars/{file}", get(avatars::stored))
        .route("/avatars/initials/{name}", get(avatars::initials))
        .route("/interact", get(interact::interact))
        .route("/healthz", get(healthz))
        .merge(auth::router(&app))
        .merge(editor::router(&app))
        .merge(admin::router(&app))
        .merge(moderation::router(&app))
        .merge(community::router(&app))
        .merge(profile::router(&app))
        .merge(invites::router(&app))
        .merge(register::router(&app))
        .merge(activitypub::router().layer(DefaultBodyLimit::max(crate::inbox::INBOX_MAX_BYTES)))
        .fallback(|| async { AppError::NotFound })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(tower::util::MapResponseLayer::new(
            headers::security_headers as fn(Response) -> Response,
        ))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(CatchPanicLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(app)
}

/// `GET /healthz`: 200 while the database answers.
async fn healthz(State(app): State<App>) -> Response {
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
