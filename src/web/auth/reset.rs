//! `/reset?token=…`: a one-time link an administrator issued (on `/admin/users`) with which a
//! person sets a new password. It works once, for 24 hours; a used, expired or unknown link is
//! refused with a clear page and changes nothing. The form carries the anonymous token.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use crate::actions::accounts::{self, AccountError};
use crate::app::App;
use crate::domain::secrets::token_hash;
use crate::domain::time;
use crate::error::AppError;
use crate::storage::resets::{self, ResetProblem};
use crate::storage::{site, users};
use crate::templates::UiLayout;
use crate::templates::accounts::{ResetPage, UiMessagePage};
use crate::web::auth::{csrf, refusal};

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
}

fn refused(problem: ResetProblem) -> Response {
    let (status, heading) = match problem {
        ResetProblem::Unknown => (StatusCode::NOT_FOUND, "Reset link not valid"),
        ResetProblem::Used => (StatusCode::GONE, "Reset link already used"),
        ResetProblem::Expired => (StatusCode::GONE, "Reset link expired"),
    };
    let why = problem.to_string();
    let mut first = why.chars();
    let why: String = first
        .next()
        .map(|c| c.to_uppercase().chain(first).collect())
        .unwrap_or_default();
    refusal(
        status,
        heading,
        &format!("{why}. Nothing was changed. Ask an administrator for a new link."),
    )
}

async fn form(
    app: &App,
    headers: &HeaderMap,
    status: StatusCode,
    token: &str,
    error: Option<String>,
) -> Result<Response, AppError> {
    let user = match resets::open_reset(&app.db, &token_hash(token), time::now()).await? {
        Ok(user) => user,
        Err(problem) => return Ok(refused(problem)),
    };
    let user = users::find_user_by_id(&app.db, user)
        .await?
        .ok_or(AppError::NotFound)?;
    let site = site::get_site(&app.db).await?;
    let (csrf, cookie) = csrf::anonymous_token(app, headers);
    let page = ResetPage {
        ui: UiLayout::new(&site, "Set a new password", None),
        csrf,
        token: token.to_owned(),
        username: user.username.to_string(),
        error,
    };
    let mut r = (status, Html(page.render()?)).into_response();
    if let Some(c) = cookie {
        r.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(r)
}

fn no_store(mut r: Response) -> Response {
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // The token is in the address: never send it on to another site.
    r.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    r
}

/// `GET /reset?token=…`
pub async fn reset_page(
    State(app): State<App>,
    Query(q): Query<TokenQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    Ok(no_store(
        form(&app, &headers, StatusCode::OK, q.token.trim(), None).await?,
    ))
}

/// `POST /reset`
pub async fn reset(
    State(app): State<App>,
    headers: HeaderMap,
    Form(f): Form<ResetForm>,
) -> Result<Response, AppError> {
    csrf::check_anonymous(&headers, &f.csrf)?;
    let token = f.token.trim();
    match accounts::reset_password(&app, token, &f.password).await {
        Ok(_) => {}
        Err(AccountError::Reset(problem)) => return Ok(no_store(refused(problem))),
        Err(e @ (AccountError::PasswordTooShort | AccountError::PasswordTooLong)) => {
            let message = e.to_string();
            let mut c = message.chars();
            let message: String = c
                .next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or_default();
            return Ok(no_store(
                form(
                    &app,
                    &headers,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    token,
                    Some(format!("{message}.")),
                )
                .await?,
            ));
        }
        Err(e) => return Err(e.into()),
    }
    let site = site::get_site(&app.db).await?;
    let page = UiMessagePage {
        ui: UiLayout::new(&site, "Password set", None),
        heading: "Your new password is set".into(),
        message: "The account was signed out everywhere. Sign in with the new password.".into(),
        link: Some(("/login".into(), "Sign in".into())),
    };
    Ok(no_store(
        (StatusCode::OK, Html(page.render()?)).into_response(),
    ))
}
