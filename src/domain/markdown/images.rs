//! Images on other servers, written as raw HTML in a post, become links: `<img
//! src="https://cdn.other.example/cat.png" alt="a cat">` turns into `<a
//! href="https://cdn.other.example/cat.png">a cat</a>`, as Markdown images on other origins
//! already do. The reader keeps the description and the address; no page, feed or
//! ActivityPub copy makes a reader's browser or feed reader contact another server (trackers
//! included) just by being shown.
//!
//! The HTML is read with html5ever (through `scraper`), the parser the sanitizer uses, before
//! sanitizing: this step need not be safe on its own, since the sanitizer runs after it (and
//! drops the `src` of any foreign image left, see [`super::policy`]).

use html5ever::{Attribute, LocalName, QualName, ns};
use scraper::node::{Element, Text};
use scraper::{Html, Node};
use url::Url;

/// Whether `src`, in a page of `site`, loads from another origin: resolved as a browser
/// resolves it (`//host/x`, backslashes and tabs included), then compared by origin. An
/// address that does not resolve counts as foreign.
pub fn is_foreign(src: &str, site: &Url) -> bool {
    site.join(src).map_or(true, |u| u.origin() != site.origin())
}

/// `html` with every image from another origin than `site`'s replaced by a link to it,
/// labelled with its alt text (or its address when it has none).
pub fn link_foreign_images(html: &str, site: &Url) -> String {
    if !may_have_images(html) {
        return html.to_owned();
    }
    let mut doc = Html::parse_fragment(html);
    let foreign: Vec<_> = doc
        .tree
        .nodes()
        .filter_map(|node| {
            let el = node.value().as_element()?;
            let src = el.attr("src")?;
            (el.name() == "img" && is_foreign(src, site)).then(|| {
                let label = el
                    .attr("alt")
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .unwrap_or(src);
                (node.id(), src.to_owned(), label.to_owned())
            })
        })
        .collect();
    if foreign.is_empty() {
        return html.to_owned();
    }
    for (id, src, label) in foreign {
        let Some(mut img) = doc.tree.get_mut(id) else {
            continue;
        };
        let href = Attribute {
            name: QualName::new(None, ns!(), LocalName::from("href")),
            value: src.into(),
        };
        let link = Element::new(
            QualName::new(None, ns!(html), LocalName::from("a")),
            vec![href],
        );
        img.insert_before(Node::Element(link))
            .append(Node::Text(Text { text: label.into() }));
        img.detach();
    }
    doc.root_element().inner_html()
}

/// Whether `html` may hold an image element: html5ever makes one only of a tag named `img`
/// or `image`, so HTML without `<im` in any case has none.
fn may_have_images(html: &str) -> bool {
    html.as_bytes().windows(3).any(|w| {
        w[0] == b'<' && w[1].eq_ignore_ascii_case(&b'i') && w[2].eq_ignore_ascii_case(&b'm')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> Url {
        Url::parse("https://community.example/").unwrap()
    }

    #[test]
    fn foreign_images_become_links_with_their_description() {
        let html = r#"<p>A <img src="https://cdn.other.example/cat.png" alt="a cat &amp; a dog"> and <IMG SRC="//tracker.example/p.gif"> and <img src="/media/x.png" alt="ours"> <img src="https://community.example/media/y.png" alt="ours too"></p>"#;
        let out = link_foreign_images(html, &site());
        assert!(
            out.contains(r#"<a href="https://cdn.other.example/cat.png">a cat &amp; a dog</a>"#),
            "{out}"
        );
        assert!(
            out.contains(r#"<a href="//tracker.example/p.gif">//tracker.example/p.gif</a>"#),
            "{out}"
        );
        assert!(
            out.contains(r#"<img alt="ours" src="/media/x.png">"#),
            "{out}"
        );
        assert!(
            out.contains(r#"<img alt="ours too" src="https://community.example/media/y.png">"#),
            "{out}"
        );
        assert!(!out.contains("other.example/cat.png\" alt"), "{out}");
    }

    #[test]
    fn html_without_images_is_left_as_it_is() {
        let html = "<p>No <b>images</b> here, only <a href=\"https://x.example/\">a link</a>";
        assert_eq!(link_foreign_images(html, &site()), html);
    }

    #[test]
    fn odd_spellings_of_other_origins_are_foreign() {
        for src in [
            "https://cdn.other.example/x.png",
            "http://community.example/x.png",
            "https://community.example:8443/x.png",
            "//cdn.other.example/x.png",
            " //cdn.other.example/x.png",
            "\\\\cdn.other.example/x.png",
            "/\\cdn.other.example/x.png",
            "/\t/cdn.other.example/x.png",
            "data:image/png;base64,AAAA",
        ] {
            assert!(is_foreign(src, &site()), "{src}");
        }
        for src in [
            "/media/x.png",
            "media/x.png",
            "https://community.example/x.png",
        ] {
            assert!(!is_foreign(src, &site()), "{src}");
        }
    }
}
