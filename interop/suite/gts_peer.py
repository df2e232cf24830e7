"""A small ActivityPub server that behaves like GoToSocial 0.20 where GoToSocial is strict.

Written from GoToSocial's federation documentation (docs/federation/: HTTP signatures, access
control, interaction policy), not from its code:

- Key ids are `<actor>/main-key`. That URL answers a reduced actor: `type`, `id` (the actor's),
  `preferredUsername` and `publicKey {id, owner, publicKeyPem}`, without `inbox`.
- Every request it makes is signed draft-cavage with `algorithm="hs2019"`: GETs cover
  `(request-target) host date`, POSTs `(request-target) host date digest`.
- It answers GETs of its actors, statuses and collections only when signed. It verifies the
  signature (with bovine), then checks the signer by WebFinger: it fetches the signer's actor,
  asks `acct:<preferredUsername>@<host>` at the signer's host and answers 500 when that fails
  or names another actor. The key document is served unsigned too; a signed GET of it is
  checked the same way.
- Inbox POSTs must carry an ActivityPub content type (else 406) and a valid signature by the
  activity's actor (else 401); they are answered 202. A Follow of one of its users is accepted
  at once (the accounts are not locked).
- WebFinger answers `application/jrd+json`, and 406 to a request whose `Accept` admits neither
  the JRD nor JSON (asking for the ActivityPub type, say). It advertises the OStatus subscribe
  template `/authorize_interaction?uri={uri}`.
- It reads `interactionPolicy` (`automaticApproval`/`manualApproval`, and the older
  `always`/`approvalRequired`) as GoToSocial does, see `permission`.
- A delivery answered 4xx is never retried; 5xx and network errors are retried twice.

Everything it receives, answers and sends is recorded for the scenarios (`gotosocial.py`).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import threading
import time
import urllib.parse
from pathlib import Path

import aiohttp
from aiohttp import web
from bovine.clients.utils import host_target_from_url
from bovine.crypto import build_validate_http_signature_raw, generate_rsa_public_private_key
from bovine.crypto.helper import content_digest_sha256
from bovine.crypto.http_signature import build_signature
from bovine.crypto.types import CryptographicIdentifier, CryptographicSecret
from bovine.utils import get_gmt_now

from .common import is_loopback, peer_base

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
AP_TYPES = ("application/activity+json", 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"')
CONTEXT = ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1", "https://gotosocial.org/ns"]
SUBSCRIBE_REL = "http://ostatus.org/schema/1.0/subscribe"
# Deliveries: attempts in all, and the pause before each retry (seconds).
DELIVERY_ATTEMPTS = 3
RETRY_PAUSE = 0.5


def ref(v) -> str | None:
    """The id of a reference: a string, an object with an id, or the first of a list."""
    if isinstance(v, dict):
        return v.get("id")
    if isinstance(v, list) and v:
        return ref(v[0])
    return v


def as_list(v) -> list:
    return v if isinstance(v, list) else ([] if v is None else [v])


def permission(obj: dict, kind: str, actor: str, memberships: set[str] = frozenset()) -> str:
    """How GoToSocial reads `interactionPolicy.<kind>` (`canReply`, `canLike`, `canAnnounce`) of
    `obj` for `actor`, who belongs to the collections `memberships` (followers collections of
    the accounts it follows): `automatic`, `manual` (needs the author's approval) or `denied`.

    The author may always interact with their own post. A missing policy, sub-policy or an
    empty one means Public may do it without approval. The newer names
    (`automaticApproval`, `manualApproval`) are read when present, the older (`always`,
    `approvalRequired`) otherwise; a value may be a string or a list. An actor named
    explicitly counts before a collection that holds it (the more specific value wins), and
    `automaticApproval` before `manualApproval` for the same entry."""
    if actor == ref(obj.get("attributedTo")):
        return "automatic"
    sub = (obj.get("interactionPolicy") or {}).get(kind)
    if not sub:
        return "automatic"
    auto = as_list(sub["automaticApproval"] if "automaticApproval" in sub else sub.get("always"))
    manual = as_list(sub["manualApproval"] if "manualApproval" in sub else sub.get("approvalRequired"))
    if actor in auto:
        return "automatic"
    if actor in manual:
        return "manual"
    groups = {PUBLIC, *memberships}
    if groups & set(auto):
        return "automatic"
    if groups & set(manual):
        return "manual"
    return "denied"


def accepts_jrd(accept: str | None) -> bool:
    """GoToSocial's WebFinger offers `application/jrd+json` and `application/json`: an
    `Accept` that admits neither (with q > 0) gets 406; none at all is fine."""
    if not accept or not accept.strip():
        return True
    for part in accept.split(","):
        media, *params = [p.strip() for p in part.split(";")]
        q = 1.0
        for p in params:
            if p.startswith("q="):
                try:
                    q = float(p[2:])
                except ValueError:
                    q = 0.0
        if q > 0 and media.lower() in ("application/jrd+json", "application/json", "application/*", "*/*"):
            return True
    return False


class GoToSocialPeer:
    """The server, on its own event loop in a thread; `call` runs a coroutine there."""

    def __init__(self, port: int, users: list[str], log: Path):
        self.port = port
        # Listens on 127.0.0.1, named by a host name: Chorus fetches only from host names.
        self.base = peer_base(port)
        self.host = urllib.parse.urlsplit(self.base).netloc
        self.keys = {name: generate_rsa_public_private_key() for name in users}  # (public, private)
        # A second key per user that its actor does not publish: `<actor>/forged-key` answers a
        # reduced actor naming the user as the owner, as a server forging a signer would.
        self.forged = {name: generate_rsa_public_private_key() for name in users}
        self.requests: list[dict] = []  # every request received, with what it was answered
        self.deliveries: list[dict] = []  # every POST it made, with each attempt's outcome
        self.statuses: dict[str, dict] = {}  # its users' posts by id
        self.following: set[str] = set()  # followers collections its users are in (accepted)
        self.interactions: list[str] = []  # `uri`s opened at /authorize_interaction
        self._fingered: set[str] = set()  # signers whose WebFinger check passed
        self._docs: dict[str, dict] = {}  # remote documents fetched, by URL
        self._ids = itertools.count(1)
        self._validate = build_validate_http_signature_raw(self._key)
        self.log = logging.getLogger(f"gotosocial-peer-{port}")
        self.log.setLevel(logging.INFO)
        self.log.propagate = False
        handler = logging.FileHandler(log)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        self.log.addHandler(handler)
        # aiohttp's own complaints (a TLS hello on the plain-HTTP port, say) go to the same log.
        server_log = logging.getLogger("aiohttp.server")
        server_log.propagate = False
        server_log.addHandler(handler)
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()
        if not self._ready.wait(15):
            raise TimeoutError("the GoToSocial-like peer did not start")

    # --- names

    def actor(self, name: str) -> str:
        return f"{self.base}/users/{name}"

    def key_id(self, name: str) -> str:
        return f"{self.actor(name)}/main-key"

    def forged_key_id(self, name: str) -> str:
        return f"{self.actor(name)}/forged-key"

    def handle(self, name: str) -> str:
        return f"{name}@{self.host}"

    def next_id(self, name: str, kind: str) -> str:
        return f"{self.actor(name)}/{kind}/{next(self._ids):04d}"

    # --- documents

    def actor_doc(self, name: str) -> dict:
        actor = self.actor(name)
        return {
            "@context": CONTEXT,
            "id": actor,
            "type": "Person",
            "preferredUsername": name,
            "name": f"{name} (GoToSocial-like peer)",
            "url": f"{self.base}/@{name}",
            "inbox": f"{actor}/inbox",
            "outbox": f"{actor}/outbox",
            "followers": f"{actor}/followers",
            "following": f"{actor}/following",
            "manuallyApprovesFollowers": False,
            "discoverable": True,
            "publicKey": {"id": self.key_id(name), "owner": actor, "publicKeyPem": self.keys[name][0]},
        }

    def key_doc(self, name: str, forged: bool = False) -> dict:
        """The reduced actor GoToSocial serves at a key id (or at the forged key's)."""
        actor = self.actor(name)
        key_id, pem = (self.forged_key_id(name), self.forged[name][0]) if forged else (self.key_id(name), self.keys[name][0])
        return {
            "@context": ["https://w3id.org/security/v1", "https://www.w3.org/ns/activitystreams"],
            "id": actor,
            "type": "Person",
            "preferredUsername": name,
            "publicKey": {"id": key_id, "owner": actor, "publicKeyPem": pem},
        }

    def jrd(self, name: str) -> dict:
        actor = self.actor(name)
        return {
            "subject": f"acct:{name}@{self.host}",
            "aliases": [actor, f"{self.base}/@{name}"],
            "links": [
                {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": f"{self.base}/@{name}"},
                {"rel": "self", "type": "application/activity+json", "href": actor},
                {"rel": SUBSCRIBE_REL, "template": f"{self.base}/authorize_interaction?uri={{uri}}"},
            ],
        }

    # --- signing and verifying

    def _signed_headers(self, name: str, method: str, url: str, body: bytes | None, forged: bool = False) -> dict:
        host, target = host_target_from_url(url)
        date = get_gmt_now()
        sig = build_signature(host, method.lower(), target).with_field("date", date)
        headers = {"Host": host, "Date": date}
        if body is not None:
            digest = content_digest_sha256(body, prefix="SHA-256")
            sig.with_field("digest", digest)
            headers["Digest"] = digest
        if forged:
            secret = CryptographicSecret.from_pem(self.forged_key_id(name), self.forged[name][1])
        else:
            secret = CryptographicSecret.from_pem(self.key_id(name), self.keys[name][1])
        covered = " ".join(field for field, _ in sig.fields)
        headers["Signature"] = (
            f'keyId="{secret.key_id}",algorithm="hs2019",headers="{covered}",signature="{secret.sign(sig.build_message())}"'
        )
        return headers

    async def fetch(self, url: str, as_user: str) -> dict:
        """A signed GET of an ActivityPub document (loopback only); raises on a non-200 answer
        or a content type that is not ActivityPub's."""
        if not is_loopback(url):
            raise ValueError(f"the peer only fetches from loopback, not {url}")
        headers = self._signed_headers(as_user, "GET", url, None)
        headers["Accept"] = ", ".join(AP_TYPES)
        async with aiohttp.ClientSession() as session:
            async with session.get(url, headers=headers, allow_redirects=False) as r:
                kind = r.headers.get("content-type", "")
                if r.status != 200:
                    raise RuntimeError(f"GET {url} answered {r.status}")
                if not any(kind.startswith(t.split(";")[0]) for t in AP_TYPES):
                    raise RuntimeError(f"GET {url} answered {kind!r}, not an ActivityPub type")
                doc = await r.json(content_type=None)
        self._docs[url] = doc
        return doc

    async def _key(self, key_id: str) -> CryptographicIdentifier | None:
        """The key `key_id` names: from the document at the key id, then checked against its
        owner's actor, which must publish the same key."""
        user = next(iter(self.keys))
        doc = await self.fetch(key_id.split("#", 1)[0], user)
        key = next((k for k in as_list(doc.get("publicKey")) if isinstance(k, dict) and k.get("id") == key_id), None)
        if not key or not key.get("owner"):
            self.log.info("no key %s in its document", key_id)
            return None
        owner = key["owner"]
        if doc.get("id") != owner:
            owner_doc = await self.fetch(owner, user)
            if key_id not in [ref(k) for k in as_list(owner_doc.get("publicKey"))]:
                self.log.info("the owner %s does not name the key %s", owner, key_id)
                return None
        return CryptographicIdentifier.from_pem(key["publicKeyPem"], owner)

    async def _check_by_webfinger(self, signer: str) -> tuple[bool, str]:
        """The signer's actor, looked up again by WebFinger at its host."""
        if signer in self._fingered:
            return True, "known signer"
        user = next(iter(self.keys))
        doc = self._docs.get(signer) or await self.fetch(signer, user)
        name = doc.get("preferredUsername")
        if not name:
            return False, f"{signer} has no preferredUsername"
        parts = urllib.parse.urlsplit(signer)
        url = f"{parts.scheme}://{parts.netloc}/.well-known/webfinger?" + urllib.parse.urlencode(
            {"resource": f"acct:{name}@{parts.netloc}"}
        )
        async with aiohttp.ClientSession() as session:
            async with session.get(url, headers={"Accept": "application/jrd+json"}) as r:
                if r.status != 200:
                    return False, f"WebFinger acct:{name}@{parts.netloc} answered {r.status}"
                jrd = await r.json(content_type=None)
        selves = [link.get("href") for link in jrd.get("links", []) if link.get("rel") == "self"]
        if signer not in selves:
            return False, f"WebFinger acct:{name}@{parts.netloc} names {selves}, not {signer}"
        self._fingered.add(signer)
        return True, f"acct:{name}@{parts.netloc} names the signer"

    async def _authenticate(self, request: web.Request, body: bytes, entry: dict) -> str | None:
        """The signer's actor when the request is signed and the signature verifies."""
        headers = {k.lower(): v for k, v in request.headers.items()}
        if "signature" not in headers:
            entry["why"] = "unsigned"
            return None
        sig = dict(part.split("=", 1) for part in headers["signature"].split(",") if "=" in part)
        entry["key_id"] = sig.get("keyId", "").strip('"')

        async def get_body():
            return body

        try:
            owner = await self._validate(request.method, f"{self.base}{request.path_qs}", headers, get_body)
        except Exception as e:  # a key that cannot be fetched, say
            owner, entry["why"] = None, f"{type(e).__name__}: {e}"
        entry["signer"] = owner
        if owner is None:
            entry.setdefault("why", "bovine rejects the signature")
        return owner

    async def _guard_get(self, request: web.Request, entry: dict, required: bool) -> web.Response | None:
        """GoToSocial's checks of a GET: an answer when they fail, None when they pass."""
        if "signature" not in request.headers and not required:
            return None
        signer = await self._authenticate(request, b"", entry)
        if signer is None:
            return web.Response(status=401, text=entry["why"])
        try:
            ok, why = await self._check_by_webfinger(signer)
        except Exception as e:
            ok, why = False, f"{type(e).__name__}: {e}"
        entry["webfinger_check"] = {"ok": ok, "why": why}
        if not ok:
            self.log.info("signer %s not found by WebFinger: %s", signer, why)
            return web.Response(status=500, text=why)
        return None

    # --- the server

    def _entry(self, request: web.Request, body: bytes) -> dict:
        entry = {
            "method": request.method,
            "path": request.path,
            "query": dict(request.query),
            "headers": {k.lower(): v for k, v in request.headers.items()},
            "body": body,
            "at": time.time(),
        }
        self.requests.append(entry)
        return entry

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)

        def answered(entry: dict, response: web.Response) -> web.Response:
            entry["status"] = response.status
            self.log.info("%s %s → %s %s", entry["method"], entry["path"], response.status, entry.get("why", ""))
            return response

        def ap(doc: dict) -> web.Response:
            return web.json_response(doc, content_type="application/activity+json")

        async def webfinger(request):
            entry = self._entry(request, b"")
            if not accepts_jrd(request.headers.get("Accept")):
                return answered(entry, web.Response(status=406, text="not acceptable"))
            resource = request.query.get("resource", "")
            name = None
            if resource.startswith("acct:"):
                user, _, host = resource[5:].partition("@")
                name = user if host == self.host else None
            elif resource.startswith(f"{self.base}/users/"):
                name = resource.rsplit("/", 1)[1]
            if name not in self.keys:
                return answered(entry, web.Response(status=404))
            return answered(entry, web.json_response(self.jrd(name), content_type="application/jrd+json"))

        async def key(request):
            entry = self._entry(request, b"")
            name = request.match_info["name"]
            if name not in self.keys:
                return answered(entry, web.Response(status=404))
            refused = await self._guard_get(request, entry, required=False)
            return answered(entry, refused or ap(self.key_doc(name, forged=request.path.endswith("/forged-key"))))

        async def actor(request):
            entry = self._entry(request, b"")
            name = request.match_info["name"]
            if name not in self.keys:
                return answered(entry, web.Response(status=404))
            refused = await self._guard_get(request, entry, required=True)
            return answered(entry, refused or ap(self.actor_doc(name)))

        async def status(request):
            entry = self._entry(request, b"")
            doc = self.statuses.get(f"{self.base}{request.path}")
            if doc is None:
                return answered(entry, web.Response(status=404))
            refused = await self._guard_get(request, entry, required=True)
            return answered(entry, refused or ap(doc))

        async def collection(request):
            entry = self._entry(request, b"")
            refused = await self._guard_get(request, entry, required=True)
            url = f"{self.base}{request.path}"
            return answered(entry, refused or ap({"@context": CONTEXT[0], "id": url, "type": "OrderedCollection", "totalItems": 0, "orderedItems": []}))

        async def inbox(request):
            body = await request.read()
            entry = self._entry(request, body)
            name = request.match_info["name"]
            if name not in self.keys:
                return answered(entry, web.Response(status=404))
            kind = request.headers.get("Content-Type", "")
            if kind.split(";")[0].strip() not in ("application/activity+json", "application/ld+json"):
                entry["why"] = f"content type {kind!r}"
                return answered(entry, web.Response(status=406, text=entry["why"]))
            signer = await self._authenticate(request, body, entry)
            if signer is None:
                return answered(entry, web.Response(status=401, text=entry["why"]))
            try:
                activity = json.loads(body)
            except ValueError:
                entry["why"] = "not JSON"
                return answered(entry, web.Response(status=400, text="not JSON"))
            entry["activity"] = activity
            if ref(activity.get("actor")) != signer:
                entry["why"] = f"signed by {signer}, not by the actor {ref(activity.get('actor'))}"
                return answered(entry, web.Response(status=401, text=entry["why"]))
            entry["verified"] = True
            self._handle(name, activity)
            return answered(entry, web.Response(status=202))

        async def authorize_interaction(request):
            entry = self._entry(request, b"")
            self.interactions.append(request.query.get("uri", ""))
            return answered(entry, web.Response(text="<!doctype html><title>Interact</title><p>Sign in to interact.</p>", content_type="text/html"))

        async def other(request):
            entry = self._entry(request, await request.read())
            return answered(entry, web.Response(status=404))

        app = web.Application()
        app.router.add_get("/.well-known/webfinger", webfinger)
        app.router.add_get("/users/{name}/main-key", key)
        app.router.add_get("/users/{name}/forged-key", key)
        app.router.add_get("/users/{name}", actor)
        app.router.add_get("/users/{name}/statuses/{id}", status)
        for leaf in ("outbox", "followers", "following"):
            app.router.add_get(f"/users/{{name}}/{leaf}", collection)
        app.router.add_post("/users/{name}/inbox", inbox)
        app.router.add_get("/authorize_interaction", authorize_interaction)
        app.router.add_route("*", "/{tail:.*}", other)
        runner = web.AppRunner(app, access_log=None)
        self.loop.run_until_complete(runner.setup())
        self.loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", self.port).start())
        self._runner = runner
        self._ready.set()
        self.loop.run_forever()

    def _handle(self, name: str, activity: dict) -> None:
        """What the peer does with a verified activity, after answering 202."""
        kind = activity.get("type")
        if kind == "Follow" and ref(activity.get("object")) == self.actor(name):
            accept = {
                "@context": CONTEXT[0],
                "id": self.next_id(name, "accepts"),
                "type": "Accept",
                "actor": self.actor(name),
                "to": ref(activity.get("actor")),
                "object": activity,
            }
            self.loop.create_task(self._deliver_to_actor(name, ref(activity.get("actor")), accept))
        elif kind == "Accept":
            followed = ref(activity.get("actor"))
            doc = self._docs.get(followed) or {}
            if doc.get("followers"):
                self.following.add(doc["followers"])

    def stop(self) -> None:
        async def shutdown():
            await self._runner.cleanup()

        fut = asyncio.run_coroutine_threadsafe(shutdown(), self.loop)
        try:
            fut.result(10)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
            for handler in list(self.log.handlers):
                self.log.removeHandler(handler)
                logging.getLogger("aiohttp.server").removeHandler(handler)
                handler.close()

    # --- acting (from the suite's thread)

    def call(self, coro, timeout: float = 60):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def deliver(self, name: str, inbox: str, activity: dict, forged: bool = False) -> dict:
        """POSTs `activity` signed by `name` (with the key its actor does not publish when
        `forged`); retries 5xx and network errors, never a 4xx."""
        body = json.dumps(activity).encode()
        record = {"id": activity["id"], "type": activity.get("type"), "url": inbox, "attempts": []}
        self.deliveries.append(record)
        async with aiohttp.ClientSession() as session:
            for attempt in range(DELIVERY_ATTEMPTS):
                if attempt:
                    await asyncio.sleep(RETRY_PAUSE * attempt)
                headers = self._signed_headers(name, "POST", inbox, body, forged)
                headers["Content-Type"] = "application/activity+json"
                try:
                    async with session.post(inbox, data=body, headers=headers) as r:
                        status, text = r.status, (await r.text())[:300]
                except aiohttp.ClientError as e:
                    status, text = None, f"{type(e).__name__}: {e}"
                record["attempts"].append({"status": status, "text": text})
                self.log.info("POST %s %s to %s → %s %s", activity.get("type"), activity["id"], inbox, status, text)
                if status is not None and status < 500:
                    break  # delivered, or refused for good (4xx is never retried)
        return record

    async def _deliver_to_actor(self, name: str, actor: str, activity: dict, forged: bool = False) -> dict:
        doc = self._docs.get(actor) or await self.fetch(actor, name)
        return await self.deliver(name, doc["inbox"], activity, forged)

    async def follow(self, name: str, target: str, forged: bool = False) -> dict:
        follow = {"@context": CONTEXT[0], "id": self.next_id(name, "follows"), "type": "Follow", "actor": self.actor(name), "object": target}
        return await self._deliver_to_actor(name, target, follow, forged)

    async def reply(self, name: str, post: str, content: str) -> tuple[dict, str, dict]:
        """Reads the post and its reply policy, then replies, as a GoToSocial user would.
        Returns the Note, the permission the policy gives and the delivery."""
        doc = await self.fetch(post, name)
        allowed = permission(doc, "canReply", self.actor(name), self.following)
        author = ref(doc.get("attributedTo"))
        note_id = self.next_id(name, "statuses")
        note = {
            "id": note_id,
            "type": "Note",
            "attributedTo": self.actor(name),
            "inReplyTo": post,
            "content": content,
            "published": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "to": [PUBLIC],
            "cc": [f"{self.actor(name)}/followers", author],
            "tag": [{"type": "Mention", "href": author}],
            "interactionPolicy": {
                sub: {"automaticApproval": [PUBLIC], "manualApproval": []} for sub in ("canLike", "canReply", "canAnnounce")
            },
        }
        self.statuses[note_id] = {"@context": CONTEXT, **note}
        create = {
            "@context": CONTEXT,
            "id": f"{note_id}/activity",
            "type": "Create",
            "actor": self.actor(name),
            "to": note["to"],
            "cc": note["cc"],
            "object": note,
        }
        delivery = await self._deliver_to_actor(name, author, create)
        return note, allowed, delivery

    # --- what it saw

    def received(self, pred=lambda a: True) -> list[dict]:
        """Verified activities its inboxes accepted, oldest first."""
        return [r for r in list(self.requests) if r.get("verified") and pred(r["activity"])]

    def gets(self, path: str) -> list[dict]:
        return [r for r in list(self.requests) if r["method"] == "GET" and r["path"] == path]
