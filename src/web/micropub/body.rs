//! Reading a Micropub request body: form-encoded, multipart (with files) or JSON, and the
//! access token it may carry (§3.8).

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{StatusCode, header};
use bytes::Bytes;
use serde_json::Value;

use super::errors::MicropubError;
use crate::app::App;

/// A file sent in a multipart request.
pub struct Upload {
    /// The field name without `[]`: `photo`, `file`.
    pub name: String,
    pub bytes: Bytes,
}

/// What a request body holds.
pub enum Body {
    /// Form fields in order, and non-empty files (multipart only).
    Form {
        fields: Vec<(String, String)>,
        files: Vec<Upload>,
    },
    Json(Value),
}

impl Body {
    /// The first value of a form field (`None` for JSON).
    pub fn field(&self, name: &str) -> Option<&str> {
        match self {
            Body::Form { fields, .. } => fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str()),
            Body::Json(_) => None,
        }
    }

    /// `access_token` sent in the body instead of the header.
    pub fn token(&self) -> Option<&str> {
        match self {
            Body::Form { .. } => self.field("access_token"),
            Body::Json(v) => v.get("access_token").and_then(Value::as_str),
        }
        .filter(|t| !t.is_empty())
    }
}

fn unreadable(e: impl std::fmt::Display, status: StatusCode) -> MicropubError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        MicropubError::invalid_request(format!(
            "the request is too large; images may be at most {} MiB",
            crate::media::MAX_UPLOAD_BYTES / (1024 * 1024)
        ))
    } else {
        MicropubError::invalid_request(format!("the request body could not be read: {e}"))
    }
}

impl FromRequest<App> for Body {
    type Rejection = MicropubError;

    async fn from_request(req: Request, state: &App) -> Result<Self, Self::Rejection> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        if content_type.starts_with("multipart/form-data") {
            let mut multipart = Multipart::from_request(req, state)
                .await
                .map_err(|e| unreadable(e.body_text(), e.status()))?;
            let mut fields = Vec::new();
            let mut files = Vec::new();
            loop {
                let field = match multipart.next_field().await {
                    Ok(Some(f)) => f,
                    Ok(None) => break,
                    Err(e) => return Err(unreadable(e.body_text(), e.status())),
                };
                let name = field.name().unwrap_or("").to_owned();
                let is_file = field.file_name().is_some();
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| unreadable(e.body_text(), e.status()))?;
                if is_file {
                    if !bytes.is_empty() {
                        let name = name.strip_suffix("[]").unwrap_or(&name).to_owned();
                        files.push(Upload { name, bytes });
                    }
                } else {
                    fields.push((name, String::from_utf8_lossy(&bytes).into_owned()));
                }
            }
            return Ok(Body::Form { fields, files });
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| unreadable(e.body_text(), e.status()))?;
        if content_type.starts_with("application/json") {
            let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
                MicropubError::invalid_request(format!("the JSON body is malformed: {e}"))
            })?;
            if !value.is_object() {
                return Err(MicropubError::invalid_request(
                    "the JSON body must be an object",
                ));
            }
            Ok(Body::Json(value))
        } else if content_type.starts_with("application/x-www-form-urlencoded") {
            Ok(Body::Form {
                fields: url::form_urlencoded::parse(&bytes).into_owned().collect(),
                files: Vec::new(),
            })
        } else {
            Err(MicropubError::invalid_request(
                "send application/x-www-form-urlencoded, multipart/form-data or application/json",
            ))
        }
    }
}
