//! The front page and `/subscribe` as a new reader meets them: what the site is, how to follow
//! it from the fediverse (the community, each author, each tag) and every feed, with a follow
//! form that sends the reader to their own server.

use axum::http::StatusCode;
use chorus::domain::Role;

use crate::pages::check_page;
use crate::support::peer::Peer;
use crate::support::{TestApp, TestServer, attr, backends, select, text_of, url};

fn query(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

#[tokio::test]
async fn a_fresh_front_page_says_what_the_site_is_and_how_to_follow_it() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        let page = site.get("/").await;
        check_page(&page, "/");
        let html = page.html();
        let handle = format!("@community@{}", site.app.config.domain());
        assert_eq!(
            attr(&html, ".follow-box input[readonly]", "value").as_deref(),
            Some(handle.as_str()),
            "{backend:?}: the community's handle, to copy"
        );
        assert_eq!(
            attr(&html, ".follow-box button[data-copy]", "data-copy").as_deref(),
            Some("community-handle"),
            "{backend:?}: a copy button for it"
        );
        assert_eq!(
            attr(&html, ".follow-box form.interact", "action").as_deref(),
            Some("/interact")
        );
        assert_eq!(
            attr(
                &html,
                ".follow-box form.interact input[name=account]",
                "value"
            )
            .as_deref(),
            Some("community")
        );
        let intro = text_of(&html, ".site-intro").expect("what the site is");
        assert!(intro.contains("fediverse"), "{intro}");
        assert!(
            select(&html, "main a[href='/login']").len() == 1,
            "{backend:?}: a sign-in link on an empty site"
        );
        for feed in ["/feed.xml", "/atom.xml", "/feed.json"] {
            assert!(
                select(&html, &format!(".follow-box a[href$='{feed}']")).len() == 1,
                "{backend:?}: {feed} in the follow box"
            );
        }
        assert_eq!(
            select(&html, "header.site-header a[href='/subscribe']").len(),
            1,
            "{backend:?}: the header links to /subscribe"
        );
    }
}

#[tokio::test]
async fn the_front_page_lists_posts_with_reading_time_and_is_the_same_for_everyone() {
    for backend in backends() {
        let site = TestApp::with_author(backend, "alice").await;
        let long = "word ".repeat(700);
        site.publish(
            "alice",
            &format!("---\ntitle: A long read\ntags: [essays]\n---\n{long}\n"),
        )
        .await
        .unwrap();
        let page = site.get("/").await;
        check_page(&page, "/");
        let html = page.html();
        assert_eq!(
            text_of(&html, "li.h-entry .reading-time").as_deref(),
            Some("4 min read"),
            "{backend:?}"
        );
        assert!(
            text_of(&html, "li.h-entry .tags")
                .unwrap()
                .contains("#essays")
        );
        assert!(
            select(&html, "main a[href='/login']").is_empty(),
            "{backend:?}: a site with posts does not ask readers to sign in"
        );
        // The page cache serves the same bytes to everyone, signed in or not.
        let other = site
            .get_with("/", &[("cookie", "chorus_session=someone")])
            .await;
        assert_eq!(other.text(), page.text(), "{backend:?}");
    }
}

#[tokio::test]
async fn the_follow_form_reaches_the_readers_own_server() {
    for backend in backends() {
        let chorus = TestServer::spawn(backend).await;
        chorus.create_user("alice", Role::Author).await;
        let peer = Peer::start(&["pat"]).await;
        let domain = chorus.app.config.domain();
        for (account, expected) in [
            ("community", format!("community@{domain}")),
            ("alice", format!("alice@{domain}")),
        ] {
            let reader = peer.handle("pat");
            let q = query(&[
                ("account", account),
                ("action", "follow"),
                ("handle", &reader),
            ]);
            let reply = chorus.get(&format!("/interact?{q}")).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
            assert_eq!(reply.header("cache-control"), "no-store");
            let target = url(&attr(&reply.html(), "a.button", "href").expect("a link"));
            assert_eq!(target.origin(), peer.base.origin(), "{backend:?}");
            assert_eq!(target.path(), "/authorize_interaction");
            assert_eq!(
                target
                    .query_pairs()
                    .find(|(k, _)| k == "uri")
                    .map(|(_, v)| v.into_owned()),
                Some(expected),
                "{backend:?}: {account}"
            );
        }
        let nobody = query(&[("account", "nobody"), ("handle", &peer.handle("pat"))]);
        assert_eq!(
            chorus.get(&format!("/interact?{nobody}")).await.status,
            StatusCode::NOT_FOUND
        );
        for bad in ["pat", "", "a b.example"] {
            let q = query(&[("account", "community"), ("handle", bad)]);
            let r = chorus.get(&format!("/interact?{q}")).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad:?}");
            assert!(r.text().contains("you@your.server"), "{bad:?}");
        }
        let reply_to_account = query(&[
            ("account", "community"),
            ("action", "reply"),
            ("handle", &peer.handle("pat")),
        ]);
        assert_eq!(
            chorus
                .get(&format!("/interact?{reply_to_account}"))
                .await
                .status,
            StatusCode::BAD_REQUEST
        );
    }
}

