//! The `access_tokens` table: bearer tokens for Micropub and IndieAuth clients. Only the
//! SHA-256 of a token is stored; a revoked token keeps its row so the account page can say so
//! until it is tidied away.

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::{Db, Result, with_db};

/// A token as stored.
#[derive(Debug, Clone, FromRow)]
pub struct AccessToken {
    pub id: i64,
    pub user_id: i64,
    pub client_id: String,
    pub client_name: String,
    /// Space-separated scope names.
    pub scope: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl AccessToken {
    /// Whether the token still opens the door at `now`.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|e| e > now)
    }
}

const COLUMNS: &str = "id, user_id, client_id, client_name, scope, created_at, last_used_at, \
                       expires_at, revoked_at";

pub struct NewToken<'a> {
    pub token_hash: &'a str,
    pub user_id: i64,
    pub client_id: &'a str,
    pub client_name: &'a str,
    pub scope: &'a str,
    pub now: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// Stores a new token and gives its id.
pub async fn insert_token(db: &Db, new: &NewToken<'_>) -> Result<i64> {
    let sql = "INSERT INTO access_tokens \
               (token_hash, user_id, client_id, client_name, scope, created_at, expires_at) \
               VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";
    let id = with_db!(db, p => sqlx::query_scalar::<_, i64>(sql).bind(new.token_hash)
        .bind(new.user_id).bind(new.client_id).bind(new.client_name).bind(new.scope)
        .bind(new.now).bind(new.expires_at).fetch_one(p).await)?;
    Ok(id)
}

/// The token whose hash is `token_hash`, live or not.
pub async fn find_token(db: &Db, token_hash: &str) -> Result<Option<AccessToken>> {
    let sql = format!("SELECT {COLUMNS} FROM access_tokens WHERE token_hash = $1");
    Ok(
        with_db!(db, p => sqlx::query_as::<_, AccessToken>(sqlx::AssertSqlSafe(sql.as_str())).bind(token_hash)
        .fetch_optional(p).await)?,
    )
}

/// Notes that a token was used at `now`, at most once per `interval`, so a busy client does
/// not write on every request.
pub async fn touch_token(
    db: &Db,
    id: i64,
    now: DateTime<Utc>,
    interval: chrono::Duration,
) -> Result<()> {
    let sql = "UPDATE access_tokens SET last_used_at = $1 \
               WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)";
    with_db!(db, p => sqlx::query(sql).bind(now).bind(id).bind(now - interval)
        .execute(p).await.map(|_| ()))?;
    Ok(())
}

/// An account's tokens that have not been revoked, newest first.
pub async fn list_tokens(db: &Db, user_id: i64) -> Result<Vec<AccessToken>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM access_tokens WHERE user_id = $1 AND revoked_at IS NULL \
         ORDER BY created_at DESC, id DESC"
    );
    Ok(
        with_db!(db, p => sqlx::query_as::<_, AccessToken>(sqlx::AssertSqlSafe(sql.as_str())).bind(user_id)
        .fetch_all(p).await)?,
    )
}

/// Revokes token `id` of account `user_id`; false when there is no such live token.
pub async fn revoke_token(db: &Db, id: i64, user_id: i64, now: DateTime<Utc>) -> Result<bool> {
    let sql = "UPDATE access_tokens SET revoked_at = $1 \
               WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL";
    let done = with_db!(db, p => sqlx::query(sql).bind(now).bind(id).bind(user_id)
        .execute(p).await.map(|r| r.rows_affected()))?;
    Ok(done > 0)
}

/// Revokes the token whose hash is `token_hash` (the revocation endpoint, RFC 7009: unknown
/// tokens are not an error); false when nothing was live.
pub async fn revoke_token_by_hash(db: &Db, token_hash: &str, now: DateTime<Utc>) -> Result<bool> {
    let sql = "UPDATE access_tokens SET revoked_at = $1 \
               WHERE token_hash = $2 AND revoked_at IS NULL";
    let done = with_db!(db, p => sqlx::query(sql).bind(now).bind(token_hash)
        .execute(p).await.map(|r| r.rows_affected()))?;
    Ok(done > 0)
}
