//! Registration (`/register`, `/register?invite=CODE`). A valid, unexpired, unused invite
//! gives its role whatever the registration mode (the invite is an administrator's or
//! editor's consent); without one the mode decides: closed (refused), invite only (refused),
//! or open with approval (the account waits for an administrator).
//! The forms carry the anonymous double-submit token, and the login limiter slows abuse.

use std::net::SocketAddr;

use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::actions::accounts::{self, AccountError};
use crate::app::App;
use crate::domain::secrets::token_hash;
use crate::domain::site::RegistrationMode;
use crate::domain::time;
use crate::error::AppError;
use crate::storage::invites::{self, InviteProblem, InviteState};
use crate::storage::site;
use crate::templates::UiLayout;
use crate::templates::accounts::{RegisterPage, UiMessagePage};
use crate::web::auth::{MaybeViewer, csrf, refusal, start_session};

#[derive(Deserialize)]
pub struct InviteQuery {
    invite: Option<String>,
}

#[derive(Deserialize)]
pub struct RegisterForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    invite: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
}

async fn mode(app: &App) -> Result<RegistrationMode, AppError> {
    let raw = site::registration_mode(&app.db).await?;
    // The column is constrained to the known modes; anything else is treated as closed.
    Ok(raw.parse().unwrap_or(RegistrationMode::Closed))
}

