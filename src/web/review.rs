//! `POST /review/posts/{id}/send-back`: an editor sends a post waiting for review back to its
//! contributor with a note (from the notifications page, and from the post in the editor,
//! beside Approve).

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::actions::review;
use crate::app::App;
use crate::error::AppError;
use crate::web::auth::Viewer;

#[derive(Deserialize)]
pub struct SendBackForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    note: String,
    /// `editor` when sent from the post's page in the editor, to go back there.
    #[serde(default)]
    from: String,
}

pub async fn send_back(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<SendBackForm>,
) -> Result<Response, AppError> {
    viewer.check_csrf(&f.csrf)?;
    review::send_back(&app, &viewer.user, id, &f.note).await?;
    let to = if f.from == "editor" {
        format!("/editor/posts/{id}?done=sent-back")
    } else {
        "/notifications?done=sent-back".to_owned()
    };
    Ok(Redirect::to(&to).into_response())
}
