//! The one write path for moderation and what authors are told, used by the moderation queue,
//! the admin pages and the notifications page: approve, hide or delete a comment, block an
//! actor or a domain, handle reports, set the site's reply policy, and gather an author's
//! notifications. Each change refreshes cached pages at once.

use chrono::{DateTime, Utc};

use crate::app::App;
use crate::domain::comments::{CommentState, ReplyPolicy, Visibility};
use crate::domain::{remote_html, time};
use crate::federation::FederationError;
use crate::federation::{keys, outbox};
use crate::storage::admin_log::{self, AdminAction};
use crate::storage::avatars::Profile;
use crate::storage::blocks::{self, BlockKind};
use crate::storage::comments::{self, Comment};
use crate::storage::posts;
use crate::storage::reactions::{self, ReactionKind};
use crate::storage::remote::{self, RemoteActor};
use crate::storage::reports::{self, Report};
use crate::storage::users::User;
use crate::storage::{StorageError, mentions_received, notifications};

#[derive(Debug, thiserror::Error)]
pub enum ModerationError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Federation(#[from] FederationError),
}

type Result<T, E = ModerationError> = std::result::Result<T, E>;

/// Comments waiting for review: all of them for editors and admins (`author` `None`), or those
/// on one author's posts. Oldest first.
pub async fn queue(
    app: &App,
    author: Option<i64>,
    limit: i64,
    offset: i64,
) -> Result<Vec<Comment>> {
    comments_in_state(app, CommentState::Pending, author, limit, offset).await
}

/// Comments in `state` (pending, or hidden ones a moderator may approve again): across the
/// site (`author` `None`), or on one author's posts. Oldest first.
pub async fn comments_in_state(
    app: &App,
    state: CommentState,
    author: Option<i64>,
    limit: i64,
    offset: i64,
) -> Result<Vec<Comment>> {
    match author {
        None => Ok(comments::list_comments_in_state(&app.db, state, limit, offset).await?),
        Some(user) => Ok(comments::list_comments_in_state_for_author(
            &app.db, user, state, limit, offset,
        )
        .await?),
    }
}

/// How many comments are in `state`, across the site or on one author's posts.
pub async fn count_in_state(app: &App, state: CommentState, author: Option<i64>) -> Result<i64> {
    Ok(comments::count_comments_in_state(&app.db, state, author).await?)
}

/// Shows comment `id` under its post.
pub async fn approve_comment(app: &App, id: i64) -> Result<()> {
    let before = comments::find_comment(&app.db, id).await?;
    comments::set_comment_state(&app.db, id, CommentState::Approved, time::now()).await?;
    app.content_changed().await;
    // A public reply now shown: the community relays the Create it came in.
    if let Some(c) = before.filter(|c| c.state != CommentState::Approved && !c.deleted)
        && c.visibility == Visibility::Public
        && let Some(activity) = comments::find_comment_activity(&app.db, id).await?
        && let Ok(activity) = serde_json::from_str::<serde_json::Value>(&activity)
        && let Err(e) = crate::federation::group::relay(app, &activity).await
    {
        tracing::error!(comment = id, error = %e, "could not relay an approved reply");
    }
    Ok(())
}

/// Hides comment `id` (it stays stored and can be approved again).
pub async fn hide_comment(app: &App, id: i64) -> Result<()> {
    comments::set_comment_state(&app.db, id, CommentState::Hidden, time::now()).await?;
    app.content_changed().await;
    Ok(())
}

/// Deletes comment `id` for good; a later copy of the same reply is not stored again.
pub async fn delete_comment(app: &App, id: i64) -> Result<bool> {
    let deleted = comments::delete_comment(&app.db, id, time::now()).await?;
    app.content_changed().await;
    Ok(deleted)
}

/// Blocks the author of comment `id`: its activities are refused from now on, its comments
/// hidden and its reactions dropped.
pub async fn block_comment_author(app: &App, id: i64) -> Result<()> {
    let comment = comments::find_comment(&app.db, id)
        .await?
        .ok_or(crate::storage::StorageError::NotFound)?;
    block_actor(app, &comment.author.uri).await
}

/// Blocks the domain of comment `id`'s author, with its subdomains; `by` is recorded in the
/// admin log.
pub async fn block_comment_domain(app: &App, by: &User, id: i64) -> Result<()> {
    let comment = comments::find_comment(&app.db, id)
        .await?
        .ok_or(crate::storage::StorageError::NotFound)?;
    let reason = format!(
        "from the moderation queue, for a reply by {}",
        comment.author.handle()
    );
    block_domain(app, by, &comment.author.domain, &reason).await
}

pub async fn block_actor(app: &App, actor_uri: &str) -> Result<()> {
    blocks::block_actor(&app.db, actor_uri, time::now()).await?;
    app.content_changed().await;
    Ok(())
}

