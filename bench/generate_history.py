"""Realistic history for the dashboards: years of contacts, information requests and early help.

    .venv/bin/python -m bench.generate_history [--tenants 3] [--years 5] [--scale 1.0] [--reset] [--seed 9]
    .venv/bin/python -m bench.generate_history --tenants 150 --sizes mixed --years 1   # national scale
    .venv/bin/python -m bench.generate_history --tenants 150 --sizes mixed --years 1 --small-scale 0.04  # quicker

Runs against its own PostgreSQL database (``mash_bench`` on the local server, or ``BENCH_DATABASE_URL``),
created, migrated and given the demo tenants (``seed_demo``) on first use. Each tenant gets ``--years``
of history ending now at Coventry's volume (seed 003: about 2,000 contacts a month) times ``--scale``:

* contacts naming one to three children (65% / 25% / 10%), children drawn from a register so that
  about a fifth of contacts are re-contacts about a child seen before; sources as a MASH sees them
  (police notifications the largest share, then schools and health);
* outcomes as seed 003 describes a month: 30.2% meeting the statutory threshold (assessment 24%,
  strategy discussion 6.2%), 12.4% stepped down to early help, the rest no further action, advice or
  another service; ratings follow the outcome (strategy discussions Red, early help Green, ...);
* decisions: 88% within the tenant's decision deadline (one working day), the rest one to three
  working days late; the last two days' contacts are still open, some of them past their deadline;
* information requests to every agency (Red, Amber) or two to four selected ones (Green), due on the
  rating's deadline by the tenant's working calendar; 85% returned on time, 13% late, 2% closed
  without a return; a few recent ones overdue;
* early-help requests: one per step-down plus direct requests (400 a month x scale), 80% reviewed
  within 48 hours, 3% stepped up to a later MASH contact.

Rows are written with COPY (no ORM per row), as the tables' owner (row-level security refuses COPY to the
application role), then ``rebuild_reporting`` computes the figures tables.
Idempotent: a tenant that already has generated history is skipped unless ``--reset`` deletes it first.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/mash_bench"
MARK = "H"  # generated contacts' references: <prefix>-H<year>-<number>
PER_MONTH = 2000  # Coventry, July 2019: 2,066 contacts (seed 003)
DIRECT_EARLY_HELP_PER_MONTH = 400
# --sizes mixed: the other tenants' volume relative to the largest. England's 153 children's services
# authorities range from a few hundred contacts a month (Rutland, the Isles of Scilly) to Coventry's
# and beyond; most are a fifth to a half of the largest. Cycled over the tenants after the first.
MIXED_SIZES = [0.6, 0.4, 0.3, 0.2, 0.2, 0.15, 0.1, 0.05]

OUTCOMES = [("nfa", 45.0), ("advice", 12.0), ("early_help", 12.4), ("assessment", 24.0),
            ("strategy_discussion", 6.2), ("other_service", 0.4)]  # fmt: skip
# By outcome: the rating's position in the tenant's scheme (0 = most urgent) and its weight.
RATING_BY_OUTCOME = {
    "strategy_discussion": [(0, 85), (1, 15)],
    "assessment": [(0, 25), (1, 65), (2, 10)],
    "early_help": [(2, 85), (1, 15)],
    "nfa": [(3, 55), (2, 40), (1, 5)],
    "advice": [(3, 70), (2, 30)],
    "other_service": [(3, 60), (2, 40)],
}
SOURCES = [("6", 30), ("2A", 17), ("2B", 2), ("3A", 4), ("3B", 3), ("3C", 2), ("3D", 2), ("3E", 3), ("3F", 1),
           ("5A", 5), ("5B", 2), ("5C", 2), ("5D", 2), ("1A", 6), ("1B", 2), ("1C", 1), ("1D", 2), ("4", 4),
           ("7", 2), ("8", 4), ("9", 3), ("10", 1)]  # fmt: skip
CHANNELS = {"6": "police_notification", "1A": "public", "1B": "public", "1C": "public", "1D": "public", "9": "phone"}
FIRST = ["Olivia", "Amelia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Sophia", "Grace", "Freya", "Noah", "Oliver",
         "George", "Arthur", "Leo", "Muhammad", "Harry", "Oscar", "Jack", "Theo", "Charlie", "Jacob", "Alfie",
         "Ella", "Poppy", "Evie", "Maya", "Zara", "Ruby", "Aisha"]  # fmt: skip
LAST = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Robinson",
        "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Khan", "Wood", "Clarke",
        "Hughes", "Edwards", "Hussain", "Lewis", "Begum", "Ali", "Murphy", "Kaur", "Singh"]  # fmt: skip
ETHNICITIES = [("WBRI", 70), ("WOTH", 5), ("MWBC", 3), ("MOTH", 2), ("APKN", 4), ("AIND", 3), ("ABAN", 1),
               ("BAFR", 3), ("BCRB", 1), ("CHNE", 1), ("OOTH", 2), ("NOBT", 4), ("", 1)]  # fmt: skip
EH_OUTCOMES = [("district_service", 45), ("lead_professional_support", 20), ("signpost", 20), ("advice", 15)]
EH_ORGANISATIONS = ["School", "Health visiting", "Family hub", "Early help district team", "Youth service"]


def _weighted(rng, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    # A bulk loader, like migrations, works as the tables' owner (the local server's superuser): PostgreSQL
    # refuses COPY FROM into row-secured tables for the application role, and the generator's raw SQL
    # (deleting earlier history, VACUUM) crosses tenants. The dashboards it feeds still run as the role.
    os.environ["DATABASE_APP_ROLE"] = ""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mash.settings")
    from bench.common import ensure_database

    ensure_database(url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)


class Copier:
    """COPY rows of a model, filling every column the generator does not set with the field's default."""

    def __init__(self, model, columns):
        from django.utils import timezone

        self.model = model
        self.table = model._meta.db_table
        now = timezone.now()
        # Generated columns (Person.search_name) are computed by PostgreSQL and cannot be given to COPY.
        self.fields = [f for f in model._meta.concrete_fields if not getattr(f, "generated", False)]
        self.columns = [f.column for f in self.fields]
        self.column_list = ", ".join(f'"{c}"' for c in self.columns)
        self.given = set(columns)
        self.defaults = {}
        for f in self.fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self.defaults[f.attname] = now
            elif f.has_default():
                value = f.get_default()
                self.defaults[f.attname] = json.dumps(value) if isinstance(value, (dict, list)) else value
            else:
                self.defaults[f.attname] = (
                    "" if (not f.null and f.get_internal_type() in ("CharField", "TextField", "EmailField")) else None
                )

    def write(self, rows) -> int:
        from django.db import connection

        n = 0
        with connection.cursor() as cur, cur.copy(f"COPY {self.table} ({self.column_list}) FROM STDIN") as cp:
            for row in rows:
                cp.write_row([row[f.attname] if f.attname in row else self.defaults[f.attname] for f in self.fields])
                n += 1
        return n


