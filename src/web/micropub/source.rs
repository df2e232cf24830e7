//! A stored post as Micropub sees it: found by its URL, and its properties as mf2 JSON
//! (content as its Markdown), which `q=source` answers and an update starts from.

use serde_json::{Value, json};

use super::errors::MicropubError;
use crate::app::App;
use crate::domain::PostStatus;
use crate::domain::micropub::Properties;
use crate::storage::posts::{self, Post};
use crate::urls::{post_path, slug_from_url};

/// The post at `url` (deleted ones too: their URL still names them). A URL that names no
/// post of this site is `invalid_request` (§3.7.3).
pub async fn find(app: &App, url: &str) -> Result<Post, MicropubError> {
    let unknown = || MicropubError::invalid_request(format!("there is no post at {url}"));
    let slug = slug_from_url(&app.config.base_url, url).ok_or_else(unknown)?;
    posts::find_post_by_slug(&app.db, &slug)
        .await?
        .ok_or_else(unknown)
}

/// [`find`], refusing a deleted post.
pub async fn find_live(app: &App, url: &str) -> Result<Post, MicropubError> {
    let post = find(app, url).await?;
    if post.status == PostStatus::Deleted {
        return Err(MicropubError::invalid_request(format!(
            "the post at {url} was deleted"
        )));
    }
    Ok(post)
}

/// The post's public URL (a draft's future one).
pub fn url_of(app: &App, post: &Post) -> String {
    app.config.url(&post_path(post.slug.as_str())).to_string()
}

/// The post's properties, as a client would send them to make it again.
pub fn properties(post: &Post) -> Properties {
    let mut p = Properties::new();
    p.insert("name".into(), json!([post.title]));
    p.insert("content".into(), json!([post.markdown]));
    p.insert("summary".into(), json!([post.summary]));
    if !post.tags.is_empty() {
        let tags: Vec<String> = post.tags.iter().map(ToString::to_string).collect();
        p.insert("category".into(), json!(tags));
    }
    if let Some(at) = post.published_at {
        p.insert("published".into(), json!([at.to_rfc3339()]));
    }
    let status = match post.status {
        PostStatus::Published | PostStatus::Scheduled => "published",
        PostStatus::Draft | PostStatus::Deleted => "draft",
    };
    p.insert("post-status".into(), Value::Array(vec![status.into()]));
    p
}
