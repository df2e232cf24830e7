//! `@user@host` mentions and inline `#hashtags` in a post's Markdown. Found in the text (never
//! in code or inside links), each is marked in the Markdown tree with a placeholder; once the
//! HTML is rendered the placeholders become links (carrying exactly the markup fediverse
//! software expects), and only then is the whole sanitized: a placeholder that ended up inside
//! an attribute cannot break out of it.

use std::borrow::Cow;
use std::collections::HashMap;

use comrak::nodes::{AstNode, NodeValue};

use super::Tag;
use super::html::escape;

/// Placeholder delimiters: private-use characters, removed from the author's own text first.
const OPEN: char = '\u{E000}';
const CLOSE: char = '\u{E001}';
/// Longest hashtag linked, in characters (as [`Tag`] allows).
const MAX_TAG_CHARS: usize = 50;

/// A mention or hashtag found in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    /// `@user@host`: `handle` is `user@host` with the host in lower case.
    Mention {
        handle: String,
        user: String,
        text: String,
    },
    Hashtag {
        tag: Tag,
        text: String,
    },
}

/// Marks every mention and hashtag in the text nodes under `root`, giving them in order.
pub fn mark<'a>(root: &'a AstNode<'a>) -> Vec<Token> {
    join_autolinked_mentions(root);
    let mut tokens = Vec::new();
    for node in root.descendants() {
        let in_link = node
            .ancestors()
            .skip(1)
            .any(|a| matches!(a.data().value, NodeValue::Link(_) | NodeValue::Image(_)));
        let mut data = node.data_mut();
        if let NodeValue::Text(text) = &mut data.value {
            let cleaned: String = text.chars().filter(|c| *c != OPEN && *c != CLOSE).collect();
            *text = Cow::Owned(if in_link {
                cleaned
            } else {
                scan(&cleaned, &mut tokens)
            });
        }
    }
    tokens
}

/// `text` without the placeholder delimiters, which an author can never write: removed from
/// the whole Markdown (raw HTML included) before it is read, so that every placeholder in the
/// rendered HTML is one [`mark`] made.
pub fn without_placeholders(text: &str) -> Cow<'_, str> {
    if text.contains([OPEN, CLOSE]) {
        Cow::Owned(text.replace([OPEN, CLOSE], ""))
    } else {
        Cow::Borrowed(text)
    }
}

/// Replaces the placeholders in rendered HTML: `link` gives the HTML of a token, or `None`
/// to leave its text as written.
pub fn fill(html: &str, tokens: &[Token], link: impl Fn(&Token) -> Option<String>) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find(OPEN) {
        out.push_str(&rest[..start]);
        let after = &rest[start + OPEN.len_utf8()..];
        let Some(end) = after.find(CLOSE) else {
            rest = after;
            continue;
        };
        let token = after[..end]
            .parse::<usize>()
            .ok()
            .and_then(|i| tokens.get(i));
        if let Some(token) = token {
            match link(token) {
                Some(html) => out.push_str(&html),
                None => out.push_str(&escape(token_text(token))),
            }
        }
        rest = &after[end + CLOSE.len_utf8()..];
    }
    out.push_str(rest);
    out
}

/// The mention links `fill` writes: `handles` maps `user@host` to the profile URL.
pub fn link_html(
    token: &Token,
    handles: &HashMap<String, String>,
    tag_href: impl Fn(&Tag) -> String,
) -> Option<String> {
    match token {
        Token::Mention { handle, user, .. } => handles.get(handle).map(|href| {
            format!(
                "<span class=\"h-card\"><a href=\"{}\" class=\"u-url mention\">@<span>{}</span></a></span>",
                escape(href),
                escape(user)
            )
        }),
        Token::Hashtag { tag, text } => Some(format!(
            "<a href=\"{}\" class=\"mention hashtag\" rel=\"tag\">#<span>{}</span></a>",
            escape(&tag_href(tag)),
            escape(text.trim_start_matches('#'))
        )),
    }
}

fn token_text(t: &Token) -> &str {
    match t {
        Token::Mention { text, .. } | Token::Hashtag { text, .. } => text,
    }
}

/// Autolinking turns `@pat@social.example` into the text `@` followed by a `mailto:` link;
/// put such mentions back into plain text (with a `:port` that followed the link).
fn join_autolinked_mentions<'a>(root: &'a AstNode<'a>) {
    let links: Vec<&'a AstNode<'a>> = root
        .descendants()
        .filter(|n| matches!(&n.data().value, NodeValue::Link(l) if l.url.starts_with("mailto:")))
        .collect();
    for link in links {
        let Some(prev) = link.previous_sibling() else {
            continue;
        };
        let address = match &link.data().value {
            NodeValue::Link(l) => l.url["mailto:".len()..].to_owned(),
            _ => continue,
        };
        let label: String = link
            .descendants()
            .filter_map(|n| n.data().value.text().map(|t| t.to_string()))
            .collect();
        if label != address {
            continue; // a link the author wrote, not an autolinked address
        }
        let mut prev_data = prev.data_mut();
        let NodeValue::Text(before) = &mut prev_data.value else {
            continue;
        };
        let Some(head) = before.strip_suffix('@') else {
            continue;
        };
        if !head.is_empty()
            && !head.ends_with(char::is_whitespace)
            && !head.ends_with(['(', '[', '"', '\''])
        {
            continue;
        }
        let mut joined = format!("{head}@{address}");
        if let Some(next) = link.next_sibling() {
            let mut next_data = next.data_mut();
            if let NodeValue::Text(after) = &mut next_data.value {
                let port: String = after
                    .strip_prefix(':')
                    .map(|p| p.chars().take_while(char::is_ascii_digit).collect())
                    .unwrap_or_default();
                if !port.is_empty() {
                    joined.push(':');
                    joined.push_str(&port);
                    *after = Cow::Owned(after[1 + port.len()..].to_owned());
                }
            }
        }
        *before = Cow::Owned(joined);
        drop(prev_data);
        link.detach();
    }
}

