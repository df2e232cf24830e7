//! `Tag`: a topic a post is filed under, the same word as its fediverse hashtag.

use std::fmt;

pub const MAX_LEN: usize = 50;

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the tag {0:?} is not usable: tags are 1-{MAX_LEN} letters, digits or underscores")]
pub struct TagError(pub String);

impl Tag {
    /// Normalizes a tag as written by an author (`#Rust`, `web dev`) to its hashtag form
    /// (`rust`, `webdev`): lowercase letters, digits and underscores, as Mastodon links them.
    pub fn parse(raw: &str) -> Result<Tag, TagError> {
        let t: String = raw
            .trim()
            .trim_start_matches('#')
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == '_')
            .flat_map(char::to_lowercase)
            .collect();
        if t.is_empty() || t.chars().count() > MAX_LEN || t.chars().all(|c| c.is_ascii_digit()) {
            return Err(TagError(raw.to_owned()));
        }
        Ok(Tag(t))
    }

    pub fn from_stored(s: String) -> Tag {
        Tag(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
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

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_normalize_to_hashtags() {
        assert_eq!(Tag::parse("#Rust").unwrap().as_str(), "rust");
        assert_eq!(Tag::parse("Web Dev").unwrap().as_str(), "webdev");
        assert_eq!(Tag::parse("café_ops").unwrap().as_str(), "café_ops");
        assert!(Tag::parse("##").is_err());
        assert!(Tag::parse("2024").is_err());
    }
}
