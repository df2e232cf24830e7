//! Body digests: `Digest` (RFC 3230, used with draft-cavage signatures) and
//! `Content-Digest` (RFC 9530, used with RFC 9421 signatures).

use aws_lc_rs::digest::{self, SHA256, SHA512};

use sfv::{BareItem, ListEntry};

use super::{SignatureError, b64_decode_lenient, b64_encode, parse_dictionary};

/// The `Digest` header value for `body`: `SHA-256=<base64>`.
pub fn digest_header_value(body: &[u8]) -> String {
    format!(
        "SHA-256={}",
        b64_encode(digest::digest(&SHA256, body).as_ref())
    )
}

/// The `Content-Digest` header value for `body`: `sha-256=:<base64>:`.
pub fn content_digest_header_value(body: &[u8]) -> String {
    format!(
        "sha-256=:{}:",
        b64_encode(digest::digest(&SHA256, body).as_ref())
    )
}

fn algorithm(name: &str) -> Option<&'static digest::Algorithm> {
    if name.eq_ignore_ascii_case("sha-256") {
        Some(&SHA256)
    } else if name.eq_ignore_ascii_case("sha-512") {
        Some(&SHA512)
    } else {
        None
    }
}

/// Checks every supported entry of a digest list against `body`.
///
/// Unknown algorithms are skipped; at least one supported entry must be
/// present, and every supported entry must match.
fn check_entries<'a>(
    entries: impl Iterator<Item = (&'a str, Option<Vec<u8>>)>,
    body: &[u8],
    field: &str,
) -> Result<(), SignatureError> {
    let mut matched = false;
    let mut seen = Vec::new();
    for (name, value) in entries {
        let Some(alg) = algorithm(name) else {
            seen.push(name.to_owned());
            continue;
        };
        let value = value.ok_or_else(|| {
            SignatureError::Malformed(format!("{field} value for {name} is not base64"))
        })?;
        if digest::digest(alg, body).as_ref() != value.as_slice() {
            return Err(SignatureError::DigestMismatch);
        }
        matched = true;
    }
    if matched {
        Ok(())
    } else if seen.is_empty() {
        Err(SignatureError::DigestMissing)
    } else {
        Err(SignatureError::UnsupportedAlgorithm(format!(
            "{field} algorithms {}",
            seen.join(", ")
        )))
    }
}

/// Verifies a `Digest` header value (all field lines joined with `,`)
/// against `body`.
///
/// Accepts a comma-separated list of `algorithm=base64`; algorithm names
/// compare case-insensitively; SHA-256 and SHA-512 are supported.
pub fn verify_digest_header(value: &str, body: &[u8]) -> Result<(), SignatureError> {
    let mut parsed = Vec::new();
    for entry in value.split(',') {
        let entry = entry.trim();
        if entry.is_empty() {
            continue;
        }
        let (name, b64) = entry.split_once('=').ok_or_else(|| {
            SignatureError::Malformed(format!("Digest entry {entry:?} has no '='"))
        })?;
        parsed.push((name.trim(), b64_decode_lenient(b64.trim())));
    }
    check_entries(parsed.iter().map(|(n, v)| (*n, v.clone())), body, "Digest")
}

/// Verifies a `Content-Digest` header value (an RFC 8941 dictionary of
/// byte sequences) against `body`.
pub fn verify_content_digest(value: &str, body: &[u8]) -> Result<(), SignatureError> {
    let dict = parse_dictionary("Content-Digest", value)?;
    let mut parsed = Vec::with_capacity(dict.len());
    for (name, member) in &dict {
        let bytes = match member {
            ListEntry::Item(item) => match &item.bare_item {
                BareItem::ByteSequence(b) => Some(b.clone()),
                _ => None,
            },
            ListEntry::InnerList(_) => None,
        };
        parsed.push((name.as_str(), bytes));
    }
    check_entries(parsed.into_iter(), body, "Content-Digest")
}

#[cfg(test)]
mod tests;
