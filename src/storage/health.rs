//! What an operator's checks read about the database itself: which migrations it has, where
//! an SQLite file lives. Nothing here changes anything.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::str::FromStr;

use sqlx::migrate::Migrator;
use sqlx::sqlite::SqliteConnectOptions;

use super::{Db, Result, with_db};

/// The migrations compiled into this build, per backend.
pub(super) static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
pub(super) static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// How the database's migrations compare with this build's.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MigrationStatus {
    /// Migrations of this build the database has.
    pub applied: usize,
    /// Migrations of this build it has not run yet (`VERSION description`).
    pub pending: Vec<String>,
    /// Migrations that started and failed.
    pub failed: Vec<i64>,
    /// Versions the database has that this build does not know (a newer build ran on it).
    pub unknown: Vec<i64>,
}

impl MigrationStatus {
    pub fn is_current(&self) -> bool {
        self.pending.is_empty() && self.failed.is_empty() && self.unknown.is_empty()
    }
}

/// Compares the database's migrations with this build's.
pub async fn migration_status(db: &Db) -> Result<MigrationStatus> {
    let (migrator, exists) = match db {
        Db::Sqlite(_) => (
            &SQLITE_MIGRATIONS,
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
        ),
        Db::Postgres(_) => (
            &POSTGRES_MIGRATIONS,
            "SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE tablename = '_sqlx_migrations' \
             AND schemaname = ANY (current_schemas(false))",
        ),
    };
    let has_table = with_db!(db, p => sqlx::query_scalar::<_, i64>(exists).fetch_one(p).await)? > 0;
    let done: BTreeMap<i64, bool> = if has_table {
        let sql = "SELECT version, success FROM _sqlx_migrations";
        with_db!(db, p => sqlx::query_as::<_, (i64, bool)>(sql).fetch_all(p).await)?
            .into_iter()
            .collect()
    } else {
        BTreeMap::new()
    };
    let mut status = MigrationStatus::default();
    let known: Vec<i64> = migrator
        .iter()
        .filter(|m| !m.migration_type.is_down_migration())
        .map(|m| {
            match done.get(&m.version) {
                Some(true) => status.applied += 1,
                Some(false) => status.failed.push(m.version),
                None => status
                    .pending
                    .push(format!("{:04} {}", m.version, m.description)),
            }
            m.version
        })
        .collect();
    status.unknown = done
        .keys()
        .filter(|v| !known.contains(v))
        .copied()
        .collect();
    Ok(status)
}

/// The file of an SQLite database URL; `None` for other databases and in-memory ones.
pub fn sqlite_file(url: &str) -> Option<PathBuf> {
    if !url.starts_with("sqlite:") || url.contains(":memory:") || url.contains("mode=memory") {
        return None;
    }
    let options = SqliteConnectOptions::from_str(url).ok()?;
    Some(options.get_filename().to_path_buf())
}
