//! The page cache: rendered pages, feeds and documents kept in memory (compressed, see
//! [`page`]), keyed by [`PageKey`].
//!
//! Every entry carries the content generation it was rendered at. When public content changes
//! (here, in another process, or from the command line) the generation moves, and the change's
//! scope ([`Change`]) says which pages went stale: a comment or a like on one post drops that
//! post's page (and, for comments, the listings that count them), not every page of the site.
//! A page rendered while a change touching it happened is not kept. Reading a cached page
//! touches no database at all.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use quick_cache::Weighter;
use tokio::sync::mpsc;

use crate::storage::changes::Change;
use crate::storage::{self, Db};

mod keys;
mod page;
pub mod watch;

pub use keys::{Format, PageKey, Scope};
pub use page::{CachedPage, Rendered, brotli, gzip};

/// Memory the cache may use for page bodies, all encodings together.
pub const CACHE_BYTES: u64 = 24 * 1024 * 1024;
/// How many recent changes the cache remembers, to judge pages that were being rendered while
/// they happened. A page rendered before the oldest of them is not kept.
const RECENT_CHANGES: usize = 256;

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
            | PageKey::Subscribe
            | PageKey::Series { .. }
            | PageKey::Author { .. }
            | PageKey::Tag { .. }
            | PageKey::Feed { .. }
            | PageKey::Sitemap
            | PageKey::FeedPage { .. },
        ) => true,
        (Change::PostPages(_), _) => false,
        (
            Change::Posts(_),
            PageKey::ActorJson { .. } | PageKey::WebFinger { .. } | PageKey::Robots,
        ) => false,
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
    /// Pages to render again after a change, for the task that renders them (if one runs).
    warm: mpsc::UnboundedSender<Vec<PageKey>>,
    warm_requests: Mutex<Option<mpsc::UnboundedReceiver<Vec<PageKey>>>>,
    warming: AtomicBool,
}

/// The changes applied most recently, oldest first: those after generation `floor`.
struct Recent {
    floor: i64,
    list: VecDeque<(i64, Change)>,
}

impl PageCache {
    pub fn new(generation: i64) -> PageCache {
        let (warm, warm_requests) = mpsc::unbounded_channel();
        PageCache {
            inner: Arc::new(Inner {
                warm,
                warm_requests: Mutex::new(Some(warm_requests)),
                warming: AtomicBool::new(false),
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

    /// Asks for `keys` to be rendered again soon (after a change made them stale), so that
    /// readers find them ready. Nothing happens when no task renders them (the command line).
    pub fn warm(&self, keys: Vec<PageKey>) {
        if self.inner.warming.load(Ordering::Acquire) {
            let _ = self.inner.warm.send(keys);
        }
    }

    /// The requests [`warm`](Self::warm) makes, for the one task that renders them.
    pub fn take_warm_requests(&self) -> Option<mpsc::UnboundedReceiver<Vec<PageKey>>> {
        let taken = self
            .inner
            .warm_requests
            .lock()
            .expect("the warm queue lock is never poisoned")
            .take();
        if taken.is_some() {
            self.inner.warming.store(true, Ordering::Release);
        }
        taken
    }

    /// Brings the cache up to the database's content generation, dropping the pages the
    /// changes since touched. Gives whether anything changed.
    pub async fn catch_up(&self, db: &Db) -> storage::Result<bool> {
        let known = self.generation();
        let generation = storage::site::content_generation(db).await?;
        if generation <= known {
            return Ok(false);
        }
        let changes = storage::changes::since(db, known).await?;
        Ok(self.advance(generation, &changes))
    }

    /// After this process moved the content generation to `generation` with `change`:
    /// applied at once when nothing else changed in between, otherwise read from the database.
    pub async fn apply_own(&self, db: &Db, generation: i64, change: Change) {
        if generation == self.generation() + 1 && self.advance(generation, &[(generation, change)])
        {
            return;
        }
        if let Err(e) = self.catch_up(db).await {
            tracing::warn!(error = %e, "could not read the content changes");
        }
    }
}

#[cfg(test)]
mod tests;
