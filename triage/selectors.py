"""Every read triage pages and the API need: the queue and the working record of one contact."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta

from django.db.models import Case, Count, F, IntegerField, Min, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from contacts import selectors as contact_selectors
from contacts.choices import ContactStatus, PersonRole
from contacts.models import Contact, ContactPerson
from deadlines.models import Clock
from deadlines.selectors import clocks_for_subject
from earlyhelp import selectors as early_help_selectors
from earlyhelp.models import EarlyHelpRequest
from mash import documents, timefmt
from mash.models import Agency, AuditEvent
from mash.pagination import TopFirstSlices
from mash.roles import Role
from mash.selectors import tenant_staff
from navigators.models import OUTSTANDING, InformationRequest, InformationReturn
from thresholds import selectors as threshold_selectors
from thresholds.models import ClockKind

from .choices import Perspective
from .models import (
    CaseNote,
    Decision,
    RatingHistory,
    ReferrerCall,
    SharingDecision,
    SignsOfSafetyMap,
    ThresholdJudgement,
)

OPEN_STATUSES = (ContactStatus.RECEIVED, ContactStatus.IN_TRIAGE, ContactStatus.ENQUIRY)
QUEUE_PAGE_SIZE = 50
QUEUE_WORKER_ROLES = (Role.TRIAGE, Role.MANAGER)


# Server-side sorts of the worklist (the MoJ sortable table also sorts the rows on screen): key -> ordering.
QUEUE_SORTS = {
    "due": ("decision_due_at", "received_at", "id"),
    "child": ("first_child_last", "first_child_first", "decision_due_at", "id"),
    "rating": ("rating__order", "decision_due_at", "id"),
    "returns": ("next_return_due_at", "decision_due_at", "id"),
    "worker": ("assigned_to__last_name", "assigned_to__first_name", "decision_due_at", "id"),
    "received": ("received_at", "id"),
}
DUE_WINDOWS = ("overdue", "hour", "today")
UNALLOCATED = "none"


@dataclass
class QueueFilters:
    status: str = ""
    rating: str = ""
    mine: bool = False
    overdue: bool = False
    team: int | None = None
    worker: str = ""  # a user's id, or "none" for contacts no one has taken
    due: str = ""  # overdue, hour (due within the hour), today (due by the end of today)
    sort: str = "due"
    descending: bool = False

    @classmethod
    def from_query(cls, params) -> QueueFilters:
        status = params.get("status", "")
        worker = params.get("worker", "")
        sort = params.get("sort", "due")
        return cls(
            status=status if status in OPEN_STATUSES else "",
            rating=params.get("rating", "")[:30],
            mine=params.get("mine") in ("1", "true", "on", "yes"),
            overdue=params.get("overdue") in ("1", "true", "on", "yes"),
            team=_int(params.get("team")),
            worker=worker if worker == UNALLOCATED or _int(worker) else "",
            due=params.get("due", "") if params.get("due", "") in DUE_WINDOWS else "",
            sort=sort if sort in QUEUE_SORTS else "due",
            descending=params.get("order") == "desc",
        )

    @property
    def any(self) -> bool:
        return bool(self.status or self.rating or self.mine or self.overdue or self.team or self.worker or self.due)


def _int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _end_of_today(now):
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)


def _open_contacts(user):
    return contact_selectors.contacts_for(user).filter(status__in=OPEN_STATUSES)


# Immediate action first: an immediate-action rating (Red), or an urgent report nobody has rated yet.
IMMEDIATE_RATING = Q(rating__immediate=True)
URGENT_UNRATED = Q(rating__isnull=True, urgent=True)
IMMEDIATE_FIRST = Case(
    When(IMMEDIATE_RATING, then=Value(0)),
    When(URGENT_UNRATED, then=Value(0)),
    default=Value(1),
    output_field=IntegerField(),
)

# The Emergency Duty Team's handovers first (issue 19): handed back overnight and not yet taken by the MASH.
EDT_HANDED_BACK = Q(edt_handover__handed_back_at__isnull=False, assigned_to__isnull=True)
EDT_HANDOVER_FIRST = Case(When(EDT_HANDED_BACK, then=Value(0)), default=Value(1), output_field=IntegerField())


def _filtered(user, filters: QueueFilters, now):
    """The open contacts the filters keep, nothing joined or computed: what the queue counts."""
    contacts = _open_contacts(user)
    if filters.status:
        contacts = contacts.filter(status=filters.status)
    if filters.rating:
        contacts = contacts.filter(rating__code=filters.rating)
    if filters.mine:
        contacts = contacts.filter(assigned_to=user)
    if filters.overdue or filters.due == "overdue":
        contacts = contacts.filter(decision_due_at__lt=now)
    if filters.due == "hour":
        contacts = contacts.filter(decision_due_at__gte=now, decision_due_at__lt=now + timedelta(hours=1))
    if filters.due == "today":
        contacts = contacts.filter(decision_due_at__lt=_end_of_today(now))
    if filters.team:
        contacts = contacts.filter(assigned_to__team_membership__team_id=filters.team)
    if filters.worker == UNALLOCATED:
        contacts = contacts.filter(assigned_to__isnull=True)
    elif filters.worker:
        contacts = contacts.filter(assigned_to_id=int(filters.worker))
    return contacts


def _awaited_requests():
    """The contact's information requests still awaited (a correlated sub-select: no join, no GROUP BY of
    the queue's wide rows; PostgreSQL runs it for the rows of the page only, unless the page sorts by it)."""
    awaited = InformationRequest.objects.filter(contact=OuterRef("pk"), status__in=OUTSTANDING)
    return awaited.order_by().values("contact")