/// Blocks `domain` and its subdomains: nothing more is accepted from or delivered to it, its
/// comments are hidden and its reactions dropped. Recorded in the admin log with `reason`.
pub async fn block_domain(app: &App, by: &User, domain: &str, reason: &str) -> Result<()> {
    let now = time::now();
    blocks::block_domain(&app.db, domain, now).await?;
    admin_log::record_action(
        &app.db,
        by.id,
        AdminAction::BlockDomain,
        domain,
        reason,
        now,
    )
    .await?;
    app.content_changed().await;
    tracing::warn!(by = %by.username, %domain, reason, "domain blocked");
    Ok(())
}

/// Lifts a block; a domain's is recorded in the admin log. Gives whether there was one.
pub async fn unblock(app: &App, by: &User, kind: BlockKind, value: &str) -> Result<bool> {
    if !blocks::unblock(&app.db, kind, value).await? {
        return Ok(false);
    }
    if kind == BlockKind::Domain {
        admin_log::record_action(
            &app.db,
            by.id,
            AdminAction::UnblockDomain,
            value,
            "",
            time::now(),
        )
        .await?;
    }
    app.content_changed().await;
    Ok(true)
}

/// Sets the reply policy of posts that do not choose one.
pub async fn set_site_reply_policy(app: &App, policy: ReplyPolicy) -> Result<()> {
    crate::storage::site::set_site_reply_policy(&app.db, policy).await?;
    app.content_changed().await;
    Ok(())
}

/// A report with what it names, for the admins.
pub struct ReportDetails {
    pub report: Report,
    /// The reported things found here (comments and posts); ids of anything else are in
    /// `report.object_ids` only.
    pub reported: Vec<Reported>,
    /// The remote accounts it names, directly or as authors of reported comments: those it
    /// can be forwarded about.
    pub accounts: Vec<RemoteActor>,
}

pub enum Reported {
    Comment(Box<Comment>),
    Post { id: i64, title: String, url: String },
}

/// Reports, newest first, with the reported comments and posts looked up.
pub async fn reports(
    app: &App,
    open_only: bool,
    limit: i64,
    offset: i64,
) -> Result<Vec<ReportDetails>> {
    let list = reports::list_reports(&app.db, open_only, limit, offset).await?;
    let mut out = Vec::with_capacity(list.len());
    for report in list {
        let mut reported = Vec::new();
        for id in &report.object_ids {
            if let Some(c) = comments::find_comment_by_uri(&app.db, id).await? {
                reported.push(Reported::Comment(Box::new(c)));
            } else if let Some(slug) = crate::urls::slug_from_url(&app.config.base_url, id)
                && let Some(p) = posts::find_post_by_slug(&app.db, &slug).await?
            {
                reported.push(Reported::Post {
                    id: p.id,
                    title: p.title.clone(),
                    url: id.clone(),
                });
            }
        }
        let accounts = reported_accounts(app, &report).await?;
        out.push(ReportDetails {
            report,
            reported,
            accounts,
        });
    }
    Ok(out)
}

pub async fn resolve_report(app: &App, id: i64) -> Result<bool> {
    Ok(reports::resolve_report(&app.db, id, time::now()).await?)
}

/// The remote accounts report `report` names, directly or as authors of reported comments,
/// each once, in the report's order.
pub async fn reported_accounts(app: &App, report: &Report) -> Result<Vec<RemoteActor>> {
    let mut out: Vec<RemoteActor> = Vec::new();
    for id in &report.object_ids {
        let actor = match remote::find_remote_actor_by_uri(&app.db, id).await? {
            Some(a) => Some(a),
            None => match comments::find_comment_by_uri(&app.db, id).await? {
                Some(c) => remote::find_remote_actor_by_uri(&app.db, &c.author.uri).await?,
                None => None,
            },
        };
        if let Some(a) = actor
            && !out.iter().any(|o| o.id == a.id)
        {
            out.push(a);
        }
    }
    Ok(out)
}

/// Longest comment an admin adds to a forwarded report, in characters.
pub const MAX_FORWARD_COMMENT_CHARS: usize = 1000;

