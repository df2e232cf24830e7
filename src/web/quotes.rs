//! Quotes of our posts: the `QuoteAuthorization` stamps other servers fetch to check that a
//! quote was allowed, and `/quotes`, where authors (their own posts), editors and admins (every
//! post) see the quotes allowed and take one back.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;

use crate::actions::quotes;
use crate::app::App;
use crate::domain::quotes::QuoteState;
use crate::domain::{Role, time};
use crate::error::AppError;
use crate::federation::objects::quote::authorization;
use crate::federation::objects::with_context;
use crate::storage::quotes::{self as stored, Authorization};
use crate::storage::site;
use crate::templates::UiLayout;
use crate::templates::quotes::{QuoteView, QuotesPage};
use crate::urls;
use crate::web::activitypub::json_response;
use crate::web::auth::Viewer;
use crate::web::auth::account::ui_viewer;

/// Quotes listed on `/quotes`, newest first.
const LISTED: i64 = 200;

/// `GET /@{name}/quote_authorizations/{id}`: the stamp, 410 once taken back.
pub async fn stamp(
    State(app): State<App>,
    Path((handle, id)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    let allowed = stored::find_authorization(&app.db, id)
        .await?
        .filter(|a| {
            a.state() == QuoteState::Allowed
                && handle
                    .strip_prefix('@')
                    .is_some_and(|name| name.eq_ignore_ascii_case(&a.author_username))
        })
        .ok_or(AppError::NotFound)?;
    let doc = authorization(&app.config, &allowed);
    if let Some(revoked) = allowed.revoked_at {
        let tombstone = json!({
            "id": doc["id"], "type": "Tombstone", "formerType": "QuoteAuthorization",
            "deleted": time::iso(&revoked),
        });
        return Ok(json_response(StatusCode::GONE, with_context(tombstone)));
    }
    Ok(json_response(StatusCode::OK, with_context(doc)))
}

/// Whose posts' quotes the viewer looks after: everyone's (`None`) for editors and admins,
/// their own otherwise.
fn scope(viewer: &Viewer) -> Option<i64> {
    match viewer.user.role {
        Role::Admin | Role::Editor => None,
        Role::Author | Role::Contributor => Some(viewer.user.id),
    }
}

/// `GET /quotes`
pub async fn list(State(app): State<App>, viewer: Viewer) -> Result<Response, AppError> {
    let everyone = scope(&viewer);
    let rows = stored::list_quotes(&app.db, everyone, LISTED).await?;
    let waiting = stored::count_pending(&app.db, everyone).await?;
    let site = site::get_site(&app.db).await?;
    let body = QuotesPage {
        ui: UiLayout::new(&site, "Quotes", Some(ui_viewer(&viewer))),
        csrf: viewer.session.csrf_token.clone(),
        everyone: everyone.is_none(),
        waiting,
        entries: rows.iter().map(|a| view(&app, a)).collect(),
    }
    .render()?;
    Ok(Html(body).into_response())
}

fn view(app: &App, a: &Authorization) -> QuoteView {
    QuoteView::new(a, urls::article(&app.config, &a.post_slug).to_string())
}

#[derive(Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    csrf: String,
}

/// The quote `id`, when the viewer looks after its post.
async fn looked_after(app: &App, viewer: &Viewer, id: i64) -> Result<Authorization, AppError> {
    let quote = stored::find_authorization(&app.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if scope(viewer).is_some_and(|me| me != quote.author_id) {
        return Err(AppError::Forbidden);
    }
    Ok(quote)
}

/// `POST /quotes/{id}/revoke`: the post's author, an editor or an admin takes a quote back.
pub async fn revoke(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<RevokeForm>,
) -> Result<Response, AppError> {
    viewer.check_csrf(&f.csrf)?;
    let allowed = looked_after(&app, &viewer, id).await?;
    quotes::revoke(&app, &allowed).await?;
    Ok(Redirect::to("/quotes").into_response())
}

#[derive(Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
}

/// `POST /quotes/{id}/decide` with `action` allow or refuse: the answer to a held request.
pub async fn decide(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<DecideForm>,
) -> Result<Response, AppError> {
    viewer.check_csrf(&f.csrf)?;
    let allow = match f.action.as_str() {
        "allow" => true,
        "refuse" => false,
        other => {
            return Err(AppError::BadRequest(format!(
                "{other:?} is not an answer to a quote request: allow or refuse."
            )));
        }
    };
    let held = looked_after(&app, &viewer, id).await?;
    quotes::decide(&app, &held, allow).await?;
    Ok(Redirect::to("/quotes").into_response())
}
