"""Keeping the figures tables right: recompute the fact rows of changed records, in batches.

Every refresh is set-based: a fixed number of queries per batch of records, never one per row, so the
same code serves a single saved contact (from the receivers) and a rebuild of years of history.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from contacts.choices import Outcome, PersonRole
from contacts.models import Contact, ContactPerson, PersonMatchCandidate
from contacts.selectors import RECONTACT_WINDOW, _counts_as_same_child, add_matched_register_entries, child_sightings
from deadlines.models import Clock
from earlyhelp.models import EarlyHelpRequest, EarlyHelpStatus
from mash import audit, locks
from mash.models import Tenant
from mash.tenancy import require_tenant_id, tenant_context
from navigators.models import OUTSTANDING, InformationRequest
from thresholds.calendars import calendar_for
from thresholds.models import ClockKind, ClockPolicy, Rating

from .models import ContactFact, EarlyHelpFact, FiguresMonth, FiguresVersion, ReturnFact

log = logging.getLogger(__name__)

BATCH = 2000
# A contact the manager decided should be assessed or taken to a strategy discussion is a referral
# to children's social care (Annex A List 3).

CONTACT_FIELDS = [
    "received_at", "received_on", "source", "rating", "outcome", "status", "children", "unborn_children",
    "re_contact_children",
    "decided_at", "decision_due_at", "decided_in_time", "decision_elapsed", "decision_unit", "breached_at",
    "stepped_up", "stepped_down", "bounced", "worker",
]  # fmt: skip
RETURN_FIELDS = [
    "contact", "received_on", "agency", "rating", "requested_at", "due_at", "returned_at", "on_time", "elapsed",
    "unit", "outstanding", "breached_at", "worker",
]  # fmt: skip
EARLY_HELP_FIELDS = [
    "received_at", "received_on", "review_due_at", "outcome_at", "outcome", "in_time", "elapsed", "unit",
    "from_contact", "stepped_up", "children", "open", "breached_at", "worker",
]  # fmt: skip


def _write(model, facts, *, key: str, fields: list[str], fresh: bool) -> None:
    """Upsert fact rows; ``fresh`` (a rebuild, the tenant's facts just deleted) inserts them in bulk.

    A rebuild streams them with COPY when the connection is exempt from row-level security (the
    tables' owner as a superuser: the history generator); PostgreSQL refuses COPY FROM into a
    row-secured table for everyone else ("COPY FROM not supported with row-level security"), so
    the application role inserts them in large batches instead, each row checked by the policy.
    """
    if not facts:
        return
    if not fresh or connection.vendor != "postgresql":
        model.objects.bulk_create(facts, update_conflicts=True, unique_fields=[key], update_fields=fields)
        return
    table = model._meta.db_table
    with connection.cursor() as cursor:  # scoping: allowed - asks the catalogue, reads no rows
        cursor.execute("SELECT row_security_active(%s::regclass)", [table])
        row_secured = cursor.fetchone()[0]
    if row_secured:
        model.objects.bulk_create(facts, batch_size=BATCH)
        return
    columns = [f for f in model._meta.concrete_fields]
    names = ", ".join(f'"{f.column}"' for f in columns)
    # The rows carry the active tenant's id (set above); the connection bypasses row security.
    sql = f"COPY {table} ({names}) FROM STDIN"
    with connection.cursor() as cursor:  # scoping: allowed (writes only the active tenant's rows)
        with cursor.copy(sql) as copy:
            for fact in facts:
                copy.write_row([getattr(fact, f.attname) for f in columns])


def _chunks(ids, size=BATCH):
    ids = list(ids)
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def _elapsed(calendar, start, end, unit):
    if start is None or end is None or not unit:
        return None
    return float(calendar.elapsed(start, end, unit))


def _clock_units(kind, subject_type, ids) -> dict[str, str]:
    """The unit each subject's clock actually ran in (a later policy change never rewrites history)."""
    rows = Clock.objects.filter(kind=kind, subject_type=subject_type, subject_id__in=[str(i) for i in ids])
    return {subject_id: unit for subject_id, unit in rows.values_list("subject_id", "policy__unit") if unit}


def _policy_unit(kind) -> str:
    return ClockPolicy.objects.filter(kind=kind).values_list("unit", flat=True).first() or ""


def _re_contact_children(contacts, children_of) -> dict[int, int]:
    """Per contact, how many of its children had another contact in the 12 months before it.

    Same child as ``contacts.selectors.attach_previous_contacts``: the same register entry, or a
    confirmed or strong possible match. A fixed number of queries for the batch.
    """
    mention_persons: dict[int, set[int]] = {}
    for mentions in children_of.values():
        for mention_id, person_id in mentions:
            mention_persons[mention_id] = {person_id} if person_id else set()
    add_matched_register_entries(mention_persons)
    persons = set().union(*mention_persons.values()) if mention_persons else set()
    if not persons:
        return {c["id"]: 0 for c in contacts}
    since = min(c["received_at"] for c in contacts) - RECONTACT_WINDOW
    seen = child_sightings(persons, since=since, until=max(c["received_at"] for c in contacts))
    by_person = defaultdict(list)
    for person_id, contact_id, received_at in seen:
        by_person[person_id].append((received_at, contact_id))
    counts = {}
    for contact in contacts:
        received, own_id, n = contact["received_at"], contact["id"], 0
        for mention_id, _person in children_of.get(own_id, ()):
            if any(
                cid != own_id and received - RECONTACT_WINDOW <= at < received
                for person_id in mention_persons[mention_id]
                for at, cid in by_person.get(person_id, ())
            ):
                n += 1
        counts[own_id] = n
    return counts


def refresh_contacts(contact_ids, *, fresh: bool = False, touched: set | None = None) -> int:
    """Recompute the facts of these contacts and of their information requests (active tenant). ``touched``
    collects the local dates of receipt of every fact written or deleted (their requests' are the contact's)."""
    tenant_id = require_tenant_id()
    tenant = Tenant.objects.get(pk=tenant_id)
    zone = ZoneInfo(tenant.time_zone)
    calendar = calendar_for(tenant)
    units = dict(Rating.objects.values_list("pk", "return_unit"))
    decision_unit = _policy_unit(ClockKind.DECISION)
    done = 0
    for ids in _chunks(sorted(set(contact_ids))):
        contacts = list(
            Contact.objects.filter(pk__in=ids).values(
                "id", "received_at", "source", "rating_id", "outcome", "status", "decided_at", "decision_due_at",
                "breached_at", "assigned_to_id", "decided_by_id", "bounce",
            )
        )  # fmt: skip
        present = {c["id"] for c in contacts}
        if touched is not None:
            written = ContactFact.objects.filter(contact_id__in=ids)
            touched.update(written.values_list("received_on", flat=True).distinct())
        ContactFact.objects.filter(contact_id__in=set(ids) - present).delete()
        if not contacts:
            continue
        children_of = defaultdict(list)
        unborn_of = defaultdict(int)
        for contact_id, mention_id, person_id, unborn in ContactPerson.objects.filter(
            contact_id__in=present, role=PersonRole.CHILD
        ).values_list("contact_id", "id", "person_id", "unborn"):
            children_of[contact_id].append((mention_id, person_id))
            unborn_of[contact_id] += unborn
        re_contacts = _re_contact_children(contacts, children_of)
        clock_units = _clock_units(ClockKind.DECISION, Contact._meta.label_lower, present)
        stepped_up = set(
            EarlyHelpRequest.objects.filter(stepped_up_to_id__in=present).values_list("stepped_up_to_id", flat=True)
        )
        stepped_down = set(EarlyHelpRequest.objects.filter(contact_id__in=present).values_list("contact_id", flat=True))
        facts = []
        for c in contacts:
            unit = clock_units.get(str(c["id"]), decision_unit)
            decided = c["decided_at"]
            facts.append(
                ContactFact(
                    tenant_id=tenant_id,
                    contact_id=c["id"],
                    received_at=c["received_at"],
                    received_on=c["received_at"].astimezone(zone).date(),
                    source=c["source"],
                    rating_id=c["rating_id"],
                    outcome=c["outcome"] or "",
                    status=c["status"],
                    children=len(children_of.get(c["id"], ())),
                    unborn_children=unborn_of.get(c["id"], 0),
                    re_contact_children=re_contacts.get(c["id"], 0),
                    decided_at=decided,
                    decision_due_at=c["decision_due_at"],
                    decided_in_time=(decided <= c["decision_due_at"]) if decided and c["decision_due_at"] else None,
                    decision_elapsed=_elapsed(calendar, c["received_at"], decided, unit),
                    decision_unit=unit if decided else "",
                    breached_at=c["breached_at"],
                    stepped_up=c["id"] in stepped_up,
                    stepped_down=c["outcome"] == Outcome.EARLY_HELP or c["id"] in stepped_down,
                    bounced=bool(c["bounce"]),
                    worker_id=c["assigned_to_id"] or c["decided_by_id"],
                )
            )
        if touched is not None:
            touched.update(fact.received_on for fact in facts)
        _write(ContactFact, facts, key="contact", fields=CONTACT_FIELDS, fresh=fresh)
        _refresh_returns_of(present, {c["id"]: c for c in contacts}, zone, calendar, units, fresh=fresh)
        done += len(facts)
    return done


def _refresh_returns_of(contact_ids, contacts, zone, calendar, units, *, fresh=False) -> None:
    requests = list(
        InformationRequest.objects.filter(contact_id__in=contact_ids).values(
            "id", "contact_id", "agency_id", "rating_id", "requested_at", "due_at", "returned_at", "status",
            "breached_at",
        )
    )  # fmt: skip
    if not fresh:
        kept = [r["id"] for r in requests]
        ReturnFact.objects.filter(contact_id__in=contact_ids).exclude(request_id__in=kept).delete()
    tenant_id = require_tenant_id()
    facts = []
    for r in requests:
        contact = contacts[r["contact_id"]]
        unit = units.get(r["rating_id"]) or ""
        returned = r["returned_at"]
        facts.append(
            ReturnFact(
                tenant_id=tenant_id,
                request_id=r["id"],
                contact_id=r["contact_id"],
                received_on=contact["received_at"].astimezone(zone).date(),
                agency_id=r["agency_id"],
                rating_id=r["rating_id"],
                requested_at=r["requested_at"],
                due_at=r["due_at"],
                returned_at=returned,
                # Met exactly at the due time counts as on time.
                on_time=(returned <= r["due_at"]) if returned else None,
                elapsed=_elapsed(calendar, r["requested_at"], returned, unit),
                unit=unit,
                outstanding=r["status"] in OUTSTANDING,
                breached_at=r["breached_at"],
                worker_id=contact["assigned_to_id"] or contact["decided_by_id"],
            )
        )
    _write(ReturnFact, facts, key="request", fields=RETURN_FIELDS, fresh=fresh)


def refresh_early_help(request_ids, *, fresh: bool = False, touched: set | None = None) -> int:
    """Recompute the facts of these early-help requests (active tenant); ``touched`` as for :func:`refresh_contacts`."""
    tenant_id = require_tenant_id()
    tenant = Tenant.objects.get(pk=tenant_id)
    zone = ZoneInfo(tenant.time_zone)
    calendar = calendar_for(tenant)
    default_unit = _policy_unit(ClockKind.EARLY_HELP_REVIEW)
    done = 0
    for ids in _chunks(sorted(set(request_ids))):
        rows = list(
            EarlyHelpRequest.objects.filter(pk__in=ids)
            .annotate(n_children=Count("children"))
            .values(
                "id", "received_at", "review_due_at", "outcome", "outcome_at", "contact_id", "stepped_up_to_id",
                "status", "breached_at", "outcome_by_id", "n_children",
            )
        )  # fmt: skip
        present = {r["id"] for r in rows}
        if touched is not None:
            written = EarlyHelpFact.objects.filter(request_id__in=ids)
            touched.update(written.values_list("received_on", flat=True).distinct())
        EarlyHelpFact.objects.filter(request_id__in=set(ids) - present).delete()
        clock_units = _clock_units(ClockKind.EARLY_HELP_REVIEW, EarlyHelpRequest._meta.label_lower, present)
        facts = []
        for r in rows:
            unit = clock_units.get(str(r["id"]), default_unit)
            given = r["outcome_at"]
            facts.append(
                EarlyHelpFact(
                    tenant_id=tenant_id,
                    request_id=r["id"],
                    received_at=r["received_at"],
                    received_on=r["received_at"].astimezone(zone).date(),
                    review_due_at=r["review_due_at"],
                    outcome_at=given,
                    outcome=r["outcome"] or "",
                    in_time=(given <= r["review_due_at"]) if given and r["review_due_at"] else None,
                    elapsed=_elapsed(calendar, r["received_at"], given, unit),
                    unit=unit if given else "",
                    from_contact=r["contact_id"] is not None,
                    stepped_up=r["stepped_up_to_id"] is not None,
                    children=r["n_children"],
                    open=given is None and r["status"] not in (EarlyHelpStatus.CLOSED, EarlyHelpStatus.STEPPED_UP),
                    breached_at=r["breached_at"],
                    worker_id=r["outcome_by_id"],
                )
            )
        if touched is not None:
            touched.update(fact.received_on for fact in facts)
        _write(EarlyHelpFact, facts, key="request", fields=EARLY_HELP_FIELDS, fresh=fresh)
        done += len(facts)
    return done


def later_contacts_about_same_children(contact_ids) -> set[int]:
    """Contacts whose re-contact figure may change when these contacts' children change: later
    contacts (within 12 months after) about the same register entries."""
    mentions = ContactPerson.objects.filter(contact_id__in=contact_ids, role=PersonRole.CHILD)
    persons = set(mentions.exclude(person_id=None).values_list("person_id", flat=True))
    persons |= set(
        PersonMatchCandidate.objects.filter(_counts_as_same_child(), contact_person__in=mentions).values_list(
            "person_id", flat=True
        )
    )
    if not persons:
        return set()
    span = Contact.objects.filter(pk__in=contact_ids).aggregate(first=Min("received_at"), last=Max("received_at"))
    if span["first"] is None:
        return set()
    later = ContactPerson.objects.filter(
        role=PersonRole.CHILD,
        person_id__in=persons,
        contact__received_at__gt=span["first"],
        contact__received_at__lte=span["last"] + RECONTACT_WINDOW,
    )
    return set(later.values_list("contact_id", flat=True))


# --- the figures' version: what the dashboard's cache is keyed by ----------------------------------


def figures_changed(tenant_id: int) -> None:
    """Give the tenant's figures tables a new version token (:class:`FiguresVersion`), in the caller's
    transaction: once it commits, the dashboard reads the tables afresh (one upsert)."""
    with tenant_context(tenant_id):
        FiguresVersion.objects.bulk_create(
            [FiguresVersion(tenant_id=tenant_id, token=uuid.uuid4().hex, changed_at=timezone.now())],
            update_conflicts=True,
            unique_fields=["tenant"],
            update_fields=["token", "changed_at"],
        )


def months_changed(tenant_id: int, days) -> None:
    """Give the months of these local dates a new version token (:class:`FiguresMonth`), in the caller's
    transaction: the dashboard reads those months' facts afresh and keeps what it read of every other (one upsert)."""
    months = sorted({day.replace(day=1) for day in days})
    if not months:
        return
    now = timezone.now()
    with tenant_context(tenant_id):
        FiguresMonth.objects.bulk_create(
            [FiguresMonth(tenant_id=tenant_id, month=m, token=uuid.uuid4().hex, changed_at=now) for m in months],
            update_conflicts=True,
            unique_fields=["tenant", "month"],
            update_fields=["token", "changed_at"],
        )


class _DeletedFacts:
    """The on-commit callback of :func:`facts_deleted_after_commit`: the months of what one tenant's transaction
    deleted, given a new version once it commits (one query for the contacts still there, one upsert)."""

    def __init__(self, tenant_id: int):
        self.figures_tenant = tenant_id
        self.received = set()  # moments of receipt of deleted contacts and early-help requests
        self.contacts = set()  # contacts whose requests were deleted (their facts are dated by the contact)

    def __call__(self):
        tenant_id = self.figures_tenant
        with tenant_context(tenant_id):
            zone = ZoneInfo(Tenant.objects.values_list("time_zone", flat=True).get(pk=tenant_id))
            received = set(self.received)
            if self.contacts:  # a contact deleted too added its own moment
                received.update(Contact.objects.filter(pk__in=self.contacts).values_list("received_at", flat=True))
            months_changed(tenant_id, {moment.astimezone(zone).date() for moment in received})


def facts_deleted_after_commit(tenant_id: int, *, received_at=None, contact_id=None) -> None:
    """Once the caller's transaction commits, give a new version to the months whose facts a deletion took with it
    (on_delete=CASCADE, outside any refresh): the month of ``received_at`` (a contact's or an early-help
    request's), or of contact ``contact_id``'s receipt (an information request's return facts are dated by its
    contact). One callback per tenant however many records the transaction deleted (a retention purge of
    thousands). Not at all if it rolls back."""
    pending = next(
        (c for _s, c, _r in connection.run_on_commit if getattr(c, "figures_tenant", None) == tenant_id), None
    )
    if pending is None:
        pending = _DeletedFacts(tenant_id)
        transaction.on_commit(pending)
    if received_at is not None:
        pending.received.add(received_at)
    if contact_id is not None:
        pending.contacts.add(contact_id)


def rebuild(*, tenant) -> dict:
    """Recompute every fact row of ``tenant`` from its records (after a bulk import, or to repair). Only the months
    whose facts came out different get a new version (on PostgreSQL; elsewhere every month does), so the nightly
    repair leaves what the dashboard keeps of an unchanged month standing."""
    with tenant_context(tenant), transaction.atomic():
        _take_turns(tenant.pk)
        before = _month_digests(tenant.pk)
        ContactFact.objects.all().delete()
        ReturnFact.objects.all().delete()
        EarlyHelpFact.objects.all().delete()
        contacts = refresh_contacts(Contact.objects.values_list("pk", flat=True), fresh=True)
        early_help = refresh_early_help(EarlyHelpRequest.objects.values_list("pk", flat=True), fresh=True)
        after = _month_digests(tenant.pk)
        if before is None:  # no digests (SQLite): every month is read again
            figures_changed(tenant.pk)
        else:
            months_changed(tenant.pk, [m for m in before.keys() | after.keys() if before.get(m) != after.get(m)])
    return {"contacts": contacts, "early_help": early_help}


def _month_digests(tenant_id: int) -> dict | None:
    """A digest of each month's facts in the three figures tables (every column of every row, in key order), to
    tell which months a rebuild changed (three queries). None where the database cannot (SQLite)."""
    if connection.vendor != "postgresql":
        return None
    digests = defaultdict(str)
    for n, model in enumerate((ContactFact, ReturnFact, EarlyHelpFact)):
        table, key = model._meta.db_table, model._meta.pk.column
        # Names from the models' own metadata; the tenant is a parameter (and row-level security applies).
        sql = (f"SELECT DATE_TRUNC('month', received_on::timestamp)::date, md5(string_agg(facts::text, ',' "  # noqa: S608
               f"ORDER BY {key})) FROM {table} AS facts WHERE tenant_id = %s GROUP BY 1")  # nosec B608 # fmt: skip
        with connection.cursor() as cursor:  # scoping: allowed - the active tenant's rows, named by parameter
            cursor.execute(sql, [tenant_id])
            for month, digest in cursor.fetchall():
                digests[month] += f"{n}:{digest};"
    return dict(digests)


# --- deferred refreshes: queued once per transaction, after it commits, run by a worker -------------

_local = threading.local()


def refresh(*, tenant_id: int, contacts=(), cascade=(), early_help=()) -> dict:
    """Recompute the facts of these records from their source rows, in one transaction (the worker's task).

    Idempotent: every fact is worked out afresh from the records as they are now, so a task run twice, or
    after a later one, writes the same rows. Refreshes (and rebuilds) of one tenant take turns: one that
    read the records before a later change committed cannot write over the facts a later refresh wrote.
    """
    with tenant_context(tenant_id), transaction.atomic():
        _take_turns(tenant_id)
        touched = set()
        contacts = {int(i) for i in contacts if i}
        cascade = {int(i) for i in cascade if i}
        if cascade:
            contacts |= cascade | later_contacts_about_same_children(cascade)
        done = {"contacts": refresh_contacts(contacts, touched=touched) if contacts else 0}
        early_help = {int(i) for i in early_help if i}
        done["early_help"] = refresh_early_help(early_help, touched=touched) if early_help else 0
        # Only the months whose facts were written or deleted are read afresh by the dashboard.
        months_changed(tenant_id, touched)
    return done


# The first key of the advisory lock refreshes and rebuilds take (the second is the tenant): "MASH" in ASCII.
REFRESH_LOCK = 0x4D415348


def _take_turns(tenant_id: int) -> None:
    """Wait for any other refresh or rebuild of this tenant's facts to commit (held until ours commits)."""
    locks.take_turns(REFRESH_LOCK, tenant_id)


class _Pending:
    def __init__(self):
        self.contacts: dict[int, set[int]] = defaultdict(set)
        self.cascade: dict[int, set[int]] = defaultdict(set)
        self.early_help: dict[int, set[int]] = defaultdict(set)

    def enqueue(self):
        """After the commit: one refresh task per tenant touched (nothing here waits for the work)."""
        from .tasks import refresh_figures

        if getattr(_local, "pending", None) is self:
            _local.pending = None
        for tenant_id in sorted(set(self.contacts) | set(self.cascade) | set(self.early_help)):
            work = {
                "contacts": sorted(self.contacts.get(tenant_id, ())),
                "cascade": sorted(self.cascade.get(tenant_id, ())),
                "early_help": sorted(self.early_help.get(tenant_id, ())),
            }
            if not any(work.values()):
                continue
            try:
                refresh_figures.delay(tenant_id, **work)
            except Exception:  # a broker that refuses must not lose the figures: refresh here
                log.warning("Could not queue the figures refresh for tenant %s; refreshing now.", tenant_id,
                            exc_info=True)  # fmt: skip
                refresh(tenant_id=tenant_id, **work)


def _pending() -> _Pending:
    connection = transaction.get_connection()
    pending = getattr(_local, "pending", None)
    if pending is not None and any(entry[1] == pending.enqueue for entry in connection.run_on_commit):
        return pending
    pending = _local.pending = _Pending()
    return pending


def schedule(*, tenant_id, contacts=(), cascade=(), early_help=()) -> None:
    """Queue a refresh of these records' facts when the current transaction commits (at once outside one).

    ``cascade``: contacts whose children or matches changed, so later contacts about the same children
    are refreshed too (their re-contact figure may change).
    """
    if tenant_id is None:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        pending = _Pending()
        _fill(pending, tenant_id, contacts, cascade, early_help)
        pending.enqueue()
        return
    pending = _pending()
    new = not any(entry[1] == pending.enqueue for entry in connection.run_on_commit)
    _fill(pending, tenant_id, contacts, cascade, early_help)
    if new:
        transaction.on_commit(pending.enqueue, robust=True)


def _fill(pending, tenant_id, contacts, cascade, early_help):
    pending.contacts[tenant_id].update(i for i in contacts if i)
    pending.cascade[tenant_id].update(i for i in cascade if i)
    pending.early_help[tenant_id].update(i for i in early_help if i)


def record_download(*, actor, what: str, changes: dict) -> None:
    """Downloads hold children's data: every one is audited."""
    audit.record(actor=actor, action=f"reporting.{what}_downloaded", changes=changes, label=what)
