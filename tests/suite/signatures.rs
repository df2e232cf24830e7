//! Signatures that lead: deliveries are signed with RFC 9421 first and with draft-cavage for
//! an instance that refuses it (remembered, and offered RFC 9421 again after a while); every
//! local actor publishes an Ed25519 Multikey beside its RSA key; outgoing activities carry an
//! `eddsa-jcs-2022` integrity proof, and an incoming proof by the actor's key lets an activity
//! forwarded by another server in, while a proof that does not hold is refused.

use crate::support::peer::{Accepts, Peer};
use crate::support::{AS_JSON, TestServer, backends, eventually};
use axum::http::StatusCode;
use chorus::app::App;
use chorus::domain::Role;
use chorus::federation::integrity;
use chorus::federation::keys;
use chorus::queue::OutgoingActivity;
use chorus::storage::instances;
use chrono::Utc;
use serde_json::{Value, json};
use url::Url;

/// An activity by the instance actor, with a fresh id.
async fn activity(app: &App) -> OutgoingActivity {
    let actor = keys::instance_actor(app).await.expect("the instance actor");
    let actor_url = keys::actor_url(app, &actor).await.expect("its URL");
    let id = app
        .config
        .url(&format!("/activities/{}", uuid::Uuid::new_v4()));
    OutgoingActivity {
        id: id.clone(),
        local_actor_id: actor.id,
        kind: "Create".into(),
        payload: json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": id.as_str(),
            "type": "Create",
            "actor": actor_url.as_str(),
            "object": "https://social.example/notes/1",
        }),
        after: None,
    }
}

/// Queues `activity` for `inbox` and waits until the peer took it; gives the attempts that
/// carried it, in order.
async fn deliver(
    app: &App,
    peer: &Peer,
    inbox: &Url,
    activity: &OutgoingActivity,
) -> Vec<(&'static str, u16)> {
    chorus::federation::enqueue::enqueue(app, activity, std::slice::from_ref(inbox))
        .await
        .expect("queued");
    let id = activity.id.as_str();
    eventually("the peer to take the delivery", || async {
        let of_it: Vec<_> = peer
            .attempts()
            .into_iter()
            .filter(|a| a.body["id"] == id)
            .collect();
        of_it
            .iter()
            .any(|a| a.status == StatusCode::ACCEPTED)
            .then(|| {
                of_it
                    .iter()
                    .map(|a| (a.scheme, a.status.as_u16()))
                    .collect()
            })
    })
    .await
}

async fn remembered(app: &App, peer: &Peer) -> Option<String> {
    eventually("the scheme to be stored", || async {
        Some(
            instances::find_signature_scheme(&app.db, &peer.domain())
                .await
                .expect("storage"),
        )
    })
    .await
    .map(|(scheme, _)| scheme)
}

#[tokio::test]
async fn a_peer_that_verifies_rfc9421_gets_rfc9421_signatures_first() {
    for backend in backends() {
        let chorus = TestServer::with_workers(backend).await;
        let app = &chorus.app;
        let peer = Peer::verifying(&["pat"], Accepts::Both).await;
        let inbox = Url::parse(&format!("{}/inbox", peer.actor("pat"))).unwrap();
        let first = activity(app).await;

        assert_eq!(
            deliver(app, &peer, &inbox, &first).await,
            vec![("rfc9421", 202)]
        );
        let taken = peer.received();
        let headers = &taken.last().expect("received").headers;
        let input = headers["signature-input"].to_str().unwrap();
        let signer = keys::instance_signer(app).await.unwrap();
        for part in [
            "(\"@method\" \"@target-uri\" \"content-digest\")",
            ";created=",
            &format!("keyid=\"{}\"", signer.key_id),
        ] {
            assert!(input.contains(part), "{input} has {part}");
        }
        assert!(!input.contains("accept"), "Accept is not signed: {input}");
        assert!(headers.contains_key("content-digest"));
        assert!(!headers.contains_key("digest"), "no draft-cavage Digest");
        eventually("rfc9421 to be remembered", || async {
            (remembered(app, &peer).await.as_deref() == Some("rfc9421")).then_some(())
        })
        .await;

        // The next delivery is RFC 9421 again, once.
        let second = activity(app).await;
        assert_eq!(
            deliver(app, &peer, &inbox, &second).await,
            vec![("rfc9421", 202)]
        );
    }
}

