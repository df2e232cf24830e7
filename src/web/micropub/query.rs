//! `GET /micropub?q=`: `config`, `source`, `syndicate-to` and `category` (§3.7).

use axum::Json;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::errors::MicropubError;
use super::source;
use crate::actions::posts::may_open;
use crate::actions::tokens::Grant;
use crate::app::App;
use crate::domain::micropub::select;
use crate::storage::directory;
use crate::urls::MICROPUB_MEDIA_PATH;

/// The queries this endpoint answers.
const QUERIES: [&str; 4] = ["config", "source", "syndicate-to", "category"];

pub async fn answer(
    app: &App,
    grant: &Grant,
    params: &[(String, String)],
) -> Result<Response, MicropubError> {
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let body = match param("q") {
        Some("config") => json!({
            "media-endpoint": app.config.url(MICROPUB_MEDIA_PATH).to_string(),
            "syndicate-to": [],
            "post-types": [
                {"type": "article", "name": "Article"},
                {"type": "note", "name": "Note"},
                {"type": "photo", "name": "Photo"},
            ],
            "q": QUERIES,
        }),
        Some("syndicate-to") => json!({"syndicate-to": []}),
        Some("category") => {
            let tags: Vec<String> = directory::list_tags(&app.db)
                .await?
                .into_iter()
                .map(|(tag, _)| tag)
                .collect();
            json!({"categories": tags})
        }
        Some("source") => {
            let url = param("url")
                .ok_or_else(|| MicropubError::invalid_request("q=source needs a url"))?;
            let post = source::find_live(app, url).await?;
            if !may_open(&grant.user, &post) {
                return Err(MicropubError::forbidden("this post is not yours"));
            }
            let names: Vec<String> = params
                .iter()
                .filter(|(k, _)| k == "properties[]" || k == "properties")
                .map(|(_, v)| v.clone())
                .collect();
            let properties = Value::Object(select(source::properties(&post), &names));
            if names.is_empty() {
                json!({"type": ["h-entry"], "properties": properties})
            } else {
                json!({"properties": properties})
            }
        }
        Some(other) => {
            return Err(MicropubError::invalid_request(format!(
                "unknown query {other:?}; this endpoint answers {}",
                QUERIES.join(", ")
            )));
        }
        None => return Err(MicropubError::invalid_request("q is missing")),
    };
    Ok(Json(body).into_response())
}
