//! ActivityPub in: what other servers send to the inboxes (per actor and shared).
//!
//! The inbox is an entry point like the web forms and the command line: it checks the
//! request, then calls the same write paths they do. For each POST:
//!
//! 1. the HTTP signature is parsed and checked as far as it can be without the key
//!    (`federation::signatures`);
//! 2. the body is read as an [`Envelope`] (id, type, actor);
//! 3. a `Like` or `Announce` of one of our posts signed with a cached key goes to the
//!    batched [`intake`];
//! 4. a sender on a blocked server gets 403 before anything is fetched; otherwise the
//!    signer is found (cache, database, or a fetch through the ActivityPub crate) and must be
//!    the activity's actor, unless the activity carries an integrity proof (FEP-8b32), which
//!    must then hold with the actor's key (a forwarded activity); a proof that does not hold
//!    is refused with 401; blocked actors get 403 and an activity id seen before changes
//!    nothing;
//! 5. [`dispatch`] reads the body into the activity's wire struct (`activities/*`), and the
//!    crate's `Activity` trait runs its `verify` and then its `receive`;
//! 6. what the community relays to its followers is announced ([`relay`]).

pub mod activities;
pub mod error;
pub mod intake;
pub mod relay;
pub mod wire;

use std::time::SystemTime;

use activitypub_federation::traits::Activity;
use axum::http::{HeaderMap, Method};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::app::App;
use crate::domain::time;
use crate::federation::signatures::{self, SignatureError};
use crate::federation::{
    Data, FedData, FederationError, followers_sync, integrity, json_id, remote,
};
use crate::storage::blocks;
use crate::storage::remote::{self as stored, RemoteActor};
use crate::telemetry;
use activities::{
    Accept, Announce, Create, Delete, Dislike, Flag, Follow, Like, Move, QuoteRequest, Reject,
    Undo, Update,
};
pub use error::InboxError;

/// Largest activity accepted, in bytes.
pub const INBOX_MAX_BYTES: usize = 256 * 1024;

/// The common fields of any incoming activity, read before its type is known.
pub struct Envelope {
    pub id: String,
    pub kind: String,
    pub actor: String,
    pub raw: Value,
}

impl Envelope {
    pub fn object(&self) -> Option<&Value> {
        self.raw.get("object")
    }

    pub fn object_id(&self) -> Option<String> {
        self.object().and_then(json_id)
    }
}

/// Receives one POST to an inbox at `path` (with its query, as the signature covers it),
/// sent by `client`.
pub async fn receive(
    app: &App,
    client: std::net::IpAddr,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), InboxError> {
    let pending = read_signature(app, Method::POST, path, headers, Some(body))?;
    let envelope = parse(body)?;
    let proof = read_proof(app, &envelope, body)?;

    // Reactions signed with a cached key are stored in batches (`intake`), which also say
    // whether the community relays the vote: no query of its own per reaction.
    if proof.is_none()
        && let Some(reaction) = intake::as_reaction(app, &envelope)
        && let Some(cached) = app.fed.remote_keys.get(&pending.key_id)
        && cached.owner.as_str() == envelope.actor
        && pending.verify(&cached.key).is_ok()
        && let Some(result) = intake::receive(app, reaction).await
    {
        if result? {
            relay::vote(app, &envelope).await;
        }
        return Ok(());
    }

    // A blocked server is refused before anything is fetched from it.
    if let Some(domain) = url::Url::parse(&envelope.actor)
        .ok()
        .and_then(|u| crate::urls::instance_of(&u))
        && blocks::is_blocked(&app.db, &envelope.actor, &domain).await?
    {
        return Err(InboxError::Forbidden(format!(
            "{} is blocked here",
            envelope.actor
        )));
    }
    limit_key_fetch(app, client, &pending).await?;
    let data = app.fed.data();
    let signer = verify(app, &data, &pending).await?;
    if let Some(proof) = &proof {
        // The proof says who the activity is by, whoever delivered it (a server forwarding
        // it, say): it must hold with a key of the activity's actor.
        if !app.fed.proof_keys.knows(&proof.verification_method) {
            app.fed
                .lookups
                .may_fetch_for(client)
                .map_err(|e| InboxError::TooMany(e.to_string()))?;
        }
        integrity::remote::verify_by(app, proof, &envelope.actor)
            .await
            .map_err(|e| match e {
                FederationError::Transient(why) => InboxError::Unavailable(why),
                e => {
                    note_refusal(app, host_of(&envelope.actor), "proof");
                    InboxError::Unauthorized(format!("the activity's proof is refused: {e}"))
                }
            })?;
        // Forwarded: the actor is known by its proof only; the activities read it stored.
        if signer.uri != envelope.actor {
            let actor = url::Url::parse(&envelope.actor)
                .map_err(|_| InboxError::BadRequest("the actor is not a URL".into()))?;
            remote::actor(&data, &actor).await?;
        }
    } else if signer.uri != envelope.actor {
        return Err(InboxError::Unauthorized(format!(
            "the signer {} is not the activity's actor {}",
            signer.uri, envelope.actor
        )));
    }
    if blocks::is_blocked(&app.db, &signer.uri, &signer.domain).await? {
        return Err(InboxError::Forbidden(format!(
            "{} is blocked here",
            signer.uri
        )));
    }
    if stored::seen_activity(&app.db, &envelope.id).await? {
        return Ok(()); // a replay: already processed, nothing changes
    }
    dispatch(&data, &envelope.kind, envelope.raw.clone()).await?;
    stored::record_activity(
        &app.db,
        &envelope.id,
        &envelope.kind,
        &envelope.actor,
        time::now(),
    )
    .await?;
    relay::after(app, &envelope).await;
    // The sender's view of who here follows it (FEP-8fcf), checked in the background.
    if let Some(value) = headers
        .get(followers_sync::HEADER)
        .and_then(|v| v.to_str().ok())
    {
        followers_sync::received(app, &signer, value);
    }
    Ok(())
}

