//! Administration (`/admin`): users, site settings, domain blocks, reports and federation health. Every page and
//! form here answers 403 to anyone but an administrator; invites live at `/account/invites`,
//! where editors use them too.

pub mod blocks;
pub mod federation;
pub mod overview;
pub mod reports;
pub mod settings;
pub mod users;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::app::App;
use crate::domain::Role;
use crate::storage::site;
use crate::templates::UiLayout;
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
