//! The `media_sources` table: which upload came from which file (by the SHA-256 of its
//! bytes), per owner, so that publishing a Markdown file again does not upload its images
//! again.

use super::media::Media;
use super::{Db, Result, with_db};

/// The upload `owner_id` made from a file with these bytes, if it still exists.
pub async fn find_media_by_source(db: &Db, owner_id: i64, sha256: &str) -> Result<Option<Media>> {
    let sql = "SELECT media_id FROM media_sources WHERE owner_id = $1 AND sha256 = $2";
    let id = with_db!(db, p => sqlx::query_scalar::<_, i64>(sql)
        .bind(owner_id).bind(sha256)
        .fetch_optional(p).await)?;
    match id {
        Some(id) => super::media::find_media(db, id).await,
        None => Ok(None),
    }
}

/// Records that `media_id` was uploaded from a file with these bytes.
pub async fn record_media_source(
    db: &Db,
    owner_id: i64,
    sha256: &str,
    media_id: i64,
) -> Result<()> {
    let sql = "INSERT INTO media_sources (owner_id, sha256, media_id) VALUES ($1, $2, $3) \
               ON CONFLICT (owner_id, sha256) DO UPDATE SET media_id = excluded.media_id";
    with_db!(db, p => sqlx::query(sql)
        .bind(owner_id).bind(sha256).bind(media_id)
        .execute(p).await.map(|_| ()))?;
    Ok(())
}
