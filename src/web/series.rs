//! Series: `GET /series/{slug}` lists every part in the order it was published, with the
//! series' own feeds (`/series/{slug}/feed.xml`, `atom.xml`, `feed.json`); each post in a
//! series shows where it stands ([`nav`]).

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::pages::{html, post_views};
use super::{PageKey, respond};
use crate::app::App;
use crate::cache::{Format, Rendered, Scope};
use crate::domain::Slug;
use crate::error::AppError;
use crate::storage::posts::{self, Listing, Post};
use crate::storage::{directory, site};
use crate::templates::series::{PartLink, SeriesNav, SeriesPage};
use crate::templates::{FeedLink, Layout};
use crate::urls::{post_path, series_path};

/// Most parts a series page lists.
pub const MAX_PARTS: i64 = 500;

/// `slug` if it could be a series' address.
fn checked(slug: &str) -> Result<String, AppError> {
    Slug::parse(slug)
        .map(|s| s.to_string())
        .map_err(|_| AppError::NotFound)
}

/// `GET /series/{slug}`
pub async fn page(
    State(app): State<App>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let slug = checked(&slug)?;
    respond(&app, PageKey::Series { slug }, &headers).await
}

/// `GET /series/{slug}/{feed}`
pub async fn feed(
    State(app): State<App>,
    Path((slug, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let slug = checked(&slug)?;
    let format = Format::from_file(&file).ok_or(AppError::NotFound)?;
    super::feed_page::answer(&app, Scope::Series(slug), format, &headers).await
}

/// Where `post` stands in its series: `None` when it is in none (or not published).
pub async fn nav(app: &App, post: &Post) -> Result<Option<SeriesNav>, AppError> {
    let Some(series) = &post.series else {
        return Ok(None);
    };
    let parts = directory::list_series_parts(&app.db, series.slug.as_str()).await?;
    let Some(index) = parts
        .iter()
        .position(|(slug, _, _)| slug == post.slug.as_str())
    else {
        return Ok(None);
    };
    // The series is called as its first part names it.
    let name = parts[0].2.clone();
    let links = parts
        .into_iter()
        .enumerate()
        .map(|(i, (slug, title, _))| PartLink {
            title,
            url: app.config.url(&post_path(&slug)).to_string(),
            current: i == index,
        })
        .collect();
    let url = app
        .config
        .url(&series_path(series.slug.as_str()))
        .to_string();
    Ok(Some(SeriesNav::new(&name, url, links, index)))
}

pub async fn render(app: &App, slug: &str) -> Result<Rendered, AppError> {
    let mut list = posts::list_published(&app.db, Listing::BySeries(slug), MAX_PARTS, 0).await?;
    list.reverse();
    // The series is called as its first part names it.
    let Some(name) = list
        .first()
        .and_then(|p| p.series.as_ref())
        .map(|s| s.name.clone())
    else {
        return Err(AppError::NotFound);
    };
    let site = site::get_site(&app.db).await?;
    let path = series_path(slug);
    let intro = format!(
        "A series of {} {}, in the order they were published.",
        list.len(),
        if list.len() == 1 { "post" } else { "posts" }
    );
    let mut layout = Layout::new(&site, &app.config, Some(&name), &intro, &path);
    layout.feeds = FeedLink::all(&app.config, &path, &format!("{name} · {}", site.title));
    let last_modified = list.iter().map(|p| p.updated_at).max();
    let feeds = FeedLink::all(&app.config, &path, &name);
    html(
        SeriesPage {
            layout,
            name,
            intro,
            posts: post_views(app, &list).await?,
            feeds,
        },
        last_modified,
    )
}
