//! The `mentions_received` table: remote posts that mention a local person without being a
//! reply in one of our threads (a reply on the person's own post is already one of their
//! comments). Never shown on a page; the person's notifications list them.

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::avatars::{PROFILE_COLUMNS, Profile};
use super::{Db, Result, with_db};
use crate::domain::comments::Visibility;

/// A remote post that mentions a local person, as their notifications show it.
#[derive(Debug, Clone)]
pub struct MentionReceived {
    pub id: i64,
    pub user_id: i64,
    /// The ActivityPub id of the post.
    pub object_uri: String,
    /// Where the post can be read on its own server.
    pub url: Option<String>,
    /// Sanitized HTML.
    pub content_html: String,
    pub visibility: Visibility,
    pub published: DateTime<Utc>,
    pub updated: Option<DateTime<Utc>>,
    pub received_at: DateTime<Utc>,
    pub author: Profile,
}

#[derive(FromRow)]
struct MentionRow {
    id: i64,
    user_id: i64,
    object_uri: String,
    mention_url: Option<String>,
    content_html: String,
    visibility: String,
    published: DateTime<Utc>,
    updated: Option<DateTime<Utc>>,
    received_at: DateTime<Utc>,
    #[sqlx(flatten)]
    author: Profile,
}

impl From<MentionRow> for MentionReceived {
    fn from(r: MentionRow) -> MentionReceived {
        MentionReceived {
            id: r.id,
            user_id: r.user_id,
            object_uri: r.object_uri,
            url: r.mention_url,
            content_html: r.content_html,
            visibility: Visibility::from_stored(&r.visibility),
            published: r.published,
            updated: r.updated,
            received_at: r.received_at,
            author: r.author,
        }
    }
}

/// A mention to store, for one local person.
pub struct NewMention<'a> {
    pub user_id: i64,
    pub remote_actor_id: i64,
    pub object_uri: &'a str,
    pub url: Option<&'a str>,
    pub content_html: &'a str,
    pub visibility: Visibility,
    pub published: DateTime<Utc>,
    /// The post's `updated`, when it came in an edit.
    pub updated: Option<DateTime<Utc>>,
}

/// Stores a mention of `m.user_id`; one stored already is left as it is (a replay changes
/// nothing; edits go through [`update_mentions_received`]). Nothing is stored when the post
/// is a reply on one of the person's own posts: that is a comment, and they hear of it as one.
/// Gives whether a row was inserted.
pub async fn insert_mention_received(
    db: &Db,
    m: &NewMention<'_>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let sql = "INSERT INTO mentions_received (user_id, remote_actor_id, object_uri, url, content_html, visibility, \
               published, updated, received_at) \
               SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9 WHERE NOT EXISTS (SELECT 1 FROM comments c \
               JOIN posts p ON p.id = c.post_id WHERE c.uri = $3 AND p.author_id = $1) \
               ON CONFLICT (user_id, object_uri) DO NOTHING";
    let written = with_db!(db, p => sqlx::query(sql)
        .bind(m.user_id)
        .bind(m.remote_actor_id)
        .bind(m.object_uri)
        .bind(m.url)
        .bind(m.content_html)
        .bind(m.visibility.as_str())
        .bind(m.published)
        .bind(m.updated)
        .bind(now)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(written > 0)
}

/// Applies an edit of post `object_uri` by its author `remote_actor_id` to every stored
/// mention in it, unless the stored copy is as new. Gives how many changed.
pub async fn update_mentions_received(
    db: &Db,
    object_uri: &str,
    remote_actor_id: i64,
    content_html: &str,
    updated: DateTime<Utc>,
) -> Result<u64> {
    let sql = "UPDATE mentions_received SET content_html = $1, updated = $2 \
               WHERE object_uri = $3 AND remote_actor_id = $4 AND (updated IS NULL OR updated < $2)";
    Ok(with_db!(db, p => sqlx::query(sql)
        .bind(content_html)
        .bind(updated)
        .bind(object_uri)
        .bind(remote_actor_id)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?)
}

/// Removes the mentions in post `object_uri` if `remote_actor_id` wrote it (a remote
/// `Delete`). Gives how many went.
pub async fn delete_mentions_received(
    db: &Db,
    object_uri: &str,
    remote_actor_id: i64,
) -> Result<u64> {
    let sql = "DELETE FROM mentions_received WHERE object_uri = $1 AND remote_actor_id = $2";
    Ok(with_db!(db, p => sqlx::query(sql)
        .bind(object_uri)
        .bind(remote_actor_id)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?)
}

/// The posts that mention person `user_id`, newest first: what their notifications show.
pub async fn list_mentions_received(
    db: &Db,
    user_id: i64,
    limit: i64,
) -> Result<Vec<MentionReceived>> {
    let sql = format!(
        "SELECT m.id, m.user_id, m.object_uri, m.url AS mention_url, m.content_html, m.visibility, m.published, \
         m.updated, m.received_at, {PROFILE_COLUMNS} \
         FROM mentions_received m JOIN remote_actors r ON r.id = m.remote_actor_id \
         WHERE m.user_id = $1 ORDER BY m.received_at DESC, m.id DESC LIMIT $2"
    );
    let rows = with_db!(db, p => sqlx::query_as::<_, MentionRow>(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(user_id)
        .bind(limit)
        .fetch_all(p)
        .await)?;
    Ok(rows.into_iter().map(MentionReceived::from).collect())
}
