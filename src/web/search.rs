//! `GET /search?q=...&page=N`: full-text search over published posts, a plain GET form that
//! works without JavaScript; and `GET /opensearch.xml`, which lets browsers offer it.
//!
//! Results are not kept in the page cache: every distinct query would be a key of its own,
//! so anyone could fill the (bounded) cache with searches and push out the pages readers
//! actually read; and a search is a few indexed queries, fast without it. Each answer is
//! still compressed and carries an `ETag`, and browsers may keep it for a minute.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;

use super::pages::{HTML, PER_PAGE};
use crate::app::App;
use crate::cache::{CachedPage, Rendered};
use crate::domain::search::{MAX_QUERY_CHARS, QueryError, SearchQuery};
use crate::error::AppError;
use crate::storage::{search, site};
use crate::templates::search::{HitView, OpenSearchDescription, SearchPage};
use crate::templates::{FeedLink, Layout, Pager, PostView};

/// Result pages beyond this are refused rather than queried.
const MAX_PAGE: u32 = 1_000;

#[derive(Deserialize)]
pub struct SearchParams {
    q: Option<String>,
    page: Option<String>,
}

pub async fn search(
    State(app): State<App>,
    Query(params): Query<SearchParams>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let page = match params.page.as_deref() {
        None | Some("") => 1,
        Some(p) => p
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .ok_or_else(|| AppError::BadRequest("There is no such page of results.".into()))?,
    };
    let raw = params.q.unwrap_or_default();
    let site = site::get_site(&app.db).await?;
    let mut status = StatusCode::OK;
    let mut view = SearchPage {
        layout: Layout::new(
            &site,
            &app.config,
            Some("Search"),
            &format!("Search the posts of {}.", site.title),
            "/search",
        ),
        heading: "Search".into(),
        query: shown(&raw, usize::MAX),
        max_chars: MAX_QUERY_CHARS,
        notice: None,
        summary: None,
        hits: Vec::new(),
        pager: Pager::new("/search", 1, 0, PER_PAGE),
    };
    view.layout.feeds = FeedLink::all(&app.config, "", &site.title);
    match SearchQuery::parse(&raw) {
        Err(e @ QueryError::TooLong) => {
            status = StatusCode::BAD_REQUEST;
            view.query = shown(&raw, MAX_QUERY_CHARS);
            view.notice = Some(e.to_string());
        }
        Ok(None) if raw.trim().is_empty() => {}
        Ok(None) => {
            view.notice = Some(
                "There is no word to search for in that: type a word or two, letters or digits."
                    .into(),
            );
        }
        Ok(Some(query)) => {
            let offset = (i64::from(page) - 1) * PER_PAGE;
            let found = search::search_posts(&app.db, &query, PER_PAGE, offset).await?;
            view.layout.title = format!("Search: {} · {}", view.query, site.title);
            view.summary = Some(match found.total {
                0 => format!("No post matches {}.", quoted(&view.query)),
                1 => format!("1 post matches {}.", quoted(&view.query)),
                n => format!("{n} posts match {}.", quoted(&view.query)),
            });
            if found.hits.is_empty() && found.total > 0 {
                view.notice = Some("There are no more results: this page is past the last.".into());
            }
            view.pager = pager(&view.query, page, found.total);
            view.hits = found
                .hits
                .iter()
                .map(|h| HitView::new(PostView::new(&h.post, &app.config), &h.title, &h.snippet))
                .collect();
        }
    }
    let rendered = Rendered {
        status,
        content_type: HTML,
        body: view.render()?,
        last_modified: None,
        post_id: None,
    };
    let mut response = CachedPage::build(rendered, 0).respond(&headers);
    let h = response.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    // Result pages are not worth indexing; the posts they list are.
    h.insert(
        header::HeaderName::from_static("x-robots-tag"),
        HeaderValue::from_static("noindex"),
    );
    Ok(response)
}

/// What the search box shows of `raw`: at most `max` characters, no control characters.
fn shown(raw: &str, max: usize) -> String {
    raw.trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(max)
        .collect()
}

fn quoted(q: &str) -> String {
    format!("“{q}”")
}

/// Links to the neighbouring pages of results for `query`.
fn pager(query: &str, page: u32, total: i64) -> Pager {
    let q = utf8_percent_encode(query, NON_ALPHANUMERIC).to_string();
    let link = |p: u32| {
        if p == 1 {
            format!("/search?q={q}")
        } else {
            format!("/search?q={q}&page={p}")
        }
    };
    let pages = u32::try_from((total + PER_PAGE - 1) / PER_PAGE)
        .unwrap_or(u32::MAX)
        .max(1);
    Pager {
        page,
        pages,
        newer: (page > 1).then(|| link((page - 1).min(pages))),
        older: (page < pages).then(|| link(page + 1)),
    }
}

/// `GET /opensearch.xml`: the OpenSearch description every page links to.
pub async fn opensearch(State(app): State<App>) -> Result<Response, AppError> {
    let site = site::get_site(&app.db).await?;
    let short_name: String = site.title.chars().take(16).collect();
    let body = OpenSearchDescription {
        short_name,
        description: format!("Search the posts of {}", site.title),
        template: format!("{}?q={{searchTerms}}", app.config.url("/search")),
        self_url: app.config.url("/opensearch.xml").to_string(),
        icon: app
            .config
            .url(&crate::templates::assets::favicon_href())
            .to_string(),
    }
    .render()?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/opensearchdescription+xml; charset=utf-8",
            ),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response())
}
