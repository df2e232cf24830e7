//! The page cache: rendered pages and feeds kept in memory, compressed once (gzip and
//! brotli) when they are rendered, and answered with `ETag`/`Last-Modified` and 304s.
//! Only the two compressed forms are kept; the rare client that accepts neither gets the
//! gzip form decoded on the fly, so a page costs a quarter of the memory (a feed a tenth).
//!
//! Every entry carries the content generation it was rendered at. When public content changes
//! (here, in another process, or from the command line) the generation moves, and the change's
//! scope ([`Change`]) says which pages went stale: a comment or a like on one post drops that
//! post's page (and, for comments, the listings that count them), not every page of the site.
//! A page rendered while a change touching it happened is not kept. Reading a cached page
//! touches no database at all.

use std::collections::VecDeque;
use std::io::Write;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use quick_cache::Weighter;

use super::PageKey;
use crate::storage::changes::Change;

/// Memory the cache may use for page bodies, all encodings together.
pub const CACHE_BYTES: u64 = 24 * 1024 * 1024;
/// Brotli quality for pages: 5 compresses a 20 KB page in well under a millisecond, within a
/// few percent of the size at 11.
const BROTLI_QUALITY: u32 = 5;
const BROTLI_WINDOW: u32 = 22;
/// How many recent changes the cache remembers, to judge pages that were being rendered while
/// they happened. A page rendered before the oldest of them is not kept.
const RECENT_CHANGES: usize = 256;

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
    generation: i64,
    post_id: Option<i64>,
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

    fn weight(&self) -> u64 {
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

#[derive(Clone)]
struct PageWeighter;

impl Weighter<PageKey, Arc<CachedPage>> for PageWeighter {
    fn weight(&self, key: &PageKey, page: &Arc<CachedPage>) -> u64 {
        page.weight() + key.weight()
    }
}

/// Whether `change` makes the page cached under `key` (showing post `post_id`) stale.
fn affects(change: &Change, key: &PageKey, post_id: Option<i64>) -> bool {
    let shows = |ids: &[i64]| post_id.is_none_or(|id| ids.contains(&id));
    match (change, key) {
        (Change::Everything, _) => true,
        (
            Change::Posts(ids) | Change::PostPages(ids),
            PageKey::Post { .. } | PageKey::ArticleJson { .. },
        ) => shows(ids),
        // Listings show posts and count their comments; likes and boosts are not on them.
        (
            Change::Posts(_),
            PageKey::Home { .. }
            | PageKey::Author { .. }
            | PageKey::Tag { .. }
            | PageKey::Feed { .. },
        ) => true,
        (Change::PostPages(_), _) => false,
        (Change::Posts(_), PageKey::ActorJson { .. } | PageKey::WebFinger { .. }) => false,
    }
}

/// Shared, cheap to clone.
#[derive(Clone)]
pub struct PageCache {
    inner: Arc<Inner>,
}

struct Inner {
    /// The newest generation applied; written only with `changes` held.
    generation: AtomicI64,
    pages: quick_cache::sync::Cache<PageKey, Arc<CachedPage>, PageWeighter>,
    changes: Mutex<Recent>,
}

/// The changes applied most recently, oldest first: those after generation `floor`.
struct Recent {
    floor: i64,
    list: VecDeque<(i64, Change)>,
}

impl PageCache {
    pub fn new(generation: i64) -> PageCache {
        PageCache {
            inner: Arc::new(Inner {
                generation: AtomicI64::new(generation),
                pages: quick_cache::sync::Cache::with_weighter(4096, CACHE_BYTES, PageWeighter),
                changes: Mutex::new(Recent {
                    floor: generation,
                    list: VecDeque::with_capacity(RECENT_CHANGES),
                }),
            }),
        }
    }

    pub fn generation(&self) -> i64 {
        self.inner.generation.load(Ordering::Acquire)
    }

    /// The cached page for `key`, if it is current.
    pub fn get(&self, key: &PageKey) -> Option<Arc<CachedPage>> {
        self.inner.pages.get(key)
    }

    /// Stores `page` unless content it shows changed while it was being rendered.
    pub fn insert(&self, key: PageKey, page: Arc<CachedPage>) {
        let recent = self
            .inner
            .changes
            .lock()
            .expect("the change list is never poisoned");
        if page.generation < self.generation() {
            if page.generation < recent.floor {
                return; // rendered before the changes remembered: it may be stale
            }
            let stale = recent
                .list
                .iter()
                .filter(|(g, _)| *g > page.generation)
                .any(|(_, change)| affects(change, &key, page.post_id));
            if stale {
                return;
            }
        }
        self.inner.pages.insert(key, page);
    }

    /// Moves to content generation `generation`, given the changes since the current one
    /// (oldest first; see [`crate::storage::changes::since`]): the pages they touch are
    /// dropped. Without every change in between, every page is dropped. Returns whether the
    /// generation moved.
    pub fn advance(&self, generation: i64, changes: &[(i64, Change)]) -> bool {
        let mut recent = self
            .inner
            .changes
            .lock()
            .expect("the change list is never poisoned");
        let current = self.generation();
        let changes: Vec<&(i64, Change)> = changes.iter().filter(|(g, _)| *g > current).collect();
        let target = changes
            .last()
            .map_or(generation, |(g, _)| generation.max(*g));
        if target <= current {
            return false;
        }
        let complete = changes.len() as i64 == target - current
            && changes
                .iter()
                .zip(current + 1..)
                .all(|((g, _), expected)| *g == expected);
        if complete && !changes.iter().any(|(_, c)| *c == Change::Everything) {
            self.inner.pages.retain(|key, page| {
                !changes
                    .iter()
                    .any(|(_, change)| affects(change, key, page.post_id))
            });
            recent.list.extend(changes.into_iter().cloned());
            while recent.list.len() > RECENT_CHANGES {
                if let Some((g, _)) = recent.list.pop_front() {
                    recent.floor = g;
                }
            }
        } else {
            self.inner.pages.clear();
            recent.list.clear();
            recent.floor = target;
        }
        self.inner.generation.store(target, Ordering::Release);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> CachedPage {
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

    #[test]
    fn a_change_of_unknown_scope_hides_every_older_page() {
        let cache = PageCache::new(1);
        let k = PageKey::Home { page: 1 };
        cache.insert(k.clone(), Arc::new(page()));
        assert!(cache.get(&k).is_some());
        assert!(cache.advance(2, &[])); // what changed is not known
        assert!(cache.get(&k).is_none());
        cache.insert(k.clone(), Arc::new(page())); // rendered at generation 1: refused
        assert!(cache.get(&k).is_none());
        assert!(!cache.advance(1, &[]));
    }

    fn post_page(slug: &str, id: i64, generation: i64) -> (PageKey, Arc<CachedPage>) {
        let r = Rendered::ok("text/html; charset=utf-8", format!("<p>{slug}</p>"), None);
        (
            PageKey::Post { slug: slug.into() },
            Arc::new(CachedPage::build(r.showing_post(id), generation)),
        )
    }

    fn listing(generation: i64) -> (PageKey, Arc<CachedPage>) {
        let r = Rendered::ok("text/html; charset=utf-8", "<p>list</p>".into(), None);
        (
            PageKey::Home { page: 1 },
            Arc::new(CachedPage::build(r, generation)),
        )
    }

    fn cached(cache: &PageCache, key: &PageKey) -> bool {
        cache.get(key).is_some()
    }

    #[test]
    fn a_change_drops_only_the_pages_it_touches() {
        let cache = PageCache::new(1);
        let (a, page_a) = post_page("a", 10, 1);
        let (b, page_b) = post_page("b", 20, 1);
        let (home, page_home) = listing(1);
        cache.insert(a.clone(), page_a);
        cache.insert(b.clone(), page_b);
        cache.insert(home.clone(), page_home);

        // A like on post a: its page only.
        assert!(cache.advance(2, &[(2, Change::PostPages(vec![10]))]));
        assert!(!cached(&cache, &a));
        assert!(cached(&cache, &b) && cached(&cache, &home));

        // An edit (or a comment) on post b: its page and the listings.
        assert!(cache.advance(3, &[(3, Change::post(20))]));
        assert!(!cached(&cache, &b) && !cached(&cache, &home));

        // A site-wide change: everything.
        let (a, page_a) = post_page("a", 10, 3);
        cache.insert(a.clone(), page_a);
        assert!(cache.advance(4, &[(4, Change::Everything)]));
        assert!(!cached(&cache, &a));
    }

    #[test]
    fn a_page_rendered_while_its_content_changed_is_not_kept() {
        let cache = PageCache::new(1);
        // Rendered at generation 1; meanwhile a like on another post: kept.
        assert!(cache.advance(2, &[(2, Change::PostPages(vec![20]))]));
        let (a, page_a) = post_page("a", 10, 1);
        cache.insert(a.clone(), page_a);
        assert!(cached(&cache, &a));

        // Rendered at generation 2; meanwhile post a was edited: refused, and so is a
        // listing rendered then.
        assert!(cache.advance(3, &[(3, Change::post(10))]));
        let (a, page_a) = post_page("a", 10, 2);
        cache.insert(a.clone(), page_a);
        assert!(!cached(&cache, &a));
        let (home, page_home) = listing(2);
        cache.insert(home.clone(), page_home);
        assert!(!cached(&cache, &home));
    }

    #[test]
    fn a_gap_in_the_changes_drops_everything() {
        let cache = PageCache::new(1);
        let (b, page_b) = post_page("b", 20, 1);
        cache.insert(b.clone(), page_b);
        // Generations 2 and 3 are missing (another process pruned them, say).
        assert!(cache.advance(4, &[(4, Change::PostPages(vec![10]))]));
        assert!(!cached(&cache, &b));
        assert_eq!(cache.generation(), 4);
        // Changes already applied are skipped; later ones still count.
        assert!(cache.advance(
            5,
            &[(4, Change::Everything), (5, Change::PostPages(vec![10]))]
        ));
        let (b, page_b) = post_page("b", 20, 5);
        cache.insert(b.clone(), page_b);
        assert!(cached(&cache, &b));
    }
}
