//! The `followers` (remote actors following local ones) and `following` (local actors
//! following remote ones) tables, and the inboxes a local actor delivers to.

use chrono::{DateTime, Utc};

use super::{Db, Result, with_db};

/// Records that `remote` follows `local`; a repeated Follow updates its id.
pub async fn add_follower(
    db: &Db,
    local: i64,
    remote: i64,
    follow_id: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let sql = "INSERT INTO followers (local_actor_id, remote_actor_id, follow_id, created_at) VALUES ($1, $2, $3, $4) \
               ON CONFLICT (local_actor_id, remote_actor_id) DO UPDATE SET follow_id = excluded.follow_id";
    with_db!(db, p => sqlx::query(sql).bind(local).bind(remote).bind(follow_id).bind(now).execute(p).await.map(|_| ()))?;
    Ok(())
}

/// Removes a follower; returns whether there was one.
pub async fn remove_follower(db: &Db, local: i64, remote: i64) -> Result<bool> {
    let sql = "DELETE FROM followers WHERE local_actor_id = $1 AND remote_actor_id = $2";
    let n = with_db!(db, p => sqlx::query(sql).bind(local).bind(remote).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// Removes the follow with this Follow activity id, if it is `remote`'s.
pub async fn remove_follower_by_follow_id(db: &Db, remote: i64, follow_id: &str) -> Result<bool> {
    let sql = "DELETE FROM followers WHERE remote_actor_id = $1 AND follow_id = $2";
    let n = with_db!(db, p => sqlx::query(sql).bind(remote).bind(follow_id).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

pub async fn count_followers(db: &Db, local: i64) -> Result<i64> {
    let sql = "SELECT COUNT(*) FROM followers WHERE local_actor_id = $1";
    Ok(with_db!(db, p => sqlx::query_scalar::<_, i64>(sql).bind(local).fetch_one(p).await)?)
}

/// Followers of the community, and the people (counted once each) who follow one or more
/// authors.
pub async fn count_site_followers(db: &Db) -> Result<(i64, i64)> {
    let sql = "SELECT \
                 COUNT(CASE WHEN a.kind = 'group' THEN 1 END), \
                 COUNT(DISTINCT CASE WHEN a.kind = 'person' THEN f.remote_actor_id END) \
               FROM followers f JOIN local_actors a ON a.id = f.local_actor_id";
    Ok(with_db!(db, p => sqlx::query_as::<_, (i64, i64)>(sql).fetch_one(p).await)?)
}

/// Whether `remote` follows `local`.
pub async fn is_follower(db: &Db, local: i64, remote: i64) -> Result<bool> {
    let sql = "SELECT COUNT(*) FROM followers WHERE local_actor_id = $1 AND remote_actor_id = $2";
    Ok(
        with_db!(db, p => sqlx::query_scalar::<_, i64>(sql).bind(local).bind(remote).fetch_one(p).await)?
            > 0,
    )
}

/// Follower actor ids, newest first.
pub async fn list_followers(db: &Db, local: i64, limit: i64, offset: i64) -> Result<Vec<String>> {
    let sql = "SELECT r.uri FROM followers f JOIN remote_actors r ON r.id = f.remote_actor_id \
               WHERE f.local_actor_id = $1 ORDER BY f.created_at DESC, r.id DESC LIMIT $2 OFFSET $3";
    Ok(
        with_db!(db, p => sqlx::query_scalar::<_, String>(sql).bind(local).bind(limit).bind(offset).fetch_all(p).await)?,
    )
}

/// The distinct inboxes reaching every follower of the given local actors: a server's shared
/// inbox once for all its followers, otherwise each follower's own inbox.
pub async fn follower_inboxes(db: &Db, locals: &[i64]) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    let sql = "SELECT DISTINCT COALESCE(r.shared_inbox, r.inbox) FROM followers f \
               JOIN remote_actors r ON r.id = f.remote_actor_id WHERE f.local_actor_id = $1";
    for local in locals {
        let rows = with_db!(db, p => sqlx::query_scalar::<_, String>(sql).bind(*local).fetch_all(p).await)?;
        out.extend(rows);
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Whether anyone follows the community: one indexed look-up, made before the community
/// relays anything.
pub async fn community_has_followers(db: &Db) -> Result<bool> {
    Ok(
        with_db!(db, p => sqlx::query_scalar::<_, bool>(COMMUNITY_HAS_FOLLOWERS).fetch_one(p).await)?,
    )
}

/// Whether anyone follows the community (also asked once per batch by `intake`).
pub(super) const COMMUNITY_HAS_FOLLOWERS: &str = "SELECT EXISTS (SELECT 1 FROM followers f \
    JOIN local_actors a ON a.id = f.local_actor_id WHERE a.kind = 'group')";

/// Records that `local` asked to follow `remote` (pending until Accept).
pub async fn add_following(
    db: &Db,
    local: i64,
    remote: i64,
    follow_id: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let sql = "INSERT INTO following (local_actor_id, remote_actor_id, follow_id, accepted, created_at) \
               VALUES ($1, $2, $3, FALSE, $4) ON CONFLICT (local_actor_id, remote_actor_id) \
               DO UPDATE SET follow_id = excluded.follow_id, accepted = FALSE";
    with_db!(db, p => sqlx::query(sql).bind(local).bind(remote).bind(follow_id).bind(now).execute(p).await.map(|_| ()))?;
    Ok(())
}

/// Marks our Follow `follow_id` of `remote` accepted (or removes it when rejected).
pub async fn answer_following(
    db: &Db,
    remote: i64,
    follow_id: Option<&str>,
    accepted: bool,
) -> Result<bool> {
    let (sql_one, sql_any) = if accepted {
        (
            "UPDATE following SET accepted = TRUE WHERE remote_actor_id = $1 AND follow_id = $2",
            "UPDATE following SET accepted = TRUE WHERE remote_actor_id = $1",
        )
    } else {
        (
            "DELETE FROM following WHERE remote_actor_id = $1 AND follow_id = $2",
            "DELETE FROM following WHERE remote_actor_id = $1",
        )
    };
    let n = match follow_id {
        Some(id) => {
            with_db!(db, p => sqlx::query(sql_one).bind(remote).bind(id).execute(p).await.map(|r| r.rows_affected()))?
        }
        None => {
            with_db!(db, p => sqlx::query(sql_any).bind(remote).execute(p).await.map(|r| r.rows_affected()))?
        }
    };
    Ok(n > 0)
}

/// The Follow id with which `local` follows `remote`, if it does.
pub async fn find_following(db: &Db, local: i64, remote: i64) -> Result<Option<(String, bool)>> {
    let sql = "SELECT follow_id, accepted FROM following WHERE local_actor_id = $1 AND remote_actor_id = $2";
    Ok(
        with_db!(db, p => sqlx::query_as::<_, (String, bool)>(sql).bind(local).bind(remote).fetch_optional(p).await)?,
    )
}

pub async fn remove_following(db: &Db, local: i64, remote: i64) -> Result<bool> {
    let sql = "DELETE FROM following WHERE local_actor_id = $1 AND remote_actor_id = $2";
    let n = with_db!(db, p => sqlx::query(sql).bind(local).bind(remote).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

pub async fn count_following(db: &Db, local: i64) -> Result<i64> {
    let sql = "SELECT COUNT(*) FROM following WHERE local_actor_id = $1 AND accepted";
    Ok(with_db!(db, p => sqlx::query_scalar::<_, i64>(sql).bind(local).fetch_one(p).await)?)
}

pub async fn list_following(db: &Db, local: i64, limit: i64, offset: i64) -> Result<Vec<String>> {
    let sql = "SELECT r.uri FROM following f JOIN remote_actors r ON r.id = f.remote_actor_id \
               WHERE f.local_actor_id = $1 AND f.accepted ORDER BY f.created_at DESC, r.id DESC LIMIT $2 OFFSET $3";
    Ok(
        with_db!(db, p => sqlx::query_scalar::<_, String>(sql).bind(local).bind(limit).bind(offset).fetch_all(p).await)?,
    )
}

/// Whether any local actor follows `remote` (its posts are then kept).
pub async fn is_followed_locally(db: &Db, remote: i64) -> Result<bool> {
    let sql = "SELECT COUNT(*) FROM following WHERE remote_actor_id = $1";
    Ok(with_db!(db, p => sqlx::query_scalar::<_, i64>(sql).bind(remote).fetch_one(p).await)? > 0)
}

/// A remote actor following a local one, as the followers page lists them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Follower {
    pub remote_actor_id: i64,
    pub uri: String,
    pub username: String,
    pub domain: String,
    pub display_name: String,
    pub url: Option<String>,
    pub inbox: String,
    pub follow_id: String,
    pub since: DateTime<Utc>,
}

const FOLLOWER: &str = "SELECT r.id AS remote_actor_id, r.uri, r.username, r.domain, r.display_name, r.url, r.inbox, \
                        f.follow_id, f.created_at AS since FROM followers f JOIN remote_actors r ON r.id = f.remote_actor_id";

/// The followers of `local` with who they are, newest first.
pub async fn list_follower_details(
    db: &Db,
    local: i64,
    limit: i64,
    offset: i64,
) -> Result<Vec<Follower>> {
    let sql = format!(
        "{FOLLOWER} WHERE f.local_actor_id = $1 ORDER BY f.created_at DESC, r.id DESC LIMIT $2 OFFSET $3"
    );
    Ok(
        with_db!(db, p => sqlx::query_as::<_, Follower>(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(local)
        .bind(limit)
        .bind(offset)
        .fetch_all(p)
        .await)?,
    )
}

/// One follower of `local`, by the remote actor's row id.
pub async fn find_follower(db: &Db, local: i64, remote: i64) -> Result<Option<Follower>> {
    let sql = format!("{FOLLOWER} WHERE f.local_actor_id = $1 AND f.remote_actor_id = $2");
    Ok(
        with_db!(db, p => sqlx::query_as::<_, Follower>(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(local)
        .bind(remote)
        .fetch_optional(p)
        .await)?,
    )
}

/// The followers of `local` on each of `domains`: `(domain, actor id)` pairs, for followers
/// collection synchronization (FEP-8fcf).
pub async fn followers_on_domains(
    db: &Db,
    local: i64,
    domains: &[String],
) -> Result<Vec<(String, String)>> {
    if domains.is_empty() {
        return Ok(Vec::new());
    }
    let slots: Vec<String> = (2..domains.len() + 2).map(|n| format!("${n}")).collect();
    let sql = format!(
        "SELECT r.domain, r.uri FROM followers f JOIN remote_actors r ON r.id = f.remote_actor_id \
         WHERE f.local_actor_id = $1 AND r.domain IN ({})",
        slots.join(", ")
    );
    Ok(with_db!(db, p => {
        let mut q = sqlx::query_as::<_, (String, String)>(sqlx::AssertSqlSafe(sql.as_str())).bind(local);
        for d in domains {
            q = q.bind(d.as_str());
        }
        q.fetch_all(p).await
    })?)
}

/// The local actors whose follow of `remote` it accepted.
pub async fn local_followers_of(db: &Db, remote: i64) -> Result<Vec<i64>> {
    let sql = "SELECT local_actor_id FROM following WHERE remote_actor_id = $1 AND accepted";
    Ok(with_db!(db, p => sqlx::query_scalar::<_, i64>(sql).bind(remote).fetch_all(p).await)?)
}
