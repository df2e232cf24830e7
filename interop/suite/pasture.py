"""Chorus's shared inbox against fediverse-pasture's inputs.

The pasture's one-actor server (its own Quart app, bound here to 127.0.0.1 rather than the
0.0.0.0 its command line uses) serves the signing actor; its ActivitySender builds each input
as a Create(Note) exactly as the pasture does for other servers, and bovine signs it
(draft-cavage, `Digest: sha-256=` in lower case). Every input goes to `/inbox` twice: as it
is, and as a reply to a Chorus post. Every answer must be 2xx or a documented 4xx (400
malformed, 401 unverifiable, 413 too large), never 5xx, and Chorus must still be healthy.

URLs in the inputs that name other hosts are rewritten to loopback (the pasture's own host
becomes this one-actor server; others a closed loopback port), so that nothing Chorus might
fetch ever leaves the machine. Both are named `localhost:<port>` (`PEER_HOST`), as Chorus
fetches only from host names; URLs already on loopback are left as they are.
"""

from __future__ import annotations

import asyncio
import collections
import copy
import json
import logging
import re
from pathlib import Path

import aiohttp
from fediverse_pasture.data_provider import DataProvider, bovine_actor_for_actor_data
from fediverse_pasture.runner import ActivitySender
from fediverse_pasture.server.one_actor_app import app_for_data_provider
from fediverse_pasture_inputs import available

from .common import LOOPBACK_HOSTS, PEER_HOST, Chorus, Results, free_port, get_json, http

PEER = "fediverse-pasture"
SCHEME = "draft-cavage"
DOCUMENTED_4XX = {400, 401, 413}
# JSON-LD namespaces are identifiers, not places anything is fetched from: kept as they are.
NAMESPACE_HOSTS = {"www.w3.org", "w3id.org", "schema.org", "joinmastodon.org", "purl.org", "ns.mia.jetzt", "misskey-hub.net"}


def _loopback(value, pasture_host: str, closed_host: str):
    text = json.dumps(value)

    def swap(m: re.Match) -> str:
        host = m.group(2)
        if host in NAMESPACE_HOSTS or host.rsplit(":", 1)[0] in LOOPBACK_HOSTS:
            return m.group(0)
        return f"http://{pasture_host if host == 'pasture-one-actor' else closed_host}"

    return json.loads(re.sub(r"(https?)://([A-Za-z0-9._-]+(?::\d+)?)", swap, text))


def inputs() -> list[tuple[str, int, dict]]:
    out = []
    for name in sorted(available):
        for i, example in enumerate(available[name].examples):
            out.append((name, i, example))
    return out


def run(results: Results, chorus_bin: Path, work: Path) -> list[str]:
    print("fediverse-pasture:", flush=True)
    logging.getLogger("fediverse_pasture").setLevel(logging.CRITICAL)
    logging.getLogger("quart").setLevel(logging.CRITICAL)
    logging.getLogger("hypercorn").setLevel(logging.CRITICAL)
    logging.getLogger("bovine").setLevel(logging.CRITICAL)
    chorus = Chorus(chorus_bin, work / "pasture", "pasture")
    notes: list[str] = []
    try:
        chorus.start()
        chorus.create_user("alice")
        post = chorus.publish("alice", "pasture-target", "Replied to by the pasture", "Replies land here.")
        notes = asyncio.run(_send_all(results, chorus, post))
        results.check(PEER, "Chorus still answers /healthz", SCHEME, lambda: (chorus.healthy(), "200 after every input"))
    except Exception as e:
        results.add(PEER, "suite ran to the end", SCHEME, False, f"{type(e).__name__}: {e}")
    finally:
        chorus.stop()
    return notes


