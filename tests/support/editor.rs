//! A writer signed in to the editor, for the editor and media tests: session cookie, CSRF
//! token, same-origin headers, forms read from pages and sent back (URL-encoded or
//! multipart), images to upload.

use axum::body::Body;
use axum::http::{Request, header};
use chorus::domain::Role;
use chorus::domain::secrets::token_hash;
use chorus::storage::sessions;
use chorus::web::auth::start_session;

use super::forms::{FilePart, multipart};
use super::{BASE_URL, Reply, TestApp, select};

/// A person signed in to `site`.
pub struct Writer<'a> {
    pub site: &'a TestApp,
    pub cookie: String,
    pub csrf: String,
}

impl<'a> Writer<'a> {
    /// Creates an account with `role` and signs it in.
    pub async fn sign_up(site: &'a TestApp, name: &str, role: Role) -> Writer<'a> {
        let user = site.create_user(name, role).await;
        let set_cookie = start_session(&site.app, &user, "editor test")
            .await
            .expect("a session");
        let cookie = set_cookie
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let token = cookie.split_once('=').unwrap().1;
        let session = sessions::find_live_session(
            &site.app.db,
            &token_hash(token),
            chorus::domain::time::now(),
        )
        .await
        .unwrap()
        .expect("the session exists");
        Writer {
            site,
            cookie,
            csrf: session.csrf_token,
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.get_with(path, &[]).await
    }

    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut all = vec![("cookie", self.cookie.as_str())];
        all.extend_from_slice(headers);
        self.site.get_with(path, &all).await
    }

    /// A request as a browser sends it from a page of this site; `extra` headers replace
    /// those, and an empty value leaves a header out.
    fn request(
        &self,
        path: &str,
        content_type: &str,
        extra: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Request<Body> {
        let mut r = Request::builder()
            .method("POST")
            .uri(path)
            .body(Body::from(body))
            .unwrap();
        let h = r.headers_mut();
        let defaults = [
            ("content-type", content_type),
            ("cookie", self.cookie.as_str()),
            ("origin", BASE_URL),
            ("sec-fetch-site", "same-origin"),
        ];
        for (k, v) in defaults.iter().chain(extra) {
            let name = header::HeaderName::from_bytes(k.as_bytes()).unwrap();
            if v.is_empty() {
                h.remove(&name);
            } else {
                h.insert(name, header::HeaderValue::from_str(v).unwrap());
            }
        }
        r
    }

    /// POSTs URL-encoded `fields` exactly as given (no token added).
    pub async fn post_raw(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        extra: &[(&str, &str)],
    ) -> Reply {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let request = self.request(
            path,
            "application/x-www-form-urlencoded",
            extra,
            body.into_bytes(),
        );
        self.site.send(request).await
    }

    /// POSTs `fields` with this session's CSRF token.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all, &[]).await
    }

    /// POSTs a multipart form (text fields and files) with this session's CSRF token.
    pub async fn post_multipart(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[FilePart<'_>],
        extra: &[(&str, &str)],
    ) -> Reply {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        let (content_type, body) = multipart(&all, files);
        let request = self.request(path, &content_type, extra, body);
        self.site.send(request).await
    }

    /// Reads the form `selector` on the page at `path`, changes `changes`, presses the button
    /// with `action` (the value of the `action` field) and sends it.
    pub async fn submit(
        &self,
        path: &str,
        selector: &str,
        changes: &[(&str, &str)],
        action: &str,
    ) -> Reply {
        let page = self.get(path).await;
        assert_eq!(page.status, 200, "GET {path}: {}", page.text());
        let (target, mut fields) = read_form(&page, selector);
        for (name, value) in changes {
            match fields.iter_mut().find(|(k, _)| k == name) {
                Some(f) => f.1 = (*value).to_owned(),
                None => fields.push(((*name).to_owned(), (*value).to_owned())),
            }
        }
        fields.push(("action".into(), action.into()));
        let pairs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        self.post_raw(&target, &pairs, &[]).await
    }
}

/// A form's target and the values its fields would send (files and buttons left out).
pub fn read_form(page: &Reply, selector: &str) -> (String, Vec<(String, String)>) {
    let html = page.html();
    let forms = select(&html, selector);
    let form = forms
        .first()
        .unwrap_or_else(|| panic!("no form {selector}"));
    let target = form.value().attr("action").unwrap_or("").to_owned();
    let mut fields = Vec::new();
    let control = scraper::Selector::parse("input, textarea, select").unwrap();
    for el in form.select(&control) {
        let v = el.value();
        let Some(name) = v.attr("name") else { continue };
        match v.name() {
            "input" if matches!(v.attr("type"), Some("file" | "submit" | "button")) => {}
            "input" => fields.push((name.to_owned(), v.attr("value").unwrap_or("").to_owned())),
            "textarea" => fields.push((name.to_owned(), el.text().collect::<String>())),
            _ => {
                let option = scraper::Selector::parse("option[selected]").unwrap();
                let value = el
                    .select(&option)
                    .next()
                    .and_then(|o| o.value().attr("value"))
                    .unwrap_or("");
                fields.push((name.to_owned(), value.to_owned()));
            }
        }
    }
    (target, fields)
}

/// Where a redirect goes.
pub fn location(reply: &Reply) -> String {
    assert!(
        reply.status.is_redirection(),
        "expected a redirect, got {}: {}",
        reply.status,
        reply.text()
    );
    reply.header("location").to_owned()
}

/// The id in `/editor/posts/{id}?…`.
pub fn post_id(location: &str) -> i64 {
    location
        .trim_start_matches("/editor/posts/")
        .split(['?', '/'])
        .next()
        .unwrap()
        .parse()
        .expect("a post id")
}

/// What every page of the signed-in area must be: one h1, landmarks, a label for every
/// control, no inline script or style, scripts only from this site.
pub fn check_ui_page(page: &Reply, what: &str) {
    let html = page.html();
    assert_eq!(select(&html, "h1").len(), 1, "{what}: one h1");
    assert_eq!(select(&html, "main").len(), 1, "{what}: one main");
    assert!(
        !select(&html, "header nav").is_empty(),
        "{what}: a nav landmark"
    );
    for el in select(&html, "input, textarea, select") {
        let v = el.value();
        if v.attr("type") == Some("hidden") {
            continue;
        }
        let id = v
            .attr("id")
            .unwrap_or_else(|| panic!("{what}: a control without id: {}", el.html()));
        assert_eq!(
            select(&html, &format!("label[for='{id}']")).len(),
            1,
            "{what}: no label for #{id}"
        );
    }
    for el in select(&html, "*") {
        for (name, _) in el.value().attrs() {
            assert!(
                name != "style" && !name.starts_with("on"),
                "{what}: inline {name}= on <{}>",
                el.value().name()
            );
        }
    }
    for script in select(&html, "script") {
        let src = script
            .value()
            .attr("src")
            .unwrap_or_else(|| panic!("{what}: an inline script"));
        assert!(src.starts_with("/static/"), "{what}: script from {src}");
    }
    for img in select(&html, "img") {
        assert!(
            img.value().attr("alt").is_some(),
            "{what}: an image without alt"
        );
    }
}

/// Files under the site's media folder.
pub fn media_files(site: &TestApp) -> Vec<std::path::PathBuf> {
    let dir = site.app.config.data_dir.join("media");
    let mut files: Vec<_> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    files
}

/// The kinds of the activities `username`'s actor has queued, oldest first.
pub async fn sent_by(site: &TestApp, username: &str) -> Vec<String> {
    let user = site.user(username).await;
    let local = chorus::federation::keys::person_actor(&site.app, user.id)
        .await
        .unwrap();
    let sql =
        "SELECT kind FROM outgoing_activities WHERE local_actor_id = $1 ORDER BY created_at, id";
    match &site.app.db {
        chorus::storage::Db::Sqlite(p) => sqlx::query_scalar(sql).bind(local.id).fetch_all(p).await,
        chorus::storage::Db::Postgres(p) => {
            sqlx::query_scalar(sql).bind(local.id).fetch_all(p).await
        }
    }
    .unwrap()
}
