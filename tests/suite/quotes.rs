//! Quote consent as Mastodon 4.5 asks for it (FEP-044f): every public Article says who may
//! quote it (`interactionPolicy.canQuote`); a `QuoteRequest` gets an `Accept` pointing at a
//! `QuoteAuthorization` served by this site, or a `Reject`, by the post's quote policy; the
//! post shows who quoted it; its author can take a quote back, which tells the quoter with a
//! public `Delete` and makes the authorization answer 410. Requests that do not hold up change
//! nothing.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::support::forms::{Visitor, location};
use crate::support::peer::Peer;
use crate::support::{TestServer, backends, eventually, post_md, select};

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

async fn can_quote(chorus: &TestServer, url: &url::Url) -> Value {
    let doc = chorus
        .get_with(url.path(), &[("accept", "application/activity+json")])
        .await
        .json();
    doc["interactionPolicy"]["canQuote"].clone()
}

/// A post by `author` whose front matter adds `extra`.
async fn post_with(chorus: &TestServer, author: &str, title: &str, extra: &str) -> url::Url {
    let md = post_md(title, "Worth quoting.").replacen(
        &format!("---\ntitle: {title}\n"),
        &format!("---\ntitle: {title}\n{extra}"),
        1,
    );
    chorus.publish(author, &md).await.unwrap()
}

/// `who` on `peer` writes note `name` quoting `target` (as Mastodon writes a quote) and asks
/// for consent; gives the request.
fn quote_request(peer: &Peer, who: &str, name: &str, target: &str) -> Value {
    let mut note = peer.note(who, name, "", "<p>My take</p>");
    note.as_object_mut().unwrap().remove("inReplyTo");
    note["quote"] = json!(target);
    note["_misskey_quote"] = json!(target);
    note["quoteUri"] = json!(target);
    peer.publish(name, note.clone());
    let mut request = peer.activity(who, "QuoteRequest", json!(target));
    request["instrument"] = note;
    request
}

/// The answers of `kind` the peer got to request `request`.
fn answers(peer: &Peer, kind: &str, request: &Value) -> Vec<Value> {
    peer.received_of(kind)
        .into_iter()
        .map(|r| r.body)
        .filter(|b| b["object"]["id"] == request["id"])
        .collect()
}

async fn answer(peer: &Peer, kind: &str, request: &Value) -> Value {
    eventually(&format!("a {kind} of the quote request"), || async {
        answers(peer, kind, request).into_iter().next()
    })
    .await
}

