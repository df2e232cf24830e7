//! What `sitemap.xml` lists: the public pages of the site and when each last changed. Only
//! reads; every row comes from published posts, so that nothing private (drafts, scheduled
//! or deleted posts, submissions waiting for review) can appear.

use chrono::{DateTime, Utc};

use super::{Db, Result, with_db};
use crate::domain::{Slug, Tag, Username};

/// A published post: its address parts, tags and last change.
#[derive(Debug, Clone)]
pub struct PublishedPost {
    pub slug: Slug,
    pub author: Username,
    pub author_updated_at: DateTime<Utc>,
    pub tags: Vec<Tag>,
    pub updated_at: DateTime<Utc>,
    /// The slug of its series (empty: none).
    pub series_slug: String,
}

/// Every published post, newest first.
pub async fn published_posts(db: &Db) -> Result<Vec<PublishedPost>> {
    let sql = "SELECT p.slug, u.username, u.updated_at AS author_updated_at, p.tags, p.updated_at, \
               p.series_slug \
               FROM posts p JOIN users u ON u.id = p.author_id \
               WHERE p.status = 'published' ORDER BY p.published_at DESC, p.id DESC";
    let rows = with_db!(db, p => sqlx::query_as::<_, (String, String, DateTime<Utc>, String, DateTime<Utc>, String)>(sql).fetch_all(p).await)?;
    Ok(rows
        .into_iter()
        .map(
            |(slug, author, author_updated_at, tags, updated_at, series_slug)| PublishedPost {
                slug: Slug::from_stored(slug),
                author: Username::from_stored(author),
                author_updated_at,
                tags: Tag::split(&tags),
                updated_at,
                series_slug,
            },
        )
        .collect())
}
