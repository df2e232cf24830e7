//! Code blocks highlighted on the server: every class the highlighter writes begins with
//! [`CLASS_PREFIX`], so that a token's class (`comment`, `string`, `keyword`, ...) can never
//! meet a class of the page around it. The colours live in the stylesheet (one light and one
//! dark theme over the same selectors).

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::{self, Write};
use std::sync::OnceLock;

use comrak::adapters::SyntaxHighlighterAdapter;
use comrak::plugins::syntect::{SyntectAdapter, SyntectAdapterBuilder};

/// The prefix of every class inside a highlighted code block.
pub const CLASS_PREFIX: &str = "hl-";

/// The class of a highlighted block's `<pre>`.
pub const BLOCK_CLASS: &str = "hl-code";

/// What older versions wrote on a highlighted block's `<pre>`, with unprefixed token classes.
pub const OLD_BLOCK_CLASS: &str = "syntax-highlighting";

/// Comrak's syntect adapter with prefixed classes, and our own `<pre>` class.
pub struct Highlighter {
    syntect: SyntectAdapter,
}

pub fn highlighter() -> &'static Highlighter {
    static ADAPTER: OnceLock<Highlighter> = OnceLock::new();
    ADAPTER.get_or_init(|| Highlighter {
        syntect: SyntectAdapterBuilder::new()
            .css_with_class_prefix(CLASS_PREFIX)
            .build(),
    })
}

impl SyntaxHighlighterAdapter for Highlighter {
    fn write_highlighted(
        &self,
        output: &mut dyn Write,
        lang: Option<&str>,
        code: &str,
    ) -> fmt::Result {
        self.syntect.write_highlighted(output, lang, code)
    }

    fn write_pre_tag(
        &self,
        output: &mut dyn Write,
        _attributes: HashMap<&'static str, Cow<'_, str>>,
    ) -> fmt::Result {
        write!(output, "<pre class=\"{BLOCK_CLASS}\">")
    }

    fn write_code_tag(
        &self,
        output: &mut dyn Write,
        attributes: HashMap<&'static str, Cow<'_, str>>,
    ) -> fmt::Result {
        self.syntect.write_code_tag(output, attributes)
    }
}

/// Whether stored HTML was highlighted by an older version (unprefixed classes) and should be
/// rendered again.
pub fn has_old_highlighting(html: &str) -> bool {
    html.contains(&format!("<pre class=\"{OLD_BLOCK_CLASS}\">"))
}

/// `html` (as the sanitizer writes it) with the highlighting taken out of its code blocks:
/// each becomes `<pre><code class="language-x">` around plain text, as feed readers expect.
/// Text, entities and everything outside highlighted blocks are left as they are.
pub fn without_highlighting(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some((start, open_len)) = next_block(rest) {
        out.push_str(&rest[..start]);
        out.push_str("<pre>");
        let body = &rest[start + open_len..];
        let end = body.find("</pre>").unwrap_or(body.len());
        push_without_spans(&mut out, &body[..end]);
        rest = &body[end..];
    }
    out.push_str(rest);
    out
}

/// Where the next highlighted `<pre>` starts in `html`, and how long its opening tag is.
fn next_block(html: &str) -> Option<(usize, usize)> {
    [BLOCK_CLASS, OLD_BLOCK_CLASS]
        .iter()
        .filter_map(|class| {
            let tag = format!("<pre class=\"{class}\">");
            html.find(&tag).map(|i| (i, tag.len()))
        })
        .min()
}

/// Copies `code` without its `<span …>` and `</span>` tags. Inside a code block the text is
/// escaped, so every `<` starts a tag.
fn push_without_spans(out: &mut String, code: &str) {
    let mut rest = code;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        let tag = &rest[i..];
        let close = tag.find('>').map_or(tag.len(), |j| j + 1);
        let is_span = tag.starts_with("<span") || tag.starts_with("</span");
        if !is_span {
            out.push_str(&tag[..close]);
        }
        rest = &tag[close..];
    }
    out.push_str(rest);
}
