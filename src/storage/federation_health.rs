//! What the federation health page reads: remote instances with their followers, pending and
//! dead deliveries and last error (a page at a time), delivery counts per hour
//! (`delivery_counts`), and incoming signature failures by server and reason
//! (`signature_failures`).

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::{BeginWrite, Db, Result, with_db};

/// One remote instance as the health page lists it.
#[derive(Debug, Clone, FromRow)]
pub struct InstanceHealth {
    pub domain: String,
    pub consecutive_failures: i64,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_failure_at: Option<DateTime<Utc>>,
    pub failing_since: Option<DateTime<Utc>>,
    pub retry_after: Option<DateTime<Utc>>,
    /// Followers of any local actor on this instance.
    pub followers: i64,
    pub pending: i64,
    /// Deliveries given up on (kept for a while after, see the queue's policy).
    pub dead: i64,
    /// The error of the most recent failed attempt still on record.
    pub last_error: Option<String>,
}

pub async fn count_instances(db: &Db) -> Result<i64> {
    let sql = "SELECT COUNT(*) FROM instances";
    Ok(with_db!(db, p => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await)?)
}

/// A page of instances: failing ones first (longest failing first), then by domain. The
/// counts are computed for the page's rows only, so a page costs the same with 10 or 10,000
/// instances on record.
pub async fn list_instances(db: &Db, limit: i64, offset: i64) -> Result<Vec<InstanceHealth>> {
    let sql = "WITH page AS ( \
                 SELECT domain, consecutive_failures, last_success_at, last_failure_at, \
                        failing_since, retry_after \
                 FROM instances \
                 ORDER BY CASE WHEN failing_since IS NULL THEN 1 ELSE 0 END, failing_since, domain \
                 LIMIT $1 OFFSET $2) \
               SELECT page.domain, page.consecutive_failures, page.last_success_at, \
                 page.last_failure_at, page.failing_since, page.retry_after, \
                 (SELECT COUNT(*) FROM followers f JOIN remote_actors r ON r.id = f.remote_actor_id \
                    WHERE r.domain = page.domain) AS followers, \
                 (SELECT COUNT(*) FROM deliveries d WHERE d.domain = page.domain \
                    AND d.status = 'pending') AS pending, \
                 (SELECT COUNT(*) FROM deliveries d WHERE d.domain = page.domain \
                    AND d.status = 'dead') AS dead, \
                 (SELECT d.last_error FROM deliveries d WHERE d.domain = page.domain \
                    AND d.status IN ('pending', 'dead') AND d.last_error IS NOT NULL \
                    ORDER BY d.updated_at DESC LIMIT 1) AS last_error \
               FROM page \
               ORDER BY CASE WHEN page.failing_since IS NULL THEN 1 ELSE 0 END, \
                 page.failing_since, page.domain";
    Ok(
        with_db!(db, p => sqlx::query_as::<_, InstanceHealth>(sql).bind(limit).bind(offset)
        .fetch_all(p).await)?,
    )
}

/// Adds one batch's attempts to the hour that `now` is in (`$1` hour, `$2` delivered,
/// `$3` retried, `$4` dead).
pub(super) const COUNT_ATTEMPTS: &str = "INSERT INTO delivery_counts (hour, delivered, retried, dead) \
     VALUES ($1, $2, $3, $4) ON CONFLICT (hour) DO UPDATE SET \
     delivered = delivery_counts.delivered + excluded.delivered, \
     retried = delivery_counts.retried + excluded.retried, \
     dead = delivery_counts.dead + excluded.dead";

/// Delivery attempts in one hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromRow)]
pub struct HourCount {
    pub hour: DateTime<Utc>,
    pub delivered: i64,
    pub retried: i64,
    pub dead: i64,
}

/// The hours since `since` that had attempts, oldest first.
pub async fn delivery_counts_since(db: &Db, since: DateTime<Utc>) -> Result<Vec<HourCount>> {
    let sql = "SELECT hour, delivered, retried, dead FROM delivery_counts WHERE hour >= $1 \
               ORDER BY hour";
    Ok(with_db!(db, p => sqlx::query_as::<_, HourCount>(sql).bind(since).fetch_all(p).await)?)
}

/// Forgets hours before `before`.
pub async fn delete_delivery_counts_before(db: &Db, before: DateTime<Utc>) -> Result<u64> {
    let sql = "DELETE FROM delivery_counts WHERE hour < $1";
    Ok(
        with_db!(db, p => sqlx::query(sql).bind(before).execute(p).await.map(|r| r.rows_affected()))?,
    )
}

/// Refused signatures from one server for one reason.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct SignatureFailure {
    pub domain: String,
    pub reason: String,
    pub failures: i64,
    pub first_at: DateTime<Utc>,
    pub last_at: DateTime<Utc>,
}

/// Adds counted failures, in one transaction.
pub async fn record_signature_failures(db: &Db, batch: &[SignatureFailure]) -> Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let sql = "INSERT INTO signature_failures (domain, reason, failures, first_at, last_at) \
               VALUES ($1, $2, $3, $4, $5) ON CONFLICT (domain, reason) DO UPDATE SET \
               failures = signature_failures.failures + excluded.failures, \
               last_at = excluded.last_at";
    with_db!(db, p => {
        let mut tx = p.begin_write().await?;
        for f in batch {
            sqlx::query(sql).bind(&f.domain).bind(&f.reason).bind(f.failures).bind(f.first_at)
                .bind(f.last_at).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok::<_, sqlx::Error>(())
    })?;
    Ok(())
}

/// The servers and reasons with the most failures seen since `since`.
pub async fn list_signature_failures(
    db: &Db,
    since: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<SignatureFailure>> {
    let sql = "SELECT domain, reason, failures, first_at, last_at FROM signature_failures \
               WHERE last_at >= $1 ORDER BY failures DESC, last_at DESC, domain, reason LIMIT $2";
    Ok(
        with_db!(db, p => sqlx::query_as::<_, SignatureFailure>(sql).bind(since).bind(limit)
        .fetch_all(p).await)?,
    )
}

/// Forgets failures last seen before `before`.
pub async fn delete_signature_failures_before(db: &Db, before: DateTime<Utc>) -> Result<u64> {
    let sql = "DELETE FROM signature_failures WHERE last_at < $1";
    Ok(
        with_db!(db, p => sqlx::query(sql).bind(before).execute(p).await.map(|r| r.rows_affected()))?,
    )
}
