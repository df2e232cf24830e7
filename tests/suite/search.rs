//! A reader searches the site without JavaScript: `/search?q=` finds published posts by a word
//! of their title, summary, body, tags or author, best first, with the words marked in a
//! passage; never a draft, a scheduled, unapproved or deleted post; and whatever is typed, the
//! answer is a page, never a server error. Browsers find the search through OpenSearch.

use crate::support::{TestApp, attr, backends, dangers, select, text_of};
use axum::http::StatusCode;
use chorus::actions::{posts as post_actions, profiles};
use chorus::domain::Role;
use chorus::storage::{Db, posts};

/// The titles of the results, in order.
fn found(site_reply: &crate::support::Reply) -> Vec<String> {
    select(&site_reply.html(), ".search-results .p-name")
        .iter()
        .map(|e| e.text().collect::<String>())
        .collect()
}

async fn search(site: &TestApp, q: &str) -> crate::support::Reply {
    let encoded: String = url::form_urlencoded::byte_serialize(q.as_bytes()).collect();
    site.get(&format!("/search?q={encoded}")).await
}

fn post(title: &str, tags: &str, summary: &str, body: &str) -> String {
    format!("---\ntitle: {title}\ntags: [{tags}]\nsummary: {summary}\n---\n{body}\n")
}

