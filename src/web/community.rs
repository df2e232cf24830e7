//! `/community/amplify`: editors and admins amplify a post from elsewhere on the fediverse
//! (paste its address) and take amplifications back. The work is done by
//! `federation::amplify`; this page only reads the form and says what happened.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::actions::community as amplify;
use crate::app::App;
use crate::error::AppError;
use crate::storage::{amplifications, site};
use crate::templates::UiLayout;
use crate::templates::conversation::AmplifiedView;
use crate::templates::moderation::AmplifyPage;
use crate::urls::author_path;
use crate::web::auth::Viewer;
use crate::web::auth::account::ui_viewer;
use crate::web::editor::sentence;

/// Amplified posts listed on the page.
pub const SHOWN: i64 = 100;
/// Longest address accepted, in characters.
pub const MAX_URL_CHARS: usize = 2000;

/// Editors and admins only.
fn editor(viewer: &Viewer) -> Result<(), AppError> {
    if viewer.user.role.can_edit_others() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

async fn render(
    app: &App,
    viewer: &Viewer,
    status: StatusCode,
    url: &str,
    notice: Option<&str>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let site = site::get_site(&app.db).await?;
    let mut me = ui_viewer(viewer);
    me.pending = super::moderation::pending_for(app, viewer).await?;
    let mut ui = UiLayout::new(&site, "Amplify", Some(me));
    ui.notices.extend(notice.map(str::to_owned));
    let amplified = amplifications::list_amplified(&app.db, SHOWN, 0)
        .await?
        .iter()
        .map(AmplifiedView::new)
        .collect();
    let body = AmplifyPage {
        ui,
        csrf: viewer.session.csrf_token.clone(),
        community_url: author_path(&site.community_username),
        url: url.to_owned(),
        error,
        amplified,
    }
    .render()?;
    Ok((status, Html(body)).into_response())
}

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

/// `GET /community/amplify`
pub async fn page(
    State(app): State<App>,
    viewer: Viewer,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    editor(&viewer)?;
    let notice = match q.done.as_deref() {
        Some("amplified") => Some(
            "Amplified: the post is on the community page, and the community's followers get it as a boost.",
        ),
        Some("removed") => Some(
            "No longer amplified: the post left the community page, and followers' servers were told.",
        ),
        _ => None,
    };
    render(&app, &viewer, StatusCode::OK, "", notice, None).await
}

#[derive(Deserialize)]
pub struct UrlForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    url: String,
}

/// `POST /community/amplify`
pub async fn add(
    State(app): State<App>,
    viewer: Viewer,
    Form(f): Form<UrlForm>,
) -> Result<Response, AppError> {
    viewer.check_csrf(&f.csrf)?;
    editor(&viewer)?;
    let url = f.url.trim();
    let refuse = |message: String| {
        render(
            &app,
            &viewer,
            StatusCode::UNPROCESSABLE_ENTITY,
            url,
            None,
            Some(message),
        )
    };
    if url.is_empty() {
        return refuse("Paste the address of a post to amplify.".into()).await;
    }
    if url.chars().count() > MAX_URL_CHARS {
        return refuse(format!(
            "The address must have at most {MAX_URL_CHARS} characters."
        ))
        .await;
    }
    match amplify::amplify(&app, url).await {
        Ok(a) => {
            tracing::info!(editor = %viewer.user.username, post = %a.object_uri, "post amplified");
            Ok(Redirect::to("/community/amplify?done=amplified").into_response())
        }
        Err(e) if e.is_internal() => Err(e.into()),
        Err(e) => {
            tracing::info!(editor = %viewer.user.username, url, error = %e, "amplification refused");
            refuse(sentence(&e.to_string())).await
        }
    }
}

/// `POST /community/amplify/remove`
pub async fn remove(
    State(app): State<App>,
    viewer: Viewer,
    Form(f): Form<UrlForm>,
) -> Result<Response, AppError> {
    viewer.check_csrf(&f.csrf)?;
    editor(&viewer)?;
    if amplify::unamplify(&app, &f.url).await? {
        tracing::info!(editor = %viewer.user.username, post = %f.url.trim(), "amplification taken back");
        Ok(Redirect::to("/community/amplify?done=removed").into_response())
    } else {
        Err(AppError::NotFound)
    }
}
