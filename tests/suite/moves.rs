//! Account moves as Mastodon does them: an author names their other accounts (`alsoKnownAs`)
//! so that followers can be moved here, and moves their own followers to a new account
//! (`movedTo`, `Move`) once that account names them back.

use crate::support::forms::{Visitor, location};
use crate::support::peer::Peer;
use crate::support::{AS_JSON, TestServer, backends, select, send_queued, text_of};
use axum::http::StatusCode;
use chorus::actions::moves;
use chorus::domain::Role;
use chorus::storage::follows;
use serde_json::json;

#[tokio::test]
async fn an_author_moves_followers_to_an_account_that_names_them_and_only_then() {
    for backend in backends() {
        let server = TestServer::spawn(backend).await;
        let alice = server.create_user("alice", Role::Author).await;
        let bob = server.create_user("bob", Role::Author).await;
        let peer = Peer::start(&["pat"]).await;
        let follow = peer.follow("pat", &server.url("/@alice"));
        let status = peer
            .deliver("pat", &server.inbox_of("alice"), &follow)
            .await;
        assert_eq!(status, StatusCode::ACCEPTED);
        send_queued(&server.app).await;

        // Bob has not named alice yet: the move is refused and nothing changes.
        let mut browser = Visitor::signed_in(&server, &alice).await;
        let bob_handle = format!("@bob@{}", server.app.config.domain());
        let refused = browser
            .submit(
                "/account/move",
                "/account/move/out",
                &[("account", &bob_handle)],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        let why = text_of(&refused.html(), ".error").unwrap_or_default();
        assert!(why.contains("does not list"), "{backend:?}: {why}");
        let actor = server.get_with("/@alice", &[AS_JSON]).await.json();
        assert!(actor.get("movedTo").is_none(), "{actor}");
        send_queued(&server.app).await;
        assert!(peer.received_of("Move").is_empty());

        // Bob names alice as also his; his actor says so.
        let alice_handle = format!("@alice@{}", server.app.config.domain());
        let mut bobs = Visitor::signed_in(&server, &bob).await;
        let added = bobs
            .submit(
                "/account/move",
                "/account/move/aliases",
                &[("account", &alice_handle)],
            )
            .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text());
        let page = bobs.get(location(&added)).await;
        assert!(
            page.text().contains(&server.url("/@alice")),
            "{}",
            page.text()
        );
        let bob_actor = server.get_with("/@bob", &[AS_JSON]).await.json();
        assert_eq!(bob_actor["alsoKnownAs"], json!([server.url("/@alice")]));

        // Now the move goes through: movedTo on the actor, a notice on the page, and every
        // follower's server hears a Move naming bob.
        let moved = browser
            .submit(
                "/account/move",
                "/account/move/out",
                &[("account", &bob_handle)],
            )
            .await;
        assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.text());
        let actor = server.get_with("/@alice", &[AS_JSON]).await.json();
        assert_eq!(actor["movedTo"], server.url("/@bob"), "{backend:?}");
        let html = server.get("/@alice").await.html();
        let notice = text_of(&html, ".moved").expect("a moved notice on the author page");
        assert!(notice.contains(&server.url("/@bob")), "{notice}");
        assert!(select(&html, ".follow-hint").is_empty());
        send_queued(&server.app).await;
        let received = peer.received_of("Move");
        assert_eq!(received.len(), 1, "{backend:?}: {:?}", peer.received());
        let m = &received[0].body;
        assert_eq!(m["actor"], server.url("/@alice"));
        assert_eq!(m["object"], server.url("/@alice"));
        assert_eq!(m["target"], server.url("/@bob"));
        assert!(received[0].headers.contains_key("signature"));

        // A second move is refused.
        let again = moves::move_to(&server.app, &server.user("alice").await, &bob_handle).await;
        assert!(again.unwrap_err().to_string().contains("already moved"));
    }
}

#[tokio::test]
async fn a_move_to_a_remote_account_reads_its_aliases_from_its_server() {
    for backend in backends() {
        let server = TestServer::spawn(backend).await;
        server.create_user("alice", Role::Author).await;
        let peer = Peer::start(&["pat"]).await;
        let elsewhere = peer.object_url("alice-new");
        let mut doc = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": elsewhere, "type": "Person", "preferredUsername": "alice-new",
            "inbox": format!("{}inbox", peer.base),
        });
        peer.publish("alice-new", doc.clone());
        let alice = server.user("alice").await;
        let refused = moves::move_to(&server.app, &alice, &elsewhere).await;
        let why = refused.unwrap_err().to_string();
        assert!(why.contains("does not list"), "{backend:?}: {why}");
        assert!(server.user("alice").await.moved_to.is_none());

        doc["alsoKnownAs"] = json!([server.url("/@alice")]);
        peer.publish("alice-new", doc);
        let moved = moves::move_to(&server.app, &alice, &elsewhere).await;
        assert_eq!(moved.unwrap().moved_to.as_deref(), Some(elsewhere.as_str()));
    }
}

