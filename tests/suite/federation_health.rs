//! The federation health page, as an administrator uses it: which servers receive this site's
//! posts and which fail, the deliveries of the last day and month as charts, "retry now", and
//! the signatures this site refused, by server and reason.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use crate::support::forms::{Visitor, location};
use crate::support::peer::{Peer, send};
use crate::support::{TestServer, add_remote_follower, backends, select, send_queued, text_of};
use axum::http::StatusCode;
use chorus::domain::{Role, time};
use chorus::storage::instances::{self, Health};
use chorus::storage::{deliveries, federation_health};
use serde_json::json;

fn row_of(html: &scraper::Html, domain: &str) -> Vec<String> {
    select(html, "table.instances tbody tr")
        .into_iter()
        .find(|tr| tr.text().collect::<String>().contains(domain))
        .map(|tr| {
            tr.children()
                .filter_map(scraper::ElementRef::wrap)
                .map(|c| c.text().collect::<String>().trim().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn an_admin_sees_which_servers_receive_and_which_fail_and_retries_one() {
    for backend in backends() {
        let server = TestServer::spawn(backend).await;
        let admin = server.create_user("ada", Role::Admin).await;
        let alice = server.create_user("alice", Role::Author).await;
        let peer = Peer::start(&["pat"]).await;
        let follow = peer.follow("pat", &server.url("/@alice"));
        let status = peer
            .deliver("pat", &server.inbox_of("alice"), &follow)
            .await;
        assert_eq!(status, StatusCode::ACCEPTED);
        // A follower on a server that does not exist: every delivery there fails.
        add_remote_follower(&server, "alice", "zed").await;
        server
            .publish_post("alice", "Hello", "Out to the fediverse.")
            .await;
        send_queued(&server.app).await;

        let mut browser = Visitor::signed_in(&server, &admin).await;
        let page = browser.get("/admin/federation").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text());
        let html = page.html();
        let peer_domain = peer.domain();
        let good = row_of(&html, &peer_domain);
        let bad = row_of(&html, "social.example");
        assert_eq!(
            good.get(1).map(String::as_str),
            Some("1"),
            "{backend:?}: {good:?}"
        );
        assert!(good[5].starts_with("ok"), "{good:?}");
        assert!(bad[5].starts_with("failing"), "{backend:?}: {bad:?}");
        assert_eq!(bad[1], "1", "one follower there: {bad:?}");
        assert!(bad[2].starts_with('1'), "one delivery waiting: {bad:?}");
        assert!(
            bad[4].len() > "never".len(),
            "the failure and its error: {bad:?}"
        );
        // Failing servers come first.
        let first = text_of(&html, "table.instances tbody th").unwrap_or_default();
        assert_eq!(first, "social.example", "{backend:?}");

        // The charts are SVG drawn here, with the hour's attempts in them.
        let charts = select(&html, "figure.chart-figure svg[role=img]");
        assert_eq!(charts.len(), 2, "{backend:?}");
        let caption = text_of(&html, "figure.chart-figure figcaption").unwrap_or_default();
        let numbers: Vec<i64> = caption
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|n| n.parse().ok())
            .collect();
        // "Last 24 hours, per hour: N delivered, M failed attempts."
        assert!(
            numbers.len() >= 3 && numbers[1] >= 2 && numbers[2] >= 1,
            "{backend:?}: {caption}"
        );
        assert!(select(&html, "figure.chart-figure script").is_empty());

        // Retry now: the waiting delivery is due at once.
        let pending = deliveries::queue_summary(&server.app.db)
            .await
            .unwrap()
            .pending;
        assert_eq!(pending, 1);
        let before = time::now();
        let retried = browser
            .submit(
                "/admin/federation",
                "/admin/federation/retry",
                &[("domain", "social.example")],
            )
            .await;
        assert_eq!(retried.status, StatusCode::SEE_OTHER, "{}", retried.text());
        let after = browser.get(location(&retried)).await;
        assert!(
            after
                .text()
                .contains("1 deliveries to that server are due now")
        );
        let soon = before + chrono::TimeDelta::seconds(5);
        let claimed = deliveries::claim_deliveries(
            &server.app.db,
            soon,
            soon + chrono::TimeDelta::seconds(30),
            10,
            1000,
        )
        .await
        .unwrap();
        assert!(
            claimed.iter().any(|d| d.domain == "social.example"),
            "{backend:?}: the retried delivery is due"
        );
        // An unknown server is not found; a forged form changes nothing.
        let unknown = browser
            .submit(
                "/admin/federation",
                "/admin/federation/retry",
                &[("domain", "nowhere.example")],
            )
            .await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
        let forged = browser
            .post("/admin/federation/retry", &[("domain", "social.example")])
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);

        // Authors are not let in.
        let mut author = Visitor::signed_in(&server, &alice).await;
        assert_eq!(
            author.get("/admin/federation").await.status,
            StatusCode::FORBIDDEN
        );
    }
}

#[tokio::test]
async fn refused_signatures_are_listed_by_server_and_reason() {
    for backend in backends() {
        let server = TestServer::spawn(backend).await;
        let admin = server.create_user("ada", Role::Admin).await;
        server.create_user("alice", Role::Author).await;
        let peer = Peer::start(&["pat"]).await;
        let inbox = server.inbox();
        let like = peer.activity("pat", "Like", json!(server.url("/posts/nothing")));
        let body = serde_json::to_vec(&like).unwrap();
        // Signed, then changed: the digest no longer matches. Twice.
        for _ in 0..2 {
            let headers = peer.sign("pat", &inbox, &body, SystemTime::now());
            let mut tampered = body.clone();
            tampered.extend_from_slice(b" ");
            assert_eq!(
                send(&inbox, headers, tampered).await,
                StatusCode::UNAUTHORIZED
            );
        }
        // Signed a day ago.
        let stale = SystemTime::now() - Duration::from_secs(24 * 60 * 60);
        let headers = peer.sign("pat", &inbox, &body, stale);
        assert_eq!(
            send(&inbox, headers, body.clone()).await,
            StatusCode::UNAUTHORIZED
        );
        server.app.fed.refusals.flush(&server.app.db).await.unwrap();

        let listed = federation_health::list_signature_failures(
            &server.app.db,
            time::now() - chrono::TimeDelta::days(1),
            10,
        )
        .await
        .unwrap();
        let by_reason: BTreeMap<&str, i64> = listed
            .iter()
            .filter(|f| f.domain == peer.domain())
            .map(|f| (f.reason.as_str(), f.failures))
            .collect();
        assert_eq!(
            by_reason.values().sum::<i64>(),
            3,
            "{backend:?}: {listed:?}"
        );
        assert_eq!(by_reason.len(), 2, "two reasons: {by_reason:?}");
        assert!(by_reason.values().any(|n| *n == 2), "{by_reason:?}");

        let mut browser = Visitor::signed_in(&server, &admin).await;
        let html = browser.get("/admin/federation").await.html();
        let rows: Vec<String> = select(&html, "section[aria-labelledby=refusals-heading] tbody tr")
            .iter()
            .map(|r| r.text().collect::<String>())
            .collect();
        assert_eq!(rows.len(), 2, "{backend:?}: {rows:?}");
        assert!(rows.iter().all(|r| r.contains(&peer.domain())), "{rows:?}");
    }
}

#[tokio::test]
async fn many_servers_are_listed_a_page_at_a_time() {
    for backend in backends() {
        let server = TestServer::spawn(backend).await;
        let admin = server.create_user("ada", Role::Admin).await;
        let results: BTreeMap<String, Health> = (0..120)
            .map(|i| {
                let health = Health {
                    answered: u32::from(i % 7 != 0),
                    failed: u32::from(i % 7 == 0),
                };
                (format!("s{i:03}.example"), health)
            })
            .collect();
        instances::record_instance_health(&server.app.db, &results, time::now(), |_, _| None)
            .await
            .unwrap();
        let mut browser = Visitor::signed_in(&server, &admin).await;
        let first = browser.get("/admin/federation").await.html();
        assert_eq!(select(&first, "table.instances tbody tr").len(), 50);
        let failing: Vec<String> = select(&first, "table.instances tbody tr")
            .iter()
            .take(18)
            .map(|r| r.text().collect::<String>())
            .collect();
        assert!(
            failing.iter().all(|r| r.contains("failing")),
            "{backend:?}: failing first"
        );
        let last = browser.get("/admin/federation?page=3").await.html();
        assert_eq!(
            select(&last, "table.instances tbody tr").len(),
            20,
            "{backend:?}"
        );
        assert!(
            text_of(&last, ".pager")
                .unwrap_or_default()
                .contains("Page 3 of 3")
        );
    }
}
