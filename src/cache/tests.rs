use std::sync::Arc;

use super::page::tests::page;
use super::*;

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
