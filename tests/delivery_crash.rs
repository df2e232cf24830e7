//! A crash in the middle of a fan-out loses nothing: `kill -9` the server while it delivers a
//! post to many inboxes, start it again, and every inbox ends up with the post.

/// The suite's harness; this test uses a part of it.
#[allow(dead_code)]
#[path = "support/mod.rs"]
mod support;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use chorus::domain::Role;
use chorus::storage::actors;
use chorus::storage::follows;
use chorus::storage::remote::{RemoteActorData, upsert_remote_actor};
use support::peer::Peer;
use support::{Binary, backends, post_md};

/// Followers on the loopback peer, each with its own inbox (no shared inbox).
const FOLLOWERS: usize = 300;
/// How long the peer takes to answer each delivery, so that the fan-out is still running
/// when the server is killed.
const INBOX_DELAY: Duration = Duration::from_millis(300);
/// Rows a killed PostgreSQL worker held stay leased for the queue's lease (30 s).
const RECOVERY: Duration = Duration::from_secs(90);

fn inboxes_with_create(peer: &Peer) -> HashSet<String> {
    peer.received_of("Create")
        .into_iter()
        .map(|r| r.path)
        .collect()
}

#[tokio::test]
async fn kill_9_during_a_fan_out_then_restart_delivers_to_every_inbox() {
    for backend in backends() {
        let mut bin = Binary::new(backend).await;
        bin.set_env("CHORUS_ALLOW_PRIVATE_NETWORKS", "true");
        let alice = bin.seed_user("alice", Role::Author).await;
        let peer = Peer::start_with(&[], INBOX_DELAY, false).await;

        let server = bin.serve().await;
        // Fetching the actor creates its keys.
        server
            .get_with("/@alice", &[("accept", "application/activity+json")])
            .await;
        let db = bin.db.connect().await;
        let local = actors::find_person_actor(&db, alice.id)
            .await
            .unwrap()
            .expect("alice's actor exists");
        let now = chorus::domain::time::now();
        for i in 0..FOLLOWERS {
            let uri = format!("{}users/f{i}", peer.base);
            let data = RemoteActorData {
                uri: uri.clone(),
                kind: "Person".into(),
                username: format!("f{i}"),
                domain: peer.base.authority().to_owned(),
                display_name: String::new(),
                url: None,
                icon_url: None,
                inbox: format!("{uri}/inbox"),
                shared_inbox: None,
                key_id: format!("{uri}#main-key"),
                public_key_pem: String::new(),
            };
            let remote = upsert_remote_actor(&db, &data, now).await.unwrap();
            follows::add_follower(&db, local.id, remote.id, &format!("{uri}/follow"), now)
                .await
                .unwrap();
        }

        bin.publish("alice", &post_md("Fan out", "To every follower."))
            .ok();
        let started = Instant::now();
        while inboxes_with_create(&peer).len() < 20 {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "deliveries did not start\n{}",
                server.log()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        drop(server); // SIGKILL
        let at_kill = inboxes_with_create(&peer).len();
        assert!(
            at_kill < FOLLOWERS,
            "the fan-out finished before the kill ({at_kill}); the test proves nothing"
        );

        let server = bin.serve().await;
        let started = Instant::now();
        loop {
            let done = inboxes_with_create(&peer).len();
            if done == FOLLOWERS {
                break;
            }
            assert!(
                started.elapsed() < RECOVERY,
                "only {done} of {FOLLOWERS} inboxes got the post after the restart ({at_kill} before the kill)\n{}",
                server.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        eprintln!(
            "{backend:?}: {at_kill} delivered before kill -9, all {FOLLOWERS} after the restart"
        );
        db.close().await;
    }
}
