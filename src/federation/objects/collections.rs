//! `OrderedCollection`s with `totalItems` and paged `first`/`next` (Mastodon and others walk
//! them page by page), and the unpaged `featured` collection.

use serde_json::{Value, json};
use url::Url;

/// Items per collection page.
pub const PAGE_SIZE: i64 = 20;

fn page_url(id: &Url, page: u32) -> Url {
    let mut u = id.clone();
    u.set_query(Some(&format!("page={page}")));
    u
}

/// The collection itself: its size and where the first page is.
pub fn collection(id: &Url, total: i64) -> Value {
    json!({
        "id": id,
        "type": "OrderedCollection",
        "totalItems": total,
        "first": page_url(id, 1),
        "last": page_url(id, last_page(total)),
    })
}

pub fn last_page(total: i64) -> u32 {
    (((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1)) as u32
}

/// Page `page` (from 1) holding `items`.
pub fn page(id: &Url, page: u32, total: i64, items: Vec<Value>) -> Value {
    let mut doc = json!({
        "id": page_url(id, page),
        "type": "OrderedCollectionPage",
        "partOf": id,
        "totalItems": total,
        "orderedItems": items,
    });
    if page < last_page(total) {
        doc["next"] = json!(page_url(id, page + 1));
    }
    if page > 1 {
        doc["prev"] = json!(page_url(id, page - 1));
    }
    doc
}

/// A post's `replies`, as Mastodon writes them: a `Collection` with its first page embedded.
pub fn replies(id: &Url, total: i64, first: Value) -> Value {
    json!({"id": id, "type": "Collection", "totalItems": total, "first": first})
}

/// Page `page` (from 1) of a post's `replies`: a `CollectionPage` with `items`, `partOf`, and
/// `next` while there are more.
pub fn replies_page(id: &Url, page: u32, total: i64, items: Vec<Value>) -> Value {
    let mut doc = json!({
        "id": page_url(id, page),
        "type": "CollectionPage",
        "partOf": id,
        "items": items,
    });
    if page < last_page(total) {
        doc["next"] = json!(page_url(id, page + 1));
    }
    if page > 1 {
        doc["prev"] = json!(page_url(id, page - 1));
    }
    doc
}

/// A small collection with every item inline (`featured`, `featuredTags`).
pub fn inline(id: &Url, items: Vec<Value>) -> Value {
    json!({
        "id": id,
        "type": "OrderedCollection",
        "totalItems": items.len(),
        "orderedItems": items,
    })
}

pub fn offset(page: u32) -> i64 {
    (i64::from(page.max(1)) - 1) * PAGE_SIZE
}
