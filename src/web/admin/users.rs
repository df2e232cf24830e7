//! `/admin/users`: every account with its role and status; change a role, suspend and
//! unsuspend (suspending ends the account's sessions), approve or refuse registrations, and
//! issue a one-time password reset link (valid 24 hours, shown once).

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::Admin;
use crate::actions::accounts;
use crate::app::App;
use crate::domain::Role;
use crate::error::AppError;
use crate::storage::admin_log::AdminAction;
use crate::storage::site;
use crate::storage::users::{self, AccountStatus, User};
use crate::templates::admin::{AdminUserView, AdminUsersPage};
use crate::urls::author_path;

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

async fn page(
    app: &App,
    admin: &Admin,
    status: StatusCode,
    notice: Option<&str>,
    error: Option<String>,
    reset: Option<(String, String)>,
) -> Result<Response, AppError> {
    let site = site::get_site(&app.db).await?;
    let mut ui = admin.layout(&site, "Users");
    ui.notices.extend(notice.map(str::to_owned));
    let mut all = users::list_users(&app.db).await?;
    // Accounts waiting for approval first: they are what needs doing.
    all.sort_by_key(|u| u.status != AccountStatus::Pending);
    let users = all
        .into_iter()
        .map(|u| AdminUserView {
            id: u.id,
            username: u.username.to_string(),
            display_name: u.display_name.clone(),
            profile_url: author_path(u.username.as_str()),
            role: u.role.to_string(),
            roles: Role::ALL
                .into_iter()
                .map(|r| (r.to_string(), r.to_string(), r == u.role))
                .collect(),
            status: u.status.as_str(),
            is_self: u.id == admin.0.user.id,
        })
        .collect();
    let body = AdminUsersPage {
        ui,
        csrf: admin.0.session.csrf_token.clone(),
        users,
        error,
        reset,
        copy_script: crate::templates::assets::copy_script_href(),
    }
    .render()?;
    Ok((status, Html(body)).into_response())
}

/// `GET /admin/users`
pub async fn list(
    State(app): State<App>,
    admin: Admin,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    let notice = match q.done.as_deref() {
        Some("role") => Some("The role was changed."),
        Some("approve") => Some("The account was approved: it can sign in now."),
        Some("suspend") => Some("The account was suspended and signed out everywhere."),
        Some("unsuspend") => Some("The account can sign in again."),
        _ => None,
    };
    page(&app, &admin, StatusCode::OK, notice, None, None).await
}

/// The account an admin acts on: never their own (so the last admin cannot lock everyone
/// out by accident).
async fn target(app: &App, admin: &Admin, id: i64) -> Result<Result<User, Response>, AppError> {
    let user = users::find_user_by_id(&app.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if user.id == admin.0.user.id {
        let e =
            "You cannot change your own role or status here; ask another administrator.".to_owned();
        return Ok(Err(page(
            app,
            admin,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            Some(e),
            None,
        )
        .await?));
    }
    Ok(Ok(user))
}

#[derive(Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    role: String,
}

/// `POST /admin/users/{id}/role`
pub async fn change_role(
    State(app): State<App>,
    admin: Admin,
    Path(id): Path<i64>,
    Form(f): Form<RoleForm>,
) -> Result<Response, AppError> {
    admin.0.check_csrf(&f.csrf)?;
    let role: Role = f
        .role
        .parse()
        .map_err(|e: crate::domain::role::UnknownRole| AppError::BadRequest(e.to_string()))?;
    let user = match target(&app, &admin, id).await? {
        Ok(u) => u,
        Err(refused) => return Ok(refused),
    };
    accounts::set_role(&app, Some(&admin.0.user), &user, role).await?;
    Ok(Redirect::to("/admin/users?done=role").into_response())
}

#[derive(Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
}

/// `POST /admin/users/{id}/status`: `approve`, `suspend` or `unsuspend`.
pub async fn change_status(
    State(app): State<App>,
    admin: Admin,
    Path(id): Path<i64>,
    Form(f): Form<StatusForm>,
) -> Result<Response, AppError> {
    admin.0.check_csrf(&f.csrf)?;
    let (status, action) = match f.action.as_str() {
        "approve" => (AccountStatus::Active, AdminAction::Approve),
        "unsuspend" => (AccountStatus::Active, AdminAction::Unsuspend),
        "suspend" => (AccountStatus::Suspended, AdminAction::Suspend),
        other => return Err(AppError::BadRequest(format!("unknown action {other:?}"))),
    };
    let user = match target(&app, &admin, id).await? {
        Ok(u) => u,
        Err(refused) => return Ok(refused),
    };
    accounts::set_status(&app, &admin.0.user, &user, status, action).await?;
    Ok(Redirect::to(&format!("/admin/users?done={}", f.action)).into_response())
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// `POST /admin/users/{id}/reset`: a one-time password reset link for the account, shown
/// once on the page that answers (201).
pub async fn issue_reset(
    State(app): State<App>,
    admin: Admin,
    Path(id): Path<i64>,
    Form(f): Form<CsrfOnly>,
) -> Result<Response, AppError> {
    admin.0.check_csrf(&f.csrf)?;
    let user = match target(&app, &admin, id).await? {
        Ok(u) => u,
        Err(refused) => return Ok(refused),
    };
    let token = accounts::issue_password_reset(&app, &admin.0.user, &user).await?;
    let mut link = app.config.url("/reset");
    link.query_pairs_mut().append_pair("token", &token);
    let mut r = page(
        &app,
        &admin,
        StatusCode::CREATED,
        None,
        None,
        Some((user.username.to_string(), link.to_string())),
    )
    .await?;
    r.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(r)
}
