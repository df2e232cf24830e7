//! What an attacker meets: every costly thing Chorus does for a stranger is bounded. Password
//! guesses are counted before they are checked, per address and account, and signing in to
//! one's own account forgives nothing else; password hashing has a fixed number of places and
//! refuses the rest at once while the site keeps answering; images are measured before they
//! are decoded; connections that never finish their headers are closed, and there are only so
//! many at once; a server that failed to give a key is not asked again at once, and the
//! reply form asks other servers only so often for one client.

use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use chorus::domain::Role;
use chorus::web::auth::limiter::{MAX_FAILURES, MAX_PASSWORD_CHANGE_FAILURES};
use tower::ServiceExt;

use chorus::federation::avatars::AVATAR_WORKERS;
use chorus::federation::limits::{MAX_KEY_FETCHES_PER_CLIENT, MAX_LOOKUPS_PER_CLIENT};
use chorus::federation::signatures::cavage::sign_request;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::editor::{Writer, media_files};
use crate::support::forms::{FilePart, Visitor};
use crate::support::images::png_claiming;
use crate::support::peer::Peer;
use crate::support::{
    BASE_URL, Backend, Binary, PATIENCE, TEST_PASSWORD, TestApp, TestServer, backends, eventually,
    text_of,
};

/// The anonymous form token, sent both as the cookie and in the form (double submit).
const FORM_TOKEN: &str = "limits-test-form-token-0123456789abcdef";

/// A login form post from `ip`.
fn login_request(ip: [u8; 4], username: &str, password: &str) -> Request<Body> {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("csrf", FORM_TOKEN),
            ("username", username),
            ("password", password),
        ])
        .finish();
    let mut request = Request::builder()
        .method("POST")
        .uri("/login")
        .header(header::HOST, "community.example")
        .header(header::ORIGIN, BASE_URL)
        .header("sec-fetch-site", "same-origin")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, format!("chorus_form={FORM_TOKEN}"))
        .body(Body::from(body))
        .expect("a valid request");
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((ip, 40_000))));
    request
}

/// Sends every request at once and gives the statuses, in order.
async fn all_at_once(router: &Router, requests: Vec<Request<Body>>) -> Vec<StatusCode> {
    let mut tasks = tokio::task::JoinSet::new();
    for (i, request) in requests.into_iter().enumerate() {
        let router = router.clone();
        tasks.spawn(async move {
            let response = router
                .oneshot(request)
                .await
                .expect("the router never fails");
            (i, response.status())
        });
    }
    let mut statuses = tasks.join_all().await;
    statuses.sort();
    statuses.into_iter().map(|(_, s)| s).collect()
}

fn count(statuses: &[StatusCode], status: StatusCode) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_guesses_from_one_address_get_exactly_the_limit() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        site.create_user("victim", Role::Author).await;
        let guesses = (0..3 * MAX_FAILURES)
            .map(|i| login_request([198, 51, 100, 7], "victim", &format!("guess number {i}")))
            .collect();
        let statuses = all_at_once(&site.router, guesses).await;
        assert_eq!(
            count(&statuses, StatusCode::UNAUTHORIZED),
            MAX_FAILURES as usize,
            "exactly the limit's worth of guesses are checked: {statuses:?}"
        );
        assert_eq!(
            count(&statuses, StatusCode::TOO_MANY_REQUESTS),
            2 * MAX_FAILURES as usize,
            "the rest are refused: {statuses:?}"
        );
        let right = site
            .send(login_request([198, 51, 100, 7], "victim", TEST_PASSWORD))
            .await;
        assert_eq!(
            right.status,
            StatusCode::TOO_MANY_REQUESTS,
            "even the right password waits"
        );
        let elsewhere = site
            .send(login_request([198, 51, 100, 8], "victim", TEST_PASSWORD))
            .await;
        assert_eq!(
            elsewhere.status,
            StatusCode::SEE_OTHER,
            "the owner signs in from their own address"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_in_to_ones_own_account_forgives_no_guesses_at_another() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        site.create_user("victim", Role::Author).await;
        site.create_user("mallory", Role::Contributor).await;
        let ip = [203, 0, 113, 9];
        let guesses = (0..MAX_FAILURES)
            .map(|i| login_request(ip, "victim", &format!("guess number {i}")))
            .collect();
        let statuses = all_at_once(&site.router, guesses).await;
        assert_eq!(
            count(&statuses, StatusCode::UNAUTHORIZED),
            MAX_FAILURES as usize
        );
        let own = site.send(login_request(ip, "mallory", TEST_PASSWORD)).await;
        assert_eq!(
            own.status,
            StatusCode::SEE_OTHER,
            "mallory signs in to her own account"
        );
        let again = site
            .send(login_request(ip, "victim", "one more guess"))
            .await;
        assert_eq!(
            again.status,
            StatusCode::TOO_MANY_REQUESTS,
            "the guesses at victim still count: {}",
            again.text()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_logins_is_refused_quickly_while_the_site_answers() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        site.create_user("victim", Role::Author).await;
        let capacity =
            chorus::actions::accounts::hash_slots() + chorus::actions::accounts::hash_queue();
        let flood = 4 * capacity;
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..flood {
            let router = site.router.clone();
            let ip = [10, 9, (i / 250) as u8, (i % 250) as u8 + 1];
            tasks.spawn(async move {
                let request = login_request(ip, "victim", "not the password");
                let response = router.oneshot(request).await.expect("a response");
                (
                    response.status(),
                    response.headers().contains_key(header::RETRY_AFTER),
                )
            });
        }
        // Let every login reach the password check before asking for the health page.
        tokio::task::yield_now().await;
        let health = site.get("/healthz").await;
        assert_eq!(health.status, StatusCode::OK, "/healthz answers");
        let answers = tasks.join_all().await;
        let refused: Vec<_> = answers
            .iter()
            .filter(|(s, _)| *s == StatusCode::SERVICE_UNAVAILABLE)
            .collect();
        let checked = answers
            .iter()
            .filter(|(s, _)| *s == StatusCode::UNAUTHORIZED)
            .count();
        assert!(
            !refused.is_empty(),
            "{flood} logins at once overflow {capacity} places: {answers:?}"
        );
        assert!(
            refused.iter().all(|(_, retry)| *retry),
            "a busy answer says when to retry"
        );
        assert_eq!(checked + refused.len(), flood, "{answers:?}");
    }
}