/// Copies `text`, replacing mentions and hashtags with placeholders (recorded in `tokens`).
fn scan(text: &str, tokens: &mut Vec<Token>) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let boundary = i == 0 || chars[i - 1].is_whitespace() || "([{\"'".contains(chars[i - 1]);
        let found = match c {
            '@' if boundary => mention_at(&chars[i + 1..]),
            '#' if boundary => hashtag_at(&chars[i + 1..]),
            _ => None,
        };
        match found {
            Some((len, token)) => {
                out.push(OPEN);
                out.push_str(&tokens.len().to_string());
                out.push(CLOSE);
                tokens.push(token);
                i += 1 + len;
            }
            None => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// `user@host[:port]` at the start of `s` (after an `@`): its length and the token.
fn mention_at(s: &[char]) -> Option<(usize, Token)> {
    let user_len = s
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == '_' || **c == '.' || **c == '-')
        .count();
    if user_len == 0 || s.get(user_len) != Some(&'@') {
        return None;
    }
    let host_start = user_len + 1;
    let mut host_len = s[host_start..]
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == '.' || **c == '-')
        .count();
    while host_len > 0 && matches!(s[host_start + host_len - 1], '.' | '-') {
        host_len -= 1; // the end of a sentence
    }
    let mut end = host_start + host_len;
    let host: String = s[host_start..end].iter().collect();
    if s.get(end) == Some(&':') {
        let digits = s[end + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if digits > 0 {
            end += 1 + digits;
        }
    }
    let has_port = end > host_start + host_len;
    if host.is_empty() || host.starts_with(['.', '-']) || !(host.contains('.') || has_port) {
        return None;
    }
    if s.get(end)
        .is_some_and(|c| c.is_alphanumeric() || *c == '@' || *c == '_')
    {
        return None;
    }
    let user: String = s[..user_len].iter().collect();
    let host_port: String = s[host_start..end].iter().collect();
    let text = format!("@{user}@{host_port}");
    let handle = format!("{user}@{}", host_port.to_ascii_lowercase());
    Some((end, Token::Mention { handle, user, text }))
}

/// A hashtag word at the start of `s` (after a `#`).
fn hashtag_at(s: &[char]) -> Option<(usize, Token)> {
    let len = s
        .iter()
        .take_while(|c| c.is_alphanumeric() || **c == '_')
        .count();
    if len == 0 || len > MAX_TAG_CHARS {
        return None;
    }
    let word: String = s[..len].iter().collect();
    let tag = Tag::parse(&word).ok()?;
    Some((
        len,
        Token::Hashtag {
            tag,
            text: format!("#{word}"),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<Token> {
        let mut t = Vec::new();
        scan(text, &mut t);
        t
    }

    #[test]
    fn mentions_and_hashtags_are_found_at_word_starts() {
        let t = tokens(
            "Thanks @Pat@Social.Example and @q@127.0.0.1:4000. #Rust, C# and #2024 and a@b.example",
        );
        assert_eq!(t.len(), 3, "{t:?}");
        assert!(
            matches!(&t[0], Token::Mention { handle, user, .. } if handle == "Pat@social.example" && user == "Pat")
        );
        assert!(matches!(&t[1], Token::Mention { handle, .. } if handle == "q@127.0.0.1:4000"));
        assert!(
            matches!(&t[2], Token::Hashtag { tag, text } if tag.key() == "rust" && text == "#Rust")
        );
        assert!(tokens("mail me@example or @nohost and @x@y").is_empty());
    }

    #[test]
    fn placeholders_become_links_or_stay_text() {
        let mut t = Vec::new();
        let marked = scan(
            "hi @pat@social.example and @nobody@gone.example #rust",
            &mut t,
        );
        let handles = HashMap::from([(
            "pat@social.example".to_owned(),
            "https://social.example/@pat".to_owned(),
        )]);
        let html = fill(&format!("<p>{marked}</p>"), &t, |tok| {
            link_html(tok, &handles, |tag| format!("/tags/{tag}"))
        });
        assert!(html.contains(r#"<a href="https://social.example/@pat" class="u-url mention">@<span>pat</span></a>"#), "{html}");
        assert!(html.contains("@nobody@gone.example"), "{html}");
        assert!(
            html.contains(
                r#"<a href="/tags/rust" class="mention hashtag" rel="tag">#<span>rust</span></a>"#
            ),
            "{html}"
        );
        assert!(!html.contains(OPEN) && !html.contains(CLOSE));
    }
}
