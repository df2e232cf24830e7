//! `GET /.well-known/oauth-authorization-server`: the server metadata (RFC 8414) IndieAuth
//! clients discover from the `indieauth-metadata` link.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::actions::indieauth::issuer;
use crate::app::App;
use crate::domain::scope::Scope;
use crate::urls::{AUTHORIZE_PATH, INTROSPECTION_PATH, REVOCATION_PATH, TOKEN_PATH};

/// `GET /.well-known/oauth-authorization-server`
pub async fn document(State(app): State<App>) -> Response {
    let url = |path: &str| app.config.url(path).to_string();
    let body = serde_json::json!({
        "issuer": issuer(&app),
        "authorization_endpoint": url(AUTHORIZE_PATH),
        "token_endpoint": url(TOKEN_PATH),
        "introspection_endpoint": url(INTROSPECTION_PATH),
        "introspection_endpoint_auth_methods_supported": ["Bearer"],
        "revocation_endpoint": url(REVOCATION_PATH),
        "revocation_endpoint_auth_methods_supported": ["none"],
        "scopes_supported": Scope::ALL.map(Scope::as_str),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code"],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": true,
        "service_documentation": "https://indieauth.spec.indieweb.org/",
    });
    let mut response = axum::Json(body).into_response();
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}
