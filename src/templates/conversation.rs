//! View models of the conversation around a post: comments, reactions, the people behind
//! them (with avatars served by Chorus), amplified posts on the community page, and the page
//! that sends a reader to their own server to reply or follow.

use askama::Template;

use super::{Layout, Pager, PostView};
use crate::domain::comments::ReplyPolicy;
use crate::domain::links::first_http_url;
use crate::domain::{remote_html, time};
use crate::storage::amplifications::Amplified;
use crate::storage::avatars::Profile;
use crate::storage::comments::Comment;

/// How many hues generated avatars come in.
pub const AVATAR_HUES: u64 = 12;

/// A remote person as pages show them.
pub struct PersonView {
    pub name: String,
    /// `@user@host`
    pub handle: String,
    /// Their profile on their own server (only ever an http(s) URL).
    pub url: Option<String>,
    /// Their avatar, always on this site: the proxied copy or generated initials.
    pub avatar: String,
}

impl PersonView {
    pub fn new(p: &Profile) -> PersonView {
        let avatar = match p.current_avatar() {
            Some(file) => format!("/avatars/{file}"),
            None => initials_path(p.name(), &p.uri),
        };
        PersonView {
            name: p.name().to_owned(),
            handle: p.handle(),
            url: first_http_url([p.url.as_deref(), Some(p.uri.as_str())]),
            avatar,
        }
    }
}

/// `/avatars/initials/<hue>-<letters>.svg` for a person without a usable avatar.
pub fn initials_path(name: &str, seed: &str) -> String {
    let letters: String = name
        .split_whitespace()
        .filter_map(|w| w.chars().find(|c| c.is_alphanumeric()))
        .take(2)
        .flat_map(char::to_uppercase)
        .collect();
    let letters = if letters.is_empty() {
        "?".to_owned()
    } else {
        letters
    };
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, seed.as_bytes());
    let hue = u64::from(digest.as_ref()[0]) % AVATAR_HUES;
    let encoded: String = url::form_urlencoded::byte_serialize(letters.as_bytes()).collect();
    format!("/avatars/initials/{hue}-{encoded}.svg")
}

pub struct CommentView {
    pub anchor: String,
    /// Indentation, 0 to [`crate::domain::comments::MAX_INDENT`].
    pub depth: usize,
    pub author: PersonView,
    /// The server the reply came from (`elsewhere.example`).
    pub server: String,
    /// The reply on its own server (only ever an http(s) URL).
    pub url: Option<String>,
    pub published_iso: String,
    /// Date and time in UTC; a script adds how long ago (the page is cached).
    pub published_human: String,
    pub edited: bool,
    pub content_html: String,
    /// Shown answers to this reply.
    pub replies: usize,
    /// `/interact` for answering this reply from the reader's own server.
    pub reply_href: String,
    /// Whether it came as a Webmention from a web page (not from the fediverse).
    pub from_web: bool,
}

impl CommentView {
    /// The view of `c`, answered by `replies` shown comments, under the post at `post_url`.
    pub fn new(c: &Comment, depth: usize, replies: usize, post_url: &str) -> CommentView {
        let author = PersonView::new(&c.author);
        let encoded: String = url::form_urlencoded::byte_serialize(post_url.as_bytes()).collect();
        CommentView {
            anchor: format!("comment-{}", c.id),
            depth,
            server: author
                .handle
                .rsplit('@')
                .next()
                .unwrap_or_default()
                .to_owned(),
            author,
            url: first_http_url([c.url.as_deref(), Some(c.uri.as_str())]),
            published_iso: time::iso(&c.published),
            published_human: time::human_date_time(&c.published),
            edited: c.updated.is_some_and(|u| u > c.published),
            replies,
            reply_href: format!("/interact?post={encoded}&comment={}", c.id),
            from_web: c.author.username.is_empty(),
            // Sanitized when stored; again here, so that a stricter policy applies to old ones.
            content_html: remote_html::sanitize(&c.content_html),
        }
    }
}

