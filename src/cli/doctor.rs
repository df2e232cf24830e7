//! `chorus doctor`: checks what a site needs, one line per check (`ok`, `warn` or `FAIL` and
//! the reason), and fails when any check fails: the configuration, the base URL, the
//! database and its migrations, the media store (a probe object in a bucket is written, read
//! back and deleted), the running server as other servers see it
//! (see [`super::peer_view`]), and a summary of the delivery queue. It changes nothing else.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::bail;
use chrono::Utc;

use super::peer_view;
use crate::cache::watch::RUNNING_WITHIN;
use crate::config::{Config, MediaLocation};
use crate::media::store::MediaStore;
use crate::storage::{self, Db, deliveries, health, instances, servers, users};
use crate::telemetry::error_chain;

/// How long the database may take to answer before it counts as unreachable.
const DATABASE_TIMEOUT: Duration = Duration::from_secs(10);

/// The lines printed so far and how many failed.
#[derive(Default)]
pub struct Report {
    checks: usize,
    failed: usize,
}

impl Report {
    pub fn ok(&mut self, what: &str, detail: impl std::fmt::Display) {
        self.line("ok", what, detail);
    }

    pub fn warn(&mut self, what: &str, detail: impl std::fmt::Display) {
        self.line("warn", what, detail);
    }

    pub fn fail(&mut self, what: &str, reason: impl std::fmt::Display) {
        self.failed += 1;
        self.line("FAIL", what, reason);
    }

    /// A check that could not run because another failed.
    pub fn skip(&mut self, what: &str, why: impl std::fmt::Display) {
        self.line("skip", what, why);
    }

    fn line(&mut self, mark: &str, what: &str, detail: impl std::fmt::Display) {
        self.checks += 1;
        println!("{mark:<4}  {what}: {detail}");
    }
}

/// Runs every check; `explicit` is the `--config` path. Fails when any check failed.
pub async fn run(explicit: Option<&Path>) -> anyhow::Result<()> {
    let mut report = Report::default();
    let config = match Config::load(explicit) {
        Ok(config) => {
            report.ok("configuration", describe_config(explicit));
            config
        }
        Err(e) => {
            report.fail("configuration", e);
            bail!("the configuration does not load; nothing else was checked");
        }
    };
    base_url(&mut report, &config);
    let db = database(&mut report, &config).await;
    media_store(&mut report, &config).await;
    let served = peer_view::check(&mut report, &config, db.as_ref()).await;
    if let Some(db) = &db {
        queue(&mut report, db).await;
        running_servers(&mut report, db, served).await;
        db.close().await;
    }
    if report.failed > 0 {
        bail!("{} of {} checks failed", report.failed, report.checks);
    }
    Ok(())
}

fn describe_config(explicit: Option<&Path>) -> String {
    let file = explicit
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os("CHORUS_CONFIG").map(PathBuf::from))
        .or_else(|| Some(PathBuf::from(crate::config::DEFAULT_FILE)).filter(|p| p.exists()));
    match file {
        Some(f) => format!("loaded {} and the CHORUS_* variables", f.display()),
        None => "no file; defaults and the CHORUS_* variables".into(),
    }
}

fn base_url(report: &mut Report, config: &Config) {
    let url = &config.base_url;
    if url.scheme() == "https" {
        report.ok("base_url", format!("{url} is https"));
    } else if config.allow_private_networks {
        report.warn(
            "base_url",
            format!(
                "{url} is not https; fine for development (allow_private_networks is on), \
                 but other servers refuse plain-http actors"
            ),
        );
    } else {
        report.fail(
            "base_url",
            format!(
                "{url} is not https: other servers refuse plain-http actors, and every \
                 ActivityPub id carries it. Set base_url to the https address people use"
            ),
        );
    }
}

/// Connects (without creating anything) and compares the migrations; the pool when it
/// answers.
async fn database(report: &mut Report, config: &Config) -> Option<Db> {
    let url = &config.database_url;
    if let Some(file) = health::sqlite_file(url)
        && !file.exists()
    {
        report.fail(
            "database",
            format!(
                "{} does not exist; `chorus migrate` or `chorus serve` creates it",
                file.display()
            ),
        );
        return None;
    }
    let connected = tokio::time::timeout(DATABASE_TIMEOUT, async {
        let db = Db::connect_existing(url).await?;
        db.ping().await?;
        Ok::<_, storage::StorageError>(db)
    })
    .await;
    let db = match connected {
        Ok(Ok(db)) => db,
        Ok(Err(e)) => {
            report.fail("database", format!("cannot reach it: {}", error_chain(&e)));
            return None;
        }
        Err(_) => {
            report.fail(
                "database",
                format!("no answer within {} s", DATABASE_TIMEOUT.as_secs()),
            );
            return None;
        }
    };
    match health::migration_status(&db).await {
        Ok(s) if s.is_current() => report.ok(
            "database",
            format!(
                "{} reachable, all {} migrations applied",
                db.backend(),
                s.applied
            ),
        ),
        Ok(s) if !s.failed.is_empty() => report.fail(
            "database",
            format!(
                "migrations {:?} failed part-way; see the server's log",
                s.failed
            ),
        ),
        Ok(s) if !s.unknown.is_empty() => report.fail(
            "database",
            format!(
                "it has migrations this build does not know ({:?}): a newer Chorus ran on it",
                s.unknown
            ),
        ),
        Ok(s) => report.fail(
            "database",
            format!(
                "{} migrations not applied ({}); run `chorus migrate`",
                s.pending.len(),
                s.pending.join(", ")
            ),
        ),
        Err(e) => report.fail(
            "database",
            format!("cannot read its migrations: {}", error_chain(&e)),
        ),
    }
    Some(db)
}

