//! `/admin/site`: title, description, language, the community actor's name and the
//! registration mode. Saving refreshes every cached page at once and sends the community's
//! new profile to its followers.

use askama::Template;
use axum::Form;
use axum::extract::{Query, Request, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::Admin;
use crate::actions::profiles;
use crate::app::App;
use crate::domain::site::{RegistrationMode, SettingsInput};
use crate::error::AppError;
use crate::media::{self, MediaError};
use crate::storage::{media as media_store, site};
use crate::templates::admin::AdminSitePage;
use crate::web::auth::login::CsrfForm;
use crate::web::profile::{AVATAR_WIDTH, image_view, read_picture_form};

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

async fn render(
    app: &App,
    admin: &Admin,
    status: StatusCode,
    f: &SettingsInput,
    notice: Option<&str>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let site = site::get_site(&app.db).await?;
    let mut ui = admin.layout(&site, "Site settings");
    ui.notices.extend(notice.map(str::to_owned));
    let modes = RegistrationMode::ALL
        .into_iter()
        .map(|m| {
            (
                m.as_str().to_owned(),
                m.label().to_owned(),
                m.as_str() == f.registration_mode,
            )
        })
        .collect();
    let body = AdminSitePage {
        ui,
        csrf: admin.0.session.csrf_token.clone(),
        title: f.title.clone(),
        description: f.description.clone(),
        language: f.language.clone(),
        community_name: f.community_name.clone(),
        community_handle: format!("@{}@{}", site.community_username, app.config.domain()),
        avatar: match site::community_avatar(&app.db).await? {
            Some(id) => media_store::find_media(&app.db, id)
                .await?
                .map(|m| image_view(&m, AVATAR_WIDTH)),
            None => None,
        },
        accept: media::ACCEPT,
        modes,
        error,
    }
    .render()?;
    Ok((status, Html(body)).into_response())
}

/// `GET /admin/site`
pub async fn page(
    State(app): State<App>,
    admin: Admin,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    let site = site::get_site(&app.db).await?;
    let current = SettingsInput {
        title: site.title,
        description: site.description,
        language: site.language,
        community_name: site.community_name,
        registration_mode: site::registration_mode(&app.db).await?,
    };
    let notice = match q.done.as_deref() {
        Some("saved") => Some("The settings were saved."),
        Some("avatar") => Some("The community's avatar was saved and sent to its followers."),
        Some("avatar-removed") => Some("The community's avatar was removed."),
        _ => None,
    };
    render(&app, &admin, StatusCode::OK, &current, notice, None).await
}

#[derive(Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    community_name: String,
    #[serde(default)]
    registration_mode: String,
}

/// `POST /admin/site`
pub async fn save(
    State(app): State<App>,
    admin: Admin,
    Form(f): Form<SettingsForm>,
) -> Result<Response, AppError> {
    admin.0.check_csrf(&f.csrf)?;
    let input = SettingsInput {
        title: f.title,
        description: f.description,
        language: f.language,
        community_name: f.community_name,
        registration_mode: f.registration_mode,
    };
    if let Err(e) = input.check() {
        return render(
            &app,
            &admin,
            StatusCode::UNPROCESSABLE_ENTITY,
            &input,
            None,
            Some(e.to_string()),
        )
        .await;
    }
    profiles::update_site(&app, &input).await?;
    tracing::info!(admin = %admin.0.user.username, "site settings saved");
    Ok(Redirect::to("/admin/site?done=saved").into_response())
}

/// `POST /admin/site/avatar` (multipart: `file`, `alt`): the community actor's avatar.
pub async fn upload_avatar(
    State(app): State<App>,
    admin: Admin,
    req: Request,
) -> Result<Response, AppError> {
    let form = match read_picture_form(req, &app).await {
        Ok(f) => f,
        Err(refused) => return Ok(refused),
    };
    admin.0.check_csrf(&form.csrf)?;
    let stored = match &form.file {
        Some(bytes) => media::store_upload(&app, admin.0.user.id, bytes, form.alt.trim()).await,
        None => Err(MediaError::Empty),
    };
    let picture = match stored {
        Ok(m) => m,
        Err(e) if e.is_client_error() => {
            let status = if matches!(e, MediaError::TooLarge(_)) {
                StatusCode::PAYLOAD_TOO_LARGE
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let current = profiles::current_settings(&app).await?;
            return render(
                &app,
                &admin,
                status,
                &current,
                None,
                Some(format!("The picture was not saved: {e}.")),
            )
            .await;
        }
        Err(e) => return Err(AppError::Internal(e.into())),
    };
    profiles::set_community_avatar(&app, Some(picture.id)).await?;
    Ok(Redirect::to("/admin/site?done=avatar").into_response())
}

/// `POST /admin/site/avatar/remove`
pub async fn remove_avatar(
    State(app): State<App>,
    admin: Admin,
    Form(f): Form<CsrfForm>,
) -> Result<Response, AppError> {
    admin.0.check_csrf(&f.csrf)?;
    profiles::set_community_avatar(&app, None).await?;
    Ok(Redirect::to("/admin/site?done=avatar-removed").into_response())
}
