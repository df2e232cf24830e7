//! View models of the pages that look after the conversation: the moderation queue and an
//! author's notifications.

use askama::Template;

use super::UiLayout;
use super::conversation::PersonView;
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
    /// The reply on its own server.
    pub url: String,
    pub received_iso: String,
    pub received_human: String,
    pub content_html: String,
    /// Addressed only to the people it mentions: never shown on the post, even approved.
    pub private: bool,
}

#[derive(Template)]
#[template(path = "moderation.html")]
pub struct ModerationPage {
    pub ui: UiLayout,
    pub csrf: String,
    pub filters: Vec<FilterLink>,
    /// `pending` or `hidden`: where the forms send the moderator back to.
    pub show: &'static str,
    pub hidden: bool,
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
    /// `follow`, `reply`, `private-reply`, `like` or `boost` (a class for styling).
    pub kind: &'static str,
    /// What happened, after the person's name: "followed you", "liked".
    pub action: &'static str,
    pub private: bool,
    pub actor: PersonView,
    pub post: Option<PostLink>,
    pub excerpt: String,
    /// A reply still waiting in the moderation queue.
    pub pending: bool,
    pub hidden: bool,
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
}
