//! Reading JSON-LD as other servers write it: references that are ids or embedded objects,
//! types that may be lists, addressing, text fields and times.

use chrono::{DateTime, Utc};
use serde_json::Value;
use url::Url;

/// The id in a JSON-LD reference: a string, or an object's `id` (or a Link's `href`).
pub fn json_id(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o
            .get("id")
            .or_else(|| o.get("href"))
            .and_then(Value::as_str)
            .map(str::to_owned),
        Value::Array(a) => a.first().and_then(json_id),
        _ => None,
    }
}

/// Everyone in `to` and `cc`.
pub fn addressees(object: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for key in ["to", "cc"] {
        match object.get(key) {
            Some(Value::Array(items)) => out.extend(items.iter().filter_map(json_id)),
            Some(v) => out.extend(json_id(v)),
            None => {}
        }
    }
    out
}

pub fn text<'a>(object: &'a Value, key: &str) -> Option<&'a str> {
    object.get(key).and_then(Value::as_str)
}

pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Whether two ids are on the same server (scheme, host and port).
pub fn same_host(a: &str, b: &str) -> bool {
    match (Url::parse(a), Url::parse(b)) {
        (Ok(a), Ok(b)) => super::objects::peer::same_origin(&a, &b),
        _ => false,
    }
}

/// The first type an object names (`type` may be a list in JSON-LD).
pub fn kind_of(object: &Value) -> &str {
    match object.get("type") {
        Some(Value::String(s)) => s,
        Some(Value::Array(a)) => a.iter().find_map(Value::as_str).unwrap_or_default(),
        _ => "",
    }
}
