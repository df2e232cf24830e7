"""Chorus's community against a peer that behaves like Lemmy 1.0 where it is strict about
groups (`lemmy_peer.py`, FEP-1b12): it follows the community, takes posts only from the
community's Announce of the author's own Create, comments and votes through the community,
backfills from its outbox, and may not post into it. What Chorus sends it is verified with
bovine.
"""

from __future__ import annotations

import re
from pathlib import Path

from .common import Chorus, Results, free_port, get_json, http, wait_for
from .lemmy_peer import LemmyPeer, ref

PEER = "Lemmy-like peer"
SCHEME = "draft-cavage (hs2019)"


def _first_knock(delivery: dict) -> tuple[bool, str]:
    trail = ", ".join(str(a["status"] or a["text"]) for a in delivery["attempts"])
    first = delivery["attempts"][0]["status"] if delivery["attempts"] else None
    return first is not None and 200 <= first < 300, f"Chorus answered {trail}"


def run(results: Results, chorus_bin: Path, work: Path) -> None:
    print("Lemmy-like peer:", flush=True)
    workdir = work / "lemmy"
    chorus = Chorus(chorus_bin, workdir, "lemmy")
    peer = None
    try:
        chorus.start()
        chorus.create_user("alice")
        peer = LemmyPeer(free_port(), ["lem", "other"], workdir / "peer.log")
        _scenarios(results, chorus, peer)
    except Exception as e:
        results.add(PEER, "suite ran to the end", SCHEME, False, f"{type(e).__name__}: {e}")
    finally:
        if peer:
            peer.stop()
        chorus.stop()


