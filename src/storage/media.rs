//! The `media` table: uploaded images, each stored as a few width variants on disk.

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::changes::Change;
use super::{Db, Result, with_db};

/// An uploaded image. Its files are `{file_stem}-{width}.{ext}` under `data_dir/media/`,
/// one per width in `variants`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Media {
    pub id: i64,
    pub owner_id: Option<i64>,
    pub file_stem: String,
    /// `image/jpeg` or `image/png`: what every variant is encoded as.
    pub mime: String,
    /// The size of the largest variant, in pixels.
    pub width: u32,
    pub height: u32,
    /// The widths stored, smallest first.
    pub variants: Vec<u32>,
    pub alt: String,
    pub created_at: DateTime<Utc>,
}

#[derive(FromRow)]
pub(crate) struct MediaRow {
    id: i64,
    owner_id: Option<i64>,
    file_stem: String,
    mime: String,
    width: i64,
    height: i64,
    variants: String,
    alt: String,
    created_at: DateTime<Utc>,
}

impl From<MediaRow> for Media {
    fn from(r: MediaRow) -> Media {
        Media {
            id: r.id,
            owner_id: r.owner_id,
            file_stem: r.file_stem,
            mime: r.mime,
            width: u32::try_from(r.width).unwrap_or(0),
            height: u32::try_from(r.height).unwrap_or(0),
            variants: split_widths(&r.variants),
            alt: r.alt,
            created_at: r.created_at,
        }
    }
}

/// `"480 960 1600"` → `[480, 960, 1600]`, smallest first.
pub fn split_widths(stored: &str) -> Vec<u32> {
    let mut widths: Vec<u32> = stored
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    widths.sort_unstable();
    widths
}

pub fn join_widths(widths: &[u32]) -> String {
    widths
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

const COLUMNS: &str = "id, owner_id, file_stem, mime, width, height, variants, alt, created_at";

pub struct NewMedia<'a> {
    pub owner_id: i64,
    pub file_stem: &'a str,
    pub mime: &'a str,
    pub width: u32,
    pub height: u32,
    pub variants: &'a [u32],
    pub alt: &'a str,
    pub now: DateTime<Utc>,
}

pub async fn insert_media(db: &Db, m: &NewMedia<'_>) -> Result<Media> {
    let sql = format!(
        "INSERT INTO media (owner_id, file_stem, mime, width, height, variants, alt, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {COLUMNS}"
    );
    let row = with_db!(db, p => sqlx::query_as::<_, MediaRow>(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(m.owner_id)
        .bind(m.file_stem)
        .bind(m.mime)
        .bind(i64::from(m.width))
        .bind(i64::from(m.height))
        .bind(join_widths(m.variants))
        .bind(m.alt)
        .bind(m.now)
        .fetch_one(p)
        .await)?;
    Ok(row.into())
}

pub async fn find_media(db: &Db, id: i64) -> Result<Option<Media>> {
    let sql = format!("SELECT {COLUMNS} FROM media WHERE id = $1");
    let row = with_db!(db, p => sqlx::query_as::<_, MediaRow>(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(p).await)?;
    Ok(row.map(Media::from))
}

/// The image whose files are named after `file_stem`, if any.
pub async fn find_media_by_stem(db: &Db, file_stem: &str) -> Result<Option<Media>> {
    let sql = format!("SELECT {COLUMNS} FROM media WHERE file_stem = $1");
    let row = with_db!(db, p => sqlx::query_as::<_, MediaRow>(sqlx::AssertSqlSafe(sql.as_str())).bind(file_stem).fetch_optional(p).await)?;
    Ok(row.map(Media::from))
}

/// Someone's uploads, newest first.
pub async fn list_media_by_owner(db: &Db, owner_id: i64, limit: i64) -> Result<Vec<Media>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM media WHERE owner_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2"
    );
    let rows = with_db!(db, p => sqlx::query_as::<_, MediaRow>(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(owner_id)
        .bind(limit)
        .fetch_all(p)
        .await)?;
    Ok(rows.into_iter().map(Media::from).collect())
}

/// Changes the description of an image (shown wherever the image has none of its own, such
/// as a cover image: public pages change with it).
pub async fn set_media_alt(db: &Db, id: i64, alt: &str) -> Result<()> {
    with_db!(db, p => {
        let mut tx = p.begin().await?;
        sqlx::query("UPDATE media SET alt = $1 WHERE id = $2").bind(alt).bind(id).execute(&mut *tx).await?;
        sqlx::query_scalar::<_, i64>(super::site::BUMP_GENERATION).bind(Change::Everything.encode()).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok::<_, sqlx::Error>(())
    })?;
    Ok(())
}
