//! Reading a post: code blocks whose highlighting never meets the page's classes (and plain
//! code in feeds), posts stored by older versions rendered again, tags shown as written and
//! matched loosely, each reply with who wrote it, when and how to answer it, and a sitemap
//! that lists every public page and nothing private.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use chorus::domain::Role;
use chorus::domain::comments::{CommentState, Visibility};
use chorus::storage::{comments, posts, remote};

use crate::support::{BASE_URL, TestApp, backends, select};

const CODE_POST: &str = "---\ntitle: Code and comments\ntags: [rust]\n---\nSome code:\n\n\
```rust\n// a comment in the code\nfn main(x: u8) { let s = \"a < b\"; }\n```\n\nThat was Rust.\n";

fn slug_of(url: &url::Url) -> String {
    url.path().trim_start_matches("/posts/").to_owned()
}

#[tokio::test]
async fn code_is_highlighted_with_prefixed_classes_and_feeds_get_plain_code() {
    for backend in backends() {
        let site = TestApp::with_author(backend, "alice").await;
        let url = site.publish("alice", CODE_POST).await.unwrap();
        let page = site.get(url.path()).await;
        let html = page.html();
        assert!(
            !select(
                &html,
                ".e-content pre.hl-code code.language-rust span.hl-comment"
            )
            .is_empty(),
            "{backend:?}: {}",
            page.text()
        );
        // The conversation's `.comment` (a bordered reply) never matches code.
        assert!(
            select(&html, ".e-content .comment").is_empty(),
            "{backend:?}"
        );
        assert!(select(&html, ".e-content .syntax-highlighting").is_empty());

        for file in ["feed.xml", "atom.xml", "feed.json"] {
            let reply = site.get(&format!("/{file}")).await;
            assert_eq!(reply.status, StatusCode::OK, "{backend:?}: {file}");
            let feed = feed_rs::parser::parse(&reply.body[..]).expect("the feed parses");
            let entry = &feed.entries[0];
            let body = entry
                .content
                .as_ref()
                .and_then(|c| c.body.clone())
                .unwrap_or_default();
            assert!(
                body.contains("<pre><code class=\"language-rust\">// a comment in the code\nfn main(x: u8) { let s = \"a &lt; b\"; }"),
                "{backend:?}: {file}: {body}"
            );
            assert!(!body.contains("<span"), "{backend:?}: {file}: {body}");
            assert!(!body.contains("hl-"), "{backend:?}: {file}: {body}");
        }
    }
}

#[tokio::test]
async fn posts_highlighted_by_older_versions_are_rendered_again() {
    for backend in backends() {
        let site = TestApp::with_author(backend, "alice").await;
        let url = site.publish("alice", CODE_POST).await.unwrap();
        let db = &site.app.db;
        let before = posts::find_post_by_slug(db, &slug_of(&url))
            .await
            .unwrap()
            .unwrap();
        let old = "<p>Some code:</p>\n<pre class=\"syntax-highlighting\"><code class=\"language-rust\">\
                   <span class=\"source rust\"><span class=\"comment line double-slash rust\">// a comment in the code</span>\n</span></code></pre>\n";
        posts::replace_post_html(db, before.id, old).await.unwrap();
        site.app.content_changed().await;
        let stale = site.get(url.path()).await.html();
        assert!(
            !select(&stale, ".e-content .comment").is_empty(),
            "{backend:?}: the old HTML is in place"
        );

        let n = chorus::actions::posts::render_old_html_again(&site.app)
            .await
            .unwrap();
        assert_eq!(n, 1, "{backend:?}");
        let page = site.get(url.path()).await.html();
        assert!(
            select(&page, ".e-content .comment").is_empty(),
            "{backend:?}"
        );
        assert!(!select(&page, ".e-content span.hl-comment").is_empty());
        let after = posts::find_post_by_slug(db, &slug_of(&url))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(after.updated_at, before.updated_at, "not an edit");
        assert_eq!(after.content_html, before.content_html);
        assert_eq!(
            chorus::actions::posts::render_old_html_again(&site.app)
                .await
                .unwrap(),
            0,
            "{backend:?}: once is enough"
        );
    }
}

