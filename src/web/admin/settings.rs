//! `/admin/site`: title, description, language, the community actor's name and the
//! registration mode. Saving refreshes every cached page at once and sends the community's
//! new profile to its followers.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::Admin;
use crate::app::App;
use crate::domain::site::{RegistrationMode, SettingsInput};
use crate::error::AppError;
use crate::federation::outbox;
use crate::storage::site;
use crate::templates::admin::AdminSitePage;

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

async fn render(app: &App, admin: &Admin, status: StatusCode, f: &SettingsInput, notice: Option<&str>, error: Option<String>) -> Result<Response, AppError> {
    let site = site::get_site(&app.db).await?;
    let mut ui = admin.layout(&site, "Site settings");
    ui.notices.extend(notice.map(str::to_owned));
    let modes = RegistrationMode::ALL
        .into_iter()
        .map(|m| (m.as_str().to_owned(), m.label().to_owned(), m.as_str() == f.registration_mode))
        .collect();
    let body = AdminSitePage {
        ui,
        csrf: admin.0.session.csrf_token.clone(),
        title: f.title.clone(),
        description: f.description.clone(),
        language: f.language.clone(),
        community_name: f.community_name.clone(),
        community_handle: format!("@{}@{}", site.community_username, app.config.domain()),
        modes,
        error,
    }
    .render()?;
    Ok((status, Html(body)).into_response())
}

/// `GET /admin/site`
pub async fn page(State(app): State<App>, admin: Admin, Query(q): Query<Done>) -> Result<Response, AppError> {
    let site = site::get_site(&app.db).await?;
    let current = SettingsInput {
        title: site.title,
        description: site.description,
        language: site.language,
        community_name: site.community_name,
        registration_mode: site::registration_mode(&app.db).await?,
    };
    let notice = (q.done.as_deref() == Some("saved")).then_some("The settings were saved.");
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
pub async fn save(State(app): State<App>, admin: Admin, Form(f): Form<SettingsForm>) -> Result<Response, AppError> {
    admin.0.check_csrf(&f.csrf)?;
    let input = SettingsInput {
        title: f.title,
        description: f.description,
        language: f.language,
        community_name: f.community_name,
        registration_mode: f.registration_mode,
    };
    let settings = match input.check() {
        Ok(s) => s,
        Err(e) => return render(&app, &admin, StatusCode::UNPROCESSABLE_ENTITY, &input, None, Some(e.to_string())).await,
    };
    let before = site::get_site(&app.db).await?;
    let after = site::update_settings(&app.db, &settings).await?;
    app.content_changed().await;
    tracing::info!(admin = %admin.0.user.username, registration = %settings.registration_mode, "site settings saved");
    if before.community_name != after.community_name || before.description != after.description {
        if let Err(e) = outbox::community_updated(&app).await {
            tracing::error!(error = %format!("{e:#}"), "could not queue the community's profile update");
        }
    }
    Ok(Redirect::to("/admin/site?done=saved").into_response())
}
