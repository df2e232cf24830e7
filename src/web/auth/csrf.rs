//! CSRF protection for forms. Two layers: the request must come from this site (Fetch
//! Metadata / Origin, checked by `tower_http::csrf` on every state-changing route), and the
//! form must carry a secret: the session's token once signed in, or, before sign-in (login,
//! setup, registration), a token that matches a `SameSite=Strict` cookie (double submit).

use axum::http::{HeaderMap, HeaderValue};
use chrono::Duration;
use cookie::SameSite;

use super::{cookie_value, set_cookie};
use crate::app::App;
use crate::domain::secrets::{random_token, same_secret};
use crate::error::AppError;

pub const FORM_COOKIE: &str = "chorus_form";

/// The token to put in an anonymous form, and the cookie to set when the browser has none.
pub fn anonymous_token(app: &App, request: &HeaderMap) -> (String, Option<HeaderValue>) {
    match cookie_value(request, FORM_COOKIE).filter(|t| t.len() >= 32) {
        Some(t) => (t, None),
        None => {
            let t = random_token();
            let cookie = set_cookie(
                app,
                FORM_COOKIE,
                &t,
                Some(Duration::hours(12)),
                SameSite::Strict,
            );
            (t, Some(cookie))
        }
    }
}

/// Checks an anonymous form's token against its cookie.
pub fn check_anonymous(request: &HeaderMap, sent: &str) -> Result<(), AppError> {
    match cookie_value(request, FORM_COOKIE) {
        Some(cookie) if !sent.is_empty() && same_secret(&cookie, sent) => Ok(()),
        _ => Err(AppError::Forbidden),
    }
}

/// The Fetch-Metadata / Origin layer for the signed-in area and its forms.
pub fn layer(app: &App) -> tower_http::csrf::CsrfLayer {
    let origin = app.config.base_url.origin().ascii_serialization();
    tower_http::csrf::CsrfLayer::new()
        .add_trusted_origin(origin)
        .expect("the site's own origin is a valid origin")
}