#[tokio::test]
async fn naming_other_accounts_checks_them_and_can_be_taken_back() {
    for backend in backends() {
        let server = TestServer::spawn(backend).await;
        let alice = server.create_user("alice", Role::Author).await;
        let peer = Peer::start(&["pat"]).await;
        let mut browser = Visitor::signed_in(&server, &alice).await;

        let pat = peer.actor("pat");
        let added = browser
            .submit(
                "/account/move",
                "/account/move/aliases",
                &[("account", &pat)],
            )
            .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text());
        let actor = server.get_with("/@alice", &[AS_JSON]).await.json();
        assert_eq!(actor["alsoKnownAs"], json!([pat]));

        for (bad, reason) in [
            ("not a handle", "neither an account URL nor a handle"),
            (server.url("/@alice").as_str(), "itself"),
        ] {
            let r = browser
                .submit(
                    "/account/move",
                    "/account/move/aliases",
                    &[("account", bad)],
                )
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
            let why = text_of(&r.html(), ".error").unwrap_or_default();
            assert!(why.contains(reason), "{bad}: {why}");
        }
        // A forged form changes nothing.
        let forged = browser
            .post("/account/move/aliases/remove", &[("account", &pat)])
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);

        let removed = browser
            .submit(
                "/account/move",
                "/account/move/aliases/remove",
                &[("account", &pat)],
            )
            .await;
        assert_eq!(removed.status, StatusCode::SEE_OTHER);
        let actor = server.get_with("/@alice", &[AS_JSON]).await.json();
        assert!(actor.get("alsoKnownAs").is_none(), "{actor}");
    }
}

#[tokio::test]
async fn when_a_followed_account_moves_its_local_followers_follow_the_new_one() {
    for backend in backends() {
        let server = TestServer::spawn(backend).await;
        server.create_user("alice", Role::Author).await;
        let peer = Peer::start(&["pat", "patnew", "other"]).await;
        let (pat, patnew) = (peer.actor("pat"), peer.actor("patnew"));
        chorus::actions::community::follow(&server.app, "alice", &pat, true)
            .await
            .expect("alice follows pat");
        let app = &server.app;
        let local = chorus::federation::keys::person_actor(app, server.user("alice").await.id)
            .await
            .unwrap();
        let remote_id = |uri: String| async move {
            chorus::storage::remote::find_remote_actor_by_uri(&app.db, &uri)
                .await
                .unwrap()
                .map(|a| a.id)
        };
        let pat_id = remote_id(pat.clone()).await.expect("pat is known");
        let (follow_id, _) = follows::find_following(&app.db, local.id, pat_id)
            .await
            .unwrap()
            .expect("a pending follow");
        let accept = peer.activity("pat", "Accept", json!(follow_id));
        assert_eq!(
            peer.deliver("pat", &server.inbox(), &accept).await,
            StatusCode::ACCEPTED
        );

        // A move to an account that does not name pat is refused; alice still follows pat.
        let mut wrong = peer.activity("pat", "Move", json!(pat));
        wrong["target"] = json!(peer.actor("other"));
        let status = peer.deliver("pat", &server.inbox(), &wrong).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{backend:?}");
        assert!(
            follows::find_following(&app.db, local.id, pat_id)
                .await
                .unwrap()
                .is_some()
        );

        // Someone else cannot move pat.
        let mut forged = peer.activity("other", "Move", json!(pat));
        forged["target"] = json!(patnew);
        let status = peer.deliver("other", &server.inbox(), &forged).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{backend:?}");

        peer.set_aliases("patnew", &[&pat]);
        let mut moved = peer.activity("pat", "Move", json!(pat));
        moved["target"] = json!(patnew);
        let status = peer.deliver("pat", &server.inbox(), &moved).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{backend:?}");
        assert!(
            follows::find_following(&app.db, local.id, pat_id)
                .await
                .unwrap()
                .is_none()
        );
        let patnew_id = remote_id(patnew.clone()).await.expect("patnew is known");
        assert!(
            follows::find_following(&app.db, local.id, patnew_id)
                .await
                .unwrap()
                .is_some()
        );
        send_queued(&server.app).await;
        let sent = peer.received_of("Follow");
        assert!(
            sent.iter().any(|r| r.body["object"] == json!(patnew)),
            "{backend:?}: {:?}",
            peer.received()
        );
        assert!(
            peer.received_of("Undo")
                .iter()
                .any(|r| r.body["object"]["object"] == json!(pat)),
            "{backend:?}: {:?}",
            peer.received()
        );
    }
}