fn no_store(mut r: Response, cookie: Option<HeaderValue>) -> Response {
    if let Some(c) = cookie {
        r.headers_mut().append(header::SET_COOKIE, c);
    }
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn closed() -> Response {
    refusal(
        StatusCode::NOT_FOUND,
        "Registration is closed",
        "This site does not take new accounts at the moment. Ask one of its administrators for an account.",
    )
}

fn invite_refusal(problem: InviteProblem) -> Response {
    let (status, heading) = match problem {
        InviteProblem::Unknown => (StatusCode::NOT_FOUND, "Invite not valid"),
        InviteProblem::Used => (StatusCode::GONE, "Invite already used"),
        InviteProblem::Expired => (StatusCode::GONE, "Invite expired"),
    };
    let message = format!(
        "{}{}",
        capitalized(&problem.to_string()),
        ". Ask the person who invited you for a new link."
    );
    refusal(status, heading, &message)
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// What a form for this invite and mode says, or why there is no form.
async fn invite_role(
    app: &App,
    mode: RegistrationMode,
    code: &str,
) -> Result<Result<Option<String>, Response>, AppError> {
    if code.is_empty() {
        return Ok(match mode {
            RegistrationMode::Invite => Err(refusal(
                StatusCode::FORBIDDEN,
                "Invite needed",
                "On this site people join with an invite link. Ask one of its editors or administrators for one.",
            )),
            _ => Ok(None),
        });
    }
    let Some(invite) = invites::find_invite(&app.db, &token_hash(code)).await? else {
        return Ok(Err(invite_refusal(InviteProblem::Unknown)));
    };
    Ok(match invite.state(time::now()) {
        InviteState::Open => Ok(Some(invite.role.to_string())),
        InviteState::Used => Err(invite_refusal(InviteProblem::Used)),
        InviteState::Expired => Err(invite_refusal(InviteProblem::Expired)),
    })
}

async fn form_page(
    app: &App,
    headers: &HeaderMap,
    status: StatusCode,
    mode: RegistrationMode,
    role: Option<String>,
    f: &RegisterForm,
    error: Option<String>,
) -> Result<Response, AppError> {
    let site = site::get_site(&app.db).await?;
    let (token, cookie) = csrf::anonymous_token(app, headers);
    let page = RegisterPage {
        ui: UiLayout::new(&site, "Create an account", None),
        csrf: token,
        invite: f.invite.clone(),
        needs_approval: role.is_none() && mode == RegistrationMode::Approval,
        role,
        username: f.username.clone(),
        display_name: f.display_name.clone(),
        error,
    };
    Ok(no_store(
        (status, Html(page.render()?)).into_response(),
        cookie,
    ))
}

/// `GET /register`
pub async fn register_page(
    State(app): State<App>,
    MaybeViewer(viewer): MaybeViewer,
    Query(q): Query<InviteQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    if viewer.is_some() {
        return Ok(Redirect::to("/account").into_response());
    }
    let mode = mode(&app).await?;
    let code = q.invite.unwrap_or_default().trim().to_owned();
    if mode == RegistrationMode::Closed && code.is_empty() {
        return Ok(closed());
    }
    let role = match invite_role(&app, mode, &code).await? {
        Ok(role) => role,
        Err(refused) => return Ok(refused),
    };
    let blank = RegisterForm {
        csrf: String::new(),
        invite: code,
        username: String::new(),
        display_name: String::new(),
        password: String::new(),
    };
    form_page(&app, &headers, StatusCode::OK, mode, role, &blank, None).await
}

/// `POST /register`
pub async fn register(
    State(app): State<App>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(mut f): Form<RegisterForm>,
) -> Result<Response, AppError> {
    csrf::check_anonymous(&headers, &f.csrf)?;
    let mode = mode(&app).await?;
    f.invite = f.invite.trim().to_owned();
    if mode == RegistrationMode::Closed && f.invite.is_empty() {
        return Ok(closed());
    }
    if let Err(wait) = app.limiter.check(addr.ip()) {
        let minutes = wait.as_secs().div_ceil(60).max(1);
        let mut r = refusal(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many attempts",
            &format!("Too many attempts from your address. Try again in {minutes} minutes."),
        );
        r.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(wait.as_secs().max(1)),
        );
        return Ok(r);
    }
    let role = match invite_role(&app, mode, &f.invite).await? {
        Ok(role) => role,
        Err(refused) => {
            app.limiter.failed(addr.ip());
            return Ok(refused);
        }
    };
    let display = Some(f.display_name.as_str()).filter(|d| !d.trim().is_empty());
    let created = if role.is_some() {
        accounts::register_with_invite(&app, &f.invite, &f.username, display, &f.password).await
    } else {
        accounts::register_for_approval(&app, &f.username, display, &f.password).await
    };
    let user = match created {
        Ok(u) => u,
        Err(AccountError::Invite(problem)) => {
            app.limiter.failed(addr.ip());
            return Ok(invite_refusal(problem));
        }
        Err(e @ (AccountError::Storage(_) | AccountError::Hashing(_))) => {
            return Err(AppError::Internal(e.into()));
        }
        Err(AccountError::Busy) => return Err(AccountError::Busy.into()),
        Err(e) => {
            return form_page(
                &app,
                &headers,
                StatusCode::UNPROCESSABLE_ENTITY,
                mode,
                role,
                &f,
                Some(capitalized(&e.to_string())),
            )
            .await;
        }
    };
    if role.is_some() {
        tracing::info!(user = %user.username, role = %user.role, "registered with an invite");
        let ua = headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let cookie = start_session(&app, &user, ua).await?;
        return Ok(no_store(
            Redirect::to("/account").into_response(),
            Some(cookie),
        ));
    }
    // Each account waiting for approval counts against the address, so one client cannot
    // fill the approval list.
    app.limiter.failed(addr.ip());
    tracing::info!(user = %user.username, "registered; waiting for approval");
    let site = site::get_site(&app.db).await?;
    let page = UiMessagePage {
        ui: UiLayout::new(&site, "Waiting for approval", None),
        heading: "Thank you: your account waits for approval".into(),
        message: format!(
            "An administrator of {} will look at the account @{} soon. You can sign in once it is approved.",
            site.title, user.username
        ),
        link: Some(("/".into(), "Go to the home page".into())),
    };
    Ok(no_store(
        (StatusCode::OK, Html(page.render()?)).into_response(),
        None,
    ))
}
