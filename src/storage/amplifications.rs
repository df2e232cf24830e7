//! The `amplifications` table: remote posts the community announced, shown on the community
//! page as boosts with attribution.

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::avatars::{PROFILE_COLUMNS, Profile};
use super::changes::Change;
use super::site::BUMP_GENERATION;
use super::{BeginWrite, Db, Result, with_db};

/// An amplified post with its author.
#[derive(Debug, Clone, FromRow)]
pub struct Amplified {
    pub amplification_id: i64,
    pub announce_id: String,
    pub amplified_at: DateTime<Utc>,
    pub object_uri: String,
    pub object_url: Option<String>,
    pub name: Option<String>,
    pub summary: Option<String>,
    pub content: String,
    pub published: Option<DateTime<Utc>>,
    #[sqlx(flatten)]
    pub author: Profile,
}

fn select() -> String {
    format!(
        "SELECT a.id AS amplification_id, a.announce_id, a.created_at AS amplified_at, o.uri AS object_uri, \
         o.url AS object_url, o.name, o.summary, o.content, o.published, {PROFILE_COLUMNS} \
         FROM amplifications a JOIN remote_objects o ON o.id = a.remote_object_id \
         JOIN remote_actors r ON r.id = o.remote_actor_id"
    )
}

/// Records that the community announced remote object `remote_object_id` with `announce_id`.
/// Gives whether it was new.
pub async fn insert_amplification(
    db: &Db,
    remote_object_id: i64,
    announce_id: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let sql = "INSERT INTO amplifications (remote_object_id, announce_id, created_at) VALUES ($1, $2, $3) \
               ON CONFLICT (remote_object_id) DO NOTHING";
    let added = with_db!(db, p => {
        let mut tx = p.begin_write().await?;
        let n = sqlx::query(sql).bind(remote_object_id).bind(announce_id).bind(now).execute(&mut *tx).await?.rows_affected();
        if n > 0 {
            sqlx::query_scalar::<_, i64>(BUMP_GENERATION).bind(Change::Everything.encode()).fetch_one(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok::<_, sqlx::Error>(n > 0)
    })?;
    Ok(added)
}

/// The amplification of the remote object with id (or web address) `uri`, if the community
/// amplified it.
pub async fn find_amplification(db: &Db, uri: &str) -> Result<Option<Amplified>> {
    let sql = format!(
        "{} WHERE o.uri = $1 OR o.url = $1 ORDER BY a.id LIMIT 1",
        select()
    );
    Ok(
        with_db!(db, p => sqlx::query_as::<_, Amplified>(sqlx::AssertSqlSafe(sql.as_str())).bind(uri).fetch_optional(p).await)?,
    )
}

pub async fn delete_amplification(db: &Db, amplification_id: i64) -> Result<bool> {
    let removed = with_db!(db, p => {
        let mut tx = p.begin_write().await?;
        let n = sqlx::query("DELETE FROM amplifications WHERE id = $1").bind(amplification_id).execute(&mut *tx).await?.rows_affected();
        if n > 0 {
            sqlx::query_scalar::<_, i64>(BUMP_GENERATION).bind(Change::Everything.encode()).fetch_one(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok::<_, sqlx::Error>(n > 0)
    })?;
    Ok(removed)
}

/// Amplified posts that were not deleted since, newest amplification first.
pub async fn list_amplified(db: &Db, limit: i64, offset: i64) -> Result<Vec<Amplified>> {
    let sql = format!(
        "{} WHERE o.deleted_at IS NULL ORDER BY a.created_at DESC, a.id DESC LIMIT $1 OFFSET $2",
        select()
    );
    Ok(
        with_db!(db, p => sqlx::query_as::<_, Amplified>(sqlx::AssertSqlSafe(sql.as_str())).bind(limit).bind(offset).fetch_all(p).await)?,
    )
}
