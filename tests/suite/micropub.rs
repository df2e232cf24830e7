//! A writing app that speaks Micropub finds the endpoint on any page, and with a bearer token
//! creates posts (form, multipart with a photo, JSON), drafts and contributions for review,
//! changes them, deletes and restores them, asks for their source, and uploads images; what it
//! does shows on the site and reaches followers as it would from the editor. Bad tokens, wrong
//! scopes and malformed requests get Micropub's JSON errors and leave nothing behind.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chorus::domain::scope::Scopes;
use chorus::domain::{PostStatus, Role};
use chorus::storage::posts::find_post_by_slug;
use serde_json::{Value, json};

use crate::support::editor::sent_by;
use crate::support::forms::{FilePart, multipart};
use crate::support::images::png;
use crate::support::{Reply, TestApp, add_remote_follower, backends};

/// A token for `user` with `scopes`, as the IndieAuth token endpoint would issue it.
async fn token(site: &TestApp, user: &str, scopes: &str) -> String {
    let user = site.user(user).await;
    let scopes = Scopes::parse_strict(scopes).expect("known scopes");
    chorus::actions::tokens::issue(
        &site.app,
        &user,
        "https://app.example/",
        "App",
        &scopes,
        None,
    )
    .await
    .expect("a token")
}

async fn send(
    site: &TestApp,
    path: &str,
    token: Option<&str>,
    content_type: &str,
    body: Vec<u8>,
) -> Reply {
    let mut request = Request::post(path).header(header::CONTENT_TYPE, content_type);
    if let Some(t) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    site.send(request.body(Body::from(body)).unwrap()).await
}

async fn form(site: &TestApp, token: Option<&str>, fields: &[(&str, &str)]) -> Reply {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    send(
        site,
        "/micropub",
        token,
        "application/x-www-form-urlencoded",
        body.into_bytes(),
    )
    .await
}

async fn post_json(site: &TestApp, token: &str, body: &Value) -> Reply {
    send(
        site,
        "/micropub",
        Some(token),
        "application/json",
        body.to_string().into_bytes(),
    )
    .await
}

