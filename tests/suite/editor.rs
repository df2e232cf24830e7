//! The web editor as its users meet it, with JavaScript off: writing, previewing, publishing,
//! editing, unpublishing and deleting; contributors and editors; who may touch what; forms
//! from elsewhere; duplicate slugs; scheduling.

use crate::support::editor::{
    Writer, check_ui_page, location, media_files, post_id, read_form, sent_by,
};
use crate::support::forms::FilePart;
use crate::support::images::png;
use crate::support::{
    AS_JSON, BASE_URL, TEST_PASSWORD, TestApp, add_remote_follower, attr, backends, select, text_of,
};
use axum::http::StatusCode;
use chorus::actions::posts as publishing;
use chorus::domain::{PostStatus, Role};
use chorus::storage::posts;

const CODE_POST: &str = "We start with the smallest program.\n\n```rust\nfn main() {\n    let answer = 42;\n    println!(\"{answer}\");\n}\n```\n";

async fn stored(site: &TestApp, id: i64) -> posts::Post {
    posts::find_post_by_id(&site.app.db, id)
        .await
        .expect("the post exists")
}

#[tokio::test]
async fn an_author_writes_previews_publishes_edits_unpublishes_and_deletes_a_post() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        let alice = Writer::sign_up(&site, "alice", Role::Author).await;
        add_remote_follower(&site, "alice", "reader-of-alice").await;

        let list = alice.get("/editor").await;
        assert_eq!(list.status, StatusCode::OK);
        check_ui_page(&list, "the post list");
        let new = alice.get("/editor/new").await;
        assert_eq!(new.status, StatusCode::OK);
        check_ui_page(&new, "the new post form");
        let html = new.html();
        let script =
            attr(&html, "script[src^='/static/editor.']", "src").expect("the optional script");
        assert!(script.starts_with("/static/editor.js"), "{script}");
        assert!(
            select(&html, "script")
                .iter()
                .all(|s| s.value().attr("defer").is_some()),
            "every script waits for the page"
        );
        assert!(
            text_of(&html, "label[for='publish_at']")
                .unwrap()
                .contains("UTC")
        );

        // Preview: rendered on the server with highlighting, nothing stored.
        let form = [
            ("title", "Hello, Rust"),
            ("slug", ""),
            ("tags", "rust, beginners"),
            ("summary", ""),
            ("body", CODE_POST),
        ];
        let mut fields = form.to_vec();
        fields.push(("action", "preview"));
        let preview = alice.post("/editor/new", &fields).await;
        assert_eq!(preview.status, StatusCode::OK, "{}", preview.text());
        check_ui_page(&preview, "the preview");
        let html = preview.html();
        let code = select(&html, ".preview pre");
        assert!(!code.is_empty(), "no code block in the preview");
        assert!(
            !select(&html, ".preview pre span[class]").is_empty(),
            "no highlighting: {}",
            code[0].html()
        );
        assert_eq!(
            attr(&html, "#title", "value").as_deref(),
            Some("Hello, Rust"),
            "the title is kept"
        );
        assert!(
            select(&html, "#body")[0]
                .text()
                .collect::<String>()
                .contains("let answer = 42;")
        );
        let card = text_of(&html, ".mastodon-status").unwrap();
        assert!(
            card.contains("Hello, Rust") && card.contains("We start with the smallest program."),
            "{card}"
        );
        assert_eq!(
            attr(&html, ".mastodon-content a", "href"),
            Some(format!("{BASE_URL}/posts/hello-rust")),
            "{card}"
        );
        assert!(
            text_of(&html, ".mastodon .warning").is_some(),
            "no warning about the missing summary"
        );
        assert_eq!(site.count("posts").await, 0, "a preview stores nothing");

        // Publish.
        let mut fields = form.to_vec();
        fields.push(("summary", "Your first Rust program, explained."));
        fields.retain(|(k, v)| *k != "summary" || !v.is_empty());
        fields.push(("action", "publish"));
        let published = alice.post("/editor/new", &fields).await;
        let to = location(&published);
        assert!(to.ends_with("?done=published"), "{to}");
        let id = post_id(&to);
        let after = alice.get(&to).await;
        assert!(
            text_of(&after.html(), ".notice")
                .unwrap()
                .contains("Published")
        );
        assert!(
            select(&after.html(), ".mastodon .warning")
                .iter()
                .all(|w| !w.text().collect::<String>().contains("summary")),
            "a summary was written"
        );
        let home = site.get("/").await;
        assert!(home.text().contains("Hello, Rust"), "not on the home page");
        let feed = site.get("/feed.xml").await;
        assert!(feed.text().contains("Hello, Rust"), "not in the feed");
        let page = site.get("/posts/hello-rust").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            !select(&page.html(), ".e-content pre span[class]").is_empty(),
            "the public page highlights the same way"
        );

        assert_eq!(
            sent_by(&site, "alice").await,
            ["Create"],
            "followers get the post"
        );

        // Edit: the public page changes.
        let edited = alice
            .submit(
                &format!("/editor/posts/{id}"),
                "#editor-form",
                &[
                    ("title", "Hello again, Rust"),
                    ("body", "Now with a new text."),
                ],
                "update",
            )
            .await;
        assert!(location(&edited).ends_with("?done=updated"));
        let page = site.get("/posts/hello-rust").await;
        assert!(
            page.text().contains("Hello again, Rust")
                && page.text().contains("Now with a new text."),
            "{}",
            page.text()
        );
        assert!(!page.text().contains("let answer"));
        let edit_page = alice.get(&format!("/editor/posts/{id}")).await;
        assert_eq!(
            attr(&edit_page.html(), "#slug", "readonly").as_deref(),
            Some(""),
            "a published post keeps its address"
        );

        assert_eq!(sent_by(&site, "alice").await, ["Create", "Update"]);

        // Unpublish: asked first, then done.
        let ask = alice.get(&format!("/editor/posts/{id}/unpublish")).await;
        assert_eq!(ask.status, StatusCode::OK);
        check_ui_page(&ask, "the unpublish confirmation");
        assert!(text_of(&ask.html(), "h1").unwrap().contains("Unpublish"));
        assert_eq!(
            site.get("/posts/hello-rust").await.status,
            StatusCode::OK,
            "asking changes nothing"
        );
        let done = alice
            .post(&format!("/editor/posts/{id}/unpublish"), &[])
            .await;
        assert!(location(&done).ends_with("?done=unpublished"));
        assert_eq!(
            site.get("/posts/hello-rust").await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(stored(&site, id).await.status, PostStatus::Draft);
        assert!(!site.get("/").await.text().contains("Hello again, Rust"));

        assert_eq!(
            sent_by(&site, "alice").await,
            ["Create", "Update", "Delete"]
        );

        // Delete: asked first, then the address answers 410.
        let ask = alice.get(&format!("/editor/posts/{id}/delete")).await;
        assert_eq!(ask.status, StatusCode::OK);
        assert!(text_of(&ask.html(), "h1").unwrap().contains("Delete"));
        assert_eq!(
            stored(&site, id).await.status,
            PostStatus::Draft,
            "asking changes nothing"
        );
        let done = alice.post(&format!("/editor/posts/{id}/delete"), &[]).await;
        assert_eq!(location(&done), "/editor?done=deleted");
        assert_eq!(site.get("/posts/hello-rust").await.status, StatusCode::GONE);
        assert_eq!(
            sent_by(&site, "alice").await.len(),
            3,
            "a draft's deletion concerns no one"
        );
        assert_eq!(
            alice.get(&format!("/editor/posts/{id}")).await.status,
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn a_contributor_submits_and_an_editor_approves_under_the_contributors_name() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        let carol = Writer::sign_up(&site, "carol", Role::Contributor).await;
        let eddie = Writer::sign_up(&site, "eddie", Role::Editor).await;
        add_remote_follower(&site, "carol", "reader-of-carol").await;
        add_remote_follower(&site, "eddie", "reader-of-eddie").await;

        let new = carol.get("/editor/new").await;
        let buttons: Vec<String> = select(&new.html(), "button[name='action']")
            .iter()
            .filter_map(|b| b.value().attr("value").map(str::to_owned))
            .collect();
        assert!(buttons.contains(&"submit".to_owned()), "{buttons:?}");
        assert!(
            !buttons.contains(&"publish".to_owned()) && !buttons.contains(&"schedule".to_owned()),
            "{buttons:?}"
        );

        // A contributor cannot publish, even by sending the button's value by hand.
        let form = [
            ("title", "A guest post"),
            ("summary", "What we learned."),
            ("body", "Guest text."),
        ];
        let mut refused = form.to_vec();
        refused.push(("action", "publish"));
        assert_eq!(
            carol.post("/editor/new", &refused).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(site.count("posts").await, 0);

        let mut fields = form.to_vec();
        fields.push(("action", "submit"));
        let submitted = carol.post("/editor/new", &fields).await;
        let to = location(&submitted);
        assert!(to.ends_with("?done=submitted"), "{to}");
        let id = post_id(&to);
        let post = stored(&site, id).await;
        assert_eq!(post.status, PostStatus::Draft);
        assert!(post.review_requested_at.is_some());
        assert_eq!(
            site.get("/posts/a-guest-post").await.status,
            StatusCode::NOT_FOUND
        );
        let again = carol.post(&format!("/editor/posts/{id}"), &refused).await;
        assert_eq!(again.status, StatusCode::FORBIDDEN);
        assert_eq!(stored(&site, id).await.status, PostStatus::Draft);

        // The editor finds it waiting, and approves it.
        let review = eddie.get("/editor?status=review").await;
        assert!(review.text().contains("A guest post"), "{}", review.text());
        let page = eddie.get(&format!("/editor/posts/{id}")).await;
        check_ui_page(&page, "a submission seen by an editor");
        let page_html = page.html();
        let approve = select(&page_html, "button[value='publish']");
        assert_eq!(approve[0].text().collect::<String>(), "Approve and publish");
        let approved = eddie
            .submit(
                &format!("/editor/posts/{id}"),
                "#editor-form",
                &[],
                "publish",
            )
            .await;
        assert!(location(&approved).ends_with("?done=published"));

        let post = stored(&site, id).await;
        assert_eq!(post.status, PostStatus::Published);
        assert_eq!(
            post.author.username.as_str(),
            "carol",
            "the author stays the contributor"
        );
        assert_eq!(
            sent_by(&site, "carol").await,
            ["Create"],
            "the contributor's followers get it"
        );
        assert!(
            sent_by(&site, "eddie").await.is_empty(),
            "nothing goes out from the editor's actor"
        );
        assert!(post.review_requested_at.is_none());
        let profile = site.get("/@carol").await;
        assert!(
            profile.text().contains("A guest post"),
            "not listed on the contributor's page"
        );
        let article = site.get_with("/posts/a-guest-post", &[AS_JSON]).await;
        assert_eq!(article.json()["attributedTo"], format!("{BASE_URL}/@carol"));
        let create = site
            .get_with("/posts/a-guest-post/activity", &[AS_JSON])
            .await;
        assert_eq!(
            create.json()["actor"],
            format!("{BASE_URL}/@carol"),
            "sent from the contributor's actor"
        );

        // Once published, it is out of the contributor's hands: they read it in the editor,
        // with nothing to press, and a change sent anyway is refused.
        let theirs = carol.get(&format!("/editor/posts/{id}")).await;
        assert_eq!(theirs.status, StatusCode::OK);
        assert!(select(&theirs.html(), "button[value=update]").is_empty());
        assert_eq!(
            carol
                .post(
                    &format!("/editor/posts/{id}"),
                    &[("title", "Changed"), ("body", "New."), ("action", "update")]
                )
                .await
                .status,
            StatusCode::FORBIDDEN
        );
    }
}

#[tokio::test]
async fn an_author_cannot_change_another_authors_post() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        let alice = Writer::sign_up(&site, "alice", Role::Author).await;
        let bob = Writer::sign_up(&site, "bob", Role::Author).await;
        let published = alice
            .post(
                "/editor/new",
                &[
                    ("title", "Alice's notes"),
                    ("body", "Mine."),
                    ("action", "publish"),
                ],
            )
            .await;
        let id = post_id(&location(&published));
        let before = stored(&site, id).await;

        assert_eq!(
            bob.get(&format!("/editor/posts/{id}")).await.status,
            StatusCode::FORBIDDEN
        );
        let edit = [
            ("title", "Bob was here"),
            ("body", "Not mine."),
            ("action", "update"),
        ];
        assert_eq!(
            bob.post(&format!("/editor/posts/{id}"), &edit).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            bob.get(&format!("/editor/posts/{id}/delete")).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            bob.post(&format!("/editor/posts/{id}/delete"), &[])
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            bob.post(&format!("/editor/posts/{id}/unpublish"), &[])
                .await
                .status,
            StatusCode::FORBIDDEN
        );

        let after = stored(&site, id).await;
        assert_eq!(
            (after.title.as_str(), after.status, after.updated_at),
            (before.title.as_str(), before.status, before.updated_at)
        );
        assert!(
            !bob.get("/editor").await.text().contains("Alice's notes"),
            "authors list their own posts"
        );
        assert!(
            site.get(&format!("/posts/{}", before.slug))
                .await
                .text()
                .contains("Mine.")
        );
    }
}

