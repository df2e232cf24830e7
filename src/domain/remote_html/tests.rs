use super::*;

#[test]
fn mentions_hashtags_and_text_survive() {
    let html = r#"<p><span class="h-card"><a href="https://community.example/@alice" class="u-url mention">@<span>alice</span></a></span> thanks! <a href="https://social.example/tags/rust" class="mention hashtag" rel="tag">#<span>rust</span></a> <strong>b</strong> <em>i</em> <code>c</code></p><blockquote><ul><li>x</li></ul></blockquote>"#;
    let out = sanitize(html);
    assert!(out.contains(r#"<span class="h-card">"#), "{out}");
    assert!(
        out.contains(r#"href="https://community.example/@alice""#),
        "{out}"
    );
    assert!(out.contains("u-url mention"), "{out}");
    assert!(out.contains(r#"rel="nofollow noopener ugc""#), "{out}");
    for t in ["<strong>", "<em>", "<code>", "<blockquote>", "<ul>", "<li>"] {
        assert!(out.contains(t), "{t} in {out}");
    }
}

#[test]
fn hostile_markup_is_removed() {
    let html = r#"<script>alert(1)</script><style>p{color:red}</style><p onclick="x()" style="color:red" class="evil">hi</p>
<a href="javascript:alert(1)">j</a><a href="data:text/html,x">d</a><a href="/relative">r</a>
<img src="https://tracker.example/p.png"><img src="data:image/png;base64,AAAA"><iframe src="https://evil.example"></iframe>
<span class="mention evil">m</span><svg><script>alert(2)</script></svg><form action="https://x"><input></form>"#;
    let out = sanitize(html).to_lowercase();
    for bad in [
        "<script",
        "alert",
        "<style",
        "color:red",
        "onclick",
        "style=",
        "evil",
        "javascript:",
        "data:",
        "<img",
        "<iframe",
        "relative",
        "<svg",
        "<form",
        "<input",
    ] {
        assert!(!out.contains(bad), "{bad} survived in {out}");
    }
    assert!(out.contains("<p>hi</p>"), "{out}");
    assert!(out.contains(r#"<span class="mention">m</span>"#), "{out}");
}

#[test]
fn deep_nesting_is_capped_and_long_input_cut() {
    let deep = format!(
        "{}deep{}",
        "<blockquote>".repeat(1_500),
        "</blockquote>".repeat(1_500)
    );
    let out = sanitize(&deep);
    assert!(out.contains("deep"), "{out}");
    assert_eq!(out.matches("<blockquote>").count(), MAX_DEPTH, "{out}");
    assert_eq!(
        out.matches("<blockquote>").count(),
        out.matches("</blockquote>").count()
    );
    let huge = "<blockquote>x".repeat(10_000);
    let out = sanitize(&huge);
    assert!(
        out.contains('x') && out.matches("<blockquote>").count() <= MAX_DEPTH,
        "{out}"
    );
    let long = format!("<p>{}</p>", "é".repeat(MAX_INPUT_BYTES));
    assert!(sanitize(&long).len() <= MAX_INPUT_BYTES + 16);
}

#[test]
fn plain_text_reads_the_words() {
    assert_eq!(plain_text("<p>a &amp; b</p><p>c&lt;d</p>"), "a & b c<d");
}
