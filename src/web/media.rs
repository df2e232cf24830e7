//! `GET /media/{file}`: uploaded images, streamed from the media store (files under
//! `data_dir/media/` or objects in a bucket). Names carry a random stem and never change
//! content, so browsers and proxies may keep them for a year.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::app::App;
use crate::media;
use crate::media::store::MEDIA;

/// How long browsers and proxies keep a stored image: its name changes when its content does.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

pub async fn serve(State(app): State<App>, Path(name): Path<String>) -> Response {
    let Some(mime) = media::parse_file_name(&name) else {
        return crate::error::AppError::NotFound.into_response();
    };
    stream(&app, MEDIA, &name, mime).await
}

/// Streams `folder/file` from the media store with `content_type`; 404 when it is missing.
/// The caller has checked the name.
pub async fn stream(app: &App, folder: &str, file: &str, content_type: &'static str) -> Response {
    match app.media.open_object(folder, file).await {
        Ok(Some(object)) => {
            let mut r = Body::from_stream(object.found.into_stream()).into_response();
            let h = r.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            h.insert(header::CONTENT_LENGTH, HeaderValue::from(object.size));
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
            r
        }
        Ok(None) => crate::error::AppError::NotFound.into_response(),
        Err(e) => {
            tracing::warn!(folder, file, error = %e, "could not read a stored image");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
