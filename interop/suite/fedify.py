"""Chorus against a peer built on Fedify (fedify/peer.ts), once per first-knock scheme.

Fedify rejects deliveries that are unsigned, tampered, lack a Digest, carry a Date over an
hour old or are signed by someone other than the actor, so every activity of Chorus's that
reaches the peer's listener has passed an independent signature check.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
from pathlib import Path

from .browser import Browser
from .common import INTEROP_PASSWORD, Chorus, Results, free_port, get_json, http, peer_base, post_json, spawn, stop, wait_for

PEER = "Fedify 2.3.6"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"

# The suite's label for each first knock, and Fedify's name for it.
SCHEMES = {
    "RFC 9421 first": ("rfc9421", "rfc9421"),
    "draft-cavage first": ("draft-cavage-http-signatures-12", "draft-cavage"),
}


# Fedify's own warnings and errors while it dealt with Chorus, deduplicated, for the notes.
WARNINGS: list[str] = []


def _collect_warnings(log: Path) -> None:
    if not log.exists():
        return
    for line in log.read_text(errors="replace").splitlines():
        m = re.match(r"^\S+ (WRN|ERR|FTL) (fedify\S*) (.*)$", line)
        if m:
            text = f"{m.group(1)} {m.group(2)}: {m.group(3)[:300]}"
            if text not in WARNINGS:
                WARNINGS.append(text)


class Peer:
    def __init__(self, deno: Path, peer_dir: Path, knock: str, log: Path):
        self.port = free_port()
        # The peer listens on 127.0.0.1 and names itself by this URL (Fedify's `origin`).
        self.base = peer_base(self.port)
        self.process = spawn([str(deno), "run", "-A", "peer.ts", str(self.port), knock, self.base], cwd=peer_dir, log=log)
        self.actor = wait_for("the Fedify peer to start", self._health, timeout=60)

    def _health(self):
        if self.process.poll() is not None:
            raise RuntimeError(f"the Fedify peer exited with {self.process.returncode}")
        try:
            return http("GET", f"{self.base}/_control/health", timeout=5).json()["actor"]
        except OSError:
            return None

    def cmd(self, name: str, **args) -> dict:
        r = post_json(f"{self.base}/_control/{name}", args)
        doc = r.json()
        if r.status != 200:
            raise RuntimeError(f"peer {name} failed: {doc.get('error')}")
        return doc

    def received(self) -> dict:
        return http("GET", f"{self.base}/_control/received").json()

    def outgoing(self) -> list[dict]:
        return http("GET", f"{self.base}/_control/outgoing").json()["outgoing"]

    def posts_of(self, activity_id: str) -> list[dict]:
        """The POSTs (first knock, then any retry) that carried the activity `activity_id`."""
        return [o for o in self.outgoing() if o["method"] == "POST" and activity_id in (o["body"] or "")]

    def wait_verified(self, what: str, pred, timeout: float = 15.0) -> dict:
        def find():
            for v in self.received()["verified"]:
                if pred(v):
                    return v
            return None

        return wait_for(what, find, timeout=timeout)

    def stop(self) -> None:
        stop(self.process)


def _ref(v) -> str | None:
    if isinstance(v, dict):
        return v.get("id")
    if isinstance(v, list) and v:
        return _ref(v[0])
    return v


def _as_list(v) -> list:
    return v if isinstance(v, list) else ([] if v is None else [v])


def _knock(peer: Peer, activity_id: str, expected: str) -> tuple[bool, str]:
    """The peer's delivery of `activity_id` was answered 2xx on the first knock, signed `expected`."""
    posts = peer.posts_of(activity_id)
    if not posts:
        return False, f"the peer sent no POST carrying {activity_id}"
    first = posts[0]
    trail = ", ".join(f"{p['scheme']} → {p['status'] or p['error']}" for p in posts)
    ok = first["scheme"] == expected and first["status"] is not None and 200 <= first["status"] < 300
    return ok, f"Chorus answered: {trail}"


