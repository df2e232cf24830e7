//! Every SQL statement Chorus runs, behind one `Db` that is either SQLite or PostgreSQL.
//!
//! Each query is written once and compiled for both drivers by [`with_db!`]; where the
//! dialects differ the SQL string is chosen per backend inside this module tree.

pub mod actors;
pub mod admin_log;
pub mod amplifications;
pub mod auth_codes;
pub mod avatars;
pub mod blocks;
pub mod changes;
pub mod comments;
pub mod deliveries;
pub mod directory;
pub mod federation_health;
pub mod follows;
pub mod health;
pub mod instances;
pub mod intake;
pub mod invites;
pub mod media;
pub mod media_sources;
pub mod mentions;
pub mod mentions_received;
pub mod notifications;
pub mod pins;
pub mod posts;
pub mod quotes;
pub mod reactions;
pub mod redirects;
pub mod remote;
pub mod reports;
pub mod resets;
pub mod review_notices;
pub mod search;
pub mod servers;
pub mod sessions;
pub mod site;
pub mod sitemap;
pub mod tokens;
pub mod users;
pub mod webmentions;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

/// A connection pool on one of the two supported databases.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$p` bound to the native pool of whichever backend `$db` is.
macro_rules! with_db {
    ($db:expr, $p:ident => $body:expr) => {
        match $db {
            $crate::storage::Db::Sqlite($p) => $body,
            $crate::storage::Db::Postgres($p) => $body,
        }
    };
}
pub(crate) use with_db;

/// Starts a transaction that will write. On SQLite it takes the write lock at once
/// (`BEGIN IMMEDIATE`), so that a busy database makes it wait (`busy_timeout`) instead of
/// failing when a read inside the transaction would later have to become a write.
pub(crate) trait BeginWrite {
    type Database: sqlx::Database;
    fn begin_write(
        &self,
    ) -> impl std::future::Future<
        Output = std::result::Result<sqlx::Transaction<'static, Self::Database>, sqlx::Error>,
    > + Send;
}

impl BeginWrite for SqlitePool {
    type Database = sqlx::Sqlite;
    fn begin_write(
        &self,
    ) -> impl std::future::Future<
        Output = std::result::Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error>,
    > + Send {
        self.begin_with("BEGIN IMMEDIATE")
    }
}

impl BeginWrite for PgPool {
    type Database = sqlx::Postgres;
    fn begin_write(
        &self,
    ) -> impl std::future::Future<
        Output = std::result::Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error>,
    > + Send {
        self.begin()
    }
}

/// Failures of the storage layer, already translated into what they mean for the caller.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("{0} already exists")]
    Conflict(&'static str),
    #[error("not found")]
    NotFound,
    #[error("database error")]
    Database(#[from] sqlx::Error),
    #[error("migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://...")]
    UnsupportedUrl(String),
}

/// Whether `e` is SQLite reporting that another connection holds the database's lock.
pub fn is_busy(e: &StorageError) -> bool {
    let sql = match e {
        StorageError::Database(sql) => sql,
        StorageError::Migrate(sqlx::migrate::MigrateError::Execute(sql)) => sql,
        _ => return false,
    };
    match sql {
        sqlx::Error::Database(db) => {
            matches!(db.code().as_deref(), Some("5") | Some("6") | Some("517"))
        }
        _ => false,
    }
}

pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// Maps a unique-constraint violation to `Conflict(what)`, passing every other error through.
pub(crate) fn conflict_as(what: &'static str) -> impl Fn(sqlx::Error) -> StorageError {
    move |err| match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => StorageError::Conflict(what),
        _ => StorageError::Database(err),
    }
}

impl Db {
    /// Connects to `url`, creating the SQLite file (and its folder) when missing.
    pub async fn connect(url: &str) -> Result<Db> {
        Db::open(url, true).await
    }

    /// Connects to `url` when the database exists: a missing SQLite file is an error, not
    /// created (for checks that must change nothing).
    pub async fn connect_existing(url: &str) -> Result<Db> {
        Db::open(url, false).await
    }

    async fn open(url: &str, create: bool) -> Result<Db> {
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(create)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true);
            let in_memory = url.contains(":memory:") || url.contains("mode=memory");
            if !in_memory
                && create
                && let Some(parent) = options.get_filename().parent()
                && !parent.as_os_str().is_empty()
            {
                std::fs::create_dir_all(parent)
                    .map_err(|e| StorageError::Database(sqlx::Error::Io(e)))?;
            }
            let max = if in_memory { 1 } else { 8 };
            let pool = SqlitePoolOptions::new()
                .max_connections(max)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(options)
                .await?;
            Ok(Db::Sqlite(pool))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .connect(url)
                .await?;
            Ok(Db::Postgres(pool))
        } else {
            Err(StorageError::UnsupportedUrl(url.to_owned()))
        }
    }

    /// Applies the migrations of this backend that have not run yet.
    pub async fn migrate(&self) -> Result<()> {
        match self {
            Db::Sqlite(pool) => health::SQLITE_MIGRATIONS.run(pool).await?,
            Db::Postgres(pool) => health::POSTGRES_MIGRATIONS.run(pool).await?,
        }
        // Posts stored before search came are indexed once, as the migration that made the
        // index could not (their body text is taken from their HTML).
        search::index_existing_posts(self).await?;
        Ok(())
    }

    /// A trivial round trip, for health checks.
    pub async fn ping(&self) -> Result<()> {
        with_db!(self, p => sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(p).await)?;
        Ok(())
    }

    /// The name of the backend, for logs.
    pub fn backend(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// The pool's connections: `(open, idle)`.
    pub fn pool_use(&self) -> (u32, usize) {
        with_db!(self, p => (p.size(), p.num_idle()))
    }

    pub async fn close(&self) {
        with_db!(self, p => p.close().await)
    }
}
