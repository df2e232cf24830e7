//! View models of the administration pages: users, site settings, domain blocks.

use askama::Template;

use super::accounts::Choice;
use super::{ImageView, UiLayout};

#[derive(Template)]
#[template(path = "admin_index.html")]
pub struct AdminIndexPage {
    pub ui: UiLayout,
    pub csrf: String,
    pub error: Option<String>,
    pub published: i64,
    pub drafts: i64,
    pub in_review: i64,
    pub scheduled: i64,
    /// Active accounts, and those among them who may publish.
    pub writers: usize,
    pub publishers: usize,
    /// Accounts waiting for an administrator's approval.
    pub pending: usize,
    pub community_followers: i64,
    /// People following one or more authors, each counted once.
    pub author_followers: i64,
    pub community_handle: String,
    pub replies_waiting: i64,
    pub registration: String,
    pub modes: Vec<ModeChoice>,
    pub open_invites: usize,
    pub blocks: usize,
    pub queue_line: String,
    pub queue_failing: bool,
}

/// A registration mode the overview's switch offers.
pub struct ModeChoice {
    pub value: &'static str,
    pub label: &'static str,
    pub current: bool,
}

pub struct AdminUserView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub profile_url: String,
    pub role: String,
    pub roles: Vec<Choice>,
    pub status: &'static str,
    pub is_self: bool,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
pub struct AdminUsersPage {
    pub ui: UiLayout,
    pub csrf: String,
    pub users: Vec<AdminUserView>,
    pub error: Option<String>,
    /// A password reset link just issued: (username, link), shown once.
    pub reset: Option<(String, String)>,
    /// The copy button's script.
    pub copy_script: String,
}

#[derive(Template)]
#[template(path = "admin_site.html")]
pub struct AdminSitePage {
    pub ui: UiLayout,
    pub csrf: String,
    pub title: String,
    pub description: String,
    pub language: String,
    pub community_name: String,
    pub community_handle: String,
    pub avatar: Option<ImageView>,
    pub accept: &'static str,
    pub modes: Vec<Choice>,
    /// The reply policies as (value, label, selected): the site's default for new posts.
    pub reply_policies: Vec<(String, String, bool)>,
    /// The quote policies as (value, label, selected): the site's default for new posts.
    pub quote_policies: Vec<(String, String, bool)>,
    pub error: Option<String>,
}

pub struct BlockView {
    pub domain: String,
    pub reason: String,
    pub since: String,
}

#[derive(Template)]
#[template(path = "admin_blocks.html")]
pub struct AdminBlocksPage {
    pub ui: UiLayout,
    pub csrf: String,
    pub blocks: Vec<BlockView>,
    pub domain: String,
    pub reason: String,
    pub error: Option<String>,
}

/// One remote instance on the federation health page.
pub struct InstanceView {
    pub domain: String,
    pub followers: i64,
    pub pending: i64,
    pub dead: i64,
    pub last_success: String,
    pub last_failure: String,
    pub last_error: Option<String>,
    /// `ok`, `failing`, `paused` (with until when) — shown as text, styled by class.
    pub state: &'static str,
    pub state_detail: String,
    /// Whether "retry now" would change anything.
    pub can_retry: bool,
}

/// Signature failures from one server for one reason.
pub struct RefusalView {
    pub domain: String,
    pub reason: String,
    pub failures: i64,
    pub last_seen: String,
}

/// `/admin/federation`: how delivery to other servers is going.
#[derive(Template)]
#[template(path = "admin_federation.html")]
pub struct AdminFederationPage {
    pub ui: UiLayout,
    pub csrf: String,
    /// Instances ok, failing and paused; deliveries pending in all.
    pub counts: (i64, i64, i64),
    pub pending: i64,
    pub hourly_chart: String,
    pub daily_chart: String,
    /// Totals over the charts' spans: (delivered, failed) in 24 hours and in 30 days.
    pub day_totals: (i64, i64),
    pub month_totals: (i64, i64),
    pub instances: Vec<InstanceView>,
    pub instance_total: i64,
    pub pager: super::Pager,
    pub refusals: Vec<RefusalView>,
}
