//! The one error type at the HTTP boundary: it chooses the status code, renders a plain
//! page for people, and never shows internal details (they go to the log instead).

use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use crate::actions::accounts::AccountError;
use crate::actions::community::CommunityError;
use crate::actions::moderation::ModerationError;
use crate::actions::posts::PublishError;
use crate::actions::profiles::ProfileChangeError;
use crate::actions::review::ReviewError;
use crate::federation::FederationError;
use crate::media::MediaError;
use crate::storage::StorageError;

/// The `Retry-After` of a 503 answered while the server is at one of its limits.
pub const BUSY_RETRY_AFTER_SECONDS: u64 = 2;

/// Any error an action or a lower layer gives that is the server's fault, not the request's.
pub type Fault = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("forbidden")]
    Forbidden,
    /// The request was understood but cannot be done as asked; the message says why.
    #[error("{0}")]
    Unprocessable(String),
    #[error("too large: {0}")]
    TooLarge(String),
    /// The server is at a limit it keeps for its own health (password hashing, decoding):
    /// try again shortly.
    #[error("busy: {0}")]
    Busy(String),
    /// Too many attempts of this kind from this client; it may try again after the wait.
    #[error("too many attempts: {0}")]
    TooMany(String, std::time::Duration),
    #[error("internal error: {0}")]
    Internal(Fault),
}

impl AppError {
    /// A server-side failure of any kind.
    pub fn internal(e: impl Into<Fault>) -> AppError {
        AppError::Internal(e.into())
    }
}

impl From<PublishError> for AppError {
    fn from(e: PublishError) -> AppError {
        match e {
            PublishError::UnknownPost | PublishError::NoSuchPost(_) => AppError::NotFound,
            PublishError::NotYours | PublishError::NeedsReview => AppError::Forbidden,
            PublishError::Storage(e) => e.into(),
            other => AppError::Unprocessable(other.to_string()),
        }
    }
}

impl From<AccountError> for AppError {
    fn from(e: AccountError) -> AppError {
        match e {
            AccountError::Storage(e) => e.into(),
            AccountError::Hashing(why) => AppError::internal(why),
            AccountError::Busy => AppError::Busy(e.to_string()),
            AccountError::OwnAccount | AccountError::RoleNotInvitable => AppError::Forbidden,
            other => AppError::Unprocessable(other.to_string()),
        }
    }
}

impl From<ProfileChangeError> for AppError {
    fn from(e: ProfileChangeError) -> AppError {
        match e {
            ProfileChangeError::Storage(e) => e.into(),
            other => AppError::Unprocessable(other.to_string()),
        }
    }
}

impl From<FederationError> for AppError {
    fn from(e: FederationError) -> AppError {
        match e {
            FederationError::Storage(e) => e.into(),
            e if e.is_internal() => AppError::internal(e),
            e => AppError::Unprocessable(e.to_string()),
        }
    }
}

impl From<CommunityError> for AppError {
    fn from(e: CommunityError) -> AppError {
        match e {
            CommunityError::Storage(e) => e.into(),
            CommunityError::Federation(e) => e.into(),
            other => AppError::Unprocessable(other.to_string()),
        }
    }
}

impl From<ModerationError> for AppError {
    fn from(e: ModerationError) -> AppError {
        match e {
            ModerationError::Storage(e) => e.into(),
            ModerationError::Federation(e) => e.into(),
        }
    }
}

impl From<ReviewError> for AppError {
    fn from(e: ReviewError) -> AppError {
        match e {
            ReviewError::Storage(e) => e.into(),
            ReviewError::NotAnEditor => AppError::Forbidden,
            other => AppError::Unprocessable(other.to_string()),
        }
    }
}

impl From<MediaError> for AppError {
    fn from(e: MediaError) -> AppError {
        match e {
            MediaError::TooLarge(_) => AppError::TooLarge(e.to_string()),
            e if e.is_client_error() => AppError::Unprocessable(e.to_string()),
            e => AppError::internal(e),
        }
    }
}

impl From<StorageError> for AppError {
    fn from(e: StorageError) -> AppError {
        match e {
            StorageError::NotFound => AppError::NotFound,
            other => AppError::internal(other),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> AppError {
        AppError::internal(e)
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut retry_after = None;
        let (status, heading, message) = match &self {
            AppError::NotFound => (
                StatusCode::NOT_FOUND,
                "Page not found",
                "There is nothing at this address. It may have moved, or the link may be mistyped.".to_owned(),
            ),
            AppError::BadRequest(why) => (StatusCode::BAD_REQUEST, "Bad request", why.clone()),
            AppError::Unprocessable(why) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "This cannot be done",
                capitalized(why),
            ),
            AppError::TooLarge(why) => (StatusCode::PAYLOAD_TOO_LARGE, "Too large", capitalized(why)),
            AppError::Forbidden => (
                StatusCode::FORBIDDEN,
                "Not allowed",
                "You cannot do this: your role does not allow it, or the form expired. Reload the page and try again."
                    .to_owned(),
            ),
            AppError::Busy(why) => {
                retry_after = Some(BUSY_RETRY_AFTER_SECONDS);
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "The server is busy",
                    capitalized(why),
                )
            }
            AppError::TooMany(why, wait) => {
                retry_after = Some(wait.as_secs().max(1));
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    "Too many attempts",
                    capitalized(why),
                )
            }
            AppError::Internal(err) => {
                tracing::error!(error = %crate::telemetry::error_chain(err.as_ref()), "request failed");
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
        // The web layer, which can read the site, puts the page in the site's layout.
        response.extensions_mut().insert(ErrorPage {
            heading,
            message: message.clone(),
        });
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
        }
        response
    }
}

/// What an error page says, kept on the answer so that the web layer can show it in the
/// site's own layout (this layer has no database to read the site from).
#[derive(Clone, Debug)]
pub struct ErrorPage {
    pub heading: &'static str,
    pub message: String,
}

/// The message as a sentence: first letter upper case, a full stop at the end.
fn capitalized(why: &str) -> String {
    let mut chars = why.chars();
    let mut s: String = match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    if !s.ends_with(['.', '!', '?']) {
        s.push('.');
    }
    s
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
        crate::templates::assets::stylesheet_href(),
        esc(heading),
        esc(message)
    )
}
