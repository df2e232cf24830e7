//! What a reader types into the search box, read into terms that both databases' full-text
//! search accept without a syntax error, and the snippets they give back made safe to show.
//!
//! A query is words, `"quoted phrases"`, `-excluded` words or phrases, and `OR` between
//! alternatives. Everything else (FTS5 operators, `*`, `NEAR(`, `column:`, brackets, stray
//! quotes) is punctuation and separates words. Each word or phrase reaches the database
//! quoted, so no input can be read as an operator.

use crate::domain::html::escape;
use crate::domain::remote_html;

/// A longer query is refused (it would not find more, only cost more).
pub const MAX_QUERY_CHARS: usize = 256;
/// Words beyond this many are ignored.
pub const MAX_WORDS: usize = 16;
/// The start and end of a match in text the database marked (two private-use characters,
/// which are removed from every text before it is indexed).
pub const MARK_START: char = '\u{E000}';
pub const MARK_END: char = '\u{E001}';

/// A word or phrase to find, or (negated) to exclude.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// Lower-case words, in order: several make a phrase.
    pub words: Vec<String>,
    pub negated: bool,
}

/// A query read from what a reader typed: alternatives (joined by `OR`), each a list of terms
/// that must all match, with at least one that is not excluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    alternatives: Vec<Vec<Term>>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("That search is too long: use at most {MAX_QUERY_CHARS} characters.")]
    TooLong,
}

enum Token {
    Term(Term),
    Or,
}

impl SearchQuery {
    /// Reads `raw`; `Ok(None)` when it holds no word to search for.
    pub fn parse(raw: &str) -> Result<Option<SearchQuery>, QueryError> {
        if raw.chars().count() > MAX_QUERY_CHARS {
            return Err(QueryError::TooLong);
        }
        let mut alternatives = vec![Vec::new()];
        let mut words = 0;
        for token in tokens(raw) {
            match token {
                Token::Or => alternatives.push(Vec::new()),
                Token::Term(mut term) => {
                    if words >= MAX_WORDS {
                        break;
                    }
                    term.words.truncate(MAX_WORDS - words);
                    words += term.words.len();
                    alternatives
                        .last_mut()
                        .expect("there is always a current alternative")
                        .push(term);
                }
            }
        }
        alternatives.retain(|terms| terms.iter().any(|t| !t.negated));
        Ok((!alternatives.is_empty()).then_some(SearchQuery { alternatives }))
    }

    /// The query as an SQLite FTS5 `MATCH` expression: every word or phrase in double quotes.
    pub fn fts5(&self) -> String {
        self.alternatives
            .iter()
            .map(|terms| {
                let mut out = String::from("(");
                let wanted = terms.iter().filter(|t| !t.negated).map(quoted);
                out.push_str(&wanted.collect::<Vec<_>>().join(" "));
                for t in terms.iter().filter(|t| t.negated) {
                    out.push_str(" NOT ");
                    out.push_str(&quoted(t));
                }
                out.push(')');
                out
            })
            .collect::<Vec<_>>()
            .join(" OR ")
    }

