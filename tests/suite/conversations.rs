//! The conversation around a post, as a fediverse peer and a reader see it: replies become
//! threaded comments (edited, deleted, private, fetched when their parent is unknown), likes
//! and boosts are counted, reports kept, blocked domains refused, reply policies applied,
//! mentions and hashtags go out, the community amplifies remote posts, and no page makes a
//! reader's browser contact another server.

use crate::support::peer::Peer;
use crate::support::{
    AS_JSON, Backend, Binary, TestServer, assert_self_contained, attr, backends, count_rows,
    eventually, post_md, select, text_of, url,
};
use axum::http::StatusCode;
use chorus::actions::community as amplify;
use chorus::actions::moderation::{self, NoticeKind, Reported};
use chorus::cache::PageKey;
use chorus::domain::Role;
use chorus::domain::comments::ReplyPolicy;
use chorus::storage::blocks::BlockKind;
use chorus::storage::comments as stored;
use serde_json::json;
use url::Url;

/// A site with its delivery workers, and alice, who writes there.
async fn site(backend: Backend) -> TestServer {
    let server = TestServer::with_workers(backend).await;
    server.create_user("alice", Role::Author).await;
    server
}

/// The post page as a reader gets it.
async fn page(chorus: &TestServer, post: &Url) -> scraper::Html {
    let reply = chorus.get(post.path()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", post);
    reply.html()
}

/// The text of every comment on the page, with its indentation.
fn comments(html: &scraper::Html) -> Vec<(usize, String)> {
    select(html, "li.comment")
        .iter()
        .map(|li| {
            let class = li.value().attr("class").unwrap_or_default();
            let depth = class
                .split_whitespace()
                .find_map(|c| c.strip_prefix("depth-"))
                .and_then(|d| d.parse().ok())
                .unwrap_or(99);
            let text = li
                .select(&scraper::Selector::parse(".comment-content").unwrap())
                .flat_map(|e| e.text())
                .collect::<String>();
            (depth, text.trim().to_owned())
        })
        .collect()
}

#[tokio::test]
async fn replies_become_threaded_comments_that_follow_edits_and_deletions() {
    for backend in backends() {
        let chorus = site(backend).await;
        let peer = Peer::start(&["pat", "quinn"]).await;
        let post = chorus
            .publish_post("alice", "Hello peers", "Say something.")
            .await;

        let first = peer
            .reply(&chorus, "pat", "r1", post.as_str(), "<p>Great post!</p>")
            .await;
        let answer = peer
            .reply(
                &chorus,
                "quinn",
                "r2",
                first["id"].as_str().unwrap(),
                "<p>Agreed with pat.</p>",
            )
            .await;

        let html = page(&chorus, &post).await;
        assert_eq!(
            comments(&html),
            vec![
                (0, "Great post!".to_owned()),
                (1, "Agreed with pat.".to_owned())
            ],
            "{backend:?}"
        );
        let handle = format!("@{}", peer.handle("pat"));
        assert!(
            select(&html, "li.comment .handle")
                .iter()
                .any(|h| h.text().collect::<String>() == handle),
            "{backend:?}: {handle}"
        );
        assert_eq!(
            text_of(&html, "li.comment .p-author").as_deref(),
            Some("pat (peer)")
        );
        assert_eq!(
            attr(&html, "li.comment a.u-url", "href").as_deref(),
            first["url"].as_str(),
            "a link to the original"
        );
        assert_eq!(
            text_of(&html, "#comments-heading").as_deref(),
            Some("2 comments")
        );
        let home = chorus.get("/").await.html();
        assert_eq!(
            text_of(&home, ".comment-count").as_deref(),
            Some("2 comments"),
            "{backend:?}: the count on the list"
        );

        // The replies collection, standalone and embedded in the Article.
        let replies = chorus
            .get_with(&format!("{}/replies", post.path()), &[AS_JSON])
            .await
            .json();
        assert_eq!(replies["totalItems"], 2);
        assert_eq!(
            replies["first"]["items"],
            json!([first["id"], answer["id"]])
        );
        let article = chorus.get_with(post.path(), &[AS_JSON]).await.json();
        assert_eq!(article["replies"]["totalItems"], 2);
        assert_eq!(article["replies"]["first"]["items"][0], first["id"]);

        // Edits by the author apply; an edit by someone else is refused.
        let mut edited = first.clone();
        edited["content"] = json!("<p>Great post, edited!</p>");
        edited["updated"] = json!("2026-11-21T10:00:00Z");
        let update = peer.activity("pat", "Update", edited.clone());
        assert_eq!(
            peer.deliver("pat", &chorus.inbox(), &update).await,
            StatusCode::ACCEPTED
        );
        let forged = peer.activity("quinn", "Update", json!({"id": first["id"], "type": "Note", "attributedTo": peer.actor("quinn"), "content": "<p>pwned</p>", "updated": "2026-11-22T10:00:00Z"}));
        assert_eq!(
            peer.deliver("quinn", &chorus.inbox(), &forged).await,
            StatusCode::UNAUTHORIZED
        );
        let html = page(&chorus, &post).await;
        assert_eq!(comments(&html)[0].1, "Great post, edited!", "{backend:?}");

        // A deleted reply disappears; the answer to it stays, now under the post.
        let delete = peer.activity(
            "pat",
            "Delete",
            json!({"id": first["id"], "type": "Tombstone"}),
        );
        assert_eq!(
            peer.deliver("pat", &chorus.inbox(), &delete).await,
            StatusCode::ACCEPTED
        );
        let html = page(&chorus, &post).await;
        assert_eq!(
            comments(&html),
            vec![(0, "Agreed with pat.".to_owned())],
            "{backend:?}"
        );
        let replies = chorus
            .get_with(&format!("{}/replies", post.path()), &[AS_JSON])
            .await
            .json();
        assert_eq!(replies["totalItems"], 1);
        // A late copy of the deleted reply is not stored again.
        let again = json!({"id": format!("{}/again", first["id"].as_str().unwrap()), "type": "Create", "actor": peer.actor("pat"), "object": first});
        assert_eq!(
            peer.deliver("pat", &chorus.inbox(), &again).await,
            StatusCode::ACCEPTED
        );
        assert_eq!(
            comments(&page(&chorus, &post).await).len(),
            1,
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn avatars_are_fetched_once_and_served_by_chorus_so_no_page_loads_another_origin() {
    for backend in backends() {
        let chorus = site(backend).await;
        let peer = Peer::start(&["pat", "broken"]).await;
        let post = chorus.publish_post("alice", "Faces", "Who is there?").await;
        for (who, name) in [("pat", "a1"), ("pat", "a2"), ("broken", "b1")] {
            peer.reply(&chorus, who, name, post.as_str(), "<p>Hello</p>")
                .await;
        }
        let like = peer.activity("pat", "Like", json!(post.as_str()));
        assert_eq!(
            peer.deliver("pat", &chorus.inbox(), &like).await,
            StatusCode::ACCEPTED
        );

        let avatar = eventually("pat's proxied avatar on the page", || async {
            let html = chorus.get(post.path()).await.html();
            select(&html, "li.comment img.avatar")
                .iter()
                .filter_map(|i| i.value().attr("src").map(str::to_owned))
                .find(|src| src.ends_with(".png"))
        })
        .await;
        assert!(avatar.starts_with("/avatars/"), "{avatar}");
        let image = chorus.get(&avatar).await;
        assert_eq!(image.status, StatusCode::OK);
        assert_eq!(image.content_type(), "image/png");
        assert!(image.header("cache-control").contains("immutable"));
        let decoded = image::load_from_memory(&image.body).expect("a PNG");
        assert_eq!((decoded.width(), decoded.height()), (96, 96));

        // The broken icon gives generated initials, also from this site.
        let html = eventually("initials for the broken avatar", || async {
            let html = chorus.get(post.path()).await.html();
            let srcs: Vec<String> = select(&html, "li.comment img.avatar")
                .iter()
                .filter_map(|i| i.value().attr("src").map(str::to_owned))
                .collect();
            (srcs.iter().filter(|s| s.ends_with(".png")).count() == 2
                && srcs.iter().any(|s| s.starts_with("/avatars/initials/")))
            .then_some(html)
        })
        .await;
        let initials = select(&html, "img.avatar")
            .iter()
            .filter_map(|i| i.value().attr("src"))
            .find(|s| s.contains("initials"))
            .unwrap()
            .to_owned();
        let svg = chorus.get(&initials).await;
        assert_eq!(svg.status, StatusCode::OK);
        assert_eq!(svg.content_type(), "image/svg+xml");
        assert!(svg.text().contains(">BP<"), "{}", svg.text());
        assert!(!svg.text().contains("style"), "no inline style");
        assert_self_contained(&html, &chorus.base_url, "post page");
        assert!(select(&html, ".facepile img.avatar").iter().all(|i| {
            i.value()
                .attr("src")
                .is_some_and(|s| s.starts_with("/avatars/"))
        }));

        assert_eq!(
            peer.fetches()
                .iter()
                .filter(|f| *f == "/avatars/pat.png")
                .count(),
            1,
            "{backend:?}: fetched once"
        );
        assert_eq!(
            chorus
                .get("/avatars/0123456789abcdef0123456789abcdef.png")
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            chorus.get("/avatars/..%2Fchorus.db").await.status,
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn replies_that_are_not_in_our_threads_or_not_by_the_signer_change_nothing() {
    for backend in backends() {
        let chorus = site(backend).await;
        let peer = Peer::start(&["pat", "quinn"]).await;
        let post = chorus.publish_post("alice", "Alone", "Quiet here.").await;

        // A reply to a post elsewhere that cannot be fetched: ignored.
        peer.reply(
            &chorus,
            "pat",
            "x1",
            &peer.object_url("missing"),
            "<p>Not about you</p>",
        )
        .await;
        // A reply to a post of ours that does not exist: ignored.
        peer.reply(
            &chorus,
            "pat",
            "x2",
            &chorus.url("/posts/no-such-post"),
            "<p>Hello?</p>",
        )
        .await;
        // A reply attributed to quinn but sent by pat: refused.
        let forged = peer.note("quinn", "x3", post.as_str(), "<p>I am quinn</p>");
        assert_eq!(
            peer.deliver("pat", &chorus.inbox(), &peer.create("pat", &forged))
                .await,
            StatusCode::UNAUTHORIZED
        );
        // A reply that names no author at all: a bad request.
        let mut anonymous = peer.note("pat", "x4", post.as_str(), "<p>Who am I</p>");
        anonymous.as_object_mut().unwrap().remove("attributedTo");
        assert_eq!(
            peer.deliver("pat", &chorus.inbox(), &peer.create("pat", &anonymous))
                .await,
            StatusCode::BAD_REQUEST
        );
        // A Like of something that is not a post here: ignored.
        let like = peer.activity("pat", "Like", json!(chorus.url("/posts/no-such-post")));
        assert_eq!(
            peer.deliver("pat", &chorus.inbox(), &like).await,
            StatusCode::ACCEPTED
        );

        assert_eq!(chorus.count("comments").await, 0, "{backend:?}");
        assert_eq!(chorus.count("reactions").await, 0, "{backend:?}");
        assert!(comments(&page(&chorus, &post).await).is_empty());
    }
}

#[tokio::test]
async fn private_replies_reach_the_author_only_and_followers_only_ones_stay_out_of_the_collection()
{
    for backend in backends() {
        let chorus = site(backend).await;
        let peer = Peer::start(&["pat"]).await;
        let post = chorus.publish_post("alice", "Secrets", "Tell me.").await;

        let mut private = peer.note("pat", "p1", post.as_str(), "<p>Just between us</p>");
        private["to"] = json!([chorus.url("/@alice")]);
        private["cc"] = json!([]);
        assert_eq!(
            peer.deliver("pat", &chorus.inbox(), &peer.create("pat", &private))
                .await,
            StatusCode::ACCEPTED
        );
        let mut followers = peer.note("pat", "p2", post.as_str(), "<p>For my followers</p>");
        followers["to"] = json!([format!("{}/followers", peer.actor("pat"))]);
        followers["cc"] = json!([chorus.url("/@alice")]);
        assert_eq!(
            peer.deliver("pat", &chorus.inbox(), &peer.create("pat", &followers))
                .await,
            StatusCode::ACCEPTED
        );

        assert_eq!(chorus.count("comments").await, 2, "{backend:?}: both kept");
        // Neither is shown: a followers-only reply is for the replier's followers, not the web.
        let html = page(&chorus, &post).await;
        assert!(comments(&html).is_empty(), "{backend:?}");
        assert!(
            !chorus
                .get(post.path())
                .await
                .text()
                .contains("For my followers")
        );
        assert!(!chorus.get(post.path()).await.text().contains("between us"));
        let replies = chorus
            .get_with(&format!("{}/replies", post.path()), &[AS_JSON])
            .await
            .json();
        assert_eq!(
            replies["totalItems"], 0,
            "{backend:?}: only public replies are listed"
        );

        let alice = chorus.user("alice").await;
        let notices = moderation::notifications(&chorus.app, alice.id, 20)
            .await
            .unwrap();
        let private_notice = notices
            .iter()
            .find(|n| n.kind == NoticeKind::PrivateReply)
            .expect("the private reply is in the notifications");
        assert_eq!(private_notice.excerpt, "Just between us");
        assert!(notices.iter().any(|n| n.kind == NoticeKind::FollowersReply));
    }
}

#[tokio::test]
async fn likes_and_boosts_count_once_per_person_through_replays_and_undos() {
    for backend in backends() {
        let chorus = site(backend).await;
        let peer = Peer::start(&["pat", "quinn"]).await;
        let post = chorus.publish_post("alice", "Popular", "Like me.").await;
        let counts = |html: &scraper::Html| {
            (
                text_of(html, ".likes").unwrap_or_default(),
                text_of(html, ".boosts").unwrap_or_default(),
            )
        };

        let like = peer.activity("pat", "Like", json!(post.as_str()));
        for _ in 0..2 {
            assert_eq!(
                peer.deliver("pat", &chorus.inbox(), &like).await,
                StatusCode::ACCEPTED
            );
        }
        let like_again = peer.activity("pat", "Like", json!(post.as_str()));
        assert_eq!(
            peer.deliver("pat", &chorus.inbox(), &like_again).await,
            StatusCode::ACCEPTED
        );
        let quinn_like = peer.activity("quinn", "Like", json!(post.as_str()));
        assert_eq!(
            peer.deliver("quinn", &chorus.inbox_of("alice"), &quinn_like)
                .await,
            StatusCode::ACCEPTED
        );
        let boost = peer.activity("pat", "Announce", json!(post.as_str()));
        assert_eq!(
            peer.deliver("pat", &chorus.inbox(), &boost).await,
            StatusCode::ACCEPTED
        );
        assert_eq!(
            counts(&page(&chorus, &post).await),
            ("2 likes".into(), "1 boost".into()),
            "{backend:?}"
        );
        assert_eq!(
            select(&page(&chorus, &post).await, ".facepile img").len(),
            2
        );
        assert_eq!(
            chorus.count("remote_objects").await,
            0,
            "a boost of our post is not kept as a remote post"
        );

        // Undo with the Like embedded; then replayed.
        let undo = peer.activity("pat", "Undo", like_again.clone());
        for _ in 0..2 {
            assert_eq!(
                peer.deliver("pat", &chorus.inbox(), &undo).await,
                StatusCode::ACCEPTED
            );
        }
        // Undo of the boost by id only.
        let undo_boost = peer.activity("pat", "Undo", boost["id"].clone());
        assert_eq!(
            peer.deliver("pat", &chorus.inbox(), &undo_boost).await,
            StatusCode::ACCEPTED
        );
        // Someone else cannot undo quinn's like.
        let forged = peer.activity("pat", "Undo", quinn_like.clone());
        assert_eq!(
            peer.deliver("pat", &chorus.inbox(), &forged).await,
            StatusCode::ACCEPTED
        );
        assert_eq!(
            counts(&page(&chorus, &post).await),
            ("1 like".into(), "0 boosts".into()),
            "{backend:?}"
        );
        let alice = chorus.user("alice").await;
        let notices = moderation::notifications(&chorus.app, alice.id, 20)
            .await
            .unwrap();
        assert_eq!(
            notices
                .iter()
                .filter(|n| n.kind == NoticeKind::Like)
                .count(),
            1
        );
    }
}

/// A like changes one post's page, a reply also the listings that count comments (and a
/// fetched avatar the pages that show its owner): only those leave the page cache, and they
/// show the change at once; every other page stays.
#[tokio::test]
async fn a_like_or_a_reply_drops_only_the_pages_it_changes_from_the_cache() {
    for backend in backends() {
        let chorus = site(backend).await;
        let peer = Peer::start(&["pat", "quinn"]).await;
        let a = chorus.publish_post("alice", "First", "One.").await;
        let b = chorus.publish_post("alice", "Second", "Two.").await;
        let post_key = |u: &Url| PageKey::Post {
            slug: u.path().trim_start_matches("/posts/").to_owned(),
        };
        let home = PageKey::Home { page: 1 };
        let cached = |k: &PageKey| chorus.app.pages.get(k).is_some();
        page(&chorus, &a).await;
        page(&chorus, &b).await;
        assert_eq!(chorus.get("/").await.status, StatusCode::OK);
        assert!(cached(&post_key(&a)) && cached(&post_key(&b)) && cached(&home));

        let like = peer.activity("pat", "Like", json!(a.as_str()));
        assert_eq!(
            peer.deliver("pat", &chorus.inbox(), &like).await,
            StatusCode::ACCEPTED
        );
        assert!(
            !cached(&post_key(&a)),
            "{backend:?}: the liked page is stale"
        );
        assert!(
            cached(&post_key(&b)) && cached(&home),
            "{backend:?}: a like leaves the other pages cached"
        );
        assert_eq!(
            text_of(&page(&chorus, &a).await, ".likes").as_deref(),
            Some("1 like")
        );
        // Pat's avatar is fetched in the background; once it is in, the page shows it.
        eventually("pat's avatar beside the like", || async {
            let html = page(&chorus, &a).await;
            select(&html, ".facepile img")
                .iter()
                .filter_map(|i| i.value().attr("src"))
                .any(|src| src.ends_with(".png"))
                .then_some(())
        })
        .await;
        // The avatar's change may reach the cache just after a render that already shows it,
        // dropping that page once more: wait until the cache has applied every change, then
        // the page rendered next stays.
        eventually("the cache caught up with the avatar", || async {
            let db = chorus::storage::site::content_generation(&chorus.app.db).await;
            (db.ok() == Some(chorus.app.pages.generation())).then_some(())
        })
        .await;
        page(&chorus, &a).await;
        assert!(cached(&post_key(&a)), "{backend:?}: a's page stays cached");
        assert!(
            cached(&post_key(&b)) && cached(&home),
            "{backend:?}: pat's avatar is not on b nor on the listings"
        );

        peer.reply(&chorus, "quinn", "r1", b.as_str(), "<p>Nice one.</p>")
            .await;
        assert!(cached(&post_key(&a)), "{backend:?}: a reply to b leaves a");
        assert!(!cached(&post_key(&b)) && !cached(&home), "{backend:?}");
        assert_eq!(
            comments(&page(&chorus, &b).await),
            vec![(0, "Nice one.".to_owned())]
        );
        let home_page = chorus.get("/").await.html();
        assert_eq!(
            text_of(&home_page, ".comment-count").as_deref(),
            Some("1 comment"),
            "{backend:?}: the home page counts the reply"
        );
        assert!(
            cached(&post_key(&a)),
            "{backend:?}: quinn's avatar is not on a"
        );
    }
}

/// Reactions signed with cached keys are stored in batches: a concurrent burst must still
/// count each person once per kind, ignore replays and unknown posts, and refuse the blocked.
#[tokio::test]
async fn a_burst_of_reactions_counts_each_person_once_and_refuses_the_blocked() {
    const NAMES: [&str; 8] = ["p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7"];
    for backend in backends() {
        let chorus = site(backend).await;
        let peer = std::sync::Arc::new(Peer::start(&NAMES).await);
        let post = chorus.publish_post("alice", "Viral", "Boost me.").await;
        let missing = chorus.url("/posts/no-such-post");
        // First contact: each key is fetched once, then cached.
        for name in NAMES {
            let like = peer.activity(name, "Like", json!(post.as_str()));
            assert_eq!(
                peer.deliver(name, &chorus.inbox(), &like).await,
                StatusCode::ACCEPTED
            );
        }
        // The burst: a second Like (not counted again), a boost sent twice (a replay) and a
        // Like of a post that does not exist, from everyone at once.
        let mut sends = tokio::task::JoinSet::new();
        for name in NAMES {
            let boost = peer.activity(name, "Announce", json!(post.as_str()));
            let activities = vec![
                peer.activity(name, "Like", json!(post.as_str())),
                boost.clone(),
                boost,
                peer.activity(name, "Like", json!(missing.as_str())),
            ];
            for activity in activities {
                let (peer, to) = (peer.clone(), chorus.inbox());
                sends.spawn(async move { peer.deliver(name, &to, &activity).await });
            }
        }
        while let Some(status) = sends.join_next().await {
            assert_eq!(status.unwrap(), StatusCode::ACCEPTED, "{backend:?}");
        }
        let html = page(&chorus, &post).await;
        assert_eq!(
            text_of(&html, ".likes").as_deref(),
            Some("8 likes"),
            "{backend:?}"
        );
        assert_eq!(
            text_of(&html, ".boosts").as_deref(),
            Some("8 boosts"),
            "{backend:?}"
        );
        assert_eq!(chorus.count("reactions").await, 16);

        moderation::block_actor(&chorus.app, &peer.actor("p0"))
            .await
            .unwrap();
        let like = peer.activity("p0", "Like", json!(post.as_str()));
        assert_eq!(
            peer.deliver("p0", &chorus.inbox(), &like).await,
            StatusCode::FORBIDDEN,
            "a blocked actor is refused even with its key cached"
        );
        let html = page(&chorus, &post).await;
        assert_eq!(
            text_of(&html, ".likes").as_deref(),
            Some("7 likes"),
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn a_deleted_actor_takes_its_comments_and_reactions_along() {
    for backend in backends() {
        let chorus = site(backend).await;
        let peer = Peer::start(&["pat", "quinn"]).await;
        let post = chorus.publish_post("alice", "Leaving", "Bye.").await;
        peer.reply(&chorus, "pat", "d1", post.as_str(), "<p>I will be gone</p>")
            .await;
        peer.reply(&chorus, "quinn", "d2", post.as_str(), "<p>I stay</p>")
            .await;
        let like = peer.activity("pat", "Like", json!(post.as_str()));
        assert_eq!(
            peer.deliver("pat", &chorus.inbox(), &like).await,
            StatusCode::ACCEPTED
        );
        assert_eq!(comments(&page(&chorus, &post).await).len(), 2);

        let gone = peer.activity("pat", "Delete", json!(peer.actor("pat")));
        assert_eq!(
            peer.deliver("pat", &chorus.inbox(), &gone).await,
            StatusCode::ACCEPTED
        );
        let html = page(&chorus, &post).await;
        assert_eq!(
            comments(&html),
            vec![(0, "I stay".to_owned())],
            "{backend:?}"
        );
        assert!(
            select(&html, ".likes").is_empty(),
            "{backend:?}: no reactions left"
        );
        assert_eq!(chorus.count("reactions").await, 0);
    }
}

#[tokio::test]
async fn reports_are_kept_for_the_admins_with_what_they_name() {
    for backend in backends() {
        let chorus = site(backend).await;
        let peer = Peer::start(&["pat", "mod"]).await;
        let post = chorus
            .publish_post("alice", "Reported", "Controversial.")
            .await;
        let note = peer
            .reply(&chorus, "pat", "f1", post.as_str(), "<p>Spam spam</p>")
            .await;

        let mut flag = peer.activity(
            "mod",
            "Flag",
            json!([peer.actor("pat"), note["id"], post.as_str()]),
        );
        flag["content"] = json!("This is spam <b>really</b>");
        for _ in 0..2 {
            assert_eq!(
                peer.deliver("mod", &chorus.inbox(), &flag).await,
                StatusCode::ACCEPTED
            );
        }
        let unrelated = peer.activity("mod", "Flag", json!([peer.object_url("elsewhere")]));
        assert_eq!(
            peer.deliver("mod", &chorus.inbox(), &unrelated).await,
            StatusCode::ACCEPTED
        );

        let reports = moderation::reports(&chorus.app, true, 10, 0).await.unwrap();
        assert_eq!(reports.len(), 1, "{backend:?}: one report, kept once");
        let r = &reports[0];
        assert_eq!(r.report.reporter_uri, peer.actor("mod"));
        assert_eq!(
            r.report.comment, "This is spam <b>really</b>",
            "kept as the plain text it is"
        );
        assert_eq!(r.report.object_ids.len(), 3);
        assert!(
            r.reported.iter().any(
                |x| matches!(x, Reported::Comment(c) if c.uri == note["id"].as_str().unwrap())
            )
        );
        assert!(
            r.reported
                .iter()
                .any(|x| matches!(x, Reported::Post { url, .. } if url == post.as_str()))
        );
        assert!(
            moderation::resolve_report(&chorus.app, r.report.id)
                .await
                .unwrap()
        );
        assert!(
            moderation::reports(&chorus.app, true, 10, 0)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test]
async fn blocked_domains_and_actors_are_refused_with_403_and_their_comments_hidden() {
    for backend in backends() {
        let chorus = site(backend).await;
        let peer = Peer::start(&["pat", "quinn"]).await;
        let other = Peer::start(&["rosa"]).await;
        let post = chorus.publish_post("alice", "Guarded", "Be nice.").await;
        for (p, who, name) in [
            (&peer, "pat", "b1"),
            (&peer, "quinn", "b2"),
            (&other, "rosa", "b3"),
        ] {
            p.reply(
                &chorus,
                who,
                name,
                post.as_str(),
                &format!("<p>Hi from {who}</p>"),
            )
            .await;
        }
        assert_eq!(comments(&page(&chorus, &post).await).len(), 3);
        let follow = peer.follow("pat", &chorus.url("/@alice"));
        assert_eq!(
            peer.deliver("pat", &chorus.inbox(), &follow).await,
            StatusCode::ACCEPTED
        );

        let domain = peer.domain();
        let to_domain = format!("deliveries WHERE domain = '{domain}'");
        let before = count_rows(&chorus.app.db, &to_domain).await;
        assert_eq!(before, 1, "{backend:?}: the Accept of pat's Follow");
        let admin = chorus.create_user("ada", Role::Admin).await;
        moderation::block_domain(&chorus.app, &admin, &domain, "spam")
            .await
            .unwrap();
        let html = page(&chorus, &post).await;
        assert_eq!(
            comments(&html),
            vec![(0, "Hi from rosa".to_owned())],
            "{backend:?}"
        );
        let late = peer.note("pat", "b4", post.as_str(), "<p>Let me in</p>");
        assert_eq!(
            peer.deliver("pat", &chorus.inbox(), &peer.create("pat", &late))
                .await,
            StatusCode::FORBIDDEN
        );
        let like = peer.activity("quinn", "Like", json!(post.as_str()));
        assert_eq!(
            peer.deliver("quinn", &chorus.inbox_of("alice"), &like)
                .await,
            StatusCode::FORBIDDEN
        );
        assert_eq!(chorus.count("reactions").await, 0);
        chorus
            .publish_post("alice", "After the block", "Not for them.")
            .await;
        assert_eq!(
            count_rows(&chorus.app.db, &to_domain).await,
            before,
            "{backend:?}: nothing new is delivered to a blocked domain"
        );

        let post_id = chorus::storage::posts::find_post_by_slug(&chorus.app.db, "guarded")
            .await
            .unwrap()
            .unwrap()
            .id;
        let rosa = stored::thread_of_post(&chorus.app.db, post_id)
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.author.username == "rosa")
            .unwrap();
        moderation::block_comment_author(&chorus.app, rosa.id)
            .await
            .unwrap();
        assert!(
            comments(&page(&chorus, &post).await).is_empty(),
            "{backend:?}"
        );
        let like = other.activity("rosa", "Like", json!(post.as_str()));
        assert_eq!(
            other.deliver("rosa", &chorus.inbox(), &like).await,
            StatusCode::FORBIDDEN
        );

        assert!(
            moderation::unblock(&chorus.app, &admin, BlockKind::Domain, &domain)
                .await
                .unwrap()
        );
        let like = peer.activity("quinn", "Like", json!(post.as_str()));
        assert_eq!(
            peer.deliver("quinn", &chorus.inbox(), &like).await,
            StatusCode::ACCEPTED
        );
    }
}

#[tokio::test]
async fn reply_policies_close_or_queue_replies() {
    for backend in backends() {
        let chorus = site(backend).await;
        let peer = Peer::start(&["pat", "quinn"]).await;
        let closed = chorus
            .publish(
                "alice",
                "---\ntitle: Closed\nreplies: nobody\n---\nNo comments.\n",
            )
            .await
            .unwrap();
        let members = chorus
            .publish(
                "alice",
                "---\ntitle: Members\nreplies: followers\n---\nFollowers only.\n",
            )
            .await
            .unwrap();

        peer.reply(&chorus, "pat", "c1", closed.as_str(), "<p>Let me speak</p>")
            .await;
        assert_eq!(
            chorus.count("comments").await,
            0,
            "{backend:?}: comments closed"
        );
        let html = page(&chorus, &closed).await;
        assert_eq!(
            text_of(&html, ".comments .follow-hint").as_deref(),
            Some("Replies are closed for this post.")
        );
        assert!(select(&html, "button[value='reply']").is_empty());
        assert!(!select(&html, "button[value='follow']").is_empty());

        // pat follows alice: approved at once; quinn does not: queued.
        let follow = peer.follow("pat", &chorus.url("/@alice"));
        assert_eq!(
            peer.deliver("pat", &chorus.inbox(), &follow).await,
            StatusCode::ACCEPTED
        );
        peer.reply(
            &chorus,
            "pat",
            "c2",
            members.as_str(),
            "<p>I follow you</p>",
        )
        .await;
        let from_stranger = peer
            .reply(
                &chorus,
                "quinn",
                "c3",
                members.as_str(),
                "<p>I am new here</p>",
            )
            .await;
        assert_eq!(
            comments(&page(&chorus, &members).await),
            vec![(0, "I follow you".to_owned())],
            "{backend:?}"
        );

        let alice = chorus.user("alice").await;
        let queue = moderation::queue(&chorus.app, Some(alice.id), 10, 0)
            .await
            .unwrap();
        assert_eq!(queue.len(), 1);
        assert_eq!(queue[0].uri, from_stranger["id"].as_str().unwrap());
        moderation::approve_comment(&chorus.app, queue[0].id)
            .await
            .unwrap();
        assert_eq!(
            comments(&page(&chorus, &members).await).len(),
            2,
            "{backend:?}: approved"
        );
        moderation::hide_comment(&chorus.app, queue[0].id)
            .await
            .unwrap();
        assert_eq!(
            comments(&page(&chorus, &members).await).len(),
            1,
            "{backend:?}: hidden again"
        );
        assert!(
            moderation::delete_comment(&chorus.app, queue[0].id)
                .await
                .unwrap()
        );

        // The site's default applies to posts that do not choose.
        moderation::set_site_reply_policy(&chorus.app, ReplyPolicy::Nobody)
            .await
            .unwrap();
        let default = chorus.publish_post("alice", "Default", "Site rules.").await;
        let note = peer
            .reply(&chorus, "pat", "c4", default.as_str(), "<p>Hello</p>")
            .await;
        assert!(
            stored::find_comment_by_uri(&chorus.app.db, note["id"].as_str().unwrap())
                .await
                .unwrap()
                .is_none()
        );
        // Re-publishing without the key goes back to the site's default.
        chorus
            .publish("alice", "---\ntitle: Members\n---\nFollowers only.\n")
            .await
            .unwrap();
        assert!(
            select(&page(&chorus, &members).await, "button[value='reply']").is_empty(),
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn unknown_parents_are_fetched_to_place_a_reply_within_a_bound() {
    for backend in backends() {
        let chorus = site(backend).await;
        let peer = Peer::start(&["pat", "quinn"]).await;
        let post = chorus.publish_post("alice", "Deep", "Threads.").await;

        // quinn's reply never reached us; pat answers it.
        let parent = peer.note("quinn", "u1", post.as_str(), "<p>Parent we never got</p>");
        peer.publish("u1", parent.clone());
        peer.reply(
            &chorus,
            "pat",
            "u2",
            parent["id"].as_str().unwrap(),
            "<p>Child</p>",
        )
        .await;
        assert_eq!(
            comments(&page(&chorus, &post).await),
            vec![
                (0, "Parent we never got".to_owned()),
                (1, "Child".to_owned())
            ],
            "{backend:?}"
        );

        // A chain of unknown parents longer than the bound is not followed to the end.
        let mut above = post.to_string();
        for i in 0..7 {
            let name = format!("chain{i}");
            let note = peer.note("quinn", &name, &above, &format!("<p>link {i}</p>"));
            peer.publish(&name, note);
            above = peer.object_url(&name);
        }
        peer.reply(&chorus, "pat", "tail", &above, "<p>Too deep</p>")
            .await;
        assert_eq!(chorus.count("comments").await, 2, "{backend:?}");
        let fetched = peer
            .fetches()
            .iter()
            .filter(|f| f.starts_with("/objects/chain"))
            .count();
        assert_eq!(fetched, chorus::inbox::activities::MAX_PARENT_FETCHES);
    }
}

#[tokio::test]
async fn hostile_remote_html_never_reaches_the_page() {
    for backend in backends() {
        let chorus = site(backend).await;
        let peer = Peer::start(&["eve"]).await;
        let post = chorus.publish_post("alice", "Target", "Attack me.").await;
        let hostile = concat!(
            "<p>visible text</p><script>alert('x')</script><style>body{display:none}</style>",
            "<p onclick=\"alert(1)\" style=\"color:red\" onmouseover=\"alert(2)\">handlers</p>",
            "<a href=\"javascript:alert(3)\">js link</a><a href=\"JaVaScRiPt:alert(4)\">js2</a>",
            "<iframe src=\"https://evil.example/\"></iframe><img src=\"https://tracker.example/pixel.gif\">",
            "<img src=\"data:image/png;base64,iVBORw0KGgo=\"><a href=\"data:text/html,hi\">data link</a>",
            "<object data=\"https://evil.example/x.swf\"></object><form action=\"https://evil.example/\"><input name=q></form>",
            "<svg onload=\"alert(5)\"><circle/></svg><math><mi>x</mi></math><base href=\"https://evil.example/\">",
            "<link rel=\"stylesheet\" href=\"https://evil.example/x.css\"><meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\">",
        );
        let deep = format!(
            "{}deep{}",
            "<blockquote>".repeat(10_000),
            "</blockquote>".repeat(10_000)
        );
        for (name, content) in [("h1", hostile.to_owned()), ("h2", deep)] {
            let note = peer.note("eve", name, post.as_str(), &content);
            assert_eq!(
                peer.deliver("eve", &chorus.inbox(), &peer.create("eve", &note))
                    .await,
                StatusCode::ACCEPTED,
                "{name}"
            );
        }
        let reply = chorus.get(post.path()).await;
        let text = reply.text();
        let html = reply.html();
        assert_self_contained(&html, &chorus.base_url, "post page with hostile replies");
        assert!(
            text.contains("visible text") && text.contains("handlers"),
            "{backend:?}"
        );
        for bad in [
            "alert(",
            "display:none",
            "evil.example",
            "tracker.example",
            "data:",
            "<svg",
            "<math",
            "<img src=\"data",
        ] {
            assert!(!text.contains(bad), "{backend:?}: {bad} reached the page");
        }
        assert!(
            select(&html, "li.comment blockquote").len() <= chorus::domain::remote_html::MAX_DEPTH,
            "{backend:?}: nesting capped"
        );
        assert_eq!(select(&html, "form").len(), 1, "only the page's own form");
    }
}

#[tokio::test]
async fn mentions_reach_the_mentioned_and_inline_hashtags_link_to_tag_pages() {
    for backend in backends() {
        let chorus = site(backend).await;
        let peer = Peer::start(&["pat"]).await;
        let markdown = post_md(
            "Thanks",
            &format!(
                "Thanks @{} for the #Rust tips, and @ghost@{}.\n\n`@{} in code`",
                peer.handle("pat"),
                peer.domain(),
                peer.handle("pat")
            ),
        );
        let submission = chorus::domain::Submission::from_markdown_file(&markdown).unwrap();
        let published = chorus::actions::posts::publish_file(&chorus.app, "alice", submission)
            .await
            .unwrap();
        assert_eq!(published.warnings.len(), 1, "{:?}", published.warnings);
        assert!(
            published.warnings[0].contains("ghost@"),
            "{:?}",
            published.warnings
        );
        let post = published.url;

        let create = eventually("pat receives the Create", || async {
            peer.received_of("Create").into_iter().next()
        })
        .await;
        let article = &create.body["object"];
        assert_eq!(article["id"], post.as_str());
        let tags = article["tag"].as_array().unwrap();
        assert!(
            tags.iter().any(|t| t["type"] == "Mention"
                && t["href"] == peer.actor("pat")
                && t["name"] == format!("@{}", peer.handle("pat"))),
            "{tags:?}"
        );
        assert!(
            tags.iter()
                .any(|t| t["type"] == "Hashtag" && t["name"] == "#Rust"),
            "{tags:?}"
        );
        assert!(
            article["cc"]
                .as_array()
                .unwrap()
                .contains(&json!(peer.actor("pat")))
        );
        assert!(
            create.body["cc"]
                .as_array()
                .unwrap()
                .contains(&json!(peer.actor("pat")))
        );

        let html = page(&chorus, &post).await;
        let mention = select(&html, ".e-content a.u-url.mention");
        assert_eq!(
            mention.len(),
            1,
            "{backend:?}: one linked mention (not the one in code)"
        );
        assert_eq!(
            mention[0].value().attr("href"),
            Some(format!("{}@pat", peer.base).as_str())
        );
        assert_eq!(mention[0].text().collect::<String>(), "@pat");
        assert_eq!(
            attr(&html, ".e-content a.mention.hashtag", "href").as_deref(),
            Some("/tags/Rust")
        );
        assert_eq!(
            attr(&html, ".e-content a.mention.hashtag", "rel").as_deref(),
            Some("tag")
        );
        assert!(
            text_of(&html, ".e-content")
                .unwrap()
                .contains(&format!("@ghost@{}", peer.domain()))
        );
        assert_eq!(
            chorus.get("/tags/rust").await.status,
            StatusCode::OK,
            "the inline tag is a post tag"
        );
        let json = chorus.get_with(post.path(), &[AS_JSON]).await.json();
        assert!(
            json["tag"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["type"] == "Mention")
        );
    }
}

/// The `Mention` tags and the `cc` of an Article (or of a Create and its Article).
fn mentions_of(doc: &serde_json::Value) -> (Vec<serde_json::Value>, Vec<serde_json::Value>) {
    let tags = doc["tag"]
        .as_array()
        .map(|t| {
            t.iter()
                .filter(|t| t["type"] == "Mention")
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let cc = doc["cc"].as_array().cloned().unwrap_or_default();
    (tags, cc)
}

#[tokio::test]
async fn every_copy_of_an_article_names_the_people_it_mentions_as_its_create_did() {
    for backend in backends() {
        let chorus = site(backend).await;
        let peer = Peer::start(&["pat"]).await;
        let post = chorus
            .publish(
                "alice",
                &format!(
                    "---\ntitle: Credits\npinned: true\n---\nWith help from @{}.\n",
                    peer.handle("pat")
                ),
            )
            .await
            .unwrap();
        let create = eventually("pat receives the Create", || async {
            peer.received_of("Create").into_iter().next()
        })
        .await;
        let sent = mentions_of(&create.body["object"]);
        assert_eq!(sent.0.len(), 1, "{backend:?}: {:?}", sent.0);
        assert!(sent.1.contains(&json!(peer.actor("pat"))), "{:?}", sent.1);
        assert_eq!(create.body["cc"], create.body["object"]["cc"]);

        let article = chorus.get_with(post.path(), &[AS_JSON]).await.json();
        assert_eq!(
            mentions_of(&article),
            sent,
            "{backend:?}: the Article at its URL"
        );
        let activity = chorus
            .get_with(&format!("{}/activity", post.path()), &[AS_JSON])
            .await
            .json();
        assert_eq!(
            mentions_of(&activity["object"]),
            sent,
            "{backend:?}: the post's Create"
        );
        assert_eq!(activity["cc"], activity["object"]["cc"], "{backend:?}");
        for outbox in ["/@alice/outbox?page=1", "/@community/outbox?page=1"] {
            let page = chorus.get_with(outbox, &[AS_JSON]).await.json();
            let mut item = &page["orderedItems"][0];
            if item["type"] == "Announce" {
                item = &item["object"]; // the community's Announce of the Create
            }
            assert_eq!(item["object"]["id"], post.as_str(), "{outbox}");
            assert_eq!(mentions_of(&item["object"]), sent, "{backend:?}: {outbox}");
            assert_eq!(item["cc"], item["object"]["cc"], "{backend:?}: {outbox}");
        }
        let featured = chorus.get_with("/@alice/featured", &[AS_JSON]).await.json();
        let item = &featured["orderedItems"][0];
        assert_eq!(item["id"], post.as_str());
        assert_eq!(mentions_of(item), sent, "{backend:?}: featured");
    }
}

#[tokio::test]
async fn the_community_amplifies_and_unamplifies_remote_posts() {
    for backend in backends() {
        let chorus = site(backend).await;
        let peer = Peer::start(&["pat", "quinn"]).await;
        let follow = peer.activity("pat", "Follow", json!(chorus.url("/@community")));
        assert_eq!(
            peer.deliver("pat", &chorus.inbox(), &follow).await,
            StatusCode::ACCEPTED
        );

        let mut note = peer.note("quinn", "amp", "", "<p>A great thread about Rust</p>");
        note.as_object_mut().unwrap().remove("inReplyTo");
        peer.publish("amp", note.clone());
        let a = amplify::amplify(&chorus.app, &peer.object_url("amp"))
            .await
            .unwrap();
        assert_eq!(a.author.uri, peer.actor("quinn"));
        amplify::amplify(&chorus.app, &peer.object_url("amp"))
            .await
            .unwrap();
        let announce = eventually("the community's Announce", || async {
            peer.received_of("Announce").into_iter().next()
        })
        .await;
        assert_eq!(announce.body["actor"], chorus.url("/@community"));
        assert_eq!(announce.body["object"], note["id"]);
        assert_eq!(
            count_rows(
                &chorus.app.db,
                "outgoing_activities WHERE kind = 'Announce'"
            )
            .await,
            1,
            "{backend:?}: once"
        );

        let community = chorus.get("/@community").await;
        let html = community.html();
        assert!(
            text_of(&html, ".boost-content")
                .unwrap()
                .contains("A great thread about Rust"),
            "{backend:?}"
        );
        assert_eq!(
            text_of(&html, ".boost .p-author").as_deref(),
            Some("quinn (peer)")
        );
        assert_self_contained(&html, &chorus.base_url, "community page");

        assert!(
            amplify::unamplify(&chorus.app, &peer.object_url("amp"))
                .await
                .unwrap()
        );
        let undo = eventually("the Undo", || async {
            peer.received_of("Undo").into_iter().next()
        })
        .await;
        assert_eq!(undo.body["object"]["id"], announce.body["id"]);
        assert!(
            select(&chorus.get("/@community").await.html(), ".boost").is_empty(),
            "{backend:?}"
        );
        assert!(
            !amplify::unamplify(&chorus.app, &peer.object_url("amp"))
                .await
                .unwrap()
        );
        assert!(
            amplify::amplify(&chorus.app, &chorus.url("/posts/anything"))
                .await
                .is_err(),
            "local posts are not amplified"
        );
    }
}

// The peer answers while the command runs: it needs a thread of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_amplifies_and_unamplifies() {
    for backend in backends() {
        let mut bin = Binary::new(backend).await;
        bin.set_env("CHORUS_ALLOW_PRIVATE_NETWORKS", "true");
        let peer = Peer::start(&["quinn"]).await;
        let mut note = peer.note("quinn", "cli", "", "<p>From the command line</p>");
        note.as_object_mut().unwrap().remove("inReplyTo");
        peer.publish("cli", note);
        let out = bin
            .run(&["community", "amplify", &peer.object_url("cli")], None)
            .ok();
        assert!(out.stdout.contains("amplified"), "{}", out.stdout);
        assert_eq!(bin.count("amplifications").await, 1);
        bin.run(&["community", "unamplify", &peer.object_url("cli")], None)
            .ok();
        assert_eq!(bin.count("amplifications").await, 0);
        bin.run(&["community", "unamplify", &peer.object_url("cli")], None)
            .fails_with("not amplified");
        bin.run(&["community", "amplify", "not a url"], None)
            .fails_with("not a URL");
    }
}

#[tokio::test]
async fn the_reply_and_follow_form_sends_readers_to_their_own_server() {
    for backend in backends() {
        let chorus = site(backend).await;
        let peer = Peer::start(&["pat"]).await;
        let post = chorus
            .publish_post("alice", "Interactive", "Talk to me.")
            .await;
        let html = page(&chorus, &post).await;
        assert_eq!(
            attr(&html, "form.interact", "action").as_deref(),
            Some("/interact")
        );
        assert_eq!(
            attr(&html, "form.interact", "method").as_deref(),
            Some("get")
        );

        let query = |action: &str, handle: &str| {
            let q: String = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("post", post.as_str())
                .append_pair("action", action)
                .append_pair("handle", handle)
                .finish();
            format!("/interact?{q}")
        };
        let reply = chorus
            .get(&query("reply", &format!("@{}", peer.handle("pat"))))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        assert_eq!(reply.header("cache-control"), "no-store");
        let target =
            attr(&reply.html(), "a.button", "href").expect("a link to the reader's server");
        let target = url(&target);
        assert_eq!(target.origin(), peer.base.origin());
        assert_eq!(target.path(), "/authorize_interaction");
        assert_eq!(
            target
                .query_pairs()
                .find(|(k, _)| k == "uri")
                .map(|(_, v)| v.into_owned())
                .as_deref(),
            Some(post.as_str())
        );
        assert_self_contained(&reply.html(), &chorus.base_url, "interaction page");

        let follow = chorus.get(&query("follow", &peer.handle("pat"))).await;
        let target = url(&attr(&follow.html(), "a.button", "href").unwrap());
        let expected = format!("alice@{}", chorus.app.config.domain());
        assert_eq!(
            target
                .query_pairs()
                .find(|(k, _)| k == "uri")
                .map(|(_, v)| v.into_owned()),
            Some(expected)
        );

        for bad in ["not a handle", "pat@", "<script>@x.example", ""] {
            let r = chorus.get(&query("reply", bad)).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad:?}");
            assert!(
                r.text().contains("you@your.server"),
                "{bad:?}: {}",
                r.text()
            );
            assert!(!r.text().contains("<script>@"), "escaped");
        }
        let unknown = chorus
            .get(&query("reply", &format!("nobody@{}", peer.domain())))
            .await;
        assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            chorus
                .get("/interact?post=https://elsewhere.example/posts/x&handle=a@b.example")
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn a_readers_server_that_advertises_activity_intents_gets_each_one() {
    for backend in backends() {
        let chorus = site(backend).await;
        let peer = Peer::with_intents(&["pat"]).await;
        let post = chorus
            .publish_post("alice", "Intended", "Like, reply, follow.")
            .await;
        let html = page(&chorus, &post).await;
        assert!(
            select(&html, "form.interact button[value=like]").len() == 1,
            "{backend:?}: a Like button"
        );
        let go = |action: &'static str| {
            let q: String = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("post", post.as_str())
                .append_pair("action", action)
                .append_pair("handle", &peer.handle("pat"))
                .finish();
            let chorus = &chorus;
            async move {
                let r = chorus.get(&format!("/interact?{q}")).await;
                assert_eq!(r.status, StatusCode::OK, "{action}: {}", r.text());
                url(&attr(&r.html(), "a.button", "href").expect("a link"))
            }
        };
        let param = |u: &Url, name: &str| {
            u.query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        // Follow and Like: the server's own intents, with the actor's and the post's ids.
        let follow = go("follow").await;
        assert_eq!(follow.path(), "/intents/follow", "{backend:?}");
        assert_eq!(param(&follow, "object"), Some(chorus.url("/@alice")));
        let like = go("like").await;
        assert_eq!(like.path(), "/intents/like", "{backend:?}");
        assert_eq!(param(&like, "object").as_deref(), Some(post.as_str()));
        // Mastodon's `Create` intent only shares text: a reply opens the post there instead.
        let reply = go("reply").await;
        assert_eq!(reply.path(), "/authorize_interaction", "{backend:?}");
        assert_eq!(param(&reply, "uri").as_deref(), Some(post.as_str()));
    }
}

/// Every item of the collection at `url`, page after page.
async fn walk(chorus: &TestServer, url: &str) -> Vec<serde_json::Value> {
    let accept = [("accept", "application/activity+json")];
    let path = |u: &str| Url::parse(u).unwrap()[url::Position::BeforePath..].to_owned();
    let collection = chorus.get_with(&path(url), &accept).await.json();
    let mut next = collection["first"].as_str().map(str::to_owned);
    let mut items = Vec::new();
    while let Some(page_url) = next {
        let page = chorus.get_with(&path(&page_url), &accept).await.json();
        assert_eq!(page["type"], "OrderedCollectionPage", "{page}");
        assert_eq!(page["partOf"], collection["id"]);
        items.extend(page["orderedItems"].as_array().unwrap().iter().cloned());
        next = page["next"].as_str().map(str::to_owned);
    }
    assert_eq!(collection["totalItems"], items.len());
    items
}

#[tokio::test]
async fn a_post_names_its_conversation_which_walks_to_every_approved_comment() {
    for backend in backends() {
        let chorus = site(backend).await;
        let post = chorus.publish_post("alice", "Talk", "Say something.").await;
        let peer = Peer::start(&["pat"]).await;
        let mut replies = Vec::new();
        for i in 0..25 {
            let note = peer
                .reply(
                    &chorus,
                    "pat",
                    &format!("c{i}"),
                    post.as_str(),
                    "<p>Yes</p>",
                )
                .await;
            replies.push(note["id"].clone());
        }
        // A comment hidden by a moderator is not part of the public conversation.
        let hidden = stored::find_comment_by_uri(&chorus.app.db, replies[3].as_str().unwrap())
            .await
            .unwrap()
            .unwrap();
        moderation::hide_comment(&chorus.app, hidden.id)
            .await
            .unwrap();

        let article = chorus
            .get_with(post.path(), &[("accept", "application/activity+json")])
            .await
            .json();
        let context = article["context"]
            .as_str()
            .expect("the Article names its context");
        assert_eq!(context, format!("{post}/context"), "{backend:?}");
        let items = walk(&chorus, context).await;
        assert_eq!(items[0], post.as_str(), "{backend:?}: the post comes first");
        let mut expected = vec![serde_json::json!(post.as_str())];
        expected.extend(replies.iter().filter(|r| **r != replies[3]).cloned());
        assert_eq!(items, expected, "{backend:?}");
    }
}

#[tokio::test]
async fn the_parts_of_a_series_share_one_context_that_walks_parts_and_comments_in_order() {
    for backend in backends() {
        let chorus = site(backend).await;
        let part = |title: &str, day: u32| {
            format!(
                "---\ntitle: {title}\nseries: Rust in Practice\npublished: 2025-03-{day:02}T12:00:00Z\n---\nText.\n"
            )
        };
        // Published out of order: the parts' dates decide the order.
        let second = chorus
            .publish("alice", &part("Borrowing", 2))
            .await
            .unwrap();
        let first = chorus
            .publish("alice", &part("Ownership", 1))
            .await
            .unwrap();
        let alone = chorus.publish_post("alice", "Alone", "No series.").await;
        let peer = Peer::start(&["pat"]).await;
        let on_second = peer
            .reply(&chorus, "pat", "s1", second.as_str(), "<p>Two</p>")
            .await;
        let on_first = peer
            .reply(&chorus, "pat", "f1", first.as_str(), "<p>One</p>")
            .await;
        peer.reply(&chorus, "pat", "a1", alone.as_str(), "<p>Elsewhere</p>")
            .await;

        let accept = [("accept", "application/activity+json")];
        let mut contexts = Vec::new();
        for post in [&first, &second] {
            let article = chorus.get_with(post.path(), &accept).await.json();
            contexts.push(article["context"].as_str().unwrap().to_owned());
        }
        let series_context = format!("{}series/rust-in-practice/context", chorus.base_url);
        assert_eq!(
            contexts,
            [series_context.clone(), series_context.clone()],
            "{backend:?}"
        );
        let collection = chorus
            .get_with("/series/rust-in-practice/context", &accept)
            .await
            .json();
        assert_eq!(
            collection["attributedTo"],
            format!("{}@community", chorus.base_url),
            "the community the series is published in"
        );

        let items = walk(&chorus, &series_context).await;
        assert_eq!(
            items,
            [
                serde_json::json!(first.as_str()),
                on_first["id"].clone(),
                serde_json::json!(second.as_str()),
                on_second["id"].clone(),
            ],
            "{backend:?}: each part, then its comments; other posts' comments stay out"
        );
        // A post outside any series keeps its own conversation.
        let article = chorus.get_with(alone.path(), &accept).await.json();
        assert_eq!(article["context"], format!("{alone}/context"));
        assert_eq!(
            chorus.get("/series/no-such-series/context").await.status,
            StatusCode::NOT_FOUND
        );
    }
}
