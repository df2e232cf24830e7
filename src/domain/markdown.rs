//! Markdown → safe HTML: GitHub-flavoured Markdown, code highlighted on the server with CSS
//! classes, heading anchors, footnotes, mentions and hashtags linked, images on other servers
//! made links, and then, last of all, one sanitizing pass, so that raw HTML in a post
//! (scripts, event attributes, `javascript:` links, inline styles, trackers) renders harmless
//! whatever it contains. Nothing is spliced into the HTML after the sanitizer has seen it.

use std::collections::HashMap;

use comrak::nodes::{AstNode, NodeValue};
use comrak::options::Plugins;
use comrak::{Arena, Options, format_html_with_plugins, parse_document};
use url::Url;

use super::{Tag, mentions};

pub mod highlight;
mod images;
pub mod local_images;

/// Longest derived summary, in characters, before it is cut at a word.
pub const SUMMARY_MAX_CHARS: usize = 300;

/// A post body rendered once, when it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// Sanitized HTML, links relative to the site where the author wrote them so.
    pub html: String,
    /// The first paragraph as plain text, shortened; empty when the post has no paragraph.
    pub first_paragraph: String,
}

fn options() -> Options<'static> {
    let mut o = Options::default();
    o.extension.strikethrough = true;
    o.extension.table = true;
    o.extension.autolink = true;
    o.extension.tasklist = true;
    o.extension.footnotes = true;
    o.extension.header_id_prefix = Some(String::new());
    o.render.r#unsafe = true; // raw HTML is kept, then sanitized below
    o.render.tasklist_classes = true;
    o
}

/// Renders a post body. `site` is the public base URL: images on other origins become plain
/// links, so that a page never makes a reader's browser contact another server.
pub fn render(markdown: &str, site: &Url) -> Rendered {
    render_inner(markdown, site, None).0
}

/// A post body rendered with its mentions and inline hashtags linked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedPost {
    pub rendered: Rendered,
    /// Inline `#tags`, in order, each once.
    pub hashtags: Vec<Tag>,
}

/// Renders a post body like [`render`], and links `@user@host` mentions whose handle
/// (`user@host`, host in lower case) is in `mentions` (to the profile URL given) and inline
/// `#tags` (to their tag page). Mentions not in `mentions` stay text.
pub fn render_post(markdown: &str, site: &Url, mentions: &HashMap<String, String>) -> RenderedPost {
    let (rendered, hashtags) = render_inner(markdown, site, Some(mentions));
    RenderedPost { rendered, hashtags }
}

/// The `user@host` handles a post body mentions (outside code and links), each once.
pub fn find_mentions(markdown: &str) -> Vec<String> {
    let arena = Arena::new();
    let markdown = mentions::without_placeholders(markdown);
    let root = parse_document(&arena, &markdown, &options());
    let mut out: Vec<String> = Vec::new();
    for token in mentions::mark(root) {
        if let mentions::Token::Mention { handle, .. } = token
            && !out.contains(&handle)
        {
            out.push(handle);
        }
    }
    out
}

fn render_inner(
    markdown: &str,
    site: &Url,
    links: Option<&HashMap<String, String>>,
) -> (Rendered, Vec<Tag>) {
    let arena = Arena::new();
    let opts = options();
    // The author cannot write the characters that mark mentions, not even in raw HTML.
    let markdown = mentions::without_placeholders(markdown);
    let root = parse_document(&arena, &markdown, &opts);

    let demote = root
        .descendants()
        .any(|n| matches!(n.data().value, NodeValue::Heading(ref h) if h.level == 1));
    for node in root.descendants() {
        let mut data = node.data_mut();
        match &mut data.value {
            // The page title is the only h1.
            NodeValue::Heading(h) if demote => h.level = (h.level + 1).min(6),
            NodeValue::Image(link) if images::is_foreign(&link.url, site) => {
                let link = link.clone();
                data.value = NodeValue::Link(link);
            }
            _ => {}
        }
    }

    let first_paragraph = root
        .descendants()
        .find(|n| matches!(n.data().value, NodeValue::Paragraph) && !inside_footnote(n))
        .map(plain_text)
        .map(|t| shorten(&t, SUMMARY_MAX_CHARS))
        .unwrap_or_default();
    let tokens = if links.is_some() {
        mentions::mark(root)
    } else {
        Vec::new()
    };

    let mut plugins = Plugins::default();
    plugins.render.codefence_syntax_highlighter = Some(highlight::highlighter());
    let mut html = String::new();
    format_html_with_plugins(root, &opts, &mut html, &plugins)
        .expect("writing to a String cannot fail");
    let mut hashtags: Vec<Tag> = Vec::new();
    if let Some(handles) = links {
        html = mentions::fill(&html, &tokens, |t| {
            mentions::link_html(t, handles, tag_href)
        });
        for t in &tokens {
            if let mentions::Token::Hashtag { tag, .. } = t
                && !hashtags.contains(tag)
            {
                hashtags.push(tag.clone());
            }
        }
    }
    (
        Rendered {
            html: sanitize(&html, site),
            first_paragraph,
        },
        hashtags,
    )
}

