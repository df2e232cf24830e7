//! IndieAuth as an app meets it: it discovers the endpoints from the author's page, sends
//! the author to the authorization endpoint with a PKCE challenge, the author signs in with
//! the form and approves (or denies, or grants less), the app exchanges the code for a token
//! with its verifier, and introspection and revocation answer for that token. Codes work
//! once, for ten minutes, for the app and redirect address they were issued to; a redirect
//! address on another site is never followed; suspended authors' tokens open nothing.

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine;
use chorus::actions::tokens;
use chorus::domain::scope::Scopes;
use chorus::domain::secrets::{random_token, token_hash};
use chorus::domain::{Role, time};
use chorus::storage::auth_codes::{self, NewCode};
use chorus::storage::users::{self, AccountStatus};

use crate::support::editor::read_form;
use crate::support::forms::{Visitor, csrf_of, location};
use crate::support::{Reply, TEST_PASSWORD, TestApp, attr, backends, select};

const CLIENT: &str = "https://app.example/";
const REDIRECT: &str = "https://app.example/callback";
const CONSENT_FORM: &str = "form[action='/indieauth/authorize/consent']";

/// A PKCE pair as a client makes one: a random verifier and its S256 challenge.
fn pkce() -> (String, String) {
    let verifier = random_token();
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref());
    (verifier, challenge)
}

fn authorize_path(pairs: &[(&str, &str)]) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    format!("/indieauth/authorize?{query}")
}

fn request_path(challenge: &str, scope: &str, state: &str) -> String {
    authorize_path(&[
        ("response_type", "code"),
        ("client_id", CLIENT),
        ("redirect_uri", REDIRECT),
        ("state", state),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
        ("scope", scope),
        ("me", "https://community.example/@alice"),
    ])
}

/// The query of a redirect to the client.
fn client_query(reply: &Reply) -> HashMap<String, String> {
    assert!(
        reply.status.is_redirection(),
        "{}: {}",
        reply.status,
        reply.text()
    );
    let to = url::Url::parse(location(reply)).expect("an absolute redirect");
    assert_eq!(to.origin(), url::Url::parse(REDIRECT).unwrap().origin());
    assert_eq!(to.path(), "/callback");
    to.query_pairs().into_owned().collect()
}

