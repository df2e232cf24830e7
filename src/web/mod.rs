//! HTTP for people: public pages, feeds, static files, health; one router lists every URL.

pub mod admin;
pub mod assets;
pub mod auth;
pub mod avatars;
pub mod cache;
pub mod community;
pub mod conversation;
pub mod editor;
pub mod feeds;
pub mod headers;
pub mod interact;
pub mod invites;
pub mod media;
pub mod moderation;
pub mod notifications;
pub mod pages;
pub mod profile;
pub mod register;

use std::sync::Arc;
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
use crate::error::AppError;
use cache::{CachedPage, Rendered};

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
                .layer(DefaultBodyLimit::max(
                    crate::federation::inbox::INBOX_MAX_BYTES,
                )),
        )
        .route("/feed.xml", get(feeds::site_rss))
        .route("/atom.xml", get(feeds::site_atom))
        .route("/feed.json", get(feeds::site_json))
        .route("/static/{name}", get(assets::serve))
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
        .merge(
            crate::federation::routes::router().layer(DefaultBodyLimit::max(
                crate::federation::inbox::INBOX_MAX_BYTES,
            )),
        )
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

/// Every cacheable resource: a key for the page cache and a way to render it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PageKey {
    Home {
        page: u32,
    },
    Post {
        slug: String,
    },
    Author {
        username: String,
        page: u32,
    },
    Tag {
        tag: String,
        page: u32,
    },
    Feed {
        scope: feeds::Scope,
        format: feeds::Format,
    },
    ActorJson {
        username: String,
    },
    ArticleJson {
        slug: String,
    },
    WebFinger {
        name: String,
    },
}

impl PageKey {
    /// Roughly the memory the key takes in the cache.
    pub(crate) fn weight(&self) -> u64 {
        let text = match self {
            PageKey::Home { .. } => 0,
            PageKey::Post { slug } | PageKey::ArticleJson { slug } => slug.len(),
            PageKey::Author { username, .. } | PageKey::ActorJson { username } => username.len(),
            PageKey::Tag { tag, .. } => tag.len(),
            PageKey::Feed { scope, .. } => match scope {
                feeds::Scope::Site => 0,
                feeds::Scope::Author(name) | feeds::Scope::Tag(name) => name.len(),
            },
            PageKey::WebFinger { name } => name.len(),
        };
        (std::mem::size_of::<PageKey>() + text) as u64
    }

    async fn render(&self, app: &App) -> Result<Rendered, AppError> {
        match self {
            PageKey::Home { page } => pages::render_home(app, *page).await,
            PageKey::Post { slug } => pages::render_post(app, slug).await,
            PageKey::Author { username, page } => pages::render_author(app, username, *page).await,
            PageKey::Tag { tag, page } => pages::render_tag(app, tag, *page).await,
            PageKey::Feed { scope, format } => feeds::render(app, scope, *format).await,
            PageKey::ActorJson { username } => {
                crate::federation::routes::render_actor(app, username).await
            }
            PageKey::ArticleJson { slug } => {
                crate::federation::routes::render_article(app, slug).await
            }
            PageKey::WebFinger { name } => {
                crate::federation::discovery::render_webfinger(app, name).await
            }
        }
    }
}

impl App {
    /// The cached page for `key`, rendered and compressed now if it is missing.
    pub async fn page(&self, key: &PageKey) -> Result<Arc<CachedPage>, AppError> {
        if let Some(page) = self.pages.get(key) {
            return Ok(page);
        }
        let generation = self.pages.generation();
        let rendered = key.render(self).await?;
        let page = Arc::new(CachedPage::build(rendered, generation));
        self.pages.insert(key.clone(), page.clone());
        Ok(page)
    }

    /// Renders the pages a change to these posts affects, so that readers find them ready.
    pub async fn warm(&self, keys: Vec<PageKey>) {
        for key in keys {
            if let Err(e) = self.page(&key).await {
                if !matches!(e, AppError::NotFound) {
                    tracing::warn!(?key, error = %e, "could not pre-render a page");
                }
            }
        }
    }
}

/// Answers a request for `key` from the cache.
pub async fn respond(app: &App, key: PageKey, headers: &HeaderMap) -> Result<Response, AppError> {
    Ok(app.page(&key).await?.respond(headers))
}
