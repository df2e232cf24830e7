//! draft-cavage-http-signatures: the `Signature` header used across the
//! Fediverse (Mastodon, Pleroma, Misskey, GoToSocial, Fedify's fallback).
//!
//! Incoming requests are checked through [`super::parse_request_signature`]:
//! this module reads the `Signature` header, supplies the draft-cavage rules
//! and builds the signing string. Outgoing requests are signed with
//! [`sign_request`].

use std::time::SystemTime;

use http::header::{DATE, HOST};
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use url::Url;

use super::keys::{PrivateKey, SignatureAlgorithm};
use super::verify::{Candidate, Request, SchemeRules};
use super::{
    AlgorithmChoice, MAX_COVERED_COMPONENTS, Scheme, SignatureError, authority, b64_decode_lenient,
    b64_encode, combined_field, combined_field_str, digest, from_unix_seconds, path_and_query,
    unix_seconds,
};

/// The parameters of a draft-cavage `Signature` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureParams {
    /// `keyId`.
    pub key_id: String,
    /// `algorithm`, lowercased; `None` when absent.
    pub algorithm: Option<String>,
    /// `headers`, lowercased, in order; `["date"]` when absent.
    pub headers: Vec<String>,
    /// The decoded `signature`.
    pub signature: Vec<u8>,
    /// `created` (Unix seconds).
    pub created: Option<i64>,
    /// `expires` (Unix seconds).
    pub expires: Option<i64>,
}

fn malformed(why: impl Into<String>) -> SignatureError {
    SignatureError::Malformed(why.into())
}

fn set_once<T>(slot: &mut Option<T>, value: T, name: &str) -> Result<(), SignatureError> {
    if slot.replace(value).is_some() {
        return Err(malformed(format!("duplicate parameter {name}")));
    }
    Ok(())
}

/// Parses a `Signature` header value, or an `Authorization` value with the
/// `Signature ` scheme prefix already removed.
///
/// Parameter names compare case-insensitively; values may be quoted or bare.
pub fn parse_signature_header(value: &str) -> Result<SignatureParams, SignatureError> {
    let mut key_id = None;
    let mut algorithm = None;
    let mut headers = None;
    let mut signature = None;
    let mut created = None;
    let mut expires = None;

    let mut rest = value.trim();
    while !rest.is_empty() {
        let eq = rest
            .find('=')
            .ok_or_else(|| malformed(format!("parameter without '=' in {rest:?}")))?;
        let name = rest[..eq].trim().to_ascii_lowercase();
        let after = rest[eq + 1..].trim_start();
        let (raw, remainder) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted
                .find('"')
                .ok_or_else(|| malformed(format!("unterminated value for {name}")))?;
            (&quoted[..end], &quoted[end + 1..])
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (after[..end].trim_end(), &after[end..])
        };
        rest = remainder.trim_start();
        match rest.strip_prefix(',') {
            Some(r) => rest = r.trim_start(),
            None if rest.is_empty() => {}
            None => return Err(malformed(format!("expected ',' after {name}"))),
        }

        let parse_int = |v: &str| {
            v.parse::<i64>()
                .map_err(|_| malformed(format!("{name} is not an integer")))
        };
        match name.as_str() {
            "keyid" => set_once(&mut key_id, raw.to_owned(), &name)?,
            "algorithm" => set_once(&mut algorithm, raw.to_ascii_lowercase(), &name)?,
            "headers" => {
                let list: Vec<String> = raw
                    .split_ascii_whitespace()
                    .map(str::to_ascii_lowercase)
                    .collect();
                set_once(&mut headers, list, &name)?;
            }
            "signature" => {
                let bytes =
                    b64_decode_lenient(raw).ok_or_else(|| malformed("signature is not base64"))?;
                set_once(&mut signature, bytes, &name)?;
            }
            "created" => set_once(&mut created, parse_int(raw)?, &name)?,
            "expires" => set_once(&mut expires, parse_int(raw)?, &name)?,
            // Unknown parameters are ignored, as the draft says.
            _ => {}
        }
    }

    let key_id = key_id.ok_or_else(|| malformed("keyId missing"))?;
    if key_id.is_empty() {
        return Err(malformed("keyId is empty"));
    }
    let signature = signature.ok_or_else(|| malformed("signature missing"))?;
    if signature.is_empty() {
        return Err(malformed("signature is empty"));
    }
    let headers = headers.unwrap_or_else(|| vec!["date".to_owned()]);
    if headers.is_empty() {
        return Err(malformed("headers parameter is empty"));
    }
    if headers.len() > MAX_COVERED_COMPONENTS {
        return Err(malformed("headers parameter lists too many headers"));
    }
    Ok(SignatureParams {
        key_id,
        algorithm,
        headers,
        signature,
        created,
        expires,
    })
}

