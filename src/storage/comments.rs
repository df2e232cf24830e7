//! The `comments` table (replies in a post's thread, with their moderation state) and the
//! reply policies on `posts` and `site`. Every change that a page could show moves the content
//! generation and the post's conversation time (`post_conversations`) in the same transaction.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::avatars::{PROFILE_COLUMNS, Profile};
use super::changes::Change;
use super::posts::{TOUCH_CONVERSATION, touch_conversations_of};
use super::reactions::delete_reactions_of;
use super::site::BUMP_GENERATION;
use super::{BeginWrite, Db, Result, StorageError, with_db};
use crate::domain::comments::{CommentState, ReplyPolicy, Visibility};

#[derive(Debug, Clone)]
pub struct Comment {
    pub id: i64,
    pub post_id: i64,
    /// The ActivityPub id of the reply.
    pub uri: String,
    /// What it answers: the post's id or another comment's.
    pub in_reply_to: String,
    pub parent_id: Option<i64>,
    /// Where the reply can be read on its own server.
    pub url: Option<String>,
    /// Sanitized HTML.
    pub content_html: String,
    pub visibility: Visibility,
    pub state: CommentState,
    pub published: DateTime<Utc>,
    pub updated: Option<DateTime<Utc>>,
    pub received_at: DateTime<Utc>,
    pub deleted: bool,
    pub author: Profile,
}

#[derive(FromRow)]
struct CommentRow {
    id: i64,
    post_id: i64,
    comment_uri: String,
    in_reply_to: String,
    parent_id: Option<i64>,
    comment_url: Option<String>,
    content_html: String,
    visibility: String,
    state: String,
    published: DateTime<Utc>,
    updated: Option<DateTime<Utc>>,
    received_at: DateTime<Utc>,
    deleted_at: Option<DateTime<Utc>>,
    #[sqlx(flatten)]
    author: Profile,
}

impl From<CommentRow> for Comment {
    fn from(r: CommentRow) -> Comment {
        Comment {
            id: r.id,
            post_id: r.post_id,
            uri: r.comment_uri,
            in_reply_to: r.in_reply_to,
            parent_id: r.parent_id,
            url: r.comment_url,
            content_html: r.content_html,
            visibility: Visibility::from_stored(&r.visibility),
            state: CommentState::from_stored(&r.state),
            published: r.published,
            updated: r.updated,
            received_at: r.received_at,
            deleted: r.deleted_at.is_some(),
            author: r.author,
        }
    }
}

fn select() -> String {
    format!(
        "SELECT c.id, c.post_id, c.uri AS comment_uri, c.in_reply_to, c.parent_id, c.url AS comment_url, \
         c.content_html, c.visibility, c.state, c.published, c.updated, c.received_at, c.deleted_at, {PROFILE_COLUMNS} \
         FROM comments c JOIN remote_actors r ON r.id = c.remote_actor_id"
    )
}

async fn query(db: &Db, filter: &str, bind: impl FnOnce(Binds) -> Binds) -> Result<Vec<Comment>> {
    let sql = format!("{} {filter}", select());
    let binds = bind(Binds::default());
    let rows = with_db!(db, p => {
        let mut q = sqlx::query_as::<_, CommentRow>(sqlx::AssertSqlSafe(sql.as_str()));
        for b in &binds.0 {
            q = match b {
                Bind::Int(i) => q.bind(*i),
                Bind::Text(t) => q.bind(t.clone()),
            };
        }
        q.fetch_all(p).await
    })?;
    Ok(rows.into_iter().map(Comment::from).collect())
}

/// Parameters of a dynamic query, in order.
#[derive(Default)]
struct Binds(Vec<Bind>);

enum Bind {
    Int(i64),
    Text(String),
}

impl Binds {
    fn int(mut self, v: i64) -> Binds {
        self.0.push(Bind::Int(v));
        self
    }
    fn text(mut self, v: &str) -> Binds {
        self.0.push(Bind::Text(v.to_owned()));
        self
    }
}

