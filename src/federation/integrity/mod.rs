//! Object integrity proofs (FEP-8b32) with the `eddsa-jcs-2022` cryptosuite, and Ed25519 keys
//! as Multikeys (FEP-521a).
//!
//! A proof signs a JSON document by itself, apart from the HTTP request that carries it:
//! the document without `proof` and the proof's options (with the document's `@context`) are
//! each canonicalized with JCS (RFC 8785), hashed with SHA-256, and the two hashes, options
//! first, are signed with Ed25519; `proofValue` is the signature in base58btc multibase.
//! Outgoing activities carry one ([`attach`]); [`verify`] checks one with the public key of
//! its `verificationMethod` (see [`remote`] for finding that key).

use aws_lc_rs::digest::{SHA256, digest};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value};

pub mod remote;

/// The cryptosuite of every proof made and checked here.
pub const CRYPTOSUITE: &str = "eddsa-jcs-2022";
/// The proof type.
pub const PROOF_TYPE: &str = "DataIntegrityProof";
/// The purpose of an activity's proof, and the actor property listing its key.
pub const PROOF_PURPOSE: &str = "assertionMethod";
/// The multicodec prefix of an Ed25519 public key (`0xed` as a varint).
const ED25519_PUB: [u8; 2] = [0xed, 0x01];
/// The multicodec prefix of an Ed25519 private key (`0x1300` as a varint).
const ED25519_PRIV: [u8; 2] = [0x80, 0x26];
/// The `@context` entries that define `assertionMethod`, `Multikey` and `proof`.
pub const DATA_INTEGRITY_CONTEXT: &str = "https://w3id.org/security/data-integrity/v1";
pub const MULTIKEY_CONTEXT: &str = "https://w3id.org/security/multikey/v1";

/// Why a proof could not be made or does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("malformed proof: {0}")]
    Malformed(String),
    #[error("unsupported proof: {0}")]
    Unsupported(String),
    #[error("the proof does not verify")]
    BadSignature,
    #[error("unusable key: {0}")]
    Key(String),
}

fn malformed(why: impl Into<String>) -> ProofError {
    ProofError::Malformed(why.into())
}

/// An Ed25519 key pair, newly made: PKCS#8 PEM and the public key's multibase.
pub fn generate() -> Result<(String, String), ProofError> {
    let document = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
        .map_err(|_| ProofError::Key("cannot generate an Ed25519 key".into()))?;
    let pair = Ed25519KeyPair::from_pkcs8(document.as_ref())
        .map_err(|e| ProofError::Key(e.to_string()))?;
    let pem = pem::encode(&pem::Pem::new("PRIVATE KEY", document.as_ref().to_vec()));
    Ok((pem, public_multibase(&pair)))
}

/// Reads a PKCS#8 PEM Ed25519 private key.
pub fn key_from_pem(text: &str) -> Result<Ed25519KeyPair, ProofError> {
    let parsed = pem::parse(text).map_err(|e| ProofError::Key(e.to_string()))?;
    Ed25519KeyPair::from_pkcs8(parsed.contents()).map_err(|e| ProofError::Key(e.to_string()))
}

/// Reads an Ed25519 private key given as a Multikey `secretKeyMultibase` (the 32-byte seed).
pub fn key_from_secret_multibase(text: &str) -> Result<Ed25519KeyPair, ProofError> {
    let bytes = decode_multibase(text)?;
    let seed = bytes
        .strip_prefix(&ED25519_PRIV[..])
        .filter(|s| s.len() == 32)
        .ok_or_else(|| ProofError::Key("not an Ed25519 secret key".into()))?;
    Ed25519KeyPair::from_seed_unchecked(seed).map_err(|e| ProofError::Key(e.to_string()))
}

