//! Looking after replies and people once they are in: an approved reply hidden again (from
//! the moderation page's Approved list or from the author's notifications) leaves the public
//! page at once; a reply addressed to the replier's followers never reaches a public page but
//! reaches the author; the site's default reply policy; the review loop between contributors
//! and editors; error pages in the site's layout; invites whatever the registration mode; and
//! password resets.

use crate::support::forms::{Visitor, location};
use crate::support::peer::Peer;
use crate::support::{AS_JSON, Backend, Reply, TestServer, backends, select};
use axum::http::StatusCode;
use chorus::domain::Role;
use chorus::storage::comments as stored;
use chorus::storage::users::User;
use serde_json::json;
use url::Url;

struct Site {
    server: TestServer,
    alice: User,
    editor: User,
}

async fn site(backend: Backend) -> Site {
    let server = TestServer::with_workers(backend).await;
    let alice = server.create_user("alice", Role::Author).await;
    let editor = server.create_user("ed", Role::Editor).await;
    Site {
        server,
        alice,
        editor,
    }
}

/// The text of every comment shown under a post, as an anonymous reader gets it.
async fn shown(chorus: &TestServer, post: &Url) -> Vec<String> {
    let page = chorus.get(post.path()).await;
    assert_eq!(page.status, StatusCode::OK);
    select(&page.html(), "li.comment .comment-content")
        .iter()
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .collect()
}

fn buttons(page: &Reply, scope: &str) -> Vec<String> {
    select(&page.html(), &format!("{scope} button"))
        .iter()
        .map(|b| b.text().collect::<String>())
        .collect()
}

async fn comment_id(chorus: &TestServer, uri: &str) -> i64 {
    stored::find_comment_by_uri(&chorus.app.db, uri)
        .await
        .unwrap()
        .expect("the reply is stored")
        .id
}

