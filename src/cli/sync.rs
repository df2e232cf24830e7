//! Read-your-writes for commands: a command that changed public content returns only once
//! every `chorus serve` running on the same database answers with the change, so a request
//! made right after it never sees the old state.
//!
//! Each running server records in the database the content generation its page cache has
//! applied (see [`crate::cache::watch`]); PostgreSQL wakes it at once when a change commits,
//! SQLite servers notice within a poll. The command reads the generation its change reached
//! and waits, checking every [`RECHECK`], until every server seen in the last few seconds has
//! applied it: at most [`WAIT_AT_MOST`], then it says which server is behind and returns.

use std::future::Future;
use std::time::{Duration, Instant};

use chrono::Utc;

use crate::app::App;
use crate::cache::watch::RUNNING_WITHIN;
use crate::storage::{self, servers};

/// The longest a command waits for running servers to show its change.
pub const WAIT_AT_MOST: Duration = Duration::from_secs(5);
/// How often the command looks whether the servers have applied its change.
const RECHECK: Duration = Duration::from_millis(5);

/// Runs `command`; when it changed public content (the content generation moved), returns
/// only after every running server has applied the change (or [`WAIT_AT_MOST`] passed).
pub async fn served<F, Fut>(app: App, command: F) -> anyhow::Result<()>
where
    F: FnOnce(App) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let before = app.pages.generation();
    let result = command(app.clone()).await;
    // Even a command that failed half-way may have committed a change first.
    until_served(&app, before).await;
    result
}

/// What waiting for the running servers came to.
#[derive(Debug, PartialEq, Eq)]
enum Waited {
    /// Nothing changed, so nothing to wait for.
    NoChange,
    /// No server runs on this database.
    NoServer,
    /// Every running server answers with the change.
    Served { servers: usize },
    /// These servers (addresses) had not applied it when time ran out.
    Late(Vec<String>),
}

async fn until_served(app: &App, before: i64) {
    let started = Instant::now();
    match wait(app, before).await {
        Ok(Waited::NoChange) => {}
        Ok(Waited::NoServer) => eprintln!(
            "note: no server is running on this database; the change shows once one starts"
        ),
        Ok(Waited::Served { servers }) => tracing::debug!(
            servers,
            waited_ms = started.elapsed().as_millis() as u64,
            "the running servers show the change"
        ),
        Ok(Waited::Late(addresses)) => eprintln!(
            "warning: the server at {} did not show the change within {:.1} s; it may have \
             stopped or be overloaded (a running server shows it once it catches up)",
            addresses.join(", "),
            started.elapsed().as_secs_f32()
        ),
        Err(e) => {
            eprintln!("warning: could not check that the running servers show the change: {e:#}")
        }
    }
}

async fn wait(app: &App, before: i64) -> anyhow::Result<Waited> {
    let generation = storage::site::content_generation(&app.db).await?;
    if generation <= before {
        return Ok(Waited::NoChange);
    }
    let deadline = Instant::now() + WAIT_AT_MOST;
    let running_within = chrono::Duration::from_std(RUNNING_WITHIN)?;
    // Servers seen behind so far, by id: one that stops showing signs of life before it
    // catches up is reported, not forgotten.
    let mut behind_before: Vec<(String, String)> = Vec::new();
    let mut lost: Vec<String> = Vec::new();
    loop {
        let running = servers::list_running(&app.db, Utc::now() - running_within).await?;
        let behind: Vec<(String, String)> = running
            .iter()
            .filter(|s| s.generation < generation)
            .map(|s| (s.id.clone(), s.address.clone()))
            .collect();
        lost.extend(
            behind_before
                .iter()
                .filter(|(id, _)| !running.iter().any(|s| &s.id == id))
                .map(|(_, address)| address.clone()),
        );
        if behind.is_empty() {
            return Ok(match (running.len(), lost.is_empty()) {
                (_, false) => Waited::Late(lost),
                (0, true) => Waited::NoServer,
                (servers, true) => Waited::Served { servers },
            });
        }
        if Instant::now() >= deadline {
            let mut late: Vec<String> = behind.into_iter().map(|(_, a)| a).collect();
            late.extend(lost);
            return Ok(Waited::Late(late));
        }
        behind_before = behind;
        tokio::time::sleep(RECHECK).await;
    }
}
