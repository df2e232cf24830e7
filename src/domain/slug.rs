//! `Slug`: the stable last segment of a post's URL.

use std::fmt;

pub const MAX_LEN: usize = 100;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Slug(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlugError {
    #[error("a slug cannot be empty")]
    Empty,
    #[error("a slug has at most {MAX_LEN} characters")]
    TooLong,
    #[error(
        "a slug may contain only a-z, 0-9 and single hyphens between words (got {0:?}); try {1:?}"
    )]
    Invalid(String, String),
}

impl Slug {
    /// Checks a slug given explicitly (front matter, editor field); it must already be in
    /// canonical form so that the URL an author chose is the URL they get.
    pub fn parse(raw: &str) -> Result<Slug, SlugError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(SlugError::Empty);
        }
        if raw.len() > MAX_LEN {
            return Err(SlugError::TooLong);
        }
        let canonical = slug::slugify(raw);
        if canonical != raw {
            return Err(SlugError::Invalid(raw.to_owned(), canonical));
        }
        Ok(Slug(canonical))
    }

    /// Derives a slug from a title: transliterated, lowercased, hyphenated, shortened at a word.
    pub fn from_title(title: &str) -> Result<Slug, SlugError> {
        let mut s = slug::slugify(title);
        if s.len() > MAX_LEN {
            s.truncate(MAX_LEN);
            if let Some(cut) = s.rfind('-') {
                s.truncate(cut);
            }
        }
        if s.is_empty() {
            return Err(SlugError::Empty);
        }
        Ok(Slug(s))
    }

    pub fn from_stored(s: String) -> Slug {
        Slug(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_become_readable_slugs() {
        assert_eq!(
            Slug::from_title("Hello, Wörld: Rust & Axum!")
                .unwrap()
                .as_str(),
            "hello-world-rust-axum"
        );
        assert!(Slug::from_title("!!!").is_err());
        let long = Slug::from_title(&"word ".repeat(60)).unwrap();
        assert!(long.as_str().len() <= MAX_LEN && !long.as_str().ends_with('-'));
    }

    #[test]
    fn explicit_slugs_must_be_canonical() {
        assert!(Slug::parse("my-post-2").is_ok());
        assert!(matches!(Slug::parse("My Post"), Err(SlugError::Invalid(_, s)) if s == "my-post"));
        assert!(Slug::parse("../etc").is_err());
    }
}