#[tokio::test]
async fn tags_are_shown_as_written_and_matched_without_case_or_hyphens() {
    for backend in backends() {
        let site = TestApp::with_author(backend, "alice").await;
        let first = site
            .publish(
                "alice",
                "---\ntitle: Notes one\ntags: [release-notes]\npublished: 2025-02-01T08:00:00Z\n---\nOne.\n",
            )
            .await
            .unwrap();
        site.publish(
            "alice",
            "---\ntitle: Notes two\ntags: [ReleaseNotes]\npublished: 2025-02-02T08:00:00Z\n---\nTwo.\n",
        )
        .await
        .unwrap();

        let page = site.get(first.path()).await.html();
        let tags: Vec<String> = select(&page, ".tags a")
            .iter()
            .map(|a| a.text().collect::<String>())
            .collect();
        assert_eq!(tags, ["#release-notes"], "{backend:?}");
        assert_eq!(
            select(&page, ".tags a")[0].value().attr("href"),
            Some(format!("{BASE_URL}/tags/release-notes").as_str())
        );

        for path in [
            "/tags/release-notes",
            "/tags/ReleaseNotes",
            "/tags/releasenotes",
        ] {
            let reply = site.get(path).await;
            assert_eq!(reply.status, StatusCode::OK, "{backend:?}: {path}");
            let text = reply.text();
            assert!(
                text.contains("Notes one") && text.contains("Notes two"),
                "{backend:?}: {path}"
            );
            let feed = site.get(&format!("{path}/feed.xml")).await;
            assert_eq!(feed.status, StatusCode::OK, "{backend:?}: {path}");
            let feed = feed_rs::parser::parse(&feed.body[..]).unwrap();
            assert_eq!(feed.entries.len(), 2, "{backend:?}: {path}");
        }

        // The fediverse hashtag is one Mastodon links: letters, digits, underscores.
        let article = site
            .get_with(first.path(), &[("accept", "application/activity+json")])
            .await
            .json();
        let names: Vec<&str> = article["tag"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["type"] == "Hashtag")
            .map(|t| t["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["#ReleaseNotes"], "{backend:?}");
    }
}

/// A remote person, stored as the inbox would have.
async fn remote_person(site: &TestApp, name: &str) -> i64 {
    remote::upsert_remote_actor(
        &site.app.db,
        &remote::RemoteActorData {
            uri: format!("https://elsewhere.example/users/{name}"),
            kind: "Person".into(),
            username: name.into(),
            domain: "elsewhere.example".into(),
            display_name: format!("{name} Person"),
            url: Some(format!("https://elsewhere.example/@{name}")),
            icon_url: None,
            inbox: format!("https://elsewhere.example/users/{name}/inbox"),
            shared_inbox: None,
            key_id: format!("https://elsewhere.example/users/{name}#main-key"),
            public_key_pem: String::new(),
        },
        chorus::domain::time::now(),
    )
    .await
    .unwrap()
    .id
}

/// Stores an approved public reply under `post_id`; gives its id.
async fn reply(
    site: &TestApp,
    post_id: i64,
    actor: i64,
    n: u32,
    parent: Option<(i64, &str)>,
) -> i64 {
    let uri = format!("https://elsewhere.example/notes/{n}");
    let url = format!("https://elsewhere.example/@someone/{n}");
    let now = chorus::domain::time::now();
    let c = comments::NewComment {
        post_id,
        uri: &uri,
        in_reply_to: parent.map_or("", |p| p.1),
        parent_id: parent.map(|p| p.0),
        remote_actor_id: actor,
        url: Some(&url),
        content_html: &format!("<p>Reply number {n}.</p>"),
        visibility: Visibility::Public,
        state: CommentState::Approved,
        published: now,
        updated: None,
    };
    let id = comments::insert_comment(&site.app.db, &c, now)
        .await
        .unwrap()
        .unwrap();
    site.app.content_changed().await;
    id
}

#[tokio::test]
async fn each_reply_shows_who_when_and_how_to_answer_it() {
    for backend in backends() {
        let site = TestApp::with_author(backend, "alice").await;
        let url = site.publish_post("alice", "Talk", "Say something.").await;
        let other = site.publish_post("alice", "Other", "Elsewhere.").await;
        let post = posts::find_post_by_slug(&site.app.db, &slug_of(&url))
            .await
            .unwrap()
            .unwrap();
        let other = posts::find_post_by_slug(&site.app.db, &slug_of(&other))
            .await
            .unwrap()
            .unwrap();
        let quinn = remote_person(&site, "quinn").await;
        let first = reply(&site, post.id, quinn, 1, None).await;
        reply(
            &site,
            post.id,
            quinn,
            2,
            Some((first, "https://elsewhere.example/notes/1")),
        )
        .await;
        let elsewhere = reply(&site, other.id, quinn, 3, None).await;

        let page = site.get(url.path()).await;
        let html = page.html();
        let items = select(&html, "li.comment");
        assert_eq!(items.len(), 2, "{backend:?}");
        let first_item = items[0].html();
        assert!(first_item.contains("quinn Person"), "{first_item}");
        assert!(
            first_item.contains("@quinn@elsewhere.example"),
            "{first_item}"
        );
        assert!(first_item.contains("on elsewhere.example"), "{first_item}");
        assert!(first_item.contains("1 reply"), "{first_item}");
        let doc = scraper::Html::parse_fragment(&first_item);
        let time = select(&doc, "time[datetime][data-relative]");
        assert_eq!(time.len(), 1, "{first_item}");
        let shown: String = time[0].text().collect();
        assert!(shown.ends_with("UTC") && shown.contains(':'), "{shown}");
        let href = select(&doc, "a.comment-reply")[0]
            .value()
            .attr("href")
            .unwrap()
            .replace("&amp;", "&");
        assert!(
            href.starts_with("/interact?post=") && href.ends_with(&format!("comment={first}")),
            "{href}"
        );

        // The link asks for the reader's address, then answers that reply.
        let ask = site.get(&href).await;
        assert_eq!(ask.status, StatusCode::OK, "{backend:?}: {href}");
        let ask_html = ask.html();
        assert_eq!(
            select(&ask_html, "form[action='/interact'] input[name=comment]")[0]
                .value()
                .attr("value"),
            Some(first.to_string().as_str())
        );
        assert!(select(&ask_html, "form input[name=handle]").len() == 1);

        // Replies that are not under this post are not answered from it.
        let post_param: String =
            url::form_urlencoded::byte_serialize(url.as_str().as_bytes()).collect();
        for bad in [elsewhere.to_string(), "999999".into(), "x".into()] {
            let reply = site
                .get(&format!("/interact?post={post_param}&comment={bad}"))
                .await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "{backend:?}: {bad}");
        }
    }
}

/// The `<loc>` and `<lastmod>` of each `<url>` in a sitemap, parsed as XML.
fn sitemap_urls(xml: &str) -> Vec<(String, Option<String>)> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    let mut path: Vec<String> = Vec::new();
    let mut text = String::new();
    loop {
        match reader.read_event().expect("the sitemap is XML") {
            Event::Start(e) => {
                let name = e.local_name().as_ref().to_owned();
                if name == "url" {
                    out.push((String::new(), None));
                }
                path.push(name);
                text.clear();
            }
            Event::Text(t) => text.push_str(&t.into_inner()),
            Event::GeneralRef(r) => text.push(match &*r {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "apos" => '\'',
                other => panic!("unexpected entity {other}"),
            }),
            Event::End(_) => {
                match path.pop().as_deref() {
                    Some("loc") => out.last_mut().unwrap().0 = text.clone(),
                    Some("lastmod") => out.last_mut().unwrap().1 = Some(text.clone()),
                    _ => {}
                }
                text.clear();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(path.is_empty(), "every element is closed");
    out
}

#[tokio::test]
async fn the_sitemap_lists_every_public_page_and_nothing_private() {
    for backend in backends() {
        let site = TestApp::with_author(backend, "alice").await;
        site.create_user("bob", Role::Author).await;
        site.create_user("carol", Role::Contributor).await;
        site.publish(
            "alice",
            "---\ntitle: Public one\ntags: [release-notes, rust]\n---\nHello.\n",
        )
        .await
        .unwrap();
        site.publish(
            "bob",
            "---\ntitle: Bob speaks\ntags: [ReleaseNotes]\n---\nHi.\n",
        )
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
        site.publish(
            "carol",
            "---\ntitle: For review\ndraft: true\ntags: [waiting]\n---\nPlease.\n",
        )
        .await
        .unwrap();
        let doomed = site
            .publish("alice", "---\ntitle: Doomed\ntags: [gone]\n---\nBye.\n")
            .await
            .unwrap();
        site.delete(doomed.as_str()).await.unwrap();

        let reply = site.get("/sitemap.xml").await;
        assert_eq!(reply.status, StatusCode::OK, "{backend:?}");
        assert!(reply.content_type().starts_with("application/xml"));
        let urls = sitemap_urls(&reply.text());
        let locs: BTreeSet<String> = urls.iter().map(|(l, _)| l.clone()).collect();
        let expected: BTreeSet<String> = [
            "/",
            "/@community",
            "/posts/public-one",
            "/posts/bob-speaks",
            "/@alice",
            "/@bob",
            "/tags/rust",
        ]
        .iter()
        .map(|p| format!("{BASE_URL}{p}"))
        .collect();
        let tag_pages: Vec<&String> = locs.iter().filter(|l| l.contains("/tags/r")).collect();
        assert_eq!(
            locs.iter()
                .filter(|l| !l.to_lowercase().contains("release"))
                .cloned()
                .collect::<BTreeSet<_>>(),
            expected,
            "{backend:?}"
        );
        // `release-notes` and `ReleaseNotes` are one tag, listed once.
        assert_eq!(
            locs.iter()
                .filter(|l| l.to_lowercase().contains("release"))
                .count(),
            1,
            "{backend:?}: {tag_pages:?}"
        );
        assert_eq!(urls.len(), locs.len(), "each URL once");
        for (loc, lastmod) in &urls {
            let lastmod = lastmod
                .as_deref()
                .unwrap_or_else(|| panic!("{loc}: no lastmod"));
            chrono::DateTime::parse_from_rfc3339(lastmod).expect("a W3C date-time");
            let path = loc.strip_prefix(BASE_URL).unwrap();
            let page = site.get(path).await;
            assert_eq!(page.status, StatusCode::OK, "{backend:?}: {loc} is listed");
        }
        let text = reply.text();
        for private in [
            "a-draft",
            "later",
            "for-review",
            "doomed",
            "drafts",
            "waiting",
            "gone",
            "carol",
        ] {
            assert!(
                !text.contains(private),
                "{backend:?}: {private} is listed:\n{text}"
            );
        }

        // Served from the page cache: validators and 304s, and new posts appear.
        let etag = reply.header("etag").to_owned();
        assert!(!etag.is_empty(), "{backend:?}");
        let again = site
            .get_with("/sitemap.xml", &[("if-none-match", &etag)])
            .await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{backend:?}");
        site.publish_post("bob", "Fresh", "New.").await;
        let fresh = site.get("/sitemap.xml").await.text();
        assert!(fresh.contains("/posts/fresh"), "{backend:?}");

        let robots = site.get("/robots.txt").await;
        assert_eq!(robots.status, StatusCode::OK);
        assert!(robots.content_type().starts_with("text/plain"));
        assert!(
            robots
                .text()
                .contains(&format!("Sitemap: {BASE_URL}/sitemap.xml")),
            "{}",
            robots.text()
        );
        assert!(robots.text().contains("Disallow: /editor"));
    }
}