#[tokio::test]
async fn forms_without_the_token_or_from_another_site_change_nothing() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        let alice = Writer::sign_up(&site, "alice", Role::Author).await;
        let post = [
            ("title", "Forged"),
            ("body", "Text."),
            ("action", "publish"),
        ];

        let mut no_token = post.to_vec();
        no_token.push(("csrf", ""));
        assert_eq!(
            alice.post_raw("/editor/new", &post, &[]).await.status,
            StatusCode::FORBIDDEN,
            "no token"
        );
        assert_eq!(
            alice.post_raw("/editor/new", &no_token, &[]).await.status,
            StatusCode::FORBIDDEN,
            "empty token"
        );
        let mut wrong = post.to_vec();
        wrong.push(("csrf", "not-the-token-of-this-session-not-the-token-of"));
        assert_eq!(
            alice.post_raw("/editor/new", &wrong, &[]).await.status,
            StatusCode::FORBIDDEN,
            "wrong token"
        );
        let mut with_token = post.to_vec();
        with_token.push(("csrf", alice.csrf.as_str()));
        let cross_site = alice
            .post_raw(
                "/editor/new",
                &with_token,
                &[("sec-fetch-site", "cross-site"), ("origin", "")],
            )
            .await;
        assert_eq!(
            cross_site.status,
            StatusCode::FORBIDDEN,
            "Sec-Fetch-Site: cross-site"
        );
        let cross_origin = [
            ("origin", "https://evil.example"),
            ("sec-fetch-site", "cross-site"),
        ];
        let forged = alice
            .post_raw("/editor/new", &with_token, &cross_origin)
            .await;
        assert_eq!(
            forged.status,
            StatusCode::FORBIDDEN,
            "a form on another site"
        );
        let other_origin = alice
            .post_raw(
                "/editor/new",
                &with_token,
                &[("origin", "https://evil.example"), ("sec-fetch-site", "")],
            )
            .await;
        assert_eq!(
            other_origin.status,
            StatusCode::FORBIDDEN,
            "another Origin, from a browser without Fetch Metadata"
        );
        assert_eq!(site.count("posts").await, 0);

        let id = post_id(&location(
            &alice
                .post(
                    "/editor/new",
                    &[("title", "Real"), ("body", "Text."), ("action", "publish")],
                )
                .await,
        ));
        for path in [
            format!("/editor/posts/{id}/delete"),
            format!("/editor/posts/{id}/unpublish"),
        ] {
            let forged = alice
                .post_raw(&path, &[("csrf", alice.csrf.as_str())], &cross_origin)
                .await;
            assert_eq!(forged.status, StatusCode::FORBIDDEN, "{path}");
            assert_eq!(
                alice.post_raw(&path, &[], &[]).await.status,
                StatusCode::FORBIDDEN,
                "{path} without a token"
            );
        }
        let upload = alice.post_raw("/editor/media", &[("alt", "x")], &[]).await;
        assert_eq!(
            upload.status,
            StatusCode::FORBIDDEN,
            "an upload without a token"
        );
        assert_eq!(stored(&site, id).await.status, PostStatus::Published);
        assert_eq!(site.count("media").await, 0);

        // Not signed in: off to the login page, nothing stored.
        let anonymous = site.get("/editor/new").await;
        assert!(
            anonymous.header("location").starts_with("/login?next="),
            "{}",
            anonymous.status
        );
    }
}

