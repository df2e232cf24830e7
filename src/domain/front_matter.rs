//! Front matter at the top of a Markdown file: YAML between `---` lines or TOML between
//! `+++` lines. Unknown keys are refused, so a typo never silently loses a setting.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    pub title: Option<String>,
    pub slug: Option<String>,
    pub tags: Option<TagList>,
    pub summary: Option<String>,
    pub draft: Option<bool>,
    pub published: Option<String>,
    /// Who may reply: `anyone`, `followers` or `nobody` (default: the site's setting).
    pub replies: Option<String>,
    /// Who may quote: `anyone`, `followers`, `nobody` or `ask` (default: the site's setting).
    pub quotes: Option<String>,
    /// `true` pins the post to the author's profile, `false` unpins it (default: as it is).
    pub pinned: Option<bool>,
    /// The series the post belongs to, by name.
    pub series: Option<String>,
}

/// `tags: [rust, web]` or `tags: "rust, web"`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum TagList {
    List(Vec<String>),
    Text(String),
}

impl TagList {
    pub fn items(&self) -> Vec<String> {
        match self {
            TagList::List(v) => v.clone(),
            TagList::Text(s) => s
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(String::from)
                .collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrontMatterError {
    #[error("the front matter opened with {0} is never closed")]
    Unclosed(&'static str),
    #[error("the YAML front matter is malformed: {0}")]
    Yaml(String),
    #[error("the TOML front matter is malformed: {0}")]
    Toml(String),
    #[error("front matter: {0}")]
    Invalid(String),
    #[error(
        "front matter: `published` must be a date like 2026-11-24 or 2026-11-24T09:30:00Z (got {0:?})"
    )]
    BadDate(String),
}

/// Splits `text` into its front matter (if any) and the Markdown body.
pub fn split(text: &str) -> Result<(FrontMatter, &str), FrontMatterError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (fence, is_toml) = match first_line(text) {
        "---" => ("---", false),
        "+++" => ("+++", true),
        _ => return Ok((FrontMatter::default(), text)),
    };
    let after_open = &text[text.find('\n').map_or(text.len(), |i| i + 1)..];
    let mut offset = 0;
    for line in after_open.split_inclusive('\n') {
        let trimmed = line.trim_end();
        if trimmed == fence || (!is_toml && trimmed == "...") {
            let raw = &after_open[..offset];
            let body = &after_open[offset + line.len()..];
            let value = if is_toml {
                parse_toml(raw)?
            } else {
                parse_yaml(raw)?
            };
            let fm: FrontMatter = serde_json::from_value(value)
                .map_err(|e| FrontMatterError::Invalid(e.to_string()))?;
            return Ok((fm, body));
        }
        offset += line.len();
    }
    Err(FrontMatterError::Unclosed(fence))
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("").trim_end()
}

fn parse_yaml(raw: &str) -> Result<serde_json::Value, FrontMatterError> {
    if raw.trim().is_empty() {
        return Ok(serde_json::json!({}));
    }
    let value: serde_json::Value =
        serde_yaml_ng::from_str(raw).map_err(|e| FrontMatterError::Yaml(e.to_string()))?;
    if !value.is_object() {
        return Err(FrontMatterError::Yaml("expected `key: value` lines".into()));
    }
    Ok(value)
}

fn parse_toml(raw: &str) -> Result<serde_json::Value, FrontMatterError> {
    let table: toml::Table =
        toml::from_str(raw).map_err(|e| FrontMatterError::Toml(e.message().to_owned()))?;
    Ok(toml_to_json(toml::Value::Table(table)))
}

/// TOML has a native datetime type; front matter treats it as the text it was written as.
fn toml_to_json(v: toml::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        toml::Value::String(s) => J::String(s),
        toml::Value::Integer(i) => J::from(i),
        toml::Value::Float(f) => J::from(f),
        toml::Value::Boolean(b) => J::Bool(b),
        toml::Value::Datetime(d) => J::String(d.to_string()),
        toml::Value::Array(a) => J::Array(a.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => {
            J::Object(t.into_iter().map(|(k, v)| (k, toml_to_json(v))).collect())
        }
    }
}

/// Reads a publication time: RFC 3339, `YYYY-MM-DD HH:MM[:SS]` (UTC) or a bare date (midnight UTC).
pub fn parse_date(raw: &str) -> Result<DateTime<Utc>, FrontMatterError> {
    let s = raw.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    for fmt in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Ok(t.and_utc());
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc());
    }
    Err(FrontMatterError::BadDate(raw.to_owned()))
}

/// Front matter as a file is written back (`chorus export`): the keys [`split`] reads.
#[derive(Debug, Default, Clone, PartialEq, Serialize)]
pub struct Written {
    pub title: String,
    pub slug: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub draft: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replies: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quotes: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pinned: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub series: Option<String>,
}

/// A Markdown file: `fields` as YAML front matter between `---` lines, then `body` as it is.
pub fn write_file(fields: &Written, body: &str) -> String {
    let yaml = serde_yaml_ng::to_string(fields).expect("plain strings and booleans serialize");
    format!("---\n{yaml}---\n{body}")
}

#[cfg(test)]
mod tests;
