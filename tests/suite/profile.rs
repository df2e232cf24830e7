//! An author's profile and followers as they and their readers see them: editing the profile
//! changes the author page and the actor document and federates an Update; removing a
//! follower federates a Reject; bad input and forged forms change nothing.

use crate::support::forms::{OTHER_ORIGIN, Visitor, csrf_of, location};
use crate::support::images::png;
use crate::support::peer::Peer;
use crate::support::{
    AS_JSON, Reply, TestApp, TestServer, add_remote_follower, attr, backends, select, text_of,
};
use axum::http::StatusCode;
use chorus::domain::Role;
use chorus::queue::{QueuePolicy, worker};
use chorus::storage::deliveries;
use serde_json::{Value, json};

const PROFILE: &[(&str, &str)] = &[
    ("display_name", "Alice Liddell"),
    ("bio", "I write about **Rust** and curious things."),
    ("fediverse_creator", "alice@Mastodon.Example"),
    ("field1_name", "Website"),
    ("field1_value", "https://alice.example/"),
    ("field2_name", "Pronouns"),
    ("field2_value", "she/her"),
    ("field3_name", ""),
    ("field3_value", ""),
];

fn actor_json(reply: &Reply) -> Value {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply.json()
}

#[tokio::test]
async fn a_profile_edit_shows_on_the_author_page_and_in_the_actor_and_goes_to_followers() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        let alice = site.create_user("alice", Role::Author).await;
        add_remote_follower(&site, "alice", "pat").await;
        // Pages are cached before the change.
        assert_eq!(site.get("/@alice").await.status, StatusCode::OK);
        let before = actor_json(&site.get_with("/@alice", &[AS_JSON]).await);
        assert_eq!(before["attachment"], json!([]));

        let mut b = Visitor::signed_in(&site, &alice).await;
        let form = b.get("/account/profile").await;
        assert_eq!(form.status, StatusCode::OK);
        let html = form.html();
        assert_eq!(select(&html, "h1").len(), 1);
        for input in select(&html, "input:not([type=hidden]), textarea, select") {
            let id = input.value().attr("id").expect("every field has an id");
            assert_eq!(
                select(&html, &format!("label[for={id}]")).len(),
                1,
                "field {id} has a label"
            );
        }
        assert!(
            form.text().contains("Author attribution"),
            "the note on Mastodon's setting"
        );
        assert!(
            form.text().contains("community.example"),
            "the domain to allow"
        );

        let r = b
            .submit("/account/profile", "/account/profile", PROFILE)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert!(
            b.get(location(&r))
                .await
                .text()
                .contains("Your profile was saved")
        );

        let page = site.get("/@alice").await;
        let html = page.html();
        assert_eq!(text_of(&html, "h1").as_deref(), Some("Alice Liddell"));
        assert!(page.text().contains("<strong>Rust</strong>"));
        assert_eq!(
            attr(&html, "meta[name=\"fediverse:creator\"]", "content").as_deref(),
            Some("@alice@mastodon.example")
        );
        let fields = select(&html, ".profile-fields dt");
        assert_eq!(fields.len(), 2);
        let link = select(&html, ".profile-fields a[rel~=me]");
        assert_eq!(link.len(), 1, "the web address is a rel=me link");
        assert_eq!(link[0].value().attr("href"), Some("https://alice.example/"));
        assert!(
            text_of(&html, ".profile-fields")
                .unwrap()
                .contains("she/her")
        );

        let actor = actor_json(&site.get_with("/@alice", &[AS_JSON]).await);
        assert_eq!(actor["name"], "Alice Liddell");
        assert!(
            actor["summary"]
                .as_str()
                .unwrap()
                .contains("<strong>Rust</strong>")
        );
        let attachment = actor["attachment"].as_array().expect("attachment");
        assert_eq!(attachment.len(), 2);
        assert_eq!(attachment[0]["type"], "PropertyValue");
        assert_eq!(attachment[0]["name"], "Website");
        let value = attachment[0]["value"].as_str().unwrap();
        assert!(
            value.contains("href=\"https://alice.example/\"") && value.contains("me\""),
            "{value}"
        );
        assert_eq!(
            attachment[1],
            json!({"type": "PropertyValue", "name": "Pronouns", "value": "she/her"})
        );

        // The followers' server gets an Update of the Person.
        let update = last_update(&site).await;
        assert_eq!(update["object"]["type"], "Person");
        assert_eq!(update["object"]["name"], "Alice Liddell");
        assert_eq!(update["object"]["attachment"].as_array().unwrap().len(), 2);
    }
}

