//! Series: posts grouped under one name (front matter `series:`, or the editor's field), read
//! in the order they were published. The name is kept as written; its slug is the series'
//! address (`/series/{slug}`), so "Rust in Practice" and "rust in practice" are one series,
//! called as its first part writes it.

use super::Slug;

/// Longest series name, in characters.
pub const MAX_SERIES_CHARS: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SeriesError {
    #[error("the series name is longer than {MAX_SERIES_CHARS} characters")]
    TooLong,
    #[error("the series name {0:?} has no letters or digits to make its address from")]
    NoAddress(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    pub name: String,
    pub slug: Slug,
}

impl Series {
    /// Reads a series name as written; an empty one means no series.
    pub fn parse(raw: &str) -> Result<Option<Series>, SeriesError> {
        let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() {
            return Ok(None);
        }
        if name.chars().count() > MAX_SERIES_CHARS {
            return Err(SeriesError::TooLong);
        }
        let slug = Slug::from_title(&name).map_err(|_| SeriesError::NoAddress(name.clone()))?;
        Ok(Some(Series { name, slug }))
    }

    /// A series read back from storage (`name` and `slug` empty: none).
    pub fn from_stored(name: String, slug: String) -> Option<Series> {
        (!slug.is_empty()).then(|| Series {
            name,
            slug: Slug::from_stored(slug),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_series_name_gives_its_address() {
        let s = Series::parse("  Rust   in Practice ").unwrap().unwrap();
        assert_eq!(s.name, "Rust in Practice");
        assert_eq!(s.slug.as_str(), "rust-in-practice");
        assert_eq!(
            Series::parse("rust in practice").unwrap().unwrap().slug,
            s.slug
        );
        assert_eq!(Series::parse("   ").unwrap(), None);
        assert_eq!(Series::parse(&"x".repeat(101)), Err(SeriesError::TooLong));
        assert!(matches!(
            Series::parse("!!!"),
            Err(SeriesError::NoAddress(_))
        ));
    }
}