/// A form post from an app's server: no cookies, no Origin.
async fn client_post(
    site: &TestApp,
    path: &str,
    fields: &[(&str, &str)],
    bearer: Option<&str>,
) -> Reply {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let mut request = Request::builder()
        .method("POST")
        .uri(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json");
    if let Some(token) = bearer {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    site.send(request.body(Body::from(body)).unwrap()).await
}

async fn exchange(site: &TestApp, path: &str, code: &str, verifier: &str) -> Reply {
    client_post(
        site,
        path,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("client_id", CLIENT),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
        ],
        None,
    )
    .await
}

async fn introspect(site: &TestApp, bearer: &str, token: &str) -> Reply {
    client_post(
        site,
        "/indieauth/introspect",
        &[("token", token)],
        Some(bearer),
    )
    .await
}

/// Approves the request at `path` on the consent page, leaving out the scopes in `untick`.
async fn approve(b: &mut Visitor<'_>, path: &str, untick: &[&str]) -> HashMap<String, String> {
    let page = b.get(path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let (action, fields) = read_form(&page, CONSENT_FORM);
    let mut send: Vec<(&str, &str)> = fields
        .iter()
        .filter(|(n, v)| !(n == "scope" && untick.contains(&v.as_str())))
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    send.push(("decision", "approve"));
    client_query(&b.post(&action, &send).await)
}

#[tokio::test]
async fn an_app_signs_in_with_pkce_and_its_token_introspects_until_revoked() {
    for backend in backends() {
        let site = TestApp::with_author(backend, "alice").await;
        let (verifier, challenge) = pkce();
        let path = request_path(&challenge, "create media profile", "st-1");

        // Not signed in: to the login form, and back to the same request after it.
        let mut b = Visitor::new(&site);
        let first = b.get(&path).await;
        assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.text());
        let login = b.get(location(&first)).await;
        assert_eq!(login.status, StatusCode::OK);
        let next = attr(&login.html(), "input[name=next]", "value").expect("a next field");
        let csrf = csrf_of(&login);
        let signed = b
            .post(
                "/login",
                &[
                    ("csrf", &csrf),
                    ("username", "alice"),
                    ("password", TEST_PASSWORD),
                    ("next", &next),
                ],
            )
            .await;
        let path = location(&signed).to_owned();
        assert!(
            path.starts_with("/indieauth/authorize?"),
            "signing in leads back: {path}"
        );

        // The consent page names the app, where it goes back to, and each scope.
        let page = b.get(&path).await;
        let text = page.text();
        assert!(text.contains("Sign in to app.example?"), "{text}");
        assert!(text.contains("publish new posts as you"), "{text}");
        assert!(text.contains("upload images"), "{text}");
        assert!(text.contains("https://community.example/@alice"), "{text}");
        assert!(
            !text.contains("<script>"),
            "the consent page needs no script"
        );

        // Granting less than asked: no media.
        let answer = approve(&mut b, &path, &["media"]).await;
        assert_eq!(answer["state"], "st-1");
        assert_eq!(answer["iss"], site.url("/"));
        let code = answer["code"].clone();

        let r = exchange(&site, "/indieauth/token", &code, &verifier).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.header(header::CACHE_CONTROL), "no-store");
        let body = r.json();
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["scope"], "profile create");
        assert_eq!(body["me"], site.url("/@alice"));
        assert_eq!(body["profile"]["url"], site.url("/@alice"));
        let token = body["access_token"].as_str().unwrap().to_owned();

        // The same code never works twice.
        let again = exchange(&site, "/indieauth/token", &code, &verifier).await;
        assert_eq!(again.status, StatusCode::BAD_REQUEST);
        assert_eq!(again.json()["error"], "invalid_grant");

        // The token opens the door (Micropub checks it so) and introspects as granted.
        let grant = tokens::authenticate(&site.app, &token)
            .await
            .expect("a live token");
        assert_eq!(grant.client_id, CLIENT);
        let i = introspect(&site, &token, &token).await;
        assert_eq!(i.status, StatusCode::OK, "{}", i.text());
        let i = i.json();
        assert_eq!(i["active"], true);
        assert_eq!(i["me"], site.url("/@alice"));
        assert_eq!(i["client_id"], CLIENT);
        assert_eq!(i["scope"], "profile create");
        assert!(i["iat"].as_i64().unwrap() > 0);
        let anonymous =
            client_post(&site, "/indieauth/introspect", &[("token", &token)], None).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);

        // The account page lists it; revocation by value ends it, even twice.
        let account = b.get("/account").await;
        assert!(account.text().contains("app.example"), "{}", account.text());
        for _ in 0..2 {
            let r = client_post(&site, "/indieauth/revoke", &[("token", &token)], None).await;
            assert_eq!(r.status, StatusCode::OK);
        }
        let alice = site.user("alice").await;
        let other = tokens::issue(
            &site.app,
            &alice,
            "cli",
            "cli",
            &Scopes::parse_strict("create").unwrap(),
            None,
        )
        .await
        .unwrap();
        let i = introspect(&site, &other, &token).await;
        assert_eq!(i.json(), serde_json::json!({ "active": false }));
        assert_eq!(
            introspect(&site, &token, &token).await.status,
            StatusCode::UNAUTHORIZED
        );
        assert!(tokens::authenticate(&site.app, &token).await.is_err());
        // Another account's token learns nothing about alice's.
        let bob = site.create_user("bob", Role::Author).await;
        let bobs = tokens::issue(
            &site.app,
            &bob,
            "cli",
            "cli",
            &Scopes::parse_strict("create").unwrap(),
            None,
        )
        .await
        .unwrap();
        assert_eq!(
            introspect(&site, &bobs, &other).await.json()["active"],
            false
        );
    }
}

#[tokio::test]
async fn codes_work_once_for_their_app_with_the_right_verifier_and_expire() {
    for backend in backends() {
        let site = TestApp::with_author(backend, "alice").await;
        let alice = site.user("alice").await;
        let mut b = Visitor::signed_in(&site, &alice).await;

        // A wrong verifier is refused and burns the code.
        let (verifier, challenge) = pkce();
        let code =
            approve(&mut b, &request_path(&challenge, "create", "s"), &[]).await["code"].clone();
        let wrong = exchange(&site, "/indieauth/token", &code, &pkce().0).await;
        assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
        assert_eq!(wrong.json()["error"], "invalid_grant");
        let right = exchange(&site, "/indieauth/token", &code, &verifier).await;
        assert_eq!(right.json()["error"], "invalid_grant", "the code was burnt");

        // Another redirect address than the code's.
        let (verifier, challenge) = pkce();
        let code =
            approve(&mut b, &request_path(&challenge, "create", "s"), &[]).await["code"].clone();
        let r = client_post(
            &site,
            "/indieauth/token",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("client_id", CLIENT),
                ("redirect_uri", "https://app.example/other"),
                ("code_verifier", &verifier),
            ],
            None,
        )
        .await;
        assert_eq!(r.json()["error"], "invalid_grant");
        let missing = client_post(
            &site,
            "/indieauth/token",
            &[("grant_type", "authorization_code")],
            None,
        )
        .await;
        assert_eq!(missing.status, StatusCode::BAD_REQUEST);
        assert_eq!(missing.json()["error"], "invalid_request");
        let refresh = client_post(
            &site,
            "/indieauth/token",
            &[("grant_type", "refresh_token")],
            None,
        )
        .await;
        assert_eq!(refresh.json()["error"], "unsupported_grant_type");

        // A code issued eleven minutes ago has expired.
        let (verifier, challenge) = pkce();
        let code = random_token();
        let then = time::now() - chrono::Duration::minutes(11);
        let new = NewCode {
            code_hash: &token_hash(&code),
            user_id: alice.id,
            client_id: CLIENT,
            redirect_uri: REDIRECT,
            scope: "create",
            code_challenge: &challenge,
            now: then,
            expires_at: then + chrono::Duration::minutes(10),
        };
        auth_codes::insert_code(&site.app.db, &new).await.unwrap();
        let late = exchange(&site, "/indieauth/token", &code, &verifier).await;
        assert_eq!(late.status, StatusCode::BAD_REQUEST);
        assert_eq!(late.json()["error"], "invalid_grant");
        assert_eq!(
            tokens::list(&site.app, &alice).await.unwrap().len(),
            0,
            "no token was issued"
        );
    }
}

