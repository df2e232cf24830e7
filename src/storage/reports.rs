//! The `reports` table: `Flag` activities from other servers, kept for the admins with the
//! reporter, their words and the reported objects.

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::{Db, Result, with_db};

#[derive(Debug, Clone)]
pub struct Report {
    pub id: i64,
    pub activity_id: String,
    pub reporter_uri: String,
    /// What the reporter wrote (plain text).
    pub comment: String,
    /// The reported actors and objects, by id.
    pub object_ids: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// When an admin last forwarded it to a reported account's server, and to which domain.
    pub forwarded_at: Option<DateTime<Utc>>,
    pub forwarded_to: Option<String>,
}

#[derive(FromRow)]
struct ReportRow {
    id: i64,
    activity_id: String,
    reporter_uri: String,
    comment: String,
    object_ids: String,
    created_at: DateTime<Utc>,
    resolved_at: Option<DateTime<Utc>>,
    forwarded_at: Option<DateTime<Utc>>,
    forwarded_to: Option<String>,
}

impl From<ReportRow> for Report {
    fn from(r: ReportRow) -> Report {
        Report {
            id: r.id,
            activity_id: r.activity_id,
            reporter_uri: r.reporter_uri,
            comment: r.comment,
            object_ids: r
                .object_ids
                .lines()
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect(),
            created_at: r.created_at,
            resolved_at: r.resolved_at,
            forwarded_at: r.forwarded_at,
            forwarded_to: r.forwarded_to,
        }
    }
}

/// Stores a report once (by its activity id). Gives whether it was new.
pub async fn insert_report(
    db: &Db,
    activity_id: &str,
    reporter_uri: &str,
    comment: &str,
    object_ids: &[String],
    now: DateTime<Utc>,
) -> Result<bool> {
    let sql = "INSERT INTO reports (activity_id, reporter_uri, comment, object_ids, created_at) VALUES ($1, $2, $3, $4, $5) \
               ON CONFLICT (activity_id) DO NOTHING";
    let ids: Vec<&str> = object_ids
        .iter()
        .map(|s| s.as_str())
        .filter(|s| !s.contains('\n'))
        .collect();
    let n = with_db!(db, p => sqlx::query(sql).bind(activity_id).bind(reporter_uri).bind(comment).bind(ids.join("\n")).bind(now)
        .execute(p).await.map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

const SELECT: &str = "SELECT id, activity_id, reporter_uri, comment, object_ids, created_at, resolved_at, \
                      forwarded_at, forwarded_to FROM reports";

pub async fn find_report(db: &Db, id: i64) -> Result<Option<Report>> {
    let sql = format!("{SELECT} WHERE id = $1");
    let row = with_db!(db, p => sqlx::query_as::<_, ReportRow>(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(p).await)?;
    Ok(row.map(Report::from))
}

/// Reports, newest first; with `open_only`, those no admin has resolved.
pub async fn list_reports(
    db: &Db,
    open_only: bool,
    limit: i64,
    offset: i64,
) -> Result<Vec<Report>> {
    let filter = if open_only {
        "WHERE resolved_at IS NULL"
    } else {
        ""
    };
    let sql = format!("{SELECT} {filter} ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2");
    let rows = with_db!(db, p => sqlx::query_as::<_, ReportRow>(sqlx::AssertSqlSafe(sql.as_str())).bind(limit).bind(offset).fetch_all(p).await)?;
    Ok(rows.into_iter().map(Report::from).collect())
}

/// Marks a report handled. Gives whether it was open.
pub async fn resolve_report(db: &Db, id: i64, now: DateTime<Utc>) -> Result<bool> {
    let sql = "UPDATE reports SET resolved_at = $1 WHERE id = $2 AND resolved_at IS NULL";
    let n = with_db!(db, p => sqlx::query(sql).bind(now).bind(id).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// Records that report `id` was forwarded to the server at `domain`.
pub async fn mark_report_forwarded(
    db: &Db,
    id: i64,
    domain: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let sql = "UPDATE reports SET forwarded_at = $1, forwarded_to = $2 WHERE id = $3";
    let n = with_db!(db, p => sqlx::query(sql).bind(now).bind(domain).bind(id).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(n > 0)
}
