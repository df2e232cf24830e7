//! View models of the editor: the post list, the post form with its preview and Mastodon
//! card, confirmation pages and the media library.

use askama::Template;

use super::UiLayout;

/// One status filter above the post list.
pub struct FilterLink {
    pub label: &'static str,
    pub href: String,
    pub count: i64,
    pub current: bool,
}

/// A post in the editor's list.
pub struct PostRowView {
    pub title: String,
    pub edit_url: String,
    pub author: String,
    pub status: String,
    pub changed_iso: String,
    pub changed_human: String,
    pub public_url: Option<String>,
}

#[derive(Template)]
#[template(path = "editor_list.html")]
pub struct EditorListPage {
    pub ui: UiLayout,
    pub filters: Vec<FilterLink>,
    pub rows: Vec<PostRowView>,
    pub show_author: bool,
    pub empty_message: String,
    pub newer: Option<String>,
    pub older: Option<String>,
}

/// What Mastodon shows for a post: the author, the post's `name`, `summary` and link (nothing
/// of the text), the link card from the page's Open Graph tags, and the hashtags.
pub struct MastodonCard {
    pub avatar: String,
    pub display_name: String,
    /// `@name@host`.
    pub handle: String,
    pub name: String,
    pub summary: String,
    pub url: String,
    /// The link as Mastodon shows it: the scheme hidden, the first 30 characters, then `…`.
    pub url_scheme: String,
    pub url_shown: String,
    pub url_rest: String,
    /// The site's host, above the card's title.
    pub host: String,
    pub image: Option<ImageView>,
    /// The `fediverse:creator` handle, which Mastodon credits under the card.
    pub creator: Option<String>,
    pub hashtags: Vec<String>,
    pub warnings: Vec<String>,
}

/// An image with its description.
pub struct ImageView {
    pub src: String,
    pub alt: String,
}

/// One choice of who may reply.
pub struct ReplyOption {
    pub value: &'static str,
    pub label: String,
}

/// The preview and the Mastodon card: part of the form page, and what live preview fetches.
#[derive(Template)]
#[template(path = "editor_preview.html")]
pub struct PreviewFragment {
    pub preview: Option<PreviewView>,
    pub card: MastodonCard,
}

pub struct PreviewView {
    pub title: String,
    pub html: String,
}

/// An image the person may pick as the cover.
pub struct MediaChoice {
    pub id: i64,
    pub label: String,
    pub selected: bool,
}

/// The image just uploaded into the post, and the Markdown to insert.
pub struct UploadedView {
    pub markdown: String,
    pub src: String,
    pub alt: String,
}

/// Which buttons the form offers, by the post's state and the person's role.
#[derive(Default)]
pub struct Buttons {
    pub save_draft: bool,
    pub submit: bool,
    /// "Publish now", or "Approve and publish" for a submission.
    pub publish: Option<&'static str>,
    pub schedule: bool,
    pub update: bool,
    pub unpublish: bool,
    pub delete: bool,
}

/// The values in the form's fields.
#[derive(Default)]
pub struct FormValues {
    pub title: String,
    pub slug: String,
    pub tags: String,
    pub series: String,
    pub summary: String,
    pub body: String,
    pub cover_alt: String,
    pub publish_at: String,
    pub image_alt: String,
    pub replies: String,
    pub quotes: String,
}

#[derive(Template)]
#[template(path = "editor_form.html")]
pub struct EditorFormPage {
    pub ui: UiLayout,
    pub heading: String,
    pub action: String,
    pub csrf: String,
    pub post_id: Option<i64>,
    pub words: String,
    pub reply_options: Vec<ReplyOption>,
    pub quote_options: Vec<ReplyOption>,
    pub status_line: Option<String>,
    pub errors: Vec<String>,
    pub values: FormValues,
    pub slug_locked: bool,
    pub media: Vec<MediaChoice>,
    pub cover_src: Option<String>,
    pub cover_alt_missing: bool,
    pub buttons: Buttons,
    pub public_url: Option<String>,
    /// For a published post its author or an editor may pin: whether it is pinned now.
    pub pinned: Option<bool>,
    pub unpublish_url: String,
    pub delete_url: String,
    pub uploaded: Option<UploadedView>,
    pub accept: &'static str,
    pub max_bytes: usize,
    /// The writer's zone, and the time now in it: the schedule field is read in it.
    pub time_zone: &'static str,
    pub now_local: String,
    pub autosave: bool,
    pub preview: Option<PreviewView>,
    pub card: MastodonCard,
    /// Why the form cannot be sent (a contributor reading their own public post).
    pub read_only: Option<String>,
    /// The note an editor sent the post back with, until its author submits it again.
    pub review_note: Option<String>,
    /// Where an editor sends a submission back with a note (beside Approve).
    pub send_back_url: Option<String>,
}

#[derive(Template)]
#[template(path = "editor_confirm.html")]
pub struct ConfirmPage {
    pub ui: UiLayout,
    pub heading: String,
    pub explanation: String,
    pub action: String,
    pub csrf: String,
    pub button: String,
    pub cancel: String,
}

/// An uploaded image in the library.
pub struct MediaView {
    pub id: i64,
    /// Where its description is changed.
    pub alt_action: String,
    pub src: String,
    pub alt: String,
    pub markdown: String,
    pub size: String,
    pub uploaded: String,
}

#[derive(Template)]
#[template(path = "editor_media.html")]
pub struct MediaPage {
    pub ui: UiLayout,
    pub csrf: String,
    pub accept: &'static str,
    pub max_mib: usize,
    pub error: Option<String>,
    pub alt: String,
    pub just_uploaded: Option<MediaView>,
    pub items: Vec<MediaView>,
}
