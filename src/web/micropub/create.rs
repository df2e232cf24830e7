//! Creating a post (§3.3): the entry's properties become a submission, uploaded photos go
//! into the media store, and the post is written like one from the editor: a draft when
//! asked (or when the token may only make drafts), submitted for review when a contributor
//! writes it, scheduled when `published` is in the future, published otherwise.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::body::Upload;
use super::errors::MicropubError;
use super::source;
use crate::actions::posts::{self, Action, Draft};
use crate::actions::tokens::Grant;
use crate::app::App;
use crate::domain::micropub::{Entry, Properties};
use crate::domain::post::PostError;
use crate::domain::scope::Scope;
use crate::domain::{PostStatus, Slug, Submission, time};
use crate::media;
use crate::storage::posts as stored;

/// How many numbered slugs (`hello-2`, `hello-3`, ...) a note without `mp-slug` may try.
const SLUG_TRIES: usize = 50;

/// The submission an entry makes, with `slug` when given (else one from the title).
pub fn submission(entry: &Entry, slug: Option<&str>) -> Result<Submission, PostError> {
    Submission::new(
        entry.title(),
        slug.or(entry.slug.as_deref()),
        entry.summary.clone(),
        entry.body(),
        &entry.categories,
        entry.draft,
        entry.published,
    )
}

pub async fn create(
    app: &App,
    grant: &Grant,
    mut properties: Properties,
    files: Vec<Upload>,
) -> Result<Response, MicropubError> {
    let drafts_only = if grant.allows(Scope::Create) {
        false
    } else if grant.allows(Scope::Draft) {
        true
    } else {
        return Err(MicropubError::insufficient_scope(Scope::Create));
    };
    if let Some(other) = files.iter().find(|f| f.name != "photo") {
        return Err(MicropubError::invalid_request(format!(
            "only photo files can be sent with a post, not {:?}",
            other.name
        )));
    }
    // The entry is checked before any image is stored, with a stand-in for each upload.
    let mut probe = properties.clone();
    add_photos(&mut probe, files.iter().map(|_| "/media/upload".to_owned()));
    submission(&Entry::from_properties(&probe)?, None)?;
    let mut uploaded = Vec::new();
    for file in &files {
        let stored = media::store_upload(app, grant.user.id, &file.bytes, "").await?;
        uploaded.push(media::path(&stored, media::BODY_WIDTH));
    }
    add_photos(&mut properties, uploaded.into_iter());
    let entry = Entry::from_properties(&properties)?;
    let slug = match &entry.slug {
        Some(s) => s.clone(),
        None => free_slug(app, &entry).await?,
    };
    let mut submission = submission(&entry, Some(&slug))?;
    let user = &grant.user;
    let now = time::now();
    let action = if entry.draft || drafts_only {
        submission.draft = true;
        Action::SaveDraft
    } else if !user.role.can_publish() {
        Action::SubmitForReview
    } else if let Some(at) = entry.published.filter(|t| *t > now) {
        Action::Schedule(at)
    } else {
        Action::PublishNow
    };
    let draft = Draft {
        submission,
        cover_media_id: None,
        cover_alt: String::new(),
    };
    let published = posts::save(app, user, None, draft, action).await?;
    let status = if published.post.status == PostStatus::Published {
        StatusCode::CREATED
    } else {
        // Not public yet: its URL answers once it is published.
        StatusCode::ACCEPTED
    };
    let location = source::url_of(app, &published.post);
    Ok((status, [(header::LOCATION, location)]).into_response())
}

fn add_photos(properties: &mut Properties, urls: impl Iterator<Item = String>) {
    let urls: Vec<Value> = urls.map(Value::String).collect();
    if urls.is_empty() {
        return;
    }
    let list = properties
        .entry("photo".to_owned())
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(list) = list {
        list.extend(urls);
    }
}

/// A slug from the title that no post has had: notes often begin alike.
async fn free_slug(app: &App, entry: &Entry) -> Result<String, MicropubError> {
    let base = Slug::from_title(&entry.title()).map_err(PostError::from)?;
    let base = base.as_str();
    for n in 1..=SLUG_TRIES {
        let candidate = if n == 1 {
            base.to_owned()
        } else {
            let suffix = format!("-{n}");
            let mut keep = base.len().min(crate::domain::slug::MAX_LEN - suffix.len());
            while !base.is_char_boundary(keep) {
                keep -= 1;
            }
            let stem = base[..keep].trim_end_matches('-');
            format!("{stem}{suffix}")
        };
        if stored::find_post_by_slug(&app.db, &candidate)
            .await?
            .is_none()
        {
            return Ok(candidate);
        }
    }
    Err(MicropubError::invalid_request(
        "every slug from this title is taken: send mp-slug",
    ))
}
