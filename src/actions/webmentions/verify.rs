//! The worker's side of receiving: fetch the source through the SSRF-safe client, check that
//! it links to the target, read its h-entry, and keep, update or remove the comment or
//! reaction it makes, with the reply policy and blocks fediverse replies meet.

use url::Url;

use super::{MAX_ATTEMPTS, WebmentionError, lease_end};
use crate::app::App;
use crate::domain::comments::{self as rules, Admission, CommentState, Visibility};
use crate::domain::webmention::{self, Entry, Kind, MAX_PAGE_BYTES};
use crate::domain::{PostStatus, time};
use crate::federation::avatars;
use crate::federation::client::ClientError;
use crate::storage::blocks;
use crate::storage::comments::{self, NewComment};
use crate::storage::posts::{self, Post};
use crate::storage::reactions::ReactionKind;
use crate::storage::webmentions::{self, Received, WebAuthor};

/// What became of one webmention.
enum Outcome {
    Accepted(Kind),
    Rejected(String),
    Removed(String),
    /// A passing failure: tried again when the lease runs out.
    Retry(String),
}

/// Verifies every queued webmention whose turn has come; gives how many were handled.
pub async fn process_received(app: &App) -> Result<usize, WebmentionError> {
    let mut handled = 0;
    while let Some(m) = webmentions::claim_received(&app.db, time::now(), lease_end()).await? {
        let outcome = verify(app, &m).await?;
        let (status, kind, reason) = match outcome {
            Outcome::Accepted(kind) => ("accepted", Some(kind.as_str()), String::new()),
            Outcome::Rejected(reason) => ("rejected", None, reason),
            Outcome::Removed(reason) => ("removed", None, reason),
            Outcome::Retry(reason) if m.attempts < MAX_ATTEMPTS => ("queued", None, reason),
            Outcome::Retry(reason) => ("rejected", None, reason),
        };
        tracing::info!(source = %m.source, target = %m.target, status, reason, "a webmention was verified");
        webmentions::finish_received(&app.db, m.id, status, kind, &reason, time::now()).await?;
        handled += 1;
    }
    Ok(handled)
}

async fn verify(app: &App, m: &Received) -> Result<Outcome, WebmentionError> {
    let (Ok(source), Ok(target)) = (Url::parse(&m.source), Url::parse(&m.target)) else {
        return Ok(Outcome::Rejected(
            "the source or target is not a valid URL".into(),
        ));
    };
    let post = posts::find_post_by_id(&app.db, m.post_id).await?;
    if post.status != PostStatus::Published {
        return Ok(Outcome::Rejected(
            "the target is not a published post".into(),
        ));
    }
    let page = match app.fed.client.fetch_page(&source, MAX_PAGE_BYTES).await {
        Ok(page) => page,
        Err(ClientError::Status(410)) => {
            forget(app, m, &post).await?;
            return Ok(Outcome::Removed("the source answered 410 Gone".into()));
        }
        Err(e) if e.is_transient() => {
            return Ok(Outcome::Retry(format!(
                "the source could not be fetched: {e}"
            )));
        }
        Err(e) => {
            return Ok(Outcome::Rejected(format!(
                "the source could not be fetched: {e}"
            )));
        }
    };
    if !page.is_html() {
        forget(app, m, &post).await?;
        return Ok(Outcome::Rejected(format!(
            "the source is not an HTML page ({})",
            page.content_type
        )));
    }
    let html = page.text();
    if !webmention::links_to(&html, &page.url, &target) {
        forget(app, m, &post).await?;
        return Ok(Outcome::Rejected(
            "the source does not link to the target".into(),
        ));
    }
    let domain = source.host_str().unwrap_or_default().to_owned();
    if blocks::is_blocked(&app.db, source.as_str(), &domain).await? {
        forget(app, m, &post).await?;
        return Ok(Outcome::Rejected(
            "the source's site is blocked here".into(),
        ));
    }
    let entry = webmention::read_entry(&html, &page.url, &target);
    let origin = source.origin().ascii_serialization();
    let uri = entry.author.url.clone().unwrap_or(origin);
    let author = WebAuthor {
        uri: &uri,
        domain: &domain,
        name: &entry.author.name,
        url: entry.author.url.as_deref(),
        photo: entry.author.photo.as_deref(),
    };
    let actor = webmentions::upsert_web_author(&app.db, &author, time::now()).await?;
    if entry.author.photo.is_some() {
        avatars::ensure(app, actor);
    }
    // A page that changed its kind (a reply became a like) leaves nothing of the old one.
    if m.kind.as_deref().is_some_and(|k| k != entry.kind.as_str()) {
        forget(app, m, &post).await?;
    }
    let outcome = if entry.kind.is_comment() {
        keep_comment(app, m, &post, &entry, actor, &uri, &domain).await?
    } else {
        let kind = match entry.kind {
            Kind::Like => ReactionKind::Like,
            _ => ReactionKind::Announce,
        };
        webmentions::add_web_reaction(&app.db, post.id, actor, kind, &m.source, time::now())
            .await?;
        Outcome::Accepted(entry.kind)
    };
    app.content_changed().await;
    Ok(outcome)
}

