//! Local actors and their key pairs: created on first use (one RSA-2048 pair, which signs
//! requests, and one Ed25519 pair, which signs proofs, each generated once and stored; actors
//! made before there were Ed25519 keys get theirs the first time they are loaded), and the
//! parsed signing keys cached in memory.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use url::Url;

use aws_lc_rs::signature::Ed25519KeyPair;

use super::error::{FederationError, Result};
use super::integrity;
use super::signatures::PrivateKey;
use crate::app::App;
use crate::domain::time;
use crate::storage::actors::{self, LocalActor, LocalKind, NewKeys};
use crate::storage::{site, users};
use crate::urls;

/// A local actor's key, ready to sign.
pub struct Signer {
    pub key_id: String,
    pub key: PrivateKey,
}

/// Parsed signing keys by local actor id.
#[derive(Clone, Default)]
pub struct SignerCache(Arc<Mutex<HashMap<i64, Arc<Signer>>>>);

/// A local actor's Ed25519 key, ready to sign proofs.
pub struct ProofSigner {
    /// The key's id, `<actor>#ed25519-key` (the proofs' `verificationMethod`).
    pub verification_method: String,
    pub key: Ed25519KeyPair,
}

/// Parsed Ed25519 keys by local actor id.
#[derive(Clone, Default)]
pub struct ProofSignerCache(Arc<Mutex<HashMap<i64, Arc<ProofSigner>>>>);

/// The person actor of user `user_id`, created with a new key pair on first use.
pub async fn person_actor(app: &App, user_id: i64) -> Result<LocalActor> {
    if let Some(a) = actors::find_person_actor(&app.db, user_id).await? {
        return with_ed25519_key(app, a).await;
    }
    create(app, LocalKind::Person, Some(user_id)).await?;
    actors::find_person_actor(&app.db, user_id)
        .await?
        .ok_or_else(|| FederationError::Key("the person actor was not stored".into()))
}

/// The community group actor.
pub async fn community_actor(app: &App) -> Result<LocalActor> {
    singleton(app, LocalKind::Group).await
}

/// The instance application actor.
pub async fn instance_actor(app: &App) -> Result<LocalActor> {
    singleton(app, LocalKind::Application).await
}

async fn singleton(app: &App, kind: LocalKind) -> Result<LocalActor> {
    if let Some(a) = actors::find_singleton_actor(&app.db, kind).await? {
        return with_ed25519_key(app, a).await;
    }
    create(app, kind, None).await?;
    actors::find_singleton_actor(&app.db, kind)
        .await?
        .ok_or_else(|| FederationError::Key("the actor was not stored".into()))
}

async fn create(app: &App, kind: LocalKind, user_id: Option<i64>) -> Result<()> {
    let (private_pem, public_pem) = tokio::task::spawn_blocking(|| {
        let key = PrivateKey::generate_rsa_2048();
        Ok::<_, super::signatures::SignatureError>((key.to_pkcs8_pem()?, key.public_key_pem()?))
    })
    .await
    .map_err(|e| FederationError::Key(e.to_string()))?
    .map_err(|e| FederationError::Key(e.to_string()))?;
    let (ed_private, ed_public) =
        integrity::generate().map_err(|e| FederationError::Key(e.to_string()))?;
    let keys = NewKeys {
        private_key_pem: &private_pem,
        public_key_pem: &public_pem,
        ed25519_private_key_pem: &ed_private,
        ed25519_public_key_multibase: &ed_public,
    };
    actors::insert_local_actor(&app.db, kind, user_id, &keys, time::now()).await?;
    Ok(())
}

/// `actor`, given its Ed25519 key pair first if it has none yet (actors made before there
/// were any). When two processes race, the first key stored is kept and read back.
pub async fn with_ed25519_key(app: &App, actor: LocalActor) -> Result<LocalActor> {
    if actor.ed25519_public_key_multibase.is_some() {
        return Ok(actor);
    }
    let (private_pem, public) =
        integrity::generate().map_err(|e| FederationError::Key(e.to_string()))?;
    actors::set_ed25519_key(&app.db, actor.id, &private_pem, &public).await?;
    actors::find_local_actor(&app.db, actor.id)
        .await?
        .ok_or_else(|| FederationError::Key("the actor is gone".into()))
}

/// The Ed25519 key of local actor `local_actor_id`, parsed once.
pub async fn proof_signer(app: &App, local_actor_id: i64) -> Result<Arc<ProofSigner>> {
    let cached = app
        .fed
        .proof_signers
        .0
        .lock()
        .expect("proof signer cache lock")
        .get(&local_actor_id)
        .cloned();
    if let Some(s) = cached {
        return Ok(s);
    }
    let actor = actors::find_local_actor(&app.db, local_actor_id)
        .await?
        .ok_or_else(|| FederationError::Key("no such local actor".into()))?;
    let actor = with_ed25519_key(app, actor).await?;
    let pem = actor
        .ed25519_private_key_pem
        .as_deref()
        .ok_or_else(|| FederationError::Key("the actor has no Ed25519 key".into()))?;
    let key = integrity::key_from_pem(pem).map_err(|e| FederationError::Key(e.to_string()))?;
    let verification_method = urls::ed25519_key_id(&actor_url(app, &actor).await?);
    let signer = Arc::new(ProofSigner {
        verification_method,
        key,
    });
    app.fed
        .proof_signers
        .0
        .lock()
        .expect("proof signer cache lock")
        .insert(local_actor_id, signer.clone());
    Ok(signer)
}

/// The id of a local actor.
pub async fn actor_url(app: &App, actor: &LocalActor) -> Result<Url> {
    Ok(match actor.kind {
        LocalKind::Person => {
            let user_id = actor
                .user_id
                .ok_or_else(|| FederationError::Key("a person actor without a user".into()))?;
            let user = users::find_user_by_id(&app.db, user_id)
                .await?
                .ok_or_else(|| FederationError::Key("the actor's user is gone".into()))?;
            urls::person(&app.config, user.username.as_str())
        }
        LocalKind::Group => urls::group(
            &app.config,
            &site::get_site(&app.db).await?.community_username,
        ),
        LocalKind::Application => urls::instance(&app.config),
    })
}

/// The signing key of local actor `local_actor_id`, parsed once.
pub async fn signer(app: &App, local_actor_id: i64) -> Result<Arc<Signer>> {
    if let Some(s) = app
        .fed
        .signers
        .0
        .lock()
        .expect("signer cache lock")
        .get(&local_actor_id)
    {
        return Ok(s.clone());
    }
    let actor = actors::find_local_actor(&app.db, local_actor_id)
        .await?
        .ok_or_else(|| FederationError::Key("no such local actor".into()))?;
    let key_id = urls::key_id(&actor_url(app, &actor).await?);
    let key = PrivateKey::from_pkcs8_pem(&actor.private_key_pem)
        .map_err(|e| FederationError::Key(e.to_string()))?;
    let signer = Arc::new(Signer { key_id, key });
    app.fed
        .signers
        .0
        .lock()
        .expect("signer cache lock")
        .insert(local_actor_id, signer.clone());
    Ok(signer)
}

/// The instance actor's signing key, for signed GETs.
pub async fn instance_signer(app: &App) -> Result<Arc<Signer>> {
    let actor = instance_actor(app).await?;
    signer(app, actor.id).await
}