#[tokio::test]
async fn wrong_current_passwords_on_the_password_form_are_limited() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        let me = site.create_user("writer", Role::Author).await;
        let mut browser = Visitor::signed_in(&site, &me).await;
        for i in 0..MAX_PASSWORD_CHANGE_FAILURES {
            let wrong = browser
                .submit(
                    "/account",
                    "/account/password",
                    &[
                        ("current", &format!("wrong guess {i}")),
                        ("new_password", "a brand new password"),
                    ],
                )
                .await;
            assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        }
        let right = browser
            .submit(
                "/account",
                "/account/password",
                &[
                    ("current", TEST_PASSWORD),
                    ("new_password", "a brand new password"),
                ],
            )
            .await;
        assert_eq!(
            right.status,
            StatusCode::TOO_MANY_REQUESTS,
            "after {MAX_PASSWORD_CHANGE_FAILURES} wrong guesses the form waits: {}",
            right.text()
        );
        assert!(!right.header(header::RETRY_AFTER).is_empty());
    }
}

#[tokio::test]
async fn an_upload_whose_header_claims_too_many_pixels_is_refused_before_decoding() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        let alice = Writer::sign_up(&site, "alice", Role::Author).await;
        let claim = png_claiming(12_000, 12_000);
        assert!(claim.len() < 64 * 1024, "a small file");
        let file = FilePart {
            field: "file",
            file_name: "huge.png",
            content_type: "image/png",
            bytes: &claim,
        };
        let reply = alice
            .post_multipart("/editor/media", &[("alt", "Nothing")], &[file], &[])
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        let error = text_of(&reply.html(), ".error").unwrap_or_else(|| reply.text());
        assert!(
            error.contains("too large"),
            "the uploader is told the image is too large, not that it is damaged: {error}"
        );
        assert_eq!(site.count("media").await, 0);
        assert!(media_files(&site).is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn icons_of_many_new_actors_wait_in_a_bounded_queue() {
    let names: Vec<String> = (0..12).map(|i| format!("stranger{i}")).collect();
    let mut all: Vec<&str> = names.iter().map(String::as_str).collect();
    all.push("huge");
    all.push("last");
    for backend in backends() {
        let chorus = TestServer::spawn(backend).await;
        chorus.create_user("alice", Role::Author).await;
        let post = chorus.publish_post("alice", "Faces", "Who is there?").await;
        let peer = Peer::start(&all).await;
        peer.hold_avatars();
        for name in &names {
            let like = peer.activity(name, "Like", json!(post.as_str()));
            assert_eq!(
                peer.deliver(name, &chorus.inbox(), &like).await,
                StatusCode::ACCEPTED
            );
        }
        eventually("the first icons are asked for", || async {
            (peer.avatars_held() >= AVATAR_WORKERS).then_some(())
        })
        .await;
        // One more activity, all the way through the inbox, while the icons are held.
        let like = peer.activity("last", "Like", json!(post.as_str()));
        assert_eq!(
            peer.deliver("last", &chorus.inbox(), &like).await,
            StatusCode::ACCEPTED
        );
        eventually("the last like is counted", || async {
            (chorus.count("reactions").await == names.len() as i64 + 1).then_some(())
        })
        .await;
        assert_eq!(
            peer.avatars_held(),
            AVATAR_WORKERS,
            "{backend:?}: only {AVATAR_WORKERS} icons are fetched at once"
        );
        peer.release_avatars();
        eventually("every stranger's avatar is stored", || async {
            let fetched = peer
                .fetches()
                .iter()
                .filter(|f| f.starts_with("/avatars/stranger"))
                .count();
            (fetched == names.len()).then_some(())
        })
        .await;

        // An icon whose header claims 12000×12000 pixels: the actor is kept, without it.
        let like = peer.activity("huge", "Like", json!(post.as_str()));
        assert_eq!(
            peer.deliver("huge", &chorus.inbox(), &like).await,
            StatusCode::ACCEPTED
        );
        let db = &chorus.app.db;
        let huge = peer.actor("huge");
        eventually("the huge icon is tried and refused", || async {
            let actor = chorus::storage::remote::find_remote_actor_by_uri(db, &huge)
                .await
                .expect("a query")?;
            let profile = chorus::storage::avatars::find_profile(db, actor.id)
                .await
                .expect("a query")?;
            (!profile.avatar_wanted()).then(|| {
                assert!(profile.avatar_file.is_none(), "no avatar is stored for it");
            })
        })
        .await;
    }
}

/// Reads from `stream` until the server closes it; gives what arrived.
async fn read_until_closed(stream: &mut tokio::net::TcpStream) -> Vec<u8> {
    let mut all = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return all,
            Ok(n) => all.extend_from_slice(&buf[..n]),
        }
    }
}

