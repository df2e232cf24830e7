//! Federation as a peer sees it: following an author or the community from another server,
//! receiving posts, edits and deletions, and the inbox refusing what it cannot verify.

use std::time::{Duration, SystemTime};

use crate::support::peer::{Peer, send};
use crate::support::{AS_JSON, TestServer, backends, count_rows, eventually, url};
use axum::http::{HeaderValue, StatusCode};
use chorus::domain::Role;
use chorus::federation::{keys, outbox, remote};
use chorus::storage::{follows, remote as stored};
use serde_json::json;
use url::Url;

#[tokio::test]
async fn a_follower_gets_an_accept_then_every_create_update_and_delete() {
    for backend in backends() {
        let chorus = TestServer::with_workers(backend).await;
        chorus.create_user("alice", Role::Author).await;
        let peer = Peer::start(&["pat", "quinn"]).await;
        let alice = chorus.url("/@alice");
        let community = chorus.url("/@community");

        let f = peer.follow("pat", &alice);
        assert_eq!(
            peer.deliver("pat", &chorus.inbox_of("alice"), &f).await,
            StatusCode::ACCEPTED
        );
        let accept = eventually("an Accept of pat's Follow", || async {
            peer.received_of("Accept")
                .into_iter()
                .find(|r| r.body["object"]["id"] == f["id"])
        })
        .await;
        assert_eq!(accept.body["actor"], alice);
        assert_eq!(accept.body["object"]["type"], "Follow");
        let signature = accept
            .headers
            .get("signature-input")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(
            signature.contains(&format!("keyid=\"{alice}#main-key\"")),
            "{signature}"
        );
        assert!(accept.headers.contains_key("content-digest"));

        let q = peer.follow("quinn", &community);
        assert_eq!(
            peer.deliver("quinn", &chorus.inbox(), &q).await,
            StatusCode::ACCEPTED
        );
        eventually("an Accept from the community", || async {
            peer.received_of("Accept")
                .into_iter()
                .find(|r| r.body["actor"] == community)
        })
        .await;
        let followers = chorus
            .get_with("/@alice/followers", &[AS_JSON])
            .await
            .json();
        assert_eq!(followers["totalItems"], 1);

        let post = chorus
            .publish_post(
                "alice",
                "Hello peers",
                "First words.\n\n```rust\nfn main() {}\n```\n",
            )
            .await;
        let create = eventually("the Create", || async {
            peer.received_of("Create").into_iter().next()
        })
        .await;
        let article = &create.body["object"];
        assert_eq!(create.body["actor"], alice);
        assert_eq!(article["type"], "Article");
        assert_eq!(article["id"], post.as_str());
        assert_eq!(article["url"], post.as_str());
        assert_eq!(article["name"], "Hello peers");
        assert_eq!(article["summary"], "First words.");
        assert!(
            article["content"]
                .as_str()
                .unwrap()
                .contains("<span class=")
        );
        assert_eq!(
            article["to"][0],
            "https://www.w3.org/ns/activitystreams#Public"
        );
        assert!(
            article.get("attachment").is_none(),
            "no attachments on articles: Mastodon would drop the card"
        );
        let announce = eventually("the community's Announce", || async {
            peer.received_of("Announce").into_iter().next()
        })
        .await;
        assert_eq!(announce.body["actor"], community);
        assert_eq!(announce.body["object"]["type"], "Create");
        assert_eq!(announce.body["object"]["object"]["id"], post.as_str());

        chorus
            .publish_post("alice", "Hello peers", "First words, edited.")
            .await;
        let update = eventually("the Update", || async {
            peer.received_of("Update").into_iter().next()
        })
        .await;
        let updated = update.body["object"]["updated"]
            .as_str()
            .expect("an Update carries `updated`");
        assert!(
            updated > article["published"].as_str().unwrap(),
            "{updated} must be after the publication"
        );
        assert_eq!(update.body["object"]["summary"], "First words, edited.");

        chorus.delete(post.as_str()).await.unwrap();
        let delete = eventually("the Delete", || async {
            peer.received_of("Delete").into_iter().next()
        })
        .await;
        assert_eq!(delete.body["object"]["type"], "Tombstone");
        assert_eq!(delete.body["object"]["id"], post.as_str());
        let gone = chorus.get_with(post.path(), &[AS_JSON]).await;
        assert_eq!(gone.status, StatusCode::GONE);
        assert_eq!(gone.json()["type"], "Tombstone");

        // Undo(Follow): pat leaves.
        let undo = json!({"id": format!("{}#undo", f["id"].as_str().unwrap()), "type": "Undo", "actor": peer.actor("pat"), "object": f});
        assert_eq!(
            peer.deliver("pat", &chorus.inbox(), &undo).await,
            StatusCode::ACCEPTED
        );
        let followers = chorus
            .get_with("/@alice/followers", &[AS_JSON])
            .await
            .json();
        assert_eq!(followers["totalItems"], 0);
    }
}

