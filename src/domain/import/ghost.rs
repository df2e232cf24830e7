//! Ghost's export (Settings → Labs → Export): JSON with `db[0].data` holding the tables
//! `posts`, `tags`, `posts_tags`, `users`, `posts_authors`. Posts of type `page` are left out;
//! internal tags (`#name`) are not tags.

use std::collections::HashMap;

use serde_json::Value;

use super::{BadItem, ImportedPost, MalformedFile, Parsed, SourceAuthor, parse_export_date};

const FORMAT: &str = "Ghost export (JSON)";

/// Reads a Ghost export named `file` (for messages).
pub fn parse(file: &str, json: &str) -> Result<Parsed, MalformedFile> {
    let malformed = MalformedFile::of(file, FORMAT);
    let doc: Value = serde_json::from_str(json).map_err(|e| malformed(e.to_string()))?;
    let data = doc
        .pointer("/db/0/data")
        .or_else(|| doc.pointer("/data"))
        .ok_or_else(|| malformed("no `db[0].data`".into()))?;
    let posts = data
        .get("posts")
        .and_then(Value::as_array)
        .ok_or_else(|| malformed("no `db[0].data.posts` list".into()))?;
    let table = |name: &str| -> Vec<Value> {
        data.get(name)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let id_of = |v: &Value| -> String {
        match v.get("id") {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        }
    };
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
    let tags: HashMap<String, String> = table("tags")
        .iter()
        .filter_map(|t| Some((id_of(t), text(t, "name")?)))
        .collect();
    let users: HashMap<String, SourceAuthor> = table("users")
        .iter()
        .filter_map(|u| {
            let login = text(u, "slug").or_else(|| text(u, "email"))?;
            Some((
                id_of(u),
                SourceAuthor {
                    login,
                    display_name: text(u, "name").unwrap_or_default(),
                },
            ))
        })
        .collect();
    let reference = |v: &Value, key: &str| match v.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    let mut post_tags: HashMap<String, Vec<(i64, String)>> = HashMap::new();
    for pt in table("posts_tags") {
        let order = pt.get("sort_order").and_then(Value::as_i64).unwrap_or(0);
        if let Some(name) = tags.get(&reference(&pt, "tag_id")) {
            post_tags
                .entry(reference(&pt, "post_id"))
                .or_default()
                .push((order, name.clone()));
        }
    }
    let mut post_authors: HashMap<String, (i64, String)> = HashMap::new();
    for pa in table("posts_authors") {
        let order = pa.get("sort_order").and_then(Value::as_i64).unwrap_or(0);
        let entry = post_authors
            .entry(reference(&pa, "post_id"))
            .or_insert((i64::MAX, String::new()));
        if order < entry.0 {
            *entry = (order, reference(&pa, "author_id"));
        }
    }
    let mut parsed = Parsed::default();
    for (i, p) in posts.iter().enumerate() {
        let location = format!("posts[{i}]");
        let bad = |reason: String| BadItem {
            location: location.clone(),
            reason,
        };
        if text(p, "type").as_deref().is_some_and(|t| t != "post") {
            parsed.ignored += 1;
            continue;
        }
        let id = id_of(p);
        let status = text(p, "status").unwrap_or_default();
        let published = match p.get("published_at") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(
                parse_export_date(s)
                    .ok_or_else(|| bad(format!("published_at {s:?} is not a date"))),
            ),
            Some(other) => Some(Err(bad(format!("published_at {other} is not a date")))),
        }
        .transpose();
        let item = published.and_then(|published| {
            let body = text(p, "html")
                .or_else(|| text(p, "plaintext"))
                .ok_or_else(|| bad("the post has no `html`".into()))?;
            let mut tags = post_tags.remove(&id).unwrap_or_default();
            tags.sort_by_key(|(order, _)| *order);
            let author_id = post_authors
                .get(&id)
                .map(|(_, a)| a.clone())
                .unwrap_or_else(|| reference(p, "author_id"));
            let slug = text(p, "slug").filter(|s| !s.is_empty());
            Ok(ImportedPost {
                location: location.clone(),
                title: text(p, "title").unwrap_or_default(),
                old_urls: slug.iter().map(|s| format!("/{s}/")).collect(),
                slug,
                body,
                summary: text(p, "custom_excerpt").filter(|s| !s.trim().is_empty()),
                tags: tags
                    .into_iter()
                    .map(|(_, name)| name)
                    .filter(|n| !n.starts_with('#'))
                    .collect(),
                published,
                draft: status != "published" && status != "scheduled",
                author: users.get(&author_id).cloned(),
            })
        });
        parsed.posts.push(item);
    }
    Ok(parsed)
}
