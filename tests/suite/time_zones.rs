//! A time zone per author for scheduling: chosen on /account by its IANA name (a name that is
//! not a zone is refused with a message and changes nothing), and the editor's "publish
//! later" field read and shown in it, while the post's time is stored in UTC.

use crate::support::editor::{Writer, location, post_id};
use crate::support::{Reply, TestApp, attr, backends, select, text_of};
use axum::http::StatusCode;
use chorus::domain::{PostStatus, Role};
use chrono::{Duration, Utc};

async fn zone_of(site: &TestApp, name: &str) -> String {
    site.user(name).await.time_zone.name().to_owned()
}

fn selected_zone(page: &Reply) -> Option<String> {
    select(&page.html(), "#time_zone option[selected]")
        .first()
        .map(|o| o.text().collect())
}

#[tokio::test]
async fn an_author_chooses_a_time_zone_and_one_that_does_not_exist_changes_nothing() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        let alice = Writer::sign_up(&site, "alice", Role::Author).await;
        let page = alice.get("/account").await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(selected_zone(&page).as_deref(), Some("UTC"), "{backend:?}");
        assert!(
            select(&page.html(), "#time_zone option").len() > 300,
            "every zone of the database is offered"
        );
        assert!(
            attr(&page.html(), "script[src*='zone']", "src").is_some(),
            "{backend:?}: the script that offers the browser's zone"
        );

        for bad in [
            "Mars/Olympus_Mons",
            "",
            "Europe/Berlin'; DROP TABLE users;--",
        ] {
            let r = alice
                .post("/account/time-zone", &[("time_zone", bad)])
                .await;
            assert_eq!(
                r.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{backend:?} {bad:?}"
            );
            let error = text_of(&r.html(), ".error").unwrap_or_default();
            assert!(error.contains("no time zone called"), "{error}");
            assert_eq!(zone_of(&site, "alice").await, "UTC", "{backend:?}");
        }

        let r = alice
            .post("/account/time-zone", &[("time_zone", "Asia/Tokyo")])
            .await;
        assert_eq!(location(&r), "/account?done=time-zone");
        assert_eq!(zone_of(&site, "alice").await, "Asia/Tokyo");
        let page = alice.get("/account?done=time-zone").await;
        assert_eq!(selected_zone(&page).as_deref(), Some("Asia/Tokyo"));
        assert!(page.text().contains("Your time zone was saved."));
    }
}

#[tokio::test]
async fn the_editor_reads_and_shows_the_schedule_in_the_authors_zone_and_stores_utc() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        let alice = Writer::sign_up(&site, "alice", Role::Author).await;
        alice
            .post("/account/time-zone", &[("time_zone", "Asia/Tokyo")])
            .await;
        let form = alice.get("/editor/new").await;
        assert!(
            text_of(&form.html(), "label[for=publish_at]")
                .unwrap()
                .contains("Asia/Tokyo"),
            "{backend:?}"
        );

        // Two days from now, at 09:30 on Tokyo's clocks (UTC+9, no summer time).
        let day = (Utc::now() + Duration::days(2)).format("%Y-%m-%d");
        let local = format!("{day}T09:30");
        let r = alice
            .post(
                "/editor/new",
                &[
                    ("title", "Morning in Tokyo"),
                    ("body", "Good morning."),
                    ("publish_at", &local),
                    ("action", "schedule"),
                ],
            )
            .await;
        let to = location(&r);
        let id = post_id(&to);
        let post = chorus::storage::posts::find_post_by_id(&site.app.db, id)
            .await
            .unwrap();
        assert_eq!(post.status, PostStatus::Scheduled);
        assert_eq!(
            post.published_at
                .unwrap()
                .format("%Y-%m-%dT%H:%M")
                .to_string(),
            format!("{day}T00:30"),
            "{backend:?}: stored in UTC"
        );
        let page = alice.get(&to).await;
        assert_eq!(
            attr(&page.html(), "#publish_at", "value").as_deref(),
            Some(local.as_str()),
            "{backend:?}: shown again in Tokyo time"
        );
        let notice = text_of(&page.html(), ".notice").unwrap();
        assert!(
            notice.contains(&format!("{day} 09:30 JST")),
            "{backend:?}: {notice}"
        );
        let list = alice.get("/editor?status=scheduled").await;
        assert!(
            list.text()
                .contains(&format!("Scheduled for {day} 09:30 JST"))
        );

        // An hour the zone skips (clocks go forward in Berlin on 28 March 2027) is refused.
        alice
            .post("/account/time-zone", &[("time_zone", "Europe/Berlin")])
            .await;
        let r = alice
            .post(
                "/editor/new",
                &[
                    ("title", "Lost hour"),
                    ("body", "Never."),
                    ("publish_at", "2027-03-28T02:30"),
                    ("action", "schedule"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}");
        let error = text_of(&r.html(), ".error").unwrap();
        assert!(error.contains("does not exist in Europe/Berlin"), "{error}");
        assert!(
            chorus::storage::posts::find_post_by_slug(&site.app.db, "lost-hour")
                .await
                .unwrap()
                .is_none(),
            "{backend:?}: nothing saved"
        );
    }
}
