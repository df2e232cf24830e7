//! What the web editor does to posts, and who may do it: drafts, review, publishing now or
//! later, updates, unpublishing and deletion. Authors change their own posts; editors and
//! admins change and publish anyone's; contributors write drafts and submit them, and an
//! editor's approval publishes the post under the contributor's own name and actor.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};

use super::{
    Outcome, PreparedBody, PublishError, Published, after_change, delete_post, federate,
    merged_tags, prepare_body,
};
use crate::app::App;
use crate::domain::{PostStatus, Submission, markdown, time};
use crate::storage::StorageError;
use crate::storage::posts::{self, EditorFields, Post, PostWrite};
use crate::storage::users::User;
use crate::storage::{media, mentions};
use crate::urls::post_path;

/// What a person asks for with the editor's buttons.
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
}

/// A post as the editor's form sends it.
#[derive(Debug, Clone)]
pub struct Draft {
    pub submission: Submission,
    pub cover_media_id: Option<i64>,
    pub cover_alt: String,
}

/// Whether `actor` may open and change `post` at all.
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

/// A post's status, publication time and review mark.
type Placement = (PostStatus, Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// The status, publication time and review mark that `action` gives a post.
fn outcome_of(
    action: Action,
    old: Option<&Post>,
    now: DateTime<Utc>,
) -> Result<Placement, PublishError> {
    let old_status = old.map(|p| p.status);
    let old_published = old.and_then(|p| p.published_at);
    let old_review = old.and_then(|p| p.review_requested_at);
    let public = old_status == Some(PostStatus::Published);
    Ok(match action {
        Action::SaveDraft if public => return Err(PublishError::AlreadyPublished),
        Action::SaveDraft => (PostStatus::Draft, old_published, old_review),
        Action::SubmitForReview if old_status.is_some_and(|s| s != PostStatus::Draft) => {
            return Err(PublishError::NotADraft);
        }
        Action::SubmitForReview => (PostStatus::Draft, old_published, old_review.or(Some(now))),
        Action::PublishNow => {
            // A post published before (then unpublished) keeps its date; a scheduled one goes out now.
            let at = old_published.filter(|t| *t <= now).unwrap_or(now);
            (PostStatus::Published, Some(at), None)
        }
        Action::Schedule(_) if public => return Err(PublishError::AlreadyPublished),
        Action::Schedule(at) if at <= now => return Err(PublishError::ScheduleInPast),
        Action::Schedule(at) => (PostStatus::Scheduled, Some(at), None),
        Action::Update => match old {
            Some(p) => (p.status, p.published_at, p.review_requested_at),
            None => (PostStatus::Draft, None, None),
        },
    })
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
    if let Some(old) = &old
        && !may_edit(actor, old)
    {
        return Err(if old.author.id == actor.id {
            PublishError::NeedsReview
        } else {
            PublishError::NotYours
        });
    }
    let now = time::now();
    let (status, published_at, review_requested_at) = outcome_of(action, old.as_ref(), now)?;
    if !actor.role.can_publish() && status != PostStatus::Draft {
        return Err(PublishError::NeedsReview);
    }
    let s = &draft.submission;
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
        let media = media::find_media(&app.db, media_id)
            .await?
            .ok_or(PublishError::NoSuchMedia)?;
        let usable = actor.role.can_edit_others()
            || media
                .owner_id
                .is_some_and(|o| o == actor.id || o == author_id);
        if !usable {
            return Err(PublishError::NoSuchMedia);
        }
    }
    // Mentions are looked up (over the network) when a post goes public, not on every draft save.
    let prepared = if status == PostStatus::Draft {
        let body = markdown::render_post(&s.body, &app.config.base_url, &HashMap::new());
        PreparedBody {
            rendered: body.rendered,
            hashtags: body.hashtags,
            mentions: Vec::new(),
            warnings: Vec::new(),
        }
    } else {
        prepare_body(app, &s.body, old.as_ref().map(|o| o.id)).await?
    };
    let rendered = prepared.rendered;
    let tags = merged_tags(&s.tags, &prepared.hashtags);
    let summary = s.summary.clone().unwrap_or(rendered.first_paragraph);
    // Every change moves `updated` strictly forward, even two within one millisecond.
    let now = match &old {
        Some(o) => now.max(o.updated_at + Duration::milliseconds(1)),
        None => now,
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
    };
    let cover_alt = draft.cover_alt.trim();
    let fields = EditorFields {
        cover_media_id: draft.cover_media_id,
        cover_alt,
        review_requested_at,
    };
    let url = app.config.url(&post_path(s.slug.as_str()));
    if let Some(o) = &old
        && unchanged(o, &write, &fields)
    {
        return Ok(Published {
            post: o.clone(),
            outcome: Outcome::Unchanged,
            url,
            warnings: prepared.warnings,
        });
    }
    let post = posts::save_post(&app.db, old.as_ref().map(|o| o.id), &write, &fields)
        .await
        .map_err(|e| match e {
            StorageError::Conflict(_) => PublishError::SlugTaken {
                slug: s.slug.to_string(),
                owner: "someone else".into(),
            },
            other => other.into(),
        })?;
    if status != PostStatus::Draft {
        mentions::set_post_mentions(&app.db, post.id, &prepared.mentions).await?;
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
    let outcome = if old.is_some() {
        Outcome::Updated
    } else {
        Outcome::Created
    };
    Ok(Published {
        post,
        outcome,
        url,
        warnings: prepared.warnings,
    })
}

fn unchanged(old: &Post, w: &PostWrite<'_>, f: &EditorFields<'_>) -> bool {
    old.slug == *w.slug
        && old.title == w.title
        && old.summary == w.summary
        && old.markdown == w.markdown
        && old.content_html == w.content_html
        && old.tags == w.tags
        && old.status == w.status
        && old.published_at == w.published_at
        && old.review_requested_at == f.review_requested_at
        && old.cover.as_ref().map(|c| c.media.id) == f.cover_media_id
        && old.cover.as_ref().map_or("", |c| c.alt.as_str()) == f.cover_alt
}

/// The stored post as the editor would send it back unchanged.
fn as_draft(post: &Post) -> Result<Draft, PublishError> {
    let tags: Vec<String> = post.tags.iter().map(ToString::to_string).collect();
    let submission = Submission::new(
        post.title.clone(),
        Some(post.slug.as_str()),
        Some(post.summary.clone()),
        post.markdown.clone(),
        &tags,
        true,
        None,
    )?;
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

/// Marks a draft as waiting for an editor, without changing its text.
pub async fn submit_for_review(app: &App, actor: &User, id: i64) -> Result<Post, PublishError> {
    let post = load(app, id).await?;
    Ok(save(
        app,
        actor,
        Some(id),
        as_draft(&post)?,
        Action::SubmitForReview,
    )
    .await?
    .post)
}

/// An editor publishes a submitted post as it is: it stays the contributor's post, and goes
/// out from the contributor's actor.
pub async fn approve(app: &App, editor: &User, id: i64) -> Result<Post, PublishError> {
    let post = load(app, id).await?;
    if !editor.role.can_edit_others() {
        return Err(PublishError::NotYours);
    }
    Ok(
        save(app, editor, Some(id), as_draft(&post)?, Action::PublishNow)
            .await?
            .post,
    )
}

/// Takes a published post off the site and asks followers' servers to remove it (Delete);
/// it becomes a draft again.
pub async fn unpublish(app: &App, actor: &User, id: i64) -> Result<Post, PublishError> {
    let old = load(app, id).await?;
    if !may_edit(actor, &old) {
        return Err(PublishError::NotYours);
    }
    if !actor.role.can_publish() {
        return Err(PublishError::NeedsReview);
    }
    if old.status != PostStatus::Published {
        return Err(PublishError::NotPublished);
    }
    let now = time::now().max(old.updated_at + Duration::milliseconds(1));
    let write = PostWrite {
        author_id: old.author.id,
        slug: &old.slug,
        title: &old.title,
        summary: &old.summary,
        markdown: &old.markdown,
        content_html: &old.content_html,
        tags: &old.tags,
        status: PostStatus::Draft,
        published_at: old.published_at,
        now,
    };
    let fields = EditorFields {
        cover_media_id: old.cover.as_ref().map(|c| c.media.id),
        cover_alt: old.cover.as_ref().map_or("", |c| c.alt.as_str()),
        review_requested_at: None,
    };
    let post = posts::save_post(&app.db, Some(old.id), &write, &fields).await?;
    after_change(app, &post).await;
    federate(app, true, &post).await;
    Ok(post)
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn actions_give_statuses() {
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
        let later = now + Duration::hours(2);
        assert_eq!(
            outcome_of(Action::SaveDraft, None, now).unwrap().0,
            PostStatus::Draft
        );
        assert_eq!(
            outcome_of(Action::SubmitForReview, None, now).unwrap(),
            (PostStatus::Draft, None, Some(now))
        );
        assert_eq!(
            outcome_of(Action::PublishNow, None, now).unwrap(),
            (PostStatus::Published, Some(now), None)
        );
        assert_eq!(
            outcome_of(Action::Schedule(later), None, now).unwrap(),
            (PostStatus::Scheduled, Some(later), None)
        );
        assert!(matches!(
            outcome_of(Action::Schedule(now), None, now),
            Err(PublishError::ScheduleInPast)
        ));
    }
}