/// Likes and boosts of a post.
#[derive(Default)]
pub struct ReactionsView {
    pub likes: i64,
    pub boosts: i64,
    /// The latest people who liked or boosted.
    pub people: Vec<PersonView>,
    /// Quotes allowed and not taken back.
    pub quotes: i64,
    /// The first of them, linked.
    pub quoted_by: Vec<QuotedBy>,
}

impl ReactionsView {
    pub fn any(&self) -> bool {
        self.likes > 0 || self.boosts > 0 || self.quotes > 0
    }
}

/// Someone who quoted the post, and where.
pub struct QuotedBy {
    pub person: PersonView,
    /// The quoting post on its own server (only ever an http(s) URL).
    pub url: Option<String>,
}

/// What the post page says about replying.
pub struct RepliesView {
    pub open: bool,
    pub note: &'static str,
}

impl RepliesView {
    pub fn new(policy: ReplyPolicy) -> RepliesView {
        let note = match policy {
            ReplyPolicy::Anyone => "Replies from the fediverse appear here.",
            ReplyPolicy::Followers => {
                "Replies from followers appear here; other replies after review."
            }
            ReplyPolicy::Following => {
                "Replies from people the author follows appear here; other replies after review."
            }
            ReplyPolicy::Nobody => "Replies are closed for this post.",
        };
        RepliesView {
            open: policy != ReplyPolicy::Nobody,
            note,
        }
    }
}

/// A remote post the community amplified.
pub struct AmplifiedView {
    pub author: PersonView,
    /// The post on its own server (only ever an http(s) URL).
    pub url: Option<String>,
    /// What the form that takes the amplification back names it by, as stored.
    pub key: String,
    pub title: Option<String>,
    pub content_html: String,
    pub published_iso: Option<String>,
    pub published_human: Option<String>,
    pub amplified_human: String,
}

impl AmplifiedView {
    pub fn new(a: &Amplified) -> AmplifiedView {
        AmplifiedView {
            author: PersonView::new(&a.author),
            url: first_http_url([a.object_url.as_deref(), Some(a.object_uri.as_str())]),
            key: a.object_url.clone().unwrap_or_else(|| a.object_uri.clone()),
            title: a.name.clone().filter(|n| !n.trim().is_empty()),
            content_html: remote_html::sanitize(
                a.summary
                    .as_deref()
                    .filter(|s| !s.trim().is_empty())
                    .unwrap_or(&a.content),
            ),
            published_iso: a.published.as_ref().map(time::iso),
            published_human: a.published.as_ref().map(time::human_date),
            amplified_human: time::human_date(&a.amplified_at),
        }
    }
}

#[derive(Template)]
#[template(path = "community.html")]
pub struct CommunityPage {
    pub layout: Layout,
    pub heading: String,
    pub intro: String,
    pub amplified: Vec<AmplifiedView>,
    pub posts: Vec<PostView>,
    pub pager: Pager,
}

/// The step between a post's reply or follow form and the reader's own server: a plain link,
/// because the page's `form-action 'self'` would stop a redirect to another origin.
/// Asks for the reader's fediverse address before answering one reply.
#[derive(Template)]
#[template(path = "interact_ask.html")]
pub struct InteractAskPage {
    pub layout: Layout,
    pub heading: String,
    pub explanation: String,
    /// The post's URL, sent back to `/interact`.
    pub post: String,
    pub comment: i64,
    pub back: String,
}

#[derive(Template)]
#[template(path = "interact.html")]
pub struct InteractPage {
    pub layout: Layout,
    pub heading: String,
    pub explanation: String,
    pub target: String,
    pub server: String,
    pub back: String,
}

/// The generated avatar: initials on a coloured disc.
#[derive(Template)]
#[template(path = "initials.svg", escape = "html")]
pub struct InitialsSvg {
    pub letters: String,
    /// Degrees on the colour wheel.
    pub hue_degrees: u64,
}
