//! `App`: the one shared state, cheap to clone, handed to every handler, command and task.

use std::sync::Arc;
use std::time::Duration;

use crate::config::Config;
use crate::federation::Federation;
use crate::storage::{self, Db};
use crate::web::cache::PageCache;

/// How often a server checks whether another process (the CLI, another server on the same
/// PostgreSQL database) changed public content.
pub const CONTENT_POLL_INTERVAL: Duration = Duration::from_millis(250);

#[derive(Clone)]
pub struct App {
    pub config: Arc<Config>,
    pub db: Db,
    pub pages: PageCache,
    pub fed: Federation,
    pub limiter: crate::web::auth::limiter::LoginLimiter,
}

impl App {
    /// Connects to the database, applies migrations, and builds the state.
    pub async fn start(config: Config) -> anyhow::Result<App> {
        let db = Db::connect(&config.database_url).await?;
        db.migrate().await?;
        let generation = storage::site::content_generation(&db).await?;
        let fed = Federation::new(&config)?;
        Ok(App { config: Arc::new(config), db, pages: PageCache::new(generation), fed, limiter: Default::default() })
    }

    /// Call after this process changed public content: stale pages stop being served at once.
    pub async fn content_changed(&self) {
        match storage::site::content_generation(&self.db).await {
            Ok(g) => {
                self.pages.advance(g);
            }
            Err(e) => tracing::warn!(error = %e, "could not read the content generation"),
        }
    }

    /// Follows content changes made by other processes, until the process ends.
    pub async fn watch_content(self) {
        let mut tick = tokio::time::interval(CONTENT_POLL_INTERVAL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Ok(g) = storage::site::content_generation(&self.db).await {
                if self.pages.advance(g) {
                    tracing::debug!(generation = g, "public content changed");
                }
            }
        }
    }
}
