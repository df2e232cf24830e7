//! One rendered page as the cache keeps it: compressed once (gzip and brotli) when it is
//! rendered, answered with `ETag`/`Last-Modified` and 304s. Only the two compressed forms are
//! kept; the rare client that accepts neither gets the gzip form decoded on the fly.

use std::io::Write;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use chrono::{DateTime, Utc};

/// Brotli quality for pages: 5 compresses a 20 KB page in well under a millisecond, within a
/// few percent of the size at 11.
const BROTLI_QUALITY: u32 = 5;
const BROTLI_WINDOW: u32 = 22;

/// A response body produced by a renderer, before compression.
#[derive(Debug)]
pub struct Rendered {
    pub status: StatusCode,
    pub content_type: &'static str,
    pub body: String,
    pub last_modified: Option<DateTime<Utc>>,
    /// The post the page shows (a post page or its ActivityPub document).
    pub post_id: Option<i64>,
}

impl Rendered {
    pub fn ok(
        content_type: &'static str,
        body: String,
        last_modified: Option<DateTime<Utc>>,
    ) -> Rendered {
        Rendered {
            status: StatusCode::OK,
            content_type,
            body,
            last_modified,
            post_id: None,
        }
    }

    /// Marks the page as showing post `id`, so that changes to other posts leave it cached.
    pub fn showing_post(mut self, id: i64) -> Rendered {
        self.post_id = Some(id);
        self
    }
}

/// One cached representation, compressed two ways.
#[derive(Debug)]
pub struct CachedPage {
    status: StatusCode,
    content_type: HeaderValue,
    /// Length of the uncompressed body.
    identity_len: usize,
    gzip: Bytes,
    brotli: Bytes,
    etag: HeaderValue,
    last_modified: Option<(DateTime<Utc>, HeaderValue)>,
    pub(super) generation: i64,
    pub(super) post_id: Option<i64>,
}

impl CachedPage {
    pub fn build(r: Rendered, generation: i64) -> CachedPage {
        let identity = r.body.into_bytes();
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &identity);
        let hex: String = digest.as_ref()[..12]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        CachedPage {
            status: r.status,
            content_type: HeaderValue::from_static(r.content_type),
            gzip: gzip(&identity),
            brotli: brotli(&identity),
            identity_len: identity.len(),
            etag: HeaderValue::from_str(&format!("W/\"{hex}\""))
                .expect("hex is a valid header value"),
            last_modified: r.last_modified.map(|t| {
                let v = httpdate::fmt_http_date(t.into());
                (
                    t,
                    HeaderValue::from_str(&v).expect("an HTTP date is a valid header value"),
                )
            }),
            generation,
            post_id: r.post_id,
        }
    }

    pub(super) fn weight(&self) -> u64 {
        (self.gzip.len() + self.brotli.len() + 256) as u64
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The uncompressed body.
    pub fn body(&self) -> Bytes {
        use std::io::Read;
        let mut out = Vec::with_capacity(self.identity_len);
        flate2::read::GzDecoder::new(&self.gzip[..])
            .read_to_end(&mut out)
            .expect("our own gzip data decodes");
        Bytes::from(out)
    }

    /// Answers a request: 304 when the client's copy is current, otherwise the best encoding
    /// the client accepts.
    pub fn respond(&self, request: &HeaderMap) -> Response {
        // Built in place: this runs for every cached page served, so no intermediate map.
        let not_modified = self.status == StatusCode::OK && self.not_modified(request);
        let (status, body, encoding) = if not_modified {
            (StatusCode::NOT_MODIFIED, Body::empty(), None)
        } else {
            match preferred_encoding(request) {
                Encoding::Brotli => (self.status, Body::from(self.brotli.clone()), Some("br")),
                Encoding::Gzip => (self.status, Body::from(self.gzip.clone()), Some("gzip")),
                Encoding::Identity => (self.status, Body::from(self.body()), None),
            }
        };
        let mut response = Response::new(body);
        *response.status_mut() = status;
        let headers = response.headers_mut();
        headers.reserve(12);
        headers.insert(header::ETAG, self.etag.clone());
        if let Some((_, lm)) = &self.last_modified {
            headers.insert(header::LAST_MODIFIED, lm.clone());
        }
        headers.insert(
            header::VARY,
            HeaderValue::from_static("Accept, Accept-Encoding"),
        );
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, no-cache"),
        );
        if !not_modified {
            headers.insert(header::CONTENT_TYPE, self.content_type.clone());
        }
        if let Some(encoding) = encoding {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
        }
        response
    }

    fn not_modified(&self, request: &HeaderMap) -> bool {
        if let Some(inm) = request
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
        {
            let ours = self
                .etag
                .to_str()
                .unwrap_or_default()
                .trim_start_matches("W/");
            return inm
                .split(',')
                .map(str::trim)
                .any(|t| t == "*" || t.trim_start_matches("W/") == ours);
        }
        match (&self.last_modified, request.get(header::IF_MODIFIED_SINCE)) {
            (Some((ours, _)), Some(since)) => since
                .to_str()
                .ok()
                .and_then(|s| httpdate::parse_http_date(s).ok())
                .is_some_and(|since| DateTime::<Utc>::from(since).timestamp() >= ours.timestamp()),
            _ => false,
        }
    }
}

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

/// Reads `Accept-Encoding`, honouring `q=0` refusals; prefers brotli, then gzip.
fn preferred_encoding(request: &HeaderMap) -> Encoding {
    let Some(accept) = request
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
    else {
        return Encoding::Identity;
    };
    let accepts = |name: &str| {
        accept.split(',').any(|part| {
            let mut it = part.split(';');
            let coding = it.next().unwrap_or("").trim();
            let refused = it.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q == 0.0)
            });
            (coding.eq_ignore_ascii_case(name) || coding == "*") && !refused
        })
    };
    if accepts("br") {
        Encoding::Brotli
    } else if accepts("gzip") {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

pub fn gzip(data: &[u8]) -> Bytes {
    let mut enc = flate2::write::GzEncoder::new(
        Vec::with_capacity(data.len() / 3),
        flate2::Compression::default(),
    );
    enc.write_all(data).expect("writing to memory cannot fail");
    Bytes::from(enc.finish().expect("writing to memory cannot fail"))
}

pub fn brotli(data: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(data.len() / 3);
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, BROTLI_QUALITY, BROTLI_WINDOW);
        w.write_all(data).expect("writing to memory cannot fail");
    }
    Bytes::from(out)
}

#[cfg(test)]
pub(crate) mod tests;
