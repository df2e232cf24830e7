//! The one write path for posts. The command line (`chorus post publish`), the web editor,
//! editors approving a contributor's post and the scheduler all call these functions; each
//! ends in the same [`write`](write::write), so the same rules hold whoever changes a post.
//!
//! Authors change their own posts; editors and admins change and publish anyone's;
//! contributors write drafts and submit them, and an editor's approval publishes the post
//! under the contributor's own name and actor.

mod body;
mod pins;
mod write;

pub use body::{
    MAX_MENTIONS, PreparedBody, merged_tags, prepare_body, render_offline, render_old_html_again,
};
pub use pins::{MAX_PINS, is_pinned, set_pinned};

use chrono::{DateTime, Utc};
use url::Url;

use crate::app::App;
use crate::domain::post::PostError;
use crate::domain::{PostStatus, Submission, time};
use crate::federation::outbox;
use crate::storage::StorageError;
use crate::storage::posts::{self, Post};
use crate::storage::users::{self, User};
pub use write::check_cover;
use write::{after_change, report};

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(transparent)]
    Post(#[from] PostError),
    #[error("no user named {0:?}")]
    UnknownAuthor(String),
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
    #[error(
        "contributors save drafts and submit them for review; an editor publishes them (in a Markdown file: `draft: true`)"
    )]
    NeedsReview,
    #[error("choose a time in the future to schedule the post")]
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
    #[error("an author can pin up to {MAX_PINS} posts: unpin one first")]
    TooManyPins,
    #[error("the chosen cover image does not exist or is not yours")]
    NoSuchMedia,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl PublishError {
    /// Whether the request was refused for who made it rather than for what it asked.
    pub fn is_refusal(&self) -> bool {
        matches!(self, PublishError::NotYours | PublishError::NeedsReview)
    }
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

/// What a person asks for (the editor's buttons; a file's front matter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Keep it private (unschedules a scheduled post).
    SaveDraft,
    /// A draft an editor should look at (what contributors do instead of publishing).
    SubmitForReview,
    PublishNow,
    /// Publish at this time; the scheduler does it, also after a restart.
    Schedule(DateTime<Utc>),
    /// Save changes and keep the status (a published post stays published and federates an Update).
    Update,
    /// Take a published post off the site (followers' servers get a Delete); it becomes a draft.
    Unpublish,
}

/// A post as its writer sends it: the text and its metadata, and the cover.
#[derive(Debug, Clone)]
pub struct Draft {
    pub submission: Submission,
    pub cover_media_id: Option<i64>,
    pub cover_alt: String,
}

impl Draft {
    /// The stored post as its writer would send it back unchanged.
    pub fn of(post: &Post) -> Result<Draft, PublishError> {
        let tags: Vec<String> = post.tags.iter().map(ToString::to_string).collect();
        let mut submission = Submission::new(
            post.title.clone(),
            Some(post.slug.as_str()),
            Some(post.summary.clone()),
            post.markdown.clone(),
            &tags,
            true,
            None,
        )?;
        submission.replies = post.reply_policy;
        submission.quotes = post.quote_policy;
        submission.series = post.series.clone();
        Ok(Draft {
            submission,
            cover_media_id: post.cover.as_ref().map(|c| c.media.id),
            cover_alt: post
                .cover
                .as_ref()
                .map(|c| c.alt.clone())
                .unwrap_or_default(),
        })
    }
}

/// Whether `actor` may open `post` in the editor: whoever may change it, and its author in
/// any state. A contributor reads their own published or scheduled post there but cannot
/// change it (as contributors in WordPress and Ghost): changes to a public post go through an
/// editor.
pub fn may_open(actor: &User, post: &Post) -> bool {
    post.author.id == actor.id || may_edit(actor, post)
}

/// Whether `actor` may change `post` at all.
pub fn may_edit(actor: &User, post: &Post) -> bool {
    if actor.role.can_edit_others() {
        return true;
    }
    // Contributors hand their post over once it is public or scheduled.
    post.author.id == actor.id && (actor.role.can_publish() || post.status == PostStatus::Draft)
}

async fn load(app: &App, id: i64) -> Result<Post, PublishError> {
    match posts::find_post_by_id(&app.db, id).await {
        Ok(p) if p.status != PostStatus::Deleted => Ok(p),
        Ok(_) | Err(StorageError::NotFound) => Err(PublishError::UnknownPost),
        Err(e) => Err(e.into()),
    }
}

