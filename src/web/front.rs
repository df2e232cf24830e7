//! The front page (`/`) and `/subscribe`: the site, how to follow it from the fediverse and
//! every feed. Both come from the page cache, the same bytes for every reader: the follow
//! forms send readers to `/interact`, which looks up their server.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::pages::{PER_PAGE, PageQuery, html, offset, post_views};
use super::{PageKey, respond};
use crate::app::App;
use crate::cache::Rendered;
use crate::config::Config;
use crate::error::AppError;
use crate::storage::posts::{self, Listing};
use crate::storage::{directory, site};
use crate::templates::front::{Followable, HomePage, SubscribePage};
use crate::templates::{FeedLink, Layout, Pager};
use crate::urls::{author_path, series_path, tag_path};

pub async fn home(
    State(app): State<App>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    respond(&app, PageKey::Home { page: q.number()? }, &headers).await
}

/// `GET /subscribe`
pub async fn subscribe(State(app): State<App>, headers: HeaderMap) -> Result<Response, AppError> {
    respond(&app, PageKey::Subscribe, &headers).await
}

fn plural(n: i64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The community: one follow brings every post of the site.
fn community(config: &Config, site: &site::Site, total: i64) -> Followable {
    Followable {
        id: "community".into(),
        name: site.community_name.clone(),
        account: Some(site.community_username.clone()),
        handle: format!("@{}@{}", site.community_username, config.domain()),
        url: config
            .url(&author_path(&site.community_username))
            .to_string(),
        note: format!(
            "Following the community brings every post published on {} ({} so far), whoever wrote it.",
            site.title,
            plural(total, "post", "posts")
        ),
        feeds: FeedLink::all(config, "", &site.title),
    }
}

fn scripts() -> Vec<String> {
    vec![crate::templates::assets::copy_script_href()]
}

pub async fn render_home(app: &App, page: u32) -> Result<Rendered, AppError> {
    let site = site::get_site(&app.db).await?;
    let total = posts::count_published(&app.db, Listing::All).await?;
    let list = posts::list_published(&app.db, Listing::All, PER_PAGE, offset(page)).await?;
    if list.is_empty() && page > 1 {
        return Err(AppError::NotFound);
    }
    let path = if page == 1 {
        "/".to_owned()
    } else {
        format!("/?page={page}")
    };
    let mut layout = Layout::new(&site, &app.config, None, &site.description, &path);
    layout.feeds = FeedLink::all(&app.config, "", &site.title);
    layout.scripts = scripts();
    let last_modified = list.iter().map(|p| p.updated_at).max();
    let posts = post_views(app, &list).await?;
    html(
        HomePage {
            layout,
            site_description: site.description.clone(),
            community: community(&app.config, &site, total),
            posts,
            pager: Pager::new("/", page, total, PER_PAGE),
        },
        last_modified,
    )
}

pub async fn render_subscribe(app: &App) -> Result<Rendered, AppError> {
    let site = site::get_site(&app.db).await?;
    let config = &app.config;
    let total = posts::count_published(&app.db, Listing::All).await?;
    let authors = directory::list_writers(&app.db)
        .await?
        .into_iter()
        .map(|w| {
            let path = author_path(&w.username);
            Followable {
                id: format!("author-{}", w.username),
                handle: format!("@{}@{}", w.username, config.domain()),
                account: Some(w.username.clone()),
                url: config.url(&path).to_string(),
                note: plural(w.posts, "post", "posts"),
                feeds: FeedLink::all(config, &path, &w.display_name),
                name: w.display_name,
            }
        })
        .collect();
    let tags = directory::list_tags(&app.db)
        .await?
        .into_iter()
        .map(|(tag, n)| {
            let path = tag_path(&tag);
            Followable {
                id: format!("tag-{tag}"),
                name: format!("#{tag}"),
                account: None,
                handle: format!("#{tag}"),
                url: config.url(&path).to_string(),
                note: plural(n, "post", "posts"),
                feeds: FeedLink::all(config, &path, &format!("{} #{tag}", site.title)),
            }
        })
        .collect();
    let series = directory::list_series(&app.db)
        .await?
        .into_iter()
        .map(|s| {
            let path = series_path(&s.slug);
            Followable {
                id: format!("series-{}", s.slug),
                handle: String::new(),
                account: None,
                url: config.url(&path).to_string(),
                note: plural(s.parts, "part", "parts"),
                feeds: FeedLink::all(config, &path, &s.name),
                name: s.name,
            }
        })
        .collect();
    let description = format!(
        "Follow {} from the fediverse or subscribe to its feeds: the whole site, an author, a tag or a series.",
        site.title
    );
    let mut layout = Layout::new(
        &site,
        config,
        Some("Follow and subscribe"),
        &description,
        "/subscribe",
    );
    layout.feeds = FeedLink::all(config, "", &site.title);
    layout.scripts = scripts();
    let last_modified = posts::last_change(&app.db).await?;
    html(
        SubscribePage {
            layout,
            community: community(config, &site, total),
            authors,
            tags,
            series,
        },
        last_modified,
    )
}