def _received_delivery_ok(peer: Peer, activity_id: str) -> tuple[bool, str]:
    """How Chorus signed the delivery of `activity_id` and what Fedify answered."""
    for r in peer.received()["received"]:
        if activity_id in r["body"]:
            sig = r["headers"].get("signature", "")
            scheme = "RFC 9421" if "signature-input" in r["headers"] else ("draft-cavage" if sig else "unsigned")
            return 200 <= r["status"] < 300, f"signed {scheme}, Fedify answered {r['status']}"
    return False, "not received"


def _answers(peer, kinds: tuple[str, ...] = ("Accept", "Reject")) -> list[dict]:
    """Activities of `kinds` the peer received, parsed."""
    found = []
    for r in peer.received()["received"]:
        try:
            body = json.loads(r["body"])
        except (TypeError, ValueError):
            continue
        if isinstance(body, dict) and body.get("type") in kinds:
            found.append(body)
    return found


def run(results: Results, chorus_bin: Path, deno: Path, peer_dir: Path, work: Path) -> list[dict]:
    """Runs every scenario under both first knocks. Returns the peer's signed POSTs that Chorus
    accepted, with the peer's public key, for the signature referee."""
    accepted: list[dict] = []
    for label, (knock, scheme) in SCHEMES.items():
        print(f"Fedify, first knock {scheme}:", flush=True)
        tag = scheme.replace(" ", "-")
        chorus = Chorus(chorus_bin, work / f"fedify-{tag}", f"fedify {tag}")
        peer = None
        try:
            chorus.start()
            chorus.create_user("alice")
            peer = Peer(deno, peer_dir, knock, work / f"fedify-{tag}" / "peer.log")
            if label == next(iter(SCHEMES)):
                _collections(results, chorus, peer)
                _account_move(results, chorus, peer)
            _scenarios(results, chorus, peer, label, scheme)
            key = _peer_key(peer)
            for o in peer.outgoing():
                if o["method"] == "POST" and o["status"] and 200 <= o["status"] < 300 and o["url"].startswith(chorus.base):
                    accepted.append({**o, "public_key_pem": key, "label": label})
        except Exception as e:
            results.add(PEER, "suite ran to the end", label, False, f"{type(e).__name__}: {e}")
        finally:
            if peer:
                peer.stop()
            chorus.stop()
            _collect_warnings(work / f"fedify-{tag}" / "peer.log")
    return accepted


def _peer_key(peer: Peer) -> str:
    doc = get_json(peer.actor).json()
    key = doc["publicKey"]
    key = key[0] if isinstance(key, list) else key
    return key["publicKeyPem"]


def _collections(results: Results, chorus: Chorus, peer: Peer) -> None:
    """Fedify walks Chorus's collections page by page (unsigned GETs, so once, not per scheme)."""
    from concurrent.futures import ThreadPoolExecutor

    count = 23  # more than one page of 20
    chorus.create_user("bob")
    with ThreadPoolExecutor(3) as pool:
        urls = list(pool.map(lambda i: chorus.publish("bob", f"paged-{i:02d}", f"Paged {i}", f"Post {i}."), range(count)))
    bob = chorus.actor("bob")

    def outbox():
        v = peer.cmd("collection", url=f"{bob}/outbox")
        creates = [i for i in v["items"] if i["class"] == "Create"]
        found = {i["object"] for i in creates}
        missing = [u for u in urls if u not in found]
        ok = v["totalItems"] == count and len(v["items"]) == count and not missing
        return ok, f"totalItems {v['totalItems']}, {len(v['items'])} items over the pages ({len(creates)} Create), {len(missing)} posts missing"

    def featured():
        pinned = chorus.publish("bob", "paged-03", "Paged 3", "Post 3.", extra={"pinned": "true"})
        v = peer.cmd("collection", url=f"{bob}/featured")
        articles = [i["id"] for i in v["items"] if i["class"] == "Article"]
        return articles == [pinned], f"featured holds {articles} (pinned: {pinned})"

    check = lambda scenario, fn: results.check(PEER, scenario, "unsigned GET", fn)  # noqa: E731
    check(f"walk a paged outbox ({count} posts) → every Create", outbox)
    check("read `featured` → the Article the author pinned, and nothing else", featured)


