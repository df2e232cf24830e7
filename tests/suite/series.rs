//! Series: posts grouped under one name read as parts, "Part N of M" with the previous and
//! next parts on each, a series page listing them in order, and the series' own feeds.

use axum::http::StatusCode;

use crate::pages::check_page;
use crate::support::{TestApp, attr, backends, select, text_of};

fn part(title: &str, day: u32, series: &str) -> String {
    format!(
        "---\ntitle: {title}\nseries: {series}\npublished: 2025-03-{day:02}T12:00:00Z\n---\nThe text of {title}.\n"
    )
}

fn titles_in(html: &scraper::Html, selector: &str) -> Vec<String> {
    select(html, selector)
        .iter()
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .collect()
}

#[tokio::test]
async fn a_series_of_three_reads_as_parts_in_order() {
    for backend in backends() {
        let site = TestApp::with_author(backend, "alice").await;
        // Published out of order: the dates decide the order.
        let second = site
            .publish("alice", &part("Borrowing", 2, "Rust in Practice"))
            .await
            .unwrap();
        let first = site
            .publish("alice", &part("Ownership", 1, "Rust in Practice"))
            .await
            .unwrap();
        let third = site
            .publish("alice", &part("Lifetimes", 3, "rust in practice"))
            .await
            .unwrap();
        site.publish_post("alice", "Unrelated", "Not in the series.")
            .await;

        let middle = site.get(second.path()).await;
        check_page(&middle, second.path());
        let html = middle.html();
        assert_eq!(
            text_of(&html, "header .series-part").as_deref(),
            Some("Part 2 of 3 in the series Rust in Practice"),
            "{backend:?}"
        );
        assert_eq!(
            attr(&html, ".series-nav a[rel=prev]", "href").as_deref(),
            Some(first.as_str()),
            "{backend:?}: previous"
        );
        assert_eq!(
            attr(&html, ".series-nav a[rel=next]", "href").as_deref(),
            Some(third.as_str()),
            "{backend:?}: next"
        );
        assert_eq!(
            titles_in(&html, ".series-parts li"),
            ["Ownership", "Borrowing", "Lifetimes"]
        );
        assert_eq!(
            text_of(&html, ".series-parts [aria-current=page]").as_deref(),
            Some("Borrowing")
        );
        let series_url = attr(&html, "header .series-part a", "href").unwrap();
        assert!(
            series_url.ends_with("/series/rust-in-practice"),
            "{series_url}"
        );

        let start = site.get(first.path()).await.html();
        assert!(select(&start, ".series-nav a[rel=prev]").is_empty());
        assert_eq!(
            text_of(&start, "header .series-part").as_deref(),
            Some("Part 1 of 3 in the series Rust in Practice")
        );
        let unrelated = site.get("/posts/unrelated").await.html();
        assert!(select(&unrelated, ".series-part, .series-nav").is_empty());

        let page = site.get("/series/rust-in-practice").await;
        check_page(&page, "/series/rust-in-practice");
        let html = page.html();
        assert_eq!(text_of(&html, "h1").as_deref(), Some("Rust in Practice"));
        assert_eq!(
            titles_in(&html, "li.h-entry .p-name"),
            ["Ownership", "Borrowing", "Lifetimes"],
            "{backend:?}: the series page lists its parts in order"
        );
        for file in ["feed.xml", "atom.xml", "feed.json"] {
            let feed = site.get(&format!("/series/rust-in-practice/{file}")).await;
            assert_eq!(feed.status, StatusCode::OK, "{file}");
            let parsed = feed_rs::parser::parse(&feed.body[..]).expect("a feed");
            let mut titles: Vec<String> = parsed
                .entries
                .iter()
                .filter_map(|e| e.title.as_ref().map(|t| t.content.clone()))
                .collect();
            titles.sort();
            assert_eq!(titles, ["Borrowing", "Lifetimes", "Ownership"], "{file}");
        }
        let subscribe = site.get("/subscribe").await.text();
        assert!(
            subscribe.contains("/series/rust-in-practice/atom.xml"),
            "{backend:?}: /subscribe lists the series' feeds"
        );
        let sitemap = site.get("/sitemap.xml").await.text();
        assert!(
            sitemap.contains("/series/rust-in-practice</loc><lastmod>"),
            "{backend:?}: the sitemap lists the series with its last change: {sitemap}"
        );
        for missing in [
            "/series/nothing-here",
            "/series/Not_A_Slug",
            "/series/x/rss.txt",
        ] {
            assert_eq!(
                site.get(missing).await.status,
                StatusCode::NOT_FOUND,
                "{missing}"
            );
        }

        // A part leaving the series changes what the others show, at once.
        site.publish(
            "alice",
            "---\ntitle: Lifetimes\npublished: 2025-03-03T12:00:00Z\n---\nThe text of Lifetimes.\n",
        )
        .await
        .unwrap();
        let middle = site.get(second.path()).await.html();
        assert_eq!(
            text_of(&middle, "header .series-part").as_deref(),
            Some("Part 2 of 2 in the series Rust in Practice"),
            "{backend:?}: the cached page was dropped"
        );
        assert!(select(&middle, ".series-nav a[rel=next]").is_empty());
        let page = site.get("/series/rust-in-practice").await.html();
        assert_eq!(
            titles_in(&page, "li.h-entry .p-name"),
            ["Ownership", "Borrowing"]
        );
        // A deleted part too.
        site.delete(first.as_str()).await.unwrap();
        let middle = site.get(second.path()).await.html();
        assert_eq!(
            text_of(&middle, "header .series-part").as_deref(),
            Some("Part 1 of 1 in the series Rust in Practice"),
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn a_series_name_is_checked() {
    for backend in backends() {
        let site = TestApp::with_author(backend, "alice").await;
        let long = "x".repeat(101);
        let err = site
            .publish("alice", &part("Too long", 1, &long))
            .await
            .unwrap_err();
        assert!(err.contains("series name is longer"), "{err}");
        let err = site
            .publish("alice", &part("No letters", 1, "'!!!'"))
            .await
            .unwrap_err();
        assert!(err.contains("no letters or digits"), "{err}");
        assert_eq!(site.count("posts").await, 0);
    }
}
