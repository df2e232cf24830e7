//! Searching in a real browser with JavaScript off, on SQLite and on PostgreSQL: the header's
//! Search link, the plain GET form, a post found by a word of its body with the word marked;
//! a malformed query answers a page, never a server error.

use crate::harness::{Browser, Tools};
use crate::support::{Binary, backends};

const POST: &str = "---
title: Tending a rooftop hive
tags: [bees]
---
The colony swarmed in May; we caught it in a spare box.

Honey came in August.
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_finds_a_post_by_a_word_of_its_body_without_javascript() {
    let Some(tools) = Tools::find() else { return };
    for backend in backends() {
        let bin = Binary::new(backend).await;
        bin.create_user("ada", "admin").ok();
        bin.publish("ada", POST).ok();
        let server = bin.serve().await;
        let b = Browser::start(&tools, &bin.base_url, false, "search").await;

        b.goto("/").await;
        b.click("header a[href='/search']").await;
        b.wait_for_path("/search").await;
        b.fill("#search-q", "swarmed").await;
        b.click("form.search-form button[type=submit]").await;
        b.wait_for_path("/search?q=swarmed").await;
        b.wait_for_text(".search-results .p-name", "Tending a rooftop hive")
            .await;
        b.wait_for_text(".search-results .search-passage mark", "swarmed")
            .await;
        b.wait_for_text(".search-summary", "1 post matches").await;
        b.screenshot(&format!("search-{backend:?}")).await;

        // Into the post from the result.
        b.click(".search-results .p-name a").await;
        b.wait_for_path("/posts/").await;
        b.wait_for_text("h1", "Tending a rooftop hive").await;

        // Queries that full-text engines read as broken syntax.
        for q in ["\"NEAR(", "AND AND *", "-"] {
            b.goto("/search").await;
            b.fill("#search-q", q).await;
            b.click("form.search-form button[type=submit]").await;
            b.wait_for_path("/search?q=").await;
            b.wait_for_text("h1", "Search").await;
            let path = b.path().await;
            let reply = server.get(&path).await;
            assert_eq!(reply.status.as_u16(), 200, "{backend:?}: {path}");
        }
        b.close().await;
    }
}