def _scenarios(results: Results, chorus: Chorus, peer: LemmyPeer) -> None:
    check = lambda scenario, fn, scheme=SCHEME: results.check(PEER, scenario, scheme, fn)  # noqa: E731
    group = chorus.actor("community")
    alice = chorus.actor("alice")

    def follows():
        problems = []
        for name in ("lem", "other"):
            delivery = peer.call(peer.follow(name, group))
            ok, knock = _first_knock(delivery)
            if not ok:
                problems.append(f"{name}'s Follow: {knock}")
                continue
            wait_for(
                f"the community's Accept of {name}'s Follow",
                lambda: next(iter(peer.received(lambda a: a.get("type") == "Accept" and ref(a.get("object")) == delivery["id"])), None),
            )
        doc = get_json(group).json()
        if doc.get("type") != "Group":
            problems.append(f"the community is a {doc.get('type')}")
        if doc.get("postingRestrictedToMods") is not True:
            problems.append(f"postingRestrictedToMods {doc.get('postingRestrictedToMods')!r}")
        total = chorus.total("community", "followers")
        if total != 2:
            problems.append(f"followers totalItems {total}")
        return not problems, "; ".join(problems) or "both Follows answered 2xx; signed Accepts from the Group; postingRestrictedToMods true; followers totalItems 2"

    check("two users follow the community (Group) → signed Accept each", follows)

    post = chorus.publish("alice", "lemmy-post", "Posted in the community", "Words for the community.")

    def announced_create():
        got = wait_for(
            "the community's Announce of the Create",
            lambda: next(iter(peer.announced("lem", lambda o: o.get("type") == "Create" and ref(o.get("object")) == post)), None),
        )
        announce = got["activity"]
        create = announce["object"]
        article = create.get("object") or {}
        problems = []
        if got.get("lemmy_refusal"):
            problems.append(f"Lemmy would answer 400: {got['lemmy_refusal']}")
        if announce.get("actor") != group or got.get("key_id") != f"{group}#main-key":
            problems.append(f"Announce from {announce.get('actor')} signed with {got.get('key_id')}")
        if create.get("actor") != alice:
            problems.append(f"the embedded Create's actor {create.get('actor')!r}")
        if ref(article.get("audience")) != group:
            problems.append(f"the Article's audience {article.get('audience')!r}")
        if group not in (article.get("cc") or []):
            problems.append("the Group is not in the Article's cc")
        served = http("GET", create.get("id", ""), headers={"Accept": "application/activity+json"})
        if served.status != 200 or served.json().get("id") != create.get("id"):
            problems.append(f"the Create's id answers {served.status}")
        return not problems, "; ".join(problems) or "Announce(Create(Article)) from the Group, verified by bovine; the Create has its actor and is served at its id; audience and cc name the Group"

    check("publish → the Group announces the author's own Create, embedded, audience the Group", announced_create)

    def comment():
        note, delivery = peer.call(peer.comment("lem", group, post, "<p>A comment from Lemmy.</p>"))
        ok, knock = _first_knock(delivery)
        if not ok:
            return False, knock
        got = wait_for(
            "the community's relay of the comment to the other follower",
            lambda: next(iter(peer.announced("other", lambda o: o.get("type") == "Create" and ref(o.get("object")) == note["id"])), None),
        )
        relayed = got["activity"]["object"]
        problems = []
        if relayed.get("actor") != peer.actor("lem"):
            problems.append(f"the relayed Create's actor {relayed.get('actor')!r}")
        if got["activity"].get("actor") != group:
            problems.append(f"relayed by {got['activity'].get('actor')}")
        replies = get_json(f"{post}/replies").json().get("totalItems")
        if replies != 1:
            problems.append(f"the post's replies totalItems {replies}")
        return not problems, "; ".join(problems) or f"{knock}; approved at once (replies: anyone); Announce(Create(Note)) from the Group reached the other follower"

    check("a comment to the Group comes back re-announced to another follower", comment)

    def outbox():
        doc = get_json(f"{group}/outbox").json()
        items = doc.get("orderedItems") or []
        found = [i for i in items if i.get("type") == "Announce" and isinstance(i.get("object"), dict) and ref(i["object"].get("object")) == post]
        if not found:
            return False, f"no inline Announce(Create) of the post among {len(items)} items"
        inner = found[0]["object"]
        ok = inner.get("type") == "Create" and inner.get("actor") == alice and found[0].get("actor") == group
        return ok, f"inline Announce({inner.get('type')}) by {found[0].get('actor')}, Create by {inner.get('actor')}"

    check("the Group's outbox holds inline Announce(Create) items", outbox, scheme="unsigned GET")

    def page():
        doc, delivery = peer.call(peer.page("lem", group, "A post Chorus should refuse"))
        ok, knock = _first_knock(delivery)
        if not ok:
            return False, knock
        got = wait_for(
            "the community's Reject of the post",
            lambda: next(iter(peer.received(lambda a: a.get("type") == "Reject" and ref(a.get("object")) == doc["id"])), None),
        )
        reject = got["activity"]
        ok = reject.get("actor") == group
        return ok, f"{knock}; Reject from {reject.get('actor')}, verified by bovine"

    check("Create(Page) to the Group → Reject", page)

    def votes():
        likes = lambda: re.search(r'class="likes">(\d+)', http("GET", post).text)  # noqa: E731
        like = peer.activity("lem", "Like", post, audience=group)
        ok, knock = _first_knock(peer.call(peer.to_group("lem", group, like)))
        if not ok:
            return False, f"Like: {knock}"
        counted = likes()
        if not counted or counted.group(1) != "1":
            return False, f"after the Like the page shows {counted.group(0) if counted else 'no likes'}"
        dislike = peer.activity("lem", "Dislike", post, audience=group)
        ok, knock = _first_knock(peer.call(peer.to_group("lem", group, dislike)))
        if not ok:
            return False, f"Dislike: {knock}"
        after = likes()
        relayed = wait_for(
            "the community's relay of the Dislike",
            lambda: next(iter(peer.announced("other", lambda o: o.get("type") == "Dislike")), None),
        )
        ok = after is None and relayed is not None
        return ok, "the page showed 1 like, then none after the Dislike; both votes relayed to the other follower" if ok else f"after the Dislike: {after.group(0) if after else 'none'}"

    check("Like then Dislike (a switched vote) → the like is gone", votes)
