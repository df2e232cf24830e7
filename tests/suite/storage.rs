//! The storage layer keeps its promises on both databases: names and slugs are unique,
//! and every change to public content moves the content generation that caches follow.

mod migrations;

use crate::support::{Backend, TestDb, backends, count_rows};
use chorus::domain::{PostStatus, Role, Slug, Tag, Username};
use chorus::storage::changes::{self, Change};
use chorus::storage::posts::{self, Listing, PostWrite};
use chorus::storage::users::{self, NewUser, User};
use chorus::storage::{Db, StorageError, site};
use chrono::{DateTime, Duration, Utc};

const HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA";

async fn fresh(backend: Backend) -> (TestDb, Db) {
    let test_db = TestDb::new(backend).await;
    let db = test_db.connect().await;
    db.migrate()
        .await
        .expect("migrations apply to an empty database");
    (test_db, db)
}

async fn add_user(db: &Db, name: &str) -> Result<User, StorageError> {
    let username = Username::parse(name).expect("a valid username");
    let new = NewUser {
        username: &username,
        status: chorus::storage::users::AccountStatus::Active,
        display_name: name,
        role: Role::Author,
        password_hash: HASH,
        now: Utc::now(),
    };
    users::insert_user(db, &new).await
}

async fn add_post(
    db: &Db,
    author: &User,
    slug: &str,
    status: PostStatus,
    at: DateTime<Utc>,
) -> Result<posts::Post, StorageError> {
    let slug = Slug::parse(slug).expect("a valid slug");
    let tags = [Tag::parse("rust").unwrap()];
    let write = PostWrite {
        author_id: author.id,
        slug: &slug,
        title: "A title",
        summary: "A summary",
        markdown: "Some text",
        content_html: "<p>Some text</p>",
        tags: &tags,
        status,
        published_at: Some(at),
        now: Utc::now(),
        cover_media_id: None,
        cover_alt: "",
        review_requested_at: None,
        reply_policy: None,
        quote_policy: None,
        series: None,
    };
    posts::save_post(db, None, &write).await
}

#[tokio::test]
async fn usernames_are_unique_whatever_their_case() {
    for backend in backends() {
        let (_guard, db) = fresh(backend).await;
        add_user(&db, "alice").await.expect("the first alice");
        let second = add_user(&db, "Alice").await;
        assert!(
            matches!(second, Err(StorageError::Conflict(_))),
            "{backend:?}: {second:?}"
        );
        let third = add_user(&db, "ALICE").await;
        assert!(
            matches!(third, Err(StorageError::Conflict(_))),
            "{backend:?}: {third:?}"
        );
        assert_eq!(count_rows(&db, "users").await, 1, "{backend:?}");
        let found = users::find_user_by_username(&db, "ALICE")
            .await
            .unwrap()
            .expect("found whatever the case");
        assert_eq!(found.username.as_str(), "alice");
    }
}

#[tokio::test]
async fn a_slug_belongs_to_one_post_only() {
    for backend in backends() {
        let (_guard, db) = fresh(backend).await;
        let alice = add_user(&db, "alice").await.unwrap();
        let bob = add_user(&db, "bob").await.unwrap();
        add_post(&db, &alice, "hello", PostStatus::Published, Utc::now())
            .await
            .expect("the first post");
        let again = add_post(&db, &bob, "hello", PostStatus::Published, Utc::now()).await;
        assert!(
            matches!(again, Err(StorageError::Conflict(_))),
            "{backend:?}: {again:?}"
        );
        assert_eq!(count_rows(&db, "posts").await, 1, "{backend:?}");
        assert_eq!(
            count_rows(&db, "post_tags").await,
            1,
            "{backend:?}: the refused post left tags behind"
        );
        let post = posts::find_post_by_slug(&db, "hello")
            .await
            .unwrap()
            .expect("the first post stays");
        assert_eq!(post.author.username.as_str(), "alice");
    }
}