# What a queue row shows, as the page and the API read it: not the contact's free text (the concerns, the call's
# and the team's notes run to pages each, on fifty rows a page), nor the worker's account beyond their name.
QUEUE_ROW_FIELDS = ("tenant_id", "reference", "status", "channel", "source", "received_at", "decision_due_at",
                    "rating", "urgent", "out_of_hours", "bounce", "version", "assigned_to__username",
                    "assigned_to__first_name", "assigned_to__last_name")  # fmt: skip
# A row's children: their names and age (or due date), and the register entry (a child since born shows born).
QUEUE_CHILD_FIELDS = ("tenant_id", "contact_id", "role", "order", "first_name", "last_name", "date_of_birth",
                      "unborn", "expected_date", "person__tenant_id", "person__date_of_birth", "person__unborn",
                      "person__expected_date")  # fmt: skip


def queue(user, filters: QueueFilters | None = None, *, now=None):
    """The tenant's open contacts: immediate action first (whatever the sort), then the one due soonest (the
    most overdue). Scoped to the caller.

    Each row carries what the worklist shows besides its fields, in the same query: the information requests
    still awaited and the soonest of their deadlines, and the first child's name (for sorting by child).
    Only what a queue row shows is joined (the rating and the worker); the contact page joins the rest.
    """
    filters = filters or QueueFilters()
    now = now or timezone.now()
    first_child = ContactPerson.objects.filter(contact=OuterRef("pk"), role=PersonRole.CHILD).order_by("order", "id")
    contacts = (
        _filtered(user, filters, now)
        .select_related(None)
        .select_related("rating", "assigned_to")
        .prefetch_related(None)  # only the children are shown (and count for re-contacts): prepare_queue_rows
        .only(*QUEUE_ROW_FIELDS)
        .annotate(
            priority=IMMEDIATE_FIRST,
            edt_handover_first=EDT_HANDOVER_FIRST,
            returns_awaited=Coalesce(
                Subquery(_awaited_requests().annotate(n=Count("id")).values("n")), 0, output_field=IntegerField()
            ),
            next_return_due_at=Subquery(_awaited_requests().annotate(at=Min("due_at")).values("at")),
            first_child_last=Subquery(first_child.values("last_name")[:1]),
            first_child_first=Subquery(first_child.values("first_name")[:1]),
        )
    )
    ordering = QUEUE_SORTS[filters.sort]
    if filters.descending:
        ordering = tuple(f"-{field}" if field != "id" else "-id" for field in ordering)
    # EDT handovers, then immediate action, stay at the top of every sort (a Red or an urgent unrated contact
    # is never lost; what the EDT did overnight is read first in the morning).
    return contacts.order_by("edt_handover_first", "priority",
                             *[F(f.lstrip("-")).desc(nulls_last=True) if f.startswith("-")
                               else F(f).asc(nulls_last=True) for f in ordering])  # fmt: skip


def queue_total(user, filters: QueueFilters | None = None, *, now=None) -> int:
    """How many open contacts the filters keep: a plain count (no joins, no grouping), read from the queue's
    partial index of open contacts (``contact_queue_idx``), not by scanning the table."""
    return _filtered(user, filters or QueueFilters(), now or timezone.now()).order_by().count()


