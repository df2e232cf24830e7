//! HTTP signatures for federation.
//!
//! Two schemes are understood on incoming requests:
//!
//! * draft-cavage-http-signatures (the `Signature` header with `keyId=…`),
//!   which Mastodon and nearly every ActivityPub server sends, with the body
//!   bound by a `Digest` header ([`cavage`]);
//! * RFC 9421 HTTP Message Signatures (`Signature-Input` + `Signature`), sent
//!   by Fedify and newer Mastodon, with the body bound by `Content-Digest`
//!   ([`rfc9421`]).
//!
//! Verification is split in two so that the caller can fetch keys
//! asynchronously: [`parse_request_signature`] checks everything that does
//! not need the key (syntax, covered components, dates, body digest) and
//! returns a [`PendingSignature`] naming the `key_id`; the caller then looks
//! the key up (see [`KeyCache`]), calls [`PendingSignature::verify`], and if
//! that fails with a cached key, refetches the key once and tries again.
//! Every error maps to HTTP 401.
//!
//! That flow lives in one place, `verify.rs`: it picks the scheme, lets the
//! scheme module read its fields, applies the policy (dates, body digest,
//! covered components) and has the scheme module build the signing base.
//!
//! Outgoing requests are signed with [`cavage::sign_request`] (the shape
//! Mastodon requires) or [`rfc9421::sign_request`].

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use http::HeaderMap;
use url::Url;

pub mod cache;
pub mod cavage;
pub mod digest;
pub mod keys;
pub mod refusals;
pub mod rfc9421;
mod verify;

pub use cache::{CachedKey, KeyCache};
pub use keys::{KeyKind, PrivateKey, PublicKey, SignatureAlgorithm};
pub use verify::{
    AlgorithmChoice, PendingSignature, VerifyPolicy, parse_request_signature,
    parse_request_signature_with_policy,
};

/// How far in the past a signature's `Date` / `created` may lie.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(12 * 60 * 60);
/// How far in the future a signature's `Date` / `created` may lie (clock skew).
pub const DEFAULT_MAX_FUTURE_SKEW: Duration = Duration::from_secs(5 * 60);

/// Most headers / components one signature may cover. Real senders cover
/// fewer than ten; the bound keeps a hostile header list from making the
/// signing string much larger than the request.
pub const MAX_COVERED_COMPONENTS: usize = 32;

/// Why a request signature was refused. Every variant should become a 401.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The request carries no signature at all.
    #[error("request is not signed")]
    Missing,
    /// A signature header (or a header it depends on) could not be parsed.
    #[error("malformed signature: {0}")]
    Malformed(String),
    /// The signature or digest algorithm is not one we accept.
    #[error("unsupported algorithm: {0}")]
    UnsupportedAlgorithm(String),
    /// The body does not match its `Digest` / `Content-Digest` header.
    #[error("body digest does not match the body")]
    DigestMismatch,
    /// The request has a body but no usable `Digest` / `Content-Digest` header.
    #[error("body digest header is missing")]
    DigestMissing,
    /// The signature's date is too old, too far in the future, or expired.
    #[error("signature date is outside the accepted window")]
    DateOutOfWindow,
    /// A header or component that policy requires to be signed is not covered.
    #[error("required component is not covered by the signature: {0}")]
    HeaderNotSigned(&'static str),
    /// The signature does not verify with the key.
    #[error("signature does not verify")]
    BadSignature,
    /// The key could not be parsed or used.
    #[error("unusable key: {0}")]
    KeyFormat(String),
}

impl SignatureError {
    /// A short fixed name of the fault, for metrics.
    pub fn reason(&self) -> &'static str {
        match self {
            SignatureError::Missing => "missing",
            SignatureError::Malformed(_) => "malformed",
            SignatureError::UnsupportedAlgorithm(_) => "unsupported_algorithm",
            SignatureError::DigestMismatch => "digest_mismatch",
            SignatureError::DigestMissing => "digest_missing",
            SignatureError::DateOutOfWindow => "date_out_of_window",
            SignatureError::HeaderNotSigned(_) => "component_not_signed",
            SignatureError::BadSignature => "bad_signature",
            SignatureError::KeyFormat(_) => "unusable_key",
        }
    }
}

/// Which signature scheme a request used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// draft-cavage-http-signatures (`Signature: keyId=…`).
    Cavage,
    /// RFC 9421 HTTP Message Signatures (`Signature-Input`).
    Rfc9421,
}

pub(crate) fn unix_seconds(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => i64::try_from(e.duration().as_secs()).map_or(i64::MIN, |s| -s),
    }
}

pub(crate) fn from_unix_seconds(secs: i64) -> Option<SystemTime> {
    if secs >= 0 {
        UNIX_EPOCH.checked_add(Duration::from_secs(secs.unsigned_abs()))
    } else {
        UNIX_EPOCH.checked_sub(Duration::from_secs(secs.unsigned_abs()))
    }
}

/// All field lines of `name`, each trimmed, joined with `", "`; `None` if absent.
pub(crate) fn combined_field(headers: &HeaderMap, name: &str) -> Option<Vec<u8>> {
    let mut out: Option<Vec<u8>> = None;
    for value in headers.get_all(name) {
        let trimmed = value.as_bytes().trim_ascii();
        match &mut out {
            None => out = Some(trimmed.to_vec()),
            Some(buf) => {
                buf.extend_from_slice(b", ");
                buf.extend_from_slice(trimmed);
            }
        }
    }
    out
}

/// Like [`combined_field`], but the value must be visible ASCII.
pub(crate) fn combined_field_str(
    headers: &HeaderMap,
    name: &str,
) -> Result<Option<String>, SignatureError> {
    match combined_field(headers, name) {
        None => Ok(None),
        Some(bytes) => String::from_utf8(bytes)
            .ok()
            .filter(|s| s.is_ascii())
            .map(Some)
            .ok_or_else(|| SignatureError::Malformed(format!("{name} header is not ASCII"))),
    }
}

/// Standard alphabet, padding optional on input (some software strips it).
const LENIENT_B64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Decodes standard base64, tolerating missing padding and embedded
/// whitespace (draft-cavage signatures and `Digest` values).
pub(crate) fn b64_decode_lenient(input: &str) -> Option<Vec<u8>> {
    let compact: String = input.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    LENIENT_B64.decode(compact.as_bytes()).ok()
}

/// Encodes with the standard alphabet and padding.
pub(crate) fn b64_encode(data: &[u8]) -> String {
    STANDARD.encode(data)
}

/// Parses a Dictionary structured field value (RFC 8941, which RFC 9421 and
/// RFC 9530 build on; the dates and display strings of RFC 9651 are refused).
/// `field` names the field in the error.
pub(crate) fn parse_dictionary(
    field: &str,
    value: &str,
) -> Result<sfv::Dictionary, SignatureError> {
    sfv::Parser::new(value)
        .with_version(sfv::Version::Rfc8941)
        .parse()
        .map_err(|e| SignatureError::Malformed(format!("{field}: {e}")))
}

/// Lowercase host plus `:port` when the port is not the scheme's default.
pub(crate) fn authority(url: &Url) -> Result<String, SignatureError> {
    let host = url
        .host_str()
        .ok_or_else(|| SignatureError::Malformed("target URI has no host".into()))?;
    let host = host.to_ascii_lowercase();
    Ok(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    })
}

/// Path plus `?query` when there is a query.
pub(crate) fn path_and_query(url: &Url) -> String {
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    }
}

#[cfg(test)]
pub(crate) mod tests;