#[tokio::test]
async fn listings_show_published_posts_newest_first() {
    for backend in backends() {
        let (_guard, db) = fresh(backend).await;
        let alice = add_user(&db, "alice").await.unwrap();
        let now = Utc::now();
        add_post(
            &db,
            &alice,
            "old",
            PostStatus::Published,
            now - Duration::days(2),
        )
        .await
        .unwrap();
        add_post(
            &db,
            &alice,
            "new",
            PostStatus::Published,
            now - Duration::days(1),
        )
        .await
        .unwrap();
        add_post(&db, &alice, "draft", PostStatus::Draft, now)
            .await
            .unwrap();
        add_post(
            &db,
            &alice,
            "later",
            PostStatus::Scheduled,
            now + Duration::days(3),
        )
        .await
        .unwrap();
        let list = posts::list_published(&db, Listing::All, 10, 0)
            .await
            .unwrap();
        let slugs: Vec<&str> = list.iter().map(|p| p.slug.as_str()).collect();
        assert_eq!(slugs, ["new", "old"], "{backend:?}");
        assert_eq!(
            posts::count_published(&db, Listing::All).await.unwrap(),
            2,
            "{backend:?}"
        );
        assert_eq!(
            posts::count_published(&db, Listing::ByTag("rust"))
                .await
                .unwrap(),
            2,
            "{backend:?}"
        );
        assert_eq!(
            posts::count_published(&db, Listing::ByAuthor(alice.id))
                .await
                .unwrap(),
            2,
            "{backend:?}"
        );
        let page2 = posts::list_published(&db, Listing::All, 1, 1)
            .await
            .unwrap();
        assert_eq!(page2.len(), 1);
        assert_eq!(page2[0].slug.as_str(), "old", "{backend:?}");

        // The scheduled post goes public when its time comes, not before.
        assert!(
            posts::publish_due(&db, now).await.unwrap().is_empty(),
            "{backend:?}"
        );
        let due = posts::publish_due(&db, now + Duration::days(4))
            .await
            .unwrap();
        assert_eq!(due.len(), 1, "{backend:?}");
        assert_eq!(due[0].slug.as_str(), "later");
        assert_eq!(
            posts::count_published(&db, Listing::All).await.unwrap(),
            3,
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn every_change_to_public_content_moves_the_generation() {
    for backend in backends() {
        let (_guard, db) = fresh(backend).await;
        let alice = add_user(&db, "alice").await.unwrap();
        let g0 = site::content_generation(&db).await.unwrap();
        let post = add_post(&db, &alice, "hello", PostStatus::Published, Utc::now())
            .await
            .unwrap();
        let g1 = site::content_generation(&db).await.unwrap();
        assert!(g1 > g0, "{backend:?}: inserting a post");
        posts::mark_post_deleted(&db, post.id, Utc::now())
            .await
            .unwrap();
        let g2 = site::content_generation(&db).await.unwrap();
        assert!(g2 > g1, "{backend:?}: deleting a post");
        let deleted = posts::find_post_by_slug(&db, "hello")
            .await
            .unwrap()
            .expect("a tombstone stays");
        assert_eq!(deleted.status, PostStatus::Deleted);
        assert!(deleted.deleted_at.is_some());
        let settings = chorus::domain::site::SettingsInput {
            title: "Our site".into(),
            description: "About us".into(),
            language: "de".into(),
            community_name: "Community".into(),
            registration_mode: "closed".into(),
        };
        site::update_settings(&db, &settings.check().unwrap())
            .await
            .unwrap();
        let g3 = site::content_generation(&db).await.unwrap();
        assert!(g3 > g2, "{backend:?}: changing the site title");

        // Each move is written down with what it touched, so that caches drop only that.
        assert_eq!(
            changes::since(&db, g0).await.unwrap(),
            vec![
                (g1, Change::post(post.id)),
                (g2, Change::post(post.id)),
                (g3, Change::Everything),
            ],
            "{backend:?}"
        );
        assert_eq!(
            changes::since(&db, g2).await.unwrap(),
            vec![(g3, Change::Everything)]
        );
    }
}
