"""A small ActivityPub server that behaves like Lemmy 1.0 where Lemmy is strict about groups
(FEP-1b12), built on the GoToSocial-like peer's machinery (signing with draft-cavage, bovine
verification, signed GETs, recorded requests).

Written from Lemmy's federation documentation (docs/src/federation), not from its code:

- Its users follow a community (`Group`) with a signed Follow and count it once accepted.
- It takes a post in a community only from the community's `Announce` of the author's own
  activity, embedded with its `actor`: an Announce whose object is a bare URL is answered 400
  ("missing field `actor`"), as Lemmy does. A post must name its community in `audience`.
- Comments are `Note`s in reply to the post, addressed to the community (`to`, `audience`)
  and sent to the community's inbox; votes are `Like` and `Dislike` (a switched vote is a
  `Dislike` after a `Like`), also sent to the community.
- A new post is a `Create(Page)` to the community, which a community that restricts posting
  to its moderators refuses.
"""

from __future__ import annotations

import time

from .gts_peer import PUBLIC, GoToSocialPeer, ref

CONTEXT = ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1", {"lemmy": "https://join-lemmy.org/ns#"}]


def announce_problem(activity: dict) -> str | None:
    """Why Lemmy would refuse this Announce (400), or None."""
    obj = activity.get("object")
    if not isinstance(obj, dict):
        return "missing field `actor`"
    if not obj.get("actor"):
        return "missing field `actor`"
    return None


class LemmyPeer(GoToSocialPeer):
    """Lemmy's key ids are `<actor>#main-key`, served with the actor itself."""

    def key_id(self, name: str) -> str:
        return f"{self.actor(name)}#main-key"

    def actor_doc(self, name: str) -> dict:
        doc = super().actor_doc(name)
        doc["@context"] = CONTEXT
        doc["name"] = f"{name} (Lemmy-like peer)"
        return doc

    def _handle(self, name: str, activity: dict) -> None:
        if activity.get("type") == "Announce":
            problem = announce_problem(activity)
            for r in reversed(self.requests):
                if r.get("activity") is activity:
                    r["lemmy_refusal"] = problem
                    break
        super()._handle(name, activity)

    # --- acting

    def activity(self, name: str, kind: str, obj, **extra) -> dict:
        return {"@context": CONTEXT, "id": self.next_id(name, kind.lower()), "type": kind, "actor": self.actor(name), "object": obj, **extra}

    async def to_group(self, name: str, group: str, activity: dict) -> dict:
        return await self._deliver_to_actor(name, group, activity)

    async def comment(self, name: str, group: str, post: str, content: str) -> tuple[dict, dict]:
        note_id = self.next_id(name, "comment")
        note = {
            "id": note_id,
            "type": "Note",
            "attributedTo": self.actor(name),
            "inReplyTo": post,
            "content": content,
            "mediaType": "text/html",
            "published": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "to": [group, PUBLIC],
            "cc": [],
            "audience": group,
        }
        self.statuses[note_id] = {"@context": CONTEXT, **note}
        create = self.activity(name, "Create", note, to=note["to"], cc=[], audience=group)
        return note, await self.to_group(name, group, create)

    async def page(self, name: str, group: str, title: str) -> tuple[dict, dict]:
        page_id = self.next_id(name, "post")
        page = {
            "id": page_id,
            "type": "Page",
            "attributedTo": self.actor(name),
            "name": title,
            "content": "<p>A post in your community.</p>",
            "published": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "to": [group, PUBLIC],
            "cc": [],
            "audience": group,
        }
        self.statuses[page_id] = {"@context": CONTEXT, **page}
        create = self.activity(name, "Create", page, to=page["to"], cc=[], audience=group)
        return page, await self.to_group(name, group, create)

    def announced(self, inbox_of: str, pred) -> list[dict]:
        """Verified Announces from the community that reached `inbox_of`'s inbox and whose
        embedded activity matches `pred`."""
        path = f"/users/{inbox_of}/inbox"
        return [
            r
            for r in self.received(lambda a: a.get("type") == "Announce" and isinstance(a.get("object"), dict) and pred(a["object"]))
            if r["path"] == path
        ]


__all__ = ["LemmyPeer", "announce_problem", "ref", "PUBLIC"]
