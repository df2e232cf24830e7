//! The `password_resets` table: one-time links an administrator issues so that a person can
//! set a new password. Only the SHA-256 of a link's token is stored.

use chrono::{DateTime, Utc};

use super::{BeginWrite, Db, Result, with_db};

/// Why a reset link could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ResetProblem {
    #[error("this reset link is not valid: it may have been mistyped")]
    Unknown,
    #[error("this reset link was already used")]
    Used,
    #[error("this reset link has expired")]
    Expired,
}

pub async fn insert_reset(
    db: &Db,
    token_hash: &str,
    user_id: i64,
    created_by: i64,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    let sql = "INSERT INTO password_resets (token_hash, user_id, created_by, created_at, expires_at) \
               VALUES ($1, $2, $3, $4, $5)";
    with_db!(db, p => sqlx::query(sql).bind(token_hash).bind(user_id).bind(created_by).bind(now)
        .bind(expires_at).execute(p).await.map(|_| ()))?;
    Ok(())
}

/// The account a reset link is for, if it can still be used at `now`.
pub async fn open_reset(
    db: &Db,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<std::result::Result<i64, ResetProblem>> {
    let sql = "SELECT user_id, expires_at, used_at FROM password_resets WHERE token_hash = $1";
    let row = with_db!(db, p => sqlx::query_as::<_, (i64, DateTime<Utc>, Option<DateTime<Utc>>)>(sql)
        .bind(token_hash).fetch_optional(p).await)?;
    Ok(match row {
        None => Err(ResetProblem::Unknown),
        Some((_, _, Some(_))) => Err(ResetProblem::Used),
        Some((_, expires, None)) if expires <= now => Err(ResetProblem::Expired),
        Some((user, _, None)) => Ok(user),
    })
}

/// Uses a reset link: marks it used, sets the account's password hash and ends the account's
/// sessions, in one transaction. Two uses racing for one link: one of them wins, the other
/// changes nothing. Gives the account's id, or why the link could not be used.
pub async fn use_reset(
    db: &Db,
    token_hash: &str,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<std::result::Result<i64, ResetProblem>> {
    let claim = "UPDATE password_resets SET used_at = $1 \
                 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING user_id";
    let set = super::users::SET_PASSWORD_HASH;
    let end = super::sessions::END_ALL_SESSIONS;
    let claimed = with_db!(db, p => {
        let mut tx = p.begin_write().await?;
        let user: Option<i64> = sqlx::query_scalar(claim).bind(now).bind(token_hash)
            .fetch_optional(&mut *tx).await?;
        if let Some(user) = user {
            sqlx::query(set).bind(password_hash).bind(now).bind(user).execute(&mut *tx).await?;
            sqlx::query(end).bind(user).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok::<_, sqlx::Error>(user)
    })?;
    match claimed {
        Some(user) => Ok(Ok(user)),
        None => Ok(match open_reset(db, token_hash, now).await? {
            Err(problem) => Err(problem),
            // Not claimable a moment ago, open now: it can only have been used meanwhile.
            Ok(_) => Err(ResetProblem::Used),
        }),
    }
}
