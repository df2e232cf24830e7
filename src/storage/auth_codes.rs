//! The `auth_codes` table: IndieAuth authorization codes, one-time and short-lived. Only the
//! SHA-256 of a code is stored.

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::{Db, Result, with_db};

/// A code as stored, once claimed.
#[derive(Debug, Clone, FromRow)]
pub struct AuthCode {
    pub user_id: i64,
    pub client_id: String,
    pub redirect_uri: String,
    /// Space-separated scope names; empty for identification only.
    pub scope: String,
    pub code_challenge: String,
}

pub struct NewCode<'a> {
    pub code_hash: &'a str,
    pub user_id: i64,
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    pub scope: &'a str,
    pub code_challenge: &'a str,
    pub now: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Stores a new code, and drops codes that expired before `now` (used or not: they can only
/// be refused).
pub async fn insert_code(db: &Db, new: &NewCode<'_>) -> Result<()> {
    let tidy = "DELETE FROM auth_codes WHERE expires_at < $1";
    let sql = "INSERT INTO auth_codes (code_hash, user_id, client_id, redirect_uri, scope, \
               code_challenge, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    with_db!(db, p => sqlx::query(tidy).bind(new.now).execute(p).await.map(|_| ()))?;
    with_db!(db, p => sqlx::query(sql).bind(new.code_hash).bind(new.user_id)
        .bind(new.client_id).bind(new.redirect_uri).bind(new.scope).bind(new.code_challenge)
        .bind(new.now).bind(new.expires_at).execute(p).await.map(|_| ()))?;
    Ok(())
}

/// Uses the code whose hash is `code_hash`: marks it used and gives what it grants, if it was
/// unused and unexpired at `now`. A code is claimed before anything else about the request
/// is checked, so a wrong verifier burns it too; of two uses racing, one wins.
pub async fn claim_code(db: &Db, code_hash: &str, now: DateTime<Utc>) -> Result<Option<AuthCode>> {
    let sql = "UPDATE auth_codes SET used_at = $1 \
               WHERE code_hash = $2 AND used_at IS NULL AND expires_at > $1 \
               RETURNING user_id, client_id, redirect_uri, scope, code_challenge";
    Ok(
        with_db!(db, p => sqlx::query_as::<_, AuthCode>(sql).bind(now).bind(code_hash)
        .fetch_optional(p).await)?,
    )
}
