use axum::http::{HeaderMap, HeaderValue};
use chrono::{DateTime, Utc};

use super::*;

pub(crate) fn page() -> CachedPage {
    let t = DateTime::parse_from_rfc3339("2026-11-24T10:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    CachedPage::build(
        Rendered::ok(
            "text/html; charset=utf-8",
            "<p>hello</p>".repeat(100),
            Some(t),
        ),
        1,
    )
}

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.insert(*k, HeaderValue::from_str(v).unwrap());
    }
    h
}

#[test]
fn picks_the_encoding_the_client_accepts() {
    assert_eq!(
        preferred_encoding(&headers(&[("accept-encoding", "gzip, deflate, br")])),
        Encoding::Brotli
    );
    assert_eq!(
        preferred_encoding(&headers(&[("accept-encoding", "gzip, br;q=0")])),
        Encoding::Gzip
    );
    assert_eq!(
        preferred_encoding(&headers(&[("accept-encoding", "identity")])),
        Encoding::Identity
    );
    assert_eq!(preferred_encoding(&headers(&[])), Encoding::Identity);
}

#[test]
fn conditional_requests_get_304() {
    let p = page();
    let etag = p.etag.to_str().unwrap().to_owned();
    assert_eq!(
        p.respond(&headers(&[("if-none-match", &etag)])).status(),
        StatusCode::NOT_MODIFIED
    );
    assert_eq!(
        p.respond(&headers(&[("if-none-match", "W/\"other\"")]))
            .status(),
        StatusCode::OK
    );
    let later = "Tue, 24 Nov 2026 11:00:00 GMT";
    assert_eq!(
        p.respond(&headers(&[("if-modified-since", later)]))
            .status(),
        StatusCode::NOT_MODIFIED
    );
    let earlier = "Tue, 24 Nov 2026 09:00:00 GMT";
    assert_eq!(
        p.respond(&headers(&[("if-modified-since", earlier)]))
            .status(),
        StatusCode::OK
    );
}

#[test]
fn compressed_bodies_decode_to_the_page() {
    use std::io::Read;
    let p = page();
    let identity = "<p>hello</p>".repeat(100);
    assert_eq!(p.body(), identity.as_bytes());
    let mut out = Vec::new();
    brotli::Decompressor::new(&p.brotli[..], 4096)
        .read_to_end(&mut out)
        .unwrap();
    assert_eq!(out, identity.as_bytes());
    assert!(p.brotli.len() < identity.len() / 5);
    assert!(p.weight() < identity.len() as u64 / 2);
}
