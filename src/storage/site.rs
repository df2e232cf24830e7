//! The single-row `site` table: title, description, language, and the content generation
//! that every change to public content increments (caches compare against it).

use sqlx::FromRow;

use super::changes::Change;
use super::{BeginWrite, Db, Result, with_db};
use crate::domain::comments::ReplyPolicy;
use crate::domain::quotes::QuotePolicy;

#[derive(Debug, Clone, FromRow)]
pub struct Site {
    pub title: String,
    pub description: String,
    pub language: String,
    pub content_generation: i64,
    pub community_username: String,
    pub community_name: String,
}

pub async fn get_site(db: &Db) -> Result<Site> {
    let sql = "SELECT title, description, language, content_generation, community_username, community_name FROM site WHERE id = 1";
    Ok(with_db!(db, p => sqlx::query_as::<_, Site>(sql).fetch_one(p).await)?)
}

pub async fn content_generation(db: &Db) -> Result<i64> {
    let sql = "SELECT content_generation FROM site WHERE id = 1";
    Ok(with_db!(db, p => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await)?)
}

/// Saves the settings an administrator edits on the site settings page, and marks public
/// content as changed (titles and names are on every page).
pub async fn update_settings(db: &Db, s: &crate::domain::site::Settings) -> Result<Site> {
    let sql = "UPDATE site SET title = $1, description = $2, language = $3, community_name = $4, registration_mode = $5, \
               content_generation = content_generation + 1, change_scope = 'all' WHERE id = 1 \
               RETURNING title, description, language, content_generation, community_username, community_name";
    Ok(with_db!(db, p => sqlx::query_as::<_, Site>(sql)
        .bind(&s.title)
        .bind(&s.description)
        .bind(&s.language)
        .bind(&s.community_name)
        .bind(s.registration_mode.as_str())
        .fetch_one(p)
        .await)?)
}

/// The media id of the community actor's avatar.
pub async fn community_avatar(db: &Db) -> Result<Option<i64>> {
    let sql = "SELECT community_avatar_media_id FROM site WHERE id = 1";
    Ok(with_db!(db, p => sqlx::query_scalar::<_, Option<i64>>(sql).fetch_one(p).await)?)
}

/// Sets (or with `None` removes) the community actor's avatar, and marks public content as
/// changed.
pub async fn set_community_avatar(db: &Db, media_id: Option<i64>) -> Result<()> {
    let sql = "UPDATE site SET community_avatar_media_id = $1, content_generation = content_generation + 1, change_scope = 'all' WHERE id = 1";
    with_db!(db, p => sqlx::query(sql).bind(media_id).execute(p).await.map(|_| ()))?;
    Ok(())
}

/// Marks public content as changed; run inside the transaction that changes it, binding
/// what changed, as
/// `sqlx::query_scalar::<_, i64>(BUMP_GENERATION).bind(change.encode()).fetch_one(&mut *tx)`.
/// Every statement that moves `content_generation` sets `change_scope` too (see
/// [`super::changes`]).
pub(crate) const BUMP_GENERATION: &str = "UPDATE site SET content_generation = content_generation + 1, change_scope = $1 WHERE id = 1 RETURNING content_generation";

/// How people may join: `closed`, `invite` (invite links only) or `approval` (open, an admin
/// approves each account).
pub async fn registration_mode(db: &Db) -> Result<String> {
    let sql = "SELECT registration_mode FROM site WHERE id = 1";
    Ok(with_db!(db, p => sqlx::query_scalar::<_, String>(sql).fetch_one(p).await)?)
}

pub async fn set_registration_mode(db: &Db, mode: &str) -> Result<()> {
    let sql = "UPDATE site SET registration_mode = $1 WHERE id = 1";
    with_db!(db, p => sqlx::query(sql).bind(mode).execute(p).await.map(|_| ()))?;
    Ok(())
}

/// The SHA-256 of the one-time setup token, while no admin exists.
pub async fn setup_token_hash(db: &Db) -> Result<Option<String>> {
    let sql = "SELECT setup_token_hash FROM site WHERE id = 1";
    Ok(with_db!(db, p => sqlx::query_scalar::<_, Option<String>>(sql).fetch_one(p).await)?)
}

pub async fn set_setup_token_hash(db: &Db, hash: Option<&str>) -> Result<()> {
    let sql = "UPDATE site SET setup_token_hash = $1 WHERE id = 1";
    with_db!(db, p => sqlx::query(sql).bind(hash).execute(p).await.map(|_| ()))?;
    Ok(())
}

/// Sets the reply policy of posts that do not choose one.
pub async fn set_site_reply_policy(db: &Db, policy: ReplyPolicy) -> Result<()> {
    with_db!(db, p => {
        let mut tx = p.begin_write().await?;
        sqlx::query("UPDATE site SET reply_policy = $1 WHERE id = 1").bind(policy.as_str()).execute(&mut *tx).await?;
        sqlx::query_scalar::<_, i64>(BUMP_GENERATION).bind(Change::Everything.encode()).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok::<_, sqlx::Error>(())
    })?;
    Ok(())
}

/// Who may quote posts that do not choose.
pub async fn site_quote_policy(db: &Db) -> Result<QuotePolicy> {
    let sql = "SELECT quote_policy FROM site WHERE id = 1";
    let v = with_db!(db, p => sqlx::query_scalar::<_, String>(sql).fetch_one(p).await)?;
    Ok(v.parse().unwrap_or_default())
}

/// Sets the quote policy of posts that do not choose one.
pub async fn set_site_quote_policy(db: &Db, policy: QuotePolicy) -> Result<()> {
    with_db!(db, p => {
        let mut tx = p.begin_write().await?;
        sqlx::query("UPDATE site SET quote_policy = $1 WHERE id = 1").bind(policy.as_str()).execute(&mut *tx).await?;
        sqlx::query_scalar::<_, i64>(BUMP_GENERATION).bind(Change::Everything.encode()).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok::<_, sqlx::Error>(())
    })?;
    Ok(())
}
