//! A reply from a web page (a Webmention) under a post, as readers see it: a loopback page
//! with an h-entry replying to the post tells the running server, whose worker verifies it;
//! the post page then shows it among the comments (and is audited and photographed).

use axum::response::Html;
use axum::routing::get;

use crate::support::{RunningServer, eventually, select};

/// Publishes a reply to `post` (a path) on a loopback web page, sends its Webmention and
/// waits until the post page shows it.
pub async fn reply_from_the_web(server: &RunningServer, post: &str) -> tokio::task::JoinHandle<()> {
    let target = format!("{}{post}", server.base_url);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let base = format!("http://{}", listener.local_addr().expect("an address"));
    let page = format!(
        r#"<!DOCTYPE html><html lang="en"><head><title>Notes</title></head><body>
        <article class="h-entry">
          <a class="p-author h-card" href="/">Wendy Weblog</a>
          <p>In reply to <a class="u-in-reply-to" href="{target}">a post on Chorus</a></p>
          <div class="e-content"><p>Written on my own site: this matched what I saw in <em>production</em>.</p></div>
        </article></body></html>"#
    );
    let site = axum::Router::new().route("/notes/1", get(move || async move { Html(page) }));
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, site).await;
    });
    let source = format!("{base}/notes/1");
    let answer = server
        .client
        .post(format!("{}/webmention", server.base_url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs([("source", source.as_str()), ("target", target.as_str())])
                .finish(),
        )
        .send()
        .await
        .expect("the endpoint answers");
    assert_eq!(answer.status().as_u16(), 202);
    eventually("the web reply on the post page", || async {
        let html = server.get(post).await.html();
        let found = select(&html, ".comment")
            .iter()
            .any(|c| c.text().collect::<String>().contains("Wendy Weblog"));
        found.then_some(())
    })
    .await;
    task
}
