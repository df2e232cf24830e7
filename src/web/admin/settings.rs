//! `/admin/site`: title, description, language, the community actor's name, the
//! registration mode and the reply policy new posts take when they do not choose one. Saving refreshes every cached page at once and sends the community's
//! new profile to its followers.

use askama::Template;
use axum::Form;
use axum::extract::{Query, Request, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::Admin;
use crate::actions::{moderation, profiles};
use crate::app::App;
use crate::domain::comments::ReplyPolicy;
use crate::domain::quotes::QuotePolicy;
use crate::domain::site::{RegistrationMode, SettingsInput};
use crate::error::AppError;
use crate::media::{self, MediaError};
use crate::storage::{comments, media as media_store, site};
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
    (reply_policy, quote_policy): (&str, &str),
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
        reply_policies: ReplyPolicy::ALL
            .into_iter()
            .map(|p| {
                (
                    p.as_str().to_owned(),
                    p.label().to_owned(),
                    p.as_str() == reply_policy,
                )
            })
            .collect(),
        quote_policies: QuotePolicy::ALL
            .into_iter()
            .map(|p| {
                (
                    p.as_str().to_owned(),
                    p.label().to_owned(),
                    p.as_str() == quote_policy,
                )
            })
            .collect(),
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
    let policy = comments::site_reply_policy(&app.db).await?;
    let quotes = site::site_quote_policy(&app.db).await?;
    let notice = match q.done.as_deref() {
        Some("saved") => Some("The settings were saved."),
        Some("avatar") => Some("The community's avatar was saved and sent to its followers."),
        Some("avatar-removed") => Some("The community's avatar was removed."),
        _ => None,
    };
    render(
        &app,
        &admin,
        StatusCode::OK,
        &current,
        (policy.as_str(), quotes.as_str()),
        notice,
        None,
    )
    .await
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
    #[serde(default)]
    reply_policy: String,
    #[serde(default)]
    quote_policy: String,
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
    // A form without the field (an older page) leaves the default as it is.
    let policy = match f.reply_policy.trim() {
        "" => Ok(None),
        given => given.parse::<ReplyPolicy>().map(Some),
    };
    let quotes = match f.quote_policy.trim() {
        "" => Ok(None),
        given => given.parse::<QuotePolicy>().map(Some),
    };
    let problem = match (input.check(), &policy, &quotes) {
        (Err(e), _, _) => Some(e.to_string()),
        (Ok(_), Err(e), _) => Some(format!("{}.", capitalized(&e.to_string()))),
        (Ok(_), _, Err(e)) => Some(format!("{}.", capitalized(&e.to_string()))),
        (Ok(_), Ok(_), Ok(_)) => None,
    };
    if let Some(problem) = problem {
        return render(
            &app,
            &admin,
            StatusCode::UNPROCESSABLE_ENTITY,
            &input,
            (&f.reply_policy, &f.quote_policy),
            None,
            Some(problem),
        )
        .await;
    }
    profiles::update_site(&app, &input).await?;
    if let Ok(Some(policy)) = policy
        && policy != comments::site_reply_policy(&app.db).await?
    {
        moderation::set_site_reply_policy(&app, policy).await?;
    }
    if let Ok(Some(policy)) = quotes
        && policy != site::site_quote_policy(&app.db).await?
    {
        crate::actions::quotes::set_site_policy(&app, policy).await?;
    }
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
            let policy = comments::site_reply_policy(&app.db).await?;
            let quotes = site::site_quote_policy(&app.db).await?;
            return render(
                &app,
                &admin,
                status,
                &current,
                (policy.as_str(), quotes.as_str()),
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

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