/// Finds the draft-cavage signature in `Signature`, else in
/// `Authorization: Signature …`.
fn signature_field(headers: &HeaderMap) -> Result<String, SignatureError> {
    if let Some(value) = combined_field_str(headers, "signature")? {
        return Ok(value);
    }
    if let Some(value) = combined_field_str(headers, "authorization")? {
        let trimmed = value.trim_start();
        if let (Some(scheme), Some(rest)) = (trimmed.get(..10), trimmed.get(10..))
            && scheme.eq_ignore_ascii_case("signature ")
        {
            return Ok(rest.to_owned());
        }
    }
    Err(SignatureError::Missing)
}

fn algorithm_choice(algorithm: Option<&str>) -> Result<AlgorithmChoice, SignatureError> {
    Ok(match algorithm {
        None | Some("hs2019") => AlgorithmChoice::FromKey,
        Some("rsa-sha256") => AlgorithmChoice::Named(SignatureAlgorithm::RsaPkcs1Sha256),
        Some("rsa-sha512") => AlgorithmChoice::Named(SignatureAlgorithm::RsaPkcs1Sha512),
        Some("ed25519") => AlgorithmChoice::Named(SignatureAlgorithm::Ed25519),
        Some(other) => return Err(SignatureError::UnsupportedAlgorithm(other.to_owned())),
    })
}

/// Reads the request's draft-cavage signature: header syntax and algorithm.
pub(crate) fn read(request: &Request<'_>) -> Result<Candidate<Cavage>, SignatureError> {
    let params = parse_signature_header(&signature_field(request.headers)?)?;
    let algorithm = algorithm_choice(params.algorithm.as_deref())?;
    let candidate = Candidate {
        key_id: params.key_id,
        label: None,
        algorithm,
        covered: params.headers,
        created: params.created,
        expires: params.expires,
        signature: params.signature,
        rest: Cavage,
    };
    if (candidate.covers("(created)") || candidate.covers("(expires)"))
        && matches!(algorithm, AlgorithmChoice::Named(_))
    {
        // The draft forbids these with the legacy algorithm names.
        return Err(malformed(
            "(created)/(expires) are only allowed with algorithm hs2019",
        ));
    }
    Ok(candidate)
}

/// The draft-cavage rules of the verification flow.
///
/// Policy: the date must be signed (`date` or `(created)`) and inside the
/// window; `(request-target)` must be signed unless the body digest is
/// (Mastodon's rule); GET and HEAD must sign `host`; a request with a body
/// (and every POST) must sign `digest`, and the `Digest` header must match
/// the body. The `host` line is taken from the target URI's authority.
pub(crate) struct Cavage;

impl SchemeRules for Cavage {
    const SCHEME: Scheme = Scheme::Cavage;
    const DIGEST_FIELD: &'static str = "digest";
    const SIGNED_TIME: &'static str = "date";

    fn verify_digest(value: &str, body: &[u8]) -> Result<(), SignatureError> {
        digest::verify_digest_header(value, body)
    }

    fn signed_at(
        candidate: &Candidate<Self>,
        request: &Request<'_>,
    ) -> Result<Option<SystemTime>, SignatureError> {
        let mut signed_at = None;
        if candidate.covers("(created)") {
            let created = candidate
                .created
                .ok_or_else(|| malformed("(created) signed but created missing"))?;
            request.policy.check_time(created, request.now)?;
            signed_at = from_unix_seconds(created);
        }
        if candidate.covers("date") {
            let date = combined_field_str(request.headers, "date")?
                .ok_or_else(|| malformed("signed header date is absent"))?;
            let when: SystemTime = httpdate::parse_http_date(&date)
                .map_err(|_| malformed(format!("unparseable Date {date:?}")))?;
            request.policy.check_time(unix_seconds(when), request.now)?;
            signed_at = signed_at.or(Some(when));
        }
        Ok(signed_at)
    }

    fn check_coverage(
        candidate: &Candidate<Self>,
        request: &Request<'_>,
        body_digest_checked: bool,
    ) -> Result<(), SignatureError> {
        if !candidate.covers("(request-target)") && !body_digest_checked {
            return Err(SignatureError::HeaderNotSigned("(request-target)"));
        }
        if matches!(*request.method, Method::GET | Method::HEAD) && !candidate.covers("host") {
            return Err(SignatureError::HeaderNotSigned("host"));
        }
        Ok(())
    }

