//! `GET /account/can-edit?post=ID`: whether the person asking may edit a post, for the small
//! script on public post pages that shows them an Edit link.
//!
//! Public pages are rendered once and cached, the same bytes for everyone; so the page never
//! says who may edit it. Its script asks here (same origin, with the session cookie) and, if
//! the answer names an editor address, shows the link. The answer is private and never
//! stored by any cache. Without scripts, the editor's list of posts is the way in; the
//! editor itself checks who may change what, whatever a page shows.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use crate::actions::posts::may_edit;
use crate::app::App;
use crate::domain::PostStatus;
use crate::error::AppError;
use crate::storage::StorageError;
use crate::storage::posts;
use crate::web::auth::MaybeViewer;

#[derive(Deserialize)]
pub struct CanEditQuery {
    post: Option<i64>,
}

/// The address of the post's page in the editor, if the viewer may edit it.
pub async fn can_edit(
    State(app): State<App>,
    MaybeViewer(viewer): MaybeViewer,
    Query(q): Query<CanEditQuery>,
) -> Result<Response, AppError> {
    let body = match (viewer, q.post) {
        (None, _) => json!({"signed_in": false, "edit": null}),
        (Some(_), None) => json!({"signed_in": true, "edit": null}),
        (Some(v), Some(id)) => {
            let edit = match posts::find_post_by_id(&app.db, id).await {
                Ok(p) if p.status != PostStatus::Deleted && may_edit(&v.user, &p) => {
                    Some(format!("/editor/posts/{id}"))
                }
                Ok(_) | Err(StorageError::NotFound) => None,
                Err(e) => return Err(e.into()),
            };
            json!({"signed_in": true, "edit": edit})
        }
    };
    let mut response = Json(body).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Cookie"));
    Ok(response)
}
