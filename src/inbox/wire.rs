//! Pieces the activities' wire structs share: references that may be an id or an embedded
//! object (and the JSON helpers of `federation::json`, re-exported).

use serde::{Deserialize, Deserializer};
use serde_json::Value;
use url::Url;

use crate::federation::json_id;

/// Reads a reference that is an id, or an object (or link) carrying one, as a URL.
pub fn id_of<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Url, D::Error> {
    let v = Value::deserialize(deserializer)?;
    let id = json_id(&v).ok_or_else(|| serde::de::Error::custom("a reference without an id"))?;
    Url::parse(&id).map_err(serde::de::Error::custom)
}

pub use crate::federation::json::{addressees, kind_of, parse_time, same_host, text};
