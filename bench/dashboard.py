"""Dashboard bench: response times of ``GET /api/v1/dashboard/timeliness/`` on generated history.

    .venv/bin/python -m bench.dashboard [--tenant cambridgeshire] [--calls 30] [--interval week]

Runs against the database bench/generate_history.py fills (``mash_bench``, or ``BENCH_DATABASE_URL``;
generate first), as production does: the application role ``mash_app`` under row-level security, with
fresh statistics (ANALYZE of the figures tables, as the owner, before measuring). For the last year and the
last five years it prints, over ``--calls`` calls each (after two warm-up calls):

* the API through the full stack (DRF test client: token auth, middleware, permission, serialisation), and
  the number of SQL queries per call, three times: after a change (a new version of this month before each
  call, untimed, as after the refresh of a contact received today: this month's facts are read afresh, every
  other month's part comes from the cache), after a rebuild (a new version of every month: all read afresh),
  and asked again with nothing changed (what was worked out comes from the cache; open breaches and strategy
  discussions are still read live);
* the figures computed one query per breakdown (the dashboard before each table was read once; the SQLite
  default's way), in the same process;
* the floor: one plain pass over each figures table for the range (three aggregates, nothing grouped),
  and each figure's ratio to it.

No assertion on times; goal: API p95 under 150 ms for 5 years and under 100 ms for 1 year.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/mash_bench"
FIGURES_TABLES = ("reporting_contactfact", "reporting_returnfact", "reporting_earlyhelpfact")
FLOOR_SQL = [
    "SELECT count(*), sum(children), count(decision_elapsed) FROM reporting_contactfact "
    "WHERE tenant_id = %s AND received_on BETWEEN %s AND %s",
    "SELECT count(*), count(returned_at), count(elapsed) FROM reporting_returnfact "
    "WHERE tenant_id = %s AND received_on BETWEEN %s AND %s",
    "SELECT count(*), sum(children), count(elapsed) FROM reporting_earlyhelpfact "
    "WHERE tenant_id = %s AND received_on BETWEEN %s AND %s",
]


def _p95(values):
    values = sorted(values)
    return values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]


def _timed(calls, work, before=None):
    timings = []
    for _ in range(calls):
        if before is not None:
            before()  # not timed
        started = time.perf_counter()
        work()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenant", default="cambridgeshire", help="a tenant bench/generate_history.py filled")
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--interval", default="week", choices=["day", "week", "month"])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    args = parser.parse_args(argv)
    os.environ.setdefault("DATABASE_APP_ROLE", "mash_app")
    os.environ.setdefault("DATABASE_SYSTEM_ROLE", "mash_system")
    from bench.common import analyze, as_served, setup_django

    setup_django(args.database_url)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from mash.models import Tenant, User
    from mash.security import rls
    from mash.tenancy import tenant_context
    from reporting import selectors, services
    from reporting.models import ContactFact, ReturnFact

    call_command("ensure_db_roles", stdout=open(os.devnull, "w"))
    rls.install(verbosity=0)
    analyze(*FIGURES_TABLES)  # fresh statistics and visibility map, as autovacuum gives production
    settings.ALLOWED_HOSTS = ["*"]
    tenant = Tenant.objects.get(slug=args.tenant)
    manager = User.objects.get(username=f"{args.tenant}-manager")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=manager)[0].key}")
    as_served()
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        role = cursor.fetchone()[0]
    today = timezone.localdate()
    print(f"tenant {tenant.slug} as {role} (row-level security on); {args.calls} calls per figure after 2 warm-up "
          f"calls; trend by {args.interval}; load average {os.getloadavg()[0]:.2f}")  # fmt: skip
    for label, days in (("1 year", 365), ("5 years", 5 * 365 + 1)):
        start = today - timedelta(days=days - 1)
        url = f"/api/v1/dashboard/timeliness/?from={start}&to={today}&interval={args.interval}"
        filters = selectors.Filters(start, today, None, args.interval)
        with tenant_context(tenant):
            contacts = ContactFact.objects.filter(received_on__gte=start, received_on__lte=today).count()
            requests = ReturnFact.objects.filter(received_on__gte=start, received_on__lte=today).count()
        if not contacts:
            raise SystemExit(f"{tenant.slug} has no generated history from {start}: run bench.generate_history")

        def api(url=url):
            response = client.get(url)
            assert response.status_code == 200, response.content

        def by_query(filters=filters):
            with tenant_context(tenant):
                selectors._timeliness(filters, now=None, tenant=tenant, one_pass=False, cached=False)

        def changed():  # a new version of this month, as after a refresh of a contact received today
            with tenant_context(tenant):
                services.months_changed(tenant.pk, [today])

        def rebuilt():  # a new version of every month, as after a rebuild or a deletion: all read afresh
            with tenant_context(tenant):
                services.figures_changed(tenant.pk)

        def floor(start=start):
            with tenant_context(tenant), connection.cursor() as cursor:  # scoping: allowed - one tenant's rows
                for sql in FLOOR_SQL:
                    cursor.execute(sql, [tenant.pk, start, today])
                    cursor.fetchall()

        for work in (api, by_query, floor):
            _timed(2, work)
        rebuilt()
        with CaptureQueriesContext(connection) as captured:
            api()
        cold_queries = len(captured)
        changed()
        with CaptureQueriesContext(connection) as captured:
            api()
        queries = len(captured)
        with CaptureQueriesContext(connection) as captured:
            api()
        again = len(captured)
        with CaptureQueriesContext(connection) as captured:
            by_query()
        before_queries = len(captured)
        figures = {}
        measured = (
            ("floor", floor, None),
            ("API, after a change", api, changed),
            ("API, after a rebuild", api, rebuilt),
            ("API, asked again", api, None),
            ("per-breakdown queries", by_query, None),
        )
        for name, work, before in measured:
            figures[name] = _timed(args.calls, work, before)
        base = statistics.median(figures["floor"])
        print(f"{label}: {contacts:,} contacts, {requests:,} information requests; "
              f"load average {os.getloadavg()[0]:.2f}")  # fmt: skip
        for name, timings in figures.items():
            extra = {"API, after a change": f", {queries} queries per call", "API, asked again": f", {again} queries",
                     "API, after a rebuild": f", {cold_queries} queries",
                     "per-breakdown queries": f", {before_queries} queries"}  # fmt: skip
            print(f"  {name:>22}: median {statistics.median(timings):7.1f} ms, p95 {_p95(timings):7.1f} ms, "
                  f"ratio to floor {statistics.median(timings) / base:5.2f}{extra.get(name, '')}")  # fmt: skip


if __name__ == "__main__":
    main()