#[tokio::test]
async fn a_connection_that_never_sends_its_headers_is_closed() {
    let mut binary = Binary::new(Backend::Sqlite).await;
    binary.set_env("CHORUS_HEADER_READ_TIMEOUT_SECONDS", "1");
    let server = binary.serve().await;
    let address = server.base_url.trim_start_matches("http://").to_owned();
    let mut silent = tokio::net::TcpStream::connect(&address)
        .await
        .expect("a connection");
    let mut slow = tokio::net::TcpStream::connect(&address)
        .await
        .expect("a connection");
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("half the headers");
    // Not a measure of speed: the bound only keeps a broken server from hanging the test.
    let closed = tokio::time::timeout(4 * PATIENCE, async {
        read_until_closed(&mut silent).await;
        read_until_closed(&mut slow).await;
    })
    .await;
    assert!(
        closed.is_ok(),
        "connections without complete headers are closed by the server"
    );
    assert_eq!(server.get("/healthz").await.status, StatusCode::OK);
}

#[tokio::test]
async fn connections_over_the_limit_wait_until_one_closes() {
    let mut binary = Binary::new(Backend::Sqlite).await;
    binary.set_env("CHORUS_MAX_CONNECTIONS", "2");
    let server = binary.serve().await;
    let address = server.base_url.trim_start_matches("http://").to_owned();
    let first = tokio::net::TcpStream::connect(&address).await.unwrap();
    let second = tokio::net::TcpStream::connect(&address).await.unwrap();
    let mut third = tokio::net::TcpStream::connect(&address).await.unwrap();
    third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 64];
    // While two connections are open, the third is not served (it waits, unaccepted).
    let early = tokio::time::timeout(Duration::from_millis(500), third.read(&mut buf)).await;
    assert!(
        early.is_err(),
        "the third connection is served while the limit is reached"
    );
    drop(first);
    drop(second);
    let answer = tokio::time::timeout(4 * PATIENCE, read_until_closed(&mut third))
        .await
        .expect("served once another connection closes");
    assert!(
        String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
}

/// A `Like` of `post` by `actor` signed with `key` but naming `key_id`, posted to the inbox.
async fn like_signed_as(
    chorus: &TestServer,
    peer: &Peer,
    post: &str,
    key_id: &str,
    n: usize,
) -> StatusCode {
    let like = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}activities/like-{n}", peer.base),
        "type": "Like",
        "actor": peer.actor("pat"),
        "object": post,
    });
    let body = serde_json::to_vec(&like).unwrap();
    let inbox = chorus.inbox();
    let signed = sign_request(
        &Method::POST,
        &inbox,
        Some(&body),
        key_id,
        &peer.key("pat"),
        SystemTime::now(),
    )
    .expect("signing works");
    let mut headers = HeaderMap::new();
    signed.apply_to(&mut headers);
    headers.insert("content-type", "application/activity+json".parse().unwrap());
    crate::support::peer::send(&inbox, headers, body).await
}

