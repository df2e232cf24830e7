//! A folder of Markdown files with front matter, as `chorus export` writes it or as authors
//! keep their writing: the folder a file is in names its author (`alice/post.md`), unless
//! `--author` chooses one. An export's `authors.json` gives the display names of authors who
//! are created, and its `media/` folder with `media.json` brings the images its posts show,
//! under the same file names, so the posts' Markdown stays as it was.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::Incoming;
use crate::app::App;
use crate::domain::import::{SourceAuthor, username_for};
use crate::domain::post::MAX_MARKDOWN_BYTES;
use crate::domain::{Submission, time};
use crate::media::parse_file_name;
use crate::media::store::MEDIA;
use crate::storage::media::{self, NewMedia};
use crate::storage::users;

/// An author as `authors.json` lists them.
#[derive(Debug, Clone, Deserialize)]
pub struct ExportedAuthor {
    pub username: String,
    #[serde(default)]
    pub display_name: String,
}

/// An image as `media.json` lists it.
#[derive(Debug, Clone, serde::Serialize, Deserialize)]
pub struct ExportedMedia {
    pub file_stem: String,
    pub mime: String,
    pub width: u32,
    pub height: u32,
    pub variants: Vec<u32>,
    #[serde(default)]
    pub alt: String,
    /// The username of its owner.
    pub owner: Option<String>,
    /// The names of its files under `media/`.
    pub files: Vec<String>,
}

/// Every Markdown file under `dir` as an item to import, in a stable order.
pub fn read_dir(dir: &Path) -> std::io::Result<Vec<Incoming>> {
    let meta = std::fs::metadata(dir)?;
    if !meta.is_dir() {
        return Err(std::io::Error::other(format!(
            "{} is not a folder",
            dir.display()
        )));
    }
    let names: HashMap<String, String> = std::fs::read(dir.join("authors.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<Vec<ExportedAuthor>>(&b).ok())
        .unwrap_or_default()
        .into_iter()
        .map(|a| (a.username, a.display_name))
        .collect();
    let mut files = Vec::new();
    walk(dir, &mut files)?;
    files.sort();
    Ok(files
        .into_iter()
        .map(|path| {
            let location = path
                .strip_prefix(dir)
                .unwrap_or(&path)
                .display()
                .to_string();
            let folder = path
                .parent()
                .filter(|p| *p != dir)
                .and_then(Path::file_name)
                .map(|n| n.to_string_lossy().into_owned());
            let author = folder.map(|login| SourceAuthor {
                display_name: names.get(&login).cloned().unwrap_or_default(),
                login,
            });
            Incoming {
                submission: read_file(&path).and_then(|text| {
                    Submission::from_markdown_file(&text).map_err(|e| e.to_string())
                }),
                location,
                author,
                old_paths: Vec::new(),
            }
        })
        .collect())
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let kind = entry.file_type()?;
        if kind.is_dir() {
            walk(&path, out)?;
        } else if kind.is_file()
            && path
                .extension()
                .is_some_and(|e| e == "md" || e == "markdown")
        {
            out.push(path);
        }
    }
    Ok(())
}

fn read_file(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read it: {e}"))?;
    if bytes.len() > MAX_MARKDOWN_BYTES {
        return Err(format!(
            "it is {} bytes; the limit is {MAX_MARKDOWN_BYTES} bytes (1 MiB)",
            bytes.len()
        ));
    }
    String::from_utf8(bytes).map_err(|_| "it is not UTF-8 text".to_owned())
}

/// What bringing an export's images did.
#[derive(Debug, Default)]
pub struct MediaReport {
    /// Images copied in (or that would be, in a dry run).
    pub copied: usize,
    /// Images that were here already.
    pub present: usize,
    /// Images left out, and why.
    pub skipped: Vec<(String, String)>,
}

/// Copies the images an export lists in `dir/media.json` from `dir/media/` into this site's
/// media store, owned by `author` (the `--author` account) or by their exported owner.
pub async fn import_media(
    app: &App,
    dir: &Path,
    author: Option<&str>,
    dry_run: bool,
) -> Result<MediaReport, String> {
    let mut report = MediaReport::default();
    let Ok(bytes) = std::fs::read(dir.join("media.json")) else {
        return Ok(report);
    };
    let list: Vec<ExportedMedia> =
        serde_json::from_slice(&bytes).map_err(|e| format!("media.json is malformed: {e}"))?;
    for (i, m) in list.into_iter().enumerate() {
        let location = format!("media.json[{i}] ({})", m.file_stem);
        match bring(app, dir, &m, author, dry_run).await {
            Ok(true) => report.copied += 1,
            Ok(false) => report.present += 1,
            Err(reason) => report.skipped.push((location, reason)),
        }
    }
    Ok(report)
}

async fn bring(
    app: &App,
    dir: &Path,
    m: &ExportedMedia,
    author: Option<&str>,
    dry_run: bool,
) -> Result<bool, String> {
    let db_error = |e: crate::storage::StorageError| e.to_string();
    if media::find_media_by_stem(&app.db, &m.file_stem)
        .await
        .map_err(db_error)?
        .is_some()
    {
        return Ok(false);
    }
    for name in &m.files {
        if parse_file_name(name).is_none() || !name.starts_with(&m.file_stem) {
            return Err(format!("{name:?} is not a media file name"));
        }
        if !dir.join("media").join(name).is_file() {
            return Err(format!("media/{name} is missing"));
        }
    }
    let owner_name = author
        .map(str::to_owned)
        .or_else(|| m.owner.as_deref().and_then(username_for))
        .ok_or("it names no owner")?;
    let owner = users::find_user_by_username(&app.db, &owner_name)
        .await
        .map_err(db_error)?;
    let owner = match owner {
        Some(user) => user.id,
        None if dry_run => return Ok(true),
        None => return Err(format!("its owner {owner_name:?} has no account here")),
    };
    if dry_run {
        return Ok(true);
    }
    for name in &m.files {
        let bytes = tokio::fs::read(dir.join("media").join(name))
            .await
            .map_err(|e| format!("could not read media/{name}: {e}"))?;
        app.media
            .put(MEDIA, name, bytes)
            .await
            .map_err(|e| format!("could not copy media/{name}: {e}"))?;
    }
    let new = NewMedia {
        owner_id: owner,
        file_stem: &m.file_stem,
        mime: &m.mime,
        width: m.width,
        height: m.height,
        variants: &m.variants,
        alt: &m.alt,
        now: time::now(),
    };
    media::insert_media(&app.db, &new).await.map_err(db_error)?;
    Ok(true)
}
