//! View models of the signed-in pages about people: one's profile and followers, invites,
//! registration, and the confirmation and message pages they share.

use askama::Template;

use super::{ImageView, Pager, UiLayout};

#[derive(Template)]
#[template(path = "profile.html")]
pub struct ProfilePage {
    pub ui: UiLayout,
    pub csrf: String,
    pub handle: String,
    pub profile_url: String,
    pub domain: String,
    pub display_name: String,
    pub bio: String,
    pub fediverse_creator: String,
    /// Always [`crate::domain::profile::MAX_FIELDS`] rows of (label, value), blank ones last.
    pub fields: Vec<(String, String)>,
    pub avatar: Option<ImageView>,
    pub header: Option<ImageView>,
    /// The `accept` attribute of the picture inputs.
    pub accept: &'static str,
    pub error: Option<String>,
}

pub struct FollowerView {
    pub id: i64,
    pub handle: String,
    pub name: String,
    /// Their profile on their own server (only ever an http(s) URL).
    pub url: Option<String>,
    pub since: String,
}

#[derive(Template)]
#[template(path = "followers.html")]
pub struct FollowersPage {
    pub ui: UiLayout,
    pub handle: String,
    pub count: i64,
    pub followers: Vec<FollowerView>,
    pub pager: Pager,
}

/// "Are you sure?" before something that cannot be undone, as a form that works without
/// scripts.
#[derive(Template)]
#[template(path = "confirm.html")]
pub struct ConfirmPage {
    pub ui: UiLayout,
    pub csrf: String,
    pub heading: String,
    pub message: String,
    pub action: String,
    pub button: String,
    pub cancel: String,
}

/// A short message in the signed-in area's layout.
#[derive(Template)]
#[template(path = "ui_message.html")]
pub struct UiMessagePage {
    pub ui: UiLayout,
    pub heading: String,
    pub message: String,
    /// (href, text)
    pub link: Option<(String, String)>,
}

#[derive(Template)]
#[template(path = "register.html")]
pub struct RegisterPage {
    pub ui: UiLayout,
    pub csrf: String,
    /// The invite code carried by the link, if any.
    pub invite: String,
    /// What the invite makes the new account ("author"), when there is a valid one.
    pub role: Option<String>,
    /// Whether the account will wait for an administrator.
    pub needs_approval: bool,
    pub username: String,
    pub display_name: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "reset.html")]
pub struct ResetPage {
    pub ui: UiLayout,
    pub csrf: String,
    pub token: String,
    /// The account the link is for.
    pub username: String,
    pub error: Option<String>,
}

pub struct InviteView {
    pub code_hash: String,
    pub role: String,
    pub created_by: String,
    pub created: String,
    pub expires: String,
    pub status: String,
    pub can_revoke: bool,
}

/// An option of a `<select>`: (value, label, selected).
pub type Choice = (String, String, bool);

#[derive(Template)]
#[template(path = "invites.html")]
pub struct InvitesPage {
    pub ui: UiLayout,
    pub csrf: String,
    pub roles: Vec<Choice>,
    pub expiries: Vec<Choice>,
    /// The link just created: shown once, only its hash is stored.
    pub created: Option<String>,
    pub invites: Vec<InviteView>,
    pub all: bool,
    pub error: Option<String>,
    /// The copy button's script.
    pub copy_script: String,
}

/// `/account/move`: the accounts an author is also known as, and moving to another account.
#[derive(Template)]
#[template(path = "account_move.html")]
pub struct AccountMovePage {
    pub ui: UiLayout,
    pub csrf: String,
    pub handle: String,
    pub actor_url: String,
    pub aliases: Vec<String>,
    pub moved_to: Option<String>,
    pub error: Option<String>,
}
