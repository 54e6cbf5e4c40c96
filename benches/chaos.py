#!/usr/bin/env python3
"""`make chaos`: durability under crashes, against a release build on
loopback. Reported, never asserted by `make test`.

Concurrent clients create simulations (REST API, idempotency keys), add
versions to them, import a CSV file and comment on versions, noting every
write the server acknowledged. At random moments the server is killed with
SIGKILL, or its PostgreSQL is (then the server too), and everything starts
again on the same data. At the end, with the server stopped:
- every acknowledged write is present (read as the owner through psql);
- no simulation exists without a version (nothing half-written);
- `prudentia audit verify` reports every chain intact.

Standard library only; every request goes to 127.0.0.1; the rounds, the
requests and every wait are bounded.
"""

import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

HOST, PORT = "127.0.0.1", int(os.environ.get("PRUDENTIA_CHAOS_PORT", "3400"))
BASE = f"http://{HOST}:{PORT}"
ROUNDS = int(os.environ.get("PRUDENTIA_CHAOS_ROUNDS", "8"))
CLIENTS = 4
ANALYST = ("analyst@prudentia.example", "prudentia-demo")
SMALL_DATA = {"exposures": [{"id": f"L-{i}", "class": "corporate", "drawn": 1000.0 + i} for i in range(50)],
              "capital": [{"tier": "cet1", "label": "Shares", "amount": 100.0}]}
CSV = "id;class;drawn\n" + "".join(f"C-{i};retail;{100 + i}\n" for i in range(20))


class Acknowledged:
    def __init__(self):
        self.lock = threading.Lock()
        self.simulations, self.versions, self.comments = set(), set(), set()

    def add(self, kind, item):
        with self.lock:
            getattr(self, kind).add(item)


def call(method, path, body=None, headers=None, timeout=30):
    data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    request = urllib.request.Request(BASE + path, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers


def server_fn(endpoint, fields, cookie=None):
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json", "Origin": BASE}
    if cookie:
        headers["Cookie"] = cookie
    return call("POST", f"/api/{endpoint}", urllib.parse.urlencode(fields).encode(), headers)


def log_in():
    status, _, headers = server_fn("login", {"email": ANALYST[0], "password": ANALYST[1]})
    for value in headers.get_all("Set-Cookie") or []:
        if value.startswith("prudentia_session="):
            return value.split(";", 1)[0]
    raise RuntimeError(f"log-in answered {status}")


def api_token(cookie):
    status, body, _ = server_fn("create-api-token", {"name": f"chaos {uuid.uuid4()}", "scope": "read_write", "days": "7"}, cookie)
    if status != 200:
        raise RuntimeError(f"token: {status} {body[:200]!r}")
    return json.loads(body)["token"]


def multipart(name, content):
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            f"Content-Type: text/csv\r\n\r\n{content}\r\n--{boundary}--\r\n").encode()
    return body, f"multipart/form-data; boundary={boundary}"


def worker(n, token, cookie, ack, stop, counts):
    rng = random.Random(n)
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    mine = []
    while not stop.is_set():
        try:
            action = rng.choice(["create", "version", "version", "import", "comment"])
            if action == "create" or not mine:
                key = str(uuid.uuid4())
                status, body, _ = call("POST", "/api/v1/simulations", {"name": f"chaos {key[:8]}", "data": SMALL_DATA},
                                       dict(auth, **{"Idempotency-Key": key}))
                if status == 201:
                    sim = json.loads(body)["simulation_id"]
                    ack.add("simulations", sim)
                    ack.add("versions", (sim, 1))
                    mine.append(sim)
            elif action == "version":
                sim = rng.choice(mine)
                edits = [{"op": "scale_exposures", "filter": {}, "factor": 1.01}]
                status, body, _ = call("POST", f"/api/v1/simulations/{sim}/versions", {"edits": edits, "note": "chaos"}, auth)
                if status == 201:
                    ack.add("versions", (sim, json.loads(body)["version_no"]))
            elif action == "import":
                body, content_type = multipart("chaos.csv", CSV)
                status, answer, headers = call("POST", "/api/v1/imports", body,
                                               {"Authorization": auth["Authorization"], "Content-Type": content_type})
                if status == 201:
                    imported = headers["Location"].rstrip("/").rsplit("/", 1)[-1]
                    status, answer, _ = call("POST", f"/api/v1/imports/{imported}/commit", {"name": "chaos import"}, auth)
                    if status == 201:
                        sim = json.loads(answer)["simulation_id"]
                        ack.add("simulations", sim)
                        ack.add("versions", (sim, 1))
            else:
                sim = rng.choice(mine)
                text = f"chaos comment {uuid.uuid4()}"
                status, _, _ = server_fn("add-comment", {"id": sim, "version": "1", "body": text}, cookie)
                if status == 200:
                    ack.add("comments", text)
            counts[status] = counts.get(status, 0) + 1
        except (OSError, ValueError, KeyError):
            counts["no answer"] = counts.get("no answer", 0) + 1
            time.sleep(0.2)


