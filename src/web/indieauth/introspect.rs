//! `POST /indieauth/introspect` (RFC 7662): whether a token is live, for whom and what it
//! allows. The caller proves itself with a live bearer token of the same account (the token
//! itself will do); a token of another account is reported inactive.

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;

use super::{json, oauth_error};
use crate::actions::indieauth::grants;
use crate::actions::tokens::TokenError;
use crate::app::App;
use crate::web::auth::bearer::{bearer_token, invalid_token};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct IntrospectForm {
    token: Option<String>,
}

/// `POST /indieauth/introspect`
pub async fn introspect(
    State(app): State<App>,
    headers: HeaderMap,
    Form(f): Form<IntrospectForm>,
) -> Response {
    let Some(bearer) = bearer_token(&headers) else {
        return invalid_token("introspection needs an Authorization: Bearer token");
    };
    let Some(token) = f.token.filter(|t| !t.is_empty()) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "token is required",
        );
    };
    match grants::introspect(&app, bearer, &token).await {
        Ok(Some(i)) => {
            let mut body = serde_json::json!({
                "active": true,
                "me": i.me.as_str(),
                "client_id": i.client_id,
                "scope": i.scopes.to_string(),
                "iat": i.issued_at.timestamp(),
            });
            if let Some(exp) = i.expires_at {
                body["exp"] = exp.timestamp().into();
            }
            json(StatusCode::OK, body)
        }
        Ok(None) => json(StatusCode::OK, serde_json::json!({ "active": false })),
        Err(TokenError::Invalid | TokenError::AccountClosed) => {
            invalid_token("the bearer token is not valid")
        }
        Err(e) => oauth_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            &e.to_string(),
        ),
    }
}
