//! The `admin_log` table: what administrators did, to what, and why. Domain blocks keep their
//! reason here (the `blocks` table says only what is blocked).

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::{Db, Result, with_db};

/// What an administrator did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminAction {
    BlockDomain,
    UnblockDomain,
    ChangeRole,
    Approve,
    Suspend,
    Unsuspend,
}

impl AdminAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AdminAction::BlockDomain => "block_domain",
            AdminAction::UnblockDomain => "unblock_domain",
            AdminAction::ChangeRole => "change_role",
            AdminAction::Approve => "approve",
            AdminAction::Suspend => "suspend",
            AdminAction::Unsuspend => "unsuspend",
        }
    }
}

#[derive(Debug, Clone, FromRow)]
pub struct Entry {
    pub admin_name: Option<String>,
    pub action: String,
    pub target: String,
    pub reason: String,
    pub created_at: DateTime<Utc>,
}

pub async fn record_action(
    db: &Db,
    admin_id: i64,
    action: AdminAction,
    target: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let sql = "INSERT INTO admin_log (admin_id, action, target, reason, created_at) VALUES ($1, $2, $3, $4, $5)";
    with_db!(db, p => sqlx::query(sql)
        .bind(admin_id)
        .bind(action.as_str())
        .bind(target)
        .bind(reason)
        .bind(now)
        .execute(p)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// The latest entry of `action` for each target, newest first.
pub async fn latest_actions(db: &Db, action: AdminAction) -> Result<Vec<Entry>> {
    let sql = "SELECT u.username AS admin_name, l.action, l.target, l.reason, l.created_at FROM admin_log l \
               LEFT JOIN users u ON u.id = l.admin_id WHERE l.action = $1 AND l.id = \
               (SELECT MAX(m.id) FROM admin_log m WHERE m.action = l.action AND m.target = l.target) \
               ORDER BY l.created_at DESC, l.id DESC";
    Ok(with_db!(db, p => sqlx::query_as::<_, Entry>(sql).bind(action.as_str()).fetch_all(p).await)?)
}
