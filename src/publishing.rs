//! The one write path for posts and accounts, used by the CLI, the web editor and the
//! scheduler alike: check (domain) → store (storage) → tell caches and followers.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use url::Url;

use crate::app::App;
use crate::cache::PageKey;
use crate::cache::{Format, Scope};
use crate::domain::Tag;
use crate::domain::markdown;
use crate::domain::post::{MAX_TAGS, PostError};
use crate::domain::{PostStatus, Role, Submission, Username, invite, time};
use crate::federation::outbox;
use crate::storage::StorageError;
use crate::storage::comments;
use crate::storage::invites::{self, InviteProblem, InviteState};
use crate::storage::mentions::{self, Mention};
use crate::storage::posts::{self, Post, PostWrite};
use crate::storage::users::{self, AccountStatus, NewUser, User};
use crate::urls::post_path;

mod editor;
pub use editor::{Action, Draft, approve, delete, may_edit, save, submit_for_review, unpublish};

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longest password accepted (hashing cost grows with it).
pub const MAX_PASSWORD_CHARS: usize = 1024;

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(transparent)]
    Post(#[from] PostError),
    #[error("no user named {0:?}")]
    UnknownAuthor(String),
    #[error(
        "{0} is a contributor: contributors save drafts and submit them for review (add `draft: true`)"
    )]
    NotAllowed(String),
    #[error("the slug {slug:?} belongs to a post by {owner}; choose another slug")]
    SlugTaken { slug: String, owner: String },
    #[error("the slug {0:?} belonged to a deleted post and cannot be reused; choose another slug")]
    SlugRetired(String),
    #[error("{0} is not the URL of a post on this site")]
    NotAPostUrl(String),
    #[error("there is no post at {0}")]
    NoSuchPost(String),
    #[error("there is no such post")]
    UnknownPost,
    #[error("you cannot change a post by someone else")]
    NotYours,
    #[error("contributors submit posts for review; an editor publishes them")]
    NeedsReview,
    #[error("choose a time in the future to schedule the post (times are in UTC)")]
    ScheduleInPast,
    #[error(
        "the slug of a published post cannot change: its address is how readers and other servers find it"
    )]
    SlugLocked,
    #[error("this post is already published: use Update to change it, or Unpublish it first")]
    AlreadyPublished,
    #[error("this post is not published")]
    NotPublished,
    #[error("only drafts can be submitted for review")]
    NotADraft,
    #[error("the chosen cover image does not exist or is not yours")]
    NoSuchMedia,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Updated,
    Unchanged,
}

pub struct Published {
    pub post: Post,
    pub outcome: Outcome,
    pub url: Url,
    /// Things the author should know, such as mentions that could not be resolved.
    pub warnings: Vec<String>,
}

/// Most mentions resolved in one post (each costs a WebFinger lookup and a fetch).
pub const MAX_MENTIONS: usize = 20;

/// A post body ready to store: rendered with its mentions resolved and linked, and its inline
/// hashtags found.
pub struct PreparedBody {
    pub rendered: markdown::Rendered,
    pub hashtags: Vec<Tag>,
    pub mentions: Vec<Mention>,
    pub warnings: Vec<String>,
}

/// Renders `body` for publishing: `@user@host` mentions are resolved by WebFinger (those
/// already resolved for post `post_id` are reused) and linked; unresolvable ones stay text and
/// are reported in `warnings`.
pub async fn prepare_body(
    app: &App,
    body: &str,
    post_id: Option<i64>,
) -> Result<PreparedBody, StorageError> {
    let known = match post_id {
        Some(id) => mentions::post_mentions(&app.db, id).await?,
        None => Vec::new(),
    };
    let mut resolved: Vec<Mention> = Vec::new();
    let mut warnings = Vec::new();
    let handles = markdown::find_mentions(body);
    if handles.len() > MAX_MENTIONS {
        warnings.push(format!(
            "only the first {MAX_MENTIONS} mentions are linked and notified"
        ));
    }
    for handle in handles.into_iter().take(MAX_MENTIONS) {
        if let Some(m) = known.iter().find(|m| m.handle == handle) {
            resolved.push(m.clone());
            continue;
        }
        match resolve_mention(app, &handle).await {
            Ok(m) => resolved.push(m),
            Err(e) => warnings.push(format!(
                "@{handle} could not be found ({e:#}); it stays plain text"
            )),
        }
    }
    let links: HashMap<String, String> = resolved
        .iter()
        .map(|m| (m.handle.clone(), m.profile_url.clone()))
        .collect();
    let post = markdown::render_post(body, &app.config.base_url, &links);
    Ok(PreparedBody {
        rendered: post.rendered,
        hashtags: post.hashtags,
        mentions: resolved,
        warnings,
    })
}

