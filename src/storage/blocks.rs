//! The `blocks` table: actors and domains (with their subdomains) whose activities the inbox
//! refuses. Blocking also hides their comments and drops their reactions, in one transaction.

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::changes::Change;
use super::comments::hide_comments_of;
use super::posts::touch_conversations_of;
use super::reactions::delete_reactions_of;
use super::site::BUMP_GENERATION;
use super::{BeginWrite, Db, Result, with_db};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    Actor,
    Domain,
}

impl BlockKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BlockKind::Actor => "actor",
            BlockKind::Domain => "domain",
        }
    }
}

#[derive(Debug, Clone, FromRow)]
pub struct Block {
    pub id: i64,
    pub kind: String,
    /// An actor id, or a domain (`host` or `host:port`).
    pub value: String,
    pub created_at: DateTime<Utc>,
}

/// Remote actors a domain block covers: the domain itself and its subdomains (`$1` the domain).
const ACTORS_OF_DOMAIN: &str = "SELECT id FROM remote_actors WHERE domain = $1 \
    OR (length(domain) > length($1) AND substr(domain, length(domain) - length($1)) = '.' || $1)";

/// Blocks actor `uri`: its activities are refused, its comments hidden, its reactions dropped.
pub async fn block_actor(db: &Db, uri: &str, now: DateTime<Utc>) -> Result<()> {
    let actors = "SELECT id FROM remote_actors WHERE uri = $1";
    block(db, BlockKind::Actor, uri, actors, now).await
}

/// Blocks a domain and its subdomains, like [`block_actor`] for every actor there.
pub async fn block_domain(db: &Db, domain: &str, now: DateTime<Utc>) -> Result<()> {
    block(
        db,
        BlockKind::Domain,
        &domain.trim().to_ascii_lowercase(),
        ACTORS_OF_DOMAIN,
        now,
    )
    .await
}

async fn block(
    db: &Db,
    kind: BlockKind,
    value: &str,
    actors: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let insert = "INSERT INTO blocks (kind, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (kind, value) DO NOTHING";
    let touch = touch_conversations_of(actors);
    let hide = hide_comments_of(actors);
    let drop_reactions = delete_reactions_of(actors);
    with_db!(db, p => {
        let mut tx = p.begin_write().await?;
        sqlx::query(insert).bind(kind.as_str()).bind(value).bind(now).execute(&mut *tx).await?;
        sqlx::query(sqlx::AssertSqlSafe(touch.as_str())).bind(value).bind(now).execute(&mut *tx).await?;
        sqlx::query(sqlx::AssertSqlSafe(hide.as_str())).bind(value).execute(&mut *tx).await?;
        sqlx::query(sqlx::AssertSqlSafe(drop_reactions.as_str())).bind(value).execute(&mut *tx).await?;
        sqlx::query_scalar::<_, i64>(BUMP_GENERATION).bind(Change::Everything.encode()).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok::<_, sqlx::Error>(())
    })?;
    Ok(())
}

/// Lifts a block. Hidden comments stay hidden until a moderator approves them again.
pub async fn unblock(db: &Db, kind: BlockKind, value: &str) -> Result<bool> {
    let sql = "DELETE FROM blocks WHERE kind = $1 AND value = $2";
    let n = with_db!(db, p => sqlx::query(sql).bind(kind.as_str()).bind(value).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// Whether actor `uri` on `domain` is blocked, itself or by its domain (or a parent domain).
pub async fn is_blocked(db: &Db, uri: &str, domain: &str) -> Result<bool> {
    let domain = domain.to_ascii_lowercase();
    Ok(
        with_db!(db, p => sqlx::query_scalar::<_, i64>(IS_BLOCKED).bind(uri).bind(domain.as_str()).fetch_one(p).await)?
            > 0,
    )
}

/// Counts the blocks that cover actor `$1` on (lowercase) domain `$2`: the actor itself, its
/// domain, or a parent domain. For use inside other transactions.
pub(crate) const IS_BLOCKED: &str = "SELECT COUNT(*) FROM blocks WHERE (kind = 'actor' AND value = $1) OR (kind = 'domain' \
     AND ($2 = value OR (length($2) > length(value) AND substr($2, length($2) - length(value)) = '.' || value)))";

pub async fn list_blocks(db: &Db) -> Result<Vec<Block>> {
    let sql = "SELECT id, kind, value, created_at FROM blocks ORDER BY created_at DESC, id DESC";
    Ok(with_db!(db, p => sqlx::query_as::<_, Block>(sql).fetch_all(p).await)?)
}
