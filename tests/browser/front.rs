//! What a new reader meets in the browser: the front page's follow box and its form, which
//! reaches the reader's own (loopback) server; `/subscribe`; a series read part by part; and
//! a feed link clicked by a person.

use crate::harness::Browser;
use crate::support::peer::Peer;
use crate::support::{Binary, RunningServer};

/// The front page of a fresh site shows the community's handle; its follow form, filled with
/// a reader's handle on `peer`, leads to the interaction page of the reader's server.
pub async fn follow_from_the_front_page(b: &Browser, peer: &Peer) {
    b.goto("/").await;
    let handle = b
        .find(".follow-box input[readonly]")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(
        handle.starts_with("@community@"),
        "the community's handle on the front page: {handle:?}"
    );
    b.screenshot("front-fresh").await;
    b.fill("#community-reader", &peer.handle("pat")).await;
    b.click(".follow-box form.interact button[type=submit]")
        .await;
    b.wait_for_path("/interact").await;
    b.wait_for_text("h1", "Follow").await;
    b.screenshot("front-follow-next").await;
    b.click("a.button").await;
    let deadline = std::time::Instant::now() + crate::support::PATIENCE;
    loop {
        let at = b.client.current_url().await.expect("a URL");
        if at.origin() == peer.base.origin() {
            assert_eq!(at.path(), "/authorize_interaction", "{at}");
            let uri: Option<String> = at
                .query_pairs()
                .find(|(k, _)| k == "uri")
                .map(|(_, v)| v.into_owned());
            assert!(
                uri.as_deref().is_some_and(|u| u.starts_with("community@")),
                "{at}"
            );
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the browser never reached the reader's server: {at}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Three parts of a series, published from the command line: the middle one says "Part 2 of
/// 3" and links to the previous and next parts; the series page lists them in order. Ends on
/// the series page.
pub async fn read_a_series(b: &Browser, bin: &Binary, author: &str) {
    for (day, title) in [(1, "Ownership"), (2, "Borrowing"), (3, "Lifetimes")] {
        bin.publish(
            author,
            &format!(
                "---\ntitle: {title}\nseries: Rust in Practice\npublished: 2025-03-0{day}T12:00:00Z\n---\nThe text of {title}.\n"
            ),
        )
        .ok();
    }
    b.goto("/posts/borrowing").await;
    b.wait_for_text("header .series-part", "Part 2 of 3").await;
    b.find(".series-nav a[rel=prev][href$='/posts/ownership']")
        .await;
    b.click(".series-nav a[rel=next]").await;
    b.wait_for_path("/posts/lifetimes").await;
    b.wait_for_text("header .series-part", "Part 3 of 3").await;
    b.click("header .series-part a").await;
    b.wait_for_path("/series/rust-in-practice").await;
    let titles = b
        .client
        .find_all(fantoccini::Locator::Css("li.h-entry .p-name"))
        .await
        .unwrap();
    let mut seen = Vec::new();
    for t in titles {
        seen.push(t.text().await.unwrap());
    }
    assert_eq!(seen, ["Ownership", "Borrowing", "Lifetimes"]);
}

/// A person clicking the RSS link of `/subscribe` reads what a feed is, not raw XML.
pub async fn click_a_feed_link(b: &Browser, server: &RunningServer) {
    b.goto("/subscribe").await;
    b.click("#everything .feed-addresses a[href$='/feed.xml']")
        .await;
    b.wait_for_path("/feed.xml").await;
    b.wait_for_text("h1", "RSS feed").await;
    b.find("#feed-address").await;
    // A reader asking the same address gets the feed.
    let feed = server.get("/feed.xml").await;
    assert!(
        feed.content_type().starts_with("application/rss+xml"),
        "{}",
        feed.content_type()
    );
}
