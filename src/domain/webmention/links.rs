//! Links in HTML, read with `scraper`: what a source links to (§3.2.2), a target's endpoint
//! from its `Link` headers and HTML (§3.1.2), and the outside links of a post.

use scraper::{Html, Selector};
use url::Url;

/// Elements and the attribute that holds their link, as the specification lists them.
const LINKING: &[(&str, &str)] = &[
    ("a[href]", "href"),
    ("area[href]", "href"),
    ("link[href]", "href"),
    ("img[src]", "src"),
    ("audio[src]", "src"),
    ("video[src]", "src"),
    ("source[src]", "src"),
    ("iframe[src]", "src"),
];

/// Whether the HTML page `html` (served at `base`) links to exactly `target`, relative URLs
/// resolved against the page's address.
pub fn links_to(html: &str, base: &Url, target: &Url) -> bool {
    let doc = Html::parse_document(html);
    LINKING.iter().any(|(css, attr)| {
        let selector = Selector::parse(css).expect("a valid selector");
        doc.select(&selector)
            .filter_map(|e| e.value().attr(attr))
            .filter_map(|raw| base.join(raw.trim()).ok())
            .any(|u| &u == target)
    })
}

/// The webmention endpoint of the page at `base`: the first `Link` header with
/// `rel="webmention"`, else the first `<link>` or `<a>` with that rel in document order; a
/// relative (or empty) address resolved against the page. Only http(s) endpoints.
pub fn discover_endpoint(link_headers: &[String], html: Option<&str>, base: &Url) -> Option<Url> {
    let from_header = link_headers
        .iter()
        .flat_map(|h| split_links(h))
        .find(|(_, rels)| has_webmention(rels))
        .map(|(href, _)| href);
    let found = from_header.or_else(|| {
        let doc = Html::parse_document(html?);
        let selector = Selector::parse("link[rel][href], a[rel][href]").expect("a valid selector");
        doc.select(&selector)
            .find(|e| e.value().attr("rel").is_some_and(has_webmention))
            .and_then(|e| e.value().attr("href").map(str::to_owned))
    })?;
    let url = base.join(found.trim()).ok()?;
    matches!(url.scheme(), "http" | "https").then_some(url)
}

fn has_webmention(rels: &str) -> bool {
    rels.split_ascii_whitespace()
        .any(|r| r.eq_ignore_ascii_case("webmention"))
}

/// The `(target, rel)` pairs of one `Link` header value (RFC 8288): `<url>; rel="a b", ...`.
fn split_links(value: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = value;
    while let Some(start) = rest.find('<') {
        let Some(end) = rest[start..].find('>') else {
            break;
        };
        let href = rest[start + 1..start + end].to_owned();
        rest = &rest[start + end + 1..];
        // The parameters run to the next link (a comma outside quotes) or the end.
        let mut quoted = false;
        let params_end = rest
            .char_indices()
            .find(|&(_, c)| {
                if c == '"' {
                    quoted = !quoted;
                }
                c == ',' && !quoted
            })
            .map_or(rest.len(), |(i, _)| i);
        let rel = rest[..params_end]
            .split(';')
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("rel"))
            .map(|(_, v)| v.trim().trim_matches('"').to_owned())
            .unwrap_or_default();
        out.push((href, rel));
        rest = &rest[params_end..];
    }
    out
}

/// The http(s) links of a post's HTML (served at `page`) that lead off the site, each once,
/// in order.
pub fn external_links(html: &str, page: &Url) -> Vec<Url> {
    let doc = Html::parse_fragment(html);
    let selector = Selector::parse("a[href]").expect("a valid selector");
    let mut out: Vec<Url> = Vec::new();
    for raw in doc.select(&selector).filter_map(|e| e.value().attr("href")) {
        let Ok(mut url) = page.join(raw.trim()) else {
            continue;
        };
        url.set_fragment(None);
        let external = matches!(url.scheme(), "http" | "https")
            && url.host().is_some()
            && url.origin() != page.origin();
        if external && !out.contains(&url) {
            out.push(url);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn a_relative_link_to_the_target_counts_and_a_similar_one_does_not() {
        let base = url("https://blog.example/notes/1");
        let target = url("https://blog.example/posts/hello");
        assert!(links_to(
            r#"<p><a href="../posts/hello">x</a></p>"#,
            &base,
            &target
        ));
        assert!(links_to(r#"<img src="/posts/hello">"#, &base, &target));
        assert!(!links_to(
            r#"<a href="/posts/hello-world">x</a>"#,
            &base,
            &target
        ));
        assert!(!links_to(
            "<p>https://blog.example/posts/hello</p>",
            &base,
            &target
        ));
    }

    #[test]
    fn the_link_header_comes_first_and_relative_endpoints_are_resolved() {
        let base = url("https://site.example/a/page");
        let headers = vec![
            r#"<https://other.example/x>; rel="alternate", </wm?x=1>; rel="webmention other""#
                .to_owned(),
        ];
        let html = r#"<link rel="webmention" href="/from-html">"#;
        assert_eq!(
            discover_endpoint(&headers, Some(html), &base)
                .unwrap()
                .as_str(),
            "https://site.example/wm?x=1"
        );
        assert_eq!(
            discover_endpoint(&[], Some(html), &base).unwrap().as_str(),
            "https://site.example/from-html"
        );
        let empty = r#"<a rel="webmention" href="">here</a>"#;
        assert_eq!(
            discover_endpoint(&[], Some(empty), &base).unwrap().as_str(),
            "https://site.example/a/page"
        );
        assert!(discover_endpoint(&[], Some("<p>none</p>"), &base).is_none());
    }

    #[test]
    fn only_links_off_the_site_are_external() {
        let page = url("https://chorus.example/posts/one");
        let html = r##"<a href="https://a.example/x#part">a</a> <a href="/posts/two">b</a>
            <a href="https://a.example/x">again</a> <a href="mailto:x@y">m</a> <a href="#top">t</a>"##;
        let found: Vec<String> = external_links(html, &page)
            .into_iter()
            .map(String::from)
            .collect();
        assert_eq!(found, vec!["https://a.example/x"]);
    }
}
