//! The `instances` table: the health of remote servers as seen by the delivery queue.
//!
//! Every delivery attempt reports whether the instance answered. A run of failures pauses
//! the instance (`retry_after`): the queue claims nothing for it before then.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::{BeginWrite, Db, Result, with_db};

/// What is known about one remote server.
#[derive(Debug, Clone, FromRow)]
pub struct Instance {
    /// `host[:port]`.
    pub domain: String,
    pub consecutive_failures: i64,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_failure_at: Option<DateTime<Utc>>,
    /// The first failure since the last success.
    pub failing_since: Option<DateTime<Utc>>,
    /// Nothing is delivered to the instance before this.
    pub retry_after: Option<DateTime<Utc>>,
}

/// Ends an instance's pause (`$1` its domain): deliveries to it may be claimed again.
pub(super) const UNPAUSE_INSTANCE: &str =
    "UPDATE instances SET retry_after = NULL WHERE domain = $1";

/// Leaves an instance alone until `$1` (`$2` its domain).
pub(super) const PAUSE_INSTANCE: &str = "UPDATE instances SET retry_after = $1 WHERE domain = $2";

/// Remote instances by state at `now`: `(ok, failing, paused)`. Failing: it failed since its
/// last success; paused: nothing is delivered to it before its `retry_after`.
pub async fn count_instances_by_state(db: &Db, now: DateTime<Utc>) -> Result<(i64, i64, i64)> {
    let sql = "SELECT \
               COUNT(CASE WHEN failing_since IS NULL THEN 1 END), \
               COUNT(CASE WHEN failing_since IS NOT NULL \
                     AND (retry_after IS NULL OR retry_after <= $1) THEN 1 END), \
               COUNT(CASE WHEN failing_since IS NOT NULL AND retry_after > $1 THEN 1 END) \
               FROM instances";
    Ok(with_db!(db, p => sqlx::query_as::<_, (i64, i64, i64)>(sql).bind(now).fetch_one(p).await)?)
}

pub async fn find_instance(db: &Db, domain: &str) -> Result<Option<Instance>> {
    let sql = "SELECT domain, consecutive_failures, last_success_at, last_failure_at, failing_since, retry_after \
               FROM instances WHERE domain = $1";
    Ok(with_db!(db, p => sqlx::query_as::<_, Instance>(sql).bind(domain).fetch_optional(p).await)?)
}

/// How one instance fared in a batch of attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Health {
    /// Attempts the instance answered (any status that says it is up).
    pub answered: u32,
    /// Attempts it did not answer usefully (timeouts, connection errors, 5xx, 429).
    pub failed: u32,
}

/// Records the results of a batch of attempts, in one transaction. An instance that
/// answered at least once is healthy again; otherwise its failures are added, and
/// `pause_until(consecutive_failures, failing_since)` says until when it is paused, if at all.
pub async fn record_instance_health<F>(
    db: &Db,
    results: &BTreeMap<String, Health>,
    now: DateTime<Utc>,
    pause_until: F,
) -> Result<()>
where
    F: Fn(i64, DateTime<Utc>) -> Option<DateTime<Utc>> + Send + Sync,
{
    if results.is_empty() {
        return Ok(());
    }
    let healthy = "INSERT INTO instances (domain, consecutive_failures, last_success_at) VALUES ($1, 0, $2) \
                   ON CONFLICT (domain) DO UPDATE SET consecutive_failures = 0, last_success_at = $2, \
                   failing_since = NULL, retry_after = NULL";
    let failing = "INSERT INTO instances (domain, consecutive_failures, last_failure_at, failing_since) \
                   VALUES ($1, $2, $3, $3) ON CONFLICT (domain) DO UPDATE SET \
                   consecutive_failures = instances.consecutive_failures + $2, last_failure_at = $3, \
                   failing_since = COALESCE(instances.failing_since, $3) \
                   RETURNING consecutive_failures, failing_since";
    let pause = PAUSE_INSTANCE;
    // `results` is ordered by domain, so concurrent batches lock rows in the same order.
    with_db!(db, p => {
        let mut tx = p.begin_write().await?;
        for (domain, health) in results {
            if health.answered > 0 {
                sqlx::query(healthy).bind(domain.as_str()).bind(now).execute(&mut *tx).await?;
            } else if health.failed > 0 {
                let (failures, since): (i64, Option<DateTime<Utc>>) = sqlx::query_as(failing)
                    .bind(domain.as_str())
                    .bind(i64::from(health.failed))
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await?;
                if let Some(until) = pause_until(failures, since.unwrap_or(now)) {
                    sqlx::query(pause).bind(until).bind(domain.as_str()).execute(&mut *tx).await?;
                }
            }
        }
        tx.commit().await?;
        Ok::<_, sqlx::Error>(())
    })?;
    Ok(())
}

/// Instances paused at `now` after repeated failures: nothing is delivered to them until
/// their `retry_after`, then one delivery probes them.
pub async fn count_paused_instances(db: &Db, now: DateTime<Utc>) -> Result<i64> {
    let sql = "SELECT COUNT(*) FROM instances WHERE retry_after > $1";
    Ok(with_db!(db, p => sqlx::query_scalar::<_, i64>(sql).bind(now).fetch_one(p).await)?)
}

/// The HTTP signature scheme an instance was found to accept (`"rfc9421"` or `"cavage"`),
/// with when that was learned; `None` when nothing was learned yet.
pub async fn find_signature_scheme(
    db: &Db,
    domain: &str,
) -> Result<Option<(String, DateTime<Utc>)>> {
    let sql = "SELECT signature_scheme, signature_scheme_at FROM instances \
               WHERE domain = $1 AND signature_scheme IS NOT NULL AND signature_scheme_at IS NOT NULL";
    let row: Option<(String, DateTime<Utc>)> =
        with_db!(db, p => sqlx::query_as(sql).bind(domain).fetch_optional(p).await)?;
    Ok(row)
}

/// Remembers that `domain` accepts `scheme` (`"rfc9421"` or `"cavage"`), learned at `now`.
pub async fn record_signature_scheme(
    db: &Db,
    domain: &str,
    scheme: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let sql = "INSERT INTO instances (domain, signature_scheme, signature_scheme_at) VALUES ($1, $2, $3) \
               ON CONFLICT (domain) DO UPDATE SET signature_scheme = $2, signature_scheme_at = $3";
    with_db!(db, p => sqlx::query(sql).bind(domain).bind(scheme).bind(now).execute(p).await.map(|_| ()))?;
    Ok(())
}