#[tokio::test]
async fn a_duplicate_slug_comes_back_with_a_message_and_the_text_kept() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        let alice = Writer::sign_up(&site, "alice", Role::Author).await;
        let bob = Writer::sign_up(&site, "bob", Role::Author).await;
        alice
            .post(
                "/editor/new",
                &[
                    ("title", "Release notes"),
                    ("body", "Alice's."),
                    ("action", "publish"),
                ],
            )
            .await;

        let text = "Bob's long draft, which must not be lost.";
        let taken = bob
            .post(
                "/editor/new",
                &[
                    ("title", "Release notes"),
                    ("tags", "news"),
                    ("body", text),
                    ("action", "save"),
                ],
            )
            .await;
        assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
        check_ui_page(&taken, "the form with an error");
        let html = taken.html();
        let message = text_of(&html, ".error").unwrap();
        assert!(
            message.contains("release-notes") && message.contains("slug"),
            "{message}"
        );
        assert_eq!(select(&html, "#body")[0].text().collect::<String>(), text);
        assert_eq!(attr(&html, "#tags", "value").as_deref(), Some("news"));
        assert_eq!(site.count("posts").await, 1);

        // A bad slug typed by hand, and an empty title: the same, with their own messages.
        let bad = bob
            .post(
                "/editor/new",
                &[
                    ("title", "T"),
                    ("slug", "Not A Slug"),
                    ("body", text),
                    ("action", "save"),
                ],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            text_of(&bad.html(), ".error")
                .unwrap()
                .contains("not-a-slug")
        );
        let untitled = bob
            .post(
                "/editor/new",
                &[("title", " "), ("body", text), ("action", "save")],
            )
            .await;
        assert_eq!(untitled.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(site.count("posts").await, 1);

        // Another slug goes through.
        let saved = bob
            .post(
                "/editor/new",
                &[
                    ("title", "Release notes"),
                    ("slug", "release-notes-bob"),
                    ("body", text),
                    ("action", "save"),
                ],
            )
            .await;
        assert!(location(&saved).ends_with("?done=saved"));
    }
}