#[tokio::test]
async fn search_finds_published_posts_by_each_field_and_marks_the_words() {
    for backend in backends() {
        let site = TestApp::with_author(backend, "alice").await;
        site.publish(
            "alice",
            &post(
                "Gardening in small spaces",
                "compost",
                "Balconies are enough.",
                "Grow a zucchini in a bucket.\n\n<script>alert('zucchini')</script> <b onclick=\"x()\">zucchini</b> `<img src=x onerror=alert(1)>` zucchini &amp; more",
            ),
        )
        .await
        .unwrap();
        site.publish(
            "alice",
            &post("Bread", "baking", "Flour and water.", "Knead the dough."),
        )
        .await
        .unwrap();

        let page = search(&site, "zucchini").await;
        assert_eq!(page.status, StatusCode::OK, "{backend:?}");
        assert!(page.content_type().starts_with("text/html"));
        assert_eq!(found(&page), ["Gardening in small spaces"], "{backend:?}");
        let html = page.html();
        assert_eq!(select(&html, "h1").len(), 1);
        assert_eq!(dangers(&html), Vec::<String>::new(), "{backend:?}");
        assert!(select(&html, "main script, main img, main b").is_empty());
        let snippet = text_of(&html, ".search-results .search-passage").unwrap();
        assert!(snippet.contains("zucchini"), "{backend:?}: {snippet}");
        let marks: Vec<String> = select(&html, ".search-results .search-passage mark")
            .iter()
            .map(|m| m.text().collect::<String>().to_lowercase())
            .collect();
        assert!(
            !marks.is_empty() && marks.iter().all(|m| m == "zucchini"),
            "{backend:?}: {marks:?}"
        );
        assert_eq!(
            attr(&html, "input[name='q']", "value").as_deref(),
            Some("zucchini")
        );
        assert_eq!(
            text_of(&html, ".search-summary").as_deref(),
            Some("1 post matches “zucchini”."),
            "{backend:?}"
        );

        // Each field, and another form of the word.
        for q in [
            "gardening",
            "gardens",
            "balconies",
            "compost",
            "small spaces",
            "\"small spaces\"",
            "bucket -bread",
            "nothingsuch OR bucket",
        ] {
            assert_eq!(
                found(&search(&site, q).await),
                ["Gardening in small spaces"],
                "{backend:?}: {q}"
            );
        }
        assert!(found(&search(&site, "bucket -zucchini").await).is_empty());
        assert_eq!(
            found(&search(&site, "alice").await).len(),
            2,
            "{backend:?}: by author"
        );
        let none = search(&site, "nothingsuch").await;
        assert_eq!(none.status, StatusCode::OK);
        assert!(found(&none).is_empty());
        assert_eq!(
            text_of(&none.html(), ".search-summary").as_deref(),
            Some("No post matches “nothingsuch”.")
        );

        // A title match outranks a body match.
        site.publish("alice", &post("Knead well", "", "", "About bread."))
            .await
            .unwrap();
        assert_eq!(
            found(&search(&site, "knead").await),
            ["Knead well", "Bread"],
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn drafts_scheduled_unapproved_and_deleted_posts_are_never_found() {
    for backend in backends() {
        let site = TestApp::with_author(backend, "alice").await;
        site.create_user("carol", Role::Contributor).await;
        site.publish(
            "alice",
            "---\ntitle: A draft\ndraft: true\n---\nsecretword in a draft\n",
        )
        .await
        .unwrap();
        site.publish(
            "alice",
            "---\ntitle: Later\npublished: 2099-01-01T00:00:00Z\n---\nsecretword, scheduled\n",
        )
        .await
        .unwrap();
        let waiting = site
            .publish(
                "carol",
                "---\ntitle: For review\ndraft: true\n---\nsecretword awaiting review\n",
            )
            .await
            .unwrap();
        let carol = site.user("carol").await;
        let id = post_by_url(&site.app.db, waiting.as_str()).await;
        post_actions::submit_for_review(&site.app, &carol, id)
            .await
            .unwrap();
        let gone = site
            .publish_post("alice", "Gone", "secretword, deleted")
            .await;
        site.delete(gone.as_str()).await.unwrap();
        let changed = site
            .publish_post("alice", "Changed", "secretword before the edit")
            .await;

        assert!(
            !found(&search(&site, "secretword").await).is_empty(),
            "{backend:?}: the published one is found before it changes"
        );
        site.publish(
            "alice",
            "---\ntitle: Changed\nslug: changed\n---\nother words now\n",
        )
        .await
        .unwrap();
        assert_eq!(changed.path(), "/posts/changed");
        let page = search(&site, "secretword").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(found(&page).is_empty(), "{backend:?}: {:?}", found(&page));
        assert_eq!(
            found(&search(&site, "other words").await),
            ["Changed"],
            "{backend:?}"
        );
    }
}

async fn post_by_url(db: &Db, url: &str) -> i64 {
    let slug = url.rsplit('/').next().unwrap();
    posts::find_post_by_slug(db, slug)
        .await
        .unwrap()
        .unwrap()
        .id
}

#[tokio::test]
async fn any_query_gets_a_page_and_a_long_one_a_clear_refusal() {
    for backend in backends() {
        let site = TestApp::with_author(backend, "alice").await;
        site.publish_post("alice", "Near and far", "A word AND another.")
            .await;
        for q in [
            "\"",
            "AND AND",
            "*",
            "NEAR(",
            "NEAR(a b)",
            "a OR",
            "OR",
            "-",
            "-a",
            "^",
            "title:x",
            "(",
            ")",
            "{a b}",
            "a NOT",
            "\"\"",
            "'",
            "\\",
            "%",
            "\u{E000}",
            "\0",
            "😀",
            "x²",
            "and",
            "the",
            "near",
        ] {
            let page = search(&site, q).await;
            assert_eq!(page.status, StatusCode::OK, "{backend:?}: {q:?}");
            assert_eq!(select(&page.html(), "h1").len(), 1, "{q:?}");
        }
        assert_eq!(
            found(&search(&site, "NEAR(").await),
            ["Near and far"],
            "{backend:?}"
        );
        let empty = search(&site, "\"*\"").await;
        assert!(
            text_of(&empty.html(), ".search-notice")
                .is_some_and(|n| n.contains("no word to search for")),
            "{backend:?}"
        );

        let long = search(&site, &"word ".repeat(2048)).await;
        assert_eq!(long.status, StatusCode::BAD_REQUEST, "{backend:?}");
        let notice = text_of(&long.html(), ".search-notice").unwrap();
        assert!(notice.contains("too long"), "{notice}");
        assert!(long.body.len() < 20_000, "the query is not echoed in full");

        assert_eq!(site.get("/search").await.status, StatusCode::OK);
        assert_eq!(
            site.get("/search?q=a&page=0").await.status,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            site.get("/search?q=a&page=x").await.status,
            StatusCode::BAD_REQUEST
        );
    }
}

#[tokio::test]
async fn results_come_ten_to_a_page_with_links_that_keep_the_query() {
    for backend in backends() {
        let site = TestApp::with_author(backend, "alice").await;
        for i in 1..=12 {
            site.publish_post("alice", &format!("Note {i}"), "A common word: tomato.")
                .await;
        }
        let first = search(&site, "tomato").await;
        assert_eq!(found(&first).len(), 10, "{backend:?}");
        let html = first.html();
        assert_eq!(
            attr(&html, "a[rel='next']", "href").as_deref(),
            Some("/search?q=tomato&page=2")
        );
        let second = site.get("/search?q=tomato&page=2").await;
        assert_eq!(found(&second).len(), 2, "{backend:?}");
        assert_eq!(
            attr(&second.html(), "a[rel='prev']", "href").as_deref(),
            Some("/search?q=tomato")
        );
        let mut all = found(&first);
        all.extend(found(&second));
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 12, "every post once");
        assert_eq!(
            site.get("/search?q=tomato&page=3").await.status,
            StatusCode::OK
        );
    }
}

#[tokio::test]
async fn a_new_author_name_is_found_and_old_posts_are_indexed_by_migrating() {
    for backend in backends() {
        let site = TestApp::with_author(backend, "alice").await;
        site.publish_post("alice", "Old post", "Written before search.")
            .await;
        let user = site.user("alice").await;
        let mut profile = profiles::current_profile(&user);
        profile.display_name = "Alice Quixotic".into();
        profiles::update_person(&site.app, &user, &profile)
            .await
            .unwrap();
        assert_eq!(
            found(&search(&site, "quixotic").await),
            ["Old post"],
            "{backend:?}"
        );

        // A site upgraded from before search: the index is empty until it migrates.
        empty_index(&site.app.db).await;
        assert!(found(&search(&site, "written").await).is_empty());
        site.app.db.migrate().await.unwrap();
        assert_eq!(
            found(&search(&site, "written").await),
            ["Old post"],
            "{backend:?}"
        );
    }
}

async fn empty_index(db: &Db) {
    let sql = "DELETE FROM post_search";
    match db {
        Db::Sqlite(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
        Db::Postgres(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
    }
    .unwrap();
}

#[tokio::test]
async fn every_page_links_the_opensearch_description() {
    for backend in backends() {
        let site = TestApp::with_author(backend, "alice").await;
        let url = site.publish_post("alice", "Hello", "Text.").await;
        for path in [
            "/",
            url.path(),
            "/@alice",
            "/search?q=hello",
            "/nothing-here",
        ] {
            let page = site.get(path).await;
            assert_eq!(
                attr(
                    &page.html(),
                    "link[rel='search'][type='application/opensearchdescription+xml']",
                    "href"
                )
                .as_deref(),
                Some("/opensearch.xml"),
                "{backend:?}: {path}"
            );
        }
        let home = site.get("/").await.html();
        assert_eq!(
            attr(&home, "header a[href='/search']", "href").as_deref(),
            Some("/search")
        );

        let doc = site.get("/opensearch.xml").await;
        assert_eq!(doc.status, StatusCode::OK);
        assert!(
            doc.content_type()
                .starts_with("application/opensearchdescription+xml"),
            "{}",
            doc.content_type()
        );
        let xml = doc.text();
        let parsed = xml_elements(&xml);
        assert!(
            parsed.contains(&("ShortName".into(), "Chorus".into())),
            "{xml}"
        );
        assert!(
            xml.contains(&format!(
                "template=\"{}search?q={{searchTerms}}\"",
                site.url("/")
            )),
            "{xml}"
        );
    }
}

/// The `(element, text)` pairs of simple XML, enough to read an OpenSearch description.
fn xml_elements(xml: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find('<') {
        rest = &rest[start + 1..];
        let end = rest.find('>').unwrap();
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if tag.starts_with(['/', '?']) || tag.ends_with('/') {
            continue;
        }
        let name = tag.split_whitespace().next().unwrap().to_owned();
        let text = rest[..rest.find('<').unwrap_or(rest.len())]
            .trim()
            .to_owned();
        out.push((name, text));
    }
    out
}