/// The media store: for a bucket, a probe object written, read back and deleted; for files,
/// the folders under `data_dir` checked as below.
async fn media_store(report: &mut Report, config: &Config) {
    if !matches!(config.media_location(), Ok(MediaLocation::S3 { .. })) {
        media_folder(report, &config.data_dir);
        return;
    }
    let store = match MediaStore::open(config) {
        Ok(store) => store,
        Err(e) => {
            report.fail("media store", error_chain(&e));
            return;
        }
    };
    match tokio::time::timeout(DATABASE_TIMEOUT, store.probe()).await {
        Ok(Ok(())) => report.ok(
            "media store",
            format!(
                "{}: an object was written, read back and deleted",
                store.name()
            ),
        ),
        Ok(Err(e)) => report.fail("media store", format!("{}: {e}", store.name())),
        Err(_) => report.fail(
            "media store",
            format!("{}: no answer within {DATABASE_TIMEOUT:?}", store.name()),
        ),
    }
}

/// `data_dir` and the folders under it that hold media: writable, or creatable.
fn media_folder(report: &mut Report, data_dir: &Path) {
    let mut checked = Vec::new();
    for dir in [
        data_dir.to_path_buf(),
        data_dir.join("media"),
        data_dir.join("avatars"),
    ] {
        if !dir.exists() {
            continue;
        }
        if let Err(e) = probe(&dir) {
            report.fail(
                "media store",
                format!("cannot write in {}: {e}", dir.display()),
            );
            return;
        }
        checked.push(dir.display().to_string());
    }
    if checked.is_empty() {
        // Not created yet: the server creates it on first use, if its parent lets it.
        let parent = nearest_existing(data_dir);
        match probe(&parent) {
            Ok(()) => report.ok(
                "media store",
                format!(
                    "{} does not exist yet; it can be created in {}",
                    data_dir.display(),
                    parent.display()
                ),
            ),
            Err(e) => report.fail(
                "media store",
                format!(
                    "{} does not exist and cannot be created in {}: {e}",
                    data_dir.display(),
                    parent.display()
                ),
            ),
        }
    } else {
        report.ok("media store", format!("writable: {}", checked.join(", ")));
    }
}

/// Writes and removes a small file in `dir`.
fn probe(dir: &Path) -> std::io::Result<()> {
    let file = dir.join(format!(".doctor-{}", uuid::Uuid::new_v4().simple()));
    std::fs::write(&file, b"chorus doctor\n")?;
    std::fs::remove_file(&file)
}

fn nearest_existing(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    absolute
        .ancestors()
        .find(|p| p.exists())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

async fn queue(report: &mut Report, db: &Db) {
    let now = Utc::now();
    let summary = async {
        let queue = deliveries::queue_summary(db).await?;
        let by_status = deliveries::count_deliveries_by_status(db).await?;
        let paused = instances::count_paused_instances(db, now).await?;
        Ok::<_, storage::StorageError>((queue, by_status.get("dead").copied().unwrap_or(0), paused))
    }
    .await;
    match summary {
        Ok((queue, dead, paused)) => {
            let oldest = queue
                .oldest
                .map(|t| format!(", the oldest queued {} ago", age(now - t)))
                .unwrap_or_default();
            report.ok(
                "delivery queue",
                format!(
                    "{} pending ({} retrying){oldest}; {dead} given up (dead) and kept for \
                     diagnosis; {paused} instances paused after repeated failures",
                    queue.pending, queue.failing
                ),
            );
        }
        Err(e) => report.fail(
            "delivery queue",
            format!("cannot read it: {}", error_chain(&e)),
        ),
    }
}

/// The servers that follow content changes on this database (commands wait for them).
async fn running_servers(report: &mut Report, db: &Db, served: bool) {
    let since = Utc::now() - chrono::Duration::from_std(RUNNING_WITHIN).expect("a small duration");
    let (running, generation) = match async {
        Ok::<_, storage::StorageError>((
            servers::list_running(db, since).await?,
            storage::site::content_generation(db).await?,
        ))
    }
    .await
    {
        Ok(found) => found,
        Err(e) => {
            report.fail(
                "running servers",
                format!("cannot read them: {}", error_chain(&e)),
            );
            return;
        }
    };
    let list: Vec<String> = running
        .iter()
        .map(|s| format!("{} (content {} of {generation})", s.address, s.generation))
        .collect();
    if running.is_empty() && served {
        report.warn(
            "running servers",
            "the server answers but none follows changes on this database: is it configured \
             with another database_url?",
        );
    } else if running.is_empty() {
        report.warn("running servers", "none on this database");
    } else {
        report.ok("running servers", list.join(", "));
    }
}

fn age(d: chrono::TimeDelta) -> String {
    let s = d.num_seconds().max(0);
    match s {
        0..120 => format!("{s} s"),
        120..7200 => format!("{} min", s / 60),
        7200..172_800 => format!("{} h", s / 3600),
        _ => format!("{} days", s / 86_400),
    }
}

/// The account whose WebFinger, actor and documents are checked: the first active account
/// that publishes, else the community.
pub async fn sample_account(db: &Db) -> storage::Result<String> {
    let listed = users::list_users(db).await?;
    if let Some(user) = listed
        .iter()
        .find(|u| u.status == users::AccountStatus::Active && u.role.can_publish())
    {
        return Ok(user.username.to_string());
    }
    Ok(storage::site::get_site(db).await?.community_username)
}