/// Finds the actor behind `user@host`: a local author, or a remote actor by WebFinger.
async fn resolve_mention(app: &App, handle: &str) -> anyhow::Result<Mention> {
    let (user, host) = handle
        .split_once('@')
        .ok_or_else(|| anyhow::anyhow!("not a handle"))?;
    if host.eq_ignore_ascii_case(&app.config.domain()) {
        let local = users::find_user_by_username(&app.db, user)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no such author here"))?;
        let url = app
            .config
            .url(&crate::urls::author_path(local.username.as_str()))
            .to_string();
        return Ok(Mention {
            actor_uri: url.clone(),
            handle: handle.to_owned(),
            profile_url: url,
            inbox: String::new(),
        });
    }
    let actor_url = crate::federation::remote::resolve_handle(app, handle).await?;
    let actor = crate::federation::remote::fetch_actor(app, &actor_url).await?;
    Ok(Mention {
        profile_url: actor.url.clone().unwrap_or_else(|| actor.uri.clone()),
        inbox: actor
            .shared_inbox
            .clone()
            .unwrap_or_else(|| actor.inbox.clone()),
        actor_uri: actor.uri,
        handle: handle.to_owned(),
    })
}

/// The author's tags followed by the inline hashtags, each once, at most [`MAX_TAGS`].
fn merged_tags(chosen: &[Tag], inline: &[Tag]) -> Vec<Tag> {
    let mut tags: Vec<Tag> = Vec::new();
    for t in chosen.iter().chain(inline) {
        if !tags.contains(t) && tags.len() < MAX_TAGS {
            tags.push(t.clone());
        }
    }
    tags
}

/// Publishes (or saves, or schedules) `submission` as a post by `author`. Publishing a slug
/// the author already has updates that post; an identical submission changes nothing.
pub async fn publish(
    app: &App,
    author: &User,
    submission: Submission,
) -> Result<Published, PublishError> {
    let now = time::now();
    let status = submission.status_at(now);
    if !author.role.can_publish() && status != PostStatus::Draft {
        return Err(PublishError::NotAllowed(author.username.to_string()));
    }
    let existing = posts::find_post_by_slug(&app.db, submission.slug.as_str()).await?;
    if let Some(old) = &existing {
        if old.author.id != author.id {
            return Err(PublishError::SlugTaken {
                slug: submission.slug.to_string(),
                owner: old.author.username.to_string(),
            });
        }
        if old.status == PostStatus::Deleted {
            return Err(PublishError::SlugRetired(submission.slug.to_string()));
        }
    }
    // Every change moves `updated` strictly forward, even two within one millisecond.
    let now = match &existing {
        Some(old) => now.max(old.updated_at + chrono::Duration::milliseconds(1)),
        None => now,
    };
    let url = app.config.url(&post_path(submission.slug.as_str()));
    let prepared = prepare_body(app, &submission.body, existing.as_ref().map(|p| p.id)).await?;
    let rendered = prepared.rendered;
    let tags = merged_tags(&submission.tags, &prepared.hashtags);
    let summary = submission
        .summary
        .clone()
        .unwrap_or(rendered.first_paragraph);
    let published_at = published_at(&submission, existing.as_ref(), status, now);
    let write = PostWrite {
        author_id: author.id,
        slug: &submission.slug,
        title: &submission.title,
        summary: &summary,
        markdown: &submission.body,
        content_html: &rendered.html,
        tags: &tags,
        status,
        published_at,
        now,
    };
    let was_public = existing
        .as_ref()
        .is_some_and(|p| p.status == PostStatus::Published);
    let (post, outcome) = match existing {
        None => (posts::insert_post(&app.db, &write).await?, Outcome::Created),
        Some(old) if unchanged(&old, &write) => (old, Outcome::Unchanged),
        Some(old) => (
            posts::update_post(&app.db, old.id, &write).await?,
            Outcome::Updated,
        ),
    };
    mentions::set_post_mentions(&app.db, post.id, &prepared.mentions).await?;
    let policy_changed =
        comments::set_post_reply_policy(&app.db, post.id, submission.replies).await?;
    if outcome != Outcome::Unchanged {
        after_change(app, &post).await;
        federate(app, was_public, &post).await;
    } else if policy_changed {
        after_change(app, &post).await;
    }
    Ok(Published {
        post,
        outcome,
        url,
        warnings: prepared.warnings,
    })
}

