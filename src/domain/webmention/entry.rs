//! What a source page says about a target, read from its microformats2 (parsed by the
//! `microformats` crate into the mf2 JSON form): the h-entry's kind, author, content and date.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::Value;
use url::Url;

use crate::domain::{html, links::http_url, remote_html};

/// What a webmention is, from the h-entry property that names the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `in-reply-to`: a comment under the post.
    Reply,
    /// `like-of`: counted with the post's likes.
    Like,
    /// `repost-of`: counted with the post's boosts.
    Repost,
    /// `bookmark-of`: shown with the comments, as a bookmark.
    Bookmark,
    /// Anything else that links to the post: shown with the comments.
    Mention,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Reply => "reply",
            Kind::Like => "like",
            Kind::Repost => "repost",
            Kind::Bookmark => "bookmark",
            Kind::Mention => "mention",
        }
    }

    /// Whether it becomes a comment (rather than a count).
    pub fn is_comment(self) -> bool {
        !matches!(self, Kind::Like | Kind::Repost)
    }
}

/// The author, from the h-entry's `author` (an h-card, or a bare name or URL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    pub name: String,
    /// Their page (http(s) only).
    pub url: Option<String>,
    /// Their picture (http(s) only); never shown as is, only through the avatar proxy.
    pub photo: Option<String>,
}

/// What a source page says.
#[derive(Debug, Clone)]
pub struct Entry {
    pub kind: Kind,
    pub author: Author,
    /// Sanitized with the policy for remote HTML; empty for likes and reposts.
    pub content_html: String,
    pub published: Option<DateTime<Utc>>,
    pub updated: Option<DateTime<Utc>>,
}

/// Reads the h-entry of the page `html` at `page` that concerns `target` (the first that
/// names it in a property, else the first h-entry). A page without one is a mention by the
/// site it is on, with no content.
pub fn read_entry(html_text: &str, page: &Url, target: &Url) -> Entry {
    let doc = microformats::from_html(html_text, page)
        .ok()
        .and_then(|d| serde_json::to_value(&d).ok())
        .unwrap_or(Value::Null);
    let mut entries = Vec::new();
    if let Some(items) = doc.get("items").and_then(Value::as_array) {
        collect_entries(items, &mut entries);
    }
    let chosen = entries
        .iter()
        .find(|e| kind_of(e, target) != Kind::Mention)
        .or_else(|| entries.first());
    let host = page.host_str().unwrap_or_default().to_owned();
    let Some(entry) = chosen else {
        return Entry {
            kind: Kind::Mention,
            author: Author {
                name: host,
                url: Some(page.origin().ascii_serialization()),
                photo: None,
            },
            content_html: String::new(),
            published: None,
            updated: None,
        };
    };
    let kind = kind_of(entry, target);
    Entry {
        kind,
        author: author_of(entry, &host),
        content_html: if kind.is_comment() {
            content_of(entry)
        } else {
            String::new()
        },
        published: first(entry, "published")
            .and_then(text)
            .and_then(parse_date),
        updated: first(entry, "updated").and_then(text).and_then(parse_date),
    }
}

/// Every h-entry among `items` and their children, depth first.
fn collect_entries<'a>(items: &'a [Value], out: &mut Vec<&'a Value>) {
    for item in items {
        if has_type(item, "h-entry") {
            out.push(item);
        }
        if let Some(children) = item.get("children").and_then(Value::as_array) {
            collect_entries(children, out);
        }
    }
}

fn has_type(item: &Value, name: &str) -> bool {
    item.get("type")
        .and_then(Value::as_array)
        .is_some_and(|t| t.iter().any(|v| v.as_str() == Some(name)))
}

fn values<'a>(item: &'a Value, property: &str) -> &'a [Value] {
    item.get("properties")
        .and_then(|p| p.get(property))
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn first<'a>(item: &'a Value, property: &str) -> Option<&'a Value> {
    values(item, property).first()
}

/// A property value as text: a string, or an embedded item's or object's `value`.
fn text(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s),
        Value::Object(o) => o.get("value").and_then(Value::as_str),
        _ => None,
    }
}

/// The URL a property value names: a string, an h-cite's `url`, or its `value`.
fn url_of(v: &Value) -> Option<String> {
    let raw = v
        .get("properties")
        .and_then(|p| p.get("url"))
        .and_then(Value::as_array)
        .and_then(|u| u.first())
        .and_then(text)
        .or_else(|| text(v))?;
    http_url(raw.trim())
}

fn kind_of(entry: &Value, target: &Url) -> Kind {
    let names = |property: &str| {
        values(entry, property)
            .iter()
            .filter_map(url_of)
            .any(|u| u == target.as_str())
    };
    [
        ("in-reply-to", Kind::Reply),
        ("like-of", Kind::Like),
        ("repost-of", Kind::Repost),
        ("bookmark-of", Kind::Bookmark),
    ]
    .into_iter()
    .find(|(property, _)| names(property))
    .map_or(Kind::Mention, |(_, kind)| kind)
}

