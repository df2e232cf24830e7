//! Changing, deleting and restoring a post by its URL (§3.4–3.6). An update starts from the
//! post's own properties (as `q=source` gives them), applies `replace`, `add` and `delete`,
//! and saves the result like the editor's Update: a public post stays public and its
//! followers get an Update.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::create::submission;
use super::errors::MicropubError;
use super::{auth, source};
use crate::actions::posts::{self, Action, Draft};
use crate::actions::tokens::Grant;
use crate::app::App;
use crate::domain::PostStatus;
use crate::domain::micropub::{Entry, apply_update, touches};
use crate::domain::scope::Scope;

pub async fn update(
    app: &App,
    grant: &Grant,
    url: &str,
    request: &Map<String, Value>,
) -> Result<Response, MicropubError> {
    auth::require(grant, Scope::Update)?;
    if !["replace", "add", "delete"]
        .iter()
        .any(|k| request.contains_key(*k))
    {
        return Err(MicropubError::invalid_request(
            "an update needs replace, add or delete",
        ));
    }
    let post = source::find_live(app, url).await?;
    let mut properties = source::properties(&post);
    apply_update(&mut properties, request)?;
    let mut entry = Entry::from_properties(&properties)?;
    // A summary nobody asked to keep follows the new text.
    if touches(request, "content") && !touches(request, "summary") {
        entry.summary = None;
    }
    let slug = entry
        .slug
        .clone()
        .unwrap_or_else(|| post.slug.as_str().to_owned());
    let mut submission = submission(&entry, Some(&slug))?;
    let kept = Draft::of(&post)?;
    submission.replies = kept.submission.replies;
    submission.quotes = kept.submission.quotes;
    submission.series = kept.submission.series;
    let action = match (post.status, entry.draft) {
        (PostStatus::Published, true) => Action::Unpublish,
        (PostStatus::Draft, false) if touches(request, "post-status") => {
            if grant.user.role.can_publish() {
                Action::PublishNow
            } else {
                Action::SubmitForReview
            }
        }
        _ => Action::Update,
    };
    let draft = Draft {
        submission,
        cover_media_id: kept.cover_media_id,
        cover_alt: kept.cover_alt,
    };
    let saved = posts::save(app, &grant.user, Some(post.id), draft, action).await?;
    if saved.post.slug != post.slug {
        let location = source::url_of(app, &saved.post);
        return Ok((StatusCode::CREATED, [(header::LOCATION, location)]).into_response());
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn delete(app: &App, grant: &Grant, url: &str) -> Result<Response, MicropubError> {
    auth::require(grant, Scope::Delete)?;
    let post = source::find_live(app, url).await?;
    posts::delete(app, &grant.user, post.id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn undelete(app: &App, grant: &Grant, url: &str) -> Result<Response, MicropubError> {
    auth::require(grant, Scope::Undelete)?;
    let post = source::find(app, url).await?;
    if post.status != PostStatus::Deleted {
        return Err(MicropubError::invalid_request(format!(
            "the post at {url} is not deleted"
        )));
    }
    posts::undelete(app, &grant.user, post.id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
