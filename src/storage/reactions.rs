//! The `reactions` table: likes and boosts of local posts by remote actors, one of each kind
//! per actor and post, so that replays and repeated activities never count twice.

use chrono::{DateTime, Utc};

use super::avatars::{PROFILE_COLUMNS, Profile};
use super::changes::Change;
use super::posts::TOUCH_CONVERSATION;
use super::site::BUMP_GENERATION;
use super::{BeginWrite, Db, Result, with_db};

/// Counts a reaction to the published post with slug `$1`; returns the post's id when counted.
pub(super) const INSERT_REACTION: &str = "INSERT INTO reactions (post_id, remote_actor_id, kind, activity_id, created_at) \
     SELECT id, $2, $3, $4, $5 FROM posts WHERE slug = $1 AND status = 'published' \
     ON CONFLICT (post_id, remote_actor_id, kind) DO NOTHING RETURNING post_id";
/// Keeps the latest activity id of a reaction already counted; touches no row when the post
/// is not published here.
pub(super) const UPDATE_REACTION: &str = "UPDATE reactions SET activity_id = $1 \
     WHERE post_id = (SELECT id FROM posts WHERE slug = $2 AND status = 'published') \
     AND remote_actor_id = $3 AND kind = $4";

/// Drops the reactions of actors (the `IN` list `actors`, first parameter `$1`).
pub(super) fn delete_reactions_of(actors: &str) -> String {
    format!("DELETE FROM reactions WHERE remote_actor_id IN ({actors})")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReactionKind {
    Like,
    Announce,
}

impl ReactionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReactionKind::Like => "like",
            ReactionKind::Announce => "announce",
        }
    }
}

/// Removes the reaction recorded for activity `activity_id` of actor `remote_actor_id`.
pub async fn remove_reaction_by_activity(
    db: &Db,
    remote_actor_id: i64,
    activity_id: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let sql =
        "DELETE FROM reactions WHERE remote_actor_id = $1 AND activity_id = $2 RETURNING post_id";
    remove(db, sql, remote_actor_id, activity_id.to_owned(), None, now).await
}

/// Removes actor `remote_actor_id`'s reaction of `kind` on post `post_id`.
pub async fn remove_reaction(
    db: &Db,
    post_id: i64,
    remote_actor_id: i64,
    kind: ReactionKind,
    now: DateTime<Utc>,
) -> Result<bool> {
    let sql = "DELETE FROM reactions WHERE remote_actor_id = $1 AND kind = $2 AND post_id = $3 RETURNING post_id";
    remove(
        db,
        sql,
        remote_actor_id,
        kind.as_str().to_owned(),
        Some(post_id),
        now,
    )
    .await
}

