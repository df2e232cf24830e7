//! `App`: the one shared state, cheap to clone, handed to every handler, command and task.

use std::sync::Arc;
use std::time::Duration;

use crate::cache::PageCache;
use crate::config::Config;
use crate::federation::Federation;
use crate::storage::{self, Db};

/// The shared state. Cloning it (every request does) is one reference count.
#[derive(Clone)]
pub struct App(Arc<AppState>);

pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub pages: PageCache,
    pub fed: Federation,
    /// Stores inbox reactions in batches.
    pub intake: crate::inbox::intake::Intake,
    pub limiter: crate::web::auth::limiter::LoginLimiter,
    /// How many passwords are hashed at once, and how many wait.
    pub hashing: crate::actions::accounts::HashBound,
    /// Remote actors waiting for their icon to be fetched.
    pub avatars: crate::federation::avatars::AvatarQueue,
    /// Where uploads, their variants and proxied avatars are kept (`media_store`).
    pub media: crate::media::store::MediaStore,
}

impl std::ops::Deref for App {
    type Target = AppState;

    fn deref(&self) -> &AppState {
        &self.0
    }
}

impl App {
    /// Connects to the database, applies migrations, and builds the state.
    pub async fn start(config: Config) -> anyhow::Result<App> {
        let media = crate::media::store::MediaStore::open(&config)?;
        App::start_with_media(config, media).await
    }

    /// [`start`](Self::start) with a media store opened by the caller.
    pub async fn start_with_media(
        config: Config,
        media: crate::media::store::MediaStore,
    ) -> anyhow::Result<App> {
        let db = connect_and_migrate(&config.database_url).await?;
        let generation = storage::site::content_generation(&db).await?;
        let fed = Federation::new(&config)?;
        let pages = PageCache::new(generation);
        let intake = crate::inbox::intake::Intake::start(db.clone(), pages.clone());
        let state = Arc::new(AppState {
            config: Arc::new(config),
            db,
            pages,
            fed,
            intake,
            limiter: Default::default(),
            hashing: Default::default(),
            avatars: Default::default(),
            media,
        });
        let data = crate::federation::FedData::new(Arc::downgrade(&state));
        state.fed.connect(data, &state.config).await?;
        Ok(App(state))
    }

    /// A reference to the state that does not keep it alive (for background workers).
    pub(crate) fn downgrade(&self) -> std::sync::Weak<AppState> {
        Arc::downgrade(&self.0)
    }

    /// The application around its state.
    pub(crate) fn from_state(state: Arc<AppState>) -> App {
        App(state)
    }

    /// Call after this process changed public content: stale pages stop being served at once.
    pub async fn content_changed(&self) {
        if let Err(e) = self.pages.catch_up(&self.db).await {
            tracing::warn!(error = %e, "could not read the content changes");
        }
    }

    /// Follows content changes made by other processes, until the process ends, as a server
    /// that commands wait for (see [`crate::cache::watch`]).
    pub async fn watch_content(self) {
        let follower = crate::cache::watch::Follower::new(self.config.bind.to_string());
        self.watch_content_as(follower).await
    }

    /// [`watch_content`](Self::watch_content) under a given name, which the caller removes
    /// with [`Follower::stop`](crate::cache::watch::Follower::stop) when it stops serving.
    pub async fn watch_content_as(self, follower: crate::cache::watch::Follower) {
        follower.run(&self.pages, &self.db).await
    }
}

/// How often start-up retries while another process holds a new SQLite database's lock.
const START_ATTEMPTS: u32 = 20;

/// Connects and applies migrations. Two processes starting on a brand-new SQLite file (a
/// server and a command) can briefly lock each other out while the file is set up; that is
/// retried rather than reported.
async fn connect_and_migrate(url: &str) -> anyhow::Result<Db> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let result = async {
            let db = Db::connect(url).await?;
            db.migrate().await?;
            Ok::<_, storage::StorageError>(db)
        }
        .await;
        match result {
            Ok(db) => return Ok(db),
            Err(e) if attempt < START_ATTEMPTS && storage::is_busy(&e) => {
                tokio::time::sleep(Duration::from_millis(50 * u64::from(attempt))).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
}