def _next_id(table) -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
        return cur.fetchone()[0]


def _reset_sequences(*tables) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        for table in tables:
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )


def delete_history(tenant) -> None:
    """Remove a tenant's generated history (contacts with an ``H`` reference and what hangs off them)."""
    from django.db import connection

    like = f"{tenant.reference_prefix}-{MARK}%"
    with connection.cursor() as cur:
        cur.execute("CREATE TEMP TABLE gen_contacts AS SELECT id FROM contacts_contact WHERE tenant_id = %s "
                    "AND reference LIKE %s", [tenant.pk, like])  # fmt: skip
        cur.execute("CREATE TEMP TABLE gen_eh AS SELECT id FROM earlyhelp_earlyhelprequest WHERE tenant_id = %s "
                    "AND reference LIKE %s", [tenant.pk, f"EH-{like}"])  # fmt: skip
        for sql in [
            "DELETE FROM reporting_returnfact WHERE contact_id IN (SELECT id FROM gen_contacts)",
            "DELETE FROM reporting_contactfact WHERE contact_id IN (SELECT id FROM gen_contacts)",
            "DELETE FROM reporting_earlyhelpfact WHERE request_id IN (SELECT id FROM gen_eh)",
            "DELETE FROM earlyhelp_earlyhelpchild WHERE request_id IN (SELECT id FROM gen_eh)",
            "DELETE FROM earlyhelp_earlyhelprequest WHERE id IN (SELECT id FROM gen_eh)",
            "DELETE FROM navigators_informationrequest WHERE contact_id IN (SELECT id FROM gen_contacts)",
            "CREATE TEMP TABLE gen_people AS SELECT DISTINCT person_id AS id FROM contacts_contactperson "
            "WHERE contact_id IN (SELECT id FROM gen_contacts) AND person_id IS NOT NULL",
            "DELETE FROM contacts_contactperson WHERE contact_id IN (SELECT id FROM gen_contacts)",
            "DELETE FROM contacts_person WHERE id IN (SELECT id FROM gen_people) AND NOT EXISTS "
            "(SELECT 1 FROM contacts_contactperson m WHERE m.person_id = contacts_person.id)",
            "DELETE FROM contacts_contact WHERE id IN (SELECT id FROM gen_contacts)",
            "DROP TABLE gen_contacts, gen_eh, gen_people",
        ]:
            cur.execute(sql)


