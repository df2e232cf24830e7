//! The `posts` and `post_tags` tables.

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::changes::Change;
use super::media::Media;
use super::site::BUMP_GENERATION;
use super::{BeginWrite, Db, Result, StorageError, conflict_as, with_db};
use crate::domain::comments::ReplyPolicy;
use crate::domain::quotes::QuotePolicy;
use crate::domain::search;
use crate::domain::series::Series;
use crate::domain::{PostStatus, Slug, Tag, Username};

mod editor;
pub use editor::{EditorFilter, count_for_editor, list_for_editor};

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
    /// Set while a contributor's draft waits for an editor.
    pub review_requested_at: Option<DateTime<Utc>>,
    /// The cover image: the page's `og:image` and the Article's `image`.
    pub cover: Option<Cover>,
    /// Who may reply; `None` follows the site's default.
    pub reply_policy: Option<ReplyPolicy>,
    /// Who may quote; `None` follows the site's default.
    pub quote_policy: Option<QuotePolicy>,
    /// The series it is part of.
    pub series: Option<Series>,
}

#[derive(Debug, Clone)]
pub struct Cover {
    pub media: Media,
    /// The description written for this post's cover (may be empty).
    pub alt: String,
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
    review_requested_at: Option<DateTime<Utc>>,
    reply_policy: Option<String>,
    quote_policy: Option<String>,
    series: String,
    series_slug: String,
    cover_alt: String,
    cover_id: Option<i64>,
    cover_owner_id: Option<i64>,
    cover_stem: Option<String>,
    cover_mime: Option<String>,
    cover_width: Option<i64>,
    cover_height: Option<i64>,
    cover_variants: Option<String>,
    cover_media_alt: Option<String>,
    cover_created_at: Option<DateTime<Utc>>,
}

impl PostRow {
    fn cover(&mut self) -> Option<Cover> {
        let media = Media {
            id: self.cover_id?,
            owner_id: self.cover_owner_id,
            file_stem: self.cover_stem.take()?,
            mime: self.cover_mime.take()?,
            width: u32::try_from(self.cover_width?).ok()?,
            height: u32::try_from(self.cover_height?).ok()?,
            variants: super::media::split_widths(self.cover_variants.as_deref()?),
            alt: self.cover_media_alt.take().unwrap_or_default(),
            created_at: self.cover_created_at?,
        };
        Some(Cover {
            media,
            alt: std::mem::take(&mut self.cover_alt),
        })
    }
}

impl From<PostRow> for Post {
    fn from(mut r: PostRow) -> Post {
        let cover = r.cover();
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
            status: r
                .status
                .parse()
                .expect("the status column is constrained to known statuses"),
            published_at: r.published_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
            deleted_at: r.deleted_at,
            review_requested_at: r.review_requested_at,
            reply_policy: r.reply_policy.as_deref().and_then(|p| p.parse().ok()),
            quote_policy: r.quote_policy.as_deref().and_then(|p| p.parse().ok()),
            series: Series::from_stored(r.series, r.series_slug),
            cover,
        }
    }
}

const SELECT: &str = "SELECT p.id, p.author_id, p.slug, p.title, p.summary, p.markdown, p.content_html, \
    p.tags, p.status, p.published_at, p.created_at, p.updated_at, p.deleted_at, \
    u.username, u.display_name, u.fediverse_creator, p.review_requested_at, p.reply_policy, p.quote_policy, p.series, p.series_slug, p.cover_alt, \
    m.id AS cover_id, m.owner_id AS cover_owner_id, m.file_stem AS cover_stem, m.mime AS cover_mime, \
    m.width AS cover_width, m.height AS cover_height, m.variants AS cover_variants, \
    m.alt AS cover_media_alt, m.created_at AS cover_created_at \
    FROM posts p JOIN users u ON u.id = p.author_id LEFT JOIN media m ON m.id = p.cover_media_id";

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
    /// By a tag's [`key`](Tag::key).
    ByTag(&'a str),
    /// A series, by its slug.
    BySeries(&'a str),
}

impl Listing<'_> {
    fn filter(&self) -> (&'static str, &'static str) {
        match self {
            Listing::All => ("", ""),
            Listing::ByAuthor(_) => ("", " AND p.author_id = $3"),
            Listing::ByTag(_) => (" JOIN post_tags t ON t.post_id = p.id", " AND t.tag = $3"),
            Listing::BySeries(_) => ("", " AND p.series_slug = $3"),
        }
    }
}

