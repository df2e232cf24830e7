use super::*;
use scraper::Html;

fn site() -> Url {
    Url::parse("https://community.example/").unwrap()
}

#[test]
fn code_is_highlighted_with_classes_not_styles() {
    let r = render("```rust\nfn main() { let x = 1; }\n```\n", &site());
    assert!(r.html.contains("<span class=\""), "{}", r.html);
    assert!(r.html.contains("language-rust"), "{}", r.html);
    assert!(!r.html.contains("style="), "{}", r.html);
}

/// Every class inside a highlighted block (but the block's `language-x`) carries the prefix,
/// so that a code comment never picks up the page's `.comment`.
#[test]
fn highlighting_classes_are_all_prefixed() {
    let md = "```rust\n// a comment\nfn main(x: u8) { let s = \"hi\"; }\n```\n\n\
              ```python\n# note\ndef f(a):\n    return 'x'\n```\n\n\
              ```html\n<!-- c --><p class=\"x\">t</p>\n```\n\n```\nplain <text>\n```\n";
    let r = render(md, &site());
    let doc = Html::parse_fragment(&r.html);
    let pres = scraper::Selector::parse("pre").unwrap();
    assert_eq!(doc.select(&pres).count(), 4, "{}", r.html);
    let mut comments = 0;
    for pre in doc.select(&pres) {
        assert_eq!(pre.value().attr("class"), Some(highlight::BLOCK_CLASS));
        for el in pre.descendants().filter_map(scraper::ElementRef::wrap) {
            for class in el.value().classes() {
                let ok = class.starts_with(highlight::CLASS_PREFIX)
                    || (el.value().name() == "code" && class.starts_with("language-"));
                assert!(ok, "unprefixed class {class:?} in {}", r.html);
                comments += usize::from(class == "hl-comment");
            }
        }
    }
    assert!(comments >= 3, "comments are marked: {}", r.html);
}

#[test]
fn feeds_get_code_without_highlighting() {
    let r = render(
        "Text.\n\n```rust\nfn main() { let s = \"a < b\"; }\n```\n\nMore <span>kept</span>.\n",
        &site(),
    );
    let plain = highlight::without_highlighting(&r.html);
    assert!(
        plain.contains(
            "<pre><code class=\"language-rust\">fn main() { let s = \"a &lt; b\"; }\n</code></pre>"
        ),
        "{plain}"
    );
    assert!(plain.contains("<span>kept</span>"), "{plain}");
    assert!(!plain.contains("hl-"), "{plain}");
    // What older versions stored reads the same way.
    let old = "<pre class=\"syntax-highlighting\"><code class=\"language-sh\"><span class=\"source shell\">ls</span>\n</code></pre>";
    assert_eq!(
        highlight::without_highlighting(old),
        "<pre><code class=\"language-sh\">ls\n</code></pre>"
    );
    assert!(highlight::has_old_highlighting(old));
    assert!(!highlight::has_old_highlighting(&r.html));
}

#[test]
fn gfm_tables_footnotes_tasks_and_anchors() {
    let md = "## Setup steps\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n- [ ] todo\n\nText[^1].\n\n[^1]: A note.\n";
    let r = render(md, &site());
    assert!(r.html.contains("<table>"), "{}", r.html);
    assert!(r.html.contains("type=\"checkbox\""), "{}", r.html);
    assert!(r.html.contains("id=\"setup-steps\""), "{}", r.html);
    assert!(r.html.contains("footnotes"), "{}", r.html);
}

#[test]
fn hostile_html_is_neutralized() {
    let md = "<script>alert(1)</script>\n\n[x](javascript:alert(1)) <img src=x onerror=alert(1)> <a href=\"#\" onclick=\"evil()\" style=\"color:red\">y</a>\n\n<iframe src=\"https://evil.example\"></iframe><input type=text value=x>";
    let r = render(md, &site());
    let lower = r.html.to_lowercase();
    for bad in [
        "<script",
        "javascript:",
        "onerror",
        "onclick",
        "style=",
        "<iframe",
        "type=\"text\"",
    ] {
        assert!(!lower.contains(bad), "{bad} survived in {}", r.html);
    }
}

#[test]
fn an_h1_in_the_body_is_demoted_below_the_page_title() {
    let r = render("# Intro\n\ntext\n\n## Part\n", &site());
    assert!(
        r.html.contains("<h2") && r.html.contains("<h3") && !r.html.contains("<h1"),
        "{}",
        r.html
    );
}

#[test]
fn foreign_images_become_links() {
    let r = render(
        "![a cat](https://cdn.other.example/cat.png) ![local](/media/x.png)",
        &site(),
    );
    assert!(
        !r.html.contains("cdn.other.example/cat.png\" alt"),
        "{}",
        r.html
    );
    assert!(
        r.html
            .contains("<a href=\"https://cdn.other.example/cat.png\""),
        "{}",
        r.html
    );
    assert!(
        r.html.contains("<img src=\"/media/x.png\" alt=\"local\""),
        "{}",
        r.html
    );
}

#[test]
fn summaries_leave_out_the_code_of_raw_scripts_and_styles() {
    let r = render(
        "Hello <script>alert(1)</script> <style>p{}</style>world <b>bold</b>.",
        &site(),
    );
    assert_eq!(r.first_paragraph, "Hello world bold.");
}

#[test]
fn first_paragraph_is_plain_text_and_shortened() {
    let r = render(
        "Hello **bold** `code` and [a link](https://x.example).\n\nSecond.",
        &site(),
    );
    assert_eq!(r.first_paragraph, "Hello bold code and a link.");
    let long = shorten(&"word ".repeat(100), 50);
    assert!(long.chars().count() <= 51 && long.ends_with('…'));
}