/// The newest `Update` this site sent, with its deliveries checked.
async fn last_update(site: &TestApp) -> Value {
    let id = match &site.app.db {
        chorus::storage::Db::Sqlite(p) => sqlx::query_scalar::<_, String>("SELECT id FROM outgoing_activities WHERE kind = 'Update' ORDER BY created_at DESC, id DESC LIMIT 1").fetch_one(p).await,
        chorus::storage::Db::Postgres(p) => sqlx::query_scalar::<_, String>("SELECT id FROM outgoing_activities WHERE kind = 'Update' ORDER BY created_at DESC, id DESC LIMIT 1").fetch_one(p).await,
    }
    .expect("an Update was queued");
    let rows = deliveries::list_deliveries_of_activity(&site.app.db, &id)
        .await
        .unwrap();
    assert_eq!(
        rows.iter().map(|d| d.inbox.as_str()).collect::<Vec<_>>(),
        vec!["https://social.example/inbox"]
    );
    deliveries::find_outgoing_activity(&site.app.db, &id)
        .await
        .unwrap()
        .expect("stored")
}

#[tokio::test]
async fn avatar_and_header_appear_on_the_author_page_and_as_icon_and_image() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        let alice = site.create_user("alice", Role::Author).await;
        add_remote_follower(&site, "alice", "pat").await;
        let mut b = Visitor::signed_in(&site, &alice).await;
        let csrf = csrf_of(&b.get("/account/profile").await);

        let r = b
            .post_file(
                "/account/profile/avatar",
                &[("csrf", &csrf), ("alt", "Alice smiling")],
                "me.png",
                &png(600, 600),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let r = b
            .post_file(
                "/account/profile/header",
                &[("csrf", &csrf), ("alt", "A library")],
                "wide.png",
                &png(900, 300),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());

        let page = site.get("/@alice").await;
        let html = page.html();
        let avatar = attr(&html, "img.avatar", "src").expect("an avatar on the author page");
        assert_eq!(
            attr(&html, "img.avatar", "alt").as_deref(),
            Some("Alice smiling")
        );
        assert!(attr(&html, "img.profile-header", "src").is_some());
        assert_eq!(
            site.get(&avatar).await.status,
            StatusCode::OK,
            "the avatar is served"
        );

        let actor = actor_json(&site.get_with("/@alice", &[AS_JSON]).await);
        assert_eq!(actor["icon"]["type"], "Image");
        assert_eq!(actor["icon"]["mediaType"], "image/png");
        assert_eq!(actor["icon"]["url"], site.url(&avatar));
        assert_eq!(actor["image"]["type"], "Image");
        assert_eq!(last_update(&site).await["object"]["image"]["type"], "Image");

        // A file that is not an image is refused, and the avatar stays.
        let media_before = site.count("media").await;
        let r = b
            .post_file(
                "/account/profile/avatar",
                &[("csrf", &csrf), ("alt", "")],
                "notes.txt",
                b"just text",
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().contains("not an image"), "{}", r.text());
        assert_eq!(site.count("media").await, media_before);
        assert!(site.user("alice").await.avatar_media_id.is_some());

        // Removing the header takes it off the actor.
        let r = b
            .post(
                "/account/profile/images/remove",
                &[("csrf", &csrf), ("which", "header")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let actor = actor_json(&site.get_with("/@alice", &[AS_JSON]).await);
        assert!(actor.get("image").is_none(), "{actor}");
        assert!(actor.get("icon").is_some());
    }
}

#[tokio::test]
async fn bad_profile_input_is_refused_with_a_reason_and_changes_nothing() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        let mut b = Visitor::sign_up(&site, "alice", Role::Author).await;
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("display_name", "  ")], "display name"),
            (
                &[("display_name", "Alice"), ("field1_name", "Website")],
                "label and a value",
            ),
            (
                &[
                    ("display_name", "Alice"),
                    ("fediverse_creator", "not a handle"),
                ],
                "fediverse handle",
            ),
            (
                &[("display_name", "Alice"), ("field2_value", "orphan value")],
                "label and a value",
            ),
        ];
        for (fields, reason) in cases {
            let r = b
                .submit("/account/profile", "/account/profile", fields)
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}");
            assert!(r.text().contains(reason), "{reason}: {}", r.text());
            assert_eq!(
                text_of(&r.html(), "[role=alert]").map(|t| t.is_empty()),
                Some(false)
            );
        }
        let long = "x".repeat(300);
        let r = b
            .submit(
                "/account/profile",
                "/account/profile",
                &[
                    ("display_name", "Alice"),
                    ("field1_name", "a"),
                    ("field1_value", &long),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let after = site.user("alice").await;
        assert_eq!(after.display_name, "alice");
        assert!(after.profile_fields.is_empty());
        assert_eq!(
            site.count("outgoing_activities").await,
            0,
            "nothing was federated"
        );
    }
}

