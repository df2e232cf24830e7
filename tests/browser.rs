//! The web interface in a real browser: Chromium over WebDriver against the real `chorus`
//! binary, once with JavaScript and once without.
//!
//! Each test is one flow group in one browser session: first-run setup (or a command-line
//! administrator) and signing in; writing a post with a code block, previewing it,
//! publishing, editing and deleting it; a contributor's submission approved by an editor; an
//! image upload with its description. The session with JavaScript also runs axe-core and the
//! Nu HTML Checker on the home, post, author, search, sign-in and editor pages, and on the pages
//! behind the sign-in: account, profile, followers, invites, notifications, moderation and
//! amplification, an app's IndieAuth consent page, and every administration page, signed in
//! as the administrator.
//!
//! Every audited page is also photographed at 1366 and 390 pixels wide, in the light and the
//! dark colour scheme, into a folder outside the clone (`CHORUS_TEST_SCREENSHOTS`, by default
//! `chorus-screenshots` in the system's temporary folder), which the test prints at its end;
//! at 390 pixels no page may be wider than the screen. The flows' own screenshots go to
//! `<target>/tmp/browser-screenshots/`; their paths are printed.

#[path = "browser/editor.rs"]
mod editor;
#[path = "browser/front.rs"]
mod front;
#[path = "browser/harness.rs"]
mod harness;
#[path = "browser/reading.rs"]
mod reading;
#[path = "browser/review.rs"]
mod review;
#[path = "browser/search.rs"]
mod search;
/// The suite's harness; this test uses a part of it.
#[allow(dead_code)]
#[path = "support/mod.rs"]
mod support;
#[path = "browser/webmention.rs"]
mod webmention;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use chorus::domain::Role;
use harness::{Browser, Tools, vnu_errors};
use support::{Backend, Binary, PATIENCE, RunningServer, TEST_PASSWORD};

const CODE_POST: &str = "A first post, written in the browser.

```rust
fn main() {
    let greeting = \"hello\";
    println!(\"{greeting}, fediverse\");
}
```

That was some Rust.";

/// The pages checked by axe-core and the Nu HTML Checker, gathered along the way.
#[derive(Default)]
struct Audit {
    axe_source: String,
    violations: Vec<String>,
    html: Vec<PathBuf>,
    /// Pages wider than the screen: `name at WIDTH: LAID-OUT px`.
    too_wide: Vec<String>,
}

impl Audit {
    /// Runs axe-core on the page shown now and saves the page's HTML as served.
    async fn check(&mut self, b: &Browser, server: &RunningServer, name: &str) {
        for v in b.axe(&self.axe_source).await {
            self.violations.push(format!(
                "{name}: {}",
                serde_json::to_string_pretty(&v).unwrap()
            ));
        }
        let path = b.path().await;
        // As the browser asked: a feed's address answers a browser's navigation with a page.
        let reply = server
            .get_with(
                &path,
                &[
                    ("cookie", &b.cookie_header().await),
                    ("sec-fetch-dest", "document"),
                ],
            )
            .await;
        assert!(reply.status.is_success(), "{path}: {}", reply.status);
        let file = b.shots.join(format!("{name}.html"));
        std::fs::write(&file, &reply.body).expect("save the page");
        self.html.push(file);
        b.screenshot(name).await;
        for (width, laid_out) in b.gallery(name).await {
            self.too_wide
                .push(format!("{name} ({path}) at {width} px: {laid_out} px wide"));
        }
    }
}

