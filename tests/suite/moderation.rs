//! Looking after the conversation from the web, as editors, authors and admins meet it: the
//! moderation queue (approve, hide, delete, block an author or a domain), who may act on
//! which comment, an author's notifications (mentions in posts elsewhere included), reports
//! and their forwarding to the reported account's server, and amplifying a remote post from
//! the community.

use crate::support::forms::{OTHER_ORIGIN, Visitor, csrf_of, location};
use crate::support::peer::Peer;
use crate::support::{
    Backend, Reply, TestApp, TestServer, assert_self_contained, attr, backends, count_rows,
    eventually, select, text_of,
};
use axum::http::StatusCode;
use chorus::actions::moderation;
use chorus::domain::Role;
use chorus::domain::comments::CommentState;
use chorus::storage::comments as stored;
use chorus::storage::users::User;
use serde_json::json;
use url::Url;

/// A site on a socket, with delivery workers, and its people.
struct Site {
    server: TestServer,
    alice: User,
    bob: User,
    editor: User,
    admin: User,
    contributor: User,
}

async fn site(backend: Backend) -> Site {
    let server = TestServer::with_workers(backend).await;
    let alice = server.create_user("alice", Role::Author).await;
    let bob = server.create_user("bob", Role::Author).await;
    let editor = server.create_user("ed", Role::Editor).await;
    let admin = server.create_user("ada", Role::Admin).await;
    let contributor = server.create_user("cy", Role::Contributor).await;
    Site {
        server,
        alice,
        bob,
        editor,
        admin,
        contributor,
    }
}

/// Publishes a post by `author` whose replies from people who do not follow them are queued.
async fn queued_post(chorus: &TestServer, author: &str, title: &str) -> Url {
    chorus
        .publish(
            author,
            &format!("---\ntitle: {title}\nreplies: followers\n---\nWhat do you think?\n"),
        )
        .await
        .unwrap()
}

/// `who` on `peer` replies `text` to `target`; gives the reply's id.
async fn reply(
    peer: &Peer,
    chorus: &TestServer,
    who: &str,
    name: &str,
    target: &str,
    text: &str,
) -> String {
    let note = peer
        .reply(chorus, who, name, target, &format!("<p>{text}</p>"))
        .await;
    note["id"].as_str().unwrap().to_owned()
}

async fn follow(peer: &Peer, chorus: &TestServer, who: &str, whom: &str) {
    let f = peer.follow(who, &chorus.url(&format!("/@{whom}")));
    assert_eq!(
        peer.deliver(who, &chorus.inbox(), &f).await,
        StatusCode::ACCEPTED
    );
}

/// The text of every comment shown under a post.
async fn shown(chorus: &TestServer, post: &Url) -> Vec<String> {
    let page = chorus.get(post.path()).await;
    assert_eq!(page.status, StatusCode::OK);
    select(&page.html(), "li.comment .comment-content")
        .iter()
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .collect()
}

/// The text of every entry in a moderation page.
fn queued(page: &Reply) -> Vec<String> {
    select(&page.html(), "li.queued .comment-content")
        .iter()
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .collect()
}

async fn comment_id(chorus: &TestServer, uri: &str) -> i64 {
    stored::find_comment_by_uri(&chorus.app.db, uri)
        .await
        .unwrap()
        .expect("the reply is stored")
        .id
}

async fn state(chorus: &TestServer, uri: &str) -> CommentState {
    stored::find_comment_by_uri(&chorus.app.db, uri)
        .await
        .unwrap()
        .expect("the reply is stored")
        .state
}

/// Submits the moderation form of comment `id` from the queue page `page` with `action`.
async fn moderate(b: &mut Visitor<'_>, page: &str, id: i64, action: &str) -> Reply {
    // The form's hidden field says which list to go back to.
    let show = if page.contains("show=hidden") {
        "hidden"
    } else {
        "pending"
    };
    b.submit(
        page,
        &format!("/moderation/comments/{id}"),
        &[("action", action), ("show", show)],
    )
    .await
}

/// Checks that nothing on a page runs code or loads from another origin, and that it has
/// one h1.
fn assert_safe(reply: &Reply, base: &Url, what: &str) {
    let html = reply.html();
    assert_self_contained(&html, base, what);
    assert_eq!(select(&html, "h1").len(), 1, "{what}: one h1");
}

