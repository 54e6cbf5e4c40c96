#!/usr/bin/env python3
"""`make bench-paths`: the whole paths a user meets around the engine, against
a release build on loopback. Reported, never asserted.

- `prudentia compute` as a whole process on 100k and 1M lines (wall time,
  peak memory, the input's size);
- `POST /api/v1/compute` on 100k lines;
- `POST /api/v1/simulations` (create a simulation) from 100k lines;
- a 100k-row canonical workbook (xlsx) imported through the API: upload
  (which answers with the proposed mapping and its preview), preview again,
  commit.

Each is run REPEAT times and the median printed. Standard library only; the
server is started on 127.0.0.1 with a private cluster and stopped at the end.
"""

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# benches/load.py: the same HTTP client, log-in and server.
from load import ANALYST, request, server_fn, served, session_cookie  # noqa: E402

REPEAT = int(os.environ.get("PRUDENTIA_PATHS_REPEAT", "5"))
CLI_SIZES = [int(n) for n in os.environ.get("PRUDENTIA_PATHS_SIZES", "100000,1000000").split(",")]
LINES = 100_000


def timed_process(args):
    """(seconds, peak RSS in MiB) of one run, its output thrown away."""
    started = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    took = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"{' '.join(args)} failed: {process.stderr.read().decode()[:500]}")
    return took, usage.ru_maxrss / 1024


def median_line(title, samples):
    times = sorted(s * 1000 for s in samples)
    return f"  {title}: median {statistics.median(times):.0f} ms (min {times[0]:.0f}, max {times[-1]:.0f}, n={len(times)})"


def cli(binary, work):
    print("prudentia compute, whole process:")
    for lines in CLI_SIZES:
        path = os.path.join(work, f"book-{lines}.json")
        subprocess.run([binary, "sample", "--lines", str(lines), "--seed", "1", "--output", path], check=True)
        runs = [timed_process([binary, "compute", "--input", path]) for _ in range(REPEAT)]
        size = os.path.getsize(path) / 2**20
        peak = max(r[1] for r in runs)
        print(median_line(f"{lines:>9,} lines ({size:.1f} MiB of JSON), peak RSS {peak:.0f} MiB "
                          f"({peak / size:.1f}× the file)", [r[0] for r in runs]))


async def api_token():
    status, headers, _, _ = await server_fn("login", {"email": ANALYST[0], "password": ANALYST[1]})
    cookie = session_cookie(headers)
    if not cookie:
        raise SystemExit(f"the analyst could not log in ({status})")
    status, _, body, _ = await server_fn(
        "create-api-token", {"name": "bench", "scope": "read_write", "days": "1"}, cookie)
    if status != 200:
        raise SystemExit(f"no API token ({status}): {body[:200]!r}")
    return json.loads(body)["token"]


async def api(method, path, token, body=b"", content_type="application/json", timeout=300):
    headers = {"Authorization": f"Bearer {token}", "Content-Type": content_type, "Accept": "application/json"}
    status, _, payload, took = await request(method, f"/api/v1{path}", body, headers, timeout)
    if status >= 400:
        raise SystemExit(f"{method} {path} answered {status}: {payload[:300]!r}")
    return json.loads(payload) if payload else None, took


def multipart(name, data):
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


async def server_paths(binary, work):
    token = await api_token()
    book = os.path.join(work, f"api-{LINES}.json")
    subprocess.run([binary, "sample", "--lines", str(LINES), "--seed", "2", "--output", book], check=True)
    with open(book, "rb") as f:
        data = json.load(f)
    compute_body = json.dumps({"data": data}).encode()
    print(f"Behind the API ({LINES:,} lines, {len(compute_body) / 2**20:.1f} MiB of JSON):")
    computes = [(await api("POST", "/compute", token, compute_body))[1] for _ in range(REPEAT)]
    print(median_line("POST /api/v1/compute", computes))
    creates = []
    for n in range(REPEAT):
        body = json.dumps({"name": f"paths {n}", "data": data}).encode()
        creates.append((await api("POST", "/simulations", token, body))[1])
    print(median_line("POST /api/v1/simulations (create)", creates))

    workbook = os.path.join(work, f"book-{LINES}.xlsx")
    subprocess.run([binary, "sample", "--lines", str(LINES), "--seed", "3", "--output", workbook], check=True)
    with open(workbook, "rb") as f:
        xlsx = f.read()
    print(f"Import of a {LINES:,}-row canonical workbook ({len(xlsx) / 2**20:.1f} MiB of xlsx):")
    uploads, previews, commits = [], [], []
    for n in range(REPEAT):
        body, content_type = multipart("book.xlsx", xlsx)
        report, took = await api("POST", "/imports", token, body, content_type)
        uploads.append(took)
        import_id = report["proposal"]["import_id"]
        mapping = json.dumps(report["proposal"]["mapping"]).encode()
        previews.append((await api("POST", f"/imports/{import_id}/preview", token, mapping))[1])
        commit = json.dumps({"name": f"import {n}"}).encode()
        commits.append((await api("POST", f"/imports/{import_id}/commit", token, commit))[1])
    print(median_line("upload (read, map, validate, preview)", uploads))
    print(median_line("preview again", previews))
    print(median_line("commit", commits))


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "target/release/prudentia"
    work = tempfile.mkdtemp(prefix="prudentia-paths-")
    data_dir = tempfile.mkdtemp(prefix="prudentia-paths-data-")
    try:
        cli(binary, work)
        with served(binary, data_dir):
            asyncio.run(server_paths(binary, work))
    finally:
        subprocess.run(["rm", "-rf", work, data_dir], check=False)


if __name__ == "__main__":
    main()
