"""National scale: the largest tenant's queue, dashboard and sweep with 3 tenants and with 150 in one database.

    .venv/bin/python -m bench.generate_history --tenants 3 --years 1 --database-url .../mash_h7_t3
    .venv/bin/python -m bench.generate_history --tenants 150 --sizes mixed --years 1 --database-url .../mash_h7_t150
    .venv/bin/python bench/national.py --database-url .../mash_h7_t3 --database-url .../mash_h7_t150

For each database (filled by bench/generate_history.py; the largest tenant, ``--tenant``, default
cambridgeshire, the first generated, is generated identically in both) it prints, with row-level
security on as in production (the application role for tenant work, the system role for the sweep):

* the triage queue page and API as the tenant's triage worker (median, p95, queries);
* the dashboard API for the last year, and the dashboard page, as its manager;
* the deadline sweep: ``--clocks`` open clocks spread over as many bench tenants (bench/clocks.py's) as
  the database has tenants, ``--due-now`` more due now; one timed sweep, then an idle one (the clocks
  are removed after).

Each figure is printed beside the same figure for the other database: the claim under test is that the
largest tenant does no worse among 150 tenants than among 3. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def measure(url: str, tenant_slug: str, runs: int, clocks: int, due_now: int) -> dict:
    """In a fresh process per database (Django is set up once per process)."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mash.settings")
    os.environ.setdefault("DATABASE_APP_ROLE", "mash_app")
    os.environ.setdefault("DATABASE_SYSTEM_ROLE", "mash_system")
    os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend")
    os.environ.setdefault("REDIS_URL", "")
    import django

    django.setup()
    from datetime import UTC, datetime, timedelta

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from bench import clocks as clocks_bench
    from bench.common import p95, signed_in, time_get
    from contacts.models import Contact
    from deadlines import services
    from mash.models import Tenant, User
    from mash.security.rls import owner_mode
    from mash.tenancy import tenant_context

    call_command("ensure_db_roles", verbosity=0)
    settings.ALLOWED_HOSTS = ["*"]
    out: dict = {"tenants": Tenant.objects.exclude(slug__startswith="bench-").count()}  # not the sweep's own
    tenant = Tenant.objects.get(slug=tenant_slug)
    with tenant_context(tenant):
        out["contacts"] = Contact.objects.count()
        out["open"] = Contact.objects.filter(status__in=["received", "in_triage", "enquiry"]).count()
    triage = User.objects.get(username=f"{tenant_slug}-triage")
    manager = User.objects.get(username=f"{tenant_slug}-manager")
    page = signed_in(Client(), triage)
    api = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=triage)[0].key}")
    boss_page = signed_in(Client(), manager)
    boss_api = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=manager)[0].key}")
    today = timezone.localdate()
    year = f"/api/v1/dashboard/timeliness/?from={today - timedelta(days=364)}&to={today}"
    for name, client, path in (
        ("queue page", page, "/triage/"),
        ("queue API", api, "/api/v1/triage/queue/"),
        ("dashboard API, 1 year", boss_api, year),
        ("dashboard page", boss_page, "/dashboard/"),
    ):
        client.get(path)
        client.get(path)
        timings, queries = time_get(client, path, runs)
        out[name] = (statistics.median(timings), p95(timings), queries)

    # The sweep, over clocks spread across as many tenants as this database holds.
    clocks_bench.TENANTS = out["tenants"]
    with owner_mode(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE mash_notification, mash_clock RESTART IDENTITY CASCADE")
    people = clocks_bench.setup_tenants()
    now = datetime.now(UTC)
    clocks_bench.copy_clocks(
        clocks_bench.clock_rows(
            clocks, people, subject_type="bench.future", due=lambda n: now + timedelta(hours=2, seconds=n % 2_592_000)
        ),
        label=f"{clocks:,} future clocks over {out['tenants']} tenants",
    )
    clocks_bench.copy_clocks(
        clocks_bench.clock_rows(
            due_now,
            people,
            subject_type="bench.due",
            due=lambda n: now - timedelta(seconds=1 + n % 59),
            warned=lambda d: d - timedelta(hours=1),
        ),
        label=f"{due_now:,} due now",
    )
    result = services.sweep()
    idle = services.sweep()
    out["sweep"] = (result.clocks, result.seconds, idle.seconds)
    with owner_mode(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE mash_notification, mash_clock RESTART IDENTITY CASCADE")
    return out


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # progress shows as it happens when written to a file
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", action="append", required=True, help="give it twice: 3 and 150 tenants")
    parser.add_argument("--tenant", default="cambridgeshire", help="the largest tenant, generated in both")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--clocks", type=int, default=100_000)
    parser.add_argument("--due-now", type=int, default=1000)
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: measure one database, print JSON
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.tenant, args.runs, args.clocks, args.due_now)))
        return

    results = []
    for url in args.database_url:
        load_before = os.getloadavg()[0]
        command = [sys.executable, __file__, "--database-url", url, "--one", url, "--tenant", args.tenant,
                   "--runs", str(args.runs), "--clocks", str(args.clocks), "--due-now", str(args.due_now)]  # fmt: skip
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        if done.returncode:
            raise SystemExit(f"{url}: {done.stderr[-3000:]}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        result["load"] = (load_before, os.getloadavg()[0])
        results.append((url.rsplit("/", 1)[1], result))

    print(f"largest tenant {args.tenant}; {args.runs} requests each after two warm-ups; median / p95 ms, queries")
    header = "".join(f"{name:>34}" for name, _ in results)
    print(f"{'':<24}{header}")
    rows = [
        ("tenants in the database", lambda r: f"{r['tenants']}"),
        (f"{args.tenant} contacts (open)", lambda r: f"{r['contacts']:,} ({r['open']:,})"),
        ("load average (start, end)", lambda r: f"{r['load'][0]:.1f}, {r['load'][1]:.1f}"),
    ]
    for name in ("queue page", "queue API", "dashboard API, 1 year", "dashboard page"):
        rows.append((name, lambda r, n=name: f"{r[n][0]:.0f} / {r[n][1]:.0f} ms, {r[n][2]} q"))
    rows.append(
        (
            "sweep: due, s (idle ms)",
            lambda r: f"{r['sweep'][0]:,} in {r['sweep'][1]:.2f} s ({r['sweep'][2] * 1000:.0f})",
        )
    )
    for label, cell in rows:
        print(f"{label:<24}" + "".join(f"{cell(r):>34}" for _, r in results))


if __name__ == "__main__":
    main()
