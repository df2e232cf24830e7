//! `sitemap.xml` (the sitemaps.org protocol) and `robots.txt`, which points to it. Both are
//! public pages like the others: rendered into the page cache, dropped when a post changes.
//! The sitemap lists the home page, the community, every published post, each author and
//! each tag with published posts, each with the time it last changed.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, SecondsFormat, Utc};

use super::{PageKey, respond};
use crate::app::App;
use crate::cache::Rendered;
use crate::error::AppError;
use crate::storage::{site, sitemap};
use crate::urls::{author_path, post_path, tag_path};

/// More URLs than one sitemap file may hold are not listed (the protocol's limit).
pub const MAX_URLS: usize = 50_000;

pub async fn sitemap(State(app): State<App>, headers: HeaderMap) -> Result<Response, AppError> {
    respond(&app, PageKey::Sitemap, &headers).await
}

pub async fn robots(State(app): State<App>, headers: HeaderMap) -> Result<Response, AppError> {
    respond(&app, PageKey::Robots, &headers).await
}

/// `robots.txt`: everything public may be crawled; the signed-in areas and the forms not.
pub fn render_robots(app: &App) -> Rendered {
    let mut body = String::from("User-agent: *\n");
    for private in [
        "/editor",
        "/account",
        "/admin",
        "/moderation",
        "/notifications",
        "/quotes",
        "/review",
        "/community/",
        "/interact",
        "/login",
        "/register",
        "/reset",
        "/setup",
    ] {
        body.push_str(&format!("Disallow: {private}\n"));
    }
    body.push_str(&format!("\nSitemap: {}\n", app.config.url("/sitemap.xml")));
    Rendered::ok("text/plain; charset=utf-8", body, None)
}

pub async fn render_sitemap(app: &App) -> Result<Rendered, AppError> {
    let site = site::get_site(&app.db).await?;
    let posts = sitemap::published_posts(&app.db).await?;
    let newest = posts.iter().map(|p| p.updated_at).max();
    let mut urls: Vec<(String, Option<DateTime<Utc>>)> = vec![
        ("/".to_owned(), newest),
        (author_path(&site.community_username), newest),
    ];
    let mut authors: BTreeMap<String, DateTime<Utc>> = BTreeMap::new();
    // Each tag once, by the form its matching uses, under the newest post's spelling.
    let mut tags: BTreeMap<String, (String, DateTime<Utc>)> = BTreeMap::new();
    let mut series: BTreeMap<String, DateTime<Utc>> = BTreeMap::new();
    for post in &posts {
        if !post.series_slug.is_empty() {
            series
                .entry(post.series_slug.clone())
                .and_modify(|t| *t = (*t).max(post.updated_at))
                .or_insert(post.updated_at);
        }
        urls.push((post_path(post.slug.as_str()), Some(post.updated_at)));
        let changed = post.updated_at.max(post.author_updated_at);
        authors
            .entry(post.author.as_str().to_owned())
            .and_modify(|t| *t = (*t).max(changed))
            .or_insert(changed);
        for tag in &post.tags {
            tags.entry(tag.key())
                .and_modify(|(_, t)| *t = (*t).max(post.updated_at))
                .or_insert((tag.as_str().to_owned(), post.updated_at));
        }
    }
    urls.extend(
        authors
            .into_iter()
            .map(|(name, at)| (author_path(&name), Some(at))),
    );
    urls.extend(
        tags.into_values()
            .map(|(shown, at)| (tag_path(&shown), Some(at))),
    );
    urls.extend(
        series
            .into_iter()
            .map(|(slug, at)| (crate::urls::series_path(&slug), Some(at))),
    );
    urls.truncate(MAX_URLS);

    let mut body = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for (path, lastmod) in &urls {
        body.push_str("  <url><loc>");
        body.push_str(&escape(app.config.url(path).as_str()));
        body.push_str("</loc>");
        if let Some(at) = lastmod {
            body.push_str("<lastmod>");
            body.push_str(&at.to_rfc3339_opts(SecondsFormat::Secs, true));
            body.push_str("</lastmod>");
        }
        body.push_str("</url>\n");
    }
    body.push_str("</urlset>\n");
    Ok(Rendered::ok("application/xml; charset=utf-8", body, newest))
}

/// Text made safe inside an XML element.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}
