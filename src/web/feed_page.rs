//! Feeds for people. A person who clicks a feed link gets a page that says what a feed is,
//! with the address to copy into a reader and what the feed carries now; feed readers get the
//! feed. A browser's navigation is told apart by `Sec-Fetch-Dest: document`, which browsers
//! send on every page load and never on `fetch` or on a reader's request; browsers that do not
//! send it (older Safari) see the feed itself. README ("Feeds for people") says why this page
//! and not an XSL stylesheet.

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;

use super::pages::html;
use super::{PageKey, respond};
use crate::app::App;
use crate::cache::{Format, Rendered, Scope};
use crate::error::AppError;
use crate::storage::site;
use crate::templates::front::FeedPage;
use crate::templates::{FeedLink, Layout, PostView};

/// Whether the request is a browser loading a page for a person to read.
pub fn is_navigation(headers: &HeaderMap) -> bool {
    headers
        .get("sec-fetch-dest")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"document"))
}

/// The feed of `scope` in `format`, or the page about it for a person.
pub async fn answer(
    app: &App,
    scope: Scope,
    format: Format,
    headers: &HeaderMap,
) -> Result<Response, AppError> {
    let key = if is_navigation(headers) {
        PageKey::FeedPage { scope, format }
    } else {
        PageKey::Feed { scope, format }
    };
    let mut r = respond(app, key, headers).await?;
    r.headers_mut().insert(
        header::VARY,
        HeaderValue::from_static("Accept, Accept-Encoding, Sec-Fetch-Dest"),
    );
    Ok(r)
}

fn label(format: Format) -> &'static str {
    match format {
        Format::Rss => "RSS",
        Format::Atom => "Atom",
        Format::Json => "JSON Feed",
    }
}

pub async fn render(app: &App, scope: &Scope, format: Format) -> Result<Rendered, AppError> {
    let (meta, items) = super::feeds::source(app, scope, format).await?;
    let site = site::get_site(&app.db).await?;
    let address = meta.this.to_string();
    let prefix = meta
        .this
        .path()
        .rsplit_once('/')
        .map_or("", |(dir, _)| dir)
        .to_owned();
    let heading = format!("{} feed: {}", label(format), meta.title);
    let mut layout = Layout::new(
        &site,
        &app.config,
        Some(&heading),
        &meta.description,
        meta.this.path(),
    );
    layout.feeds = FeedLink::all(&app.config, &prefix, &meta.title);
    layout.scripts = vec![crate::templates::assets::copy_script_href()];
    let others = FeedLink::all(&app.config, &prefix, &meta.title)
        .into_iter()
        .filter(|f| f.href != address)
        .collect();
    let last_modified = items.iter().map(|p| p.updated_at).max();
    html(
        FeedPage {
            layout,
            heading,
            format: label(format),
            name: meta.title.clone(),
            home: meta.home.to_string(),
            address,
            others,
            posts: items
                .iter()
                .map(|p| PostView::new(p, &app.config))
                .collect(),
        },
        last_modified,
    )
}