/// A comment by its ActivityPub id, tombstones included.
pub async fn find_comment_by_uri(db: &Db, uri: &str) -> Result<Option<Comment>> {
    Ok(query(db, "WHERE c.uri = $1", |b| b.text(uri))
        .await?
        .into_iter()
        .next())
}

pub async fn find_comment(db: &Db, id: i64) -> Result<Option<Comment>> {
    Ok(query(db, "WHERE c.id = $1", |b| b.int(id))
        .await?
        .into_iter()
        .next())
}

/// Every comment of a post that is not deleted, in any state, oldest first (for threading;
/// the page shows only approved, non-private ones).
pub async fn thread_of_post(db: &Db, post_id: i64) -> Result<Vec<Comment>> {
    query(
        db,
        "WHERE c.post_id = $1 AND c.deleted_at IS NULL ORDER BY c.published, c.id",
        |b| b.int(post_id),
    )
    .await
}

/// Comments in `state` across the site, oldest first: the moderation queue.
pub async fn list_comments_in_state(
    db: &Db,
    state: CommentState,
    limit: i64,
    offset: i64,
) -> Result<Vec<Comment>> {
    query(db, "WHERE c.state = $1 AND c.deleted_at IS NULL ORDER BY c.received_at, c.id LIMIT $2 OFFSET $3", |b| {
        b.text(state.as_str()).int(limit).int(offset)
    })
    .await
}

/// Comments in `state` on the posts of author `user_id`, oldest first: an author's queue.
pub async fn list_comments_in_state_for_author(
    db: &Db,
    user_id: i64,
    state: CommentState,
    limit: i64,
    offset: i64,
) -> Result<Vec<Comment>> {
    query(
        db,
        "WHERE c.state = $1 AND c.deleted_at IS NULL AND c.post_id IN (SELECT id FROM posts WHERE author_id = $2) \
         ORDER BY c.received_at, c.id LIMIT $3 OFFSET $4",
        |b| b.text(state.as_str()).int(user_id).int(limit).int(offset),
    )
    .await
}

/// How many comments are in `state`: across the site, or (with `author`) on one author's posts.
pub async fn count_comments_in_state(
    db: &Db,
    state: CommentState,
    author: Option<i64>,
) -> Result<i64> {
    let base = "SELECT COUNT(*) FROM comments c WHERE c.state = $1 AND c.deleted_at IS NULL";
    Ok(match author {
        None => {
            with_db!(db, p => sqlx::query_scalar::<_, i64>(base).bind(state.as_str()).fetch_one(p).await)?
        }
        Some(user) => {
            let sql =
                format!("{base} AND c.post_id IN (SELECT id FROM posts WHERE author_id = $2)");
            with_db!(db, p => sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(state.as_str()).bind(user).fetch_one(p).await)?
        }
    })
}

/// Replies on the posts of author `user_id` (private ones included), newest first: what their
/// notifications show.
pub async fn list_comments_for_author(db: &Db, user_id: i64, limit: i64) -> Result<Vec<Comment>> {
    query(
        db,
        "WHERE c.deleted_at IS NULL AND c.post_id IN (SELECT id FROM posts WHERE author_id = $1) \
         ORDER BY c.received_at DESC, c.id DESC LIMIT $2",
        |b| b.int(user_id).int(limit),
    )
    .await
}

/// A reply to store.
pub struct NewComment<'a> {
    pub post_id: i64,
    pub uri: &'a str,
    pub in_reply_to: &'a str,
    pub parent_id: Option<i64>,
    pub remote_actor_id: i64,
    pub url: Option<&'a str>,
    pub content_html: &'a str,
    pub visibility: Visibility,
    pub state: CommentState,
    pub published: DateTime<Utc>,
    pub updated: Option<DateTime<Utc>>,
}