#[tokio::test]
async fn an_approved_reply_can_be_hidden_from_the_approved_list_and_leaves_the_post_at_once() {
    for backend in backends() {
        let s = site(backend).await;
        let chorus = &s.server;
        let peer = Peer::start(&["quinn"]).await;
        let post = chorus
            .publish_post("alice", "Open thoughts", "Say anything.")
            .await;
        let note = peer
            .reply(chorus, "quinn", "q1", post.as_str(), "<p>Shown at once</p>")
            .await;
        let id = comment_id(chorus, note["id"].as_str().unwrap()).await;
        assert_eq!(shown(chorus, &post).await, vec!["Shown at once"]);

        let mut ed = Visitor::signed_in(chorus, &s.editor).await;
        let list = ed.get("/moderation?show=approved").await;
        assert_eq!(list.status, StatusCode::OK, "{backend:?}: {}", list.text());
        let tab: Vec<String> = select(&list.html(), ".filters a[aria-current='page']")
            .iter()
            .map(|a| a.text().collect::<String>())
            .collect();
        assert_eq!(tab, vec!["Approved (1)"], "{backend:?}");
        let labels = buttons(&list, &format!("#comment-{id}"));
        assert!(
            labels.iter().any(|b| b.starts_with("Hide")),
            "{backend:?}: {labels:?}"
        );
        assert!(
            !labels.iter().any(|b| b.starts_with("Approve")),
            "{backend:?}: already approved: {labels:?}"
        );

        let r = ed
            .submit(
                "/moderation?show=approved",
                &format!("/moderation/comments/{id}"),
                &[("action", "hide"), ("show", "approved")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert_eq!(location(&r), "/moderation?show=approved&done=hidden");
        assert!(
            shown(chorus, &post).await.is_empty(),
            "{backend:?}: gone from the public page at once"
        );
    }
}

#[tokio::test]
async fn the_author_hides_an_approved_reply_from_their_notifications() {
    for backend in backends() {
        let s = site(backend).await;
        let chorus = &s.server;
        let peer = Peer::start(&["quinn"]).await;
        let post = chorus.publish_post("alice", "Mine", "Say anything.").await;
        let note = peer
            .reply(chorus, "quinn", "q1", post.as_str(), "<p>Rude words</p>")
            .await;
        let id = comment_id(chorus, note["id"].as_str().unwrap()).await;
        assert_eq!(shown(chorus, &post).await, vec!["Rude words"]);

        let mut alice = Visitor::signed_in(chorus, &s.alice).await;
        let page = alice.get("/notifications").await;
        assert!(
            buttons(&page, "li.notification.reply")
                .iter()
                .any(|b| b.starts_with("Hide")),
            "{backend:?}: a Hide button on the reply's notification"
        );
        let r = alice
            .submit(
                "/notifications",
                &format!("/moderation/comments/{id}"),
                &[("action", "hide"), ("show", "notifications")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert_eq!(location(&r), "/notifications?done=hidden");
        assert!(shown(chorus, &post).await.is_empty(), "{backend:?}");
        let back = alice.get("/notifications?done=hidden").await;
        assert!(back.text().contains("Hidden from the post"), "{backend:?}");
        assert!(
            !buttons(&back, "li.notification.reply")
                .iter()
                .any(|b| b.starts_with("Hide")),
            "{backend:?}: nothing left to hide"
        );
    }
}

#[tokio::test]
async fn a_followers_only_reply_never_reaches_a_public_page_but_reaches_the_author() {
    for backend in backends() {
        let s = site(backend).await;
        let chorus = &s.server;
        let peer = Peer::start(&["quinn"]).await;
        let post = chorus.publish_post("alice", "Open", "Say anything.").await;
        let mut note = peer.note("quinn", "q1", post.as_str(), "<p>Just for my followers</p>");
        note["to"] = json!([format!("{}/followers", peer.actor("quinn"))]);
        note["cc"] = json!([]);
        assert_eq!(
            peer.deliver("quinn", &chorus.inbox(), &peer.create("quinn", &note))
                .await,
            StatusCode::ACCEPTED
        );
        assert!(
            stored::find_comment_by_uri(&chorus.app.db, note["id"].as_str().unwrap())
                .await
                .unwrap()
                .is_some(),
            "{backend:?}: kept"
        );

        assert!(
            shown(chorus, &post).await.is_empty(),
            "{backend:?}: not on the post page"
        );
        let page = chorus.get(post.path()).await.text();
        assert!(!page.contains("Just for my followers"), "{backend:?}");
        for feed in ["/feed.xml", "/atom.xml", "/feed.json", "/@alice/feed.xml"] {
            let f = chorus.get(feed).await;
            assert_eq!(f.status, StatusCode::OK, "{feed}");
            assert!(!f.text().contains("Just for my followers"), "{feed}");
        }
        let replies = chorus
            .get_with(&format!("{}/replies", post.path()), &[AS_JSON])
            .await
            .json();
        assert_eq!(replies["totalItems"], 0, "{backend:?}: {replies}");

        let mut alice = Visitor::signed_in(chorus, &s.alice).await;
        let n = alice.get("/notifications").await;
        let entry: Vec<String> = select(&n.html(), "li.notification.followers-reply")
            .iter()
            .map(|e| e.text().collect::<String>())
            .collect();
        assert_eq!(entry.len(), 1, "{backend:?}: {}", n.text());
        assert!(entry[0].contains("Just for my followers"), "{entry:?}");
        assert!(entry[0].contains("Followers-only reply"), "{entry:?}");
    }
}

#[tokio::test]
async fn error_pages_carry_the_site_header_and_footer() {
    for backend in backends() {
        let s = site(backend).await;
        let chorus = &s.server;
        for path in ["/no-such-page", "/posts/no-such-post"] {
            let r = chorus.get(path).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
            let html = r.html();
            assert_eq!(
                select(&html, "header.site-header a.site-title").len(),
                1,
                "{backend:?} {path}: the site header: {}",
                r.text()
            );
            assert_eq!(select(&html, "footer.site-footer").len(), 1, "{path}");
            assert!(r.text().contains("Page not found"), "{path}");
            assert_eq!(r.header("cache-control"), "no-store", "{path}");
        }
        // A contributor opening the moderation queue is refused in the same layout.
        let cy = chorus.create_user("cy", Role::Contributor).await;
        let mut b = Visitor::signed_in(chorus, &cy).await;
        let r = b.get("/moderation").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert!(r.text().contains("Not allowed"));
        assert_eq!(select(&r.html(), "header.site-header").len(), 1);
    }
}

/// Creates an invite for `role` on the invites page; gives the link's path and query.
async fn invite(chorus: &TestServer, inviter: &mut Visitor<'_>, role: &str) -> String {
    let r = inviter
        .submit(
            "/account/invites",
            "/account/invites",
            &[("role", role), ("days", "7")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    // The copy button waits for its script; without it the link is there to copy by hand.
    assert_eq!(
        select(&r.html(), "button[data-copy='created-link'][hidden]").len(),
        1,
        "a copy button, hidden until its script runs"
    );
    let link = crate::support::attr(&r.html(), "#created-link", "value").expect("a link");
    link[chorus.url("/").len() - 1..].to_owned()
}

async fn register(b: &mut Visitor<'_>, path: &str, username: &str) -> Reply {
    let page = b.get(path).await;
    let csrf = crate::support::forms::csrf_of(&b.get("/login").await);
    let invite = crate::support::attr(&page.html(), "input[name=invite]", "value")
        .unwrap_or_else(|| path.rsplit('=').next().unwrap().to_owned());
    b.post(
        "/register",
        &[
            ("csrf", &csrf),
            ("invite", &invite),
            ("username", username),
            ("display_name", "New Person"),
            ("password", crate::support::TEST_PASSWORD),
        ],
    )
    .await
}

#[tokio::test]
async fn an_invite_works_while_registration_is_closed_and_a_used_or_expired_one_creates_nothing() {
    for backend in backends() {
        let s = site(backend).await;
        let chorus = &s.server;
        // Registration is closed by default.
        let admin = chorus.create_user("ada", Role::Admin).await;
        let mut root = Visitor::signed_in(chorus, &admin).await;
        let link = invite(chorus, &mut root, "author").await;
        assert!(
            !root
                .get("/account/invites")
                .await
                .text()
                .contains("do not work"),
            "{backend:?}: the inviter is not told the link is useless"
        );

        let mut b = Visitor::new(chorus);
        let form = b.get(&link).await;
        assert_eq!(form.status, StatusCode::OK, "{backend:?}: {}", form.text());
        let users = chorus.count("users").await;
        let r = register(&mut b, &link, "newbie").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{backend:?}: {}", r.text());
        assert_eq!(location(&r), "/account");
        assert_eq!(chorus.user("newbie").await.role, Role::Author);
        assert_eq!(chorus.count("users").await, users + 1);

        // Used: refused, nothing written.
        let mut c = Visitor::new(chorus);
        let r = c.get(&link).await;
        assert_eq!(r.status, StatusCode::GONE, "{backend:?}");
        assert!(r.text().contains("already used"), "{}", r.text());
        let r = register(&mut c, &link, "second").await;
        assert_eq!(r.status, StatusCode::GONE, "{backend:?}");
        assert_eq!(chorus.count("users").await, users + 1);

        // Expired: refused, nothing written.
        let code = "expired-invite-code-expired-invite-code";
        let now = chorus::domain::time::now();
        chorus::storage::invites::insert_invite(
            &chorus.app.db,
            &chorus::domain::secrets::token_hash(code),
            Role::Author,
            admin.id,
            now - chrono::Duration::days(8),
            now - chrono::Duration::hours(1),
        )
        .await
        .unwrap();
        let path = format!("/register?invite={code}");
        let r = c.get(&path).await;
        assert_eq!(r.status, StatusCode::GONE);
        assert!(r.text().contains("expired"), "{}", r.text());
        let r = register(&mut c, &path, "third").await;
        assert_eq!(r.status, StatusCode::GONE);
        assert_eq!(chorus.count("users").await, users + 1);
        // And without an invite the site stays closed.
        let r = c.get("/register").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(r.text().contains("Registration is closed"));
    }
}

async fn set_site_reply_policy(b: &mut Visitor<'_>, policy: &str) -> Reply {
    b.submit(
        "/admin/site",
        "/admin/site",
        &[
            ("title", "Chorus"),
            ("description", "A test site"),
            ("language", "en"),
            ("community_name", "Everyone"),
            ("registration_mode", "closed"),
            ("reply_policy", policy),
        ],
    )
    .await
}

#[tokio::test]
async fn new_posts_without_a_reply_policy_take_the_site_default_set_by_an_admin() {
    for backend in backends() {
        let s = site(backend).await;
        let chorus = &s.server;
        let admin = chorus.create_user("ada", Role::Admin).await;
        let mut root = Visitor::signed_in(chorus, &admin).await;
        let page = root.get("/admin/site").await;
        let checked =
            crate::support::attr(&page.html(), "input[name=reply_policy][checked]", "value");
        assert_eq!(checked.as_deref(), Some("anyone"), "{backend:?}");
        let offered: Vec<String> = select(&page.html(), "input[name=reply_policy]")
            .iter()
            .filter_map(|i| i.value().attr("value").map(str::to_owned))
            .collect();
        assert_eq!(offered, ["anyone", "followers", "following", "nobody"]);

        let r = set_site_reply_policy(&mut root, "whoever").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}");
        assert!(r.text().contains("is not a reply policy"), "{}", r.text());

        let r = set_site_reply_policy(&mut root, "following").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{backend:?}: {}", r.text());
        let peer = Peer::start(&["quinn"]).await;
        let guarded = chorus.publish_post("alice", "Guarded", "Hello.").await;
        peer.reply(chorus, "quinn", "q1", guarded.as_str(), "<p>A stranger</p>")
            .await;
        assert!(
            shown(chorus, &guarded).await.is_empty(),
            "{backend:?}: alice does not follow quinn: the reply waits"
        );
        let article = chorus.get_with(guarded.path(), &[AS_JSON]).await.json();
        assert_eq!(
            article["interactionPolicy"]["canReply"]["automaticApproval"],
            json!([chorus.url("/@alice/following")]),
            "{backend:?}"
        );

        // A later change of the default leaves the posts already written as they were.
        let r = set_site_reply_policy(&mut root, "nobody").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let closed = chorus.publish_post("alice", "Closed", "Hello.").await;
        let text = chorus.get(closed.path()).await.text();
        assert!(text.contains("Replies are closed"), "{backend:?}");
        let text = chorus.get(guarded.path()).await.text();
        assert!(
            text.contains("Replies from people the author follows"),
            "{backend:?}: {text}"
        );
    }
}

async fn log_in_with(b: &mut Visitor<'_>, username: &str, password: &str) -> StatusCode {
    let page = b.get("/login").await;
    let csrf = crate::support::forms::csrf_of(&page);
    b.post(
        "/login",
        &[
            ("csrf", &csrf),
            ("username", username),
            ("password", password),
        ],
    )
    .await
    .status
}

/// Opens a reset link and sends its form with `password`.
async fn use_reset_link(b: &mut Visitor<'_>, path: &str, password: &str) -> Reply {
    let page = b.get(path).await;
    let csrf = crate::support::forms::csrf_of(&b.get("/login").await);
    let token = crate::support::attr(&page.html(), "input[name=token]", "value")
        .unwrap_or_else(|| path.rsplit('=').next().unwrap().to_owned());
    b.post(
        "/reset",
        &[("csrf", &csrf), ("token", &token), ("password", password)],
    )
    .await
}

#[tokio::test]
async fn an_admin_issues_a_reset_link_that_works_once_and_not_after_it_expires() {
    for backend in backends() {
        let s = site(backend).await;
        let chorus = &s.server;
        let admin = chorus.create_user("ada", Role::Admin).await;
        let mut root = Visitor::signed_in(chorus, &admin).await;
        let r = root
            .submit(
                "/admin/users",
                &format!("/admin/users/{}/reset", s.alice.id),
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{backend:?}: {}", r.text());
        let link = crate::support::attr(&r.html(), "#reset-link", "value").expect("the link");
        assert!(link.starts_with(&chorus.url("/reset?token=")), "{link}");
        let path = link[chorus.url("/").len() - 1..].to_owned();

        let mut b = Visitor::new(chorus);
        let form = b.get(&path).await;
        assert_eq!(form.status, StatusCode::OK, "{backend:?}: {}", form.text());
        assert!(form.text().contains("@alice"));
        // Too short: refused, the link still works.
        let r = use_reset_link(&mut b, &path, "short").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}");
        let r = use_reset_link(&mut b, &path, "a fresh start password").await;
        assert_eq!(r.status, StatusCode::OK, "{backend:?}: {}", r.text());
        assert!(r.text().contains("Your new password is set"));
        assert_eq!(
            log_in_with(&mut Visitor::new(chorus), "alice", "a fresh start password").await,
            StatusCode::SEE_OTHER,
            "{backend:?}"
        );

        // A second use: refused, nothing changes.
        let mut c = Visitor::new(chorus);
        let again = c.get(&path).await;
        assert_eq!(again.status, StatusCode::GONE, "{backend:?}");
        assert!(again.text().contains("already used"), "{}", again.text());
        let r = use_reset_link(&mut c, &path, "somebody else's password").await;
        assert_eq!(r.status, StatusCode::GONE, "{backend:?}");
        assert_ne!(
            log_in_with(
                &mut Visitor::new(chorus),
                "alice",
                "somebody else's password"
            )
            .await,
            StatusCode::SEE_OTHER,
            "{backend:?}: the used link changed nothing"
        );

        // Expired: refused, nothing changes.
        let token = "expired-reset-token-expired-reset-token";
        let now = chorus::domain::time::now();
        chorus::storage::resets::insert_reset(
            &chorus.app.db,
            &chorus::domain::secrets::token_hash(token),
            s.alice.id,
            admin.id,
            now - chrono::Duration::hours(25),
            now - chrono::Duration::hours(1),
        )
        .await
        .unwrap();
        let expired = format!("/reset?token={token}");
        let r = c.get(&expired).await;
        assert_eq!(r.status, StatusCode::GONE);
        assert!(r.text().contains("expired"), "{}", r.text());
        let r = use_reset_link(&mut c, &expired, "yet another password").await;
        assert_eq!(r.status, StatusCode::GONE);
        assert_eq!(
            log_in_with(&mut Visitor::new(chorus), "alice", "a fresh start password").await,
            StatusCode::SEE_OTHER,
            "{backend:?}: still the password set with the link"
        );
    }
}

/// The review notices shown on `writer`'s notifications page, as text.
async fn review_notices(writer: &crate::support::editor::Writer<'_>) -> Vec<String> {
    let page = writer.get("/notifications").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    select(&page.html(), "li.review")
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

#[tokio::test]
async fn editors_hear_of_submissions_and_contributors_of_approval_or_a_note_sending_it_back() {
    use crate::support::TestApp;
    use crate::support::editor::{Writer, location, post_id};
    for backend in backends() {
        let site = TestApp::new(backend).await;
        let cy = Writer::sign_up(&site, "cy", Role::Contributor).await;
        let ed = Writer::sign_up(&site, "ed", Role::Editor).await;
        let ada = Writer::sign_up(&site, "ada", Role::Admin).await;
        let alice = Writer::sign_up(&site, "alice", Role::Author).await;

        let submit = |title: &'static str| {
            [
                ("title", title),
                ("summary", "A summary."),
                ("body", "Guest text."),
                ("action", "submit"),
            ]
        };
        let r = cy.post("/editor/new", &submit("First try")).await;
        let id = post_id(&location(&r));
        for (who, reader) in [("ed", &ed), ("ada", &ada)] {
            let seen = review_notices(reader).await;
            assert_eq!(seen.len(), 1, "{backend:?} {who}: {seen:?}");
            assert!(
                seen[0].starts_with("@cy submitted for review First try"),
                "{who}: {seen:?}"
            );
        }
        assert!(
            review_notices(&alice).await.is_empty(),
            "authors review nothing"
        );
        assert!(review_notices(&cy).await.is_empty());

        // Sent back with a note: a draft again, and the contributor reads the note.
        let empty = ed
            .post(&format!("/review/posts/{id}/send-back"), &[("note", "  ")])
            .await;
        assert_eq!(
            empty.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{backend:?}"
        );
        let refused = alice
            .post(
                &format!("/review/posts/{id}/send-back"),
                &[("note", "Not yours to judge")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let r = ed
            .post(
                &format!("/review/posts/{id}/send-back"),
                &[("note", "Please cite your sources.")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{backend:?}: {}", r.text());
        let post = chorus::storage::posts::find_post_by_id(&site.app.db, id)
            .await
            .unwrap();
        assert!(
            post.review_requested_at.is_none(),
            "{backend:?}: out of review"
        );
        assert_eq!(post.status, chorus::domain::PostStatus::Draft);
        let told = review_notices(&cy).await;
        assert_eq!(told.len(), 1, "{backend:?}: {told:?}");
        assert!(
            told[0].starts_with("@ed sent back First try")
                && told[0].contains("Please cite your sources."),
            "{told:?}"
        );
        // Sending back twice is refused: it no longer waits.
        let again = ed
            .post(
                &format!("/review/posts/{id}/send-back"),
                &[("note", "Again")],
            )
            .await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);

        // Submitted again, then approved: the contributor is told.
        let r = cy
            .submit(
                &format!("/editor/posts/{id}"),
                "#editor-form",
                &[],
                "submit",
            )
            .await;
        assert!(location(&r).contains("done=submitted"), "{}", location(&r));
        assert_eq!(review_notices(&ed).await.len(), 2, "{backend:?}");
        let r = ed
            .submit(
                &format!("/editor/posts/{id}"),
                "#editor-form",
                &[],
                "publish",
            )
            .await;
        assert!(location(&r).contains("done=published"), "{}", location(&r));
        let told = review_notices(&cy).await;
        assert_eq!(told.len(), 2, "{backend:?}: {told:?}");
        assert!(
            told[0].starts_with("@ed approved and published First try"),
            "{told:?}"
        );
    }
}
