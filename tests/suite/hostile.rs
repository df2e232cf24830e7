//! Hostile content as an attacker wrote it, through the real write paths and inboxes: raw HTML
//! that games the mention placeholders, links to `javascript:` ids, summaries that turn into
//! markup in feed readers, redirects off the site after signing in, texts that stay public
//! after they were taken down, someone else's cover image, and images that call other
//! servers. Each must come out harmless, and what the page shows must be what was reviewed.

use crate::support::editor::{Writer, location, post_id};
use crate::support::forms::{FilePart, Visitor, csrf_of};
use crate::support::images::png;
use crate::support::{
    AS_JSON, BASE_URL, Reply, TEST_PASSWORD, TestApp, add_remote_follower, assert_self_contained,
    attr, backends, dangers, loaded_urls, select, text_of, url,
};
use axum::http::StatusCode;
use chorus::domain::Role;
use url::Url;

/// The inner HTML of the first element matching `selector`.
fn inner_html(html: &scraper::Html, selector: &str) -> String {
    select(html, selector)
        .first()
        .unwrap_or_else(|| panic!("no {selector}"))
        .inner_html()
        .trim()
        .to_owned()
}

/// Raw HTML whose attributes carry the private-use characters the renderer uses to mark
/// mentions and hashtags, with a hashtag and a mention in the text around it. Filled in after
/// sanitizing, a placeholder closed the attribute early and put markup on the page that the
/// reviewed preview never showed (with a serializer that leaves `<` unescaped in attribute
/// values, a live `onerror`).
const PLACEHOLDER_TRICK: &str = "Look at #rust and @nobody@community.example here.\n\n\
<img src=\"/media/x.png\" alt=\"\u{E000}0\u{E001} <img src=x onerror=alert(1)>\"> and \
<a href=\"/\" title=\"\u{E000}1\u{E001}<img src=y onerror=alert(2)>\">home</a>\n";

#[tokio::test]
async fn placeholder_characters_in_raw_html_cannot_smuggle_handlers_past_the_review() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        let carol = Writer::sign_up(&site, "carol", Role::Contributor).await;
        let eddie = Writer::sign_up(&site, "eddie", Role::Editor).await;

        let submitted = carol
            .post(
                "/editor/new",
                &[
                    ("title", "A guest post"),
                    ("summary", "Harmless, promise."),
                    ("body", PLACEHOLDER_TRICK),
                    ("action", "submit"),
                ],
            )
            .await;
        let id = post_id(&location(&submitted));

        // The editor reviews the preview, then approves.
        let preview = eddie
            .post(
                "/editor/preview",
                &[("title", "A guest post"), ("body", PLACEHOLDER_TRICK)],
            )
            .await;
        assert_eq!(preview.status, StatusCode::OK, "{backend:?}");
        let reviewed = preview.html();
        assert_eq!(dangers(&reviewed), Vec::<String>::new(), "{backend:?}");
        let approved = eddie
            .submit(
                &format!("/editor/posts/{id}"),
                "#editor-form",
                &[],
                "publish",
            )
            .await;
        // The unknown mention stays text, and the editor is told so on the form itself.
        assert_eq!(approved.status, StatusCode::OK, "{backend:?}");
        assert!(
            approved
                .text()
                .contains("@nobody@community.example could not be found")
        );

        let page = site.get("/posts/a-guest-post").await;
        assert_eq!(page.status, StatusCode::OK, "{backend:?}");
        let html = page.html();
        assert_eq!(
            dangers(&html),
            Vec::<String>::new(),
            "{backend:?}: the published page"
        );
        assert_eq!(
            select(&html, ".e-content a.mention.hashtag").len(),
            1,
            "{backend:?}: the hashtag is still linked"
        );
        assert_eq!(
            inner_html(&reviewed, ".preview .e-content"),
            inner_html(&html, ".e-content"),
            "{backend:?}: the page shows exactly what the editor reviewed"
        );
    }
}

/// Every image element in `html` that would load from another origin than `base`'s.
fn foreign_images(html: &str, base: &Url) -> Vec<Url> {
    let fragment = scraper::Html::parse_fragment(html);
    loaded_urls(&fragment, base)
        .into_iter()
        .filter(|u| u.origin() != base.origin())
        .collect()
}