#[tokio::test]
async fn bad_requests_are_shown_or_sent_back_and_denial_is_access_denied() {
    for backend in backends() {
        let site = TestApp::with_author(backend, "alice").await;
        let alice = site.user("alice").await;
        let mut b = Visitor::signed_in(&site, &alice).await;
        let (_, challenge) = pkce();

        // A redirect address on another site: a page, no redirect.
        let foreign = authorize_path(&[
            ("response_type", "code"),
            ("client_id", CLIENT),
            ("redirect_uri", "https://evil.example/callback"),
            ("state", "s"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ]);
        let r = b.get(&foreign).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(r.header(header::LOCATION), "");
        assert!(r.text().contains("not on the client"), "{}", r.text());
        let r = b
            .get(&authorize_path(&[
                ("response_type", "code"),
                ("client_id", "not a url"),
            ]))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(r.header(header::LOCATION), "");

        // Plain PKCE, or none: back to the client with invalid_request.
        for method in ["plain", ""] {
            let plain = authorize_path(&[
                ("response_type", "code"),
                ("client_id", CLIENT),
                ("redirect_uri", REDIRECT),
                ("state", "s2"),
                ("code_challenge", &challenge),
                ("code_challenge_method", method),
            ]);
            let q = client_query(&b.get(&plain).await);
            assert_eq!(q["error"], "invalid_request");
            assert_eq!(q["state"], "s2");
            assert!(!q.contains_key("code"));
        }
        let token_type = authorize_path(&[
            ("response_type", "token"),
            ("client_id", CLIENT),
            ("redirect_uri", REDIRECT),
            ("state", "s3"),
        ]);
        assert_eq!(
            client_query(&b.get(&token_type).await)["error"],
            "unsupported_response_type"
        );

        // The author says no.
        let path = request_path(&challenge, "create", "s4");
        let page = b.get(&path).await;
        let (action, fields) = read_form(&page, CONSENT_FORM);
        let mut send: Vec<(&str, &str)> = fields
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        send.push(("decision", "deny"));
        let q = client_query(&b.post(&action, &send).await);
        assert_eq!(q["error"], "access_denied");
        assert_eq!(q["state"], "s4");
        assert!(!q.contains_key("code"));

        // A consent form whose redirect address was changed is refused on a page.
        let mut forged: Vec<(&str, &str)> = fields
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str(),
                    if n == "redirect_uri" {
                        "https://evil.example/"
                    } else {
                        v.as_str()
                    },
                )
            })
            .collect();
        forged.push(("decision", "approve"));
        let r = b.post(&action, &forged).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(r.header(header::LOCATION), "");
        assert_eq!(site.count("auth_codes").await, 0);
    }
}