/// Published posts, newest first.
pub async fn list_published(
    db: &Db,
    listing: Listing<'_>,
    limit: i64,
    offset: i64,
) -> Result<Vec<Post>> {
    let (join, filter) = listing.filter();
    let sql = format!(
        "{SELECT}{join} WHERE p.status = 'published'{filter} ORDER BY p.published_at DESC, p.id DESC LIMIT $1 OFFSET $2"
    );
    let rows = with_db!(db, p => {
        let q = sqlx::query_as::<_, PostRow>(sqlx::AssertSqlSafe(sql.as_str())).bind(limit).bind(offset);
        let q = match listing {
            Listing::All => q,
            Listing::ByAuthor(id) => q.bind(id),
            Listing::ByTag(tag) | Listing::BySeries(tag) => q.bind(tag),
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
            Listing::ByTag(tag) | Listing::BySeries(tag) => q.bind(tag),
        };
        q.fetch_one(p).await
    })?;
    Ok(n)
}

/// Marks a post's conversation changed: `$1` the time, `$2` the post id. A row of its own,
/// so that a reaction does not rewrite the post's whole row.
pub(super) const TOUCH_CONVERSATION: &str = "INSERT INTO post_conversations (post_id, changed_at) \
     VALUES ($2, $1) ON CONFLICT (post_id) DO UPDATE SET changed_at = excluded.changed_at";

/// Marks changed the conversations of the posts that actors (the `IN` list `actors`, its first
/// parameter `$1`) commented on or reacted to; `$2` is the time.
pub(super) fn touch_conversations_of(actors: &str) -> String {
    format!(
        "INSERT INTO post_conversations (post_id, changed_at) \
         SELECT post_id, $2 FROM (SELECT post_id FROM comments WHERE remote_actor_id IN ({actors}) \
         UNION SELECT post_id FROM reactions WHERE remote_actor_id IN ({actors})) touched WHERE true \
         ON CONFLICT (post_id) DO UPDATE SET changed_at = excluded.changed_at"
    )
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
    pub cover_media_id: Option<i64>,
    /// The description written for this post's cover (may be empty).
    pub cover_alt: &'a str,
    /// Set while a contributor's draft waits for an editor.
    pub review_requested_at: Option<DateTime<Utc>>,
    /// Who may reply; `None` follows the site's default.
    pub reply_policy: Option<ReplyPolicy>,
    /// Who may quote; `None` follows the site's default.
    pub quote_policy: Option<QuotePolicy>,
    pub series: Option<&'a Series>,
}

/// The posts sharing a series with post `$1` (itself included), or in series `$2`: their
/// "Part N of M" changes with it.
const SERIES_SIBLINGS: &str = "SELECT id FROM posts WHERE series_slug <> '' AND \
    (series_slug = $2 OR series_slug = (SELECT series_slug FROM posts WHERE id = $1))";

