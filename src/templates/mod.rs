//! Server-rendered HTML: the askama templates beside this file and the view models they read.
//! Views hold display-ready strings; templates only place them.

pub mod accounts;
pub mod admin;
pub mod assets;
pub mod conversation;
pub mod front;
pub mod indieauth;
pub mod moderation;
pub mod quotes;
pub mod search;
pub mod series;

pub mod editor;

use askama::Template;

use crate::config::Config;
use crate::domain::time;
use crate::media;
use crate::storage::posts::{Author, Cover, Post};
use crate::storage::site::Site;
use crate::urls::{author_path, post_path, tag_path};

/// What the shared layout (`base.html`) needs on every page.
pub struct Layout {
    pub lang: String,
    pub site_title: String,
    pub title: String,
    pub og_title: String,
    pub description: String,
    pub canonical: String,
    pub og_type: &'static str,
    pub og_image: Option<String>,
    pub extra_meta: Vec<(&'static str, String)>,
    pub fediverse_creator: Option<String>,
    pub feeds: Vec<FeedLink>,
    pub activity_json: Option<String>,
    /// The Webmention endpoint, on post pages.
    pub webmention: Option<String>,
    /// The IndieAuth metadata document (every public page links it).
    pub indieauth_metadata: String,
    /// An author's page (their IndieAuth `me`): the authorization and token endpoints, for
    /// clients of the older IndieAuth discovery.
    pub auth_endpoints: Option<(String, String)>,
    pub stylesheet: String,
    pub favicon: String,
    /// Optional scripts (copy buttons, post pages' Edit link for writers); every page works
    /// without them.
    pub scripts: Vec<String>,
}

impl Layout {
    pub fn new(
        site: &Site,
        config: &Config,
        page_title: Option<&str>,
        description: &str,
        path: &str,
    ) -> Layout {
        let title = match page_title {
            Some(t) => format!("{t} · {}", site.title),
            None => site.title.clone(),
        };
        Layout {
            lang: site.language.clone(),
            site_title: site.title.clone(),
            og_title: page_title.unwrap_or(&site.title).to_owned(),
            title,
            description: description.to_owned(),
            canonical: config.url(path).to_string(),
            og_type: "website",
            og_image: None,
            extra_meta: Vec::new(),
            fediverse_creator: None,
            feeds: Vec::new(),
            activity_json: None,
            webmention: None,
            indieauth_metadata: config.url(crate::urls::INDIEAUTH_METADATA_PATH).to_string(),
            auth_endpoints: None,
            stylesheet: crate::templates::assets::stylesheet_href(),
            favicon: crate::templates::assets::favicon_href(),
            scripts: Vec::new(),
        }
    }
}

pub struct FeedLink {
    pub media_type: &'static str,
    pub title: String,
    pub label: &'static str,
    pub href: String,
}

impl FeedLink {
    /// The RSS, Atom and JSON Feed links of a page whose feeds live under `prefix`
    /// (`""` for the site, `/@alice`, `/tags/rust`).
    pub fn all(config: &Config, prefix: &str, title: &str) -> Vec<FeedLink> {
        [
            ("application/rss+xml", "RSS", "feed.xml"),
            ("application/atom+xml", "Atom", "atom.xml"),
            ("application/feed+json", "JSON Feed", "feed.json"),
        ]
        .into_iter()
        .map(|(media_type, label, file)| FeedLink {
            media_type,
            title: format!("{title} ({label})"),
            label,
            href: config.url(&format!("{prefix}/{file}")).to_string(),
        })
        .collect()
    }
}

pub struct AuthorView {
    pub display_name: String,
    pub url: String,
    /// `@alice@community.example`
    pub handle: String,
}

impl AuthorView {
    pub fn new(author: &Author, config: &Config) -> AuthorView {
        AuthorView {
            display_name: author.display_name.clone(),
            url: config
                .url(&author_path(author.username.as_str()))
                .to_string(),
            handle: format!("@{}@{}", author.username, config.domain()),
        }
    }
}

pub struct TagView {
    pub name: String,
    pub url: String,
}

pub struct PostView {
    pub url: String,
    pub title: String,
    pub summary: String,
    pub content_html: String,
    pub published_iso: String,
    pub published_human: String,
    pub updated_iso: Option<String>,
    pub updated_human: String,
    pub author: AuthorView,
    pub tags: Vec<TagView>,
    /// Comments shown under the post (set by listings that show it).
    pub comment_count: i64,
    pub cover: Option<CoverView>,
    /// Minutes it takes to read.
    pub reading_minutes: u32,
}

/// A post's cover image: every stored width in `srcset`, the largest in `src`.
pub struct CoverView {
    pub src: String,
    pub srcset: String,
    pub alt: String,
    pub width: u32,
    pub height: u32,
}

impl CoverView {
    pub fn new(cover: &Cover) -> CoverView {
        let m = &cover.media;
        let largest = media::pick_width(m, u32::MAX);
        let height = (u64::from(m.height) * u64::from(largest))
            .checked_div(u64::from(m.width))
            .unwrap_or(0);
        CoverView {
            src: media::path(m, u32::MAX),
            srcset: m
                .variants
                .iter()
                .map(|w| format!("{} {w}w", media::path(m, *w)))
                .collect::<Vec<_>>()
                .join(", "),
            // A post's own description first, else the image's.
            alt: if cover.alt.is_empty() {
                m.alt.clone()
            } else {
                cover.alt.clone()
            },
            width: largest,
            height: u32::try_from(height).unwrap_or(u32::MAX),
        }
    }
}

impl PostView {
    pub fn new(post: &Post, config: &Config) -> PostView {
        let published = post.published_at.unwrap_or(post.created_at);
        // An edit later than a minute after publication is worth telling readers about.
        let edited = post
            .updated_at
            .signed_duration_since(published)
            .num_seconds()
            > 60;
        PostView {
            url: config.url(&post_path(post.slug.as_str())).to_string(),
            title: post.title.clone(),
            summary: post.summary.clone(),
            content_html: post.content_html.clone(),
            published_iso: time::iso(&published),
            published_human: time::human_date(&published),
            updated_iso: edited.then(|| time::iso(&post.updated_at)),
            updated_human: time::human_date(&post.updated_at),
            author: AuthorView::new(&post.author, config),
            tags: post
                .tags
                .iter()
                .map(|t| TagView {
                    name: t.to_string(),
                    url: config.url(&tag_path(t.as_str())).to_string(),
                })
                .collect(),
            comment_count: 0,
            cover: post.cover.as_ref().map(CoverView::new),
            reading_minutes: crate::domain::post::reading_minutes(&post.markdown),
        }
    }
}

pub struct Pager {
    pub page: u32,
    pub pages: u32,
    pub newer: Option<String>,
    pub older: Option<String>,
}

impl Pager {
    pub fn new(path: &str, page: u32, total: i64, per_page: i64) -> Pager {
        let pages = ((total + per_page - 1) / per_page).max(1) as u32;
        let link = |p: u32| {
            if p == 1 {
                path.to_owned()
            } else {
                format!("{path}?page={p}")
            }
        };
        Pager {
            page,
            pages,
            newer: (page > 1).then(|| link(page - 1)),
            older: (page < pages).then(|| link(page + 1)),
        }
    }
}

#[derive(Template)]
#[template(path = "listing.html")]
pub struct ListingPage {
    pub layout: Layout,
    pub heading: String,
    pub intro: String,
    pub posts: Vec<PostView>,
    pub pager: Pager,
}

/// An uploaded picture as a page shows it.
pub struct ImageView {
    pub url: String,
    pub alt: String,
    pub width: u32,
    pub height: u32,
}

/// A profile field on the author page; `href` when the value is a web address (a `rel="me"`
/// link).
pub struct FieldView {
    pub name: String,
    pub value: String,
    pub href: Option<String>,
}

#[derive(Template)]
#[template(path = "author.html")]
pub struct AuthorPage {
    pub layout: Layout,
    pub author: AuthorView,
    pub bio_html: String,
    pub fields: Vec<FieldView>,
    pub avatar: Option<ImageView>,
    pub header: Option<ImageView>,
    /// The account the author moved to, if they did.
    pub moved_to: Option<String>,
    pub posts: Vec<PostView>,
    pub pager: Pager,
}

#[derive(Template)]
#[template(path = "post.html")]
pub struct PostPage {
    pub layout: Layout,
    pub post: PostView,
    /// Where the page's script asks whether the reader may edit the post.
    pub can_edit_url: String,
    pub comments: Vec<conversation::CommentView>,
    pub reactions: conversation::ReactionsView,
    pub replies: conversation::RepliesView,
    /// The post page's optional script: copy buttons on code, relative times.
    pub script: String,
    /// Where the post stands in its series, if it is part of one.
    pub series: Option<series::SeriesNav>,
    /// The author's picture for the byline's h-card (microformats), not shown.
    pub author_photo: String,
}

#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage {
    pub layout: Layout,
    pub heading: String,
    pub message: String,
}

