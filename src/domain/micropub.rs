//! Micropub requests (W3C Recommendation) read into plain values: an h-entry's properties from
//! a form or from JSON, the entry they describe, and the `replace`/`add`/`delete` of an update.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::{Map, Value};

use super::search::body_text;

/// An h-entry's properties: each name holds a list of values (strings or objects), as in mf2 JSON.
pub type Properties = Map<String, Value>;

/// Form fields that are parts of the request, not properties of the entry.
const RESERVED: [&str; 5] = ["h", "access_token", "action", "url", "q"];
/// The longest title taken from the first words of a note without a `name`.
pub const DERIVED_TITLE_CHARS: usize = 60;

/// Why a request cannot be read as an entry or an update (Micropub `invalid_request`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("only h-entry posts can be made here, not h-{0}")]
    UnsupportedType(String),
    #[error("the entry has no content and no name")]
    Empty,
    #[error("the property {0:?} must be a list of values")]
    NotAList(String),
    #[error("the value of {0:?} is not understood")]
    BadValue(&'static str),
    #[error("published is not a date and time such as 2026-01-31T09:30:00Z")]
    BadDate,
    #[error("post-status must be draft or published")]
    BadStatus,
    #[error("{0}")]
    BadUpdate(&'static str),
}

/// The content of an entry as the client sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// Plain text or Markdown: stored as the post's Markdown as it is.
    Markdown(String),
    /// `{"html": ...}`: kept as HTML inside the Markdown, which the site's sanitizer cleans
    /// when the post is rendered.
    Html(String),
}

impl Content {
    /// The post body this content becomes.
    pub fn markdown(&self) -> &str {
        match self {
            Content::Markdown(s) | Content::Html(s) => s,
        }
    }
}

/// An image the entry shows: a URL (from the media endpoint, or anywhere) and its description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Photo {
    pub url: String,
    pub alt: String,
}

/// A post as a Micropub client describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    pub name: Option<String>,
    pub content: Option<Content>,
    pub summary: Option<String>,
    pub categories: Vec<String>,
    pub published: Option<DateTime<Utc>>,
    /// `post-status: draft`.
    pub draft: bool,
    /// `mp-slug`.
    pub slug: Option<String>,
    pub photos: Vec<Photo>,
}

impl Entry {
    /// The entry described by `properties` (of an `h-entry`).
    pub fn from_properties(p: &Properties) -> Result<Entry, RequestError> {
        for name in p.keys() {
            if !p[name].is_array() {
                return Err(RequestError::NotAList(name.clone()));
            }
        }
        let draft = match first_text(p, "post-status")?.as_deref() {
            None | Some("published") => false,
            Some("draft") => true,
            Some(_) => return Err(RequestError::BadStatus),
        };
        let published = match first_text(p, "published")? {
            Some(s) => Some(parse_date(&s)?),
            None => None,
        };
        let content = match values(p, "content").first() {
            None => None,
            Some(Value::String(s)) => Some(Content::Markdown(s.clone())),
            Some(Value::Object(o)) => match (o.get("html"), o.get("value")) {
                (Some(Value::String(h)), _) => Some(Content::Html(h.clone())),
                (None, Some(Value::String(v))) => Some(Content::Markdown(v.clone())),
                _ => return Err(RequestError::BadValue("content")),
            },
            Some(_) => return Err(RequestError::BadValue("content")),
        };
        let mut categories = Vec::new();
        for v in values(p, "category") {
            match v {
                Value::String(s) if !s.trim().is_empty() => categories.push(s.trim().to_owned()),
                Value::String(_) => {}
                _ => return Err(RequestError::BadValue("category")),
            }
        }
        let mut photos = Vec::new();
        for v in values(p, "photo") {
            photos.push(match v {
                Value::String(url) => Photo {
                    url: url.clone(),
                    alt: String::new(),
                },
                Value::Object(o) => Photo {
                    url: o
                        .get("value")
                        .and_then(Value::as_str)
                        .ok_or(RequestError::BadValue("photo"))?
                        .to_owned(),
                    alt: o
                        .get("alt")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                },
                _ => return Err(RequestError::BadValue("photo")),
            });
        }
        let entry = Entry {
            name: first_text(p, "name")?.filter(|s| !s.trim().is_empty()),
            content: content.filter(|c| !c.markdown().trim().is_empty()),
            summary: first_text(p, "summary")?.filter(|s| !s.trim().is_empty()),
            categories,
            published,
            draft,
            slug: first_text(p, "mp-slug")?.filter(|s| !s.trim().is_empty()),
            photos,
        };
        if entry.name.is_none() && entry.content.is_none() && entry.photos.is_empty() {
            return Err(RequestError::Empty);
        }
        Ok(entry)
    }

    /// The post's title: the `name`, or for a note the first words of its text.
    pub fn title(&self) -> String {
        if let Some(name) = &self.name {
            return name.clone();
        }
        let text = match &self.content {
            Some(Content::Html(h)) => body_text(h),
            Some(Content::Markdown(m)) => m.replace(['#', '*', '_', '`', '>'], " "),
            None => String::new(),
        };
        let words: Vec<&str> = text.split_whitespace().collect();
        let mut title = String::new();
        for w in words {
            if title.chars().count() + w.chars().count() + 1 > DERIVED_TITLE_CHARS {
                if title.is_empty() {
                    title = w.chars().take(DERIVED_TITLE_CHARS).collect();
                }
                title.push('…');
                break;
            }
            if !title.is_empty() {
                title.push(' ');
            }
            title.push_str(w);
        }
        if title.is_empty() {
            "Photo".to_owned()
        } else {
            title
        }
    }

