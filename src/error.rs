//! The one error type at the HTTP boundary: it chooses the status code, renders a plain
//! page for people, and never shows internal details (they go to the log instead).

use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use crate::storage::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("forbidden")]
    Forbidden,
    #[error("internal error: {0}")]
    Internal(#[from] anyhow::Error),
}

impl From<StorageError> for AppError {
    fn from(e: StorageError) -> AppError {
        match e {
            StorageError::NotFound => AppError::NotFound,
            other => AppError::Internal(other.into()),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> AppError {
        AppError::Internal(e.into())
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, heading, message) = match &self {
            AppError::NotFound => (
                StatusCode::NOT_FOUND,
                "Page not found",
                "There is nothing at this address. It may have moved, or the link may be mistyped.".to_owned(),
            ),
            AppError::BadRequest(why) => (StatusCode::BAD_REQUEST, "Bad request", why.clone()),
            AppError::Forbidden => (
                StatusCode::FORBIDDEN,
                "Not allowed",
                "You cannot do this: your role does not allow it, or the form expired. Reload the page and try again."
                    .to_owned(),
            ),
            AppError::Internal(err) => {
                tracing::error!(error = %format!("{err:#}"), "request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "The server could not complete this request. Please try again in a moment.".to_owned(),
                )
            }
        };
        let mut response = (status, Html(plain_page(status, heading, &message))).into_response();
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
        response
    }
}

/// A self-contained page (no database needed) for errors.
pub fn plain_page(status: StatusCode, heading: &str, message: &str) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{} {}</title>\n<link rel=\"stylesheet\" href=\"{}\">\n</head>\n<body>\n\
         <main id=\"page-content\">\n<section class=\"message\">\n<h1>{}</h1>\n<p>{}</p>\n\
         <p><a href=\"/\">Go to the home page</a></p>\n</section>\n</main>\n</body>\n</html>\n",
        status.as_u16(),
        esc(heading),
        crate::web::assets::stylesheet_href(),
        esc(heading),
        esc(message)
    )
}
