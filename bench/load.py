"""Load and soak test of the running product: bin/run (web, worker, beat) driven by locust.

    .venv/bin/python bench/load.py                          # 50 and 200 users, 5 minutes each
    .venv/bin/python bench/load.py --users 50 --run-time 2m # a quick look
    .venv/bin/python bench/load.py --users 50 --run-time 30m --soak   # the soak: memory at start and end

1. Starts ``bin/run`` on 127.0.0.1 (``--port``, default 8107) with DATABASE_URL (default
   postgres://postgres@127.0.0.1:5432/mash_h7) and LOAD_REDIS_URL (default redis://127.0.0.1:6379/8)
   as its broker and cache; bin/run migrates and seeds the three demo tenants.
2. Signs in the demo people of every role as the sign-in page does (a session with its second factor
   verified) and gives each an API token, writes them for locust (bench/locustfile.py), and files
   ``--seed-contacts`` MARFs per tenant through the API so the queues are not empty.
3. For each ``--users`` count runs locust headless, bounded by ``--run-time`` and ``--max-requests``,
   and prints requests/s, p50/p95/p99 per page, errors, the load average, and a floor measured in the
   same run (one light authenticated API read, serially, with nobody else on the product). With
   ``--soak`` it also prints the resident memory of web, worker and beat at the start and the end.
4. Stops bin/run (and with it web, worker and beat).

The public report's rate limit (10 an hour per address) is raised for the run: every simulated member
of the public comes from 127.0.0.1. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mash_h7")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mash.settings")


def start_product(port: int, var_dir: Path, redis_url: str, log_path: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "MASH_SKIP_SETUP": "1",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "MASH_VAR_DIR": str(var_dir),
        "REDIS_URL": redis_url,
        "DJANGO_DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "PUBLIC_MARF_RATE": "1000000/hour",
        "PUBLIC_MARF_POST_RATE": "1000000/hour",
    }
    log = log_path.open("w")
    process = subprocess.Popen(
        [str(ROOT / "bin/run")], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    import requests

    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"bin/run exited ({process.returncode}); see {log_path}")
        try:
            requests.get(f"http://127.0.0.1:{port}/sign-in/", timeout=2)
            return process
        except requests.RequestException:
            time.sleep(1)
    stop_product(process)
    raise SystemExit(f"bin/run did not answer within 300 s; see {log_path}")


def stop_product(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)  # bin/run stops web, worker and beat, then itself
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def memory(process: subprocess.Popen) -> dict[str, float]:
    """Resident memory (MB) of web (gunicorn master and workers), worker (Celery and its pool) and beat."""
    import psutil

    totals = {"web": 0.0, "worker": 0.0, "beat": 0.0}
    for child in psutil.Process(process.pid).children(recursive=True):
        try:
            cmd = " ".join(child.cmdline())
            rss = child.memory_info().rss / 2**20
        except psutil.Error:
            continue
        if "gunicorn" in cmd:
            totals["web"] += rss
        elif "celery" in cmd and " beat" in cmd:
            totals["beat"] += rss
        elif "celery" in cmd and " worker" in cmd:
            totals["worker"] += rss
    return {name: round(mb, 1) for name, mb in totals.items()}


def people(url: str) -> dict:
    """Per tenant: a signed-in session (cookie) and an API token for each demo person of each role."""
    from bench.common import setup_django

    setup_django()
    import requests
    from django.conf import settings
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from bench.common import signed_in
    from mash import tenancy
    from mash.models import Tenant, User

    out = {}
    for tenant in Tenant.objects.filter(slug__in=["cambridgeshire", "durham", "coventry"]):
        roles: dict[str, list] = {"triage": [], "referrer": [], "navigator": [], "manager": []}
        # In the tenant's context: as the application role (DATABASE_APP_ROLE), row-level security shows a
        # person's agency only to their own council.
        with tenancy.tenant_context(tenant):
            users = list(
                User.objects.filter(tenant=tenant, role__in=list(roles), is_active=True).select_related("agency")
            )
        for user in users:
            client = signed_in(Client(), user)
            cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
            token, _ = Token.objects.get_or_create(user=user)
            agency = user.agency.slug if user.agency_id else None
            roles[user.role].append({"username": user.username, "cookie": cookie, "token": token.key, "agency": agency})
        triage_token = roles["triage"][0]["token"]
        ratings = requests.get(
            f"{url}/api/v1/ratings/", headers={"Authorization": f"Token {triage_token}"}, timeout=30
        ).json()
        ratings = ratings["results"] if isinstance(ratings, dict) else ratings
        out[tenant.slug] = {"roles": roles, "ratings": [r["code"] for r in ratings]}
    return out


def seed_contacts(url: str, everyone: dict, per_tenant: int) -> None:
    import requests

    from bench.load_marf import marf

    for slug, tenant in everyone.items():
        token = tenant["roles"]["referrer"][0]["token"]
        for _ in range(per_tenant):
            r = requests.post(
                f"{url}/api/v1/contacts/", json=marf(), headers={"Authorization": f"Token {token}"}, timeout=60
            )
            if r.status_code != 201:
                raise SystemExit(f"seeding {slug}: {r.status_code} {r.text[:300]}")


def floor(url: str, token: str, n: int = 60) -> tuple[float, float]:
    """p50/p95 (ms) of a light authenticated API read, serially, with nobody else on the product."""
    import requests

    session = requests.Session()
    timings = []
    for _ in range(n):
        started = time.perf_counter()
        r = session.get(f"{url}/api/v1/notifications/", headers={"Authorization": f"Token {token}"}, timeout=30)
        timings.append((time.perf_counter() - started) * 1000)
        r.raise_for_status()
    return statistics.median(timings), statistics.quantiles(timings, n=20)[-1]


def run_locust(url: str, users: int, spawn_rate: float, run_time: str, max_requests: int, prefix: Path, people_file):
    env = {**os.environ, "LOAD_PEOPLE": str(people_file), "LOAD_MAX_REQUESTS": str(max_requests)}
    command = [
        str(ROOT / ".venv/bin/locust"), "-f", str(ROOT / "bench/locustfile.py"), "--headless", "--only-summary",
        "-u", str(users), "-r", str(spawn_rate), "--run-time", run_time, "--host", url, "--csv", str(prefix),
        "--stop-timeout", "10", "--loglevel", "WARNING",
    ]  # fmt: skip
    with (prefix.parent / f"{prefix.name}.log").open("w") as log:
        subprocess.run(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, check=False)
    with open(f"{prefix}_stats.csv") as handle:
        return list(csv.DictReader(handle))


def report(rows: list[dict]) -> None:
    print(f"  {'request':<34} {'count':>7} {'errors':>6} {'req/s':>6} {'p50':>6} {'p95':>6} {'p99':>6}  (ms)")
    for row in rows:
        name = "all requests" if row["Name"] == "Aggregated" else row["Name"]
        print(
            f"  {name:<34} {row['Request Count']:>7} {row['Failure Count']:>6} {float(row['Requests/s']):>6.1f} "
            f"{row['50%']:>6} {row['95%']:>6} {row['99%']:>6}"
        )


def main():
    sys.stdout.reconfigure(line_buffering=True)  # progress shows as it happens when written to a file
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, nargs="+", default=[50, 200], help="simulated users, one run each")
    parser.add_argument("--spawn-rate", type=float, default=5.0, help="users started per second")
    parser.add_argument("--run-time", default="5m", help="each run's length (locust's syntax: 90s, 5m, 30m)")
    parser.add_argument("--max-requests", type=int, default=200_000, help="each run stops after this many")
    parser.add_argument("--port", type=int, default=8107)
    parser.add_argument("--seed-contacts", type=int, default=40, help="MARFs filed per tenant before the runs")
    parser.add_argument("--soak", action="store_true", help="print web/worker/beat memory at start and end")
    args = parser.parse_args()

    var_dir = ROOT / "var" / "load"
    var_dir.mkdir(parents=True, exist_ok=True)
    url = f"http://127.0.0.1:{args.port}"
    redis_url = os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/8")
    print(f"bin/run on {url}, database {os.environ['DATABASE_URL'].rsplit('/', 1)[1]}, broker {redis_url}")
    from bench.common import ensure_database

    ensure_database(os.environ["DATABASE_URL"])
    product = start_product(args.port, var_dir, redis_url, var_dir / "bin-run.log")
    try:
        everyone = people(url)
        people_file = var_dir / "people.json"
        people_file.write_text(json.dumps(everyone))
        seed_contacts(url, everyone, args.seed_contacts)
        token = everyone["durham"]["roles"]["triage"][0]["token"]
        for users in args.users:
            p50, p95 = floor(url, token)
            before, load_before = memory(product), os.getloadavg()
            print(
                f"\n{users} users, {args.run_time} (at most {args.max_requests:,} requests); load average "
                f"{load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f} at the start"
            )
            print(f"  floor, one light API read serially with nobody else on: p50 {p50:.0f} ms, p95 {p95:.0f} ms")
            started = time.monotonic()
            rows = run_locust(
                url, users, args.spawn_rate, args.run_time, args.max_requests, var_dir / f"locust-{users}", people_file
            )
            after, load_after = memory(product), os.getloadavg()
            print(f"  ran {time.monotonic() - started:.0f} s; load average {load_after[0]:.2f} at the end")
            report(rows)
            if args.soak:
                print(f"  memory (RSS, MB) at start: {before}")
                print(f"  memory (RSS, MB) at end:   {after}")
    finally:
        stop_product(product)


if __name__ == "__main__":
    main()
