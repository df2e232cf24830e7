"""The signature referee: verifies, with code nobody on the team wrote, what Chorus signs.

- A small recording server (`/actor`, `/inbox`) that a Chorus author follows and that follows
  the author and the community back. Every request Chorus sends it (signed GETs of the actor
  document, Follow, Accept, Create, Announce, Update, Delete, Undo) is checked, fetching
  Chorus's keys over HTTP: deliveries (POSTs), which Chorus signs with RFC 9421 first, with
  http-message-signatures; signed GETs and draft-cavage deliveries with bovine.
- A second recording server that, like servers from before RFC 9421, answers 401 to an RFC
  9421 signature: it follows the author, and Chorus's Accept must reach it signed draft-cavage
  after the refusal (Chorus's fallback, remembered for that server).
- The Fedify peer's signed POSTs that Chorus accepted are checked with the same libraries
  (RFC 9421 with http-message-signatures, draft-cavage with bovine), and a tampered copy of
  each scheme is replayed to Chorus, which must answer 401.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import re
import threading
import time
from pathlib import Path

import aiohttp
import requests
from aiohttp import web
from bovine import BovineActor
from bovine.crypto import build_validate_http_signature_raw, generate_rsa_public_private_key
from bovine.crypto.types import CryptographicIdentifier
from http_message_signatures import HTTPMessageVerifier, HTTPSignatureKeyResolver, algorithms

from .common import Chorus, Results, is_loopback, peer_base, wait_for

PEER = "signature referee"
CAVAGE_HEADERS = "(request-target) host date digest"


async def _chorus_key_pem(key_id: str) -> tuple[str, str] | None:
    """Fetches the key (PEM, owner) over HTTP from the document its keyId names (loopback only)."""
    url = key_id.split("#", 1)[0]
    if not url.startswith("http://") or not is_loopback(url):
        return None
    async with aiohttp.ClientSession() as session:
        async with session.get(url, headers={"Accept": "application/activity+json"}) as r:
            doc = await r.json(content_type=None)
    keys = doc.get("publicKey")
    keys = keys if isinstance(keys, list) else [keys]
    for k in keys:
        if k and k.get("id") == key_id:
            return k["publicKeyPem"], k["owner"]
    return None


async def _chorus_key(key_id: str) -> CryptographicIdentifier | None:
    found = await _chorus_key_pem(key_id)
    return CryptographicIdentifier.from_pem(*found) if found else None


_verify_cavage = build_validate_http_signature_raw(_chorus_key)


def verify_rfc9421(method: str, url: str, headers: dict, body: bytes | None, pem: str) -> tuple[bool, str]:
    class Keys(HTTPSignatureKeyResolver):
        def resolve_public_key(self, key_id: str):
            return pem.encode()

    req = requests.Request(method, url, headers=headers, data=body or None).prepare()
    verifier = HTTPMessageVerifier(signature_algorithm=algorithms.RSA_V1_5_SHA256, key_resolver=Keys())
    verifier.max_clock_skew = __import__("datetime").timedelta(minutes=5)
    try:
        result = verifier.verify(req, max_age=None, require_components=("@method", "@target-uri") + (("content-digest",) if body else ()), body=body or None)
        return True, "covers " + " ".join(result[0].covered_components.keys())
    except Exception as e:
        return False, f"{type(e).__name__}: {e}"


class Referee:
    """The recording server, on its own event loop in a thread."""

    def __init__(self, port: int, cavage_only: bool = False):
        self.port = port
        # Answers 401 to RFC 9421 signatures, as servers that know only draft-cavage do.
        self.cavage_only = cavage_only
        # Listens on 127.0.0.1, named by a host name: Chorus fetches only from domain names.
        self.base = peer_base(port)
        self.actor_id = f"{self.base}/actor"
        self.public_pem, self.private_pem = generate_rsa_public_private_key()
        self.requests: list[dict] = []
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()
        if not self._ready.wait(15):
            raise TimeoutError("the referee did not start")

    def actor_doc(self) -> dict:
        return {
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": self.actor_id,
            "type": "Person",
            "preferredUsername": "referee",
            "name": "Signature referee",
            "inbox": f"{self.base}/inbox",
            "outbox": f"{self.base}/outbox",
            "publicKey": {"id": f"{self.actor_id}#main-key", "owner": self.actor_id, "publicKeyPem": self.public_pem},
        }

    async def _record(self, request: web.Request) -> dict:
        body = await request.read()
        headers = {k.lower(): v for k, v in request.headers.items()}
        url = f"{self.base}{request.path_qs}"
        entry = {"method": request.method, "path": request.path, "headers": headers, "body": body, "at": time.time()}
        if "signature-input" in headers:
            entry["scheme"] = "RFC 9421"
            m = re.search(r'keyid="([^"]+)"', headers["signature-input"])
            found = await _chorus_key_pem(m.group(1)) if m else None
            entry["key_id"] = m.group(1) if m else None
            entry["ok"], entry["why"] = verify_rfc9421(request.method, url, headers, body, found[0]) if found else (False, "no key")
        elif "signature" in headers:
            entry["scheme"] = "draft-cavage"

            async def get_body():
                return body

            owner = await _verify_cavage(request.method, url, headers, get_body)
            sig = dict(re.findall(r'(\w+)="([^"]*)"', headers["signature"]))
            entry["key_id"] = sig.get("keyId")
            entry["ok"] = owner is not None
            problems = []
            if owner is None:
                problems.append("bovine rejects the signature")
            if sig.get("algorithm") != "rsa-sha256":
                problems.append(f"algorithm={sig.get('algorithm')!r}")
            want = CAVAGE_HEADERS if request.method == "POST" else "(request-target) host date"
            if sig.get("headers") != want and not (request.method == "GET" and sig.get("headers", "").startswith(want)):
                problems.append(f"headers={sig.get('headers')!r}")
            if request.method == "POST":
                digest = headers.get("digest", "")
                expected = base64.b64encode(hashlib.sha256(body).digest()).decode()
                if digest.split("=", 1)[-1] != expected:
                    problems.append(f"Digest {digest!r} does not match the body")
            entry["ok"] = not problems
            entry["owner"] = owner
            entry["why"] = "; ".join(problems) or f"bovine verified, signer {owner}"
        else:
            entry["scheme"], entry["ok"], entry["why"] = "unsigned", False, "no signature"
        if body:
            try:
                entry["activity"] = json.loads(body)
            except ValueError:
                entry["activity"] = None
        self.requests.append(entry)
        return entry

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)

        async def actor(request):
            await self._record(request)
            return web.json_response(self.actor_doc(), content_type="application/activity+json")

        async def inbox(request):
            entry = await self._record(request)
            status = 401 if self.cavage_only and entry["scheme"] == "RFC 9421" else 202
            entry["status"] = status
            return web.Response(status=status)

        async def outbox(_request):
            return web.json_response({"id": f"{self.base}/outbox", "type": "OrderedCollection", "totalItems": 0})

        app = web.Application()
        app.router.add_get("/actor", actor)
        app.router.add_post("/inbox", inbox)
        app.router.add_get("/outbox", outbox)
        runner = web.AppRunner(app, access_log=None)
        self.loop.run_until_complete(runner.setup())
        self.loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", self.port).start())
        self._runner = runner
        self._ready.set()
        self.loop.run_forever()

    def stop(self) -> None:
        async def shutdown():
            await self._runner.cleanup()

        fut = asyncio.run_coroutine_threadsafe(shutdown(), self.loop)
        try:
            fut.result(10)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)

    def send(self, inbox: str, activity: dict) -> int:
        """POSTs an activity signed by the referee's actor (bovine, draft-cavage)."""

        async def go():
            async with aiohttp.ClientSession() as session:
                actor = BovineActor(actor_id=self.actor_id, public_key_url=f"{self.actor_id}#main-key", secret=self.private_pem)
                await actor.init(session=session)
                try:
                    r = await actor.post(inbox, activity)
                    return r.status
                except aiohttp.ClientResponseError as e:
                    return e.status

        return asyncio.run_coroutine_threadsafe(go(), self.loop).result(30)

    def of(self, pred) -> list[dict]:
        return [r for r in list(self.requests) if pred(r)]


