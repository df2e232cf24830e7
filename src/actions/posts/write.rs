//! The one write of a post. Every way of changing a post (a file published from the command
//! line, the editor's buttons, an editor's approval, unpublishing) comes here with an
//! [`Action`], and the same rules apply: who may change it, which status and date it gets,
//! that a published post's address never changes, that a slug belongs to one post forever,
//! that `updated` moves strictly forward, and that an unchanged post is not written again nor
//! sent to anyone.

use chrono::{DateTime, Duration, Utc};

use super::body::{PreparedBody, merged_tags, prepare_body, render_offline};
use super::{Action, Draft, Outcome, PublishError, Published, may_edit};
use crate::app::App;
use crate::cache::{Format, PageKey, Scope};
use crate::domain::{PostStatus, Tag, time};
use crate::federation::outbox;
use crate::storage::StorageError;
use crate::storage::posts::{self, Post, PostWrite};
use crate::storage::users::User;
use crate::storage::{media, mentions};
use crate::urls::post_path;

/// A post's status, publication time and review mark.
type Placement = (PostStatus, Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// The status, publication time and review mark that `action` gives a post. `requested` is
/// a publication time the author chose (a file's `published`): in the past it back-dates.
pub(super) fn placement(
    action: Action,
    old: Option<&Post>,
    requested: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Placement, PublishError> {
    let old_status = old.map(|p| p.status);
    let old_published = old.and_then(|p| p.published_at);
    let old_review = old.and_then(|p| p.review_requested_at);
    let public = old_status == Some(PostStatus::Published);
    let back_dated = requested.filter(|t| *t <= now);
    Ok(match action {
        Action::SaveDraft if public => return Err(PublishError::AlreadyPublished),
        Action::SaveDraft => (PostStatus::Draft, old_published, old_review),
        Action::SubmitForReview if old_status.is_some_and(|s| s != PostStatus::Draft) => {
            return Err(PublishError::NotADraft);
        }
        Action::SubmitForReview => (PostStatus::Draft, old_published, old_review.or(Some(now))),
        Action::PublishNow => {
            // A post published before (then unpublished) keeps its date; a scheduled one goes out now.
            let at = back_dated
                .or(old_published.filter(|t| *t <= now))
                .unwrap_or(now);
            (PostStatus::Published, Some(at), None)
        }
        Action::Schedule(_) if public => return Err(PublishError::AlreadyPublished),
        Action::Schedule(at) if at <= now => return Err(PublishError::ScheduleInPast),
        Action::Schedule(at) => (PostStatus::Scheduled, Some(at), None),
        Action::Update => match old {
            Some(p) => (
                p.status,
                back_dated.or(p.published_at),
                p.review_requested_at,
            ),
            None => (PostStatus::Draft, None, None),
        },
        Action::Unpublish if !public => return Err(PublishError::NotPublished),
        Action::Unpublish => (PostStatus::Draft, old_published, None),
    })
}

/// Writes `draft` over `old` (or as a new post by `actor`) as `action` asks, and tells the
/// page cache and followers what changed.
pub(super) async fn write(
    app: &App,
    actor: &User,
    old: Option<Post>,
    draft: Draft,
    action: Action,
) -> Result<Published, PublishError> {
    if let Some(old) = &old
        && !may_edit(actor, old)
    {
        return Err(if old.author.id == actor.id {
            PublishError::NeedsReview
        } else {
            PublishError::NotYours
        });
    }
    let s = &draft.submission;
    let now = time::now();
    let (status, published_at, review_requested_at) =
        placement(action, old.as_ref(), s.published, now)?;
    if !actor.role.can_publish() && status != PostStatus::Draft {
        return Err(PublishError::NeedsReview);
    }
    if let Some(old) = &old
        && old.status == PostStatus::Published
        && old.slug != s.slug
    {
        return Err(PublishError::SlugLocked);
    }
    if let Some(other) = posts::find_post_by_slug(&app.db, s.slug.as_str()).await?
        && old.as_ref().is_none_or(|o| o.id != other.id)
    {
        return Err(if other.status == PostStatus::Deleted {
            PublishError::SlugRetired(s.slug.to_string())
        } else {
            PublishError::SlugTaken {
                slug: s.slug.to_string(),
                owner: other.author.username.to_string(),
            }
        });
    }
    let author_id = old.as_ref().map_or(actor.id, |o| o.author.id);
    if let Some(media_id) = draft.cover_media_id {
        check_cover(app, actor, author_id, media_id).await?;
    }
    // Mentions are looked up (over the network) when a post goes public, not on every draft save.
    let prepared = if status == PostStatus::Draft {
        render_offline(app, &s.body)
    } else {
        prepare_body(app, &s.body, old.as_ref().map(|o| o.id)).await?
    };
    let PreparedBody {
        rendered,
        hashtags,
        mentions: mentioned,
        warnings,
    } = prepared;
    let tags = merged_tags(&s.tags, &hashtags);
    let summary = s.summary.clone().unwrap_or(rendered.first_paragraph);
    // Every change moves `updated` strictly forward, even two within one millisecond.
    let now = match &old {
        Some(o) => now.max(o.updated_at + Duration::milliseconds(1)),
        None => now,
    };
    // A post written without its own reply policy takes the site's default as it is now
    // (the editor sends back the one a post has; a file without `replies:` asks for the default).
    let reply_policy = match s.replies {
        Some(p) => Some(p),
        None => Some(crate::storage::comments::site_reply_policy(&app.db).await?),
    };
    let quote_policy = match s.quotes {
        Some(p) => Some(p),
        None => Some(crate::storage::site::site_quote_policy(&app.db).await?),
    };
    let write = PostWrite {
        author_id,
        slug: &s.slug,
        title: &s.title,
        summary: &summary,
        markdown: &s.body,
        content_html: &rendered.html,
        tags: &tags,
        status,
        published_at,
        now,
        cover_media_id: draft.cover_media_id,
        cover_alt: draft.cover_alt.trim(),
        review_requested_at,
        reply_policy,
        quote_policy,
        series: s.series.as_ref(),
    };
    let url = app.config.url(&post_path(s.slug.as_str()));
    if let Some(o) = &old
        && unchanged(o, &write)
    {
        return Ok(Published {
            post: o.clone(),
            outcome: Outcome::Unchanged,
            url,
            warnings,
        });
    }
    let post = posts::save_post(&app.db, old.as_ref().map(|o| o.id), &write)
        .await
        .map_err(|e| match e {
            StorageError::Conflict(_) => PublishError::SlugTaken {
                slug: s.slug.to_string(),
                owner: "someone else".into(),
            },
            other => other.into(),
        })?;
    if status != PostStatus::Draft {
        mentions::set_post_mentions(&app.db, post.id, &mentioned).await?;
    }
    let was_public = old
        .as_ref()
        .is_some_and(|o| o.status == PostStatus::Published);
    if let Some(o) = &old
        && o.slug != post.slug
    {
        after_change(app, o).await;
    }
    after_change(app, &post).await;
    federate(app, was_public, &post).await;
    crate::actions::review::after_write(app, actor, old.as_ref(), &post).await;
    let outcome = if old.is_some() {
        Outcome::Updated
    } else {
        Outcome::Created
    };
    Ok(Published {
        post,
        outcome,
        url,
        warnings,
    })
}

/// The cover must exist and belong to the writer or the post's author (editors may use any).
/// The write path asks here, and so does the editor's form before it shows a chosen cover.
pub async fn check_cover(
    app: &App,
    actor: &User,
    author_id: i64,
    media_id: i64,
) -> Result<(), PublishError> {
    let media = media::find_media(&app.db, media_id)
        .await?
        .ok_or(PublishError::NoSuchMedia)?;
    let usable = actor.role.can_edit_others()
        || media
            .owner_id
            .is_some_and(|o| o == actor.id || o == author_id);
    if usable {
        Ok(())
    } else {
        Err(PublishError::NoSuchMedia)
    }
}

fn unchanged(old: &Post, w: &PostWrite<'_>) -> bool {
    old.slug == *w.slug
        && old.title == w.title
        && old.summary == w.summary
        && old.markdown == w.markdown
        && old.content_html == w.content_html
        // As written: `release-notes` → `ReleaseNotes` is a change, though the same tag.
        && Tag::join(&old.tags) == Tag::join(w.tags)
        && old.status == w.status
        && old.published_at == w.published_at
        && old.review_requested_at == w.review_requested_at
        && old.cover.as_ref().map(|c| c.media.id) == w.cover_media_id
        && old.cover.as_ref().map_or("", |c| c.alt.as_str()) == w.cover_alt
        && old.reply_policy == w.reply_policy
        && old.quote_policy == w.quote_policy
        && old.series.as_ref() == w.series
}

/// Tells followers about a change: Create when a post became public, Update when a public
/// post changed, Delete when it stopped being public.
pub(super) async fn federate(app: &App, was_public: bool, post: &Post) {
    let is_public = post.status == PostStatus::Published;
    let federated = match (was_public, is_public) {
        (false, true) => outbox::post_published(app, post).await,
        (true, true) => outbox::post_updated(app, post).await,
        (true, false) => outbox::post_deleted(app, post).await,
        (false, false) => Ok(()),
    };
    report(federated, post);
}

/// The post is stored either way; a failure to queue its delivery is logged loudly.
pub(super) fn report<E: std::fmt::Display>(federated: Result<(), E>, post: &Post) {
    if let Err(e) = federated {
        tracing::error!(slug = %post.slug, error = %format!("{e:#}"), "could not queue the post's delivery to followers");
    }
}

/// After a post changed: drop stale pages and have the affected ones rendered again.
pub(super) async fn after_change(app: &App, post: &Post) {
    app.content_changed().await;
    crate::actions::webmentions::post_changed(app, post).await;
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
            tag: tag.key(),
            page: 1,
        });
    }
    if let Some(series) = &post.series {
        keys.push(PageKey::Series {
            slug: series.slug.to_string(),
        });
    }
    app.pages.warm(keys);
}
