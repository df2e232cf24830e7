//! The web editor, for signed-in people: the post list, the post form (preview, save, submit
//! for review, publish, schedule, update), confirmation before unpublishing or deleting, and
//! the image library. Every write goes through `crate::actions::posts` or `crate::media`.

pub mod card;
pub mod confirm;
pub mod edit;
pub mod form;
pub mod list;
pub mod media;
pub mod preview;
pub mod screen;

use super::auth::Viewer;
use crate::actions::posts::{may_edit, may_open};
use crate::app::App;
use crate::domain::PostStatus;
use crate::domain::post::MAX_MARKDOWN_BYTES;
use crate::error::AppError;
use crate::media::MAX_UPLOAD_BYTES;
use crate::storage::StorageError;
use crate::storage::posts::{self, Post};

/// The post form may carry a cover image and an image for the text besides the Markdown.
pub const FORM_MAX_BYTES: usize = 2 * MAX_UPLOAD_BYTES + MAX_MARKDOWN_BYTES + 64 * 1024;
/// The image upload form: one image and its description.
pub const UPLOAD_MAX_BYTES: usize = MAX_UPLOAD_BYTES + 64 * 1024;

/// The post `id` if the viewer may edit it: 404 when there is none, 403 when it is not theirs.
pub async fn load_editable(app: &App, viewer: &Viewer, id: i64) -> Result<Post, AppError> {
    let post = match posts::find_post_by_id(&app.db, id).await {
        Ok(p) if p.status != PostStatus::Deleted => p,
        Ok(_) | Err(StorageError::NotFound) => return Err(AppError::NotFound),
        Err(e) => return Err(e.into()),
    };
    if !may_edit(&viewer.user, &post) {
        return Err(AppError::Forbidden);
    }
    Ok(post)
}

/// The post `id` if the viewer may open it in the editor (to change it, or, for its
/// contributor once it is public, to read it): 404 when there is none, 403 otherwise.
pub async fn load_openable(app: &App, viewer: &Viewer, id: i64) -> Result<Post, AppError> {
    let post = match posts::find_post_by_id(&app.db, id).await {
        Ok(p) if p.status != PostStatus::Deleted => p,
        Ok(_) | Err(StorageError::NotFound) => return Err(AppError::NotFound),
        Err(e) => return Err(e.into()),
    };
    if !may_open(&viewer.user, &post) {
        return Err(AppError::Forbidden);
    }
    Ok(post)
}

/// `the slug is taken` → `The slug is taken.`: error messages as sentences for people.
pub fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    let mut out: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}
