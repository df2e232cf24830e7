//! The worker's side of sending: for a post that changed, tell each page it links to (and
//! each it no longer links to) through the endpoint that page advertises (§3.1).

use url::Url;

use super::{WebmentionError, lease_end};
use crate::app::App;
use crate::domain::webmention::{self, MAX_PAGE_BYTES};
use crate::domain::{PostStatus, time};
use crate::storage::posts;
use crate::storage::webmentions::{self, SendJob};
use crate::urls;

/// Handles every queued send job whose turn has come; gives how many webmentions were sent.
pub async fn process_sends(app: &App) -> Result<usize, WebmentionError> {
    let mut sent = 0;
    while let Some(job) = webmentions::claim_send(&app.db, time::now(), lease_end()).await? {
        match send_for(app, &job).await {
            Ok(n) => sent += n,
            Err(e) => {
                tracing::warn!(post = job.post_id, error = %e, "could not send a post's webmentions");
            }
        }
        webmentions::finish_send(&app.db, &job).await?;
    }
    Ok(sent)
}

/// Tells the links added or changed since the last time, and the links removed (or all of
/// them, for a post that is no longer public: its page now answers 410 or 404).
async fn send_for(app: &App, job: &SendJob) -> Result<usize, WebmentionError> {
    let post = posts::find_post_by_id(&app.db, job.post_id).await?;
    let source = app.config.url(&urls::post_path(post.slug.as_str()));
    let (links, version) = if post.status == PostStatus::Published {
        let text = format!("{}\n{}", post.title, post.content_html);
        (
            webmention::external_links(&post.content_html, &source),
            digest(&text),
        )
    } else {
        (Vec::new(), String::new())
    };
    let before = webmentions::list_sent(&app.db, post.id).await?;
    let mut count = 0;
    for link in &links {
        if before
            .iter()
            .any(|s| s.target == link.as_str() && s.content_hash == version)
        {
            continue;
        }
        let (endpoint, outcome) = send_one(app, &source, link).await;
        let endpoint = endpoint.map(String::from);
        webmentions::record_sent(
            &app.db,
            post.id,
            link.as_str(),
            &version,
            endpoint.as_deref(),
            &outcome,
            time::now(),
        )
        .await?;
        count += 1;
    }
    for gone in before
        .iter()
        .filter(|s| !links.iter().any(|l| l.as_str() == s.target))
    {
        if let Ok(target) = Url::parse(&gone.target) {
            send_one(app, &source, &target).await;
            count += 1;
        }
        webmentions::forget_sent(&app.db, post.id, &gone.target).await?;
    }
    Ok(count)
}

/// Discovers `target`'s endpoint and posts `source` and `target` to it; gives the endpoint
/// and what happened, for the record.
async fn send_one(app: &App, source: &Url, target: &Url) -> (Option<Url>, String) {
    let client = &app.fed.client;
    let page = match client.fetch_page(target, MAX_PAGE_BYTES).await {
        Ok(page) => page,
        Err(e) => return (None, format!("the target could not be fetched: {e}")),
    };
    let html = page.is_html().then(|| page.text());
    let Some(endpoint) = webmention::discover_endpoint(&page.links, html.as_deref(), &page.url)
    else {
        return (None, "the target has no webmention endpoint".into());
    };
    let fields = [("source", source.as_str()), ("target", target.as_str())];
    let outcome = match client.post_form(&endpoint, &fields).await {
        Ok(status) => format!("the endpoint answered {status}"),
        Err(e) => format!("the endpoint could not be reached: {e}"),
    };
    tracing::info!(%source, %target, %endpoint, outcome, "a webmention was sent");
    (Some(endpoint), outcome)
}

/// A short fingerprint of a post's version, hex.
fn digest(text: &str) -> String {
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, text.as_bytes());
    d.as_ref()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
