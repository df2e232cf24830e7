//! `Tag`: a topic a post is filed under. It is shown as the author wrote it
//! (`release-notes`, `Rust`), matched without regard to case or hyphens (`release-notes`,
//! `ReleaseNotes` and `releasenotes` are one tag: [`Tag::key`]), and sent to the fediverse as
//! a hashtag Mastodon can link ([`Tag::hashtag`]: letters, digits and underscores, so
//! `release-notes` becomes `#ReleaseNotes`).

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

pub const MAX_LEN: usize = 50;

/// Two tags are equal when their [`key`](Tag::key)s are.
#[derive(Clone, Debug)]
pub struct Tag(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the tag {0:?} is not usable: tags are 1-{MAX_LEN} letters, digits, underscores or hyphens, not only digits"
)]
pub struct TagError(pub String);

impl Tag {
    /// Reads a tag as written by an author (`#Rust`, `release-notes`, `Web Dev`): a leading
    /// `#` and anything but letters, digits, underscores and inner hyphens is dropped (`Web
    /// Dev` becomes `WebDev`); the case is kept.
    pub fn parse(raw: &str) -> Result<Tag, TagError> {
        let kept: String = raw
            .trim()
            .trim_start_matches('#')
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
            .collect();
        let mut t = String::with_capacity(kept.len());
        for c in kept.trim_matches('-').chars() {
            if !(c == '-' && t.ends_with('-')) {
                t.push(c);
            }
        }
        let tag = Tag(t);
        let key = tag.key();
        if key.is_empty()
            || tag.0.chars().count() > MAX_LEN
            || key.chars().all(|c| c.is_ascii_digit())
        {
            return Err(TagError(raw.to_owned()));
        }
        Ok(tag)
    }

    /// A tag read back from storage, as it was written.
    pub fn from_stored(s: String) -> Tag {
        Tag(s)
    }

    /// The tag as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What tags are matched by: lower case, without hyphens (`releasenotes`).
    pub fn key(&self) -> String {
        self.0
            .chars()
            .filter(|c| *c != '-')
            .flat_map(char::to_lowercase)
            .collect()
    }

    /// The fediverse hashtag, without its `#`: the tag as written when it has no hyphen;
    /// otherwise its words joined with a capital each (`release-notes` → `ReleaseNotes`),
    /// since a hyphen ends a hashtag on Mastodon. Mastodon matches hashtags without regard
    /// to case, so this is the same hashtag as [`key`](Tag::key).
    pub fn hashtag(&self) -> String {
        if !self.0.contains('-') {
            return self.0.clone();
        }
        self.0
            .split('-')
            .map(|word| {
                let mut chars = word.chars();
                match chars.next() {
                    Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
                    None => String::new(),
                }
            })
            .collect()
    }

    /// Joins tags for the denormalized column on `posts`.
    pub fn join(tags: &[Tag]) -> String {
        tags.iter().map(Tag::as_str).collect::<Vec<_>>().join(" ")
    }

    /// Splits the denormalized column back into tags.
    pub fn split(stored: &str) -> Vec<Tag> {
        stored
            .split_whitespace()
            .map(|t| Tag(t.to_owned()))
            .collect()
    }
}

impl PartialEq for Tag {
    fn eq(&self, other: &Tag) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Tag {}

impl Hash for Tag {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key().hash(state);
    }
}

impl PartialOrd for Tag {
    fn partial_cmp(&self, other: &Tag) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Tag {
    fn cmp(&self, other: &Tag) -> Ordering {
        self.key().cmp(&other.key())
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_keep_how_they_were_written() {
        assert_eq!(Tag::parse("#Rust").unwrap().as_str(), "Rust");
        assert_eq!(
            Tag::parse("release-notes").unwrap().as_str(),
            "release-notes"
        );
        assert_eq!(Tag::parse("Web Dev").unwrap().as_str(), "WebDev");
        assert_eq!(Tag::parse("-a--b-").unwrap().as_str(), "a-b");
        assert_eq!(Tag::parse("café_ops").unwrap().as_str(), "café_ops");
        assert!(Tag::parse("##").is_err());
        assert!(Tag::parse("---").is_err());
        assert!(Tag::parse("2024").is_err());
        assert!(Tag::parse("20-24").is_err());
    }

    #[test]
    fn tags_match_without_case_or_hyphens() {
        let written = Tag::parse("release-notes").unwrap();
        for other in [
            "ReleaseNotes",
            "releasenotes",
            "Release-Notes",
            "#RELEASE-NOTES",
        ] {
            let other = Tag::parse(other).unwrap();
            assert_eq!(written, other);
            assert_eq!(written.key(), "releasenotes");
            assert_eq!(other.key(), "releasenotes");
        }
        assert_ne!(written, Tag::parse("release_notes").unwrap());
    }

    #[test]
    fn hashtags_are_what_mastodon_links() {
        assert_eq!(
            Tag::parse("release-notes").unwrap().hashtag(),
            "ReleaseNotes"
        );
        assert_eq!(Tag::parse("Rust").unwrap().hashtag(), "Rust");
        assert_eq!(Tag::parse("rust").unwrap().hashtag(), "rust");
        assert_eq!(Tag::parse("café_ops").unwrap().hashtag(), "café_ops");
        for tag in ["release-notes", "a-b-c", "x-2"] {
            let h = Tag::parse(tag).unwrap().hashtag();
            assert!(h.chars().all(|c| c.is_alphanumeric() || c == '_'), "{h}");
            assert_eq!(h.to_lowercase(), Tag::parse(tag).unwrap().key());
        }
    }
}