#[tokio::test]
async fn two_chorus_sites_follow_each_others_authors_and_community() {
    for backend in backends() {
        let a = TestServer::with_workers(backend).await;
        let b = TestServer::with_workers(backend).await;
        a.create_user("alice", Role::Author).await;
        let bob = b.create_user("bob", Role::Author).await;
        let carol = b.create_user("carol", Role::Author).await;

        let bob_actor = keys::person_actor(&b.app, bob.id).await.unwrap();
        let carol_actor = keys::person_actor(&b.app, carol.id).await.unwrap();
        let alice_remote = remote::fetch_actor(&b.app.fed.data(), &url(&a.url("/@alice")))
            .await
            .unwrap();
        let community_remote = remote::fetch_actor(&b.app.fed.data(), &url(&a.url("/@community")))
            .await
            .unwrap();
        assert_eq!(community_remote.kind, "Group");
        outbox::follow(&b.app, &bob_actor, &alice_remote)
            .await
            .unwrap();
        outbox::follow(&b.app, &carol_actor, &community_remote)
            .await
            .unwrap();
        eventually("both follows accepted", || async {
            let bob_ok = follows::find_following(&b.app.db, bob_actor.id, alice_remote.id)
                .await
                .unwrap()
                .is_some_and(|f| f.1);
            let carol_ok = follows::find_following(&b.app.db, carol_actor.id, community_remote.id)
                .await
                .unwrap()
                .is_some_and(|f| f.1);
            (bob_ok && carol_ok).then_some(())
        })
        .await;
        let following = b
            .get_with("/@bob/following?page=1", &[AS_JSON])
            .await
            .json();
        assert_eq!(following["orderedItems"][0], a.url("/@alice"));

        // And the other way round: alice follows bob.
        let alice = a.user("alice").await;
        let alice_actor = keys::person_actor(&a.app, alice.id).await.unwrap();
        let bob_remote = remote::fetch_actor(&a.app.fed.data(), &url(&b.url("/@bob")))
            .await
            .unwrap();
        outbox::follow(&a.app, &alice_actor, &bob_remote)
            .await
            .unwrap();
        eventually("alice's follow accepted", || async {
            follows::find_following(&a.app.db, alice_actor.id, bob_remote.id)
                .await
                .unwrap()
                .filter(|f| f.1)
        })
        .await;

        let post = a
            .publish_post("alice", "Across sites", "Hello from A.")
            .await;
        let stored = eventually("the post stored on B", || async {
            stored::find_remote_object(&b.app.db, post.as_str())
                .await
                .unwrap()
        })
        .await;
        assert_eq!(stored.name.as_deref(), Some("Across sites"));
        assert!(stored.content.contains("Hello from A."));
        eventually("the community's Announce on B", || async {
            let n = count_rows(&b.app.db, "inbox_activities WHERE kind = 'Announce'").await;
            (n == 1).then_some(())
        })
        .await;

        a.publish_post("alice", "Across sites", "Hello again from A.")
            .await;
        eventually("the edit on B", || async {
            let o = stored::find_remote_object(&b.app.db, post.as_str())
                .await
                .unwrap()?;
            o.content.contains("Hello again").then_some(())
        })
        .await;

        a.delete(post.as_str()).await.unwrap();
        eventually("the deletion on B", || async {
            stored::find_remote_object(&b.app.db, post.as_str())
                .await
                .unwrap()?
                .deleted_at
                .map(|_| ())
        })
        .await;

        b.publish_post("bob", "From B", "Hello from B.").await;
        eventually("bob's post on A", || async {
            stored::find_remote_object(&a.app.db, &b.url("/posts/from-b"))
                .await
                .unwrap()
        })
        .await;
    }
}

