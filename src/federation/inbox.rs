//! The inboxes (per actor and shared): verify the HTTP signature, check the signer is the
//! activity's actor, refuse blocked actors and domains (403), process each activity id once,
//! dispatch by type, answer 202.
//! Anything that cannot be verified gets 401, so peers that try RFC 9421 first fall back.

use std::time::SystemTime;

use axum::body::Bytes;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::error::FederationError;
use super::remote;
use super::signatures::{self, SignatureError};
use super::{activities, intake, json_id};
use crate::app::App;
use crate::domain::time;
use crate::storage::blocks;
use crate::storage::remote::{self as stored, RemoteActor};

/// Largest activity accepted, in bytes.
pub const INBOX_MAX_BYTES: usize = 256 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum InboxError {
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("unavailable: {0}")]
    Unavailable(String),
    #[error("internal: {0}")]
    Internal(String),
}

impl From<crate::storage::StorageError> for InboxError {
    fn from(e: crate::storage::StorageError) -> Self {
        InboxError::Internal(e.to_string())
    }
}

impl From<FederationError> for InboxError {
    fn from(e: FederationError) -> Self {
        match e {
            FederationError::Invalid(why) | FederationError::Refused(why) => {
                InboxError::BadRequest(why)
            }
            FederationError::Transient(why) => InboxError::Unavailable(why),
            e => InboxError::Internal(e.to_string()),
        }
    }
}

impl From<anyhow::Error> for InboxError {
    fn from(e: anyhow::Error) -> Self {
        InboxError::Internal(format!("{e:#}"))
    }
}

impl IntoResponse for InboxError {
    fn into_response(self) -> Response {
        let status = match &self {
            InboxError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            InboxError::BadRequest(_) => StatusCode::BAD_REQUEST,
            InboxError::Forbidden(_) => StatusCode::FORBIDDEN,
            InboxError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            InboxError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(error = %self, "inbox processing failed");
        } else {
            tracing::info!(%status, reason = %self, "inbox refused an activity");
        }
        let mut r = (status, format!("{self}\n")).into_response();
        if status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Signature"),
            );
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
        }
        r
    }
}

/// The common fields of any incoming activity.
pub struct Incoming {
    pub id: String,
    pub kind: String,
    pub actor: String,
    pub raw: Value,
}

impl Incoming {
    pub fn object(&self) -> Option<&Value> {
        self.raw.get("object")
    }

    pub fn object_id(&self) -> Option<String> {
        self.object().and_then(json_id)
    }
}

/// `POST /inbox`
pub async fn shared_inbox(
    State(app): State<App>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    answer(
        receive(
            &app,
            uri.path_and_query().map(|p| p.as_str()).unwrap_or("/inbox"),
            &headers,
            &body,
        )
        .await,
    )
}

/// `POST /@name/inbox`
pub async fn actor_inbox(
    app: &App,
    uri: &axum::http::Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Response {
    answer(
        receive(
            app,
            uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"),
            headers,
            body,
        )
        .await,
    )
}

fn answer(result: Result<(), InboxError>) -> Response {
    match result {
        Ok(()) => StatusCode::ACCEPTED.into_response(),
        Err(e) => e.into_response(),
    }
}

async fn receive(
    app: &App,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), InboxError> {
    let target = app
        .config
        .base_url
        .join(path)
        .map_err(|_| InboxError::BadRequest("bad request target".into()))?;
    let pending = signatures::parse_request_signature(
        &Method::POST,
        &target,
        headers,
        Some(body),
        SystemTime::now(),
    )
    .map_err(|e| InboxError::Unauthorized(e.to_string()))?;
    let activity = parse(body)?;

    // Reactions signed with a cached key are stored in batches (`intake`).
    if let Some(reaction) = intake::as_reaction(app, &activity)
        && let Some(cached) = app.fed.remote_keys.get(&pending.key_id)
        && cached.owner.as_str() == activity.actor
        && pending.verify(&cached.key).is_ok()
        && let Some(result) = intake::receive(app, reaction).await
    {
        return result;
    }

    let signer = verify(app, &pending).await?;
    if signer.uri != activity.actor {
        return Err(InboxError::Unauthorized(format!(
            "the signer {} is not the activity's actor {}",
            signer.uri, activity.actor
        )));
    }
    if blocks::is_blocked(&app.db, &signer.uri, &signer.domain).await? {
        return Err(InboxError::Forbidden(format!(
            "{} is blocked here",
            signer.uri
        )));
    }
    if stored::seen_activity(&app.db, &activity.id).await? {
        return Ok(()); // a replay: already processed, nothing changes
    }
    activities::dispatch(app, &activity, &signer).await?;
    stored::record_activity(
        &app.db,
        &activity.id,
        &activity.kind,
        &activity.actor,
        time::now(),
    )
    .await?;
    Ok(())
}

/// Finds the signer's key (cache, database, then a fetch) and verifies; when a known key fails,
/// fetches it once more in case the actor rotated it.
async fn verify(
    app: &App,
    pending: &signatures::PendingSignature,
) -> Result<RemoteActor, InboxError> {
    let unauthorized = |e: FederationError| match e {
        FederationError::Transient(why) => InboxError::Unavailable(why),
        FederationError::Invalid(why) | FederationError::Refused(why) => {
            InboxError::Unauthorized(format!("cannot get the signing key: {why}"))
        }
        e => InboxError::Internal(e.to_string()),
    };
    let (actor, key) = remote::actor_by_key(app, &pending.key_id, false)
        .await
        .map_err(unauthorized)?;
    match pending.verify(&key) {
        Ok(()) => {
            remote::remember_key(app, &actor, &key);
            Ok(actor)
        }
        Err(SignatureError::BadSignature) => {
            let (actor, key) = remote::actor_by_key(app, &pending.key_id, true)
                .await
                .map_err(unauthorized)?;
            pending
                .verify(&key)
                .map_err(|e| InboxError::Unauthorized(e.to_string()))?;
            remote::remember_key(app, &actor, &key);
            Ok(actor)
        }
        Err(e) => Err(InboxError::Unauthorized(e.to_string())),
    }
}

fn parse(body: &[u8]) -> Result<Incoming, InboxError> {
    let raw: Value = serde_json::from_slice(body)
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
    let kind = match raw.get("type") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(a)) => a
            .iter()
            .find_map(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        _ => String::new(),
    };
    if kind.is_empty() {
        return Err(InboxError::BadRequest("the activity has no type".into()));
    }
    let actor = raw
        .get("actor")
        .and_then(json_id)
        .ok_or_else(|| InboxError::BadRequest("the activity has no actor".into()))?;
    Ok(Incoming {
        id,
        kind,
        actor,
        raw,
    })
}
