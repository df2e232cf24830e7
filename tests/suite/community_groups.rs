//! What group software (Lemmy, PieFed, Mbin: FEP-1b12) needs of the community: it announces
//! its authors' own activities, embedded; every post names the community it belongs to; it
//! relays what it accepts; its outbox backfills; posts sent to it are refused up front; and a
//! switched vote leaves no stale like.

use axum::http::StatusCode;
use serde_json::Value;

use crate::support::peer::{Peer, Received};
use crate::support::{AS_JSON, TestServer, backends, eventually};

/// A site with the author alice, and a peer whose `pat` follows alice and whose `lem` follows
/// the community (both accepted).
async fn site_with_followers(backend: crate::support::Backend) -> (TestServer, Peer) {
    let chorus = TestServer::with_workers(backend).await;
    chorus
        .create_user("alice", chorus::domain::Role::Author)
        .await;
    let peer = Peer::start(&["pat", "lem", "ray"]).await;
    for (who, whom) in [("pat", "/@alice"), ("lem", "/@community")] {
        let follow = peer.follow(who, &chorus.url(whom));
        assert_eq!(
            peer.deliver(who, &chorus.inbox(), &follow).await,
            StatusCode::ACCEPTED
        );
        eventually("the Accept", || async {
            peer.received_of("Accept")
                .into_iter()
                .find(|r| r.body["object"]["id"] == follow["id"])
        })
        .await;
    }
    (chorus, peer)
}

/// The first `Announce` whose embedded object is of `kind`.
async fn announced(peer: &Peer, kind: &str) -> Received {
    eventually(&format!("the community's Announce of a {kind}"), || async {
        peer.received_of("Announce")
            .into_iter()
            .find(|r| r.body["object"]["type"] == kind)
    })
    .await
}

fn names(list: &Value, id: &str) -> bool {
    list.as_array()
        .is_some_and(|items| items.iter().any(|i| i == id))
}

#[tokio::test]
async fn the_community_announces_the_authors_own_create_update_and_delete() {
    for backend in backends() {
        let (chorus, peer) = site_with_followers(backend).await;
        let community = chorus.url("/@community");
        let alice = chorus.url("/@alice");
        let post = chorus.publish_post("alice", "Grouped", "Words.").await;

        let create = eventually("the author's Create", || async {
            peer.received_of("Create").into_iter().next()
        })
        .await
        .body;
        let announce = announced(&peer, "Create").await.body;
        assert_eq!(announce["actor"], community, "{backend:?}");
        let embedded = &announce["object"];
        assert_eq!(embedded["id"], create["id"], "{backend:?}: the same Create");
        assert_eq!(embedded["actor"], alice, "{backend:?}: with its actor");
        assert_eq!(embedded["object"]["id"], post.as_str(), "{backend:?}");
        for doc in [&create, &create["object"], embedded, &embedded["object"]] {
            assert_eq!(doc["audience"], community, "{backend:?}: {doc}");
            assert!(names(&doc["cc"], &community), "{backend:?}: {doc}");
        }
        // The Create is served at its id.
        let id = url::Url::parse(create["id"].as_str().unwrap()).unwrap();
        let served = chorus.get_with(id.path(), &[AS_JSON]).await;
        assert_eq!(served.status, StatusCode::OK, "{backend:?}");
        assert_eq!(served.json()["id"], create["id"], "{backend:?}");
        assert_eq!(served.json()["type"], "Create", "{backend:?}");

        chorus
            .publish_post("alice", "Grouped", "Words, edited.")
            .await;
        let update = announced(&peer, "Update").await.body;
        assert_eq!(update["object"]["actor"], alice, "{backend:?}");
        assert_eq!(update["object"]["audience"], community, "{backend:?}");
        assert_eq!(update["object"]["object"]["id"], post.as_str());

        chorus.delete(post.as_str()).await.unwrap();
        let delete = announced(&peer, "Delete").await.body;
        assert_eq!(delete["object"]["actor"], alice, "{backend:?}");
        assert_eq!(delete["object"]["audience"], community, "{backend:?}");
        assert!(names(&delete["object"]["cc"], &community), "{backend:?}");
        assert_eq!(delete["object"]["object"]["id"], post.as_str());
    }
}