#[tokio::test]
async fn a_profile_only_code_identifies_the_author_without_a_token() {
    for backend in backends() {
        let site = TestApp::with_author(backend, "alice").await;
        let alice = site.user("alice").await;
        let mut b = Visitor::signed_in(&site, &alice).await;
        let (verifier, challenge) = pkce();
        let page = b.get(&request_path(&challenge, "profile", "p")).await;
        assert!(page.text().contains("see your name and profile address"));
        let code =
            approve(&mut b, &request_path(&challenge, "profile", "p"), &[]).await["code"].clone();
        let r = exchange(&site, "/indieauth/authorize", &code, &verifier).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let body = r.json();
        assert_eq!(body["me"], site.url("/@alice"));
        assert_eq!(body["profile"]["name"], "alice");
        assert!(body.get("access_token").is_none());

        // Identification only: nothing ticked, and the token endpoint gives no token.
        let (verifier, challenge) = pkce();
        let code = approve(
            &mut b,
            &request_path(&challenge, "create", "p"),
            &["create"],
        )
        .await["code"]
            .clone();
        let r = exchange(&site, "/indieauth/token", &code, &verifier).await;
        assert_eq!(r.json()["error"], "invalid_grant");
        assert!(tokens::list(&site.app, &alice).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn a_suspended_authors_tokens_and_codes_open_nothing() {
    for backend in backends() {
        let site = TestApp::with_author(backend, "alice").await;
        let alice = site.user("alice").await;
        let mut b = Visitor::signed_in(&site, &alice).await;
        let (verifier, challenge) = pkce();
        let code =
            approve(&mut b, &request_path(&challenge, "create", "s"), &[]).await["code"].clone();
        let token = tokens::issue(
            &site.app,
            &alice,
            CLIENT,
            "app.example",
            &Scopes::parse_strict("create").unwrap(),
            None,
        )
        .await
        .unwrap();
        assert_eq!(
            introspect(&site, &token, &token).await.json()["active"],
            true
        );
        users::set_status(
            &site.app.db,
            alice.id,
            AccountStatus::Suspended,
            time::now(),
        )
        .await
        .unwrap();
        assert_eq!(
            introspect(&site, &token, &token).await.status,
            StatusCode::UNAUTHORIZED
        );
        assert!(tokens::authenticate(&site.app, &token).await.is_err());
        let r = exchange(&site, "/indieauth/token", &code, &verifier).await;
        assert_eq!(r.json()["error"], "invalid_grant");
    }
}

#[tokio::test]
async fn the_endpoints_are_discoverable_and_tokens_are_revoked_on_the_account_page() {
    for backend in backends() {
        let site = TestApp::with_author(backend, "alice").await;
        let meta = site.get("/.well-known/oauth-authorization-server").await;
        assert_eq!(meta.status, StatusCode::OK);
        let m = meta.json();
        assert_eq!(m["issuer"], site.url("/"));
        assert_eq!(
            m["authorization_endpoint"],
            site.url("/indieauth/authorize")
        );
        assert_eq!(m["token_endpoint"], site.url("/indieauth/token"));
        assert_eq!(
            m["introspection_endpoint"],
            site.url("/indieauth/introspect")
        );
        assert_eq!(m["revocation_endpoint"], site.url("/indieauth/revoke"));
        assert_eq!(
            m["code_challenge_methods_supported"],
            serde_json::json!(["S256"])
        );
        assert_eq!(m["response_types_supported"], serde_json::json!(["code"]));
        assert_eq!(m["authorization_response_iss_parameter_supported"], true);
        assert!(
            m["scopes_supported"]
                .as_array()
                .unwrap()
                .contains(&"create".into())
        );

        let meta_url = site.url("/.well-known/oauth-authorization-server");
        for path in ["/", "/@alice"] {
            let page = site.get(path).await;
            let link = attr(&page.html(), "link[rel=indieauth-metadata]", "href");
            assert_eq!(link.as_deref(), Some(meta_url.as_str()), "{path}");
        }
        let profile = site.get("/@alice").await.html();
        assert_eq!(
            attr(&profile, "link[rel=authorization_endpoint]", "href"),
            Some(site.url("/indieauth/authorize"))
        );
        assert_eq!(
            attr(&profile, "link[rel=token_endpoint]", "href"),
            Some(site.url("/indieauth/token"))
        );

        // A command-line token is listed and revoked with the account page's button.
        let alice = site.user("alice").await;
        let out = site.command_line(
            &[
                "token",
                "create",
                "--user",
                "alice",
                "--scope",
                "create,media",
            ],
            None,
        );
        let token = out.ok().stdout.trim().to_owned();
        let mut b = Visitor::signed_in(&site, &alice).await;
        let page = b.get("/account").await;
        let text = page.text();
        assert!(
            text.contains("command line") && text.contains("upload images"),
            "{text}"
        );
        let forms = select(&page.html(), "form[action^='/account/tokens/']").len();
        assert_eq!(forms, 1);
        let (action, fields) = read_form(&page, "form[action^='/account/tokens/']");
        let send: Vec<(&str, &str)> = fields
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let r = b.post(&action, &send).await;
        assert_eq!(location(&r), "/account?done=token");
        assert!(tokens::authenticate(&site.app, &token).await.is_err());
        let page = b.get("/account?done=token").await;
        assert!(
            page.text().contains("No app can act for you"),
            "{}",
            page.text()
        );
        // Someone else's token id, or one already revoked: not found.
        assert_eq!(b.post(&action, &send).await.status, StatusCode::NOT_FOUND);
    }
}