#[tokio::test]
async fn a_scheduled_post_goes_public_when_its_time_comes_even_after_a_restart() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        let alice = Writer::sign_up(&site, "alice", Role::Author).await;
        add_remote_follower(&site, "alice", "reader-of-alice").await;
        let fields = [
            ("title", "Launch day"),
            ("summary", "It is out."),
            ("body", "We launch."),
        ];

        let mut past = fields.to_vec();
        past.extend([("publish_at", "2020-01-01T10:00"), ("action", "schedule")]);
        let refused = alice.post("/editor/new", &past).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            text_of(&refused.html(), ".error")
                .unwrap()
                .contains("future")
        );
        let mut missing = fields.to_vec();
        missing.push(("action", "schedule"));
        assert_eq!(
            alice.post("/editor/new", &missing).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(site.count("posts").await, 0);

        let when = (chrono::Utc::now() + chrono::Duration::hours(3))
            .format("%Y-%m-%dT%H:%M")
            .to_string();
        let mut future = fields.to_vec();
        future.extend([("publish_at", when.as_str()), ("action", "schedule")]);
        let scheduled = alice.post("/editor/new", &future).await;
        let to = location(&scheduled);
        assert!(to.ends_with("?done=scheduled"), "{to}");
        let id = post_id(&to);
        let post = stored(&site, id).await;
        assert_eq!(post.status, PostStatus::Scheduled);
        assert_eq!(
            post.published_at
                .unwrap()
                .format("%Y-%m-%dT%H:%M")
                .to_string(),
            when,
            "read as UTC"
        );
        let notice = text_of(&alice.get(&to).await.html(), ".notice").unwrap();
        assert!(
            notice.contains(&when.replace('T', " ")) && notice.contains("UTC"),
            "{notice}"
        );
        assert!(
            alice
                .get("/editor?status=scheduled")
                .await
                .text()
                .contains("Launch day")
        );

        assert_eq!(
            site.get("/posts/launch-day").await.status,
            StatusCode::NOT_FOUND
        );
        assert!(
            publishing::publish_due(&site.app).await.unwrap().is_empty(),
            "not due yet"
        );
        assert!(!site.get("/").await.text().contains("Launch day"));

        // The time comes while another server process runs on the same database.
        let db = site.db.connect().await;
        let an_hour_ago = chrono::Utc::now() - chrono::Duration::hours(1);
        match &db {
            chorus::storage::Db::Sqlite(p) => {
                sqlx::query("UPDATE posts SET published_at = $1 WHERE id = $2")
                    .bind(an_hour_ago)
                    .bind(id)
                    .execute(p)
                    .await
                    .unwrap();
            }
            chorus::storage::Db::Postgres(p) => {
                sqlx::query("UPDATE posts SET published_at = $1 WHERE id = $2")
                    .bind(an_hour_ago)
                    .bind(id)
                    .execute(p)
                    .await
                    .unwrap();
            }
        }
        db.close().await;
        let restarted = chorus::app::App::start(site.app.config.as_ref().clone())
            .await
            .unwrap();
        assert!(
            sent_by(&site, "alice").await.is_empty(),
            "nothing goes out before its time"
        );
        let due = publishing::publish_due(&restarted).await.unwrap();
        assert_eq!(due.iter().map(|p| p.id).collect::<Vec<_>>(), vec![id]);
        assert_eq!(
            sent_by(&site, "alice").await,
            ["Create"],
            "published and federated at its time"
        );
        site.app.content_changed().await;
        assert_eq!(site.get("/posts/launch-day").await.status, StatusCode::OK);
        assert!(site.get("/").await.text().contains("Launch day"));
    }
}

