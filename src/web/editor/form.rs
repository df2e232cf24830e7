//! Reading the editor's forms: one extractor for both encodings a browser sends (URL-encoded,
//! or multipart when the form carries files), and the post form's fields.

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use chrono::{DateTime, NaiveDateTime, Utc};

use crate::app::App;
use crate::domain::Submission;
use crate::domain::comments::ReplyPolicy;
use crate::domain::post::PostError;
use crate::domain::quotes::QuotePolicy;
use crate::domain::series::Series;
use crate::domain::zone::{Zone, ZoneError};
use crate::web::auth::refusal;

/// A file sent with a form.
pub struct Upload {
    pub name: String,
    pub bytes: Bytes,
}

/// A submitted form: its text fields in order, and its non-empty files.
#[derive(Default)]
pub struct FormData {
    fields: Vec<(String, String)>,
    files: Vec<Upload>,
}

impl FormData {
    /// The first value of a text field, `""` when absent.
    pub fn text(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// A file field, if a non-empty file was chosen.
    pub fn file(&self, name: &str) -> Option<&Upload> {
        self.files.iter().find(|f| f.name == name)
    }
}

/// A refused body: too large, or not a form.
fn bad_body(status: StatusCode, message: &str) -> Response {
    let heading = if status == StatusCode::PAYLOAD_TOO_LARGE {
        "Upload too large"
    } else {
        "Form not understood"
    };
    refusal(status, heading, message)
}

fn too_large() -> Response {
    let message = format!(
        "The form is larger than the server accepts. Images may be at most {} MiB.",
        crate::media::MAX_UPLOAD_BYTES / (1024 * 1024)
    );
    bad_body(StatusCode::PAYLOAD_TOO_LARGE, &message)
}

impl FromRequest<App> for FormData {
    type Rejection = Response;

    async fn from_request(req: Request, state: &App) -> Result<Self, Self::Rejection> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let mut out = FormData::default();
        if content_type.starts_with("multipart/form-data") {
            let mut multipart = Multipart::from_request(req, state)
                .await
                .map_err(IntoResponse::into_response)?;
            loop {
                let field = match multipart.next_field().await {
                    Ok(Some(f)) => f,
                    Ok(None) => break,
                    Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                        return Err(too_large());
                    }
                    Err(e) => {
                        return Err(bad_body(
                            e.status(),
                            "The form could not be read. Try sending it again.",
                        ));
                    }
                };
                let name = field.name().unwrap_or("").to_owned();
                let is_file = field.file_name().is_some();
                let bytes = match field.bytes().await {
                    Ok(b) => b,
                    Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                        return Err(too_large());
                    }
                    Err(e) => {
                        return Err(bad_body(
                            e.status(),
                            "The form could not be read. Try sending it again.",
                        ));
                    }
                };
                if is_file {
                    // Browsers send an empty part for a file input left empty.
                    if !bytes.is_empty() {
                        out.files.push(Upload { name, bytes });
                    }
                } else {
                    out.fields
                        .push((name, String::from_utf8_lossy(&bytes).into_owned()));
                }
            }
        } else if content_type.starts_with("application/x-www-form-urlencoded") {
            let body = Bytes::from_request(req, state).await.map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    too_large()
                } else {
                    e.into_response()
                }
            })?;
            out.fields = url::form_urlencoded::parse(&body).into_owned().collect();
        } else {
            return Err(bad_body(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Send this form from the page it belongs to.",
            ));
        }
        Ok(out)
    }
}

/// The fields of the post form, as typed (shown again when something is wrong).
#[derive(Debug, Clone, Default)]
pub struct PostFields {
    pub title: String,
    pub slug: String,
    pub tags: String,
    /// The series' name, empty for none.
    pub series: String,
    pub summary: String,
    pub body: String,
    pub cover_media_id: Option<i64>,
    pub cover_alt: String,
    pub publish_at: String,
    pub image_alt: String,
    /// Who may reply: `anyone`, `followers`, `nobody`, or empty for the site's default.
    pub replies: String,
    /// Who may quote: `anyone`, `followers`, `nobody`, `ask`, or empty for the site's default.
    pub quotes: String,
}

