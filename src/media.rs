//! Uploaded images: checked (type by content, size, dimensions), decoded and re-encoded, which
//! leaves EXIF (GPS position, camera serial) and every other metadata behind, resized to a few
//! widths (never enlarged), written to the media store ([`store`]) and recorded in the `media`
//! table.
//!
//! The API other parts use: [`store_upload`], [`url`] and [`path`].

pub mod store;

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use url::Url;

use crate::app::App;
use crate::config::Config;
use crate::domain::time;
use crate::storage::StorageError;
pub use crate::storage::media::Media;
use crate::storage::media::{self as records, NewMedia};

/// Largest upload accepted, in bytes.
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;
/// Largest width or height accepted, in pixels (refused before the pixels are decoded).
pub const MAX_DIMENSION: u32 = 12_000;
/// Most memory the decoded pixels of one image may take (checked from its header, before
/// decoding): a 48-megapixel photo (8000 × 6000, RGB) fits; resizing needs about as much again.
pub const MAX_DECODE_BYTES: u64 = 160 * 1024 * 1024;
/// Images decoded at the same time, at most, uploads and remote avatars together; the rest
/// wait for a turn.
pub const DECODE_SLOTS: usize = 2;
/// The widths stored (those narrower than the image, and the image's own width up to the last).
pub const VARIANT_WIDTHS: [u32; 3] = [480, 960, 1600];
/// The width used in Markdown inserted into posts: about the text column on a sharp screen.
pub const BODY_WIDTH: u32 = 960;
pub const JPEG_QUALITY: u8 = 85;
/// Longest alt text, in characters (Mastodon allows 1,500).
pub const MAX_ALT_CHARS: usize = 1500;
/// The `accept` attribute of upload inputs.
pub const ACCEPT: &str = "image/jpeg,image/png,image/webp,image/gif";

#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("no file was chosen, or the file is empty")]
    Empty,
    #[error("the file is {} MiB; the limit is 10 MiB", .0.div_ceil(1024 * 1024))]
    TooLarge(usize),
    #[error("this is not an image Chorus accepts: upload a JPEG, PNG, WebP or GIF file")]
    UnsupportedType,
    #[error(
        "the image is too large: at most {MAX_DIMENSION} pixels wide and high, and about 40 megapixels in all"
    )]
    TooManyPixels,
    #[error("the image could not be read; it may be damaged ({0})")]
    Undecodable(String),
    #[error("the description (alt text) is longer than {MAX_ALT_CHARS} characters")]
    AltTooLong,
    #[error("the image could not be saved")]
    Io(#[from] std::io::Error),
    #[error("the image could not be saved: {0}")]
    Store(#[from] store::StoreError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl MediaError {
    /// Whether the uploader can fix this (a 4xx), rather than the server (a 5xx).
    pub fn is_client_error(&self) -> bool {
        !matches!(
            self,
            MediaError::Io(_) | MediaError::Store(_) | MediaError::Storage(_)
        )
    }
}

/// How variants are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Jpeg,
    Png,
}

impl Encoding {
    pub fn mime(self) -> &'static str {
        match self {
            Encoding::Jpeg => "image/jpeg",
            Encoding::Png => "image/png",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Encoding::Jpeg => "jpg",
            Encoding::Png => "png",
        }
    }

    fn from_mime(mime: &str) -> Encoding {
        if mime == "image/png" {
            Encoding::Png
        } else {
            Encoding::Jpeg
        }
    }
}

/// An upload turned into clean variants, before it is written anywhere.
pub struct Processed {
    pub encoding: Encoding,
    pub width: u32,
    pub height: u32,
    /// (width, encoded bytes), smallest first.
    pub variants: Vec<(u32, Vec<u8>)>,
}

/// Checks and re-encodes an upload. CPU-bound: call it on a blocking thread.
pub fn process(bytes: &[u8]) -> Result<Processed, MediaError> {
    if bytes.is_empty() {
        return Err(MediaError::Empty);
    }
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(MediaError::TooLarge(bytes.len()));
    }
    // The type comes from the bytes, never from the name or the browser's word for it.
    let format = image::guess_format(bytes).map_err(|_| MediaError::UnsupportedType)?;
    if !matches!(
        format,
        ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP | ImageFormat::Gif
    ) {
        return Err(MediaError::UnsupportedType);
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(decode_error)?;
    // The decoder does not check its own output buffer against `max_alloc`: measure first.
    if decoder.total_bytes() > MAX_DECODE_BYTES {
        return Err(MediaError::TooManyPixels);
    }
    // Phones record rotation in EXIF; apply it now, since the EXIF block does not survive.
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    // GIF: the first frame.
    let mut img = DynamicImage::from_decoder(decoder).map_err(decode_error)?;
    img.apply_orientation(orientation);
    let encoding = match format {
        ImageFormat::Jpeg => Encoding::Jpeg,
        ImageFormat::WebP if !img.color().has_alpha() => Encoding::Jpeg,
        _ => Encoding::Png,
    };
    let widths = variant_widths(img.width());
    let mut variants = Vec::with_capacity(widths.len());
    let mut largest = (img.width(), img.height());
    for w in widths {
        let resized = if w == img.width() {
            img.clone()
        } else {
            img.resize(w, u32::MAX, FilterType::CatmullRom)
        };
        largest = (resized.width(), resized.height());
        variants.push((w, encode(&resized, encoding)?));
    }
    Ok(Processed {
        encoding,
        width: largest.0,
        height: largest.1,
        variants,
    })
}