/// Inserts (`id` of `None`) or replaces a post: text, slug, tags, status, cover, review state
/// and reply policy, in one transaction. A slug in use is `Conflict`. The one writer of a
/// post's content (status changes of many posts at once are [`publish_due`] and
/// [`mark_post_deleted`]); a deleted post saved again is no longer deleted.
pub async fn save_post(db: &Db, id: Option<i64>, w: &PostWrite<'_>) -> Result<Post> {
    let insert = "INSERT INTO posts (author_id, slug, title, summary, markdown, content_html, tags, status, \
                  published_at, created_at, updated_at, cover_media_id, cover_alt, review_requested_at, reply_policy, quote_policy, \
                  series, series_slug) \
                  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id";
    let update = "UPDATE posts SET author_id = $1, slug = $2, title = $3, summary = $4, markdown = $5, \
                  content_html = $6, tags = $7, status = $8, published_at = $9, updated_at = $10, \
                  cover_media_id = $11, cover_alt = $12, review_requested_at = $13, reply_policy = $14, \
                  quote_policy = $15, series = $16, series_slug = $17, deleted_at = NULL WHERE id = $18 RETURNING id";
    let (series, series_slug) = w
        .series
        .map_or(("", ""), |s| (s.name.as_str(), s.slug.as_str()));
    let ix = super::search::sql(db);
    let indexed = (
        search::index_text(w.title),
        search::index_text(w.summary),
        search::body_text(w.content_html),
        search::index_text(&Tag::join(w.tags)),
    );
    let id = with_db!(db, p => async {
        let mut tx = p.begin_write().await?;
        // Before the write: the series the post leaves, and the one it joins.
        let mut touched: Vec<i64> = sqlx::query_scalar(SERIES_SIBLINGS)
            .bind(id.unwrap_or(0)).bind(series_slug).fetch_all(&mut *tx).await?;
        let q = sqlx::query_scalar::<_, i64>(if id.is_some() { update } else { insert })
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
            .bind(w.cover_media_id)
            .bind(w.cover_alt)
            .bind(w.review_requested_at)
            .bind(w.reply_policy.map(ReplyPolicy::as_str))
            .bind(w.quote_policy.map(QuotePolicy::as_str))
            .bind(series)
            .bind(series_slug);
        let q = match id {
            Some(id) => q.bind(id),
            None => q,
        };
        let id = q.fetch_one(&mut *tx).await?;
        sqlx::query("DELETE FROM post_tags WHERE post_id = $1").bind(id).execute(&mut *tx).await?;
        for tag in w.tags {
            // Matched by key: `release-notes` and `ReleaseNotes` are one tag.
            sqlx::query("INSERT INTO post_tags (post_id, tag) VALUES ($1, $2)")
                .bind(id).bind(tag.key()).execute(&mut *tx).await?;
        }
        sqlx::query(ix.remove).bind(id).execute(&mut *tx).await?;
        sqlx::query(ix.insert)
            .bind(id)
            .bind(&indexed.0)
            .bind(&indexed.1)
            .bind(&indexed.2)
            .bind(&indexed.3)
            .bind(w.author_id)
            .execute(&mut *tx)
            .await?;
        touched.retain(|t| *t != id);
        touched.insert(0, id);
        sqlx::query_scalar::<_, i64>(BUMP_GENERATION).bind(Change::Posts(touched).encode()).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok::<_, sqlx::Error>(id)
    }
    .await)
    .map_err(conflict_as("a post with that slug"))?;
    find_post_by_id(db, id).await
}

/// Turns a post into a tombstone: its slug stays taken and its URL answers 410.
pub async fn mark_post_deleted(db: &Db, id: i64, now: DateTime<Utc>) -> Result<()> {
    let ix = super::search::sql(db);
    with_db!(db, p => {
        let mut tx = p.begin_write().await?;
        let mut touched: Vec<i64> = sqlx::query_scalar(SERIES_SIBLINGS).bind(id).bind("").fetch_all(&mut *tx).await?;
        touched.retain(|t| *t != id);
        touched.insert(0, id);
        sqlx::query("UPDATE posts SET status = 'deleted', deleted_at = $1, updated_at = $1 WHERE id = $2")
            .bind(now).bind(id).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM post_tags WHERE post_id = $1").bind(id).execute(&mut *tx).await?;
        sqlx::query(ix.remove).bind(id).execute(&mut *tx).await?;
        sqlx::query_scalar::<_, i64>(BUMP_GENERATION).bind(Change::Posts(touched).encode()).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok::<_, sqlx::Error>(())
    })?;
    Ok(())
}

