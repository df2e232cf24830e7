//! Looking after replies and accounts in a real browser: an approved reply hidden from the
//! moderation page's Approved list leaves the public post page, and the account and admin
//! pages fit a 390 px wide phone (nothing scrolls sideways), with screenshots at 1366 and
//! 390 px.

use chorus::domain::Role;
use chorus::domain::comments::{CommentState, Visibility};
use chorus::storage::{comments, posts, remote};

use crate::harness::{Browser, Tools};
use crate::support::{Backend, Binary, TEST_PASSWORD};

/// Stores an approved public reply by a remote person under the post `slug`, as the inbox
/// would have (the running server hears of it through the content generation).
pub async fn approved_reply(bin: &Binary, slug: &str, text: &str) {
    let db = bin.db.connect().await;
    let now = chorus::domain::time::now();
    let post = posts::find_post_by_slug(&db, slug)
        .await
        .unwrap()
        .expect("the post");
    let actor = remote::upsert_remote_actor(
        &db,
        &remote::RemoteActorData {
            uri: "https://elsewhere.example/users/quinn".into(),
            kind: "Person".into(),
            username: "quinn".into(),
            domain: "elsewhere.example".into(),
            display_name: "Quinn".into(),
            url: Some("https://elsewhere.example/@quinn".into()),
            icon_url: None,
            inbox: "https://elsewhere.example/users/quinn/inbox".into(),
            shared_inbox: None,
            key_id: "https://elsewhere.example/users/quinn#main-key".into(),
            public_key_pem: String::new(),
        },
        now,
    )
    .await
    .unwrap();
    let reply = comments::NewComment {
        post_id: post.id,
        uri: "https://elsewhere.example/notes/1",
        in_reply_to: "",
        parent_id: None,
        remote_actor_id: actor.id,
        url: Some("https://elsewhere.example/@quinn/1"),
        content_html: &format!("<p>{text}</p>"),
        visibility: Visibility::Public,
        state: CommentState::Approved,
        published: now,
        updated: None,
    };
    comments::insert_comment(&db, &reply, now).await.unwrap();
    db.close().await;
}

/// The page's width as laid out, in CSS pixels.
async fn scroll_width(b: &Browser) -> i64 {
    b.client
        .execute("return document.documentElement.scrollWidth;", vec![])
        .await
        .expect("the page's width")
        .as_i64()
        .expect("a number")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approved_reply_is_hidden_and_the_account_pages_fit_a_phone() {
    let Some(tools) = Tools::find() else { return };
    let bin = Binary::new(Backend::Sqlite).await;
    bin.create_user("ada", "admin").ok();
    bin.seed_user("alice", Role::Author).await;
    bin.publish("alice", "---\ntitle: Talk to me\n---\nSay something.\n")
        .ok();
    approved_reply(&bin, "talk-to-me", "A reply to hide").await;
    let _server = bin.serve().await;
    let b = Browser::start(&tools, &bin.base_url, true, "review").await;
    b.sign_in("ada", TEST_PASSWORD).await;

    b.goto("/posts/talk-to-me").await;
    b.wait_for_text("li.comment .comment-content", "A reply to hide")
        .await;
    b.goto("/moderation?show=approved").await;
    b.wait_for_text("li.queued .comment-content", "A reply to hide")
        .await;
    b.screenshot("moderation-approved-1366").await;
    b.click("li.queued button[value=hide]").await;
    b.wait_for_path("/moderation?show=approved&done=hidden")
        .await;
    b.goto("/posts/talk-to-me").await;
    b.find("h1").await;
    assert_eq!(
        b.count("li.comment").await,
        0,
        "the hidden reply left the public page"
    );

    // Something in each list and table.
    b.goto("/account/invites").await;
    b.click_text("Create invite link").await;
    b.find("#created-link").await;
    // With scripts on, the copy button shows (without, it stays hidden beside the link).
    b.find("button[data-copy='created-link']:not([hidden])")
        .await;
    b.goto("/admin/users").await;
    b.find("form[action$='/reset'] button")
        .await
        .click()
        .await
        .unwrap();
    b.find("#reset-link").await;

    let pages = [
        ("/account", "account"),
        ("/account/invites", "invites"),
        ("/admin/users", "admin-users"),
        ("/moderation?show=hidden", "moderation"),
        ("/account/profile", "profile"),
        ("/notifications", "notifications"),
    ];
    for (path, name) in pages {
        b.goto(path).await;
        b.find("h1").await;
        b.screenshot(&format!("{name}-1366")).await;
    }
    b.client.set_window_size(390, 900).await.unwrap();
    let mut wide = Vec::new();
    for (path, name) in pages {
        b.goto(path).await;
        b.find("h1").await;
        let width = scroll_width(&b).await;
        println!("{path}: {width} px wide at 390 px");
        b.screenshot(&format!("{name}-390")).await;
        let inner = b
            .client
            .execute("return window.innerWidth;", vec![])
            .await
            .unwrap()
            .as_i64()
            .unwrap();
        if width > inner {
            let culprits = b
                .client
                .execute(
                    "return [...document.querySelectorAll('body *')]
                       .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                       .slice(-5)
                       .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right));",
                    vec![],
                )
                .await
                .unwrap_or_default();
            println!("{path}: wider than the {inner} px viewport: {culprits}");
        }
        if width > 390 {
            wide.push(format!("{path}: {width} px"));
        }
    }
    b.close().await;
    assert!(wide.is_empty(), "wider than a 390 px screen: {wide:?}");
}
