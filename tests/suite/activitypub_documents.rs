//! The documents other servers read: WebFinger, NodeInfo, actors, articles, collections,
//! and the rules Mastodon applies to them.

use crate::support::{AS_JSON, TestApp, attr, backends};
use axum::http::StatusCode;

const LD: (&str, &str) = (
    "accept",
    "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"",
);

#[tokio::test]
async fn webfinger_round_trips_handles_and_actor_urls() {
    for backend in backends() {
        let site = TestApp::with_author(backend, "alice").await;
        let r = site
            .get("/.well-known/webfinger?resource=acct:Alice@community.example")
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.content_type().starts_with("application/jrd+json"));
        assert_eq!(r.header("access-control-allow-origin"), "*");
        let jrd = r.json();
        assert_eq!(jrd["subject"], "acct:alice@community.example");
        let link = jrd["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["rel"] == "self")
            .unwrap()
            .clone();
        assert_eq!(link["type"], "application/activity+json");
        assert_eq!(link["href"], "https://community.example/@alice");

        // The actor URL resolves to the same subject; the actor names the same handle.
        let by_url = site
            .get("/.well-known/webfinger?resource=https://community.example/@alice")
            .await
            .json();
        assert_eq!(by_url["subject"], "acct:alice@community.example");
        let actor = site.get_with("/@alice", &[AS_JSON]).await.json();
        assert_eq!(actor["preferredUsername"], "alice");

        let community = site
            .get("/.well-known/webfinger?resource=acct:community@community.example")
            .await
            .json();
        assert_eq!(
            community["links"][0]["href"],
            "https://community.example/@community"
        );

        assert_eq!(
            site.get("/.well-known/webfinger?resource=acct:nobody@community.example")
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            site.get("/.well-known/webfinger?resource=acct:alice@elsewhere.example")
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            site.get("/.well-known/webfinger").await.status,
            StatusCode::BAD_REQUEST
        );
        let meta = site.get("/.well-known/host-meta").await;
        assert!(
            meta.text()
                .contains("/.well-known/webfinger?resource={uri}")
        );
    }
}

