//! Unpublishing and deleting: a page that asks "are you sure?" (GET), and the doing (POST);
//! pinning to the profile (POST).

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::load_editable;
use crate::actions::posts::{self, PublishError};
use crate::app::App;
use crate::error::AppError;
use crate::storage::posts::Post;
use crate::storage::site;
use crate::templates::UiLayout;
use crate::templates::editor::ConfirmPage;
use crate::web::auth::Viewer;
use crate::web::auth::account::ui_viewer;
use crate::web::auth::login::CsrfForm;

async fn page(app: &App, viewer: &Viewer, post: &Post, what: &str) -> Result<Response, AppError> {
    let site = site::get_site(&app.db).await?;
    let (heading, explanation, button) = if what == "delete" {
        (
            format!("Delete “{}”?", post.title),
            "The post is removed for good: its address will say it was deleted, the address cannot be used again, \
             and servers of followers are asked to remove it. This cannot be undone."
                .to_owned(),
            "Delete the post",
        )
    } else {
        (
            format!("Unpublish “{}”?", post.title),
            "The post leaves the site and the feeds and becomes a draft again. Servers of followers are asked to \
             remove it; copies elsewhere may remain."
                .to_owned(),
            "Unpublish the post",
        )
    };
    let page = ConfirmPage {
        ui: UiLayout::new(&site, &heading, Some(ui_viewer(viewer))),
        heading,
        explanation,
        action: format!("/editor/posts/{}/{what}", post.id),
        csrf: viewer.session.csrf_token.clone(),
        button: button.to_owned(),
        cancel: format!("/editor/posts/{}", post.id),
    };
    Ok(Html(page.render()?).into_response())
}

fn refused(e: PublishError) -> AppError {
    match e {
        PublishError::UnknownPost => AppError::NotFound,
        PublishError::NotPublished => AppError::BadRequest("This post is not published.".into()),
        PublishError::Storage(e) => e.into(),
        PublishError::NotYours | PublishError::NeedsReview => AppError::Forbidden,
        other => AppError::Internal(other.into()),
    }
}

/// `GET /editor/posts/{id}/unpublish`
pub async fn unpublish_page(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let post = load_editable(&app, &viewer, id).await?;
    if !viewer.user.role.can_publish() {
        return Err(AppError::Forbidden);
    }
    page(&app, &viewer, &post, "unpublish").await
}

/// `POST /editor/posts/{id}/unpublish`
pub async fn unpublish(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, AppError> {
    viewer.check_csrf(&f.csrf)?;
    let post = posts::unpublish(&app, &viewer.user, id)
        .await
        .map_err(refused)?;
    Ok(Redirect::to(&format!("/editor/posts/{}?done=unpublished", post.id)).into_response())
}

/// `GET /editor/posts/{id}/delete`
pub async fn delete_page(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let post = load_editable(&app, &viewer, id).await?;
    page(&app, &viewer, &post, "delete").await
}

/// `POST /editor/posts/{id}/delete`
pub async fn delete(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, AppError> {
    viewer.check_csrf(&f.csrf)?;
    posts::delete(&app, &viewer.user, id)
        .await
        .map_err(refused)?;
    Ok(Redirect::to("/editor?done=deleted").into_response())
}

#[derive(serde::Deserialize)]
pub struct PinForm {
    #[serde(default)]
    csrf: String,
    pinned: bool,
}

/// `POST /editor/posts/{id}/pin`: pins a published post to its author's profile, or unpins it.
pub async fn pin(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<PinForm>,
) -> Result<Response, AppError> {
    viewer.check_csrf(&f.csrf)?;
    let post = match posts::set_pinned(&app, &viewer.user, id, f.pinned).await {
        Err(PublishError::TooManyPins) => {
            return Err(AppError::BadRequest(PublishError::TooManyPins.to_string()));
        }
        other => other.map_err(refused)?,
    };
    let done = if f.pinned { "pinned" } else { "unpinned" };
    Ok(Redirect::to(&format!("/editor/posts/{}?done={done}", post.id)).into_response())
}