#[tokio::test]
async fn an_editor_approves_a_queued_reply_and_it_appears_under_the_post_at_once() {
    for backend in backends() {
        let s = site(backend).await;
        let chorus = &s.server;
        let peer = Peer::start(&["quinn"]).await;
        let post = queued_post(chorus, "alice", "Queued thoughts").await;
        let uri = reply(
            &peer,
            chorus,
            "quinn",
            "q1",
            post.as_str(),
            "A stranger speaks",
        )
        .await;
        assert!(
            shown(chorus, &post).await.is_empty(),
            "{backend:?}: queued, not shown"
        );

        let mut ed = Visitor::signed_in(chorus, &s.editor).await;
        let home = ed.get("/editor").await;
        let nav: String = select(&home.html(), "a[href='/moderation']")
            .first()
            .expect("a link to the queue")
            .text()
            .collect();
        assert_eq!(
            nav, "Moderation (1 waiting)",
            "{backend:?}: the navigation counts the queue"
        );
        let page = ed.get("/moderation").await;
        assert_eq!(page.status, StatusCode::OK);
        assert_safe(&page, &chorus.base_url, "moderation queue");
        assert_eq!(queued(&page), vec!["A stranger speaks".to_owned()]);
        let html = page.html();
        assert_eq!(
            attr(&html, "li.queued .comment-post a", "href").as_deref(),
            Some(post.path()),
            "a link to the post it answers"
        );
        assert_eq!(
            text_of(&html, "li.queued .handle"),
            Some(format!("@{}", peer.handle("quinn")))
        );
        assert_eq!(
            text_of(&html, "li.queued .p-author").as_deref(),
            Some("quinn (peer)")
        );
        assert!(
            attr(&html, "li.queued img.avatar", "src")
                .unwrap()
                .starts_with("/avatars/"),
            "the avatar is served from this site"
        );
        for label in ["Approve", "Hide", "Delete"] {
            assert!(
                select(&html, "li.queued button")
                    .iter()
                    .any(|b| b.text().collect::<String>().starts_with(label)),
                "{label} button"
            );
        }

        let id = comment_id(chorus, &uri).await;
        let r = moderate(&mut ed, "/moderation", id, "approve").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let back = ed.get(location(&r)).await;
        assert!(back.text().contains("Approved"), "{}", back.text());
        assert!(queued(&back).is_empty(), "{backend:?}: left the queue");
        assert_eq!(
            shown(chorus, &post).await,
            vec!["A stranger speaks".to_owned()],
            "{backend:?}: on the post page at once"
        );

        // Hidden, it leaves the post; from the hidden list it can be approved again.
        let r = moderate(&mut ed, "/moderation", id, "hide").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(shown(chorus, &post).await.is_empty(), "{backend:?}: hidden");
        let hidden = ed.get("/moderation?show=hidden").await;
        assert_eq!(queued(&hidden), vec!["A stranger speaks".to_owned()]);
        let r = moderate(&mut ed, "/moderation?show=hidden", id, "approve").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(location(&r).contains("show=hidden"), "{}", location(&r));
        assert_eq!(
            shown(chorus, &post).await.len(),
            1,
            "{backend:?}: approved again"
        );

        // Deleted, it is gone for good.
        let second = reply(&peer, chorus, "quinn", "q2", post.as_str(), "Delete me").await;
        let id2 = comment_id(chorus, &second).await;
        let r = moderate(&mut ed, "/moderation", id2, "delete").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(
            stored::find_comment_by_uri(&chorus.app.db, &second)
                .await
                .unwrap()
                .unwrap()
                .deleted
        );
        assert!(queued(&ed.get("/moderation").await).is_empty());
        assert_eq!(
            moderate(&mut ed, "/moderation", id2, "approve")
                .await
                .status,
            StatusCode::NOT_FOUND,
            "{backend:?}: a deleted comment cannot come back"
        );
        assert_eq!(shown(chorus, &post).await.len(), 1);
    }
}

