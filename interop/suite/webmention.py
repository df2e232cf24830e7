"""Webmention from an independent sender: a loopback web page (Python's http.server) with a
microformats2 h-entry replying to a Chorus post. The endpoint is discovered from the post page
with `requests` (the `Link` header, then the HTML's rels as PyPI `mf2py` reads them), the
Webmention is sent as a plain form POST, and the reply is looked for on the post page with
`mf2py`: an h-cite comment with the author's name, the reply's text and the source's URL.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import mf2py
import requests

from .common import Chorus, Results, free_port, wait_for

PEER = "mf2py + requests (Webmention sender)"
REPLY_TEXT = "Thanks for writing this up; it answered my question."
AUTHOR = "Ivy Indie"


def reply_page(target: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>A reply</title></head>
<body>
<article class="h-entry">
  <a class="p-author h-card" href="/">{AUTHOR}</a>
  <p>In reply to <a class="u-in-reply-to" href="{target}">a post on Chorus</a></p>
  <div class="e-content"><p>{REPLY_TEXT}</p></div>
  <time class="dt-published" datetime="2026-12-01T09:30:00Z">1 December 2026</time>
</article>
</body></html>
"""


class _Pages(BaseHTTPRequestHandler):
    pages: dict[str, str] = {}

    def do_GET(self):  # noqa: N802 (http.server's naming)
        body = self.pages.get(self.path)
        if body is None:
            self.send_response(404)
            self.end_headers()
            return
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def discover(post_url: str) -> tuple[str | None, str | None]:
    """The endpoint named by the `Link` header, and the one named in the HTML (via mf2py)."""
    r = requests.get(post_url, timeout=15)
    r.raise_for_status()
    by_header = r.links.get("webmention", {}).get("url")
    rels = mf2py.parse(doc=r.text, url=r.url).get("rels", {})
    by_html = (rels.get("webmention") or [None])[0]
    return by_header, by_html


def comments_on(post_url: str) -> list[dict]:
    """The comments of the post page as mf2py reads them: `comment` items of the post's
    h-entry, and h-cite items standing on their own (Chorus lists comments after the post's
    article, so mf2 readers see them as top-level h-cites)."""
    parsed = mf2py.parse(url=post_url)
    out = []
    for item in parsed.get("items", []):
        types = item.get("type", [])
        if "h-entry" in types:
            out += [c for c in item.get("properties", {}).get("comment", []) if isinstance(c, dict)]
        elif "h-cite" in types:
            out.append(item)
    return out


def run(results: Results, binary: Path, work: Path) -> None:
    chorus = Chorus(binary, work / "webmention", "webmention")
    chorus.start()
    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), _Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        chorus.create_user("wren")
        post_url = chorus.publish("wren", "webmention-target", "Answer me from the web", "Replies from any web page are welcome.")
        source = f"http://127.0.0.1:{port}/reply.html"
        _Pages.pages["/reply.html"] = reply_page(post_url)
        found: dict = {}

        def advertised() -> tuple[bool, str]:
            by_header, by_html = discover(post_url)
            found["endpoint"] = by_header or by_html
            ok = by_header is not None and by_header == by_html
            return ok, f"Link header {by_header}, HTML {by_html}"

        results.check(PEER, "the post page advertises its endpoint (Link header and <link rel=webmention>)", "-", advertised)

        def refused() -> tuple[bool, str]:
            r = requests.post(found["endpoint"], data={"source": post_url, "target": post_url}, timeout=15)
            return r.status_code == 400 and "same URL" in r.text, f"{r.status_code}: {r.text.strip()}"

        results.check(PEER, "a Webmention whose source is its target gets 400 with the reason", "-", refused)

        def sent() -> tuple[bool, str]:
            r = requests.post(found["endpoint"], data={"source": source, "target": post_url}, timeout=15)
            return r.status_code in (201, 202), f"{r.status_code}: {r.text.strip()}"

        results.check(PEER, "a Webmention from a loopback h-entry reply is accepted", "-", sent)

        def shown() -> tuple[bool, str]:
            def matching():
                for c in comments_on(post_url):
                    props = c.get("properties", {})
                    authors = props.get("author", [])
                    names = [n for a in authors if isinstance(a, dict) for n in a.get("properties", {}).get("name", [])]
                    texts = [x.get("value", "") if isinstance(x, dict) else str(x) for x in props.get("content", [])]
                    if AUTHOR in names and any(REPLY_TEXT in t for t in texts):
                        return c
                return None

            c = wait_for("the reply to show on the post page", matching, timeout=30)
            urls = c.get("properties", {}).get("url", [])
            return source in urls, f"comment by {AUTHOR}, links {urls}"

        results.check(PEER, "the reply shows on the post page as an h-cite comment (author, text, link to the source)", "-", shown)
    finally:
        server.shutdown()
        chorus.stop()
