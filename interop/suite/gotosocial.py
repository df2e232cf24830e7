"""Chorus against a peer that behaves like GoToSocial 0.20 where it is strict (`gts_peer.py`).

The peer's users sign with key ids `<actor>/main-key` that answer a reduced actor; the peer
checks the signer of every signed GET by WebFinger, answers 406 to WebFinger asked with the
ActivityPub type, reads `interactionPolicy`, and never retries a delivery answered 4xx, so a
row passes only if Chorus gets each of these right on the first try. What Chorus sends it is
verified with bovine, the same independent verifier the signature referee uses.
"""

from __future__ import annotations

import html.parser
import urllib.parse
from pathlib import Path

from .common import Chorus, Results, free_port, get_json, http, wait_for
from .gts_peer import PUBLIC, GoToSocialPeer, accepts_jrd, as_list, permission, ref

PEER = "GoToSocial-like peer"
SCHEME = "draft-cavage (hs2019)"


class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if href:
            self.hrefs.append(href)


def _first_knock(delivery: dict) -> tuple[bool, str]:
    """The delivery was answered 2xx at once (the peer never retries a 4xx)."""
    trail = ", ".join(str(a["status"] or a["text"]) for a in delivery["attempts"])
    first = delivery["attempts"][0]["status"] if delivery["attempts"] else None
    return first is not None and 200 <= first < 300, f"Chorus answered {trail}"


def _verified(peer: GoToSocialPeer, what: str, pred, timeout: float = 15) -> dict:
    """The first activity the peer's inboxes accepted (signature verified by bovine) that
    matches `pred`; the request record, with `activity` and `key_id`."""
    return wait_for(what, lambda: next(iter(peer.received(pred)), None), timeout=timeout)


def run(results: Results, chorus_bin: Path, work: Path) -> None:
    print("GoToSocial-like peer:", flush=True)
    workdir = work / "gotosocial"
    chorus = Chorus(chorus_bin, workdir, "gotosocial")
    peer = None
    try:
        chorus.start()
        chorus.create_user("alice")
        peer = GoToSocialPeer(free_port(), ["bob", "carol"], workdir / "peer.log")
        _scenarios(results, chorus, peer)
    except Exception as e:
        results.add(PEER, "suite ran to the end", SCHEME, False, f"{type(e).__name__}: {e}")
    finally:
        if peer:
            peer.stop()
        chorus.stop()


