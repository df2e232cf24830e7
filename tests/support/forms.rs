//! A visitor of the site for in-process tests of the signed-in pages: a cookie-keeping HTTP
//! client (not a real browser; the browser test drives one) that signs in, reads the CSRF
//! token from a page's form the way a browser submits it, and posts forms from the site's own
//! origin (or, to test refusals, from another one).

use axum::body::Body;
use axum::http::{Request, header};
use chorus::domain::Role;
use chorus::storage::users::User;

use super::{Reply, TEST_PASSWORD, TestApp, attr};

/// The origin of a site that is not this one.
pub const OTHER_ORIGIN: &str = "https://evil.example";

/// One visitor: their cookies, on one site.
pub struct Visitor<'a> {
    pub site: &'a TestApp,
    cookies: Vec<(String, String)>,
}

impl<'a> Visitor<'a> {
    /// A visitor with no cookies.
    pub fn new(site: &'a TestApp) -> Visitor<'a> {
        Visitor {
            site,
            cookies: Vec::new(),
        }
    }

    /// A visitor signed in as `user`, through a session made directly (quick: no password
    /// hashing). Use [`Visitor::log_in`] to test the login form itself.
    pub async fn signed_in(site: &'a TestApp, user: &User) -> Visitor<'a> {
        let cookie = chorus::web::auth::start_session(&site.app, user, "test browser")
            .await
            .expect("a session");
        let mut b = Visitor::new(site);
        b.remember(cookie.to_str().expect("an ASCII cookie"));
        b
    }

    /// Creates an account with `role` and signs it in, as [`Visitor::signed_in`] does.
    pub async fn sign_up(site: &'a TestApp, name: &str, role: Role) -> Visitor<'a> {
        let user = site.create_user(name, role).await;
        Visitor::signed_in(site, &user).await
    }

    /// Signs in through the login form with [`TEST_PASSWORD`]; gives the answer to the POST.
    pub async fn log_in(&mut self, username: &str) -> Reply {
        let page = self.get("/login").await;
        let csrf = csrf_of(&page);
        self.post(
            "/login",
            &[
                ("csrf", &csrf),
                ("username", username),
                ("password", TEST_PASSWORD),
            ],
        )
        .await
    }

    fn remember(&mut self, set_cookie: &str) {
        let first = set_cookie.split(';').next().unwrap_or("");
        let Some((name, value)) = first.split_once('=') else {
            return;
        };
        let expired = set_cookie.to_ascii_lowercase().contains("max-age=0");
        self.cookies.retain(|(n, _)| n != name.trim());
        if !expired && !value.is_empty() {
            self.cookies
                .push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }

    pub fn has_cookie(&self, name: &str) -> bool {
        self.cookies.iter().any(|(n, _)| n == name)
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn send(&mut self, request: axum::http::request::Builder, body: Body) -> Reply {
        let mut request = request;
        if !self.cookies.is_empty() {
            request = request.header(header::COOKIE, self.cookie_header());
        }
        let reply = self
            .site
            .send(request.body(body).expect("a valid request"))
            .await;
        for value in reply.headers.get_all(header::SET_COOKIE) {
            self.remember(value.to_str().expect("an ASCII cookie"));
        }
        reply
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        self.send(Request::builder().uri(path), Body::empty()).await
    }

    /// Posts a URL-encoded form as a browser on this site's pages does.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let origin = self.site.app.config.base_url.origin().ascii_serialization();
        self.post_from(path, fields, &origin, "same-origin").await
    }

    /// Posts a URL-encoded form with the given `Origin` and `Sec-Fetch-Site` headers.
    pub async fn post_from(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        origin: &str,
        fetch_site: &str,
    ) -> Reply {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let request = Request::builder()
            .method("POST")
            .uri(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ORIGIN, origin)
            .header("sec-fetch-site", fetch_site);
        self.send(request, Body::from(body)).await
    }

    /// Posts a multipart form with one file field `file` (and text `fields`).
    pub async fn post_file(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file_name: &str,
        bytes: &[u8],
    ) -> Reply {
        let file = FilePart {
            field: "file",
            file_name,
            content_type: "application/octet-stream",
            bytes,
        };
        let (content_type, body) = multipart(fields, &[file]);
        let origin = self.site.app.config.base_url.origin().ascii_serialization();
        let request = Request::builder()
            .method("POST")
            .uri(path)
            .header(header::CONTENT_TYPE, content_type)
            .header(header::ORIGIN, origin)
            .header("sec-fetch-site", "same-origin");
        self.send(request, Body::from(body)).await
    }

    /// Opens `page`, takes the CSRF token from its first form, and posts `fields` with it to
    /// `action`: what a person filling in the form does.
    pub async fn submit(&mut self, page: &str, action: &str, fields: &[(&str, &str)]) -> Reply {
        let shown = self.get(page).await;
        assert!(
            shown.status.is_success(),
            "GET {page} answered {}:\n{}",
            shown.status,
            shown.text()
        );
        let csrf = csrf_of(&shown);
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post(action, &all).await
    }
}

/// The CSRF token in the first form of a page.
pub fn csrf_of(reply: &Reply) -> String {
    attr(&reply.html(), "input[name=csrf]", "value")
        .unwrap_or_else(|| panic!("no CSRF token on the page:\n{}", reply.text()))
}

/// Where a redirect goes.
pub fn location(reply: &Reply) -> &str {
    reply.header(header::LOCATION)
}

/// A file in a multipart form.
pub struct FilePart<'a> {
    pub field: &'a str,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub bytes: &'a [u8],
}

/// A multipart body: its content type and bytes.
pub fn multipart(fields: &[(&str, &str)], files: &[FilePart<'_>]) -> (String, Vec<u8>) {
    let boundary = "chorus-test-boundary-7d1e";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for f in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
                f.field, f.file_name, f.content_type
            )
            .as_bytes(),
        );
        body.extend_from_slice(f.bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}
