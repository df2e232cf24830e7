"""Processes, HTTP, Chorus instances and results: what every peer's scenarios share.

Every process the suite starts is registered here and killed (its whole process group) when
the suite ends, whatever the reason. Everything listens on 127.0.0.1 and every wait is
bounded. The peers present themselves as `http://localhost:<port>` (see `PEER_HOST`); Chorus
keeps `http://127.0.0.1:<port>` as its base URL.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

# ---------------------------------------------------------------------------------------
# Results

PASS, FAIL, PENDING = "pass", "FAIL", "pending"

# Checks that need Chorus features not built yet. They run and report what they saw, but show
# as pending instead of failing while their feature is listed here, e.g.
#     "replies-as-comments": "needs replies as comments",
# (checks name their feature: `results.check(..., feature="replies-as-comments")`). When a
# feature lands, remove its entry; CHORUS_INTEROP_ENABLE=name1,name2 tries the checks first.
# Replies as comments, counted likes and boosts and the replies collection have landed, so
# nothing is pending now.
PENDING_FEATURES: dict[str, str] = {}
for _name in filter(None, os.environ.get("CHORUS_INTEROP_ENABLE", "").split(",")):
    PENDING_FEATURES.pop(_name.strip(), None)


@dataclass
class Result:
    peer: str
    scenario: str
    scheme: str
    status: str
    detail: str = ""


@dataclass
class Results:
    items: list[Result] = field(default_factory=list)

    def add(self, peer: str, scenario: str, scheme: str, ok: bool, detail: str = "", feature: str | None = None) -> Result:
        if feature and feature in PENDING_FEATURES:
            status = PENDING
            seen = "would pass" if ok else "not yet"
            detail = f"pending: {PENDING_FEATURES[feature]} ({seen}: {detail})" if detail else f"pending: {PENDING_FEATURES[feature]}"
        else:
            status = PASS if ok else FAIL
        r = Result(peer, scenario, scheme, status, detail)
        self.items.append(r)
        mark = {PASS: "ok  ", FAIL: "FAIL", PENDING: "wait"}[status]
        print(f"  [{mark}] {peer} · {scenario} · {scheme}" + (f" — {detail}" if detail and status != PASS else ""), flush=True)
        return r

    def check(self, peer: str, scenario: str, scheme: str, fn: Callable[[], tuple[bool, str]], feature: str | None = None) -> bool:
        """Runs one check; an exception is a failure with its message."""
        try:
            ok, detail = fn()
        except Exception as e:  # a scenario that crashes fails, the suite goes on
            ok, detail = False, f"{type(e).__name__}: {e}"
        self.add(peer, scenario, scheme, ok, detail, feature)
        return ok

    @property
    def failed(self) -> list[Result]:
        return [r for r in self.items if r.status == FAIL]


# ---------------------------------------------------------------------------------------
# Processes

_started: list[subprocess.Popen] = []


def spawn(argv: list[str], *, cwd: Path, log: Path, env: dict | None = None) -> subprocess.Popen:
    """Starts a process in its own process group, output to `log`; killed at exit."""
    out = open(log, "ab")
    p = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    _started.append(p)
    pidfile = os.environ.get("CHORUS_INTEROP_PIDFILE")
    if pidfile:
        with open(pidfile, "a") as f:
            f.write(f"{p.pid}\n")
    return p


def stop(p: subprocess.Popen, grace: float = 5.0) -> None:
    """Ends a process this suite started, and its group: TERM, then KILL after `grace` s."""
    if p.poll() is None:
        try:
            os.killpg(p.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            p.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait(timeout=grace)
    if p in _started:
        _started.remove(p)


def stop_all() -> None:
    for p in list(reversed(_started)):
        try:
            stop(p)
        except Exception:
            pass


atexit.register(stop_all)


def _on_signal(signum, _frame):
    stop_all()
    raise SystemExit(128 + signum)


signal.signal(signal.SIGTERM, _on_signal)
signal.signal(signal.SIGHUP, _on_signal)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what: str, fn: Callable[[], object], timeout: float = 15.0, interval: float = 0.2):
    """Polls `fn` until it returns something truthy; raises TimeoutError after `timeout` s."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = fn()
            if value:
                return value
        except Exception as e:
            last_error = e
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}" + (f" (last error: {last_error})" if last_error else ""))


# ---------------------------------------------------------------------------------------
# HTTP (loopback only)

AP = "application/activity+json"

# The host names and addresses the suite may talk to: all of them are this machine.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")

# The host name every peer puts in its URLs (base URL, actor and key ids, WebFinger), while it
# listens on 127.0.0.1: Chorus fetches remote actors and documents through the ActivityPub
# crate, which refuses URLs whose host is an IP address. `localhost` resolves to 127.0.0.1.
PEER_HOST = "localhost"


def is_loopback(url: str) -> bool:
    return urllib.parse.urlsplit(url).hostname in LOOPBACK_HOSTS


def peer_base(port: int) -> str:
    """A peer's base URL: a host name, not an address (see `PEER_HOST`)."""
    return f"http://{PEER_HOST}:{port}"


def _check_loopback(url: str) -> None:
    if not is_loopback(url):
        raise ValueError(f"the suite only talks to loopback, not {url}")


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def http(method: str, url: str, *, headers: dict | None = None, body: bytes | None = None, timeout: float = 15.0) -> Response:
    _check_loopback(url)
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return Response(r.status, {k.lower(): v for k, v in r.headers.items()}, r.read())
    except urllib.error.HTTPError as e:
        return Response(e.code, {k.lower(): v for k, v in e.headers.items()}, e.read())


