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
//! Outgoing requests are signed with [`cavage::sign_request`] (the shape
//! Mastodon requires) or [`rfc9421::sign_request`].

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use http::{HeaderMap, Method};
use url::Url;

pub mod cache;
pub mod cavage;
pub mod digest;
pub mod keys;
pub mod rfc9421;

pub use cache::{CachedKey, KeyCache};
pub use keys::{KeyKind, PrivateKey, PublicKey, SignatureAlgorithm};

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

/// Which signature scheme a request used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// draft-cavage-http-signatures (`Signature: keyId=…`).
    Cavage,
    /// RFC 9421 HTTP Message Signatures (`Signature-Input`).
    Rfc9421,
}

/// Acceptance rules for incoming signatures.
#[derive(Clone, Debug)]
pub struct VerifyPolicy {
    /// Oldest acceptable signature date, relative to now.
    pub max_age: Duration,
    /// Furthest-future acceptable signature date, relative to now.
    pub max_future_skew: Duration,
    /// Only the test-vector tests in this module turn this off: the published
    /// vectors predate the coverage rules that interoperable servers apply.
    enforce_coverage: bool,
}

impl Default for VerifyPolicy {
    fn default() -> Self {
        Self {
            max_age: DEFAULT_MAX_AGE,
            max_future_skew: DEFAULT_MAX_FUTURE_SKEW,
            enforce_coverage: true,
        }
    }
}

impl VerifyPolicy {
    /// The default policy with a different date window.
    pub fn with_window(max_age: Duration, max_future_skew: Duration) -> Self {
        Self {
            max_age,
            max_future_skew,
            ..Self::default()
        }
    }

    #[cfg(test)]
    pub(crate) fn without_coverage_rules() -> Self {
        Self {
            enforce_coverage: false,
            ..Self::default()
        }
    }

    fn check_time(&self, signed_at: i64, now: i64) -> Result<(), SignatureError> {
        let max_age = i64::try_from(self.max_age.as_secs()).unwrap_or(i64::MAX);
        let skew = i64::try_from(self.max_future_skew.as_secs()).unwrap_or(i64::MAX);
        if signed_at > now.saturating_add(skew) || signed_at < now.saturating_sub(max_age) {
            return Err(SignatureError::DateOutOfWindow);
        }
        Ok(())
    }
}

/// How the verifying algorithm is chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlgorithmChoice {
    /// The sender named the algorithm.
    Named(SignatureAlgorithm),
    /// The sender left it to the key (`hs2019`, or no `alg`): see
    /// [`PublicKey::default_algorithms`].
    FromKey,
}

/// A signature that passed every check that does not need the key.
///
/// Fetch the key for [`key_id`](Self::key_id), then call [`verify`](Self::verify).
#[derive(Clone, Debug)]
pub struct PendingSignature {
    /// The key identifier to fetch (for ActivityPub, the key's URL).
    pub key_id: String,
    /// Which scheme the request used.
    pub scheme: Scheme,
    /// The covered headers / components, lowercase, in signed order.
    pub covered: Vec<String>,
    /// When the signature was made (`created`, else the signed `Date`).
    pub signed_at: Option<SystemTime>,
    /// Whether the body was checked against a signed digest header.
    pub body_digest_checked: bool,
    /// RFC 9421 signature label; `None` for draft-cavage.
    pub label: Option<String>,
    /// How the algorithm will be chosen.
    pub algorithm: AlgorithmChoice,
    signing_base: Vec<u8>,
    signature: Vec<u8>,
}

impl PendingSignature {
    /// Verifies the signature with `key`.
    pub fn verify(&self, key: &PublicKey) -> Result<(), SignatureError> {
        match self.algorithm {
            AlgorithmChoice::Named(alg) => key.verify(alg, &self.signing_base, &self.signature),
            AlgorithmChoice::FromKey => {
                let candidates: &[SignatureAlgorithm] = match (self.scheme, key.kind()) {
                    // draft-cavage left the ECDSA signature encoding open.
                    (Scheme::Cavage, KeyKind::EcP256) => &[
                        SignatureAlgorithm::EcdsaP256Sha256Der,
                        SignatureAlgorithm::EcdsaP256Sha256,
                    ],
                    _ => key.default_algorithms(),
                };
                let mut last = SignatureError::BadSignature;
                for alg in candidates {
                    match key.verify(*alg, &self.signing_base, &self.signature) {
                        Ok(()) => return Ok(()),
                        Err(e) => last = e,
                    }
                }
                Err(last)
            }
        }
    }

    /// The exact bytes that were signed (for debugging).
    pub fn signing_base(&self) -> &[u8] {
        &self.signing_base
    }
}

/// Checks an incoming request's signature as far as possible without the
/// key, using [`VerifyPolicy::default`].
///
/// `target_uri` is the full URI (scheme, authority, path, query) the request
/// was addressed to as the sender saw it; behind a proxy, build it from the
/// public origin rather than the local socket. Its authority is used for the
/// draft-cavage `host` line and the RFC 9421 `@authority` component. `body`
/// is the raw request body (`None` is treated as empty).
pub fn parse_request_signature(
    method: &Method,
    target_uri: &Url,
    headers: &HeaderMap,
    body: Option<&[u8]>,
    now: SystemTime,
) -> Result<PendingSignature, SignatureError> {
    parse_request_signature_with_policy(
        method,
        target_uri,
        headers,
        body,
        now,
        &VerifyPolicy::default(),
    )
}

/// [`parse_request_signature`] with an explicit policy.
///
/// RFC 9421 is used when `Signature-Input` is present, draft-cavage otherwise.
pub fn parse_request_signature_with_policy(
    method: &Method,
    target_uri: &Url,
    headers: &HeaderMap,
    body: Option<&[u8]>,
    now: SystemTime,
    policy: &VerifyPolicy,
) -> Result<PendingSignature, SignatureError> {
    let request = Request::new(method, target_uri, headers, body, now, policy);
    if headers.contains_key("signature-input") {
        rfc9421::check(&request)
    } else {
        cavage::check(&request)
    }
}

/// What the scheme verifiers need to know about a request.
pub(crate) struct Request<'a> {
    pub method: &'a Method,
    pub target_uri: &'a Url,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    pub now: i64,
    pub policy: &'a VerifyPolicy,
}

impl<'a> Request<'a> {
    pub(crate) fn new(
        method: &'a Method,
        target_uri: &'a Url,
        headers: &'a HeaderMap,
        body: Option<&'a [u8]>,
        now: SystemTime,
        policy: &'a VerifyPolicy,
    ) -> Self {
        Self {
            method,
            target_uri,
            headers,
            body: body.unwrap_or_default(),
            now: unix_seconds(now),
            policy,
        }
    }

    /// Whether the request must bind its body with a signed digest.
    fn needs_body_digest(&self) -> bool {
        *self.method == Method::POST || !self.body.is_empty()
    }
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