#[tokio::test]
async fn a_cavage_only_peer_still_gets_the_delivery_and_is_remembered_as_cavage() {
    for backend in backends() {
        let chorus = TestServer::with_workers(backend).await;
        let app = &chorus.app;
        let peer = Peer::verifying(&["pat"], Accepts::CavageOnly).await;
        let inbox = Url::parse(&format!("{}/inbox", peer.actor("pat"))).unwrap();

        let first = activity(app).await;
        assert_eq!(
            deliver(app, &peer, &inbox, &first).await,
            vec![("rfc9421", 401), ("cavage", 202)],
            "refused with RFC 9421, sent again at once with draft-cavage"
        );
        eventually("the delivery to be recorded as done", || async {
            let rows = chorus::storage::deliveries::list_deliveries_of_activity(
                &app.db,
                first.id.as_str(),
            )
            .await
            .unwrap();
            (rows.len() == 1
                && rows[0].status == chorus::storage::deliveries::DeliveryStatus::Done
                && rows[0].attempts == 1)
                .then_some(())
        })
        .await;
        eventually("cavage to be remembered", || async {
            (remembered(app, &peer).await.as_deref() == Some("cavage")).then_some(())
        })
        .await;

        // Remembered: the next delivery goes out with draft-cavage straight away.
        let second = activity(app).await;
        assert_eq!(
            deliver(app, &peer, &inbox, &second).await,
            vec![("cavage", 202)]
        );

        // After a week RFC 9421 is offered again; still refused, the instance stays on cavage
        // and the week starts over.
        let long_ago = Utc::now() - chrono::Duration::days(8);
        instances::record_signature_scheme(&app.db, &peer.domain(), "cavage", long_ago)
            .await
            .unwrap();
        let third = activity(app).await;
        assert_eq!(
            deliver(app, &peer, &inbox, &third).await,
            vec![("rfc9421", 401), ("cavage", 202)]
        );
        eventually("the re-probe to be stored", || async {
            let (scheme, at) = instances::find_signature_scheme(&app.db, &peer.domain())
                .await
                .unwrap()?;
            (scheme == "cavage" && at > long_ago + chrono::Duration::days(7)).then_some(())
        })
        .await;
    }
}

/// The actor document at `url` on `chorus`.
async fn actor_doc(chorus: &TestServer, path: &str) -> Value {
    chorus.get_with(path, &[AS_JSON]).await.json()
}

#[tokio::test]
async fn actors_publish_an_ed25519_multikey_and_activities_carry_a_proof_by_it() {
    for backend in backends() {
        let chorus = TestServer::with_workers(backend).await;
        chorus.create_user("alice", Role::Author).await;
        let alice = chorus.url("/@alice");
        for (path, id) in [
            ("/@alice", alice.clone()),
            ("/@community", chorus.url("/@community")),
            ("/actor", chorus.url("/actor")),
        ] {
            let doc = actor_doc(&chorus, path).await;
            let context = doc["@context"].to_string();
            assert!(
                context.contains("https://w3id.org/security/multikey/v1"),
                "{context}"
            );
            assert!(context.contains("https://w3id.org/security/data-integrity/v1"));
            // Defined, or JSON-LD readers (Fedify) drop the key.
            assert!(context.contains("https://w3id.org/security#assertionMethod"));
            let key = &doc["assertionMethod"][0];
            assert_eq!(key["id"], format!("{id}#ed25519-key"), "{path}");
            assert_eq!(key["type"], "Multikey");
            assert_eq!(key["controller"], id);
            let multibase = key["publicKeyMultibase"].as_str().unwrap();
            assert!(
                multibase.starts_with("z6Mk"),
                "an Ed25519 multikey: {multibase}"
            );
            assert!(
                doc["publicKey"]["publicKeyPem"].is_string(),
                "the RSA key stays"
            );
            // The same key every time.
            assert_eq!(
                actor_doc(&chorus, path).await["assertionMethod"],
                doc["assertionMethod"]
            );
        }

        // A follower's Accept carries alice's proof, which verifies with her published key.
        let peer = Peer::start(&["pat"]).await;
        let follow = peer.follow("pat", &alice);
        assert_eq!(
            peer.deliver("pat", &chorus.inbox_of("alice"), &follow)
                .await,
            StatusCode::ACCEPTED
        );
        let accept = eventually("an Accept", || async {
            peer.received_of("Accept").into_iter().next()
        })
        .await;
        let proof = &accept.body["proof"];
        assert_eq!(proof["type"], "DataIntegrityProof");
        assert_eq!(proof["cryptosuite"], "eddsa-jcs-2022");
        assert_eq!(proof["proofPurpose"], "assertionMethod");
        assert_eq!(proof["verificationMethod"], format!("{alice}#ed25519-key"));
        let doc = actor_doc(&chorus, "/@alice").await;
        let key = integrity::parse_public_multibase(
            doc["assertionMethod"][0]["publicKeyMultibase"]
                .as_str()
                .unwrap(),
        )
        .unwrap();
        integrity::verify(&accept.body, &key).expect("the proof verifies with alice's key");
        let mut changed = accept.body.clone();
        changed["object"] = json!("https://elsewhere.example/follows/1");
        assert!(
            integrity::verify(&changed, &key).is_err(),
            "and covers the whole activity"
        );
    }
}

