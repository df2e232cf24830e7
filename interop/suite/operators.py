"""What an operator's tools read from Chorus: `/metrics` scraped and parsed by the Prometheus
project's own Python client (`prometheus_client`'s text parser), independent of Chorus's code.
"""

from __future__ import annotations

from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from .common import Chorus, Results, free_port, http

PEER = "prometheus_client (text parser)"

# Families an operator's dashboard reads, with their Prometheus types.
EXPECTED = {
    "chorus_http_requests": "counter",
    "chorus_http_request_duration_seconds": "histogram",
    "chorus_page_cache_requests": "counter",
    "chorus_inbox_activities": "counter",
    "chorus_signature_failures": "counter",
    "chorus_delivery_queue_depth": "gauge",
    "chorus_delivery_queue_oldest_age_seconds": "gauge",
    "chorus_instances": "gauge",
    "chorus_database_connections": "gauge",
}


def run(results: Results, binary: Path, work: Path) -> None:
    chorus = Chorus(binary, work / "operators", "operators")
    metrics_port = free_port()
    chorus.env["CHORUS_METRICS_BIND"] = f"127.0.0.1:{metrics_port}"
    chorus.start()
    try:
        chorus.create_user("olga")
        chorus.publish("olga", "watched", "Watched", "A post to count.")
        for _ in range(3):
            http("GET", f"{chorus.base}/posts/watched")
        http(
            "POST",
            f"{chorus.base}/inbox",
            headers={"content-type": "application/activity+json"},
            body=b'{"type":"Like","actor":"http://localhost:1/u","object":"http://localhost:1/p"}',
        )
        families: dict = {}

        def scrape() -> tuple[bool, str]:
            r = http("GET", f"http://127.0.0.1:{metrics_port}/metrics")
            if r.status != 200:
                return False, f"/metrics answered {r.status}"
            for family in text_string_to_metric_families(r.text):
                families[family.name] = family
            missing = [f"{n} ({t})" for n, t in EXPECTED.items() if families.get(n) is None or families[n].type != t]
            return not missing, f"missing or mistyped: {', '.join(missing)}" if missing else f"{len(families)} families"

        results.check(PEER, "/metrics parses as Prometheus text, every documented family with its type", "-", scrape)

        def counted() -> tuple[bool, str]:
            def value(family: str, sample: str, **labels: str) -> float:
                return sum(
                    s.value
                    for s in families[family].samples
                    if s.name == sample and all(s.labels.get(k) == v for k, v in labels.items())
                )

            pages = value("chorus_http_requests", "chorus_http_requests_total", group="pages", status="2xx")
            refused = value("chorus_signature_failures", "chorus_signature_failures_total", reason="missing")
            like = value("chorus_inbox_activities", "chorus_inbox_activities_total", type="Like", answer="unauthorized")
            ok = pages >= 3 and refused >= 1 and like >= 1
            return ok, f"pages 2xx {pages:g}, unsigned Like refused {like:g}, signature missing {refused:g}"

        results.check(PEER, "the requests made are counted (pages, inbox answer, signature failure)", "-", counted)

        def not_public() -> tuple[bool, str]:
            status = http("GET", f"{chorus.base}/metrics").status
            return status == 404, f"the public site answered /metrics with {status}"

        results.check(PEER, "the public site does not serve /metrics", "-", not_public)
    finally:
        chorus.stop()
