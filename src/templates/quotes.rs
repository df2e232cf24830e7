//! View models of quotes: who quoted a post (on the post page) and the page where authors,
//! editors and admins see the quotes this site allowed and take one back.

use askama::Template;

use super::UiLayout;
use super::conversation::PersonView;
use super::moderation::PostLink;
use crate::domain::links::first_http_url;
use crate::domain::quotes::QuoteState;
use crate::domain::time;
use crate::storage::quotes::Authorization;

/// A quote of a post: who quoted it and where the quote is.
pub struct QuoteView {
    pub id: i64,
    pub quoter: PersonView,
    /// The quoting post on its own server (only ever an http(s) URL).
    pub url: Option<String>,
    pub post: PostLink,
    pub at_iso: String,
    pub at_human: String,
    /// `waiting`, `allowed`, `taken back` or `refused`.
    pub state: &'static str,
}

impl QuoteView {
    pub fn new(a: &Authorization, post_url: String) -> QuoteView {
        QuoteView {
            id: a.id,
            quoter: PersonView::new(&a.quoter),
            url: first_http_url([a.quote_url.as_deref(), Some(a.quote_uri.as_str())]),
            post: PostLink {
                title: a.post_title.clone(),
                url: post_url,
            },
            at_iso: time::iso(&a.created_at),
            at_human: time::human_date(&a.created_at),
            state: match a.state() {
                QuoteState::Pending => "waiting",
                QuoteState::Refused => "refused",
                QuoteState::Allowed if a.revoked_at.is_some() => "taken back",
                QuoteState::Allowed => "allowed",
            },
        }
    }
}

#[derive(Template)]
#[template(path = "quotes.html")]
pub struct QuotesPage {
    pub ui: UiLayout,
    pub csrf: String,
    /// Every author's posts (editors and admins), or the viewer's own.
    pub everyone: bool,
    /// Requests waiting for an answer.
    pub waiting: i64,
    pub entries: Vec<QuoteView>,
}
