//! The `outgoing_activities` table (activities this server sent, served at their id) and the
//! `deliveries` table: the persistent queue, one row per (activity, inbox).
//!
//! A row is `pending` until it is delivered (`done`) or given up (`dead`). Workers claim due
//! rows by setting a lease; a row whose lease has run out is due again, so a worker that
//! dies loses nothing.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::{BeginWrite, Db, Result, with_db};

/// Delivery rows inserted per statement: two parameters each, well under the parameter
/// limits of both databases.
const INSERT_CHUNK: usize = 500;

/// An activity to store with its deliveries.
#[derive(Debug, Clone, Copy)]
pub struct NewActivity<'a> {
    pub id: &'a str,
    pub local_actor_id: i64,
    pub kind: &'a str,
    /// The JSON document, exactly as it is sent.
    pub payload: &'a str,
    /// An activity whose delivery to the same inbox must be done (delivered or given up)
    /// before this one's is claimed.
    pub after: Option<&'a str>,
}

/// One inbox to deliver to, with the instance (`host[:port]`) it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NewDelivery {
    pub inbox: String,
    pub domain: String,
}

/// Stores `activity` (unless it is already stored) and one pending delivery per distinct
/// inbox (unless that (activity, inbox) pair is already queued), all in one transaction.
/// Returns the number of delivery rows created.
pub async fn insert_activity_with_deliveries(
    db: &Db,
    activity: NewActivity<'_>,
    deliveries: &[NewDelivery],
    now: DateTime<Utc>,
) -> Result<usize> {
    let mut seen = HashSet::with_capacity(deliveries.len());
    let distinct: Vec<&NewDelivery> = deliveries
        .iter()
        .filter(|d| seen.insert(d.inbox.as_str()))
        .collect();
    let insert_activity = "INSERT INTO outgoing_activities (id, local_actor_id, kind, payload, created_at) \
                           VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING";
    let inserted = with_db!(db, p => {
        let mut tx = p.begin_write().await?;
        sqlx::query(insert_activity)
            .bind(activity.id)
            .bind(activity.local_actor_id)
            .bind(activity.kind)
            .bind(activity.payload)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let mut inserted = 0u64;
        for chunk in distinct.chunks(INSERT_CHUNK) {
            let sql = insert_deliveries_sql(chunk.len());
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(activity.id).bind(now).bind(activity.after);
            for d in chunk {
                q = q.bind(d.inbox.as_str()).bind(d.domain.as_str());
            }
            inserted += q.execute(&mut *tx).await?.rows_affected();
        }
        tx.commit().await?;
        Ok::<_, sqlx::Error>(inserted)
    })?;
    Ok(usize::try_from(inserted).unwrap_or(usize::MAX))
}

/// `INSERT ... VALUES (...), (...)` for `rows` deliveries: `$1` is the activity id, `$2` the
/// time, `$3` the activity to wait for, then inbox and domain for each row.
fn insert_deliveries_sql(rows: usize) -> String {
    let mut sql = String::with_capacity(80 + rows * 48);
    sql.push_str(
        "INSERT INTO deliveries (activity_id, inbox, domain, status, attempts, next_attempt_at, created_at, updated_at, after_activity_id) VALUES ",
    );
    for i in 0..rows {
        if i > 0 {
            sql.push_str(", ");
        }
        let n = 4 + 2 * i;
        sql.push_str(&format!(
            "($1, ${n}, ${}, 'pending', 0, $2, $2, $2, $3)",
            n + 1
        ));
    }
    sql.push_str(" ON CONFLICT (activity_id, inbox) DO NOTHING");
    sql
}

/// The JSON of an activity this server sent, for serving it at its id.
pub async fn find_outgoing_activity(db: &Db, id: &str) -> Result<Option<serde_json::Value>> {
    let sql = "SELECT payload FROM outgoing_activities WHERE id = $1";
    let payload: Option<String> =
        with_db!(db, p => sqlx::query_scalar(sql).bind(id).fetch_optional(p).await)?;
    Ok(payload.and_then(|text| match serde_json::from_str(&text) {
        Ok(value) => Some(value),
        Err(e) => {
            tracing::warn!(activity = id, error = %e, "stored activity is not valid JSON");
            None
        }
    }))
}

/// What a worker needs to send the rows of one activity.
#[derive(Debug, Clone, FromRow)]
pub struct ActivityToSend {
    pub id: String,
    pub local_actor_id: i64,
    pub payload: String,
}

