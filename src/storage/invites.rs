//! The `invites` table: invite links with a role and an expiry, used once. Only the SHA-256 of
//! a link's code is stored, so a copy of the database cannot be used to register.

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::users::{AccountStatus, NewUser};
use super::{BeginWrite, Db, Result, StorageError, conflict_as, with_db};
use crate::domain::Role;

#[derive(Debug, Clone)]
pub struct Invite {
    /// The SHA-256 of the code (hex): the invite's identity in forms and lists.
    pub code_hash: String,
    pub role: Role,
    pub created_by: Option<i64>,
    pub created_by_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub used_by_name: Option<String>,
    pub used_at: Option<DateTime<Utc>>,
}

/// Where an invite is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteState {
    Open,
    Used,
    Expired,
}

impl Invite {
    pub fn state(&self, now: DateTime<Utc>) -> InviteState {
        if self.used_at.is_some() {
            InviteState::Used
        } else if self.expires_at <= now {
            InviteState::Expired
        } else {
            InviteState::Open
        }
    }
}

#[derive(FromRow)]
struct InviteRow {
    code: String,
    role: String,
    created_by: Option<i64>,
    created_by_name: Option<String>,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    used_by_name: Option<String>,
    used_at: Option<DateTime<Utc>>,
}

impl From<InviteRow> for Invite {
    fn from(r: InviteRow) -> Invite {
        Invite {
            code_hash: r.code,
            role: r
                .role
                .parse()
                .expect("the role column is constrained to known roles"),
            created_by: r.created_by,
            created_by_name: r.created_by_name,
            created_at: r.created_at,
            expires_at: r.expires_at,
            used_by_name: r.used_by_name,
            used_at: r.used_at,
        }
    }
}

const SELECT: &str = "SELECT i.code, i.role, i.created_by, c.username AS created_by_name, i.created_at, i.expires_at, \
                      u.username AS used_by_name, i.used_at FROM invites i \
                      LEFT JOIN users c ON c.id = i.created_by LEFT JOIN users u ON u.id = i.used_by";

pub async fn insert_invite(
    db: &Db,
    code_hash: &str,
    role: Role,
    created_by: i64,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    let sql = "INSERT INTO invites (code, role, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)";
    with_db!(db, p => sqlx::query(sql)
        .bind(code_hash)
        .bind(role.as_str())
        .bind(created_by)
        .bind(now)
        .bind(expires_at)
        .execute(p)
        .await
        .map(|_| ()))
    .map_err(conflict_as("an invite with that code"))?;
    Ok(())
}

/// Invites, newest first: all of them, or only those `created_by` made.
pub async fn list_invites(db: &Db, created_by: Option<i64>) -> Result<Vec<Invite>> {
    let sql = format!(
        "{SELECT} WHERE $1 IS NULL OR i.created_by = $1 ORDER BY i.created_at DESC, i.code"
    );
    let rows = with_db!(db, p => sqlx::query_as::<_, InviteRow>(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(created_by)
        .fetch_all(p)
        .await)?;
    Ok(rows.into_iter().map(Invite::from).collect())
}

pub async fn find_invite(db: &Db, code_hash: &str) -> Result<Option<Invite>> {
    let sql = format!("{SELECT} WHERE i.code = $1");
    let row = with_db!(db, p => sqlx::query_as::<_, InviteRow>(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(code_hash)
        .fetch_optional(p)
        .await)?;
    Ok(row.map(Invite::from))
}

/// Revokes an unused invite (it is deleted); `created_by` limits it to one person's invites.
/// Returns whether there was one to revoke.
pub async fn revoke_invite(db: &Db, code_hash: &str, created_by: Option<i64>) -> Result<bool> {
    let sql = "DELETE FROM invites WHERE code = $1 AND used_at IS NULL AND ($2 IS NULL OR created_by = $2)";
    let n = with_db!(db, p => sqlx::query(sql)
        .bind(code_hash)
        .bind(created_by)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// Why an invite could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InviteProblem {
    #[error("this invite link is not valid: it may have been revoked or mistyped")]
    Unknown,
    #[error("this invite link was already used")]
    Used,
    #[error("this invite link has expired")]
    Expired,
}

/// Creates the account `new` with the invite's role (whatever `new.role` says) and marks the
/// invite used, in one transaction: either both happen or neither. Two people racing for one
/// invite get one account between them.
pub async fn register_with_invite(
    db: &Db,
    code_hash: &str,
    new: &NewUser<'_>,
) -> Result<std::result::Result<i64, InviteProblem>> {
    let claim = "UPDATE invites SET used_at = $2 WHERE code = $1 AND used_at IS NULL AND expires_at > $2 RETURNING role";
    let insert = format!("{} RETURNING id", super::users::INSERT_USER);
    let link = "UPDATE invites SET used_by = $2 WHERE code = $1";
    let status = AccountStatus::Active.as_str();
    let outcome = with_db!(db, p => {
        let mut tx = p.begin_write().await?;
        let role: Option<String> = sqlx::query_scalar(claim).bind(code_hash).bind(new.now).fetch_optional(&mut *tx).await?;
        let Some(role) = role else {
            tx.rollback().await?;
            return Ok(Err(problem(db, code_hash).await?));
        };
        let id: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(insert.as_str()))
            .bind(new.username.as_str())
            .bind(new.display_name)
            .bind(&role)
            .bind(new.password_hash)
            .bind(new.now)
            .bind(status)
            .fetch_one(&mut *tx)
            .await
            .map_err(conflict_as("a user with that username"))?;
        sqlx::query(link).bind(code_hash).bind(id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok::<_, StorageError>(Ok(id))
    })?;
    Ok(outcome)
}

/// Why the invite `code_hash` cannot be claimed.
async fn problem(db: &Db, code_hash: &str) -> Result<InviteProblem> {
    Ok(match find_invite(db, code_hash).await? {
        None => InviteProblem::Unknown,
        Some(i) if i.used_at.is_some() => InviteProblem::Used,
        Some(_) => InviteProblem::Expired,
    })
}
