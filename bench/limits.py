#!/usr/bin/env python3
"""Peak memory of a Chorus binary under three bounded attacks (see BENCHMARKS.md, "Resource
limits"). Python standard library and the `openssl` command only.

    bench/limits.py --binary target/release/chorus [--only logins,uploads,avatars]

Each scenario starts a fresh server on SQLite in a temporary folder, runs its load, waits for
the server to finish the work it queued, and reads VmHWM (peak resident memory) from
/proc/PID/status:

- logins:  150 wrong passwords at once for one account, each from its own loopback address
           (127.0.1.1 to 127.0.1.150); /healthz is polled every 100 ms meanwhile.
- uploads: 4 uploads at once of a 12000x12000 PNG (about 420 KB) by a signed-in author.
- avatars: 40 new actors on a loopback server, one signed Like each; each actor's icon is a
           4000x4000 PNG (about 62 KB).
"""

import argparse
import base64
import hashlib
import http.client
import http.server
import json
import os
import re
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import zlib
from concurrent.futures import ThreadPoolExecutor
from email.utils import formatdate

PASSWORD = "correct horse battery"
FORM_TOKEN = "bench-form-token-0123456789abcdef0123"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def png(width, height):
    """An RGB PNG of zeros, compressed row by row (no large buffer)."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    z = zlib.compressobj(9)
    row = b"\0" * (1 + 3 * width)
    parts = [z.compress(row) for _ in range(height)]
    parts.append(z.flush())
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", b"".join(parts))
        + chunk(b"IEND", b"")
    )


def vm(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) // 1024  # MiB
    return None


class Server:
    def __init__(self, binary):
        self.binary = os.path.abspath(binary)
        self.dir = tempfile.mkdtemp(prefix="chorus-limits-")
        self.port = free_port()
        self.base = f"http://localhost:{self.port}"
        self.env = {
            k: v for k, v in os.environ.items() if not k.startswith("CHORUS_")
        }
        self.env.update(
            {
                "CHORUS_BASE_URL": self.base,
                "CHORUS_BIND": f"127.0.0.1:{self.port}",
                "CHORUS_DATABASE_URL": f"sqlite://{self.dir}/chorus.db",
                "CHORUS_DATA_DIR": f"{self.dir}/data",
                "CHORUS_ALLOW_PRIVATE_NETWORKS": "true",
                "RUST_LOG": "warn",
            }
        )

    def run(self, *args, stdin=None):
        subprocess.run(
            [self.binary, *args],
            cwd=self.dir,
            env=self.env,
            input=stdin,
            text=True,
            check=True,
            capture_output=True,
        )

    def start(self):
        self.log = open(f"{self.dir}/serve.log", "w")
        self.proc = subprocess.Popen(
            [self.binary, "serve"], cwd=self.dir, env=self.env, stdout=self.log, stderr=self.log
        )
        for _ in range(600):
            try:
                if self.request("GET", "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise SystemExit("the server did not start")

    def stop(self):
        self.proc.terminate()
        self.proc.wait()

    def request(self, method, path, body=None, headers=None, source=None, timeout=120):
        conn = http.client.HTTPConnection(
            "127.0.0.1",
            self.port,
            timeout=timeout,
            source_address=(source, 0) if source else None,
        )
        h = {"Host": f"localhost:{self.port}"}
        h.update(headers or {})
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        data = r.read()
        conn.close()
        return r.status, dict(r.getheaders()), data


def login_form(username, password):
    return urllib.parse.urlencode(
        {"csrf": FORM_TOKEN, "username": username, "password": password}
    )


def form_headers(server, content_type="application/x-www-form-urlencoded", cookie=None):
    return {
        "Content-Type": content_type,
        "Origin": server.base,
        "Sec-Fetch-Site": "same-origin",
        "Cookie": cookie or f"chorus_form={FORM_TOKEN}",
    }


def scenario_logins(server):
    server.run("user", "create", "victim", "--role", "author", stdin=PASSWORD + "\n")
    server.start()
    latencies, done = [], threading.Event()

    def poll():
        while not done.is_set():
            t = time.monotonic()
            server.request("GET", "/healthz")
            latencies.append(time.monotonic() - t)
            time.sleep(0.1)

    poller = threading.Thread(target=poll)
    poller.start()

    def attempt(i):
        source = f"127.0.1.{i + 1}"
        return server.request(
            "POST",
            "/login",
            login_form("victim", f"wrong {i}"),
            form_headers(server),
            source=source,
        )[0]

    t = time.monotonic()
    with ThreadPoolExecutor(150) as pool:
        statuses = list(pool.map(attempt, range(150)))
    took = time.monotonic() - t
    done.set()
    poller.join()
    counts = {s: statuses.count(s) for s in sorted(set(statuses))}
    return {
        "answers": counts,
        "load_seconds": round(took, 1),
        "healthz_max_ms": round(max(latencies) * 1000),
    }


def sign_in(server):
    status, headers, _ = server.request(
        "POST", "/login", login_form("author", PASSWORD), form_headers(server)
    )
    cookie = headers.get("set-cookie", headers.get("Set-Cookie", "")).split(";")[0]
    assert status == 303 and cookie, (status, headers)
    _, _, page = server.request("GET", "/editor/media", headers={"Cookie": cookie})
    csrf = re.search(rb'name="csrf" value="([^"]+)"', page).group(1).decode()
    return cookie, csrf


def scenario_uploads(server):
    server.run("user", "create", "author", "--role", "author", stdin=PASSWORD + "\n")
    server.start()
    cookie, csrf = sign_in(server)
    image = png(12000, 12000)
    boundary = "bench-boundary-42"
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n"
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"alt\"\r\n\r\nbig\r\n"
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.png\"\r\n"
        "Content-Type: image/png\r\n\r\n"
    ).encode() + image + f"\r\n--{boundary}--\r\n".encode()
    headers = form_headers(server, f"multipart/form-data; boundary={boundary}", cookie)

    def upload(_):
        return server.request("POST", "/editor/media", body, headers)[0]

    with ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(upload, range(4)))
    return {"png_kib": len(image) // 1024, "answers": statuses}


class Peer(http.server.ThreadingHTTPServer):
    """Actors a0..a39 with RSA keys (made by `openssl`), each with a 4000x4000 PNG icon."""

    daemon_threads = True


def scenario_avatars(server, actors=40):
    keydir = tempfile.mkdtemp(prefix="chorus-limits-keys-")
    icon = png(4000, 4000)
    port = free_port()
    base = f"http://localhost:{port}"
    keys = {}
    for i in range(actors):
        path = f"{keydir}/a{i}.pem"
        subprocess.run(
            ["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
             "-out", path],
            check=True,
            capture_output=True,
        )
        public = subprocess.run(
            ["openssl", "pkey", "-in", path, "-pubout"], check=True, capture_output=True, text=True
        ).stdout
        keys[f"a{i}"] = (path, public)
    served = {"icons": 0}

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            m = re.fullmatch(r"/users/(a\d+)", self.path)
            if m and m.group(1) in keys:
                name = m.group(1)
                doc = {
                    "@context": ["https://www.w3.org/ns/activitystreams",
                                 "https://w3id.org/security/v1"],
                    "id": f"{base}/users/{name}",
                    "type": "Person",
                    "preferredUsername": name,
                    "inbox": f"{base}/users/{name}/inbox",
                    "icon": {"type": "Image", "mediaType": "image/png",
                             "url": f"{base}/icons/{name}.png"},
                    "publicKey": {"id": f"{base}/users/{name}#main-key",
                                  "owner": f"{base}/users/{name}",
                                  "publicKeyPem": keys[name][1]},
                }
                body, kind = json.dumps(doc).encode(), "application/activity+json"
            elif self.path.startswith("/icons/"):
                served["icons"] += 1
                body, kind = icon, "image/png"
            else:
                self.send_response(404)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    peer = Peer(("127.0.0.1", port), Handler)
    threading.Thread(target=peer.serve_forever, daemon=True).start()

    server.run("user", "create", "author", "--role", "author", stdin=PASSWORD + "\n")
    post_file = f"{server.dir}/post.md"
    with open(post_file, "w") as f:
        f.write("---\ntitle: Faces\n---\nWho is there?\n")
    out = subprocess.run(
        [server.binary, "post", "publish", "--author", "author", post_file],
        cwd=server.dir, env=server.env, check=True, capture_output=True, text=True,
    ).stdout.strip()
    post_url = out.splitlines()[-1]
    server.start()

    def like(i):
        name = f"a{i}"
        body = json.dumps({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{base}/likes/{i}",
            "type": "Like",
            "actor": f"{base}/users/{name}",
            "object": post_url,
        }).encode()
        digest = "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()
        date = formatdate(usegmt=True)
        host = f"localhost:{server.port}"
        signed = f"(request-target): post /inbox\nhost: {host}\ndate: {date}\ndigest: {digest}"
        signature = subprocess.run(
            ["openssl", "dgst", "-sha256", "-sign", keys[name][0]],
            input=signed.encode(), check=True, capture_output=True,
        ).stdout
        header = (
            f'keyId="{base}/users/{name}#main-key",algorithm="rsa-sha256",'
            f'headers="(request-target) host date digest",'
            f'signature="{base64.b64encode(signature).decode()}"'
        )
        return server.request("POST", "/inbox", body, {
            "Content-Type": "application/activity+json",
            "Date": date,
            "Digest": digest,
            "Signature": header,
        })[0]

    with ThreadPoolExecutor(actors) as pool:
        statuses = list(pool.map(like, range(actors)))
    # Icons are fetched and decoded in the background: wait until they are all served and the
    # server's memory stops growing.
    deadline = time.monotonic() + 120
    while served["icons"] < actors and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(5)
    peer.shutdown()
    return {"answers": {s: statuses.count(s) for s in set(statuses)},
            "icons_served": served["icons"], "icon_kib": len(icon) // 1024}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", default="target/release/chorus")
    parser.add_argument("--only", default="logins,uploads,avatars")
    args = parser.parse_args()
    scenarios = {"logins": scenario_logins, "uploads": scenario_uploads,
                 "avatars": scenario_avatars}
    for name in args.only.split(","):
        server = Server(args.binary)
        try:
            result = scenarios[name](server)
            result["VmHWM_MiB"] = vm(server.proc.pid, "VmHWM")
            result["VmRSS_MiB"] = vm(server.proc.pid, "VmRSS")
            print(json.dumps({"scenario": name, **result}), flush=True)
        finally:
            if hasattr(server, "proc"):
                server.stop()


if __name__ == "__main__":
    sys.exit(main())