/// Stores the source's reply, bookmark or mention as a comment, or updates the one stored.
async fn keep_comment(
    app: &App,
    m: &Received,
    post: &Post,
    entry: &Entry,
    actor: i64,
    author_uri: &str,
    domain: &str,
) -> Result<Outcome, WebmentionError> {
    let content = match (entry.kind, entry.content_html.is_empty()) {
        (Kind::Bookmark, true) => "<p>Bookmarked this post.</p>".to_owned(),
        (Kind::Bookmark, false) => format!("<p>Bookmarked this post:</p>{}", entry.content_html),
        (_, true) => "<p>Mentioned this post.</p>".to_owned(),
        (_, false) => entry.content_html.clone(),
    };
    let now = time::now();
    if let Some(existing) = comments::find_comment_by_uri(&app.db, &m.source).await? {
        if existing.deleted {
            return Ok(Outcome::Rejected(
                "a comment from this source was deleted here".into(),
            ));
        }
        if existing.content_html != content {
            comments::update_comment_content(
                &app.db,
                &m.source,
                existing.author.remote_actor_id,
                &content,
                now,
                now,
            )
            .await?;
        }
        return Ok(Outcome::Accepted(entry.kind));
    }
    let policy = comments::effective_reply_policy(&app.db, post.id).await?;
    let state = match rules::admit(policy, Visibility::Public, false) {
        Admission::Refuse => {
            return Ok(Outcome::Rejected("the post is closed to replies".into()));
        }
        Admission::Store(_) if blocks::is_blocked(&app.db, author_uri, domain).await? => {
            CommentState::Hidden
        }
        Admission::Store(state) => state,
    };
    let new = NewComment {
        post_id: post.id,
        uri: &m.source,
        in_reply_to: &m.target,
        parent_id: None,
        remote_actor_id: actor,
        url: Some(&m.source),
        content_html: &content,
        visibility: Visibility::Public,
        state,
        published: entry.published.unwrap_or(now),
        updated: entry.updated,
    };
    comments::insert_comment(&app.db, &new, now).await?;
    Ok(Outcome::Accepted(entry.kind))
}

/// Removes what an earlier version of the source made: its comment and its reactions.
async fn forget(app: &App, m: &Received, post: &Post) -> Result<(), WebmentionError> {
    let now = time::now();
    let mut changed = webmentions::remove_web_reactions(&app.db, post.id, &m.source, now).await?;
    if let Some(c) = comments::find_comment_by_uri(&app.db, &m.source).await?
        && !c.deleted
        && c.post_id == post.id
        && c.in_reply_to == m.target
    {
        changed |= comments::delete_comment(&app.db, c.id, now).await?;
    }
    if changed {
        app.content_changed().await;
    }
    Ok(())
}