fn author_of(entry: &Value, host: &str) -> Author {
    let fallback = Author {
        name: host.to_owned(),
        url: None,
        photo: None,
    };
    let Some(author) = first(entry, "author") else {
        return fallback;
    };
    if !has_type(author, "h-card") {
        let said = text(author).unwrap_or_default().trim();
        return match http_url(said) {
            Some(url) => Author {
                name: Url::parse(&url)
                    .ok()
                    .and_then(|u| u.host_str().map(str::to_owned))
                    .unwrap_or_else(|| host.to_owned()),
                url: Some(url),
                photo: None,
            },
            None if !said.is_empty() => Author {
                name: said.to_owned(),
                ..fallback
            },
            None => fallback,
        };
    }
    let name = first(author, "name")
        .and_then(text)
        .or_else(|| text(author))
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or(host);
    Author {
        name: name.chars().take(100).collect(),
        url: first(author, "url").and_then(url_of),
        photo: first(author, "photo").and_then(url_of),
    }
}

/// The entry's content as sanitized HTML: `content` (HTML, or text escaped), else `summary`,
/// else `name`.
fn content_of(entry: &Value) -> String {
    if let Some(c) = first(entry, "content") {
        if let Some(h) = c.get("html").and_then(Value::as_str) {
            return remote_html::sanitize(h);
        }
        if let Some(t) = text(c) {
            return paragraph(t);
        }
    }
    ["summary", "name"]
        .into_iter()
        .find_map(|p| first(entry, p).and_then(text))
        .map(paragraph)
        .unwrap_or_default()
}

fn paragraph(t: &str) -> String {
    let t = t.trim();
    if t.is_empty() {
        return String::new();
    }
    remote_html::sanitize(&format!("<p>{}</p>", html::escape(t)))
}

/// An mf2 date: RFC 3339, or ISO 8601 with a space or without a zone (read as UTC), or a day.
fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(&s.replacen(' ', "T", 1)) {
        return Some(d.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S%z"] {
        if let Ok(d) = DateTime::parse_from_str(s, format) {
            return Some(d.with_timezone(&Utc));
        }
    }
    for format in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M"] {
        if let Ok(d) = NaiveDateTime::parse_from_str(s, format) {
            return Some(d.and_utc());
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TARGET: &str = "https://chorus.example/posts/hello";

    fn read(html: &str) -> Entry {
        read_entry(
            html,
            &Url::parse("https://alice.example/notes/1").unwrap(),
            &Url::parse(TARGET).unwrap(),
        )
    }

    #[test]
    fn a_reply_gives_its_author_content_and_date() {
        let e = read(&format!(
            r#"<article class="h-entry">
              <span class="p-author h-card"><img class="u-photo" src="/me.png" alt=""><a class="u-url p-name" href="/">Alice Example</a></span>
              <a class="u-in-reply-to" href="{TARGET}">in reply to</a>
              <div class="e-content"><p>Great <strong>post</strong>!<script>alert(1)</script></p></div>
              <time class="dt-published" datetime="2026-11-30 10:00:00+01:00">then</time>
            </article>"#
        ));
        assert_eq!(e.kind, Kind::Reply);
        assert_eq!(e.author.name, "Alice Example");
        assert_eq!(e.author.url.as_deref(), Some("https://alice.example/"));
        assert_eq!(
            e.author.photo.as_deref(),
            Some("https://alice.example/me.png")
        );
        assert!(
            e.content_html.contains("<strong>post</strong>"),
            "{}",
            e.content_html
        );
        assert!(!e.content_html.contains("script"));
        assert_eq!(
            e.published.unwrap().to_rfc3339(),
            "2026-11-30T09:00:00+00:00"
        );
    }

    #[test]
    fn likes_reposts_and_bookmarks_are_told_apart_and_other_links_are_mentions() {
        for (class, kind) in [
            ("u-like-of", Kind::Like),
            ("u-repost-of", Kind::Repost),
            ("u-bookmark-of", Kind::Bookmark),
            ("u-url", Kind::Mention),
        ] {
            let e = read(&format!(
                r#"<div class="h-entry"><span class="p-author">Bob</span>
                   <a class="{class}" href="{TARGET}">this</a><p class="e-content">text</p></div>"#
            ));
            assert_eq!(e.kind, kind, "{class}");
            assert_eq!(e.author.name, "Bob");
            assert_eq!(e.content_html.is_empty(), !kind.is_comment(), "{class}");
        }
    }

    #[test]
    fn a_reply_to_another_page_is_only_a_mention() {
        let e = read(&format!(
            r#"<div class="h-entry"><a class="u-in-reply-to" href="https://else.example/">x</a>
               <p class="e-content">see <a href="{TARGET}">this</a></p></div>"#
        ));
        assert_eq!(e.kind, Kind::Mention);
        assert!(e.content_html.contains("see"));
    }

    #[test]
    fn a_page_without_microformats_is_a_mention_by_its_site() {
        let e = read(&format!(r#"<p><a href="{TARGET}">a link</a></p>"#));
        assert_eq!(e.kind, Kind::Mention);
        assert_eq!(e.author.name, "alice.example");
        assert!(e.content_html.is_empty());
    }
}