def generate(tenant, *, years: float, scale: float, seed: int, now: datetime) -> dict:
    from django.db import transaction

    from contacts.matching import register_fields
    from contacts.models import Contact, ContactPerson, Person
    from earlyhelp.models import EarlyHelpChild, EarlyHelpRequest
    from mash.models import Agency, User
    from mash.tenancy import tenant_context
    from navigators.models import InformationRequest
    from thresholds.calendars import calendar_for
    from thresholds.models import ClockKind, ClockPolicy, Rating

    rng = random.Random(f"{seed}-{tenant.slug}")
    with tenant_context(tenant), transaction.atomic():
        calendar = calendar_for(tenant)
        ratings = list(Rating.objects.filter(active=True).order_by("order", "code"))
        agencies = list(Agency.objects.order_by("slug").values_list("pk", flat=True))
        policy = ClockPolicy.objects.filter(kind=ClockKind.DECISION).first()
        decide_amount, decide_unit = (policy.amount, policy.unit) if policy else (Decimal(1), "working_days")
        eh_policy = ClockPolicy.objects.filter(kind=ClockKind.EARLY_HELP_REVIEW).first()
        eh_amount, eh_unit = (eh_policy.amount, eh_policy.unit) if eh_policy else (Decimal(48), "clock_hours")
        workers = list(User.objects.filter(tenant=tenant, role__in=["triage", "manager"]).values_list("pk", flat=True))
        managers = list(User.objects.filter(tenant=tenant, role="manager").values_list("pk", flat=True)) or workers
        coordinators = list(User.objects.filter(tenant=tenant, role="ehcoord").values_list("pk", flat=True))
        start = now - timedelta(days=round(365.25 * years))
        total = round(PER_MONTH * scale * 12 * years)
        contact_id = _next_id("contacts_contact")
        person_id = _next_id("contacts_person")
        mention_id = _next_id("contacts_contactperson")
        request_id = _next_id("navigators_informationrequest")
        eh_id = _next_id("earlyhelp_earlyhelprequest")
        eh_child_id = _next_id("earlyhelp_earlyhelpchild")

        people, contacts, mentions, requests, eh_requests, eh_children = [], [], [], [], [], []
        written = {"contacts": 0, "children": 0, "people": 0, "requests": 0}
        # Foreign keys are deferred to commit, so each list can be written whenever it grows large.
        copiers = {}

        def flush(name, model, rows, force=False):
            if rows and (force or len(rows) >= 50_000):
                if name not in copiers:
                    copiers[name] = Copier(model, rows[0].keys())
                written[name] = written.get(name, 0) + copiers[name].write(rows)
                rows.clear()

        recent: list[tuple[int, dict, str]] = []  # (person id, person) seen lately: re-contacts come from here
        counters: dict[int, int] = {}
        contact_times: list[tuple[datetime, int]] = []
        span = (now - start).total_seconds()
        instants = sorted(start + timedelta(seconds=rng.random() * span) for _ in range(total))
        for received in instants:
            # Most contacts arrive in office hours; police notifications round the clock.
            local = received.astimezone(calendar_zone(tenant))
            if rng.random() < 0.75 and (local.hour < 8 or local.hour >= 18):
                received += timedelta(hours=rng.choice([-12, 12]))
                if received >= now:
                    received -= timedelta(hours=24)
            year = received.year
            counters[year] = counters.get(year, 0) + 1
            outcome = _weighted(rng, OUTCOMES)
            position = _weighted(rng, RATING_BY_OUTCOME[outcome])
            rating = ratings[min(position, len(ratings) - 1)]
            source = _weighted(rng, SOURCES)
            due = calendar.add(received, decide_amount, decide_unit)
            age = now - received
            decided_at = breached_at = None
            status = "closed"
            if age < timedelta(days=2):
                status = "enquiry" if rng.random() < 0.6 else "received"
                if due < now and rng.random() < 0.5:
                    breached_at = due
                outcome = None
            else:
                if rng.random() < 0.88:
                    decided_at = received + (due - received) * rng.uniform(0.05, 1.0)
                else:
                    decided_at = calendar.add(due, Decimal(rng.uniform(0.05, 3)), "working_days")
                    breached_at = due
                if decided_at > now:
                    decided_at = now - timedelta(minutes=5)
                status = "closed" if age > timedelta(days=30) else "decided"
            worker = rng.choice(workers) if workers else None
            contact = {
                "id": contact_id, "tenant_id": tenant.pk,
                "reference": f"{tenant.reference_prefix}-{MARK}{year}-{counters[year]:06d}",
                "status": status, "channel": CHANNELS.get(source, "marf"), "source": source,
                "received_at": received, "decision_due_at": due, "rating_id": rating.pk if decided_at or
                rng.random() < 0.5 else None, "outcome": outcome, "breached_at": breached_at,
                "escalation_level": 1 if breached_at else 0, "decided_at": decided_at,
                "decided_by_id": rng.choice(managers) if decided_at and managers else None,
                "assigned_to_id": worker, "concerns": "Generated history.",
                "consent_to_referral": "given", "consent_to_sharing": "given", "parents_aware": "yes",
                "created_at": received, "updated_at": decided_at or received,
            }  # fmt: skip
            contacts.append(contact)
            # Children: one to three; about a fifth are children seen in the last year or so.
            family_name = rng.choice(LAST)
            for order in range(_weighted(rng, [(1, 65), (2, 25), (3, 10)])):
                if recent and rng.random() < 0.2:
                    pid, person, ethnicity = recent[rng.randrange(max(0, len(recent) - 3000), len(recent))]
                else:
                    dob = (received - timedelta(days=rng.randint(0, 17 * 365))).date()
                    fields = register_fields(rng.choice(FIRST), family_name, dob, f"CV{rng.randint(1, 9)}"
                                             f"{rng.randint(1, 9)}AB", rng.choice("MF"))  # fmt: skip
                    pid, person = person_id, {"id": person_id, "tenant_id": tenant.pk, **fields, "created_at": received}
                    ethnicity = _weighted(rng, ETHNICITIES)
                    people.append(person)
                    person_id += 1
                recent.append((pid, person, ethnicity))
                mentions.append({
                    "id": mention_id, "tenant_id": tenant.pk, "contact_id": contact_id, "person_id": pid,
                    "role": "child", "first_name": person["first_name"], "last_name": person["last_name"],
                    "date_of_birth": person["date_of_birth"], "sex": person["sex"],
                    "postcode": person["postcode"], "ethnicity": ethnicity, "order": order,
                })  # fmt: skip
                mention_id += 1
            if len(recent) > 20000:
                del recent[:10000]
            # Information requests once rated (Red/Amber: every agency; Green-like: two to four).
            if contact["rating_id"] and rating.agencies_asked != "none" and agencies:
                asked = (
                    agencies
                    if rating.agencies_asked == "all"
                    else rng.sample(agencies, min(len(agencies), rng.randint(2, 4)))
                )
                requested = received + timedelta(minutes=rng.randint(20, 180))
                for agency_id in asked:
                    req_due = calendar.add(requested, rating.return_amount, rating.return_unit)
                    returned = closed = req_breached = None
                    status_r = "returned"
                    roll = rng.random()
                    if requested > now - timedelta(hours=6) or (decided_at is None and roll < 0.3):
                        status_r = "open"
                        if req_due < now:
                            status_r, req_breached = "overdue", req_due
                    elif roll < 0.85:
                        returned = requested + (req_due - requested) * rng.uniform(0.1, 1.0)
                    elif roll < 0.98:
                        returned = req_due + (req_due - requested) * rng.uniform(0.05, 1.5)
                        req_breached = req_due
                    else:
                        status_r, closed, req_breached = "closed", req_due + timedelta(hours=2), req_due
                    if returned and returned > now:
                        returned = now - timedelta(minutes=1)
                    requests.append({
                        "id": request_id, "tenant_id": tenant.pk, "contact_id": contact_id, "agency_id": agency_id,
                        "rating_id": rating.pk, "status": status_r, "requested_at": requested, "due_at": req_due,
                        "returned_at": returned, "breached_at": req_breached,
                        "escalation_level": 1 if req_breached else 0, "closed_at": closed,
                        "closed_reason": "Decided without this return." if closed else "",
                        "created_at": requested, "updated_at": returned or requested,
                    })  # fmt: skip
                    request_id += 1
            if outcome == "early_help" and decided_at:
                eh_requests.append(_early_help(rng, tenant, eh_id, decided_at, contact_id, calendar, eh_amount,
                                               eh_unit, coordinators, now))  # fmt: skip
                for m in mentions[-3:]:
                    if m["contact_id"] == contact_id:
                        eh_children.append(_eh_child(tenant, eh_child_id, eh_id, m))
                        eh_child_id += 1
                eh_id += 1
            flush("people", Person, people)
            flush("children", ContactPerson, mentions)
            flush("requests", InformationRequest, requests)
            flush("contacts", Contact, contacts)
            contact_times.append((received, contact_id))
            contact_id += 1
        flush("contacts", Contact, contacts, force=True)
        # Direct early-help requests, and a few stepped up to a later MASH contact.
        direct = round(DIRECT_EARLY_HELP_PER_MONTH * scale * 12 * years)
        for _ in range(direct):
            received = start + timedelta(seconds=rng.random() * span)
            request = _early_help(rng, tenant, eh_id, received, None, calendar, eh_amount, eh_unit, coordinators, now)
            if rng.random() < 0.03:
                later = _first_after(contact_times, received + timedelta(days=rng.randint(3, 60)))
                if later:
                    request.update(status="stepped_up", stepped_up_to_id=later, stepped_up_at=received +
                                   timedelta(days=2), step_up_reason="Safeguarding concerns found.")  # fmt: skip
            eh_requests.append(request)
            for order in range(_weighted(rng, [(1, 70), (2, 22), (3, 8)])):
                dob = (received - timedelta(days=rng.randint(0, 17 * 365))).date()
                eh_children.append({
                    "id": eh_child_id, "tenant_id": tenant.pk, "request_id": eh_id, "first_name": rng.choice(FIRST),
                    "last_name": rng.choice(LAST), "date_of_birth": dob, "sex": rng.choice("MF"),
                    "ethnicity": _weighted(rng, ETHNICITIES), "order": order,
                })  # fmt: skip
                eh_child_id += 1
            eh_id += 1
        flush("people", Person, people, force=True)
        flush("children", ContactPerson, mentions, force=True)
        flush("requests", InformationRequest, requests, force=True)
        Copier(EarlyHelpRequest, set().union(*(r.keys() for r in eh_requests))).write(eh_requests)
        Copier(EarlyHelpChild, eh_children[0].keys()).write(eh_children)
        _reset_sequences(
            "contacts_person",
            "contacts_contact",
            "contacts_contactperson",
            "navigators_informationrequest",
            "earlyhelp_earlyhelprequest",
            "earlyhelp_earlyhelpchild",
        )
    return {**written, "early_help": len(eh_requests)}


