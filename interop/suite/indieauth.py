"""IndieAuth as an independent client meets it: Authlib's generic OAuth 2.0 client
(`OAuth2Session`, PKCE S256) discovers the endpoints from the metadata document the home
page links, sends the author to the authorization endpoint; `requests` signs in with the login
form and approves the consent form as a person would; Authlib exchanges the code, calls
introspection with the token and revokes it. Nothing of Chorus's own code is used.
"""

from __future__ import annotations

import re
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session

from .common import INTEROP_PASSWORD, Chorus, Results, free_port, peer_base

PEER = "Authlib OAuth2Session (PKCE)"


class Forms(HTMLParser):
    """The forms of a page (action and fields) and its `<link>` elements."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self.links: list[dict] = []

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "fields": []})
        elif tag == "input" and self.forms and a.get("name"):
            if a.get("type") != "checkbox" or "checked" in a:
                self.forms[-1]["fields"].append((a["name"], a.get("value", "")))
        elif tag == "link":
            self.links.append(a)


def parse(html: str) -> Forms:
    p = Forms()
    p.feed(html)
    return p


def form_to(page: Forms, action: str) -> list[tuple[str, str]]:
    for f in page.forms:
        if f["action"] == action:
            return list(f["fields"])
    raise AssertionError(f"no form posting to {action}")


def run(results: Results, binary: Path, work: Path) -> None:
    chorus = Chorus(binary, work / "indieauth", "indieauth")
    chorus.start()
    try:
        chorus.create_user("ines")
        me = chorus.actor("ines")
        client_id = f"{peer_base(free_port())}/"
        redirect_uri = f"{client_id}callback"
        meta: dict = {}

        def discovery() -> tuple[bool, str]:
            home = requests.get(f"{chorus.base}/", timeout=15)
            links = [l["href"] for l in parse(home.text).links if l.get("rel") == "indieauth-metadata"]
            if not links:
                return False, "the home page has no <link rel=indieauth-metadata>"
            meta.update(requests.get(links[0], timeout=15).json())
            profile = parse(requests.get(me, timeout=15).text)
            legacy = {l.get("rel") for l in profile.links}
            ok = (
                meta.get("issuer") == f"{chorus.base}/"
                and meta.get("code_challenge_methods_supported") == ["S256"]
                and meta.get("response_types_supported") == ["code"]
                and meta.get("authorization_response_iss_parameter_supported") is True
                and all(meta.get(k, "").startswith(chorus.base) for k in ("authorization_endpoint", "token_endpoint", "introspection_endpoint", "revocation_endpoint"))
                and {"authorization_endpoint", "token_endpoint"} <= legacy
            )
            return ok, f"metadata {sorted(meta)}; author page links {sorted(legacy)}"

        if not results.check(PEER, "the home page links the metadata document (RFC 8414), the author page the endpoints", "-", discovery):
            return

        client = OAuth2Session(
            client_id,
            redirect_uri=redirect_uri,
            scope="profile create media",
            code_challenge_method="S256",
            token_endpoint_auth_method="none",
        )
        verifier = generate_token(64)
        url, state = client.create_authorization_url(meta["authorization_endpoint"], code_verifier=verifier, me=me)
        browser = requests.Session()
        token: dict = {}

        def sign_in_and_approve() -> tuple[bool, str]:
            first = browser.get(url, allow_redirects=False, timeout=15)
            if first.status_code not in (302, 303) or "/login" not in first.headers.get("location", ""):
                return False, f"not sent to sign in: {first.status_code}"
            login_url = urllib.parse.urljoin(chorus.base, first.headers["location"])
            login = parse(browser.get(login_url, timeout=15).text)
            fields = dict(form_to(login, "/login"))
            fields.update(username="ines", password=INTEROP_PASSWORD)
            back = browser.post(f"{chorus.base}/login", data=fields, allow_redirects=False, headers={"Origin": chorus.base}, timeout=15)
            if back.status_code != 303:
                return False, f"login answered {back.status_code}"
            consent = browser.get(urllib.parse.urljoin(chorus.base, back.headers["location"]), timeout=15)
            if "upload images" not in consent.text:
                return False, "the consent page does not list the media scope"
            page = parse(consent.text)
            action = next(f["action"] for f in page.forms if "consent" in f["action"])
            # Grant less than asked: no uploads.
            answer = [(k, v) for k, v in form_to(page, action) if not (k == "scope" and v == "media")]
            answer.append(("decision", "approve"))
            done = browser.post(urllib.parse.urljoin(chorus.base, action), data=answer, allow_redirects=False, headers={"Origin": chorus.base}, timeout=15)
            callback = done.headers.get("location", "")
            if not callback.startswith(redirect_uri):
                return False, f"consent answered {done.status_code} to {callback!r}"
            query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(callback).query))
            if query.get("iss") != meta["issuer"] or query.get("state") != state:
                return False, f"iss or state wrong in {sorted(query)}"
            token.update(client.fetch_token(meta["token_endpoint"], authorization_response=callback, code_verifier=verifier))
            ok = token.get("token_type", "").lower() == "bearer" and token.get("me") == me and token.get("scope") == "profile create"
            return ok, f"token for {token.get('me')} with scope {token.get('scope')!r}"

        if not results.check(PEER, "sign in, consent (one scope unticked), code exchanged with the PKCE verifier", "-", sign_in_and_approve):
            return

        def introspected() -> tuple[bool, str]:
            r = client.post(meta["introspection_endpoint"], data={"token": token["access_token"]}, timeout=15)
            body = r.json()
            ok = r.status_code == 200 and body.get("active") is True and body.get("me") == me and body.get("client_id") == client_id
            return ok, f"introspection answered {r.status_code} {body}"

        results.check(PEER, "introspection (RFC 7662) with the bearer token: active, for the author and the client", "-", introspected)

        def revoked() -> tuple[bool, str]:
            r = client.revoke_token(meta["revocation_endpoint"], token=token["access_token"])
            after = requests.post(
                meta["introspection_endpoint"],
                data={"token": token["access_token"]},
                headers={"Authorization": f"Bearer {token['access_token']}"},
                timeout=15,
            )
            ok = r.status_code == 200 and after.status_code == 401
            return ok, f"revocation answered {r.status_code}, the token afterwards {after.status_code}"

        results.check(PEER, "revocation (RFC 7009) ends the token", "-", revoked)

        def reused() -> tuple[bool, str]:
            # A second authorization, its code exchanged twice: the second time is refused.
            url2, _ = client.create_authorization_url(meta["authorization_endpoint"], code_verifier=verifier)
            consent = browser.get(url2, timeout=15)
            page = parse(consent.text)
            action = next(f["action"] for f in page.forms if "consent" in f["action"])
            answer = form_to(page, action) + [("decision", "approve")]
            done = browser.post(urllib.parse.urljoin(chorus.base, action), data=answer, allow_redirects=False, headers={"Origin": chorus.base}, timeout=15)
            callback = done.headers["location"]
            client.fetch_token(meta["token_endpoint"], authorization_response=callback, code_verifier=verifier)
            try:
                client.fetch_token(meta["token_endpoint"], authorization_response=callback, code_verifier=verifier)
            except Exception as e:  # Authlib raises the OAuth error the server sent
                return "invalid_grant" in str(e), re.sub(r"\s+", " ", str(e))[:120]
            return False, "a used code was exchanged again"

        results.check(PEER, "a used code is refused with invalid_grant", "-", reused)
    finally:
        chorus.stop()
