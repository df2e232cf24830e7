//! WriteFreely's account export (`/me/export.json`): the user, their blogs (`collections`,
//! each with its `posts`) and their posts outside any blog (`posts`). Bodies are Markdown;
//! a post's address is `<blog url><slug>`, or `/<id>` for a post outside a blog.

use serde_json::Value;

use super::{BadItem, ImportedPost, MalformedFile, Parsed, SourceAuthor, parse_export_date};

const FORMAT: &str = "WriteFreely export (JSON)";

/// Reads a WriteFreely export named `file` (for messages).
pub fn parse(file: &str, json: &str) -> Result<Parsed, MalformedFile> {
    let malformed = MalformedFile::of(file, FORMAT);
    let doc: Value = serde_json::from_str(json).map_err(|e| malformed(e.to_string()))?;
    let username = doc
        .get("username")
        .and_then(Value::as_str)
        .ok_or_else(|| malformed("no `username`: export the account as JSON".into()))?;
    let author = SourceAuthor {
        login: username.to_owned(),
        display_name: String::new(),
    };
    let mut parsed = Parsed::default();
    let collections = doc.get("collections").and_then(Value::as_array);
    for (c, collection) in collections.into_iter().flatten().enumerate() {
        let base = collection.get("url").and_then(Value::as_str).unwrap_or("");
        let alias = collection
            .get("alias")
            .and_then(Value::as_str)
            .unwrap_or("");
        let posts = collection.get("posts").and_then(Value::as_array);
        for (i, p) in posts.into_iter().flatten().enumerate() {
            let location = format!("collections[{c}].posts[{i}]");
            let slug = p.get("slug").and_then(Value::as_str).unwrap_or("");
            let old = if slug.is_empty() {
                None
            } else if !base.is_empty() {
                Some(format!("{}/{slug}", base.trim_end_matches('/')))
            } else if !alias.is_empty() {
                Some(format!("/{alias}/{slug}"))
            } else {
                Some(format!("/{slug}"))
            };
            parsed.posts.push(post(p, &author, location, old));
        }
    }
    let loose = doc.get("posts").and_then(Value::as_array);
    for (i, p) in loose.into_iter().flatten().enumerate() {
        let location = format!("posts[{i}]");
        let old = p
            .get("id")
            .and_then(Value::as_str)
            .map(|id| format!("/{id}"));
        parsed.posts.push(post(p, &author, location, old));
    }
    Ok(parsed)
}

fn post(
    p: &Value,
    author: &SourceAuthor,
    location: String,
    old: Option<String>,
) -> Result<ImportedPost, BadItem> {
    let bad = |reason: String| BadItem {
        location: location.clone(),
        reason,
    };
    let text = |key: &str| p.get(key).and_then(Value::as_str).unwrap_or("");
    let body = match p.get("body") {
        Some(Value::String(s)) => s.clone(),
        _ => return Err(bad("the post has no `body`".into())),
    };
    let created = text("created");
    let published = if created.is_empty() {
        None
    } else {
        Some(
            parse_export_date(created)
                .ok_or_else(|| bad(format!("created {created:?} is not a date")))?,
        )
    };
    let tags = p
        .get("tags")
        .and_then(Value::as_array)
        .map(|t| {
            t.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    // WriteFreely slugs are derived from the title; a post outside a blog has only an id.
    let slug = Some(text("slug").to_owned()).filter(|s| !s.is_empty());
    Ok(ImportedPost {
        location: location.clone(),
        title: text("title").to_owned(),
        slug,
        body,
        summary: None,
        tags,
        published,
        draft: false,
        author: Some(author.clone()),
        old_urls: old.into_iter().collect(),
    })
}