#[tokio::test]
async fn a_quote_is_allowed_or_refused_by_the_posts_policy() {
    for backend in backends() {
        let chorus = TestServer::with_workers(backend).await;
        chorus
            .create_user("alice", chorus::domain::Role::Author)
            .await;
        let open = chorus.publish_post("alice", "Open", "Quote me.").await;
        let friends = post_with(&chorus, "alice", "Friends", "quotes: followers\n").await;
        let closed = post_with(&chorus, "alice", "Closed", "quotes: nobody\n").await;
        let alice = chorus.url("/@alice");

        // Published, so that Mastodon offers to quote at all.
        assert_eq!(
            can_quote(&chorus, &open).await["automaticApproval"],
            json!([PUBLIC]),
            "{backend:?}"
        );
        assert_eq!(
            can_quote(&chorus, &closed).await["automaticApproval"],
            json!([alice]),
            "{backend:?}: nobody is the author alone"
        );
        let f = can_quote(&chorus, &friends).await;
        assert!(
            f["automaticApproval"]
                .as_array()
                .unwrap()
                .contains(&json!(format!("{alice}/followers"))),
            "{backend:?}: {f}"
        );

        let peer = Peer::start(&["bob", "carol"]).await;
        let inbox = chorus.inbox_of("alice");

        // Anyone may quote the open post.
        let request = quote_request(&peer, "bob", "q1", open.as_str());
        assert_eq!(
            peer.deliver("bob", &inbox, &request).await,
            StatusCode::ACCEPTED
        );
        let accept = answer(&peer, "Accept", &request).await;
        assert_eq!(accept["actor"], alice.as_str(), "{backend:?}");
        assert_eq!(accept["object"]["type"], "QuoteRequest");
        assert_eq!(accept["object"]["instrument"], peer.object_url("q1"));
        let stamp_url = accept["result"].as_str().unwrap().to_owned();
        assert!(
            stamp_url.starts_with(&format!("{alice}/quote_authorizations/")),
            "{backend:?}: the stamp is on the author's host: {stamp_url}"
        );
        let stamp_path = url::Url::parse(&stamp_url).unwrap().path().to_owned();
        let stamp = chorus
            .get_with(&stamp_path, &[("accept", "application/activity+json")])
            .await;
        assert_eq!(stamp.status, StatusCode::OK, "{backend:?}");
        let stamp = stamp.json();
        assert_eq!(stamp["type"], "QuoteAuthorization");
        assert_eq!(stamp["id"], stamp_url.as_str());
        assert_eq!(stamp["attributedTo"], alice.as_str());
        assert_eq!(stamp["interactingObject"], peer.object_url("q1"));
        assert_eq!(stamp["interactionTarget"], open.as_str());

        // Asking again (a new request for the same quote) gets the same authorization, and
        // nothing is stored twice; a replay of the same request is not answered twice.
        let again = quote_request(&peer, "bob", "q1", open.as_str());
        assert_eq!(
            peer.deliver("bob", &inbox, &again).await,
            StatusCode::ACCEPTED
        );
        assert_eq!(
            answer(&peer, "Accept", &again).await["result"],
            stamp_url.as_str()
        );
        peer.deliver("bob", &inbox, &request).await;
        assert_eq!(chorus.count("quote_authorizations").await, 1, "{backend:?}");

        // The post shows who quoted it.
        let page = chorus.get(open.path()).await.html();
        let quoted = select(&page, ".quoted-by a");
        assert_eq!(quoted.len(), 1, "{backend:?}");
        assert!(quoted[0].value().attr("href").unwrap().contains("/@bob/q1"));

        // Nobody may quote the closed post.
        let refused = quote_request(&peer, "bob", "q2", closed.as_str());
        peer.deliver("bob", &inbox, &refused).await;
        let reject = answer(&peer, "Reject", &refused).await;
        assert_eq!(reject["actor"], alice.as_str());
        assert!(reject.get("result").is_none());

        // Followers only: refused, then allowed once bob follows alice.
        let early = quote_request(&peer, "bob", "q3", friends.as_str());
        peer.deliver("bob", &inbox, &early).await;
        answer(&peer, "Reject", &early).await;
        let follow = peer.follow("bob", alice.as_str());
        assert_eq!(
            peer.deliver("bob", &inbox, &follow).await,
            StatusCode::ACCEPTED
        );
        let later = quote_request(&peer, "bob", "q4", friends.as_str());
        peer.deliver("bob", &inbox, &later).await;
        answer(&peer, "Accept", &later).await;
        assert_eq!(chorus.count("quote_authorizations").await, 2, "{backend:?}");
    }
}