def calendar_zone(tenant):
    from zoneinfo import ZoneInfo

    return ZoneInfo(tenant.time_zone)


def _first_after(contact_times, instant):
    from bisect import bisect_left

    i = bisect_left(contact_times, (instant, 0))
    return contact_times[i][1] if i < len(contact_times) else None


def _early_help(rng, tenant, eh_id, received, contact_id, calendar, amount, unit, coordinators, now):
    due = calendar.add(received, amount, unit)
    outcome = outcome_at = breached = None
    status = "received"
    if received < now - timedelta(days=3):
        late = rng.random() >= 0.8
        outcome_at = (due + (due - received) * rng.uniform(0.05, 1.0)) if late else (
            received + (due - received) * rng.uniform(0.1, 1.0))  # fmt: skip
        outcome = _weighted(rng, EH_OUTCOMES)
        breached = due if late else None
        status = rng.choice(["outcome_given", "plan", "closed", "closed"])
    elif due < now:
        breached = due
    started = (outcome_at or received).date() if outcome == "district_service" else None
    return {
        "id": eh_id, "tenant_id": tenant.pk,
        "reference": f"EH-{tenant.reference_prefix}-{MARK}{received.year}-{eh_id:07d}",
        "contact_id": contact_id, "status": status, "received_at": received, "review_due_at": due,
        "outcome": outcome or "", "outcome_at": outcome_at, "breached_at": breached,
        "escalation_level": 1 if breached else 0,
        "outcome_by_id": rng.choice(coordinators) if outcome and coordinators else None,
        "assessment_started_on": started,
        "assessment_completed_on": started + timedelta(days=rng.randint(10, 45)) if started and rng.random() < 0.8
        else None,
        "assessment_organisation": rng.choice(EH_ORGANISATIONS) if started else "",
        "created_at": received, "updated_at": outcome_at or received,
    }  # fmt: skip


