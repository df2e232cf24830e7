//! Webmentions: those received (`webmentions`, a queue that outlives restarts) and those sent
//! for local posts (`webmention_jobs`, `webmention_sends`). The people who wrote them are
//! `remote_actors` of kind `WebAuthor` (written in `remote`), and the likes and reposts they
//! count are `reactions` (written in `reactions`).

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::{Db, Result, with_db};

pub use super::reactions::{add_web_reaction, remove_web_reactions};
pub use super::remote::{WEB_AUTHOR, WebAuthor, upsert_web_author};

/// A webmention received.
#[derive(Debug, Clone, FromRow)]
pub struct Received {
    pub id: i64,
    pub source: String,
    pub target: String,
    pub post_id: i64,
    /// `queued`, `accepted`, `rejected` or `removed`.
    pub status: String,
    pub kind: Option<String>,
    pub reason: String,
    pub attempts: i64,
    pub received_at: DateTime<Utc>,
    pub processed_at: Option<DateTime<Utc>>,
}

const RECEIVED: &str = "SELECT id, source, target, post_id, status, kind, reason, attempts, \
                        received_at, processed_at FROM webmentions";

/// Queues (again) the webmention `source` → `target` on post `post_id`: a second one for the
/// same pair means the source changed, and it is checked again.
pub async fn queue_received(
    db: &Db,
    source: &str,
    target: &str,
    post_id: i64,
    now: DateTime<Utc>,
) -> Result<i64> {
    let sql = "INSERT INTO webmentions (source, target, post_id, status, received_at) \
               VALUES ($1, $2, $3, 'queued', $4) \
               ON CONFLICT (source, target) DO UPDATE SET status = 'queued', reason = '', \
               attempts = 0, received_at = excluded.received_at, claimed_until = NULL RETURNING id";
    Ok(with_db!(db, p => sqlx::query_scalar::<_, i64>(sql)
        .bind(source).bind(target).bind(post_id).bind(now).fetch_one(p).await)?)
}

/// Claims the oldest queued webmention whose lease (if any) ran out, leasing it until `until`.
pub async fn claim_received(
    db: &Db,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Option<Received>> {
    let free = "status = 'queued' AND (claimed_until IS NULL OR claimed_until < $2)";
    let sql = format!(
        "UPDATE webmentions SET claimed_until = $1, attempts = attempts + 1 \
         WHERE id = (SELECT id FROM webmentions WHERE {free} ORDER BY id LIMIT 1) AND {free} \
         RETURNING id, source, target, post_id, status, kind, reason, attempts, received_at, processed_at"
    );
    Ok(
        with_db!(db, p => sqlx::query_as::<_, Received>(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(until).bind(now).fetch_optional(p).await)?,
    )
}

/// Records what became of webmention `id`: `status` (`accepted`, `rejected`, `removed`, or
/// `queued` to try again after its lease), its kind once known, and the reason.
pub async fn finish_received(
    db: &Db,
    id: i64,
    status: &str,
    kind: Option<&str>,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let sql = "UPDATE webmentions SET status = $1, kind = COALESCE($2, kind), reason = $3, \
               processed_at = $4 WHERE id = $5";
    with_db!(db, p => sqlx::query(sql).bind(status).bind(kind).bind(reason).bind(now).bind(id)
        .execute(p).await.map(|_| ()))?;
    Ok(())
}

/// The webmention `source` → `target`, if one was received.
pub async fn find_received(db: &Db, source: &str, target: &str) -> Result<Option<Received>> {
    let sql = format!("{RECEIVED} WHERE source = $1 AND target = $2");
    Ok(
        with_db!(db, p => sqlx::query_as::<_, Received>(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(source).bind(target).fetch_optional(p).await)?,
    )
}

/// Asks for webmentions about post `post_id`'s links to be sent (again).
pub async fn queue_send(db: &Db, post_id: i64, now: DateTime<Utc>) -> Result<()> {
    let sql = "INSERT INTO webmention_jobs (post_id, queued_at) VALUES ($1, $2) \
               ON CONFLICT (post_id) DO UPDATE SET queued_at = excluded.queued_at, claimed_until = NULL";
    with_db!(db, p => sqlx::query(sql).bind(post_id).bind(now).execute(p).await.map(|_| ()))?;
    Ok(())
}

/// A post whose links are to be told, with when that was asked.
#[derive(Debug, Clone, FromRow)]
pub struct SendJob {
    pub post_id: i64,
    pub queued_at: DateTime<Utc>,
}

/// Claims the oldest send job whose lease (if any) ran out, leasing it until `until`.
pub async fn claim_send(
    db: &Db,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Option<SendJob>> {
    let free = "(claimed_until IS NULL OR claimed_until < $2)";
    let sql = format!(
        "UPDATE webmention_jobs SET claimed_until = $1 WHERE post_id = \
         (SELECT post_id FROM webmention_jobs WHERE {free} ORDER BY queued_at, post_id LIMIT 1) \
         AND {free} RETURNING post_id, queued_at"
    );
    Ok(
        with_db!(db, p => sqlx::query_as::<_, SendJob>(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(until).bind(now).fetch_optional(p).await)?,
    )
}

/// Removes a send job once done, unless the post changed again meanwhile.
pub async fn finish_send(db: &Db, job: &SendJob) -> Result<()> {
    let sql = "DELETE FROM webmention_jobs WHERE post_id = $1 AND queued_at = $2";
    with_db!(db, p => sqlx::query(sql).bind(job.post_id).bind(job.queued_at).execute(p).await.map(|_| ()))?;
    Ok(())
}

/// A link of a post that was told of it.
#[derive(Debug, Clone, FromRow)]
pub struct Sent {
    pub target: String,
    pub content_hash: String,
    pub endpoint: Option<String>,
    pub outcome: String,
    pub sent_at: DateTime<Utc>,
}

pub async fn list_sent(db: &Db, post_id: i64) -> Result<Vec<Sent>> {
    let sql = "SELECT target, content_hash, endpoint, outcome, sent_at FROM webmention_sends \
               WHERE post_id = $1 ORDER BY target";
    Ok(with_db!(db, p => sqlx::query_as::<_, Sent>(sql).bind(post_id).fetch_all(p).await)?)
}

/// Records that `target` was told of version `content_hash` of post `post_id`.
pub async fn record_sent(
    db: &Db,
    post_id: i64,
    target: &str,
    content_hash: &str,
    endpoint: Option<&str>,
    outcome: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let sql = "INSERT INTO webmention_sends (post_id, target, content_hash, endpoint, outcome, sent_at) \
               VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (post_id, target) DO UPDATE SET \
               content_hash = excluded.content_hash, endpoint = excluded.endpoint, \
               outcome = excluded.outcome, sent_at = excluded.sent_at";
    with_db!(db, p => sqlx::query(sql).bind(post_id).bind(target).bind(content_hash).bind(endpoint)
        .bind(outcome).bind(now).execute(p).await.map(|_| ()))?;
    Ok(())
}

/// Forgets a link the post no longer has (it was told so).
pub async fn forget_sent(db: &Db, post_id: i64, target: &str) -> Result<()> {
    let sql = "DELETE FROM webmention_sends WHERE post_id = $1 AND target = $2";
    with_db!(db, p => sqlx::query(sql).bind(post_id).bind(target).execute(p).await.map(|_| ()))?;
    Ok(())
}
