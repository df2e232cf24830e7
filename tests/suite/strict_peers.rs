//! What a strict server (GoToSocial 0.20) needs of Chorus: its users can follow an author
//! Chorus has never heard of (their key ids answer a reduced actor that names its owner, and
//! they check every signed fetch's signer by WebFinger); Chorus asks for WebFinger as a JRD;
//! and a post's reply policy is published, with a `Reject` for a reply it does not allow.

use axum::http::StatusCode;
use serde_json::Value;

use crate::support::peer::Peer;
use crate::support::{TestServer, backends, eventually, post_md};

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

#[tokio::test]
async fn a_gotosocial_user_chorus_has_never_seen_follows_an_author() {
    for backend in backends() {
        let chorus = TestServer::with_workers(backend).await;
        chorus
            .create_user("alice", chorus::domain::Role::Author)
            .await;
        let gts = Peer::gotosocial(&["bob"]).await;
        assert!(gts.key_id("bob").ends_with("/users/bob/main-key"));

        let follow = gts.follow("bob", &chorus.url("/@alice"));
        assert_eq!(
            gts.deliver("bob", &chorus.inbox_of("alice"), &follow).await,
            StatusCode::ACCEPTED,
            "{backend:?}: the Follow of an actor whose key answers a reduced document"
        );
        let accepts = eventually("the Accept reaches the GoToSocial peer", || async {
            let a = gts.received_of("Accept");
            (!a.is_empty()).then_some(a)
        })
        .await;
        assert_eq!(accepts[0].body["object"]["id"], follow["id"], "{backend:?}");
        assert_eq!(chorus.count("followers").await, 1, "{backend:?}");
    }
}

#[tokio::test]
async fn the_instance_actor_is_found_by_webfinger() {
    for backend in backends() {
        let chorus = TestServer::spawn(backend).await;
        let domain = chorus.app.config.domain();
        let instance = chorus.url("/actor");
        let actor = chorus
            .get_with("/actor", &[("accept", "application/activity+json")])
            .await
            .json();
        assert_eq!(actor["preferredUsername"], domain.as_str());
        for resource in [format!("acct:{domain}@{domain}"), instance.clone()] {
            let encoded: String =
                url::form_urlencoded::byte_serialize(resource.as_bytes()).collect();
            let jrd = chorus
                .get(&format!("/.well-known/webfinger?resource={encoded}"))
                .await;
            assert_eq!(jrd.status, StatusCode::OK, "{backend:?}: {resource}");
            let links = jrd.json()["links"].clone();
            let selves: Vec<&Value> = links
                .as_array()
                .unwrap()
                .iter()
                .filter(|l| l["rel"] == "self")
                .collect();
            assert_eq!(selves[0]["href"], instance.as_str(), "{backend:?}");
        }
    }
}

#[tokio::test]
async fn webfinger_is_asked_for_as_a_jrd() {
    for backend in backends() {
        let chorus = TestServer::with_workers(backend).await;
        chorus
            .create_user("alice", chorus::domain::Role::Author)
            .await;
        let gts = Peer::gotosocial(&["bob"]).await;

        // Following by handle.
        let (_, followed) =
            chorus::actions::community::follow(&chorus.app, "alice", &gts.handle("bob"), true)
                .await
                .unwrap_or_else(|e| panic!("{backend:?}: following @{}: {e}", gts.handle("bob")));
        assert_eq!(followed, gts.actor("bob"));
        eventually("the Follow reaches the GoToSocial peer", || async {
            (!gts.received_of("Follow").is_empty()).then_some(())
        })
        .await;

        // "Reply from your server": the reader's server is found by WebFinger.
        let post = chorus.publish_post("alice", "Hello", "Some words.").await;
        let mut ask = url::Url::parse(&chorus.url("/interact")).unwrap();
        ask.query_pairs_mut()
            .append_pair("post", post.as_str())
            .append_pair("handle", &gts.handle("bob"));
        let answer = chorus
            .get(&format!("{}?{}", ask.path(), ask.query().unwrap()))
            .await;
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "{backend:?}: {}",
            answer.text()
        );
        let link = format!("{}authorize_interaction?uri=", gts.base);
        assert!(
            answer.text().contains(&link),
            "{backend:?}: no link to the reader's server: {}",
            answer.text()
        );
    }
}

/// The `canReply` sub-policy of the Article at `url`.
async fn can_reply(chorus: &TestServer, url: &url::Url) -> Value {
    let doc = chorus
        .get_with(url.path(), &[("accept", "application/activity+json")])
        .await
        .json();
    doc["interactionPolicy"]["canReply"].clone()
}

#[tokio::test]
async fn reply_policies_are_published_and_a_refused_reply_is_rejected() {
    for backend in backends() {
        let chorus = TestServer::with_workers(backend).await;
        chorus
            .create_user("alice", chorus::domain::Role::Author)
            .await;
        let open = chorus.publish_post("alice", "Open", "Talk to me.").await;
        let closed_md = post_md("Closed", "Just listen.").replace(
            "---\ntitle: Closed\n",
            "---\ntitle: Closed\nreplies: nobody\n",
        );
        let closed = chorus.publish("alice", &closed_md).await.unwrap();
        let followers_md = post_md("Friends", "Among friends.").replace(
            "---\ntitle: Friends\n",
            "---\ntitle: Friends\nreplies: followers\n",
        );
        let friends = chorus.publish("alice", &followers_md).await.unwrap();

        let alice = chorus.url("/@alice");
        assert_eq!(
            can_reply(&chorus, &open).await["automaticApproval"],
            serde_json::json!([PUBLIC]),
            "{backend:?}"
        );
        let nobody = can_reply(&chorus, &closed).await;
        assert_eq!(nobody["automaticApproval"], serde_json::json!([alice]));
        assert_eq!(nobody["manualApproval"], serde_json::json!([]));
        let followers = can_reply(&chorus, &friends).await;
        assert!(
            followers["automaticApproval"]
                .as_array()
                .unwrap()
                .contains(&serde_json::json!(format!("{alice}/followers")))
        );
        assert_eq!(followers["manualApproval"], serde_json::json!([PUBLIC]));

        let gts = Peer::gotosocial(&["bob"]).await;
        let note = gts
            .reply(&chorus, "bob", "n1", closed.as_str(), "<p>Hi</p>")
            .await;
        assert_eq!(chorus.count("comments").await, 0, "{backend:?}: not kept");
        let rejects = eventually("the Reject reaches the replier", || async {
            let r = gts.received_of("Reject");
            (!r.is_empty()).then_some(r)
        })
        .await;
        let reject = &rejects[0].body;
        assert_eq!(reject["object"], note["id"], "{backend:?}");
        assert_eq!(reject["target"], closed.as_str(), "{backend:?}");
        assert_eq!(reject["actor"], alice.as_str(), "{backend:?}");
    }
}
