//! IndieAuth, with Chorus as the author's identity and token provider: checking an
//! authorization request, the author's answer on the consent page (a one-time code), and
//! redeeming the code for the author's profile URL or an access token (`grants`).

pub mod grants;

use chrono::Duration;
use url::Url;

use crate::app::App;
use crate::domain::indieauth::{self, ClientProblem};
use crate::domain::scope::Scopes;
use crate::domain::secrets::{random_token, token_hash};
use crate::domain::time;
use crate::storage::StorageError;
use crate::storage::auth_codes::{self, NewCode};
use crate::storage::users::User;
use crate::urls::author_path;

/// An authorization code can be redeemed for this long after it is issued.
pub const CODE_LIFETIME_MINUTES: i64 = 10;

/// An authorization request as a client sends it (query or consent form), unchecked.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct AuthParams {
    pub response_type: Option<String>,
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub state: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub scope: Option<String>,
    pub me: Option<String>,
}

/// A checked client: its id, where codes go, what the author is shown.
#[derive(Debug, Clone)]
pub struct Client {
    pub id: Url,
    pub redirect_uri: Url,
    pub name: String,
}

/// A checked authorization request.
#[derive(Debug, Clone)]
pub struct AuthRequest {
    pub client: Client,
    pub state: String,
    pub code_challenge: String,
    /// What the client asked for, limited to the scopes Chorus grants.
    pub scopes: Scopes,
}

/// Why an authorization request cannot go on.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// The client or its redirect address is wrong: said on a page, never redirected.
    #[error(transparent)]
    Client(#[from] ClientProblem),
    /// Anything else: sent back to the (checked) redirect address (RFC 6749 §4.1.2.1).
    #[error("{description}")]
    Redirect {
        client: Box<Client>,
        state: Option<String>,
        error: &'static str,
        description: String,
    },
}

/// Checks the client and its redirect address first, then the rest of the request.
pub fn check_request(p: &AuthParams) -> Result<AuthRequest, RequestError> {
    let id = indieauth::client_id(p.client_id.as_deref().unwrap_or(""))?;
    let redirect_uri = indieauth::redirect_uri(&id, p.redirect_uri.as_deref().unwrap_or(""))?;
    let client = Client {
        name: indieauth::client_name(&id),
        id,
        redirect_uri,
    };
    let state = p.state.clone().filter(|s| !s.is_empty());
    let refuse = |error: &'static str, description: &str| RequestError::Redirect {
        client: Box::new(client.clone()),
        state: state.clone(),
        error,
        description: description.to_owned(),
    };
    if p.response_type.as_deref() != Some("code") {
        return Err(refuse(
            "unsupported_response_type",
            "response_type must be code",
        ));
    }
    let Some(state) = state.clone() else {
        return Err(refuse("invalid_request", "state is required"));
    };
    if p.code_challenge_method.as_deref() != Some("S256") {
        return Err(refuse(
            "invalid_request",
            "code_challenge_method must be S256 (PKCE); plain is not supported",
        ));
    }
    let code_challenge = p.code_challenge.clone().unwrap_or_default();
    if !indieauth::is_s256_challenge(&code_challenge) {
        return Err(refuse(
            "invalid_request",
            "code_challenge must be the base64url SHA-256 of the code verifier",
        ));
    }
    Ok(AuthRequest {
        client,
        state,
        code_challenge,
        scopes: Scopes::parse_known(p.scope.as_deref().unwrap_or("")),
    })
}

/// The author's profile URL, the `me` of IndieAuth.
pub fn me(app: &App, user: &User) -> Url {
    app.config.url(&author_path(user.username.as_str()))
}

/// The issuer identifier (RFC 9207 `iss`, and the metadata's `issuer`).
pub fn issuer(app: &App) -> String {
    app.config.base_url.to_string()
}

/// The author approved `request`, granting `granted` (never more than was asked): a
/// one-time code for the client, valid for [`CODE_LIFETIME_MINUTES`].
pub async fn approve(
    app: &App,
    user: &User,
    request: &AuthRequest,
    granted: &Scopes,
) -> Result<String, StorageError> {
    let code = random_token();
    let now = time::now();
    let scope = request.scopes.intersection(granted).to_string();
    let new = NewCode {
        code_hash: &token_hash(&code),
        user_id: user.id,
        client_id: request.client.id.as_str(),
        redirect_uri: request.client.redirect_uri.as_str(),
        scope: &scope,
        code_challenge: &request.code_challenge,
        now,
        expires_at: now + Duration::minutes(CODE_LIFETIME_MINUTES),
    };
    auth_codes::insert_code(&app.db, &new).await?;
    tracing::info!(user = %user.username, client = %request.client.id, scope = %scope, "authorization code issued");
    Ok(code)
}
