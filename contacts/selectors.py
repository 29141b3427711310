"""Every read of contacts a page or the API needs: scoped to the caller, prefetched, previous contacts attached."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.db.models import Prefetch, Q

from mash import documents
from mash.roles import Role

from . import matching
from .choices import MatchStatus, PersonRole
from .models import Contact, ContactPerson, MarfDraft, PersonMatchCandidate

# Roles that see every contact of the tenant. Navigators and agency leads see none through contacts:
# they answer information requests, which carry only what they need.
SEE_ALL_CONTACTS = frozenset({Role.TRIAGE, Role.MANAGER, Role.HEAD, Role.ADMIN, Role.EHCOORD, Role.EDT})
# "Re-contacts within 12 months matter" (DOMAIN.md).
RECONTACT_WINDOW = timedelta(days=365)


def can_list_contacts(user) -> bool:
    return user.role in SEE_ALL_CONTACTS or user.role == Role.REFERRER


def is_referrer_view(user) -> bool:
    return user.role == Role.REFERRER


def contacts_for(user, *, with_candidates: bool = False):
    """The contacts ``user`` may see: staff all of the tenant, a referrer their own, anyone else none."""
    people = ContactPerson.objects.order_by("order", "id")
    if not is_referrer_view(user):
        # Staff see the register entry too (a join): a pre-birth referral's child born since shows as born.
        people = people.select_related("person")
    if with_candidates and not is_referrer_view(user):
        people = people.prefetch_related(
            Prefetch(
                "match_candidates",
                queryset=PersonMatchCandidate.objects.select_related("person").order_by("-score", "id"),
            )
        )
    # strategy_discussion, cpis_check: triage's one-to-one records, shown on the contact (joined, never a query
    # per row).
    queryset = Contact.objects.select_related(
        "rating", "threshold_level", "assigned_to", "strategy_discussion", "cpis_check__checked_by"
    ).prefetch_related(Prefetch("people", queryset=people))
    if user.role in SEE_ALL_CONTACTS:
        return queryset
    if user.role == Role.REFERRER:
        return queryset.filter(submitted_by=user)
    return queryset.none()


# Who may attach documents to a contact: the hub's workers, and the referrer who made it (their own only).
ATTACH_DOCUMENTS = frozenset({Role.TRIAGE, Role.MANAGER, Role.REFERRER})


def document_reader(user) -> Q:
    """Which contacts' documents ``user`` reads (mash.documents): those of every contact they may see; a
    referrer only the documents they attached themselves, never what the hub or another agency added."""
    if user.role in SEE_ALL_CONTACTS:
        return Q(subject_id__in=Contact.objects.values("pk"))
    if user.role == Role.REFERRER:
        return Q(subject_id__in=Contact.objects.filter(submitted_by=user).values("pk"), uploaded_by=user)
    return Q(pk__in=[])


def contact_documents(user, contact) -> list:
    """The documents of ``contact`` that ``user`` reads, newest first (one query; the caller sees the contact)."""
    queryset = documents.documents_of(contact)
    if user.role not in SEE_ALL_CONTACTS:
        queryset = queryset.filter(uploaded_by=user)
    return list(queryset)


def may_attach_documents(user, contact) -> bool:
    if user.role == Role.REFERRER:
        return contact.submitted_by_id == user.pk
    return user.role in ATTACH_DOCUMENTS


def _counts_as_same_child(relation: str = ""):
    """Candidates that stand for the same child: confirmed, or possible and strong enough. ``relation``: the
    same condition on the candidates reached through that relation (``match_candidates`` of a mention)."""
    at = f"{relation}__" if relation else ""
    return Q(**{f"{at}status": MatchStatus.CONFIRMED}) | Q(
        **{f"{at}status": MatchStatus.POSSIBLE, f"{at}score__gte": matching.STRONG}
    )


def add_matched_register_entries(mention_persons: dict[int, set[int]]) -> None:
    """Add to each child mention's register entries those it is matched to (confirmed or strong)."""
    if not mention_persons:
        return
    for mention_id, person_id in PersonMatchCandidate.objects.filter(
        _counts_as_same_child(), contact_person_id__in=list(mention_persons)
    ).values_list("contact_person_id", "person_id"):
        mention_persons[mention_id].add(person_id)


