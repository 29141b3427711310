"""Every state change of the people capability, and the audit of every look at a child's record."""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from contacts import services as contact_services
from contacts.models import Contact, ContactPerson, Person
from earlyhelp.models import EarlyHelpChild, EarlyHelpRequest
from mash import audit
from mash.exceptions import Conflict, NotAllowed, PolicyViolation
from mash.roles import Role

from . import search as person_search
from .models import SUMMARY_MAX, ChronologyEntry, ContactLink, PersonMerge
from .selectors import OPEN_CONTACT, can_search

# Who links a new contact to an open one: the workers who triage it (DOMAIN.md: triage, managers).
LINKERS = frozenset({Role.TRIAGE, Role.MANAGER})
# Who merges duplicate register entries and undoes a merge (issue 18): the front door's staff and its heads.
MERGERS = frozenset({Role.TRIAGE, Role.MANAGER, Role.HEAD, Role.ADMIN})
REASON_MAX = 500
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


# --- merging duplicates -------------------------------------------------------------------------------------


def clean_reason(reason: str, what: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise PolicyViolation(f"Enter why {what}.", field="reason")
    if len(reason) > REASON_MAX:
        raise PolicyViolation(f"The reason must be {REASON_MAX} characters or fewer.", field="reason")
    return reason


def check_merge(*, actor, kept: Person, other: Person | None) -> None:
    """Whether ``other`` may be merged into ``kept``; raises a clear error otherwise (the form shows it)."""
    if actor.role not in MERGERS:
        raise NotAllowed("Only MASH triage staff, managers, heads of service and administrators merge records.")
    if other is None:
        raise PolicyViolation("Choose the duplicate record to merge into this one.", field="other")
    if other.pk == kept.pk:
        raise PolicyViolation("A record cannot be merged into itself. Choose the duplicate.", field="other")
    if kept.merged_into_id is not None:
        raise Conflict(f"{kept} was merged into another record: merge into that record instead.")
    if other.merged_into_id is not None:
        raise PolicyViolation(
            f"{other} (record {other.pk}) was already merged into record {other.merged_into_id}.", field="other"
        )


def merge_people(*, actor, kept: Person, other: Person, reason: str) -> PersonMerge:
    """Merge the duplicate ``other`` into ``kept``: every contact mention, early-help child and manual chronology
    entry naming ``other`` names ``kept`` (contact links follow their contacts); ``other`` stays as a pointer.
    What moved is kept on a :class:`PersonMerge`, shown on the record and undone by :func:`unmerge_people`.
    Audited."""
    reason = clean_reason(reason, "these are the same person")
    with transaction.atomic():
        locked = Person.objects.select_for_update().in_bulk([kept.pk, other.pk])
        kept, other = locked[kept.pk], locked.get(other.pk)
        check_merge(actor=actor, kept=kept, other=other)
        mentions, repointed = contact_services.merge_register_entries(other, kept)
        moved = ContactPerson.objects.filter(pk__in=mentions)
        contact_ids = sorted(set(moved.values_list("contact_id", flat=True)))
        children = EarlyHelpChild.objects.filter(person=other)
        child_rows = list(children.values_list("pk", "request__reference"))
        children.update(person=kept)
        entries = ChronologyEntry.objects.filter(person=other)
        entry_ids = sorted(entries.values_list("pk", flat=True))
        entries.update(person=kept)
        links = sorted(
            ContactLink.objects.filter(contact_id__in=contact_ids, unlinked_at__isnull=True).values_list(
                "pk", flat=True
            )
        )
        address_before = kept.address
        if not kept.address and other.address:
            Person.objects.filter(pk=kept.pk).update(address=other.address)
        merge = PersonMerge.objects.create(
            kept=kept,
            merged=other,
            reason=reason,
            merged_by=actor,
            merged_at=timezone.now(),
            moved_mentions=mentions,
            moved_contacts=list(Contact.objects.filter(pk__in=contact_ids).values_list("reference", flat=True)),
            moved_early_help_children=sorted(pk for pk, _ in child_rows),
            moved_early_help=sorted({ref for _, ref in child_rows}),
            moved_chronology_entries=entry_ids,
            moved_links=links,
            repointed_people=repointed,
            kept_address_before=address_before,
        )
        audit.record(
            actor=actor,
            action="person.merged",
            obj=kept,
            changes={
                "merge": merge.pk,
                "merged": other.pk,
                "merged_name": str(other),
                "reason": reason,
                "contacts": merge.moved_contacts,
                "early_help": merge.moved_early_help,
                "chronology_entries": entry_ids,
                "links": links,
            },
        )
    return merge


def unmerge_people(*, actor, merge: PersonMerge, reason: str) -> PersonMerge:
    """Undo a merge: exactly what it moved names the duplicate again, and the duplicate is its own record (and
    found by search) again. Refused when the kept record has since been merged into another (undo that first).
    Audited."""
    if actor.role not in MERGERS:
        raise NotAllowed("Only MASH triage staff, managers, heads of service and administrators undo merges.")
    reason = clean_reason(reason, "the merge is undone")
    with transaction.atomic():
        merge = PersonMerge.objects.select_for_update().get(pk=merge.pk)
        if merge.unmerged_at is not None:
            raise Conflict("This merge was already undone.")
        locked = Person.objects.select_for_update().in_bulk([merge.kept_id, merge.merged_id])
        kept, other = locked[merge.kept_id], locked[merge.merged_id]
        if kept.merged_into_id is not None:
            raise Conflict(f"{kept} was merged into record {kept.merged_into_id} since: undo that merge first.")
        if other.merged_into_id != kept.pk:
            raise Conflict(f"{other} is no longer merged into {kept}.")
        contact_services.unmerge_register_entries(
            other, kept, mentions=merge.moved_mentions, repointed=merge.repointed_people
        )
        EarlyHelpChild.objects.filter(pk__in=merge.moved_early_help_children, person=kept).update(person=other)
        ChronologyEntry.objects.filter(pk__in=merge.moved_chronology_entries, person=kept).update(person=other)
        if kept.address != merge.kept_address_before and not merge.kept_address_before:
            Person.objects.filter(pk=kept.pk).update(address="")
        merge.unmerged_at = timezone.now()
        merge.unmerged_by = actor
        merge.unmerge_reason = reason
        merge.save(update_fields=["unmerged_at", "unmerged_by", "unmerge_reason"])
        audit.record(
            actor=actor,
            action="person.unmerged",
            obj=kept,
            changes={"merge": merge.pk, "merged": other.pk, "merged_name": str(other), "reason": reason},
        )
    return merge