/// The stored activities among `ids`.
pub async fn find_activities_to_send(db: &Db, ids: &[&str]) -> Result<Vec<ActivityToSend>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT id, local_actor_id, payload FROM outgoing_activities WHERE id IN ({})",
        placeholders(1, ids.len())
    );
    let rows = with_db!(db, p => {
        let mut q = sqlx::query_as::<_, ActivityToSend>(sqlx::AssertSqlSafe(sql.as_str()));
        for id in ids {
            q = q.bind(*id);
        }
        q.fetch_all(p).await
    })?;
    Ok(rows)
}

/// `$first, $first+1, ...` for `count` parameters.
fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where a delivery is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    Pending,
    Done,
    Dead,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Done => "done",
            DeliveryStatus::Dead => "dead",
        }
    }

    fn parse(s: &str) -> DeliveryStatus {
        match s {
            "done" => DeliveryStatus::Done,
            "dead" => DeliveryStatus::Dead,
            _ => DeliveryStatus::Pending,
        }
    }
}

/// A delivery row as stored.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: i64,
    pub activity_id: String,
    pub inbox: String,
    pub domain: String,
    pub status: DeliveryStatus,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub lease_until: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(FromRow)]
struct DeliveryRow {
    id: i64,
    activity_id: String,
    inbox: String,
    domain: String,
    status: String,
    attempts: i64,
    next_attempt_at: DateTime<Utc>,
    lease_until: Option<DateTime<Utc>>,
    last_error: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<DeliveryRow> for Delivery {
    fn from(r: DeliveryRow) -> Delivery {
        Delivery {
            id: r.id,
            activity_id: r.activity_id,
            inbox: r.inbox,
            domain: r.domain,
            status: DeliveryStatus::parse(&r.status),
            attempts: r.attempts,
            next_attempt_at: r.next_attempt_at,
            lease_until: r.lease_until,
            last_error: r.last_error,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const SELECT: &str = "SELECT id, activity_id, inbox, domain, status, attempts, next_attempt_at, lease_until, \
                      last_error, created_at, updated_at FROM deliveries";

/// Every delivery of one activity, in insertion order.
pub async fn list_deliveries_of_activity(db: &Db, activity_id: &str) -> Result<Vec<Delivery>> {
    let sql = format!("{SELECT} WHERE activity_id = $1 ORDER BY id");
    let rows = with_db!(db, p => sqlx::query_as::<_, DeliveryRow>(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(activity_id)
        .fetch_all(p)
        .await)?;
    Ok(rows.into_iter().map(Delivery::from).collect())
}

/// How many rows are in each status, for logs and health pages.
pub async fn count_deliveries_by_status(db: &Db) -> Result<BTreeMap<&'static str, i64>> {
    let sql = "SELECT status, COUNT(*) FROM deliveries GROUP BY status";
    let rows: Vec<(String, i64)> = with_db!(db, p => sqlx::query_as(sql).fetch_all(p).await)?;
    Ok(rows
        .into_iter()
        .map(|(status, n)| (DeliveryStatus::parse(&status).as_str(), n))
        .collect())
}

/// The delivery queue in one line: rows still to deliver, those among them that failed at
/// least once, and when the oldest of them was queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueSummary {
    pub pending: i64,
    pub failing: i64,
    pub oldest: Option<DateTime<Utc>>,
}

/// The queue as the admin overview shows it.
pub async fn queue_summary(db: &Db) -> Result<QueueSummary> {
    let counts = "SELECT COUNT(*), COUNT(CASE WHEN attempts > 0 THEN 1 END) \
                  FROM deliveries WHERE status = 'pending'";
    let oldest = "SELECT MIN(created_at) FROM deliveries WHERE status = 'pending'";
    let (pending, failing): (i64, i64) =
        with_db!(db, p => sqlx::query_as::<_, (i64, i64)>(counts).fetch_one(p).await)?;
    let oldest = with_db!(db, p => sqlx::query_scalar::<_, Option<DateTime<Utc>>>(oldest).fetch_one(p).await)?;
    Ok(QueueSummary {
        pending,
        failing,
        oldest,
    })
}

/// A row a worker holds a lease on.
#[derive(Debug, Clone, FromRow)]
pub struct ClaimedDelivery {
    pub id: i64,
    pub activity_id: String,
    pub inbox: String,
    pub domain: String,
    /// Attempts made before this one.
    pub attempts: i64,
    pub created_at: DateTime<Utc>,
}

/// Leases up to `limit` due rows until `lease_until`: pending, `next_attempt_at` reached, no
/// live lease, their instance not paused, and no delivery they wait for (the activity they
/// come after, to the same inbox) still pending. On PostgreSQL concurrent claimers skip each
/// other's rows (`FOR UPDATE SKIP LOCKED`); SQLite runs one writer at a time.
///
/// An instance with at least `failing_threshold` consecutive failures whose pause is over is
/// probed with one row: the others are released, and the instance is paused until the lease
/// ends so no other worker sends to it meanwhile.
pub async fn claim_deliveries(
    db: &Db,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: i64,
    failing_threshold: i64,
) -> Result<Vec<ClaimedDelivery>> {
    let due = "SELECT d.id FROM deliveries d \
               WHERE d.status = 'pending' AND d.next_attempt_at <= $1 \
               AND (d.lease_until IS NULL OR d.lease_until <= $1) \
               AND NOT EXISTS (SELECT 1 FROM instances i WHERE i.domain = d.domain AND i.retry_after > $1) \
               AND (d.after_activity_id IS NULL OR NOT EXISTS (SELECT 1 FROM deliveries b \
                    WHERE b.activity_id = d.after_activity_id AND b.inbox = d.inbox AND b.status = 'pending')) \
               ORDER BY d.next_attempt_at, d.id LIMIT $3";
    let lock = match db {
        Db::Sqlite(_) => "",
        Db::Postgres(_) => " FOR UPDATE SKIP LOCKED",
    };
    let claim = format!(
        "UPDATE deliveries SET lease_until = $2 WHERE id IN ({due}{lock}) \
         RETURNING id, activity_id, inbox, domain, attempts, created_at"
    );
    let claimed = with_db!(db, p => {
        let mut tx = p.begin_write().await?;
        let mut rows: Vec<ClaimedDelivery> = sqlx::query_as(sqlx::AssertSqlSafe(claim.as_str()))
            .bind(now)
            .bind(lease_until)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
        rows.sort_by_key(|r| r.id);
        let mut domains: Vec<&str> = rows.iter().map(|r| r.domain.as_str()).collect();
        domains.sort_unstable();
        domains.dedup();
        let mut release: Vec<i64> = Vec::new();
        let mut probing: Vec<String> = Vec::new();
        if !domains.is_empty() {
            // Lock in a fixed order so that concurrent claimers cannot deadlock.
            let failing = format!(
                "SELECT domain, retry_after FROM instances WHERE consecutive_failures >= $1 AND domain IN ({}) \
                 ORDER BY domain{}",
                placeholders(2, domains.len()),
                if lock.is_empty() { "" } else { " FOR UPDATE" }
            );
            let mut q = sqlx::query_as::<_, (String, Option<DateTime<Utc>>)>(sqlx::AssertSqlSafe(failing.as_str()))
                .bind(failing_threshold);
            for d in &domains {
                q = q.bind(*d);
            }
            for (domain, retry_after) in q.fetch_all(&mut *tx).await? {
                let mut of_domain = rows.iter().filter(|r| r.domain == domain).map(|r| r.id);
                // Another claimer is probing it already: hand every row back.
                let busy = retry_after.is_some_and(|t| t > now);
                if !busy {
                    of_domain.next();
                    probing.push(domain.clone());
                }
                release.extend(of_domain);
            }
        }
        if !release.is_empty() {
            let sql = format!("UPDATE deliveries SET lease_until = NULL WHERE id IN ({})", placeholders(1, release.len()));
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for id in &release {
                q = q.bind(*id);
            }
            q.execute(&mut *tx).await?;
            rows.retain(|r| !release.contains(&r.id));
        }
        for domain in &probing {
            sqlx::query(super::instances::PAUSE_INSTANCE)
                .bind(lease_until)
                .bind(domain.as_str())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok::<_, sqlx::Error>(rows)
    })?;
    Ok(claimed)
}

/// What happened to one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The inbox accepted the activity.
    Delivered,
    /// Try again at `at`.
    Retry { at: DateTime<Utc>, error: String },
    /// Give up: retrying cannot help, or the attempts ran out.
    Dead { error: String },
}

/// Records the outcome of attempts on claimed rows, in one transaction, and ends their
/// leases. Rows no longer pending are left alone.
pub async fn record_outcomes(
    db: &Db,
    outcomes: &[(i64, Outcome)],
    now: DateTime<Utc>,
) -> Result<()> {
    if outcomes.is_empty() {
        return Ok(());
    }
    let done = "UPDATE deliveries SET status = 'done', attempts = attempts + 1, lease_until = NULL, \
                last_error = NULL, updated_at = $1 WHERE id = $2 AND status = 'pending'";
    let retry = "UPDATE deliveries SET attempts = attempts + 1, lease_until = NULL, next_attempt_at = $1, \
                 last_error = $2, updated_at = $3 WHERE id = $4 AND status = 'pending'";
    let dead = "UPDATE deliveries SET status = 'dead', attempts = attempts + 1, lease_until = NULL, \
                last_error = $1, updated_at = $2 WHERE id = $3 AND status = 'pending'";
    let mut sorted: Vec<&(i64, Outcome)> = outcomes.iter().collect();
    sorted.sort_by_key(|(id, _)| *id);
    let count = |f: fn(&Outcome) -> bool| sorted.iter().filter(|(_, o)| f(o)).count() as i64;
    let tallies = (
        count(|o| matches!(o, Outcome::Delivered)),
        count(|o| matches!(o, Outcome::Retry { .. })),
        count(|o| matches!(o, Outcome::Dead { .. })),
    );
    let hour =
        chrono::DurationRound::duration_trunc(now, chrono::TimeDelta::hours(1)).unwrap_or(now);
    let tally = super::federation_health::COUNT_ATTEMPTS;
    with_db!(db, p => {
        let mut tx = p.begin_write().await?;
        sqlx::query(tally).bind(hour).bind(tallies.0).bind(tallies.1).bind(tallies.2)
            .execute(&mut *tx).await?;
        for (id, outcome) in &sorted {
            match outcome {
                Outcome::Delivered => sqlx::query(done).bind(now).bind(*id).execute(&mut *tx).await?,
                Outcome::Retry { at, error } => sqlx::query(retry)
                    .bind(*at)
                    .bind(error.as_str())
                    .bind(now)
                    .bind(*id)
                    .execute(&mut *tx)
                    .await?,
                Outcome::Dead { error } => {
                    sqlx::query(dead).bind(error.as_str()).bind(now).bind(*id).execute(&mut *tx).await?
                }
            };
        }
        tx.commit().await?;
        Ok::<_, sqlx::Error>(())
    })?;
    Ok(())
}

/// "Retry now" for one instance (the federation health page): it is no longer paused, its
/// pending deliveries are due at `now`, and its dead deliveries still on record are queued
/// again as new ones. Gives how many deliveries are now due.
pub async fn retry_instance(db: &Db, domain: &str, now: DateTime<Utc>) -> Result<u64> {
    let unpause = super::instances::UNPAUSE_INSTANCE;
    let due = "UPDATE deliveries SET next_attempt_at = $2 WHERE domain = $1 AND status = 'pending'";
    let revive = "UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = $2, \
                  lease_until = NULL, created_at = $2, updated_at = $2 \
                  WHERE domain = $1 AND status = 'dead'";
    let n = with_db!(db, p => {
        let mut tx = p.begin_write().await?;
        sqlx::query(unpause).bind(domain).execute(&mut *tx).await?;
        let a = sqlx::query(due).bind(domain).bind(now).execute(&mut *tx).await?.rows_affected();
        let b = sqlx::query(revive).bind(domain).bind(now).execute(&mut *tx).await?.rows_affected();
        tx.commit().await?;
        Ok::<_, sqlx::Error>(a + b)
    })?;
    Ok(n)
}

/// Ends every lease. Only for SQLite at start-up, where this is the one process that sends:
/// rows a killed process was sending are due again at once.
pub async fn release_all_leases(db: &Db) -> Result<u64> {
    let sql = "UPDATE deliveries SET lease_until = NULL WHERE lease_until IS NOT NULL";
    let n = with_db!(db, p => sqlx::query(sql).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(n)
}

/// Deletes delivered rows last updated before `done_before` and dead rows last updated before
/// `dead_before`. Returns how many rows went.
pub async fn delete_finished_deliveries(
    db: &Db,
    done_before: DateTime<Utc>,
    dead_before: DateTime<Utc>,
) -> Result<u64> {
    let sql = "DELETE FROM deliveries WHERE (status = 'done' AND updated_at < $1) OR (status = 'dead' AND updated_at < $2)";
    let n = with_db!(db, p => sqlx::query(sql).bind(done_before).bind(dead_before).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(n)
}

/// Marks dead the pending rows queued before `queued_before` that nobody holds a lease on.
/// Returns how many.
pub async fn give_up_old_deliveries(
    db: &Db,
    queued_before: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<u64> {
    let sql = "UPDATE deliveries SET status = 'dead', lease_until = NULL, updated_at = $2, \
               last_error = COALESCE(last_error || ' (then gave up: too old)', 'gave up: too old') \
               WHERE status = 'pending' AND created_at < $1 AND (lease_until IS NULL OR lease_until <= $2)";
    let n = with_db!(db, p => sqlx::query(sql).bind(queued_before).bind(now).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batched_insert_numbers_its_parameters() {
        let sql = insert_deliveries_sql(3);
        assert!(sql.contains("($1, $4, $5, 'pending', 0, $2, $2, $2, $3), ($1, $6, $7,"));
        assert!(sql.contains("($1, $8, $9, 'pending', 0, $2, $2, $2, $3) ON CONFLICT"));
        assert_eq!(placeholders(2, 3), "$2, $3, $4");
    }
}
