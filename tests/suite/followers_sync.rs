//! Followers collection synchronization (FEP-8fcf), as Mastodon does it: deliveries carry a
//! `Collection-Synchronization` header with a digest of the sender's followers on the
//! receiving server, whose partial collection Chorus serves to that server, signed; and a
//! header Chorus receives makes it drop the follows the other server does not know of and take
//! back those it has but Chorus does not.

use std::time::{Duration, SystemTime};

use axum::http::StatusCode;
use chorus::domain::Role;
use chorus::federation::followers_sync::{SyncHeader, digest};
use chorus::federation::keys;
use chorus::storage::{follows, remote as stored};
use serde_json::json;
use url::Url;

use crate::support::peer::{Peer, send};
use crate::support::{AS_JSON, TestServer, backends, eventually};

#[tokio::test]
async fn deliveries_carry_the_digest_of_the_followers_on_each_server_and_its_part_is_served_signed()
{
    for backend in backends() {
        let chorus = TestServer::with_workers(backend).await;
        chorus.create_user("alice", Role::Author).await;
        let peer = Peer::start(&["pat", "quinn"]).await;
        let alice = chorus.url("/@alice");
        for who in ["pat", "quinn"] {
            let f = peer.follow(who, &alice);
            assert_eq!(
                peer.deliver(who, &chorus.inbox_of("alice"), &f).await,
                StatusCode::ACCEPTED
            );
        }
        chorus.publish_post("alice", "Synchronized", "Text.").await;
        let create = eventually("the Create", || async {
            peer.received_of("Create").into_iter().next()
        })
        .await;
        let value = create
            .headers
            .get("collection-synchronization")
            .expect("a Collection-Synchronization header")
            .to_str()
            .unwrap();
        let header = SyncHeader::parse(value).expect("a header that reads");
        assert_eq!(
            header.collection_id,
            format!("{alice}/followers"),
            "{backend:?}"
        );
        assert_eq!(header.url, format!("{alice}/followers_synchronization"));
        let both = [peer.actor("pat"), peer.actor("quinn")];
        assert_eq!(header.digest, digest(both.iter().map(String::as_str)));

        // The part on the peer's server, to the peer's server only, signed.
        let url = Url::parse(&header.url).unwrap();
        let unsigned = chorus.get_with(url.path(), &[AS_JSON]).await;
        assert_eq!(unsigned.status, StatusCode::UNAUTHORIZED, "{backend:?}");
        let signed = peer.sign_get("pat", &url);
        let mut headers: Vec<(&str, &str)> = signed
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        headers.push(AS_JSON);
        let part = chorus.get_with(url.path(), &headers).await;
        assert_eq!(part.status, StatusCode::OK, "{backend:?}: {}", part.text());
        let mut items: Vec<String> = part.json()["orderedItems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect();
        items.sort();
        assert_eq!(items, both);
    }
}

#[tokio::test]
async fn a_differing_digest_drops_the_follows_the_followed_server_does_not_know_of() {
    for backend in backends() {
        let chorus = TestServer::with_workers(backend).await;
        chorus.create_user("alice", Role::Author).await;
        chorus.create_user("bob", Role::Author).await;
        let peer = Peer::start(&["pat"]).await;
        let pat = peer.actor("pat");
        // Alice and the community follow pat, and pat accepted both.
        for local in ["alice", "community"] {
            chorus::actions::community::follow(&chorus.app, local, &peer.handle("pat"), true)
                .await
                .unwrap();
        }
        let follows = eventually("both Follows", || async {
            let f = peer.received_of("Follow");
            (f.len() == 2).then_some(f)
        })
        .await;
        for f in &follows {
            let accept = peer.activity("pat", "Accept", f.body.clone());
            assert_eq!(
                peer.deliver("pat", &chorus.inbox(), &accept).await,
                StatusCode::ACCEPTED
            );
        }
        let remote = stored::find_remote_actor_by_uri(&chorus.app.db, &pat)
            .await
            .unwrap()
            .unwrap();
        let following = || async {
            follows::local_followers_of(&chorus.app.db, remote.id)
                .await
                .unwrap()
        };
        assert_eq!(following().await.len(), 2, "{backend:?}");
        let (alice, community, bob) = (
            chorus.url("/@alice"),
            chorus.url("/@community"),
            chorus.url("/@bob"),
        );
        // Pat's server thinks the community and bob follow pat, not alice.
        peer.publish(
            "sync",
            json!({"id": peer.object_url("sync"), "type": "OrderedCollection",
                   "orderedItems": [community, bob]}),
        );
        let deliver = |digest: String, url: String| {
            let (peer, chorus, pat) = (&peer, &chorus, &pat);
            async move {
                let note = json!({
                    "id": format!("{}/{}", peer.object_url("note"), uuid::Uuid::new_v4()),
                    "type": "Note", "attributedTo": pat, "content": "<p>Hello</p>",
                    "to": ["https://www.w3.org/ns/activitystreams#Public"],
                    "cc": [format!("{pat}/followers")],
                });
                let body = serde_json::to_vec(&peer.create("pat", &note)).unwrap();
                let inbox = chorus.inbox();
                let mut headers = peer.sign("pat", &inbox, &body, SystemTime::now());
                let header = SyncHeader {
                    collection_id: format!("{pat}/followers"),
                    url,
                    digest,
                };
                headers.insert(
                    "collection-synchronization",
                    header.render().parse().unwrap(),
                );
                send(&inbox, headers, body).await
            }
        };
        let sync_fetches = || {
            peer.fetches()
                .iter()
                .filter(|f| f.contains("/objects/sync"))
                .count()
        };
        // A digest that matches the follows here, or one naming another server: nothing read.
        let ours = digest([alice.as_str(), community.as_str()]);
        assert_eq!(
            deliver(ours, peer.object_url("sync")).await,
            StatusCode::ACCEPTED
        );
        let elsewhere = "https://elsewhere.example/sync".to_owned();
        assert_eq!(
            deliver("00".repeat(32), elsewhere).await,
            StatusCode::ACCEPTED
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(sync_fetches(), 0, "{backend:?}");
        assert_eq!(following().await.len(), 2, "{backend:?}");

        // A differing digest: the part is read, alice's follow dropped, bob's taken back.
        let theirs = digest([community.as_str(), bob.as_str()]);
        assert_eq!(
            deliver(theirs.clone(), peer.object_url("sync")).await,
            StatusCode::ACCEPTED
        );
        let undo = eventually("an Undo of bob's follow", || async {
            peer.received_of("Undo")
                .into_iter()
                .find(|u| u.body["actor"] == bob)
        })
        .await;
        assert_eq!(undo.body["object"]["type"], "Follow");
        assert_eq!(undo.body["object"]["object"], pat);
        let community_actor = keys::community_actor(&chorus.app).await.unwrap();
        assert_eq!(following().await, [community_actor.id], "{backend:?}");
        assert_eq!(sync_fetches(), 1, "{backend:?}");
        // Asked again within the hour: not read again.
        assert_eq!(
            deliver(theirs, peer.object_url("sync")).await,
            StatusCode::ACCEPTED
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(sync_fetches(), 1, "{backend:?}");
    }
}
