//! The token endpoint (a code and its PKCE verifier for an access token) and the
//! revocation endpoint (RFC 7009).

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::authorize::grant_error;
use super::{json, oauth_error};
use crate::actions::indieauth::grants::{self, Redemption};
use crate::actions::tokens;
use crate::app::App;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TokenForm {
    grant_type: Option<String>,
    code: Option<String>,
    client_id: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    /// `revoke`: the older IndieAuth way to revoke `token` at the token endpoint.
    action: Option<String>,
    token: Option<String>,
}

/// `POST /indieauth/token`
pub async fn token(State(app): State<App>, Form(f): Form<TokenForm>) -> Response {
    if f.action.as_deref() == Some("revoke") {
        return revoke_token(&app, f.token.as_deref()).await;
    }
    let r = Redemption {
        grant_type: f.grant_type,
        code: f.code,
        client_id: f.client_id,
        redirect_uri: f.redirect_uri,
        code_verifier: f.code_verifier,
    };
    match grants::exchange(&app, &r).await {
        Ok(issued) => {
            let redeemed = &issued.redeemed;
            let mut body = serde_json::json!({
                "access_token": issued.access_token,
                "token_type": "Bearer",
                "scope": redeemed.scopes.to_string(),
                "me": redeemed.me.as_str(),
            });
            if let Some(profile) = redeemed.profile() {
                body["profile"] = serde_json::json!(profile);
            }
            json(StatusCode::OK, body)
        }
        Err(e) => grant_error(&e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RevokeForm {
    token: Option<String>,
}

/// `POST /indieauth/revoke`: 200 whether or not the token was known or live.
pub async fn revoke(State(app): State<App>, Form(f): Form<RevokeForm>) -> Response {
    revoke_token(&app, f.token.as_deref()).await
}

async fn revoke_token(app: &App, token: Option<&str>) -> Response {
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "token is required",
        );
    };
    match tokens::revoke_by_value(app, token).await {
        Ok(_) => StatusCode::OK.into_response(),
        Err(e) => oauth_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "temporarily_unavailable",
            &e.to_string(),
        ),
    }
}
