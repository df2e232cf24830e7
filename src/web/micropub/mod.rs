//! The Micropub endpoint (W3C Recommendation): `/micropub` creates, updates, deletes and
//! restores posts through the same write path as the editor and answers queries;
//! `/micropub/media` stores images like the editor's uploads.

mod auth;
mod body;
mod create;
mod errors;
mod media;
mod query;
mod source;
mod update;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

pub use body::Body;
pub use errors::MicropubError;
pub use media::upload as media_upload;

use crate::app::App;
use crate::domain::micropub::{self, Properties, RequestError};

/// `GET /micropub?q=...`: configuration, a post's source, syndication targets, categories.
pub async fn get(
    State(app): State<App>,
    headers: HeaderMap,
    Query(params): Query<Vec<(String, String)>>,
) -> Response {
    let grant = match auth::grant(&app, &headers, None).await {
        Ok(g) => g,
        Err(refused) => return refused,
    };
    query::answer(&app, &grant, &params)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

/// `POST /micropub`: create (form, multipart or JSON), or `action=update|delete|undelete`.
pub async fn post(
    State(app): State<App>,
    headers: HeaderMap,
    body: Result<Body, MicropubError>,
) -> Response {
    let (grant, body) = match auth::with_body(&app, &headers, body).await {
        Ok(both) => both,
        Err(refused) => return refused,
    };
    dispatch(&app, &grant, body)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

async fn dispatch(
    app: &App,
    grant: &crate::actions::tokens::Grant,
    body: Body,
) -> Result<Response, MicropubError> {
    match body {
        Body::Json(v) => {
            let url = v.get("url").and_then(Value::as_str).map(str::to_owned);
            match v.get("action").and_then(Value::as_str) {
                Some(action) => act(app, grant, action, url, &v).await,
                None if v.get("action").is_some() => {
                    Err(MicropubError::invalid_request("action must be a string"))
                }
                None => {
                    let kind = match v.get("type") {
                        Some(Value::Array(t)) => t.first().and_then(Value::as_str),
                        _ => None,
                    }
                    .ok_or_else(|| {
                        MicropubError::invalid_request("type must be a list such as [\"h-entry\"]")
                    })?;
                    micropub::check_type(kind)?;
                    let properties: Properties = match v.get("properties") {
                        Some(Value::Object(p)) => p.clone(),
                        _ => return Err(RequestError::BadValue("properties").into()),
                    };
                    create::create(app, grant, properties, Vec::new()).await
                }
            }
        }
        Body::Form { fields, files } => {
            let field = |name: &str| {
                fields
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
            };
            if let Some(action) = field("action") {
                return act(app, grant, &action, field("url"), &Value::Null).await;
            }
            micropub::check_type(&field("h").unwrap_or_else(|| "entry".into()))?;
            let properties = micropub::form_properties(&fields);
            create::create(app, grant, properties, files).await
        }
    }
}

async fn act(
    app: &App,
    grant: &crate::actions::tokens::Grant,
    action: &str,
    url: Option<String>,
    json: &Value,
) -> Result<Response, MicropubError> {
    let url = url.ok_or_else(|| MicropubError::invalid_request("url is missing"))?;
    match action {
        "update" => match json.as_object() {
            Some(request) => update::update(app, grant, &url, request).await,
            None => Err(MicropubError::invalid_request(
                "send an update as JSON with replace, add or delete",
            )),
        },
        "delete" => update::delete(app, grant, &url).await,
        "undelete" => update::undelete(app, grant, &url).await,
        other => Err(MicropubError::invalid_request(format!(
            "unknown action {other:?}: use update, delete or undelete"
        ))),
    }
}