def queue_counts(user, *, now=None) -> dict:
    """The strip above the worklist, over every open contact (one query): overdue, due within the hour,
    due by the end of today (overdue ones included: they are still to do today), and not yet taken; and
    how many are open (the queue's total when no filter narrows it); and ``at``, the instant they count at (the
    page's rows are read as of it, so a link's total and its rows agree)."""
    now = now or timezone.now()
    counts = _open_contacts(user).aggregate(
        open=Count("id"),
        overdue=Count("id", filter=Q(decision_due_at__lt=now)),
        hour=Count("id", filter=Q(decision_due_at__gte=now, decision_due_at__lt=now + timedelta(hours=1))),
        today=Count("id", filter=Q(decision_due_at__lt=_end_of_today(now))),
        unallocated=Count("id", filter=Q(assigned_to__isnull=True)),
    )
    return {**counts, "at": now}


# The strip's links (templates/triage/queue.html), each the filter whose total is one of its counts.
STRIP_FILTERS = [
    (QueueFilters(due="overdue"), "overdue"),
    (QueueFilters(overdue=True), "overdue"),
    (QueueFilters(due="hour"), "hour"),
    (QueueFilters(due="today"), "today"),
    (QueueFilters(worker=UNALLOCATED), "unallocated"),
]


def _counted_total(filters: QueueFilters | None, counts: dict) -> int | None:
    """The total of the queue ``filters`` keep when the strip has counted it already (``counts``, read at the same
    instant): the whole queue, or one of the strip's own links, in any sort order. None for any other filter."""
    if not (filters and filters.any):
        return counts["open"]
    unsorted = replace(filters, sort="due", descending=False)
    return next((counts[key] for strip, key in STRIP_FILTERS if strip == unsorted), None)


def queue_workers(user) -> list:
    """The tenant's triage workers and managers, each with their team (one query), for the worklist's filters."""
    if user.role not in contact_selectors.SEE_ALL_CONTACTS:
        return []
    return list(
        tenant_staff(tenant=user.tenant_id, roles=QUEUE_WORKER_ROLES)
        .select_related("team_membership__team")
        .order_by("last_name", "first_name", "username")
    )


# Apps above triage (people: "also open: <reference>") add what they know to the contacts the queue and the
# contact page show, without triage importing them (docs/architecture.md: a higher app registers, a lower
# app calls). Each annotator takes the list of contacts and sets attributes on them in a constant number of
# queries.
CONTACT_ANNOTATORS: list = []


def register_contact_annotator(annotator) -> None:
    if annotator not in CONTACT_ANNOTATORS:
        CONTACT_ANNOTATORS.append(annotator)


def annotate_queue_rows(contacts) -> None:
    contacts = list(contacts)
    for annotator in CONTACT_ANNOTATORS:
        annotator(contacts)