/// Publishes scheduled posts whose time has come; returns them.
pub async fn publish_due(db: &Db, now: DateTime<Utc>) -> Result<Vec<Post>> {
    let ids: Vec<i64> = with_db!(db, p => {
        let mut tx = p.begin_write().await?;
        let ids: Vec<i64> = sqlx::query_scalar(
            "UPDATE posts SET status = 'published' WHERE status = 'scheduled' AND published_at <= $1 RETURNING id",
        )
        .bind(now)
        .fetch_all(&mut *tx)
        .await?;
        if !ids.is_empty() {
            let mut touched = ids.clone();
            for id in &ids {
                let siblings: Vec<i64> = sqlx::query_scalar(SERIES_SIBLINGS).bind(id).bind("").fetch_all(&mut *tx).await?;
                let new: Vec<i64> = siblings.into_iter().filter(|s| !touched.contains(s)).collect();
                touched.extend(new);
            }
            sqlx::query_scalar::<_, i64>(BUMP_GENERATION).bind(Change::Posts(touched).encode()).fetch_one(&mut *tx).await?;
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

/// The posts with these ids (in no particular order; ids not found are left out).
pub async fn find_posts_by_ids(db: &Db, ids: &[i64]) -> Result<Vec<Post>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!("{SELECT} WHERE p.id IN ({})", list.join(", "));
    let rows = with_db!(db, p => {
        let mut q = sqlx::query_as::<_, PostRow>(sqlx::AssertSqlSafe(sql.as_str()));
        for id in ids {
            q = q.bind(*id);
        }
        q.fetch_all(p).await
    })?;
    Ok(rows.into_iter().map(Post::from).collect())
}

/// Every post that is not deleted, drafts and scheduled ones too, oldest first (for export).
pub async fn list_all_posts(db: &Db) -> Result<Vec<Post>> {
    let sql = format!("{SELECT} WHERE p.status <> 'deleted' ORDER BY p.id");
    let rows = with_db!(db, p => sqlx::query_as::<_, PostRow>(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(p).await)?;
    Ok(rows.into_iter().map(Post::from).collect())
}

/// When the newest published post (of a listing) last changed, for `Last-Modified`.
pub async fn last_change(db: &Db) -> Result<Option<DateTime<Utc>>> {
    let sql = "SELECT MAX(updated_at) FROM posts";
    Ok(with_db!(db, p => sqlx::query_scalar::<_, Option<DateTime<Utc>>>(sql).fetch_one(p).await)?)
}

/// Sends a draft waiting for review back to its author with `note`: it is no longer in
/// review. Gives whether there was such a draft.
pub async fn send_back_post(db: &Db, id: i64, note: &str, now: DateTime<Utc>) -> Result<bool> {
    let sql = "UPDATE posts SET review_requested_at = NULL, review_note = $1, updated_at = $2 \
               WHERE id = $3 AND status = 'draft' AND review_requested_at IS NOT NULL";
    let n = with_db!(db, p => sqlx::query(sql).bind(note).bind(now).bind(id).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// The note an editor sent post `id` back with, while its author has not submitted it again
/// (empty when there is none).
pub async fn find_review_note(db: &Db, id: i64) -> Result<String> {
    let sql = "SELECT review_note FROM posts WHERE id = $1";
    let note =
        with_db!(db, p => sqlx::query_scalar::<_, String>(sql).bind(id).fetch_optional(p).await)?;
    Ok(note.unwrap_or_default())
}

/// Clears the note of post `id` (it was submitted again).
pub async fn clear_review_note(db: &Db, id: i64) -> Result<()> {
    let sql = "UPDATE posts SET review_note = '' WHERE id = $1 AND review_note <> ''";
    with_db!(db, p => sqlx::query(sql).bind(id).execute(p).await.map(|_| ()))?;
    Ok(())
}

/// Posts (deleted ones aside) whose stored HTML contains `fragment`, oldest first.
pub async fn ids_with_html_containing(db: &Db, fragment: &str) -> Result<Vec<i64>> {
    let sql = "SELECT id FROM posts WHERE status <> 'deleted' AND content_html LIKE $1 ORDER BY id";
    let pattern = format!("%{fragment}%");
    Ok(with_db!(db, p => sqlx::query_scalar::<_, i64>(sql).bind(&pattern).fetch_all(p).await)?)
}

/// Stores HTML rendered again from the unchanged text of post `id` (the renderer changed):
/// its pages move on; its dates, and what followers were sent, do not.
pub async fn replace_post_html(db: &Db, id: i64, content_html: &str) -> Result<()> {
    with_db!(db, p => {
        let mut tx = p.begin_write().await?;
        sqlx::query("UPDATE posts SET content_html = $1 WHERE id = $2")
            .bind(content_html).bind(id).execute(&mut *tx).await?;
        sqlx::query_scalar::<_, i64>(BUMP_GENERATION).bind(Change::post(id).encode()).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok::<_, sqlx::Error>(())
    })?;
    Ok(())
}