impl PostFields {
    pub fn from_form(f: &FormData) -> PostFields {
        PostFields {
            title: f.text("title").to_owned(),
            slug: f.text("slug").trim().to_owned(),
            tags: f.text("tags").to_owned(),
            series: f.text("series").to_owned(),
            summary: f.text("summary").to_owned(),
            // Browsers send CRLF line ends from a textarea.
            body: f.text("body").replace("\r\n", "\n"),
            cover_media_id: f.text("cover_media_id").trim().parse().ok(),
            cover_alt: f.text("cover_alt").trim().to_owned(),
            publish_at: f.text("publish_at").trim().to_owned(),
            image_alt: f.text("image_alt").trim().to_owned(),
            replies: f.text("replies").trim().to_owned(),
            quotes: f.text("quotes").trim().to_owned(),
        }
    }

    /// Tags as typed: separated by commas or spaces, `#` optional.
    pub fn tag_list(&self) -> Vec<String> {
        self.tags
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|t| !t.trim().is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// The checked post, or why it cannot be one.
    pub fn submission(&self) -> Result<Submission, PostError> {
        let summary = Some(self.summary.clone()).filter(|s| !s.trim().is_empty());
        let replies = match self.replies.as_str() {
            "" => None,
            value => Some(value.parse::<ReplyPolicy>()?),
        };
        let quotes = match self.quotes.as_str() {
            "" => None,
            value => Some(value.parse::<QuotePolicy>()?),
        };
        let series = Series::parse(&self.series)?;
        Submission::new(
            self.title.clone(),
            Some(&self.slug),
            summary,
            self.body.clone(),
            &self.tag_list(),
            true,
            None,
        )
        .map(|s| {
            s.with_replies(replies)
                .with_quotes(quotes)
                .with_series(series)
        })
    }

    /// The schedule time: the `datetime-local` value, read in the writer's `zone`. `None`
    /// when there is none (or it is not a time); an error when the zone skips it.
    pub fn schedule_time(&self, zone: Zone) -> Result<Option<DateTime<Utc>>, ZoneError> {
        match parse_local(&self.publish_at) {
            Some(t) => zone.to_utc(t).map(Some),
            None => Ok(None),
        }
    }
}

/// `2026-11-24T15:30` (or with seconds): a wall-clock time, in no zone yet.
pub fn parse_local(value: &str) -> Option<NaiveDateTime> {
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(value.trim(), f).ok())
}

/// A time as a `datetime-local` value in `zone`.
pub fn datetime_local(t: &DateTime<Utc>, zone: Zone) -> String {
    zone.local(t).format("%Y-%m-%dT%H:%M").to_string()
}

/// The button pressed on the post form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Button {
    Preview,
    Upload,
    Autosave,
    SaveDraft,
    Submit,
    Publish,
    Schedule,
    Update,
}

impl Button {
    /// Unknown or missing values preview, which changes nothing.
    pub fn parse(value: &str) -> Button {
        match value {
            "upload" => Button::Upload,
            "autosave" => Button::Autosave,
            "save" => Button::SaveDraft,
            "submit" => Button::Submit,
            "publish" => Button::Publish,
            "schedule" => Button::Schedule,
            "update" => Button::Update,
            _ => Button::Preview,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_times_are_read_in_the_writers_zone() {
        let at = |v: &str| PostFields {
            publish_at: v.into(),
            ..Default::default()
        };
        let t = at("2027-03-01T09:30")
            .schedule_time(Zone::UTC)
            .unwrap()
            .unwrap();
        assert_eq!(crate::domain::time::iso(&t), "2027-03-01T09:30:00.000Z");
        assert_eq!(datetime_local(&t, Zone::UTC), "2027-03-01T09:30");
        let tokyo = Zone::parse("Asia/Tokyo").unwrap();
        let t = at("2027-03-01T09:30")
            .schedule_time(tokyo)
            .unwrap()
            .unwrap();
        assert_eq!(crate::domain::time::iso(&t), "2027-03-01T00:30:00.000Z");
        assert_eq!(datetime_local(&t, tokyo), "2027-03-01T09:30");
        assert_eq!(at("tomorrow").schedule_time(tokyo), Ok(None));
        let berlin = Zone::parse("Europe/Berlin").unwrap();
        assert!(at("2027-03-28T02:30").schedule_time(berlin).is_err());
    }

    #[test]
    fn tags_split_on_commas_and_spaces() {
        let f = PostFields {
            tags: "rust, #axum  web".into(),
            ..Default::default()
        };
        assert_eq!(f.tag_list(), vec!["rust", "#axum", "web"]);
    }
}
