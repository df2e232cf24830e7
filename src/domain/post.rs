//! Posts as authors submit them: reading a Markdown file with front matter into a checked
//! `Submission`, and the life cycle draft → scheduled → published → deleted.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};

use super::comments::{ReplyPolicy, ReplyPolicyError};
use super::front_matter::{self, FrontMatterError};
use super::quotes::{QuotePolicy, QuotePolicyError};
use super::series::{Series, SeriesError};
use super::slug::SlugError;
use super::tag::TagError;
use super::{Slug, Tag};

/// Largest Markdown source accepted, in bytes.
pub const MAX_MARKDOWN_BYTES: usize = 1024 * 1024;
/// Longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest explicit summary, in characters.
pub const MAX_SUMMARY_CHARS: usize = 1000;
/// Most tags on one post.
pub const MAX_TAGS: usize = 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PostStatus {
    Draft,
    Scheduled,
    Published,
    Deleted,
}

impl PostStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PostStatus::Draft => "draft",
            PostStatus::Scheduled => "scheduled",
            PostStatus::Published => "published",
            PostStatus::Deleted => "deleted",
        }
    }
}

impl fmt::Display for PostStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PostStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "draft" => Ok(PostStatus::Draft),
            "scheduled" => Ok(PostStatus::Scheduled),
            "published" => Ok(PostStatus::Published),
            "deleted" => Ok(PostStatus::Deleted),
            other => Err(format!("unknown post status {other:?}")),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PostError {
    #[error("the post is {0} bytes; the limit is {MAX_MARKDOWN_BYTES} bytes (1 MiB)")]
    TooLarge(usize),
    #[error(transparent)]
    FrontMatter(#[from] FrontMatterError),
    #[error(
        "the post has no title: add `title:` to the front matter or start the text with `# Title`"
    )]
    EmptyTitle,
    #[error("the title is longer than {MAX_TITLE_CHARS} characters")]
    TitleTooLong,
    #[error("the summary is longer than {MAX_SUMMARY_CHARS} characters")]
    SummaryTooLong,
    #[error(transparent)]
    Slug(#[from] SlugError),
    #[error(transparent)]
    Tag(#[from] TagError),
    #[error("a post has at most {MAX_TAGS} tags")]
    TooManyTags,
    #[error("the post body is empty")]
    EmptyBody,
    #[error("replies: {0}")]
    Replies(#[from] ReplyPolicyError),
    #[error("front matter: {0}")]
    Quotes(#[from] QuotePolicyError),
    #[error(transparent)]
    Series(#[from] SeriesError),
}

/// A post as submitted, checked, before it is rendered and stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Submission {
    pub title: String,
    pub slug: Slug,
    /// The summary the author wrote, if any; otherwise one is derived from the text.
    pub summary: Option<String>,
    /// The Markdown body, without front matter (and without a leading `# Title` used as title).
    pub body: String,
    pub tags: Vec<Tag>,
    pub draft: bool,
    /// A requested publication time: in the future it schedules the post, in the past it
    /// back-dates it (importing an archive).
    pub published: Option<DateTime<Utc>>,
    /// Who may reply; `None` follows the site's default.
    pub replies: Option<ReplyPolicy>,
    /// Who may quote; `None` follows the site's default.
    pub quotes: Option<QuotePolicy>,
    /// Pinned to the author's profile (`true`), unpinned (`false`), or left as it is (`None`).
    pub pinned: Option<bool>,
    /// The series it is part of, if any.
    pub series: Option<Series>,
}

impl Submission {
    /// Reads a Markdown file with optional YAML or TOML front matter.
    pub fn from_markdown_file(text: &str) -> Result<Submission, PostError> {
        if text.len() > MAX_MARKDOWN_BYTES {
            return Err(PostError::TooLarge(text.len()));
        }
        let (fm, body) = front_matter::split(text)?;
        let (title, body) = match fm.title.as_deref().map(str::trim) {
            Some(t) => (t.to_owned(), body.to_owned()),
            None => take_heading_title(body),
        };
        let published = fm
            .published
            .as_deref()
            .map(front_matter::parse_date)
            .transpose()?;
        let tags = fm.tags.map(|t| t.items()).unwrap_or_default();
        let replies = fm
            .replies
            .as_deref()
            .map(str::parse::<ReplyPolicy>)
            .transpose()?;
        let quotes = fm
            .quotes
            .as_deref()
            .map(str::parse::<QuotePolicy>)
            .transpose()?;
        let series = Series::parse(fm.series.as_deref().unwrap_or(""))?;
        Submission::new(
            title,
            fm.slug.as_deref(),
            fm.summary,
            body,
            &tags,
            fm.draft.unwrap_or(false),
            published,
        )
        .map(|s| Submission {
            pinned: fm.pinned,
            ..s.with_replies(replies)
                .with_quotes(quotes)
                .with_series(series)
        })
    }

    /// The same submission in series `series` (`None`: in no series).
    pub fn with_series(mut self, series: Option<Series>) -> Submission {
        self.series = series;
        self
    }

    /// The same submission with quote policy `quotes` (`None`: the site's default).
    pub fn with_quotes(mut self, quotes: Option<QuotePolicy>) -> Submission {
        self.quotes = quotes;
        self
    }

    /// The same submission with reply policy `replies` (`None`: the site's default).
    pub fn with_replies(mut self, replies: Option<ReplyPolicy>) -> Submission {
        self.replies = replies;
        self
    }

    /// Checks every field; the one constructor used by the CLI and the web editor alike.
    pub fn new(
        title: String,
        slug: Option<&str>,
        summary: Option<String>,
        body: String,
        tags: &[String],
        draft: bool,
        published: Option<DateTime<Utc>>,
    ) -> Result<Submission, PostError> {
        let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
        if title.is_empty() {
            return Err(PostError::EmptyTitle);
        }
        if title.chars().count() > MAX_TITLE_CHARS {
            return Err(PostError::TitleTooLong);
        }
        if body.len() > MAX_MARKDOWN_BYTES {
            return Err(PostError::TooLarge(body.len()));
        }
        if body.trim().is_empty() {
            return Err(PostError::EmptyBody);
        }
        let summary = summary
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty());
        if summary
            .as_ref()
            .is_some_and(|s| s.chars().count() > MAX_SUMMARY_CHARS)
        {
            return Err(PostError::SummaryTooLong);
        }
        let slug = match slug.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => Slug::parse(s)?,
            None => Slug::from_title(&title)?,
        };
        let mut parsed: Vec<Tag> = Vec::new();
        for raw in tags {
            let tag = Tag::parse(raw)?;
            if !parsed.contains(&tag) {
                parsed.push(tag);
            }
        }
        if parsed.len() > MAX_TAGS {
            return Err(PostError::TooManyTags);
        }
        Ok(Submission {
            title,
            slug,
            summary,
            body,
            tags: parsed,
            draft,
            published,
            replies: None,
            quotes: None,
            pinned: None,
            series: None,
        })
    }

    /// The status this submission asks for at time `now`.
    pub fn status_at(&self, now: DateTime<Utc>) -> PostStatus {
        match self.published {
            _ if self.draft => PostStatus::Draft,
            Some(t) if t > now => PostStatus::Scheduled,
            _ => PostStatus::Published,
        }
    }
}

/// Words a reader reads in a minute, for the reading time shown on listings.
pub const WORDS_PER_MINUTE: usize = 230;

/// Minutes it takes to read `markdown` (at least one): its words, code included, at
/// [`WORDS_PER_MINUTE`].
pub fn reading_minutes(markdown: &str) -> u32 {
    let words = markdown
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count();
    u32::try_from(words.div_ceil(WORDS_PER_MINUTE).max(1)).unwrap_or(u32::MAX)
}

/// Uses a leading `# Heading` line as the title, removing it from the body.
fn take_heading_title(body: &str) -> (String, String) {
    let trimmed = body.trim_start_matches(['\n', '\r']);
    let first = trimmed.lines().next().unwrap_or("");
    match first.strip_prefix("# ") {
        Some(title) => {
            let rest = &trimmed[first.len()..];
            (
                title.trim().trim_end_matches('#').trim().to_owned(),
                rest.trim_start_matches(['\n', '\r']).to_owned(),
            )
        }
        None => (String::new(), body.to_owned()),
    }
}

#[cfg(test)]
mod tests;