def _kind(entry: dict) -> str | None:
    a = entry.get("activity")
    return a.get("type") if isinstance(a, dict) else None


def run(results: Results, chorus_bin: Path, work: Path, fedify_accepted: list[dict] | None) -> None:
    """`fedify_accepted` is None when the Fedify peer did not run."""
    from .common import free_port

    print("Signature referee:", flush=True)
    chorus = Chorus(chorus_bin, work / "referee", "referee")
    referee = None
    try:
        chorus.start()
        chorus.create_user("alice")
        referee = Referee(free_port())
        _chorus_signs(results, chorus, referee)
        old = Referee(free_port(), cavage_only=True)
        try:
            _chorus_falls_back(results, chorus, old)
        finally:
            old.stop()
    except Exception as e:
        results.add(PEER, "suite ran to the end", "RFC 9421 first", False, f"{type(e).__name__}: {e}")
    finally:
        if referee:
            referee.stop()
        chorus.stop()
    if fedify_accepted is not None:
        _fedify_requests(results, fedify_accepted)


def _chorus_signs(results: Results, chorus: Chorus, referee: Referee) -> None:
    alice, community = chorus.actor("alice"), chorus.actor("community")

    def verified(scenario: str, pred, want_key: str, expect: int = 1, timeout: float = 15, scheme: str = "RFC 9421"):
        def fn():
            wait_for(scenario, lambda: len(referee.of(pred)) >= expect, timeout=timeout)
            got = referee.of(pred)
            bad = [r for r in got if not r["ok"] or r.get("key_id") != want_key]
            bad += [r for r in got if r["ok"] and r["scheme"] != scheme]
            schemes = sorted({r["scheme"] for r in got})
            if bad:
                return False, "; ".join(f"{r['method']} {r['path']}: {r['scheme']}, {r['why']} (keyId {r.get('key_id')})" for r in bad)
            lib = "http-message-signatures" if scheme == "RFC 9421" else "bovine"
            return True, f"{len(got)} request(s), {', '.join(schemes)}, verified by {lib} with the key fetched from Chorus"

        return results.check(PEER, scenario, scheme, fn)

    instance_key = f"{chorus.base}/actor#main-key"
    chorus.cli("follow", "--as", "alice", referee.actor_id)
    verified(
        "signed GET of a remote actor (instance actor's key)",
        lambda r: r["method"] == "GET" and r["path"] == "/actor",
        instance_key,
        scheme="draft-cavage",
    )
    verified("Follow sent by `chorus follow`", lambda r: _kind(r) == "Follow", f"{alice}#main-key")

    # The referee follows the author and the community; Chorus answers each with an Accept.
    for target in (alice, community):
        status = referee.send(
            f"{target}/inbox",
            {
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": f"{referee.base}/follows/{target.rsplit('@', 1)[1]}",
                "type": "Follow",
                "actor": referee.actor_id,
                "object": target,
            },
        )
        if not 200 <= status < 300:
            results.add(PEER, f"referee's Follow of {target} accepted", "draft-cavage", False, f"Chorus answered {status}")
    verified(
        "Accept of the author's follower",
        lambda r: _kind(r) == "Accept" and r["activity"].get("actor") == alice,
        f"{alice}#main-key",
    )
    verified(
        "Accept of the community's follower",
        lambda r: _kind(r) == "Accept" and r["activity"].get("actor") == community,
        f"{community}#main-key",
    )

    post = chorus.publish("alice", "referee-post", "Signed delivery", "Checked by the referee.")
    verified("Create(Article)", lambda r: _kind(r) == "Create", f"{alice}#main-key")
    verified("Announce by the community", lambda r: _kind(r) == "Announce", f"{community}#main-key")
    chorus.publish("alice", "referee-post", "Signed delivery", "Checked by the referee, edited.")
    verified("Update(Article)", lambda r: _kind(r) == "Update", f"{alice}#main-key")
    chorus.cli("post", "delete", post)
    verified("Delete", lambda r: _kind(r) == "Delete", f"{alice}#main-key")
    chorus.cli("unfollow", "--as", "alice", referee.actor_id)
    verified("Undo(Follow) sent by `chorus unfollow`", lambda r: _kind(r) == "Undo", f"{alice}#main-key")

    def every():
        bad = [r for r in referee.requests if not r["ok"]]
        return not bad, f"{len(referee.requests)} signed requests, {len(bad)} rejected" + (
            ": " + "; ".join(f"{r['method']} {r['path']}: {r['why']}" for r in bad) if bad else ""
        )

    results.check(PEER, "every request Chorus sent verifies", "RFC 9421 first", every)


