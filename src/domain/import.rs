//! Posts read from other blogging software's export files (WordPress WXR, Ghost JSON,
//! WriteFreely JSON), before they go through the same checks as any other post. Each parser
//! reads the whole file or names what is wrong with it; within a good file, an item that
//! cannot be read is reported with where it is and the others go on.

pub mod ghost;
pub mod writefreely;
pub mod wxr;

use chrono::{DateTime, Utc};

use super::Submission;
use super::post::PostError;
use super::slug::Slug;

/// A post as another system exported it, in our terms.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedPost {
    /// Where the item is in its file, for messages (`item 3 (line 57)`).
    pub location: String,
    pub title: String,
    /// The slug the old site used, as it was written there.
    pub slug: Option<String>,
    /// Markdown (raw HTML in it is kept and sanitized like any post's).
    pub body: String,
    pub summary: Option<String>,
    pub tags: Vec<String>,
    /// When it was first published there.
    pub published: Option<DateTime<Utc>>,
    pub draft: bool,
    /// Who wrote it there.
    pub author: Option<SourceAuthor>,
    /// Its addresses on the old site (absolute URLs or paths), to keep as redirects.
    pub old_urls: Vec<String>,
}

/// An author as the old site names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceAuthor {
    /// The login or slug there.
    pub login: String,
    pub display_name: String,
}

/// An item that could not be read, and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadItem {
    pub location: String,
    pub reason: String,
}

/// What a parser found in a file that is of the right kind.
#[derive(Debug, Default)]
pub struct Parsed {
    pub posts: Vec<Result<ImportedPost, BadItem>>,
    /// Items that are not posts (pages, attachments, menus), left out on purpose.
    pub ignored: usize,
}

/// The whole file cannot be read as what it claims to be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file} is not a readable {format}: {detail}")]
pub struct MalformedFile {
    pub file: String,
    pub format: &'static str,
    pub detail: String,
}

impl MalformedFile {
    /// What a reader of `format` says of `file` when a detail shows it is not one.
    pub(super) fn of<'a>(
        file: &'a str,
        format: &'static str,
    ) -> impl Fn(String) -> MalformedFile + 'a {
        move |detail| MalformedFile {
            file: file.to_owned(),
            format,
            detail,
        }
    }
}

impl ImportedPost {
    /// The post as a submission, checked like one written here. An old slug that is not in
    /// our canonical form is made into one (percent-escapes decoded, transliterated).
    pub fn submission(&self) -> Result<Submission, PostError> {
        let slug = match self
            .slug
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(raw) => Some(usable_slug(raw)?),
            None => None,
        };
        let title = if self.title.trim().is_empty() {
            title_from_body(&self.body)
        } else {
            self.title.clone()
        };
        Submission::new(
            title,
            slug.as_ref().map(Slug::as_str),
            self.summary.clone(),
            self.body.clone(),
            &self.tags,
            self.draft,
            self.published,
        )
    }
}

fn usable_slug(raw: &str) -> Result<Slug, PostError> {
    let decoded = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
    Ok(Slug::parse(&decoded).or_else(|_| Slug::from_title(&decoded))?)
}

/// A title for a post that has none (WriteFreely allows that): its first line, shortened.
fn title_from_body(body: &str) -> String {
    let first = body
        .lines()
        .map(|l| l.trim().trim_start_matches('#').trim())
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let mut title: String = first.chars().take(80).collect();
    if first.chars().count() > 80
        && let Some(cut) = title.rfind(' ')
    {
        title.truncate(cut);
        title.push('…');
    }
    title
}

/// A username for an author of another site: lower case, letters, digits and underscores,
/// at most 30 characters. `None` when nothing usable is left.
pub fn username_for(login: &str) -> Option<String> {
    let mut name = String::new();
    for c in login.trim().chars().flat_map(char::to_lowercase) {
        let c = if c.is_ascii_lowercase() || c.is_ascii_digit() {
            c
        } else {
            '_'
        };
        if !(c == '_' && (name.is_empty() || name.ends_with('_'))) {
            name.push(c);
        }
    }
    let mut name = name.trim_end_matches('_').to_owned();
    name.truncate(30);
    let name = name.trim_end_matches('_').to_owned();
    super::Username::parse(&name)
        .ok()
        .map(|u| u.as_str().to_owned())
}