#[tokio::test]
async fn blocking_from_the_queue_refuses_the_author_or_the_domain_and_hides_their_comments() {
    for backend in backends() {
        let s = site(backend).await;
        let chorus = &s.server;
        let peer = Peer::start(&["quinn"]).await;
        let other = Peer::start(&["rosa", "sam"]).await;
        let post = queued_post(chorus, "alice", "Guarded").await;
        let mut ed = Visitor::signed_in(chorus, &s.editor).await;

        // quinn's first reply is approved; the second waits; blocking quinn from it takes
        // both away and refuses what quinn sends next.
        let first = reply(&peer, chorus, "quinn", "b1", post.as_str(), "Hello").await;
        let id = comment_id(chorus, &first).await;
        assert_eq!(
            moderate(&mut ed, "/moderation", id, "approve").await.status,
            StatusCode::SEE_OTHER
        );
        let second = reply(&peer, chorus, "quinn", "b2", post.as_str(), "Buy my stuff").await;
        assert_eq!(shown(chorus, &post).await, vec!["Hello".to_owned()]);
        let id = comment_id(chorus, &second).await;
        let r = moderate(&mut ed, "/moderation", id, "block-author").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert!(ed.get(location(&r)).await.text().contains("Blocked"));
        assert!(shown(chorus, &post).await.is_empty(), "{backend:?}");
        let note = peer.note("quinn", "b3", post.as_str(), "<p>Let me in</p>");
        assert_eq!(
            peer.deliver("quinn", &chorus.inbox(), &peer.create("quinn", &note))
                .await,
            StatusCode::FORBIDDEN,
            "{backend:?}: a blocked author's activities are refused"
        );

        // rosa follows alice (approved at once); sam does not (queued). Blocking sam's
        // domain takes rosa's comment too, and refuses everyone there.
        follow(&other, chorus, "rosa", "alice").await;
        reply(
            &other,
            chorus,
            "rosa",
            "d1",
            post.as_str(),
            "From a follower",
        )
        .await;
        assert_eq!(
            shown(chorus, &post).await,
            vec!["From a follower".to_owned()]
        );
        let sams = reply(&other, chorus, "sam", "d2", post.as_str(), "From sam").await;
        let id = comment_id(chorus, &sams).await;
        let domain = other.domain();
        let page = ed.get("/moderation").await;
        assert!(
            select(&page.html(), "li.queued button")
                .iter()
                .any(|b| b.text().collect::<String>() == format!("Block {domain}")),
            "{backend:?}: a block-domain button naming the server"
        );
        let r = moderate(&mut ed, "/moderation", id, "block-domain").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert!(shown(chorus, &post).await.is_empty(), "{backend:?}");
        assert_eq!(state(chorus, &sams).await, CommentState::Hidden);
        let like = other.activity("rosa", "Like", json!(post.as_str()));
        assert_eq!(
            other.deliver("rosa", &chorus.inbox(), &like).await,
            StatusCode::FORBIDDEN,
            "{backend:?}: the blocked domain's activities are refused"
        );
        // The admins see the block, with where it came from.
        let mut root = Visitor::signed_in(chorus, &s.admin).await;
        let blocks = root.get("/admin/blocks").await.text();
        assert!(blocks.contains(&domain), "{blocks}");
        assert!(blocks.contains("moderation queue"), "{blocks}");
    }
}

