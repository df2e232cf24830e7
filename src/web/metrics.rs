//! Metrics for operators: every request is counted and timed by route group ([`record`]),
//! and `GET /metrics` ([`router`], on its own address, `metrics_bind`) answers them in
//! Prometheus' text format, with the queue, the instances and the database pool read at the
//! time of the scrape. Nothing is recorded unless `metrics_bind` is set.

use std::time::Instant;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::app::App;
use crate::domain::time;
use crate::storage::{deliveries, instances};
use crate::telemetry::metrics;

/// Counts and times one request under its route group.
pub async fn record(request: Request, next: Next) -> Response {
    if metrics::handle().is_none() {
        return next.run(request).await;
    }
    let group = route_group(request.method(), request.uri().path(), request.headers());
    let started = Instant::now();
    let response = next.run(request).await;
    metrics::http_request(group, response.status().as_u16(), started.elapsed());
    response
}

/// The group a request belongs to: few enough to keep label values bounded, apart enough
/// to tell readers, other servers, authors and files from one another.
pub fn route_group(method: &Method, path: &str, headers: &HeaderMap) -> &'static str {
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    let activitypub = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("activity+json") || a.contains("ld+json"));
    match first {
        _ if *method == Method::POST && path.ends_with("/inbox") => "inbox",
        ".well-known" | "nodeinfo" => "discovery",
        "static" | "media" | "avatars" => "files",
        "healthz" => "health",
        "search" => "search",
        "admin" => "admin",
        "editor" | "moderation" | "notifications" | "quotes" | "review" | "community" => "authors",
        "login" | "logout" | "setup" | "reset" | "account" | "register" | "invites" => "accounts",
        _ if activitypub => "activitypub",
        _ if path.ends_with(".xml") || path.ends_with(".json") => "feeds",
        _ if *method == Method::GET || *method == Method::HEAD => "pages",
        _ => "other",
    }
}

/// The metrics listener's routes: `GET /metrics` only.
pub fn router(app: App) -> Router {
    Router::new().route("/metrics", get(scrape)).with_state(app)
}

/// `GET /metrics`
async fn scrape(State(app): State<App>) -> Response {
    let Some(handle) = metrics::handle() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if let Err(e) = read_gauges(&app).await {
        tracing::warn!(error = %e, "metrics: could not read the queue and instances");
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle.render(),
    )
        .into_response()
}

/// What is read from the database at the time of a scrape.
async fn read_gauges(app: &App) -> Result<(), crate::storage::StorageError> {
    let (open, idle) = app.db.pool_use();
    metrics::gauge(
        "chorus_database_connections",
        &[("state", "idle")],
        idle as f64,
    );
    metrics::gauge(
        "chorus_database_connections",
        &[("state", "in_use")],
        f64::from(open).max(idle as f64) - idle as f64,
    );
    let now = time::now();
    let queue = deliveries::queue_summary(&app.db).await?;
    metrics::gauge("chorus_delivery_queue_depth", &[], queue.pending as f64);
    metrics::gauge("chorus_delivery_queue_failing", &[], queue.failing as f64);
    let oldest = queue
        .oldest
        .map(|t| (now - t).num_milliseconds().max(0) as f64 / 1000.0)
        .unwrap_or(0.0);
    metrics::gauge("chorus_delivery_queue_oldest_age_seconds", &[], oldest);
    let (ok, failing, paused) = instances::count_instances_by_state(&app.db, now).await?;
    for (state, n) in [("ok", ok), ("failing", failing), ("paused", paused)] {
        metrics::gauge("chorus_instances", &[("state", state)], n as f64);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_fall_into_a_few_groups() {
        let none = HeaderMap::new();
        let mut ap = HeaderMap::new();
        ap.insert(header::ACCEPT, "application/activity+json".parse().unwrap());
        let g = |m: Method, p: &str, h: &HeaderMap| route_group(&m, p, h);
        assert_eq!(g(Method::POST, "/inbox", &none), "inbox");
        assert_eq!(g(Method::POST, "/@alice/inbox", &none), "inbox");
        assert_eq!(g(Method::GET, "/posts/hello", &none), "pages");
        assert_eq!(g(Method::GET, "/posts/hello", &ap), "activitypub");
        assert_eq!(g(Method::GET, "/feed.xml", &none), "feeds");
        assert_eq!(g(Method::GET, "/@alice/feed.json", &none), "feeds");
        assert_eq!(g(Method::GET, "/.well-known/webfinger", &none), "discovery");
        assert_eq!(g(Method::GET, "/static/site.css", &none), "files");
        assert_eq!(g(Method::POST, "/editor/new", &none), "authors");
        assert_eq!(g(Method::POST, "/login", &none), "accounts");
        assert_eq!(g(Method::GET, "/admin/users", &none), "admin");
        assert_eq!(g(Method::DELETE, "/posts/x", &none), "other");
    }
}