#[tokio::test]
async fn signing_in_lands_on_the_editor() {
    for backend in backends() {
        let site = TestApp::with_author(backend, "alice").await;
        let login = site.get("/login").await;
        let cookie = login
            .header("set-cookie")
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let (_, fields) = read_form(&login, "form[action='/login']");
        let token = fields.iter().find(|(k, _)| k == "csrf").unwrap().1.clone();
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("csrf", token.as_str()),
                ("username", "alice"),
                ("password", TEST_PASSWORD),
            ])
            .finish();
        let request = axum::http::Request::builder()
            .method("POST")
            .uri("/login")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", cookie)
            .header("origin", BASE_URL)
            .body(axum::body::Body::from(body))
            .unwrap();
        let reply = site.send(request).await;
        assert_eq!(location(&reply), "/editor");
    }
}

#[tokio::test]
async fn the_script_gets_a_live_preview_and_autosaves_drafts() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        let alice = Writer::sign_up(&site, "alice", Role::Author).await;
        let script = site.get("/static/editor.js").await;
        assert_eq!(script.status, StatusCode::OK);
        assert!(
            script.body.len() < 10 * 1024,
            "the script is {} bytes",
            script.body.len()
        );

        let fragment = alice
            .post("/editor/preview", &[("title", "Live"), ("body", CODE_POST)])
            .await;
        assert_eq!(fragment.status, StatusCode::OK);
        assert!(!fragment.text().contains("<html"), "a fragment, not a page");
        assert!(!select(&fragment.html(), ".preview pre span[class]").is_empty());
        assert!(fragment.text().contains("How it looks on Mastodon"));

        let draft = [
            ("title", "Autosaved"),
            ("body", "First words."),
            ("action", "autosave"),
        ];
        let first = alice.post("/editor/new", &draft).await;
        assert_eq!(first.status, StatusCode::OK, "{}", first.text());
        let answer = first.json();
        let edit_url = answer["edit_url"].as_str().unwrap().to_owned();
        let again = alice
            .post(
                &edit_url,
                &[
                    ("title", "Autosaved"),
                    ("body", "More words."),
                    ("action", "autosave"),
                ],
            )
            .await;
        assert_eq!(again.status, StatusCode::OK);
        assert_eq!(
            site.count("posts").await,
            1,
            "later autosaves update the same draft"
        );
        let post = stored(&site, answer["id"].as_i64().unwrap()).await;
        assert_eq!(
            (post.status, post.markdown.as_str()),
            (PostStatus::Draft, "More words.")
        );
    }
}

