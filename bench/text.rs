//! Deterministic text for the benchmark: Markdown posts with code blocks for Chorus, and the
//! reference server's 20 KB HTML page built from the same kind of prose and code.

/// A small deterministic generator (xorshift64*), so every run seeds the same data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const WORDS: &[&str] = &[
    "the",
    "a",
    "parser",
    "server",
    "request",
    "community",
    "federation",
    "inbox",
    "follower",
    "signature",
    "cache",
    "page",
    "render",
    "compile",
    "borrow",
    "lifetime",
    "trait",
    "async",
    "runtime",
    "queue",
    "delivery",
    "database",
    "index",
    "query",
    "transaction",
    "writer",
    "reader",
    "feed",
    "atom",
    "release",
    "tutorial",
    "talk",
    "notes",
    "example",
    "we",
    "you",
    "it",
    "when",
    "because",
    "then",
    "so",
    "which",
    "returns",
    "handles",
    "stores",
    "sends",
    "reads",
    "measures",
    "keeps",
    "small",
    "fast",
    "simple",
    "careful",
    "memory",
    "thread",
    "socket",
    "error",
    "result",
    "option",
    "value",
    "function",
    "module",
    "and",
    "or",
    "of",
    "to",
    "in",
    "with",
    "for",
    "on",
    "is",
    "are",
    "this",
    "that",
    "every",
    "each",
];

const CODE: &[(&str, &str)] = &[
    (
        "rust",
        "use std::collections::HashMap;\n\n/// Counts words in `text`.\npub fn count(text: &str) -> HashMap<&str, usize> {\n    let mut counts = HashMap::new();\n    for word in text.split_whitespace() {\n        *counts.entry(word).or_insert(0) += 1;\n    }\n    counts\n}\n\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn counts_repeated_words() {\n        let c = super::count(\"a b a\");\n        assert_eq!(c[\"a\"], 2);\n    }\n}\n",
    ),
    (
        "python",
        "import json\nfrom pathlib import Path\n\n\ndef load(path: Path) -> dict:\n    \"\"\"Reads a JSON document and returns it.\"\"\"\n    with path.open() as f:\n        return json.load(f)\n\n\nfor item in load(Path(\"items.json\"))[\"items\"]:\n    if item.get(\"draft\"):\n        continue\n    print(f\"{item['title']}: {len(item['body'])} characters\")\n",
    ),
    (
        "javascript",
        "export async function fetchFeed(url) {\n  const response = await fetch(url, { headers: { accept: 'application/feed+json' } });\n  if (!response.ok) {\n    throw new Error(`feed answered ${response.status}`);\n  }\n  const feed = await response.json();\n  return feed.items.map((item) => ({ title: item.title, url: item.url }));\n}\n",
    ),
    (
        "sh",
        "#!/bin/sh\nset -eu\nfor f in posts/*.md; do\n  echo \"publishing $f\"\n  chorus post publish --author \"$AUTHOR\" \"$f\"\ndone\ncurl -fsS http://localhost:8080/healthz\n",
    ),
    (
        "go",
        "package main\n\nimport (\n\t\"fmt\"\n\t\"net/http\"\n)\n\nfunc main() {\n\thttp.HandleFunc(\"/\", func(w http.ResponseWriter, r *http.Request) {\n\t\tfmt.Fprintf(w, \"hello, %s\\n\", r.URL.Path[1:])\n\t})\n\thttp.ListenAndServe(\":8080\", nil)\n}\n",
    ),
];

const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ne", "ru", "sa", "te", "vi", "do", "pe", "fa", "go", "hu", "ji", "ze", "bo",
    "ca", "di", "el", "or", "un", "is", "at", "en", "ol", "ar", "im", "us", "ex", "on",
];

/// A common word most of the time, otherwise a made-up one, so the text compresses about as
/// well as real prose.
fn word(rng: &mut Rng) -> String {
    if rng.below(10) < 7 {
        return WORDS[rng.below(WORDS.len())].to_owned();
    }
    (0..2 + rng.below(2))
        .map(|_| SYLLABLES[rng.below(SYLLABLES.len())])
        .collect()
}

