//! RFC 9421 HTTP Message Signatures, for requests.
//!
//! Supported derived components: `@method`, `@target-uri`, `@authority`,
//! `@scheme`, `@request-target`, `@path`, `@query`; plus any header field by
//! its lowercase name, without component parameters. Supported algorithms:
//! `rsa-v1_5-sha256`, `rsa-pss-sha512`, `ecdsa-p256-sha256`, `ed25519`.

use std::time::SystemTime;

use http::{HeaderMap, HeaderName, HeaderValue, Method};
use url::Url;

use sfv::{
    BareItem, DictSerializer, Dictionary, InnerList, Integer, Item, ItemSerializer, Key, ListEntry,
    ListSerializer, Parameters, StringRef, key_ref,
};

use super::keys::{PrivateKey, SignatureAlgorithm};
use super::verify::{Candidate, Request, SchemeRules};
use super::{
    AlgorithmChoice, MAX_COVERED_COMPONENTS, Scheme, SignatureError, authority, combined_field,
    combined_field_str, digest, from_unix_seconds, parse_dictionary, path_and_query, unix_seconds,
};

fn malformed(why: impl Into<String>) -> SignatureError {
    SignatureError::Malformed(why.into())
}

/// The signature metadata parameters of one signature.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct SigParams {
    created: Option<i64>,
    expires: Option<i64>,
    keyid: Option<String>,
    alg: Option<String>,
    nonce: Option<String>,
    tag: Option<String>,
}

fn read_params(list: &InnerList) -> Result<SigParams, SignatureError> {
    let mut out = SigParams::default();
    for (name, value) in &list.params {
        let int = || match value {
            BareItem::Integer(i) => Ok(i64::from(*i)),
            _ => Err(malformed(format!(
                "signature parameter {name} must be an integer"
            ))),
        };
        let string = || match value {
            BareItem::String(s) => Ok(s.as_str().to_owned()),
            _ => Err(malformed(format!(
                "signature parameter {name} must be a string"
            ))),
        };
        match name.as_str() {
            "created" => out.created = Some(int()?),
            "expires" => out.expires = Some(int()?),
            "keyid" => out.keyid = Some(string()?),
            "alg" => out.alg = Some(string()?),
            "nonce" => out.nonce = Some(string()?),
            "tag" => out.tag = Some(string()?),
            // Parameters from future registrations do not change the base.
            _ => {}
        }
    }
    Ok(out)
}

/// Resolves one covered component to its value.
fn component_value(
    name: &str,
    method: &Method,
    target_uri: &Url,
    headers: &HeaderMap,
) -> Result<Vec<u8>, SignatureError> {
    Ok(match name {
        "@method" => method.as_str().as_bytes().to_vec(),
        "@target-uri" => {
            let mut uri = target_uri.clone();
            uri.set_fragment(None);
            uri.as_str().as_bytes().to_vec()
        }
        "@authority" => authority(target_uri)?.into_bytes(),
        "@scheme" => target_uri.scheme().to_ascii_lowercase().into_bytes(),
        "@request-target" => path_and_query(target_uri).into_bytes(),
        "@path" => {
            let path = target_uri.path();
            if path.is_empty() { "/" } else { path }.as_bytes().to_vec()
        }
        "@query" => format!("?{}", target_uri.query().unwrap_or("")).into_bytes(),
        derived if derived.starts_with('@') => {
            return Err(malformed(format!(
                "unsupported derived component {derived}"
            )));
        }
        field => {
            if field.bytes().any(|b| b.is_ascii_uppercase()) {
                return Err(malformed(format!("component {field} is not lowercase")));
            }
            combined_field(headers, field)
                .ok_or_else(|| malformed(format!("covered field {field} is absent")))?
        }
    })
}

/// Checks the covered component list and returns the names in order.
fn component_names(list: &InnerList) -> Result<Vec<String>, SignatureError> {
    if list.items.len() > MAX_COVERED_COMPONENTS {
        return Err(malformed("too many covered components"));
    }
    let mut names: Vec<String> = Vec::with_capacity(list.items.len());
    for item in &list.items {
        let BareItem::String(name) = &item.bare_item else {
            return Err(malformed("component identifier is not a string"));
        };
        let name = name.as_str();
        if !item.params.is_empty() {
            return Err(malformed(format!(
                "component parameters on {name} are not supported"
            )));
        }
        if name == "@signature-params" {
            return Err(malformed("@signature-params cannot be covered"));
        }
        if names.iter().any(|n| n == name) {
            return Err(malformed(format!("component {name} covered twice")));
        }
        names.push(name.to_owned());
    }
    Ok(names)
}