#[tokio::test]
async fn a_forwarded_activity_is_taken_on_a_valid_proof_and_refused_on_a_bad_one() {
    for backend in backends() {
        let chorus = TestServer::with_workers(backend).await;
        chorus.create_user("alice", Role::Author).await;
        let alice = chorus.url("/@alice");
        let author = Peer::start(&["pat"]).await;
        let relay = Peer::start(&["relay"]).await;
        let inbox = chorus.inbox_of("alice");

        // Without a proof, a Follow by pat signed by another server's actor is refused.
        let follow = author.follow("pat", &alice);
        assert_eq!(
            relay.deliver("relay", &inbox, &follow).await,
            StatusCode::UNAUTHORIZED
        );

        // A proof by pat's key that does not hold (the activity changed after signing): 401,
        // nothing stored.
        let mut tampered = author.prove("pat", &author.follow("pat", &alice));
        tampered["id"] = json!(format!("{}/changed", author.actor("pat")));
        assert_eq!(
            relay.deliver("relay", &inbox, &tampered).await,
            StatusCode::UNAUTHORIZED
        );
        // A proof by another actor's key does not speak for pat either.
        let mut borrowed = relay.prove("relay", &author.follow("pat", &alice));
        borrowed["proof"]["verificationMethod"] = json!(author.ed25519_key_id("pat"));
        assert_eq!(
            relay.deliver("relay", &inbox, &borrowed).await,
            StatusCode::UNAUTHORIZED
        );
        let foreign = relay.prove("relay", &author.follow("pat", &alice));
        assert_eq!(
            relay.deliver("relay", &inbox, &foreign).await,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(chorus.count("followers").await, 0);

        // With pat's proof, the Follow forwarded by the other server is taken: pat follows.
        let proven = author.prove("pat", &follow);
        assert_eq!(
            relay.deliver("relay", &inbox, &proven).await,
            StatusCode::ACCEPTED
        );
        eventually("alice's Accept to reach pat", || async {
            author
                .received_of("Accept")
                .into_iter()
                .find(|r| r.body["object"]["id"] == follow["id"])
        })
        .await;
        assert_eq!(chorus.count("followers").await, 1);
    }
}

#[tokio::test]
async fn a_peers_own_proofed_activity_is_taken_and_checked() {
    for backend in backends() {
        let chorus = TestServer::with_workers(backend).await;
        chorus.create_user("alice", Role::Author).await;
        let alice = chorus.url("/@alice");
        let peer = Peer::start(&["pat"]).await;
        let inbox = chorus.inbox_of("alice");
        // Signed by its own actor and proven: taken.
        let follow = peer.prove("pat", &peer.follow("pat", &alice));
        assert_eq!(
            peer.deliver("pat", &inbox, &follow).await,
            StatusCode::ACCEPTED
        );
        // Signed by its own actor but with a proof that does not hold: refused, as a proof
        // says more than the request's signature.
        let mut bad = peer.prove("pat", &peer.follow("pat", &chorus.url("/@community")));
        bad["object"] = json!(alice);
        assert_eq!(
            peer.deliver("pat", &chorus.inbox(), &bad).await,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            chorus.count("followers").await,
            1,
            "only the first Follow was taken"
        );
    }
}