#[tokio::test]
async fn nodeinfo_describes_the_server() {
    for backend in backends() {
        let site = TestApp::with_author(backend, "alice").await;
        site.publish_post("alice", "One", "Text.").await;
        let links = site.get("/.well-known/nodeinfo").await.json();
        // Both versions linked (Takahē reads only 2.0), each served with its schema's type.
        for version in ["2.0", "2.1"] {
            let schema = format!("http://nodeinfo.diaspora.software/ns/schema/{version}");
            let link = links["links"]
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l["rel"] == schema.as_str())
                .unwrap_or_else(|| panic!("no link to NodeInfo {version}: {links}"));
            let path = format!("/nodeinfo/{version}");
            assert_eq!(link["href"], format!("https://community.example{path}"));
            let r = site.get(&path).await;
            assert_eq!(r.status, StatusCode::OK);
            assert_eq!(
                r.content_type(),
                format!("application/json; profile=\"{schema}#\"")
            );
            let info = r.json();
            assert_eq!(info["version"], version);
            assert_eq!(info["software"]["name"], "chorus");
            assert_eq!(
                info["software"].get("homepage").is_some(),
                version == "2.1",
                "2.0's software has no homepage"
            );
            assert_eq!(info["protocols"][0], "activitypub");
            assert_eq!(info["usage"]["users"]["total"], 1);
            assert_eq!(info["usage"]["localPosts"], 1);
            assert_eq!(info["openRegistrations"], false);
        }
        assert_eq!(
            site.get("/nodeinfo/1.0").await.status,
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn actors_carry_what_mastodon_reads() {
    for backend in backends() {
        let site = TestApp::with_author(backend, "alice").await;
        let r = site.get_with("/@alice", &[LD]).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.content_type().starts_with("application/activity+json"));
        assert!(r.header("vary").contains("Accept"));
        let a = r.json();
        assert_eq!(a["type"], "Person");
        assert_eq!(a["id"], "https://community.example/@alice");
        for (field, value) in [
            ("inbox", "https://community.example/@alice/inbox"),
            ("outbox", "https://community.example/@alice/outbox"),
            ("followers", "https://community.example/@alice/followers"),
            ("following", "https://community.example/@alice/following"),
            ("featured", "https://community.example/@alice/featured"),
            ("url", "https://community.example/@alice"),
        ] {
            assert_eq!(a[field], value, "{field}");
        }
        assert_eq!(
            a["endpoints"]["sharedInbox"],
            "https://community.example/inbox"
        );
        assert_eq!(
            a["publicKey"]["id"],
            "https://community.example/@alice#main-key"
        );
        assert_eq!(a["publicKey"]["owner"], a["id"]);
        assert!(
            a["publicKey"]["publicKeyPem"]
                .as_str()
                .unwrap()
                .starts_with("-----BEGIN PUBLIC KEY-----")
        );
        assert_eq!(a["manuallyApprovesFollowers"], false);
        assert_eq!(a["discoverable"], true);
        assert_eq!(a["indexable"], true);
        assert!(a["published"].is_string());
        assert!(a["attachment"].is_array());
        assert_eq!(a["attributionDomains"][0], "community.example");
        let context = a["@context"].to_string();
        assert!(
            context.contains("joinmastodon.org/ns") && context.contains("w3id.org/security/v1")
        );
        // The key is made once: the same PEM on the next fetch.
        let again = site.get_with("/@alice", &[AS_JSON]).await.json();
        assert_eq!(
            again["publicKey"]["publicKeyPem"],
            a["publicKey"]["publicKeyPem"]
        );

        let group = site.get_with("/@community", &[AS_JSON]).await.json();
        assert_eq!(group["type"], "Group");
        assert_eq!(group["preferredUsername"], "community");
        let instance = site.get("/actor").await.json();
        assert_eq!(instance["type"], "Application");
        assert!(instance["publicKey"]["publicKeyPem"].is_string());

        // The same URL gives HTML to browsers, pointing at its JSON twin.
        let page = site
            .get_with("/@alice", &[("accept", "text/html,application/xhtml+xml")])
            .await;
        assert!(page.content_type().starts_with("text/html"));
        assert!(page.header("vary").contains("Accept"));
        let html = page.html();
        assert_eq!(
            attr(
                &html,
                "link[rel=alternate][type=\"application/activity+json\"]",
                "href"
            )
            .as_deref(),
            Some("https://community.example/@alice")
        );
    }
}

#[tokio::test]
async fn articles_and_collections_follow_mastodons_rules() {
    for backend in backends() {
        let site = TestApp::with_author(backend, "alice").await;
        for i in 1..=23 {
            site.publish(
                "alice",
                &format!("---\ntitle: Post {i}\ntags: [rust]\n---\nBody {i}.\n"),
            )
            .await
            .unwrap();
        }
        let r = site.get_with("/posts/post-7", &[AS_JSON]).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.header("vary").contains("Accept"));
        let a = r.json();
        assert_eq!(a["type"], "Article");
        assert_eq!(a["id"], "https://community.example/posts/post-7");
        assert_eq!(a["url"], a["id"]);
        assert_eq!(a["name"], "Post 7");
        assert_eq!(a["summary"], "Body 7.", "plain text, no markup");
        assert_eq!(a["mediaType"], "text/html");
        assert_eq!(a["attributedTo"], "https://community.example/@alice");
        assert_eq!(a["cc"][0], "https://community.example/@alice/followers");
        assert_eq!(a["tag"][0]["type"], "Hashtag");
        assert_eq!(a["tag"][0]["name"], "#rust");
        assert_eq!(a["tag"][0]["href"], "https://community.example/tags/rust");
        assert!(a.get("attachment").is_none());
        assert_eq!(a["replies"]["type"], "Collection");
        assert_eq!(a["replies"]["first"]["type"], "CollectionPage");
        let html = site.get("/posts/post-7").await.html();
        assert_eq!(
            attr(
                &html,
                "link[rel=alternate][type=\"application/activity+json\"]",
                "href"
            )
            .as_deref(),
            Some("https://community.example/posts/post-7")
        );

        let outbox = site.get_with("/@alice/outbox", &[AS_JSON]).await.json();
        assert_eq!(outbox["type"], "OrderedCollection");
        assert_eq!(outbox["totalItems"], 23);
        let first = site
            .get_with("/@alice/outbox?page=1", &[AS_JSON])
            .await
            .json();
        assert_eq!(first["type"], "OrderedCollectionPage");
        assert_eq!(first["orderedItems"].as_array().unwrap().len(), 20);
        assert_eq!(first["orderedItems"][0]["type"], "Create");
        assert_eq!(first["orderedItems"][0]["object"]["name"], "Post 23");
        assert_eq!(
            first["next"],
            "https://community.example/@alice/outbox?page=2"
        );
        let second = site
            .get_with("/@alice/outbox?page=2", &[AS_JSON])
            .await
            .json();
        assert_eq!(second["orderedItems"].as_array().unwrap().len(), 3);
        assert!(second.get("next").is_none());

        // `featured` is what the author pinned: with nothing pinned, nothing looks pinned.
        let featured = site.get_with("/@alice/featured", &[AS_JSON]).await.json();
        assert_eq!(featured["totalItems"], 0, "{featured}");
        site.publish(
            "alice",
            "---\ntitle: Post 3\ntags: [rust]\npinned: true\n---\nBody 3.\n",
        )
        .await
        .unwrap();
        let featured = site.get_with("/@alice/featured", &[AS_JSON]).await.json();
        assert_eq!(featured["totalItems"], 1, "{featured}");
        assert_eq!(featured["orderedItems"][0]["type"], "Article");
        assert_eq!(
            featured["orderedItems"][0]["id"],
            "https://community.example/posts/post-3"
        );
        let followers = site.get_with("/@alice/followers", &[AS_JSON]).await.json();
        assert_eq!(followers["totalItems"], 0);
        assert!(followers["first"].is_string());
        let community_outbox = site.get_with("/@community/outbox", &[AS_JSON]).await.json();
        assert_eq!(community_outbox["totalItems"], 23);

        site.delete("https://community.example/posts/post-7")
            .await
            .unwrap();
        let gone = site.get_with("/posts/post-7", &[AS_JSON]).await;
        assert_eq!(gone.status, StatusCode::GONE);
        assert_eq!(gone.json()["type"], "Tombstone");
        assert_eq!(gone.json()["formerType"], "Article");
        assert_eq!(
            site.get_with("/posts/nothing-here", &[AS_JSON])
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            site.get_with("/@nobody", &[AS_JSON]).await.status,
            StatusCode::NOT_FOUND
        );
    }
}
