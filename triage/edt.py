"""Out of hours and the Emergency Duty Team (issue 19).

A contact received while the EDT covers (the tenant's setting) is ``out_of_hours`` (stamped on receipt) and sits
in the EDT's queue. An urgent or Red one alerts the EDT at once and starts the EDT's own response clock (tenant policy,
default one clock hour); the decision clock keeps its working-time meaning. The EDT records what it did and hands
the contact back with a note; the MASH queue shows untaken handovers first.
"""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from contacts import selectors as contact_selectors
from contacts.models import Contact
from deadlines.selectors import clocks_for_subject, open_clock_for
from deadlines.services import meet_clock, start_clock
from mash import audit
from mash.exceptions import Conflict, NotAllowed, PolicyViolation
from mash.roles import Role
from mash.selectors import tenant_staff
from thresholds.calendars import edt_covers
from thresholds.models import ClockKind

from .models import TEXT_MAX, EdtHandover
from .selectors import IMMEDIATE_FIRST, OPEN_STATUSES

RECORD_FIELDS = ("calls", "visits", "police_involvement", "safety_actions")
LABELS = {
    "calls": "the calls made",
    "visits": "the visits made",
    "police_involvement": "the police involvement",
    "safety_actions": "the immediate safety actions",
    "handover_note": "the handover note",
}


def edt_team(tenant) -> list:
    """The tenant's Emergency Duty Team. There is no rota yet, so: every active EDT user."""
    return list(tenant_staff(tenant=tenant, roles=[Role.EDT]).order_by("id"))


def is_out_of_hours(tenant, at=None) -> bool:
    """Whether the EDT covers ``at`` (default now): the tenant's cover times, by default whatever the working
    calendar does not (thresholds.calendars.edt_covers)."""
    return edt_covers(tenant, at or timezone.now())


def edt_to_alert(contact: Contact) -> list:
    """Whom of the EDT an immediate-action alert on ``contact`` must also reach: the whole team, when the contact
    came in out of hours, it is out of hours now, and the EDT has not handed it back."""
    if not contact.out_of_hours or not is_out_of_hours(contact.tenant):
        return []
    if EdtHandover.objects.filter(contact=contact, handed_back_at__isnull=False).exists():
        return []
    return edt_team(contact.tenant)


def start_response_clock(contact: Contact, *, team, actor=None):
    """The EDT's own clock for an urgent out-of-hours contact: started once per contact, never again (and only when
    the tenant has a duty team to alert, ``team``). Its warning and breach go to the EDT on duty when they fall due,
    not to a copy of the team taken when the contact arrived: the night's responders may change."""
    if not team or clocks_for_subject(subject=contact).filter(kind=ClockKind.EDT_RESPONSE).exists():
        return None
    if EdtHandover.objects.filter(contact=contact).exists():
        return None  # the EDT already responded
    return start_clock(
        tenant=contact.tenant,
        kind=ClockKind.EDT_RESPONSE,
        subject=contact,
        started_at=timezone.now(),
        responsible_roles=[Role.EDT],
        label=contact.reference,
        url=reverse("triage:edt-record", args=[contact.pk]),
        actor=actor,
    )


def _text(value, *, field: str) -> str:
    value = value.strip() if isinstance(value, str) else ""
    if len(value) > TEXT_MAX:
        raise PolicyViolation(f"Enter {LABELS[field]} in {TEXT_MAX:,} characters or fewer.", field=field)
    return value


@transaction.atomic
def record_edt_response(*, contact: Contact, actor, hand_back: bool = False, **values) -> EdtHandover:
    """The EDT records what it did (calls, visits, police involvement, immediate safety actions) and, when it
    hands the contact back, the handover note. The first record meets the EDT clock. Audited."""
    if actor is None or actor.role != Role.EDT:
        raise NotAllowed("Only the Emergency Duty Team records out-of-hours work.")
    cleaned = {name: _text(values.get(name), field=name) for name in (*RECORD_FIELDS, "handover_note")}
    if not any(cleaned[name] for name in RECORD_FIELDS):
        raise PolicyViolation(
            "Record what you did: the calls, visits, police involvement or immediate safety actions.", field="calls"
        )
    if hand_back and not cleaned["handover_note"]:
        raise PolicyViolation("Write the handover note for the MASH before handing the contact back.",
                              field="handover_note")  # fmt: skip
    contact = Contact.objects.select_for_update(of=("self",)).get(pk=contact.pk)
    if not contact.out_of_hours:
        raise Conflict(f"Contact {contact.reference} was received in working hours: the MASH has it.")
    now = timezone.now()
    record = EdtHandover.objects.select_for_update().filter(contact=contact).first()
    if record is not None and record.handed_back_at is not None:
        raise Conflict(f"Contact {contact.reference} has already been handed back to the MASH.")
    first = record is None
    if first:
        record = EdtHandover(contact=contact, recorded_by=actor, responded_at=now)
    for name, value in cleaned.items():
        setattr(record, name, value)
    record.updated_at = now
    if hand_back:
        record.handed_back_by, record.handed_back_at = actor, now
    record.save()
    clock = open_clock_for(subject=contact, kind=ClockKind.EDT_RESPONSE)
    if clock is not None:
        meet_clock(clock=clock, at=now, actor=actor)
    audit.record(
        actor=actor,
        action="contact.edt_handed_back" if hand_back else "contact.edt_response_recorded",
        obj=contact,
        changes={
            "recorded": [name for name in RECORD_FIELDS if cleaned[name]],
            **({"handover_note": cleaned["handover_note"]} if hand_back else {}),
        },
    )
    return record


def edt_queue(user):
    """The EDT's queue: out-of-hours contacts still open and not yet handed back, immediate action first, then
    the oldest. Scoped to the caller's tenant through the contacts selector."""
    return (
        contact_selectors.contacts_for(user)
        .filter(out_of_hours=True, status__in=OPEN_STATUSES)
        .exclude(edt_handover__handed_back_at__isnull=False)
        .select_related("edt_handover")
        .annotate(priority=IMMEDIATE_FIRST)
        .order_by("priority", "received_at", "id")
    )