#[tokio::test]
async fn an_article_looked_up_by_url_names_its_community() {
    for backend in backends() {
        let chorus = TestServer::spawn(backend).await;
        chorus
            .create_user("alice", chorus::domain::Role::Author)
            .await;
        let post = chorus.publish_post("alice", "Placed", "Here.").await;
        let article = chorus.get_with(post.path(), &[AS_JSON]).await.json();
        let community = chorus.url("/@community");
        assert_eq!(article["audience"], community, "{backend:?}");
        assert!(names(&article["cc"], &community), "{backend:?}");
    }
}

#[tokio::test]
async fn the_community_outbox_backfills_with_inline_announces_of_creates() {
    for backend in backends() {
        let chorus = TestServer::spawn(backend).await;
        chorus
            .create_user("alice", chorus::domain::Role::Author)
            .await;
        let post = chorus
            .publish_post("alice", "Backfilled", "Old words.")
            .await;
        let community = chorus.url("/@community");
        let outbox = chorus
            .get_with("/@community/outbox", &[AS_JSON])
            .await
            .json();
        let page = chorus
            .get_with("/@community/outbox?page=1", &[AS_JSON])
            .await
            .json();
        for items in [&outbox["orderedItems"], &page["orderedItems"]] {
            let first = &items[0];
            assert_eq!(first["type"], "Announce", "{backend:?}: {items}");
            assert_eq!(first["actor"], community, "{backend:?}");
            assert_eq!(first["object"]["type"], "Create", "{backend:?}");
            assert_eq!(first["object"]["actor"], chorus.url("/@alice"));
            assert_eq!(first["object"]["object"]["id"], post.as_str());
            // Both the Announce and the Create it carries are served at their ids.
            for id in [&first["id"], &first["object"]["id"]] {
                let id = url::Url::parse(id.as_str().unwrap()).unwrap();
                let served = chorus.get_with(id.path(), &[AS_JSON]).await;
                assert_eq!(served.status, StatusCode::OK, "{backend:?}: {id}");
                assert_eq!(served.json()["id"], id.as_str(), "{backend:?}");
            }
        }
        // An author's outbox still lists their Creates.
        let alice = chorus
            .get_with("/@alice/outbox?page=1", &[AS_JSON])
            .await
            .json();
        assert_eq!(alice["orderedItems"][0]["type"], "Create", "{backend:?}");
    }
}

#[tokio::test]
async fn a_post_sent_to_the_community_is_refused_up_front_and_rejected() {
    for backend in backends() {
        let (chorus, peer) = site_with_followers(backend).await;
        let community = chorus.url("/@community");
        let group = chorus.get_with("/@community", &[AS_JSON]).await.json();
        assert_eq!(group["postingRestrictedToMods"], true, "{backend:?}");

        let page = serde_json::json!({
            "id": peer.object_url("page1"),
            "type": "Page",
            "attributedTo": peer.actor("lem"),
            "name": "My post in your community",
            "content": "<p>Hello</p>",
            "to": [community.as_str(), "https://www.w3.org/ns/activitystreams#Public"],
            "cc": [],
            "audience": community.as_str(),
        });
        let create = peer.create("lem", &page);
        assert_eq!(
            peer.deliver("lem", &chorus.inbox(), &create).await,
            StatusCode::ACCEPTED,
            "{backend:?}"
        );
        let reject = eventually("the community's Reject", || async {
            peer.received_of("Reject")
                .into_iter()
                .find(|r| r.body["object"] == page["id"])
        })
        .await;
        assert_eq!(reject.body["actor"], community, "{backend:?}");
        assert_eq!(reject.body["to"][0], peer.actor("lem"), "{backend:?}");
        assert!(
            peer.received_of("Announce")
                .iter()
                .all(|a| a.body["object"]["object"]["id"] != page["id"]),
            "{backend:?}: never announced"
        );
    }
}