def get_json(url: str) -> Response:
    return http("GET", url, headers={"Accept": AP})


def post_json(url: str, doc: dict, timeout: float = 60.0) -> Response:
    return http("POST", url, headers={"Content-Type": "application/json"}, body=json.dumps(doc).encode(), timeout=timeout)


# ---------------------------------------------------------------------------------------
# Chorus, driven through its documented interface only


# `chorus serve` failures on start that a second try got past, for the notes.
STARTUP_FAILURES: list[str] = []


# The password of every account the suite creates.
INTEROP_PASSWORD = "a-long-password-for-interop"


class Chorus:
    """One Chorus server in its own working directory (SQLite under ./data)."""

    def __init__(self, binary: Path, workdir: Path, name: str):
        self.binary = binary
        self.workdir = workdir
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = workdir / "chorus.log"
        self.name = name
        self.process: subprocess.Popen | None = None
        # Nothing of the caller's Chorus configuration leaks in.
        env = {k: v for k, v in os.environ.items() if not k.startswith("CHORUS_")}
        env.update(
            CHORUS_ALLOW_PRIVATE_NETWORKS="true",
            CHORUS_BIND=f"127.0.0.1:{self.port}",
            CHORUS_BASE_URL=self.base,
            RUST_LOG=os.environ.get("RUST_LOG", "info"),
            NO_COLOR="1",
        )
        self.env = env

    def cli(self, *args: str, stdin: str | None = None, timeout: float = 60.0) -> str:
        r = subprocess.run(
            [str(self.binary), *args], cwd=self.workdir, env=self.env, input=stdin, capture_output=True, text=True, timeout=timeout
        )
        with open(self.workdir / "cli.log", "a") as f:
            f.write(f"$ chorus {' '.join(args)}\n{r.stdout}{r.stderr}\n")
        if r.returncode != 0:
            raise RuntimeError(f"`chorus {' '.join(args)}` failed ({r.returncode}): {r.stderr.strip().splitlines()[-1:] }")
        return r.stdout.strip()

    def start(self) -> None:
        """Starts `chorus serve` and waits for /healthz. A server that exits while starting is
        started once more (on a fresh database), and the first failure is kept for the notes."""
        for attempt in (1, 2):
            self.process = spawn([str(self.binary), "serve"], cwd=self.workdir, log=self.log, env=self.env)
            try:
                wait_for(f"Chorus ({self.name}) to answer /healthz", lambda: self.healthy(), timeout=60)
                return
            except Exception:
                exited = self.process.poll() is not None
                stop(self.process)
                if attempt == 2 or not exited:
                    raise
                last = [line for line in self.log.read_text(errors="replace").splitlines() if line.strip()][-1:]
                STARTUP_FAILURES.append(f"{self.name}: `chorus serve` exited while starting: {last[0][:300] if last else '?'}")
                shutil.rmtree(self.workdir / "data", ignore_errors=True)

    def healthy(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"Chorus exited with {self.process.returncode}; see {self.log}")
        try:
            return http("GET", f"{self.base}/healthz", timeout=5).status == 200
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)

    def create_user(self, name: str, role: str = "author") -> None:
        self.cli("user", "create", name, "--role", role, stdin=f"{INTEROP_PASSWORD}\n")

    def publish(
        self, author: str, slug: str, title: str, body: str, tags: list[str] | None = None, summary: str | None = None, extra: dict[str, str] | None = None
    ) -> str:
        front = [f"title: {title}", f"slug: {slug}"] + [f"{k}: {v}" for k, v in (extra or {}).items()]
        if tags:
            front.append(f"tags: [{', '.join(tags)}]")
        if summary:
            front.append(f"summary: {summary}")
        path = self.workdir / f"{slug}.md"
        path.write_text("---\n" + "\n".join(front) + "\n---\n\n" + body + "\n")
        return self.cli("post", "publish", "--author", author, str(path)).splitlines()[-1].strip()

    def actor(self, name: str) -> str:
        return f"{self.base}/@{name}"

    def total(self, name: str, leaf: str) -> int:
        r = get_json(f"{self.base}/@{name}/{leaf}")
        if r.status != 200:
            raise RuntimeError(f"GET /@{name}/{leaf} answered {r.status}")
        return int(r.json()["totalItems"])


def keep_json_ld_local() -> None:
    """bovine's JSON-LD document loader fetches unknown contexts from the web. The suite never
    needs one, and its traffic stays on loopback: contexts bovine ships are still served,
    loopback ones are fetched, anything else is refused."""
    try:
        import bovine.jsonld as bovine_jsonld
        from pyld import jsonld
    except ImportError:
        return
    builtin = {"https://www.w3.org/ns/activitystreams", getattr(bovine_jsonld, "bovine_context_name", "")}

    def loader(url, options=None, **kwargs):
        if url in builtin or url.startswith("http://joinmastodon.org/ns") or is_loopback(url):
            return bovine_jsonld.wrapper(url, options or {}, **kwargs)
        raise jsonld.JsonLdError(f"refused to load {url}: the suite stays on loopback", "loading document failed")

    jsonld.set_document_loader(loader)