/// The signed-in person, as the signed-in area's layout shows them.
pub struct UiViewer {
    pub display_name: String,
    pub is_admin: bool,
    /// Admins and editors create invite links.
    pub can_invite: bool,
    /// Authors, editors and admins look after the replies to posts.
    pub can_moderate: bool,
    /// Editors and admins amplify remote posts from the community.
    pub can_amplify: bool,
    /// Comments waiting for the viewer's review, when the page counted them.
    pub pending: Option<i64>,
    pub csrf: String,
}

/// What `ui_base.html` needs: the signed-in area (editor, account, admin) and its forms.
pub struct UiLayout {
    pub lang: String,
    pub site_title: String,
    pub title: String,
    pub stylesheet: String,
    pub favicon: String,
    pub scripts: Vec<String>,
    pub viewer: Option<UiViewer>,
    pub notices: Vec<String>,
}

impl UiLayout {
    pub fn new(site: &Site, title: &str, viewer: Option<UiViewer>) -> UiLayout {
        UiLayout {
            lang: site.language.clone(),
            site_title: site.title.clone(),
            title: title.to_owned(),
            stylesheet: crate::templates::assets::stylesheet_href(),
            favicon: crate::templates::assets::favicon_href(),
            // Signed-in pages tell this browser that a writer uses it, so that public pages
            // ask whether to show them Edit links (and other readers' browsers never ask).
            scripts: viewer
                .as_ref()
                .map(|_| crate::templates::assets::writer_script_href())
                .into_iter()
                .collect(),
            viewer,
            notices: Vec::new(),
        }
    }
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub ui: UiLayout,
    pub csrf: String,
    pub next: String,
    pub username: String,
    pub error: Option<String>,
    /// Anyone may register: the page links to the registration form.
    pub registration_open: bool,
}

#[derive(Template)]
#[template(path = "setup.html")]
pub struct SetupPage {
    pub ui: UiLayout,
    pub csrf: String,
    pub username: String,
    pub display_name: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "account.html")]
pub struct AccountPage {
    pub ui: UiLayout,
    pub csrf: String,
    pub handle: String,
    pub role: String,
    pub profile_url: String,
    /// (browser, signed in, last seen, is this one)
    pub sessions: Vec<(String, String, String, bool)>,
    /// Apps and command-line tokens that act for the person.
    pub tokens: Vec<indieauth::TokenRow>,
    pub error: Option<String>,
    pub zone_error: Option<String>,
    /// The person's time zone, the time now in it, and every zone to choose from.
    pub zone: &'static str,
    pub zone_now: String,
    pub zones: Vec<&'static str>,
}
