//! Checking the signature of an incoming request: the one flow both schemes
//! go through.
//!
//! 1. [`parse_request_signature`] picks the scheme: RFC 9421 when the request
//!    has `Signature-Input`, draft-cavage otherwise.
//! 2. The scheme module reads its signature field(s) into [`Candidate`]s:
//!    [`cavage::read`] gives one, [`rfc9421::Fields`] one per label, in order.
//! 3. [`accept`] applies the policy to a candidate (expiry and signing time,
//!    body digest, covered components) and has the scheme build the signing
//!    base. Of several RFC 9421 signatures the first acceptable one is taken;
//!    if none is, the first one's error is returned.
//! 4. The caller looks up the key named by [`PendingSignature::key_id`] and
//!    calls [`PendingSignature::verify`].

use std::time::{Duration, SystemTime};

use http::{HeaderMap, Method};
use url::Url;

use super::keys::{KeyKind, PublicKey, SignatureAlgorithm};
use super::{
    DEFAULT_MAX_AGE, DEFAULT_MAX_FUTURE_SKEW, Scheme, SignatureError, cavage, combined_field_str,
    rfc9421, unix_seconds,
};

/// Acceptance rules for incoming signatures.
#[derive(Clone, Debug)]
pub struct VerifyPolicy {
    /// Oldest acceptable signature date, relative to now.
    pub max_age: Duration,
    /// Furthest-future acceptable signature date, relative to now.
    pub max_future_skew: Duration,
    /// Only the test-vector tests turn this off: the published vectors
    /// predate the coverage rules that interoperable servers apply.
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

    /// Whether `signed_at` (Unix seconds) lies inside the window around `now`.
    pub(crate) fn check_time(&self, signed_at: i64, now: i64) -> Result<(), SignatureError> {
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
    if !headers.contains_key("signature-input") {
        // draft-cavage: one signature, whose error is final.
        return accept(&request, cavage::read(&request)?);
    }
    // RFC 9421: the first acceptable signature, else the first one's error.
    let fields = rfc9421::Fields::read(&request)?;
    let mut first_error = None;
    for (label, candidate) in fields.candidates() {
        match candidate.and_then(|candidate| accept(&request, candidate)) {
            Ok(pending) => return Ok(pending),
            Err(e) => {
                tracing::debug!(label = %label, error = %e, "skipping RFC 9421 signature");
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or(SignatureError::Missing))
}

/// What the scheme modules need to know about a request.
pub(crate) struct Request<'a> {
    pub method: &'a Method,
    pub target_uri: &'a Url,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    /// Unix seconds.
    pub now: i64,
    pub policy: &'a VerifyPolicy,
}

impl<'a> Request<'a> {
    fn new(
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

/// One signature as its scheme module read it from the request, before any
/// policy was applied.
pub(crate) struct Candidate<S> {
    pub key_id: String,
    /// RFC 9421 signature label; `None` for draft-cavage.
    pub label: Option<String>,
    pub algorithm: AlgorithmChoice,
    /// The covered headers / components, lowercase, in signed order.
    pub covered: Vec<String>,
    /// The `created` parameter (Unix seconds).
    pub created: Option<i64>,
    /// The `expires` parameter (Unix seconds).
    pub expires: Option<i64>,
    pub signature: Vec<u8>,
    /// What else the scheme needs to finish the checks and build the base.
    pub rest: S,
}

impl<S> Candidate<S> {
    pub(crate) fn covers(&self, name: &str) -> bool {
        self.covered.iter().any(|c| c == name)
    }
}

/// The scheme-specific steps of [`accept`], implemented by the type a
/// scheme module keeps in [`Candidate::rest`].
pub(crate) trait SchemeRules: Sized {
    const SCHEME: Scheme;
    /// The field that binds the body: `digest` or `content-digest`.
    const DIGEST_FIELD: &'static str;
    /// What must be signed when the signature has no time: `date` or `created`.
    const SIGNED_TIME: &'static str;

    /// Checks a value of [`Self::DIGEST_FIELD`] against the body.
    fn verify_digest(value: &str, body: &[u8]) -> Result<(), SignatureError>;

    /// When the signature was made, once checked against the policy's window.
    fn signed_at(
        candidate: &Candidate<Self>,
        request: &Request<'_>,
    ) -> Result<Option<SystemTime>, SignatureError>;

    /// Refuses a signature that does not cover what the policy requires.
    /// Only called while the coverage rules apply.
    fn check_coverage(
        candidate: &Candidate<Self>,
        request: &Request<'_>,
        body_digest_checked: bool,
    ) -> Result<(), SignatureError>;

    /// The exact bytes that were signed.
    fn signing_base(
        candidate: &Candidate<Self>,
        request: &Request<'_>,
    ) -> Result<Vec<u8>, SignatureError>;
}

/// Applies the policy to one signature and builds what was signed.
///
/// The body digest is checked before the covered components because
/// draft-cavage lets a checked digest stand in for `(request-target)`.
fn accept<S: SchemeRules>(
    request: &Request<'_>,
    candidate: Candidate<S>,
) -> Result<PendingSignature, SignatureError> {
    let policy = request.policy;
    if candidate
        .expires
        .is_some_and(|expires| request.now > expires)
    {
        return Err(SignatureError::DateOutOfWindow);
    }
    let signed_at = S::signed_at(&candidate, request)?;
    if policy.enforce_coverage && signed_at.is_none() {
        return Err(SignatureError::HeaderNotSigned(S::SIGNED_TIME));
    }
    let body_digest_checked = check_body_digest::<S>(request, candidate.covers(S::DIGEST_FIELD))?;
    if policy.enforce_coverage {
        S::check_coverage(&candidate, request, body_digest_checked)?;
    }
    let signing_base = S::signing_base(&candidate, request)?;
    Ok(PendingSignature {
        key_id: candidate.key_id,
        scheme: S::SCHEME,
        covered: candidate.covered,
        signed_at,
        body_digest_checked,
        label: candidate.label,
        algorithm: candidate.algorithm,
        signing_base,
        signature: candidate.signature,
    })
}

/// Checks the body against the scheme's digest field, returning whether it
/// was checked. A request with a body (and every POST) needs the field, and
/// under the coverage rules the signature must cover it.
fn check_body_digest<S: SchemeRules>(
    request: &Request<'_>,
    covered: bool,
) -> Result<bool, SignatureError> {
    let needed = request.needs_body_digest();
    if !needed && !covered {
        return Ok(false);
    }
    match combined_field_str(request.headers, S::DIGEST_FIELD)? {
        None if needed => Err(SignatureError::DigestMissing),
        None => Err(SignatureError::Malformed(format!(
            "covered field {} is absent",
            S::DIGEST_FIELD
        ))),
        Some(_) if !covered => {
            if request.policy.enforce_coverage {
                Err(SignatureError::HeaderNotSigned(S::DIGEST_FIELD))
            } else {
                Ok(false)
            }
        }
        Some(value) => {
            S::verify_digest(&value, request.body)?;
            Ok(true)
        }
    }
}
