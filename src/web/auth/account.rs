//! One's own account: password change, time zone and the list of signed-in browsers.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::Viewer;
use super::login::CsrfForm;
use crate::actions::accounts::{self, AccountError, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};
use crate::actions::tokens;
use crate::app::App;
use crate::domain::time;
use crate::domain::zone::Zone;
use crate::error::AppError;
use crate::storage::{sessions, site};
use crate::templates::indieauth::TokenRow;
use crate::templates::{AccountPage, UiLayout, UiViewer};
use crate::urls::{author_path, revoke_token_path};

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

pub fn ui_viewer(viewer: &Viewer) -> UiViewer {
    UiViewer {
        display_name: viewer.user.display_name.clone(),
        is_admin: viewer.user.role == crate::domain::Role::Admin,
        can_invite: !crate::domain::invite::invitable_roles(viewer.user.role).is_empty(),
        can_moderate: viewer.user.role != crate::domain::Role::Contributor,
        can_amplify: viewer.user.role.can_edit_others(),
        pending: None,
        csrf: viewer.session.csrf_token.clone(),
    }
}

/// What went wrong on the page's forms, shown beside the form it belongs to.
#[derive(Default)]
struct Problems {
    password: Option<String>,
    zone: Option<String>,
}

async fn page(
    app: &App,
    viewer: &Viewer,
    status: StatusCode,
    notice: Option<&str>,
    problems: Problems,
) -> Result<Response, AppError> {
    let site = site::get_site(&app.db).await?;
    let mut ui = UiLayout::new(&site, "Your account", Some(ui_viewer(viewer)));
    ui.scripts
        .push(crate::templates::assets::zone_script_href());
    ui.notices.extend(notice.map(str::to_owned));
    let list = sessions::list_user_sessions(&app.db, viewer.user.id, time::now()).await?;
    let sessions = list
        .into_iter()
        .map(|s| {
            let browser = if s.user_agent.is_empty() {
                "Unknown browser".to_owned()
            } else {
                s.user_agent.clone()
            };
            let this = s.id == viewer.session.id;
            (
                browser,
                time::human_date(&s.created_at),
                time::human_date(&s.last_seen_at),
                this,
            )
        })
        .collect();
    let body = AccountPage {
        ui,
        csrf: viewer.session.csrf_token.clone(),
        handle: format!("@{}@{}", viewer.user.username, app.config.domain()),
        role: viewer.user.role.to_string(),
        profile_url: app
            .config
            .url(&author_path(viewer.user.username.as_str()))
            .to_string(),
        sessions,
        tokens: tokens::list(app, &viewer.user)
            .await
            .map_err(|e| AppError::Internal(e.into()))?
            .iter()
            .map(|t| TokenRow::new(t, revoke_token_path(t.id)))
            .collect(),
        error: problems.password,
        zone_error: problems.zone,
        zone: viewer.user.time_zone.name(),
        zone_now: viewer.user.time_zone.show(&time::now()),
        zones: Zone::names().collect(),
    }
    .render()?;
    Ok((status, Html(body)).into_response())
}

/// `GET /account`
pub async fn account(
    State(app): State<App>,
    viewer: Viewer,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    let notice = match q.done.as_deref() {
        Some("password") => Some("Your password was changed. Other browsers were signed out."),
        Some("sessions") => Some("You were signed out everywhere else."),
        Some("time-zone") => Some("Your time zone was saved."),
        Some("token") => Some("The token was revoked: the app can no longer act for you."),
        _ => None,
    };
    page(&app, &viewer, StatusCode::OK, notice, Problems::default()).await
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    new_password: String,
}

/// `POST /account/password`
pub async fn change_password(
    State(app): State<App>,
    viewer: Viewer,
    Form(f): Form<PasswordForm>,
) -> Result<Response, AppError> {
    viewer.check_csrf(&f.csrf)?;
    let attempt = app
        .limiter
        .begin_own_password(viewer.user.id)
        .map_err(|wait| {
            AppError::TooMany(
                format!(
                    "too many wrong current passwords; try again in {} minutes",
                    wait.as_secs().div_ceil(60).max(1)
                ),
                wait,
            )
        })?;
    let changed = accounts::change_password(
        &app,
        &viewer.user,
        &f.current,
        &f.new_password,
        Some(&viewer.session.id),
    )
    .await;
    let problem = match changed {
        Ok(()) => {
            attempt.succeeded();
            return Ok(Redirect::to("/account?done=password").into_response());
        }
        Err(AccountError::WrongPassword) => {
            drop(attempt);
            "The current password is wrong.".to_owned()
        }
        Err(AccountError::PasswordTooShort | AccountError::PasswordTooLong) => {
            attempt.succeeded();
            format!(
                "The new password must have {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters."
            )
        }
        Err(e) => {
            attempt.not_checked();
            return Err(e.into());
        }
    };
    let problems = Problems {
        password: Some(problem),
        ..Problems::default()
    };
    page(
        &app,
        &viewer,
        StatusCode::UNPROCESSABLE_ENTITY,
        None,
        problems,
    )
    .await
}

#[derive(Deserialize)]
pub struct ZoneForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    time_zone: String,
}

/// `POST /account/time-zone`: the zone the editor reads and shows scheduling times in. A name
/// that is not a zone is refused with a message and changes nothing.
pub async fn set_time_zone(
    State(app): State<App>,
    viewer: Viewer,
    Form(f): Form<ZoneForm>,
) -> Result<Response, AppError> {
    viewer.check_csrf(&f.csrf)?;
    match accounts::set_time_zone(&app, &viewer.user, &f.time_zone).await {
        Ok(_) => Ok(Redirect::to("/account?done=time-zone").into_response()),
        Err(AccountError::Zone(e)) => {
            let problems = Problems {
                zone: Some(crate::web::editor::sentence(&e.to_string())),
                ..Problems::default()
            };
            page(
                &app,
                &viewer,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                problems,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /account/sessions/end-others`
pub async fn end_other_sessions(
    State(app): State<App>,
    viewer: Viewer,
    Form(f): Form<CsrfForm>,
) -> Result<Response, AppError> {
    viewer.check_csrf(&f.csrf)?;
    sessions::delete_user_sessions(&app.db, viewer.user.id, Some(&viewer.session.id)).await?;
    Ok(Redirect::to("/account?done=sessions").into_response())
}

/// `GET /account/export`: the signed-in author's posts (Markdown with front matter), images,
/// the comments and reactions on their posts, their followers and their ActivityPub archive,
/// as one zip file, in the shape `chorus export` writes and `chorus import markdown` reads.
pub async fn download_export(State(app): State<App>, viewer: Viewer) -> Result<Response, AppError> {
    use crate::actions::export;
    let user = &viewer.user;
    let files = export::export_author(&app, user)
        .await
        .map_err(AppError::internal)?;
    let bytes = export::zip(&app, &files)
        .await
        .map_err(AppError::internal)?;
    let name = format!(
        "{}-{}-{}.zip",
        app.config.domain().replace(':', "-"),
        user.username,
        time::now().format("%Y-%m-%d")
    );
    tracing::info!(user = %user.username, files = files.len(), "export downloaded");
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/zip".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (axum::http::header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}