def queue_page(user, filters: QueueFilters | None = None, *, page: int = 1, size: int | None = None, counts=None):
    """One page of the queue, its total and the page shown, with each row's re-contact flag, in a fixed number
    of queries. A page past the end shows the last page (as Django's ``Paginator.get_page``), so no page
    number, however large, reaches the database as an offset. ``counts`` (:func:`queue_counts`, read already
    for the strip) gives the total of the whole queue and of the strip's own links (overdue, due within the hour,
    due today, not taken), at the instant it counted them: one count of them, not two."""
    size = size or QUEUE_PAGE_SIZE
    now = counts["at"] if counts is not None else timezone.now()
    contacts = queue(user, filters, now=now)
    total = _counted_total(filters, counts) if counts is not None else None
    if total is None:
        total = queue_total(user, filters, now=now)
    page = min(max(1, page), max(1, -(-total // size)))
    rows = queue_slice(contacts, (page - 1) * size, page * size, filters=filters)
    prepare_queue_rows(rows, tenant=user.tenant)
    return rows, total, page


def queue_slice(contacts, start: int, stop: int, *, filters: QueueFilters | None = None) -> list:
    """Rows ``start:stop`` of the queue ``contacts`` (from :func:`queue` with ``filters``), picked over their sort
    keys first (:class:`QueueSlices`)."""
    return QueueSlices(contacts, filters=filters)[start:stop]


# How deep the soonest-due pick serves (the first four pages): deeper pages are read as NarrowSlices reads them.
SOONEST_PICK_UP_TO = 4 * QUEUE_PAGE_SIZE


class QueueSlices(TopFirstSlices):
    """The queue as a paginator reads it (:class:`mash.pagination.TopFirstSlices`).

    Sorted soonest due first (the default, what triage reads all day), the first ``stop`` rows of the queue are
    among every contact that stays at the top of every sort (an EDT handover not yet taken, an immediate-action
    rating, an urgent report not yet rated: a few, each set read off an index) and the first ``stop`` contacts by
    decision deadline alone (``contact_queue_idx``, walked in order): the top ones come first, and every other row
    comes in deadline order, which the walk's first ``stop`` rows can only anticipate. Without it, the page's ids
    were picked by sorting every open contact on the two computed keys: a sequential scan and a sort of all 10,000
    open contacts (9.5 of the page's 12 ms of SQL on the bench). Other sorts read as NarrowSlices does."""

    def __init__(self, queryset, *, filters: QueueFilters | None = None):
        super().__init__(queryset)
        self.filters = filters or QueueFilters()

    def pick_up_to(self) -> int:
        return SOONEST_PICK_UP_TO

    def candidates(self, stop: int):
        if self.filters.sort != "due" or self.filters.descending:
            return None
        rows = self.queryset.order_by().values_list("pk")
        top = (rows.filter(EDT_HANDED_BACK), rows.filter(IMMEDIATE_RATING), rows.filter(URGENT_UNRATED))
        return rows.order_by(*QUEUE_SORTS["due"]), top


def prepare_queue_rows(rows, *, tenant=None) -> None:
    """What each queue row shows besides its fields: earlier contacts (the re-contact flag), the time left to
    the decision (due soon from the decision clock's warning point) and the first child (name and age). The
    children are loaded here unless they came with the rows; with their register entries (a join), a pre-birth
    referral's child born since shows as born."""
    contact_selectors.attach_children(rows, fields=QUEUE_CHILD_FIELDS)
    contact_selectors.attach_previous_contacts(rows)
    now = timezone.now()
    fraction = threshold_selectors.warn_fractions(tenant)[ClockKind.DECISION] if rows else None
    for contact in rows:
        contact.is_overdue = contact.decision_due_at is not None and contact.decision_due_at < now
        warn_at = timefmt.warning_time(contact.received_at, contact.decision_due_at, fraction)
        contact.time_left = timefmt.time_left(contact.decision_due_at, warn_at=warn_at, now=now)
        children = contact_selectors.children_of(contact)
        contact.first_child = children[0] if children else None
        contact.other_children = children[1:]


# --- one contact's working record ------------------------------------------------------------------


@dataclass
class PersonHistory:
    mention: ContactPerson
    earlier: list = field(default_factory=list)  # [ContactPerson of an earlier contact, with its contact]


@dataclass
class ContactRecord:
    contact: Contact
    children: list
    household: list
    candidates: list
    history: list[PersonHistory]
    ratings: list
    safety_map: SignsOfSafetyMap | None
    scales: dict
    notes: list
    calls: list
    judgement: ThresholdJudgement | None
    sharing: SharingDecision | None
    requests: list
    early_help: list
    early_help_timeline: list
    decision: Decision | None
    clocks: list
    timeline: list
    requests_outstanding: int = 0  # open or overdue: the identity bar's "returns awaited"
    documents: list = field(default_factory=list)  # attached to the contact (mash.documents), newest first


def contact_for(user, pk):
    """The contact if ``user`` may see it (None otherwise: a 404 upstream)."""
    return contact_selectors.contacts_for(user, with_candidates=True).filter(pk=pk).first()


def person_history(contact: Contact) -> list[PersonHistory]:
    """Each person named on the contact, with every other contact naming the same register entry (one query)."""
    mentions = [p for p in contact.people.all() if p.person_id]
    if not mentions:
        return []
    earlier = (
        ContactPerson.objects.filter(person_id__in={m.person_id for m in mentions})
        .exclude(contact_id=contact.pk)
        .select_related("contact", "contact__rating")
        .order_by("-contact__received_at", "-id")
    )
    by_person: dict[int, list] = {}
    for other in earlier:
        by_person.setdefault(other.person_id, []).append(other)
    window_start = contact.received_at - contact_selectors.RECONTACT_WINDOW
    result = []
    for mention in mentions:
        others = by_person.get(mention.person_id, [])
        for other in others:
            other.is_recontact = window_start <= other.contact.received_at < contact.received_at
        result.append(PersonHistory(mention=mention, earlier=others))
    return result


def timeline(contact: Contact, *, requests, early_help) -> list[AuditEvent]:
    """Every audited step of the contact, its requests and returns, its clocks and Early Help requests (not reads)."""
    clocks = Clock.objects.filter(
        Q(subject_type=Contact._meta.label_lower, subject_id=str(contact.pk))
        | Q(subject_type=InformationRequest._meta.label_lower, subject_id__in=[str(r.pk) for r in requests])
        | Q(subject_type=EarlyHelpRequest._meta.label_lower, subject_id__in=[str(e.pk) for e in early_help])
    ).values_list("pk", flat=True)
    returns = InformationReturn.objects.filter(request__contact=contact).values_list("pk", flat=True)
    objects = (
        Q(object_type=Contact._meta.label_lower, object_id=str(contact.pk))
        | Q(object_type=InformationReturn._meta.label_lower, object_id__in=[str(pk) for pk in returns])
        | Q(object_type=InformationRequest._meta.label_lower, object_id__in=[str(r.pk) for r in requests])
        | Q(object_type=EarlyHelpRequest._meta.label_lower, object_id__in=[str(e.pk) for e in early_help])
        | Q(object_type=Clock._meta.label_lower, object_id__in=[str(pk) for pk in clocks])
    )
    return list(
        AuditEvent.objects.filter(objects, tenant_id=contact.tenant_id)
        .exclude(action__endswith=".viewed")
        .order_by("at", "id")
    )


def _scales(safety_map) -> dict:
    """Every perspective's score, None where it was not scaled."""
    scores = {s.perspective: s.score for s in safety_map.scales.all()} if safety_map else {}
    return {perspective: scores.get(perspective) for perspective in Perspective.values}


def contact_record(contact: Contact, *, tenant=None) -> ContactRecord:
    """Everything the contact page shows, each part in one query whatever its size."""
    contact_selectors.attach_previous_contacts([contact])
    people = list(contact.people.all())
    safety_map = (
        SignsOfSafetyMap.objects.filter(contact=contact).select_related("updated_by").prefetch_related("scales").first()
    )
    requests = list(
        InformationRequest.objects.filter(contact=contact).select_related("agency").order_by("agency__name")
    )
    # Both directions: stepped down from this contact, or stepped up into it (one linked history).
    early_help = list(early_help_selectors.requests_for_contact(contact))
    _attach_time_left(contact, requests, tenant=tenant)
    return ContactRecord(
        contact=contact,
        children=[p for p in people if p.role == PersonRole.CHILD],
        household=[p for p in people if p.role != PersonRole.CHILD],
        candidates=[c for p in people for c in p.match_candidates.all()],
        history=person_history(contact),
        ratings=list(
            RatingHistory.objects.filter(contact=contact).select_related("rating", "previous_rating", "rated_by")
        ),
        safety_map=safety_map,
        scales=_scales(safety_map),
        notes=list(CaseNote.objects.filter(contact=contact).select_related("author")),
        calls=list(ReferrerCall.objects.filter(contact=contact).select_related("recorded_by")),
        judgement=ThresholdJudgement.objects.filter(contact=contact)
        .select_related("level", "judged_by")
        .prefetch_related("indicators")
        .first(),
        sharing=SharingDecision.objects.filter(contact=contact).select_related("decided_by").first(),
        requests=requests,
        early_help=early_help,
        early_help_timeline=early_help_selectors.timeline_for_contact(contact) if early_help else [],
        decision=Decision.objects.filter(contact=contact).select_related("decided_by").first(),
        clocks=list(clocks_for_subject(subject=contact)),
        timeline=timeline(contact, requests=requests, early_help=early_help),
        requests_outstanding=sum(1 for q in requests if q.status in OUTSTANDING),
        documents=list(documents.documents_of(contact)),
    )


def identity(contact: Contact, *, tenant=None) -> list[ContactPerson]:
    """What the identity bar shows on a page about ``contact`` other than its record (a form about it): its
    children, loaded with it (:func:`contact_for`), whether it is a re-contact, and the decision's time left.
    Two queries, whatever the contact."""
    contact_selectors.attach_previous_contacts([contact])
    _attach_time_left(contact, [], tenant=tenant)
    return contact_selectors.children_of(contact)


def _attach_time_left(contact: Contact, requests: list, *, tenant=None) -> None:
    """Time left to the decision and to each agency's return, due soon from the tenant's warning points
    (one query for both), as the queue and the navigators' workspace tell it."""
    fractions = threshold_selectors.warn_fractions(tenant)
    now = timezone.now()
    contact.warn_at = timefmt.warning_time(contact.received_at, contact.decision_due_at, fractions[ClockKind.DECISION])
    contact.time_left = timefmt.time_left(contact.decision_due_at, warn_at=contact.warn_at, now=now)
    for request in requests:
        request.warn_at = timefmt.warning_time(
            request.requested_at, request.due_at, fractions[ClockKind.NAVIGATOR_RETURN]
        )


def agencies():
    return Agency.objects.filter(active=True).order_by("name")


def outstanding_requests(contact: Contact) -> int:
    from navigators.models import OUTSTANDING

    return InformationRequest.objects.filter(contact=contact, status__in=OUTSTANDING).count()