#[derive(Debug, thiserror::Error)]
pub enum ForwardError {
    #[error("there is no such report")]
    NoReport,
    #[error("the report does not name that account")]
    NotNamed,
    #[error("the comment must have at most {MAX_FORWARD_COMMENT_CHARS} characters")]
    TooLong,
    #[error("{0} is blocked here, so nothing is delivered to it")]
    Blocked(String),
    #[error(transparent)]
    Failed(#[from] crate::federation::FederationError),
}

impl From<StorageError> for ForwardError {
    fn from(e: StorageError) -> Self {
        ForwardError::Failed(e.into())
    }
}

impl From<ModerationError> for ForwardError {
    fn from(e: ModerationError) -> Self {
        match e {
            ModerationError::Storage(e) => ForwardError::Failed(e.into()),
            ModerationError::Federation(e) => ForwardError::Failed(e),
        }
    }
}

/// Forwards report `id` to the server of `account_uri`, one of the accounts it names: a
/// `Flag` from this site naming the account and the reported objects on its server, with
/// `comment` (the reporter is not named). Records it on the report and gives the domain.
pub async fn forward_report(
    app: &App,
    id: i64,
    account_uri: &str,
    comment: &str,
) -> std::result::Result<String, ForwardError> {
    let comment = comment.trim();
    if comment.chars().count() > MAX_FORWARD_COMMENT_CHARS {
        return Err(ForwardError::TooLong);
    }
    let report = reports::find_report(&app.db, id)
        .await?
        .ok_or(ForwardError::NoReport)?;
    let account = reported_accounts(app, &report)
        .await?
        .into_iter()
        .find(|a| a.uri == account_uri)
        .ok_or(ForwardError::NotNamed)?;
    if blocks::is_blocked(&app.db, "", &account.domain).await? {
        return Err(ForwardError::Blocked(account.domain));
    }
    let host = |u: &str| {
        url::Url::parse(u)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
    };
    let objects: Vec<String> = report
        .object_ids
        .iter()
        .filter(|o| host(o) == host(&account.uri))
        .cloned()
        .collect();
    outbox::forward_report(app, &account, &objects, comment).await?;
    reports::mark_report_forwarded(&app.db, id, &account.domain, time::now()).await?;
    tracing::warn!(report = id, account = %account.uri, "a report was forwarded to the account's server");
    Ok(account.domain)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    /// A public reply (shown under the post once approved).
    Reply,
    /// A reply addressed to the replier's followers: never shown on a page.
    FollowersReply,
    /// A reply addressed only to the people it mentions: never shown on a page.
    PrivateReply,
    Like,
    Boost,
    Follow,
    /// A post elsewhere that mentions the author (not a reply on their own posts).
    Mention,
    /// A mention addressed only to the people it mentions: never shown on a page.
    PrivateMention,
}

pub struct Notice {
    pub kind: NoticeKind,
    /// The reply's id (replies only).
    pub comment_id: Option<i64>,
    pub actor: Profile,
    /// The post concerned (none for a follow or a mention).
    pub post_id: Option<i64>,
    /// The reply's or mentioning post's text, shortened.
    pub excerpt: String,
    /// Where the mentioning post can be read on its own server (mentions only).
    pub original: Option<String>,
    /// The reply's moderation state (replies only).
    pub state: Option<CommentState>,
    pub at: DateTime<Utc>,
}

/// Longest reply or mention excerpt in notifications, in characters.
pub const EXCERPT_CHARS: usize = 280;

/// What author `user_id` is told about: new followers, replies (private ones included), likes
/// and boosts of their posts, and posts elsewhere that mention them. Newest first, at most
/// `limit`.
pub async fn notifications(app: &App, user_id: i64, limit: i64) -> Result<Vec<Notice>> {
    let mut out = Vec::new();
    for c in comments::list_comments_for_author(&app.db, user_id, limit).await? {
        let kind = match c.visibility {
            Visibility::Private => NoticeKind::PrivateReply,
            Visibility::Followers => NoticeKind::FollowersReply,
            Visibility::Public => NoticeKind::Reply,
        };
        out.push(Notice {
            kind,
            comment_id: Some(c.id),
            post_id: Some(c.post_id),
            excerpt: excerpt(&c.content_html),
            original: None,
            state: Some(c.state),
            at: c.received_at,
            actor: c.author,
        });
    }
    for r in reactions::list_reactions_for_author(&app.db, user_id, limit).await? {
        let kind = if r.kind == ReactionKind::Like {
            NoticeKind::Like
        } else {
            NoticeKind::Boost
        };
        out.push(Notice {
            kind,
            comment_id: None,
            actor: r.actor,
            post_id: Some(r.post_id),
            excerpt: String::new(),
            original: None,
            state: None,
            at: r.at,
        });
    }
    let local = keys::person_actor(app, user_id).await?;
    for (actor, at) in notifications::recent_followers(&app.db, local.id, limit).await? {
        out.push(Notice {
            kind: NoticeKind::Follow,
            comment_id: None,
            actor,
            post_id: None,
            excerpt: String::new(),
            original: None,
            state: None,
            at,
        });
    }
    for m in mentions_received::list_mentions_received(&app.db, user_id, limit).await? {
        let kind = if m.visibility == Visibility::Private {
            NoticeKind::PrivateMention
        } else {
            NoticeKind::Mention
        };
        out.push(Notice {
            kind,
            comment_id: None,
            post_id: None,
            excerpt: excerpt(&m.content_html),
            original: Some(m.url.unwrap_or(m.object_uri)),
            state: None,
            at: m.received_at,
            actor: m.author,
        });
    }
    out.sort_by_key(|n| std::cmp::Reverse(n.at));
    out.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(out)
}

/// Sanitized remote HTML as a short plain-text excerpt.
fn excerpt(content_html: &str) -> String {
    crate::domain::markdown::shorten(&remote_html::plain_text(content_html), EXCERPT_CHARS)
}