#[test]
fn absolutize_rewrites_relative_links() {
    let post = Url::parse("https://community.example/posts/x").unwrap();
    let html = absolutize(
        "<p><a href=\"#fn-1\">1</a> <img src=\"/media/a.png\" alt=\"a\"></p>",
        &post,
    );
    assert!(
        html.contains("https://community.example/posts/x#fn-1"),
        "{html}"
    );
    assert!(
        html.contains("https://community.example/media/a.png"),
        "{html}"
    );
}

#[test]
fn mentions_and_inline_hashtags_are_linked_outside_code() {
    let handles = HashMap::from([(
        "pat@social.example".to_owned(),
        "https://social.example/@pat".to_owned(),
    )]);
    let md = "Thanks @pat@social.example for #Rust tips. `@pat@social.example #code` and @who@gone.example.";
    let r = render_post(md, &site(), &handles);
    assert!(
        r.rendered.html.contains(
            r#"<a href="https://social.example/@pat" class="u-url mention">@<span>pat</span></a>"#
        ),
        "{}",
        r.rendered.html
    );
    assert!(
        r.rendered.html.contains(
            r#"<a href="/tags/Rust" class="mention hashtag" rel="tag">#<span>Rust</span></a>"#
        ),
        "{}",
        r.rendered.html
    );
    assert!(
        r.rendered
            .html
            .contains("<code>@pat@social.example #code</code>"),
        "{}",
        r.rendered.html
    );
    assert!(
        r.rendered.html.contains("@who@gone.example"),
        "{}",
        r.rendered.html
    );
    assert_eq!(r.hashtags, vec![Tag::parse("rust").unwrap()]);
    assert_eq!(r.rendered.first_paragraph, md.replace('`', ""));
    assert_eq!(
        find_mentions(md),
        vec!["pat@social.example", "who@gone.example"]
    );
    assert_eq!(
        find_mentions("hi @q@127.0.0.1:4000 there"),
        vec!["q@127.0.0.1:4000"]
    );
}

#[test]
fn placeholder_characters_in_raw_html_change_nothing() {
    let handles = HashMap::from([(
        "pat@social.example".to_owned(),
        "https://social.example/@pat".to_owned(),
    )]);
    for trick in [
        "<img src=\"/media/x.png\" alt=\"\u{E000}0\u{E001} x=\">",
        "<img src=\"/media/x.png\" alt=\"&#xE000;1&#xE001; x=\">",
        "<div title=\"\n\nThanks #rust\n",
    ] {
        let md = format!("Thanks @pat@social.example for #rust.\n\n{trick}\n");
        let r = render_post(&md, &site(), &handles);
        let doc = Html::parse_fragment(&r.rendered.html);
        for el in doc.tree.nodes().filter_map(|n| n.value().as_element()) {
            for (name, _) in el.attrs() {
                assert!(
                    ["src", "alt", "href", "class", "rel", "title"].contains(&name),
                    "{name} on <{}>: {}",
                    el.name(),
                    r.rendered.html
                );
            }
        }
        assert_eq!(
            r.rendered.html,
            sanitize(&r.rendered.html, &site()),
            "sanitized last: {trick:?}"
        );
    }
}

#[test]
fn mention_and_hashtag_links_keep_their_markup_through_the_sanitizer() {
    let handles = HashMap::from([(
        "pat@social.example".to_owned(),
        "https://social.example/@pat".to_owned(),
    )]);
    let r = render_post("@pat@social.example #rust", &site(), &handles);
    assert!(
        r.rendered.html.contains(r#"<span class="h-card"><a href="https://social.example/@pat" class="u-url mention">@<span>pat</span></a></span>"#),
        "{}",
        r.rendered.html
    );
    assert!(
        r.rendered.html.contains(r#"rel="tag""#),
        "{}",
        r.rendered.html
    );
    let links = render(
        "[x](https://x.example/ \"t\") <a href=\"/\" rel=\"me external\">me</a>",
        &site(),
    );
    assert!(links.html.contains(r#"rel="me""#), "{}", links.html);
}

#[test]
fn raw_html_images_on_other_servers_become_links_and_ours_stay() {
    let md = "<img src=\"https://tracker.example/p.gif\" alt=\"a pixel\"> <img src=\"/media/a.png\" alt=\"ours\">\n\n<p><IMG SRC=//cdn.other.example/b.png></p>";
    let r = render(md, &site());
    assert!(!r.html.contains("<img src=\"https://tracker"), "{}", r.html);
    assert!(
        r.html
            .contains(r#"<a href="https://tracker.example/p.gif">a pixel</a>"#),
        "{}",
        r.html
    );
    assert!(
        r.html
            .contains(r#"<a href="//cdn.other.example/b.png">//cdn.other.example/b.png</a>"#),
        "{}",
        r.html
    );
    assert!(r.html.contains(r#"src="/media/a.png""#), "{}", r.html);
    let feed = absolutize(
        &r.html,
        &Url::parse("https://community.example/posts/x").unwrap(),
    );
    assert!(
        feed.contains(r#"src="https://community.example/media/a.png""#),
        "{feed}"
    );
    assert_eq!(feed.matches("<img").count(), 1, "{feed}");
}

#[test]
fn stored_html_with_foreign_images_loads_nothing_when_served_again() {
    let old = r#"<p><img src="https://tracker.example/p.gif" alt="x"></p>"#;
    let again = sanitize(old, &site());
    assert!(!again.contains("<img"), "{again}");
    let feed = absolutize(
        old,
        &Url::parse("https://community.example/posts/x").unwrap(),
    );
    assert!(!feed.contains("<img"), "{feed}");
}