#[tokio::test]
async fn quote_requests_that_do_not_hold_up_change_nothing() {
    for backend in backends() {
        let chorus = TestServer::with_workers(backend).await;
        chorus
            .create_user("alice", chorus::domain::Role::Author)
            .await;
        let open = chorus.publish_post("alice", "Open", "Quote me.").await;
        let gone = chorus.publish_post("alice", "Gone", "Soon deleted.").await;
        chorus.delete(gone.as_str()).await.unwrap();
        let peer = Peer::start(&["bob", "carol"]).await;
        let inbox = chorus.inbox_of("alice");

        // The quoting post is someone else's.
        let mut theirs = quote_request(&peer, "bob", "q1", open.as_str());
        theirs["instrument"]["attributedTo"] = json!(peer.actor("carol"));
        assert_eq!(
            peer.deliver("bob", &inbox, &theirs).await,
            StatusCode::BAD_REQUEST,
            "{backend:?}"
        );
        // The quoting post is on another server.
        let mut elsewhere = quote_request(&peer, "bob", "q2", open.as_str());
        elsewhere["instrument"] = json!("https://elsewhere.example/notes/1");
        assert_eq!(
            peer.deliver("bob", &inbox, &elsewhere).await,
            StatusCode::BAD_REQUEST,
            "{backend:?}"
        );
        // A post of another server, and a deleted post, are not ours to allow.
        let foreign = quote_request(&peer, "bob", "q3", "https://elsewhere.example/posts/x");
        assert_eq!(
            peer.deliver("bob", &inbox, &foreign).await,
            StatusCode::ACCEPTED
        );
        let deleted = quote_request(&peer, "bob", "q4", gone.as_str());
        assert_eq!(
            peer.deliver("bob", &inbox, &deleted).await,
            StatusCode::ACCEPTED
        );
        // A later request that holds up is answered, and none of the others ever was.
        let fine = quote_request(&peer, "bob", "q5", open.as_str());
        peer.deliver("bob", &inbox, &fine).await;
        answer(&peer, "Accept", &fine).await;
        for bad in [&theirs, &elsewhere, &foreign, &deleted] {
            assert!(answers(&peer, "Accept", bad).is_empty(), "{backend:?}");
            assert!(answers(&peer, "Reject", bad).is_empty(), "{backend:?}");
        }
        assert_eq!(chorus.count("quote_authorizations").await, 1, "{backend:?}");
        // An authorization that was never issued is not found.
        let missing = chorus
            .get_with(
                "/@alice/quote_authorizations/999",
                &[("accept", "application/activity+json")],
            )
            .await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn an_author_takes_a_quote_back_and_the_quoter_is_told() {
    for backend in backends() {
        let chorus = TestServer::with_workers(backend).await;
        let alice = chorus
            .create_user("alice", chorus::domain::Role::Author)
            .await;
        let other = chorus
            .create_user("dave", chorus::domain::Role::Author)
            .await;
        let open = chorus.publish_post("alice", "Open", "Quote me.").await;
        let peer = Peer::start(&["bob"]).await;
        let request = quote_request(&peer, "bob", "q1", open.as_str());
        peer.deliver("bob", &chorus.inbox_of("alice"), &request)
            .await;
        let stamp_url = answer(&peer, "Accept", &request).await["result"]
            .as_str()
            .unwrap()
            .to_owned();
        let stamp_path = url::Url::parse(&stamp_url).unwrap().path().to_owned();

        // Another author sees only their own posts' quotes and cannot take this one back.
        let mut dave = Visitor::signed_in(&chorus, &other).await;
        let page = dave.get("/quotes").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(select(&page.html(), "#quote-1, .quote-list li").is_empty());
        let id = stamp_path.rsplit('/').next().unwrap();
        let csrf = crate::support::forms::csrf_of(&dave.get("/account").await);
        let refused = dave
            .post(&format!("/quotes/{id}/revoke"), &[("csrf", &csrf)])
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{backend:?}");

        let mut author = Visitor::signed_in(&chorus, &alice).await;
        let listed = author.get("/quotes").await.html();
        assert_eq!(select(&listed, ".quote-list li").len(), 1, "{backend:?}");
        let revoked = author
            .submit("/quotes", &format!("/quotes/{id}/revoke"), &[])
            .await;
        assert_eq!(revoked.status, StatusCode::SEE_OTHER, "{backend:?}");
        assert_eq!(location(&revoked), "/quotes");

        let delete = eventually("the Delete of the authorization", || async {
            peer.received_of("Delete")
                .into_iter()
                .map(|r| r.body)
                .find(|b| b["object"]["id"] == stamp_url.as_str())
        })
        .await;
        assert_eq!(
            delete["to"],
            json!([PUBLIC]),
            "{backend:?}: public, as Mastodon sends it"
        );
        assert_eq!(delete["object"]["type"], "QuoteAuthorization");
        let stamp = chorus
            .get_with(&stamp_path, &[("accept", "application/activity+json")])
            .await;
        assert_eq!(stamp.status, StatusCode::GONE, "{backend:?}");
        let page = chorus.get(open.path()).await.html();
        assert!(select(&page, ".quoted-by a").is_empty(), "{backend:?}");

        // The same quote asked for again stays refused.
        let again = quote_request(&peer, "bob", "q1", open.as_str());
        peer.deliver("bob", &chorus.inbox_of("alice"), &again).await;
        answer(&peer, "Reject", &again).await;
    }
}

#[tokio::test]
async fn a_request_to_quote_an_ask_me_post_waits_for_the_author() {
    for backend in backends() {
        let chorus = TestServer::with_workers(backend).await;
        let alice = chorus
            .create_user("alice", chorus::domain::Role::Author)
            .await;
        let other = chorus
            .create_user("dave", chorus::domain::Role::Author)
            .await;
        let asked = post_with(&chorus, "alice", "Ask me", "quotes: ask\n").await;
        let policy = can_quote(&chorus, &asked).await;
        assert_eq!(policy["manualApproval"], json!([PUBLIC]), "{backend:?}");
        assert_eq!(
            policy["automaticApproval"],
            json!([chorus.url("/@alice")]),
            "{backend:?}: Mastodon then offers \"Request to quote\""
        );

        let peer = Peer::start(&["bob", "carol"]).await;
        let inbox = chorus.inbox_of("alice");
        let first = quote_request(&peer, "bob", "q1", asked.as_str());
        let second = quote_request(&peer, "carol", "q2", asked.as_str());
        assert_eq!(
            peer.deliver("bob", &inbox, &first).await,
            StatusCode::ACCEPTED
        );
        assert_eq!(
            peer.deliver("carol", &inbox, &second).await,
            StatusCode::ACCEPTED
        );
        assert_eq!(chorus.count("quote_authorizations").await, 2, "{backend:?}");

        let mut author = Visitor::signed_in(&chorus, &alice).await;
        let page = author.get("/quotes").await;
        assert!(
            page.text().contains("2 requests wait for an answer"),
            "{backend:?}: {}",
            page.text()
        );
        assert!(
            answers(&peer, "Accept", &first).is_empty()
                && answers(&peer, "Reject", &first).is_empty(),
            "{backend:?}: nothing is answered before the author decides"
        );
        let ids: Vec<String> = select(&page.html(), ".quote-list li")
            .iter()
            .map(|li| {
                li.value()
                    .id()
                    .unwrap()
                    .trim_start_matches("quote-")
                    .to_owned()
            })
            .collect();
        assert_eq!(ids.len(), 2);
        // Newest first: carol's request, then bob's.
        let (carols, bobs) = (&ids[0], &ids[1]);

        // Someone who does not look after the post cannot answer.
        let mut dave = Visitor::signed_in(&chorus, &other).await;
        let csrf = crate::support::forms::csrf_of(&dave.get("/account").await);
        let refused = dave
            .post(
                &format!("/quotes/{bobs}/decide"),
                &[("csrf", &csrf), ("action", "allow")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{backend:?}");
        let nonsense = author
            .submit(
                "/quotes",
                &format!("/quotes/{bobs}/decide"),
                &[("action", "maybe")],
            )
            .await;
        assert_eq!(nonsense.status, StatusCode::BAD_REQUEST, "{backend:?}");

        let allowed = author
            .submit(
                "/quotes",
                &format!("/quotes/{bobs}/decide"),
                &[("action", "allow")],
            )
            .await;
        assert_eq!(allowed.status, StatusCode::SEE_OTHER, "{backend:?}");
        let accept = answer(&peer, "Accept", &first).await;
        let stamp = url::Url::parse(accept["result"].as_str().unwrap()).unwrap();
        let served = chorus
            .get_with(stamp.path(), &[("accept", "application/activity+json")])
            .await;
        assert_eq!(served.status, StatusCode::OK, "{backend:?}");
        assert_eq!(served.json()["interactingObject"], peer.object_url("q1"));

        author
            .submit(
                "/quotes",
                &format!("/quotes/{carols}/decide"),
                &[("action", "refuse")],
            )
            .await;
        answer(&peer, "Reject", &second).await;
        let never = chorus
            .get_with(
                &format!("/@alice/quote_authorizations/{carols}"),
                &[("accept", "application/activity+json")],
            )
            .await;
        assert_eq!(
            never.status,
            StatusCode::NOT_FOUND,
            "{backend:?}: a refused quote has no authorization"
        );
        let page = chorus.get(asked.path()).await.html();
        assert_eq!(
            select(&page, ".quoted-by a").len(),
            1,
            "{backend:?}: only the allowed quote"
        );
    }
}

#[tokio::test]
async fn an_admin_sets_who_may_quote_new_posts() {
    for backend in backends() {
        let chorus = TestServer::spawn(backend).await;
        chorus
            .create_user("alice", chorus::domain::Role::Author)
            .await;
        let admin = chorus.create_user("ada", chorus::domain::Role::Admin).await;
        let before = chorus.publish_post("alice", "Before", "Quote me.").await;
        let mut root = Visitor::signed_in(&chorus, &admin).await;
        let page = root.get("/admin/site").await;
        let checked =
            crate::support::attr(&page.html(), "input[name=quote_policy][checked]", "value");
        assert_eq!(
            checked.as_deref(),
            Some("anyone"),
            "{backend:?}: out of the box"
        );
        let set = |policy: &'static str| {
            [
                ("title", "Chorus"),
                ("description", "A test site"),
                ("language", "en"),
                ("community_name", "Everyone"),
                ("registration_mode", "closed"),
                ("quote_policy", policy),
            ]
        };
        let wrong = root
            .submit("/admin/site", "/admin/site", &set("whoever"))
            .await;
        assert_eq!(
            wrong.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{backend:?}"
        );
        assert!(
            wrong.text().contains("is not a quote policy"),
            "{}",
            wrong.text()
        );
        let saved = root.submit("/admin/site", "/admin/site", &set("ask")).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{backend:?}");

        let after = chorus.publish_post("alice", "After", "Ask first.").await;
        assert_eq!(
            can_quote(&chorus, &after).await["manualApproval"],
            json!([PUBLIC]),
            "{backend:?}: a new post takes the new default"
        );
        assert_eq!(
            can_quote(&chorus, &before).await["automaticApproval"],
            json!([PUBLIC]),
            "{backend:?}: a post already written keeps its policy"
        );
    }
}
