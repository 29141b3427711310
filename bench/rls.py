"""Row-level security bench: what the tenant policy costs on a scan of a large table.

    .venv/bin/python -m bench.rls [--rows 222000] [--runs 15]

Runs against its own PostgreSQL database (``mash_h16_bench_rls`` on the local server, or
``BENCH_DATABASE_URL``). Loads ``--rows`` audit events for one tenant as the tables' owner (COPY
is refused under row security), runs ANALYZE, then times ``count(*)`` over a filter that reads
every row, as the application role, in three forms, each in its own transaction:

* floor: the tables' owner, which row security does not apply to;
* fast: the installed policy, ``tenant_id = (SELECT mash_tenant_id())``, evaluated once;
* per row: the same check without the sub-select, ``tenant_id = mash_tenant_id()``, on a copy of
  the policy installed for the measurement and removed afterwards.

Prints the median and p95 of each, and its ratio to the floor. No assertion on times: the
machine is shared, so read the ratios, not the milliseconds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import p95, setup_django  # noqa: E402 - needs the root on the path first

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/mash_h16_bench_rls"
SCAN = "SELECT count(*) FROM mash_auditevent WHERE action <> ''"


def _load(tenant, rows: int) -> None:
    from django.db import connection, transaction

    from mash.security import rls

    with rls.owner_mode(), transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM mash_auditevent WHERE tenant_id = %s", [tenant.pk])
        have = cur.fetchone()[0]
        if have < rows:
            cur.execute("SET LOCAL session_replication_role = replica")  # no triggers: bulk bench rows
            cur.execute(
                "INSERT INTO mash_auditevent (tenant_id, at, actor_label, action, object_type, object_id, "
                "object_label, changes, request_id) "
                "SELECT %s, now() - (g || ' seconds')::interval, 'bench', 'bench.event', 'bench', g::text, "
                "'bench', '{}'::jsonb, '' FROM generate_series(1, %s) g",
                [tenant.pk, rows - have],
            )
            print(f"loaded {rows - have:,} audit events as the owner")
    with rls.owner_mode(), connection.cursor() as cur:
        cur.execute("ANALYZE mash_auditevent")


def _time(runs: int, *, owner: bool) -> list[float]:
    from django.db import connection, transaction

    from mash.security import rls

    timings = []
    for _ in range(runs):
        with transaction.atomic():
            if owner:
                with rls.owner_mode(), connection.cursor() as cur:
                    started = time.perf_counter()
                    cur.execute(SCAN)
                    count = cur.fetchone()[0]
            else:
                with connection.cursor() as cur:
                    started = time.perf_counter()
                    cur.execute(SCAN)
                    count = cur.fetchone()[0]
            timings.append((time.perf_counter() - started) * 1000)
    return timings, count


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=222_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    os.environ.setdefault("DATABASE_APP_ROLE", "mash_app")
    os.environ.setdefault("DATABASE_SYSTEM_ROLE", "mash_system")
    setup_django(os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))

    from django.core.management import call_command
    from django.db import connection, transaction

    from mash import tenancy
    from mash.models import Tenant
    from mash.security import rls

    call_command("ensure_db_roles", stdout=open(os.devnull, "w"))
    rls.install(verbosity=0)
    tenant, _ = Tenant.objects.get_or_create(slug="bench-rls", defaults={"name": "Bench", "reference_prefix": "BRL"})
    _load(tenant, args.rows)
    with connection.cursor() as cur:
        cur.execute("SELECT current_user")
        print(f"scanning as {cur.fetchone()[0]}: {SCAN}")

    figures = {}
    with tenancy.tenant_context(tenant):
        _time(2, owner=True)  # warm the cache
        figures["floor (owner, no policy)"] = _time(args.runs, owner=True)
        figures["fast policy (SELECT once)"] = _time(args.runs, owner=False)
        slow = f"(tenant_id = {rls.TENANT_FUNCTION}())"
        with transaction.atomic():
            with rls.owner_mode(), connection.cursor() as cur:
                cur.execute(f"ALTER POLICY {rls.POLICY} ON mash_auditevent USING {slow} WITH CHECK {slow}")
            try:
                figures["per-row policy (old form)"] = _time(args.runs, owner=False)
            finally:
                transaction.set_rollback(True)  # the installed policy comes back with the rollback
    assert rls.missing_protection(connection) == [], "the fast policy was not restored"

    floor = statistics.median(figures["floor (owner, no policy)"][0])
    for name, (timings, count) in figures.items():
        if count < args.rows:
            raise SystemExit(f"{name}: saw {count:,} rows, expected {args.rows:,}: the figure would be wrong")
        median = statistics.median(timings)
        print(
            f"{name:28} {count:>9,} rows  median {median:7.1f} ms  p95 {p95(timings):7.1f} ms  "
            f"floor {floor:6.1f} ms  ratio {median / floor:4.2f}"
        )
    print("(2 shared cores: timings are noisy; compare the ratios within this run)")


if __name__ == "__main__":
    main()