def _account_move(results: Results, chorus: Chorus, peer: Peer) -> None:
    """An author moves to another account that names them in `alsoKnownAs`: Fedify's peer
    (following the old account) gets the Move, checks the aliases and follows the new one."""
    chorus.create_user("carol")
    chorus.create_user("dave")
    carol, dave = chorus.actor("carol"), chorus.actor("dave")

    def moved():
        peer.cmd("follow", actor=carol)
        wait_for("the peer to follow carol", lambda: chorus.total("carol", "followers") == 1, timeout=15)
        chorus.cli("user", "alias", "dave", carol)
        aliases = get_json(dave).json().get("alsoKnownAs")
        chorus.cli("user", "move", "carol", "--to", dave)
        move = peer.wait_verified("the Move", lambda v: v["type"] == "Move" and v["actor"] == carol)
        target = _ref(move["json"].get("target"))
        wait_for("the peer to follow dave", lambda: chorus.total("dave", "followers") == 1, timeout=30)
        moved_to = get_json(carol).json().get("movedTo")
        ok = target == dave and moved_to == dave and aliases == [carol]
        return ok, f"dave's alsoKnownAs {aliases}; Move target {target}; carol's movedTo {moved_to}; dave now has 1 follower (the peer)"

    results.check(PEER, "account Move (alsoKnownAs checked) → the peer follows the new account", "Move", moved)


