"""Rating bench: triage rates a contact Red through the API, which asks every agency (a request, a return clock,
its audit events and the agency's grant each).

    .venv/bin/python -m bench.rating [--contacts 200] [--agencies 9]

Runs against its own PostgreSQL database (``mash_bench_rating``, or ``BENCH_DATABASE_URL``), created and migrated
first, as production does: every request as the application role under row-level security (``mash_app``). A
tenant ``bench-rating`` gets the default rating scheme and ladders, ``--agencies`` agencies (the demo's nine by
default) with a navigator each, and ``--contacts`` new contacts; each is then rated Red
(``POST /api/v1/contacts/<id>/rating/``, DRF test client, token auth, full middleware), one request each. It prints
p50 and p95 per rating, ratings per second, the statements one rating costs, and beside them a floor measured in
the same run: a light authenticated read (``GET /api/v1/notifications/``). Fails rather than print a figure when a
rating does not open a request to every agency. Nothing asserts a time.
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

from bench.common import as_served, current_role, p95, setup_django, token_client  # noqa: E402 - needs the root on the path first

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/mash_bench_rating"
SLUG = "bench-rating"


def _hub(agencies: int):
    from deadlines.services import ensure_default_ladders
    from mash import tenancy
    from mash.demo import DEMO_AGENCIES
    from mash.models import Agency, Tenant, User
    from mash.roles import Role
    from thresholds.services import ensure_default_policy

    tenant, _ = Tenant.objects.get_or_create(slug=SLUG, defaults={"name": "Bench Rating", "reference_prefix": "BRT"})
    with tenancy.tenant_context(tenant):
        ensure_default_policy(tenant=tenant)
    ensure_default_ladders(tenant=tenant)
    asked = []
    for slug, name in DEMO_AGENCIES[:agencies]:
        with tenancy.tenant_context(tenant):
            agency, _ = Agency.objects.get_or_create(slug=slug, defaults={"name": name})
        User.objects.get_or_create(
            username=f"bench-rating-nav-{slug}", defaults={"tenant": tenant, "role": Role.NAVIGATOR, "agency": agency}
        )
        asked.append(agency)
    triage, _ = User.objects.get_or_create(
        username="bench-rating-triage", defaults={"tenant": tenant, "role": Role.TRIAGE}
    )
    return tenant, asked, triage


def _contacts(tenant, n: int) -> list[int]:
    import uuid

    from tests.contacts.builders import make_contact

    return [make_contact(tenant, f"bench-rating-{uuid.uuid4().hex[:20]}").pk for _ in range(n)]


def _rate(client, contact_id: int) -> None:
    body = {"rating": "red", "rationale": "Bruising to a baby's face; police and health to share at once."}
    response = client.post(f"/api/v1/contacts/{contact_id}/rating/", body, format="json")
    if response.status_code not in (200, 201):
        raise SystemExit(f"FAILED: rating contact {contact_id} answered {response.status_code}: {response.content!r}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=200)
    parser.add_argument("--agencies", type=int, default=9)
    args = parser.parse_args(argv)
    setup_django(os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB), app_role=True)
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from mash import tenancy
    from navigators.models import InformationRequest

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    tenant, agencies, triage = _hub(args.agencies)
    contacts = _contacts(tenant, args.contacts + 2)
    client = token_client(triage)
    as_served()
    _rate(client, contacts.pop())  # warm: the calendar cached, every agency's group made
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as captured:
        counted = contacts.pop()
        _rate(client, counted)
    statements = sum(q["sql"] not in ("BEGIN", "COMMIT") for q in captured.captured_queries)
    with tenancy.tenant_context(tenant):
        asked = InformationRequest.objects.filter(contact_id=counted).count()
    if asked != len(agencies):
        raise SystemExit(f"FAILED: a Red rating asked {asked} agencies as {current_role()}, expected {len(agencies)}")
    timings = []
    started = time.perf_counter()
    for contact_id in contacts:
        t0 = time.perf_counter()
        _rate(client, contact_id)
        timings.append((time.perf_counter() - t0) * 1000)
    elapsed = time.perf_counter() - started
    light = []
    for _ in range(args.contacts):
        t0 = time.perf_counter()
        if client.get("/api/v1/notifications/").status_code != 200:
            raise SystemExit("FAILED: the light read did not answer 200")
        light.append((time.perf_counter() - t0) * 1000)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"Red ratings asking {len(agencies)} agencies, as {current_role()}, load average {load}:")
    print(
        f"  rating      p50 {statistics.median(timings):7.2f} ms  p95 {p95(timings):7.2f} ms  "
        f"{len(timings) / elapsed:6.1f} /s  {statements} statements (BEGIN and COMMIT not counted)"
    )
    print(f"  floor: light authenticated read p50 {statistics.median(light):7.2f} ms  p95 {p95(light):7.2f} ms")
    print(f"  ratio: rating p50 / light read p50 {statistics.median(timings) / statistics.median(light):.1f}")


if __name__ == "__main__":
    main()