async fn query(site: &TestApp, token: &str, q: &str) -> Reply {
    let request = Request::get(format!("/micropub?{q}"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    site.send(request).await
}

/// The path of a `Location` on this site.
fn path_of(reply: &Reply) -> String {
    let location = reply.header(header::LOCATION);
    assert!(
        !location.is_empty(),
        "no Location: {} {}",
        reply.status,
        reply.text()
    );
    url::Url::parse(location)
        .map(|u| u.path().to_owned())
        .unwrap_or_else(|_| location.to_owned())
}

fn texts(page: &Reply, selector: &str) -> Vec<String> {
    let html = page.html();
    let selector = scraper::Selector::parse(selector).unwrap();
    html.select(&selector)
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .collect()
}

/// The categories of the page's h-entry, as a microformats parser reads them.
fn categories(page: &Reply) -> Vec<String> {
    let html = page.html();
    let selector = scraper::Selector::parse(".h-entry .p-category").unwrap();
    html.select(&selector)
        .filter_map(|e| e.value().attr("value").map(str::to_owned))
        .collect()
}

fn error_of(reply: &Reply) -> String {
    reply.json()["error"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_post_made_with_a_form_is_served_at_its_location() {
    for backend in backends() {
        let site = TestApp::with_author(backend, "alice").await;
        let home = site.get("/").await;
        let html = home.html();
        let link = scraper::Selector::parse("link[rel=micropub]").unwrap();
        let href = html
            .select(&link)
            .next()
            .and_then(|l| l.value().attr("href"));
        assert_eq!(
            href,
            Some("/micropub"),
            "{backend:?}: the home page names the endpoint"
        );

        // The token as an operator would make it.
        let out = site
            .command_line(
                &[
                    "token",
                    "create",
                    "--user",
                    "alice",
                    "--scope",
                    "create,update",
                ],
                None,
            )
            .ok();
        let token = out.stdout.trim().to_owned();
        let made = form(
            &site,
            Some(&token),
            &[
                ("h", "entry"),
                ("name", "Notes from the meetup"),
                ("content", "We talked about *Rust* and the web."),
                ("category[]", "rust"),
                ("category[]", "web"),
                ("published", "2025-06-01T10:00:00Z"),
            ],
        )
        .await;
        assert_eq!(
            made.status,
            StatusCode::CREATED,
            "{backend:?}: {}",
            made.text()
        );
        let path = path_of(&made);
        assert_eq!(path, "/posts/notes-from-the-meetup");
        let page = site.get(&path).await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(texts(&page, ".h-entry .p-name"), ["Notes from the meetup"]);
        assert_eq!(categories(&page), ["rust", "web"]);
        assert!(
            page.text().contains("<em>Rust</em>"),
            "{backend:?}: the Markdown is rendered"
        );
        assert!(
            page.text().contains("datetime=\"2025-06-01T10:00:00"),
            "{backend:?}: back-dated"
        );

        // A note without a name takes its first words as title, and a second one alike gets
        // an address of its own.
        for expected in ["/posts/just-a-short-note", "/posts/just-a-short-note-2"] {
            let note = form(&site, Some(&token), &[("content", "Just a short note")]).await;
            assert_eq!(note.status, StatusCode::CREATED, "{}", note.text());
            assert_eq!(path_of(&note), expected);
        }
        // The token in the body works too (§3.8), but not in both places at once.
        let in_body = form(
            &site,
            None,
            &[("content", "Token in the body"), ("access_token", &token)],
        )
        .await;
        assert_eq!(in_body.status, StatusCode::CREATED, "{}", in_body.text());
        let both = form(
            &site,
            Some(&token),
            &[("content", "Twice"), ("access_token", &token)],
        )
        .await;
        assert_eq!(both.status, StatusCode::BAD_REQUEST);
        assert_eq!(error_of(&both), "invalid_request");
    }
}

#[tokio::test]
async fn json_multipart_drafts_and_contributions_go_through_the_editor_s_rules() {
    for backend in backends() {
        let site = TestApp::with_author(backend, "alice").await;
        site.create_user("carol", Role::Contributor).await;
        let token = token(&site, "alice", "create").await;

        let made = post_json(
            &site,
            &token,
            &json!({
                "type": ["h-entry"],
                "properties": {
                    "name": ["HTML from an app"],
                    "content": [{"html": "<p>Some <strong>bold</strong> words<script>alert(1)</script></p>"}],
                    "category": ["indieweb"],
                    "mp-slug": ["from-an-app"],
                }
            }),
        )
        .await;
        assert_eq!(
            made.status,
            StatusCode::CREATED,
            "{backend:?}: {}",
            made.text()
        );
        let page = site.get(&path_of(&made)).await;
        assert_eq!(path_of(&made), "/posts/from-an-app");
        let content = texts(&page, ".e-content").join(" ");
        assert!(content.contains("Some bold words"), "{content}");
        assert!(page.text().contains("<strong>bold</strong>"));
        assert!(
            !page.text().contains("alert(1)"),
            "{backend:?}: the site's sanitizer ran"
        );

        // A photo sent with the post goes into the media store and shows in the post.
        let image = png(64, 48);
        let (content_type, body) = multipart(
            &[("h", "entry"), ("content", "A picture of the venue")],
            &[FilePart {
                field: "photo",
                file_name: "venue.png",
                content_type: "image/png",
                bytes: &image,
            }],
        );
        let with_photo = send(&site, "/micropub", Some(&token), &content_type, body).await;
        assert_eq!(
            with_photo.status,
            StatusCode::CREATED,
            "{}",
            with_photo.text()
        );
        assert_eq!(site.count("media").await, 1);
        let page = site.get(&path_of(&with_photo)).await;
        assert!(
            page.text().contains("<img src=\"/media/"),
            "{backend:?}: {}",
            page.text()
        );

        // A draft is saved, not published: its future address answers nothing yet.
        let draft = form(
            &site,
            Some(&token),
            &[
                ("name", "Not yet"),
                ("content", "Draft text"),
                ("post-status", "draft"),
            ],
        )
        .await;
        assert_eq!(draft.status, StatusCode::ACCEPTED, "{}", draft.text());
        assert_eq!(
            site.get(&path_of(&draft)).await.status,
            StatusCode::NOT_FOUND
        );
        let stored = find_post_by_slug(&site.app.db, "not-yet")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.status, PostStatus::Draft);

        // A token that may only make drafts makes drafts.
        let drafts_only = token_for(&site, "alice", "draft").await;
        let forced = form(
            &site,
            Some(&drafts_only),
            &[("name", "Forced draft"), ("content", "Text")],
        )
        .await;
        assert_eq!(forced.status, StatusCode::ACCEPTED, "{}", forced.text());
        let stored = find_post_by_slug(&site.app.db, "forced-draft")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.status, PostStatus::Draft);

        // A contributor's post waits for an editor.
        let carol = token_for(&site, "carol", "create").await;
        let submitted = form(
            &site,
            Some(&carol),
            &[("name", "Guest post"), ("content", "Please review")],
        )
        .await;
        assert_eq!(
            submitted.status,
            StatusCode::ACCEPTED,
            "{}",
            submitted.text()
        );
        let stored = find_post_by_slug(&site.app.db, "guest-post")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.status, PostStatus::Draft);
        assert!(
            stored.review_requested_at.is_some(),
            "{backend:?}: submitted for review"
        );
        assert_eq!(
            site.get("/posts/guest-post").await.status,
            StatusCode::NOT_FOUND
        );
    }
}

async fn token_for(site: &TestApp, user: &str, scopes: &str) -> String {
    token(site, user, scopes).await
}

#[tokio::test]
async fn updates_deletion_and_restoring_show_on_the_site_and_reach_followers() {
    for backend in backends() {
        let site = TestApp::with_author(backend, "alice").await;
        add_remote_follower(&site, "alice", "reader").await;
        let token = token(&site, "alice", "create update delete undelete").await;
        let made = form(
            &site,
            Some(&token),
            &[
                ("name", "First title"),
                ("content", "Original text"),
                ("category[]", "old"),
                ("category[]", "keep"),
            ],
        )
        .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.text());
        let url = made.header(header::LOCATION).to_owned();
        let path = path_of(&made);

        let updated = post_json(
            &site,
            &token,
            &json!({
                "action": "update",
                "url": url,
                "replace": {"name": ["Better title"], "content": ["Changed text"]},
                "add": {"category": ["new"]},
                "delete": {"category": ["old"]},
            }),
        )
        .await;
        assert_eq!(
            updated.status,
            StatusCode::NO_CONTENT,
            "{backend:?}: {}",
            updated.text()
        );
        let page = site.get(&path).await;
        assert_eq!(texts(&page, ".h-entry .p-name"), ["Better title"]);
        assert_eq!(categories(&page), ["keep", "new"]);
        assert!(page.text().contains("Changed text"));
        assert_eq!(sent_by(&site, "alice").await, ["Create", "Update"]);

        // Deleting a whole property.
        let removed = post_json(
            &site,
            &token,
            &json!({"action": "update", "url": url, "delete": ["category"]}),
        )
        .await;
        assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.text());
        assert!(categories(&site.get(&path).await).is_empty());

        // The source, whole or in part.
        let source = query(&site, &token, &format!("q=source&url={url}")).await;
        assert_eq!(source.status, StatusCode::OK, "{}", source.text());
        let source = source.json();
        assert_eq!(source["type"], json!(["h-entry"]));
        assert_eq!(source["properties"]["name"], json!(["Better title"]));
        assert_eq!(source["properties"]["content"], json!(["Changed text"]));
        let part = query(
            &site,
            &token,
            &format!("q=source&url={url}&properties[]=name"),
        )
        .await
        .json();
        assert_eq!(part, json!({"properties": {"name": ["Better title"]}}));

        // Deleted, the address answers 410; restored, 200 again, and followers hear both.
        let deleted = form(&site, Some(&token), &[("action", "delete"), ("url", &url)]).await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text());
        assert_eq!(site.get(&path).await.status, StatusCode::GONE);
        let restored = post_json(&site, &token, &json!({"action": "undelete", "url": url})).await;
        assert_eq!(
            restored.status,
            StatusCode::NO_CONTENT,
            "{}",
            restored.text()
        );
        let page = site.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{backend:?}: restored");
        assert_eq!(texts(&page, ".h-entry .p-name"), ["Better title"]);
        assert_eq!(
            sent_by(&site, "alice").await,
            ["Create", "Update", "Update", "Delete", "Create"]
        );
        let again = post_json(&site, &token, &json!({"action": "undelete", "url": url})).await;
        assert_eq!(again.status, StatusCode::BAD_REQUEST);

        // Configuration and syndication targets.
        let config = query(&site, &token, "q=config").await.json();
        assert_eq!(config["media-endpoint"], json!(site.url("/micropub/media")));
        assert_eq!(config["syndicate-to"], json!([]));
        assert!(config["q"].as_array().unwrap().contains(&json!("source")));
        assert_eq!(
            query(&site, &token, "q=syndicate-to").await.json(),
            json!({"syndicate-to": []})
        );
    }
}