def _chorus_falls_back(results: Results, chorus: Chorus, old: Referee) -> None:
    """A server that refuses RFC 9421 still gets Chorus's Accept, signed draft-cavage."""
    alice = chorus.actor("alice")

    def fn():
        status = old.send(
            f"{alice}/inbox",
            {
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": f"{old.base}/follows/alice",
                "type": "Follow",
                "actor": old.actor_id,
                "object": alice,
            },
        )
        if not 200 <= status < 300:
            return False, f"Chorus answered the Follow with {status}"
        accepts = lambda: [r for r in old.of(lambda r: _kind(r) == "Accept")]
        wait_for("the Accept signed draft-cavage", lambda: any(r["status"] == 202 for r in accepts()), timeout=20)
        seen = [f"{r['scheme']} → {r['status']}" for r in accepts()]
        taken = [r for r in accepts() if r["status"] == 202]
        ok = (
            len(seen) >= 2
            and accepts()[0]["scheme"] == "RFC 9421"
            and all(r["scheme"] == "draft-cavage" and r["ok"] for r in taken)
        )
        return ok, f"Accept: {', '.join(seen)}; the draft-cavage copy {taken[0]['why'] if taken else 'missing'}"

    results.check(PEER, "a server that refuses RFC 9421 (401) gets the delivery again signed draft-cavage", "RFC 9421 → draft-cavage", fn)

    def remembered():
        before = len(old.requests)
        chorus.publish("alice", "fallback-post", "Remembered", "Sent draft-cavage straight away.")
        wait_for("the Create at the old server", lambda: old.of(lambda r: _kind(r) == "Create"), timeout=20)
        creates = old.of(lambda r: _kind(r) == "Create")
        seen = [f"{r['scheme']} → {r['status']}" for r in creates]
        ok = all(r["scheme"] == "draft-cavage" and r["status"] == 202 and r["ok"] for r in creates)
        return ok, f"Create(Article): {', '.join(seen)} ({len(old.requests) - before} requests)"

    results.check(PEER, "the next delivery to that server is draft-cavage at once (remembered)", "draft-cavage", remembered)


