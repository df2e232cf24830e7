//! `/editor/media`: one's uploaded images, and the upload form. Without the script the page
//! shows the Markdown to copy into a post; the script asks for JSON and inserts it itself.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Form, Json};
use serde::Deserialize;
use serde_json::json;

use super::form::FormData;
use super::sentence;
use crate::app::App;
use crate::domain::time;
use crate::error::AppError;
use crate::media::{self, ACCEPT, MAX_UPLOAD_BYTES, Media, MediaError};
use crate::storage::{media as store, site};
use crate::templates::UiLayout;
use crate::templates::editor::{MediaPage, MediaView};
use crate::web::auth::Viewer;
use crate::web::auth::account::ui_viewer;

/// Images listed on the page.
const LIBRARY_SIZE: i64 = 200;

#[derive(Deserialize)]
pub struct Uploaded {
    uploaded: Option<i64>,
}

fn view(m: &Media) -> MediaView {
    MediaView {
        id: m.id,
        alt_action: format!("/editor/media/{}", m.id),
        src: media::path(m, 480),
        alt: m.alt.clone(),
        markdown: media::markdown(m, &m.alt),
        size: format!("{}×{}", m.width, m.height),
        uploaded: time::human_date(&m.created_at),
    }
}

async fn page(
    app: &App,
    viewer: &Viewer,
    status: StatusCode,
    error: Option<String>,
    alt: &str,
    just: Option<Media>,
) -> Result<Response, AppError> {
    let site = site::get_site(&app.db).await?;
    let items = store::list_media_by_owner(&app.db, viewer.user.id, LIBRARY_SIZE).await?;
    let page = MediaPage {
        ui: UiLayout::new(&site, "Your images", Some(ui_viewer(viewer))),
        csrf: viewer.session.csrf_token.clone(),
        accept: ACCEPT,
        max_mib: MAX_UPLOAD_BYTES / (1024 * 1024),
        error,
        alt: alt.to_owned(),
        just_uploaded: just.as_ref().map(view),
        items: items.iter().map(view).collect(),
    };
    Ok((status, Html(page.render()?)).into_response())
}

/// `GET /editor/media`
pub async fn library(
    State(app): State<App>,
    viewer: Viewer,
    Query(q): Query<Uploaded>,
) -> Result<Response, AppError> {
    let just = match q.uploaded {
        Some(id) => store::find_media(&app.db, id)
            .await?
            .filter(|m| m.owner_id == Some(viewer.user.id)),
        None => None,
    };
    page(&app, &viewer, StatusCode::OK, None, "", just).await
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/json"))
}

#[derive(Deserialize)]
pub struct AltForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    alt: String,
}

/// `POST /editor/media/{id}`: a new description for one's image. Posts that show it as their
/// cover without a description of their own show the new one.
pub async fn set_alt(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<AltForm>,
) -> Result<Response, AppError> {
    viewer.check_csrf(&f.csrf)?;
    let m = store::find_media(&app.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if m.owner_id != Some(viewer.user.id) {
        return Err(AppError::Forbidden);
    }
    let alt = f.alt.split_whitespace().collect::<Vec<_>>().join(" ");
    if alt.chars().count() > media::MAX_ALT_CHARS {
        let message = sentence(&MediaError::AltTooLong.to_string());
        return page(
            &app,
            &viewer,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(message),
            "",
            None,
        )
        .await;
    }
    store::set_media_alt(&app.db, id, &alt).await?;
    app.content_changed().await;
    Ok(Redirect::to("/editor/media").into_response())
}

/// `POST /editor/media`: fields `file` and `alt`.
pub async fn upload(
    State(app): State<App>,
    viewer: Viewer,
    headers: HeaderMap,
    form: FormData,
) -> Result<Response, AppError> {
    viewer.check_csrf(form.text("csrf"))?;
    let alt = form.text("alt").trim().to_owned();
    let result = match form.file("file") {
        Some(f) => media::store_upload(&app, viewer.user.id, &f.bytes, &alt).await,
        None => Err(MediaError::Empty),
    };
    let json = wants_json(&headers);
    match result {
        Ok(m) if json => Ok((
            StatusCode::CREATED,
            Json(json!({
                "id": m.id,
                "markdown": media::markdown(&m, &m.alt),
                "url": media::path(&m, media::BODY_WIDTH),
                "alt": m.alt,
            })),
        )
            .into_response()),
        Ok(m) => Ok(Redirect::to(&format!("/editor/media?uploaded={}", m.id)).into_response()),
        Err(e) if e.is_client_error() => {
            let status = match e {
                MediaError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
                MediaError::UnsupportedType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            let message = sentence(&e.to_string());
            if json {
                Ok((status, Json(json!({"error": message}))).into_response())
            } else {
                page(&app, &viewer, status, Some(message), &alt, None).await
            }
        }
        Err(e) => Err(AppError::Internal(e.into())),
    }
}