#[tokio::test]
async fn a_key_that_could_not_be_fetched_is_not_fetched_again_at_once() {
    for backend in backends() {
        let chorus = TestServer::spawn(backend).await;
        chorus.create_user("alice", Role::Author).await;
        let post = chorus.publish_post("alice", "Hello", "Hi").await;
        let peer = Peer::start(&["pat"]).await;
        let missing_key = format!("{}objects/no-such-key#main-key", peer.base);
        for n in 0..3 {
            let status = like_signed_as(&chorus, &peer, post.as_str(), &missing_key, n).await;
            assert!(
                status.is_client_error() || status.is_server_error(),
                "{backend:?}: a key that cannot be had is refused: {status}"
            );
        }
        let asked = peer
            .fetches()
            .iter()
            .filter(|f| *f == "/objects/no-such-key")
            .count();
        assert_eq!(
            asked, 1,
            "{backend:?}: the missing key is asked for once, not once per POST"
        );
    }
}

#[tokio::test]
async fn one_client_can_name_only_so_many_unknown_keys() {
    let backend = backends()[0];
    let chorus = TestServer::spawn(backend).await;
    chorus.create_user("alice", Role::Author).await;
    let post = chorus.publish_post("alice", "Hello", "Hi").await;
    let peer = Peer::start(&["pat"]).await;
    for n in 0..MAX_KEY_FETCHES_PER_CLIENT as usize {
        let key = format!("{}objects/key-{n}#main-key", peer.base);
        let status = like_signed_as(&chorus, &peer, post.as_str(), &key, n).await;
        assert_ne!(status, StatusCode::TOO_MANY_REQUESTS, "POST {n}");
    }
    let key = format!("{}objects/one-more#main-key", peer.base);
    let status = like_signed_as(&chorus, &peer, post.as_str(), &key, 100_000).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        !peer.fetches().iter().any(|f| f == "/objects/one-more"),
        "the key over the limit is not fetched"
    );
}

#[tokio::test]
async fn the_reply_form_looks_up_only_so_many_addresses_for_one_client() {
    for backend in backends() {
        let chorus = TestServer::spawn(backend).await;
        chorus.create_user("alice", Role::Author).await;
        let post = chorus.publish_post("alice", "Hello", "Hi").await;
        let peer = Peer::start(&["pat"]).await;
        let ask = |ip: [u8; 4], user: String| {
            let query = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs([
                    ("post", post.as_str()),
                    ("action", "reply"),
                    ("handle", &format!("{user}@{}", peer.domain())),
                ])
                .finish();
            let mut request = Request::builder()
                .uri(format!("/interact?{query}"))
                .body(Body::empty())
                .unwrap();
            request
                .extensions_mut()
                .insert(ConnectInfo(SocketAddr::from((ip, 41_000))));
            request
        };
        let client = [192, 0, 2, 77];
        for i in 0..MAX_LOOKUPS_PER_CLIENT {
            let reply = chorus.send(ask(client, format!("someone{i}"))).await;
            assert_ne!(reply.status, StatusCode::TOO_MANY_REQUESTS, "lookup {i}");
        }
        let asked = peer.fetches().len();
        let over = chorus.send(ask(client, "pat".into())).await;
        assert_eq!(
            over.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{backend:?}: {}",
            over.text()
        );
        assert!(!over.header(header::RETRY_AFTER).is_empty());
        assert_eq!(peer.fetches().len(), asked, "nothing more is fetched");
        let other = chorus.send(ask([192, 0, 2, 78], "pat".into())).await;
        assert_eq!(
            other.status,
            StatusCode::OK,
            "{backend:?}: another reader is not held up: {}",
            other.text()
        );
    }
}

#[tokio::test]
async fn guessing_invite_codes_is_limited_per_address() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        chorus::storage::site::set_registration_mode(&site.app.db, "invite")
            .await
            .unwrap();
        let mut guesser = Visitor::new(&site);
        let csrf = crate::support::forms::csrf_of(&guesser.get("/login").await);
        let mut statuses = Vec::new();
        for i in 0..=MAX_FAILURES {
            let code = format!("guessed-invite-code-{i}");
            let r = guesser
                .post(
                    "/register",
                    &[
                        ("csrf", csrf.as_str()),
                        ("invite", code.as_str()),
                        ("username", "sneaky"),
                        ("password", TEST_PASSWORD),
                    ],
                )
                .await;
            statuses.push(r.status);
        }
        assert!(
            statuses[..MAX_FAILURES as usize]
                .iter()
                .all(|s| *s == StatusCode::NOT_FOUND),
            "{statuses:?}"
        );
        assert_eq!(
            statuses[MAX_FAILURES as usize],
            StatusCode::TOO_MANY_REQUESTS,
            "{backend:?}: after {MAX_FAILURES} wrong invite codes the address waits"
        );
    }
}
