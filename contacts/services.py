"""Every state change of a contact: receive it, match its people, confirm or reject a match, keep a draft."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from decimal import Decimal
from functools import partial
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.core.mail import send_mail
from django.db import DEFAULT_DB_ALIAS, IntegrityError, transaction
from django.db.models import F
from django.db.models.signals import post_save
from django.urls import reverse
from django.utils import timezone

from deadlines.services import notify, plan_clock, start_clock
from mash import audit, documents, freshness, inserts, locks, tenancy, timefmt
from mash.exceptions import Conflict, NotAllowed, PolicyViolation
from mash.references import allocate_reference, taken_first
from mash.roles import Role
from thresholds.calendars import edt_covers
from thresholds.models import ClockKind

from . import bounces, matching
from .choices import Channel, MatchStatus, PersonRole
from .models import Contact, ContactPerson, MarfDraft, Person, PersonMatchCandidate, ReferenceCounter
from .selectors import may_attach_documents
from .signals import contact_received, people_merged
from .submissions import ContactSubmission

log = logging.getLogger(__name__)

MATCH_DECIDERS = frozenset({Role.TRIAGE, Role.MANAGER})
# A baby born this long before the expected date is very premature (about 22 weeks' gestation): an earlier
# date is a typing slip.
BIRTH_EARLIEST_BEFORE_DUE_DAYS = 126
MATCHING = "matching"  # the work owed to staff reads (mash.freshness) while someone is still to be matched
# While a worker's run of a tenant's matching is queued, later contacts of the tenant ride on it (a run settles
# every pending contact, oldest first) instead of each sending a message: marked in the cache for at most this
# long, so a run that is lost holds back the next contact's for no longer (the sweep and staff reads regardless).
MATCHING_QUEUED_SECONDS = 60
SETTLE_AT_MOST = 50  # contacts a staff request matches before it reads; a backlog beyond is the workers'
MATCHING_LOCK = 0x4D4D  # mash.locks.take_turns(MATCHING_LOCK, tenant id): one matcher of a tenant's pending people

CONTACT_FIELDS = (
    "concerns", "support_provided", "address", "postcode", "school", "gp", "language", "interpreter_needed",
    "parents_aware", "consent_to_referral", "consent_to_sharing", "consent_reason", "consent_decided_by",
    "threshold_level", "referrer_name", "referrer_role", "referrer_organisation", "referrer_email",
    "referrer_phone", "call_notes", "external_reference", "source", "urgent",
)  # fmt: skip
PERSON_FIELDS = (
    "first_name", "last_name", "date_of_birth", "unborn", "expected_date", "sex", "postcode", "ethnicity",
    "disability", "phone", "relationship",
)  # fmt: skip


# --- receiving a contact -------------------------------------------------------------------------


ALREADY_RECEIVED = "A contact with this reference has already been received."


def submit_contact(*, tenant, actor, submission: ContactSubmission, also=None) -> Contact:
    """Receive a contact (MARF, public report, phone call or police notification) from validated input.

    Gives it the next reference of the tenant's year, sets the decision deadline, links every
    person it names to the register (with possible matches for triage), audits, starts the clock.
    ``actor`` is None for a report from the public.

    The tenant's reference counter is one row every submission of the tenant queues on, so its number is taken
    in a transaction of its own before the contact's (:func:`mash.references.taken_first`): no submission waits
    for another's to commit, and one that fails leaves an audited unused number. Called inside a caller's
    transaction, the number is taken in it instead, where the least follows: a referrer's or the public's
    contact first (nothing slow follows), a contact recorded by staff last (it is stored under a provisional
    reference, never seen outside this transaction, and its number written last, after matching). Either way
    the contact is stored with its decision deadline (worked out before the clock is written, by
    :func:`deadlines.services.plan_clock`). The people received are kept on the contact (``received_people``,
    in order) for the reply. ``also(contact)``, if given, runs last in the contact's transaction (a referrer's
    draft removed with it: both or neither).

    A referrer's or the public's contact is never shown the register, earlier contacts or a bounce (issue 22),
    so its people are stored pending and matched by a worker after the commit, with the bounce check
    (:func:`settle_pending_matching`); any staff request of the tenant finishes that first
    (:mod:`mash.freshness`), so triage never reads the contact unmatched. Staff are shown the register and
    earlier contacts in their reply, so their contacts are matched in the request.
    """
    if not submission.source:
        raise PolicyViolation("Choose who is making this referral.", field="source")
    sent_before = Contact.objects.filter(external_reference=submission.external_reference)
    if submission.external_reference and sent_before.exists():  # a resend (a police batch's): no number taken
        raise PolicyViolation(ALREADY_RECEIVED, field="external_reference")
    received_at = submission.received_at or timezone.now()
    first = taken_first(ReferenceCounter, tenant=tenant, at=received_at, actor=actor)
    with first as reference, transaction.atomic():
        contact = Contact(
            channel=submission.channel,
            received_at=received_at,
            submitted_by=actor if actor is not None and actor.role == Role.REFERRER else None,
            **{f: getattr(submission, f) for f in CONTACT_FIELDS},
        )
        contact.tenant = tenant  # the audit, the clock and the acknowledgement read it: no query for it
        contact.out_of_hours = edt_covers(tenant, received_at)  # the tenant's EDT cover times (issue 19)
        plan = plan_clock(tenant=tenant, kind=ClockKind.DECISION, started_at=received_at)
        contact.decision_due_at = plan.due_at  # the clock's due time, the only decision deadline
        deferred = submission.channel == Channel.PUBLIC or (actor is not None and actor.role == Role.REFERRER)
        contact.follows_matching = deferred and bool(submission.children or submission.household)
        provisional = reference is None and not deferred
        if reference is None and deferred:  # nothing slow follows: the number now, and the contact stored once
            reference = allocate_reference(ReferenceCounter, tenant=tenant, at=received_at)
        contact.reference = _provisional_reference() if provisional else reference
        try:
            if not contact.external_reference:
                contact.save()  # no other unique value a sender chooses: no savepoint needed
            else:
                with transaction.atomic():
                    contact.save()
        except IntegrityError as exc:
            if contact.external_reference and "external_reference" in str(exc):
                raise PolicyViolation(ALREADY_RECEIVED, field="external_reference") from exc  # two at once
            raise
        # The rows nothing here reads back (a referrer's people, the events, the acknowledgement) are written
        # together when the block ends, one statement after the contact's and its clock's (mash.inserts).
        with inserts.batched():
            contact.received_people = _add_people(contact, submission, deferred=deferred)
            earlier = (
                None if deferred else bounces.earlier_step(contact, persons=known_children(contact.received_people))
            )
            if provisional:  # last: the counter's row stays locked from here until the transaction ends
                contact.reference = allocate_reference(ReferenceCounter, tenant=tenant, at=received_at)
                Contact.objects.filter(pk=contact.pk).update(reference=contact.reference)
            bounces.flag_received(contact, earlier, actor=actor)
            audit.record(
                actor=actor,
                action="contact.received",
                obj=contact,
                changes={
                    "channel": submission.channel,
                    "source": contact.source,
                    "children": len(submission.children),
                    "received_at": received_at.isoformat(),
                },
            )
            _start_decision_clock(contact, actor=actor, plan=plan)
            _acknowledge(contact)
        contact_received.send(sender=Contact, contact=contact, actor=actor)
        if also is not None:
            also(contact)
    return contact


def _provisional_reference() -> str:
    """Unique (the tenant's references are), never a real one's shape, replaced before the transaction ends."""
    return f"~{uuid.uuid4().hex[:30]}"


def _add_people(contact: Contact, submission: ContactSubmission, *, deferred: bool = False) -> list[ContactPerson]:
    """Store the people ``contact`` names (one INSERT), then link them to the register (see :func:`_link_all`),
    or, ``deferred``, leave them pending for a worker (and the tenant's next staff request) to link; those are
    held for the caller's open :func:`mash.inserts.batched` block, since nothing reads them back before it ends.

    The people a contact names are kept whatever matching does: stored before it runs, pending until matched.
    """
    entries = [(PersonRole.CHILD, child) for child in submission.children]
    entries += [(member.role or PersonRole.OTHER_ADULT, member) for member in submission.household]
    mentions = []
    for order, (role, entry) in enumerate(entries):
        mention = ContactPerson(
            tenant_id=contact.tenant_id, contact=contact, role=role, order=order, matching_pending=True,
            **{f: getattr(entry, f) for f in PERSON_FIELDS},
        )  # fmt: skip
        if role == PersonRole.CHILD and not mention.postcode:
            mention.postcode = contact.postcode
        mentions.append(mention)
    if deferred:  # the worker announces each one's save when it links them (contact.follows_matching)
        inserts.hold_or_insert(mentions)  # no one reads them back in this request: with the events, if a block is open
        _owe_matching(contact)
        return mentions
    ContactPerson.objects.bulk_create(mentions)
    for mention in mentions:  # bulk_create sends no signal: tell the receivers (the figures) as save() did
        post_save.send(
            sender=ContactPerson, instance=mention, created=True, update_fields=None, raw=False, using=DEFAULT_DB_ALIAS
        )
    if not _link_all(mentions):
        linked: set[int] = set()
        pending = False
        for mention in mentions:
            if _try_to_link(mention, exclude=linked):
                linked.add(mention.person_id)
            else:
                pending = True
        if pending:
            _owe_matching(contact, ride=False)
    return mentions


def _owe_matching(contact: Contact, *, ride: bool = True) -> None:
    """Someone of ``contact`` is still to be matched: a worker does it after the commit, and the tenant's next
    staff request first if it comes sooner. ``ride``: on a run already queued for the tenant, if there is one (a
    referrer's or the public's contact; a staff contact whose matching failed sends a run of its own)."""
    transaction.on_commit(partial(enqueue_matching, contact.pk, contact.tenant_id, ride=ride), robust=True)
    freshness.owe(MATCHING, contact.tenant_id)


def known_children(mentions: list[ContactPerson]) -> set[int] | None:
    """The register entries, known before this contact, that its children stand for, from the matching just done
    (``_link_to_register`` notes them on each mention): what :func:`contacts.bounces.children_of` would read
    back. None when a child is still pending (matching failed): the bounce check then reads them itself.

    A child new to the register adds only its strong matches: no earlier contact can name an entry made in
    this transaction, nor a match be made to it, so a contact about children all new costs no query."""
    known: set[int] = set()
    for mention in mentions:
        if mention.role != PersonRole.CHILD:
            continue
        same = getattr(mention, "known_as", None)
        if mention.matching_pending or same is None:
            return None
        known |= same
    return known


def _link_all(mentions: list[ContactPerson], *, exclude: set[int] = frozenset()) -> bool:
    """Link every mention to the register in one savepoint, and store the links in one update; True when done.

    The usual case. When anything fails the savepoint undoes it all (noted at info level only): the caller then
    links each mention in a savepoint of its own (:func:`_try_to_link`, which logs what fails), so the ones that
    can be matched are, exactly as if each had been tried alone. ``exclude``: the register entries of the
    contact's people linked already.
    """
    linked: set[int] = set(exclude)
    try:
        with transaction.atomic():
            for mention in mentions:
                _link_to_register(mention, exclude=linked, save=False)
                linked.add(mention.person_id)
            ContactPerson.objects.bulk_update(mentions, ["person", "matching_pending"])
        return True
    except Exception:
        log.info("Matching the people of a contact together failed; trying each alone.", exc_info=True)
    for mention in mentions:  # as the savepoint left the rows
        mention.person = None
        mention.matching_pending = True
    return False


def _try_to_link(mention: ContactPerson, *, exclude: set[int]) -> bool:
    """Link a saved, pending ``mention`` to the register; True when done.

    Matching is helpful, not essential: whatever goes wrong in it (a record it cannot score, a register
    entry the database refuses), the savepoint undoes it, the mention stays unlinked and pending, the
    failure is logged, and a worker tries again (``match_pending_people``).
    """
    try:
        with transaction.atomic():  # a savepoint: a failure leaves no half-made register entry behind
            _link_to_register(mention, exclude=exclude)
        return True
    except Exception:
        log.exception(
            "Matching failed for person %s of contact %s; left unlinked until a worker's retry succeeds.",
            mention.order,
            mention.contact_id,
        )
    mention.person = None  # as the savepoint left the row
    mention.matching_pending = True
    return False


def _link_to_register(mention: ContactPerson, *, exclude: set[int], save: bool = True) -> None:
    """Identical name and date of birth: the same register entry. Otherwise a new entry and its possible matches.

    ``exclude``: the register entries of the contact's other people (a contact never names one child twice).
    """
    key = matching.PersonKey.of(
        mention.first_name, mention.last_name, mention.date_of_birth, mention.postcode, mention.sex
    )
    register = Person.objects.exclude(pk__in=exclude) if exclude else Person.objects.all()
    candidates = matching.find_candidates(key, queryset=register)
    address = _address_of(mention)
    if candidates and candidates[0].identical:
        mention.person_id = candidates[0].person_id
        mention.known_as = {mention.person_id}  # a register entry not merged away (matching reads no other)
        if address and address != candidates[0].address:  # the last known address is the latest contact's
            Person.objects.filter(pk=mention.person_id).update(address=address)
    else:
        # Its candidates are stored as possible matches: those strong enough count as the same child.
        mention.known_as = {c.person_id for c in candidates if c.score >= matching.STRONG}
        mention.person = Person.objects.create(
            **matching.register_fields(
                mention.first_name, mention.last_name, mention.date_of_birth, mention.postcode, mention.sex
            ),
            unborn=mention.unborn,
            expected_date=mention.expected_date if mention.unborn else None,
            address=address,
        )
        PersonMatchCandidate.objects.bulk_create(
            PersonMatchCandidate(
                tenant_id=mention.tenant_id,
                contact_person=mention,
                person_id=c.person_id,
                score=Decimal(str(c.score)),
                reasons=c.reasons,
            )
            for c in candidates
        )
    mention.matching_pending = False
    if save:
        mention.save(update_fields=["person", "matching_pending"])


def _address_of(mention: ContactPerson) -> str:
    """The contact's address, for the children it is about and the household living at the same postcode."""
    contact = mention.contact
    if not contact.address:
        return ""
    mine, theirs = matching.normalise_postcode(mention.postcode), matching.normalise_postcode(contact.postcode)
    if mention.role == PersonRole.CHILD or not mine or mine == theirs:
        return contact.address[:300]
    return ""


def _queued_key(tenant_id: int) -> str:
    return f"matching-queued:{tenant_id}"


def enqueue_matching(contact_id: int, tenant_id: int, *, ride: bool = True) -> None:
    """After the commit: wake a worker to match the tenant's pending people, unless (``ride``) a run queued
    earlier will.

    The worker claims the mark before it looks for work (:func:`claim_queued_matching`), so a contact committed
    after its look queues a run of its own; one committed before is among what it settles. Under a burst of MARFs
    a tenant's worker gets one message per run, not one per MARF, and each MARF's request one cache write, not a
    broker's message. Either failing is a hint lost: the periodic sweep finds every pending person too."""
    from .tasks import match_pending_people

    key = _queued_key(tenant_id)
    try:
        if not cache.add(key, contact_id, MATCHING_QUEUED_SECONDS) and ride:
            return
    except Exception:  # cannot tell whether a run is queued: queue one
        log.warning("Could not read whether matching is queued for tenant %s.", tenant_id, exc_info=True)
    try:
        match_pending_people.delay(contact_id, tenant_id)
    except Exception:
        log.warning("Could not queue matching for contact %s; the sweep will retry it.", contact_id, exc_info=True)
        claim_queued_matching(tenant_id)  # nothing is on its way: the next contact must try again


def claim_queued_matching(tenant_id: int) -> None:
    """A worker's run starts: contacts committed from now on queue a run of their own (:func:`enqueue_matching`)."""
    try:
        cache.delete(_queued_key(tenant_id))
    except Exception:
        log.warning("Could not claim the queued matching of tenant %s.", tenant_id, exc_info=True)


def match_pending_people(*, contact_id: int) -> int:
    """Link the pending people of one contact (a referrer's or the public's, or one whose matching failed when it
    was received) exactly as receiving it would have (same register entry when identical, otherwise a new entry
    with its possible matches), then check for a bounce, as intake does for staff.

    Idempotent: only people still marked pending, locked (a second worker skips them). All of them together in
    one savepoint, as intake does; when that fails, each in its own, and one that fails again stays pending
    (logged). Returns how many are still pending.
    """
    with transaction.atomic():
        mentions = list(
            ContactPerson.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(contact_id=contact_id, matching_pending=True)
            .select_related("contact__tenant")  # the bounce check reads the tenant's window
            .order_by("order", "id")
        )
        if not mentions:
            return 0
        contact = mentions[0].contact
        linked = set(
            ContactPerson.objects.filter(contact_id=contact_id, person__isnull=False).values_list(
                "person_id", flat=True
            )
        )
        known = None  # the register entries the children stand for, when matching has them all in hand
        if _link_all(mentions, exclude=linked):
            done = mentions
            if not linked:  # every person matched just now, none before: as at intake
                known = known_children(mentions)
            for mention in done:  # bulk_update sends no signal: tell the receivers (the figures) as save() does
                post_save.send(
                    sender=ContactPerson, instance=mention, created=False, update_fields={"person", "matching_pending"},
                    raw=False, using=DEFAULT_DB_ALIAS,
                )  # fmt: skip
        else:
            done = []
            for mention in mentions:
                if _try_to_link(mention, exclude=linked):
                    linked.add(mention.person_id)
                    done.append(mention)
        if done:
            if not contact.bounce:
                bounces.flag_received(contact, bounces.earlier_step(contact, persons=known))
            Contact.objects.filter(pk=contact_id).update(version=F("version") + 1)
            audit.record(
                actor=None,
                action="contact.people_matched",
                obj=contact,
                changes={"mentions": [m.pk for m in done], "people": [m.person_id for m in done]},
            )
    return len(mentions) - len(done)


def settle_pending_matching(*, limit: int = SETTLE_AT_MOST) -> tuple[int, list[int]]:
    """Match the people still pending in the current tenant's contacts, oldest contact first, at most ``limit``
    contacts; returns how many contacts were tried and those still pending (a failure, logged, left to the
    worker's retries and the sweep).

    Oldest first, one matcher at a time for the tenant (a transaction-level advisory lock on PostgreSQL; SQLite
    has one writer anyway): a child named by two contacts a moment apart is matched as intake in the request
    would have, the second contact to the register entry the first made, whether a worker, another worker or a
    staff request gets there first. A matcher that waited on the lock then finds nothing left to do.
    """
    with transaction.atomic():
        locks.take_turns(MATCHING_LOCK, tenancy.require_tenant_id())
        contact_ids = contacts_with_people_pending(limit)
        still = [contact_id for contact_id in contact_ids if match_pending_people(contact_id=contact_id)]
    return len(contact_ids), still


def settle_for_staff() -> bool:
    """:mod:`mash.freshness`'s settler: True unless more contacts were pending than one settling takes."""
    tried, _ = settle_pending_matching(limit=SETTLE_AT_MOST)
    return tried < SETTLE_AT_MOST


def is_pending(contact_id: int) -> bool:
    return ContactPerson.objects.filter(contact_id=contact_id, matching_pending=True).exists()


def contacts_with_people_pending(limit: int | None = None, among: list[int] | None = None) -> list[int]:
    """The current tenant's contacts with someone not yet matched, oldest first (the sweep's and a settling's
    work list), at most ``limit``; only those ``among`` these contacts, if given."""
    pending = ContactPerson.objects.filter(matching_pending=True).order_by("contact_id")
    if among is not None:
        pending = pending.filter(contact_id__in=among)
    return list(pending.values_list("contact_id", flat=True).distinct()[:limit])


def _start_decision_clock(contact: Contact, *, actor, plan=None):
    """Working Together: a decision on next steps within one working day of receipt (the tenant's policy,
    looked up by the engine; a rating may bring it forward later, triage.services.rate_contact).

    Runs inside the submission's transaction, so a contact is never stored without its clock. The tenant's
    triage workers are warned before it is due: those in post when the warning is due, read then (one query
    fewer for every contact received, and a worker who started after the contact arrived is warned too).
    """
    return start_clock(
        tenant=contact.tenant,
        kind=ClockKind.DECISION,
        subject=contact,
        started_at=contact.received_at,
        responsible_roles=[Role.TRIAGE],
        label=contact.reference,
        url=reverse("contacts:detail", args=[contact.pk]),
        actor=actor,
        new_subject=True,
        plan=plan,
    )


def public_acknowledgement(contact: Contact, *, considered: bool = False) -> str:
    """What a member of the public whose identity is not verified is told: the reference and nothing else
    (never the child's name or the outcome: the address they typed may not be theirs)."""
    first = (
        f"Thank you for your report {contact.reference}. The MASH has considered it."
        if considered
        else f"Thank you for telling us. We have received your report {contact.reference}."
    )
    return (
        f"{first} To protect the children and families involved, we share what happens next only with people "
        f"whose identity we have confirmed. Please quote {contact.reference} if you contact us about it. "
        "If a child is in immediate danger, call 999."
    )


def _acknowledge(contact: Contact) -> None:
    """Tell the referrer their contact arrived, with its reference and when a decision is due."""
    zone = ZoneInfo(contact.tenant.time_zone)
    due = contact.decision_due_at
    message = (
        f"We have received your referral {contact.reference}. The MASH will decide on next steps by "
        f"{timefmt.govuk_time(due, zone)} on {timezone.localtime(due, zone):%A} {timefmt.govuk_date(due, zone)}. "
        "We will tell you the outcome."
    )
    if not contact.outcome_may_go_to_reporter:
        message = public_acknowledgement(contact)
    if contact.submitted_by is not None:
        notify(
            recipient=contact.submitted_by,
            subject=contact.reference,
            message=message,
            url=reverse("contacts:mine"),
            held=True,
        )
    elif contact.referrer_email:
        address = contact.referrer_email
        transaction.on_commit(
            lambda: send_mail(f"MASH: {contact.reference}", message, None, [address], fail_silently=True),
            robust=True,
        )


# --- person matches ------------------------------------------------------------------------------


def _decide_match(*, actor, candidate: PersonMatchCandidate, status: str) -> PersonMatchCandidate:
    if actor.role not in MATCH_DECIDERS:
        raise NotAllowed("Only MASH triage staff and managers may decide whether two records are the same child.")
    with transaction.atomic():
        candidate = (
            PersonMatchCandidate.objects.select_for_update(of=("self",))
            .select_related("contact_person__contact", "contact_person__person", "person")
            .get(pk=candidate.pk)
        )
        if candidate.status != MatchStatus.POSSIBLE:
            raise Conflict(f"This match was already {candidate.get_status_display().split(':')[0].lower()}.")
        candidate.status = status
        candidate.decided_by = actor
        candidate.decided_at = timezone.now()
        candidate.save(update_fields=["status", "decided_by", "decided_at"])
        mention = candidate.contact_person
        if status == MatchStatus.CONFIRMED:
            kept = _register_entry(candidate.person)
            _merge_people(mention.person, kept)
            bounces.recheck_children([kept.pk], actor=actor)
        Contact.objects.filter(pk=mention.contact_id).update(version=F("version") + 1)
        audit.record(
            actor=actor,
            action=f"person_match.{status}",
            obj=mention.contact,
            changes={
                "mention": mention.pk,
                "person": candidate.person_id,
                "score": str(candidate.score),
                "status": [MatchStatus.POSSIBLE.value, status],
            },
        )
    return candidate


def _register_entry(person: Person) -> Person:
    seen = set()
    while person.merged_into_id is not None and person.pk not in seen:
        seen.add(person.pk)
        person = Person.objects.get(pk=person.merged_into_id)
    return person


def _merge_people(duplicate: Person | None, kept: Person) -> None:
    """Every mention of ``duplicate`` now names ``kept``; the duplicate stays as a pointer (history is kept)."""
    if duplicate is None or duplicate.pk == kept.pk:
        return
    moved = ContactPerson.objects.filter(person=duplicate)
    contact_ids = sorted(set(moved.values_list("contact_id", flat=True)))
    moved.update(person=kept)
    Person.objects.filter(merged_into=duplicate).update(merged_into=kept)
    duplicate.merged_into = kept
    duplicate.save(update_fields=["merged_into"])
    people_merged.send(sender=Person, tenant_id=kept.tenant_id, contact_ids=contact_ids)


def merge_register_entries(duplicate: Person, kept: Person) -> tuple[list[int], list[int]]:
    """Staff merge ``duplicate`` into ``kept`` (people.services.merge_people): as confirming a match does, and
    answers what moved, (mention ids, earlier duplicates re-pointed), so that the merge can be undone."""
    mentions = sorted(ContactPerson.objects.filter(person=duplicate).values_list("pk", flat=True))
    repointed = sorted(Person.objects.filter(merged_into=duplicate).values_list("pk", flat=True))
    _merge_people(duplicate, kept)
    return mentions, repointed


def unmerge_register_entries(duplicate: Person, kept: Person, *, mentions: list[int], repointed: list[int]) -> None:
    """Undo :func:`merge_register_entries`: exactly the mentions and pointers it moved name ``duplicate`` again
    (those still on ``kept``), and ``duplicate`` stands on its own. Reporting recounts the contacts involved."""
    moved = ContactPerson.objects.filter(pk__in=mentions, person=kept)
    contact_ids = sorted(set(moved.values_list("contact_id", flat=True)))
    moved.update(person=duplicate)
    Person.objects.filter(pk__in=repointed, merged_into=kept).update(merged_into=duplicate)
    duplicate.merged_into = None
    duplicate.save(update_fields=["merged_into"])
    people_merged.send(sender=Person, tenant_id=kept.tenant_id, contact_ids=contact_ids)


def confirm_match(*, actor, candidate: PersonMatchCandidate) -> PersonMatchCandidate:
    """Triage confirms the two records are the same child: the register entries are merged. Audited."""
    return _decide_match(actor=actor, candidate=candidate, status=MatchStatus.CONFIRMED)


def reject_match(*, actor, candidate: PersonMatchCandidate) -> PersonMatchCandidate:
    """Triage says they are different children: the candidate no longer counts. Audited."""
    return _decide_match(actor=actor, candidate=candidate, status=MatchStatus.REJECTED)


# --- MARF drafts ---------------------------------------------------------------------------------


def save_draft(*, actor, step: str, values: dict, audited: bool = True) -> MarfDraft:
    """Keep what the referrer typed on one step. Autosave (htmx, every few seconds) is not audited; steps are."""
    with transaction.atomic():
        draft, created = MarfDraft.objects.select_for_update().get_or_create(owner=actor)
        draft.data = {**draft.data, **values}
        draft.step = step
        draft.save()
        if audited or created:
            audit.record(
                actor=actor, action="marf_draft.started" if created else "marf_draft.saved", obj=draft,
                changes={"step": step}, label=f"MARF draft of {actor.get_username()}",
            )  # fmt: skip
    return draft


def discard_draft(*, actor, reason: str = "discarded") -> None:
    with transaction.atomic():
        draft = MarfDraft.objects.filter(owner=actor).first()
        if draft is None:
            return
        audit.record(
            actor=actor, action=f"marf_draft.{reason}", obj=draft, label=f"MARF draft of {actor.get_username()}"
        )
        draft.delete()


def submit_marf(*, tenant, actor, submission: ContactSubmission) -> Contact:
    """A referrer's MARF from their draft: the contact is received and the draft removed, both or neither."""
    return submit_contact(
        tenant=tenant, actor=actor, submission=submission, also=lambda _: discard_draft(actor=actor, reason="submitted")
    )


# --- a pre-birth referral's child is born ---------------------------------------------------------

BIRTH_RECORDERS = frozenset({Role.TRIAGE, Role.MANAGER})


def record_birth(*, actor, person: Person, date_of_birth, first_name: str = "", last_name: str = "") -> Person:
    """The unborn child of a pre-birth referral is born: the same register entry carries on with its date of
    birth (and the names the baby was given, when known), so every earlier contact stays linked. Audited.

    The contacts keep the child as the referrer described them (unborn, due on a date): that is what was received.
    """
    if actor.role not in BIRTH_RECORDERS:
        raise NotAllowed("Only MASH triage staff and managers record a birth.")
    first_name, last_name = (first_name or "").strip(), (last_name or "").strip()
    if date_of_birth is None:
        raise PolicyViolation("Enter the date of birth", field="date_of_birth")
    if date_of_birth > timezone.localdate():
        raise PolicyViolation("The date of birth must be today or in the past", field="date_of_birth")
    if len(first_name) > 100 or len(last_name) > 100:
        raise PolicyViolation("Names must be 100 characters or fewer", field="first_name")
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        if not person.unborn:
            raise Conflict(f"{person} is already recorded as born.")
        earliest = person.expected_date - timedelta(days=BIRTH_EARLIEST_BEFORE_DUE_DAYS)
        if date_of_birth < earliest:
            raise PolicyViolation(
                f"The date of birth must be after {earliest.day} {earliest:%B %Y} "
                f"(the baby was due on {person.expected_date.day} {person.expected_date:%B %Y})",
                field="date_of_birth",
            )
        before = {"first_name": person.first_name, "last_name": person.last_name}
        fields = matching.register_fields(
            first_name or person.first_name, last_name or person.last_name, date_of_birth, person.postcode, person.sex
        )
        for name in ("first_name", "last_name", "norm_first", "norm_last", "date_of_birth", "surname_key",
                     "postcode_key"):  # fmt: skip
            setattr(person, name, fields[name])
        person.unborn = False
        person.birth_recorded_at = timezone.now()
        person.save(
            update_fields=["first_name", "last_name", "norm_first", "norm_last", "date_of_birth", "surname_key",
                           "postcode_key", "unborn", "birth_recorded_at"]
        )  # fmt: skip
        changes = {
            "date_of_birth": date_of_birth.isoformat(),
            "expected_date": person.expected_date.isoformat(),
            "unborn": [True, False],
        }
        for name, old in before.items():
            if getattr(person, name) != old:
                changes[name] = [old, getattr(person, name)]
        audit.record(actor=actor, action="person.birth_recorded", obj=person, changes=changes)
    return person


# --- documents ------------------------------------------------------------------------------------------


def attach_document(*, contact: Contact, actor, upload, kind: str, description: str = ""):
    """A police report, a body map, an Early Help Assessment... attached to the contact (mash.documents checks
    the file by its content and audits it). Triage workers and managers; the referrer who made the contact."""
    if not may_attach_documents(actor, contact):
        raise NotAllowed("Only triage workers, managers and the referrer who made the contact can attach documents.")
    return documents.attach(
        subject=contact, actor=actor, upload=upload, kind=kind, description=description, label=contact.reference
    )
