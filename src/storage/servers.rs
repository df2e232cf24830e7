//! The `server_processes` table: the `chorus serve` processes running on this database, the
//! content generation each one's page cache has applied, and when each was last seen. A
//! command that changes public content waits here until every running server has applied its
//! change (read-your-writes); `chorus doctor` lists them.

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::{Db, Result, with_db};

/// One running (or lately running) server process.
#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct ServerProcess {
    /// Random, chosen by the process when it starts.
    pub id: String,
    /// The socket address it listens on, for messages.
    pub address: String,
    /// The content generation its page cache has applied: it answers with every change up to
    /// this one.
    pub generation: i64,
    pub started_at: DateTime<Utc>,
    /// Its last heartbeat.
    pub seen_at: DateTime<Utc>,
}

/// Writes the row of a server that is starting (or starting to follow changes again).
pub async fn register(
    db: &Db,
    id: &str,
    address: &str,
    generation: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    let sql = "INSERT INTO server_processes (id, address, generation, started_at, seen_at) \
               VALUES ($1, $2, $3, $4, $4) \
               ON CONFLICT (id) DO UPDATE SET address = excluded.address, \
               generation = excluded.generation, seen_at = excluded.seen_at";
    with_db!(db, p => sqlx::query(sql)
        .bind(id).bind(address).bind(generation).bind(now)
        .execute(p).await.map(|_| ()))?;
    Ok(())
}

/// The heartbeat of server `id`: the generation it has applied, seen at `now`. Gives false
/// when its row is gone (it was forgotten as stale, or it is shutting down).
pub async fn heartbeat(db: &Db, id: &str, generation: i64, now: DateTime<Utc>) -> Result<bool> {
    let sql = "UPDATE server_processes SET generation = $1, seen_at = $2 WHERE id = $3";
    let done = with_db!(db, p => sqlx::query(sql)
        .bind(generation).bind(now).bind(id)
        .execute(p).await.map(|r| r.rows_affected()))?;
    Ok(done > 0)
}

/// Removes the row of a server that stops.
pub async fn unregister(db: &Db, id: &str) -> Result<()> {
    let sql = "DELETE FROM server_processes WHERE id = $1";
    with_db!(db, p => sqlx::query(sql).bind(id).execute(p).await.map(|_| ()))?;
    Ok(())
}

/// The servers seen since `since`, oldest first.
pub async fn list_running(db: &Db, since: DateTime<Utc>) -> Result<Vec<ServerProcess>> {
    let sql = "SELECT id, address, generation, started_at, seen_at FROM server_processes \
               WHERE seen_at >= $1 ORDER BY started_at, id";
    Ok(with_db!(db, p => sqlx::query_as::<_, ServerProcess>(sql).bind(since).fetch_all(p).await)?)
}

/// Deletes the rows of servers not seen since `before` (processes that were killed).
pub async fn forget_stale(db: &Db, before: DateTime<Utc>) -> Result<u64> {
    let sql = "DELETE FROM server_processes WHERE seen_at < $1";
    Ok(
        with_db!(db, p => sqlx::query(sql).bind(before).execute(p).await.map(|r| r.rows_affected()))?,
    )
}
