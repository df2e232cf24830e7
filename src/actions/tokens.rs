//! Bearer tokens: issuing them (the IndieAuth token endpoint, `chorus token create`), checking
//! the one a request carries, listing and revoking them. A token is 32 random bytes shown once;
//! only its hash is stored. Suspended accounts' tokens open nothing.

use chrono::{DateTime, Duration, Utc};

use crate::app::App;
use crate::domain::scope::{Scope, Scopes};
use crate::domain::secrets::{random_token, token_hash};
use crate::domain::time;
use crate::storage::StorageError;
use crate::storage::tokens::{self, AccessToken, NewToken};
use crate::storage::users::{self, AccountStatus, User};

/// The client name of tokens made on the command line.
pub const COMMAND_LINE_CLIENT: &str = "command line";
/// A token's last use is recorded at most this often.
const TOUCH_INTERVAL_MINUTES: i64 = 5;

/// Why a request's token opens nothing (RFC 6750 `invalid_token`), or the server failed.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the access token is not valid: unknown, revoked or expired")]
    Invalid,
    #[error("the account this token belongs to cannot sign in")]
    AccountClosed,
    #[error("a token needs at least one scope")]
    NoScope,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// What a live token lets its bearer do.
#[derive(Debug, Clone)]
pub struct Grant {
    pub token_id: i64,
    pub user: User,
    pub client_id: String,
    pub scopes: Scopes,
    pub expires_at: Option<DateTime<Utc>>,
}

impl Grant {
    pub fn allows(&self, scope: Scope) -> bool {
        self.scopes.contains(scope)
    }
}

/// Issues a token for `user` and gives it (the only time it is seen). `expires_in: None`
/// makes a token that lasts until it is revoked.
pub async fn issue(
    app: &App,
    user: &User,
    client_id: &str,
    client_name: &str,
    scopes: &Scopes,
    expires_in: Option<Duration>,
) -> Result<String, TokenError> {
    if scopes.is_empty() {
        return Err(TokenError::NoScope);
    }
    let token = random_token();
    let now = time::now();
    let new = NewToken {
        token_hash: &token_hash(&token),
        user_id: user.id,
        client_id,
        client_name,
        scope: &scopes.to_string(),
        now,
        expires_at: expires_in.map(|d| now + d),
    };
    tokens::insert_token(&app.db, &new).await?;
    tracing::info!(user = %user.username, client = client_id, scope = %scopes, "access token issued");
    Ok(token)
}

/// The grant behind a bearer token, if it is live and its account may sign in.
pub async fn authenticate(app: &App, token: &str) -> Result<Grant, TokenError> {
    let now = time::now();
    let row = tokens::find_token(&app.db, &token_hash(token)).await?;
    let Some(row) = row.filter(|t| t.is_live(now)) else {
        return Err(TokenError::Invalid);
    };
    let user = users::find_user_by_id(&app.db, row.user_id).await?;
    let Some(user) = user.filter(|u| u.status == AccountStatus::Active) else {
        return Err(TokenError::AccountClosed);
    };
    tokens::touch_token(
        &app.db,
        row.id,
        now,
        Duration::minutes(TOUCH_INTERVAL_MINUTES),
    )
    .await?;
    Ok(Grant {
        token_id: row.id,
        user,
        client_id: row.client_id,
        scopes: Scopes::parse_known(&row.scope),
        expires_at: row.expires_at,
    })
}

/// `user`'s tokens that are not revoked, newest first (expired ones included, marked by
/// their `expires_at`).
pub async fn list(app: &App, user: &User) -> Result<Vec<AccessToken>, TokenError> {
    Ok(tokens::list_tokens(&app.db, user.id).await?)
}

/// Revokes one of `user`'s tokens; false when it was not theirs or not live.
pub async fn revoke(app: &App, user: &User, token_id: i64) -> Result<bool, TokenError> {
    let done = tokens::revoke_token(&app.db, token_id, user.id, time::now()).await?;
    if done {
        tracing::info!(user = %user.username, token_id, "access token revoked");
    }
    Ok(done)
}

/// Revokes a token by its value (RFC 7009); an unknown token is not an error.
pub async fn revoke_by_value(app: &App, token: &str) -> Result<bool, TokenError> {
    Ok(tokens::revoke_token_by_hash(&app.db, &token_hash(token), time::now()).await?)
}
