//! Addresses posts had on the site they were imported from (`chorus import`): a request that
//! nothing else answers is looked up among them and, when found, sent on with a permanent
//! redirect (301) to the post's address here. Only requests that would have been a 404 (or
//! the 308 that drops a trailing slash) cost a lookup.

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use crate::app::App;
use crate::domain::import::canonical_path;
use crate::storage::redirects;
use crate::urls::post_path;

/// Middleware: answers a kept old address with 301 to the post.
pub async fn redirect(State(app): State<App>, request: Request, next: Next) -> Response {
    let reading = matches!(*request.method(), Method::GET | Method::HEAD);
    let path = canonical_path(request.uri().path());
    let response = next.run(request).await;
    let missed = matches!(
        response.status(),
        StatusCode::NOT_FOUND | StatusCode::PERMANENT_REDIRECT
    );
    if !reading || !missed || path == "/" {
        return response;
    }
    match redirects::find_redirect(&app.db, &path).await {
        Ok(Some(slug)) => (
            StatusCode::MOVED_PERMANENTLY,
            Redirect::permanent(&post_path(&slug)),
        )
            .into_response(),
        Ok(None) => response,
        Err(e) => {
            tracing::warn!(error = %e, "could not look up an old address");
            response
        }
    }
}
