//! Accounts on the web: sessions in the database behind an `HttpOnly` cookie, the `Viewer`
//! extractor for signed-in pages, CSRF tokens, the login limiter, and the pages for signing
//! in and out, first-run setup and one's own account.

pub mod account;
pub mod bearer;
pub mod csrf;
pub mod limiter;
pub mod login;
pub mod reset;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Duration;
use cookie::{Cookie, SameSite};

use crate::app::App;
use crate::domain::secrets::{random_token, same_secret, token_hash};
use crate::domain::{Role, time};
use crate::error::{AppError, plain_page};
use crate::storage::sessions::{self, Session};
use crate::storage::users::{self, AccountStatus, User};

pub const SESSION_COOKIE: &str = "chorus_session";
/// A session ends after this long without use.
pub const SESSION_LIFETIME: Duration = Duration::days(30);
/// Sessions are extended at most this often, so reading pages does not write on every request.
pub const SESSION_TOUCH_INTERVAL: Duration = Duration::hours(1);

/// The value of cookie `name` in the request.
pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| Cookie::parse(c.trim().to_owned()).ok())
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

/// A `Set-Cookie` value: `HttpOnly`, `SameSite`, `Secure` on https sites, whole-site path.
pub fn set_cookie(
    app: &App,
    name: &str,
    value: &str,
    max_age: Option<Duration>,
    same_site: SameSite,
) -> HeaderValue {
    let mut c = Cookie::build((name.to_owned(), value.to_owned()))
        .path("/")
        .http_only(true)
        .same_site(same_site)
        .secure(app.config.base_url.scheme() == "https");
    if let Some(age) = max_age {
        c = c.max_age(cookie::time::Duration::seconds(age.num_seconds()));
    }
    HeaderValue::from_str(&c.build().to_string()).expect("cookie values we build are valid headers")
}

/// Starts a session for `user` and gives the `Set-Cookie` header that carries it.
pub async fn start_session(
    app: &App,
    user: &User,
    user_agent: &str,
) -> Result<HeaderValue, AppError> {
    let token = random_token();
    let now = time::now();
    let ua: String = user_agent.chars().take(200).collect();
    let new = sessions::NewSession {
        id: &token_hash(&token),
        user_id: user.id,
        csrf_token: &random_token(),
        user_agent: &ua,
        now,
        expires_at: now + SESSION_LIFETIME,
    };
    sessions::insert_session(&app.db, &new).await?;
    Ok(set_cookie(
        app,
        SESSION_COOKIE,
        &token,
        Some(SESSION_LIFETIME),
        SameSite::Lax,
    ))
}

/// A signed-in person on a page that requires it.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub user: User,
    pub session: Session,
}

impl Viewer {
    /// Refuses with 403 unless the viewer has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), AppError> {
        if roles.contains(&self.user.role) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Checks the per-session CSRF token sent with a form.
    pub fn check_csrf(&self, sent: &str) -> Result<(), AppError> {
        if same_secret(&self.session.csrf_token, sent) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// Why a page needing a session could not be shown.
pub enum AuthRejection {
    /// Not signed in: go to the login page and come back.
    Login(String),
    Error(AppError),
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        match self {
            AuthRejection::Login(next) => {
                let target = format!(
                    "/login?next={}",
                    url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
                );
                Redirect::to(&target).into_response()
            }
            AuthRejection::Error(e) => e.into_response(),
        }
    }
}

async fn viewer_from(parts: &Parts, app: &App) -> Result<Option<Viewer>, AppError> {
    let Some(token) = cookie_value(&parts.headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let now = time::now();
    let Some(session) = sessions::find_live_session(&app.db, &token_hash(&token), now).await?
    else {
        return Ok(None);
    };
    let Some(user) = users::find_user_by_id(&app.db, session.user_id).await? else {
        return Ok(None);
    };
    if user.status != AccountStatus::Active {
        return Ok(None);
    }
    if now - session.last_seen_at > SESSION_TOUCH_INTERVAL {
        sessions::touch_session(&app.db, &session.id, now, now + SESSION_LIFETIME).await?;
    }
    Ok(Some(Viewer { user, session }))
}

impl FromRequestParts<App> for Viewer {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        match viewer_from(parts, app).await {
            Ok(Some(v)) => Ok(v),
            Ok(None) => Err(AuthRejection::Login(
                parts
                    .uri
                    .path_and_query()
                    .map(|p| p.to_string())
                    .unwrap_or_default(),
            )),
            Err(e) => Err(AuthRejection::Error(e)),
        }
    }
}

/// The viewer if signed in, for pages that work either way.
pub struct MaybeViewer(pub Option<Viewer>);

impl FromRequestParts<App> for MaybeViewer {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        Ok(MaybeViewer(viewer_from(parts, app).await?))
    }
}

/// A plain page for a refused form, with the status a script can check.
pub fn refusal(status: StatusCode, heading: &str, message: &str) -> Response {
    let mut r = (
        status,
        axum::response::Html(plain_page(status, heading, message)),
    )
        .into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// Where signing in leads when no usable `next` was given.
pub const DEFAULT_NEXT: &str = "/editor";

/// A `next` target after login: a path on this site, or [`DEFAULT_NEXT`].
pub fn safe_next(next: Option<&str>) -> String {
    next.filter(|n| is_site_path(n))
        .map_or_else(|| DEFAULT_NEXT.to_owned(), str::to_owned)
}

/// Whether `next` can only lead to a page of this site, however a browser reads it: one
/// leading `/` and no backslash, whitespace or control character, before and after
/// percent-decoding (browsers drop tabs and newlines, so `/\t/evil.example` is
/// `//evil.example` to them); a valid request target; and resolved, still on the site.
fn is_site_path(next: &str) -> bool {
    let plain = |s: &str| {
        s.starts_with('/')
            && !s.starts_with("//")
            && !s
                .chars()
                .any(|c| c == '\\' || c.is_whitespace() || c.is_control())
    };
    let decoded = percent_encoding::percent_decode_str(next).decode_utf8_lossy();
    let base = url::Url::parse("http://site.invalid/").expect("a valid URL");
    plain(next)
        && plain(&decoded)
        && next.parse::<axum::http::uri::PathAndQuery>().is_ok()
        && base.join(next).is_ok_and(|u| u.origin() == base.origin())
}

#[cfg(test)]
mod next_tests {
    use super::*;

    #[test]
    fn only_paths_on_this_site_are_kept() {
        for kept in [
            "/editor",
            "/editor/posts/3?done=saved",
            "/account/profile#x",
            "/%C3%A9t%C3%A9",
        ] {
            assert_eq!(safe_next(Some(kept)), kept);
        }
        for refused in [
            "/\t/evil.example",
            "/\n",
            "/\r\n/evil.example",
            "//evil.example",
            "/\\evil.example",
            "\\/evil.example",
            "https://evil.example/",
            "javascript:alert(1)",
            "/%09/evil.example",
            "/%0A",
            "/%2F/evil.example",
            "/%5Cevil.example",
            "/ /evil.example",
            "/\u{0}",
            "/\u{2028}x",
            "editor",
            "",
        ] {
            assert_eq!(safe_next(Some(refused)), DEFAULT_NEXT, "{refused:?}");
        }
        assert_eq!(safe_next(None), DEFAULT_NEXT);
    }
}
