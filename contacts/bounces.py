"""Bouncing between tiers (seed 001: "cases should not bounce between tiers"; issue 20).

A child stepped down to early help and then back to the MASH, stepped up from early help and then down again, or
referred again after a "no further action" decision, within the tenant's window (``Tenant.bounce_window_days``,
default 90 days), is flagged on the contact. The flag is worked out when it happens, never when a page is shown:
here when a contact is received (or its children are matched or merged later), and by triage when a decision
steps a contact down. The queue and the dashboard then read it from the contact's row.

"The same child" is the person register's: the same register entry (merged entries followed to the one kept), or a
confirmed or strong possible match, as for re-contacts (``selectors.attach_previous_contacts``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import FilteredRelation

from mash import audit

from .choices import Bounce, Outcome, PersonRole
from .models import Contact, ContactPerson, Person, PersonMatchCandidate
from .selectors import _counts_as_same_child

FIELDS = ["bounce", "bounced_from", "bounce_reference", "bounce_since"]


def window(tenant) -> timedelta:
    return timedelta(days=tenant.bounce_window_days)


def _with_merged(ids: set[int]) -> set[int]:
    """The register entries ``ids`` stand for: each followed to the entry it was merged into, and the entries
    merged into them (a few queries, however many people)."""
    ids, frontier = set(ids), set(ids)
    while frontier:
        up = set(
            Person.objects.filter(pk__in=frontier, merged_into__isnull=False).values_list("merged_into_id", flat=True)
        )
        frontier = up - ids
        ids |= frontier
    if ids:
        ids |= set(Person.objects.filter(merged_into_id__in=ids).values_list("pk", flat=True))
    return ids


def children_of(contact: Contact) -> list[int]:
    """The register entries of the children ``contact`` names: their own, the entry each was merged into, and
    their confirmed or strong matches, read as ids in one query of index look-ups. (As a sub-select OR-ing
    three sub-selects over the register, it made PostgreSQL scan every register entry for each contact
    received: 33 ms of a MARF at 50,000 people, growing with the register.)"""
    strong = FilteredRelation("match_candidates", condition=_counts_as_same_child("match_candidates"))
    rows = (
        ContactPerson.objects.filter(contact_id=contact.pk, role=PersonRole.CHILD)
        .alias(strong=strong)
        .values_list("person_id", "person__merged_into_id", "strong__person_id")
    )
    return sorted({person for row in rows for person in row if person})


def contacts_about(persons):
    """The ids of every contact naming one of ``persons`` (ids, or a subquery of them) as a child, directly or by
    a match that counts (a subquery: no query of its own).

    A UNION of the two, each an index look-up from the child's side, so a query filtering contacts by it starts
    from the child's few contacts. (As one condition OR-ing the two, PostgreSQL could only test it on each
    contact the rest of the query allowed: every decision in the bounce window, 3,384 of them at a five-year
    Cambridgeshire, 6.8 ms of each MARF against 0.4 ms.)"""
    matched = PersonMatchCandidate.objects.filter(_counts_as_same_child(), person_id__in=persons)
    children = ContactPerson.objects.filter(role=PersonRole.CHILD).order_by()
    named = children.filter(person_id__in=persons).values("contact_id")
    return named.union(children.filter(pk__in=matched.values("contact_person_id")).values("contact_id"), all=True)


def mark(contact: Contact, *, kind: str, since: datetime, reference: str, earlier: Contact | None = None) -> bool:
    """Set the flag on ``contact`` (not saved: the caller saves ``FIELDS``). A contact keeps its first flag."""
    if contact.bounce:
        return False
    contact.bounce = kind
    contact.bounced_from = earlier
    contact.bounce_reference = reference
    contact.bounce_since = since
    return True


def record(contact: Contact, *, actor) -> None:
    audit.record(
        actor=actor,
        action="contact.bounced",
        obj=contact,
        changes={
            "bounce": contact.bounce,
            "earlier": contact.bounce_reference,
            "since": contact.bounce_since.isoformat(),
            "window_days": contact.tenant.bounce_window_days,
        },
    )


def earlier_step(contact: Contact, *, persons=None) -> Contact | None:
    """The latest contact about the same child stepped down to early help, or closed with no further action,
    within the window before ``contact`` was received (two queries; one when it names no child).

    ``persons``: the register entries standing for its children, when the caller knows them already (intake,
    from the matching it has just done: :func:`contacts.services.known_children`); then one query, and none
    when they are all new to the register."""
    persons = children_of(contact) if persons is None else sorted(persons)
    if not persons:
        return None
    return (
        Contact.objects.filter(
            outcome__in=[Outcome.EARLY_HELP, Outcome.NFA],
            decided_at__gte=contact.received_at - window(contact.tenant),
            decided_at__lte=contact.received_at,
            pk__in=contacts_about(persons),
        )
        .exclude(pk=contact.pk)
        .order_by("-decided_at", "-id")
        .first()
    )


def check_received(contact: Contact, *, actor=None) -> bool:
    """A contact just received (or whose children were just matched): flag it when the child came back within
    the window of an earlier step-down or "no further action". Saves and audits; True when flagged."""
    if contact.bounce:
        return False
    return flag_received(contact, earlier_step(contact), actor=actor)


def flag_received(contact: Contact, earlier: Contact | None, *, actor=None) -> bool:
    """:func:`check_received` with ``earlier`` (:func:`earlier_step` of ``contact``) already read: intake reads
    it before it locks the tenant's reference counter, and flags the contact once it has its reference."""
    if contact.bounce or earlier is None:
        return False
    kind = Bounce.STEPPED_DOWN_THEN_UP if earlier.outcome == Outcome.EARLY_HELP else Bounce.AFTER_NFA
    mark(contact, kind=kind, since=earlier.decided_at, reference=earlier.reference, earlier=earlier)
    contact.save(update_fields=[*FIELDS, "updated_at"])
    record(contact, actor=actor)
    return True


def recheck_children(person_ids, *, actor=None) -> int:
    """After register entries were merged: the unflagged contacts about them may now be bounces."""
    persons = _with_merged(set(person_ids))
    flagged = 0
    for contact in Contact.objects.filter(pk__in=contacts_about(persons), bounce="").select_related("tenant"):
        flagged += check_received(contact, actor=actor)
    return flagged
