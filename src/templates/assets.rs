//! Static files compiled into the binary (`static/`), plus the code-highlighting styles
//! generated from syntect themes, each compressed once and served with long cache lifetimes
//! under a content-hashed URL.

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::http::HeaderValue;
use bytes::Bytes;
use rust_embed::Embed;
use syntect::highlighting::ThemeSet;
use syntect::html::{ClassStyle, css_for_theme_with_class_style};

use crate::cache::{brotli, gzip};

#[derive(Embed)]
#[folder = "static/"]
struct StaticFiles;

/// Code colours for light and dark schemes; class names match what the Markdown renderer emits.
const LIGHT_THEME: &str = "InspiredGitHub";
const DARK_THEME: &str = "base16-ocean.dark";

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
        for name in StaticFiles::iter() {
            let file = StaticFiles::get(&name).expect("listed files exist");
            let mut data = file.data.into_owned();
            if name == "style.css" {
                data.extend_from_slice(highlight_css().as_bytes());
            }
            let mime = file.metadata.mimetype();
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
            map.insert(name.to_string(), asset);
        }
        map
    })
}

fn highlight_css() -> String {
    let themes = ThemeSet::load_defaults();
    let light = css_for_theme_with_class_style(&themes.themes[LIGHT_THEME], ClassStyle::Spaced)
        .expect("bundled themes produce CSS");
    let dark = css_for_theme_with_class_style(&themes.themes[DARK_THEME], ClassStyle::Spaced)
        .expect("bundled themes produce CSS");
    format!(
        "\n/* Code highlighting: {LIGHT_THEME} */\n{light}\n@media (prefers-color-scheme: dark) {{\n/* {DARK_THEME} */\n{dark}\n}}\n"
    )
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

/// The editor's optional script (live preview, autosave, image insertion).
pub fn editor_script_href() -> String {
    href("editor.js")
}

/// The static file `name`, if there is one.
pub fn get(name: &str) -> Option<&'static Asset> {
    assets().get(name)
}

/// Builds every asset now rather than on the first request.
pub fn preload() {
    let _ = assets();
}
