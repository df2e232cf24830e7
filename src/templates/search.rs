//! View models of search: the results page and the OpenSearch description that lets a
//! browser offer the site's search from its address bar.

use askama::Template;

use super::{Layout, Pager, PostView};
use crate::domain::search;

/// A post found: the post as listings show it, its title and best passage with the matches
/// in `<mark>` (HTML, made from escaped text).
pub struct HitView {
    pub post: PostView,
    pub title_html: String,
    pub snippet_html: String,
}

impl HitView {
    pub fn new(post: PostView, marked_title: &str, marked_snippet: &str) -> HitView {
        HitView {
            post,
            title_html: search::marked_html(marked_title),
            snippet_html: search::marked_html(marked_snippet),
        }
    }
}

#[derive(Template)]
#[template(path = "search.html")]
pub struct SearchPage {
    pub layout: Layout,
    pub heading: String,
    /// What the search box holds.
    pub query: String,
    pub max_chars: usize,
    /// Why there are no results to show, when there are none.
    pub notice: Option<String>,
    /// "3 posts match", when the query was searched.
    pub summary: Option<String>,
    pub hits: Vec<HitView>,
    pub pager: Pager,
}

#[derive(Template)]
#[template(path = "opensearch.xml")]
pub struct OpenSearchDescription {
    /// At most 16 characters, as the format asks.
    pub short_name: String,
    pub description: String,
    /// `https://host/search?q={searchTerms}` before escaping.
    pub template: String,
    pub self_url: String,
    pub icon: String,
}
