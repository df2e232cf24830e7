//! `/metrics` for operators: off unless `metrics_bind` is set, then served on that address
//! only, in Prometheus' text format, counting what an operator watches: requests by route
//! group, page cache hits, inbox answers, signature failures, the queue and the pool.

use crate::support::{Backend, Binary, free_port, post_md};

/// The value of the sample `name` whose labels include every pair of `labels`.
fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (series, value) = l.rsplit_once(' ')?;
            let (metric, rest) = series.split_once('{').unwrap_or((series, "}"));
            (metric == name).then_some((rest.trim_end_matches('}'), value))
        })
        .find(|(rest, _)| {
            labels
                .iter()
                .all(|(k, v)| rest.split(',').any(|pair| pair == format!("{k}=\"{v}\"")))
        })
        .and_then(|(_, value)| value.parse().ok())
}

#[tokio::test]
async fn metrics_are_served_on_their_own_address_and_count_what_operators_watch() {
    let mut chorus = Binary::new(Backend::Sqlite).await;
    chorus.create_user("alice", "author").ok();
    chorus.publish("alice", &post_md("Counted", "A post.")).ok();
    let metrics_port = free_port();
    chorus.set_env("CHORUS_METRICS_BIND", &format!("127.0.0.1:{metrics_port}"));
    let server = chorus.serve().await;

    for _ in 0..3 {
        assert_eq!(server.get("/posts/counted").await.status, 200);
    }
    let refused = server
        .client
        .post(format!("{}/inbox", server.base_url))
        .header("content-type", "application/activity+json")
        .body(r#"{"type":"Like","actor":"https://elsewhere.example/u/x","object":"https://elsewhere.example/p"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    // The public site does not answer it.
    assert_eq!(server.get("/metrics").await.status, 404);

    let scrape = server
        .client
        .get(format!("http://127.0.0.1:{metrics_port}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(scrape.status(), 200);
    assert!(
        scrape.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = scrape.text().await.unwrap();
    let at_least = |name: &str, labels: &[(&str, &str)], min: f64| {
        let v = sample(&text, name, labels)
            .unwrap_or_else(|| panic!("no {name} {labels:?} in\n{text}"));
        assert!(
            v >= min,
            "{name} {labels:?} = {v}, expected at least {min}\n{text}"
        );
    };
    at_least(
        "chorus_http_requests_total",
        &[("group", "pages"), ("status", "2xx")],
        3.0,
    );
    at_least(
        "chorus_http_requests_total",
        &[("group", "inbox"), ("status", "4xx")],
        1.0,
    );
    at_least(
        "chorus_http_request_duration_seconds_bucket",
        &[("group", "pages"), ("le", "+Inf")],
        3.0,
    );
    at_least(
        "chorus_page_cache_requests_total",
        &[("result", "hit")],
        2.0,
    );
    at_least(
        "chorus_inbox_activities_total",
        &[("type", "Like"), ("answer", "unauthorized")],
        1.0,
    );
    at_least(
        "chorus_signature_failures_total",
        &[("reason", "missing")],
        1.0,
    );
    at_least("chorus_delivery_queue_depth", &[], 0.0);
    at_least("chorus_delivery_queue_oldest_age_seconds", &[], 0.0);
    at_least("chorus_instances", &[("state", "ok")], 0.0);
    at_least("chorus_database_connections", &[("state", "idle")], 0.0);
    assert!(
        text.contains("# TYPE chorus_http_request_duration_seconds histogram"),
        "{text}"
    );
}

#[tokio::test]
async fn a_metrics_bind_that_is_not_an_address_is_a_clear_error() {
    let mut chorus = Binary::new(Backend::Sqlite).await;
    chorus.set_env("CHORUS_METRICS_BIND", "not-an-address");
    chorus.run(&["migrate"], None).fails_with("metrics_bind");
}
