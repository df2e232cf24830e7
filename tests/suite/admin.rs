//! Administration as administrators and everyone else meet it: roles, suspension, site
//! settings, domain blocks, and the refusals (403 for anyone but an admin, CSRF).

use crate::support::forms::{OTHER_ORIGIN, Visitor, csrf_of, location};
use crate::support::peer::Peer;
use crate::support::{AS_JSON, TestApp, TestServer, attr, backends, select, text_of};
use axum::http::StatusCode;
use chorus::domain::Role;
use chorus::queue::{OutgoingActivity, QueuePolicy, worker};
use chorus::storage::deliveries::{self, DeliveryStatus};
use chorus::storage::users::AccountStatus;
use chorus::storage::{blocks, site};
use serde_json::json;
use url::Url;

#[tokio::test]
async fn an_admin_changes_a_role_and_a_suspended_user_is_signed_out_and_cannot_sign_in() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        let admin = site.create_user("ada", Role::Admin).await;
        let bob = site.create_user("bob", Role::Author).await;
        let mut root = Visitor::signed_in(&site, &admin).await;
        let mut bobs = Visitor::signed_in(&site, &bob).await;
        assert_eq!(bobs.get("/account").await.status, StatusCode::OK);

        let page = root.get("/admin/users").await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.html();
        assert_eq!(select(&html, "h1").len(), 1);
        assert!(
            select(&html, "th[scope=col]").len() >= 3,
            "the users table has column headers"
        );
        assert!(page.text().contains("@bob"));

        let r = root
            .submit(
                "/admin/users",
                &format!("/admin/users/{}/role", bob.id),
                &[("role", "editor")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert_eq!(site.user("bob").await.role, Role::Editor);
        assert!(
            root.get(location(&r))
                .await
                .text()
                .contains("The role was changed")
        );

        let r = root
            .submit(
                "/admin/users",
                &format!("/admin/users/{}/status", bob.id),
                &[("action", "suspend")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert_eq!(site.user("bob").await.status, AccountStatus::Suspended);
        assert_eq!(
            site.count("sessions WHERE user_id = (SELECT id FROM users WHERE username = 'bob')")
                .await,
            0
        );
        // Bob's browser is signed out: the account page sends him to the login form.
        let r = bobs.get("/account").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(location(&r).starts_with("/login"), "{}", location(&r));
        // And the right password does not let him back in.
        let mut fresh = Visitor::new(&site);
        let r = fresh.log_in("bob").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert!(r.text().contains("suspended"), "{}", r.text());
        assert!(!fresh.has_cookie("chorus_session"));

        let r = root
            .submit(
                "/admin/users",
                &format!("/admin/users/{}/status", bob.id),
                &[("action", "unsuspend")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let r = fresh.log_in("bob").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert!(fresh.has_cookie("chorus_session"));
        assert_eq!(
            site.count("admin_log").await,
            3,
            "role change, suspension and unsuspension are logged"
        );
    }
}

#[tokio::test]
async fn an_admin_cannot_demote_or_suspend_themselves() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        let admin = site.create_user("ada", Role::Admin).await;
        let mut root = Visitor::signed_in(&site, &admin).await;
        let r = root
            .submit(
                "/admin/users",
                &format!("/admin/users/{}/role", admin.id),
                &[("role", "author")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.text().contains("cannot change your own role"),
            "{}",
            r.text()
        );
        let r = root
            .submit(
                "/admin/users",
                &format!("/admin/users/{}/status", admin.id),
                &[("action", "suspend")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let me = site.user("ada").await;
        assert_eq!((me.role, me.status), (Role::Admin, AccountStatus::Active));
        let r = root
            .submit(
                "/admin/users",
                "/admin/users/999999/role",
                &[("role", "author")],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
}

/// Every administration page, and every administration form with plausible fields.
fn admin_gets() -> Vec<&'static str> {
    vec![
        "/admin",
        "/admin/users",
        "/admin/site",
        "/admin/blocks",
        "/admin/reports",
    ]
}

fn admin_posts(target: i64) -> Vec<(String, Vec<(&'static str, &'static str)>)> {
    vec![
        (
            format!("/admin/users/{target}/role"),
            vec![("role", "admin")],
        ),
        (
            format!("/admin/users/{target}/status"),
            vec![("action", "suspend")],
        ),
        (
            "/admin/site".into(),
            vec![
                ("title", "Taken over"),
                ("description", "x"),
                ("language", "en"),
                ("community_name", "x"),
                ("registration_mode", "approval"),
            ],
        ),
        ("/admin/site/avatar/remove".into(), vec![]),
        ("/admin/registration".into(), vec![("mode", "approval")]),
        (
            "/admin/blocks".into(),
            vec![("domain", "friendly.example"), ("reason", "none")],
        ),
        (
            "/admin/blocks/remove".into(),
            vec![("domain", "spam.example")],
        ),
        ("/admin/reports/1/resolve".into(), vec![]),
        (
            "/admin/reports/1/forward".into(),
            vec![("account", "https://spam.example/users/someone")],
        ),
    ]
}

#[tokio::test]
async fn everyone_but_an_admin_gets_403_on_every_admin_page_and_form() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        let victim = site.create_user("victim", Role::Author).await;
        blocks::block_domain(&site.app.db, "spam.example", chorus::domain::time::now())
            .await
            .unwrap();
        let title = site::get_site(&site.app.db).await.unwrap().title;
        for (name, role) in [
            ("ed", Role::Editor),
            ("al", Role::Author),
            ("cy", Role::Contributor),
        ] {
            let user = site.create_user(name, role).await;
            let mut b = Visitor::signed_in(&site, &user).await;
            // A valid token for the session, so that only the role is wrong.
            let csrf = csrf_of(&b.get("/account").await);
            for path in admin_gets() {
                assert_eq!(
                    b.get(path).await.status,
                    StatusCode::FORBIDDEN,
                    "{role} GET {path}"
                );
            }
            for (path, fields) in admin_posts(victim.id) {
                let mut all = vec![("csrf", csrf.as_str())];
                all.extend(fields);
                let r = b.post(&path, &all).await;
                assert_eq!(
                    r.status,
                    StatusCode::FORBIDDEN,
                    "{role} POST {path}: {}",
                    r.text()
                );
            }
        }
        // Signed out: the pages ask for a login, the forms do nothing.
        let mut anonymous = Visitor::new(&site);
        for path in admin_gets() {
            let r = anonymous.get(path).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "GET {path}");
            assert!(location(&r).starts_with("/login?next="), "{}", location(&r));
        }
        for (path, fields) in admin_posts(victim.id) {
            let r = anonymous.post(&path, &fields).await;
            assert!(
                r.status == StatusCode::SEE_OTHER || r.status == StatusCode::FORBIDDEN,
                "POST {path}: {}",
                r.status
            );
        }
        // Nothing changed.
        let v = site.user("victim").await;
        assert_eq!((v.role, v.status), (Role::Author, AccountStatus::Active));
        assert_eq!(site::get_site(&site.app.db).await.unwrap().title, title);
        assert_eq!(
            site::registration_mode(&site.app.db).await.unwrap(),
            "closed"
        );
        assert!(
            blocks::is_blocked(&site.app.db, "", "spam.example")
                .await
                .unwrap()
        );
        assert!(
            !blocks::is_blocked(&site.app.db, "", "friendly.example")
                .await
                .unwrap()
        );
        assert_eq!(site.count("admin_log").await, 0);
    }
}

#[tokio::test]
async fn admin_forms_without_the_token_or_from_another_site_are_refused() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        let admin = site.create_user("ada", Role::Admin).await;
        let bob = site.create_user("bob", Role::Author).await;
        let mut root = Visitor::signed_in(&site, &admin).await;
        let csrf = csrf_of(&root.get("/admin/site").await);
        let settings = [
            ("title", "Hijacked"),
            ("description", ""),
            ("language", "en"),
            ("community_name", "x"),
            ("registration_mode", "approval"),
        ];

        let r = root.post("/admin/site", &settings).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "no token");
        let mut wrong = vec![("csrf", "not-the-token")];
        wrong.extend(settings);
        assert_eq!(
            root.post("/admin/site", &wrong).await.status,
            StatusCode::FORBIDDEN,
            "wrong token"
        );
        let mut right = vec![("csrf", csrf.as_str())];
        right.extend(settings);
        let r = root
            .post_from("/admin/site", &right, OTHER_ORIGIN, "cross-site")
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "cross-site");
        let r = root
            .post_from("/admin/site", &right, OTHER_ORIGIN, "")
            .await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "another origin without fetch metadata"
        );
        let r = root
            .post_from(
                &format!("/admin/users/{}/status", bob.id),
                &[("csrf", &csrf), ("action", "suspend")],
                OTHER_ORIGIN,
                "cross-site",
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);

        let s = site::get_site(&site.app.db).await.unwrap();
        assert_ne!(s.title, "Hijacked");
        assert_eq!(
            site::registration_mode(&site.app.db).await.unwrap(),
            "closed"
        );
        assert_eq!(site.user("bob").await.status, AccountStatus::Active);
    }
}

