"""Triage queue bench: the queue page and API response time with 10,000 open contacts in one tenant.

    .venv/bin/python bench/triage_queue.py [--contacts 10000] [--decided 30000] [--runs 100] [--reset]

Runs against ``DATABASE_URL``, or ``mash_bench_queue`` on the local PostgreSQL when it is unset (created and
migrated first; never the embedded SQLite default). A tenant ``bench-triage`` gets ``--contacts`` open
contacts (bulk-created, each with a child in the register; one in ten a re-contact about an earlier
child), spread over the last three days so some are overdue, beside ``--decided`` contacts decided over the
year before (a council's year of contacts; one in five open contacts names a child of one of them, a
re-contact within 12 months). Without them every contact in the table was open, as in no council: the
planner then read the whole table where a council's queue reads its index. The bench then requests the queue page
(``/triage/``) and the queue API (``/api/v1/triage/queue/``) ``--runs`` times each through the full
middleware stack, and prints the median and 95th percentile and the number of queries per request.
A second run reuses the contacts (``--reset`` recreates them).

As production: every request runs as the application role under row-level security (``mash_app``);
the tables are ANALYZEd (as their owner) after loading. The bench fails rather than print a figure
for a page that does not show every open contact (a queue read outside the tenant counts none).
Beside the figures it prints a floor measured in the same run: the page's own SQL, run raw.
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

from bench.common import analyze, as_served, current_role, machine_speed, p95, setup_django, signed_in, time_get  # noqa: E402 - needs the root on the path first

SLUG = "bench-triage"


def _tenant_and_users():
    from mash import tenancy
    from mash.models import Tenant, User
    from mash.roles import Role
    from thresholds.services import ensure_default_policy

    tenant, _ = Tenant.objects.get_or_create(slug=SLUG, defaults={"name": "Bench Triage", "reference_prefix": "BTQ"})
    with tenancy.tenant_context(tenant):
        ensure_default_policy(tenant=tenant)
    user, _ = User.objects.get_or_create(
        username="bench-triage-worker", defaults={"tenant": tenant, "role": Role.TRIAGE}
    )
    return tenant, user


def _load(tenant, n: int, decided: int, reset: bool) -> None:
    from django.db import transaction
    from django.utils import timezone

    from contacts.models import Contact, ContactPerson, Person
    from mash import tenancy
    from thresholds.calendars import calendar_for
    from thresholds.models import DeadlineUnit

    with tenancy.tenant_context(tenant), transaction.atomic():
        have = Contact.objects.filter(status="received").count()
        have_decided = Contact.objects.filter(status="decided").count()
        if have == n and have_decided == decided and not reset:
            print(f"contacts: {have:,} open and {have_decided:,} decided already in {SLUG} (--reset recreates)")
            return
        ContactPerson.objects.all().delete()
        Contact.objects.all().delete()
        Person.objects.all().delete()
        started = time.perf_counter()
        now = timezone.now()
        calendar = calendar_for(tenant)
        people = Person.objects.bulk_create(
            (Person(tenant_id=tenant.pk, first_name=f"Child{i}", last_name="Bench", norm_first=f"child{i}",
                    norm_last="bench", surname_key="B520")
             for i in range(n + decided)), batch_size=2000,
        )  # fmt: skip
        history, earlier = [], people[n:]
        for j in range(decided):
            received = now - timedelta(days=3) - timedelta(minutes=j * 362 * 24 * 60 // max(decided, 1))
            history.append(
                Contact(
                    tenant_id=tenant.pk, reference=f"BTQ-2025-{j + 1:06d}", channel="marf", source="2A",
                    status="decided", outcome="nfa", received_at=received, decided_at=received + timedelta(hours=20),
                    decision_due_at=calendar.add(received, 1, DeadlineUnit.WORKING_DAYS),
                    concerns="Bench contact, decided.", consent_to_referral="given", consent_to_sharing="given",
                )
            )  # fmt: skip
        history = Contact.objects.bulk_create(history, batch_size=2000)
        ContactPerson.objects.bulk_create(
            (ContactPerson(tenant_id=tenant.pk, contact=contact, person=person, role="child",
                           first_name=person.first_name, last_name="Bench")
             for contact, person in zip(history, earlier, strict=True)), batch_size=2000,
        )  # fmt: skip
        contacts = []
        for i in range(n):
            received = now - timedelta(minutes=(n - i) * 3 * 24 * 60 // n)
            contacts.append(
                Contact(
                    tenant_id=tenant.pk, reference=f"BTQ-2026-{i + 1:06d}", channel="marf", source="2A",
                    received_at=received, decision_due_at=calendar.add(received, 1, DeadlineUnit.WORKING_DAYS),
                    concerns="Bench contact.", consent_to_referral="given", consent_to_sharing="given",
                )
            )  # fmt: skip
        contacts = Contact.objects.bulk_create(contacts, batch_size=2000)
        mentions = []
        for i, contact in enumerate(contacts):
            # One in ten names the child of the contact 100 before it, and one in five a child of a decided
            # contact: re-contacts within 12 months.
            if i % 10 == 0 and i >= 100:
                person = people[i - 100]
            elif i % 5 == 1 and i // 5 < decided:
                person = earlier[i // 5]
            else:
                person = people[i]
            mentions.append(ContactPerson(tenant_id=tenant.pk, contact=contact, person=person, role="child",
                                          first_name=person.first_name, last_name="Bench"))  # fmt: skip
        ContactPerson.objects.bulk_create(mentions, batch_size=2000)
        print(f"contacts: created {n:,} open and {decided:,} decided contacts in {time.perf_counter() - started:.1f} s")
    analyze("contacts_person", "contacts_contact", "contacts_contactperson", "navigators_informationrequest")


def _expect(response, url: str, text: str) -> None:
    """Fail loudly when a page does not show what the bench loaded: its figure would be for another page."""
    if response.status_code != 200:
        raise SystemExit(f"FAILED: {url} answered {response.status_code}")
    if text not in response.content.decode():
        raise SystemExit(f"FAILED: {url} does not show {text!r}: the figure would be wrong")


def _floor(statements: list[str], runs: int) -> list[float]:
    """The same statements the page ran, raw on the same connection, in one transaction each, as the
    application role in the tenant: what the database alone costs (the page's floor)."""
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--decided", type=int, default=30_000, help="contacts decided over the year before")
    parser.add_argument(
        "--runs", type=int, default=100, help="requests a figure (a p95 of 30 is the second slowest: too few)"
    )
    parser.add_argument("--reset", action="store_true")
    parser.add_argument("--profile", action="store_true", help="cProfile ten requests of each kind (no figures)")
    args = parser.parse_args()
    # Its own PostgreSQL database unless DATABASE_URL names one: never the embedded SQLite default, where
    # its PostgreSQL-only statements fail (and its rows would land in the developer's database).
    setup_django(os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/mash_bench_queue", app_role=True)
    from django.conf import settings
    from django.test import Client
    from rest_framework.authtoken.models import Token

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from mash import tenancy

    tenant, user = _tenant_and_users()
    _load(tenant, args.contacts, args.decided, args.reset)
    with tenancy.tenant_context(tenant):
        from contacts.models import Contact

        have = Contact.objects.filter(status="received").count()
    if have != args.contacts:
        raise SystemExit(f"FAILED: {have:,} open contacts visible as {current_role()}, expected {args.contacts:,}")
    page = signed_in(Client(), user)
    as_served()
    token = Token.objects.get_or_create(user=user)[0].key
    api = Client(HTTP_AUTHORIZATION=f"Token {token}")
    print(machine_speed())
    print(
        f"queue with {args.contacts:,} open contacts as {current_role()}, {args.runs} requests each (first warms up):"
    )
    for label, client, url in (("page", page, "/triage/"), ("API ", api, "/api/v1/triage/queue/"),
                               ("page, overdue filter", page, "/triage/?overdue=1")):  # fmt: skip
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        if url == "/triage/":
            _expect(response, url, f"{args.contacts:,} open contacts".replace(",", ""))
        elif url.startswith("/api/"):
            if response.status_code != 200 or response.json()["count"] != args.contacts:
                raise SystemExit(f"FAILED: {url} does not count {args.contacts:,} open contacts")
        else:
            _expect(response, url, "open contacts match")
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.runcall(lambda: [client.get(url) for _ in range(10)])  # noqa: B023 - run here, at once
            print(f"-- {label} {url}: ten requests, profiled")
            if os.environ.get("BENCH_PROFILE_DUMP"):
                profiler.dump_stats(f"{os.environ['BENCH_PROFILE_DUMP']}.{label.split()[0]}")
            stats = pstats.Stats(profiler).sort_stats("cumulative")
            stats.print_stats(25)
            stats.print_stats(r"main/(?!\.venv)", 30)  # the product's own functions
            continue
        # The floor: the same SQL, minus the session and sign-in reads, raw in the tenant.
        statements = [q["sql"] for q in captured.captured_queries if "contacts_contact" in q["sql"]]
        timings, queries = time_get(client, url, args.runs)
        with tenancy.tenant_context(tenant):
            floor = statistics.median(_floor(statements, args.runs))
        median = statistics.median(timings)
        print(
            f"  {label:<22} median {median:7.1f} ms   p95 {p95(timings):7.1f} ms   {queries} queries   "
            f"floor (its {len(statements)} contact queries raw) {floor:5.1f} ms"
        )
    print(machine_speed())


if __name__ == "__main__":
    main()
