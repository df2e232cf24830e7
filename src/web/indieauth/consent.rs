//! `POST /indieauth/authorize/consent`: the author's answer on the consent page. Approve
//! sends the client a one-time code for the scopes left ticked; Deny sends `access_denied`.

use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;

use super::{back_to_client, refused};
use crate::actions::indieauth::{self, AuthParams};
use crate::app::App;
use crate::domain::scope::{Scope, Scopes};
use crate::error::AppError;
use crate::web::auth::Viewer;

/// `POST /indieauth/authorize/consent`
pub async fn decide(
    State(app): State<App>,
    viewer: Viewer,
    body: Bytes,
) -> Result<Response, AppError> {
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let one = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    viewer.check_csrf(&one("csrf").unwrap_or_default())?;
    let params = AuthParams {
        response_type: one("response_type"),
        client_id: one("client_id"),
        redirect_uri: one("redirect_uri"),
        state: one("state"),
        code_challenge: one("code_challenge"),
        code_challenge_method: one("code_challenge_method"),
        scope: one("requested"),
        me: one("me"),
    };
    let request = match indieauth::check_request(&params) {
        Ok(r) => r,
        Err(e) => return refused(&app, e),
    };
    if one("decision").as_deref() != Some("approve") {
        tracing::info!(user = %viewer.user.username, client = %request.client.id, "authorization denied");
        let pairs = [
            ("error", "access_denied"),
            ("error_description", "the author did not allow this app"),
            ("state", request.state.as_str()),
        ];
        return Ok(back_to_client(&app, &request.client.redirect_uri, &pairs));
    }
    let granted: Scopes = fields
        .iter()
        .filter(|(n, _)| n == "scope")
        .filter_map(|(_, v)| Scope::parse(v))
        .collect();
    let code = indieauth::approve(&app, &viewer.user, &request, &granted).await?;
    let pairs = [("code", code.as_str()), ("state", request.state.as_str())];
    Ok(back_to_client(&app, &request.client.redirect_uri, &pairs))
}