#[tokio::test]
async fn subscribe_lists_every_way_to_follow_and_every_feed() {
    for backend in backends() {
        let site = TestApp::with_author(backend, "alice").await;
        site.create_user("bob", Role::Author).await;
        site.publish("alice", "---\ntitle: One\ntags: [rust, web]\n---\nText.\n")
            .await
            .unwrap();
        site.publish("bob", "---\ntitle: Two\ntags: [rust]\n---\nText.\n")
            .await
            .unwrap();
        site.publish(
            "bob",
            "---\ntitle: Hidden\ntags: [secret]\ndraft: true\n---\nText.\n",
        )
        .await
        .unwrap();
        let page = site.get("/subscribe").await;
        check_page(&page, "/subscribe");
        let html = page.html();
        let domain = site.app.config.domain();
        let values: Vec<String> = select(&html, "input[readonly]")
            .iter()
            .filter_map(|i| i.value().attr("value").map(str::to_owned))
            .collect();
        let base = site.url("/");
        for expected in [
            format!("@community@{domain}"),
            format!("@alice@{domain}"),
            format!("@bob@{domain}"),
            format!("{base}feed.xml"),
            format!("{base}atom.xml"),
            format!("{base}feed.json"),
            format!("{base}@alice/feed.xml"),
            format!("{base}@bob/feed.json"),
            format!("{base}tags/rust/atom.xml"),
            format!("{base}tags/web/feed.xml"),
        ] {
            assert!(
                values.contains(&expected),
                "{backend:?}: {expected} not among {values:?}"
            );
        }
        assert!(
            !values.iter().any(|v| v.contains("secret")),
            "{backend:?}: a draft's tag is not listed"
        );
        // Every address has its copy button (shown by the optional script).
        for input in select(&html, "input[readonly]") {
            let id = input.value().attr("id").expect("an id");
            assert_eq!(
                select(&html, &format!("button[data-copy='{id}'][hidden]")).len(),
                1,
                "{id}"
            );
        }
        let accounts: Vec<String> = select(&html, "form.interact input[name=account]")
            .iter()
            .filter_map(|i| i.value().attr("value").map(str::to_owned))
            .collect();
        assert_eq!(accounts, ["community", "alice", "bob"], "{backend:?}");
        let text = page.text();
        assert!(
            text.contains("Mastodon follows hashtags only on its own server"),
            "{backend:?}"
        );
        let again = site
            .get_with("/subscribe", &[("cookie", "chorus_session=x")])
            .await;
        assert_eq!(again.text(), text, "{backend:?}: one page for everyone");
        // A new author appears once they publish.
        site.create_user("cleo", Role::Author).await;
        site.publish("cleo", "---\ntitle: Three\n---\nText.\n")
            .await
            .unwrap();
        let fresh = site.get("/subscribe").await.text();
        assert!(fresh.contains(&format!("@cleo@{domain}")), "{backend:?}");
    }
}

#[tokio::test]
async fn a_person_clicking_a_feed_link_gets_a_page_that_explains_it() {
    for backend in backends() {
        let site = TestApp::with_author(backend, "alice").await;
        site.publish("alice", "---\ntitle: Fresh\ntags: [news]\n---\nText.\n")
            .await
            .unwrap();
        let navigation = [
            ("sec-fetch-dest", "document"),
            ("sec-fetch-mode", "navigate"),
            (
                "accept",
                "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            ),
        ];
        for (path, kind) in [
            ("/feed.xml", "RSS"),
            ("/atom.xml", "Atom"),
            ("/feed.json", "JSON Feed"),
            ("/@alice/atom.xml", "Atom"),
            ("/tags/news/feed.xml", "RSS"),
        ] {
            let page = site.get_with(path, &navigation).await;
            check_page(&page, path);
            let html = page.html();
            assert!(
                text_of(&html, "h1")
                    .unwrap()
                    .starts_with(&format!("{kind} feed")),
                "{backend:?}: {path}"
            );
            assert_eq!(
                attr(&html, "#feed-address", "value").as_deref(),
                Some(site.url(path).as_str()),
                "{backend:?}: the address to copy"
            );
            assert!(text_of(&html, ".lede").unwrap().contains("feed reader"));
            assert!(text_of(&html, ".feed-preview").unwrap().contains("Fresh"));
            assert!(
                page.header("vary").contains("Sec-Fetch-Dest"),
                "{path}: {}",
                page.header("vary")
            );

            // A feed reader (no Sec-Fetch-Dest, whatever it accepts) gets the feed.
            for accept in [
                "*/*",
                "application/rss+xml, application/atom+xml",
                "text/html",
            ] {
                let feed = site.get_with(path, &[("accept", accept)]).await;
                assert!(
                    !feed.content_type().starts_with("text/html"),
                    "{path} {accept}: {}",
                    feed.content_type()
                );
                feed_rs::parser::parse(&feed.body[..])
                    .unwrap_or_else(|e| panic!("{path} {accept}: {e}"));
                assert!(feed.header("vary").contains("Sec-Fetch-Dest"));
            }
        }
        let missing = site.get_with("/tags/nothing/feed.xml", &navigation).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
    }
}
