"""Every read triage pages and the API need: the queue and the working record of one contact."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch, Q
from django.utils import timezone

from contacts import selectors as contact_selectors
from contacts.choices import ContactStatus, PersonRole
from contacts.models import Contact, ContactPerson
from earlyhelp import selectors as early_help_selectors
from earlyhelp.models import EarlyHelpRequest
from mash.deadlines.models import Clock
from mash.deadlines.selectors import clocks_for_subject
from mash.models import Agency, AuditEvent
from navigators.models import InformationRequest, InformationReturn

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


@dataclass
class QueueFilters:
    status: str = ""
    rating: str = ""
    mine: bool = False
    overdue: bool = False

    @classmethod
    def from_query(cls, params) -> QueueFilters:
        status = params.get("status", "")
        return cls(
            status=status if status in OPEN_STATUSES else "",
            rating=params.get("rating", "")[:30],
            mine=params.get("mine") in ("1", "true", "on", "yes"),
            overdue=params.get("overdue") in ("1", "true", "on", "yes"),
        )


def queue(user, filters: QueueFilters | None = None, *, now=None):
    """The tenant's open contacts, the one due soonest (the most overdue) first. Scoped to the caller."""
    filters = filters or QueueFilters()
    now = now or timezone.now()
    people = ContactPerson.objects.filter(role=PersonRole.CHILD).order_by("order", "id")
    contacts = (
        contact_selectors.contacts_for(user)
        .filter(status__in=OPEN_STATUSES)
        .select_related("rating", "assigned_to")
        .prefetch_related(None)  # only the children are shown (and count for re-contacts)
        .prefetch_related(Prefetch("people", queryset=people))
        .order_by("decision_due_at", "received_at", "id")
    )
    if filters.status:
        contacts = contacts.filter(status=filters.status)
    if filters.rating:
        contacts = contacts.filter(rating__code=filters.rating)
    if filters.mine:
        contacts = contacts.filter(assigned_to=user)
    if filters.overdue:
        contacts = contacts.filter(decision_due_at__lt=now)
    return contacts


def queue_page(user, filters: QueueFilters | None = None, *, page: int = 1, size: int = QUEUE_PAGE_SIZE):
    """One page of the queue, its total and the page shown, with each row's re-contact flag, in a fixed number
    of queries. A page past the end shows the last page (as Django's ``Paginator.get_page``), so no page
    number, however large, reaches the database as an offset."""
    contacts = queue(user, filters)
    total = contacts.count()
    page = min(max(1, page), max(1, -(-total // size)))
    rows = list(contacts[(page - 1) * size : page * size])
    prepare_queue_rows(rows)
    return rows, total, page


def prepare_queue_rows(rows) -> None:
    """What each queue row shows besides its fields: earlier contacts (the re-contact flag) and overdue."""
    contact_selectors.attach_previous_contacts(rows)
    now = timezone.now()
    for contact in rows:
        contact.is_overdue = contact.decision_due_at is not None and contact.decision_due_at < now


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


def contact_record(contact: Contact) -> ContactRecord:
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
    )


def agencies():
    return Agency.objects.filter(active=True).order_by("name")


def outstanding_requests(contact: Contact) -> int:
    from navigators.models import OUTSTANDING

    return InformationRequest.objects.filter(contact=contact, status__in=OUTSTANDING).count()