    /// The draft-cavage signing string over the signed headers.
    fn signing_base(
        candidate: &Candidate<Self>,
        request: &Request<'_>,
    ) -> Result<Vec<u8>, SignatureError> {
        let mut out = Vec::with_capacity(256);
        for (i, name) in candidate.covered.iter().enumerate() {
            if i > 0 {
                out.push(b'\n');
            }
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            match name.as_str() {
                "(request-target)" => {
                    out.extend_from_slice(request.method.as_str().to_ascii_lowercase().as_bytes());
                    out.push(b' ');
                    out.extend_from_slice(path_and_query(request.target_uri).as_bytes());
                }
                "(created)" => {
                    let created = candidate
                        .created
                        .ok_or_else(|| malformed("(created) signed but created missing"))?;
                    out.extend_from_slice(created.to_string().as_bytes());
                }
                "(expires)" => {
                    let expires = candidate
                        .expires
                        .ok_or_else(|| malformed("(expires) signed but expires missing"))?;
                    out.extend_from_slice(expires.to_string().as_bytes());
                }
                "host" => out.extend_from_slice(authority(request.target_uri)?.as_bytes()),
                header => {
                    let value = combined_field(request.headers, header)
                        .ok_or_else(|| malformed(format!("signed header {header} is absent")))?;
                    out.extend_from_slice(&value);
                }
            }
        }
        Ok(out)
    }
}

/// The headers to add to an outgoing request signed with [`sign_request`].
#[derive(Clone, Debug)]
pub struct SignedHeaders {
    /// `Host`.
    pub host: HeaderValue,
    /// `Date`, RFC 1123 format.
    pub date: HeaderValue,
    /// `Digest: SHA-256=…`, when the request has a body.
    pub digest: Option<HeaderValue>,
    /// `Signature: keyId=…,algorithm=…,headers=…,signature=…`.
    pub signature: HeaderValue,
}

impl SignedHeaders {
    /// The headers as (name, value) pairs.
    pub fn pairs(&self) -> Vec<(HeaderName, HeaderValue)> {
        let mut out = vec![(HOST, self.host.clone()), (DATE, self.date.clone())];
        if let Some(digest) = &self.digest {
            out.push((HeaderName::from_static("digest"), digest.clone()));
        }
        out.push((HeaderName::from_static("signature"), self.signature.clone()));
        out
    }

    /// Inserts the headers into `headers`, replacing any existing values.
    pub fn apply_to(&self, headers: &mut HeaderMap) {
        for (name, value) in self.pairs() {
            headers.insert(name, value);
        }
    }
}

fn header_value(text: &str) -> Result<HeaderValue, SignatureError> {
    HeaderValue::from_str(text)
        .map_err(|_| malformed(format!("not a valid header value: {text:?}")))
}

/// Signs an outgoing request the way Mastodon expects.
///
/// Signs `(request-target) host date digest` when there is a body (a POST
/// always gets a `Digest`, of the empty body if `body` is `None`), else
/// `(request-target) host date`, with `algorithm="rsa-sha256"`.
pub fn sign_request(
    method: &Method,
    url: &Url,
    body: Option<&[u8]>,
    key_id: &str,
    key: &PrivateKey,
    now: SystemTime,
) -> Result<SignedHeaders, SignatureError> {
    if key_id.is_empty()
        || key_id
            .chars()
            .any(|c| c == '"' || c == '\\' || !c.is_ascii_graphic())
    {
        return Err(malformed(format!("keyId {key_id:?} cannot be quoted")));
    }
    let host = authority(url)?;
    let date = httpdate::fmt_http_date(now);
    let body = match (body, method) {
        (Some(b), _) => Some(b),
        (None, &Method::POST) => Some(&[][..]),
        (None, _) => None,
    };
    let digest = body.map(digest::digest_header_value);

    let mut signing = format!(
        "(request-target): {} {}\nhost: {host}\ndate: {date}",
        method.as_str().to_ascii_lowercase(),
        path_and_query(url)
    );
    let mut covered = String::from("(request-target) host date");
    if let Some(d) = &digest {
        signing.push_str("\ndigest: ");
        signing.push_str(d);
        covered.push_str(" digest");
    }
    let signature = b64_encode(&key.sign_rsa_sha256(signing.as_bytes())?);
    let signature_header = format!(
        "keyId=\"{key_id}\",algorithm=\"rsa-sha256\",headers=\"{covered}\",signature=\"{signature}\""
    );
    Ok(SignedHeaders {
        host: header_value(&host)?,
        date: header_value(&date)?,
        digest: digest.as_deref().map(header_value).transpose()?,
        signature: header_value(&signature_header)?,
    })
}

#[cfg(test)]
mod tests;
