#!/usr/bin/env python3
"""`make load`: Prudentia under an anonymous log-in flood and under heavy
scenario saves, against a release build on loopback. Reported, never
asserted: it prints the figures for the closing note.

Phase 1: CONCURRENCY clients send wrong log-ins for FLOOD_SECONDS while
`/healthz` is polled and the demo analyst logs in now and then (from the
same address, which it used before: a known address).
Phase 2: SAVES concurrent saves of a scenario whose filter names 60,000 ids
of a 100k-line simulation, while `/healthz` is polled.
Phase 3: WEBHOOKS test events queued to one endpoint on loopback (a receiver
in this script answering 200): how fast they are queued, and the webhook
worker's delivery rate until the receiver has them all.
Phase 4: STREAMS idle live-update streams held open on one simulation: the
server's memory before and after (per stream), then the time from a saved
scenario to its event on every stream.

PRUDENTIA_LOAD_PHASES=flood,saves,webhooks,streams picks phases (all by default).

Standard library only (asyncio streams speaking HTTP/1.1): nothing to
install. Every request goes to 127.0.0.1; every loop is bounded in count
and time and the server is stopped at the end.
"""

import asyncio
import contextlib
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

HOST = "127.0.0.1"
PORT = int(os.environ.get("PRUDENTIA_LOAD_PORT", "3300"))
ORIGIN = f"http://{HOST}:{PORT}"
CONCURRENCY = int(os.environ.get("PRUDENTIA_LOAD_CONCURRENCY", "500"))
FLOOD_SECONDS = float(os.environ.get("PRUDENTIA_LOAD_SECONDS", "30"))
SAVES = int(os.environ.get("PRUDENTIA_LOAD_SAVES", "8"))
ROUNDS = int(os.environ.get("PRUDENTIA_LOAD_ROUNDS", "3"))
LINES = 100_000
MAX_REQUESTS = 2_000_000  # a hard bound on the flood, whatever its speed
ANALYST = ("analyst@prudentia.example", "prudentia-demo")
ADMIN = ("demo@prudentia.example", "prudentia-demo")
WEBHOOKS = int(os.environ.get("PRUDENTIA_LOAD_WEBHOOKS", "2000"))
STREAMS = int(os.environ.get("PRUDENTIA_LOAD_STREAMS", "1000"))


async def request(method, path, body=b"", headers=None, timeout=60.0):
    """One request on its own connection: (status, headers, body, seconds)."""
    started = time.perf_counter()
    reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, PORT), timeout)
    try:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{PORT}", "Connection: close",
                 f"Content-Length: {len(body)}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    head, _, payload = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    status = int(status_line.split()[1]) if status_line else 0
    parsed = {}
    for line in header_lines:
        k, _, v = line.partition(":")
        parsed.setdefault(k.strip().lower(), []).append(v.strip())
    return status, parsed, payload, time.perf_counter() - started


async def server_fn(endpoint, fields, cookie=None, timeout=120.0):
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json",
               "Origin": ORIGIN}
    if cookie:
        headers["Cookie"] = cookie
    return await request("POST", f"/api/{endpoint}", urllib.parse.urlencode(fields).encode(),
                         headers, timeout)


def session_cookie(headers):
    for value in headers.get("set-cookie", []):
        if value.startswith("prudentia_session="):
            return value.split(";", 1)[0]
    return None


