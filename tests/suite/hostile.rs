//! Hostile content as an attacker wrote it, through the real write paths and inboxes: raw HTML
//! that games the mention placeholders, links to `javascript:` ids, summaries that turn into
//! markup in feed readers, redirects off the site after signing in, texts that stay public
//! after they were taken down, someone else's cover image, and images that call other
//! servers. Each must come out harmless, and what the page shows must be what was reviewed.

use crate::support::editor::{Writer, location, post_id};
use crate::support::forms::{FilePart, Visitor, csrf_of};
use crate::support::images::png;
use crate::support::peer::Peer;
use crate::support::{
    AS_JSON, BASE_URL, Reply, TEST_PASSWORD, TestApp, TestServer, add_remote_follower,
    assert_self_contained, attr, backends, dangers, loaded_urls, select, text_of, url,
};
use axum::http::StatusCode;
use chorus::domain::Role;
use serde_json::json;
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

/// What an older version may have kept from a hostile peer: an actor whose profile link and a
/// reply and an amplified post whose ids are `javascript:` URLs, and a report naming them.
async fn keep_hostile_ids(site: &TestApp, post_id: i64) {
    use chorus::domain::comments::{CommentState, Visibility};
    use chorus::storage::{amplifications, comments, remote, reports};
    let db = &site.app.db;
    let now = chorus::domain::time::now();
    let actor = remote::upsert_remote_actor(
        db,
        &remote::RemoteActorData {
            uri: "https://old.example/users/eve".into(),
            kind: "Person".into(),
            username: "eve".into(),
            domain: "old.example".into(),
            display_name: "Eve".into(),
            url: Some("javascript:alert('profile')".into()),
            icon_url: None,
            inbox: "https://old.example/users/eve/inbox".into(),
            shared_inbox: None,
            key_id: "https://old.example/users/eve#main-key".into(),
            public_key_pem: String::new(),
        },
        now,
    )
    .await
    .unwrap();
    for (uri, state) in [
        (
            "javascript://old.example/%0Aalert('shown')",
            CommentState::Approved,
        ),
        (
            "javascript://old.example/%0Aalert('queued')",
            CommentState::Pending,
        ),
    ] {
        let comment = comments::NewComment {
            post_id,
            uri,
            in_reply_to: "javascript:alert('parent')",
            parent_id: None,
            remote_actor_id: actor.id,
            url: Some("data:text/html,<script>alert('url')</script>"),
            content_html: "<p>hello</p>",
            visibility: Visibility::Public,
            state,
            published: now,
            updated: None,
        };
        comments::insert_comment(db, &comment, now).await.unwrap();
    }
    let boosted = "javascript://old.example/%0Aalert('amplified')";
    remote::upsert_remote_object(
        db,
        &remote::RemoteObjectData {
            uri: boosted,
            remote_actor_id: actor.id,
            kind: "Note",
            name: Some("Boosted"),
            summary: None,
            content: "<p>boosted</p>",
            url: Some("javascript:alert('amplified url')"),
            in_reply_to: None,
            published: Some(now),
            updated: None,
            announced_by: None,
        },
        now,
    )
    .await
    .unwrap();
    let kept = remote::find_remote_object(db, boosted)
        .await
        .unwrap()
        .unwrap();
    amplifications::insert_amplification(db, kept.id, &site.url("/activities/boost"), now)
        .await
        .unwrap();
    let objects = [
        "javascript://old.example/%0Aalert('shown')".to_owned(),
        "javascript:alert('other')".to_owned(),
    ];
    reports::insert_report(
        db,
        "https://old.example/flag/1",
        &actor.uri,
        "",
        &objects,
        now,
    )
    .await
    .unwrap();
    site.app.content_changed().await;
}

#[tokio::test]
async fn ids_and_links_of_other_servers_that_are_not_http_never_become_links() {
    for backend in backends() {
        let site = TestApp::with_author(backend, "alice").await;
        let admin = site.create_user("ada", Role::Admin).await;
        let post = site.publish_post("alice", "Target", "Reply to me.").await;
        let post_id = chorus::storage::posts::find_post_by_slug(&site.app.db, "target")
            .await
            .unwrap()
            .unwrap()
            .id;
        keep_hostile_ids(&site, post_id).await;

        let page = site.get(post.path()).await;
        assert!(
            page.text().contains("hello"),
            "{backend:?}: the comment shows"
        );
        let mut pages = vec![("the post page", page)];
        let mut ada = Visitor::signed_in(&site, &admin).await;
        for path in ["/moderation", "/admin/reports", "/community/amplify"] {
            pages.push((path, ada.get(path).await));
        }
        pages.push(("the community page", site.get("/@community").await));
        for (what, reply) in pages {
            assert_eq!(reply.status, StatusCode::OK, "{backend:?}: {what}");
            let html = reply.html();
            // The amplify page's form names a post by its stored id, in a field's value: sent
            // back to this site, never followed.
            let dangers: Vec<String> = dangers(&html)
                .into_iter()
                .filter(|d| !(d.starts_with("value=") && d.ends_with("on <input>")))
                .collect();
            assert_eq!(dangers, Vec::<String>::new(), "{backend:?}: {what}");
            for a in select(&html, "a[href]") {
                let href = a.value().attr("href").unwrap();
                let to = url(BASE_URL).join(href).unwrap();
                assert!(
                    matches!(to.scheme(), "http" | "https"),
                    "{backend:?}: {what} links to {href}"
                );
            }
        }
    }
}

#[tokio::test]
async fn peers_cannot_hand_us_ids_that_are_not_http() {
    for backend in backends() {
        let chorus = TestServer::spawn(backend).await;
        chorus.create_user("alice", Role::Author).await;
        let peer = Peer::start(&["eve"]).await;
        let post = chorus.publish_post("alice", "Target", "Reply to me.").await;

        // A reply to something that is not an http(s) URL: refused, nothing kept.
        let mut odd = peer.note("eve", "n1", "javascript:alert(1)", "<p>odd</p>");
        odd["tag"] = json!([{"type": "Mention", "href": chorus.url("/@alice")}]);
        let status = peer
            .deliver("eve", &chorus.inbox(), &peer.create("eve", &odd))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{backend:?}");
        for table in ["comments", "remote_objects", "mentions_received"] {
            assert_eq!(chorus.count(table).await, 0, "{backend:?}: {table}");
        }

        // A reply whose link is not http(s): kept, without the link.
        let mut linked = peer.note("eve", "n2", post.as_str(), "<p>linked</p>");
        linked["url"] = json!("javascript:alert(2)");
        let status = peer
            .deliver("eve", &chorus.inbox(), &peer.create("eve", &linked))
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{backend:?}");
        let page = chorus.get(post.path()).await;
        assert!(page.text().contains("linked"), "{backend:?}");
        assert_eq!(
            attr(&page.html(), "li.comment a.u-url", "href"),
            Some(peer.object_url("n2")),
            "{backend:?}: the reply's id stands in for its link"
        );

        // A report naming one of our posts and a `javascript:` id keeps the post only.
        let flag = peer.activity(
            "eve",
            "Flag",
            json!([post.as_str(), "javascript:alert(3)", "data:text/html,x"]),
        );
        let status = peer.deliver("eve", &chorus.inbox(), &flag).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{backend:?}");
        let reports = chorus::actions::moderation::reports(&chorus.app, true, 10, 0)
            .await
            .unwrap();
        assert_eq!(
            reports[0].report.object_ids,
            vec![post.to_string()],
            "{backend:?}"
        );
    }
}