/// The path part of an old address (`https://old.example/2019/03/hello/` → `/2019/03/hello`),
/// with empty segments dropped as this site's router does; `None` for the site's root or
/// something that is not an address.
pub fn old_path(address: &str) -> Option<String> {
    let address = address.trim();
    let path = match url::Url::parse(address) {
        Ok(u) if u.scheme() == "http" || u.scheme() == "https" => u.path().to_owned(),
        Ok(_) => return None,
        Err(_) if address.starts_with('/') => address
            .split(['?', '#'])
            .next()
            .unwrap_or_default()
            .to_owned(),
        Err(_) => return None,
    };
    let canonical = canonical_path(&path);
    (canonical != "/").then_some(canonical)
}

/// A path with its empty segments dropped (`/a//b/` → `/a/b`; `/` stays `/`).
pub fn canonical_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        out.push('/');
        out.push_str(segment);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// Reads a date as exports write them: RFC 3339, `YYYY-MM-DD HH:MM:SS` (UTC) or RFC 2822.
pub fn parse_export_date(raw: &str) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    super::front_matter::parse_date(raw)
        .ok()
        .or_else(|| {
            DateTime::parse_from_rfc2822(raw)
                .ok()
                .map(|t| t.with_timezone(&Utc))
        })
        .or_else(|| {
            // Ghost writes `2019-11-26 09:00:00.000` in some versions.
            chrono::NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M:%S%.f")
                .ok()
                .map(|t| t.and_utc())
        })
}

/// Images a body shows from other servers (`![…](https://…)` or `<img src="https://…">`):
/// they are not copied, and show as links (pages never load another server's images).
pub fn remote_images(body: &str, site: &url::Url) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let lower = body.to_ascii_lowercase();
    let mut at = 0;
    while let Some(start) = lower[at..].find("<img").map(|i| i + at) {
        let end = lower[start..].find('>').map_or(lower.len(), |i| i + start);
        if let Some(src) = attribute(&body[start..end], &lower[start..end], "src") {
            found.push(src);
        }
        at = end;
    }
    let mut rest = body;
    while let Some(i) = rest.find("](") {
        let before = &rest[..i];
        let after = &rest[i + 2..];
        let url: String = after
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != ')')
            .collect();
        if before
            .rfind("![")
            .is_some_and(|open| !before[open..].contains('\n'))
        {
            found.push(url.trim_matches(['<', '>']).to_owned());
        }
        rest = after;
    }
    found.retain(|src| {
        let absolute = if src.starts_with("//") {
            format!("https:{src}")
        } else {
            src.clone()
        };
        url::Url::parse(&absolute).is_ok_and(|u| u.origin() != site.origin())
    });
    found.dedup();
    found
}

/// The value of attribute `name` in one tag (`lower` is the tag in lower case).
fn attribute(tag: &str, lower: &str, name: &str) -> Option<String> {
    let key = format!("{name}=");
    let mut from = 0;
    while let Some(i) = lower[from..].find(&key).map(|i| i + from) {
        let boundary = lower[..i].ends_with(|c: char| c.is_whitespace());
        let value = &tag[i + key.len()..];
        from = i + key.len();
        if !boundary {
            continue;
        }
        let quote = value.chars().next()?;
        return Some(if quote == '"' || quote == '\'' {
            value[1..].split(quote).next().unwrap_or("").to_owned()
        } else {
            value
                .split(|c: char| c.is_whitespace() || c == '>')
                .next()
                .unwrap_or("")
                .to_owned()
        });
    }
    None
}

/// `line N` for a byte offset into `text`.
pub fn line_at(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests;
