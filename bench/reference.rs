//! The reference server: a minimal axum server answering a pre-compressed 20 KB HTML page and
//! a small JSON document from memory. Nothing a real server could do faster on this machine
//! with the same stack, so it is the ceiling Chorus's figures are divided by.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;

/// Size of the reference page before compression.
pub const PAGE_BYTES: usize = 20 * 1024;

/// One document in three encodings.
struct Doc {
    content_type: HeaderValue,
    identity: Bytes,
    gzip: Bytes,
    brotli: Bytes,
    etag: HeaderValue,
}

impl Doc {
    fn new(content_type: &'static str, body: String) -> Doc {
        let identity = Bytes::from(body);
        let hash = identity.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
        });
        Doc {
            content_type: HeaderValue::from_static(content_type),
            // The same compression code and settings as Chorus's page cache.
            gzip: chorus::cache::gzip(&identity),
            brotli: chorus::cache::brotli(&identity),
            identity,
            etag: HeaderValue::from_str(&format!("W/\"{hash:016x}\"")).expect("hex"),
        }
    }

    fn respond(&self, request: &HeaderMap) -> Response {
        let accept = request
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let (body, encoding) = if accept.contains("br") {
            (self.brotli.clone(), Some("br"))
        } else if accept.contains("gzip") {
            (self.gzip.clone(), Some("gzip"))
        } else {
            (self.identity.clone(), None)
        };
        let mut r = body.into_response();
        let h = r.headers_mut();
        h.insert(header::CONTENT_TYPE, self.content_type.clone());
        if let Some(e) = encoding {
            h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(e));
        }
        h.insert(header::ETAG, self.etag.clone());
        h.insert(
            header::VARY,
            HeaderValue::from_static("Accept, Accept-Encoding"),
        );
        r
    }
}

struct Docs {
    page: Doc,
    json: Doc,
}

async fn page(State(d): State<Arc<Docs>>, headers: HeaderMap) -> Response {
    d.page.respond(&headers)
}

async fn json(State(d): State<Arc<Docs>>, headers: HeaderMap) -> Response {
    d.json.respond(&headers)
}

/// Serves `/page` and `/doc.json` on `addr` until the process is stopped.
pub fn serve(addr: SocketAddr) -> anyhow::Result<()> {
    let key = chorus::federation::signatures::PrivateKey::generate_rsa_2048();
    let docs = Arc::new(Docs {
        page: Doc::new(
            "text/html; charset=utf-8",
            crate::text::reference_page(PAGE_BYTES),
        ),
        json: Doc::new(
            "application/activity+json",
            crate::text::reference_json(&key.public_key_pem()?),
        ),
    });
    let router = Router::new()
        .route("/page", get(page))
        .route("/doc.json", get(json))
        .with_state(docs);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        axum::serve(listener, router).await?;
        Ok(())
    })
}
