//! Every URL Chorus answers, in one table, grouped by who calls it. The handlers live in
//! their own files; this is where to look for "what answers `/x`?".

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use super::admin::{blocks, federation, overview, reports, settings, users};
use super::auth::{account, csrf, login, reset};
use super::editor::{confirm, edit, list, media as editor_media, preview};
use super::*;
use crate::app::App;
use crate::error::AppError;
use crate::inbox::INBOX_MAX_BYTES;
use crate::urls;

/// The whole site.
pub fn router(app: App) -> Router {
    Router::new()
        .merge(readers())
        .merge(authors(&app))
        .merge(admins(&app))
        .merge(peers())
        .merge(indieauth_clients())
        .merge(operators())
        .merge(clients(&app))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            error_pages::in_layout,
        ))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            old_urls::redirect,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(tower::util::MapResponseLayer::new(
            headers::security_headers as fn(Response) -> Response,
        ))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(CatchPanicLayer::new())
        .layer(TraceLayer::new_for_http())
        .layer(axum::middleware::from_fn(metrics::record))
        .with_state(app)
}

/// Public pages, feeds and files: anyone, signed in or not. Pages and feeds come from the
/// page cache; the same post and author URLs answer ActivityPub clients too.
fn readers() -> Router<App> {
    Router::new()
        .route("/", get(front::home))
        .route("/subscribe", get(front::subscribe))
        .route("/series/{slug}", get(series::page))
        .route("/series/{slug}/{feed}", get(series::feed))
        .route("/posts/{slug}", get(pages::post))
        .route("/tags/{tag}", get(pages::tag))
        .route("/tags/{tag}/{feed}", get(feeds::tag_feed))
        .route("/{handle}", get(pages::author))
        // An author's feeds, and their ActivityPub collections (outbox, followers, ...).
        .route("/{handle}/{leaf}", get(pages::author_leaf))
        .route("/feed.xml", get(feeds::site_rss))
        .route("/atom.xml", get(feeds::site_atom))
        .route("/feed.json", get(feeds::site_json))
        .route("/sitemap.xml", get(sitemap::sitemap))
        .route("/robots.txt", get(sitemap::robots))
        .route("/static/{name}", get(static_files::serve))
        .route("/media/{file}", get(media::serve))
        .route("/avatars/{file}", get(avatars::stored))
        .route("/avatars/initials/{name}", get(avatars::initials))
        .route("/interact", get(interact::interact))
        .route("/search", get(search::search))
        .route("/opensearch.xml", get(search::opensearch))
}

/// Writers and moderators: signing in and registering, the editor, one's account, profile and invites, the
/// moderation queue and notifications, community amplification. Forms must come from this
/// site (checked by the CSRF layer and each form's token); nothing here is cached.
fn authors(app: &App) -> Router<App> {
    Router::new()
        .route("/login", get(login::login_page).post(login::login))
        .route("/logout", post(login::logout))
        .route("/setup", get(login::setup_page).post(login::setup))
        .route(
            "/register",
            get(register::register_page).post(register::register),
        )
        .route("/reset", get(reset::reset_page).post(reset::reset))
        .route("/account", get(account::account))
        .route("/account/password", post(account::change_password))
        .route("/account/export", get(account::download_export))
        .route("/account/time-zone", post(account::set_time_zone))
        .route("/account/can-edit", get(edit_links::can_edit))
        .route(
            "/account/tokens/{id}/revoke",
            post(indieauth::tokens::revoke),
        )
        .route(urls::CONSENT_PATH, post(indieauth::consent::decide))
        .route(
            "/account/sessions/end-others",
            post(account::end_other_sessions),
        )
        .route(
            "/account/profile",
            get(profile::profile_page).post(profile::save_profile),
        )
        .route(
            "/account/profile/{which}",
            post(profile::upload_picture)
                .layer(DefaultBodyLimit::max(profile::PICTURE_FORM_MAX_BYTES)),
        )
        .route(
            "/account/profile/images/remove",
            post(profile::remove_picture),
        )
        .route("/account/followers", get(profile::followers))
        .route(
            "/account/followers/{id}/remove",
            get(profile::confirm_remove).post(profile::remove),
        )
        .route("/account/move", get(moving::show))
        .route("/account/move/aliases", post(moving::add_alias))
        .route("/account/move/aliases/remove", post(moving::remove_alias))
        .route("/account/move/out", post(moving::move_out))
        .route("/account/invites", get(invites::list).post(invites::create))
        .route("/account/invites/revoke", post(invites::revoke))
        .route("/editor", get(list::list))
        .route("/editor/new", get(edit::new_post).post(edit::create))
        .route(
            "/editor/posts/{id}",
            get(edit::edit_post).post(edit::update),
        )
        .route(
            "/editor/posts/{id}/unpublish",
            get(confirm::unpublish_page).post(confirm::unpublish),
        )
        .route(
            "/editor/posts/{id}/delete",
            get(confirm::delete_page).post(confirm::delete),
        )
        .route("/editor/posts/{id}/pin", post(confirm::pin))
        .route("/editor/preview", post(preview::preview))
        .route(
            "/editor/media",
            get(editor_media::library)
                .post(editor_media::upload)
                .layer(DefaultBodyLimit::max(editor::UPLOAD_MAX_BYTES)),
        )
        .route("/editor/media/{id}", post(editor_media::set_alt))
        .route("/moderation", get(moderation::queue))
        .route("/moderation/comments/{id}", post(moderation::act))
        .route("/notifications", get(notifications::page))
        .route("/quotes", get(quotes::list))
        .route("/quotes/{id}/revoke", post(quotes::revoke))
        .route("/quotes/{id}/decide", post(quotes::decide))
        .route("/review/posts/{id}/send-back", post(review::send_back))
        .route(
            "/community/amplify",
            get(community::page).post(community::add),
        )
        .route("/community/amplify/remove", post(community::remove))
        .layer(DefaultBodyLimit::max(editor::FORM_MAX_BYTES))
        .layer(signed_in_layers(app))
        .layer(csrf::layer(app))
}