    /// The post's Markdown: the content, then each photo as an image.
    pub fn body(&self) -> String {
        let mut body = self
            .content
            .as_ref()
            .map(|c| c.markdown().trim_end().to_owned())
            .unwrap_or_default();
        for photo in &self.photos {
            if !body.is_empty() {
                body.push_str("\n\n");
            }
            let alt = photo.alt.replace(['[', ']'], "");
            body.push_str(&format!("![{alt}](<{}>)", photo.url.trim()));
        }
        body
    }
}

/// A form's fields as properties: `category[]` and `category` alike, request fields left out.
pub fn form_properties(fields: &[(String, String)]) -> Properties {
    let mut p = Properties::new();
    for (name, value) in fields {
        let name = name.strip_suffix("[]").unwrap_or(name);
        if RESERVED.contains(&name) {
            continue;
        }
        let list = p
            .entry(name.to_owned())
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(list) = list {
            list.push(Value::String(value.clone()));
        }
    }
    p
}

/// The `h` of a form (default `entry`) or the `type` of a JSON request must be an h-entry.
pub fn check_type(kind: &str) -> Result<(), RequestError> {
    let kind = kind.strip_prefix("h-").unwrap_or(kind);
    if kind == "entry" {
        Ok(())
    } else {
        Err(RequestError::UnsupportedType(kind.to_owned()))
    }
}

/// Applies an update's `replace`, `add` and `delete` (in that order, as the specification
/// lists them) to `properties`.
pub fn apply_update(
    properties: &mut Properties,
    update: &Map<String, Value>,
) -> Result<(), RequestError> {
    if let Some(replace) = update.get("replace") {
        let replace = replace.as_object().ok_or(RequestError::BadUpdate(
            "replace must be an object of property lists",
        ))?;
        for (name, values) in replace {
            if !values.is_array() {
                return Err(RequestError::NotAList(name.clone()));
            }
            properties.insert(name.clone(), values.clone());
        }
    }
    if let Some(add) = update.get("add") {
        let add = add.as_object().ok_or(RequestError::BadUpdate(
            "add must be an object of property lists",
        ))?;
        for (name, values) in add {
            let Value::Array(new) = values else {
                return Err(RequestError::NotAList(name.clone()));
            };
            let list = properties
                .entry(name.clone())
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(list) = list {
                list.extend(new.iter().cloned());
            }
        }
    }
    match update.get("delete") {
        None => {}
        // Whole properties.
        Some(Value::Array(names)) => {
            for name in names {
                let name = name
                    .as_str()
                    .ok_or(RequestError::BadUpdate("delete lists property names"))?;
                properties.remove(name);
            }
        }
        // Some values of properties.
        Some(Value::Object(values)) => {
            for (name, gone) in values {
                let Value::Array(gone) = gone else {
                    return Err(RequestError::NotAList(name.clone()));
                };
                if let Some(Value::Array(list)) = properties.get_mut(name) {
                    list.retain(|v| !gone.contains(v));
                    if list.is_empty() {
                        properties.remove(name);
                    }
                }
            }
        }
        Some(_) => {
            return Err(RequestError::BadUpdate(
                "delete must be a list of property names or an object of values",
            ));
        }
    }
    Ok(())
}

/// Whether an update names `property` in any of its parts.
pub fn touches(update: &Map<String, Value>, property: &str) -> bool {
    ["replace", "add"].iter().any(|part| {
        update
            .get(*part)
            .and_then(Value::as_object)
            .is_some_and(|o| o.contains_key(property))
    }) || match update.get("delete") {
        Some(Value::Array(names)) => names.iter().any(|n| n.as_str() == Some(property)),
        Some(Value::Object(o)) => o.contains_key(property),
        _ => false,
    }
}

/// Only the named properties (`q=source&properties[]=...`); all when none are named.
pub fn select(properties: Properties, names: &[String]) -> Properties {
    if names.is_empty() {
        return properties;
    }
    properties
        .into_iter()
        .filter(|(k, _)| names.iter().any(|n| n == k))
        .collect()
}

fn values<'a>(p: &'a Properties, name: &str) -> &'a [Value] {
    p.get(name)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn first_text(p: &Properties, name: &'static str) -> Result<Option<String>, RequestError> {
    match values(p, name).first() {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Object(o)) => match o.get("value") {
            Some(Value::String(s)) => Ok(Some(s.clone())),
            _ => Err(RequestError::BadValue(name)),
        },
        Some(_) => Err(RequestError::BadValue(name)),
    }
}

/// RFC 3339 (ISO 8601 with an offset), or without an offset or seconds, read as UTC.
fn parse_date(s: &str) -> Result<DateTime<Utc>, RequestError> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, format) {
            return Ok(t.and_utc());
        }
    }
    Err(RequestError::BadDate)
}

#[cfg(test)]
mod tests;
