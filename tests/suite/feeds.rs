//! Feeds as a feed reader sees them: RSS 2.0, Atom 1.0 and JSON Feed 1.1 for the site, each
//! author and each tag, parsed by a real feed parser, with full content and absolute URLs,
//! and answered with 304 when the reader's copy is current.

use crate::support::{BASE_URL, Backend, Reply, TestApp, backends, select};
use axum::http::StatusCode;
use chorus::domain::Role;
use feed_rs::model::{Feed, FeedType};
use url::Url;

const FORMATS: [(&str, &str, FeedType); 3] = [
    ("feed.xml", "application/rss+xml", FeedType::RSS2),
    ("atom.xml", "application/atom+xml", FeedType::Atom),
    ("feed.json", "application/feed+json", FeedType::JSON),
];

fn parse(reply: &Reply, path: &str) -> Feed {
    assert_eq!(reply.status, StatusCode::OK, "{path}");
    feed_rs::parser::parse(&reply.body[..])
        .unwrap_or_else(|e| panic!("{path} does not parse: {e}\n{}", reply.text()))
}

fn entry_titles(feed: &Feed) -> Vec<String> {
    feed.entries
        .iter()
        .map(|e| {
            e.title
                .as_ref()
                .map(|t| t.content.clone())
                .unwrap_or_default()
        })
        .collect()
}

fn dated(title: &str, day: u32, tags: &str, body: &str) -> String {
    format!(
        "---\ntitle: {title}\ntags: [{tags}]\npublished: 2025-02-{day:02}T08:00:00Z\n---\n{body}\n"
    )
}

async fn community(backend: Backend) -> TestApp {
    let site = TestApp::with_author(backend, "alice").await;
    site.create_user("bob", Role::Author).await;
    site.publish(
        "alice",
        &dated("Alice on Rust", 1, "rust", "Alice writes about **Rust**."),
    )
    .await
    .unwrap();
    site.publish(
        "bob",
        &dated("Bob on the web", 2, "web", "Bob writes about the web."),
    )
    .await
    .unwrap();
    site.publish(
        "alice",
        &dated("Alice again", 3, "rust, web", "More from Alice."),
    )
    .await
    .unwrap();
    site
}

#[tokio::test]
async fn site_author_and_tag_feeds_in_three_formats() {
    for backend in backends() {
        let site = community(backend).await;
        let scopes: [(&str, &[&str]); 4] = [
            ("", &["Alice again", "Bob on the web", "Alice on Rust"]),
            ("/@alice", &["Alice again", "Alice on Rust"]),
            ("/@bob", &["Bob on the web"]),
            ("/tags/rust", &["Alice again", "Alice on Rust"]),
        ];
        for (prefix, titles) in scopes {
            for (file, media_type, feed_type) in FORMATS {
                let path = format!("{prefix}/{file}");
                let reply = site.get(&path).await;
                assert!(
                    reply.content_type().starts_with(media_type),
                    "{backend:?}: {path} is {}",
                    reply.content_type()
                );
                let feed = parse(&reply, &path);
                assert_eq!(feed.feed_type, feed_type, "{backend:?}: {path}");
                assert_eq!(
                    entry_titles(&feed),
                    *titles,
                    "{backend:?}: {path}: newest first"
                );
                assert!(
                    feed.title.as_ref().is_some_and(|t| !t.content.is_empty()),
                    "{backend:?}: {path}: a title"
                );
                let home = format!("{BASE_URL}{}", if prefix.is_empty() { "/" } else { prefix });
                assert!(
                    feed.links.iter().any(|l| l.href == home),
                    "{backend:?}: {path}: no link to {home}: {:?}",
                    feed.links.iter().map(|l| &l.href).collect::<Vec<_>>()
                );
                for entry in &feed.entries {
                    let link = &entry
                        .links
                        .first()
                        .unwrap_or_else(|| panic!("{path}: an entry without a link"))
                        .href;
                    assert!(
                        link.starts_with(&format!("{BASE_URL}/posts/")),
                        "{backend:?}: {path}: {link}"
                    );
                    assert!(
                        entry.published.is_some() || entry.updated.is_some(),
                        "{backend:?}: {path}: no date"
                    );
                    let content = entry
                        .content
                        .as_ref()
                        .and_then(|c| c.body.as_deref())
                        .unwrap_or("");
                    assert!(
                        content.contains("<p>"),
                        "{backend:?}: {path}: no full HTML content: {content:?}"
                    );
                }
                let alice = feed
                    .entries
                    .iter()
                    .find(|e| e.title.as_ref().unwrap().content == "Alice on Rust");
                if let Some(alice) = alice {
                    let content = alice.content.as_ref().and_then(|c| c.body.clone()).unwrap();
                    assert!(
                        content.contains("<strong>Rust</strong>"),
                        "{backend:?}: {path}: {content}"
                    );
                    let authors: Vec<&str> = alice
                        .authors
                        .iter()
                        .map(|a| a.name.as_deref().unwrap_or(""))
                        .collect();
                    let by_feed: Vec<&str> = feed
                        .authors
                        .iter()
                        .map(|a| a.name.as_deref().unwrap_or(""))
                        .collect();
                    assert!(
                        authors.contains(&"alice") || by_feed.contains(&"alice"),
                        "{backend:?}: {path}: no author: {authors:?} {by_feed:?}"
                    );
                }
            }
        }
        for missing in [
            "/@nobody/feed.xml",
            "/tags/nothing/atom.xml",
            "/@alice/feed.txt",
            "/tags/rust/other.json",
        ] {
            assert_eq!(
                site.get(missing).await.status,
                StatusCode::NOT_FOUND,
                "{backend:?}: {missing}"
            );
        }
    }
}

