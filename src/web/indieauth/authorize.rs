//! The authorization endpoint: `GET` checks a client's request and shows the signed-in
//! author the consent page (or sends them to sign in first); `POST` redeems a code for the
//! author's profile URL only (IndieAuth §5.3.3).

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::{json, oauth_error, refused};
use crate::actions::indieauth::grants::{self, GrantError, Redemption};
use crate::actions::indieauth::{self, AuthParams, AuthRequest};
use crate::app::App;
use crate::error::AppError;
use crate::storage::site;
use crate::templates::UiLayout;
use crate::templates::indieauth::{ConsentPage, choices};
use crate::urls::{AUTHORIZE_PATH, CONSENT_PATH};
use crate::web::auth::account::ui_viewer;
use crate::web::auth::{AuthRejection, MaybeViewer, Viewer};

/// `GET /indieauth/authorize`
pub async fn page(
    State(app): State<App>,
    MaybeViewer(viewer): MaybeViewer,
    Query(params): Query<AuthParams>,
) -> Result<Response, AppError> {
    let request = match indieauth::check_request(&params) {
        Ok(r) => r,
        Err(e) => return refused(&app, e),
    };
    let Some(viewer) = viewer else {
        // Back here after signing in, with the query written again in a form `next` keeps.
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(hidden_fields(&params, &request))
            .finish();
        return Ok(AuthRejection::Login(format!("{AUTHORIZE_PATH}?{query}")).into_response());
    };
    consent_page(&app, &viewer, &params, &request).await
}

/// The request's fields as the consent form carries them back.
fn hidden_fields(params: &AuthParams, request: &AuthRequest) -> Vec<(&'static str, String)> {
    let mut fields = vec![
        ("response_type", "code".to_owned()),
        ("client_id", request.client.id.to_string()),
        ("redirect_uri", request.client.redirect_uri.to_string()),
        ("state", request.state.clone()),
        ("code_challenge", request.code_challenge.clone()),
        ("code_challenge_method", "S256".to_owned()),
        ("scope", request.scopes.to_string()),
    ];
    if let Some(me) = params.me.as_deref().filter(|m| !m.is_empty()) {
        fields.push(("me", me.to_owned()));
    }
    fields
}

async fn consent_page(
    app: &App,
    viewer: &Viewer,
    params: &AuthParams,
    request: &AuthRequest,
) -> Result<Response, AppError> {
    let site = site::get_site(&app.db).await?;
    let title = format!("Sign in to {}", request.client.name);
    let mut hidden = hidden_fields(params, request);
    // The checkboxes are the answer's `scope`; what was asked goes back as `requested`.
    for field in &mut hidden {
        if field.0 == "scope" {
            field.0 = "requested";
        }
    }
    let page = ConsentPage {
        ui: UiLayout::new(&site, &title, Some(ui_viewer(viewer))),
        csrf: viewer.session.csrf_token.clone(),
        action: CONSENT_PATH,
        client_name: request.client.name.clone(),
        client_url: request.client.id.to_string(),
        redirect_host: request
            .client
            .redirect_uri
            .host_str()
            .unwrap_or_default()
            .to_owned(),
        me: indieauth::me(app, &viewer.user).to_string(),
        scopes: choices(&request.scopes),
        hidden,
    };
    Ok(Html(page.render()?).into_response())
}

/// `POST /indieauth/authorize`: a code redeemed for `{me}` (and `profile` when granted),
/// without a token.
pub async fn redeem(State(app): State<App>, Form(r): Form<Redemption>) -> Response {
    match grants::redeem(&app, &r).await {
        Ok(redeemed) => {
            let mut body = serde_json::json!({ "me": redeemed.me.as_str() });
            if let Some(profile) = redeemed.profile() {
                body["profile"] = serde_json::json!(profile);
            }
            json(StatusCode::OK, body)
        }
        Err(e) => grant_error(&e),
    }
}

/// A failed redemption as the client reads it: 400, or 500 when the server failed.
pub fn grant_error(e: &GrantError) -> Response {
    let status = match e {
        GrantError::Storage(_) | GrantError::Token(_) => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    };
    oauth_error(status, e.code(), &e.to_string())
}
