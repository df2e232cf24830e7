//! Images a post names by a relative path (`![a diagram](img/diagram.png)`, relative to its
//! Markdown file), found with the Markdown parser so that an image shown inside code is left
//! alone, and the text with their addresses replaced once they are uploaded.

use std::ops::Range;

use comrak::nodes::NodeValue;
use comrak::{Arena, parse_document};
use url::Url;

/// One image written with a relative path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalImage {
    /// The address as the parser reads it: a path relative to the Markdown file.
    pub path: String,
    /// The image's description.
    pub alt: String,
    /// Where the address is written in the text, in bytes.
    pub range: Range<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocalImageError {
    #[error(
        "the image {0} is named by reference; write it inline, as ![description]({0}), so it can be uploaded"
    )]
    ByReference(String),
}

/// Whether `address` is a path relative to the file: no scheme, not `/…`, `#…` or `?…`.
pub fn is_relative_path(address: &str) -> bool {
    !address.trim().is_empty()
        && !address.starts_with(['/', '\\', '#', '?'])
        && Url::parse(address) == Err(url::ParseError::RelativeUrlWithoutBase)
}

/// The images of `markdown` (a post body) named by a relative path, in order.
pub fn local_images(markdown: &str) -> Result<Vec<LocalImage>, LocalImageError> {
    let arena = Arena::new();
    let root = parse_document(&arena, markdown, &super::options());
    let lines = line_starts(markdown);
    let mut found = Vec::new();
    for node in root.descendants() {
        let data = node.data();
        let NodeValue::Image(link) = &data.value else {
            continue;
        };
        if !is_relative_path(&link.url) {
            continue;
        }
        let pos = data.sourcepos;
        let start = offset(&lines, pos.start.line, pos.start.column);
        let end = offset(&lines, pos.end.line, pos.end.column + 1).map(|e| e.min(markdown.len()));
        let within = start
            .zip(end)
            .and_then(|(s, e)| Some((s, destination(markdown.get(s..e)?)?)));
        let Some((start, dest)) = within else {
            return Err(LocalImageError::ByReference(link.url.clone()));
        };
        found.push(LocalImage {
            path: link.url.clone(),
            alt: super::plain_text(node),
            range: start + dest.start..start + dest.end,
        });
    }
    Ok(found)
}

/// `markdown` with each range replaced by its text (ranges from [`local_images`]).
pub fn replace_addresses(markdown: &str, mut replacements: Vec<(Range<usize>, String)>) -> String {
    replacements.sort_by_key(|(r, _)| r.start);
    let mut out = String::with_capacity(markdown.len());
    let mut at = 0;
    for (range, with) in replacements {
        if range.start < at || range.end > markdown.len() {
            continue;
        }
        out.push_str(&markdown[at..range.start]);
        out.push_str(&with);
        at = range.end;
    }
    out.push_str(&markdown[at..]);
    out
}

/// The byte offset where each line starts.
fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

/// The byte offset of a 1-based line and column.
fn offset(lines: &[usize], line: usize, column: usize) -> Option<usize> {
    Some(lines.get(line.checked_sub(1)?)? + column.checked_sub(1)?)
}

/// Where the destination is in an inline image `![alt](dest "title")`; `None` when `span` is
/// not one (an image by reference).
fn destination(span: &str) -> Option<Range<usize>> {
    let b = span.as_bytes();
    if !span.starts_with("![") {
        return None;
    }
    let mut depth = 0;
    let mut i = 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'[' => depth += 1,
            b']' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            _ => {}
        }
        i += 1;
    }
    if b.get(i + 1) != Some(&b'(') {
        return None;
    }
    let mut j = i + 2;
    while b.get(j).is_some_and(u8::is_ascii_whitespace) {
        j += 1;
    }
    if b.get(j) == Some(&b'<') {
        let start = j + 1;
        return Some(start..start + span[start..].find('>')?);
    }
    let start = j;
    let mut parens = 0;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 1,
            b'(' => parens += 1,
            b')' if parens == 0 => break,
            b')' => parens -= 1,
            c if c.is_ascii_whitespace() => break,
            _ => {}
        }
        j += 1;
    }
    (j > start).then_some(start..j.min(b.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(md: &str) -> Vec<(String, String, String)> {
        local_images(md)
            .unwrap()
            .into_iter()
            .map(|i| (i.path, i.alt, md[i.range].to_owned()))
            .collect()
    }

    #[test]
    fn relative_images_are_found_where_they_are_written() {
        let md = "Intro ![A *diagram*](img/diagram.png \"Title\") text.\n\n\
                  - item ![x](./shot.jpg)\n\n\
                  > ![quoted](<my pics/a b.png>)\n\n\
                  ![remote](https://cdn.example/a.png) ![root](/media/x.png) ![data](data:image/png;base64,AA)\n\n\
                  ```\n![in code](img/not-this.png)\n```\n\n\
                  And `![inline code](img/nor-this.png)`. ![para](img/(1).png)\n";
        assert_eq!(
            paths(md),
            [
                ("img/diagram.png", "A diagram", "img/diagram.png"),
                ("./shot.jpg", "x", "./shot.jpg"),
                ("my pics/a b.png", "quoted", "my pics/a b.png"),
                ("img/(1).png", "para", "img/(1).png"),
            ]
            .map(|(a, b, c)| (a.to_owned(), b.to_owned(), c.to_owned()))
        );
    }

    #[test]
    fn addresses_are_replaced_and_nothing_else() {
        let md = "![a](img/a.png) and ![b](img/b.png \"t\")\n";
        let found = local_images(md).unwrap();
        let out = replace_addresses(
            md,
            found
                .iter()
                .map(|i| (i.range.clone(), format!("/media/{}", i.alt)))
                .collect(),
        );
        assert_eq!(out, "![a](/media/a) and ![b](/media/b \"t\")\n");
    }

    #[test]
    fn an_image_by_reference_is_an_error() {
        let md = "![diagram][d]\n\n[d]: img/d.png\n";
        assert_eq!(
            local_images(md),
            Err(LocalImageError::ByReference("img/d.png".into()))
        );
        assert!(
            local_images("![remote][r]\n\n[r]: https://x.example/a.png\n")
                .unwrap()
                .is_empty()
        );
    }
}
