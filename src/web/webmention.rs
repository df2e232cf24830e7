//! `POST /webmention`: the Webmention endpoint (form fields `source` and `target`), and the
//! `Link` header that advertises it on post pages.

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::actions::webmentions::{self, WebmentionError};
use crate::app::App;
use crate::error::AppError;
use crate::urls;

#[derive(Deserialize)]
pub struct WebmentionForm {
    #[serde(default)]
    source: String,
    #[serde(default)]
    target: String,
}

/// Answers 202 when the webmention is queued for verification, 400 with the reason when it
/// cannot be.
pub async fn receive(State(app): State<App>, Form(form): Form<WebmentionForm>) -> Response {
    match webmentions::receive(&app, &form.source, &form.target).await {
        Ok(()) => (
            StatusCode::ACCEPTED,
            "Accepted: the source will be checked and the mention shown once verified.\n",
        )
            .into_response(),
        Err(WebmentionError::Invalid(reason)) => {
            (StatusCode::BAD_REQUEST, format!("{reason}\n")).into_response()
        }
        Err(WebmentionError::Storage(e)) => AppError::from(e).into_response(),
    }
}

/// Adds `Link: <…/webmention>; rel="webmention"` to a post page's answer.
pub fn advertise(app: &App, response: &mut Response) {
    if !response.status().is_success() {
        return;
    }
    let endpoint = app.config.url(urls::WEBMENTION_PATH);
    if let Ok(value) = HeaderValue::from_str(&format!("<{endpoint}>; rel=\"webmention\"")) {
        response.headers_mut().append(header::LINK, value);
    }
}
