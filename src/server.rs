//! `chorus serve`: start-up, background tasks and graceful shutdown.

use std::time::{Duration, Instant};

use anyhow::Context;
use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tower::ServiceExt;

use crate::actions::posts;
use crate::app::App;
use crate::config::Config;

/// Posts whose stored HTML an older version rendered differently are rendered again before
/// the site answers (also done by `chorus migrate`).
pub async fn rendered_again(app: &App) -> anyhow::Result<()> {
    let n = crate::actions::posts::render_old_html_again(app).await?;
    if n > 0 {
        tracing::info!(
            posts = n,
            "rendered older posts again with today's code highlighting"
        );
    }
    Ok(())
}

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
    rendered_again(&app).await?;
    crate::templates::assets::preload();
    let listener = TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    // Registered before the first request is answered: from then on, a command that changes
    // content waits until this server has applied the change.
    let follower = crate::cache::watch::Follower::new(bind.to_string());
    follower.register(&app.pages, &app.db).await;
    let watch = tokio::spawn(app.clone().watch_content_as(follower.clone()));
    tokio::spawn(crate::web::render::warm_pages(app.clone()));
    tokio::spawn(schedule(app.clone()));
    tokio::spawn(write_refusals(app.clone()));
    tokio::spawn(webmentions(app.clone()));
    let workers =
        crate::queue::spawn_workers_with(app.clone(), crate::queue::QueuePolicy::default());
    let metrics = match app.config.metrics_address() {
        Some(address) => Some(serve_metrics(app.clone(), address).await?),
        None => None,
    };
    tracing::info!(
        address = %listener.local_addr()?,
        base_url = %app.config.base_url,
        database = app.db.backend(),
        startup_ms = started.elapsed().as_millis() as u64,
        "Chorus is listening"
    );
    crate::web::auth::login::offer_setup(&app).await?;
    let limits = ConnectionLimits::from_config(&app.config);
    serve_connections(
        listener,
        crate::web::router(app.clone()),
        limits,
        shutdown_signal(),
    )
    .await;
    tracing::info!("shutting down");
    // Deliveries in flight keep their lease and are sent again after the next start.
    workers.abort();
    let _ = workers.await;
    watch.abort();
    let _ = watch.await;
    follower.stop(&app.db).await;
    if let Err(e) = app.fed.refusals.flush(&app.db).await {
        tracing::warn!(error = %e, "could not record the signatures refused last");
    }
    if let Some(metrics) = metrics {
        metrics.abort();
    }
    app.db.close().await;
    Ok(())
}

/// Starts keeping metrics and serves them on their own address, away from the public site.
async fn serve_metrics(
    app: App,
    address: std::net::SocketAddr,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    crate::telemetry::metrics::install();
    let listener = TcpListener::bind(address)
        .await
        .with_context(|| format!("cannot listen on {address} for metrics (metrics_bind)"))?;
    tracing::info!(address = %listener.local_addr()?, "metrics are served at /metrics");
    let router = crate::web::metrics::router(app);
    Ok(tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            tracing::warn!(error = %e, "the metrics listener stopped");
        }
    }))
}

/// How long connections in flight may take to finish after a shutdown signal.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
/// How long the listener rests after failing to accept (out of file descriptors, say).
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

/// What one client connection may hold.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Time to send a request's headers; then the connection is closed.
    pub header_read_timeout: Duration,
    /// Connections served at once; more wait, unaccepted, until one closes.
    pub max_connections: usize,
}

impl ConnectionLimits {
    pub fn from_config(config: &Config) -> ConnectionLimits {
        ConnectionLimits {
            header_read_timeout: Duration::from_secs(config.header_read_timeout_seconds),
            max_connections: config.max_connections,
        }
    }
}

/// Serves HTTP/1.1 on `listener` until `shutdown` completes, then lets the connections in
/// flight finish (for at most [`SHUTDOWN_GRACE`]). A connection is accepted only while fewer
/// than `max_connections` are open, and closed when its headers do not arrive in time.
pub async fn serve_connections(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("the connection semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::warn!(error = %e, "could not accept a connection");
                    tokio::time::sleep(ACCEPT_PAUSE).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service = hyper::service::service_fn(
            move |mut request: axum::extract::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(ConnectInfo(remote));
                router.clone().oneshot(request.map(axum::body::Body::new))
            },
        );
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_read_timeout)
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(%remote, error = %e, "a connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("some connections were still open at shutdown");
    }
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

/// How often the signatures the inbox refused are written for the federation health page.
const REFUSALS_INTERVAL: Duration = Duration::from_secs(10);

async fn write_refusals(app: App) {
    let mut tick = tokio::time::interval(REFUSALS_INTERVAL);
    loop {
        tick.tick().await;
        if let Err(e) = app.fed.refusals.flush(&app.db).await {
            tracing::warn!(error = %e, "could not record refused signatures; will retry");
        }
    }
}

/// How often the Webmention queues (received and to send) are looked at.
pub const WEBMENTION_INTERVAL: Duration = Duration::from_secs(2);

/// Verifies received webmentions and sends those posts' changes call for, also after a
/// restart: rows stay queued until handled.
async fn webmentions(app: App) {
    let mut tick = tokio::time::interval(WEBMENTION_INTERVAL);
    loop {
        tick.tick().await;
        if let Err(e) = crate::actions::webmentions::process_received(&app).await {
            tracing::warn!(error = %e, "verifying webmentions failed; will retry");
        }
        if let Err(e) = crate::actions::webmentions::process_sends(&app).await {
            tracing::warn!(error = %e, "sending webmentions failed; will retry");
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
