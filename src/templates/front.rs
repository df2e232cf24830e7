//! The front page and `/subscribe`: the site, how to follow it from the fediverse (the
//! community, each author, each tag, each series) and every feed.

use askama::Template;

use super::{FeedLink, Layout, Pager, PostView};

/// Something a reader can follow: an account (the community or an author) with its handle
/// and feeds. `id` makes the element ids of its fields unique on the page.
pub struct Followable {
    pub id: String,
    pub name: String,
    /// The local account name the follow form sends (`None`: not an account, a tag).
    pub account: Option<String>,
    /// `@name@host`
    pub handle: String,
    /// The page of what is followed.
    pub url: String,
    /// One line about it (how many posts).
    pub note: String,
    pub feeds: Vec<FeedLink>,
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub layout: Layout,
    pub site_description: String,
    /// The community: following it brings every post of the site.
    pub community: Followable,
    pub posts: Vec<PostView>,
    pub pager: Pager,
}

#[derive(Template)]
#[template(path = "subscribe.html")]
pub struct SubscribePage {
    pub layout: Layout,
    pub community: Followable,
    pub authors: Vec<Followable>,
    pub tags: Vec<Followable>,
    pub series: Vec<Followable>,
}

/// What a person sees at a feed's address: what a feed is, the address to copy, and what the
/// feed carries now.
#[derive(Template)]
#[template(path = "feed_page.html")]
pub struct FeedPage {
    pub layout: Layout,
    pub heading: String,
    /// `RSS`, `Atom` or `JSON Feed`.
    pub format: &'static str,
    /// What the feed follows (the site, an author, a tag, a series).
    pub name: String,
    pub home: String,
    /// The feed's own address.
    pub address: String,
    /// The same feed in the other formats.
    pub others: Vec<FeedLink>,
    pub posts: Vec<PostView>,
}