#[tokio::test]
async fn a_switched_vote_leaves_no_stale_like() {
    for backend in backends() {
        let (chorus, peer) = site_with_followers(backend).await;
        let post = chorus.publish_post("alice", "Voted", "Vote on me.").await;
        let like = peer.activity("lem", "Like", serde_json::json!(post.as_str()));
        assert_eq!(
            peer.deliver("lem", &chorus.inbox(), &like).await,
            StatusCode::ACCEPTED
        );
        assert_eq!(chorus.count("reactions").await, 1, "{backend:?}");
        let dislike = peer.activity("lem", "Dislike", serde_json::json!(post.as_str()));
        assert_eq!(
            peer.deliver("lem", &chorus.inbox(), &dislike).await,
            StatusCode::ACCEPTED
        );
        assert_eq!(
            chorus.count("reactions").await,
            0,
            "{backend:?}: the like is gone"
        );
    }
}

#[tokio::test]
async fn the_announce_goes_to_an_inbox_only_after_the_authors_create_reached_it() {
    use chorus::storage::deliveries::{self, Outcome};
    for backend in backends() {
        // No workers: the test claims as a worker would.
        let chorus = TestServer::spawn(backend).await;
        chorus
            .create_user("alice", chorus::domain::Role::Author)
            .await;
        // pat follows alice and lem the community, on one server with one shared inbox.
        crate::support::add_remote_follower(&chorus, "alice", "pat").await;
        let community = chorus::federation::keys::community_actor(&chorus.app)
            .await
            .unwrap();
        crate::support::add_remote_follower_of(&chorus, &community, "lem").await;
        chorus
            .publish_post("alice", "Ordered", "First the Create.")
            .await;

        let claim = || async {
            let now = chrono::Utc::now();
            let rows = deliveries::claim_deliveries(
                &chorus.app.db,
                now,
                now + chrono::Duration::seconds(60),
                100,
                1000,
            )
            .await
            .unwrap();
            let mut kinds = Vec::new();
            for row in &rows {
                let doc = deliveries::find_outgoing_activity(&chorus.app.db, &row.activity_id)
                    .await
                    .unwrap()
                    .unwrap();
                kinds.push(doc["type"].as_str().unwrap().to_owned());
            }
            (rows, kinds)
        };
        let (rows, kinds) = claim().await;
        assert_eq!(kinds, ["Create"], "{backend:?}: the Announce waits");
        let outcomes: Vec<_> = rows.iter().map(|r| (r.id, Outcome::Delivered)).collect();
        deliveries::record_outcomes(&chorus.app.db, &outcomes, chrono::Utc::now())
            .await
            .unwrap();
        let (_, kinds) = claim().await;
        assert_eq!(kinds, ["Announce"], "{backend:?}: then it goes");
    }
}

/// The first relayed `Announce` whose embedded activity is of `kind` about `object`.
async fn relayed(peer: &Peer, kind: &str, object: &Value) -> Value {
    eventually(&format!("the community's relay of a {kind}"), || async {
        peer.received_of("Announce")
            .into_iter()
            .map(|r| r.body)
            .find(|b| {
                b["object"]["type"] == kind
                    && (b["object"]["object"] == *object || b["object"]["object"]["id"] == *object)
            })
    })
    .await
}