async def _send_all(results: Results, chorus: Chorus, post: str) -> list[str]:
    port = free_port()
    # Host names, not addresses: Chorus fetches only from domain names (see `PEER_HOST`).
    pasture_host = f"{PEER_HOST}:{port}"
    closed_host = f"{PEER_HOST}:{free_port()}"  # nothing listens there
    dp = DataProvider.generate(with_possible_actors=False)
    app = app_for_data_provider(dp)
    stop = asyncio.Event()
    server = asyncio.create_task(app.run_task(host="127.0.0.1", port=port, shutdown_trigger=stop.wait))
    notes: list[str] = []
    try:
        await _wait_listening(port)
        async with aiohttp.ClientSession() as session:
            bovine_actor, actor = bovine_actor_for_actor_data(f"http://{pasture_host}/actor", dp.one_actor)
            await bovine_actor.init(session=session)
            sender = ActivitySender.for_actor(bovine_actor, actor)
            sender.sleep_after_getting_inbox = False
            alice = chorus.actor("alice")
            sender._inbox_cache[alice] = f"{chorus.base}/inbox"  # the shared inbox

            statuses: list = []
            real_post = bovine_actor.post

            async def recording_post(target, data):
                try:
                    response = await real_post(target, data)
                    statuses.append(response.status)
                    return response
                except aiohttp.ClientResponseError as e:
                    statuses.append(e.status)
                    raise

            bovine_actor.post = recording_post
            # Alice follows the pasture's actor, so that Chorus keeps (parses, cleans, stores)
            # what it sends instead of ignoring posts from strangers. (In a thread: the CLI
            # fetches the actor from the server running on this event loop.)
            await asyncio.to_thread(chorus.cli, "follow", "--as", "alice", f"http://{pasture_host}/actor")
            page_before = http("GET", post).text

            for variant in ("as sent", "as a reply to a Chorus post"):
                counts: collections.Counter = collections.Counter()
                odd: list[str] = []
                for name, i, example in inputs():
                    example = _loopback(copy.deepcopy(example), pasture_host, closed_host)
                    if variant != "as sent" and "inReplyTo" not in example:
                        example["inReplyTo"] = post
                    statuses.clear()
                    sender.init_create_note(lambda note, ex=example: {**note, **ex})
                    try:
                        await sender.send(alice)
                        status = statuses[-1] if statuses else "no answer"
                    except Exception as e:  # connection refused, reset: Chorus fell over
                        status = f"error {type(e).__name__}"
                    counts[status] += 1
                    if not (isinstance(status, int) and 200 <= status < 300):
                        odd.append(f"{name}[{i}] → {status}")
                total = sum(counts.values())
                bad = {s: n for s, n in counts.items() if not (isinstance(s, int) and (200 <= s < 300 or s in DOCUMENTED_4XX))}
                summary = ", ".join(f"{s}×{n}" for s, n in sorted(counts.items(), key=lambda kv: str(kv[0])))
                results.add(
                    PEER,
                    f"{total} inputs to /inbox {variant}: 2xx or documented 4xx, never 5xx",
                    SCHEME,
                    not bad,
                    summary,
                )
                notes.append(f"{variant}: {summary}" + (f"; not 2xx: {', '.join(odd)}" if odd else ""))

            # Documented 4xx of our own making, signed by the same actor.
            inbox = f"{chorus.base}/inbox"
            r = await bovine_actor.client.post(inbox, "{ this is not JSON")
            results.add(PEER, "malformed JSON, signed → 400", SCHEME, r.status == 400, f"answered {r.status}")
            big = {
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": f"http://{pasture_host}/big",
                "type": "Create",
                "actor": f"http://{pasture_host}/actor",
                "object": {"type": "Note", "content": "x" * (300 * 1024)},
            }
            r = await bovine_actor.client.post(inbox, json.dumps(big))
            results.add(PEER, "activity over 256 KiB, signed → 413", SCHEME, r.status == 413, f"answered {r.status}")

            def replies_render_safely():
                page = http("GET", post).text
                unsafe = lambda html: len(re.findall(r"<script|\son[a-z]+\s*=|javascript:", html, re.I))  # noqa: E731
                coll = get_json(f"{post}/replies")
                total = coll.json().get("totalItems", 0) if coll.status == 200 else None
                grown = unsafe(page) - unsafe(page_before)
                return bool(total) and grown <= 0, f"replies totalItems {total}; new unsafe markup on the page: {grown}"

            results.check(PEER, "replies to a Chorus post shown as comments, rendered safely", SCHEME, replies_render_safely, feature="replies-as-comments")
    finally:
        stop.set()
        try:
            await asyncio.wait_for(server, 10)
        except Exception:
            server.cancel()
    return notes


async def _wait_listening(port: int) -> None:
    for _ in range(100):
        try:
            _, w = await asyncio.open_connection("127.0.0.1", port)
            w.close()
            return
        except OSError:
            await asyncio.sleep(0.1)
    raise TimeoutError("the pasture's one-actor server did not start")