#[tokio::test]
async fn feed_content_has_absolute_urls() {
    let md = r#"---
title: Links and notes
slug: links
---
See [the other post](/posts/other), [a section](#details) and ![the logo](/static/favicon.svg).

Footnoted.[^1]

## Details

Done.

[^1]: The note.
"#;
    for backend in backends() {
        let site = TestApp::with_author(backend, "alice").await;
        site.publish("alice", md).await.unwrap();
        let base = Url::parse(BASE_URL).unwrap();
        for prefix in ["", "/@alice"] {
            for (file, _, _) in FORMATS {
                let path = format!("{prefix}/{file}");
                let feed = parse(&site.get(&path).await, &path);
                let content = feed.entries[0]
                    .content
                    .as_ref()
                    .and_then(|c| c.body.clone())
                    .expect("content");
                let html = scraper::Html::parse_fragment(&content);
                let mut urls = Vec::new();
                for el in select(&html, "a[href], img[src]") {
                    let value = el.value().attr("href").or(el.value().attr("src")).unwrap();
                    let url = Url::parse(value)
                        .unwrap_or_else(|_| panic!("{backend:?}: {path}: relative URL {value:?}"));
                    assert_eq!(url.origin(), base.origin(), "{backend:?}: {path}: {url}");
                    urls.push(url.to_string());
                }
                for expected in [
                    format!("{BASE_URL}/posts/other"),
                    format!("{BASE_URL}/posts/links#details"),
                    format!("{BASE_URL}/static/favicon.svg"),
                ] {
                    assert!(
                        urls.contains(&expected),
                        "{backend:?}: {path}: {expected} missing from {urls:?}"
                    );
                }
                assert!(
                    urls.iter()
                        .any(|u| u.starts_with(&format!("{BASE_URL}/posts/links#fn"))),
                    "{backend:?}: {path}: no absolute footnote link in {urls:?}"
                );
            }
        }
        // The page itself keeps the links as the author wrote them.
        let page = site.get("/posts/links").await.html();
        assert!(
            select(&page, ".e-content a[href='/posts/other']").len() == 1,
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn conditional_requests_answer_304_until_something_changes() {
    for backend in backends() {
        let site = community(backend).await;
        for path in [
            "/feed.xml",
            "/@alice/atom.xml",
            "/tags/rust/feed.json",
            "/",
            "/posts/alice-on-rust",
        ] {
            let first = site.get(path).await;
            assert_eq!(first.status, StatusCode::OK, "{backend:?}: {path}");
            let etag = first.header("etag").to_owned();
            let last_modified = first.header("last-modified").to_owned();
            assert!(!etag.is_empty(), "{backend:?}: {path}: no ETag");
            assert!(
                !last_modified.is_empty(),
                "{backend:?}: {path}: no Last-Modified"
            );
            assert!(
                httpdate::parse_http_date(&last_modified).is_ok(),
                "{path}: {last_modified}"
            );

            let again = site.get_with(path, &[("if-none-match", &etag)]).await;
            assert_eq!(
                again.status,
                StatusCode::NOT_MODIFIED,
                "{backend:?}: {path}: If-None-Match"
            );
            assert!(
                again.body.is_empty(),
                "{backend:?}: {path}: a 304 has no body"
            );
            assert_eq!(again.header("etag"), etag);

            let since = site
                .get_with(path, &[("if-modified-since", &last_modified)])
                .await;
            assert_eq!(
                since.status,
                StatusCode::NOT_MODIFIED,
                "{backend:?}: {path}: If-Modified-Since"
            );
            assert!(since.body.is_empty());

            let stale = site
                .get_with(path, &[("if-none-match", "W/\"something-else\"")])
                .await;
            assert_eq!(
                stale.status,
                StatusCode::OK,
                "{backend:?}: {path}: another ETag gets the body"
            );
            let old = site
                .get_with(
                    path,
                    &[("if-modified-since", "Mon, 01 Jan 2001 00:00:00 GMT")],
                )
                .await;
            assert_eq!(
                old.status,
                StatusCode::OK,
                "{backend:?}: {path}: an old date gets the body"
            );
        }

        let before = site.get("/feed.xml").await;
        let before_alice = site.get("/@alice/atom.xml").await;
        let before_rust = site.get("/tags/rust/feed.json").await;
        site.publish("alice", &dated("Alice, third time", 4, "rust", "New!"))
            .await
            .unwrap();
        for (path, old) in [
            ("/feed.xml", &before),
            ("/@alice/atom.xml", &before_alice),
            ("/tags/rust/feed.json", &before_rust),
        ] {
            let after = site
                .get_with(path, &[("if-none-match", old.header("etag"))])
                .await;
            assert_eq!(
                after.status,
                StatusCode::OK,
                "{backend:?}: {path}: a new post must not be answered 304"
            );
            assert_ne!(
                after.header("etag"),
                old.header("etag"),
                "{backend:?}: {path}: the ETag must change"
            );
            assert!(
                after.text().contains("Alice, third time"),
                "{backend:?}: {path}"
            );
        }
        // Bob's feed did not change, so its ETag stays valid.
        let bob = site.get("/@bob/feed.xml").await;
        let site_bob = site
            .get_with("/@bob/feed.xml", &[("if-none-match", bob.header("etag"))])
            .await;
        assert_eq!(site_bob.status, StatusCode::NOT_MODIFIED, "{backend:?}");
    }
}
