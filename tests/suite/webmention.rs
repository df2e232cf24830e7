//! Webmention, as other web sites meet it: a page on the author's own site replies to,
//! likes or mentions a post and tells the post's endpoint; the reply shows under the post
//! with the fediverse replies, changes when the page changes and goes when the page is gone.
//! And the other way: a published post tells the pages it links to, once per version.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chorus::actions::webmentions;
use chorus::config::Config;
use chorus::domain::Role;
use chorus::storage::webmentions::{Received, find_received};

use crate::support::*;

/// A small web site on a loopback port: pages set by the test, and webmention endpoints
/// that record what they receive.
#[derive(Clone, Default)]
struct Site {
    pages: Arc<Mutex<HashMap<String, (u16, Vec<(String, String)>, String)>>>,
    received: Arc<Mutex<Vec<(String, HashMap<String, String>)>>>,
}

impl Site {
    async fn start() -> (Site, String) {
        let site = Site::default();
        let app = axum::Router::new()
            .route("/endpoint/{name}", post(endpoint))
            .route("/{*path}", get(page))
            .with_state(site.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let base = format!("http://{}", listener.local_addr().expect("an address"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        (site, base)
    }

    fn set(&self, path: &str, status: u16, headers: &[(&str, &str)], body: &str) {
        let headers = headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        self.pages
            .lock()
            .unwrap()
            .insert(path.to_owned(), (status, headers, body.to_owned()));
    }

    fn received(&self, endpoint: &str) -> Vec<HashMap<String, String>> {
        self.received
            .lock()
            .unwrap()
            .iter()
            .filter(|(name, _)| name == endpoint)
            .map(|(_, form)| form.clone())
            .collect()
    }
}

async fn page(State(site): State<Site>, Path(path): Path<String>) -> Response {
    let Some((status, headers, body)) = site.pages.lock().unwrap().get(&path).cloned() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mut out = HeaderMap::new();
    out.insert(
        header::CONTENT_TYPE,
        "text/html; charset=utf-8".parse().unwrap(),
    );
    for (k, v) in headers {
        out.append(
            axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            v.parse().unwrap(),
        );
    }
    (StatusCode::from_u16(status).unwrap(), out, body).into_response()
}

async fn endpoint(
    State(site): State<Site>,
    Path(name): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> StatusCode {
    site.received.lock().unwrap().push((name, form));
    StatusCode::ACCEPTED
}

/// A site that may fetch loopback pages, as the test's web site is one.
async fn chorus(backend: Backend) -> TestApp {
    let site =
        TestApp::with_config(backend, |c: &mut Config| c.allow_private_networks = true).await;
    site.create_user("alice", Role::Author).await;
    site
}

async fn send_webmention(site: &TestApp, fields: &[(&str, &str)]) -> Reply {
    let body: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let request = Request::post("/webmention")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    site.send(request).await
}

async fn verify(site: &TestApp, source: &str, target: &str) -> Received {
    webmentions::process_received(&site.app)
        .await
        .expect("the queue is processed");
    find_received(&site.app.db, source, target)
        .await
        .unwrap()
        .expect("the webmention is recorded")
}

fn reply_page(target: &str, name: &str, text: &str) -> String {
    format!(
        r#"<!DOCTYPE html><html><head><title>A reply</title></head><body>
        <article class="h-entry">
          <a class="p-author h-card" href="/">{name}<img class="u-photo" src="/me.png" alt=""></a>
          <p>In reply to <a class="u-in-reply-to" href="{target}">the post</a></p>
          <div class="e-content"><p>{text}</p></div>
          <time class="dt-published" datetime="2026-12-01T10:00:00Z">1 December</time>
        </article></body></html>"#
    )
}

#[tokio::test]
async fn a_reply_from_a_web_page_becomes_a_comment_that_follows_the_page() {
    for backend in backends() {
        let site = chorus(backend).await;
        let (web, base) = Site::start().await;
        let target = site
            .publish_post("alice", "Hello", "Tell me what you think.")
            .await;
        let post_page = site.get(target.path()).await;
        assert_eq!(
            post_page.header("link"),
            format!("<{}>; rel=\"webmention\"", site.url("/webmention"))
        );
        assert_eq!(
            attr(&post_page.html(), "link[rel=webmention]", "href").as_deref(),
            Some(site.url("/webmention").as_str())
        );

        let source = format!("{base}/notes/1");
        web.set(
            "notes/1",
            200,
            &[],
            &reply_page(target.as_str(), "Wendy Web", "A fine post, thanks!"),
        );
        let answer =
            send_webmention(&site, &[("source", &source), ("target", target.as_str())]).await;
        assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.text());
        assert_eq!(
            verify(&site, &source, target.as_str()).await.status,
            "accepted"
        );

        let html = site.get(target.path()).await.html();
        let comment = text_of(&html, ".comment").expect("a comment is shown");
        assert!(comment.contains("Wendy Web"), "{comment}");
        assert!(comment.contains("A fine post, thanks!"), "{comment}");
        let links: Vec<String> = select(&html, ".comment a")
            .iter()
            .filter_map(|a| a.value().attr("href").map(str::to_owned))
            .collect();
        assert!(
            links.contains(&source),
            "the comment links to its source: {links:?}"
        );
        let avatar = attr(&html, ".comment img.avatar", "src").unwrap();
        assert!(
            avatar.starts_with("/avatars/"),
            "no third-party image: {avatar}"
        );

        // The page changes: the comment follows.
        web.set(
            "notes/1",
            200,
            &[],
            &reply_page(target.as_str(), "Wendy Web", "Edited: even better."),
        );
        send_webmention(&site, &[("source", &source), ("target", target.as_str())]).await;
        verify(&site, &source, target.as_str()).await;
        let comment = text_of(&site.get(target.path()).await.html(), ".comment").unwrap();
        assert!(comment.contains("Edited: even better."), "{comment}");
        assert!(!comment.contains("A fine post"), "{comment}");

        // The page is gone: so is the comment.
        web.set("notes/1", 410, &[], "gone");
        send_webmention(&site, &[("source", &source), ("target", target.as_str())]).await;
        let gone = verify(&site, &source, target.as_str()).await;
        assert_eq!(gone.status, "removed");
        let html = site.get(target.path()).await.html();
        assert!(text_of(&html, ".comment").is_none(), "the comment is gone");
    }
}

#[tokio::test]
async fn a_like_from_a_web_page_is_counted() {
    for backend in backends() {
        let site = chorus(backend).await;
        let (web, base) = Site::start().await;
        let target = site.publish_post("alice", "Likeable", "Some words.").await;
        let source = format!("{base}/likes/1");
        web.set(
            "likes/1",
            200,
            &[],
            &format!(
                r#"<div class="h-entry"><a class="p-author h-card" href="/">Lee</a>
                   likes <a class="u-like-of" href="{target}">this post</a></div>"#
            ),
        );
        send_webmention(&site, &[("source", &source), ("target", target.as_str())]).await;
        let m = verify(&site, &source, target.as_str()).await;
        assert_eq!(
            (m.status.as_str(), m.kind.as_deref()),
            ("accepted", Some("like"))
        );
        let html = site.get(target.path()).await.html();
        assert_eq!(
            text_of(&html, ".reactions .likes").as_deref(),
            Some("1 like")
        );
        assert!(
            text_of(&html, ".comment").is_none(),
            "a like is not a comment"
        );
    }
}

#[tokio::test]
async fn a_page_that_does_not_link_to_the_post_is_refused_with_its_reason() {
    for backend in backends() {
        let site = chorus(backend).await;
        let (web, base) = Site::start().await;
        let target = site.publish_post("alice", "Linked", "Words.").await;
        let source = format!("{base}/elsewhere");
        web.set(
            "elsewhere",
            200,
            &[],
            r#"<div class="h-entry"><p class="e-content">No link here, only its address as text.</p></div>"#,
        );
        let answer =
            send_webmention(&site, &[("source", &source), ("target", target.as_str())]).await;
        assert_eq!(answer.status, StatusCode::ACCEPTED);
        let m = verify(&site, &source, target.as_str()).await;
        assert_eq!(m.status, "rejected");
        assert!(
            m.reason.contains("does not link to the target"),
            "{}",
            m.reason
        );
        assert!(text_of(&site.get(target.path()).await.html(), ".comment").is_none());
        assert_eq!(site.count("comments").await, 0);
    }
}

#[tokio::test]
async fn a_post_closed_to_replies_refuses_a_reply_webmention() {
    for backend in backends() {
        let site = chorus(backend).await;
        let (web, base) = Site::start().await;
        let target = site
            .publish(
                "alice",
                "---\ntitle: Closed\nreplies: nobody\n---\nNo comments.\n",
            )
            .await
            .unwrap();
        let source = format!("{base}/reply");
        web.set(
            "reply",
            200,
            &[],
            &reply_page(target.as_str(), "Rita", "Let me in"),
        );
        send_webmention(&site, &[("source", &source), ("target", target.as_str())]).await;
        let m = verify(&site, &source, target.as_str()).await;
        assert_eq!(m.status, "rejected");
        assert!(m.reason.contains("closed to replies"), "{}", m.reason);
        assert_eq!(site.count("comments").await, 0);
    }
}

#[tokio::test]
async fn bad_requests_are_answered_400_with_the_reason_and_store_nothing() {
    for backend in backends() {
        let site = chorus(backend).await;
        let target = site.publish_post("alice", "Target", "Words.").await;
        let target = target.as_str();
        let missing_post = site.url("/posts/no-such-post");
        let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
            (
                vec![("source", "https://a.example/x")],
                "the target is missing",
            ),
            (vec![("target", target)], "the source is missing"),
            (
                vec![("source", "not a url"), ("target", target)],
                "not a valid URL",
            ),
            (
                vec![("source", "ftp://a.example/x"), ("target", target)],
                "scheme (ftp) is not supported",
            ),
            (vec![("source", target), ("target", target)], "the same URL"),
            (
                vec![
                    ("source", "https://a.example/x"),
                    ("target", "https://elsewhere.example/posts/target"),
                ],
                "not a post on this site",
            ),
            (
                vec![
                    ("source", "https://a.example/x"),
                    ("target", missing_post.as_str()),
                ],
                "not a post on this site",
            ),
        ];
        for (fields, reason) in cases {
            let answer = send_webmention(&site, &fields).await;
            assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{fields:?}");
            assert!(
                answer.text().contains(reason),
                "{fields:?}: {}",
                answer.text()
            );
        }
        assert_eq!(site.count("webmentions").await, 0);
    }
}

#[tokio::test]
async fn a_source_on_a_private_address_is_refused() {
    for backend in backends() {
        // Private networks are not allowed here, as on a real server.
        let site = TestApp::with_author(backend, "alice").await;
        let target = site.publish_post("alice", "Guarded", "Words.").await;
        for source in [
            "https://127.0.0.1/x",
            "https://10.0.0.8/x",
            "https://[::1]/x",
        ] {
            let answer =
                send_webmention(&site, &[("source", source), ("target", target.as_str())]).await;
            assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{source}");
            assert!(
                answer.text().contains("not a public address"),
                "{source}: {}",
                answer.text()
            );
        }
        // A name is only resolved when fetched: it is queued, then refused with the reason.
        let source = "https://localhost/x";
        let answer =
            send_webmention(&site, &[("source", source), ("target", target.as_str())]).await;
        assert_eq!(answer.status, StatusCode::ACCEPTED);
        let m = verify(&site, source, target.as_str()).await;
        assert_eq!(m.status, "rejected");
        assert!(m.reason.contains("refused"), "{}", m.reason);
        assert_eq!(site.count("comments").await, 0);
    }
}

#[tokio::test]
async fn a_published_post_tells_the_pages_it_links_to_once() {
    for backend in backends() {
        let site = chorus(backend).await;
        let (web, base) = Site::start().await;
        web.set(
            "by-header",
            200,
            &[("Link", "</endpoint/a>; rel=\"webmention\"")],
            "<p>A page.</p>",
        );
        web.set(
            "by-html",
            200,
            &[],
            r#"<html><head><link rel="webmention" href="endpoint/b"></head><body>B</body></html>"#,
        );
        let markdown = post_md(
            "Links",
            &format!("See [one]({base}/by-header) and [two]({base}/by-html)."),
        );
        let post = site.publish("alice", &markdown).await.unwrap();
        webmentions::process_sends(&site.app).await.unwrap();
        for (endpoint, target) in [("a", "by-header"), ("b", "by-html")] {
            let got = web.received(endpoint);
            assert_eq!(got.len(), 1, "endpoint {endpoint}: {got:?}");
            assert_eq!(got[0]["source"], post.as_str());
            assert_eq!(got[0]["target"], format!("{base}/{target}"));
        }

        // The same text again: nothing is sent.
        site.publish("alice", &markdown).await.unwrap();
        webmentions::process_sends(&site.app).await.unwrap();
        assert_eq!(web.received("a").len(), 1);
        assert_eq!(web.received("b").len(), 1);

        // Deleted: every page it linked to is told again.
        site.delete(post.as_str()).await.unwrap();
        webmentions::process_sends(&site.app).await.unwrap();
        assert_eq!(web.received("a").len(), 2);
        assert_eq!(web.received("b").len(), 2);
    }
}
