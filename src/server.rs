//! `chorus serve`: start-up, background tasks and graceful shutdown.

use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::net::TcpListener;

use crate::actions::posts;
use crate::app::App;
use crate::config::Config;

/// How often scheduled posts are checked.
pub const SCHEDULER_INTERVAL: Duration = Duration::from_secs(15);

pub async fn serve(config: Config) -> anyhow::Result<()> {
    let started = Instant::now();
    if config.allow_private_networks {
        tracing::warn!(
            "allow_private_networks is ON: Chorus will fetch from and deliver to loopback, private \
             addresses and plain-http peers. Use this only for local development and tests."
        );
    }
    let bind = config.bind;
    let app = App::start(config).await?;
    crate::templates::assets::preload();
    let listener = TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    tokio::spawn(app.clone().watch_content());
    tokio::spawn(crate::web::render::warm_pages(app.clone()));
    tokio::spawn(schedule(app.clone()));
    let workers =
        crate::queue::spawn_workers_with(app.clone(), crate::queue::QueuePolicy::default());
    tracing::info!(
        address = %listener.local_addr()?,
        base_url = %app.config.base_url,
        database = app.db.backend(),
        startup_ms = started.elapsed().as_millis() as u64,
        "Chorus is listening"
    );
    crate::web::auth::login::offer_setup(&app).await?;
    let router = crate::web::router(app.clone())
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    tracing::info!("shutting down");
    // Deliveries in flight keep their lease and are sent again after the next start.
    workers.abort();
    let _ = workers.await;
    app.db.close().await;
    Ok(())
}

/// Publishes scheduled posts when their time comes, also after a restart.
async fn schedule(app: App) {
    let mut tick = tokio::time::interval(SCHEDULER_INTERVAL);
    loop {
        tick.tick().await;
        if let Err(e) = posts::publish_due(&app).await {
            tracing::warn!(error = %e, "scheduled publishing failed; will retry");
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
}
