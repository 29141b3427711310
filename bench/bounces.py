"""Bounce check bench: what intake's "has this child bounced between tiers?" costs at a large council's history.

    .venv/bin/python -m bench.bounces [--tenant cambridgeshire] [--contacts 200]

Runs against the database bench/generate_history.py fills (``mash_bench``, or ``BENCH_DATABASE_URL``; generate
first), as the application role under row-level security. For the ``--contacts`` latest contacts of the tenant
(each about children the register knows, with every decision of the last 90 days in the window) it times
``contacts.bounces.earlier_step`` (the register entries of the children, then the latest step-down or "no further
action" about them), and prints the plan of its second query for the latest contact: it must start from the
child's own contacts (an index look-up by register entry), not walk every decision in the window, which grows
with the council. Beside it, the floor: the same plan's execution time as PostgreSQL reports it. Nothing asserts a
time; the bench exits 1 if the plan walks the window.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import p95, setup_django  # noqa: E402 - needs the root on the path first

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/mash_bench"


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _walks_contacts(node: dict) -> bool:
    """A plan node reading contacts by decision time, or more than a hundred contacts in all."""
    if node.get("Index Name") == "contact_decided_idx":
        return True
    read = node.get("Actual Rows", 0) * node.get("Actual Loops", 1)
    return node.get("Relation Name") == "contacts_contact" and read > 100


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenant", default="cambridgeshire", help="a tenant bench/generate_history.py filled")
    parser.add_argument("--contacts", type=int, default=200)
    args = parser.parse_args(argv)
    setup_django(os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB), app_role=True)

    from django.db import connection

    from contacts import bounces
    from contacts.choices import Outcome
    from contacts.models import Contact
    from mash import tenancy
    from mash.models import Tenant

    tenant = Tenant.objects.get(slug=args.tenant)
    with tenancy.tenant_context(tenant):
        contacts = list(Contact.objects.select_related("tenant").order_by("-received_at")[: args.contacts])
        if not contacts:
            raise SystemExit(f"FAILED: {args.tenant} has no contacts; run bench/generate_history.py first")
        latest = contacts[0]
        window = bounces.window(tenant)
        decided = Contact.objects.filter(
            decided_at__gte=latest.received_at - window, decided_at__lte=latest.received_at
        ).count()
        timings = []
        for contact in contacts:
            started = time.perf_counter()
            bounces.earlier_step(contact)
            timings.append((time.perf_counter() - started) * 1000)
        query = (
            Contact.objects.filter(
                outcome__in=[Outcome.EARLY_HELP, Outcome.NFA],
                decided_at__gte=latest.received_at - window,
                decided_at__lte=latest.received_at,
                pk__in=bounces.contacts_about(bounces.children_of(latest)),
            )
            .exclude(pk=latest.pk)
            .order_by("-decided_at", "-id")[:1]
        )
        sql, params = query.query.sql_with_params()
        with connection.cursor() as cursor:  # scoping: allowed - the ORM's own query, in the tenant
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
            (plan,) = cursor.fetchone()[0]
    plan = plan if isinstance(plan, dict) else json.loads(plan)
    walked = [node for node in _nodes(plan["Plan"]) if _walks_contacts(node)]
    print(f"tenant {args.tenant}: {decided:,} contacts decided in the {window.days}-day window before the latest")
    print(
        f"earlier_step over the {len(contacts)} latest contacts: median {statistics.median(timings):6.2f} ms, "
        f"p95 {p95(timings):6.2f} ms, max {max(timings):6.2f} ms"
    )
    print(f"  floor: its second query's execution in PostgreSQL {plan['Execution Time']:.2f} ms")
    if walked:
        raise SystemExit("FAILED: the bounce check walks the window's decisions instead of the child's contacts")
    print("  plan: starts from the child's contacts (no walk of the window's decisions)")


if __name__ == "__main__":
    main()