#[tokio::test]
async fn site_settings_show_on_the_home_page_at_once() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        let mut root = Visitor::sign_up(&site, "ada", Role::Admin).await;
        // The home page is rendered and cached before the change.
        let before = site.get("/").await;
        assert!(!before.text().contains("Rust Friends"));

        let settings = [
            ("title", "Rust Friends"),
            ("description", "Write-ups from the Rust meetup."),
            ("language", "de"),
            ("community_name", "Rust Friends everyone"),
            ("registration_mode", "invite"),
        ];
        let r = root.submit("/admin/site", "/admin/site", &settings).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());

        let home = site.get("/").await;
        assert_eq!(home.status, StatusCode::OK);
        let html = home.html();
        assert_eq!(
            text_of(&html, ".site-title").as_deref(),
            Some("Rust Friends")
        );
        assert!(home.text().contains("Write-ups from the Rust meetup."));
        assert_eq!(attr(&html, "html", "lang").as_deref(), Some("de"));
        assert_eq!(
            site::registration_mode(&site.app.db).await.unwrap(),
            "invite"
        );
        let group = site.get_with("/@community", &[AS_JSON]).await.json();
        assert_eq!(group["name"], "Rust Friends everyone");

        // Bad settings are refused with the reason, and change nothing.
        let bad = [
            ("title", ""),
            ("description", "x"),
            ("language", "de"),
            ("community_name", "x"),
            ("registration_mode", "invite"),
        ];
        let r = root.submit("/admin/site", "/admin/site", &bad).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().contains("site title"), "{}", r.text());
        let bad = [
            ("title", "T"),
            ("description", "x"),
            ("language", "de"),
            ("community_name", "x"),
            ("registration_mode", "everyone"),
        ];
        assert_eq!(
            root.submit("/admin/site", "/admin/site", &bad).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            site::get_site(&site.app.db).await.unwrap().title,
            "Rust Friends"
        );
    }
}

