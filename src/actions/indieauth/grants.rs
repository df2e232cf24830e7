//! Redeeming authorization codes (for the profile URL at the authorization endpoint, or an
//! access token at the token endpoint), and what introspection tells about a token.

use chrono::{DateTime, Utc};
use url::Url;

use super::me;
use crate::actions::tokens::{self, TokenError};
use crate::app::App;
use crate::domain::indieauth::{self, client_name};
use crate::domain::scope::{Scope, Scopes};
use crate::domain::secrets::token_hash;
use crate::domain::time;
use crate::storage::StorageError;
use crate::storage::auth_codes;
use crate::storage::tokens as stored_tokens;
use crate::storage::users::{self, AccountStatus, User};

/// A code redemption as the client posts it, unchecked.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct Redemption {
    pub grant_type: Option<String>,
    pub code: Option<String>,
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub code_verifier: Option<String>,
}

/// An OAuth 2.0 error (RFC 6749 §5.2) for the client.
#[derive(Debug, thiserror::Error)]
pub enum GrantError {
    #[error("{0}")]
    InvalidRequest(&'static str),
    #[error("{0}")]
    InvalidGrant(&'static str),
    #[error("only the authorization_code grant is supported")]
    UnsupportedGrantType,
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Token(#[from] TokenError),
}

impl GrantError {
    /// The `error` code of the answer.
    pub fn code(&self) -> &'static str {
        match self {
            GrantError::InvalidRequest(_) => "invalid_request",
            GrantError::InvalidGrant(_) => "invalid_grant",
            GrantError::UnsupportedGrantType => "unsupported_grant_type",
            GrantError::Storage(_) | GrantError::Token(_) => "server_error",
        }
    }
}

/// What a redeemed code grants.
#[derive(Debug, Clone)]
pub struct Redeemed {
    pub user: User,
    pub me: Url,
    pub client_id: String,
    pub scopes: Scopes,
}

/// The `profile` of an answer, when the `profile` scope was granted.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Profile {
    pub name: String,
    pub url: String,
}

impl Redeemed {
    pub fn profile(&self) -> Option<Profile> {
        self.scopes.contains(Scope::Profile).then(|| Profile {
            name: self.user.display_name.clone(),
            url: self.me.to_string(),
        })
    }
}

/// Uses a code: it is claimed (so it never works again, even when the rest is wrong), then
/// the client, redirect address and PKCE verifier must match what it was issued for, and its
/// author must still be able to sign in.
pub async fn redeem(app: &App, r: &Redemption) -> Result<Redeemed, GrantError> {
    if r.grant_type
        .as_deref()
        .is_some_and(|g| g != "authorization_code")
    {
        return Err(GrantError::UnsupportedGrantType);
    }
    let (Some(code), Some(client_id), Some(redirect_uri), Some(verifier)) = (
        r.code.as_deref(),
        r.client_id.as_deref(),
        r.redirect_uri.as_deref(),
        r.code_verifier.as_deref(),
    ) else {
        return Err(GrantError::InvalidRequest(
            "code, client_id, redirect_uri and code_verifier are required",
        ));
    };
    let Some(stored) = auth_codes::claim_code(&app.db, &token_hash(code), time::now()).await?
    else {
        return Err(GrantError::InvalidGrant(
            "the code is unknown, expired or already used",
        ));
    };
    if stored.client_id != client_id || stored.redirect_uri != redirect_uri {
        return Err(GrantError::InvalidGrant(
            "the client_id or redirect_uri is not the one the code was issued to",
        ));
    }
    if !indieauth::verifier_matches(verifier, &stored.code_challenge) {
        return Err(GrantError::InvalidGrant(
            "the code_verifier does not match the code_challenge",
        ));
    }
    let user = users::find_user_by_id(&app.db, stored.user_id)
        .await?
        .filter(|u| u.status == AccountStatus::Active)
        .ok_or(GrantError::InvalidGrant("the account cannot sign in"))?;
    Ok(Redeemed {
        me: me(app, &user),
        user,
        client_id: stored.client_id,
        scopes: Scopes::parse_known(&stored.scope),
    })
}

/// A token endpoint answer's contents.
pub struct IssuedToken {
    pub access_token: String,
    pub redeemed: Redeemed,
}

/// Redeems a code for an access token, named after the client's host. A code issued without
/// any scope only identifies the author and gives no token.
pub async fn exchange(app: &App, r: &Redemption) -> Result<IssuedToken, GrantError> {
    if r.grant_type.is_none() {
        return Err(GrantError::InvalidRequest("grant_type is required"));
    }
    let redeemed = redeem(app, r).await?;
    if redeemed.scopes.is_empty() {
        return Err(GrantError::InvalidGrant(
            "this code carries no scope: redeem it at the authorization endpoint",
        ));
    }
    let name = Url::parse(&redeemed.client_id)
        .map(|u| client_name(&u))
        .unwrap_or_else(|_| redeemed.client_id.clone());
    let access_token = tokens::issue(
        app,
        &redeemed.user,
        &redeemed.client_id,
        &name,
        &redeemed.scopes,
        None,
    )
    .await?;
    Ok(IssuedToken {
        access_token,
        redeemed,
    })
}

/// What introspection (RFC 7662) says of a live token.
#[derive(Debug, Clone)]
pub struct Introspection {
    pub me: Url,
    pub client_id: String,
    pub scopes: Scopes,
    pub issued_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// Introspects `token` for the holder of the live token `bearer`: a token of another
/// account, or one that opens nothing, is inactive (`None`). A `bearer` that opens nothing
/// is an error.
pub async fn introspect(
    app: &App,
    bearer: &str,
    token: &str,
) -> Result<Option<Introspection>, TokenError> {
    let asker = tokens::authenticate(app, bearer).await?;
    let grant = match tokens::authenticate(app, token).await {
        Ok(grant) => grant,
        Err(TokenError::Invalid | TokenError::AccountClosed) => return Ok(None),
        Err(e) => return Err(e),
    };
    if grant.user.id != asker.user.id {
        return Ok(None);
    }
    let Some(row) = stored_tokens::find_token(&app.db, &token_hash(token)).await? else {
        return Ok(None);
    };
    Ok(Some(Introspection {
        me: me(app, &grant.user),
        client_id: grant.client_id,
        scopes: grant.scopes,
        issued_at: row.created_at,
        expires_at: grant.expires_at,
    }))
}
