"""Every state change of the people capability, and the audit of every look at a child's record."""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from contacts.models import Contact, Person
from earlyhelp.models import EarlyHelpRequest
from mash import audit
from mash.exceptions import Conflict, NotAllowed, PolicyViolation
from mash.roles import Role

from . import search as person_search
from .models import SUMMARY_MAX, ChronologyEntry, ContactLink
from .selectors import OPEN_CONTACT, can_search

# Who links a new contact to an open one: the workers who triage it (DOMAIN.md: triage, managers).
LINKERS = frozenset({Role.TRIAGE, Role.MANAGER})
# Who adds an event known from another system to a person's chronology.
CHRONICLERS = frozenset({Role.TRIAGE, Role.MANAGER, Role.EHCOORD})


def record_search(*, actor, query: person_search.SearchQuery, result_ids: list[int]) -> None:
    """Who looked for whom: the query as typed (normalised) and the people it showed."""
    audit.record(
        actor=actor,
        action="person.searched",
        changes={**query.as_audit(), "results": result_ids[:50]},
        label="search of the register",
    )


def record_view(*, actor, person: Person, what: str = "record") -> None:
    audit.record(actor=actor, action=f"person.{what}_viewed", obj=person)


def add_chronology_entry(
    *, actor, person: Person, occurred_on: date, source: str, summary: str, significant: bool = False
) -> ChronologyEntry:
    """An event known from another system, added to the person's chronology by hand. Audited."""
    if actor.role not in CHRONICLERS:
        raise NotAllowed("Only MASH triage staff, managers and Early Help coordinators add chronology entries.")
    errors = {}
    source, summary = (source or "").strip(), (summary or "").strip()
    if occurred_on is None:
        errors["occurred_on"] = "Enter the date it happened."
    elif occurred_on > timezone.localdate():
        errors["occurred_on"] = "The date must be today or in the past."
    if not source:
        errors["source"] = "Enter where this is known from, for example the police record."
    elif len(source) > 200:
        errors["source"] = "The source must be 200 characters or fewer."
    if not summary:
        errors["summary"] = "Enter what happened."
    elif len(summary) > SUMMARY_MAX:
        errors["summary"] = f"The summary must be {SUMMARY_MAX} characters or fewer."
    if errors:
        field, message = next(iter(errors.items()))
        raise PolicyViolation(message, field=field)
    with transaction.atomic():
        entry = ChronologyEntry.objects.create(
            person=person,
            occurred_on=occurred_on,
            source=source,
            summary=summary,
            significant=significant,
            recorded_by=actor,
            recorded_at=timezone.now(),
        )
        audit.record(
            actor=actor,
            action="chronology_entry.added",
            obj=person,
            changes={
                "entry": entry.pk,
                "occurred_on": occurred_on.isoformat(),
                "source": source,
                "significant": significant,
            },
        )
    return entry


def link_contact(
    *,
    actor,
    contact: Contact,
    other_contact: Contact | None = None,
    early_help: EarlyHelpRequest | None = None,
    reason: str = "",
) -> ContactLink:
    """Link a new contact to an open contact or early-help request about the same child: one worker and one
    decision cover both. Audited; undone with :func:`unlink_contact`."""
    if actor.role not in LINKERS:
        raise NotAllowed("Only MASH triage staff and managers link contacts.")
    if (other_contact is None) == (early_help is None):
        raise PolicyViolation("Choose one open contact or early-help request to link to.", field="target")
    if other_contact is not None and other_contact.pk == contact.pk:
        raise PolicyViolation("A contact cannot be linked to itself.", field="target")
    if contact.status not in OPEN_CONTACT:
        raise Conflict(f"{contact.reference} is already decided; only open contacts are linked.")
    try:
        with transaction.atomic():
            link = ContactLink.objects.create(
                contact=contact,
                linked_contact=other_contact,
                linked_early_help=early_help,
                reason=(reason or "").strip()[:500],
                linked_by=actor,
                linked_at=timezone.now(),
            )
            audit.record(
                actor=actor,
                action="contact.linked",
                obj=contact,
                changes={"link": link.pk, "linked_to": link.linked_reference, "reason": link.reason},
            )
    except IntegrityError as exc:
        raise Conflict(f"{contact.reference} is already linked to {other_contact or early_help}.") from exc
    return link


def unlink_contact(*, actor, link: ContactLink) -> ContactLink:
    """Undo a link (the row stays, marked unlinked, so the history shows it). Audited."""
    if actor.role not in LINKERS:
        raise NotAllowed("Only MASH triage staff and managers unlink contacts.")
    with transaction.atomic():
        link = ContactLink.objects.select_for_update().select_related("contact").get(pk=link.pk)
        if link.unlinked_at is not None:
            raise Conflict("This link was already undone.")
        link.unlinked_at = timezone.now()
        link.unlinked_by = actor
        link.save(update_fields=["unlinked_at", "unlinked_by"])
        audit.record(
            actor=actor,
            action="contact.unlinked",
            obj=link.contact,
            changes={"link": link.pk, "linked_to": link.linked_reference},
        )
    return link


def may_view(user) -> bool:
    return can_search(user)