def child_sightings(persons, *, since, until) -> list[tuple[int, int, datetime]]:
    """(register entry, contact id, received_at) for every contact received in [since, until) naming one of
    ``persons`` as a child: directly, or through a match that counts as the same child. Two queries."""
    seen = list(
        ContactPerson.objects.filter(
            role=PersonRole.CHILD,
            person_id__in=persons,
            contact__received_at__gte=since,
            contact__received_at__lt=until,
        ).values_list("person_id", "contact_id", "contact__received_at")
    )
    seen += PersonMatchCandidate.objects.filter(
        _counts_as_same_child(),
        person_id__in=persons,
        contact_person__role=PersonRole.CHILD,
        contact_person__contact__received_at__gte=since,
        contact_person__contact__received_at__lt=until,
    ).values_list("person_id", "contact_person__contact_id", "contact_person__contact__received_at")
    return seen


def attach_children(contacts, *, fields=()) -> None:
    """Load the children each contact names, in order and with their register entries, into ``child_mentions``
    (one query), for the contacts loaded without them (neither already attached nor among prefetched ``people``).
    ``fields``: only these columns of them.

    Unlike Django's prefetch, a child does not point back at its contact, and no queryset is made and kept for
    each contact (0.8 ms on a page of the triage queue). So a page's contacts are freed by reference counting when
    the page is done, not left for the garbage collector's full passes (on the queue, one every 25 or so pages,
    10-16 ms each)."""
    missing = [
        contact for contact in contacts
        if getattr(contact, "child_mentions", None) is None
        and "people" not in getattr(contact, "_prefetched_objects_cache", {})
    ]  # fmt: skip
    if not missing:
        return
    mentions = ContactPerson.objects.filter(contact_id__in=[c.pk for c in missing], role=PersonRole.CHILD)
    mentions = mentions.select_related("person").order_by("order", "id")
    by_contact = defaultdict(list)
    for mention in mentions.only(*fields) if fields else mentions:
        by_contact[mention.contact_id].append(mention)
    for contact in missing:
        contact.child_mentions = by_contact.get(contact.pk, [])


def children_of(contact) -> list[ContactPerson]:
    """The children a contact names, in order, from what was loaded with it (never a query): its
    ``child_mentions`` (:func:`attach_children`), else the children among its prefetched ``people``."""
    loaded = getattr(contact, "child_mentions", None)
    if loaded is not None:
        return loaded
    return [mention for mention in contact.people.all() if mention.role == PersonRole.CHILD]


def child_register_entries(contacts) -> None:
    """Set ``child_entries`` on each contact: {child mention id: the register entries it stands for (the entry it
    names, and those a confirmed or strong match counts as the same child)}. Worked out once per contact object,
    so the re-contact flag and "also open" on one page share it: one query for the contacts not yet worked out
    (uses their children as loaded with them: :func:`children_of`)."""
    mention_persons: dict[int, set[int]] = {}
    for contact in contacts:
        if hasattr(contact, "child_entries"):
            continue
        contact.child_entries = {}
        for mention in children_of(contact):
            # The same set in both: the matches added below reach the contact's own.
            entries = mention_persons[mention.pk] = {mention.person_id} if mention.person_id else set()
            contact.child_entries[mention.pk] = entries
    add_matched_register_entries(mention_persons)


def attach_previous_contacts(contacts) -> None:
    """Set ``previous_contact_ids`` on each contact: earlier contacts within 12 months about the same child.

    Same child means the same register entry, or a confirmed or strong possible match either way.
    A fixed number of queries for any number of contacts (uses the prefetched ``people``).
    """
    contacts = list(contacts)
    if not contacts:
        return
    child_register_entries(contacts)
    persons = set().union(*(entries for c in contacts for entries in c.child_entries.values()))
    if not persons:
        for contact in contacts:
            contact.previous_contact_ids = []
        return
    since = min(c.received_at for c in contacts) - RECONTACT_WINDOW
    seen = child_sightings(persons, since=since, until=max(c.received_at for c in contacts))
    by_person = defaultdict(set)
    for person_id, contact_id, received_at in seen:
        by_person[person_id].add((received_at, contact_id))
    for contact in contacts:
        own = set().union(*contact.child_entries.values())
        earlier = {
            (at, cid)
            for person_id in own
            for at, cid in by_person.get(person_id, ())
            if cid != contact.pk and contact.received_at - RECONTACT_WINDOW <= at < contact.received_at
        }
        contact.previous_contact_ids = [cid for _at, cid in sorted(earlier, reverse=True)]


def draft_for(user) -> MarfDraft | None:
    return MarfDraft.objects.filter(owner=user).first()
