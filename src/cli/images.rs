//! The images a Markdown file names by a relative path (`![alt](img/diagram.png)`), uploaded
//! by `chorus post publish` through the media upload the editor uses, and the post's links
//! rewritten to them. Every file is read and checked before anything is stored, so a missing
//! or unreadable file, or one that is not an image, is an error naming it and nothing is
//! published. A file uploaded before by the same author (the same bytes) is not uploaded
//! again.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, bail};
use image::ImageFormat;

use crate::app::App;
use crate::domain::Submission;
use crate::domain::markdown::local_images::{local_images, replace_addresses};
use crate::media::{self, BODY_WIDTH, MAX_UPLOAD_BYTES, Media};
use crate::storage::{media_sources, users};

/// Uploads the images `submission` (read from `file`) names by a relative path, and points
/// its text at the uploads.
pub async fn upload(
    app: &App,
    author: &str,
    file: &Path,
    submission: &mut Submission,
) -> anyhow::Result<()> {
    let named = file.display();
    let found = local_images(&submission.body).with_context(|| format!("{named}"))?;
    if found.is_empty() {
        return Ok(());
    }
    let owner = users::find_user_by_username(&app.db, author)
        .await?
        .with_context(|| format!("no user named {author:?}"))?;
    let dir = file.parent().unwrap_or(Path::new("."));
    let mut files: Vec<(&str, &str, Vec<u8>)> = Vec::new();
    for image in &found {
        if files.iter().any(|(path, _, _)| *path == image.path) {
            continue;
        }
        let bytes = std::fs::read(dir.join(&image.path))
            .with_context(|| format!("{named}: the image {} cannot be read", image.path))?;
        if bytes.len() > MAX_UPLOAD_BYTES {
            bail!(
                "{named}: the image {} is {} bytes; the limit is {MAX_UPLOAD_BYTES}",
                image.path,
                bytes.len()
            );
        }
        if !matches!(
            image::guess_format(&bytes),
            Ok(ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP | ImageFormat::Gif)
        ) {
            bail!(
                "{named}: {} is not an image (PNG, JPEG, WebP or GIF)",
                image.path
            );
        }
        files.push((&image.path, &image.alt, bytes));
    }
    let mut stored: HashMap<&str, Media> = HashMap::new();
    for (path, alt, bytes) in files {
        let sha256 = hex_sha256(&bytes);
        let media = match media_sources::find_media_by_source(&app.db, owner.id, &sha256).await? {
            Some(media) => {
                eprintln!("image {path}: unchanged, already uploaded");
                media
            }
            None => {
                let media = media::store_upload(app, owner.id, &bytes, alt)
                    .await
                    .with_context(|| format!("{named}: the image {path}"))?;
                media_sources::record_media_source(&app.db, owner.id, &sha256, media.id).await?;
                eprintln!("image {path}: uploaded");
                media
            }
        };
        stored.insert(path, media);
    }
    let replacements = found
        .iter()
        .filter_map(|i| {
            let media = stored.get(i.path.as_str())?;
            Some((i.range.clone(), media::path(media, BODY_WIDTH)))
        })
        .collect();
    submission.body = replace_addresses(&submission.body, replacements);
    Ok(())
}

fn hex_sha256(bytes: &[u8]) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes);
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}