/// Publishes a post with a cover image (and its description) and the tag `mountains`;
/// gives the edit path.
async fn publish_with_cover(alice: &Writer<'_>) -> String {
    let image = png(1800, 900);
    let cover = FilePart {
        field: "cover_file",
        file_name: "cover.png",
        content_type: "image/png",
        bytes: &image,
    };
    let fields = [
        ("title", "Above the clouds"),
        ("summary", "A walk along the ridge."),
        ("tags", "mountains"),
        ("body", "We started early."),
        ("cover_alt", "A mountain ridge at dawn"),
        ("action", "publish"),
    ];
    let reply = alice
        .post_multipart("/editor/new", &fields, &[cover], &[])
        .await;
    let to = location(&reply);
    assert!(to.ends_with("?done=published"), "{to}");
    to.split('?').next().unwrap().to_owned()
}

#[tokio::test]
async fn a_cover_image_shows_on_the_post_in_listings_and_in_every_feed() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        let alice = Writer::sign_up(&site, "alice", Role::Author).await;
        publish_with_cover(&alice).await;

        let page = site.get("/posts/above-the-clouds").await;
        let html = page.html();
        let cover = select(&html, "article.post img.cover");
        assert_eq!(cover.len(), 1, "the post shows its cover");
        let img = cover[0].value();
        assert_eq!(img.attr("alt"), Some("A mountain ridge at dawn"));
        let srcset = img.attr("srcset").expect("a srcset");
        for width in ["480w", "960w", "1600w"] {
            assert!(srcset.contains(width), "{srcset}");
        }
        assert!(img.attr("sizes").is_some() && img.attr("width").is_some());

        for listing in ["/", "/@alice", "/tags/mountains"] {
            let page = site.get(listing).await;
            assert_eq!(page.status, StatusCode::OK, "{listing}");
            assert_eq!(
                attr(&page.html(), ".post-list img.cover", "alt").as_deref(),
                Some("A mountain ridge at dawn"),
                "{listing} shows the cover"
            );
        }

        let rss = site.get("/feed.xml").await.text();
        let enclosure = rss
            .split("<enclosure ")
            .nth(1)
            .expect("an RSS enclosure")
            .split("/>")
            .next()
            .unwrap()
            .to_owned();
        assert!(
            enclosure.contains(&format!("url=\"{BASE_URL}/media/"))
                && enclosure.contains("type=\"image/png\"")
                && !enclosure.contains("length=\"0\""),
            "{enclosure}"
        );
        let atom = site.get("/atom.xml").await.text();
        assert!(
            atom.contains("rel=\"enclosure\"") && atom.contains("A mountain ridge at dawn"),
            "{atom}"
        );
        let json = site.get("/feed.json").await.json();
        let image = json["items"][0]["image"]
            .as_str()
            .expect("a JSON Feed image");
        assert!(image.starts_with(&format!("{BASE_URL}/media/")), "{image}");
        let picture = site.get(image.trim_start_matches(BASE_URL)).await;
        assert_eq!(picture.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn the_reply_policy_chosen_in_the_form_is_saved_and_shown_again() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        let alice = Writer::sign_up(&site, "alice", Role::Author).await;
        let new = alice.get("/editor/new").await;
        let options: Vec<String> = select(&new.html(), "#replies option")
            .iter()
            .map(|o| o.value().attr("value").unwrap_or("").to_owned())
            .collect();
        assert_eq!(options, ["", "anyone", "followers", "following", "nobody"]);

        let saved = alice
            .post(
                "/editor/new",
                &[
                    ("title", "Closed"),
                    ("body", "No replies, please."),
                    ("replies", "nobody"),
                    ("action", "save"),
                ],
            )
            .await;
        let id = post_id(&location(&saved));
        assert_eq!(
            stored(&site, id).await.reply_policy,
            Some(chorus::domain::comments::ReplyPolicy::Nobody)
        );
        let edit = alice.get(&format!("/editor/posts/{id}")).await;
        assert_eq!(
            attr(&edit.html(), "#replies option[selected]", "value").as_deref(),
            Some("nobody"),
            "the form shows the stored choice"
        );
        // Saving the form again keeps it; choosing the default stores the site's default.
        let again = alice
            .submit(&format!("/editor/posts/{id}"), "#editor-form", &[], "save")
            .await;
        location(&again);
        assert_eq!(
            stored(&site, id).await.reply_policy,
            Some(chorus::domain::comments::ReplyPolicy::Nobody)
        );
        let default = alice
            .submit(
                &format!("/editor/posts/{id}"),
                "#editor-form",
                &[("replies", "")],
                "save",
            )
            .await;
        location(&default);
        // The site's default as it is now is stored with the post, so changing the default
        // later does not change what was published under it.
        assert_eq!(
            stored(&site, id).await.reply_policy,
            Some(chorus::domain::comments::ReplyPolicy::Anyone)
        );

        let wrong = alice
            .post(
                "/editor/new",
                &[
                    ("title", "Wrong"),
                    ("body", "Text."),
                    ("replies", "everyone"),
                    ("action", "save"),
                ],
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            text_of(&wrong.html(), ".error")
                .unwrap()
                .contains("not a reply policy"),
            "{}",
            wrong.text()
        );
        assert_eq!(site.count("posts").await, 1, "nothing half-written");
    }
}