def _scenarios(results: Results, chorus: Chorus, peer: Peer, label: str, scheme: str) -> None:
    check = lambda scenario, fn, feature=None: results.check(PEER, scenario, label, fn, feature)  # noqa: E731
    alice, community = chorus.actor("alice"), chorus.actor("community")
    first_post = chorus.publish(
        "alice", "interop-article", "Interop article", "A body with *emphasis*.", tags=["interop", "rust"], summary="What this is about"
    )

    # --- Look-ups: what Fedify reads from Chorus's documents
    def actor_fields(url: str, kind: str):
        def fn():
            v = peer.cmd("lookup", url=url)
            key = v.get("publicKey") or {}
            problems = []
            if v["class"] != kind:
                problems.append(f"class {v['class']}, expected {kind}")
            for f in ("inbox", "outbox", "followers", "sharedInbox"):
                if not v.get(f):
                    problems.append(f"no {f}")
            if key.get("owner") != url or not key.get("hasKey") or key.get("id") != f"{url}#main-key":
                problems.append(f"publicKey {key}")
            return not problems, "; ".join(problems) or f"{kind} with inbox, outbox, followers, sharedInbox, publicKey"

        return fn

    check("look up the author (Person)", actor_fields(alice, "Person"))
    check("look up the community (Group)", actor_fields(community, "Group"))

    def article_fields():
        v = peer.cmd("lookup", url=first_post)
        expect = {
            "class": "Article",
            "name": "Interop article",
            "url": first_post,
            "attributedTo": alice,
            "mediaType": "text/html",
        }
        problems = [f"{k}={v.get(k)!r}" for k, want in expect.items() if v.get(k) != want]
        if not v.get("summary") or "What this is about" not in v["summary"]:
            problems.append(f"summary={v.get('summary')!r}")
        if not v.get("content") or "<em>emphasis</em>" not in v["content"]:
            problems.append(f"content={v.get('content')!r}")
        if not v.get("published"):
            problems.append("no published")
        if PUBLIC not in v.get("to", []):
            problems.append(f"to={v.get('to')}")
        names = sorted(t["name"] for t in v.get("tags", []) if t["class"] == "Hashtag")
        if names != ["#interop", "#rust"]:
            problems.append(f"Hashtags {names}")
        return not problems, "; ".join(problems) or "name, summary, url, attributedTo, published, content, mediaType, Hashtags, to Public"

    check("look up an Article", article_fields)

    # --- Follows: the peer knocks with its first scheme; Chorus answers with a signed Accept
    def follow(target: str):
        def fn():
            before = chorus.total(target.rsplit("@", 1)[1], "followers")
            sent = peer.cmd("follow", actor=target)["sent"]
            ok, knock = _knock(peer, sent, scheme)
            if not ok:
                return False, knock
            accept = peer.wait_verified(
                f"an Accept of {sent}", lambda v: v["type"] == "Accept" and _ref(v["json"].get("object")) == sent
            )
            obj = accept["json"]["object"]
            problems = []
            if accept["actor"] != target:
                problems.append(f"Accept from {accept['actor']}")
            if not isinstance(obj, dict) or obj.get("type") != "Follow" or obj.get("actor") != peer.actor:
                problems.append(f"Accept object is {obj!r}, not the Follow")
            after = chorus.total(target.rsplit("@", 1)[1], "followers")
            if after != before + 1:
                problems.append(f"followers totalItems {before} → {after}")
            _, signed = _received_delivery_ok(peer, accept["id"])
            return not problems, "; ".join(problems) or f"{knock}; Accept(Follow) {signed}"

        return fn

    check("follow the author → signed Accept of the Follow", follow(alice))
    check("follow the community → signed Accept of the Follow", follow(community))

    def followers():
        v = peer.cmd("collection", url=f"{alice}/followers")
        ids = [i["id"] for i in v["items"]]
        return peer.actor in ids and v["totalItems"] == len(ids), f"totalItems {v['totalItems']}, items {ids}"

    check("walk the author's followers → the peer", followers)

    # --- A post published by CLI reaches the peer: Create from the author, Announce from the community
    post = chorus.publish("alice", "interop-delivered", "Delivered by interop", "First version.", tags=["interop"])
    created: dict = {}

    def create():
        v = peer.wait_verified(
            "Create(Article)", lambda v: v["type"] == "Create" and _ref(v["json"].get("object")) == post
        )
        created.update(v)
        obj = v["json"]["object"]
        problems = []
        if v["actor"] != alice:
            problems.append(f"actor {v['actor']}")
        if obj.get("type") != "Article":
            problems.append(f"object type {obj.get('type')}")
        _, signed = _received_delivery_ok(peer, v["id"])
        return not problems, "; ".join(problems) or f"Create(Article) from the author, {signed}"

    def announce():
        # The community announces the author's own Create, embedded (FEP-1b12).
        def carries_post(v):
            obj = v["json"].get("object")
            return isinstance(obj, dict) and obj.get("type") == "Create" and _ref(obj.get("object")) == post

        v = peer.wait_verified("Announce", lambda v: v["type"] == "Announce" and carries_post(v))
        _, signed = _received_delivery_ok(peer, v["id"])
        return v["actor"] == community, f"Announce(Create) from {v['actor']}, {signed}"

    check("publish by CLI → Create(Article) from the author", create)
    check("publish by CLI → Announce(Create) from the community", announce)

    def followers_synchronization():
        # FEP-8fcf: a delivery to a server where the author has followers names the author's
        # followers there by a digest: the XOR of the SHA-256 of each follower id.
        delivered = [r for r in peer.received()["received"] if created.get("id") and created["id"] in r["body"]]
        if not delivered:
            return False, "the Create was not received"
        header = delivered[0]["headers"].get("collection-synchronization", "")
        fields = dict(re.findall(r'(\w+)="([^"]*)"', header))
        expected = hashlib.sha256(peer.actor.encode()).hexdigest()
        unsigned = http("GET", fields.get("url", chorus.base + "/missing")).status if fields.get("url") else None
        ok = (
            fields.get("collectionId") == f"{alice}/followers"
            and fields.get("digest") == expected
            and fields.get("url", "").startswith(chorus.base + "/")
            and unsigned in (401, 403)
        )
        return ok, f"collectionId {fields.get('collectionId', '-').replace(chorus.base, '')}, digest {'matches' if fields.get('digest') == expected else 'differs from'} SHA-256 of the peer's actor id, its partial collection answers an unsigned GET {unsigned}"

    check("deliveries carry a FEP-8fcf Collection-Synchronization header whose digest checks out", followers_synchronization)

    def proof():
        # The Create as Chorus sent it, with its eddsa-jcs-2022 proof (FEP-8b32).
        raw = next((json.loads(r["body"]) for r in peer.received()["received"] if created.get("id") and created["id"] in r["body"]), None)
        if raw is None or "proof" not in raw:
            return False, "the Create carries no proof"
        good = peer.cmd("verify-proof", json=raw)["verified"]
        tampered = dict(raw, id=raw["id"] + "-changed")
        bad = peer.cmd("verify-proof", json=tampered)["verified"]
        p = raw["proof"]
        return good and not bad, (
            f"{p.get('cryptosuite')} by {p.get('verificationMethod')}: Fedify's verifyObject "
            f"{'accepts' if good else 'rejects'} it, and {'accepts' if bad else 'rejects'} a tampered copy"
        )

    check("Create(Article) carries an eddsa-jcs-2022 proof that Fedify verifies (FEP-8b32)", proof)

    def update():
        chorus.publish("alice", "interop-delivered", "Delivered by interop", "Second version, edited.", tags=["interop"])
        v = peer.wait_verified(
            "Update(Article)",
            lambda v: v["type"] == "Update" and _ref(v["json"].get("object")) == post and "Second version" in str(v["json"]),
        )
        obj = v["json"]["object"]
        before = (created.get("json", {}).get("object") or {})
        before_time = before.get("updated") or before.get("published")
        updated = obj.get("updated")
        ok = bool(updated) and bool(before_time) and updated > before_time
        _, signed = _received_delivery_ok(peer, v["id"])
        return ok, f"updated {updated!r} after {before_time!r}, {signed}"

    check("edit (same slug) → Update with a newer `updated`", update)

    def delete():
        chorus.cli("post", "delete", post)
        v = peer.wait_verified("Delete", lambda v: v["type"] == "Delete" and _ref(v["json"].get("object")) == post)
        gone = http("GET", post, headers={"Accept": "application/activity+json"})
        tomb = gone.json().get("type") if gone.status == 410 else None
        _, signed = _received_delivery_ok(peer, v["id"])
        ok = v["actor"] == alice and gone.status == 410 and tomb == "Tombstone"
        return ok, f"Delete from {v['actor']}, {signed}; the post then answers {gone.status} {tomb or ''}".strip()

    check("delete → Delete, then 410 with a Tombstone", delete)

    # --- The peer acts on a Chorus post: Chorus answers 2xx today; counting them is pending
    page_before = http("GET", first_post).text
    replies = {}

    def reacts(kind: str, **args):
        def fn():
            sent = peer.cmd(kind, url=first_post, **args)["sent"]
            replies[kind] = sent
            return _knock(peer, sent, scheme)

        return fn

    marker = f"Reply from Fedify ({scheme}) to check comments"
    check("reply Create(Note) → Chorus answers 2xx", reacts("reply", text=f"<p>{marker}</p>"))
    check("Like → Chorus answers 2xx", reacts("like"))
    check("Announce (boost) → Chorus answers 2xx", reacts("boost"))

    def reply_is_comment():
        page = http("GET", first_post).text
        shown = marker in page and marker not in page_before
        # Mastodon polls `replies` to fill a thread: Fedify walks it the same way.
        note = replies["reply"].removesuffix("/activity")
        walked = peer.cmd("collection", url=f"{first_post}/replies")
        listed = note in {i["id"] for i in walked["items"]}
        return shown and listed, f"reply shown on the page: {shown}; in `replies` (totalItems {walked['totalItems']}): {listed}"

    def counted(collection: str, css_class: str):
        """Counted where a peer or a reader sees it: the Article's `likes`/`shares` collection,
        or the count on the post's page."""

        def fn():
            doc = get_json(first_post).json()
            c = doc.get(collection)
            total = c.get("totalItems") if isinstance(c, dict) else None
            m = re.search(rf'class="{css_class}"[^>]*>\s*(\d+)', http("GET", first_post).text)
            shown = int(m.group(1)) if m else None
            return bool(total) or bool(shown), f"Article `{collection}` totalItems {total}; the page shows {shown}"

        return fn

    check("reply appears as a comment", reply_is_comment, feature="replies-as-comments")
    check("Like counted", counted("likes", "likes"), feature="replies-as-comments")
    check("boost counted", counted("shares", "boosts"), feature="replies-as-comments")

    def undone(kind: str, collection: str, css_class: str):
        def fn():
            before, _ = counted(collection, css_class)()
            ok, knock = _knock(peer, peer.cmd("undo", id=replies[kind])["sent"], scheme)
            try:
                wait_for("the count to drop", lambda: not counted(collection, css_class)()[0], timeout=5)
            except TimeoutError:
                pass
            still, seen = counted(collection, css_class)()
            return ok and before and not still, f"{knock}; counted before: {before}; after: {seen}"

        return fn

    check("Undo(Like) → no longer counted", undone("like", "likes", "likes"), feature="replies-as-comments")
    check("Undo(Announce) → no longer counted", undone("boost", "shares", "boosts"), feature="replies-as-comments")

    # --- Unfollow
    def unfollow():
        before = chorus.total("alice", "followers")
        sent = peer.cmd("unfollow", actor=alice)["sent"]
        ok, knock = _knock(peer, sent, scheme)
        try:
            wait_for("the follower to go", lambda: chorus.total("alice", "followers") < before, timeout=5)
        except TimeoutError:
            pass
        after = chorus.total("alice", "followers")
        return ok and after == before - 1, f"{knock}; followers totalItems {before} → {after}"

    check("unfollow (Undo Follow) → follower removed", unfollow)

    # --- Chorus follows the peer: its Follow passes Fedify's checks, the peer's Accept counts
    def chorus_follows():
        chorus.cli("follow", "--as", "alice", peer.actor)
        follow = peer.wait_verified("a Follow from the author", lambda v: v["type"] == "Follow" and v["actor"] == alice)
        try:
            wait_for("the Accept to count", lambda: chorus.total("alice", "following") == 1, timeout=10)
        except TimeoutError:
            pass
        total = chorus.total("alice", "following")
        # The peer answers while it handles the Follow: its records are complete once the
        # delivery of the Follow has been answered.
        wait_for("the Follow's delivery to be answered", lambda: _received_delivery_ok(peer, follow["id"])[1] != "not received")
        _, signed = _received_delivery_ok(peer, follow["id"])
        ok, knock = _knock(peer, follow["id"], scheme)
        return ok and total == 1, f"Follow {signed}; the peer's Accept: {knock}; following totalItems {total}"

    def chorus_unfollows():
        chorus.cli("unfollow", "--as", "alice", peer.actor)
        undo = peer.wait_verified("an Undo from the author", lambda v: v["type"] == "Undo" and v["actor"] == alice)
        inner = undo["json"].get("object")
        _, signed = _received_delivery_ok(peer, undo["id"])
        total = chorus.total("alice", "following")
        ok = isinstance(inner, dict) and inner.get("type") == "Follow" and total == 0
        return ok, f"Undo({inner.get('type') if isinstance(inner, dict) else inner}) {signed}; following totalItems {total}"

    check("`chorus follow` the peer → Follow verified by Fedify, its Accept counted", chorus_follows)
    check("`chorus unfollow` the peer → Undo(Follow) verified by Fedify", chorus_unfollows)

    # --- A tampered copy of a request Chorus accepted: the body changed and its digest
    # recomputed, so that only the signature can tell.
    # --- Quote consent (FEP-044f): the peer quotes a post and asks, as Mastodon 4.5 does
    def answer_to(request_id: str):
        def find():
            for r in peer.received()["received"]:
                try:
                    body = json.loads(r["body"])
                except (TypeError, ValueError):
                    continue
                obj = body.get("object")
                if body.get("type") in ("Accept", "Reject") and isinstance(obj, dict) and obj.get("id") == request_id:
                    return body
            return None

        return wait_for(f"an answer to {request_id}", find)

    quotes: dict[str, str] = {}

    def quote_allowed():
        sent = peer.cmd("quote", url=first_post)
        answer = answer_to(sent["sent"])
        result = answer.get("result")
        quotes.update(first=sent.get("note", ""), stamp=result if isinstance(result, str) else "")
        if answer["type"] != "Accept" or not isinstance(result, str):
            return False, f"{answer['type']} with result {result!r}"
        stamp = peer.cmd("lookup", url=result)
        same_host = result.startswith(chorus.base + "/")
        ok = stamp["class"] == "QuoteAuthorization" and stamp["id"] == result and same_host
        return ok, f"Accept from {answer.get('actor')}; Fedify reads {result.replace(chorus.base, '')} as {stamp['class']}"

    def quote_refused():
        closed = chorus.publish("alice", "no-quotes", "Not to be quoted", "Read, do not quote.", extra={"quotes": "nobody"})
        sent = peer.cmd("quote", url=closed)
        answer = answer_to(sent["sent"])
        return answer["type"] == "Reject" and "result" not in answer, f"{answer['type']} from {answer.get('actor')}"

    check("QuoteRequest (policy anyone) → Accept with a QuoteAuthorization on Chorus's host", quote_allowed)
    check("QuoteRequest (policy nobody) → Reject", quote_refused)

    def quote_held_then_allowed_in_browser():
        held = chorus.publish("alice", "ask-first", "Ask first", "Ask before you quote.", extra={"quotes": "ask"})
        sent = peer.cmd("quote", url=held)
        time.sleep(2)
        early = [a for a in _answers(peer) if a.get("object", {}).get("id") == sent["sent"]]
        if early:
            return False, f"answered {early[0]['type']} before the author decided"
        with Browser() as browser:
            browser.sign_in(chorus.base, "alice", INTEROP_PASSWORD)
            browser.open(f"{chorus.base}/quotes")
            browser.click("li.quote-entry button[name=action][value=allow]")
        answer = answer_to(sent["sent"])
        result = answer.get("result")
        ok = answer["type"] == "Accept" and isinstance(result, str) and result.startswith(chorus.base + "/")
        return ok, f"nothing answered for 2 s; after Allow in Chromium: {answer['type']} with {str(result).replace(chorus.base, '')}"

    def quoted_by_on_the_post():
        page = http("GET", first_post).text
        section = page.split('class="quoted-by"', 1)[1].split("</ul>", 1)[0] if 'class="quoted-by"' in page else ""
        note = quotes.get("first", "")
        return bool(note) and note in section, f"the post's Quoted by list {'names' if note in section else 'lacks'} the peer's quote"

    def revoked_in_browser():
        stamp = quotes.get("stamp")
        if not stamp:
            return False, "no authorization to take back"
        entry = stamp.rsplit("/", 1)[-1]
        with Browser() as browser:
            browser.sign_in(chorus.base, "alice", INTEROP_PASSWORD)
            browser.open(f"{chorus.base}/quotes")
            browser.click(f"form[action='/quotes/{entry}/revoke'] button[type=submit]")

        def deleted():
            for a in _answers(peer, ("Delete",)):
                obj = a.get("object")
                if isinstance(obj, dict) and obj.get("id") == stamp:
                    return a
            return None

        delete = wait_for("the Delete of the authorization", deleted)
        gone = http("GET", stamp, headers={"accept": "application/activity+json"}).status
        public = "https://www.w3.org/ns/activitystreams#Public" in (delete.get("to") or [])
        return public and gone == 410, f"Delete({delete['object'].get('type')}) to Public: {public}; the authorization now answers {gone}"

    check("QuoteRequest (policy ask me) held until the author allows it in the browser → Accept", quote_held_then_allowed_in_browser)
    check("the peer's allowed quote is listed under Quoted by on the post", quoted_by_on_the_post)
    check("the author takes the quote back in the browser → public Delete of the QuoteAuthorization reaches the peer", revoked_in_browser)

    def tampered():
        posts = [
            o for o in peer.outgoing()
            if o["method"] == "POST" and o["scheme"] == scheme and o["status"] and 200 <= o["status"] < 300 and o["url"].startswith(chorus.base)
        ]
        if not posts:
            return False, f"Chorus accepted no {scheme} request to tamper with"
        p = posts[-1]
        original = p["body"] or ""
        # A new activity id, so that Chorus's replay protection cannot hide a failure.
        doc = json.loads(original)
        doc["id"] = f"{doc['id']}-tampered"
        body = json.dumps(doc).encode()
        digest = hashlib.sha256(body).digest()
        headers = {k: v for k, v in p["headers"].items() if k not in ("content-length", "host")}
        if "content-digest" in headers:
            headers["content-digest"] = f"sha-256=:{base64.b64encode(digest).decode()}:"
        if "digest" in headers:
            headers["digest"] = f"SHA-256={base64.b64encode(digest).decode()}"
        control = http("POST", p["url"], headers={k: v for k, v in p["headers"].items() if k not in ("content-length", "host")}, body=original.encode())
        r = http("POST", p["url"], headers=headers, body=body)
        ok = 200 <= control.status < 300 and r.status == 401
        return ok, f"the untampered copy got {control.status}; with another body (digest recomputed) {r.status}"

    check("tampered copy of an accepted request → 401", tampered)
