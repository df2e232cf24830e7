"""Micropub as a writing app speaks it: the endpoint discovered from the home page's
`<link rel="micropub">`, calls made with `requests` (a generic HTTP client, not Chorus's code),
and the resulting post page read with `mf2py`, the microformats2 parser from PyPI, for the
h-entry's name, content, categories, date and author h-card.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urljoin

import mf2py
import requests

from .common import Chorus, Results

PEER = f"requests {requests.__version__} + mf2py {getattr(mf2py, '__version__', '')}".strip()


def _entry(url: str) -> dict:
    """The first h-entry of the page at `url`, parsed by mf2py."""
    page = requests.get(url, timeout=15)
    page.raise_for_status()
    parsed = mf2py.parse(doc=page.text, url=url)
    for item in parsed["items"]:
        if "h-entry" in item["type"]:
            return item
    raise AssertionError(f"no h-entry on {url}")


def run(results: Results, binary: Path, work: Path) -> None:
    chorus = Chorus(binary, work / "micropub", "micropub")
    chorus.start()
    try:
        chorus.create_user("mara")
        token = chorus.cli("token", "create", "--user", "mara", "--scope", "create,update,delete,undelete,media")
        auth = {"Authorization": f"Bearer {token}"}
        state: dict = {}

        def discover() -> tuple[bool, str]:
            home = requests.get(chorus.base + "/", timeout=15)
            rels = mf2py.parse(doc=home.text, url=home.url)["rels"]
            endpoints = rels.get("micropub", [])
            if not endpoints:
                return False, "no rel=micropub on the home page"
            state["endpoint"] = endpoints[0]
            config = requests.get(state["endpoint"], params={"q": "config"}, headers=auth, timeout=15)
            ok = config.status_code == 200 and "media-endpoint" in config.json()
            state["media"] = config.json().get("media-endpoint") if ok else None
            return ok, f"{endpoints[0]}; q=config answered {config.status_code} {config.text[:120]}"

        if not results.check(PEER, "the endpoint is discovered from rel=micropub and answers q=config", "-", discover):
            return

        def create_form() -> tuple[bool, str]:
            r = requests.post(
                state["endpoint"],
                headers=auth,
                data={
                    "h": "entry",
                    "name": "Field notes",
                    "content": "Written in a *Micropub* app.",
                    "category[]": ["indieweb", "notes"],
                    "published": "2025-05-04T08:30:00Z",
                },
                timeout=30,
            )
            if r.status_code != 201 or "Location" not in r.headers:
                return False, f"answered {r.status_code} {r.text[:200]}"
            state["url"] = urljoin(state["endpoint"], r.headers["Location"])
            e = _entry(state["url"])["properties"]
            author = (e.get("author") or [{}])[0]
            author_props = author.get("properties", {}) if isinstance(author, dict) else {}
            checks = {
                "name": e.get("name") == ["Field notes"],
                "content": "Written in a Micropub app." in (e.get("content") or [{}])[0].get("value", ""),
                "category": e.get("category") == ["indieweb", "notes"],
                "published": (e.get("published") or [""])[0].startswith("2025-05-04T08:30:00"),
                "url": e.get("url", [None])[0] == state["url"],
                "author h-card": "h-card" in author.get("type", [])
                and bool(author_props.get("name"))
                and bool(author_props.get("url"))
                and bool(author_props.get("photo")),
            }
            failed = [k for k, v in checks.items() if not v]
            return not failed, f"{state['url']}: " + (f"wrong {', '.join(failed)}: {e}" if failed else "h-entry as sent")

        if not results.check(PEER, "a form-encoded h-entry is published and parses back (mf2py)", "-", create_form):
            return

        def update_json() -> tuple[bool, str]:
            r = requests.post(
                state["endpoint"],
                headers=auth,
                json={"action": "update", "url": state["url"], "replace": {"name": ["Field notes, revised"]}, "add": {"category": ["travel"]}},
                timeout=30,
            )
            if r.status_code not in (200, 201, 204):
                return False, f"update answered {r.status_code} {r.text[:200]}"
            e = _entry(state["url"])["properties"]
            ok = e.get("name") == ["Field notes, revised"] and e.get("category") == ["indieweb", "notes", "travel"]
            return ok, f"name {e.get('name')}, category {e.get('category')}"

        results.check(PEER, "a JSON update (replace, add) shows on the page", "-", update_json)

        def delete_undelete() -> tuple[bool, str]:
            d = requests.post(state["endpoint"], headers=auth, data={"action": "delete", "url": state["url"]}, timeout=30)
            gone = requests.get(state["url"], timeout=15).status_code
            u = requests.post(state["endpoint"], headers=auth, json={"action": "undelete", "url": state["url"]}, timeout=30)
            back = requests.get(state["url"], timeout=15).status_code
            ok = d.status_code in (200, 204) and gone == 410 and u.status_code in (200, 201, 204) and back == 200
            return ok, f"delete {d.status_code} → page {gone}; undelete {u.status_code} → page {back}"

        results.check(PEER, "delete answers 410 on the page, undelete brings it back", "-", delete_undelete)

        def media_and_photo() -> tuple[bool, str]:
            png = _tiny_png()
            m = requests.post(state["media"], headers=auth, files={"file": ("dot.png", png, "image/png")}, timeout=30)
            if m.status_code != 201:
                return False, f"media endpoint answered {m.status_code} {m.text[:200]}"
            photo = urljoin(state["media"], m.headers["Location"])
            r = requests.post(
                state["endpoint"],
                headers=auth,
                json={"type": ["h-entry"], "properties": {"content": ["A photo note"], "photo": [photo]}},
                timeout=30,
            )
            if r.status_code != 201:
                return False, f"create answered {r.status_code} {r.text[:200]}"
            e = _entry(urljoin(state["endpoint"], r.headers["Location"]))["properties"]
            html = (e.get("content") or [{}])[0].get("html", "")
            return photo.split("/media/")[1] in html, f"photo {photo}; content {html[:160]}"

        results.check(PEER, "an image from the media endpoint shows in a JSON-created post", "-", media_and_photo)

        def refusals() -> tuple[bool, str]:
            weak = chorus.cli("token", "create", "--user", "mara", "--scope", "media")
            scope = requests.post(state["endpoint"], headers={"Authorization": f"Bearer {weak}"}, data={"content": "x"}, timeout=15)
            none = requests.post(state["endpoint"], data={"content": "x"}, timeout=15)
            broken = requests.post(state["endpoint"], headers={**auth, "Content-Type": "application/json"}, data=b'{"type":', timeout=15)
            got = (scope.status_code, _error(scope), none.status_code, broken.status_code, _error(broken))
            return got == (403, "insufficient_scope", 401, 400, "invalid_request"), f"wrong scope, no token, malformed JSON: {got}"

        results.check(PEER, "wrong scope 403 insufficient_scope, no token 401, malformed JSON 400", "-", refusals)
    finally:
        chorus.stop()


def _error(r: requests.Response) -> str:
    try:
        return r.json().get("error", "")
    except ValueError:
        return ""


def _tiny_png() -> bytes:
    """A 2×2 PNG, written with the standard library."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\xff\x80\x00" * 2 for _ in range(2))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
