//! Discovery: WebFinger (`acct:` handles and actor URLs), host-meta, NodeInfo 2.1.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use url::Url;

use crate::app::App;
use crate::cache::PageKey;
use crate::cache::Rendered;
use crate::domain::Username;
use crate::domain::site::RegistrationMode;
use crate::error::AppError;
use crate::federation::discovery;
use crate::storage::{posts, site, users};
use crate::urls;

#[derive(Deserialize)]
pub struct WebfingerQuery {
    resource: Option<String>,
}

/// The JRD's media type.
pub const JRD: &str = "application/jrd+json; charset=utf-8";

fn problem(status: StatusCode, message: &str) -> Response {
    let mut r = (status, format!("{message}\n")).into_response();
    r.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    r
}

/// `GET /.well-known/webfinger?resource=acct:alice@host` (or the actor URL). The answer comes
/// from the page cache, so a burst of lookups (a post boosted far and wide) reads no database.
pub async fn webfinger(
    State(app): State<App>,
    Query(q): Query<WebfingerQuery>,
    headers: HeaderMap,
) -> Response {
    let Some(resource) = q.resource.filter(|r| !r.trim().is_empty()) else {
        return problem(
            StatusCode::BAD_REQUEST,
            "the resource parameter is required",
        );
    };
    let Some(name) = local_name(&app, resource.trim()) else {
        return problem(StatusCode::NOT_FOUND, "no such account on this server");
    };
    let mut r = match super::render::page(&app, &PageKey::WebFinger { name }).await {
        Ok(page) => page.respond(&headers),
        Err(AppError::NotFound) => {
            return problem(StatusCode::NOT_FOUND, "no such account on this server");
        }
        Err(_) => return problem(StatusCode::SERVICE_UNAVAILABLE, "database unavailable"),
    };
    let h = r.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    r
}

/// The JRD of the local account or community `name`, rendered for the page cache.
pub async fn render_webfinger(app: &App, name: &str) -> Result<Rendered, AppError> {
    let site = site::get_site(&app.db).await?;
    let actor = if name == instance_name(app) {
        urls::instance(&app.config)
    } else if name == site.community_username {
        urls::group(&app.config, name)
    } else {
        let user = users::find_user_by_username(&app.db, name)
            .await?
            .ok_or(AppError::NotFound)?;
        urls::person(&app.config, user.username.as_str())
    };
    let jrd = discovery::jrd(&format!("acct:{name}@{}", app.config.domain()), &actor);
    let body = serde_json::to_string(&jrd).map_err(AppError::internal)?;
    Ok(Rendered::ok(JRD, body, None))
}

/// The instance actor's name: its `preferredUsername`, this server's host (with its port),
/// as Mastodon names its own. Servers that check the signer of every signed fetch by
/// WebFinger (GoToSocial) look it up as `acct:<host>@<host>`.
fn instance_name(app: &App) -> String {
    app.config.domain().to_ascii_lowercase()
}

/// `acct:Alice@host`, `alice@host`, `@alice@host` or `https://host/@alice` → `alice`,
/// when the host is ours; `acct:<host>@<host>` and the instance actor's URL → the instance
/// actor's name.
fn local_name(app: &App, resource: &str) -> Option<String> {
    let domain = app.config.domain();
    if resource.starts_with("http://") || resource.starts_with("https://") {
        let url = Url::parse(resource).ok()?;
        if !urls::is_local(&app.config, &url) {
            return None;
        }
        if url.path() == urls::instance(&app.config).path() {
            return Some(instance_name(app));
        }
        let segment = url.path().trim_start_matches('/');
        let name = segment.strip_prefix('@')?;
        return Username::parse(name)
            .ok()
            .map(|u| u.to_string())
            .or_else(|| Some(name.to_ascii_lowercase()));
    }
    let acct = resource
        .strip_prefix("acct:")
        .unwrap_or(resource)
        .trim_start_matches('@');
    let (name, host) = acct.rsplit_once('@')?;
    if !host.eq_ignore_ascii_case(&domain) || name.is_empty() {
        return None;
    }
    let lower = name.to_ascii_lowercase();
    if lower == instance_name(app) {
        return Some(lower);
    }
    lower
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_')
        .then_some(lower)
}

/// `GET /.well-known/host-meta`
pub async fn host_meta(State(app): State<App>) -> Response {
    let template = format!(
        "{}.well-known/webfinger?resource={{uri}}",
        app.config.base_url
    );
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">\n  \
         <Link rel=\"lrdd\" template=\"{}\"/>\n</XRD>\n",
        template.replace('&', "&amp;").replace('"', "&quot;")
    );
    let mut r = (StatusCode::OK, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xrd+xml; charset=utf-8"),
    );
    r.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    r
}

/// The NodeInfo versions served: each at `/nodeinfo/<version>`, with the content type its
/// schema names. Takahē reads only 2.0; most others read 2.1.
const NODEINFO_VERSIONS: [&str; 2] = ["2.0", "2.1"];

fn nodeinfo_schema(version: &str) -> String {
    format!("http://nodeinfo.diaspora.software/ns/schema/{version}")
}

/// `GET /.well-known/nodeinfo`: where each NodeInfo version is.
pub async fn nodeinfo_links(State(app): State<App>) -> Response {
    let links: Vec<_> = NODEINFO_VERSIONS
        .iter()
        .map(|v| json!({"rel": nodeinfo_schema(v), "href": app.config.url(&format!("/nodeinfo/{v}"))}))
        .collect();
    let body = json!({ "links": links });
    let mut r = (StatusCode::OK, body.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    r
}

/// `GET /nodeinfo/2.0` and `/nodeinfo/2.1`. Version 2.0's `software` has only a name and a
/// version; 2.1 adds the homepage.
pub async fn nodeinfo(State(app): State<App>, Path(version): Path<String>) -> Response {
    if !NODEINFO_VERSIONS.contains(&version.as_str()) {
        return problem(StatusCode::NOT_FOUND, "no such NodeInfo version");
    }
    let (users, local_posts, site, mode) = match tokio::try_join!(
        users::list_users(&app.db),
        posts::count_published(&app.db, posts::Listing::All),
        site::get_site(&app.db),
        site::registration_mode(&app.db),
    ) {
        Ok(v) => v,
        Err(_) => return problem(StatusCode::SERVICE_UNAVAILABLE, "database unavailable"),
    };
    let total = users.len();
    let mut software = json!({"name": "chorus", "version": env!("CARGO_PKG_VERSION")});
    if version == "2.1" {
        software["homepage"] = json!(app.config.base_url);
    }
    let body = json!({
        "version": version,
        "software": software,
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": ["atom1.0", "rss2.0"]},
        "openRegistrations": mode.parse::<RegistrationMode>().is_ok_and(RegistrationMode::is_open),
        "usage": {
            "users": {"total": total, "activeMonth": total, "activeHalfyear": total},
            "localPosts": local_posts,
        },
        "metadata": {"nodeName": site.title, "nodeDescription": site.description},
    });
    let content_type = format!(
        "application/json; profile=\"{}#\"",
        nodeinfo_schema(&version)
    );
    let mut r = (StatusCode::OK, body.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&content_type).expect("a valid content type"),
    );
    r.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    r
}
