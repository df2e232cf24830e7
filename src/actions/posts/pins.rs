//! Pinning posts to their author's profile: the actor's `featured` collection, which Mastodon,
//! Takahē and Lemmy show as pinned posts. A change to a public post's pin reaches the
//! author's followers as `Add` or `Remove`.

use super::{PublishError, load, report};
use crate::app::App;
use crate::domain::{PostStatus, time};
use crate::federation::outbox;
use crate::storage::pins;
use crate::storage::posts::Post;
use crate::storage::users::User;

/// Most posts an author may pin (Mastodon shows as many).
pub const MAX_PINS: usize = 5;

/// Whether post `id` is pinned.
pub async fn is_pinned(app: &App, id: i64) -> Result<bool, PublishError> {
    Ok(pins::is_pinned(&app.db, id).await?)
}

/// Pins or unpins published post `id`, for its author or an editor.
pub async fn set_pinned(
    app: &App,
    actor: &User,
    id: i64,
    pinned: bool,
) -> Result<Post, PublishError> {
    let post = load(app, id).await?;
    if post.author.id != actor.id && !actor.role.can_edit_others() {
        return Err(PublishError::NotYours);
    }
    if post.status != PostStatus::Published {
        return Err(PublishError::NotPublished);
    }
    pin_post(app, &post, pinned).await?;
    Ok(post)
}

/// Pins or unpins `post` (a front matter's `pinned:` may pin a draft or a scheduled post:
/// it shows once published); a public post's followers hear of the change.
pub(super) async fn pin_post(app: &App, post: &Post, pinned: bool) -> Result<(), PublishError> {
    let changed = if pinned {
        check_room(app, post.author.id, Some(post.id)).await?;
        pins::pin(&app.db, post.id, time::now()).await?
    } else {
        pins::unpin(&app.db, post.id).await?
    };
    if changed && post.status == PostStatus::Published {
        report(outbox::post_pinned(app, post, pinned).await, post);
    }
    Ok(())
}

/// Refuses to pin another post for author `author_id` when five are pinned (`post`, if
/// given, may be one of them). Asked before a file's post is written, so that nothing is
/// written when its pin would be refused.
pub(super) async fn check_room(
    app: &App,
    author_id: i64,
    post: Option<i64>,
) -> Result<(), PublishError> {
    let pinned = pins::pinned_posts(&app.db, Some(author_id), MAX_PINS as i64 + 1).await?;
    if post.is_some_and(|id| pinned.contains(&id)) || pinned.len() < MAX_PINS {
        Ok(())
    } else {
        Err(PublishError::TooManyPins)
    }
}