#[tokio::test]
async fn the_community_relays_accepted_replies_and_votes_to_its_followers() {
    for backend in backends() {
        let (chorus, peer) = site_with_followers(backend).await;
        let community = chorus.url("/@community");
        let post = chorus
            .publish_post("alice", "Discussed", "Say something.")
            .await;

        // A reply shown at once is relayed, as its author's own Create.
        let note = peer
            .reply(&chorus, "ray", "c1", post.as_str(), "<p>First!</p>")
            .await;
        let relay = relayed(&peer, "Create", &note["id"]).await;
        assert_eq!(relay["actor"], community, "{backend:?}");
        assert_eq!(relay["object"]["actor"], peer.actor("ray"), "{backend:?}");
        assert_eq!(relay["object"]["object"]["content"], "<p>First!</p>");

        // A reply that waits for review is relayed once approved.
        let md = crate::support::post_md("Among friends", "Followers first.").replace(
            "---\ntitle: Among friends\n",
            "---\ntitle: Among friends\nreplies: followers\n",
        );
        let friends = chorus.publish("alice", &md).await.unwrap();
        let waiting = peer
            .reply(&chorus, "ray", "c2", friends.as_str(), "<p>May I?</p>")
            .await;
        let stored = chorus::storage::comments::find_comment_by_uri(
            &chorus.app.db,
            waiting["id"].as_str().unwrap(),
        )
        .await
        .unwrap()
        .expect("kept for review");
        assert_eq!(
            stored.state,
            chorus::domain::comments::CommentState::Pending
        );
        chorus::actions::moderation::approve_comment(&chorus.app, stored.id)
            .await
            .unwrap();
        relayed(&peer, "Create", &waiting["id"]).await;

        // Votes and their Undo.
        let like = peer.activity("ray", "Like", serde_json::json!(post.as_str()));
        assert_eq!(
            peer.deliver("ray", &chorus.inbox(), &like).await,
            StatusCode::ACCEPTED
        );
        relayed(&peer, "Like", &serde_json::json!(post.as_str())).await;
        let undo = peer.activity("ray", "Undo", like.clone());
        assert_eq!(
            peer.deliver("ray", &chorus.inbox(), &undo).await,
            StatusCode::ACCEPTED
        );
        relayed(&peer, "Undo", &like["id"]).await;

        // The deletion of a relayed reply.
        let delete = peer.activity("ray", "Delete", note["id"].clone());
        assert_eq!(
            peer.deliver("ray", &chorus.inbox(), &delete).await,
            StatusCode::ACCEPTED
        );
        relayed(&peer, "Delete", &note["id"]).await;
    }
}

#[tokio::test]
async fn every_copy_of_an_article_names_a_first_page_of_its_replies() {
    for backend in backends() {
        let (chorus, peer) = site_with_followers(backend).await;
        let post = chorus
            .publish_post("alice", "Threaded", "Reply here.")
            .await;
        let replies = format!("{post}/replies");
        let create = eventually("the author's Create", || async {
            peer.received_of("Create").into_iter().next()
        })
        .await
        .body;
        let first = &create["object"]["replies"]["first"];
        assert_eq!(create["object"]["replies"]["id"], replies, "{backend:?}");
        assert_eq!(first["type"], "CollectionPage", "{backend:?}: {first}");
        assert_eq!(first["partOf"], replies, "{backend:?}");
        assert!(first["items"].is_array(), "{backend:?}: {first}");

        let note = peer
            .reply(&chorus, "ray", "t1", post.as_str(), "<p>Here.</p>")
            .await;
        let path = url::Url::parse(&replies).unwrap();
        let collection = chorus.get_with(path.path(), &[AS_JSON]).await.json();
        assert_eq!(collection["first"]["type"], "CollectionPage", "{backend:?}");
        assert_eq!(collection["first"]["items"][0], note["id"], "{backend:?}");
        let page = url::Url::parse(collection["first"]["id"].as_str().unwrap()).unwrap();
        let served = chorus
            .get_with(
                &format!("{}?{}", page.path(), page.query().unwrap()),
                &[AS_JSON],
            )
            .await
            .json();
        assert_eq!(served["items"][0], note["id"], "{backend:?}");
        assert_eq!(served["partOf"], replies, "{backend:?}");

        chorus
            .publish_post("alice", "Threaded", "Reply here, edited.")
            .await;
        let update = eventually("the author's Update", || async {
            peer.received_of("Update").into_iter().next()
        })
        .await
        .body;
        assert_eq!(
            update["object"]["replies"]["first"]["items"][0], note["id"],
            "{backend:?}"
        );
    }
}