#[tokio::test]
async fn the_media_endpoint_stores_images_like_the_editor() {
    for backend in backends() {
        let site = TestApp::with_author(backend, "alice").await;
        let token = token(&site, "alice", "media").await;
        let image = png(200, 100);
        let (content_type, body) = multipart(
            &[],
            &[FilePart {
                field: "file",
                file_name: "a.png",
                content_type: "image/png",
                bytes: &image,
            }],
        );
        let stored = send(&site, "/micropub/media", Some(&token), &content_type, body).await;
        assert_eq!(
            stored.status,
            StatusCode::CREATED,
            "{backend:?}: {}",
            stored.text()
        );
        let served = site.get(&path_of(&stored)).await;
        assert_eq!(served.status, StatusCode::OK);
        assert_eq!(served.content_type(), "image/png");

        // Not an image: 400 with the reason, nothing stored.
        let (content_type, body) = multipart(
            &[],
            &[FilePart {
                field: "file",
                file_name: "a.png",
                content_type: "image/png",
                bytes: b"not an image",
            }],
        );
        let refused = send(&site, "/micropub/media", Some(&token), &content_type, body).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        assert_eq!(error_of(&refused), "invalid_request");
        assert!(
            refused.json()["error_description"]
                .as_str()
                .unwrap()
                .contains("image")
        );
        assert_eq!(site.count("media").await, 1);
    }
}

