//! Remote interaction: where a reader's own server lets them reply to or follow something
//! given its URL or handle, found by WebFinger (the OStatus subscribe template Mastodon and
//! most fediverse servers publish).

use url::Url;

use crate::app::App;

/// The link relation of the interaction template.
pub const SUBSCRIBE_REL: &str = "http://ostatus.org/schema/1.0/subscribe";

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
/// a handle to follow), looked up for `client` (counted against it and against `host`).
pub async fn interaction_url(
    app: &App,
    client: std::net::IpAddr,
    user: &str,
    host: &str,
    uri: &str,
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
    let template = jrd
        .links
        .iter()
        .find(|l| l.rel.as_deref() == Some(SUBSCRIBE_REL))
        .and_then(|l| l.template.as_deref())
        .filter(|t| t.contains("{uri}"))
        .ok_or_else(|| InteractionError::NoTemplate(host.to_owned()))?;
    let encoded: String = url::form_urlencoded::byte_serialize(uri.as_bytes()).collect();
    let target = Url::parse(&template.replace("{uri}", &encoded))
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