def _fedify_requests(results: Results, accepted: list[dict]) -> None:
    """Independent verification of the Fedify peer's POSTs that Chorus accepted."""
    for scheme, label in (("rfc9421", "RFC 9421"), ("draft-cavage", "draft-cavage")):
        posts = [p for p in accepted if p["scheme"] == scheme]

        def fn(posts=posts):
            if not posts:
                return False, "Chorus accepted no request signed this way"
            bad = []
            for p in posts:
                body = (p["body"] or "").encode()
                if scheme == "rfc9421":
                    ok, why = verify_rfc9421("POST", p["url"], p["headers"], body, p["public_key_pem"])
                else:
                    ok, why = _verify_cavage_with(p, body)
                if not ok:
                    bad.append(f"{p['url']}: {why}")
            return not bad, f"{len(posts)} accepted, {len(bad)} do not verify" + (": " + "; ".join(bad[:3]) if bad else "")

        lib = "http-message-signatures" if scheme == "rfc9421" else "bovine"
        results.check(PEER, f"Fedify's requests that Chorus accepted verify with {lib}", label, fn)



def _verify_cavage_with(p: dict, body: bytes) -> tuple[bool, str]:
    pem = p["public_key_pem"]

    async def key(_key_id):
        m = re.search(r'keyId="([^"#]+)', p["headers"].get("signature", ""))
        return CryptographicIdentifier.from_pem(pem, m.group(1) if m else "unknown")

    async def get_body():
        return body

    # bovine checks the Date window; the requests are minutes old at most.
    owner = asyncio.run(build_validate_http_signature_raw(key)("POST", p["url"], p["headers"], get_body))
    return owner is not None, "bovine verified" if owner else "bovine rejects it"
