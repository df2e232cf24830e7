//! The key of an incoming proof: the Multikey its `verificationMethod` names, listed in the
//! `assertionMethod` of the actor the activity is by (FEP-521a), on that actor's own server.
//! Keys are kept parsed in memory and fetched again once when a cached one fails (rotation).

use std::sync::Arc;

use serde_json::Value;
use url::Url;

use super::{Proof, ProofError, parse_public_multibase};
use crate::app::App;
use crate::federation::client::ClientError;
use crate::federation::error::FederationError;
use crate::federation::{json_id, keys};

/// Proof keys kept parsed.
pub const PROOF_KEY_CACHE_SIZE: usize = 10_000;

/// Parsed Ed25519 keys by verification method id, with the actor that controls each.
#[derive(Clone)]
pub struct ProofKeys(Arc<quick_cache::sync::Cache<String, ([u8; 32], String)>>);

impl Default for ProofKeys {
    fn default() -> Self {
        ProofKeys(Arc::new(quick_cache::sync::Cache::new(
            PROOF_KEY_CACHE_SIZE,
        )))
    }
}

impl ProofKeys {
    /// Whether the key `id` is kept here (checking a proof by it costs no fetch).
    pub fn knows(&self, id: &str) -> bool {
        self.0.get(id).is_some()
    }
}

/// Checks that `proof` was made by `actor`'s key: its verification method is on the actor's
/// server, is one of the actor's `assertionMethod` Multikeys, and the signature holds.
/// `Invalid` when it does not (or the key cannot be found), `Transient` when the actor's
/// server could not be asked.
pub async fn verify_by(app: &App, proof: &Proof, actor: &str) -> Result<(), FederationError> {
    let invalid = |why: String| FederationError::Invalid(why);
    let method = Url::parse(&proof.verification_method)
        .map_err(|_| invalid("the proof's verificationMethod is not a URL".into()))?;
    let owner = Url::parse(actor).map_err(|_| invalid("the actor is not a URL".into()))?;
    if method.origin() != owner.origin() {
        return Err(invalid(format!(
            "the proof's key {method} is not on the actor's server"
        )));
    }
    let id = proof.verification_method.as_str();
    if let Some((key, controller)) = app.fed.proof_keys.0.get(id)
        && controller == actor
        && proof.verify(&key).is_ok()
    {
        return Ok(());
    }
    let key = fetch_key(app, &method, actor).await?;
    app.fed
        .proof_keys
        .0
        .insert(id.to_owned(), (key, actor.to_owned()));
    proof.verify(&key).map_err(|e| match e {
        ProofError::BadSignature => invalid(format!("the proof does not verify with {id}")),
        other => invalid(other.to_string()),
    })
}

/// Fetches the document of `method` (the actor, for a `#fragment` key) and finds the key.
async fn fetch_key(app: &App, method: &Url, actor: &str) -> Result<[u8; 32], FederationError> {
    let mut document_url = method.clone();
    document_url.set_fragment(None);
    let signer = keys::instance_signer(app).await?;
    let document = app
        .fed
        .client
        .fetch_json(&document_url, Some(signer.as_ref()))
        .await
        .map_err(|e| match e {
            e if e.is_transient() => FederationError::Transient(e.to_string()),
            ClientError::Refused(why) => FederationError::Refused(why),
            e => FederationError::Invalid(format!("cannot fetch the proof's key: {e}")),
        })?;
    find_key(&document, method.as_str(), actor).map_err(|e| FederationError::Invalid(e.to_string()))
}

/// The raw key of Multikey `id` controlled by `actor` in `document`: the actor itself
/// (listing it in `assertionMethod`) or the Multikey document.
pub fn find_key(document: &Value, id: &str, actor: &str) -> Result<[u8; 32], ProofError> {
    let doc_id = document.get("id").and_then(Value::as_str);
    let entry = if doc_id == Some(id) {
        document
    } else if doc_id == Some(actor) {
        let listed = match document.get("assertionMethod") {
            Some(Value::Array(list)) => list.iter().collect::<Vec<_>>(),
            Some(one) => vec![one],
            None => Vec::new(),
        };
        listed
            .into_iter()
            .find(|m| m.get("id").and_then(Value::as_str) == Some(id))
            .ok_or_else(|| ProofError::Key(format!("{actor} lists no assertionMethod {id}")))?
    } else {
        return Err(ProofError::Key(format!(
            "the document at {id} is neither the key nor its actor"
        )));
    };
    let is_multikey = match entry.get("type") {
        Some(Value::String(t)) => t == "Multikey",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "Multikey"),
        _ => false,
    };
    if !is_multikey {
        return Err(ProofError::Key(format!("{id} is not a Multikey")));
    }
    let controller = entry
        .get("controller")
        .and_then(json_id)
        .or_else(|| doc_id.filter(|d| *d == actor).map(str::to_owned));
    if controller.as_deref() != Some(actor) {
        return Err(ProofError::Key(format!(
            "{id} is not controlled by {actor}"
        )));
    }
    let multibase = entry
        .get("publicKeyMultibase")
        .and_then(Value::as_str)
        .ok_or_else(|| ProofError::Key(format!("{id} has no publicKeyMultibase")))?;
    parse_public_multibase(multibase)
}
