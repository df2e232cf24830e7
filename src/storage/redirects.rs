//! The `redirects` table: addresses imported posts had on their old site, each answered with
//! a permanent redirect to the post here.

use chrono::{DateTime, Utc};

use super::{Db, Result, with_db};

/// Keeps `old_path` (no trailing slash) as an address of the post with `slug`. Storing the
/// same pair again changes nothing; a path already kept for another slug moves to this one.
/// Returns whether anything changed.
pub async fn save_redirect(
    db: &Db,
    old_path: &str,
    slug: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let sql = "INSERT INTO redirects (old_path, slug, created_at) VALUES ($1, $2, $3) \
               ON CONFLICT (old_path) DO UPDATE SET slug = excluded.slug \
               WHERE redirects.slug <> excluded.slug";
    let done = with_db!(db, p => sqlx::query(sql).bind(old_path).bind(slug).bind(now).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(done > 0)
}

/// The slug of the post that `old_path` (no trailing slash) now lives at, if it is kept.
pub async fn find_redirect(db: &Db, old_path: &str) -> Result<Option<String>> {
    let sql = "SELECT slug FROM redirects WHERE old_path = $1";
    Ok(
        with_db!(db, p => sqlx::query_scalar::<_, String>(sql).bind(old_path).fetch_optional(p).await)?,
    )
}

/// Whether `old_path` is kept for the post with `slug` already.
pub async fn has_redirect(db: &Db, old_path: &str, slug: &str) -> Result<bool> {
    Ok(find_redirect(db, old_path).await?.as_deref() == Some(slug))
}
