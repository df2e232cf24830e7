//! A post written from the command line and one written in the editor go through one write
//! path: the same slug belongs to one post whoever asks, `updated` moves forward on every
//! change whichever way it comes, and saving unchanged text sends followers nothing.

use axum::http::StatusCode;
use chorus::domain::Role;

use crate::support::editor::{Writer, location, sent_by};
use crate::support::{TestApp, add_remote_follower, backends, post_md};

/// When the Article at `slug` last changed, as other servers read it: `updated`, or
/// `published` before any edit.
async fn updated(site: &TestApp, slug: &str) -> String {
    // What the command line changed reaches the site's page cache as a running server's
    // watch would bring it.
    site.app.content_changed().await;
    let doc = site
        .get_with(
            &format!("/posts/{slug}"),
            &[("accept", "application/activity+json")],
        )
        .await
        .json();
    doc["updated"]
        .as_str()
        .or(doc["published"].as_str())
        .unwrap_or_else(|| panic!("no date in {doc}"))
        .to_owned()
}

#[tokio::test]
async fn the_command_line_and_the_editor_follow_the_same_rules() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        let bob = Writer::sign_up(&site, "bob", Role::Author).await;
        let alice = Writer::sign_up(&site, "alice", Role::Author).await;
        add_remote_follower(&site, "alice", "reader").await;

        // Bob has the slug `shared`; neither way may take it from him, and both say so alike.
        let mine = bob
            .post(
                "/editor/new",
                &[
                    ("title", "Bob's"),
                    ("slug", "shared"),
                    ("body", "Bob wrote this."),
                    ("action", "publish"),
                ],
            )
            .await;
        assert_eq!(mine.status, StatusCode::SEE_OTHER, "{}", mine.text());
        let taken = "the slug \"shared\" belongs to a post by bob; choose another slug";
        let file = site.db.dir.path().join("shared.md");
        let text = "---\ntitle: Alice's\nslug: shared\n---\nAlice wrote this.\n";
        std::fs::write(&file, text).unwrap();
        let file = file.display().to_string();
        site.command_line(&["post", "publish", "--author", "alice", &file], None)
            .fails_with(taken);
        let refused = alice
            .post(
                "/editor/new",
                &[
                    ("title", "Alice's"),
                    ("slug", "shared"),
                    ("body", "Alice wrote this."),
                    ("action", "publish"),
                ],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        let said = refused
            .text()
            .replace("&quot;", "\"")
            .replace("&#34;", "\"");
        assert!(
            said.to_lowercase().contains(taken),
            "{backend:?}: the editor says another thing: {said}"
        );

        // One post, changed from both sides in turn: `updated` only moves forward.
        let path = site.db.dir.path().join("story.md");
        let write = |body: &str| {
            std::fs::write(&path, post_md("A story", body)).unwrap();
            path.display().to_string()
        };
        let file = write("First words.");
        site.command_line(&["post", "publish", "--author", "alice", &file], None)
            .ok();
        let first = updated(&site, "a-story").await;
        let id = chorus::storage::posts::find_post_by_slug(&site.app.db, "a-story")
            .await
            .unwrap()
            .unwrap()
            .id;
        let edit = format!("/editor/posts/{id}");
        let saved = alice
            .submit(
                &edit,
                "#editor-form",
                &[("body", "Second words.")],
                "update",
            )
            .await;
        assert!(location(&saved).contains("done="), "{}", saved.text());
        let second = updated(&site, "a-story").await;
        let file = write("Third words.");
        site.command_line(&["post", "publish", "--author", "alice", &file], None)
            .ok();
        let third = updated(&site, "a-story").await;
        assert!(
            first < second && second < third,
            "{backend:?}: updated went {first} → {second} → {third}"
        );
        assert_eq!(
            sent_by(&site, "alice").await,
            ["Create", "Update", "Update"],
            "{backend:?}"
        );

        // Unchanged text changes nothing and sends nothing, from either side.
        let out = site
            .command_line(&["post", "publish", "--author", "alice", &file], None)
            .ok();
        assert!(out.stderr.contains("unchanged"), "{}", out.stderr);
        let again = alice.submit(&edit, "#editor-form", &[], "update").await;
        assert!(location(&again).contains("done="), "{}", again.text());
        assert_eq!(updated(&site, "a-story").await, third, "{backend:?}");
        assert_eq!(
            sent_by(&site, "alice").await,
            ["Create", "Update", "Update"],
            "{backend:?}: an unchanged post is not sent again"
        );
    }
}