#[tokio::test]
async fn bad_tokens_scopes_and_requests_are_refused_and_leave_nothing() {
    for backend in backends() {
        let site = TestApp::with_author(backend, "alice").await;
        site.create_user("bob", Role::Author).await;
        let create_only = token(&site, "alice", "create").await;
        let fields = [("h", "entry"), ("content", "Hello")];

        let anonymous = form(&site, None, &fields).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
        assert_eq!(error_of(&anonymous), "unauthorized");
        let forged = form(&site, Some("not-a-token"), &fields).await;
        assert_eq!(forged.status, StatusCode::UNAUTHORIZED);
        assert_eq!(error_of(&forged), "invalid_token");

        let media_only = token(&site, "alice", "media").await;
        let no_create = form(&site, Some(&media_only), &fields).await;
        assert_eq!(no_create.status, StatusCode::FORBIDDEN);
        assert_eq!(error_of(&no_create), "insufficient_scope");
        assert!(
            no_create.json()["error_description"]
                .as_str()
                .unwrap()
                .contains("create")
        );

        let malformed = send(
            &site,
            "/micropub",
            Some(&create_only),
            "application/json",
            b"{\"type\": [".to_vec(),
        )
        .await;
        assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
        assert_eq!(error_of(&malformed), "invalid_request");
        let card = form(&site, Some(&create_only), &[("h", "card"), ("name", "Me")]).await;
        assert_eq!(card.status, StatusCode::BAD_REQUEST);
        let bad_date = form(
            &site,
            Some(&create_only),
            &[("content", "x"), ("published", "soon")],
        )
        .await;
        assert_eq!(
            bad_date.status,
            StatusCode::BAD_REQUEST,
            "{}",
            bad_date.text()
        );
        assert!(
            bad_date.json()["error_description"]
                .as_str()
                .unwrap()
                .contains("published")
        );

        // A bad photo with a post: refused, and neither post nor image is kept.
        let (content_type, body) = multipart(
            &[("content", "With a broken photo")],
            &[FilePart {
                field: "photo",
                file_name: "x.jpg",
                content_type: "image/jpeg",
                bytes: b"garbage",
            }],
        );
        let broken = send(&site, "/micropub", Some(&create_only), &content_type, body).await;
        assert_eq!(broken.status, StatusCode::BAD_REQUEST, "{}", broken.text());
        assert_eq!(
            site.count("posts").await,
            0,
            "{backend:?}: nothing half-written"
        );
        assert_eq!(site.count("media").await, 0);

        // Updating needs the update scope; an unknown URL is invalid_request; someone
        // else's post is forbidden.
        let made = form(&site, Some(&create_only), &fields).await;
        let url = made.header(header::LOCATION).to_owned();
        let change = json!({"action": "update", "url": url, "replace": {"name": ["X"]}});
        let refused = post_json(&site, &create_only, &change).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert_eq!(error_of(&refused), "insufficient_scope");
        let updater = token(&site, "alice", "update delete").await;
        let nowhere = json!({"action": "update", "url": site.url("/posts/nothing-here"), "replace": {"name": ["X"]}});
        let unknown = post_json(&site, &updater, &nowhere).await;
        assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
        assert_eq!(error_of(&unknown), "invalid_request");
        let bob = token(&site, "bob", "update delete").await;
        let not_his = form(&site, Some(&bob), &[("action", "delete"), ("url", &url)]).await;
        assert_eq!(not_his.status, StatusCode::FORBIDDEN, "{}", not_his.text());
        assert_eq!(site.get(&path_of(&made)).await.status, StatusCode::OK);
        let nonsense = post_json(
            &site,
            &updater,
            &json!({"action": "update", "url": url, "replace": {"name": "X"}}),
        )
        .await;
        assert_eq!(nonsense.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            texts(&site.get(&path_of(&made)).await, ".h-entry .p-name"),
            ["Hello"]
        );
    }
}
