//! Webmention (W3C Recommendation), both ways. Received: the checks a request can be
//! answered with at once, then a queued row that a worker verifies (`verify`) into the same
//! comments and reactions fediverse replies use, under the same moderation and reply policy.
//! Sent: every change of a post queues a job that tells the pages it links to (`send`).

mod send;
mod verify;

use std::time::Duration;

use url::Url;

use crate::app::App;
use crate::domain::{PostStatus, time};
use crate::federation::client::ClientError;
use crate::storage::posts::{self, Post};
use crate::storage::{StorageError, webmentions};
use crate::urls;

pub use send::process_sends;
pub use verify::process_received;

/// How long a worker holds a claimed row; a row whose source could not be reached for a
/// passing reason is tried again once this has run out.
pub const LEASE: Duration = Duration::from_secs(60);
/// Tries of a source that fails for a passing reason (timeouts, 5xx) before it is refused.
pub const MAX_ATTEMPTS: i64 = 5;

#[derive(Debug, thiserror::Error)]
pub enum WebmentionError {
    /// The request cannot be accepted; the message says why (answered with 400).
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

fn invalid(reason: impl Into<String>) -> WebmentionError {
    WebmentionError::Invalid(reason.into())
}

/// Accepts the webmention `source` → `target` for verification, after the checks that need
/// no fetch: both are http(s) URLs, they differ, the target is a published post here, and
/// the source is an address we may fetch. Nothing is stored when a check fails.
pub async fn receive(app: &App, source: &str, target: &str) -> Result<(), WebmentionError> {
    let source = parse(source.trim(), "source")?;
    let target = parse(target.trim(), "target")?;
    if source == target {
        return Err(invalid("the source and the target are the same URL"));
    }
    let post = local_post(app, &target)
        .await?
        .ok_or_else(|| invalid("the target is not a post on this site"))?;
    app.fed.client.check_url(&source).map_err(|e| match e {
        ClientError::Refused(why) => invalid(format!("the source cannot be fetched: {why}")),
        other => invalid(format!("the source cannot be fetched: {other}")),
    })?;
    let id = webmentions::queue_received(
        &app.db,
        source.as_str(),
        target.as_str(),
        post.id,
        time::now(),
    )
    .await?;
    tracing::info!(id, %source, %target, "a webmention was queued");
    Ok(())
}

fn parse(raw: &str, name: &str) -> Result<Url, WebmentionError> {
    if raw.is_empty() {
        return Err(invalid(format!("the {name} is missing")));
    }
    let url = Url::parse(raw).map_err(|_| invalid(format!("the {name} is not a valid URL")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(format!(
            "the {name}'s scheme ({}) is not supported: only http and https",
            url.scheme()
        )));
    }
    if url.host().is_none() {
        return Err(invalid(format!("the {name} has no host")));
    }
    Ok(url)
}

/// The published post of this site at `url`, if it is one.
async fn local_post(app: &App, url: &Url) -> Result<Option<Post>, StorageError> {
    if !urls::is_local(&app.config, url) {
        return Ok(None);
    }
    let Some(slug) = urls::slug_from_url(&app.config.base_url, url.as_str()) else {
        return Ok(None);
    };
    Ok(posts::find_post_by_slug(&app.db, &slug)
        .await?
        .filter(|p| p.status == PostStatus::Published))
}

/// After post `post` changed (published, updated, unpublished or deleted): its links are
/// told in the background. A failure to queue is logged; the post is stored either way.
pub async fn post_changed(app: &App, post: &Post) {
    if let Err(e) = webmentions::queue_send(&app.db, post.id, time::now()).await {
        tracing::error!(slug = %post.slug, error = %e, "could not queue the post's webmentions");
    }
}

fn lease_end() -> chrono::DateTime<chrono::Utc> {
    time::now() + chrono::TimeDelta::seconds(LEASE.as_secs() as i64)
}
