//! IndieAuth's plain rules: which client ids and redirect addresses are acceptable, and the
//! PKCE check (RFC 7636, S256 only).

use base64::Engine;
use url::{Host, Url};

/// Why a client id or redirect address is refused. Shown on a page, never sent to the
/// client, as the redirect address cannot be trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientProblem {
    #[error("the request names no client_id")]
    NoClientId,
    #[error("the client_id {0:?} is not an http or https address with a host name")]
    BadClientId(String),
    #[error("the request names no redirect_uri")]
    NoRedirect,
    #[error("the redirect_uri {0:?} is not an http or https address")]
    BadRedirect(String),
    #[error(
        "the redirect_uri {redirect:?} is not on the client's own site ({client}); Chorus only sends codes back to the site that asked"
    )]
    OtherOrigin { redirect: String, client: String },
}

/// A client id as IndieAuth §3.2 allows it: http(s), a host that is a name or a loopback
/// address, no fragment, no user name or password, no `.` or `..` path segment.
pub fn client_id(raw: &str) -> Result<Url, ClientProblem> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(ClientProblem::NoClientId);
    }
    let bad = || ClientProblem::BadClientId(raw.to_owned());
    let url = Url::parse(raw).map_err(|_| bad())?;
    let host_ok = match url.host() {
        Some(Host::Domain(_)) => true,
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    let dotted = raw
        .split(['?', '#'])
        .next()
        .unwrap_or("")
        .split('/')
        .skip(3)
        .any(|s| s == "." || s == "..");
    if !matches!(url.scheme(), "http" | "https")
        || !host_ok
        || url.fragment().is_some()
        || !url.username().is_empty()
        || url.password().is_some()
        || dotted
    {
        return Err(bad());
    }
    Ok(url)
}

/// A redirect address for `client`: http(s), on the client's own origin (scheme, host and
/// port), without a fragment.
pub fn redirect_uri(client: &Url, raw: &str) -> Result<Url, ClientProblem> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(ClientProblem::NoRedirect);
    }
    let url = Url::parse(raw)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.fragment().is_none())
        .ok_or_else(|| ClientProblem::BadRedirect(raw.to_owned()))?;
    if url.origin() != client.origin() {
        return Err(ClientProblem::OtherOrigin {
            redirect: raw.to_owned(),
            client: client.origin().ascii_serialization(),
        });
    }
    Ok(url)
}

/// What a person is shown as the client's name: its host (and port, when not the default).
pub fn client_name(client: &Url) -> String {
    match (client.host_str(), client.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        _ => client.to_string(),
    }
}

/// Whether `challenge` is an S256 code challenge: 43 base64url characters (a SHA-256).
pub fn is_s256_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Whether `verifier` is a PKCE code verifier (43 to 128 unreserved characters) whose S256
/// transform is `challenge`, compared in constant time.
pub fn verifier_matches(verifier: &str, challenge: &str) -> bool {
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    if !well_formed {
        return false;
    }
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
    let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref());
    super::secrets::same_secret(&computed, challenge)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rfc_7636_example_verifier_matches_its_challenge_and_nothing_else_does() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(is_s256_challenge(challenge));
        assert!(verifier_matches(verifier, challenge));
        assert!(!verifier_matches(&verifier.replace('d', "e"), challenge));
        assert!(!verifier_matches("short", challenge));
        assert!(!verifier_matches(verifier, verifier));
        assert!(!is_s256_challenge("plain-challenge"));
    }

    #[test]
    fn client_ids_follow_the_indieauth_rules() {
        for ok in [
            "https://app.example/",
            "https://app.example/client?x=1",
            "http://127.0.0.1:8080/",
            "http://localhost:3000/app",
        ] {
            assert!(client_id(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "app.example",
            "ftp://app.example/",
            "https://app.example/#frag",
            "https://user:pw@app.example/",
            "https://app.example/a/../b",
            "https://10.0.0.1/",
            "mailto:me@app.example",
        ] {
            assert!(client_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_redirect_must_stay_on_the_client_origin() {
        let client = client_id("https://app.example/").unwrap();
        assert!(redirect_uri(&client, "https://app.example/callback?x=1").is_ok());
        for bad in [
            "https://evil.example/callback",
            "http://app.example/callback",
            "https://app.example:444/callback",
            "https://app.example/callback#x",
            "javascript:alert(1)",
        ] {
            assert!(redirect_uri(&client, bad).is_err(), "{bad}");
        }
        assert_eq!(
            client_name(&client_id("http://localhost:3000/").unwrap()),
            "localhost:3000"
        );
    }
}
