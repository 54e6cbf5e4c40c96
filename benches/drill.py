#!/usr/bin/env python3
"""`make drill`: the failover drill, against a release build on loopback.
Reported, never asserted by `make test`.

Builds, in a scratch folder: a PostgreSQL primary and a streaming standby
(synchronous replication), two `prudentia serve` processes whose
DATABASE_URL lists both hosts, and Debian's nginx balancing between them.
Under a steady write load (API clients adding versions to simulations),
one application server is killed with SIGKILL, then the primary's whole
process group, and `scripts/pg-failover --watch` promotes the standby.
At the end every acknowledged write is looked for on the promoted server.

Reports: requests that failed around each kill, acknowledged writes lost,
the time until writes succeed again (RTO) and the longest gap between
acknowledged writes. Standard library only; every address is 127.0.0.1;
every phase and wait is bounded, and everything started is stopped.
"""

import glob
import json
import os
import pwd
import shutil
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

HOST = "127.0.0.1"
PRIMARY_PORT, STANDBY_PORT = 55432, 55433
APP_PORTS = (3411, 3412)
LB_PORT = 3410
BASE = f"http://{HOST}:{LB_PORT}"
WRITERS = 4
APP_KILL_AT, DB_KILL_AT, LOAD_FOR = 8.0, 18.0, 40.0
GRACE = int(os.environ.get("PRUDENTIA_DRILL_GRACE", "2"))
ANALYST = ("analyst@prudentia.example", "prudentia-demo")
DATA = {"exposures": [{"id": f"L-{i}", "class": "corporate", "drawn": 1000.0 + i} for i in range(50)],
        "capital": [{"tier": "cet1", "label": "Shares", "amount": 100.0}]}
CLUSTER_USER = "prudentia"


def pg_bin():
    return sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))[-1]


