//! Remote avatars, proxied: an actor's icon is fetched once (through the SSRF-safe client,
//! size-limited), decoded with pixel and memory limits, cut to a small square and re-encoded
//! as PNG, kept in the media store as `avatars/<content hash>.png`. Pages link to that copy, so a reader's
//! browser never contacts another server; an icon that cannot be used is remembered as such
//! and pages show generated initials instead.
//!
//! Icons are fetched by a few workers from a bounded queue, never while a request waits, and
//! decoded one turn at a time (`media::decode_turn`), after their size is read from the header:
//! a stranger's actors cannot make the server decode many large images at once.

use std::collections::HashSet;
use std::io::Cursor;
use std::sync::{Arc, Mutex, OnceLock, Weak};

use image::ImageDecoder;
use url::Url;

use super::client::ClientError;
use crate::app::App;
use crate::media::store::AVATARS;
use crate::storage::{StorageError, avatars};

#[derive(Debug, thiserror::Error)]
pub enum AvatarError {
    #[error("the icon is not a URL")]
    NotAUrl,
    #[error(transparent)]
    Fetch(#[from] ClientError),
    #[error("not an image Chorus can read: {0}")]
    Decode(#[from] image::ImageError),
    #[error(transparent)]
    Write(#[from] crate::media::store::StoreError),
    #[error("the decoding task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Largest icon downloaded, in bytes.
pub const MAX_AVATAR_BYTES: usize = 2 * 1024 * 1024;
/// Widest and tallest icon decoded, in pixels.
pub const MAX_SOURCE_SIDE: u32 = 4096;
/// Memory the decoder may allocate.
pub const MAX_DECODE_BYTES: u64 = 64 * 1024 * 1024;
/// Icons fetched and decoded at the same time, at most.
pub const AVATAR_WORKERS: usize = 2;
/// Actors waiting for their icon, at most; others are tried again when next seen.
pub const AVATAR_QUEUE: usize = 256;
/// Side of the stored square avatar, in pixels (shown at up to half that, for sharp screens).
pub const AVATAR_SIDE: u32 = 96;

/// Whether `name` is a file name this module writes (`<32 hex digits>.png`).
pub fn is_avatar_file(name: &str) -> bool {
    name.strip_suffix(".png").is_some_and(|h| {
        h.len() == 32
            && h.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// The actors whose icon is waiting or being fetched, and the queue the workers take them
/// from; one per server, its workers started with the first icon.
#[derive(Default)]
pub struct AvatarQueue {
    waiting: Mutex<HashSet<i64>>,
    sender: OnceLock<tokio::sync::mpsc::Sender<i64>>,
}

impl AvatarQueue {
    fn done(&self, remote_actor_id: i64) {
        self.waiting
            .lock()
            .expect("avatar lock")
            .remove(&remote_actor_id);
    }

    fn start(app: &App) -> tokio::sync::mpsc::Sender<i64> {
        let (sender, receiver) = tokio::sync::mpsc::channel(AVATAR_QUEUE);
        let receiver = Arc::new(tokio::sync::Mutex::new(receiver));
        for _ in 0..AVATAR_WORKERS {
            tokio::spawn(work(app.downgrade(), receiver.clone()));
        }
        sender
    }
}

/// One worker: takes actors from the queue until the server ends.
async fn work(
    app: Weak<crate::app::AppState>,
    queue: Arc<tokio::sync::Mutex<tokio::sync::mpsc::Receiver<i64>>>,
) {
    loop {
        let Some(remote_actor_id) = queue.lock().await.recv().await else {
            return;
        };
        let Some(state) = app.upgrade() else {
            return;
        };
        let app = App::from_state(state);
        if let Err(e) = refresh(&app, remote_actor_id).await {
            tracing::warn!(remote_actor_id, error = %e, "could not record an avatar");
        }
        app.avatars.done(remote_actor_id);
    }
}

/// Fetches the actor's avatar in the background unless its current icon was tried already.
/// When the queue is full the actor is left for later: it is tried again when next seen.
pub fn ensure(app: &App, remote_actor_id: i64) {
    let queue = &app.avatars;
    if !queue
        .waiting
        .lock()
        .expect("avatar lock")
        .insert(remote_actor_id)
    {
        return;
    }
    let sender = queue.sender.get_or_init(|| AvatarQueue::start(app));
    if sender.try_send(remote_actor_id).is_err() {
        tracing::debug!(
            remote_actor_id,
            "the avatar queue is full; tried when next seen"
        );
        queue.done(remote_actor_id);
    }
}

/// Fetches and stores the avatar of actor `remote_actor_id` if its icon was not tried yet.
pub async fn refresh(app: &App, remote_actor_id: i64) -> Result<(), AvatarError> {
    let Some(profile) = avatars::find_profile(&app.db, remote_actor_id).await? else {
        return Ok(());
    };
    if !profile.avatar_wanted() {
        return Ok(());
    }
    let Some(icon) = profile.icon_url.clone() else {
        return Ok(());
    };
    let file = match fetch(app, &icon).await {
        Ok(name) => Some(name),
        Err(e) => {
            tracing::info!(%icon, error = %e, "a remote avatar could not be used; initials are shown instead");
            None
        }
    };
    crate::storage::remote::set_avatar(&app.db, remote_actor_id, &icon, file.as_deref()).await?;
    app.content_changed().await;
    Ok(())
}

async fn fetch(app: &App, icon: &str) -> Result<String, AvatarError> {
    let url = Url::parse(icon).map_err(|_| AvatarError::NotAUrl)?;
    let (_, bytes) = app.fed.client.fetch_media(&url, MAX_AVATAR_BYTES).await?;
    let png = {
        let _turn = crate::media::decode_turn().await;
        tokio::task::spawn_blocking(move || reencode(&bytes)).await??
    };
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &png);
    let name: String = digest.as_ref()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
        + ".png";
    // The name is the content's hash: an object already there holds these very bytes.
    if app.media.size(AVATARS, &name).await?.is_none() {
        app.media.put(AVATARS, &name, png).await?;
    }
    Ok(name)
}

/// Decodes an image within limits and re-encodes it as a small square PNG.
pub fn reencode(bytes: &[u8]) -> Result<Vec<u8>, image::ImageError> {
    let mut reader = image::ImageReader::new(Cursor::new(bytes)).with_guessed_format()?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SOURCE_SIDE);
    limits.max_image_height = Some(MAX_SOURCE_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let decoder = reader.into_decoder()?;
    // The size of the pixels, from the header, before any is decoded.
    if decoder.total_bytes() > MAX_DECODE_BYTES {
        return Err(image::ImageError::Limits(
            image::error::LimitError::from_kind(image::error::LimitErrorKind::InsufficientMemory),
        ));
    }
    let image = image::DynamicImage::from_decoder(decoder)?;
    let square = image.resize_to_fill(
        AVATAR_SIDE,
        AVATAR_SIDE,
        image::imageops::FilterType::Triangle,
    );
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgba8(square.to_rgba8())
        .write_to(&mut out, image::ImageFormat::Png)?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icons_become_small_pngs_and_junk_is_refused() {
        let mut source = Cursor::new(Vec::new());
        image::DynamicImage::new_rgb8(300, 200)
            .write_to(&mut source, image::ImageFormat::Png)
            .unwrap();
        let png = reencode(source.get_ref()).unwrap();
        let back = image::load_from_memory(&png).unwrap();
        assert_eq!((back.width(), back.height()), (AVATAR_SIDE, AVATAR_SIDE));
        assert!(reencode(b"<svg xmlns='http://www.w3.org/2000/svg'></svg>").is_err());
        assert!(reencode(b"GIF89a\x01").is_err());
        assert!(is_avatar_file("0123456789abcdef0123456789abcdef.png"));
        assert!(
            !is_avatar_file("../etc/passwd.png")
                && !is_avatar_file("0123456789ABCDEF0123456789abcdef.png")
        );
    }
}
