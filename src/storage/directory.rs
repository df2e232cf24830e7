//! Who and what a reader can follow: the authors, tags and series of published posts (read
//! only).

use super::{Db, Result, with_db};

/// An author with published posts.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Writer {
    pub username: String,
    pub display_name: String,
    pub posts: i64,
}

/// Authors with at least one published post, those with most posts first.
pub async fn list_writers(db: &Db) -> Result<Vec<Writer>> {
    let sql = "SELECT u.username, u.display_name, COUNT(*) AS posts FROM posts p \
               JOIN users u ON u.id = p.author_id WHERE p.status = 'published' \
               GROUP BY u.username, u.display_name ORDER BY posts DESC, u.username";
    Ok(with_db!(db, p => sqlx::query_as::<_, Writer>(sql).fetch_all(p).await)?)
}

/// Tags of published posts with how many posts carry each, most used first.
pub async fn list_tags(db: &Db) -> Result<Vec<(String, i64)>> {
    let sql = "SELECT t.tag, COUNT(*) AS n FROM post_tags t JOIN posts p ON p.id = t.post_id \
               WHERE p.status = 'published' GROUP BY t.tag ORDER BY n DESC, t.tag";
    Ok(with_db!(db, p => sqlx::query_as::<_, (String, i64)>(sql).fetch_all(p).await)?)
}

/// The published parts of series `slug`, in the order they were published: `(slug, title,
/// series name as written on it)`.
pub async fn list_series_parts(db: &Db, slug: &str) -> Result<Vec<(String, String, String)>> {
    let sql = "SELECT slug, title, series FROM posts WHERE series_slug = $1 AND status = 'published' \
               ORDER BY published_at, id";
    Ok(
        with_db!(db, p => sqlx::query_as::<_, (String, String, String)>(sql).bind(slug).fetch_all(p).await)?,
    )
}

/// A published series: its name (as written on its first part), slug, and number of parts.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SeriesSummary {
    pub name: String,
    pub slug: String,
    pub parts: i64,
}

/// Every series with a published part, the most recently continued first.
pub async fn list_series(db: &Db) -> Result<Vec<SeriesSummary>> {
    let sql = "SELECT (SELECT f.series FROM posts f WHERE f.series_slug = p.series_slug \
               AND f.status = 'published' ORDER BY f.published_at, f.id LIMIT 1) AS name, \
               p.series_slug AS slug, COUNT(*) AS parts FROM posts p \
               WHERE p.series_slug <> '' AND p.status = 'published' GROUP BY p.series_slug \
               ORDER BY MAX(p.published_at) DESC, p.series_slug";
    Ok(with_db!(db, p => sqlx::query_as::<_, SeriesSummary>(sql).fetch_all(p).await)?)
}

/// The name of series `slug` (as written on its first part), if a part is published.
pub async fn series_name(db: &Db, slug: &str) -> Result<Option<String>> {
    let sql = "SELECT series FROM posts WHERE series_slug = $1 AND status = 'published' \
               ORDER BY published_at, id LIMIT 1";
    Ok(with_db!(db, p => sqlx::query_scalar::<_, String>(sql).bind(slug).fetch_optional(p).await)?)
}