#[tokio::test]
async fn authors_moderate_their_own_posts_only_and_contributors_nothing() {
    for backend in backends() {
        let s = site(backend).await;
        let chorus = &s.server;
        let peer = Peer::start(&["quinn"]).await;
        let alices = queued_post(chorus, "alice", "Alice writes").await;
        let bobs = queued_post(chorus, "bob", "Bob writes").await;
        let on_alices = reply(&peer, chorus, "quinn", "a1", alices.as_str(), "To alice").await;
        let on_bobs = reply(&peer, chorus, "quinn", "a2", bobs.as_str(), "To bob").await;
        let bobs_id = comment_id(chorus, &on_bobs).await;
        let alices_id = comment_id(chorus, &on_alices).await;

        let mut alice = Visitor::signed_in(chorus, &s.alice).await;
        let page = alice.get("/moderation").await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(
            queued(&page),
            vec!["To alice".to_owned()],
            "{backend:?}: only her posts' replies"
        );
        assert!(
            !page.text().contains("Block 127.0.0.1"),
            "{backend:?}: no domain blocks for authors"
        );
        for action in ["approve", "hide", "delete", "block-author"] {
            let r = moderate(&mut alice, "/moderation", bobs_id, action).await;
            assert_eq!(
                r.status,
                StatusCode::FORBIDDEN,
                "{backend:?}: {action} on another author's post"
            );
        }
        assert_eq!(state(chorus, &on_bobs).await, CommentState::Pending);
        assert_eq!(chorus.count("blocks").await, 0);
        assert_eq!(
            moderate(&mut alice, "/moderation", alices_id, "block-domain")
                .await
                .status,
            StatusCode::FORBIDDEN,
            "{backend:?}: a domain block is for editors and admins"
        );
        assert_eq!(chorus.count("blocks").await, 0);
        let r = moderate(&mut alice, "/moderation", alices_id, "approve").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(shown(chorus, &alices).await, vec!["To alice".to_owned()]);
        assert_eq!(
            moderate(&mut alice, "/moderation", 999_999, "approve")
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        // An action the queue does not know: refused, the comment untouched.
        assert_eq!(
            moderate(&mut alice, "/moderation", alices_id, "publish-everywhere")
                .await
                .status,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(shown(chorus, &alices).await, vec!["To alice".to_owned()]);

        // Editors see every post's queue.
        let mut ed = Visitor::signed_in(chorus, &s.editor).await;
        assert_eq!(
            queued(&ed.get("/moderation").await),
            vec!["To bob".to_owned()]
        );

        // A form without the session's token, or from another site, changes nothing.
        let r = ed
            .post(
                &format!("/moderation/comments/{bobs_id}"),
                &[("action", "approve")],
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "{backend:?}: no CSRF token"
        );
        let csrf = csrf_of(&ed.get("/moderation").await);
        let r = ed
            .post_from(
                &format!("/moderation/comments/{bobs_id}"),
                &[("csrf", &csrf), ("action", "approve")],
                OTHER_ORIGIN,
                "cross-site",
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "{backend:?}: another origin"
        );
        assert_eq!(state(chorus, &on_bobs).await, CommentState::Pending);

        // Contributors moderate nothing, and are not offered to.
        let mut cy = Visitor::signed_in(chorus, &s.contributor).await;
        assert_eq!(cy.get("/moderation").await.status, StatusCode::FORBIDDEN);
        let csrf = csrf_of(&cy.get("/account").await);
        let r = cy
            .post(
                &format!("/moderation/comments/{bobs_id}"),
                &[("csrf", &csrf), ("action", "approve")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert!(
            select(&cy.get("/account").await.html(), "a[href='/moderation']").is_empty(),
            "{backend:?}: no queue in a contributor's navigation"
        );
        assert_eq!(state(chorus, &on_bobs).await, CommentState::Pending);

        // Signed out: to the login page.
        let r = Visitor::new(chorus).get("/moderation").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(location(&r).starts_with("/login"));
    }
}

#[tokio::test]
async fn notifications_tell_an_author_of_follows_replies_private_replies_and_likes() {
    for backend in backends() {
        let s = site(backend).await;
        let chorus = &s.server;
        let peer = Peer::start(&["pat", "quinn"]).await;
        let post = chorus.publish_post("alice", "Noticed", "Hello.").await;
        follow(&peer, chorus, "pat", "alice").await;
        reply(&peer, chorus, "pat", "n1", post.as_str(), "A public answer").await;
        let mut private = peer.note("quinn", "n2", post.as_str(), "<p>Just for you</p>");
        private["to"] = json!([chorus.url("/@alice")]);
        private["cc"] = json!([]);
        assert_eq!(
            peer.deliver("quinn", &chorus.inbox(), &peer.create("quinn", &private))
                .await,
            StatusCode::ACCEPTED
        );
        let like = peer.activity("quinn", "Like", json!(post.as_str()));
        assert_eq!(
            peer.deliver("quinn", &chorus.inbox(), &like).await,
            StatusCode::ACCEPTED
        );

        let mut alice = Visitor::signed_in(chorus, &s.alice).await;
        let page = alice.get("/notifications").await;
        assert_eq!(page.status, StatusCode::OK);
        assert_safe(&page, &chorus.base_url, "notifications");
        let html = page.html();
        let kinds: Vec<String> = select(&html, "li.notification")
            .iter()
            .map(|li| {
                li.value()
                    .attr("class")
                    .unwrap()
                    .replace("notification ", "")
            })
            .collect();
        for kind in ["follow", "reply", "private-reply", "like"] {
            assert!(
                kinds.iter().any(|k| k == kind),
                "{backend:?}: {kind} in {kinds:?}"
            );
        }
        assert_eq!(
            kinds.first().map(String::as_str),
            Some("like"),
            "newest first"
        );
        let private_item = text_of(&html, "li.private-reply").unwrap();
        assert!(private_item.contains("Private reply"), "{private_item}");
        assert!(private_item.contains("Just for you"), "{private_item}");
        assert!(
            text_of(&html, "li.follow")
                .unwrap()
                .contains("followed you")
        );
        assert_eq!(
            attr(&html, "li.like a[href^='/posts/']", "href").as_deref(),
            Some(post.path()),
            "a link to the post"
        );
        assert_eq!(
            attr(&html, "li.reply a.p-author", "href"),
            Some(format!("{}@pat", peer.base)),
            "a link to the remote person"
        );
        assert!(
            !chorus
                .get(post.path())
                .await
                .text()
                .contains("Just for you"),
            "{backend:?}: the private reply stays off the post page"
        );

        // Bob hears nothing of alice's post; contributors have the page too.
        let mut bob = Visitor::signed_in(chorus, &s.bob).await;
        let page = bob.get("/notifications").await;
        assert!(
            select(&page.html(), "li.notification").is_empty(),
            "{backend:?}"
        );
        let mut cy = Visitor::signed_in(chorus, &s.contributor).await;
        assert_eq!(cy.get("/notifications").await.status, StatusCode::OK);
    }
}

/// The kind (class) and text of every notification on a notifications page.
fn notices(page: &Reply) -> Vec<(String, String)> {
    select(&page.html(), "li.notification")
        .iter()
        .map(|li| {
            let kind = li
                .value()
                .attr("class")
                .unwrap()
                .replace("notification ", "");
            (kind, li.text().collect::<String>())
        })
        .collect()
}

/// How many notifications of `kind` mention `text`.
fn count(list: &[(String, String)], kind: &str, text: &str) -> usize {
    list.iter()
        .filter(|(k, t)| k == kind && t.contains(text))
        .count()
}

#[tokio::test]
async fn posts_elsewhere_that_mention_an_author_reach_their_notifications_only() {
    for backend in backends() {
        let s = site(backend).await;
        let chorus = &s.server;
        let peer = Peer::start(&["pat", "quinn", "rex"]).await;
        let alice_id = chorus.url("/@alice");
        let post = chorus.publish_post("alice", "Mentioned", "Hello.").await;

        // Nobody here follows pat: the mention alone brings the note in.
        let public = peer.mentioning("pat", "m1", &[&alice_id], "<p>Have you read @alice?</p>");
        let create = peer.create("pat", &public);
        assert_eq!(
            peer.deliver("pat", &chorus.inbox(), &create).await,
            StatusCode::ACCEPTED
        );
        // A replay, and the same note in a second Create, add nothing.
        assert_eq!(
            peer.deliver("pat", &chorus.inbox(), &create).await,
            StatusCode::ACCEPTED
        );
        let mut again = create.clone();
        again["id"] = json!(format!("{}/again", public["id"].as_str().unwrap()));
        assert_eq!(
            peer.deliver("pat", &chorus.inbox(), &again).await,
            StatusCode::ACCEPTED
        );

        let mut direct = peer.mentioning(
            "quinn",
            "m2",
            &[&alice_id],
            "<p>Psst @alice, between us</p>",
        );
        direct["to"] = json!([alice_id]);
        direct["cc"] = json!([]);
        assert_eq!(
            peer.deliver("quinn", &chorus.inbox(), &peer.create("quinn", &direct))
                .await,
            StatusCode::ACCEPTED
        );
        let for_bob = peer.mentioning("pat", "m3", &[&chorus.url("/@bob")], "<p>Hello @bob</p>");
        assert_eq!(
            peer.deliver("pat", &chorus.inbox(), &peer.create("pat", &for_bob))
                .await,
            StatusCode::ACCEPTED
        );
        // A reply on alice's own post that mentions her is a reply, told once.
        let mut answer = peer.mentioning("pat", "m4", &[&alice_id], "<p>Good point @alice</p>");
        answer["inReplyTo"] = json!(post.as_str());
        assert_eq!(
            peer.deliver("pat", &chorus.inbox(), &peer.create("pat", &answer))
                .await,
            StatusCode::ACCEPTED
        );
        // A blocked actor's mention is refused.
        moderation::block_actor(&chorus.app, &peer.actor("rex"))
            .await
            .unwrap();
        let blocked = peer.mentioning("rex", "m5", &[&alice_id], "<p>Blocked words</p>");
        assert_eq!(
            peer.deliver("rex", &chorus.inbox(), &peer.create("rex", &blocked))
                .await,
            StatusCode::FORBIDDEN
        );

        let mut alice = Visitor::signed_in(chorus, &s.alice).await;
        let page = alice.get("/notifications").await;
        assert_eq!(page.status, StatusCode::OK);
        assert_safe(&page, &chorus.base_url, "notifications");
        let list = notices(&page);
        assert_eq!(
            count(&list, "mention", "Have you read"),
            1,
            "{backend:?}: {list:?}"
        );
        assert_eq!(
            attr(&page.html(), "li.mention a.original", "href"),
            Some(format!("{}@pat/m1", peer.base)),
            "a link to the original"
        );
        assert_eq!(
            attr(&page.html(), "li.mention a.p-author", "href"),
            Some(format!("{}@pat", peer.base))
        );
        assert_eq!(
            count(&list, "private-mention", "Psst"),
            1,
            "{backend:?}: {list:?}"
        );
        assert!(
            count(&list, "private-mention", "Private mention") == 1,
            "{list:?}"
        );
        assert_eq!(count(&list, "mention", "Psst"), 0, "{list:?}");
        assert_eq!(
            count(&list, "reply", "Good point"),
            1,
            "{backend:?}: {list:?}"
        );
        assert_eq!(
            list.iter()
                .filter(|(_, t)| t.contains("Good point"))
                .count(),
            1,
            "{backend:?}: the reply is not a mention too: {list:?}"
        );
        assert!(
            !list
                .iter()
                .any(|(_, t)| t.contains("Hello") || t.contains("Blocked")),
            "{list:?}"
        );

        let mut bob = Visitor::signed_in(chorus, &s.bob).await;
        let bobs = notices(&bob.get("/notifications").await);
        assert_eq!(count(&bobs, "mention", "Hello"), 1, "{backend:?}: {bobs:?}");
        assert_eq!(bobs.len(), 1, "{bobs:?}");

        // No public page shows a mention.
        for path in [
            "/",
            post.path(),
            "/@alice",
            "/@bob",
            "/@community",
            "/feed.xml",
            "/feed.json",
        ] {
            let text = chorus.get(path).await.text();
            for words in ["Have you read", "Psst", "Hello @bob"] {
                assert!(!text.contains(words), "{backend:?}: {path} shows {words:?}");
            }
        }

        // An edit replaces the text; an older copy of it changes nothing.
        let mut edited = public.clone();
        edited["content"] = json!("<p>Have you seen the sequel, @alice?</p>");
        edited["updated"] = json!("2026-11-21T10:00:00Z");
        let update = peer.activity("pat", "Update", edited.clone());
        assert_eq!(
            peer.deliver("pat", &chorus.inbox(), &update).await,
            StatusCode::ACCEPTED
        );
        let mut stale = edited.clone();
        stale["content"] = json!("<p>An older draft</p>");
        stale["updated"] = json!("2026-11-20T12:00:00Z");
        let stale = peer.activity("pat", "Update", stale);
        assert_eq!(
            peer.deliver("pat", &chorus.inbox(), &stale).await,
            StatusCode::ACCEPTED
        );
        let list = notices(&alice.get("/notifications").await);
        assert_eq!(
            count(&list, "mention", "the sequel"),
            1,
            "{backend:?}: {list:?}"
        );
        assert!(
            !list
                .iter()
                .any(|(_, t)| t.contains("Have you read") || t.contains("older draft")),
            "{list:?}"
        );

        // Someone else cannot delete it; its author can, and a deleted actor takes theirs along.
        let forged = peer.activity("quinn", "Delete", json!(public["id"]));
        assert_eq!(
            peer.deliver("quinn", &chorus.inbox(), &forged).await,
            StatusCode::ACCEPTED
        );
        assert_eq!(
            count(
                &notices(&alice.get("/notifications").await),
                "mention",
                "the sequel"
            ),
            1
        );
        let delete = peer.activity(
            "pat",
            "Delete",
            json!({"id": public["id"], "type": "Tombstone"}),
        );
        assert_eq!(
            peer.deliver("pat", &chorus.inbox(), &delete).await,
            StatusCode::ACCEPTED
        );
        let gone = peer.activity("quinn", "Delete", json!(peer.actor("quinn")));
        assert_eq!(
            peer.deliver("quinn", &chorus.inbox(), &gone).await,
            StatusCode::ACCEPTED
        );
        let list = notices(&alice.get("/notifications").await);
        assert!(
            !list
                .iter()
                .any(|(k, _)| k == "mention" || k == "private-mention"),
            "{backend:?}: {list:?}"
        );
        assert_eq!(count(&list, "reply", "Good point"), 1, "{list:?}");
        assert_eq!(
            count_rows(&chorus.app.db, "mentions_received").await,
            1,
            "bob's is left"
        );
    }
}

#[tokio::test]
async fn admins_see_reports_and_forward_one_to_the_reported_accounts_server() {
    for backend in backends() {
        let s = site(backend).await;
        let chorus = &s.server;
        let peer = Peer::start(&["pat", "mod"]).await;
        let post = chorus
            .publish_post("alice", "Reported", "Controversial.")
            .await;
        let note = reply(&peer, chorus, "pat", "f1", post.as_str(), "Spam spam spam").await;
        let mut flag = peer.activity("mod", "Flag", json!([peer.actor("pat"), note]));
        flag["content"] = json!("This is spam <b>really</b>");
        assert_eq!(
            peer.deliver("mod", &chorus.inbox(), &flag).await,
            StatusCode::ACCEPTED
        );

        let mut ed = Visitor::signed_in(chorus, &s.editor).await;
        assert_eq!(ed.get("/admin/reports").await.status, StatusCode::FORBIDDEN);
        let mut root = Visitor::signed_in(chorus, &s.admin).await;
        let page = root.get("/admin/reports").await;
        assert_eq!(page.status, StatusCode::OK);
        assert_safe(&page, &chorus.base_url, "reports");
        let html = page.html();
        assert_eq!(select(&html, "li.report").len(), 1, "{backend:?}");
        assert!(
            text_of(&html, "li.report h2")
                .unwrap()
                .contains(&format!("@{}", peer.handle("mod")))
        );
        assert_eq!(
            text_of(&html, ".report-comment").as_deref(),
            Some("This is spam <b>really</b>"),
            "the reporter's words, as plain text"
        );
        assert_eq!(
            text_of(&html, ".reported-comment .comment-content").as_deref(),
            Some("Spam spam spam")
        );
        let report_id: i64 = attr(&html, "li.report", "id")
            .unwrap()
            .trim_start_matches("report-")
            .parse()
            .unwrap();

        // Forwarding about an account the report does not name is refused.
        let r = root
            .submit(
                "/admin/reports",
                &format!("/admin/reports/{report_id}/forward"),
                &[("account", &peer.actor("mod")), ("comment", "")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert!(r.text().contains("does not name that account"));

        let r = root
            .submit(
                "/admin/reports",
                &format!("/admin/reports/{report_id}/forward"),
                &[
                    ("account", &peer.actor("pat")),
                    ("comment", "Confirmed here too"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let back = root.get(location(&r)).await;
        assert!(back.text().contains("forwarded"), "{}", back.text());
        let forwarded = eventually("the forwarded Flag", || async {
            peer.received_of("Flag").into_iter().next()
        })
        .await;
        assert_eq!(forwarded.path, "/inbox", "the shared inbox");
        assert_eq!(forwarded.body["actor"], chorus.url("/actor"), "{backend:?}");
        assert_eq!(forwarded.body["object"], json!([peer.actor("pat"), note]));
        assert_eq!(forwarded.body["content"], "Confirmed here too");
        assert!(
            !forwarded.body.to_string().contains(&peer.actor("mod")),
            "{backend:?}: the reporter is not named"
        );
        assert!(
            forwarded
                .headers
                .get("signature-input")
                .and_then(|v| v.to_str().ok())
                .is_some_and(
                    |s| s.contains(&format!("keyid=\"{}#main-key\"", chorus.url("/actor")))
                ),
            "{backend:?}: signed by the instance actor"
        );
        assert_eq!(
            count_rows(
                &chorus.app.db,
                "reports WHERE forwarded_at IS NOT NULL AND resolved_at IS NULL"
            )
            .await,
            1
        );
        assert!(text_of(&back.html(), ".forwarded").is_some(), "{backend:?}");

        let r = root
            .submit(
                "/admin/reports",
                &format!("/admin/reports/{report_id}/resolve"),
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let open = root.get("/admin/reports").await;
        assert!(select(&open.html(), "li.report").is_empty(), "{backend:?}");
        assert!(open.text().contains("No open reports"));
        assert_eq!(
            select(
                &root.get("/admin/reports?show=all").await.html(),
                "li.report"
            )
            .len(),
            1
        );
        // Editors cannot forward either.
        let csrf = csrf_of(&ed.get("/account").await);
        let r = ed
            .post(
                &format!("/admin/reports/{report_id}/forward"),
                &[("csrf", &csrf), ("account", &peer.actor("pat"))],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(peer.received_of("Flag").len(), 1);
    }
}

#[tokio::test]
async fn the_amplify_form_amplifies_a_peer_post_onto_the_community_page_and_back() {
    for backend in backends() {
        let s = site(backend).await;
        let chorus = &s.server;
        let peer = Peer::start(&["quinn"]).await;
        let mut note = peer.note("quinn", "amp", "", "<p>A great thread about Rust</p>");
        note.as_object_mut().unwrap().remove("inReplyTo");
        peer.publish("amp", note);

        let mut alice = Visitor::signed_in(chorus, &s.alice).await;
        assert_eq!(
            alice.get("/community/amplify").await.status,
            StatusCode::FORBIDDEN
        );
        let mut ed = Visitor::signed_in(chorus, &s.editor).await;
        let page = ed.get("/community/amplify").await;
        assert_eq!(page.status, StatusCode::OK);
        assert_safe(&page, &chorus.base_url, "amplify page");
        assert!(attr(&page.html(), "label[for=url]", "for").is_some());

        // Bad addresses are explained and change nothing.
        let before = (
            chorus.count("remote_objects").await,
            chorus.count("amplifications").await,
        );
        for (bad, says) in [
            ("not a url", "is not a url"),
            (&peer.object_url("missing") as &str, "cannot fetch"),
            (&chorus.url("/posts/anything") as &str, "on this site"),
        ] {
            let r = ed
                .submit("/community/amplify", "/community/amplify", &[("url", bad)])
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
            let message = text_of(&r.html(), ".error").unwrap_or_default();
            assert!(message.to_lowercase().contains(says), "{bad}: {message}");
        }
        assert_eq!(
            (
                chorus.count("remote_objects").await,
                chorus.count("amplifications").await
            ),
            before,
            "{backend:?}: nothing half-written"
        );

        let r = ed
            .submit(
                "/community/amplify",
                "/community/amplify",
                &[("url", &peer.object_url("amp"))],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let listed = ed.get(location(&r)).await;
        assert!(listed.text().contains("Amplified"), "{}", listed.text());
        assert!(
            text_of(&listed.html(), ".boost-content")
                .unwrap()
                .contains("A great thread about Rust")
        );
        let community = chorus.get("/@community").await.html();
        assert!(
            text_of(&community, ".boost-content")
                .unwrap()
                .contains("A great thread about Rust"),
            "{backend:?}"
        );
        eventually("the community's Announce", || async {
            peer.received_of("Announce").into_iter().next()
        })
        .await;

        let url = attr(
            &listed.html(),
            "form[action='/community/amplify/remove'] input[name=url]",
            "value",
        )
        .unwrap();
        let r = ed
            .submit(
                "/community/amplify",
                "/community/amplify/remove",
                &[("url", &url)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert!(
            select(&chorus.get("/@community").await.html(), ".boost").is_empty(),
            "{backend:?}: un-amplified"
        );
        eventually("the Undo", || async {
            peer.received_of("Undo").into_iter().next()
        })
        .await;
        let r = ed
            .submit(
                "/community/amplify",
                "/community/amplify/remove",
                &[("url", &url)],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn a_private_address_is_refused_by_the_amplify_form() {
    for backend in backends() {
        // In-process, with private networks off as in production.
        let site = TestApp::new(backend).await;
        let mut ed = Visitor::sign_up(&site, "ed", Role::Editor).await;
        let r = ed
            .submit(
                "/community/amplify",
                "/community/amplify",
                &[("url", "http://127.0.0.1:9/objects/secret")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        let message = text_of(&r.html(), ".error").unwrap_or_default();
        assert!(message.contains("refused"), "{message}");
        assert_eq!(site.count("amplifications").await, 0);
        assert_eq!(site.count("remote_objects").await, 0);
    }
}

#[tokio::test]
async fn open_registration_shows_on_the_login_page_and_in_nodeinfo() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        let open = |r: &Reply| !select(&r.html(), "a[href='/register']").is_empty();
        assert!(
            !open(&site.get("/login").await),
            "{backend:?}: closed by default"
        );
        assert_eq!(
            site.get("/nodeinfo/2.1").await.json()["openRegistrations"],
            false
        );
        for (mode, expected) in [("invite", false), ("approval", true)] {
            chorus::storage::site::set_registration_mode(&site.app.db, mode)
                .await
                .unwrap();
            assert_eq!(open(&site.get("/login").await), expected, "{mode}");
            assert_eq!(
                site.get("/nodeinfo/2.1").await.json()["openRegistrations"],
                expected,
                "{mode}"
            );
        }
    }
}