#[tokio::test]
async fn the_live_preview_needs_a_signed_in_writer_and_the_token() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        let alice = Writer::sign_up(&site, "alice", Role::Author).await;
        let fields = [("title", "Live"), ("body", "Some *words*.")];
        let without_token = alice.post_raw("/editor/preview", &fields, &[]).await;
        assert_eq!(without_token.status, StatusCode::FORBIDDEN);
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let request = axum::http::Request::builder()
            .method("POST")
            .uri("/editor/preview")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("origin", BASE_URL)
            .body(axum::body::Body::from(body))
            .unwrap();
        let anonymous = site.send(request).await;
        assert!(
            !anonymous.status.is_success() && !anonymous.text().contains("<em>words</em>"),
            "{}: {}",
            anonymous.status,
            anonymous.text()
        );
        let ok = alice.post("/editor/preview", &fields).await;
        assert_eq!(ok.status, StatusCode::OK);
        assert!(ok.text().contains("<em>words</em>"), "{}", ok.text());
    }
}

#[tokio::test]
async fn the_mastodon_preview_shows_the_author_the_card_with_the_cover_and_the_hashtags() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        let alice = Writer::sign_up(&site, "alice", Role::Author).await;
        let edit = publish_with_cover(&alice).await;
        let page = alice.get(&edit).await;
        let html = page.html();
        let status = text_of(&html, ".mastodon-status").unwrap();
        let host = BASE_URL.split("://").nth(1).unwrap();
        assert_eq!(
            text_of(&html, ".mastodon-handle").as_deref(),
            Some(format!("@alice@{host}").as_str())
        );
        assert!(
            attr(&html, ".mastodon-avatar", "src").is_some(),
            "an avatar"
        );
        assert!(status.contains("Above the clouds") && status.contains("A walk along the ridge."));
        assert_eq!(
            attr(&html, ".mastodon-card img", "alt").as_deref(),
            Some("A mountain ridge at dawn"),
            "the link card shows the cover"
        );
        assert!(
            attr(&html, ".mastodon-card img", "src")
                .unwrap()
                .starts_with("/media/")
        );
        assert!(
            text_of(&html, ".mastodon-hashtags")
                .unwrap()
                .contains("#mountains")
        );
        let warnings: Vec<String> = select(&html, ".mastodon .warning")
            .iter()
            .map(|w| w.text().collect())
            .collect();
        assert!(
            warnings.len() == 1 && warnings[0].contains("fediverse handle"),
            "only the missing handle: {warnings:?}"
        );
        assert!(select(&html, ".mastodon-byline").is_empty());

        // With a handle, a long summary and a cover without description.
        let profile = alice
            .post(
                "/account/profile",
                &[
                    ("display_name", "Alice"),
                    ("bio", ""),
                    ("fediverse_creator", "@alice@mastodon.example"),
                ],
            )
            .await;
        assert!(profile.status.is_redirection(), "{}", profile.text());
        let cover_id = attr(&html, "#cover_media_id option[selected]", "value").unwrap();
        let post = edit.trim_start_matches("/editor/posts/").to_owned();
        let long = "word ".repeat(120);
        let fragment = alice
            .post(
                "/editor/preview",
                &[
                    ("post", post.as_str()),
                    ("title", "Above the clouds"),
                    ("summary", long.as_str()),
                    ("body", "Text."),
                    ("cover_media_id", cover_id.as_str()),
                    ("cover_alt", ""),
                ],
            )
            .await;
        let html = fragment.html();
        assert!(
            text_of(&html, ".mastodon-byline")
                .unwrap()
                .contains("@alice@mastodon.example")
        );
        let warnings = text_of(&html, ".mastodon").unwrap();
        assert!(warnings.contains("characters long"), "{warnings}");
        assert!(!warnings.contains("fediverse handle"), "{warnings}");
        // The image's own description is used when the post gives none: the upload had one.
        assert_eq!(
            attr(&html, ".mastodon-card img", "alt").as_deref(),
            Some("A mountain ridge at dawn")
        );

        // A cover nobody described is warned about.
        let image = png(600, 300);
        let bare = FilePart {
            field: "file",
            file_name: "bare.png",
            content_type: "image/png",
            bytes: &image,
        };
        let uploaded = alice
            .post_multipart(
                "/editor/media",
                &[("alt", "")],
                &[bare],
                &[("accept", "application/json")],
            )
            .await
            .json();
        let bare_id = uploaded["id"].as_i64().unwrap().to_string();
        let fragment = alice
            .post(
                "/editor/preview",
                &[
                    ("title", "Bare"),
                    ("summary", "Short."),
                    ("body", "Text."),
                    ("cover_media_id", bare_id.as_str()),
                ],
            )
            .await;
        let warnings = text_of(&fragment.html(), ".mastodon").unwrap();
        assert!(warnings.contains("no description (alt text)"), "{warnings}");
    }
}

