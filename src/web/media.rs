//! `GET /media/{file}`: uploaded images, straight from `data_dir/media/`. Names carry a random
//! stem and never change content, so browsers and proxies may keep them for a year.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::app::App;
use crate::media;

pub async fn serve(State(app): State<App>, Path(name): Path<String>) -> Response {
    let (Some(mime), Some(file)) = (
        media::parse_file_name(&name),
        media::file_path(&app.config, &name),
    ) else {
        return crate::error::AppError::NotFound.into_response();
    };
    match tokio::fs::read(&file).await {
        Ok(bytes) => {
            let mut r = bytes.into_response();
            let h = r.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            );
            r
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            crate::error::AppError::NotFound.into_response()
        }
        Err(e) => {
            tracing::warn!(file = %file.display(), error = %e, "could not read a media file");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