fn sentence(rng: &mut Rng) -> String {
    let n = 8 + rng.below(14);
    let mut s = String::with_capacity(n * 7);
    for i in 0..n {
        let w = word(rng);
        if i == 0 {
            s.push_str(&w[..1].to_ascii_uppercase());
            s.push_str(&w[1..]);
        } else {
            s.push(' ');
            s.push_str(&w);
        }
    }
    s.push('.');
    s
}

fn paragraph(rng: &mut Rng) -> String {
    let n = 3 + rng.below(4);
    (0..n).map(|_| sentence(rng)).collect::<Vec<_>>().join(" ")
}

/// The Markdown file of post `n` (slug `post-NNNN`), with `sections` headed sections of
/// prose and code.
pub fn post_markdown(n: usize, sections: usize, marker: &str) -> String {
    let mut rng = Rng::new(n as u64 + 1);
    let tags = [
        "rust",
        "federation",
        "databases",
        "talks",
        "tutorials",
        "release-notes",
    ];
    let mut md = format!(
        "---\ntitle: \"Notes {n}: {}\"\nslug: post-{n:04}\ntags: [{}, {}]\n---\n",
        sentence(&mut rng).trim_end_matches('.'),
        tags[n % tags.len()],
        tags[(n / 3 + 1) % tags.len()],
    );
    md.push_str(&paragraph(&mut rng));
    md.push_str(marker);
    md.push_str("\n\n");
    for s in 0..sections {
        md.push_str(&format!("## Part {}\n\n{}\n\n", s + 1, paragraph(&mut rng)));
        let (lang, code) = CODE[rng.below(CODE.len())];
        md.push_str(&format!(
            "```{lang}\n{code}```\n\n{}\n\n",
            paragraph(&mut rng)
        ));
        md.push_str(&format!(
            "- {}\n- {}\n\n",
            sentence(&mut rng),
            sentence(&mut rng)
        ));
    }
    md
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A complete HTML page of about `bytes` bytes (a little more): prose and highlighted code.
pub fn reference_page(bytes: usize) -> String {
    let mut rng = Rng::new(4242);
    let mut html = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Reference page</title>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <link rel=\"stylesheet\" href=\"/static/style.css\"></head><body><main><article><h1>Reference page</h1>\n",
    );
    let close = "</article></main></body></html>\n";
    while html.len() + close.len() < bytes {
        html.push_str(&format!(
            "<h2>{}</h2>\n<p>{}</p>\n",
            escape(&sentence(&mut rng)),
            escape(&paragraph(&mut rng))
        ));
        let (lang, code) = CODE[rng.below(CODE.len())];
        html.push_str(&format!(
            "<pre class=\"code\"><code class=\"language-{lang}\">"
        ));
        for line in code.lines() {
            for (i, token) in line.split(' ').enumerate() {
                if i > 0 {
                    html.push(' ');
                }
                let class = ["keyword", "string", "name", "comment"][token.len() % 4];
                html.push_str(&format!("<span class=\"{class}\">{}</span>", escape(token)));
            }
            html.push('\n');
        }
        html.push_str("</code></pre>\n");
    }
    html.push_str(close);
    html
}

/// A small actor-like JSON document (about the size of Chorus's own).
pub fn reference_json(public_key_pem: &str) -> String {
    serde_json::json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": "http://127.0.0.1/@reference",
        "type": "Person",
        "preferredUsername": "reference",
        "name": "Reference Example",
        "summary": "<p>A reference document served from memory.</p>",
        "url": "http://127.0.0.1/@reference",
        "inbox": "http://127.0.0.1/@reference/inbox",
        "outbox": "http://127.0.0.1/@reference/outbox",
        "followers": "http://127.0.0.1/@reference/followers",
        "following": "http://127.0.0.1/@reference/following",
        "endpoints": {"sharedInbox": "http://127.0.0.1/inbox"},
        "publicKey": {
            "id": "http://127.0.0.1/@reference#main-key",
            "owner": "http://127.0.0.1/@reference",
            "publicKeyPem": public_key_pem,
        },
    })
    .to_string()
}
