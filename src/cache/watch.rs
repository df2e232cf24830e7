//! How a server follows content changes made by other processes (the command line, other
//! servers on the same PostgreSQL database), and tells them it has.
//!
//! The server wakes when PostgreSQL announces a change (LISTEN on
//! [`CHANNEL`](crate::storage::changes::CHANNEL)) and also every [`POLL_INTERVAL`] in case an
//! announcement was missed; SQLite announces nothing, so there it looks every
//! [`SQLITE_POLL_INTERVAL`]. After applying the
//! changes it writes the generation its cache now answers with into its row of
//! `server_processes`, with a heartbeat every [`HEARTBEAT`]. A command that changed content
//! waits on those rows until every running server has applied its change
//! ([`crate::storage::servers`]).

use std::time::{Duration, Instant};

use chrono::Utc;

use super::PageCache;
use crate::storage::changes::Listener;
use crate::storage::{Db, servers};

/// How often a server on PostgreSQL reads the content generation, in case it missed an
/// announcement (a lost connection).
pub const POLL_INTERVAL: Duration = Duration::from_millis(250);
/// How often a server on SQLite reads it: SQLite announces nothing, and a command that
/// changed content waits for the next read (about half of this on average). One read of one
/// row, 20 times a second.
pub const SQLITE_POLL_INTERVAL: Duration = Duration::from_millis(50);
/// How often a server writes its heartbeat when nothing changed.
pub const HEARTBEAT: Duration = Duration::from_secs(1);
/// A server seen within this counts as running; an older row belongs to a process that is
/// gone without saying so (killed), and nobody waits for it.
pub const RUNNING_WITHIN: Duration = Duration::from_secs(5);
/// Rows of servers not seen for this long are deleted when a server starts.
const FORGET_AFTER: Duration = Duration::from_secs(60 * 60);

/// One server process as the others see it in `server_processes`.
#[derive(Debug, Clone)]
pub struct Follower {
    id: String,
    address: String,
}

impl Follower {
    /// A follower with a fresh random id; `address` is what messages call it.
    pub fn new(address: impl Into<String>) -> Follower {
        Follower {
            id: uuid::Uuid::new_v4().simple().to_string(),
            address: address.into(),
        }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// Follows changes into `pages` until the task is dropped. Database errors are logged and
    /// retried at the next tick.
    pub async fn run(&self, pages: &PageCache, db: &Db) {
        let forget = chrono::Duration::from_std(FORGET_AFTER).expect("a small duration");
        if let Err(e) = servers::forget_stale(db, Utc::now() - forget).await {
            tracing::warn!(error = %e, "could not forget the rows of stopped servers");
        }
        let mut listener = listen(db, true).await;
        let mut registered = self.register(pages, db).await;
        let mut acked = pages.generation();
        let mut last_beat = Instant::now();
        let mut tick = tokio::time::interval(match db {
            Db::Sqlite(_) => SQLITE_POLL_INTERVAL,
            Db::Postgres(_) => POLL_INTERVAL,
        });
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let heard = tokio::select! {
                _ = tick.tick() => Ok(()),
                heard = next_change(&mut listener) => heard,
            };
            if let Err(e) = heard {
                tracing::warn!(error = %e, "lost the content change notifications; polling until they are back");
                listener = None;
            }
            match pages.catch_up(db).await {
                Ok(true) => {
                    tracing::debug!(generation = pages.generation(), "public content changed")
                }
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "could not read the content changes"),
            }
            let generation = pages.generation();
            if generation == acked && last_beat.elapsed() < HEARTBEAT {
                continue;
            }
            if listener.is_none() && matches!(db, Db::Postgres(_)) {
                listener = listen(db, false).await;
            }
            if !registered {
                registered = self.register(pages, db).await;
                continue;
            }
            match servers::heartbeat(db, &self.id, generation, Utc::now()).await {
                Ok(true) => {
                    acked = generation;
                    last_beat = Instant::now();
                }
                // Forgotten as stale by another process: say again that this one runs.
                Ok(false) => registered = false,
                Err(e) => {
                    tracing::warn!(error = %e, "could not record the applied content generation")
                }
            }
        }
    }

    /// Removes this server's row: commands stop waiting for it. Stop [`run`](Self::run) first.
    pub async fn stop(&self, db: &Db) {
        if let Err(e) = servers::unregister(db, &self.id).await {
            tracing::warn!(error = %e, "could not remove this server from the running servers");
        }
    }

    /// Writes this server's row (again): from then on commands that change content wait for
    /// it. [`run`](Self::run) does this first; a server calls it before it answers requests.
    /// Gives whether it was written (a failure is logged).
    pub async fn register(&self, pages: &PageCache, db: &Db) -> bool {
        let registered = async {
            pages.catch_up(db).await?;
            servers::register(db, &self.id, &self.address, pages.generation(), Utc::now()).await
        }
        .await;
        match registered {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(error = %e, "could not record this server among the running servers");
                false
            }
        }
    }
}

/// Listens for announced changes (PostgreSQL); a failure is logged when `loud`.
async fn listen(db: &Db, loud: bool) -> Option<Listener> {
    match Listener::connect(db).await {
        Ok(listener) => listener,
        Err(e) if loud => {
            tracing::warn!(error = %e, "could not listen for content changes; polling");
            None
        }
        Err(e) => {
            tracing::debug!(error = %e, "could not listen for content changes yet");
            None
        }
    }
}

/// The next announced change; never, without a listener.
async fn next_change(listener: &mut Option<Listener>) -> crate::storage::Result<()> {
    match listener {
        Some(l) => l.changed().await,
        None => std::future::pending().await,
    }
}