#[tokio::test]
async fn a_late_create_does_not_undo_an_edit_that_overtook_it() {
    for backend in backends() {
        let chorus = TestServer::with_workers(backend).await;
        let alice = chorus.create_user("alice", Role::Author).await;
        let peer = Peer::start(&["pat"]).await;
        let alice_actor = keys::person_actor(&chorus.app, alice.id).await.unwrap();
        let pat = remote::fetch_actor(&chorus.app.fed.data(), &url(&peer.actor("pat")))
            .await
            .unwrap();
        outbox::follow(&chorus.app, &alice_actor, &pat)
            .await
            .unwrap();

        let essay = peer.object_url("essay");
        let version = |content: &str, updated: Option<&str>| {
            let mut doc = json!({
                "id": essay,
                "type": "Article",
                "attributedTo": peer.actor("pat"),
                "name": "Essay",
                "content": content,
                "published": "2026-11-20T10:00:00Z",
                "to": ["https://www.w3.org/ns/activitystreams#Public"],
                "cc": [format!("{}/followers", peer.actor("pat"))],
            });
            if let Some(at) = updated {
                doc["updated"] = json!(at);
            }
            doc
        };
        let inbox = chorus.inbox();
        let content = || async {
            stored::find_remote_object(&chorus.app.db, &essay)
                .await
                .unwrap()
                .expect("the essay is stored")
                .content
        };

        // Deliveries race: the edit arrives before the post it edits, then a stale edit.
        let edit = peer.activity(
            "pat",
            "Update",
            version("<p>Second draft</p>", Some("2026-11-20T11:00:00Z")),
        );
        assert_eq!(
            peer.deliver("pat", &inbox, &edit).await,
            StatusCode::ACCEPTED
        );
        let create = peer.create("pat", &version("<p>First draft</p>", None));
        assert_eq!(
            peer.deliver("pat", &inbox, &create).await,
            StatusCode::ACCEPTED
        );
        let stale = peer.activity(
            "pat",
            "Update",
            version("<p>Stale draft</p>", Some("2026-11-20T10:30:00Z")),
        );
        assert_eq!(
            peer.deliver("pat", &inbox, &stale).await,
            StatusCode::ACCEPTED
        );
        let now = content().await;
        assert!(now.contains("Second draft"), "{backend:?}: {now}");

        // A newer edit still applies.
        let newer = peer.activity(
            "pat",
            "Update",
            version("<p>Third draft</p>", Some("2026-11-20T12:00:00Z")),
        );
        assert_eq!(
            peer.deliver("pat", &inbox, &newer).await,
            StatusCode::ACCEPTED
        );
        let now = content().await;
        assert!(now.contains("Third draft"), "{backend:?}: {now}");
    }
}

/// Signs `body` for `inbox` with a Digest written by hand, so its algorithm name can be
/// lower case (as some servers send it).
fn sign_with_digest(
    peer: &Peer,
    who: &str,
    inbox: &Url,
    body: &[u8],
    digest: &str,
) -> axum::http::HeaderMap {
    use base64::Engine;
    let date = httpdate::fmt_http_date(SystemTime::now());
    let host = format!("{}:{}", inbox.host_str().unwrap(), inbox.port().unwrap());
    let signing = format!(
        "(request-target): post {}\nhost: {host}\ndate: {date}\ndigest: {digest}",
        inbox.path()
    );
    let sig = peer.key(who).sign_rsa_sha256(signing.as_bytes()).unwrap();
    let sig = base64::engine::general_purpose::STANDARD.encode(sig);
    let mut h = axum::http::HeaderMap::new();
    h.insert("date", HeaderValue::from_str(&date).unwrap());
    h.insert("digest", HeaderValue::from_str(digest).unwrap());
    h.insert(
        "content-type",
        HeaderValue::from_static("application/activity+json"),
    );
    let value = format!(
        "keyId=\"{}\",algorithm=\"rsa-sha256\",headers=\"(request-target) host date digest\",signature=\"{sig}\"",
        peer.key_id(who)
    );
    h.insert("signature", HeaderValue::from_str(&value).unwrap());
    let _ = body;
    h
}

