//! The `posts` and `post_tags` tables.

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::site::BUMP_GENERATION;
use super::{Db, Result, StorageError, conflict_as, with_db};
use crate::domain::{PostStatus, Slug, Tag, Username};

/// A post with the author fields every page needs.
#[derive(Debug, Clone)]
pub struct Post {
    pub id: i64,
    pub author: Author,
    pub slug: Slug,
    pub title: String,
    pub summary: String,
    pub markdown: String,
    pub content_html: String,
    pub tags: Vec<Tag>,
    pub status: PostStatus,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct Author {
    pub id: i64,
    pub username: Username,
    pub display_name: String,
    pub fediverse_creator: Option<String>,
}

#[derive(FromRow)]
struct PostRow {
    id: i64,
    author_id: i64,
    slug: String,
    title: String,
    summary: String,
    markdown: String,
    content_html: String,
    tags: String,
    status: String,
    published_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    deleted_at: Option<DateTime<Utc>>,
    username: String,
    display_name: String,
    fediverse_creator: Option<String>,
}

impl From<PostRow> for Post {
    fn from(r: PostRow) -> Post {
        Post {
            id: r.id,
            author: Author {
                id: r.author_id,
                username: Username::from_stored(r.username),
                display_name: r.display_name,
                fediverse_creator: r.fediverse_creator,
            },
            slug: Slug::from_stored(r.slug),
            title: r.title,
            summary: r.summary,
            markdown: r.markdown,
            content_html: r.content_html,
            tags: Tag::split(&r.tags),
            status: r.status.parse().expect("the status column is constrained to known statuses"),
            published_at: r.published_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
            deleted_at: r.deleted_at,
        }
    }
}

const SELECT: &str = "SELECT p.id, p.author_id, p.slug, p.title, p.summary, p.markdown, p.content_html, \
    p.tags, p.status, p.published_at, p.created_at, p.updated_at, p.deleted_at, \
    u.username, u.display_name, u.fediverse_creator \
    FROM posts p JOIN users u ON u.id = p.author_id";

pub async fn find_post_by_slug(db: &Db, slug: &str) -> Result<Option<Post>> {
    let sql = format!("{SELECT} WHERE p.slug = $1");
    let row = with_db!(db, p => sqlx::query_as::<_, PostRow>(sqlx::AssertSqlSafe(sql.as_str())).bind(slug).fetch_optional(p).await)?;
    Ok(row.map(Post::from))
}

/// Which published posts a listing shows.
#[derive(Debug, Clone, Copy)]
pub enum Listing<'a> {
    All,
    ByAuthor(i64),
    ByTag(&'a str),
}

impl Listing<'_> {
    fn filter(&self) -> (&'static str, &'static str) {
        match self {
            Listing::All => ("", ""),
            Listing::ByAuthor(_) => ("", " AND p.author_id = $3"),
            Listing::ByTag(_) => (" JOIN post_tags t ON t.post_id = p.id", " AND t.tag = $3"),
        }
    }
}

/// Published posts, newest first.
pub async fn list_published(db: &Db, listing: Listing<'_>, limit: i64, offset: i64) -> Result<Vec<Post>> {
    let (join, filter) = listing.filter();
    let sql = format!(
        "{SELECT}{join} WHERE p.status = 'published'{filter} ORDER BY p.published_at DESC, p.id DESC LIMIT $1 OFFSET $2"
    );
    let rows = with_db!(db, p => {
        let q = sqlx::query_as::<_, PostRow>(sqlx::AssertSqlSafe(sql.as_str())).bind(limit).bind(offset);
        let q = match listing {
            Listing::All => q,
            Listing::ByAuthor(id) => q.bind(id),
            Listing::ByTag(tag) => q.bind(tag),
        };
        q.fetch_all(p).await
    })?;
    Ok(rows.into_iter().map(Post::from).collect())
}

pub async fn count_published(db: &Db, listing: Listing<'_>) -> Result<i64> {
    let (join, filter) = listing.filter();
    // `$1` and `$2` are the paging parameters of `list_published`; keep the numbering.
    let filter = filter.replace("$3", "$1");
    let sql = format!("SELECT COUNT(*) FROM posts p{join} WHERE p.status = 'published'{filter}");
    let n = with_db!(db, p => {
        let q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.as_str()));
        let q = match listing {
            Listing::All => q,
            Listing::ByAuthor(id) => q.bind(id),
            Listing::ByTag(tag) => q.bind(tag),
        };
        q.fetch_one(p).await
    })?;
    Ok(n)
}

/// Everything stored about a post when it is written.
pub struct PostWrite<'a> {
    pub author_id: i64,
    pub slug: &'a Slug,
    pub title: &'a str,
    pub summary: &'a str,
    pub markdown: &'a str,
    pub content_html: &'a str,
    pub tags: &'a [Tag],
    pub status: PostStatus,
    pub published_at: Option<DateTime<Utc>>,
    pub now: DateTime<Utc>,
}