/// Verifies a signed GET of `path` (with its query) from `client` and gives the signer: for
/// documents served only to the server that asks. Unknown keys are fetched within the
/// same limits as the inbox's.
pub async fn verify_get(
    app: &App,
    client: std::net::IpAddr,
    path: &str,
    headers: &HeaderMap,
) -> Result<RemoteActor, InboxError> {
    let pending = read_signature(app, Method::GET, path, headers, None)?;
    limit_key_fetch(app, client, &pending).await?;
    let signer = verify(app, &app.fed.data(), &pending).await?;
    if blocks::is_blocked(&app.db, &signer.uri, &signer.domain).await? {
        return Err(InboxError::Forbidden(format!(
            "{} is blocked here",
            signer.uri
        )));
    }
    Ok(signer)
}

/// The signature of a request to `path` (with its query), checked as far as it can be
/// without the key.
fn read_signature(
    app: &App,
    method: Method,
    path: &str,
    headers: &HeaderMap,
    body: Option<&[u8]>,
) -> Result<signatures::PendingSignature, InboxError> {
    let target = app
        .config
        .base_url
        .join(path)
        .map_err(|_| InboxError::BadRequest("bad request target".into()))?;
    signatures::parse_request_signature(&method, &target, headers, body, SystemTime::now())
        .map_err(|e| signature_refused(app, claimed_signer(headers), e))
}

/// The host of the key a request's signature names, read loosely (the signature may be
/// malformed): `keyId="…"` (draft-cavage) or `keyid="…"` (RFC 9421).
fn claimed_signer(headers: &HeaderMap) -> Option<String> {
    ["signature", "signature-input"].iter().find_map(|name| {
        let value = headers.get(*name)?.to_str().ok()?;
        let at = value.to_ascii_lowercase().find("keyid=\"")? + "keyid=\"".len();
        let key = value[at..].split('"').next()?;
        host_of(key)
    })
}

/// `host[:port]` of a URL, if it is one.
fn host_of(url: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()
        .and_then(|u| crate::urls::instance_of(&u))
}

/// Counts a refused signature: in the metrics, and by server for the health page.
fn note_refusal(app: &App, domain: Option<String>, reason: &'static str) {
    telemetry::metrics::signature_failure(reason);
    app.fed
        .refusals
        .note(domain.as_deref(), reason, crate::domain::time::now());
}

/// A key not known here costs a fetch from another server: only so many per client.
async fn limit_key_fetch(
    app: &App,
    client: std::net::IpAddr,
    pending: &signatures::PendingSignature,
) -> Result<(), InboxError> {
    if app.fed.remote_keys.get(&pending.key_id).is_none()
        && stored::find_remote_actor_by_key(&app.db, &pending.key_id)
            .await?
            .is_none()
    {
        app.fed
            .lookups
            .may_fetch_for(client)
            .map_err(|e| InboxError::TooMany(e.to_string()))?;
    }
    Ok(())
}

/// Every activity type Chorus acts on, and the wire struct it is read into.
async fn dispatch(data: &Data, kind: &str, raw: Value) -> Result<(), InboxError> {
    match kind {
        "Follow" => handle::<Follow>(data, raw).await,
        "Undo" => handle::<Undo>(data, raw).await,
        "Accept" => handle::<Accept>(data, raw).await,
        "Reject" => handle::<Reject>(data, raw).await,
        "Create" => handle::<Create>(data, raw).await,
        "Update" => handle::<Update>(data, raw).await,
        "Delete" => handle::<Delete>(data, raw).await,
        "Announce" => handle::<Announce>(data, raw).await,
        "Like" => handle::<Like>(data, raw).await,
        "Dislike" => handle::<Dislike>(data, raw).await,
        "Flag" => handle::<Flag>(data, raw).await,
        "QuoteRequest" => handle::<QuoteRequest>(data, raw).await,
        "Move" => handle::<Move>(data, raw).await,
        other => {
            tracing::debug!(
                kind = other,
                "ignored an activity of a type Chorus does not act on"
            );
            Ok(())
        }
    }
}

