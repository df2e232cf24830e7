//! Remote interaction: where a reader's own server lets them reply to, like or follow
//! something given its URL or handle, found by WebFinger: the Activity Intents the server
//! advertises (FEP-3b86, Mastodon 4.6 and WordPress publish them), else the OStatus subscribe
//! template Mastodon and most fediverse servers publish.

use url::Url;

use crate::app::App;

/// The link relation of the interaction template.
pub const SUBSCRIBE_REL: &str = "http://ostatus.org/schema/1.0/subscribe";
/// Where the Activity Intents' link relations start (FEP-3b86).
pub const INTENT_REL: &str = "https://w3id.org/fep/3b86/";

/// What a reader wants to do from their own server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    Follow,
    Reply,
    Like,
    /// Open the object there (whatever they do with it then).
    Object,
}

impl Intent {
    /// The templates to try, best first: an intent's relation and the parameter its
    /// template must have. The subscribe template comes last, with `{uri}`.
    fn templates(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Intent::Follow => &[("Follow", "{object}"), ("Object", "{object}")],
            // Mastodon's `Create` intent shares text ({content}); only one that takes the
            // post answered ({inReplyTo}) writes a reply.
            Intent::Reply => &[("Create", "{inReplyTo}"), ("Object", "{object}")],
            Intent::Like => &[("Like", "{object}"), ("Object", "{object}")],
            Intent::Object => &[("Object", "{object}")],
        }
    }
}

/// The template for `intent` among WebFinger `links` (relation, template), with the
/// parameter to fill: an advertised intent first, else the subscribe template.
pub fn choose_template<'a>(
    links: impl Iterator<Item = (&'a str, &'a str)> + Clone,
    intent: Intent,
) -> Option<(&'a str, &'static str)> {
    let find = |rel: &str, param: &'static str| {
        links
            .clone()
            .find(|(r, t)| r.eq_ignore_ascii_case(rel) && t.contains(param))
            .map(|(_, t)| (t, param))
    };
    intent
        .templates()
        .iter()
        .find_map(|(name, param)| find(&format!("{INTENT_REL}{name}"), param))
        .or_else(|| find(SUBSCRIBE_REL, "{uri}"))
}

#[derive(Debug, thiserror::Error)]
pub enum InteractionError {
    #[error("“{0}” is not a fediverse address: write it like you@your.server")]
    BadHandle(String),
    #[error("{0} did not answer with the details of your account; check the address and try again")]
    Lookup(String),
    #[error("{0} does not offer a way to reply or follow from another site")]
    NoTemplate(String),
    #[error("too many lookups: {0}")]
    TooMany(String),
}

/// A reader's handle, checked: `(user, host)`. Accepts `you@server`, `@you@server` and
/// `acct:you@server`.
pub fn parse_handle(raw: &str) -> Result<(String, String), InteractionError> {
    let bad = || InteractionError::BadHandle(raw.trim().chars().take(100).collect());
    let acct = raw.trim();
    let acct = acct.strip_prefix("acct:").unwrap_or(acct);
    let acct = acct.strip_prefix('@').unwrap_or(acct);
    let (user, host) = acct.split_once('@').ok_or_else(bad)?;
    let user_ok = !user.is_empty()
        && user.len() <= 100
        && user
            .chars()
            .all(|c| c.is_alphanumeric() || "_.-+".contains(c));
    let url = Url::parse(&format!("https://{host}/")).map_err(|_| bad())?;
    let host_ok = !host.is_empty()
        && host.len() <= 255
        && url.path() == "/"
        && url.host_str().is_some()
        && url.username().is_empty()
        && !host.contains(['/', '?', '#', '@']);
    if !user_ok || !host_ok {
        return Err(bad());
    }
    Ok((user.to_owned(), host.to_ascii_lowercase()))
}

/// A reader's handle (see [`parse_handle`]) or their server alone (`social.example`,
/// `https://social.example/`). A server alone is asked about its own instance actor, which
/// Mastodon and GoToSocial name after their host (`social.example@social.example`): its
/// WebFinger answer carries the server's interaction template like any account's.
pub fn parse_handle_or_server(raw: &str) -> Result<(String, String), InteractionError> {
    let trimmed = raw.trim();
    let bare = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"))
        .unwrap_or(trimmed)
        .trim_end_matches('/');
    if bare.contains('@') || bare.is_empty() {
        return parse_handle(raw);
    }
    if !bare.contains('.') && !bare.contains(':') {
        // One word is more likely a name without its server than a server.
        return Err(InteractionError::BadHandle(
            trimmed.chars().take(100).collect(),
        ));
    }
    let (_, host) = parse_handle(&format!("instance@{bare}"))
        .map_err(|_| InteractionError::BadHandle(trimmed.chars().take(100).collect()))?;
    Ok((host.clone(), host))
}

/// The address on the reader's server that lets them act on `uri` (a post URL to reply to,
/// a handle or actor to follow), looked up for `client` (counted against it and against `host`).
pub async fn interaction_url(
    app: &App,
    client: std::net::IpAddr,
    user: &str,
    host: &str,
    uri: &str,
) -> Result<Url, InteractionError> {
    intent_url(app, client, (user, host), Intent::Object, uri, uri).await
}

