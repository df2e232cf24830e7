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

use http::{HeaderMap, Method};
use url::Url;

pub mod cache;
pub mod cavage;
pub mod digest;
pub mod keys;
mod pem;
pub mod rfc9421;
mod sfv;

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
pub(crate) mod tests {
    use super::*;
    use http::{HeaderName, HeaderValue};

    /// `SystemTime` at a Unix timestamp.
    pub(crate) fn at(secs: i64) -> SystemTime {
        from_unix_seconds(secs).expect("representable time")
    }

    pub(crate) fn url(text: &str) -> Url {
        Url::parse(text).expect("test URL")
    }

    pub(crate) fn header_map(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).expect("header name"),
                HeaderValue::from_str(value).expect("header value"),
            );
        }
        map
    }

    /// A minimal JSON reader for the fixtures (objects, arrays, strings,
    /// integers), so the tests need no extra dependency.
    #[derive(Debug, Clone, PartialEq)]
    pub(crate) enum Json {
        Null,
        Bool(bool),
        Number(i64),
        String(String),
        Array(Vec<Json>),
        Object(Vec<(String, Json)>),
    }

    impl Json {
        pub(crate) fn parse(text: &str) -> Json {
            let chars: Vec<char> = text.chars().collect();
            let mut pos = 0;
            let value = Self::value(&chars, &mut pos);
            Self::ws(&chars, &mut pos);
            assert_eq!(pos, chars.len(), "trailing JSON");
            value
        }

        fn ws(c: &[char], pos: &mut usize) {
            while *pos < c.len() && c[*pos].is_whitespace() {
                *pos += 1;
            }
        }

        fn value(c: &[char], pos: &mut usize) -> Json {
            Self::ws(c, pos);
            match c[*pos] {
                '{' => {
                    *pos += 1;
                    let mut members = Vec::new();
                    loop {
                        Self::ws(c, pos);
                        if c[*pos] == '}' {
                            *pos += 1;
                            return Json::Object(members);
                        }
                        let Json::String(key) = Self::value(c, pos) else {
                            panic!("object key must be a string")
                        };
                        Self::ws(c, pos);
                        assert_eq!(c[*pos], ':');
                        *pos += 1;
                        members.push((key, Self::value(c, pos)));
                        Self::ws(c, pos);
                        if c[*pos] == ',' {
                            *pos += 1;
                        }
                    }
                }
                '[' => {
                    *pos += 1;
                    let mut items = Vec::new();
                    loop {
                        Self::ws(c, pos);
                        if c[*pos] == ']' {
                            *pos += 1;
                            return Json::Array(items);
                        }
                        items.push(Self::value(c, pos));
                        Self::ws(c, pos);
                        if c[*pos] == ',' {
                            *pos += 1;
                        }
                    }
                }
                '"' => {
                    *pos += 1;
                    let mut s = String::new();
                    loop {
                        let ch = c[*pos];
                        *pos += 1;
                        match ch {
                            '"' => return Json::String(s),
                            '\\' => {
                                let esc = c[*pos];
                                *pos += 1;
                                match esc {
                                    'n' => s.push('\n'),
                                    'r' => s.push('\r'),
                                    't' => s.push('\t'),
                                    'u' => {
                                        let hex: String = c[*pos..*pos + 4].iter().collect();
                                        *pos += 4;
                                        let code = u32::from_str_radix(&hex, 16).expect("hex");
                                        s.push(char::from_u32(code).expect("BMP escape"));
                                    }
                                    other => s.push(other),
                                }
                            }
                            other => s.push(other),
                        }
                    }
                }
                't' => {
                    *pos += 4;
                    Json::Bool(true)
                }
                'f' => {
                    *pos += 5;
                    Json::Bool(false)
                }
                'n' => {
                    *pos += 4;
                    Json::Null
                }
                _ => {
                    let start = *pos;
                    while *pos < c.len() && (c[*pos] == '-' || c[*pos].is_ascii_digit()) {
                        *pos += 1;
                    }
                    let text: String = c[start..*pos].iter().collect();
                    Json::Number(text.parse().expect("integer"))
                }
            }
        }

        pub(crate) fn get(&self, key: &str) -> &Json {
            match self {
                Json::Object(members) => members
                    .iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, v)| v)
                    .unwrap_or_else(|| panic!("fixture lacks {key}")),
                _ => panic!("not an object"),
            }
        }

        pub(crate) fn str(&self) -> &str {
            match self {
                Json::String(s) => s,
                _ => panic!("not a string"),
            }
        }
    }

    /// A request recorded as a JSON fixture.
    pub(crate) struct Fixture {
        pub method: Method,
        pub url: Url,
        pub headers: HeaderMap,
        pub body: Vec<u8>,
        pub key: PublicKey,
        pub now: SystemTime,
    }

    pub(crate) fn load_fixture(text: &str) -> Fixture {
        let json = Json::parse(text);
        let Json::Array(pairs) = json.get("headers") else {
            panic!("headers must be an array")
        };
        let mut headers = HeaderMap::new();
        for pair in pairs {
            let Json::Array(nv) = pair else {
                panic!("header must be a pair")
            };
            headers.append(
                HeaderName::from_bytes(nv[0].str().as_bytes()).expect("name"),
                HeaderValue::from_str(nv[1].str()).expect("value"),
            );
        }
        let Json::Number(now) = json.get("now") else {
            panic!("now must be a number")
        };
        Fixture {
            method: Method::from_bytes(json.get("method").str().as_bytes()).expect("method"),
            url: url(json.get("url").str()),
            headers,
            body: json.get("body").str().as_bytes().to_vec(),
            key: PublicKey::from_pem(json.get("public_key_pem").str()).expect("fixture key"),
            now: at(*now),
        }
    }

    const NOW: i64 = 1_740_830_400; // 2025-03-01T12:00:00Z
    const KEY_ID: &str = "https://chorus.example/users/alice#main-key";
    const BODY: &[u8] = br#"{"type":"Create","actor":"https://chorus.example/users/alice"}"#;

    fn key() -> &'static PrivateKey {
        static KEY: std::sync::OnceLock<PrivateKey> = std::sync::OnceLock::new();
        KEY.get_or_init(PrivateKey::generate_rsa_2048)
    }

    fn public() -> PublicKey {
        key().public_key().expect("public key")
    }

    fn inbox() -> Url {
        url("https://remote.example/users/bob/inbox")
    }

    fn cavage_signed(method: &Method, target: &Url, body: Option<&[u8]>) -> HeaderMap {
        let signed =
            cavage::sign_request(method, target, body, KEY_ID, key(), at(NOW)).expect("signs");
        let mut headers = HeaderMap::new();
        signed.apply_to(&mut headers);
        headers
    }

    fn parse(
        method: &Method,
        target: &Url,
        headers: &HeaderMap,
        body: Option<&[u8]>,
        now: i64,
    ) -> Result<PendingSignature, SignatureError> {
        parse_request_signature(method, target, headers, body, at(now))
    }

    #[test]
    fn cavage_round_trip_get() {
        let target = url("https://remote.example/users/bob?page=2");
        let headers = cavage_signed(&Method::GET, &target, None);
        let sig = headers["signature"].to_str().expect("ascii");
        assert!(
            sig.contains(r#"headers="(request-target) host date","#),
            "{sig}"
        );
        assert!(!headers.contains_key("digest"));
        let pending = parse(&Method::GET, &target, &headers, None, NOW).expect("acceptable");
        assert_eq!(pending.key_id, KEY_ID);
        assert_eq!(pending.scheme, Scheme::Cavage);
        assert_eq!(pending.covered, ["(request-target)", "host", "date"]);
        assert_eq!(pending.signed_at, Some(at(NOW)));
        assert!(!pending.body_digest_checked);
        assert_eq!(
            pending.signing_base(),
            format!(
                "(request-target): get /users/bob?page=2\nhost: remote.example\ndate: {}",
                httpdate::fmt_http_date(at(NOW))
            )
            .as_bytes()
        );
        pending.verify(&public()).expect("verifies");
        let other = PrivateKey::generate_rsa_2048().public_key().expect("other");
        assert_eq!(pending.verify(&other), Err(SignatureError::BadSignature));
    }

    #[test]
    fn cavage_round_trip_post() {
        let headers = cavage_signed(&Method::POST, &inbox(), Some(BODY));
        let sig = headers["signature"].to_str().expect("ascii");
        assert!(sig.starts_with(&format!(r#"keyId="{KEY_ID}",algorithm="rsa-sha256","#)));
        assert!(sig.contains(r#"headers="(request-target) host date digest","#));
        assert_eq!(headers["host"], "remote.example");
        let pending =
            parse(&Method::POST, &inbox(), &headers, Some(BODY), NOW + 30).expect("acceptable");
        assert!(pending.body_digest_checked);
        pending.verify(&public()).expect("verifies");
    }

    #[test]
    fn cavage_tampered_body_is_a_digest_mismatch() {
        let headers = cavage_signed(&Method::POST, &inbox(), Some(BODY));
        let err = parse(&Method::POST, &inbox(), &headers, Some(b"{}"), NOW).expect_err("tampered");
        assert_eq!(err, SignatureError::DigestMismatch);
    }

    #[test]
    fn cavage_post_without_digest_is_refused() {
        let mut headers = cavage_signed(&Method::POST, &inbox(), Some(BODY));
        headers.remove("digest");
        assert_eq!(
            parse(&Method::POST, &inbox(), &headers, Some(BODY), NOW).expect_err("no digest"),
            SignatureError::DigestMissing
        );
        // A digest that is present but not signed is refused too.
        let headers = cavage_signed(&Method::GET, &inbox(), None);
        let mut headers = headers.clone();
        headers.insert(
            "digest",
            HeaderValue::from_str(&digest::digest_header_value(BODY)).expect("value"),
        );
        assert_eq!(
            parse(&Method::POST, &inbox(), &headers, Some(BODY), NOW).expect_err("unsigned"),
            SignatureError::HeaderNotSigned("digest")
        );
    }

    #[test]
    fn cavage_date_window() {
        let headers = cavage_signed(&Method::POST, &inbox(), Some(BODY));
        let twelve_hours = 12 * 3600;
        parse(
            &Method::POST,
            &inbox(),
            &headers,
            Some(BODY),
            NOW + twelve_hours,
        )
        .expect("edge");
        assert_eq!(
            parse(
                &Method::POST,
                &inbox(),
                &headers,
                Some(BODY),
                NOW + twelve_hours + 1
            )
            .expect_err("stale"),
            SignatureError::DateOutOfWindow
        );
        parse(&Method::POST, &inbox(), &headers, Some(BODY), NOW - 300).expect("skew edge");
        assert_eq!(
            parse(&Method::POST, &inbox(), &headers, Some(BODY), NOW - 301).expect_err("future"),
            SignatureError::DateOutOfWindow
        );
        let tight = VerifyPolicy::with_window(Duration::from_secs(60), Duration::ZERO);
        let err = parse_request_signature_with_policy(
            &Method::POST,
            &inbox(),
            &headers,
            Some(BODY),
            at(NOW + 61),
            &tight,
        )
        .expect_err("custom window");
        assert_eq!(err, SignatureError::DateOutOfWindow);
    }

    #[test]
    fn cavage_signature_for_another_path_fails() {
        let headers = cavage_signed(&Method::POST, &inbox(), Some(BODY));
        let elsewhere = url("https://remote.example/inbox");
        let pending = parse(&Method::POST, &elsewhere, &headers, Some(BODY), NOW).expect("parses");
        assert_eq!(pending.verify(&public()), Err(SignatureError::BadSignature));
        // Same for another host.
        let other_host = url("https://evil.example/users/bob/inbox");
        let pending = parse(&Method::POST, &other_host, &headers, Some(BODY), NOW).expect("parses");
        assert_eq!(pending.verify(&public()), Err(SignatureError::BadSignature));
    }

    /// Signs a draft-cavage request by hand, independently of `sign_request`.
    fn hand_signed(
        algorithm: Option<&str>,
        digest_value: &str,
        in_authorization: bool,
    ) -> HeaderMap {
        let date = httpdate::fmt_http_date(at(NOW));
        let signing = format!(
            "(request-target): post /users/bob/inbox\nhost: remote.example\ndate: {date}\ndigest: {digest_value}"
        );
        let signature = pem::b64_encode(&key().sign_rsa_sha256(signing.as_bytes()).expect("sign"));
        let alg = algorithm
            .map(|a| format!(r#"algorithm="{a}","#))
            .unwrap_or_default();
        let value = format!(
            r#"keyId="{KEY_ID}",{alg}headers="(request-target) host date digest",signature="{signature}""#
        );
        let mut pairs = vec![
            ("host", "remote.example".to_owned()),
            ("date", date),
            ("digest", digest_value.to_owned()),
        ];
        if in_authorization {
            pairs.push(("authorization", format!("Signature {value}")));
        } else {
            pairs.push(("signature", value));
        }
        let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(n, v)| (*n, v.as_str())).collect();
        header_map(&borrowed)
    }

    #[test]
    fn cavage_accepts_lowercase_digest_and_algorithm_spellings() {
        let lower = digest::digest_header_value(BODY).replace("SHA-256=", "sha-256=");
        let upper = digest::digest_header_value(BODY);
        for (alg, digest_value) in [
            (Some("rsa-sha256"), lower.as_str()),
            (Some("hs2019"), upper.as_str()),
            (Some("RSA-SHA256"), upper.as_str()),
            (Some("HS2019"), lower.as_str()),
            (None, upper.as_str()),
        ] {
            let headers = hand_signed(alg, digest_value, false);
            let pending = parse(&Method::POST, &inbox(), &headers, Some(BODY), NOW)
                .unwrap_or_else(|e| panic!("{alg:?}: {e}"));
            pending
                .verify(&public())
                .unwrap_or_else(|e| panic!("{alg:?}: {e}"));
        }
        let headers = hand_signed(Some("hmac-sha256"), &upper, false);
        assert!(matches!(
            parse(&Method::POST, &inbox(), &headers, Some(BODY), NOW),
            Err(SignatureError::UnsupportedAlgorithm(_))
        ));
    }

    #[test]
    fn cavage_in_authorization_header() {
        let headers = hand_signed(Some("rsa-sha256"), &digest::digest_header_value(BODY), true);
        let pending = parse(&Method::POST, &inbox(), &headers, Some(BODY), NOW).expect("parses");
        pending.verify(&public()).expect("verifies");
    }

    #[test]
    fn cavage_coverage_rules() {
        // GET must sign host.
        let date = httpdate::fmt_http_date(at(NOW));
        let signing = format!("(request-target): get /users/bob\ndate: {date}");
        let signature = pem::b64_encode(&key().sign_rsa_sha256(signing.as_bytes()).expect("sign"));
        let value = format!(
            r#"keyId="{KEY_ID}",algorithm="rsa-sha256",headers="(request-target) date",signature="{signature}""#
        );
        let headers = header_map(&[("date", &date), ("signature", &value)]);
        let target = url("https://remote.example/users/bob");
        assert_eq!(
            parse(&Method::GET, &target, &headers, None, NOW).expect_err("no host"),
            SignatureError::HeaderNotSigned("host")
        );
        // Neither date nor (created) signed.
        let value = format!(
            r#"keyId="{KEY_ID}",algorithm="rsa-sha256",headers="(request-target) host",signature="{signature}""#
        );
        let headers = header_map(&[("date", &date), ("signature", &value)]);
        assert_eq!(
            parse(&Method::GET, &target, &headers, None, NOW).expect_err("no date"),
            SignatureError::HeaderNotSigned("date")
        );
        // Unsigned request.
        assert_eq!(
            parse(&Method::GET, &target, &HeaderMap::new(), None, NOW).expect_err("unsigned"),
            SignatureError::Missing
        );
    }

    #[test]
    fn rfc9421_round_trip_post() {
        let signed =
            rfc9421::sign_request(&Method::POST, &inbox(), Some(BODY), KEY_ID, key(), at(NOW))
                .expect("signs");
        let mut headers = HeaderMap::new();
        signed.apply_to(&mut headers);
        assert_eq!(
            headers["signature-input"],
            format!(
                r#"sig1=("@method" "@target-uri" "content-digest");created={NOW};keyid="{KEY_ID}";alg="rsa-v1_5-sha256""#
            )
            .as_str()
        );
        let pending =
            parse(&Method::POST, &inbox(), &headers, Some(BODY), NOW + 5).expect("acceptable");
        assert_eq!(pending.scheme, Scheme::Rfc9421);
        assert_eq!(pending.key_id, KEY_ID);
        assert_eq!(pending.label.as_deref(), Some("sig1"));
        assert_eq!(
            pending.algorithm,
            AlgorithmChoice::Named(SignatureAlgorithm::RsaPkcs1Sha256)
        );
        assert!(pending.body_digest_checked);
        pending.verify(&public()).expect("verifies");

        // Another method or target breaks it.
        let pending = parse(&Method::PUT, &inbox(), &headers, Some(BODY), NOW).expect("parses");
        assert_eq!(pending.verify(&public()), Err(SignatureError::BadSignature));
        let moved = url("https://remote.example/users/bob/inbox?x");
        let pending = parse(&Method::POST, &moved, &headers, Some(BODY), NOW).expect("parses");
        assert_eq!(pending.verify(&public()), Err(SignatureError::BadSignature));
        // A tampered body is caught before any key is needed.
        assert_eq!(
            parse(&Method::POST, &inbox(), &headers, Some(b"{}"), NOW).expect_err("tampered"),
            SignatureError::DigestMismatch
        );
        assert_eq!(
            parse(
                &Method::POST,
                &inbox(),
                &headers,
                Some(BODY),
                NOW + 13 * 3600
            )
            .expect_err("stale"),
            SignatureError::DateOutOfWindow
        );
    }

    #[test]
    fn rfc9421_round_trip_get() {
        let target = url("https://remote.example/users/bob");
        let signed = rfc9421::sign_request(&Method::GET, &target, None, KEY_ID, key(), at(NOW))
            .expect("signs");
        assert!(signed.content_digest.is_none());
        let mut headers = HeaderMap::new();
        signed.apply_to(&mut headers);
        let pending = parse(&Method::GET, &target, &headers, None, NOW).expect("acceptable");
        assert!(!pending.body_digest_checked);
        pending.verify(&public()).expect("verifies");
    }

    /// Signs an RFC 9421 request by hand with the given components and params.
    fn hand_signed_9421(
        label: &str,
        components: &[&str],
        params: &str,
        extra: &[(&str, &str)],
    ) -> (String, String) {
        let mut headers = header_map(extra);
        headers.insert(
            "content-digest",
            HeaderValue::from_str(&digest::content_digest_header_value(BODY)).expect("value"),
        );
        let mut base = String::new();
        for c in components {
            let value = match *c {
                "@method" => "POST".to_owned(),
                "@target-uri" => inbox().to_string(),
                "@authority" => "remote.example".to_owned(),
                "@path" => "/users/bob/inbox".to_owned(),
                derived if derived.starts_with('@') => "unsupported".to_owned(),
                name => headers[name].to_str().expect("ascii").to_owned(),
            };
            base.push_str(&format!("\"{c}\": {value}\n"));
        }
        let list = format!(
            "({}){params}",
            components
                .iter()
                .map(|c| format!("\"{c}\""))
                .collect::<Vec<_>>()
                .join(" ")
        );
        base.push_str(&format!("\"@signature-params\": {list}"));
        let signature = pem::b64_encode(&key().sign_rsa_sha256(base.as_bytes()).expect("sign"));
        (format!("{label}={list}"), format!("{label}=:{signature}:"))
    }

    fn with_9421(input: &str, signature: &str) -> HeaderMap {
        header_map(&[
            ("content-digest", &digest::content_digest_header_value(BODY)),
            ("signature-input", input),
            ("signature", signature),
        ])
    }

    #[test]
    fn rfc9421_policy() {
        let params = format!(r#";created={NOW};keyid="{KEY_ID}""#);
        let full = ["@method", "@target-uri", "content-digest"];

        // Without alg, an RSA key means rsa-v1_5-sha256.
        let (i, s) = hand_signed_9421("a", &full, &params, &[]);
        let pending =
            parse(&Method::POST, &inbox(), &with_9421(&i, &s), Some(BODY), NOW).expect("ok");
        assert_eq!(pending.algorithm, AlgorithmChoice::FromKey);
        pending.verify(&public()).expect("verifies");

        // @authority + @path instead of @target-uri.
        let (i, s) = hand_signed_9421(
            "a",
            &["@method", "@authority", "@path", "content-digest"],
            &params,
            &[],
        );
        parse(&Method::POST, &inbox(), &with_9421(&i, &s), Some(BODY), NOW)
            .expect("authority+path")
            .verify(&public())
            .expect("verifies");

        let refused = |components: &[&str], params: &str| {
            let (i, s) = hand_signed_9421("a", components, params, &[]);
            parse(&Method::POST, &inbox(), &with_9421(&i, &s), Some(BODY), NOW)
                .expect_err("refused")
        };
        assert_eq!(
            refused(&["@target-uri", "content-digest"], &params),
            SignatureError::HeaderNotSigned("@method")
        );
        assert_eq!(
            refused(&["@method", "@path", "content-digest"], &params),
            SignatureError::HeaderNotSigned("@target-uri")
        );
        assert_eq!(
            refused(&["@method", "@target-uri"], &params),
            SignatureError::HeaderNotSigned("content-digest")
        );
        assert_eq!(
            refused(&full, &format!(r#";keyid="{KEY_ID}""#)),
            SignatureError::HeaderNotSigned("created")
        );
        assert_eq!(
            refused(
                &full,
                &format!(r#";created={};keyid="{KEY_ID}""#, NOW - 13 * 3600)
            ),
            SignatureError::DateOutOfWindow
        );
        assert_eq!(
            refused(
                &full,
                &format!(r#";created={NOW};expires={};keyid="{KEY_ID}""#, NOW - 1)
            ),
            SignatureError::DateOutOfWindow
        );
        assert!(matches!(
            refused(
                &full,
                &format!(r#";created={NOW};keyid="{KEY_ID}";alg="hmac-sha256""#)
            ),
            SignatureError::UnsupportedAlgorithm(_)
        ));
        assert!(matches!(
            refused(&full, &format!(r#";created={NOW}"#)),
            SignatureError::Malformed(_)
        ));
        assert!(matches!(
            refused(
                &["@method", "@target-uri", "content-digest", "@query-param"],
                &params
            ),
            SignatureError::Malformed(_)
        ));
    }

    #[test]
    fn rfc9421_picks_the_first_acceptable_signature() {
        let good_params = format!(r#";created={NOW};keyid="{KEY_ID}";alg="rsa-v1_5-sha256""#);
        let bad_params = format!(r#";created={NOW};keyid="other";alg="hmac-sha256""#);
        let full = ["@method", "@target-uri", "content-digest"];
        let (i1, s1) = hand_signed_9421("first", &full, &bad_params, &[]);
        let (i2, s2) = hand_signed_9421("second", &full, &good_params, &[]);
        let headers = with_9421(&format!("{i1}, {i2}"), &format!("{s1}, {s2}"));
        let pending = parse(&Method::POST, &inbox(), &headers, Some(BODY), NOW).expect("second");
        assert_eq!(pending.label.as_deref(), Some("second"));
        assert_eq!(pending.key_id, KEY_ID);
        pending.verify(&public()).expect("verifies");

        // Separate field lines are combined like one list.
        let mut headers = with_9421(&i1, &s1);
        headers.append(
            "signature-input",
            HeaderValue::from_str(&i2).expect("value"),
        );
        headers.append("signature", HeaderValue::from_str(&s2).expect("value"));
        let pending = parse(&Method::POST, &inbox(), &headers, Some(BODY), NOW).expect("second");
        assert_eq!(pending.label.as_deref(), Some("second"));

        // Both unacceptable: the first one's reason is reported.
        let headers = with_9421(&i1, &s1);
        assert!(matches!(
            parse(&Method::POST, &inbox(), &headers, Some(BODY), NOW),
            Err(SignatureError::UnsupportedAlgorithm(_))
        ));
        // Label with no signature.
        let headers = with_9421(&i2, &s1.replace("first", "third"));
        assert!(matches!(
            parse(&Method::POST, &inbox(), &headers, Some(BODY), NOW),
            Err(SignatureError::Malformed(_))
        ));
    }

    #[test]
    fn independent_rfc9421_fixture_verifies() {
        let f = load_fixture(include_str!("fixtures/rfc9421_rsa_v1_5_post.json"));
        let pending = parse_request_signature(&f.method, &f.url, &f.headers, Some(&f.body), f.now)
            .expect("acceptable");
        assert_eq!(pending.scheme, Scheme::Rfc9421);
        assert_eq!(pending.key_id, "https://remote.example/users/bob#main-key");
        assert!(pending.body_digest_checked);
        pending.verify(&f.key).expect("verifies");
        assert_eq!(pending.verify(&public()), Err(SignatureError::BadSignature));

        let mut tampered = f.body.clone();
        tampered[10] ^= 1;
        assert_eq!(
            parse_request_signature(&f.method, &f.url, &f.headers, Some(&tampered), f.now)
                .expect_err("tampered"),
            SignatureError::DigestMismatch
        );
        let mut headers = f.headers.clone();
        headers.insert("content-type", HeaderValue::from_static("text/plain"));
        let pending = parse_request_signature(&f.method, &f.url, &headers, Some(&f.body), f.now)
            .expect("parses");
        assert_eq!(pending.verify(&f.key), Err(SignatureError::BadSignature));
    }

    #[test]
    fn independent_cavage_fixture_verifies() {
        let f = load_fixture(include_str!("fixtures/cavage_rsa_sha256_post.json"));
        let pending = parse_request_signature(&f.method, &f.url, &f.headers, Some(&f.body), f.now)
            .expect("acceptable");
        assert_eq!(pending.scheme, Scheme::Cavage);
        assert_eq!(
            pending.covered,
            ["(request-target)", "host", "date", "digest", "content-type"]
        );
        pending.verify(&f.key).expect("verifies");

        let mut headers = f.headers.clone();
        headers.insert("content-type", HeaderValue::from_static("text/plain"));
        let pending = parse_request_signature(&f.method, &f.url, &headers, Some(&f.body), f.now)
            .expect("parses");
        assert_eq!(pending.verify(&f.key), Err(SignatureError::BadSignature));
    }

    #[test]
    fn shared_types_are_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<PublicKey>();
        assert_send_sync::<PrivateKey>();
        assert_send_sync::<KeyCache>();
        assert_send_sync::<PendingSignature>();
        assert_send_sync::<SignatureError>();
    }

    #[test]
    fn helpers() {
        let headers = header_map(&[("x", " a "), ("x", "b\t"), ("y", "")]);
        assert_eq!(combined_field(&headers, "x").as_deref(), Some(&b"a, b"[..]));
        assert_eq!(combined_field(&headers, "y").as_deref(), Some(&b""[..]));
        assert_eq!(combined_field(&headers, "z"), None);
        assert_eq!(
            authority(&url("https://EXAMPLE.com:443/x")).expect("a"),
            "example.com"
        );
        assert_eq!(
            authority(&url("http://example.com:8080/x")).expect("a"),
            "example.com:8080"
        );
        assert_eq!(path_and_query(&url("https://e.x/a/b?c=d")), "/a/b?c=d");
        assert_eq!(path_and_query(&url("https://e.x")), "/");
        assert_eq!(unix_seconds(at(-5)), -5);
        assert_eq!(unix_seconds(at(NOW)), NOW);
    }
}