#[tokio::test]
async fn the_inbox_refuses_what_it_cannot_verify_and_processes_each_activity_once() {
    use base64::Engine;
    for backend in backends() {
        let chorus = TestServer::with_workers(backend).await;
        chorus.create_user("alice", Role::Author).await;
        let peer = Peer::start(&["pat", "eve"]).await;
        let inbox = chorus.inbox();
        let alice = chorus.url("/@alice");
        let activity = peer.follow("pat", &alice);
        let body = serde_json::to_vec(&activity).unwrap();

        // Unsigned.
        let mut plain = axum::http::HeaderMap::new();
        plain.insert(
            "content-type",
            HeaderValue::from_static("application/activity+json"),
        );
        assert_eq!(
            send(&inbox, plain, body.clone()).await,
            StatusCode::UNAUTHORIZED,
            "unsigned"
        );

        // Tampered body: signed for one body, another sent.
        let headers = peer.sign("pat", &inbox, &body, SystemTime::now());
        let mut tampered = activity.clone();
        tampered["object"] = json!(chorus.url("/@community"));
        assert_eq!(
            send(&inbox, headers, serde_json::to_vec(&tampered).unwrap()).await,
            StatusCode::UNAUTHORIZED,
            "tampered"
        );

        // A Digest that does not match the body (and is what the signature covers).
        let wrong = format!(
            "SHA-256={}",
            base64::engine::general_purpose::STANDARD.encode([0u8; 32])
        );
        let headers = sign_with_digest(&peer, "pat", &inbox, &body, &wrong);
        assert_eq!(
            send(&inbox, headers, body.clone()).await,
            StatusCode::UNAUTHORIZED,
            "wrong digest"
        );

        // A Date from thirteen hours ago.
        let stale = SystemTime::now() - Duration::from_secs(13 * 3600);
        let headers = peer.sign("pat", &inbox, &body, stale);
        assert_eq!(
            send(&inbox, headers, body.clone()).await,
            StatusCode::UNAUTHORIZED,
            "stale date"
        );

        // Signed by eve, claiming to be pat.
        let headers = peer.sign("eve", &inbox, &body, SystemTime::now());
        assert_eq!(
            send(&inbox, headers, body.clone()).await,
            StatusCode::UNAUTHORIZED,
            "signer is not the actor"
        );

        // A key nobody publishes.
        let ghost = Peer::start(&["ghost"]).await;
        let mut headers = ghost.sign("ghost", &inbox, &body, SystemTime::now());
        let forged = headers["signature"].to_str().unwrap().replace(
            &ghost.key_id("ghost"),
            &format!("{}users/nobody#main-key", ghost.base),
        );
        headers.insert("signature", HeaderValue::from_str(&forged).unwrap());
        assert_eq!(
            send(&inbox, headers, body.clone()).await,
            StatusCode::UNAUTHORIZED,
            "unknown key"
        );

        assert_eq!(
            chorus.count("followers").await,
            0,
            "nothing refused may have an effect"
        );

        // A lower-case digest algorithm name is fine.
        let digest = format!(
            "sha-256={}",
            base64::engine::general_purpose::STANDARD
                .encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &body))
        );
        let headers = sign_with_digest(&peer, "pat", &inbox, &body, &digest);
        assert_eq!(
            send(&inbox, headers, body.clone()).await,
            StatusCode::ACCEPTED,
            "lower-case sha-256"
        );
        assert_eq!(chorus.count("followers").await, 1);

        // The same activity again: no second effect (one Accept only).
        assert_eq!(
            peer.deliver("pat", &inbox, &activity).await,
            StatusCode::ACCEPTED
        );
        assert_eq!(chorus.count("followers").await, 1);
        assert_eq!(
            count_rows(&chorus.app.db, "outgoing_activities WHERE kind = 'Accept'").await,
            1
        );

        // Bad JSON, signed: 400. An unknown type: accepted and ignored. Too large: 413.
        let garbage = b"{not json".to_vec();
        let headers = peer.sign("pat", &inbox, &garbage, SystemTime::now());
        assert_eq!(
            send(&inbox, headers, garbage).await,
            StatusCode::BAD_REQUEST
        );
        let odd = json!({"id": format!("{}/odd", peer.actor("pat")), "type": "Dance", "actor": peer.actor("pat")});
        assert_eq!(
            peer.deliver("pat", &inbox, &odd).await,
            StatusCode::ACCEPTED
        );
        let huge = json!({"id": format!("{}/big", peer.actor("pat")), "type": "Note", "actor": peer.actor("pat"), "content": "x".repeat(300 * 1024)});
        assert_eq!(
            peer.deliver("pat", &inbox, &huge).await,
            StatusCode::PAYLOAD_TOO_LARGE
        );
        assert_eq!(chorus.get("/healthz").await.status, StatusCode::OK);
    }
}