def _scenarios(results: Results, chorus: Chorus, peer: GoToSocialPeer) -> None:
    check = lambda scenario, fn, scheme=SCHEME: results.check(PEER, scenario, scheme, fn)  # noqa: E731
    alice = chorus.actor("alice")
    host = urllib.parse.urlsplit(chorus.base).netloc
    bob = peer.actor("bob")

    # --- Look-up, as GoToSocial asks: WebFinger as a JRD, then a signed GET of the actor
    def lookup():
        url = f"{chorus.base}/.well-known/webfinger?" + urllib.parse.urlencode({"resource": f"acct:alice@{host}"})
        r = http("GET", url, headers={"Accept": "application/jrd+json"})
        problems = []
        if r.status != 200:
            return False, f"WebFinger answered {r.status}"
        kind = r.headers.get("content-type", "")
        if not kind.startswith(("application/jrd+json", "application/json")):
            problems.append(f"WebFinger content type {kind!r}")
        jrd = r.json()
        if jrd.get("subject") != f"acct:alice@{host}":
            problems.append(f"subject {jrd.get('subject')!r}")
        selves = [link for link in jrd.get("links", []) if link.get("rel") == "self"]
        if not selves or selves[0].get("type") != "application/activity+json" or selves[0].get("href") != alice:
            return False, f"self links {selves}"
        doc = peer.call(peer.fetch(alice, "bob"))
        key = doc.get("publicKey") or {}
        for field, want in (("id", alice), ("type", "Person"), ("preferredUsername", "alice")):
            if doc.get(field) != want:
                problems.append(f"{field} {doc.get(field)!r}")
        if not doc.get("inbox"):
            problems.append("no inbox")
        if key.get("owner") != alice or not key.get("publicKeyPem") or not key.get("id"):
            problems.append(f"publicKey {key}")
        return not problems, "; ".join(problems) or (
            f"JRD ({kind.split(';')[0]}) names {alice}; the signed GET of the actor answers a Person with inbox and publicKey"
        )

    check("look up the author by WebFinger (application/jrd+json) and the actor document", lookup)

    # --- A user Chorus has never seen follows the author
    follow: dict = {}

    def follows():
        delivery = peer.call(peer.follow("bob", alice))
        follow.update(delivery)
        ok, knock = _first_knock(delivery)
        key_gets = peer.gets("/users/bob/main-key")
        actor_gets = [g for g in peer.gets("/users/bob") if g.get("status") == 200]
        problems = [] if ok else [knock]
        if not key_gets:
            problems.append("Chorus did not fetch the key document /users/bob/main-key")
        if not actor_gets:
            problems.append("no GET of /users/bob (the key's owner) was answered 200: " + "; ".join(
                f"{g.get('status')} {g.get('why', '')}" for g in peer.gets("/users/bob")
            ))
        return not problems, "; ".join(problems) or f"{knock}; Chorus fetched the reduced key document, then the owner"

    check("a user Chorus has never seen follows the author → 202 at once", follows)

    def signed_gets():
        gets = [r for r in peer.requests if r["method"] == "GET" and r["path"].startswith("/users/") and "signature" in r["headers"]]
        if not gets:
            return False, "Chorus made no signed GET"
        instance_key = f"{chorus.base}/actor#main-key"
        bad = [
            f"{g['path']}: {g.get('status')} {g.get('why') or (g.get('webfinger_check') or {}).get('why', '')} (keyId {g.get('key_id')})"
            for g in gets
            if g.get("status") != 200 or g.get("key_id") != instance_key
        ]
        checks = [g["webfinger_check"]["why"] for g in gets if g.get("webfinger_check")]
        return not bad, "; ".join(bad) or f"{len(gets)} signed GET(s) by the instance actor verified; WebFinger: {checks[0] if checks else '?'}"

    check("Chorus's signed GETs pass the peer's WebFinger check of the instance actor", signed_gets)

    def accepted():
        if not follow:
            return False, "no Follow was sent"
        got = _verified(peer, "an Accept of the Follow", lambda a: a.get("type") == "Accept" and ref(a.get("object")) == follow["id"])
        activity = got["activity"]
        problems = []
        if activity.get("actor") != alice or got.get("key_id") != f"{alice}#main-key":
            problems.append(f"Accept from {activity.get('actor')} signed with {got.get('key_id')}")
        total = chorus.total("alice", "followers")
        if total != 1:
            problems.append(f"followers totalItems {total}")
        return not problems, "; ".join(problems) or "Accept(Follow) from the author, verified by bovine; followers totalItems 1"

    check("Chorus delivers a signed Accept of the Follow", accepted)

    def forged():
        delivery = peer.call(peer.follow("carol", alice, forged=True))
        statuses = [a["status"] for a in delivery["attempts"]]
        total = chorus.total("alice", "followers")
        ok = statuses == [401] and total == 1
        return ok, f"Chorus answered {', '.join(map(str, statuses))} (not retried); followers totalItems {total}"

    check("a Follow signed with a key whose owner does not publish it → 401, no follower", forged)

    # --- Chorus publishes: the Create carries the post's reply policy
    open_post = chorus.publish("alice", "gts-open", "Open to replies", "Talk to me.")
    closed_post = _publish_closed(chorus)

    def published(post: str, want: str, rule):
        def fn():
            got = _verified(
                peer, f"the Create of {post}", lambda a: a.get("type") == "Create" and ref(a.get("object")) == post
            )
            article = got["activity"]["object"]
            can_reply = (article.get("interactionPolicy") or {}).get("canReply")
            seen = permission(article, "canReply", bob, peer.following)
            problems = []
            if article.get("type") != "Article":
                problems.append(f"object type {article.get('type')}")
            if seen != want:
                problems.append(f"the peer reads canReply as {seen!r} for its user, expected {want!r}")
            problems += rule(can_reply or {})
            return not problems, "; ".join(problems) or f"verified by bovine; canReply {can_reply}; the peer's user may reply: {seen}"

        return fn

    def anyone(policy: dict) -> list[str]:
        return [] if PUBLIC in as_list(policy.get("automaticApproval")) else ["Public not in canReply.automaticApproval"]

    def nobody(policy: dict) -> list[str]:
        problems = []
        if as_list(policy.get("automaticApproval")) != [alice]:
            problems.append(f"canReply.automaticApproval {policy.get('automaticApproval')}, expected only the author")
        if as_list(policy.get("manualApproval")):
            problems.append(f"canReply.manualApproval {policy.get('manualApproval')}")
        return problems

    check("publish (replies: anyone) → Create(Article), canReply Public in automaticApproval", published(open_post, "automatic", anyone))
    check("publish (replies: nobody) → Create(Article), canReply only the author", published(closed_post, "denied", nobody))

    # --- A reply to a post closed to replies is rejected
    def rejected():
        note, allowed, delivery = peer.call(peer.reply("bob", closed_post, "<p>A reply the policy refuses.</p>"))
        ok, knock = _first_knock(delivery)
        if not ok:
            return False, knock
        got = _verified(peer, "a Reject of the reply", lambda a: a.get("type") == "Reject" and ref(a.get("object")) == note["id"])
        reject = got["activity"]
        problems = []
        if ref(reject.get("target")) != closed_post:
            problems.append(f"target {reject.get('target')!r}")
        if reject.get("actor") != alice or got.get("key_id") != f"{alice}#main-key":
            problems.append(f"Reject from {reject.get('actor')} signed with {got.get('key_id')}")
        replies = get_json(f"{closed_post}/replies").json().get("totalItems")
        if replies != 0:
            problems.append(f"the post's replies totalItems {replies}")
        return not problems, "; ".join(problems) or (
            f"the peer read canReply as {allowed}; {knock}; Reject of the reply (target the post), verified by bovine; not kept"
        )

    check("reply to a post closed to replies → 2xx, then a signed Reject naming the reply", rejected)

    # --- Chorus follows a user by handle: WebFinger asked as a JRD
    def follow_by_handle():
        probe = http("GET", f"{peer.base}/.well-known/webfinger?resource=acct:carol@{peer.host}", headers={"Accept": "application/activity+json"})
        if probe.status != 406:
            return False, f"the peer answered {probe.status}, not 406, to WebFinger asked with the ActivityPub type"
        before = len(peer.requests)
        chorus.cli("follow", "--as", "alice", f"@{peer.handle('carol')}")
        fingers = [r for r in peer.requests[before:] if r["path"] == "/.well-known/webfinger"]
        asked = "; ".join(f"Accept {r['headers'].get('accept')!r} → {r.get('status')}" for r in fingers)
        if not any(r.get("status") == 200 for r in fingers):
            return False, f"Chorus's WebFinger requests: {asked or 'none'}"
        got = _verified(peer, "the Follow of carol", lambda a: a.get("type") == "Follow" and ref(a.get("object")) == peer.actor("carol"))
        problems = []
        if got["activity"].get("actor") != alice or got.get("key_id") != f"{alice}#main-key":
            problems.append(f"Follow from {got['activity'].get('actor')} signed with {got.get('key_id')}")
        accept = wait_for(
            "the peer's Accept to be delivered",
            lambda: next((d for d in peer.deliveries if d["type"] == "Accept" and d["attempts"]), None),
        )
        ok, knock = _first_knock(accept)
        if not ok:
            problems.append(f"the peer's Accept: {knock}")
        try:
            wait_for("the Accept to count", lambda: chorus.total("alice", "following") == 1, timeout=10)
        except TimeoutError:
            problems.append(f"following totalItems {chorus.total('alice', 'following')}")
        if not all(accepts_jrd(r["headers"].get("accept")) for r in fingers if r.get("status") == 200):
            problems.append(f"an answered WebFinger request did not ask for the JRD: {asked}")
        return not problems, "; ".join(problems) or (
            f"WebFinger with the ActivityPub type → 406; Chorus asked: {asked}; Follow verified by bovine; the peer's Accept: {knock}"
        )

    check("`chorus follow --as alice @user@peer` although WebFinger asked with the ActivityPub type gets 406", follow_by_handle)

    # --- Reply from your server: the reader's server found by WebFinger
    def interact():
        query = urllib.parse.urlencode({"post": open_post, "handle": peer.handle("bob")})
        r = http("GET", f"{chorus.base}/interact?{query}")
        if r.status != 200:
            return False, f"/interact answered {r.status}: {r.text[:200]}"
        links = _Links()
        links.feed(r.text)
        want = f"{peer.base}/authorize_interaction?uri={urllib.parse.quote(open_post, safe='')}"
        found = [h for h in links.hrefs if h.startswith(f"{peer.base}/authorize_interaction")]
        if not found:
            return False, f"no link to {peer.base}/authorize_interaction on the page"
        opened = http("GET", found[0])
        arrived = peer.interactions[-1] if peer.interactions else None
        ok = found[0] == want and opened.status == 200 and arrived == open_post
        return ok, f"the page links {found[0]}" + ("" if found[0] == want else f" (expected {want})") + (
            f"; the peer's page got uri={arrived}"
        )

    check("reply from your server: /interact links the peer's authorize_interaction template", interact, scheme="unsigned GET")


def _publish_closed(chorus: Chorus) -> str:
    """A post whose front matter closes replies (`replies: nobody`)."""
    path = chorus.workdir / "gts-closed.md"
    path.write_text("---\ntitle: Closed to replies\nslug: gts-closed\nreplies: nobody\n---\n\nJust listen.\n")
    return chorus.cli("post", "publish", "--author", "alice", str(path)).splitlines()[-1].strip()