/// Publishes (or saves, or schedules) a Markdown file's `submission` as a post by the user
/// named `author`. A slug the author already has updates that post; an identical submission
/// changes nothing. `draft: true` saves a draft (and takes a published post off the site); a
/// `published` time in the future schedules, in the past back-dates.
pub async fn publish_file(
    app: &App,
    author: &str,
    submission: Submission,
) -> Result<Published, PublishError> {
    let author = users::find_user_by_username(&app.db, author)
        .await?
        .ok_or_else(|| PublishError::UnknownAuthor(author.to_owned()))?;
    let old = posts::find_post_by_slug(&app.db, submission.slug.as_str())
        .await?
        .filter(|p| p.status != PostStatus::Deleted && p.author.id == author.id);
    let public = old
        .as_ref()
        .is_some_and(|p| p.status == PostStatus::Published);
    let action = match submission.status_at(time::now()) {
        PostStatus::Draft if public => Action::Unpublish,
        PostStatus::Draft => Action::SaveDraft,
        PostStatus::Scheduled => Action::Schedule(submission.published.unwrap_or_default()),
        _ if public => Action::Update,
        _ => Action::PublishNow,
    };
    let pinned = submission.pinned;
    if pinned == Some(true) {
        pins::check_room(app, author.id, old.as_ref().map(|p| p.id)).await?;
    }
    let draft = Draft {
        cover_media_id: old
            .as_ref()
            .and_then(|p| p.cover.as_ref().map(|c| c.media.id)),
        cover_alt: old
            .as_ref()
            .and_then(|p| p.cover.as_ref().map(|c| c.alt.clone()))
            .unwrap_or_default(),
        submission,
    };
    let published = write::write(app, &author, old, draft, action).await?;
    if let Some(pinned) = pinned {
        pins::pin_post(app, &published.post, pinned).await?;
    }
    Ok(published)
}

/// Saves a post from the editor: a new one (`id` of `None`, written by `actor`) or an existing
/// one, which keeps its author whoever edits it. Federates Create, Update or Delete as the
/// post becomes, stays or stops being public.
pub async fn save(
    app: &App,
    actor: &User,
    id: Option<i64>,
    draft: Draft,
    action: Action,
) -> Result<Published, PublishError> {
    let old = match id {
        Some(id) => Some(load(app, id).await?),
        None => None,
    };
    write::write(app, actor, old, draft, action).await
}

/// Applies `action` to post `id` without changing its text.
async fn act(app: &App, actor: &User, id: i64, action: Action) -> Result<Post, PublishError> {
    let post = load(app, id).await?;
    let draft = Draft::of(&post)?;
    Ok(write::write(app, actor, Some(post), draft, action)
        .await?
        .post)
}

/// Marks a draft as waiting for an editor, without changing its text.
pub async fn submit_for_review(app: &App, actor: &User, id: i64) -> Result<Post, PublishError> {
    act(app, actor, id, Action::SubmitForReview).await
}

/// An editor publishes a submitted post as it is: it stays the contributor's post, and goes
/// out from the contributor's actor.
pub async fn approve(app: &App, editor: &User, id: i64) -> Result<Post, PublishError> {
    if !editor.role.can_edit_others() {
        load(app, id).await?;
        return Err(PublishError::NotYours);
    }
    act(app, editor, id, Action::PublishNow).await
}

/// Takes a published post off the site and asks followers' servers to remove it (Delete);
/// it becomes a draft again.
pub async fn unpublish(app: &App, actor: &User, id: i64) -> Result<Post, PublishError> {
    act(app, actor, id, Action::Unpublish).await
}

/// Deletes a post for good: its address answers 410 and its slug is never reused. A public
/// post's deletion is federated.
pub async fn delete(app: &App, actor: &User, id: i64) -> Result<Post, PublishError> {
    let post = load(app, id).await?;
    if !may_edit(actor, &post) {
        return Err(if post.author.id == actor.id {
            PublishError::NeedsReview
        } else {
            PublishError::NotYours
        });
    }
    delete_post(app, post).await
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

/// Brings a deleted post back at its old address, with its text, tags and date: a post
/// published before is published again (followers get a Create), a future date schedules it,
/// and anything else, or a contributor's post, comes back as a draft.
pub async fn undelete(app: &App, actor: &User, id: i64) -> Result<Published, PublishError> {
    let post = match posts::find_post_by_id(&app.db, id).await {
        Ok(p) if p.status == PostStatus::Deleted => p,
        Ok(_) | Err(StorageError::NotFound) => return Err(PublishError::UnknownPost),
        Err(e) => return Err(e.into()),
    };
    if post.author.id != actor.id && !actor.role.can_edit_others() {
        return Err(PublishError::NotYours);
    }
    let now = time::now();
    let action = match post.published_at {
        Some(at) if at > now && actor.role.can_publish() => Action::Schedule(at),
        Some(_) if actor.role.can_publish() => Action::PublishNow,
        _ => Action::SaveDraft,
    };
    let draft = Draft::of(&post)?;
    write::write(app, actor, Some(post), draft, action).await
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

#[cfg(test)]
mod tests;