def psql(data_dir, query):
    return subprocess.run(["psql", "-h", os.path.join(data_dir, "postgres"), "-U", "postgres", "-d", "prudentia",
                           "-At", "-c", query], capture_output=True, text=True, check=True).stdout.strip()


def start(binary, data_dir, log):
    env = dict(os.environ, PRUDENTIA_DATA_DIR=data_dir, RUST_LOG="warn")
    env.pop("DATABASE_URL", None)
    process = subprocess.Popen([binary, "serve", "--addr", f"{HOST}:{PORT}", "--demo"], stdout=log,
                               stderr=subprocess.STDOUT, env=env)
    started = time.monotonic()
    while time.monotonic() - started < 120:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            if call("GET", "/healthz", timeout=2)[0] == 200:
                return process, time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not come back in 2 minutes")


def postgres_pid(data_dir):
    with open(os.path.join(data_dir, "postgres", "postmaster.pid")) as f:
        return int(f.readline())


def wait_for_cluster_to_stop(data_dir, limit=60):
    """A killed server's watchdog stops its PostgreSQL within seconds; a
    supervisor restarting at once is refused (the directory is in use) and
    retries, as this does."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{postgres_pid(data_dir)}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] in "ZX":
                    return
        except (OSError, ValueError, IndexError):
            return
        time.sleep(0.2)


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "target/release/prudentia"
    data_dir = tempfile.mkdtemp(prefix="prudentia-chaos-")
    log = open(os.path.join(data_dir, "server.log"), "w")
    rng = random.Random(int(os.environ.get("PRUDENTIA_CHAOS_SEED", "11")))
    ack, counts, recoveries, kills = Acknowledged(), {}, [], {"server": 0, "postgres": 0}
    process, _ = start(binary, data_dir, log)
    cookie = log_in()
    token = api_token(cookie)
    print(f"chaos: {ROUNDS} rounds against {binary}, data in {data_dir}")
    for round_no in range(ROUNDS):
        stop = threading.Event()
        threads = [threading.Thread(target=worker, args=(round_no * 10 + n, token, cookie, ack, stop, counts))
                   for n in range(CLIENTS)]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(2, 6))
        victim = rng.choice(["server", "postgres"])
        if victim == "postgres":
            os.kill(postgres_pid(data_dir), signal.SIGKILL)
            time.sleep(rng.uniform(0.2, 1.5))
        process.kill()
        process.wait()
        wait_for_cluster_to_stop(data_dir)
        kills[victim] += 1
        stop.set()
        for t in threads:
            t.join(timeout=60)
        process, took = start(binary, data_dir, log)
        recoveries.append(took)
        cookie = log_in()
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)
    # Checked with the server stopped: the CLI starts the cluster itself.
    verify = subprocess.run([binary, "audit", "verify"], env=dict(os.environ, PRUDENTIA_DATA_DIR=data_dir),
                            capture_output=True, text=True)
    process, _ = start(binary, data_dir, log)
    lost = []
    for sim in ack.simulations:
        if psql(data_dir, f"SELECT count(*) FROM simulations WHERE simulation_id = '{sim}'") != "1":
            lost.append(("simulation", sim))
    for sim, version in ack.versions:
        if psql(data_dir, f"SELECT count(*) FROM simulation_versions WHERE simulation_id = '{sim}' "
                          f"AND version_no = {version}") != "1":
            lost.append(("version", sim, version))
    for text in ack.comments:
        if psql(data_dir, f"SELECT count(*) FROM version_comments WHERE body = '{text}'") != "1":
            lost.append(("comment", text))
    half = psql(data_dir, "SELECT count(*) FROM simulations s WHERE NOT EXISTS "
                          "(SELECT 1 FROM simulation_versions v WHERE v.simulation_id = s.simulation_id)")
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)
    log.close()
    print(f"kills: {kills['server']} of the server, {kills['postgres']} of PostgreSQL (then the server)")
    print(f"answers: {dict(sorted(counts.items(), key=str))}")
    print(f"acknowledged: {len(ack.simulations)} simulations, {len(ack.versions)} versions, {len(ack.comments)} comments")
    print(f"acknowledged writes lost: {len(lost)} {lost[:5]}")
    print(f"simulations without a version: {half}")
    print(f"restart to healthy: median {sorted(recoveries)[len(recoveries) // 2]:.1f} s, max {max(recoveries):.1f} s")
    print(f"audit verify: exit {verify.returncode}: {verify.stdout.strip() or verify.stderr.strip()}")
    sys.exit(0 if not lost and half == "0" and verify.returncode == 0 else 1)


if __name__ == "__main__":
    main()