/// The setup token from the server's log.
async fn setup_token(server: &RunningServer) -> String {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let log = server.log();
        if let Some(rest) = log.split("setup token ").nth(1) {
            let token = rest.split_whitespace().next().unwrap_or_default();
            let token =
                token.trim_matches(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'));
            if !token.is_empty() {
                return token.to_owned();
            }
        }
        assert!(
            Instant::now() < deadline,
            "no setup token in the log:\n{log}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// First run in the browser: the setup page with the token from the log; then signing out
/// and in again.
async fn set_up_in_browser(b: &Browser, server: &RunningServer, audit: &mut Audit) {
    let token = setup_token(server).await;
    b.goto("/setup").await;
    b.fill("#token", &token).await;
    b.fill("#username", "ada").await;
    b.fill("#display_name", "Ada Admin").await;
    b.fill("#password", TEST_PASSWORD).await;
    b.click("form[action='/setup'] button[type=submit]").await;
    b.wait_for_path("/account").await;
    b.sign_out().await;
    audit.check(b, server, "login").await;
    b.sign_in("ada", TEST_PASSWORD).await;
}

/// Writes a post with a code block, previews it, publishes it, finds it on the home page and
/// in the feed, edits it and deletes it.
async fn publish_edit_delete(b: &Browser, server: &RunningServer, mut audit: Option<&mut Audit>) {
    let title = if b.javascript {
        "Code in the browser"
    } else {
        "Code without scripts"
    };
    b.goto("/editor/new").await;
    if let Some(a) = audit.as_deref_mut() {
        a.check(b, server, "editor").await;
    }
    b.fill("#title", title).await;
    b.fill("#tags", "rust, browser").await;
    b.fill("#summary", "A post with a code block.").await;
    b.fill("#body", CODE_POST).await;
    if b.javascript {
        // The live preview replaces the preview area while typing.
        b.find("#live-preview .preview pre span[class]").await;
    } else {
        b.click("button[value=preview]").await;
        b.find(".preview pre span[class]").await;
    }
    b.wait_for_text(".preview", "That was some Rust.").await;
    // WebDriver's scripts run even where the page's may not: show the preview.
    let _ = b
        .client
        .execute(
            "document.querySelector('.preview').scrollIntoView();",
            vec![],
        )
        .await;
    b.screenshot("editor-preview").await;

    b.click("button[value=publish]").await;
    let edit_path = b.wait_for_path("/editor/posts/").await;
    let edit_path = edit_path.split('?').next().unwrap().to_owned();
    b.wait_for_text(".notice", "Published").await;
    let href = b
        .find("a[href*='/posts/']")
        .await
        .attr("href")
        .await
        .unwrap()
        .expect("a link to the public page");
    let post_path = url::Url::parse(&b.url("/"))
        .unwrap()
        .join(&href)
        .unwrap()
        .path()
        .to_owned();

    b.goto(&post_path).await;
    b.wait_for_text("h1", title).await;
    b.find(".e-content pre span[class]").await;
    b.screenshot("post-published").await;

    b.goto("/").await;
    b.wait_for_text("main", title).await;
    let feed = server.get("/feed.xml").await;
    assert!(feed.status.is_success(), "/feed.xml: {}", feed.status);
    assert!(
        feed.text().contains(title),
        "the feed lists the post:\n{}",
        feed.text()
    );

    // Edit.
    b.goto(&edit_path).await;
    b.fill("#body", "Edited in the browser: the text is new.")
        .await;
    b.click("button[value=update]").await;
    b.wait_for_text(".notice", "Saved").await;
    b.goto(&post_path).await;
    b.wait_for_text(".e-content", "Edited in the browser").await;

    // Delete, with the confirmation step.
    b.goto(&edit_path).await;
    b.click_text("Delete…").await;
    b.wait_for_path(&format!("{edit_path}/delete")).await;
    b.screenshot("confirm-delete").await;
    b.click("form.confirm button[type=submit]").await;
    b.wait_for_path("/editor?done=deleted").await;
    let gone = server.get(&post_path).await;
    assert_eq!(gone.status.as_u16(), 410, "a deleted post is gone");
    b.goto(&post_path).await;
    b.find("h1").await;
}

/// A contributor submits a draft; an editor approves it; it is published under the
/// contributor's name. Leaves the editor signed in, and gives the post's path.
async fn review_and_approve(b: &Browser, server: &RunningServer) -> String {
    let title = if b.javascript {
        "A contribution for review"
    } else {
        "A contribution without scripts"
    };
    b.sign_out().await;
    b.sign_in("cora", TEST_PASSWORD).await;
    b.goto("/editor/new").await;
    assert_eq!(
        b.count("button[value=publish]").await,
        0,
        "contributors cannot publish"
    );
    b.fill("#title", title).await;
    b.fill("#body", "Please publish this, an editor.").await;
    b.click("button[value=submit]").await;
    b.wait_for_path("/editor/posts/").await;
    b.wait_for_text(".notice", "Submitted for review").await;
    assert!(
        !server.get("/").await.text().contains(title),
        "a submission is not public"
    );
    b.sign_out().await;

    b.sign_in("eddie", TEST_PASSWORD).await;
    b.goto("/editor").await;
    b.click_text(title).await;
    b.wait_for_path("/editor/posts/").await;
    b.find("button[value=publish]").await;
    b.wait_for_text("button[value=publish]", "Approve").await;
    b.click("button[value=publish]").await;
    b.wait_for_text(".notice", "Published").await;
    let href = b
        .find("a[href*='/posts/']")
        .await
        .attr("href")
        .await
        .unwrap()
        .expect("a link to the public page");
    let path = url::Url::parse(&b.url("/"))
        .unwrap()
        .join(&href)
        .unwrap()
        .path()
        .to_owned();
    b.goto(&path).await;
    b.wait_for_text("h1", title).await;
    b.find("a[href$='/@cora']").await;
    b.goto("/@cora").await;
    b.wait_for_text("main", title).await;
    path
}

/// Uploads an image with its description from the post form; the Markdown is offered and
/// the image is served from `/media/`.
async fn upload_image(b: &Browser, server: &RunningServer, dir: &std::path::Path) {
    let png = dir.join("red-square.png");
    image::RgbImage::from_pixel(64, 64, image::Rgb([200, 30, 30]))
        .save(&png)
        .expect("a test image");
    b.goto("/editor/new").await;
    b.fill("#title", "A post with an image").await;
    b.fill("#body", "Look:").await;
    // The image section is folded away below the text; open it.
    let _ = b
        .client
        .execute(
            "document.getElementById('image_file').closest('details').open = true;",
            vec![],
        )
        .await;
    b.find("#image_file")
        .await
        .send_keys(png.to_str().unwrap())
        .await
        .expect("choose a file");
    b.fill("#image_alt", "A red square").await;
    b.click("#upload-button").await;
    let markdown = if b.javascript {
        // The script uploads in the background and inserts the Markdown into the text.
        let deadline = Instant::now() + PATIENCE;
        loop {
            let body = b
                .find("#body")
                .await
                .prop("value")
                .await
                .unwrap()
                .unwrap_or_default();
            if body.contains("![A red square](") {
                break body;
            }
            assert!(
                Instant::now() < deadline,
                "no image Markdown in the text: {body:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    } else {
        let field = b.find("#uploaded-markdown").await;
        b.find("img.thumb[alt='A red square']").await;
        field.prop("value").await.unwrap().unwrap_or_default()
    };
    b.screenshot("editor-image").await;
    let start = markdown.find("](").expect("an image link") + 2;
    let end = start + markdown[start..].find(')').expect("the end of the link");
    let src = &markdown[start..end];
    let path = url::Url::parse(&b.url("/"))
        .unwrap()
        .join(src)
        .unwrap()
        .path()
        .to_owned();
    assert!(
        path.starts_with("/media/"),
        "the image is under /media/: {markdown}"
    );
    let image = server.get(&path).await;
    assert!(image.status.is_success(), "{path}: {}", image.status);
    assert!(
        image.content_type().starts_with("image/"),
        "{path}: {}",
        image.content_type()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_interface_with_javascript() {
    let Some(tools) = Tools::find() else { return };
    let started = Instant::now();
    let mut bin = Binary::new(Backend::Sqlite).await;
    // The reader's server in the follow flow is on the loopback interface.
    bin.set_env("CHORUS_ALLOW_PRIVATE_NETWORKS", "true");
    let server = bin.serve().await;
    let peer = support::peer::Peer::start(&["pat"]).await;
    let b = Browser::start(&tools, &bin.base_url, true, "javascript").await;
    let mut audit = Audit {
        axe_source: std::fs::read_to_string(&tools.axe).expect("read axe-core"),
        ..Audit::default()
    };

    b.goto("/").await;
    audit.check(&b, &server, "home-empty").await;
    front::follow_from_the_front_page(&b, &peer).await;

    set_up_in_browser(&b, &server, &mut audit).await;

    publish_edit_delete(&b, &server, Some(&mut audit)).await;

    bin.seed_user("cora", Role::Contributor).await;
    bin.seed_user("eddie", Role::Editor).await;
    let post = review_and_approve(&b, &server).await;
    b.goto(&post).await;
    // The editor who approved it finds the Edit link the page's script shows them, on a page
    // that is the same bytes for everyone.
    b.wait_for_text(".edit-link a", "Edit this post").await;
    let anonymous = server.get(&post).await;
    let signed_in = server
        .get_with(&post, &[("cookie", &b.cookie_header().await)])
        .await;
    assert!(
        anonymous.body == signed_in.body,
        "the cached post page is the same for everyone"
    );
    let _web = webmention::reply_from_the_web(&server, &post).await;
    b.goto(&post).await;
    audit.check(&b, &server, "post").await;
    b.goto("/@cora").await;
    audit.check(&b, &server, "author").await;
    b.goto("/").await;
    audit.check(&b, &server, "home").await;
    front::read_a_series(&b, &bin, "eddie").await;
    audit.check(&b, &server, "series").await;
    b.goto("/posts/borrowing").await;
    audit.check(&b, &server, "post-in-series").await;
    front::click_a_feed_link(&b, &server).await;
    audit.check(&b, &server, "feed-page").await;
    b.goto("/subscribe").await;
    audit.check(&b, &server, "subscribe").await;
    b.goto("/search?q=publish").await;
    b.find(".search-results mark").await;
    audit.check(&b, &server, "search").await;
    // The pages behind the sign-in, as an administrator sees them.
    b.sign_out().await;
    b.sign_in("ada", TEST_PASSWORD).await;
    // A token on the account page, and an app asking for three scopes on the consent page.
    bin.run(
        &[
            "token",
            "create",
            "--user",
            "ada",
            "--scope",
            "create,media",
        ],
        None,
    )
    .ok();
    let consent = format!(
        "/indieauth/authorize?response_type=code&client_id={app}&redirect_uri={app}callback\
         &state=s&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM\
         &code_challenge_method=S256&scope=profile+create+media",
        app = "https%3A%2F%2Fapp.example%2F"
    );
    for (path, name) in [
        (consent.as_str(), "consent"),
        ("/editor", "editor-list"),
        ("/account", "account"),
        // The same page scrolled to its apps and tokens, for the screenshots.
        ("/account#tokens-heading", "account-tokens"),
        ("/account/profile", "profile"),
        ("/account/followers", "followers"),
        ("/account/move", "account-move"),
        ("/account/invites", "invites"),
        ("/notifications", "notifications"),
        ("/moderation", "moderation"),
        ("/community/amplify", "amplify"),
        ("/admin", "admin"),
        ("/admin/users", "admin-users"),
        ("/admin/site", "admin-site"),
        ("/admin/blocks", "admin-blocks"),
        ("/admin/reports", "admin-reports"),
        ("/admin/federation", "admin-federation"),
    ] {
        b.goto(path).await;
        audit.check(&b, &server, name).await;
    }

    upload_image(&b, &server, bin.dir()).await;
    let gallery = b.gallery.clone();
    b.close().await;

    let html_errors = vnu_errors(&tools, &audit.html);
    for v in &audit.violations {
        println!("axe violation on {v}");
    }
    for e in &html_errors {
        println!("HTML error in {e}");
    }
    for w in &audit.too_wide {
        println!("wider than the screen: {w}");
    }
    println!(
        "axe: {} violations, Nu HTML Checker: {} errors, {} pages wider than the screen, on {} pages",
        audit.violations.len(),
        html_errors.len(),
        audit.too_wide.len(),
        audit.html.len()
    );
    println!(
        "screenshots of every audited page at {} px, light and dark: {}",
        harness::SIZES
            .iter()
            .map(|(w, _)| w.to_string())
            .collect::<Vec<_>>()
            .join(" and "),
        gallery.display()
    );
    println!("browser flows with JavaScript took {:?}", started.elapsed());
    assert!(
        audit.violations.is_empty(),
        "axe-core found accessibility violations:\n{}",
        audit.violations.join("\n")
    );
    assert!(
        html_errors.is_empty(),
        "the Nu HTML Checker found errors:\n{}",
        html_errors.join("\n")
    );
    assert!(
        audit.too_wide.is_empty(),
        "pages wider than the screen:\n{}",
        audit.too_wide.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_interface_without_javascript() {
    let Some(tools) = Tools::find() else { return };
    let started = Instant::now();
    let mut bin = Binary::new(Backend::Sqlite).await;
    bin.set_env("CHORUS_ALLOW_PRIVATE_NETWORKS", "true");
    bin.create_user("ada", "admin").ok();
    bin.seed_user("cora", Role::Contributor).await;
    bin.seed_user("eddie", Role::Editor).await;
    let server = bin.serve().await;
    let b = Browser::start(&tools, &bin.base_url, false, "no-javascript").await;

    // The follow form needs no script; the copy buttons stay hidden without one.
    let peer = support::peer::Peer::start(&["pat"]).await;
    b.goto("/").await;
    let display = b
        .client
        .execute(
            "return getComputedStyle(document.querySelector('.follow-box button.copy')).display;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        display.as_str(),
        Some("none"),
        "a copy button without the script that makes it work"
    );
    front::follow_from_the_front_page(&b, &peer).await;

    // WebDriver's own scripts still run in this session, so that scripts are off shows in
    // what the pages do: the upload below only offers the Markdown on a new page when the
    // editor's script did not send the file in the background.
    b.sign_in("ada", TEST_PASSWORD).await;
    b.screenshot("editor-list").await;

    publish_edit_delete(&b, &server, None).await;
    review_and_approve(&b, &server).await;
    b.screenshot("post").await;
    upload_image(&b, &server, bin.dir()).await;
    b.close().await;
    println!(
        "browser flows without JavaScript took {:?}",
        started.elapsed()
    );
}