/// Reads `raw` into activity `A`, then runs the crate's `verify` and `receive` on it.
async fn handle<A>(data: &Data, raw: Value) -> Result<(), InboxError>
where
    A: Activity<DataType = FedData, Error = InboxError> + DeserializeOwned,
{
    let activity: A = serde_json::from_value(raw)
        .map_err(|e| InboxError::BadRequest(format!("the activity cannot be read: {e}")))?;
    activity.verify(data).await?;
    activity.receive(data).await
}

/// Finds the signer's key (cache, database, then a fetch) and verifies; when a known key
/// fails, fetches it once more in case the actor rotated it.
async fn verify(
    app: &App,
    data: &Data,
    pending: &signatures::PendingSignature,
) -> Result<RemoteActor, InboxError> {
    let signer = || host_of(&pending.key_id);
    let unauthorized = |e: FederationError| match e {
        FederationError::Transient(why) => InboxError::Unavailable(why),
        FederationError::Invalid(why) | FederationError::Refused(why) => {
            note_refusal(app, signer(), "key_unavailable");
            InboxError::Unauthorized(format!("cannot get the signing key: {why}"))
        }
        e => InboxError::Internal(e.to_string()),
    };
    let (actor, key) = remote::actor_by_key(data, &pending.key_id, false)
        .await
        .map_err(unauthorized)?;
    match pending.verify(&key) {
        Ok(()) => {
            remote::remember_key(app, &actor, &key);
            Ok(actor)
        }
        Err(SignatureError::BadSignature) => {
            let (actor, key) = remote::actor_by_key(data, &pending.key_id, true)
                .await
                .map_err(unauthorized)?;
            pending
                .verify(&key)
                .map_err(|e| signature_refused(app, signer(), e))?;
            remote::remember_key(app, &actor, &key);
            Ok(actor)
        }
        Err(e) => Err(signature_refused(app, signer(), e)),
    }
}

/// A request refused for its signature: 401, counted by server and reason.
fn signature_refused(app: &App, domain: Option<String>, e: SignatureError) -> InboxError {
    note_refusal(app, domain, e.reason());
    InboxError::Unauthorized(e.to_string())
}

/// The activity's integrity proof (FEP-8b32), if it has one this server checks. A proof with
/// another cryptosuite or type is ignored (the HTTP signature must then name the actor); a
/// malformed `eddsa-jcs-2022` proof is refused.
fn read_proof(
    app: &App,
    envelope: &Envelope,
    body: &[u8],
) -> Result<Option<integrity::Proof>, InboxError> {
    if envelope.raw.get("proof").is_none() {
        return Ok(None);
    }
    // The proof covers the body as sent, before the envelope wrote its type and actor back.
    let sent: Value = serde_json::from_slice(body)
        .map_err(|e| InboxError::BadRequest(format!("malformed JSON: {e}")))?;
    match integrity::read(&sent) {
        Ok(proof) => Ok(proof),
        Err(integrity::ProofError::Unsupported(why)) => {
            tracing::debug!(activity = %envelope.id, %why, "ignored a proof of a kind not checked here");
            Ok(None)
        }
        Err(e) => {
            note_refusal(app, host_of(&envelope.actor), "proof");
            Err(InboxError::Unauthorized(format!(
                "the activity's proof is refused: {e}"
            )))
        }
    }
}

/// Reads the envelope, and writes its type and actor back as plain strings (JSON-LD allows a
/// list of types and an embedded actor) so that the wire structs read them simply.
fn parse(body: &[u8]) -> Result<Envelope, InboxError> {
    let mut raw: Value = serde_json::from_slice(body)
        .map_err(|e| InboxError::BadRequest(format!("malformed JSON: {e}")))?;
    if !raw.is_object() {
        return Err(InboxError::BadRequest(
            "an activity must be a JSON object".into(),
        ));
    }
    let id = raw
        .get("id")
        .and_then(Value::as_str)
        .filter(|s| s.starts_with("http"))
        .map(str::to_owned);
    let id = id.ok_or_else(|| InboxError::BadRequest("the activity has no id".into()))?;
    let kind = wire::kind_of(&raw).to_owned();
    if kind.is_empty() {
        return Err(InboxError::BadRequest("the activity has no type".into()));
    }
    let actor = raw
        .get("actor")
        .and_then(json_id)
        .ok_or_else(|| InboxError::BadRequest("the activity has no actor".into()))?;
    raw["type"] = Value::String(kind.clone());
    raw["actor"] = Value::String(actor.clone());
    Ok(Envelope {
        id,
        kind,
        actor,
        raw,
    })
}