/// Tells followers about a change: Create when a post became public, Update when a public
/// post changed, Delete when it stopped being public.
async fn federate(app: &App, was_public: bool, post: &Post) {
    let is_public = post.status == PostStatus::Published;
    let federated = match (was_public, is_public) {
        (false, true) => outbox::post_published(app, post).await,
        (true, true) => outbox::post_updated(app, post).await,
        (true, false) => outbox::post_deleted(app, post).await,
        (false, false) => Ok(()),
    };
    report(federated, post);
}

fn published_at(
    s: &Submission,
    existing: Option<&Post>,
    status: PostStatus,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    match (s.published, existing.and_then(|p| p.published_at)) {
        (Some(t), _) => Some(t),
        (None, Some(t)) => Some(t),
        (None, None) if status == PostStatus::Published => Some(now),
        (None, None) => None,
    }
}

fn unchanged(old: &Post, w: &PostWrite<'_>) -> bool {
    old.title == w.title
        && old.summary == w.summary
        && old.markdown == w.markdown
        && old.content_html == w.content_html
        && old.tags == w.tags
        && old.status == w.status
        && old.published_at == w.published_at
}

/// Deletes the post at `url` (a public post URL of this site). Its URL answers 410 afterwards.
pub async fn delete_by_url(app: &App, url: &str) -> Result<Post, PublishError> {
    let slug = crate::urls::slug_from_url(&app.config.base_url, url)
        .ok_or_else(|| PublishError::NotAPostUrl(url.to_owned()))?;
    let post = posts::find_post_by_slug(&app.db, &slug)
        .await?
        .filter(|p| p.status != PostStatus::Deleted)
        .ok_or_else(|| PublishError::NoSuchPost(url.to_owned()))?;
    delete_post(app, post).await
}

/// Turns a post into a tombstone and, if it was public, federates its deletion.
async fn delete_post(app: &App, post: Post) -> Result<Post, PublishError> {
    posts::mark_post_deleted(&app.db, post.id, time::now()).await?;
    after_change(app, &post).await;
    if post.status == PostStatus::Published {
        report(outbox::post_deleted(app, &post).await, &post);
    }
    Ok(post)
}

/// Publishes scheduled posts whose time has come.
pub async fn publish_due(app: &App) -> Result<Vec<Post>, PublishError> {
    let due = posts::publish_due(&app.db, time::now()).await?;
    for post in &due {
        tracing::info!(slug = %post.slug, "published a scheduled post");
        after_change(app, post).await;
        report(outbox::post_published(app, post).await, post);
    }
    Ok(due)
}

/// The post is stored either way; a failure to queue its delivery is logged loudly.
fn report(federated: anyhow::Result<()>, post: &Post) {
    if let Err(e) = federated {
        tracing::error!(slug = %post.slug, error = %format!("{e:#}"), "could not queue the post's delivery to followers");
    }
}

