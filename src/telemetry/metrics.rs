//! Operational metrics in Prometheus' text format, through the `metrics` facade and its
//! Prometheus exporter. Nothing is recorded (each call returns at once) until [`install`]
//! runs, which `serve` does when `metrics_bind` names an address (see `web::metrics`). Every label takes a handful of
//! values at most: route groups, activity types Chorus knows, fixed reasons and outcomes.

use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Request latency buckets, in seconds: from a cached page to a slow render.
const LATENCY_BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process-wide recorder (once; later calls give the same handle).
pub fn install() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &LATENCY_BUCKETS)
                .expect("the bucket list is not empty")
                .build_recorder();
            let handle = recorder.handle();
            // Only fails when another recorder is installed, which Chorus never does.
            let _ = metrics::set_global_recorder(recorder);
            describe();
            handle
        })
        .clone()
}

fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        "chorus_http_requests_total",
        "HTTP requests answered, by route group and status class"
    );
    describe_histogram!(
        "chorus_http_request_duration_seconds",
        Unit::Seconds,
        "Time to answer an HTTP request, by route group"
    );
    describe_counter!(
        "chorus_page_cache_requests_total",
        "Rendered pages asked of the page cache, by result (hit, miss)"
    );
    describe_counter!(
        "chorus_inbox_activities_total",
        "Activities POSTed to the inboxes, by type and answer"
    );
    describe_counter!(
        "chorus_signature_failures_total",
        "Incoming requests refused for their signature, by reason"
    );
    describe_counter!(
        "chorus_deliveries_total",
        "Delivery attempts, by outcome (delivered, retry, dead)"
    );
    describe_gauge!(
        "chorus_delivery_queue_depth",
        "Deliveries waiting to be sent"
    );
    describe_gauge!(
        "chorus_delivery_queue_failing",
        "Deliveries waiting that failed at least once"
    );
    describe_gauge!(
        "chorus_delivery_queue_oldest_age_seconds",
        Unit::Seconds,
        "Age of the oldest delivery waiting (0 when none waits)"
    );
    describe_gauge!(
        "chorus_instances",
        "Remote instances Chorus delivers to, by state (ok, failing, paused)"
    );
    describe_gauge!(
        "chorus_database_connections",
        "Database pool connections, by state (idle, in_use)"
    );
}

/// The recorder's handle, once installed.
pub fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE.get()
}

/// One HTTP request answered.
pub fn http_request(group: &'static str, status: u16, took: Duration) {
    if HANDLE.get().is_none() {
        return;
    }
    let class = match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    };
    metrics::counter!("chorus_http_requests_total", "group" => group, "status" => class)
        .increment(1);
    metrics::histogram!("chorus_http_request_duration_seconds", "group" => group)
        .record(took.as_secs_f64());
}

/// A page asked of the page cache.
pub fn page_cache(hit: bool) {
    if HANDLE.get().is_none() {
        return;
    }
    let result = if hit { "hit" } else { "miss" };
    metrics::counter!("chorus_page_cache_requests_total", "result" => result).increment(1);
}

/// An activity POSTed to an inbox, with its type (one Chorus knows, or `other`) and the
/// answer it got (`accepted`, `unauthorized`, ...).
pub fn inbox_activity(kind: &'static str, answer: &'static str) {
    if HANDLE.get().is_none() {
        return;
    }
    metrics::counter!("chorus_inbox_activities_total", "type" => kind, "answer" => answer)
        .increment(1);
}

/// A request refused for its signature.
pub fn signature_failure(reason: &'static str) {
    if HANDLE.get().is_none() {
        return;
    }
    metrics::counter!("chorus_signature_failures_total", "reason" => reason).increment(1);
}

/// One delivery attempt's outcome: `delivered`, `retry` or `dead`.
pub fn delivery(outcome: &'static str) {
    if HANDLE.get().is_none() {
        return;
    }
    metrics::counter!("chorus_deliveries_total", "outcome" => outcome).increment(1);
}

/// A gauge set to its value at the time of a scrape.
pub fn gauge(name: &'static str, labels: &[(&'static str, &'static str)], value: f64) {
    if HANDLE.get().is_none() {
        return;
    }
    let labels: Vec<metrics::Label> = labels
        .iter()
        .map(|(k, v)| metrics::Label::new(*k, *v))
        .collect();
    metrics::gauge!(name, labels).set(value);
}
