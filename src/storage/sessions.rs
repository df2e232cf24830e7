//! The `sessions` table: signed-in browsers. Rows are keyed by the SHA-256 of the cookie's
//! token, so a copy of the database does not let anyone sign in.

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::{Db, Result, with_db};

#[derive(Debug, Clone, FromRow)]
pub struct Session {
    pub id: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub user_agent: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

pub struct NewSession<'a> {
    pub id: &'a str,
    pub user_id: i64,
    pub csrf_token: &'a str,
    pub user_agent: &'a str,
    pub now: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert_session(db: &Db, s: &NewSession<'_>) -> Result<()> {
    let sql = "INSERT INTO sessions (id, user_id, csrf_token, user_agent, created_at, last_seen_at, expires_at) \
               VALUES ($1, $2, $3, $4, $5, $5, $6)";
    with_db!(db, p => sqlx::query(sql)
        .bind(s.id).bind(s.user_id).bind(s.csrf_token).bind(s.user_agent).bind(s.now).bind(s.expires_at)
        .execute(p).await.map(|_| ()))?;
    Ok(())
}

/// A session that has not expired at `now`.
pub async fn find_live_session(db: &Db, id: &str, now: DateTime<Utc>) -> Result<Option<Session>> {
    let sql = "SELECT id, user_id, csrf_token, user_agent, created_at, last_seen_at, expires_at FROM sessions \
               WHERE id = $1 AND expires_at > $2";
    Ok(
        with_db!(db, p => sqlx::query_as::<_, Session>(sql).bind(id).bind(now).fetch_optional(p).await)?,
    )
}

/// Extends a session that is in use (sliding expiry).
pub async fn touch_session(
    db: &Db,
    id: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    let sql = "UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE id = $3";
    with_db!(db, p => sqlx::query(sql).bind(now).bind(expires_at).bind(id).execute(p).await.map(|_| ()))?;
    Ok(())
}

pub async fn delete_session(db: &Db, id: &str) -> Result<()> {
    with_db!(db, p => sqlx::query("DELETE FROM sessions WHERE id = $1").bind(id).execute(p).await.map(|_| ()))?;
    Ok(())
}

/// Signs a person out everywhere (or everywhere but `keep`); returns how many sessions ended.
/// Ends every session of account `$1`.
pub(super) const END_ALL_SESSIONS: &str = "DELETE FROM sessions WHERE user_id = $1";

pub async fn delete_user_sessions(db: &Db, user_id: i64, keep: Option<&str>) -> Result<u64> {
    let sql = "DELETE FROM sessions WHERE user_id = $1 AND id <> $2";
    let n = with_db!(db, p => sqlx::query(sql).bind(user_id).bind(keep.unwrap_or("")).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(n)
}

pub async fn list_user_sessions(db: &Db, user_id: i64, now: DateTime<Utc>) -> Result<Vec<Session>> {
    let sql = "SELECT id, user_id, csrf_token, user_agent, created_at, last_seen_at, expires_at FROM sessions \
               WHERE user_id = $1 AND expires_at > $2 ORDER BY last_seen_at DESC";
    Ok(
        with_db!(db, p => sqlx::query_as::<_, Session>(sql).bind(user_id).bind(now).fetch_all(p).await)?,
    )
}

pub async fn delete_expired_sessions(db: &Db, now: DateTime<Utc>) -> Result<u64> {
    let sql = "DELETE FROM sessions WHERE expires_at <= $1";
    Ok(with_db!(db, p => sqlx::query(sql).bind(now).execute(p).await.map(|r| r.rows_affected()))?)
}