#[tokio::test]
async fn domain_blocks_are_listed_with_their_reason_and_can_be_lifted() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        let mut root = Visitor::sign_up(&site, "ada", Role::Admin).await;
        let r = root
            .submit(
                "/admin/blocks",
                "/admin/blocks",
                &[
                    ("domain", "https://Spam.Example/@bot"),
                    ("reason", "Spam waves"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let page = root.get("/admin/blocks").await;
        let rows: Vec<String> = select(&page.html(), "tbody tr")
            .iter()
            .map(|r| r.text().collect::<String>())
            .collect();
        assert_eq!(rows.len(), 1);
        assert!(
            rows[0].contains("spam.example") && rows[0].contains("Spam waves"),
            "{rows:?}"
        );
        assert!(
            blocks::is_blocked(
                &site.app.db,
                "https://sub.spam.example/users/x",
                "sub.spam.example"
            )
            .await
            .unwrap()
        );

        for bad in ["not a domain", "spam", ""] {
            let r = root
                .submit(
                    "/admin/blocks",
                    "/admin/blocks",
                    &[("domain", bad), ("reason", "")],
                )
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
        }
        let r = root
            .submit(
                "/admin/blocks",
                "/admin/blocks",
                &[("domain", "community.example"), ("reason", "")],
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "the site's own domain"
        );
        assert_eq!(site.count("blocks").await, 1);

        let r = root
            .submit(
                "/admin/blocks",
                "/admin/blocks/remove",
                &[("domain", "spam.example")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(
            !blocks::is_blocked(&site.app.db, "", "spam.example")
                .await
                .unwrap()
        );
        let r = root
            .submit(
                "/admin/blocks",
                "/admin/blocks/remove",
                &[("domain", "spam.example")],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn a_blocked_domain_is_refused_by_the_inbox_and_no_longer_delivered_to() {
    for backend in backends() {
        let server = TestServer::spawn(backend).await;
        let admin = server.create_user("ada", Role::Admin).await;
        let alice = server.create_user("alice", Role::Author).await;
        let peer = Peer::start(&["mallory"]).await;
        let peer_domain = peer.domain();

        // A delivery to the peer waits in the queue.
        let local = chorus::federation::keys::person_actor(&server.app, alice.id)
            .await
            .unwrap();
        let activity_id = Url::parse(&server.url("/activities/test-note")).unwrap();
        let activity = OutgoingActivity {
            id: activity_id.clone(),
            local_actor_id: local.id,
            kind: "Create".into(),
            payload: json!({"id": activity_id, "type": "Create", "actor": server.url("/@alice")}),
            after: None,
        };
        let inbox = Url::parse(&format!("{}users/mallory/inbox", peer.base)).unwrap();
        assert_eq!(
            chorus::federation::enqueue::enqueue(&server.app, &activity, &[inbox])
                .await
                .unwrap(),
            1
        );

        let mut root = Visitor::signed_in(&server, &admin).await;
        let r = root
            .submit(
                "/admin/blocks",
                "/admin/blocks",
                &[("domain", &peer_domain), ("reason", "abuse")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());

        // The queued delivery is given up without being sent.
        worker::run_batch(&server.app, &QueuePolicy::default())
            .await
            .unwrap();
        let rows = deliveries::list_deliveries_of_activity(&server.app.db, activity_id.as_str())
            .await
            .unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].status, DeliveryStatus::Dead);
        assert!(
            rows[0]
                .last_error
                .as_deref()
                .unwrap_or("")
                .contains("blocked"),
            "{:?}",
            rows[0].last_error
        );
        assert!(
            peer.received().is_empty(),
            "nothing reached the blocked domain"
        );

        // A signed activity from the domain is refused.
        let follow = peer.follow("mallory", &server.url("/@alice"));
        let status = peer
            .deliver("mallory", &server.inbox_of("alice"), &follow)
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(server.count("followers").await, 0);

        // Lifted, the domain is heard again.
        let r = root
            .submit(
                "/admin/blocks",
                "/admin/blocks/remove",
                &[("domain", &peer_domain)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let status = peer
            .deliver("mallory", &server.inbox_of("alice"), &follow)
            .await;
        assert_eq!(status, StatusCode::ACCEPTED);
        assert_eq!(server.count("followers").await, 1);
    }
}