async fn remove(
    db: &Db,
    sql: &'static str,
    actor: i64,
    second: String,
    post: Option<i64>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let removed = with_db!(db, p => {
        let mut tx = p.begin_write().await?;
        let mut q = sqlx::query_scalar::<_, i64>(sql).bind(actor).bind(second.as_str());
        if let Some(post) = post {
            q = q.bind(post);
        }
        let posts: Vec<i64> = q.fetch_all(&mut *tx).await?;
        for post in &posts {
            sqlx::query(TOUCH_CONVERSATION).bind(now).bind(*post).execute(&mut *tx).await?;
        }
        if !posts.is_empty() {
            sqlx::query_scalar::<_, i64>(BUMP_GENERATION).bind(Change::PostPages(posts.clone()).encode()).fetch_one(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok::<_, sqlx::Error>(!posts.is_empty())
    })?;
    Ok(removed)
}

/// How many of `kind` post `post_id` has.
pub async fn count_reactions(db: &Db, post_id: i64, kind: ReactionKind) -> Result<i64> {
    let sql = "SELECT COUNT(*) FROM reactions WHERE post_id = $1 AND kind = $2";
    Ok(
        with_db!(db, p => sqlx::query_scalar::<_, i64>(sql).bind(post_id).bind(kind.as_str()).fetch_one(p).await)?,
    )
}

/// The latest actors who reacted with `kind`, newest first.
pub async fn recent_reactors(
    db: &Db,
    post_id: i64,
    kind: ReactionKind,
    limit: i64,
) -> Result<Vec<Profile>> {
    let sql = format!(
        "SELECT {PROFILE_COLUMNS} FROM reactions x JOIN remote_actors r ON r.id = x.remote_actor_id \
         WHERE x.post_id = $1 AND x.kind = $2 ORDER BY x.created_at DESC, x.id DESC LIMIT $3"
    );
    Ok(
        with_db!(db, p => sqlx::query_as::<_, Profile>(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(post_id).bind(kind.as_str()).bind(limit).fetch_all(p).await)?,
    )
}

/// A reaction on a post of author `user_id`, for their notifications.
#[derive(Debug, Clone)]
pub struct ReactionNotice {
    pub kind: ReactionKind,
    pub post_id: i64,
    pub at: DateTime<Utc>,
    pub actor: Profile,
}

#[derive(sqlx::FromRow)]
struct NoticeRow {
    kind: String,
    post_id: i64,
    created_at: DateTime<Utc>,
    #[sqlx(flatten)]
    actor: Profile,
}

/// Likes and boosts of the posts of author `user_id`, newest first.
pub async fn list_reactions_for_author(
    db: &Db,
    user_id: i64,
    limit: i64,
) -> Result<Vec<ReactionNotice>> {
    let sql = format!(
        "SELECT x.kind, x.post_id, x.created_at, {PROFILE_COLUMNS} FROM reactions x \
         JOIN remote_actors r ON r.id = x.remote_actor_id JOIN posts p ON p.id = x.post_id \
         WHERE p.author_id = $1 ORDER BY x.created_at DESC, x.id DESC LIMIT $2"
    );
    let rows = with_db!(db, p => sqlx::query_as::<_, NoticeRow>(sqlx::AssertSqlSafe(sql.as_str())).bind(user_id).bind(limit).fetch_all(p).await)?;
    Ok(rows
        .into_iter()
        .map(|r| ReactionNotice {
            kind: if r.kind == "like" {
                ReactionKind::Like
            } else {
                ReactionKind::Announce
            },
            post_id: r.post_id,
            at: r.created_at,
            actor: r.actor,
        })
        .collect())
}

/// Counts a like or repost from a web page (`source`) by `actor` on post `post_id`; gives
/// whether it is new.
pub async fn add_web_reaction(
    db: &Db,
    post_id: i64,
    actor: i64,
    kind: ReactionKind,
    source: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let sql = "INSERT INTO reactions (post_id, remote_actor_id, kind, activity_id, created_at) \
               VALUES ($1, $2, $3, $4, $5) ON CONFLICT (post_id, remote_actor_id, kind) DO NOTHING \
               RETURNING post_id";
    let added = with_db!(db, p => {
        let mut tx = p.begin_write().await?;
        let added: Option<i64> = sqlx::query_scalar(sql).bind(post_id).bind(actor)
            .bind(kind.as_str()).bind(source).bind(now).fetch_optional(&mut *tx).await?;
        if added.is_some() {
            sqlx::query(TOUCH_CONVERSATION).bind(now).bind(post_id).execute(&mut *tx).await?;
            sqlx::query_scalar::<_, i64>(BUMP_GENERATION).bind(Change::post(post_id).encode()).fetch_one(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok::<_, sqlx::Error>(added.is_some())
    })?;
    Ok(added)
}

/// The reactions counted from web page `source` on post `post_id`, removed (the page changed
/// its mind or is gone); gives whether there were any.
pub async fn remove_web_reactions(
    db: &Db,
    post_id: i64,
    source: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let sql = "DELETE FROM reactions WHERE post_id = $1 AND activity_id = $2 AND remote_actor_id IN \
               (SELECT id FROM remote_actors WHERE kind = $3) RETURNING post_id";
    let removed = with_db!(db, p => {
        let mut tx = p.begin_write().await?;
        let rows: Vec<i64> = sqlx::query_scalar(sql).bind(post_id).bind(source).bind(super::remote::WEB_AUTHOR)
            .fetch_all(&mut *tx).await?;
        if !rows.is_empty() {
            sqlx::query(TOUCH_CONVERSATION).bind(now).bind(post_id).execute(&mut *tx).await?;
            sqlx::query_scalar::<_, i64>(BUMP_GENERATION).bind(Change::post(post_id).encode()).fetch_one(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok::<_, sqlx::Error>(!rows.is_empty())
    })?;
    Ok(removed)
}