#[tokio::test]
async fn pasted_files_that_are_not_images_or_too_large_are_refused_and_nothing_kept() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        let alice = Writer::sign_up(&site, "alice", Role::Author).await;
        let text = b"just some text".to_vec();
        let not_image = FilePart {
            field: "file",
            file_name: "notes.txt",
            content_type: "text/plain",
            bytes: &text,
        };
        let accept = [("accept", "application/json")];
        let refused = alice
            .post_multipart("/editor/media", &[("alt", "x")], &[not_image], &accept)
            .await;
        assert_eq!(refused.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert!(refused.json()["error"].as_str().is_some());
        let big = vec![0u8; chorus::media::MAX_UPLOAD_BYTES + 1];
        let too_large = FilePart {
            field: "file",
            file_name: "huge.png",
            content_type: "image/png",
            bytes: &big,
        };
        let refused = alice
            .post_multipart("/editor/media", &[("alt", "x")], &[too_large], &accept)
            .await;
        assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(site.count("media").await, 0, "nothing kept");
        assert!(media_files(&site).is_empty());
    }
}

#[tokio::test]
async fn the_quote_policy_chosen_in_the_form_is_saved_published_and_shown_again() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        let alice = Writer::sign_up(&site, "alice", Role::Author).await;
        let new = alice.get("/editor/new").await;
        let options: Vec<String> = select(&new.html(), "#quotes option")
            .iter()
            .map(|o| o.value().attr("value").unwrap_or("").to_owned())
            .collect();
        assert_eq!(options, ["", "anyone", "followers", "nobody", "ask"]);

        let saved = alice
            .post(
                "/editor/new",
                &[
                    ("title", "Ask first"),
                    ("body", "Ask before you quote."),
                    ("quotes", "ask"),
                    ("action", "save"),
                ],
            )
            .await;
        let id = post_id(&location(&saved));
        assert_eq!(
            stored(&site, id).await.quote_policy,
            Some(chorus::domain::quotes::QuotePolicy::Ask)
        );
        let edit = alice.get(&format!("/editor/posts/{id}")).await;
        assert_eq!(
            attr(&edit.html(), "#quotes option[selected]", "value").as_deref(),
            Some("ask"),
            "the form shows the stored choice"
        );
        // Saving the form again keeps it.
        let again = alice
            .submit(&format!("/editor/posts/{id}"), "#editor-form", &[], "save")
            .await;
        location(&again);
        assert_eq!(
            stored(&site, id).await.quote_policy,
            Some(chorus::domain::quotes::QuotePolicy::Ask)
        );

        let wrong = alice
            .post(
                "/editor/new",
                &[
                    ("title", "Wrong"),
                    ("body", "Text."),
                    ("quotes", "everyone"),
                    ("action", "save"),
                ],
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
}
