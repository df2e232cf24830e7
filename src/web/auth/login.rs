//! Signing in and out, and first-run setup of the administrator account.

use std::net::SocketAddr;

use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::Duration;
use cookie::SameSite;
use serde::Deserialize;

use super::{
    MaybeViewer, SESSION_COOKIE, Viewer, cookie_value, csrf, refusal, safe_next, set_cookie,
    start_session,
};
use crate::actions::accounts::{self, AccountError};
use crate::app::App;
use crate::domain::secrets::{same_secret, token_hash};
use crate::domain::site::RegistrationMode;
use crate::domain::{Role, Username};
use crate::error::AppError;
use crate::storage::users::AccountStatus;
use crate::storage::{sessions, site, users};
use crate::templates::{LoginPage, SetupPage, UiLayout};

/// Verified against when the username does not exist, so both cases take as long.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$fcSdnPZMzgDMpTe65/fmOQ$4OCJS6p3g6CqLF/wbGCLUfevHCgKZsmcwfw58Pfxp5A";

/// What setup-token guesses count against in the limiter (never a valid username).
const SETUP_KEY: &str = "/setup";

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub csrf: String,
}

fn with_cookie(mut response: Response, cookie: Option<HeaderValue>) -> Response {
    if let Some(c) = cookie {
        response.headers_mut().append(header::SET_COOKIE, c);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn login_form(
    app: &App,
    headers: &HeaderMap,
    status: StatusCode,
    next: &str,
    username: &str,
    error: Option<String>,
) -> Result<Response, AppError> {
    let site = site::get_site(&app.db).await?;
    let (token, cookie) = csrf::anonymous_token(app, headers);
    let registration_open = site::registration_mode(&app.db)
        .await?
        .parse::<RegistrationMode>()
        .is_ok_and(RegistrationMode::is_open);
    let page = LoginPage {
        ui: UiLayout::new(&site, "Sign in", None),
        csrf: token,
        next: next.to_owned(),
        username: username.to_owned(),
        error,
        registration_open,
    };
    Ok(with_cookie(
        (status, Html(page.render()?)).into_response(),
        cookie,
    ))
}

/// `GET /login`
pub async fn login_page(
    State(app): State<App>,
    Query(q): Query<NextQuery>,
    MaybeViewer(viewer): MaybeViewer,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let next = safe_next(q.next.as_deref());
    if viewer.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    login_form(&app, &headers, StatusCode::OK, &next, "", None).await
}

fn too_many(wait: std::time::Duration) -> Response {
    let minutes = wait.as_secs().div_ceil(60).max(1);
    let mut r = refusal(
        StatusCode::TOO_MANY_REQUESTS,
        "Too many attempts",
        &format!("Too many wrong passwords from your address. Try again in {minutes} minutes."),
    );
    r.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from(wait.as_secs().max(1)),
    );
    r
}

/// `POST /login`
pub async fn login(
    State(app): State<App>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response, AppError> {
    csrf::check_anonymous(&headers, &f.csrf)?;
    let next = safe_next(f.next.as_deref());
    // Counted before the password is checked, so that parallel guesses count too.
    let attempt = match app.limiter.begin(addr.ip(), &f.username) {
        Ok(attempt) => attempt,
        Err(wait) => return Ok(too_many(wait)),
    };
    let user = match Username::parse(&f.username) {
        Ok(name) => users::find_user_by_username(&app.db, name.as_str()).await?,
        Err(_) => None,
    };
    let hash = user
        .as_ref()
        .map_or(DUMMY_HASH, |u| u.password_hash.as_str());
    let matches = match accounts::password_matches(&app, &f.password, hash).await {
        Ok(m) => m,
        Err(e) => {
            attempt.not_checked();
            return Err(e.into());
        }
    };
    let Some(user) = user.filter(|_| matches) else {
        drop(attempt);
        let error = Some("Wrong username or password.".to_owned());
        return login_form(
            &app,
            &headers,
            StatusCode::UNAUTHORIZED,
            &next,
            &f.username,
            error,
        )
        .await;
    };
    attempt.succeeded();
    match user.status {
        AccountStatus::Active => {}
        AccountStatus::Pending => {
            return Ok(refusal(
                StatusCode::FORBIDDEN,
                "Waiting for approval",
                "An administrator has not approved your account yet.",
            ));
        }
        AccountStatus::Suspended => {
            return Ok(refusal(
                StatusCode::FORBIDDEN,
                "Account suspended",
                "This account is suspended. Contact the site's administrators.",
            ));
        }
    }
    // A new session id on every sign-in; whatever session this browser had ends.
    if let Some(old) = cookie_value(&headers, SESSION_COOKIE) {
        sessions::delete_session(&app.db, &token_hash(&old)).await?;
    }
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let cookie = start_session(&app, &user, ua).await?;
    tracing::info!(user = %user.username, "signed in");
    Ok(with_cookie(
        Redirect::to(&next).into_response(),
        Some(cookie),
    ))
}

/// `POST /logout`
pub async fn logout(
    State(app): State<App>,
    viewer: Viewer,
    Form(f): Form<CsrfForm>,
) -> Result<Response, AppError> {
    viewer.check_csrf(&f.csrf)?;
    sessions::delete_session(&app.db, &viewer.session.id).await?;
    let clear = set_cookie(
        &app,
        SESSION_COOKIE,
        "",
        Some(Duration::seconds(0)),
        SameSite::Lax,
    );
    Ok(with_cookie(Redirect::to("/").into_response(), Some(clear)))
}

#[derive(Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
}

async fn setup_form(
    app: &App,
    headers: &HeaderMap,
    status: StatusCode,
    f: Option<&SetupForm>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let site = site::get_site(&app.db).await?;
    let (token, cookie) = csrf::anonymous_token(app, headers);
    let page = SetupPage {
        ui: UiLayout::new(&site, "Set up", None),
        csrf: token,
        username: f.map(|f| f.username.clone()).unwrap_or_default(),
        display_name: f.map(|f| f.display_name.clone()).unwrap_or_default(),
        error,
    };
    Ok(with_cookie(
        (status, Html(page.render()?)).into_response(),
        cookie,
    ))
}

/// `GET /setup`: open only while no administrator exists.
pub async fn setup_page(State(app): State<App>, headers: HeaderMap) -> Result<Response, AppError> {
    if users::admin_exists(&app.db).await? {
        return Ok(Redirect::to("/login").into_response());
    }
    setup_form(&app, &headers, StatusCode::OK, None, None).await
}

/// `POST /setup`
pub async fn setup(
    State(app): State<App>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<SetupForm>,
) -> Result<Response, AppError> {
    csrf::check_anonymous(&headers, &f.csrf)?;
    if users::admin_exists(&app.db).await? {
        return Ok(refusal(
            StatusCode::CONFLICT,
            "Already set up",
            "An administrator exists. Sign in instead.",
        ));
    }
    let attempt = match app.limiter.begin(addr.ip(), SETUP_KEY) {
        Ok(attempt) => attempt,
        Err(wait) => return Ok(too_many(wait)),
    };
    let stored = site::setup_token_hash(&app.db).await?;
    let valid = stored.is_some_and(|h| same_secret(&h, &token_hash(f.token.trim())));
    if !valid {
        drop(attempt);
        let error = Some("That setup token is not the one in the server's log.".to_owned());
        return setup_form(&app, &headers, StatusCode::FORBIDDEN, Some(&f), error).await;
    }
    attempt.succeeded();
    let display = Some(f.display_name.as_str()).filter(|d| !d.trim().is_empty());
    let user =
        match accounts::create_user(&app, &f.username, Role::Admin, display, &f.password).await {
            Ok(u) => u,
            Err(e @ (AccountError::Storage(_) | AccountError::Hashing(_))) => {
                return Err(AppError::Internal(e.into()));
            }
            Err(AccountError::Busy) => return Err(AccountError::Busy.into()),
            Err(e) => {
                return setup_form(
                    &app,
                    &headers,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some(&f),
                    Some(e.to_string()),
                )
                .await;
            }
        };
    site::set_setup_token_hash(&app.db, None).await?;
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let cookie = start_session(&app, &user, ua).await?;
    tracing::info!(user = %user.username, "the first administrator was created");
    Ok(with_cookie(
        Redirect::to("/account").into_response(),
        Some(cookie),
    ))
}

/// At start-up, while no administrator exists: a fresh one-time setup token, logged.
pub async fn offer_setup(app: &App) -> Result<(), crate::storage::StorageError> {
    if users::admin_exists(&app.db).await? {
        return Ok(());
    }
    let token = crate::domain::secrets::random_token();
    site::set_setup_token_hash(&app.db, Some(&token_hash(&token))).await?;
    tracing::warn!(
        "No administrator yet. Open {}setup and enter the setup token {token} (or run `chorus user create NAME --role admin`).",
        app.config.base_url
    );
    Ok(())
}
