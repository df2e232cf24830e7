//! The web editor as its users meet it, with JavaScript off: writing, previewing, publishing,
//! editing, unpublishing and deleting; contributors and editors; who may touch what; forms
//! from elsewhere; duplicate slugs; scheduling.

use crate::support::editor::{Writer, check_ui_page, location, post_id, read_form, sent_by};
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
        let script = attr(&html, "script", "src").expect("the optional script");
        assert!(script.starts_with("/static/editor.js"), "{script}");
        assert!(select(&html, "script")[0].value().attr("defer").is_some());
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
        assert!(
            card.contains(&format!("{BASE_URL}/posts/hello-rust")),
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
            text_of(&after.html(), ".mastodon .warning").is_none(),
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

        // Once published, it is out of the contributor's hands.
        assert_eq!(
            carol.get(&format!("/editor/posts/{id}")).await.status,
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
