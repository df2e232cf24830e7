//! The `pins` table: posts an author pinned to their profile (the actor's `featured`
//! collection).

use chrono::{DateTime, Utc};

use super::{Db, Result, with_db};

/// Pins post `post_id`. Gives whether it was not pinned before.
pub async fn pin(db: &Db, post_id: i64, now: DateTime<Utc>) -> Result<bool> {
    let sql =
        "INSERT INTO pins (post_id, pinned_at) VALUES ($1, $2) ON CONFLICT (post_id) DO NOTHING";
    let n = with_db!(db, p => sqlx::query(sql).bind(post_id).bind(now).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// Unpins post `post_id`. Gives whether it was pinned.
pub async fn unpin(db: &Db, post_id: i64) -> Result<bool> {
    let sql = "DELETE FROM pins WHERE post_id = $1";
    let n = with_db!(db, p => sqlx::query(sql).bind(post_id).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// Whether post `post_id` is pinned.
pub async fn is_pinned(db: &Db, post_id: i64) -> Result<bool> {
    let sql = "SELECT EXISTS (SELECT 1 FROM pins WHERE post_id = $1)";
    Ok(with_db!(db, p => sqlx::query_scalar::<_, bool>(sql).bind(post_id).fetch_one(p).await)?)
}

/// The published posts pinned by the author `author_id` (every author's with `None`), the
/// latest pin first.
pub async fn pinned_posts(db: &Db, author_id: Option<i64>, limit: i64) -> Result<Vec<i64>> {
    let sql = "SELECT p.id FROM pins n JOIN posts p ON p.id = n.post_id \
               WHERE p.status = 'published' AND ($1 IS NULL OR p.author_id = $1) \
               ORDER BY n.pinned_at DESC, p.id DESC LIMIT $2";
    Ok(
        with_db!(db, p => sqlx::query_scalar::<_, i64>(sql).bind(author_id).bind(limit).fetch_all(p).await)?,
    )
}
