//! Reading a post in Chromium, in the light and the dark colour scheme: a comment inside a
//! code block looks like code (no bar of the conversation's replies), a reader's reply is
//! upright and readable (at least 4.5:1), code blocks get a copy button only with scripts,
//! replies say how long ago they were written. axe-core and the Nu HTML Checker check the
//! page in both schemes.

use serde_json::{Value, json};

use crate::harness::{Browser, Tools, vnu_errors};
use crate::review::approved_reply;
use crate::support::{Backend, Binary};
use chorus::domain::Role;

const POST: &str = "---\ntitle: Code and replies\n---\nSome Rust:\n\n\
```rust\n// a comment in the code\nfn main(x: u8) {\n    let s = \"hello\";\n}\n```\n\nThat was Rust.\n";

/// A Chrome DevTools command through ChromeDriver (`goog/cdp/execute`).
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _url: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({"cmd": self.cmd, "params": self.params}).to_string();
        (http::Method::POST, Some(body))
    }
}

/// Makes the page see `prefers-color-scheme: scheme`.
async fn color_scheme(b: &Browser, scheme: &str) {
    b.client
        .issue_cmd(Cdp {
            cmd: "Emulation.setEmulatedMedia",
            params: json!({"features": [{"name": "prefers-color-scheme", "value": scheme}]}),
        })
        .await
        .expect("emulate the colour scheme");
}

/// `rgb(1, 2, 3)` or `rgba(1, 2, 3, 1)` → channels 0-1.
fn channels(css: &str) -> [f64; 3] {
    let inner = css
        .trim()
        .trim_start_matches("rgba(")
        .trim_start_matches("rgb(")
        .trim_end_matches(')');
    let v: Vec<f64> = inner
        .split([',', ' ', '/'])
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().expect("a number"))
        .collect();
    [v[0] / 255.0, v[1] / 255.0, v[2] / 255.0]
}

fn luminance(css: &str) -> f64 {
    let [r, g, b] = channels(css).map(|c| {
        if c <= 0.03928 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    });
    0.2126 * r + 0.7152 * g + 0.0722 * b
}

fn contrast(a: &str, b: &str) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// What the checks need, read from the page as laid out.
const STYLES: &str = "
const background = (el) => {
  for (let e = el; e; e = e.parentElement) {
    const c = getComputedStyle(e).backgroundColor;
    if (c && c !== 'transparent' && !c.startsWith('rgba(0, 0, 0, 0')) return c;
  }
  return 'rgb(255, 255, 255)';
};
const code = document.querySelector('.e-content pre span.hl-comment');
const reply = document.querySelector('li.comment');
const text = reply.querySelector('.comment-content p');
const cs = getComputedStyle(code);
return {
  dark: matchMedia('(prefers-color-scheme: dark)').matches,
  code_border: [cs.borderLeftWidth, cs.borderLeftStyle, cs.borderTopWidth].join(' '),
  code_color: cs.color,
  code_background: background(code),
  reply_style: getComputedStyle(reply).fontStyle,
  text_style: getComputedStyle(text).fontStyle,
  text_color: getComputedStyle(text).color,
  text_background: background(text),
  meta_color: getComputedStyle(reply.querySelector('.comment-meta')).color,
  copy_buttons: document.querySelectorAll('.code-block button.copy-code').length,
  ago: (reply.querySelector('.ago') || {}).textContent || '',
};";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn code_comments_and_replies_read_well_in_both_schemes() {
    let Some(tools) = Tools::find() else { return };
    let bin = Binary::new(Backend::Sqlite).await;
    bin.seed_user("alice", Role::Author).await;
    bin.publish("alice", POST).ok();
    approved_reply(
        &bin,
        "code-and-replies",
        "A reader's reply, upright and readable",
    )
    .await;
    let server = bin.serve().await;

    // Without scripts the page as served has no copy button.
    let served = server.get("/posts/code-and-replies").await.text();
    assert!(
        !served.contains("copy-code"),
        "no button without JavaScript"
    );

    let b = Browser::start(&tools, &bin.base_url, true, "reading").await;
    let axe_source = std::fs::read_to_string(&tools.axe).expect("read axe-core");
    let mut problems = Vec::new();
    let mut pages = Vec::new();
    for scheme in ["light", "dark"] {
        color_scheme(&b, scheme).await;
        b.goto("/posts/code-and-replies").await;
        b.wait_for_text("li.comment .comment-content", "upright")
            .await;
        b.find(".code-block button.copy-code").await;
        let s = b.client.execute(STYLES, vec![]).await.expect("styles");
        println!("{scheme}: {s}");
        let get = |k: &str| s[k].as_str().unwrap_or_default().to_owned();
        assert_eq!(
            s["dark"],
            json!(scheme == "dark"),
            "{scheme}: the scheme took"
        );
        assert!(
            get("code_border").starts_with("0px"),
            "{scheme}: the code comment has a border: {}",
            get("code_border")
        );
        assert_eq!(
            get("reply_style"),
            "normal",
            "{scheme}: the reply is italic"
        );
        assert_eq!(get("text_style"), "normal", "{scheme}: the reply is italic");
        for (what, fg, bg) in [
            ("reply text", "text_color", "text_background"),
            ("reply meta", "meta_color", "text_background"),
            ("code comment", "code_color", "code_background"),
        ] {
            let ratio = contrast(&get(fg), &get(bg));
            assert!(
                ratio >= 4.5,
                "{scheme}: {what} {} on {} is {ratio:.2}:1",
                get(fg),
                get(bg)
            );
        }
        assert_eq!(s["copy_buttons"], json!(1), "{scheme}");
        // Written just now: "this minute" (the reader's language decides the words).
        assert!(
            get("ago").starts_with(" (") && get("ago").len() > 4,
            "{scheme}: no relative time: {:?}",
            get("ago")
        );
        b.screenshot(&format!("post-{scheme}")).await;
        for v in b.axe(&axe_source).await {
            problems.push(format!(
                "{scheme}: {}",
                serde_json::to_string_pretty(&v).unwrap()
            ));
        }
    }

    // The reply's own "Reply from your server" link asks for an address.
    b.click("li.comment a.comment-reply").await;
    b.wait_for_path("/interact").await;
    b.find("form[action='/interact'] input[name=handle]").await;
    b.screenshot("reply-to-a-reply").await;
    for v in b.axe(&axe_source).await {
        problems.push(format!(
            "interact: {}",
            serde_json::to_string_pretty(&v).unwrap()
        ));
    }
    let ask_path = b.path().await;
    b.close().await;

    for (name, path) in [
        ("post", "/posts/code-and-replies".to_owned()),
        ("interact", ask_path),
    ] {
        let file =
            std::env::temp_dir().join(format!("chorus-reading-{}-{name}.html", std::process::id()));
        std::fs::write(&file, server.get(&path).await.text()).unwrap();
        pages.push(file);
    }
    let html_errors = vnu_errors(&tools, &pages);
    assert!(problems.is_empty(), "axe-core:\n{}", problems.join("\n"));
    assert!(
        html_errors.is_empty(),
        "Nu HTML Checker:\n{}",
        html_errors.join("\n")
    );
}