/// The address on the reader's server (`reader`: user and host) for `intent` on `object` (a
/// post's or an actor's id), or on `subscribe_uri` when only the subscribe template is
/// offered (it also takes a handle), looked up for `client` (counted against it and against
/// the host).
pub async fn intent_url(
    app: &App,
    client: std::net::IpAddr,
    (user, host): (&str, &str),
    intent: Intent,
    object: &str,
    subscribe_uri: &str,
) -> Result<Url, InteractionError> {
    app.fed
        .lookups
        .may_look_up(client, host)
        .map_err(|e| InteractionError::TooMany(e.to_string()))?;
    if app.fed.lookups.look_up_failed_recently(host) {
        return Err(InteractionError::Lookup(host.to_owned()));
    }
    let data = app.fed.data();
    let jrd = super::remote::webfinger(&data, host, &format!("acct:{user}@{host}"))
        .await
        .map_err(|e| {
            tracing::debug!(%host, error = %e, "WebFinger lookup for remote interaction failed");
            // An unknown account is the reader's typo; an unreachable server stays so a while.
            if e.is_transient() {
                app.fed.lookups.look_up_failed(host);
            }
            InteractionError::Lookup(host.to_owned())
        })?;
    let links = jrd
        .links
        .iter()
        .filter_map(|l| Some((l.rel.as_deref()?, l.template.as_deref()?)));
    let (template, param) = choose_template(links, intent)
        .ok_or_else(|| InteractionError::NoTemplate(host.to_owned()))?;
    let value = if param == "{uri}" {
        subscribe_uri
    } else {
        object
    };
    let encoded: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
    let target = Url::parse(&template.replace(param, &encoded))
        .map_err(|_| InteractionError::NoTemplate(host.to_owned()))?;
    let scheme_ok = target.scheme() == "https"
        || (app.config.allow_private_networks && target.scheme() == "http");
    if !scheme_ok || target.host_str().is_none() {
        return Err(InteractionError::NoTemplate(host.to_owned()));
    }
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_are_checked() {
        assert_eq!(
            parse_handle(" @Pat@Social.Example ").unwrap(),
            ("Pat".into(), "social.example".into())
        );
        assert_eq!(
            parse_handle("acct:pat@social.example:8443").unwrap().1,
            "social.example:8443"
        );
        for bad in [
            "pat",
            "@pat",
            "pat@",
            "pat@social.example/path",
            "p t@x.example",
            "pat@x.example?a=b",
            "<b>@x.example",
            "a@b@c.example",
        ] {
            assert!(parse_handle(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn advertised_intents_come_before_the_subscribe_template() {
        let subscribe = (
            SUBSCRIBE_REL,
            "https://s.example/authorize_interaction?uri={uri}",
        );
        // What Mastodon 4.6 advertises: a share page and the object page.
        let mastodon = [
            subscribe,
            (
                "https://w3id.org/fep/3b86/Create",
                "https://s.example/share?text={content}",
            ),
            (
                "https://w3id.org/fep/3b86/Object",
                "https://s.example/authorize_interaction?uri={object}",
            ),
        ];
        let pick = |links: &[(&'static str, &'static str)], intent| {
            choose_template(links.iter().copied(), intent).map(|(t, p)| (t.to_owned(), p))
        };
        let object = Some((
            "https://s.example/authorize_interaction?uri={object}".to_owned(),
            "{object}",
        ));
        assert_eq!(
            pick(&mastodon, Intent::Reply),
            object,
            "sharing text is no reply"
        );
        assert_eq!(pick(&mastodon, Intent::Follow), object);
        assert_eq!(pick(&mastodon, Intent::Like), object);
        // A server that advertises each intent gets each one (relations match in any case).
        let full = [
            (
                "https://w3id.org/fep/3b86/follow",
                "https://w.example/follow?o={object}",
            ),
            (
                "https://w3id.org/fep/3b86/Create",
                "https://w.example/reply?to={inReplyTo}",
            ),
            (
                "https://w3id.org/fep/3b86/Like",
                "https://w.example/like?o={object}",
            ),
        ];
        assert_eq!(
            pick(&full, Intent::Follow).unwrap().0,
            "https://w.example/follow?o={object}"
        );
        assert_eq!(
            pick(&full, Intent::Reply).unwrap(),
            (
                "https://w.example/reply?to={inReplyTo}".to_owned(),
                "{inReplyTo}"
            )
        );
        assert_eq!(
            pick(&full, Intent::Like).unwrap().0,
            "https://w.example/like?o={object}"
        );
        // Older servers: the subscribe template; nothing usable: none.
        assert_eq!(pick(&[subscribe], Intent::Like).unwrap().1, "{uri}");
        let broken = [(
            "https://w3id.org/fep/3b86/Follow",
            "https://x.example/follow",
        )];
        assert_eq!(pick(&broken, Intent::Follow), None);
    }

    #[test]
    fn a_server_alone_names_its_instance_actor() {
        for raw in [
            "social.example",
            " https://Social.example/ ",
            "social.example",
        ] {
            assert_eq!(
                parse_handle_or_server(raw).unwrap(),
                ("social.example".into(), "social.example".into()),
                "{raw}"
            );
        }
        assert_eq!(
            parse_handle_or_server("localhost:8443").unwrap().1,
            "localhost:8443"
        );
        assert_eq!(
            parse_handle_or_server("@pat@social.example").unwrap().0,
            "pat"
        );
        for bad in [
            "pat",
            "",
            "social.example/path",
            "a b.example",
            "<b>.example",
        ] {
            assert!(parse_handle_or_server(bad).is_err(), "{bad}");
        }
    }
}
