//! `POST /micropub/media` (§3.6): one image in the `file` part, checked, re-encoded and
//! stored like the editor's uploads; the answer's `Location` is its URL.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::auth;
use super::body::Body;
use super::errors::MicropubError;
use crate::app::App;
use crate::domain::scope::Scope;
use crate::media;

/// `POST /micropub/media`: multipart with a `file`.
pub async fn upload(
    State(app): State<App>,
    headers: HeaderMap,
    body: Result<Body, MicropubError>,
) -> Response {
    let (grant, body) = match auth::with_body(&app, &headers, body).await {
        Ok(both) => both,
        Err(refused) => return refused,
    };
    store(&app, &grant, body)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

async fn store(
    app: &App,
    grant: &crate::actions::tokens::Grant,
    body: Body,
) -> Result<Response, MicropubError> {
    auth::require(grant, Scope::Media)?;
    let Body::Form { files, .. } = &body else {
        return Err(MicropubError::invalid_request(
            "send the image as multipart/form-data in a part named file",
        ));
    };
    let file = files
        .iter()
        .find(|f| f.name == "file")
        .ok_or_else(|| MicropubError::invalid_request("the part named file is missing or empty"))?;
    let alt = body.field("alt").unwrap_or("");
    let stored = media::store_upload(app, grant.user.id, &file.bytes, alt).await?;
    let location = media::url(&app.config, &stored, media::BODY_WIDTH).to_string();
    Ok((StatusCode::CREATED, [(header::LOCATION, location)]).into_response())
}