#[tokio::test]
async fn images_on_other_servers_become_links_in_pages_feeds_and_activitypub() {
    let body = "A tracker: <img src=\"https://tracker.example/pixel.gif\" alt=\"a pixel\" width=\"1\">\n\n\
        <p><IMG SRC=\"//cdn.other.example/cat.png\" alt=\"a cat\"> and ours: <img src=\"/media/x.png\" alt=\"ours\"></p>\n";
    for backend in backends() {
        let site = TestApp::with_author(backend, "alice").await;
        let post = site.publish_post("alice", "Pictures", body).await;
        let base = url(BASE_URL);

        let page = site.get(post.path()).await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.html();
        assert_self_contained(&html, &base, "the post page");
        assert_eq!(
            attr(
                &html,
                ".e-content a[href='https://tracker.example/pixel.gif']",
                "href"
            )
            .as_deref(),
            Some("https://tracker.example/pixel.gif"),
            "{backend:?}: the image is a link"
        );
        let content = text_of(&html, ".e-content").unwrap();
        assert!(
            content.contains("a pixel") && content.contains("a cat"),
            "{backend:?}: its description stays: {content}"
        );
        assert_eq!(
            attr(&html, ".e-content img", "src").as_deref(),
            Some("/media/x.png"),
            "{backend:?}: images of this site stay"
        );

        for feed in ["/feed.xml", "/atom.xml", "/feed.json"] {
            let reply = site.get(feed).await;
            let parsed = feed_rs::parser::parse(&reply.body[..]).unwrap();
            let content = parsed.entries[0]
                .content
                .as_ref()
                .and_then(|c| c.body.clone())
                .unwrap();
            assert_eq!(
                foreign_images(&content, &base),
                Vec::<Url>::new(),
                "{backend:?}: {feed}"
            );
            assert!(
                content.contains("https://tracker.example/pixel.gif"),
                "{feed}"
            );
            assert!(
                content.contains(&format!("{BASE_URL}/media/x.png")),
                "{feed}: {content}"
            );
        }

        let article = site.get_with(post.path(), &[AS_JSON]).await.json();
        let content = article["content"].as_str().unwrap();
        assert_eq!(
            foreign_images(content, &base),
            Vec::<Url>::new(),
            "{backend:?}"
        );
        assert!(content.contains("a pixel"), "{content}");
    }
}

/// What a feed reader that takes a text field as HTML (as RSS readers do with
/// `<description>`) shows of it: its text, and any elements it would build.
fn as_html(field: &str) -> (String, Vec<String>) {
    let fragment = scraper::Html::parse_fragment(field);
    let elements = select(&fragment, "*")
        .iter()
        .map(|e| e.value().name().to_owned())
        .filter(|n| n != "html")
        .collect();
    (fragment.root_element().text().collect(), elements)
}

#[tokio::test]
async fn summaries_and_descriptions_that_show_html_as_text_stay_text_in_feeds() {
    const SHOWN: &str = "Why <img src=x onerror=alert(1)> is bad & how to stop it";
    for backend in backends() {
        let site = TestApp::with_author(backend, "mallory").await;
        let settings = chorus::domain::site::Settings {
            title: "Chorus".into(),
            description: SHOWN.into(),
            language: "en".into(),
            community_name: "Community".into(),
            registration_mode: chorus::domain::site::RegistrationMode::Closed,
        };
        chorus::storage::site::update_settings(&site.app.db, &settings)
            .await
            .unwrap();
        let user = site.user("mallory").await;
        let mut profile = chorus::actions::profiles::current_profile(&user);
        profile.display_name = "<b onclick=alert(2)>Mal</b>".into();
        chorus::actions::profiles::update_person(&site.app, &user, &profile)
            .await
            .unwrap();
        site.publish(
            "mallory",
            &format!("---\ntitle: Escaping\nsummary: \"{SHOWN}\"\n---\nBody.\n"),
        )
        .await
        .unwrap();

        for path in ["/feed.xml", "/@mallory/feed.xml"] {
            let reply = site.get(path).await;
            assert_eq!(reply.status, StatusCode::OK, "{path}");
            let feed = feed_rs::parser::parse(&reply.body[..]).unwrap();
            let summary = feed.entries[0].summary.as_ref().expect("a description");
            assert_eq!(
                as_html(&summary.content),
                (SHOWN.to_owned(), vec![]),
                "{backend:?}: {path}: the item's description"
            );
            let description = feed.description.as_ref().expect("a channel description");
            let (text, elements) = as_html(&description.content);
            assert_eq!(elements, Vec::<String>::new(), "{backend:?}: {path}");
            assert!(
                text.contains(SHOWN) || text.contains("<b onclick=alert(2)>Mal</b>"),
                "{backend:?}: {path}: {text}"
            );
        }
    }
}

