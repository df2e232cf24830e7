//! `/account/move`: naming one's other accounts (`alsoKnownAs`) and moving followers to a new
//! account (`Move`).

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::actions::moves::{self, MoveError};
use crate::app::App;
use crate::error::AppError;
use crate::storage::site;
use crate::storage::users::User;
use crate::templates::UiLayout;
use crate::templates::accounts::AccountMovePage;
use crate::urls;
use crate::web::auth::Viewer;
use crate::web::auth::account::ui_viewer;

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

#[derive(Deserialize)]
pub struct AccountForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    account: String,
}

async fn page(
    app: &App,
    viewer: &Viewer,
    user: &User,
    status: StatusCode,
    notice: Option<&str>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let site = site::get_site(&app.db).await?;
    let mut ui = UiLayout::new(&site, "Move accounts", Some(ui_viewer(viewer)));
    ui.notices.extend(notice.map(str::to_owned));
    let body = AccountMovePage {
        ui,
        csrf: viewer.session.csrf_token.clone(),
        handle: format!("@{}@{}", user.username, app.config.domain()),
        actor_url: urls::person(&app.config, user.username.as_str()).to_string(),
        aliases: user.also_known_as.clone(),
        moved_to: user.moved_to.clone(),
        error,
    };
    Ok((status, Html(body.render()?)).into_response())
}

/// `GET /account/move`
pub async fn show(
    State(app): State<App>,
    viewer: Viewer,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    let notice = match q.done.as_deref() {
        Some("alias") => Some("The account was named as also yours."),
        Some("removed") => Some("The account is no longer named as yours."),
        Some("moved") => Some("Your followers' servers were told about the move."),
        _ => None,
    };
    page(&app, &viewer, &viewer.user, StatusCode::OK, notice, None).await
}

/// What an action gave: a redirect to the page with `done`, or the page again with the reason
/// it was refused.
async fn answer(
    app: &App,
    viewer: &Viewer,
    result: Result<User, MoveError>,
    done: &str,
) -> Result<Response, AppError> {
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/account/move?done={done}")).into_response()),
        Err(e) if e.is_internal() => Err(AppError::internal(e)),
        Err(e) => {
            let why = e.to_string();
            page(
                app,
                viewer,
                &viewer.user,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(why),
            )
            .await
        }
    }
}

/// `POST /account/move/aliases`: names another account as also this author's.
pub async fn add_alias(
    State(app): State<App>,
    viewer: Viewer,
    Form(f): Form<AccountForm>,
) -> Result<Response, AppError> {
    viewer.check_csrf(&f.csrf)?;
    let result = moves::add_alias(&app, &viewer.user, &f.account).await;
    answer(&app, &viewer, result, "alias").await
}

/// `POST /account/move/aliases/remove`
pub async fn remove_alias(
    State(app): State<App>,
    viewer: Viewer,
    Form(f): Form<AccountForm>,
) -> Result<Response, AppError> {
    viewer.check_csrf(&f.csrf)?;
    let result = moves::remove_alias(&app, &viewer.user, f.account.trim()).await;
    answer(&app, &viewer, result, "removed").await
}

/// `POST /account/move/out`: moves the followers to another account.
pub async fn move_out(
    State(app): State<App>,
    viewer: Viewer,
    Form(f): Form<AccountForm>,
) -> Result<Response, AppError> {
    viewer.check_csrf(&f.csrf)?;
    let result = moves::move_to(&app, &viewer.user, &f.account).await;
    answer(&app, &viewer, result, "moved").await
}
