//! The post form in Chromium: with JavaScript, the text and its live preview side by side on a
//! wide screen and stacked on a phone, a pasted image becoming Markdown after its description
//! is asked for, a cover chosen and kept with the draft, the Mastodon preview with avatar,
//! handle and a card with the cover; without JavaScript, the plain form still previews and
//! saves. Screenshots at 1366 and 390 pixels, light and dark.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::harness::{Browser, Tools};
use crate::support::{Backend, Binary, PATIENCE, TEST_PASSWORD};

async fn view(b: &Browser, width: u32, height: u32, dark: bool) {
    b.emulate(width, height, dark).await;
}

/// Screenshots of the page shown now at both widths, light and dark.
async fn shoot(b: &Browser, name: &str) {
    for (width, height) in [(1366, 900), (390, 844)] {
        for dark in [false, true] {
            view(b, width, height, dark).await;
            let scheme = if dark { "dark" } else { "light" };
            b.screenshot(&format!("{name}-{width}-{scheme}")).await;
        }
    }
    view(b, 1366, 900, false).await;
}

async fn js(b: &Browser, script: &str, args: Vec<Value>) -> Value {
    b.client
        .execute(script, args)
        .await
        .unwrap_or_else(|e| panic!("{script}: {e}"))
}

/// The text area's and the preview's boxes: `[left, top, right, bottom]` each.
async fn boxes(b: &Browser) -> (Vec<f64>, Vec<f64>) {
    let v = js(
        b,
        "const r = e => { const b = document.querySelector(e).getBoundingClientRect(); \
         return [b.left, b.top, b.right, b.bottom]; }; \
         return [r('#body'), r('#live-preview .preview')];",
        vec![],
    )
    .await;
    let side = |i: usize| -> Vec<f64> {
        v[i].as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_f64().unwrap())
            .collect()
    };
    (side(0), side(1))
}

