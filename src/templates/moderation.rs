//! View models of the pages that look after the conversation: the moderation queue, an
//! author's notifications, reports for the admins, and the community's amplified posts.

use askama::Template;

use super::UiLayout;
use super::conversation::{AmplifiedView, PersonView};
use super::editor::FilterLink;

/// A post a comment, notice or report is about.
pub struct PostLink {
    pub title: String,
    pub url: String,
}

/// A comment in the moderation queue.
pub struct QueueEntryView {
    pub id: i64,
    pub author: PersonView,
    /// The server of the author, as a domain block would name it.
    pub domain: String,
    pub post: PostLink,
    /// The reply on its own server (only ever an http(s) URL).
    pub url: Option<String>,
    pub received_iso: String,
    pub received_human: String,
    pub content_html: String,
    /// Addressed only to the people it mentions: never shown on the post, even approved.
    pub private: bool,
    /// Addressed to the replier's followers: never shown on the post, even approved.
    pub followers_only: bool,
}

#[derive(Template)]
#[template(path = "moderation.html")]
pub struct ModerationPage {
    pub ui: UiLayout,
    pub csrf: String,
    pub filters: Vec<FilterLink>,
    /// `pending`, `approved` or `hidden`: where the forms send the moderator back to.
    pub show: &'static str,
    pub hidden: bool,
    pub approved: bool,
    pub entries: Vec<QueueEntryView>,
    /// Whether the queue covers every post (editors and admins) or the viewer's own.
    pub everyone: bool,
    /// Blocking a whole domain is for editors and admins.
    pub can_block_domain: bool,
    pub newer: Option<String>,
    pub older: Option<String>,
}

/// One thing an author is told about.
pub struct NoticeView {
    /// `follow`, `reply`, `private-reply`, `like`, `boost`, `mention` or `private-mention` (a
    /// class for styling).
    pub kind: &'static str,
    /// What happened, after the person's name: "followed you", "liked".
    pub action: &'static str,
    /// "Private reply" or "Private mention" for what is addressed only to the people it
    /// mentions.
    pub private: Option<&'static str>,
    pub actor: PersonView,
    pub post: Option<PostLink>,
    /// The mentioning post on its own server (mentions only; only ever an http(s) URL).
    pub original: Option<String>,
    pub excerpt: String,
    /// A reply still waiting in the moderation queue.
    pub pending: bool,
    pub hidden: bool,
    /// An approved reply shown under its post, which the viewer may hide: its id.
    pub hideable: Option<i64>,
    pub at_iso: String,
    pub at_human: String,
}

/// Something a local person is told about the review of a post.
pub struct ReviewNoticeView {
    /// `submitted`, `approved` or `sent-back` (a class for styling).
    pub kind: &'static str,
    /// "@cy submitted", "@ed approved", "@ed sent back".
    pub what: String,
    pub post_title: String,
    /// The post in the editor.
    pub edit_url: String,
    /// The editor's note (sent back only).
    pub note: String,
    /// The post's id, when it still waits for review and the viewer may send it back.
    pub send_back: Option<i64>,
    pub at_iso: String,
    pub at_human: String,
}

#[derive(Template)]
#[template(path = "notifications.html")]
pub struct NotificationsPage {
    pub ui: UiLayout,
    pub notices: Vec<NoticeView>,
    /// How many are shown at most.
    pub limit: i64,
    pub can_moderate: bool,
    pub csrf: String,
    pub reviews: Vec<ReviewNoticeView>,
}

/// A reported comment as the reports page shows it.
pub struct ReportedCommentView {
    pub author: PersonView,
    /// The comment on its own server (only ever an http(s) URL).
    pub url: Option<String>,
    pub content_html: String,
    pub post: Option<PostLink>,
}

/// A remote account a report can be forwarded about.
pub struct AccountView {
    pub uri: String,
    pub handle: String,
    pub domain: String,
}

pub struct ReportView {
    pub id: i64,
    pub reporter: String,
    /// The reporter on their own server (only ever an http(s) URL).
    pub reporter_url: Option<String>,
    /// What the reporter wrote, as plain text.
    pub comment: String,
    pub received_iso: String,
    pub received_human: String,
    pub resolved: Option<String>,
    /// "example.social on 3 December 2026"
    pub forwarded: Option<String>,
    pub comments: Vec<ReportedCommentView>,
    pub posts: Vec<PostLink>,
    /// Reported ids found nowhere here (accounts and posts elsewhere), http(s) URLs only.
    pub others: Vec<String>,
    pub accounts: Vec<AccountView>,
}

#[derive(Template)]
#[template(path = "admin_reports.html")]
pub struct AdminReportsPage {
    pub ui: UiLayout,
    pub csrf: String,
    pub filters: Vec<FilterLink>,
    pub show_all: bool,
    pub reports: Vec<ReportView>,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "amplify.html")]
pub struct AmplifyPage {
    pub ui: UiLayout,
    pub csrf: String,
    /// The community page, where amplified posts are shown.
    pub community_url: String,
    pub url: String,
    pub error: Option<String>,
    pub amplified: Vec<AmplifiedView>,
}
