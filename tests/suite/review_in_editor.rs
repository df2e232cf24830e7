//! The review loop inside the editor: a contributor opens their own post in any state (a
//! published one to read, since changes to a public post go through an editor); an editor
//! sends a submission back with a note from the post's own page, beside Approve; and the
//! contributor reads that note at the top of the post until they submit it again.

use crate::support::editor::{Writer, location, post_id};
use crate::support::{Reply, TestApp, backends, select};
use axum::http::StatusCode;
use chorus::domain::{PostStatus, Role};
use chorus::storage::posts::find_post_by_id;

fn texts(page: &Reply, selector: &str) -> Vec<String> {
    select(&page.html(), selector)
        .iter()
        .map(|e| {
            e.text()
                .collect::<String>()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// The labels of the buttons that send the post form.
fn form_buttons(page: &Reply) -> Vec<String> {
    texts(
        page,
        "#editor-form .buttons button[name='action'], button[form='send-back-form']",
    )
}

/// A contributor's post submitted for review; gives its id.
async fn submitted(cy: &Writer<'_>, title: &str) -> i64 {
    let r = cy
        .post(
            "/editor/new",
            &[
                ("title", title),
                ("summary", "A summary."),
                ("body", "Guest text."),
                ("action", "submit"),
            ],
        )
        .await;
    post_id(&location(&r))
}

#[tokio::test]
async fn a_contributor_opens_their_published_post_to_read_but_cannot_change_it() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        let cy = Writer::sign_up(&site, "cy", Role::Contributor).await;
        let ed = Writer::sign_up(&site, "ed", Role::Editor).await;
        let id = submitted(&cy, "Guest post").await;
        let path = format!("/editor/posts/{id}");

        // While it waits for review, the contributor may still change it.
        let waiting = cy.get(&path).await;
        assert_eq!(waiting.status, StatusCode::OK, "{backend:?}");
        assert!(form_buttons(&waiting).iter().any(|b| b == "Save draft"));

        let r = ed.submit(&path, "#editor-form", &[], "publish").await;
        assert!(location(&r).contains("done=published"), "{}", location(&r));

        let page = cy.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{backend:?}: {}", page.text());
        let title: Vec<String> = select(&page.html(), "#title")
            .iter()
            .filter_map(|e| e.value().attr("value").map(str::to_owned))
            .collect();
        assert_eq!(title, vec!["Guest post"], "{backend:?}: the post is shown");
        let usable = form_buttons(&page).len()
            - select(
                &page.html(),
                "#editor-form fieldset[disabled] .buttons button[name='action']",
            )
            .len();
        assert_eq!(
            usable,
            0,
            "{backend:?}: nothing to press: {:?}",
            form_buttons(&page)
        );
        assert_eq!(
            select(&page.html(), "#editor-form fieldset[disabled] #body").len(),
            1,
            "{backend:?}: the fields are read-only"
        );
        let why = texts(&page, ".read-only");
        assert!(
            why.iter().any(|t| t.contains("ask an editor")),
            "{backend:?}: {why:?}"
        );
        assert!(
            texts(&page, ".post-actions a")
                .iter()
                .any(|a| a == "View on the site"),
            "{backend:?}"
        );

        // A change sent anyway is refused and changes nothing.
        let before = find_post_by_id(&site.app.db, id).await.unwrap();
        let r = cy
            .post(
                &path,
                &[
                    ("title", "Changed behind the editor's back"),
                    ("body", "New text."),
                    ("action", "update"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{backend:?}");
        let after = find_post_by_id(&site.app.db, id).await.unwrap();
        assert_eq!(after.title, "Guest post");
        assert_eq!(after.updated_at, before.updated_at);
        assert_eq!(after.status, PostStatus::Published);

        // Someone else's post stays closed to a contributor.
        let other = Writer::sign_up(&site, "dee", Role::Contributor).await;
        assert_eq!(other.get(&path).await.status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn an_editor_sends_a_submission_back_from_the_editor_and_the_note_waits_at_the_top_of_the_post()
 {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        let cy = Writer::sign_up(&site, "cy", Role::Contributor).await;
        let ed = Writer::sign_up(&site, "ed", Role::Editor).await;
        let id = submitted(&cy, "Rough draft").await;
        let path = format!("/editor/posts/{id}");

        let page = ed.get(&path).await;
        assert_eq!(
            form_buttons(&page),
            vec![
                "Preview",
                "Save draft",
                "Approve and publish",
                "Schedule",
                "Send back with a note"
            ],
            "{backend:?}"
        );
        assert!(
            form_buttons(&cy.get(&path).await)
                .iter()
                .all(|b| b != "Send back with a note"),
            "{backend:?}: contributors do not send their own posts back"
        );

        // An empty note is refused and changes nothing.
        let r = ed
            .submit(&path, "#send-back-form", &[("note", "   ")], "")
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}");
        let post = find_post_by_id(&site.app.db, id).await.unwrap();
        assert!(post.review_requested_at.is_some(), "{backend:?}");

        let r = ed
            .submit(
                &path,
                "#send-back-form",
                &[("note", "Please cite your sources.\nAnd add a summary.")],
                "",
            )
            .await;
        assert_eq!(location(&r), format!("{path}?done=sent-back"));
        let back = ed.get(&location(&r)).await;
        assert!(
            texts(&back, ".notice")
                .iter()
                .any(|n| n.starts_with("Sent back to @cy")),
            "{backend:?}: {:?}",
            texts(&back, ".notice")
        );
        let post = find_post_by_id(&site.app.db, id).await.unwrap();
        assert!(post.review_requested_at.is_none(), "{backend:?}");
        assert_eq!(post.status, PostStatus::Draft);

        let mine = cy.get(&path).await;
        let note = texts(&mine, ".review-note blockquote");
        assert_eq!(
            note,
            vec!["Please cite your sources. And add a summary."],
            "{backend:?}"
        );
        // Saving keeps the note; submitting again takes it away.
        let r = cy
            .submit(&path, "#editor-form", &[("body", "Sourced text.")], "save")
            .await;
        assert!(location(&r).contains("done=saved"));
        assert_eq!(
            texts(&cy.get(&path).await, ".review-note blockquote").len(),
            1
        );
        let r = cy.submit(&path, "#editor-form", &[], "submit").await;
        assert!(location(&r).contains("done=submitted"));
        assert!(
            texts(&cy.get(&path).await, ".review-note").is_empty(),
            "{backend:?}: the note goes once it is submitted again"
        );
        assert!(texts(&ed.get(&path).await, ".review-note").is_empty());
    }
}
