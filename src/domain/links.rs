//! Addresses from other servers that we link to or keep: only absolute `http` and `https`
//! URLs with a host. A peer's `javascript:`, `data:` or any other scheme, however it is
//! spelled, never becomes a link on our pages, and ids and links that are not http(s) are
//! refused when they arrive.

use url::Url;

/// `s` as a link for our pages: the absolute http(s) URL with a host that a browser would
/// read it as, serialized anew; `None` for anything else.
pub fn http_url(s: &str) -> Option<String> {
    let url = Url::parse(s).ok()?;
    (matches!(url.scheme(), "http" | "https") && url.host().is_some()).then(|| url.into())
}

/// The first of `candidates` that is an http(s) URL, as [`http_url`] gives it.
pub fn first_http_url<'a>(candidates: impl IntoIterator<Item = Option<&'a str>>) -> Option<String> {
    candidates.into_iter().flatten().find_map(http_url)
}

/// Whether an id or link as a peer wrote it is an http(s) URL with a host, spelled plainly:
/// no surrounding or embedded whitespace or control characters, which URL parsers (ours and
/// browsers') would quietly drop, so that the string we keep is the URL we checked.
pub fn is_http_id(s: &str) -> bool {
    !s.chars().any(|c| c.is_whitespace() || c.is_control()) && http_url(s).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_and_https_urls_with_a_host_are_links() {
        assert_eq!(
            http_url("https://social.example/@pat").as_deref(),
            Some("https://social.example/@pat")
        );
        assert_eq!(
            http_url("HTTP://Social.Example").as_deref(),
            Some("http://social.example/")
        );
        for bad in [
            "javascript://social.example/%0Aalert(1)",
            "javascript:alert(1)",
            " javascript:alert(1)",
            "java\tscript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox(1)",
            "file:///etc/passwd",
            "mailto:pat@social.example",
            "/relative",
            "//social.example/x",
            "https://",
            "",
        ] {
            assert_eq!(http_url(bad), None, "{bad:?}");
            assert!(!is_http_id(bad), "{bad:?}");
        }
        assert_eq!(
            first_http_url([
                Some("javascript:alert(1)"),
                None,
                Some("https://a.example/x")
            ])
            .as_deref(),
            Some("https://a.example/x")
        );
    }

    #[test]
    fn ids_must_be_spelled_plainly() {
        assert!(is_http_id("https://social.example/users/pat/statuses/1"));
        for odd in [
            " https://social.example/x",
            "https://social.example/x\n",
            "https://social.\texample/x",
        ] {
            assert!(!is_http_id(odd), "{odd:?}");
        }
    }
}
