//! Rendering what the page cache holds: each [`PageKey`] to its renderer, pages served from
//! the cache (rendered on a miss), and the pages a change made stale rendered again ahead of
//! readers.

use std::sync::Arc;

use crate::app::App;
use crate::cache::{CachedPage, PageKey, Rendered};
use crate::error::AppError;

use super::{activitypub, discovery, feed_page, feeds, front, pages, series, sitemap};

/// Renders `key` from the database.
async fn render(app: &App, key: &PageKey) -> Result<Rendered, AppError> {
    match key {
        PageKey::Home { page } => front::render_home(app, *page).await,
        PageKey::Subscribe => front::render_subscribe(app).await,
        PageKey::Series { slug } => series::render(app, slug).await,
        PageKey::Post { slug } => pages::render_post(app, slug).await,
        PageKey::Author { username, page } => pages::render_author(app, username, *page).await,
        PageKey::Tag { tag, page } => pages::render_tag(app, tag, *page).await,
        PageKey::Feed { scope, format } => feeds::render(app, scope, *format).await,
        PageKey::FeedPage { scope, format } => feed_page::render(app, scope, *format).await,
        PageKey::ActorJson { username } => activitypub::render_actor(app, username).await,
        PageKey::ArticleJson { slug } => activitypub::render_article(app, slug).await,
        PageKey::WebFinger { name } => discovery::render_webfinger(app, name).await,
        PageKey::Sitemap => sitemap::render_sitemap(app).await,
        PageKey::Robots => Ok(sitemap::render_robots(app)),
    }
}

/// The cached page for `key`, rendered and compressed now if it is missing.
pub async fn page(app: &App, key: &PageKey) -> Result<Arc<CachedPage>, AppError> {
    let cached = app.pages.get(key);
    crate::telemetry::metrics::page_cache(cached.is_some());
    match cached {
        Some(page) => Ok(page),
        None => fill(app, key).await,
    }
}

/// Renders `key` and keeps it in the cache.
async fn fill(app: &App, key: &PageKey) -> Result<Arc<CachedPage>, AppError> {
    let generation = app.pages.generation();
    let rendered = render(app, key).await?;
    let page = Arc::new(CachedPage::build(rendered, generation));
    app.pages.insert(key.clone(), page.clone());
    Ok(page)
}

/// Renders the pages changes asked for ([`crate::cache::PageCache::warm`]), one at a time,
/// until the process ends, so that readers find them ready.
pub async fn warm_pages(app: App) {
    let Some(mut wanted) = app.pages.take_warm_requests() else {
        return; // another task renders them already
    };
    while let Some(keys) = wanted.recv().await {
        for key in keys {
            if app.pages.get(&key).is_some() {
                continue;
            }
            if let Err(e) = fill(&app, &key).await
                && !matches!(e, AppError::NotFound)
            {
                tracing::warn!(?key, error = %e, "could not pre-render a page");
            }
        }
    }
}
