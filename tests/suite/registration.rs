//! Joining a site as its registration mode allows: closed (but for invites), invite only, open with approval;
//! invites made by admins and editors; and the refusals (expired, used or unknown invites,
//! forged forms), which leave nothing behind.

use crate::support::forms::{OTHER_ORIGIN, Visitor, csrf_of, location};
use crate::support::{Reply, TEST_PASSWORD, TestApp, attr, backends, select};
use axum::http::StatusCode;
use chorus::domain::{Role, time};
use chorus::storage::invites;
use chorus::storage::site;
use chorus::storage::users::AccountStatus;

async fn set_mode(site: &TestApp, mode: &str) {
    site::set_registration_mode(&site.app.db, mode)
        .await
        .unwrap();
}

/// Creates an invite through the invites page as `inviter`; gives its link's path and query.
async fn invite(site: &TestApp, inviter: &mut Visitor<'_>, role: &str) -> String {
    let r = inviter
        .submit(
            "/account/invites",
            "/account/invites",
            &[("role", role), ("days", "7")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let link = attr(&r.html(), "#created-link", "value").expect("the new link is shown");
    let prefix = site.url("/register?invite=");
    assert!(link.starts_with(&prefix), "{link}");
    link[site.url("/").len() - 1..].to_owned()
}

/// Fills in the registration form reached at `path`.
async fn register(b: &mut Visitor<'_>, path: &str, username: &str) -> Reply {
    let page = b.get(path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let csrf = csrf_of(&page);
    let invite = attr(&page.html(), "input[name=invite]", "value").unwrap_or_default();
    b.post(
        "/register",
        &[
            ("csrf", &csrf),
            ("invite", &invite),
            ("username", username),
            ("display_name", "New Person"),
            ("password", TEST_PASSWORD),
        ],
    )
    .await
}

#[tokio::test]
async fn closed_registration_says_so_and_creates_nothing() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        site.create_user("ada", Role::Admin).await;
        // Without an invite (an invite opens it: see review_and_moderation).
        let mut b = Visitor::new(&site);
        let r = b.get("/register").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(r.text().contains("Registration is closed"), "{}", r.text());
        let csrf = csrf_of(&b.get("/login").await);
        let r = b
            .post(
                "/register",
                &[
                    ("csrf", &csrf),
                    ("username", "newbie"),
                    ("password", TEST_PASSWORD),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(site.count("users").await, 1);
    }
}

#[tokio::test]
async fn an_invite_creates_the_account_with_its_role_once() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        set_mode(&site, "invite").await;
        let mut root = Visitor::sign_up(&site, "ada", Role::Admin).await;
        let link = invite(&site, &mut root, "editor").await;

        let mut newcomer = Visitor::new(&site);
        let page = newcomer.get(&link).await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.html();
        assert_eq!(select(&html, "h1").len(), 1);
        assert!(
            page.text().contains("<strong>editor</strong>"),
            "the role is announced"
        );
        for id in ["username", "display_name", "password"] {
            assert_eq!(
                select(&html, &format!("label[for={id}]")).len(),
                1,
                "{id} has a label"
            );
        }
        let r = register(&mut newcomer, &link, "Newbie").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert_eq!(location(&r), "/account");
        assert!(newcomer.has_cookie("chorus_session"), "signed in at once");
        let user = site.user("newbie").await;
        assert_eq!(
            (user.role, user.status, user.display_name.as_str()),
            (Role::Editor, AccountStatus::Active, "New Person")
        );
        assert_eq!(newcomer.get("/account").await.status, StatusCode::OK);

        // The invite is used up: a second person gets a clear refusal and no account.
        let list = root.get("/account/invites").await;
        assert!(list.text().contains("used by @newbie"), "{}", list.text());
        let mut second = Visitor::new(&site);
        let r = second.get(&link).await;
        assert_eq!(r.status, StatusCode::GONE);
        assert!(r.text().contains("already used"));
        let csrf = csrf_of(&second.get("/login").await);
        let code = link.split("invite=").nth(1).unwrap();
        let r = second
            .post(
                "/register",
                &[
                    ("csrf", &csrf),
                    ("invite", code),
                    ("username", "second"),
                    ("password", TEST_PASSWORD),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::GONE);
        assert_eq!(site.count("users").await, 2);
    }
}

#[tokio::test]
async fn expired_unknown_and_missing_invites_are_refused_and_nothing_is_written() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        set_mode(&site, "invite").await;
        let admin = site.create_user("ada", Role::Admin).await;
        let now = time::now();
        let code = "expired-invite-code-expired-invite-code";
        let hash = chorus::domain::secrets::token_hash(code);
        invites::insert_invite(
            &site.app.db,
            &hash,
            Role::Author,
            admin.id,
            now - chrono::Duration::days(8),
            now - chrono::Duration::hours(1),
        )
        .await
        .unwrap();

        let mut b = Visitor::new(&site);
        let r = b.get(&format!("/register?invite={code}")).await;
        assert_eq!(r.status, StatusCode::GONE);
        assert!(r.text().contains("expired"), "{}", r.text());
        let csrf = csrf_of(&b.get("/login").await);
        for (invite, status) in [
            (code, StatusCode::GONE),
            ("no-such-code", StatusCode::NOT_FOUND),
            ("", StatusCode::FORBIDDEN),
        ] {
            let r = b
                .post(
                    "/register",
                    &[
                        ("csrf", &csrf),
                        ("invite", invite),
                        ("username", "sneaky"),
                        ("password", TEST_PASSWORD),
                    ],
                )
                .await;
            assert_eq!(r.status, status, "invite {invite:?}");
        }
        assert_eq!(
            b.get("/register").await.status,
            StatusCode::FORBIDDEN,
            "invite-only needs a code"
        );
        assert_eq!(
            b.get("/register?invite=no-such-code").await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(site.count("users").await, 1);
        let stored = invites::find_invite(&site.app.db, &hash)
            .await
            .unwrap()
            .unwrap();
        assert!(stored.used_at.is_none(), "the expired invite was not used");
    }
}

#[tokio::test]
async fn bad_registrations_keep_the_invite_for_a_second_try() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        set_mode(&site, "invite").await;
        let mut root = Visitor::sign_up(&site, "ada", Role::Admin).await;
        let link = invite(&site, &mut root, "author").await;
        let mut b = Visitor::new(&site);
        let page = b.get(&link).await;
        let csrf = csrf_of(&page);
        let code = link.split("invite=").nth(1).unwrap();
        for (username, password, reason) in [
            ("ada", TEST_PASSWORD, "already taken"),
            ("bad name!", TEST_PASSWORD, "username"),
            ("fine", "short", "password"),
        ] {
            let r = b
                .post(
                    "/register",
                    &[
                        ("csrf", &csrf),
                        ("invite", code),
                        ("username", username),
                        ("password", password),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{username}");
            assert!(r.text().contains(reason), "{reason}: {}", r.text());
            assert_eq!(
                attr(&r.html(), "input[name=invite]", "value").as_deref(),
                Some(code),
                "the form keeps the invite"
            );
        }
        assert_eq!(site.count("users").await, 1);
        assert_eq!(
            register(&mut b, &link, "fine").await.status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(site.user("fine").await.role, Role::Author);
    }
}

#[tokio::test]
async fn approval_mode_creates_a_pending_account_that_signs_in_once_approved() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        set_mode(&site, "approval").await;
        let admin = site.create_user("ada", Role::Admin).await;

        let mut b = Visitor::new(&site);
        let page = b.get("/register").await;
        assert!(page.text().contains("approved"), "{}", page.text());
        let r = register(&mut b, "/register", "hopeful").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert!(r.text().contains("waits for approval"), "{}", r.text());
        assert!(!b.has_cookie("chorus_session"));
        let user = site.user("hopeful").await;
        assert_eq!(
            (user.status, user.role),
            (AccountStatus::Pending, Role::Contributor)
        );

        let r = b.log_in("hopeful").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert!(r.text().contains("approved"), "{}", r.text());
        assert!(!b.has_cookie("chorus_session"));

        let mut root = Visitor::signed_in(&site, &admin).await;
        let overview = root.get("/admin").await;
        assert!(
            overview.text().contains("1 waiting for approval"),
            "{}",
            overview.text()
        );
        let users = root.get("/admin/users").await;
        let first_row = select(&users.html(), "tbody tr")[0]
            .text()
            .collect::<String>();
        assert!(
            first_row.contains("@hopeful") && first_row.contains("pending"),
            "pending accounts come first: {first_row}"
        );
        let r = root
            .submit(
                "/admin/users",
                &format!("/admin/users/{}/status", user.id),
                &[("action", "approve")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);

        let r = b.log_in("hopeful").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert!(b.has_cookie("chorus_session"));
    }
}

#[tokio::test]
async fn editors_invite_authors_and_contributors_but_not_editors_or_admins() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        set_mode(&site, "invite").await;
        let editor = site.create_user("ed", Role::Editor).await;
        let author = site.create_user("al", Role::Author).await;
        let other_editor = site.create_user("eve", Role::Editor).await;
        let mut ed = Visitor::signed_in(&site, &editor).await;
        let page = ed.get("/account/invites").await;
        let roles: Vec<String> = select(&page.html(), "#role option")
            .iter()
            .map(|o| o.value().attr("value").unwrap().to_owned())
            .collect();
        assert_eq!(roles, vec!["author", "contributor"]);
        for role in ["admin", "editor"] {
            let r = ed
                .submit(
                    "/account/invites",
                    "/account/invites",
                    &[("role", role), ("days", "7")],
                )
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{role}");
        }
        let r = ed
            .submit(
                "/account/invites",
                "/account/invites",
                &[("role", "author"), ("days", "3650")],
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "an expiry that is not offered"
        );
        assert_eq!(site.count("invites").await, 0);
        invite(&site, &mut ed, "contributor").await;
        assert_eq!(site.count("invites").await, 1);

        // Another editor neither sees nor revokes it; an author has no invites page.
        let hash = invites::list_invites(&site.app.db, None).await.unwrap()[0]
            .code_hash
            .clone();
        let mut eve = Visitor::signed_in(&site, &other_editor).await;
        assert!(select(&eve.get("/account/invites").await.html(), "tbody tr").is_empty());
        let r = eve
            .submit(
                "/account/invites",
                "/account/invites/revoke",
                &[("code", &hash)],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let mut al = Visitor::signed_in(&site, &author).await;
        assert_eq!(
            al.get("/account/invites").await.status,
            StatusCode::FORBIDDEN
        );
        let csrf = csrf_of(&al.get("/account").await);
        assert_eq!(
            al.post(
                "/account/invites",
                &[("csrf", &csrf), ("role", "contributor"), ("days", "7")]
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(site.count("invites").await, 1);

        // Its maker revokes it, and the link stops working.
        let r = ed
            .submit(
                "/account/invites",
                "/account/invites/revoke",
                &[("code", &hash)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(site.count("invites").await, 0);
    }
}

#[tokio::test]
async fn registration_forms_without_the_token_or_from_another_site_are_refused() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        set_mode(&site, "approval").await;
        let mut b = Visitor::new(&site);
        let csrf = csrf_of(&b.get("/register").await);
        let fields = [("username", "forged"), ("password", TEST_PASSWORD)];
        let r = b.post("/register", &fields).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "no token");
        let mut with_token = vec![("csrf", csrf.as_str())];
        with_token.extend(fields);
        let r = b
            .post_from("/register", &with_token, OTHER_ORIGIN, "cross-site")
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "cross-site");
        // A token without its cookie (another browser's) is refused too.
        let r = Visitor::new(&site).post("/register", &with_token).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "token without cookie");
        assert_eq!(site.count("users").await, 0);
    }
}

#[tokio::test]
async fn a_wrong_password_is_answered_exactly_like_an_unknown_user() {
    for backend in backends() {
        let site = TestApp::with_author(backend, "known").await;
        let mut answers = Vec::new();
        for username in ["known", "unknown"] {
            let mut b = Visitor::new(&site);
            let csrf = csrf_of(&b.get("/login").await);
            let r = b
                .post(
                    "/login",
                    &[
                        ("csrf", &csrf),
                        ("username", username),
                        ("password", "not the password"),
                    ],
                )
                .await;
            assert!(!b.has_cookie("chorus_session"));
            // The page echoes the name typed and carries this browser's token; the rest is the same.
            let page = r
                .text()
                .replace(&csrf, "TOKEN")
                .replace(&format!("value=\"{username}\""), "value=\"NAME\"");
            answers.push((r.status, page));
        }
        assert_eq!(answers[0].0, StatusCode::UNAUTHORIZED);
        assert_eq!(answers[0], answers[1]);
        assert!(answers[0].1.contains("Wrong username or password."));
        assert_eq!(site.count("sessions").await, 0);
    }
}