/// Builds the signature base (RFC 9421 §2.5). `names` are the component
/// names of `list`'s items, as [`component_names`] returned them.
fn signature_base(
    names: &[String],
    list: &InnerList,
    method: &Method,
    target_uri: &Url,
    headers: &HeaderMap,
) -> Result<Vec<u8>, SignatureError> {
    let mut base = Vec::with_capacity(512);
    let mut identifier = String::new();
    for (name, item) in names.iter().zip(&list.items) {
        let value = component_value(name, method, target_uri, headers)?;
        if value.iter().any(|&b| b == b'\n' || b == b'\r') {
            return Err(malformed(format!("component {name} contains a line break")));
        }
        // The component identifier, serialized: the quoted name and its parameters.
        identifier.clear();
        ItemSerializer::with_buffer(&mut identifier)
            .bare_item(&item.bare_item)
            .parameters(&item.params);
        base.extend_from_slice(identifier.as_bytes());
        base.extend_from_slice(b": ");
        base.extend_from_slice(&value);
        base.push(b'\n');
    }
    base.extend_from_slice(b"\"@signature-params\": ");
    base.extend_from_slice(serialize_inner_list(list).as_bytes());
    Ok(base)
}

/// An Inner List with its parameters, serialized as RFC 8941 §4.1.1.1 says
/// (the `@signature-params` value).
fn serialize_inner_list(list: &InnerList) -> String {
    let mut out = ListSerializer::new();
    let mut inner = out.inner_list();
    inner.items(&list.items);
    inner.finish().parameters(&list.params);
    out.finish().unwrap_or_default()
}

/// A request's `Signature-Input` and `Signature` fields, parsed.
pub(crate) struct Fields {
    inputs: Dictionary,
    signatures: Dictionary,
}

impl Fields {
    /// Parses both fields (all their field lines combined).
    pub(crate) fn read(request: &Request<'_>) -> Result<Self, SignatureError> {
        let input = combined_field_str(request.headers, "signature-input")?
            .ok_or(SignatureError::Missing)?;
        let signature = combined_field_str(request.headers, "signature")?
            .ok_or_else(|| malformed("Signature-Input without Signature"))?;
        Ok(Self {
            inputs: parse_dictionary("Signature-Input", &input)?,
            signatures: parse_dictionary("Signature", &signature)?,
        })
    }

    /// One candidate per label, in `Signature-Input` order, each read only
    /// when the iterator reaches it.
    pub(crate) fn candidates(
        &self,
    ) -> impl Iterator<Item = (&str, Result<Candidate<Rfc9421<'_>>, SignatureError>)> {
        self.inputs
            .iter()
            .map(|(label, member)| (label.as_str(), self.candidate(label.as_str(), member)))
    }

    /// Reads one labelled signature: its covered components, parameters and
    /// signature bytes.
    fn candidate<'a>(
        &'a self,
        label: &str,
        member: &'a ListEntry,
    ) -> Result<Candidate<Rfc9421<'a>>, SignatureError> {
        let ListEntry::InnerList(list) = member else {
            return Err(malformed(format!(
                "Signature-Input {label} is not an inner list"
            )));
        };
        let signature = match self.signatures.get(label) {
            Some(ListEntry::Item(Item {
                bare_item: BareItem::ByteSequence(bytes),
                ..
            })) if !bytes.is_empty() => bytes.clone(),
            Some(_) => {
                return Err(malformed(format!(
                    "Signature {label} is not a byte sequence"
                )));
            }
            None => return Err(malformed(format!("no Signature for label {label}"))),
        };
        let params = read_params(list)?;
        let algorithm = match params.alg.as_deref() {
            None => AlgorithmChoice::FromKey,
            Some(name) => AlgorithmChoice::Named(
                SignatureAlgorithm::from_rfc9421_name(name)
                    .ok_or_else(|| SignatureError::UnsupportedAlgorithm(name.to_owned()))?,
            ),
        };
        let covered = component_names(list)?;
        let key_id = params
            .keyid
            .filter(|k| !k.is_empty())
            .ok_or_else(|| malformed(format!("signature {label} has no keyid")))?;
        Ok(Candidate {
            key_id,
            label: Some(label.to_owned()),
            algorithm,
            covered,
            created: params.created,
            expires: params.expires,
            signature,
            rest: Rfc9421 { list },
        })
    }
}

/// The RFC 9421 rules of the verification flow, with the signature's entry
/// of `Signature-Input` (for the `@signature-params` line).
///
/// Policy: `created` is required and must be inside the window, `expires`
/// must not have passed; `@method` and `@target-uri` (or `@authority` with
/// `@path` or `@request-target`) must be covered; a request with a body
/// (and every POST) must cover `content-digest`, which must match the body.
pub(crate) struct Rfc9421<'a> {
    list: &'a InnerList,
}