/// Stores a reply; a reply already stored (or deleted) is left as it is. Gives the new row's
/// id, `None` when nothing was inserted.
pub async fn insert_comment(
    db: &Db,
    c: &NewComment<'_>,
    now: DateTime<Utc>,
) -> Result<Option<i64>> {
    let sql = "INSERT INTO comments (post_id, uri, in_reply_to, parent_id, remote_actor_id, url, content_html, \
               visibility, state, published, updated, received_at) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (uri) DO NOTHING RETURNING id";
    let id = with_db!(db, p => {
        let mut tx = p.begin_write().await?;
        let id: Option<i64> = sqlx::query_scalar(sql)
            .bind(c.post_id).bind(c.uri).bind(c.in_reply_to).bind(c.parent_id).bind(c.remote_actor_id)
            .bind(c.url).bind(c.content_html).bind(c.visibility.as_str()).bind(c.state.as_str())
            .bind(c.published).bind(c.updated).bind(now)
            .fetch_optional(&mut *tx).await?;
        if id.is_some() {
            sqlx::query(TOUCH_CONVERSATION).bind(now).bind(c.post_id).execute(&mut *tx).await?;
            sqlx::query_scalar::<_, i64>(BUMP_GENERATION).bind(Change::post(c.post_id).encode()).fetch_one(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok::<_, sqlx::Error>(id)
    })?;
    Ok(id)
}

/// Keeps the activity comment `id` came in (as received), for the community to announce.
pub async fn set_comment_activity(db: &Db, id: i64, activity: &str) -> Result<()> {
    let sql = "UPDATE comments SET activity = $1 WHERE id = $2";
    with_db!(db, p => sqlx::query(sql).bind(activity).bind(id).execute(p).await.map(|_| ()))?;
    Ok(())
}

/// The activity comment `id` came in, when it was kept.
pub async fn find_comment_activity(db: &Db, id: i64) -> Result<Option<String>> {
    let sql = "SELECT activity FROM comments WHERE id = $1";
    let found: Option<Option<String>> =
        with_db!(db, p => sqlx::query_scalar(sql).bind(id).fetch_optional(p).await)?;
    Ok(found.flatten())
}

/// Applies an edit by the comment's author: new content and `updated`, unless the stored copy
/// is newer or deleted. Gives whether anything changed.
pub async fn update_comment_content(
    db: &Db,
    uri: &str,
    remote_actor_id: i64,
    content_html: &str,
    updated: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let Some(existing) = find_comment_by_uri(db, uri).await? else {
        return Ok(false);
    };
    if existing.deleted
        || existing.author.remote_actor_id != remote_actor_id
        || existing.updated.is_some_and(|u| u >= updated)
    {
        return Ok(false);
    }
    let sql =
        "UPDATE comments SET content_html = $1, updated = $2 WHERE id = $3 AND deleted_at IS NULL";
    with_db!(db, p => {
        let mut tx = p.begin_write().await?;
        sqlx::query(sql).bind(content_html).bind(updated).bind(existing.id).execute(&mut *tx).await?;
        sqlx::query(TOUCH_CONVERSATION).bind(now).bind(existing.post_id).execute(&mut *tx).await?;
        sqlx::query_scalar::<_, i64>(BUMP_GENERATION).bind(Change::post(existing.post_id).encode()).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok::<_, sqlx::Error>(())
    })?;
    Ok(true)
}

/// Deletes comment `id`: it becomes a tombstone (no content, never shown), so that a late
/// copy of the reply is not stored again. Gives whether there was such a comment.
pub async fn delete_comment(db: &Db, id: i64, now: DateTime<Utc>) -> Result<bool> {
    let sql = "UPDATE comments SET deleted_at = $1, content_html = '', state = 'hidden' \
               WHERE id = $2 AND deleted_at IS NULL RETURNING post_id";
    let post = with_db!(db, p => {
        let mut tx = p.begin_write().await?;
        let post: Option<i64> = sqlx::query_scalar(sql).bind(now).bind(id).fetch_optional(&mut *tx).await?;
        if let Some(post) = post {
            sqlx::query(TOUCH_CONVERSATION).bind(now).bind(post).execute(&mut *tx).await?;
            sqlx::query_scalar::<_, i64>(BUMP_GENERATION).bind(Change::post(post).encode()).fetch_one(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok::<_, sqlx::Error>(post)
    })?;
    Ok(post.is_some())
}

/// Deletes the comment `uri` if `remote_actor_id` wrote it (a remote `Delete`).
pub async fn delete_comment_by_author(
    db: &Db,
    uri: &str,
    remote_actor_id: i64,
    now: DateTime<Utc>,
) -> Result<bool> {
    match find_comment_by_uri(db, uri).await? {
        Some(c) if c.author.remote_actor_id == remote_actor_id => {
            delete_comment(db, c.id, now).await
        }
        _ => Ok(false),
    }
}

/// Moves comment `id` to `state` (approve, hide, or back to pending).
pub async fn set_comment_state(
    db: &Db,
    id: i64,
    state: CommentState,
    now: DateTime<Utc>,
) -> Result<()> {
    let sql =
        "UPDATE comments SET state = $1 WHERE id = $2 AND deleted_at IS NULL RETURNING post_id";
    let post = with_db!(db, p => {
        let mut tx = p.begin_write().await?;
        let post: Option<i64> = sqlx::query_scalar(sql).bind(state.as_str()).bind(id).fetch_optional(&mut *tx).await?;
        if let Some(post) = post {
            sqlx::query(TOUCH_CONVERSATION).bind(now).bind(post).execute(&mut *tx).await?;
            sqlx::query_scalar::<_, i64>(BUMP_GENERATION).bind(Change::post(post).encode()).fetch_one(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok::<_, sqlx::Error>(post)
    })?;
    post.map(|_| ()).ok_or(StorageError::NotFound)
}

/// The condition for a comment a public page shows: approved and addressed to everyone (a
/// reply to the replier's followers is for them, not for the world).
const SHOWN: &str = "c.deleted_at IS NULL AND c.state = 'approved' AND c.visibility = 'public'";

/// How many comments each of `post_ids` shows.
pub async fn count_shown(db: &Db, post_ids: &[i64]) -> Result<HashMap<i64, i64>> {
    if post_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let placeholders: Vec<String> = (1..=post_ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT c.post_id, COUNT(*) FROM comments c WHERE {SHOWN} AND c.post_id IN ({}) GROUP BY c.post_id",
        placeholders.join(", ")
    );
    let rows: Vec<(i64, i64)> = with_db!(db, p => {
        let mut q = sqlx::query_as::<_, (i64, i64)>(sqlx::AssertSqlSafe(sql.as_str()));
        for id in post_ids {
            q = q.bind(*id);
        }
        q.fetch_all(p).await
    })?;
    Ok(rows.into_iter().collect())
}

/// The condition for a comment the `replies` collection lists: approved and public.
const LISTED: &str = "deleted_at IS NULL AND state = 'approved' AND visibility = 'public'";

pub async fn count_listed(db: &Db, post_id: i64) -> Result<i64> {
    let sql = format!("SELECT COUNT(*) FROM comments WHERE post_id = $1 AND {LISTED}");
    Ok(
        with_db!(db, p => sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.as_str())).bind(post_id).fetch_one(p).await)?,
    )
}

/// Ids of approved public comments of a post, oldest first.
pub async fn list_listed_uris(
    db: &Db,
    post_id: i64,
    limit: i64,
    offset: i64,
) -> Result<Vec<String>> {
    let sql = format!(
        "SELECT uri FROM comments WHERE post_id = $1 AND {LISTED} ORDER BY published, id LIMIT $2 OFFSET $3"
    );
    Ok(
        with_db!(db, p => sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(post_id).bind(limit).bind(offset).fetch_all(p).await)?,
    )
}

/// The published parts of series `series_slug` and their approved public comments, as one
/// list: each part (as `(slug, None)`) in the order published, followed by its comments
/// (`(slug, Some(uri))`) oldest first.
pub async fn list_series_thread(
    db: &Db,
    series_slug: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<(String, Option<String>)>> {
    let sql = format!(
        "WITH parts AS (SELECT id AS part_id, slug AS part_slug, published_at AS part_at \
         FROM posts WHERE series_slug = $1 AND status = 'published') \
         SELECT part_slug, uri FROM ( \
           SELECT part_slug, CAST(NULL AS TEXT) AS uri, part_at, part_id, 0 AS kind, \
                  part_at AS item_at, 0 AS item_id FROM parts \
           UNION ALL \
           SELECT part_slug, uri, part_at, part_id, 1 AS kind, published AS item_at, id AS item_id \
           FROM comments JOIN parts ON post_id = part_id WHERE {LISTED} \
         ) thread ORDER BY part_at, part_id, kind, item_at, item_id LIMIT $2 OFFSET $3"
    );
    Ok(
        with_db!(db, p => sqlx::query_as::<_, (String, Option<String>)>(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(series_slug).bind(limit).bind(offset).fetch_all(p).await)?,
    )
}

/// How many items [`list_series_thread`] holds: the published parts and their comments.
pub async fn count_series_thread(db: &Db, series_slug: &str) -> Result<i64> {
    let sql = format!(
        "SELECT (SELECT COUNT(*) FROM posts WHERE series_slug = $1 AND status = 'published') + \
         (SELECT COUNT(*) FROM comments WHERE {LISTED} AND post_id IN \
          (SELECT id FROM posts WHERE series_slug = $1 AND status = 'published'))"
    );
    Ok(
        with_db!(db, p => sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.as_str())).bind(series_slug).fetch_one(p).await)?,
    )
}

/// When a post's comments or reactions last changed.
pub async fn conversation_changed_at(db: &Db, post_id: i64) -> Result<Option<DateTime<Utc>>> {
    let sql = "SELECT changed_at FROM post_conversations WHERE post_id = $1";
    Ok(with_db!(db, p => sqlx::query_scalar::<_, Option<DateTime<Utc>>>(sql).bind(post_id).fetch_optional(p).await)?.flatten())
}

/// The post's own reply policy; `None` follows the site's default.
pub async fn post_reply_policy(db: &Db, post_id: i64) -> Result<Option<ReplyPolicy>> {
    let sql = "SELECT reply_policy FROM posts WHERE id = $1";
    let v = with_db!(db, p => sqlx::query_scalar::<_, Option<String>>(sql).bind(post_id).fetch_optional(p).await)?.flatten();
    Ok(v.and_then(|s| s.parse().ok()))
}

pub async fn site_reply_policy(db: &Db) -> Result<ReplyPolicy> {
    let sql = "SELECT reply_policy FROM site WHERE id = 1";
    let v = with_db!(db, p => sqlx::query_scalar::<_, String>(sql).fetch_one(p).await)?;
    Ok(v.parse().unwrap_or_default())
}

/// Hides the comments of actors (the `IN` list `actors`, first parameter `$1`).
pub(super) fn hide_comments_of(actors: &str) -> String {
    format!("UPDATE comments SET state = 'hidden' WHERE remote_actor_id IN ({actors})")
}

/// The policy in force for a post: its own, else the site's.
pub async fn effective_reply_policy(db: &Db, post_id: i64) -> Result<ReplyPolicy> {
    match post_reply_policy(db, post_id).await? {
        Some(p) => Ok(p),
        None => site_reply_policy(db).await,
    }
}

/// Removes every comment and reaction of a remote actor (it was deleted on its server).
pub async fn forget_actor(db: &Db, remote_actor_id: i64, now: DateTime<Utc>) -> Result<()> {
    let touch = touch_conversations_of("$1");
    let drop_reactions = delete_reactions_of("$1");
    with_db!(db, p => {
        let mut tx = p.begin_write().await?;
        sqlx::query(sqlx::AssertSqlSafe(touch.as_str())).bind(remote_actor_id).bind(now).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM comments WHERE remote_actor_id = $1").bind(remote_actor_id).execute(&mut *tx).await?;
        sqlx::query(sqlx::AssertSqlSafe(drop_reactions.as_str())).bind(remote_actor_id).execute(&mut *tx).await?;
        sqlx::query_scalar::<_, i64>(BUMP_GENERATION).bind(Change::Everything.encode()).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok::<_, sqlx::Error>(())
    })?;
    Ok(())
}
