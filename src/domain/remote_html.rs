//! HTML written on other servers (replies, amplified posts): a strict allow-list, far
//! narrower than the policy for our own authors' Markdown. Text, paragraphs, emphasis, code,
//! quotes, lists and http(s) links (marked `nofollow noopener ugc`); `span` keeps only the
//! microformat classes mentions and hashtags use. No images, no styles, no scripts, no
//! frames, no `data:` or relative URLs. Input is cut at a length and nesting is capped, so
//! neither a huge nor a deeply nested reply can bloat or break a page.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

/// Longest remote HTML read, in bytes; the rest is dropped before sanitizing.
pub const MAX_INPUT_BYTES: usize = 20_000;
/// Deepest element nesting kept; deeper elements are unwrapped (their text stays).
pub const MAX_DEPTH: usize = 8;

const TAGS: [&str; 12] = [
    "p",
    "br",
    "a",
    "span",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
];
const CLASSES: [&str; 4] = ["h-card", "mention", "hashtag", "u-url"];
/// Elements removed together with everything inside them.
const DROPPED_WITH_CONTENT: [&str; 14] = [
    "script", "style", "iframe", "object", "embed", "noscript", "template", "svg", "math",
    "textarea", "select", "title", "head", "frameset",
];
const VOID: [&str; 1] = ["br"];

fn policy() -> &'static ammonia::Builder<'static> {
    static POLICY: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    POLICY.get_or_init(|| {
        let mut b = ammonia::Builder::empty();
        let classes: HashSet<&'static str> = CLASSES.into_iter().collect();
        b.tags(TAGS.into_iter().collect())
            .clean_content_tags(DROPPED_WITH_CONTENT.into_iter().collect())
            .tag_attributes(HashMap::from([("a", ["href"].into_iter().collect())]))
            .allowed_classes(HashMap::from([("span", classes.clone()), ("a", classes)]))
            .url_schemes(["http", "https"].into_iter().collect())
            .url_relative(ammonia::UrlRelative::Deny)
            .link_rel(Some("nofollow noopener ugc"))
            .strip_comments(true);
        b
    })
}

/// Sanitizes HTML from another server for display on our pages.
pub fn sanitize(html: &str) -> String {
    let input = cut(html, MAX_INPUT_BYTES);
    let clean = policy().clean(input).to_string();
    cap_depth(&clean, MAX_DEPTH)
}

/// The plain text of sanitized remote HTML (for excerpts), whitespace collapsed.
pub fn plain_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    let mut quoted = false;
    for c in html.chars() {
        match (in_tag, c) {
            (false, '<') => {
                in_tag = true;
                out.push(' ');
            }
            (true, '"') => quoted = !quoted,
            (true, '>') if !quoted => in_tag = false,
            (true, _) => {}
            (false, c) => out.push(c),
        }
    }
    let text = out
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&nbsp;", " ");
    let text = text.replace("&amp;", "&");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Unwraps elements nested deeper than `max` in well-formed HTML as the sanitizer writes it
/// (every element closed, attribute values double-quoted, `<` in text escaped).
fn cap_depth(html: &str, max: usize) -> String {
    let mut out = String::with_capacity(html.len());
    // For each open element: whether it was kept.
    let mut stack: Vec<bool> = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let Some(len) = tag_len(tail) else {
            // Not a tag the sanitizer wrote: keep the text, escaped.
            out.push_str("&lt;");
            rest = &tail[1..];
            continue;
        };
        let tag = &tail[..len];
        rest = &tail[len..];
        if tag.starts_with("</") {
            if stack.pop().unwrap_or(false) {
                out.push_str(tag);
            }
            continue;
        }
        let name: String = tag[1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if VOID.contains(&name.as_str()) {
            if stack.len() < max {
                out.push_str(tag);
            }
            continue;
        }
        let keep = stack.len() < max;
        if keep {
            out.push_str(tag);
        }
        stack.push(keep);
    }
    out.push_str(rest);
    out
}

/// The length of the tag starting `s` (which starts with `<`), quotes respected.
fn tag_len(s: &str) -> Option<usize> {
    let mut quoted = false;
    for (i, c) in s.char_indices().skip(1) {
        match c {
            '"' => quoted = !quoted,
            '>' if !quoted => return Some(i + 1),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests;
