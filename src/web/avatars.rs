//! `GET /avatars/<hash>.png`: remote avatars as Chorus stored them, streamed from the media
//! store (immutable, cached for a
//! year), and `GET /avatars/initials/<hue>-<letters>.svg`: generated initials for people
//! whose avatar could not be used.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::app::App;
use crate::error::AppError;
use crate::federation::avatars;
use crate::media::store::AVATARS;
use crate::templates::conversation::{AVATAR_HUES, InitialsSvg};
use crate::web::media::IMMUTABLE;

pub async fn stored(
    State(app): State<App>,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    if !avatars::is_avatar_file(&file) {
        return Err(AppError::NotFound);
    }
    Ok(crate::web::media::stream(&app, AVATARS, &file, "image/png").await)
}

pub async fn initials(Path(name): Path<String>) -> Result<Response, AppError> {
    let (hue, letters) = name
        .strip_suffix(".svg")
        .and_then(|n| n.split_once('-'))
        .ok_or(AppError::NotFound)?;
    let hue: u64 = hue
        .parse()
        .ok()
        .filter(|h| *h < AVATAR_HUES)
        .ok_or(AppError::NotFound)?;
    let count = letters.chars().count();
    if !(1..=2).contains(&count) || !letters.chars().all(|c| c.is_alphanumeric() || c == '?') {
        return Err(AppError::NotFound);
    }
    let svg = InitialsSvg {
        letters: letters.to_owned(),
        hue_degrees: hue * (360 / AVATAR_HUES),
    }
    .render()?;
    Ok(image(svg.into_bytes(), "image/svg+xml"))
}

fn image(bytes: Vec<u8>, content_type: &'static str) -> Response {
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
    r
}