def percentile(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def poll_health(stop, samples, every=0.1):
    while not stop.is_set():
        try:
            status, _, _, took = await request("GET", "/healthz", timeout=10)
            samples.append((status, took))
        except (OSError, asyncio.TimeoutError):
            samples.append((0, 10.0))
        await asyncio.sleep(every)


async def flood_client(deadline, counts, sent):
    while time.monotonic() < deadline and sent[0] < MAX_REQUESTS:
        sent[0] += 1
        email = f"nobody{random.randrange(10**9)}@attacker.example"
        try:
            status, _, _, _ = await server_fn("login", {"email": email, "password": "wrong guess 123"},
                                              timeout=30)
        except (OSError, asyncio.TimeoutError):
            status = 0
        counts[status] = counts.get(status, 0) + 1


async def real_user(deadline, results):
    while time.monotonic() < deadline:
        try:
            status, headers, _, took = await server_fn(
                "login", {"email": ANALYST[0], "password": ANALYST[1]}, timeout=30)
            results.append((status, took, session_cookie(headers) is not None))
        except (OSError, asyncio.TimeoutError):
            results.append((0, 30.0, False))
        await asyncio.sleep(2)


def report_health(title, samples):
    times = [t * 1000 for _, t in samples]
    bad = sum(1 for s, _ in samples if s != 200)
    print(f"  {title}: {len(samples)} polls, p50 {percentile(times, 50):.1f} ms, "
          f"p99 {percentile(times, 99):.1f} ms, max {max(times, default=0):.1f} ms, not 200: {bad}")


async def phase_flood():
    status, headers, _, took = await server_fn("login", {"email": ANALYST[0], "password": ANALYST[1]})
    print(f"  analyst log-in before the flood: {status} in {took * 1000:.0f} ms")
    stop, health, logins, counts, sent = asyncio.Event(), [], [], {}, [0]
    deadline = time.monotonic() + FLOOD_SECONDS
    poller = asyncio.create_task(poll_health(stop, health))
    tasks = [asyncio.create_task(flood_client(deadline, counts, sent)) for _ in range(CONCURRENCY)]
    tasks.append(asyncio.create_task(real_user(deadline, logins)))
    await asyncio.gather(*tasks)
    stop.set()
    await poller
    total = sum(counts.values())
    print(f"Phase 1: {CONCURRENCY} concurrent wrong log-ins for {FLOOD_SECONDS:.0f} s: {total} requests "
          f"({total / FLOOD_SECONDS:.0f}/s)")
    for code in sorted(counts):
        print(f"  status {code}: {counts[code]}")
    server_errors = sum(n for code, n in counts.items() if code >= 500 and code != 503)
    print(f"  5xx other than the deliberate 503: {server_errors}")
    report_health("/healthz", health)
    ok = [t * 1000 for s, t, has_cookie in logins if s < 400 and has_cookie]
    print(f"  analyst log-ins during the flood: {len(logins)} tried, {len(ok)} succeeded; "
          f"median {statistics.median(ok) if ok else float('nan'):.0f} ms, max {max(ok, default=float('nan')):.0f} ms; "
          f"statuses {sorted(set(s for s, _, _ in logins))}")


async def phase_saves():
    status, headers, _, _ = await server_fn("login", {"email": ANALYST[0], "password": ANALYST[1]})
    cookie = session_cookie(headers)
    if not cookie:
        print(f"Phase 2 skipped: the analyst could not log in ({status})")
        return
    status, _, body, took = await server_fn(
        "create-simulation", {"name": "Load 100k", "source": "synthetic", "data": "", "lines": str(LINES)},
        cookie, timeout=300)
    if status >= 400:
        print(f"Phase 2 skipped: creating the simulation answered {status}: {body[:200]!r}")
        return
    simulation = json.loads(body)
    print(f"Phase 2: a {LINES}-line synthetic simulation created in {took * 1000:.0f} ms")
    ids = [f"L-{i:07d}" for i in range(60_000)]
    edits = json.dumps([{"op": "scale_exposures", "filter": {"ids": ids}, "factor": 1.1}])
    # Health is polled every 20 ms so that its p99 rests on enough samples.
    stop, health = asyncio.Event(), []
    poller = asyncio.create_task(poll_health(stop, health, every=0.02))

    async def save(n):
        return await server_fn("save-scenario", {"id": simulation, "name": f"load {n}", "edits": edits},
                               cookie, timeout=300)

    for round_no in range(1, ROUNDS + 1):
        started = time.perf_counter()
        results = await asyncio.gather(*(save(n) for n in range(SAVES)))
        wall = time.perf_counter() - started
        print(f"  round {round_no}: {SAVES} concurrent scenario saves (filter of 60,000 ids): "
              f"{wall:.2f} s in all")
        for status, headers, _, took in results:
            retry = headers.get("retry-after", [""])[0]
            print(f"    {status} in {took * 1000:.0f} ms" + (f" (Retry-After {retry})" if retry else ""))
    stop.set()
    await poller
    report_health(f"/healthz during the {ROUNDS} rounds of saves", health)


async def phase_webhooks():
    received = []

    async def receive(reader, writer):
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.decode("latin-1").split("\r\n"):
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            await reader.readexactly(length)
            received.append(time.perf_counter())
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    receiver = await asyncio.start_server(receive, HOST, 0)
    port = receiver.sockets[0].getsockname()[1]
    status, headers, _, _ = await server_fn("login", {"email": ADMIN[0], "password": ADMIN[1]})
    cookie = session_cookie(headers)
    # `events[0]` unencoded: the server function reads a list in serde_qs's brackets.
    body = urllib.parse.urlencode({"url": f"http://{HOST}:{port}/hook", "description": "load"})
    body += "&events[0]=simulation.created"
    status, _, created, _ = await request(
        "POST", "/api/create-webhook", body.encode(),
        {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json",
         "Origin": ORIGIN, "Cookie": cookie or ""})
    if status >= 400:
        print(f"Phase 3 skipped: creating the endpoint answered {status}: {created[:200]!r}")
        receiver.close()
        return
    endpoint = json.loads(created)["endpoint_id"]
    gate = asyncio.Semaphore(32)

    async def queue_one():
        async with gate:
            return await server_fn("send-test-webhook", {"id": endpoint}, cookie)

    started = time.perf_counter()
    results = await asyncio.gather(*(queue_one() for _ in range(WEBHOOKS)))
    queued = time.perf_counter() - started
    accepted = sum(1 for status, _, _, _ in results if status < 400)
    deadline = time.monotonic() + 300
    while len(received) < accepted and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    receiver.close()
    print(f"Phase 3: {accepted} of {WEBHOOKS} test events queued in {queued:.2f} s "
          f"({accepted / queued:.0f}/s)")
    if received:
        span = received[-1] - started
        print(f"  {len(received)} delivered, signed, to a receiver on loopback in {span:.2f} s from the "
              f"first queued: {len(received) / span:.0f} deliveries/s; the last {received[-1] - started - queued:.2f} s "
              f"after the last was queued")


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


async def phase_streams(pid):
    status, headers, _, _ = await server_fn("login", {"email": ADMIN[0], "password": ADMIN[1]})
    cookie = session_cookie(headers)
    status, _, body, _ = await server_fn(
        "create-simulation", {"name": "Live load", "source": "sample", "data": ""}, cookie)
    if status >= 400:
        print(f"Phase 4 skipped: creating the simulation answered {status}")
        return
    simulation = json.loads(body)
    before = rss_kib(pid)
    streams = []

    async def open_stream():
        reader, writer = await asyncio.open_connection(HOST, PORT)
        writer.write((f"GET /api/live/simulations/{simulation} HTTP/1.1\r\nHost: {HOST}:{PORT}\r\n"
                      f"Cookie: {cookie}\r\nAccept: text/event-stream\r\n\r\n").encode())
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 60)
        if b" 200 " not in head.split(b"\r\n", 1)[0]:
            writer.close()
            return None
        return reader, writer

    gate = asyncio.Semaphore(50)

    async def opened():
        async with gate:
            try:
                return await open_stream()
            except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError):
                return None

    started = time.perf_counter()
    streams = [s for s in await asyncio.gather(*(opened() for _ in range(STREAMS))) if s]
    took = time.perf_counter() - started
    await asyncio.sleep(5)  # the presence storm settles
    held = rss_kib(pid)
    print(f"Phase 4: {len(streams)} of {STREAMS} live streams opened in {took:.1f} s; server RSS "
          f"{before / 1024:.0f} MiB before, {held / 1024:.0f} MiB with them open: "
          f"{(held - before) / max(len(streams), 1):.1f} KiB a stream")

    async def drain(reader):
        # Until the scenario's event arrives on this stream.
        while True:
            line = await reader.readline()
            if not line:
                return None
            if line.startswith(b"event: scenario"):
                return time.perf_counter()

    waits = [asyncio.create_task(asyncio.wait_for(drain(r), 60)) for r, _ in streams]
    saved_at = time.perf_counter()
    status, _, _, _ = await server_fn(
        "save-scenario", {"id": simulation, "name": "Fan-out", "edits": "[]"}, cookie)
    arrivals = []
    for task in waits:
        with contextlib.suppress(asyncio.TimeoutError, OSError):
            at = await task
            if at:
                arrivals.append((at - saved_at) * 1000)
    if arrivals:
        print(f"  a saved scenario reached {len(arrivals)} streams: median {statistics.median(arrivals):.0f} ms, "
              f"p99 {percentile(arrivals, 99):.0f} ms, last {max(arrivals):.0f} ms after the save was sent")
    for _, writer in streams:
        writer.close()