/// The Multikey `publicKeyMultibase` of a key pair: `z` + base58btc(0xed01 + the raw key).
pub fn public_multibase(pair: &Ed25519KeyPair) -> String {
    let mut bytes = ED25519_PUB.to_vec();
    bytes.extend_from_slice(pair.public_key().as_ref());
    format!("z{}", bs58::encode(bytes).into_string())
}

/// The raw Ed25519 public key of a `publicKeyMultibase`.
pub fn parse_public_multibase(text: &str) -> Result<[u8; 32], ProofError> {
    let bytes = decode_multibase(text)?;
    bytes
        .strip_prefix(&ED25519_PUB[..])
        .and_then(|k| <[u8; 32]>::try_from(k).ok())
        .ok_or_else(|| ProofError::Key("not an Ed25519 Multikey".into()))
}

fn decode_multibase(text: &str) -> Result<Vec<u8>, ProofError> {
    let encoded = text
        .strip_prefix('z')
        .ok_or_else(|| ProofError::Key("multibase value is not base58btc".into()))?;
    bs58::decode(encoded)
        .into_vec()
        .map_err(|e| ProofError::Key(format!("bad base58btc: {e}")))
}

/// The Multikey object an actor lists in `assertionMethod`.
pub fn multikey(id: &str, controller: &str, public_multibase: &str) -> Value {
    serde_json::json!({
        "id": id,
        "type": "Multikey",
        "controller": controller,
        "publicKeyMultibase": public_multibase,
    })
}

fn jcs(value: &Value) -> Result<Vec<u8>, ProofError> {
    serde_jcs::to_vec(value).map_err(|e| malformed(format!("cannot canonicalize: {e}")))
}

/// SHA-256 of the canonical options followed by SHA-256 of the canonical document.
fn hash_data(options: &Value, document: &Value) -> Result<Vec<u8>, ProofError> {
    let mut out = digest(&SHA256, &jcs(options)?).as_ref().to_vec();
    out.extend_from_slice(digest(&SHA256, &jcs(document)?).as_ref());
    Ok(out)
}

/// `document` with a proof by `pair`, whose public key is at `verification_method`, made at
/// `created` (whole seconds). A proof the document had is replaced.
pub fn attach(
    document: &Value,
    pair: &Ed25519KeyPair,
    verification_method: &str,
    created: DateTime<Utc>,
) -> Result<Value, ProofError> {
    let Value::Object(fields) = document else {
        return Err(malformed("only a JSON object can carry a proof"));
    };
    let mut unsecured = fields.clone();
    unsecured.remove("proof");
    let mut options = Map::new();
    if let Some(context) = unsecured.get("@context") {
        options.insert("@context".into(), context.clone());
    }
    options.insert("type".into(), PROOF_TYPE.into());
    options.insert("cryptosuite".into(), CRYPTOSUITE.into());
    options.insert("verificationMethod".into(), verification_method.into());
    options.insert("proofPurpose".into(), PROOF_PURPOSE.into());
    options.insert(
        "created".into(),
        created.to_rfc3339_opts(SecondsFormat::Secs, true).into(),
    );
    let mut proof = Value::Object(options);
    let unsecured = Value::Object(unsecured);
    let signature = pair.sign(&hash_data(&proof, &unsecured)?);
    proof["proofValue"] = format!("z{}", bs58::encode(signature.as_ref()).into_string()).into();
    let mut secured = unsecured;
    secured["proof"] = proof;
    Ok(secured)
}

/// A document's proof, read: what [`verify`] needs and who must own the key.
#[derive(Debug, Clone)]
pub struct Proof {
    /// The key's id (`verificationMethod`).
    pub verification_method: String,
    options: Value,
    signature: Vec<u8>,
    unsecured: Value,
}