/// A turn to decode an image: at most [`DECODE_SLOTS`] at once in this process. Hold it
/// until the decoded pixels are dropped.
pub async fn decode_turn() -> tokio::sync::SemaphorePermit<'static> {
    static SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(DECODE_SLOTS);
    SLOTS
        .acquire()
        .await
        .expect("the decode semaphore is never closed")
}

fn decode_error(e: image::ImageError) -> MediaError {
    match e {
        image::ImageError::Limits(_) => MediaError::TooManyPixels,
        image::ImageError::Unsupported(_) => MediaError::UnsupportedType,
        other => MediaError::Undecodable(other.to_string()),
    }
}

/// The widths to store for an image `width` pixels wide: never wider than the image.
pub fn variant_widths(width: u32) -> Vec<u32> {
    let top = width.min(VARIANT_WIDTHS[VARIANT_WIDTHS.len() - 1]).max(1);
    let mut widths: Vec<u32> = VARIANT_WIDTHS.into_iter().filter(|w| *w < top).collect();
    widths.push(top);
    widths
}

/// Encodes without metadata: these encoders write pixels and nothing else unless asked.
fn encode(img: &DynamicImage, encoding: Encoding) -> Result<Vec<u8>, MediaError> {
    let mut out = Vec::new();
    let result = match encoding {
        Encoding::Jpeg => DynamicImage::ImageRgb8(img.to_rgb8())
            .write_with_encoder(JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)),
        Encoding::Png => img.write_with_encoder(PngEncoder::new(&mut out)),
    };
    result.map_err(|e| MediaError::Undecodable(e.to_string()))?;
    Ok(out)
}

/// Checks, re-encodes and stores an uploaded image owned by `owner_id`, with `alt` as its
/// description. Nothing is stored when the upload is refused.
pub async fn store_upload(
    app: &App,
    owner_id: i64,
    bytes: &[u8],
    alt: &str,
) -> Result<Media, MediaError> {
    let alt = alt.split_whitespace().collect::<Vec<_>>().join(" ");
    if alt.chars().count() > MAX_ALT_CHARS {
        return Err(MediaError::AltTooLong);
    }
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(MediaError::TooLarge(bytes.len()));
    }
    let owned = bytes.to_vec();
    let _turn = decode_turn().await;
    let processed = tokio::task::spawn_blocking(move || process(&owned))
        .await
        .map_err(|e| MediaError::Io(std::io::Error::other(e)))??;
    let stem = uuid::Uuid::new_v4().simple().to_string();
    let ext = processed.encoding.extension();
    let widths: Vec<u32> = processed.variants.iter().map(|(w, _)| *w).collect();
    let mut written: Vec<String> = Vec::new();
    let result = async {
        for (w, data) in processed.variants {
            let name = file_name(&stem, w, ext);
            written.push(name.clone());
            app.media.put(store::MEDIA, &name, data).await?;
        }
        let new = NewMedia {
            owner_id,
            file_stem: &stem,
            mime: processed.encoding.mime(),
            width: processed.width,
            height: processed.height,
            variants: &widths,
            alt: &alt,
            now: time::now(),
        };
        Ok::<_, MediaError>(records::insert_media(&app.db, &new).await?)
    }
    .await;
    if result.is_err() {
        for name in written {
            let _ = app.media.delete(store::MEDIA, &name).await;
        }
    }
    result
}

fn file_name(stem: &str, width: u32, ext: &str) -> String {
    format!("{stem}-{width}.{ext}")
}

/// The stored width closest to `width` from above (the largest when none is wide enough).
pub fn pick_width(media: &Media, width: u32) -> u32 {
    media
        .variants
        .iter()
        .copied()
        .find(|w| *w >= width)
        .or(media.variants.last().copied())
        .unwrap_or(media.width)
}

/// The site path of the variant at least `width` wide: `/media/<stem>-960.jpg`.
pub fn path(media: &Media, width: u32) -> String {
    let ext = Encoding::from_mime(&media.mime).extension();
    format!(
        "/media/{}",
        file_name(&media.file_stem, pick_width(media, width), ext)
    )
}

/// The absolute URL of the variant at least `width` wide (`u32::MAX` for the largest).
pub fn url(config: &Config, media: &Media, width: u32) -> Url {
    config.url(&path(media, width))
}

/// `![alt](/media/…)`: what goes into a post's Markdown.
pub fn markdown(media: &Media, alt: &str) -> String {
    let alt: String = alt
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace(['[', ']'], "");
    format!("![{alt}]({})", path(media, BODY_WIDTH))
}

/// A media file name from a URL (`<32 hex>-<width>.jpg|png`) and its content type; `None` for
/// anything else, so that no other file can be reached.
pub fn parse_file_name(name: &str) -> Option<&'static str> {
    let (rest, mime) = if let Some(r) = name.strip_suffix(".jpg") {
        (r, "image/jpeg")
    } else if let Some(r) = name.strip_suffix(".png") {
        (r, "image/png")
    } else {
        return None;
    };
    let (stem, width) = rest.split_once('-')?;
    let stem_ok = stem.len() == 32
        && stem
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
    let width_ok =
        !width.is_empty() && width.len() <= 5 && width.bytes().all(|b| b.is_ascii_digit());
    (stem_ok && width_ok).then_some(mime)
}

#[cfg(test)]
mod tests;
