//! Pinned posts: an author pins published posts to their profile from the editor or with
//! `pinned: true` in a file's front matter. The actor's `featured` collection, which Mastodon,
//! Takahē and Lemmy show as pinned posts, holds exactly those; followers' servers hear of each
//! change as `Add` or `Remove`, as Mastodon sends them.

use axum::http::StatusCode;
use chorus::domain::Role;
use chorus::storage::posts::find_post_by_slug;

use crate::support::editor::{Writer, location};
use crate::support::peer::Peer;
use crate::support::{AS_JSON, TestServer, backends, eventually, post_md};

async fn featured(chorus: &TestServer, name: &str) -> Vec<String> {
    let doc = chorus
        .get_with(&format!("/@{name}/featured"), &[AS_JSON])
        .await
        .json();
    doc["orderedItems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn an_author_pins_and_unpins_and_followers_servers_hear_of_it() {
    for backend in backends() {
        let chorus = TestServer::with_workers(backend).await;
        let alice = Writer::sign_up(&chorus.site, "alice", Role::Author).await;
        let peer = Peer::start(&["pat"]).await;
        let follow = peer.follow("pat", &chorus.url("/@alice"));
        assert_eq!(
            peer.deliver("pat", &chorus.inbox_of("alice"), &follow)
                .await,
            StatusCode::ACCEPTED
        );
        let post = chorus
            .publish_post("alice", "Start here", "The tour.")
            .await;
        let other = chorus.publish_post("alice", "Later", "More.").await;
        assert!(featured(&chorus, "alice").await.is_empty(), "{backend:?}");
        let id = find_post_by_slug(&chorus.app.db, "start-here")
            .await
            .unwrap()
            .unwrap()
            .id;

        // The editor offers the pin for a published post, and pinning shows on the profile.
        let page = alice.get(&format!("/editor/posts/{id}")).await;
        assert!(page.text().contains("Pin to my profile"), "{backend:?}");
        let done = alice
            .post(&format!("/editor/posts/{id}/pin"), &[("pinned", "true")])
            .await;
        assert!(location(&done).ends_with("?done=pinned"), "{backend:?}");
        assert_eq!(featured(&chorus, "alice").await, [post.to_string()]);
        let add = eventually("pat's server hears of the pin", || async {
            peer.received_of("Add").into_iter().next()
        })
        .await;
        assert_eq!(add.body["actor"], chorus.url("/@alice"));
        assert_eq!(add.body["object"], post.as_str());
        assert_eq!(add.body["target"], chorus.url("/@alice/featured"));
        let page = alice.get(&format!("/editor/posts/{id}")).await;
        assert!(page.text().contains("Unpin from my profile"), "{backend:?}");

        // A file's front matter pins too; the latest pin comes first.
        chorus
            .publish("alice", "---\ntitle: Later\npinned: true\n---\nMore.\n")
            .await
            .unwrap();
        assert_eq!(
            featured(&chorus, "alice").await,
            [other.to_string(), post.to_string()]
        );

        // Unpinning: gone from `featured`, and a `Remove` follows.
        alice
            .post(&format!("/editor/posts/{id}/pin"), &[("pinned", "false")])
            .await;
        assert_eq!(featured(&chorus, "alice").await, [other.to_string()]);
        let remove = eventually("pat's server hears of the unpin", || async {
            peer.received_of("Remove").into_iter().next()
        })
        .await;
        assert_eq!(remove.body["object"], post.as_str());
        assert_eq!(remove.body["target"], chorus.url("/@alice/featured"));
        // The community features what its authors pinned.
        assert_eq!(featured(&chorus, "community").await, [other.to_string()]);
    }
}

#[tokio::test]
async fn pins_are_for_published_posts_of_ones_own_and_only_five() {
    for backend in backends() {
        let chorus = TestServer::spawn(backend).await;
        let alice = Writer::sign_up(&chorus.site, "alice", Role::Author).await;
        let bob = Writer::sign_up(&chorus.site, "bob", Role::Author).await;
        for i in 1..=6 {
            chorus
                .publish("alice", &post_md(&format!("Post {i}"), "Text."))
                .await
                .unwrap();
        }
        chorus
            .publish("alice", "---\ntitle: Draft\ndraft: true\n---\nText.\n")
            .await
            .unwrap();
        let id = |slug: &'static str| {
            let db = chorus.app.db.clone();
            async move { find_post_by_slug(&db, slug).await.unwrap().unwrap().id }
        };

        // Someone else's post: refused, nothing pinned.
        let refused = bob
            .post(
                &format!("/editor/posts/{}/pin", id("post-1").await),
                &[("pinned", "true")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{backend:?}");
        // A draft cannot be pinned from the editor.
        let draft = alice
            .post(
                &format!("/editor/posts/{}/pin", id("draft").await),
                &[("pinned", "true")],
            )
            .await;
        assert_eq!(draft.status, StatusCode::BAD_REQUEST, "{backend:?}");
        // Without the session's CSRF token: refused.
        let forged = alice
            .post_raw(
                &format!("/editor/posts/{}/pin", id("post-1").await),
                &[("pinned", "true"), ("csrf", "forged")],
                &[],
            )
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{backend:?}");
        assert!(featured(&chorus, "alice").await.is_empty(), "{backend:?}");

        for slug in ["post-1", "post-2", "post-3", "post-4", "post-5"] {
            let r = alice
                .post(
                    &format!("/editor/posts/{}/pin", id(slug).await),
                    &[("pinned", "true")],
                )
                .await;
            assert!(
                r.status.is_redirection(),
                "{backend:?} {slug}: {}",
                r.status
            );
        }
        let sixth = alice
            .post(
                &format!("/editor/posts/{}/pin", id("post-6").await),
                &[("pinned", "true")],
            )
            .await;
        assert_eq!(sixth.status, StatusCode::BAD_REQUEST, "{backend:?}");
        assert!(sixth.text().contains("up to 5"), "{}", sixth.text());
        assert_eq!(featured(&chorus, "alice").await.len(), 5, "{backend:?}");
        // The command line gets the same refusal, and publishes nothing half-way.
        let err = chorus
            .publish("alice", "---\ntitle: Post 6\npinned: true\n---\nText.\n")
            .await
            .unwrap_err();
        assert!(err.contains("up to 5"), "{err}");
    }
}
