//! Administration (`/admin`): users, site settings, domain blocks and reports. Every page and
//! form here answers 403 to anyone but an administrator; invites live at `/account/invites`,
//! where editors use them too.

pub mod blocks;
pub mod reports;
pub mod settings;
pub mod users;

use askama::Template;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Response};

use crate::app::App;
use crate::domain::Role;
use crate::domain::time;
use crate::error::AppError;
use crate::storage::invites::{self, InviteState};
use crate::storage::users::AccountStatus;
use crate::storage::{blocks as block_store, site, users as user_store};
use crate::templates::UiLayout;
use crate::templates::admin::AdminIndexPage;
use crate::web::auth::account::ui_viewer;
use crate::web::auth::{AuthRejection, Viewer};

/// A signed-in administrator. Anyone else signed in is refused with 403, before the handler
/// reads the form, so no admin handler can forget the check.
pub struct Admin(pub Viewer);

impl FromRequestParts<App> for Admin {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let viewer = Viewer::from_request_parts(parts, app).await?;
        viewer
            .require(&[Role::Admin])
            .map_err(AuthRejection::Error)?;
        Ok(Admin(viewer))
    }
}

impl Admin {
    pub fn layout(&self, site: &site::Site, title: &str) -> UiLayout {
        UiLayout::new(site, title, Some(ui_viewer(&self.0)))
    }
}

/// `GET /admin`: what needs attention, and the way to each page.
pub async fn index(State(app): State<App>, admin: Admin) -> Result<Response, AppError> {
    let site = site::get_site(&app.db).await?;
    let all = user_store::list_users(&app.db).await?;
    let now = time::now();
    let open_invites = invites::list_invites(&app.db, None)
        .await?
        .iter()
        .filter(|i| i.state(now) == InviteState::Open)
        .count();
    let blocks = block_store::list_blocks(&app.db)
        .await?
        .iter()
        .filter(|b| b.kind == "domain")
        .count();
    let mode = site::registration_mode(&app.db).await?;
    let page = AdminIndexPage {
        ui: admin.layout(&site, "Administration"),
        users: all.len(),
        pending: all
            .iter()
            .filter(|u| u.status == AccountStatus::Pending)
            .count(),
        open_invites,
        blocks,
        registration: mode
            .parse::<crate::domain::site::RegistrationMode>()
            .map(|m| m.label().to_owned())
            .unwrap_or(mode),
    };
    Ok(Html(page.render()?).into_response())
}