impl SchemeRules for Rfc9421<'_> {
    const SCHEME: Scheme = Scheme::Rfc9421;
    const DIGEST_FIELD: &'static str = "content-digest";
    const SIGNED_TIME: &'static str = "created";

    fn verify_digest(value: &str, body: &[u8]) -> Result<(), SignatureError> {
        digest::verify_content_digest(value, body)
    }

    fn signed_at(
        candidate: &Candidate<Self>,
        request: &Request<'_>,
    ) -> Result<Option<SystemTime>, SignatureError> {
        let Some(created) = candidate.created else {
            return Ok(None);
        };
        request.policy.check_time(created, request.now)?;
        Ok(from_unix_seconds(created))
    }

    fn check_coverage(
        candidate: &Candidate<Self>,
        _request: &Request<'_>,
        _body_digest_checked: bool,
    ) -> Result<(), SignatureError> {
        let covers = |name: &str| candidate.covers(name);
        if !covers("@method") {
            return Err(SignatureError::HeaderNotSigned("@method"));
        }
        let has_target = covers("@target-uri")
            || (covers("@authority") && (covers("@path") || covers("@request-target")));
        if !has_target {
            return Err(SignatureError::HeaderNotSigned("@target-uri"));
        }
        Ok(())
    }

    fn signing_base(
        candidate: &Candidate<Self>,
        request: &Request<'_>,
    ) -> Result<Vec<u8>, SignatureError> {
        signature_base(
            &candidate.covered,
            candidate.rest.list,
            request.method,
            request.target_uri,
            request.headers,
        )
    }
}

/// Headers to add to an outgoing request signed with [`sign_request`].
#[derive(Clone, Debug)]
pub struct SignedHeaders {
    /// `Content-Digest: sha-256=:…:`, when the request has a body.
    pub content_digest: Option<HeaderValue>,
    /// `Signature-Input: sig1=(…);created=…;keyid="…";alg="rsa-v1_5-sha256"`.
    pub signature_input: HeaderValue,
    /// `Signature: sig1=:…:`.
    pub signature: HeaderValue,
}

impl SignedHeaders {
    /// The headers as (name, value) pairs.
    pub fn pairs(&self) -> Vec<(HeaderName, HeaderValue)> {
        let mut out = Vec::with_capacity(3);
        if let Some(d) = &self.content_digest {
            out.push((HeaderName::from_static("content-digest"), d.clone()));
        }
        out.push((
            HeaderName::from_static("signature-input"),
            self.signature_input.clone(),
        ));
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

/// The label of the signature [`sign_request`] makes.
const LABEL: &str = "sig1";

fn param(name: &str) -> Key {
    key_ref(name).to_owned()
}

/// Signs an outgoing request with `rsa-v1_5-sha256` under label `sig1`,
/// covering `@method`, `@target-uri` and, when there is a body (always for
/// POST), `content-digest`.
pub fn sign_request(
    method: &Method,
    url: &Url,
    body: Option<&[u8]>,
    key_id: &str,
    key: &PrivateKey,
    now: SystemTime,
) -> Result<SignedHeaders, SignatureError> {
    let body = match (body, method) {
        (Some(b), _) => Some(b),
        (None, &Method::POST) => Some(&[][..]),
        (None, _) => None,
    };
    let content_digest = body.map(digest::content_digest_header_value);
    let mut headers = HeaderMap::new();
    let mut names = vec!["@method".to_owned(), "@target-uri".to_owned()];
    if let Some(d) = &content_digest {
        headers.insert(
            HeaderName::from_static("content-digest"),
            HeaderValue::from_str(d).map_err(|_| malformed("content digest header"))?,
        );
        names.push("content-digest".to_owned());
    }
    if !key_id.bytes().all(|b| (0x20..=0x7e).contains(&b)) || key_id.is_empty() {
        return Err(malformed(format!(
            "keyid {key_id:?} is not printable ASCII"
        )));
    }
    let keyid = StringRef::from_str(key_id).map_err(|e| malformed(format!("keyid: {e}")))?;
    let created =
        Integer::try_from(unix_seconds(now)).map_err(|e| malformed(format!("created: {e}")))?;
    let list = InnerList::with_params(
        names
            .iter()
            .map(|n| Item::new(StringRef::constant(n).to_owned()))
            .collect(),
        Parameters::from_iter([
            (param("created"), BareItem::Integer(created)),
            (param("keyid"), BareItem::String(keyid.to_owned())),
            (
                param("alg"),
                BareItem::String(StringRef::constant("rsa-v1_5-sha256").to_owned()),
            ),
        ]),
    );
    let base = signature_base(&names, &list, method, url, &headers)?;
    let signature = key.sign_rsa_sha256(&base)?;

    let mut input = DictSerializer::new();
    let mut inner = input.inner_list(key_ref(LABEL));
    inner.items(&list.items);
    inner.finish().parameters(&list.params);
    let input = input.finish().unwrap_or_default();
    let mut sig_value = DictSerializer::new();
    sig_value.bare_item(key_ref(LABEL), signature.as_slice());
    let sig_value = sig_value.finish().unwrap_or_default();
    let value = |s: &str| HeaderValue::from_str(s).map_err(|_| malformed("header value"));
    Ok(SignedHeaders {
        content_digest: content_digest.as_deref().map(value).transpose()?,
        signature_input: value(&input)?,
        signature: value(&sig_value)?,
    })
}

#[cfg(test)]
mod tests;
