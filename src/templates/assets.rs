//! Static files compiled into the binary (`static/`), each compressed once and served with
//! long cache lifetimes under a content-hashed URL. The one stylesheet, `style.css`, is the
//! files of `static/style/` in name order (one per part of the site); `60-code.css` colours
//! the highlighter's classes in a light and a dark theme.

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::http::HeaderValue;
use bytes::Bytes;
use rust_embed::Embed;

use crate::cache::{brotli, gzip};

#[derive(Embed)]
#[folder = "static/"]
struct StaticFiles;

/// One static file, compressed once.
pub struct Asset {
    pub content_type: HeaderValue,
    pub identity: Bytes,
    pub gzip: Bytes,
    pub brotli: Bytes,
    hash: String,
}

fn assets() -> &'static HashMap<String, Asset> {
    static ASSETS: OnceLock<HashMap<String, Asset>> = OnceLock::new();
    ASSETS.get_or_init(|| {
        let mut map = HashMap::new();
        let mut files: Vec<(String, Vec<u8>, String)> = StaticFiles::iter()
            .filter(|name| !name.starts_with("style/"))
            .map(|name| {
                let file = StaticFiles::get(&name).expect("listed files exist");
                let mime = file.metadata.mimetype().to_owned();
                (name.to_string(), file.data.into_owned(), mime)
            })
            .collect();
        files.push(("style.css".into(), stylesheet(), "text/css".into()));
        for (name, data, mime) in files {
            let mime = mime.as_str();
            let content_type = if mime.starts_with("text/") {
                format!("{mime}; charset=utf-8")
            } else {
                mime.to_owned()
            };
            let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &data);
            let hash = digest.as_ref()[..8]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            let asset = Asset {
                content_type: HeaderValue::from_str(&content_type)
                    .expect("mime types are valid header values"),
                gzip: gzip(&data),
                brotli: brotli(&data),
                identity: Bytes::from(data),
                hash,
            };
            map.insert(name, asset);
        }
        map
    })
}

/// `static/style/*.css` in name order.
pub fn stylesheet() -> Vec<u8> {
    let mut parts: Vec<String> = StaticFiles::iter()
        .filter(|name| name.starts_with("style/") && name.ends_with(".css"))
        .map(|name| name.to_string())
        .collect();
    parts.sort();
    let mut out = Vec::new();
    for part in parts {
        out.extend_from_slice(&StaticFiles::get(&part).expect("listed files exist").data);
        out.push(b'\n');
    }
    out
}

fn href(name: &str) -> String {
    let hash = assets().get(name).map(|a| a.hash.as_str()).unwrap_or("0");
    format!("/static/{name}?v={hash}")
}

pub fn stylesheet_href() -> String {
    href("style.css")
}

pub fn favicon_href() -> String {
    href("favicon.svg")
}

/// The editor's optional script (live preview, autosave, keys, word count).
pub fn editor_script_href() -> String {
    href("editor.js")
}

/// The small script behind the copy buttons of links shown once.
/// Signed-in pages' script: marks this browser as a writer's (see `edit-link.js`).
pub fn writer_script_href() -> String {
    href("writer.js")
}

/// Post pages' script: asks whether the reader may edit the post and shows them the link.
pub fn edit_link_script_href() -> String {
    href("edit-link.js")
}

/// The account page's script that offers the browser's time zone.
pub fn zone_script_href() -> String {
    href("zone.js")
}

pub fn copy_script_href() -> String {
    href("copy.js")
}

/// The post page's optional script (copy buttons on code blocks, relative times).
pub fn post_script_href() -> String {
    href("post.js")
}

/// The editor's optional image script (pasted and dropped images, uploads, the cover).
pub fn editor_images_script_href() -> String {
    href("editor-images.js")
}

/// The static file `name`, if there is one.
pub fn get(name: &str) -> Option<&'static Asset> {
    assets().get(name)
}

/// Builds every asset now rather than on the first request.
pub fn preload() {
    let _ = assets();
}

#[cfg(test)]
mod tests;