/// Administrators: accounts, site settings, blocked domains, reports.
fn admins(app: &App) -> Router<App> {
    Router::new()
        .route("/admin", get(overview::index))
        .route("/admin/registration", post(overview::switch_registration))
        .route("/admin/users", get(users::list))
        .route("/admin/users/{id}/role", post(users::change_role))
        .route("/admin/users/{id}/status", post(users::change_status))
        .route("/admin/users/{id}/reset", post(users::issue_reset))
        .route("/admin/site", get(settings::page).post(settings::save))
        .route(
            "/admin/site/avatar",
            post(settings::upload_avatar)
                .layer(DefaultBodyLimit::max(profile::PICTURE_FORM_MAX_BYTES)),
        )
        .route("/admin/site/avatar/remove", post(settings::remove_avatar))
        .route("/admin/blocks", get(blocks::list).post(blocks::add))
        .route("/admin/blocks/remove", post(blocks::remove))
        .route("/admin/reports", get(reports::list))
        .route("/admin/federation", get(federation::show))
        .route("/admin/federation/retry", post(federation::retry))
        .route("/admin/reports/{id}/resolve", post(reports::resolve))
        .route("/admin/reports/{id}/forward", post(reports::forward))
        .layer(signed_in_layers(app))
        .layer(csrf::layer(app))
}

/// Other servers: discovery, the instance actor, the inboxes (signed POSTs of at most
/// [`INBOX_MAX_BYTES`]), activities and collections by id.
fn peers() -> Router<App> {
    Router::new()
        .route("/.well-known/webfinger", get(discovery::webfinger))
        .route("/.well-known/host-meta", get(discovery::host_meta))
        .route("/.well-known/nodeinfo", get(discovery::nodeinfo_links))
        .route("/nodeinfo/{version}", get(discovery::nodeinfo))
        .route("/actor", get(activitypub::instance_actor))
        .route("/actor/outbox", get(activitypub::instance_outbox))
        .route("/inbox", post(inbox::shared_inbox))
        .route("/{handle}/inbox", post(inbox::actor_inbox))
        .route("/{handle}/quote_authorizations/{id}", get(quotes::stamp))
        .route(
            "/{handle}/followers_synchronization",
            get(synchronization::partial_followers),
        )
        .route("/activities/{id}", get(activitypub::activity))
        .route("/posts/{slug}/activity", get(activitypub::create_activity))
        .route(
            "/posts/{slug}/announce",
            get(activitypub::announce_activity),
        )
        .route("/posts/{slug}/replies", get(activitypub::replies))
        .route(crate::urls::WEBMENTION_PATH, post(webmention::receive))
        .route("/posts/{slug}/context", get(contexts::context))
        .route("/series/{slug}/context", get(contexts::series))
        .layer(DefaultBodyLimit::max(INBOX_MAX_BYTES))
}

/// Writing apps with a bearer token: the Micropub endpoint and its media endpoint.
fn clients(app: &App) -> Router<App> {
    use crate::urls::{MICROPUB_MEDIA_PATH, MICROPUB_PATH};
    Router::new()
        .route(
            MICROPUB_PATH,
            get(micropub::get)
                .post(micropub::post)
                .layer(DefaultBodyLimit::max(editor::FORM_MAX_BYTES)),
        )
        .route(
            MICROPUB_MEDIA_PATH,
            post(micropub::media_upload).layer(DefaultBodyLimit::max(editor::UPLOAD_MAX_BYTES)),
        )
        .layer(signed_in_layers(app))
}

/// IndieAuth clients and the servers they post to: metadata, the authorization endpoint (its
/// consent form is the authors' above), tokens. Clients post from anywhere, so no CSRF layer;
/// nothing here is stored by caches.
fn indieauth_clients() -> Router<App> {
    Router::new()
        .route(
            urls::INDIEAUTH_METADATA_PATH,
            get(indieauth::metadata::document),
        )
        .route(
            urls::AUTHORIZE_PATH,
            get(indieauth::authorize::page).post(indieauth::authorize::redeem),
        )
        .route(urls::TOKEN_PATH, post(indieauth::token::token))
        .route(
            urls::INTROSPECTION_PATH,
            post(indieauth::introspect::introspect),
        )
        .route(urls::REVOCATION_PATH, post(indieauth::token::revoke))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
}

/// Whoever runs the server: the health check.
fn operators() -> Router<App> {
    Router::new().route("/healthz", get(healthz))
}

/// Pages behind a sign-in are never stored by browsers or proxies.
fn signed_in_layers(_app: &App) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    )
}

/// What no route answers: a redirect (308) to the path without empty segments when it has
/// any (a trailing slash, as Takahē writes tag links), else 404.
async fn not_found(uri: axum::http::Uri) -> Response {
    let path = uri.path();
    let mut canonical = String::with_capacity(path.len());
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        canonical.push('/');
        canonical.push_str(segment);
    }
    if canonical.is_empty() || canonical == path {
        return AppError::NotFound.into_response();
    }
    if let Some(query) = uri.query() {
        canonical.push('?');
        canonical.push_str(query);
    }
    axum::response::Redirect::permanent(&canonical).into_response()
}
