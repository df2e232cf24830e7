//! The admin overview as a dashboard: real figures from storage for posts, authors,
//! followers, replies waiting and the delivery queue, and a switch for registration.

use crate::support::forms::{Visitor, location};
use crate::support::{TestApp, add_remote_follower, add_remote_follower_of, backends, select};
use axum::http::StatusCode;
use chorus::domain::Role;
use chorus::storage::site;

/// The figure shown beside the label `label` in the tile headed `tile`.
fn figure(page: &crate::support::Reply, tile: &str, label: &str) -> String {
    let html = page.html();
    for section in select(&html, ".tile") {
        let heading: String = section
            .select(&scraper::Selector::parse("h2").unwrap())
            .flat_map(|h| h.text())
            .collect();
        if heading.trim() != tile {
            continue;
        }
        for row in section.select(&scraper::Selector::parse("dl > div").unwrap()) {
            let dt: String = row
                .select(&scraper::Selector::parse("dt").unwrap())
                .flat_map(|d| d.text())
                .collect();
            if dt.trim().starts_with(label) {
                return row
                    .select(&scraper::Selector::parse("dd").unwrap())
                    .flat_map(|d| d.text())
                    .collect::<String>()
                    .trim()
                    .to_owned();
            }
        }
    }
    panic!("no {label:?} in {tile:?}: {}", page.text())
}

async fn age_queue(site: &TestApp) {
    // One delivery has failed once, and the oldest was queued three hours ago.
    let three_hours_ago = chrono::Utc::now() - chrono::Duration::hours(3);
    let fail = "UPDATE deliveries SET attempts = 1 WHERE id = (SELECT MIN(id) FROM deliveries)";
    let age = "UPDATE deliveries SET created_at = $1";
    match &site.app.db {
        chorus::storage::Db::Sqlite(p) => {
            sqlx::query(fail).execute(p).await.unwrap();
            sqlx::query(age)
                .bind(three_hours_ago)
                .execute(p)
                .await
                .unwrap();
        }
        chorus::storage::Db::Postgres(p) => {
            sqlx::query(fail).execute(p).await.unwrap();
            sqlx::query(age)
                .bind(three_hours_ago)
                .execute(p)
                .await
                .unwrap();
        }
    }
}

#[tokio::test]
async fn the_admin_overview_shows_the_site_in_figures_and_switches_registration() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        let admin = site.create_user("ada", Role::Admin).await;
        site.create_user("alice", Role::Author).await;
        let cy = site.create_user("cy", Role::Contributor).await;

        let mut root = Visitor::signed_in(&site, &admin).await;
        let empty = root.get("/admin").await;
        assert_eq!(empty.status, StatusCode::OK, "{backend:?}");
        assert_eq!(figure(&empty, "Posts", "Published"), "0");
        assert!(
            select(&empty.html(), "#delivery-queue")[0]
                .text()
                .collect::<String>()
                .starts_with("Nothing waiting"),
            "{backend:?}"
        );

        add_remote_follower(&site, "alice", "fan1").await;
        add_remote_follower(&site, "alice", "fan2").await;
        add_remote_follower(&site, "ada", "fan1").await;
        let community = chorus::federation::keys::community_actor(&site.app)
            .await
            .unwrap();
        add_remote_follower_of(&site, &community, "group-fan").await;
        site.publish_post("alice", "One", "Text one.").await;
        site.publish_post("alice", "Two", "Text two.").await;
        site.publish("alice", "---\ntitle: Later\ndraft: true\n---\nNot yet.\n")
            .await
            .unwrap();
        let submission = chorus::domain::Submission::new(
            "Guest".into(),
            None,
            None,
            "Guest text.".into(),
            &[],
            true,
            None,
        )
        .unwrap();
        let draft = chorus::actions::posts::Draft {
            submission,
            cover_media_id: None,
            cover_alt: String::new(),
        };
        chorus::actions::posts::save(
            &site.app,
            &cy,
            None,
            draft,
            chorus::actions::posts::Action::SubmitForReview,
        )
        .await
        .unwrap();
        age_queue(&site).await;

        let page = root.get("/admin").await;
        assert_eq!(figure(&page, "Posts", "Published"), "2", "{backend:?}");
        assert_eq!(figure(&page, "Posts", "Waiting for review"), "1");
        assert_eq!(figure(&page, "Posts", "Drafts"), "1");
        assert_eq!(figure(&page, "Authors", "Accounts"), "3");
        assert_eq!(figure(&page, "Authors", "Who may publish"), "2");
        assert_eq!(figure(&page, "Followers", "Of the community"), "1");
        assert_eq!(
            figure(&page, "Followers", "Of authors"),
            "2",
            "{backend:?}: fan1 follows two authors and counts once"
        );
        assert_eq!(figure(&page, "Replies", "Waiting for review"), "0");
        let queue: String = select(&page.html(), "#delivery-queue")[0].text().collect();
        // Two posts to alice's followers' shared inbox, and the community's boosts of them.
        assert!(
            queue.ends_with("1 failing · oldest queued 3 hours ago"),
            "{backend:?}: {queue}"
        );
        assert!(
            queue.split(' ').next().unwrap().parse::<i64>().unwrap() >= 2,
            "{queue}"
        );

        // The switch: a bad value changes nothing; a good one switches at once.
        assert_eq!(
            site::registration_mode(&site.app.db).await.unwrap(),
            "closed"
        );
        let r = root
            .submit("/admin", "/admin/registration", &[("mode", "wide-open")])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}");
        assert_eq!(
            site::registration_mode(&site.app.db).await.unwrap(),
            "closed"
        );
        let r = root
            .submit("/admin", "/admin/registration", &[("mode", "approval")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert_eq!(location(&r), "/admin?done=registration");
        assert_eq!(
            site::registration_mode(&site.app.db).await.unwrap(),
            "approval"
        );
        let page = root.get("/admin?done=registration").await;
        let now: String = select(&page.html(), "#registration-now")[0]
            .text()
            .collect();
        assert!(now.contains("Open with approval"), "{now}");
        assert!(
            site.get("/register").await.status.is_success(),
            "{backend:?}: the registration form is open"
        );
    }
}
