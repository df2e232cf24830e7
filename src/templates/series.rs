//! Series as readers see them: "Part N of M" with the other parts on each post, and the
//! series page listing every part in order.

use askama::Template;

use super::{FeedLink, Layout, PostView};

/// One part of a series, as the list on a post shows it.
pub struct PartLink {
    pub title: String,
    pub url: String,
    /// The post being read.
    pub current: bool,
}

/// Where a post stands in its series.
pub struct SeriesNav {
    pub name: String,
    pub url: String,
    /// 1-based.
    pub part: usize,
    pub total: usize,
    pub previous: Option<PartLink>,
    pub next: Option<PartLink>,
    pub parts: Vec<PartLink>,
}

impl SeriesNav {
    /// The navigation of the part at `index` (0-based) among `parts`.
    pub fn new(name: &str, url: String, parts: Vec<PartLink>, index: usize) -> SeriesNav {
        let link = |i: usize| {
            parts.get(i).map(|p| PartLink {
                title: p.title.clone(),
                url: p.url.clone(),
                current: false,
            })
        };
        SeriesNav {
            name: name.to_owned(),
            url,
            part: index + 1,
            total: parts.len(),
            previous: index.checked_sub(1).and_then(link),
            next: link(index + 1),
            parts,
        }
    }
}

#[derive(Template)]
#[template(path = "series.html")]
pub struct SeriesPage {
    pub layout: Layout,
    pub name: String,
    pub intro: String,
    /// Every part, first first.
    pub posts: Vec<PostView>,
    pub feeds: Vec<FeedLink>,
}