/// The site-relative address of a tag's page.
fn tag_href(tag: &Tag) -> String {
    let encoded: String = url::form_urlencoded::byte_serialize(tag.as_str().as_bytes()).collect();
    format!("/tags/{encoded}")
}

fn inside_footnote<'a>(node: &'a AstNode<'a>) -> bool {
    node.ancestors()
        .any(|a| matches!(a.data().value, NodeValue::FootnoteDefinition(_)))
}

/// Raw HTML elements whose content is code, not text: the sanitizer drops it, and so do summaries.
const HIDDEN_ELEMENTS: [&str; 2] = ["script", "style"];

/// The text a person reads in a node, with breaks as spaces.
pub fn plain_text<'a>(node: &'a AstNode<'a>) -> String {
    let mut out = String::new();
    let mut hidden: Option<&str> = None;
    for n in node.descendants() {
        match &n.data().value {
            NodeValue::HtmlInline(raw) => {
                let tag = raw.trim_start_matches('<').to_ascii_lowercase();
                hidden = match hidden {
                    Some(name) if tag.strip_prefix('/').is_some_and(|t| t.starts_with(name)) => {
                        None
                    }
                    Some(name) => Some(name),
                    None => HIDDEN_ELEMENTS
                        .into_iter()
                        .find(|name| tag.starts_with(name) && !raw.ends_with("/>")),
                };
            }
            _ if hidden.is_some() => {}
            NodeValue::Text(t) => out.push_str(t),
            NodeValue::Code(c) => out.push_str(&c.literal),
            NodeValue::SoftBreak | NodeValue::LineBreak => out.push(' '),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Cuts `text` to at most `max` characters at a word boundary, adding an ellipsis.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max).collect();
    let cut = match cut.rfind(char::is_whitespace) {
        Some(i) if i > max / 2 => &cut[..i],
        _ => cut.as_str(),
    };
    format!(
        "{}…",
        cut.trim_end_matches(|c: char| c.is_whitespace() || c.is_ascii_punctuation())
    )
}

/// Values of `rel` a link in a post may carry (`tag` marks hashtag links); others are dropped.
const LINK_RELS: [&str; 7] = [
    "tag",
    "me",
    "license",
    "nofollow",
    "noopener",
    "noreferrer",
    "ugc",
];

/// Makes HTML rendered from our own authors' Markdown safe to serve on the site at `site`:
/// images on other origins become links ([`images`]), then the sanitizer keeps the usual text
/// elements, tables, task-list checkboxes, footnotes, heading ids and CSS classes
/// (highlighting), and nothing that runs, styles itself or loads from another server. Applied
/// again to stored HTML when it is shown, so that what older versions stored gets today's
/// policy.
pub fn sanitize(html: &str, site: &Url) -> String {
    let linked = images::link_foreign_images(html, site);
    policy(site, None).clean(&linked).to_string()
}

/// [`sanitize`], with every relative link and image made absolute against `base` (a page of
/// the site), for feeds and ActivityPub, where there is no page to be relative to.
pub fn absolutize(html: &str, base: &Url) -> String {
    let linked = images::link_foreign_images(html, base);
    policy(base, Some(base)).clean(&linked).to_string()
}

fn policy(site: &Url, base: Option<&Url>) -> ammonia::Builder<'static> {
    let site = site.clone();
    let mut b = ammonia::Builder::default();
    b.add_tags([
        "input",
        "section",
        "figure",
        "figcaption",
        "details",
        "summary",
        "mark",
        "kbd",
        "samp",
        "var",
    ])
    .add_generic_attributes(["class", "id", "lang", "dir"])
    .add_tag_attributes("a", ["aria-label", "title", "rel"])
    .add_tag_attributes("img", ["width", "height", "loading", "title"])
    .add_tag_attributes("input", ["type", "checked", "disabled"])
    .add_tag_attributes("ol", ["start"])
    .add_tag_attributes("td", ["align"])
    .add_tag_attributes("th", ["align"])
    .set_tag_attribute_value("input", "disabled", "")
    .attribute_filter(
        move |element, attribute, value| match (element, attribute) {
            ("input", "type") if value != "checkbox" => None,
            ("a", "rel") => {
                let kept: Vec<&str> = value
                    .split_ascii_whitespace()
                    .filter(|r| LINK_RELS.iter().any(|k| k.eq_ignore_ascii_case(r)))
                    .collect();
                (!kept.is_empty()).then(|| kept.join(" ").to_ascii_lowercase().into())
            }
            // Linked by `images` already; whatever it missed loads nothing.
            ("img", "src") if images::is_foreign(value, &site) => None,
            _ => Some(value.into()),
        },
    )
    .link_rel(None)
    .strip_comments(true);
    if let Some(base) = base {
        b.url_relative(ammonia::UrlRelative::RewriteWithBase(base.clone()));
    }
    b
}

#[cfg(test)]
mod tests;
