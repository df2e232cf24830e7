//! `POST /account/tokens/{id}/revoke`: the account page's Revoke button.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use crate::actions::tokens;
use crate::app::App;
use crate::error::AppError;
use crate::web::auth::Viewer;
use crate::web::auth::login::CsrfForm;

/// `POST /account/tokens/{id}/revoke`: only the signed-in author's own live tokens.
pub async fn revoke(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, AppError> {
    viewer.check_csrf(&f.csrf)?;
    let revoked = tokens::revoke(&app, &viewer.user, id)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    if !revoked {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to("/account?done=token").into_response())
}