def _eh_child(tenant, child_id, request_id, mention):
    return {
        "id": child_id, "tenant_id": tenant.pk, "request_id": request_id, "person_id": mention["person_id"],
        "first_name": mention["first_name"], "last_name": mention["last_name"],
        "date_of_birth": mention["date_of_birth"], "sex": mention["sex"], "ethnicity": mention["ethnicity"],
        "order": mention["order"],
    }  # fmt: skip


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenants", type=int, default=3, help="How many tenants get history (default 3).")
    parser.add_argument("--years", type=float, default=5, help="Years of history per tenant (default 5).")
    parser.add_argument("--scale", type=float, default=1.0, help="Volume relative to Coventry's 2,000/month.")
    parser.add_argument(
        "--sizes",
        choices=["equal", "mixed"],
        default="equal",
        help="equal: every tenant at --scale; mixed: the first (cambridgeshire) at --scale, the largest, and "
        "the others smaller in England's proportions (MIXED_SIZES) times --small-scale.",
    )
    parser.add_argument(
        "--small-scale",
        type=float,
        default=1.0,
        help="With --sizes mixed: shrink every tenant but the largest further (a quicker national run).",
    )
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--reset", action="store_true", help="Delete generated history first, then regenerate.")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    args = parser.parse_args(argv)
    setup(args.database_url)

    from django.db import connection
    from django.utils import timezone

    from contacts.models import Contact
    from mash.models import Tenant
    from mash.tenancy import tenant_context
    from reporting.services import rebuild

    slugs = ["cambridgeshire", "durham", "coventry"]
    tenants = list(Tenant.objects.filter(slug__in=slugs).order_by("slug"))
    for n in range(len(tenants), args.tenants):
        slug = f"history-{n + 1}"
        tenant, _ = Tenant.objects.get_or_create(slug=slug, defaults={"name": f"History {n + 1} Council",
                                                                       "reference_prefix": f"HI{n + 1}"})  # fmt: skip
        from thresholds.services import ensure_default_policy

        with tenant_context(tenant):
            ensure_default_policy(tenant=tenant)
        tenants.append(tenant)
    tenants = tenants[: args.tenants]
    now = timezone.now().replace(microsecond=0)
    for index, tenant in enumerate(tenants):
        scale = args.scale
        if args.sizes == "mixed" and index:
            scale *= MIXED_SIZES[index % len(MIXED_SIZES)] * args.small_scale
        with tenant_context(tenant):
            have = Contact.objects.filter(reference__startswith=f"{tenant.reference_prefix}-{MARK}").count()
        if have and not args.reset:
            print(f"{tenant.slug}: {have:,} generated contacts already there (use --reset to regenerate)")
            continue
        started = time.perf_counter()
        if have:
            delete_history(tenant)
            print(f"{tenant.slug}: deleted the earlier history in {time.perf_counter() - started:.1f} s")
            started = time.perf_counter()
        counts = generate(tenant, years=args.years, scale=scale, seed=args.seed, now=now)
        print(f"{tenant.slug}: wrote {counts['contacts']:,} contacts ({counts['children']:,} children, "
              f"{counts['people']:,} register entries), {counts['requests']:,} information requests, "
              f"{counts['early_help']:,} early-help requests with COPY in "
              f"{time.perf_counter() - started:.1f} s")  # fmt: skip
        started = time.perf_counter()
        built = rebuild(tenant=tenant)
        print(f"{tenant.slug}: figures tables rebuilt ({built['contacts']:,} contacts) in "
              f"{time.perf_counter() - started:.1f} s")  # fmt: skip
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    # A bulk import: the planner is told each table's largest council's share now that the tables hold it, as
    # migrate does in production (on this database it last ran on empty tables).
    from mash.tenant_statistics import plan_for_the_largest_tenant

    print(f"planned {len(plan_for_the_largest_tenant())} tables for their largest tenant")


if __name__ == "__main__":
    main()