async def wait_healthy(process):
    for _ in range(600):
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}")
        try:
            status, _, _, _ = await request("GET", "/healthz", timeout=2)
            if status == 200:
                return
        except (OSError, asyncio.TimeoutError):
            pass
        await asyncio.sleep(0.5)
    raise SystemExit("the server did not become healthy in 5 minutes")


@contextlib.contextmanager
def served(binary, data_dir):
    """A release server with the demo tenant on HOST:PORT and a private
    cluster in `data_dir` (its own folder: the cluster's user must own it),
    healthy on entry and stopped on exit; the tail of its log is printed if
    the work inside gives up."""
    log_path = os.path.join(data_dir, "server.log")
    log = open(log_path, "w")
    # Phase 3's receiver listens on loopback.
    env = dict(os.environ, PRUDENTIA_DATA_DIR=data_dir, RUST_LOG="warn",
               PRUDENTIA_WEBHOOKS_ALLOW_PRIVATE="true")
    env.pop("DATABASE_URL", None)
    process = subprocess.Popen([binary, "serve", "--addr", f"{HOST}:{PORT}", "--demo"],
                               stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        asyncio.run(wait_healthy(process))
        yield process
    except SystemExit:
        log.flush()
        with open(log_path) as server_log:
            print("server log (last lines):\n" + "".join(server_log.readlines()[-15:]))
        raise
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "target/release/prudentia"
    data_dir = tempfile.mkdtemp(prefix="prudentia-load-")
    with served(binary, data_dir) as process:
        print(f"Prudentia ({binary}) on {ORIGIN}, data in {data_dir}")
        phases = {"flood": phase_flood, "saves": phase_saves, "webhooks": phase_webhooks,
                  "streams": lambda: phase_streams(process.pid)}
        chosen = os.environ.get("PRUDENTIA_LOAD_PHASES", ",".join(phases)).split(",")
        for name in chosen:
            asyncio.run(phases[name.strip()]())


if __name__ == "__main__":
    main()