/// After a post changed: drop stale pages and render the affected ones again.
async fn after_change(app: &App, post: &Post) {
    app.content_changed().await;
    let username = post.author.username.to_string();
    let mut keys = vec![
        PageKey::Post {
            slug: post.slug.to_string(),
        },
        PageKey::Home { page: 1 },
        PageKey::Author {
            username: username.clone(),
            page: 1,
        },
    ];
    for format in [Format::Rss, Format::Atom, Format::Json] {
        keys.push(PageKey::Feed {
            scope: Scope::Site,
            format,
        });
        keys.push(PageKey::Feed {
            scope: Scope::Author(username.clone()),
            format,
        });
    }
    for tag in &post.tags {
        keys.push(PageKey::Tag {
            tag: tag.to_string(),
            page: 1,
        });
    }
    app.pages.warm(keys);
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error(transparent)]
    Username(#[from] crate::domain::username::UsernameError),
    #[error("the password must have at least {MIN_PASSWORD_CHARS} characters")]
    PasswordTooShort,
    #[error("the password must have at most {MAX_PASSWORD_CHARS} characters")]
    PasswordTooLong,
    #[error("the display name must have at most 100 characters")]
    DisplayNameTooLong,
    #[error("the username {0:?} is already taken")]
    Taken(String),
    #[error(transparent)]
    Storage(StorageError),
    #[error("password hashing failed: {0}")]
    Hashing(String),
    #[error(transparent)]
    Invite(#[from] InviteProblem),
}

/// Creates an account. The password is hashed with Argon2id on a blocking thread.
pub async fn create_user(
    app: &App,
    username: &str,
    role: Role,
    display_name: Option<&str>,
    password: &str,
) -> Result<User, AccountError> {
    create_account(
        app,
        username,
        role,
        display_name,
        password,
        AccountStatus::Active,
    )
    .await
}

/// Creates an account that can sign in once an administrator approves it (registration open
/// with approval); its role is [`invite::SELF_REGISTERED_ROLE`] until an admin changes it.
pub async fn register_for_approval(
    app: &App,
    username: &str,
    display_name: Option<&str>,
    password: &str,
) -> Result<User, AccountError> {
    create_account(
        app,
        username,
        invite::SELF_REGISTERED_ROLE,
        display_name,
        password,
        AccountStatus::Pending,
    )
    .await
}

/// Creates an account with an invite link's code: the role is the invite's, and the invite is
/// used up in the same transaction. A bad invite is refused before the password is hashed.
pub async fn register_with_invite(
    app: &App,
    code: &str,
    username: &str,
    display_name: Option<&str>,
    password: &str,
) -> Result<User, AccountError> {
    let (username, display_name) = check_account(app, username, display_name, password).await?;
    let code_hash = crate::domain::secrets::token_hash(code.trim());
    let now = time::now();
    match invites::find_invite(&app.db, &code_hash)
        .await
        .map_err(AccountError::Storage)?
    {
        None => return Err(InviteProblem::Unknown.into()),
        Some(i) => match i.state(now) {
            InviteState::Open => {}
            InviteState::Used => return Err(InviteProblem::Used.into()),
            InviteState::Expired => return Err(InviteProblem::Expired.into()),
        },
    }
    let hash = hash_password(password).await?;
    let new = NewUser {
        username: &username,
        status: AccountStatus::Active,
        display_name: &display_name,
        role: Role::Contributor,
        password_hash: &hash,
        now,
    };
    let id = match invites::register_with_invite(&app.db, &code_hash, &new).await {
        Ok(Ok(id)) => id,
        Ok(Err(problem)) => return Err(problem.into()),
        Err(StorageError::Conflict(_)) => return Err(AccountError::Taken(username.to_string())),
        Err(e) => return Err(AccountError::Storage(e)),
    };
    users::find_user_by_id(&app.db, id)
        .await
        .map_err(AccountError::Storage)?
        .ok_or(AccountError::Storage(StorageError::NotFound))
}

async fn create_account(
    app: &App,
    username: &str,
    role: Role,
    display_name: Option<&str>,
    password: &str,
    status: AccountStatus,
) -> Result<User, AccountError> {
    let (username, display_name) = check_account(app, username, display_name, password).await?;
    let hash = hash_password(password).await?;
    let new = NewUser {
        username: &username,
        status,
        display_name: &display_name,
        role,
        password_hash: &hash,
        now: time::now(),
    };
    users::insert_user(&app.db, &new)
        .await
        .map_err(|e| match e {
            StorageError::Conflict(_) => AccountError::Taken(username.to_string()),
            other => AccountError::Storage(other),
        })
}

/// Checks a new account's username, password and display name; gives the username and the
/// display name to store (the username when none is given).
async fn check_account(
    app: &App,
    username: &str,
    display_name: Option<&str>,
    password: &str,
) -> Result<(Username, String), AccountError> {
    let username = Username::parse(username)?;
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(AccountError::PasswordTooShort);
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(AccountError::PasswordTooLong);
    }
    let display_name = display_name
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .unwrap_or(username.as_str())
        .to_owned();
    if display_name.chars().count() > 100 {
        return Err(AccountError::DisplayNameTooLong);
    }
    if users::find_user_by_username(&app.db, username.as_str())
        .await
        .map_err(AccountError::Storage)?
        .is_some()
    {
        return Err(AccountError::Taken(username.to_string()));
    }
    Ok((username, display_name))
}

/// Argon2id, on a blocking thread.
async fn hash_password(password: &str) -> Result<String, AccountError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || password_auth::generate_hash(password))
        .await
        .map_err(|e| AccountError::Hashing(e.to_string()))
}