#[tokio::test]
async fn profile_forms_without_the_token_or_from_another_site_are_refused() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        let mut b = Visitor::sign_up(&site, "alice", Role::Author).await;
        let csrf = csrf_of(&b.get("/account/profile").await);
        let r = b
            .post("/account/profile", &[("display_name", "Mallory")])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "no token");
        let r = b
            .post_from(
                "/account/profile",
                &[("csrf", &csrf), ("display_name", "Mallory")],
                OTHER_ORIGIN,
                "cross-site",
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "cross-site");
        let r = b
            .post_file(
                "/account/profile/avatar",
                &[("alt", "x")],
                "a.png",
                &png(10, 10),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "upload without token");
        let after = site.user("alice").await;
        assert_eq!(after.display_name, "alice");
        assert_eq!(after.avatar_media_id, None);
        assert_eq!(site.count("media").await, 0);
        // Signed out, the page asks for a login.
        let r = Visitor::new(&site).get("/account/profile").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(location(&r), "/login?next=%2Faccount%2Fprofile");
    }
}

#[tokio::test]
async fn removing_a_follower_federates_a_reject_and_the_count_drops() {
    for backend in backends() {
        let server = TestServer::spawn(backend).await;
        let alice = server.create_user("alice", Role::Author).await;
        let bob = server.create_user("bob", Role::Author).await;
        let peer = Peer::start(&["pat"]).await;
        let follow = peer.follow("pat", &server.url("/@alice"));
        let inbox = server.inbox_of("alice");
        assert_eq!(
            peer.deliver("pat", &inbox, &follow).await,
            StatusCode::ACCEPTED
        );

        let mut b = Visitor::signed_in(&server, &alice).await;
        let page = b.get("/account/followers").await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.html();
        let handle = format!("@pat@{}", peer.base.host_str().unwrap());
        assert!(page.text().contains("1 account follows"), "{}", page.text());
        assert!(text_of(&html, "tbody").unwrap().contains(&handle));
        assert!(select(&html, "th[scope=col]").len() >= 3);
        let remove = attr(&html, "tbody a[href$=\"/remove\"]", "href").expect("a remove link");

        // Someone else cannot remove alice's follower.
        let mut bobs = Visitor::signed_in(&server, &bob).await;
        assert_eq!(bobs.get(&remove).await.status, StatusCode::NOT_FOUND);
        let bob_csrf = csrf_of(&bobs.get("/account").await);
        assert_eq!(
            bobs.post(&remove, &[("csrf", &bob_csrf)]).await.status,
            StatusCode::NOT_FOUND
        );
        // A forged removal does nothing.
        assert_eq!(b.post(&remove, &[]).await.status, StatusCode::FORBIDDEN);
        assert_eq!(server.count("followers").await, 1);

        let confirm = b.get(&remove).await;
        assert_eq!(confirm.status, StatusCode::OK);
        assert!(confirm.text().contains(&handle));
        let r = b.submit(&remove, &remove, &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let page = b.get(location(&r)).await;
        assert!(page.text().contains("0 accounts follow"), "{}", page.text());
        assert_eq!(server.count("followers").await, 0);
        let collection = server
            .get_with("/@alice/followers", &[AS_JSON])
            .await
            .json();
        assert_eq!(collection["totalItems"], 0);

        // The worker sends the Accept of the follow and then the Reject.
        while worker::run_batch(&server.app, &QueuePolicy::default())
            .await
            .unwrap()
            > 0
        {}
        let rejects = peer.received_of("Reject");
        assert_eq!(rejects.len(), 1, "{:?}", peer.received());
        let reject = &rejects[0].body;
        assert_eq!(reject["actor"], server.url("/@alice"));
        assert_eq!(reject["object"]["id"], follow["id"]);
        assert_eq!(reject["object"]["type"], "Follow");
        assert_eq!(reject["object"]["actor"], peer.actor("pat"));
        assert!(rejects[0].headers.contains_key("signature"));
    }
}
