//! The review loop between contributors and editors: editors and admins are told when a
//! contributor submits a post; the contributor is told when an editor approves it, or sends
//! it back with a note (the post returns to a plain draft, the note waits in their
//! notifications and on the post until they submit it again).

use crate::app::App;
use crate::domain::{PostStatus, time};
use crate::storage::StorageError;
use crate::storage::posts::{self, Post};
use crate::storage::review_notices::{self as notices, ReviewKind, ReviewNotice};
use crate::storage::users::{self, AccountStatus, User};

/// Longest note an editor may send back, in characters.
pub const MAX_NOTE_CHARS: usize = 2000;

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("only editors and administrators review posts")]
    NotAnEditor,
    #[error("this post is not waiting for review")]
    NotInReview,
    #[error("say what should change: the note cannot be empty")]
    EmptyNote,
    #[error("the note must have at most {MAX_NOTE_CHARS} characters")]
    NoteTooLong,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// After `actor` wrote `post` (which was `old`): tells editors of a new submission, and the
/// author of an approval. A failure here is logged; the write itself stands.
pub async fn after_write(app: &App, actor: &User, old: Option<&Post>, post: &Post) {
    if let Err(e) = notify(app, actor, old, post).await {
        tracing::warn!(post = post.id, error = %e, "review notices were not written");
    }
}

async fn notify(
    app: &App,
    actor: &User,
    old: Option<&Post>,
    post: &Post,
) -> Result<(), StorageError> {
    let was_in_review = old.is_some_and(|o| o.review_requested_at.is_some());
    let now = time::now();
    if !was_in_review && post.review_requested_at.is_some() {
        posts::clear_review_note(&app.db, post.id).await?;
        let editors: Vec<i64> = users::list_users(&app.db)
            .await?
            .into_iter()
            .filter(|u| {
                u.role.can_edit_others() && u.status == AccountStatus::Active && u.id != actor.id
            })
            .map(|u| u.id)
            .collect();
        notices::insert_notices(
            &app.db,
            &editors,
            post.id,
            ReviewKind::Submitted,
            Some(actor.id),
            "",
            now,
        )
        .await?;
    } else if was_in_review && post.status != PostStatus::Draft && post.author.id != actor.id {
        notices::insert_notices(
            &app.db,
            &[post.author.id],
            post.id,
            ReviewKind::Approved,
            Some(actor.id),
            "",
            now,
        )
        .await?;
    }
    Ok(())
}

/// An editor sends post `id`, waiting for review, back to its author with `note`: it becomes
/// a plain draft again, and the author is told.
pub async fn send_back(app: &App, editor: &User, id: i64, note: &str) -> Result<(), ReviewError> {
    if !editor.role.can_edit_others() {
        return Err(ReviewError::NotAnEditor);
    }
    let note = note.trim();
    if note.is_empty() {
        return Err(ReviewError::EmptyNote);
    }
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(ReviewError::NoteTooLong);
    }
    let post = posts::find_post_by_id(&app.db, id).await?;
    let now = time::now();
    if !posts::send_back_post(&app.db, id, note, now).await? {
        return Err(ReviewError::NotInReview);
    }
    notices::insert_notices(
        &app.db,
        &[post.author.id],
        id,
        ReviewKind::SentBack,
        Some(editor.id),
        note,
        now,
    )
    .await?;
    tracing::info!(editor = %editor.username, post = id, "a post was sent back to its author");
    Ok(())
}

/// What `user` was told about reviews, newest first.
pub async fn notices_for(
    app: &App,
    user: &User,
    limit: i64,
) -> Result<Vec<ReviewNotice>, StorageError> {
    notices::list_notices(&app.db, user.id, limit).await
}
