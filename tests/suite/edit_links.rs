//! Edit links on public pages without making the cached page per-person: a post page is the
//! same bytes for a reader and for a signed-in editor; its script asks a private endpoint,
//! which names the editor's address only to those who may edit the post.

use crate::support::editor::Writer;
use crate::support::{TestApp, attr, backends};
use axum::http::StatusCode;
use chorus::domain::Role;

#[tokio::test]
async fn a_post_page_is_the_same_for_everyone_and_only_those_who_may_edit_are_told_where() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        let ed = Writer::sign_up(&site, "ed", Role::Editor).await;
        let alice = Writer::sign_up(&site, "alice", Role::Author).await;
        let bob = Writer::sign_up(&site, "bob", Role::Author).await;
        let url = site
            .publish_post("alice", "Mine to edit", "Some text.")
            .await;
        let post = chorus::storage::posts::find_post_by_slug(&site.app.db, "mine-to-edit")
            .await
            .unwrap()
            .unwrap();

        let anonymous = site.get(url.path()).await;
        assert_eq!(anonymous.status, StatusCode::OK);
        for (who, writer) in [("ed", &ed), ("alice", &alice), ("bob", &bob)] {
            let signed_in = writer.get(url.path()).await;
            assert_eq!(signed_in.status, StatusCode::OK);
            assert!(
                signed_in.body == anonymous.body,
                "{backend:?}: {who} gets the same bytes as an anonymous reader"
            );
        }
        let html = anonymous.html();
        let ask = attr(&html, ".edit-link[data-can-edit]", "data-can-edit")
            .expect("the page says where to ask");
        assert_eq!(ask, format!("/account/can-edit?post={}", post.id));
        assert!(
            attr(&html, "script", "src").is_some_and(|s| s.starts_with("/static/edit-link.")),
            "{backend:?}: the page's script"
        );
        assert!(
            attr(&html, ".edit-link a", "href").is_none(),
            "no link in the cached page"
        );

        let answer = |r: &crate::support::Reply| {
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            assert!(
                r.header("cache-control").contains("no-store"),
                "{backend:?}: {}",
                r.header("cache-control")
            );
            r.json()
        };
        let edit = format!("/editor/posts/{}", post.id);
        assert_eq!(answer(&ed.get(&ask).await)["edit"], edit.as_str());
        assert_eq!(answer(&alice.get(&ask).await)["edit"], edit.as_str());
        let other = answer(&bob.get(&ask).await);
        assert_eq!(other["signed_in"], true);
        assert!(other["edit"].is_null(), "{backend:?}: not bob's post");
        let nobody = answer(&site.get(&ask).await);
        assert_eq!(nobody["signed_in"], false);
        assert!(nobody["edit"].is_null());
        assert!(answer(&ed.get("/account/can-edit?post=999999").await)["edit"].is_null());

        // The link leads to a page the editor may open; the editor checks for itself.
        assert_eq!(ed.get(&edit).await.status, StatusCode::OK);
        assert_eq!(bob.get(&edit).await.status, StatusCode::FORBIDDEN);
    }
}