def cluster_user():
    """PostgreSQL refuses to run as root: the clusters run as the user the
    embedded cluster uses."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(CLUSTER_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", CLUSTER_USER],
                       check=True)
        return pwd.getpwnam(CLUSTER_USER)


def as_user(user):
    def drop():
        os.setsid()
        if user:
            os.setgid(user.pw_gid)
            os.setuid(user.pw_uid)
    return drop


def pg(user, tool, *args, **kw):
    return subprocess.run([os.path.join(pg_bin(), tool), *args], preexec_fn=as_user(user), check=True,
                          capture_output=True, text=True, **kw)


def psql(port, sql, database="prudentia"):
    return subprocess.run([os.path.join(pg_bin(), "psql"), "-X", "-At", "-h", HOST, "-p", str(port), "-U", "postgres",
                           "-d", database, "-v", "ON_ERROR_STOP=1", "-c", sql],
                          capture_output=True, text=True, check=True).stdout.strip()


def start_cluster(user, data, port, log):
    process = subprocess.Popen([os.path.join(pg_bin(), "postgres"), "-D", data, "-p", str(port), "-k", data,
                                "-c", f"listen_addresses={HOST}", "-c", "max_connections=200"],
                               stdout=log, stderr=subprocess.STDOUT, preexec_fn=as_user(user))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if subprocess.run([os.path.join(pg_bin(), "pg_isready"), "-q", "-h", HOST, "-p", str(port)]).returncode == 0:
            return process
        if process.poll() is not None:
            raise RuntimeError(f"postgres on {port} exited; see {log.name}")
        time.sleep(0.2)
    raise RuntimeError(f"postgres on {port} not ready in 60 s")


def call(method, path, body=None, headers=None, timeout=30):
    data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    request = urllib.request.Request(BASE + path, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers


def start_app(binary, port, scratch, log):
    env = dict(os.environ, RUST_LOG="warn",
               DATABASE_URL=f"postgres://postgres@{HOST}:{PRIMARY_PORT},{HOST}:{STANDBY_PORT}/prudentia",
               PRUDENTIA_DATA_DIR=os.path.join(scratch, f"app-{port}"), PRUDENTIA_PUBLIC_URL=BASE,
               PRUDENTIA_TRUST_PROXY="true", PRUDENTIA_API_RATE="10000")
    return subprocess.Popen([binary, "serve", "--addr", f"{HOST}:{port}", "--demo"], stdout=log,
                            stderr=subprocess.STDOUT, env=env)


def wait_healthy(url, limit=120):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} not healthy in {limit} s")


def start_nginx(scratch):
    temp = " ".join(f"{t}_temp_path {scratch}/{t};" for t in ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"])
    upstream = "".join(f"server {HOST}:{p} max_fails=1 fail_timeout=10s; " for p in APP_PORTS)
    conf = os.path.join(scratch, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"worker_processes 1; pid {scratch}/nginx.pid; error_log {scratch}/nginx-error.log; daemon off;\n"
                f"events {{}}\nhttp {{ access_log off; {temp}\n"
                f"upstream prudentia {{ {upstream}}}\n"
                f"server {{ listen {HOST}:{LB_PORT}; client_max_body_size 70m;\n"
                f"  location / {{ proxy_pass http://prudentia; proxy_set_header Host $http_host;\n"
                f"    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
                f"    proxy_next_upstream error timeout; }} }} }}\n")
    return subprocess.Popen(["/usr/sbin/nginx", "-p", scratch, "-c", conf], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def log_in_and_token():
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json", "Origin": BASE}
    status, _, answer = call("POST", "/api/login", urllib.parse.urlencode(
        {"email": ANALYST[0], "password": ANALYST[1]}).encode(), headers)
    cookie = next((v.split(";", 1)[0] for v in answer.get_all("Set-Cookie") or []
                   if v.startswith("prudentia_session=")), None)
    if not cookie:
        raise RuntimeError(f"log-in answered {status}")
    status, body, _ = call("POST", "/api/create-api-token", urllib.parse.urlencode(
        {"name": f"drill {uuid.uuid4()}", "scope": "read_write", "days": "1"}).encode(), dict(headers, Cookie=cookie))
    if status != 200:
        raise RuntimeError(f"token: {status} {body[:200]!r}")
    return json.loads(body)["token"]


def writer(token, t0, stop, outcomes, acknowledged, lock, reasons):
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    sim = None
    while not stop.is_set():
        started = time.monotonic() - t0
        try:
            if sim is None:
                status, body, _ = call("POST", "/api/v1/simulations", {"name": f"drill {uuid.uuid4().hex[:8]}",
                                       "data": DATA}, dict(auth, **{"Idempotency-Key": str(uuid.uuid4())}))
                if status == 201:
                    sim = json.loads(body)["simulation_id"]
                    ack = (sim, 1)
            else:
                edits = [{"op": "scale_exposures", "filter": {}, "factor": 1.001}]
                status, body, _ = call("POST", f"/api/v1/simulations/{sim}/versions",
                                       {"edits": edits, "note": "drill"}, auth)
                if status == 201:
                    ack = (sim, json.loads(body)["version_no"])
        except (OSError, ValueError, KeyError) as error:
            status = type(error).__name__
        ended = time.monotonic() - t0
        with lock:
            outcomes.append((started, ended, status))
            if status != 201 and len(reasons) < 20:
                reasons.append((round(started, 2), status, body[:160] if isinstance(status, int) else b""))
            if status == 201:
                acknowledged.append(ack)
        if status != 201:
            time.sleep(0.05)


def summary(outcomes, since, until):
    """Requests that ended in [since, until): how many, how many failed, and how."""
    ended = [o for o in outcomes if since <= o[1] < until]
    kinds = {}
    for o in ended:
        if o[2] != 201:
            kinds[o[2]] = kinds.get(o[2], 0) + 1
    return len(ended), sum(kinds.values()), kinds


def in_flight(outcomes, moment):
    return sum(1 for o in outcomes if o[0] < moment <= o[1])


def recovery(outcomes, kill_at):
    """Seconds from the kill until the first write that started after it succeeded."""
    after = [o[1] for o in outcomes if o[0] >= kill_at and o[2] == 201]
    return (min(after) - kill_at) if after else None


def longest_gap(outcomes, since, until):
    done = sorted(o[1] for o in outcomes if o[2] == 201 and since <= o[1] < until)
    return max((b - a for a, b in zip(done, done[1:])), default=None)


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "target/release/prudentia"
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    user = cluster_user()
    scratch = tempfile.mkdtemp(prefix="prudentia-drill-")
    os.chmod(scratch, 0o755)
    clusters = os.path.join(scratch, "pg")
    os.makedirs(clusters)
    if user:
        os.chown(clusters, user.pw_uid, user.pw_gid)
    primary_dir, standby_dir = os.path.join(clusters, "primary"), os.path.join(clusters, "standby")
    log = open(os.path.join(scratch, "drill.log"), "w")
    started, clusters_running = [], []
    try:
        pg(user, "initdb", "-D", primary_dir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale")
        primary = start_cluster(user, primary_dir, PRIMARY_PORT, log)
        started.append(primary)
        clusters_running.append(primary)
        psql(PRIMARY_PORT, "CREATE DATABASE prudentia", database="postgres")
        pg(user, "pg_basebackup", "-d", f"host={HOST} port={PRIMARY_PORT} user=postgres application_name=standby1",
           "-D", standby_dir, "-R", "-X", "stream", "-c", "fast")
        standby = start_cluster(user, standby_dir, STANDBY_PORT, log)
        started.append(standby)
        clusters_running.append(standby)
        psql(PRIMARY_PORT, "ALTER SYSTEM SET synchronous_standby_names = 'standby1'")
        psql(PRIMARY_PORT, "SELECT pg_reload_conf()")
        deadline = time.monotonic() + 30
        while psql(PRIMARY_PORT, "SELECT string_agg(sync_state, ',') FROM pg_stat_replication") != "sync":
            if time.monotonic() > deadline:
                raise RuntimeError("the standby did not become synchronous")
            time.sleep(0.2)
        apps = []
        for port in APP_PORTS:
            app = start_app(binary, port, scratch, log)
            started.append(app)
            apps.append(app)
            wait_healthy(f"http://{HOST}:{port}")
        psql(PRIMARY_PORT, "UPDATE tenants SET plan_code = 'enterprise'")
        nginx = start_nginx(scratch)
        started.append(nginx)
        wait_healthy(BASE)
        token = log_in_and_token()
        watcher = subprocess.Popen([os.path.join(repo, "scripts", "pg-failover"), "--watch", "--grace", str(GRACE),
                                    "--for", str(int(LOAD_FOR) + 30),
                                    "--primary", f"host={HOST} port={PRIMARY_PORT} user=postgres dbname=postgres",
                                    "--standby", f"host={HOST} port={STANDBY_PORT} user=postgres dbname=postgres"],
                                   stdout=log, stderr=subprocess.STDOUT)
        started.append(watcher)

        print(f"drill: {WRITERS} writers through nginx for {LOAD_FOR:.0f} s; data in {scratch}")
        t0, stop, lock = time.monotonic(), threading.Event(), threading.Lock()
        outcomes, acknowledged, reasons = [], [], []
        threads = [threading.Thread(target=writer, args=(token, t0, stop, outcomes, acknowledged, lock, reasons))
                   for _ in range(WRITERS)]
        for t in threads:
            t.start()
        time.sleep(APP_KILL_AT)
        apps[0].kill()
        app_killed = time.monotonic() - t0
        time.sleep(DB_KILL_AT - app_killed)
        os.killpg(primary.pid, signal.SIGKILL)
        db_killed = time.monotonic() - t0
        watcher.wait(timeout=LOAD_FOR + 30)
        promoted = time.monotonic() - t0
        time.sleep(max(0.0, LOAD_FOR - (time.monotonic() - t0)))
        stop.set()
        for t in threads:
            t.join(timeout=60)

        missing = []
        for sim, version in sorted(set(acknowledged)):
            found = psql(STANDBY_PORT, f"SELECT count(*) FROM simulation_versions WHERE simulation_id = '{sim}' "
                                       f"AND version_no = {version}")
            if found != "1":
                missing.append((sim, version))
        before = summary(outcomes, 0, app_killed)
        around_app = summary(outcomes, app_killed, db_killed)
        around_db = summary(outcomes, db_killed, LOAD_FOR + 60)
        print(f"writes acknowledged: {len(acknowledged)} (before any kill: {before[0]} requests, {before[1]} failed "
              f"{before[2]})")
        print(f"application server killed at {app_killed:.1f} s: {around_app[1]} of {around_app[0]} requests "
              f"failed {around_app[2]}, {in_flight(outcomes, app_killed)} were in flight at the kill; longest gap between acknowledged writes "
              f"{longest_gap(outcomes, app_killed - 0.5, db_killed):.2f} s")
        rto = recovery(outcomes, db_killed)
        print(f"primary killed at {db_killed:.1f} s, standby promoted by the script at {promoted:.1f} s "
              f"(grace {GRACE} s): {around_db[1]} of {around_db[0]} requests failed {around_db[2]}, "
              f"{in_flight(outcomes, db_killed)} were in flight at the kill")
        print(f"RTO (kill to the first acknowledged write started after it): "
              f"{'none' if rto is None else f'{rto:.2f} s'}; longest gap "
              f"{longest_gap(outcomes, db_killed - 0.5, LOAD_FOR + 30) or 0:.2f} s")
        print(f"acknowledged writes lost: {len(missing)} {missing[:5]}")
        for reason in reasons[:8]:
            print(f"  a failure: {reason}")
        sys.exit(0 if not missing and rto is not None else 1)
    finally:
        for process in reversed(started):
            if process.poll() is None:
                # PostgreSQL's fast shutdown is SIGINT; SIGTERM waits for clients.
                process.send_signal(signal.SIGINT if process in clusters_running else signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
        log.close()
        if os.environ.get("PRUDENTIA_DRILL_KEEP") != "1":
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