/// Where a redirect's `Location` leads, resolved as a browser would against the site.
fn lands_on(reply: &Reply) -> Url {
    assert!(
        reply.status.is_redirection(),
        "expected a redirect, got {}: {}",
        reply.status,
        reply.text()
    );
    url(BASE_URL).join(reply.header("location")).unwrap()
}

#[tokio::test]
async fn signing_in_never_redirects_off_the_site() {
    // As typed in the address bar: the query is percent-decoded once by the server.
    let hostile = [
        "/%09/evil.example",
        "/%0A",
        "/%0D%0A/evil.example",
        "//evil.example",
        "/%5Cevil.example",
        "%2F%2Fevil.example",
        "https://evil.example",
        "/%252F/evil.example",
        "/%2509/evil.example",
    ];
    for backend in backends() {
        let site = TestApp::with_author(backend, "alice").await;
        let mut signed_in = Visitor::signed_in(&site, &site.user("alice").await).await;
        for next in hostile {
            let reply = signed_in.get(&format!("/login?next={next}")).await;
            let to = lands_on(&reply);
            assert_eq!(to.origin(), url(BASE_URL).origin(), "{backend:?}: {next}");
            assert_eq!(to.path(), "/editor", "{backend:?}: {next}");
        }
        let kept = signed_in.get("/login?next=%2Feditor%2Fnew").await;
        assert_eq!(lands_on(&kept).path(), "/editor/new", "{backend:?}");

        // The login form carries `next` through; signing in lands on the site all the same.
        for next in ["/%09/evil.example", "/%0A"] {
            let mut visitor = Visitor::new(&site);
            let page = visitor.get(&format!("/login?next={next}")).await;
            assert_eq!(page.status, StatusCode::OK, "{backend:?}: {next}");
            let csrf = csrf_of(&page);
            let decoded: String = url::form_urlencoded::parse(format!("n={next}").as_bytes())
                .map(|(_, v)| v.into_owned())
                .collect();
            let reply = visitor
                .post(
                    "/login",
                    &[
                        ("csrf", csrf.as_str()),
                        ("username", "alice"),
                        ("password", TEST_PASSWORD),
                        ("next", decoded.as_str()),
                    ],
                )
                .await;
            let to = lands_on(&reply);
            assert_eq!(to.origin(), url(BASE_URL).origin(), "{backend:?}: {next}");
            assert_eq!(to.path(), "/editor", "{backend:?}: {next}");
        }
    }
}

/// The ids of the stored outgoing activities of `kind`, oldest first.
async fn activity_ids(site: &TestApp, kind: &str) -> Vec<String> {
    let sql = "SELECT id FROM outgoing_activities WHERE kind = $1 ORDER BY created_at, id";
    match &site.app.db {
        chorus::storage::Db::Sqlite(p) => sqlx::query_scalar(sql).bind(kind).fetch_all(p).await,
        chorus::storage::Db::Postgres(p) => sqlx::query_scalar(sql).bind(kind).fetch_all(p).await,
    }
    .unwrap()
}

