use super::super::keys::tests::RFC9421_ED25519_PUBLIC;
use super::*;

fn key() -> PublicKey {
    PublicKey::from_pem(RFC9421_ED25519_PUBLIC).expect("test key")
}

fn actor(n: usize) -> Url {
    Url::parse(&format!("https://example.com/users/{n}")).expect("url")
}

#[test]
fn insert_get_remove() {
    let cache = KeyCache::new(16);
    assert!(cache.get("k").is_none());
    let now = SystemTime::now();
    cache.insert("k", key(), actor(1), now);
    let shared = cache.clone();
    let hit = shared.get("k").expect("clone sees insert");
    assert_eq!(hit.owner, actor(1));
    assert_eq!(hit.fetched_at, now);
    assert!(!hit.is_older_than(Duration::from_secs(60), now));
    assert!(hit.is_older_than(Duration::from_secs(60), now + Duration::from_secs(61)));
    assert!(cache.remove("k").is_some());
    assert!(shared.get("k").is_none());
    assert!(cache.remove("k").is_none());
}

#[test]
fn is_bounded() {
    let cache = KeyCache::new(8);
    for n in 0..200 {
        cache.insert(format!("k{n}"), key(), actor(n), SystemTime::now());
    }
    assert!(cache.len() <= 16, "len {} exceeds the bound", cache.len());
    assert!(!cache.is_empty());
}

#[test]
fn usable_from_many_threads() {
    let cache = KeyCache::new(64);
    std::thread::scope(|s| {
        for t in 0..4 {
            let cache = cache.clone();
            s.spawn(move || {
                for n in 0..50 {
                    cache.insert(format!("k{t}-{n}"), key(), actor(n), SystemTime::now());
                    let _ = cache.get(&format!("k{t}-{n}"));
                }
            });
        }
    });
    assert!(cache.len() <= 128);
}
