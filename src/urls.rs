//! Every URL of the site, in both directions: the paths pages link to, the ActivityPub ids
//! this server mints (ids never change: they are the identity of actors, posts and activities
//! on other servers), and reading a URL back into what it names.

use url::Url;

use crate::config::Config;

/// `/posts/{slug}`: a post's page and its Article id.
pub fn post_path(slug: &str) -> String {
    format!("/posts/{slug}")
}

/// `/webmention`: where other sites send Webmentions about our posts.
pub const WEBMENTION_PATH: &str = "/webmention";

/// `/@{username}`: an author's (or the community's) page and actor id.
pub fn author_path(username: &str) -> String {
    format!("/@{username}")
}

/// `/tags/{tag}`, the tag percent-encoded.
pub fn tag_path(tag: &str) -> String {
    let encoded: String = url::form_urlencoded::byte_serialize(tag.as_bytes()).collect();
    format!("/tags/{encoded}")
}

/// A series' page: `/series/{slug}` (slugs need no encoding).
pub fn series_path(slug: &str) -> String {
    format!("/series/{slug}")
}

/// `/micropub`: the Micropub endpoint, linked from every public page.
pub const MICROPUB_PATH: &str = "/micropub";
/// `/micropub/media`: the Micropub media endpoint.
pub const MICROPUB_MEDIA_PATH: &str = "/micropub/media";

/// A person's actor id, also their profile page: `https://host/@alice`.
pub fn person(config: &Config, username: &str) -> Url {
    config.url(&author_path(username))
}

/// The community group actor, also its page: `https://host/@community`.
pub fn group(config: &Config, community_username: &str) -> Url {
    config.url(&author_path(community_username))
}

/// The instance actor that signs outgoing fetches.
pub fn instance(config: &Config) -> Url {
    config.url("/actor")
}

/// `<actor>#main-key`
pub fn key_id(actor: &Url) -> String {
    format!("{actor}#main-key")
}

/// `<actor>#ed25519-key`: the actor's Ed25519 Multikey (FEP-521a), which signs proofs.
pub fn ed25519_key_id(actor: &Url) -> String {
    format!("{actor}#ed25519-key")
}

/// A collection or endpoint under an actor: `<actor>/inbox`, `<actor>/outbox`, ...
pub fn under(actor: &Url, leaf: &str) -> Url {
    let mut u = actor.clone();
    let path = format!("{}/{leaf}", actor.path().trim_end_matches('/'));
    u.set_path(&path);
    u.set_fragment(None);
    u
}

pub fn shared_inbox(config: &Config) -> Url {
    config.url("/inbox")
}

pub fn article(config: &Config, slug: &str) -> Url {
    config.url(&post_path(slug))
}

pub fn replies(config: &Config, slug: &str) -> Url {
    config.url(&format!("{}/replies", post_path(slug)))
}

/// A post's conversation (FEP-7888 `context`): the post and its comments.
pub fn context(config: &Config, slug: &str) -> Url {
    config.url(&format!("{}/context", post_path(slug)))
}

/// A series' conversation (FEP-7888 `context` of each of its parts): the parts in order,
/// each followed by its comments.
pub fn series_context(config: &Config, series_slug: &str) -> Url {
    config.url(&format!("{}/context", series_path(series_slug)))
}

pub fn tag(config: &Config, tag: &str) -> Url {
    config.url(&tag_path(tag))
}

/// A `QuoteAuthorization` this site issued: under its author's actor, so that it is on the
/// same host as the author (Mastodon refuses a stamp from any other host).
pub fn quote_authorization(config: &Config, username: &str, id: i64) -> Url {
    config.url(&format!(
        "{}/quote_authorizations/{id}",
        author_path(username)
    ))
}

/// A fresh id for an outgoing activity (time-ordered).
pub fn new_activity(config: &Config) -> Url {
    config.url(&format!("/activities/{}", uuid::Uuid::now_v7()))
}

/// IndieAuth and OAuth 2.0: the server metadata document (RFC 8414).
pub const INDIEAUTH_METADATA_PATH: &str = "/.well-known/oauth-authorization-server";
/// IndieAuth: the authorization endpoint (consent, and a profile-only code's redemption).
pub const AUTHORIZE_PATH: &str = "/indieauth/authorize";
/// Where the consent form is sent.
pub const CONSENT_PATH: &str = "/indieauth/authorize/consent";
/// IndieAuth: the token endpoint.
pub const TOKEN_PATH: &str = "/indieauth/token";
/// Token introspection (RFC 7662).
pub const INTROSPECTION_PATH: &str = "/indieauth/introspect";
/// Token revocation (RFC 7009).
pub const REVOCATION_PATH: &str = "/indieauth/revoke";

/// `/account/tokens/{id}/revoke`: the account page's Revoke button for one token.
pub fn revoke_token_path(id: i64) -> String {
    format!("/account/tokens/{id}/revoke")
}

/// Whether `url` belongs to this server.
pub fn is_local(config: &Config, url: &Url) -> bool {
    url.origin() == config.base_url.origin()
}

/// The name in one of our actor ids (`https://host/@alice` gives `alice`, in lower case);
/// `None` for anything else.
pub fn local_actor_name(config: &Config, url: &Url) -> Option<String> {
    if !is_local(config, url) {
        return None;
    }
    let name = url
        .path()
        .strip_prefix("/@")
        .filter(|n| !n.is_empty() && !n.contains('/'))?;
    Some(name.to_ascii_lowercase())
}

/// `https://site/posts/slug` (or `/posts/slug`) → `slug`.
pub fn slug_from_url(base: &Url, raw: &str) -> Option<String> {
    let url = base.join(raw.trim()).ok()?;
    if url.origin() != base.origin() {
        return None;
    }
    let mut segments = url.path_segments()?;
    match (segments.next(), segments.next(), segments.next()) {
        (Some("posts"), Some(slug), None) if !slug.is_empty() => Some(slug.to_owned()),
        _ => None,
    }
}

/// The instance a URL belongs to: `host`, or `host:port` for a non-default port; `None` for
/// anything that is not an http(s) URL with a host.
pub fn instance_of(url: &Url) -> Option<String> {
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let host = url.host_str()?.to_ascii_lowercase();
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    })
}

#[cfg(test)]
mod tests;