    /// The query in the syntax of PostgreSQL's `websearch_to_tsquery`.
    pub fn websearch(&self) -> String {
        self.alternatives
            .iter()
            .map(|terms| {
                terms
                    .iter()
                    .map(|t| {
                        let sign = if t.negated { "-" } else { "" };
                        format!("{sign}{}", quoted(t))
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect::<Vec<_>>()
            .join(" or ")
    }

    /// The query written back in the search syntax, as the search box shows it.
    pub fn display(&self) -> String {
        self.websearch().replace(" or ", " OR ")
    }
}

fn quoted(t: &Term) -> String {
    format!("\"{}\"", t.words.join(" "))
}

/// Splits `raw` into terms and `OR`s.
fn tokens(raw: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut rest = raw.trim_start();
    while !rest.is_empty() {
        let negated = rest.len() > 1 && rest.starts_with('-');
        if negated {
            rest = &rest[1..];
        }
        let (text, phrase, tail) = if let Some(inner) = rest.strip_prefix('"') {
            let end = inner.find('"').unwrap_or(inner.len());
            (&inner[..end], true, inner.get(end + 1..).unwrap_or(""))
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            (&rest[..end], false, &rest[end..])
        };
        rest = tail.trim_start();
        if !negated && !phrase && text == "OR" {
            out.push(Token::Or);
            continue;
        }
        let words: Vec<String> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        if !words.is_empty() {
            out.push(Token::Term(Term { words, negated }));
        }
    }
    out
}

/// `text` as it is indexed: without the characters that mark matches.
pub fn index_text(text: &str) -> String {
    text.replace([MARK_START, MARK_END], "")
}

/// The text of a post body's HTML as it is indexed.
pub fn body_text(content_html: &str) -> String {
    index_text(&remote_html::plain_text(content_html))
}

/// Text with matches marked by the database, as HTML: the text escaped, each match in
/// `<mark>`. The marks always pair up, whatever the text holds.
pub fn marked_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    let mut open = false;
    let mut plain = String::new();
    for c in text.chars() {
        match c {
            MARK_START | MARK_END => {
                out.push_str(&escape(&plain));
                plain.clear();
                if (c == MARK_START) != open {
                    out.push_str(if open { "</mark>" } else { "<mark>" });
                    open = !open;
                }
            }
            _ => plain.push(c),
        }
    }
    out.push_str(&escape(&plain));
    if open {
        out.push_str("</mark>");
    }
    out
}

/// Whether the database marked a match in `text`.
pub fn has_match(text: &str) -> bool {
    text.contains(MARK_START)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> Option<SearchQuery> {
        SearchQuery::parse(raw).unwrap()
    }

    #[test]
    fn words_phrases_exclusions_and_alternatives() {
        let q = parse(r#"Rust "error handling" -async OR parsers"#).unwrap();
        assert_eq!(
            q.fts5(),
            r#"("rust" "error handling" NOT "async") OR ("parsers")"#
        );
        assert_eq!(
            q.websearch(),
            r#""rust" "error handling" -"async" or "parsers""#
        );
        assert_eq!(
            q.display(),
            r#""rust" "error handling" -"async" OR "parsers""#
        );
    }

    #[test]
    fn operators_and_stray_syntax_become_quoted_words() {
        for raw in [
            "\"",
            "AND AND",
            "*",
            "NEAR(",
            "a OR",
            "OR",
            "-",
            "--",
            "^",
            "title:x",
            "(a",
            "a)",
            "\"unclosed phrase",
            "x AND y NOT",
            "a*b",
            "'",
            "\\",
            "{col}: x",
            "-\"\"",
        ] {
            if let Some(q) = parse(raw) {
                let fts = q.fts5();
                // Only quoted words, parentheses around alternatives, and the keywords we add.
                let outside: String = fts.split('"').step_by(2).collect::<Vec<_>>().join("");
                let outside = outside.replace("NOT", "").replace("OR", "");
                assert!(
                    outside.chars().all(|c| matches!(c, '(' | ')' | ' ')),
                    "{raw:?} gave {fts:?}"
                );
                assert_eq!(fts.matches('"').count() % 2, 0, "{raw:?} gave {fts:?}");
            }
        }
        assert_eq!(parse("AND AND").unwrap().fts5(), r#"("and" "and")"#);
        assert_eq!(parse("NEAR(").unwrap().fts5(), r#"("near")"#);
        assert_eq!(parse("a*b").unwrap().fts5(), r#"("a b")"#);
    }

    #[test]
    fn nothing_to_search_for() {
        for raw in ["", "   ", "\"", "*", "OR", "-rust", "- ! ?", "\"\""] {
            assert_eq!(parse(raw), None, "{raw:?}");
        }
    }

    #[test]
    fn long_queries_are_refused_and_many_words_cut() {
        assert_eq!(
            SearchQuery::parse(&"a".repeat(10 * 1024)),
            Err(QueryError::TooLong)
        );
        let many = (0..40)
            .map(|i| format!("w{i}"))
            .collect::<Vec<_>>()
            .join(" ");
        let q = parse(&many).unwrap();
        assert_eq!(q.fts5().matches('"').count(), 2 * MAX_WORDS);
    }

    #[test]
    fn marks_become_mark_elements_and_text_stays_text() {
        let s = format!("<b>&{MARK_START}rust{MARK_END}</b>");
        assert_eq!(marked_html(&s), "&lt;b&gt;&amp;<mark>rust</mark>&lt;/b&gt;");
        // Unbalanced marks from hostile text still give balanced elements.
        let odd = format!("{MARK_END}a{MARK_START}{MARK_START}b");
        assert_eq!(marked_html(&odd), "a<mark>b</mark>");
        assert_eq!(index_text(&format!("x{MARK_START}y{MARK_END}")), "xy");
    }

    #[test]
    fn body_text_is_the_text_of_the_html() {
        assert_eq!(
            body_text("<p>Tom &amp; <em>Jerry</em></p><pre><code>let x = 1;</code></pre>"),
            "Tom & Jerry let x = 1;"
        );
    }
}
