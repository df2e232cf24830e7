//! `GET /static/{name}`: the stylesheet, scripts and icons, compressed once and cached for a
//! year under names that change with their content.

use axum::body::Body;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::templates::assets;

/// `GET /static/{name}`
pub async fn serve(Path(name): Path<String>, headers: HeaderMap) -> Response {
    let Some(asset) = assets::get(&name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let accept = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let (encoding, body) = if accept.contains("br") {
        (Some("br"), asset.brotli.clone())
    } else if accept.contains("gzip") {
        (Some("gzip"), asset.gzip.clone())
    } else {
        (None, asset.identity.clone())
    };
    let mut out = HeaderMap::new();
    out.insert(header::CONTENT_TYPE, asset.content_type.clone());
    out.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    out.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    if let Some(e) = encoding {
        out.insert(header::CONTENT_ENCODING, HeaderValue::from_static(e));
    }
    (out, Body::from(body)).into_response()
}
