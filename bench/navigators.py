"""Navigator workspace bench: the workspace page, its htmx refresh and the requests API with many requests.

    .venv/bin/python bench/navigators.py [--requests 5000] [--runs 100] [--reset]

Runs against ``DATABASE_URL``, or ``mash_bench_navigators`` on the local PostgreSQL when it is unset (created and
migrated first; never the embedded SQLite default). A tenant ``bench-navigators`` gets ``--requests``
information requests to its police (and as many to its health) agency, each on its own contact with two
children, granted to the agency's group as ``open_requests`` grants them (django-guardian), deadlines spread
over the last and next day so some are overdue and a tenth returned. The bench then asks for the police
navigator's workspace (``/navigators/``), the lead's view of every request (``?status=all``), the htmx
refresh of the rows and the API list, ``--runs`` times each through the full middleware stack, and prints
the median and 95th percentile and the number of queries per request (constant whatever the count).

As production: every request runs as the application role under row-level security (``mash_app``);
the tables are ANALYZEd (as their owner) after loading. The bench fails rather than print a figure
for a page that does not show the requests loaded (a read outside the tenant or the grants sees none).
Beside the figures it prints a floor measured in the same run: the page's request queries, run raw.
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

from bench.common import analyze, as_served, current_role, p95, setup_django, signed_in, time_get  # noqa: E402 - needs the root on the path first

SLUG = "bench-navigators"


def _tenant_and_users():
    from mash import tenancy
    from mash.models import Agency, Tenant, User
    from mash.roles import Role
    from thresholds.services import ensure_default_policy

    defaults = {"name": "Bench Navigators", "reference_prefix": "BNV"}
    tenant, _ = Tenant.objects.get_or_create(slug=SLUG, defaults=defaults)
    with tenancy.tenant_context(tenant):
        ensure_default_policy(tenant=tenant)
        police, _ = Agency.objects.get_or_create(slug="police", defaults={"name": "Police"})
        health, _ = Agency.objects.get_or_create(slug="health", defaults={"name": "Health"})
    users = {}
    for name, role in (("nav", Role.NAVIGATOR), ("lead", Role.AGENCY_LEAD)):
        user, _ = User.objects.get_or_create(
            username=f"bench-{name}-police", defaults={"tenant": tenant, "role": role, "agency": police}
        )
        users[name] = user
    return tenant, police, health, users


def _load(tenant, agencies, n: int, reset: bool) -> None:
    from django.db import transaction
    from django.utils import timezone

    from contacts.models import Contact, ContactPerson
    from mash import tenancy
    from navigators import access
    from navigators.models import InformationRequest
    from thresholds.models import Rating

    with tenancy.tenant_context(tenant), transaction.atomic():
        have = InformationRequest.objects.filter(agency=agencies[0]).count()
        if have >= n and not reset:
            print(f"requests: {have:,} police requests already in {SLUG} (use --reset to recreate)")
            return
        InformationRequest.objects.all().delete()
        ContactPerson.objects.all().delete()
        Contact.objects.all().delete()
        started = time.perf_counter()
        now = timezone.now()
        ratings = list(Rating.objects.filter(code__in=["red", "amber", "green"]))
        contacts = Contact.objects.bulk_create(
            (
                Contact(
                    tenant_id=tenant.pk, reference=f"BNV-2026-{i + 1:06d}", channel="marf", source="2A",
                    received_at=now - timedelta(hours=30), status="enquiry", concerns="Bench contact.",
                    consent_to_referral="given", consent_to_sharing="given", address="1 Bench Road",
                )
                for i in range(n)
            ),
            batch_size=2000,
        )  # fmt: skip
        ContactPerson.objects.bulk_create(
            (
                ContactPerson(tenant_id=tenant.pk, contact=c, role="child", first_name=name, last_name=f"Bench{i}")
                for i, c in enumerate(contacts)
                for name in ("Leo", "Mia")
            ),
            batch_size=4000,
        )  # fmt: skip
        requests = []
        for agency in agencies:
            for i, contact in enumerate(contacts):
                requested = now - timedelta(minutes=(i * 37) % (24 * 60))
                due = requested + timedelta(hours=(4, 6, 24)[i % 3])
                returned = i % 10 == 0
                requests.append(
                    InformationRequest(
                        tenant_id=tenant.pk, contact=contact, agency=agency, rating=ratings[i % len(ratings)],
                        requested_at=requested, due_at=due, status="returned" if returned else "open",
                        returned_at=requested + timedelta(hours=1) if returned else None,
                    )
                )  # fmt: skip
        requests = InformationRequest.objects.bulk_create(requests, batch_size=4000)
        access.grant(requests)
        print(f"requests: created {len(requests):,} requests in {time.perf_counter() - started:.1f} s")
    analyze(
        "contacts_contact", "contacts_contactperson", "navigators_informationrequest", "guardian_groupobjectpermission"
    )


def _floor(statements: list[str], runs: int) -> list[float]:
    """The statements the page ran on requests, raw on the same connection (one transaction each), as the
    application role in the tenant: what the database alone costs."""
    from django.db import connection, transaction

    timings = []
    for _ in range(runs):
        with transaction.atomic(), connection.cursor() as cursor:
            started = time.perf_counter()
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def _check(response, label: str, expected: str | None, count: int | None) -> None:
    """Fail loudly when a page does not show what was loaded: a figure for an empty page would be wrong."""
    if response.status_code != 200:
        raise SystemExit(f"FAILED: {label} answered {response.status_code}")
    if count is not None and response.json()["count"] != count:
        raise SystemExit(f"FAILED: {label} counts {response.json()['count']:,} requests, expected {count:,}")
    if expected is not None and expected not in response.content.decode():
        raise SystemExit(f"FAILED: {label} does not show {expected!r}: the figure would be wrong")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=5_000, help="requests per agency (police and health)")
    parser.add_argument(
        "--runs", type=int, default=100, help="requests a figure (a p95 of 30 is the second slowest: too few)"
    )
    parser.add_argument("--reset", action="store_true")
    args = parser.parse_args()
    # Its own PostgreSQL database unless DATABASE_URL names one: never the embedded SQLite default, where
    # its PostgreSQL-only statements fail (and its rows would land in the developer's database).
    setup_django(
        os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/mash_bench_navigators", app_role=True
    )
    from django.conf import settings
    from django.test import Client
    from rest_framework.authtoken.models import Token

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    tenant, police, health, users = _tenant_and_users()
    _load(tenant, [police, health], args.requests, args.reset)
    navigator, lead = signed_in(Client(), users["nav"]), signed_in(Client(), users["lead"])
    as_served()
    token = Token.objects.get_or_create(user=users["nav"])[0].key
    api = Client(HTTP_AUTHORIZATION=f"Token {token}")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from mash import tenancy

    n = args.requests
    outstanding = n - len(range(0, n, 10))  # one in ten returned
    named_42 = sum(str(i).startswith("42") for i in range(n))  # the children "Bench42", "Bench420".. the search finds
    found_42 = f">{named_42} request{'' if named_42 == 1 else 's'}"
    print(f"workspace with {n:,} police requests (and as many of health's) as {current_role()}, {args.runs} runs each:")
    cases = (
        ("navigator page", navigator, "/navigators/", {}, f">{outstanding} requests", None),
        ("lead page, all", lead, "/navigators/?status=all", {}, f">{n} requests", None),
        ("htmx refresh", navigator, "/navigators/", {"HX-Request": "true"}, f">{outstanding} requests", None),
        ("search by name", navigator, "/navigators/?status=all&q=Bench42", {}, found_42, None),
        ("API list", api, "/api/v1/information-requests/", {}, None, n),
    )
    for label, client, url, headers, expected, count in cases:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, headers=headers)  # warm up, and check what it shows
        _check(response, label, expected, count)
        statements = [q["sql"] for q in captured.captured_queries if "navigators_informationrequest" in q["sql"]]
        timings, queries = time_get(client, url, args.runs, **headers)
        with tenancy.tenant_context(tenant):
            floor = statistics.median(_floor(statements, args.runs))
        median = statistics.median(timings)
        print(
            f"  {label:<16} median {median:7.1f} ms   p95 {p95(timings):7.1f} ms   {queries} queries   "
            f"floor (its {len(statements)} request queries raw) {floor:5.1f} ms"
        )


if __name__ == "__main__":
    main()