async fn value_of(b: &Browser, css: &str) -> String {
    b.find(css)
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

/// Waits until the text area's value contains `needle`.
async fn wait_for_body(b: &Browser, needle: &str) -> String {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let body = value_of(b, "#body").await;
        if body.contains(needle) {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "no {needle:?} in the text: {body:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn png(rgb: [u8; 3]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image::RgbImage::from_pixel(320, 200, image::Rgb(rgb))
        .write_to(&mut out, image::ImageFormat::Png)
        .expect("a test image");
    out.into_inner()
}

/// Pastes a file with `bytes` and `mime` at the end of the text, as a browser does.
async fn paste(b: &Browser, bytes: &[u8], name: &str, mime: &str) {
    js(
        b,
        "const body = document.getElementById('body'); \
         body.focus(); body.setSelectionRange(body.value.length, body.value.length); \
         const dt = new DataTransfer(); \
         dt.items.add(new File([new Uint8Array(arguments[0])], arguments[1], {type: arguments[2]})); \
         const e = new ClipboardEvent('paste', {clipboardData: dt, bubbles: true, cancelable: true}); \
         body.dispatchEvent(e);",
        vec![json!(bytes), json!(name), json!(mime)],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_editor_with_javascript() {
    let Some(tools) = Tools::find() else { return };
    let bin = Binary::new(Backend::Sqlite).await;
    bin.create_user("ada", "admin").ok();
    let server = bin.serve().await;
    let b = Browser::start(&tools, &bin.base_url, true, "editor-javascript").await;
    b.sign_in("ada", TEST_PASSWORD).await;
    view(&b, 1366, 900, false).await;

    b.goto("/editor/new").await;
    b.fill("#title", "Side by side").await;
    b.fill("#tags", "mountains").await;
    b.fill("#summary", "Writing with the preview in view.")
        .await;
    b.fill("#body", "Some **bold** words, typed here.").await;
    b.wait_for_text("#live-preview .preview .e-content", "typed here")
        .await;
    b.find("#live-preview .preview strong").await;
    b.wait_for_text("#word-count", "5 words").await;
    let (text, preview) = boxes(&b).await;
    assert!(
        text[2] <= preview[0] && preview[1] < text[3],
        "at 1366 px the preview is beside the text: text {text:?}, preview {preview:?}"
    );

    // A file that is not an image: a message, nothing inserted.
    paste(&b, b"plain words", "notes.txt", "text/plain").await;
    b.wait_for_text("#autosave-status", "Only images").await;
    assert_eq!(
        value_of(&b, "#body").await,
        "Some **bold** words, typed here."
    );
    // An image: its description is asked for, then its Markdown is inserted.
    paste(&b, &png([30, 60, 200]), "pasted.png", "image/png").await;
    b.fill("#alt-dialog-text", "A blue rectangle").await;
    b.click("#alt-dialog-insert").await;
    let body = wait_for_body(&b, "![A blue rectangle](/media/").await;
    assert!(body.starts_with("Some **bold** words"), "{body:?}");
    b.find("#live-preview .preview img[alt='A blue rectangle']")
        .await;

    // A cover chosen from a file is uploaded at once and chosen in the menu.
    let cover = bin.dir().join("cover.png");
    std::fs::write(&cover, png([200, 120, 40])).unwrap();
    js(
        &b,
        "document.getElementById('cover-settings').open = true;",
        vec![],
    )
    .await;
    b.fill("#cover_alt", "An orange sunset").await;
    b.find("#cover_file")
        .await
        .send_keys(cover.to_str().unwrap())
        .await
        .expect("choose a cover");
    b.wait_for_text("#autosave-status", "Cover image uploaded")
        .await;
    assert_ne!(value_of(&b, "#cover_media_id").await, "");
    // The Mastodon preview: avatar, handle, the card with the cover, the hashtag.
    b.find("#live-preview .mastodon-card img[alt='An orange sunset']")
        .await;
    b.find("#live-preview .mastodon-avatar").await;
    b.wait_for_text("#live-preview .mastodon-handle", "@ada@")
        .await;
    b.wait_for_text("#live-preview .mastodon-hashtags", "#mountains")
        .await;

    // Autosave: the address and heading follow, and the cover is stored with the draft.
    b.wait_for_text("#autosave-status", "saved automatically")
        .await;
    let edit = b.wait_for_path("/editor/posts/").await;
    b.wait_for_text("h1", "Editing: Side by side").await;
    js(
        &b,
        "document.activeElement.blur(); window.scrollTo(0, 0);",
        vec![],
    )
    .await;
    shoot(&b, "editor").await;
    js(
        &b,
        "document.querySelector('#live-preview .mastodon').scrollIntoView();",
        vec![],
    )
    .await;
    shoot(&b, "editor-mastodon").await;

    view(&b, 390, 844, false).await;
    b.goto(&edit).await;
    b.find("#cover_media_id option[selected]").await;
    let width = js(&b, "return document.documentElement.scrollWidth;", vec![]).await;
    assert!(
        width.as_f64().unwrap() <= 390.0,
        "the editor is {width} px wide at 390 px"
    );
    let (text, preview) = boxes(&b).await;
    assert!(
        preview[1] >= text[3],
        "at 390 px the preview is below the text: text {text:?}, preview {preview:?}"
    );
    view(&b, 1366, 900, false).await;

    b.click("button[value=publish]").await;
    b.wait_for_text(".notice", "Published").await;
    b.goto("/posts/side-by-side").await;
    b.find("article.post img.cover[alt='An orange sunset']")
        .await;
    shoot(&b, "post-with-cover").await;
    b.goto("/").await;
    b.find(".post-list img.cover").await;
    shoot(&b, "home-listing").await;
    let feed = server.get("/feed.xml").await.text();
    assert!(feed.contains("<enclosure "), "{feed}");
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_editor_without_javascript() {
    let Some(tools) = Tools::find() else { return };
    let bin = Binary::new(Backend::Sqlite).await;
    bin.create_user("ada", "admin").ok();
    let _server = bin.serve().await;
    let b = Browser::start(&tools, &bin.base_url, false, "editor-no-javascript").await;
    b.sign_in("ada", TEST_PASSWORD).await;
    b.goto("/editor/new").await;
    b.fill("#title", "A plain form").await;
    b.fill("#body", "Written *without* scripts.").await;
    b.click("button[value=preview]").await;
    b.wait_for_text(".preview .e-content", "Written without scripts")
        .await;
    b.find(".preview em").await;
    b.screenshot("editor-preview").await;
    b.click("button[value=save]").await;
    b.wait_for_path("/editor/posts/").await;
    b.wait_for_text(".notice", "Draft saved").await;
    b.wait_for_text("h1", "Editing: A plain form").await;
    b.close().await;
}