#[tokio::test]
async fn the_activities_of_a_post_taken_down_answer_410_with_a_tombstone() {
    for backend in backends() {
        let site = TestApp::with_author(backend, "alice").await;
        add_remote_follower(&site, "alice", "reader").await;
        let alice = site.user("alice").await;
        let withdrawn = site
            .publish_post("alice", "Withdrawn", "A secret recipe, on second thought.")
            .await;
        let deleted = site
            .publish_post("alice", "Regretted", "Something to take back.")
            .await;
        let creates = activity_ids(&site, "Create").await;
        assert_eq!(creates.len(), 2, "{backend:?}");
        for id in &creates {
            let reply = site.get_with(url(id).path(), &[AS_JSON]).await;
            assert_eq!(reply.status, StatusCode::OK, "{backend:?}: {id}");
            assert_eq!(reply.json()["type"], "Create");
        }

        let post = chorus::storage::posts::find_post_by_slug(&site.app.db, "withdrawn")
            .await
            .unwrap()
            .unwrap();
        chorus::actions::posts::unpublish(&site.app, &alice, post.id)
            .await
            .unwrap();
        site.delete(deleted.as_str()).await.unwrap();

        for (id, gone) in creates.iter().zip([&withdrawn, &deleted]) {
            let reply = site.get_with(url(id).path(), &[AS_JSON]).await;
            assert_eq!(reply.status, StatusCode::GONE, "{backend:?}: {gone}");
            assert!(
                reply
                    .content_type()
                    .starts_with("application/activity+json"),
                "{backend:?}"
            );
            let doc = reply.json();
            assert_eq!(doc["type"], "Tombstone", "{backend:?}: {doc}");
            assert_eq!(doc["id"], id.as_str());
            assert_eq!(doc["formerType"], "Create");
            let text = reply.text();
            assert!(
                !text.contains("secret recipe") && !text.contains("take back"),
                "{backend:?}: the text is gone: {text}"
            );
        }
        // The Delete itself carries no text, and peers may still fetch it.
        let delete = activity_ids(&site, "Delete").await;
        assert_eq!(
            delete.len(),
            2,
            "{backend:?}: unpublishing sends a Delete too"
        );
        for id in delete {
            let reply = site.get_with(url(&id).path(), &[AS_JSON]).await;
            assert_eq!(reply.status, StatusCode::OK, "{backend:?}: {id}");
        }

        // Published again, the post's first Create is public again.
        site.publish_post("alice", "Withdrawn", "A secret recipe, on second thought.")
            .await;
        let reply = site.get_with(url(&creates[0]).path(), &[AS_JSON]).await;
        assert_eq!(reply.status, StatusCode::OK, "{backend:?}");
    }
}

#[tokio::test]
async fn a_preview_with_someone_elses_cover_shows_nothing_of_it() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        let alice = Writer::sign_up(&site, "alice", Role::Author).await;
        let bob = Writer::sign_up(&site, "bob", Role::Author).await;
        let photo = png(64, 48);
        let file = FilePart {
            field: "file",
            file_name: "sketch.png",
            content_type: "image/png",
            bytes: &photo,
        };
        let uploaded = alice
            .post_multipart(
                "/editor/media",
                &[("alt", "Alice's unannounced product sketch")],
                &[file],
                &[],
            )
            .await;
        let id: i64 = location(&uploaded)
            .split("uploaded=")
            .nth(1)
            .and_then(|v| v.split('&').next())
            .and_then(|v| v.parse().ok())
            .expect("the uploaded image's id");
        let media = chorus::storage::media::find_media(&site.app.db, id)
            .await
            .unwrap()
            .unwrap();
        let file_name = chorus::media::path(&media, 480);

        let id = id.to_string();
        let form = [
            ("title", "Bob's post"),
            ("body", "Text."),
            ("cover_media_id", id.as_str()),
        ];
        for action in ["preview", "upload", "save"] {
            let mut fields = form.to_vec();
            fields.push(("action", action));
            let reply = bob.post("/editor/new", &fields).await;
            assert_eq!(
                reply.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{backend:?}: {action}"
            );
            let text = reply.text();
            assert!(
                !text.contains("unannounced product sketch"),
                "{backend:?}: {action}: the alt text leaks"
            );
            assert!(
                !text.contains(&file_name),
                "{backend:?}: {action}: the image leaks"
            );
            assert!(
                text_of(&reply.html(), ".error")
                    .unwrap_or_default()
                    .contains("cover image"),
                "{backend:?}: {action}: says why"
            );
        }
        assert_eq!(site.count("posts").await, 0, "{backend:?}");
    }
}