/// Reads the proof of `document`: `None` when it has none; an error when it has one this
/// server cannot check or that is malformed (several proofs, another cryptosuite or purpose).
pub fn read(document: &Value) -> Result<Option<Proof>, ProofError> {
    let Some(proof) = document.get("proof") else {
        return Ok(None);
    };
    let proof = match proof {
        Value::Array(list) if list.len() == 1 => &list[0],
        Value::Array(_) => return Err(ProofError::Unsupported("more than one proof".into())),
        other => other,
    };
    let Value::Object(fields) = proof else {
        return Err(malformed("proof is not an object"));
    };
    let text = |name: &str| {
        fields
            .get(name)
            .and_then(Value::as_str)
            .ok_or_else(|| malformed(format!("proof has no {name}")))
    };
    if text("type")? != PROOF_TYPE {
        return Err(ProofError::Unsupported(format!(
            "proof type {}",
            text("type")?
        )));
    }
    if text("cryptosuite")? != CRYPTOSUITE {
        return Err(ProofError::Unsupported(format!(
            "cryptosuite {}",
            text("cryptosuite")?
        )));
    }
    if text("proofPurpose")? != PROOF_PURPOSE {
        return Err(ProofError::Unsupported(format!(
            "proof purpose {}",
            text("proofPurpose")?
        )));
    }
    if let Some(expires) = fields.get("expires").and_then(Value::as_str) {
        let expires = DateTime::parse_from_rfc3339(expires)
            .map_err(|_| malformed("proof expiry is not a date"))?;
        if expires < Utc::now() {
            return Err(ProofError::Unsupported("the proof has expired".into()));
        }
    }
    let verification_method = text("verificationMethod")?.to_owned();
    let signature = text("proofValue")?
        .strip_prefix('z')
        .ok_or_else(|| malformed("proofValue is not base58btc"))
        .and_then(|v| {
            bs58::decode(v)
                .into_vec()
                .map_err(|_| malformed("proofValue is not base58btc"))
        })?;
    let Value::Object(document) = document else {
        return Err(malformed("only a JSON object can carry a proof"));
    };
    let mut unsecured = document.clone();
    unsecured.remove("proof");
    // A linked data signature (Mastodon's `RsaSignature2017`, which Fedify adds after the
    // proof) is not covered by the proof and is removed first, as FEP-8b32 says.
    if unsecured.get("signature").is_some_and(Value::is_object) {
        unsecured.remove("signature");
    }
    let mut options = fields.clone();
    options.remove("proofValue");
    match (options.get("@context"), unsecured.get("@context")) {
        // The spec's rule: the document's context begins with the proof's, which it is read in.
        (Some(proof_context), Some(doc_context)) => {
            let list = |v: &Value| match v {
                Value::Array(a) => a.clone(),
                other => vec![other.clone()],
            };
            let (p, d) = (list(proof_context), list(doc_context));
            if d.len() < p.len() || d[..p.len()] != p[..] {
                return Err(malformed(
                    "the proof's @context does not begin the document's",
                ));
            }
            unsecured.insert("@context".into(), proof_context.clone());
        }
        (Some(_), None) => return Err(malformed("the proof has an @context, the document none")),
        // As Fedify signs: the options were hashed with the document's context.
        (None, Some(doc_context)) => {
            options.insert("@context".into(), doc_context.clone());
        }
        (None, None) => {}
    }
    Ok(Some(Proof {
        verification_method,
        options: Value::Object(options),
        signature,
        unsecured: Value::Object(unsecured),
    }))
}

impl Proof {
    /// Checks the proof with the raw Ed25519 public key of its verification method.
    pub fn verify(&self, public_key: &[u8; 32]) -> Result<(), ProofError> {
        let data = hash_data(&self.options, &self.unsecured)?;
        UnparsedPublicKey::new(&ED25519, public_key)
            .verify(&data, &self.signature)
            .map_err(|_| ProofError::BadSignature)
    }
}

/// Reads and checks the proof of `document` with `public_key` in one step.
pub fn verify(document: &Value, public_key: &[u8; 32]) -> Result<(), ProofError> {
    read(document)?
        .ok_or_else(|| malformed("the document has no proof"))?
        .verify(public_key)
}

#[cfg(test)]
mod tests;