/// Inserts a new post with its tags, in one transaction.
pub async fn insert_post(db: &Db, w: &PostWrite<'_>) -> Result<Post> {
    let insert = "INSERT INTO posts (author_id, slug, title, summary, markdown, content_html, tags, status, \
                  published_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id";
    // The async block keeps `?` inside, so that a duplicate slug reaches `conflict_as`.
    let id = with_db!(db, p => async {
        let mut tx = p.begin().await?;
        let id: i64 = sqlx::query_scalar(insert)
            .bind(w.author_id)
            .bind(w.slug.as_str())
            .bind(w.title)
            .bind(w.summary)
            .bind(w.markdown)
            .bind(w.content_html)
            .bind(Tag::join(w.tags))
            .bind(w.status.as_str())
            .bind(w.published_at)
            .bind(w.now)
            .fetch_one(&mut *tx)
            .await?;
        for tag in w.tags {
            sqlx::query("INSERT INTO post_tags (post_id, tag) VALUES ($1, $2)")
                .bind(id).bind(tag.as_str()).execute(&mut *tx).await?;
        }
        sqlx::query_scalar::<_, i64>(BUMP_GENERATION).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok::<_, sqlx::Error>(id)
    }
    .await)
    .map_err(conflict_as("a post with that slug"))?;
    find_post_by_id(db, id).await
}

/// Replaces the content of post `id`, its tags and status, in one transaction.
pub async fn update_post(db: &Db, id: i64, w: &PostWrite<'_>) -> Result<Post> {
    let update = "UPDATE posts SET title = $1, summary = $2, markdown = $3, content_html = $4, tags = $5, \
                  status = $6, published_at = $7, updated_at = $8 WHERE id = $9";
    with_db!(db, p => {
        let mut tx = p.begin().await?;
        sqlx::query(update)
            .bind(w.title)
            .bind(w.summary)
            .bind(w.markdown)
            .bind(w.content_html)
            .bind(Tag::join(w.tags))
            .bind(w.status.as_str())
            .bind(w.published_at)
            .bind(w.now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM post_tags WHERE post_id = $1").bind(id).execute(&mut *tx).await?;
        for tag in w.tags {
            sqlx::query("INSERT INTO post_tags (post_id, tag) VALUES ($1, $2)")
                .bind(id).bind(tag.as_str()).execute(&mut *tx).await?;
        }
        sqlx::query_scalar::<_, i64>(BUMP_GENERATION).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok::<_, sqlx::Error>(())
    })?;
    find_post_by_id(db, id).await
}

/// Turns a post into a tombstone: its slug stays taken and its URL answers 410.
pub async fn mark_post_deleted(db: &Db, id: i64, now: DateTime<Utc>) -> Result<()> {
    with_db!(db, p => {
        let mut tx = p.begin().await?;
        sqlx::query("UPDATE posts SET status = 'deleted', deleted_at = $1, updated_at = $1 WHERE id = $2")
            .bind(now).bind(id).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM post_tags WHERE post_id = $1").bind(id).execute(&mut *tx).await?;
        sqlx::query_scalar::<_, i64>(BUMP_GENERATION).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok::<_, sqlx::Error>(())
    })?;
    Ok(())
}

/// Publishes scheduled posts whose time has come; returns them.
pub async fn publish_due(db: &Db, now: DateTime<Utc>) -> Result<Vec<Post>> {
    let ids: Vec<i64> = with_db!(db, p => {
        let mut tx = p.begin().await?;
        let ids: Vec<i64> = sqlx::query_scalar(
            "UPDATE posts SET status = 'published' WHERE status = 'scheduled' AND published_at <= $1 RETURNING id",
        )
        .bind(now)
        .fetch_all(&mut *tx)
        .await?;
        if !ids.is_empty() {
            sqlx::query_scalar::<_, i64>(BUMP_GENERATION).fetch_one(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok::<_, sqlx::Error>(ids)
    })?;
    let mut posts = Vec::with_capacity(ids.len());
    for id in ids {
        posts.push(find_post_by_id(db, id).await?);
    }
    Ok(posts)
}

pub async fn find_post_by_id(db: &Db, id: i64) -> Result<Post> {
    let sql = format!("{SELECT} WHERE p.id = $1");
    let row = with_db!(db, p => sqlx::query_as::<_, PostRow>(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(p).await)?;
    row.map(Post::from).ok_or(StorageError::NotFound)
}

/// When the newest published post (of a listing) last changed, for `Last-Modified`.
pub async fn last_change(db: &Db) -> Result<Option<DateTime<Utc>>> {
    let sql = "SELECT MAX(updated_at) FROM posts";
    Ok(with_db!(db, p => sqlx::query_scalar::<_, Option<DateTime<Utc>>>(sql).fetch_one(p).await)?)
}
