"""Every read the people pages and API need: search results, the person's record and chronology.

Scoped by construction: each selector takes the user first; roles outside ``SEARCH_ROLES`` get nothing
(a 404 upstream), and every query goes through the tenant-scoped managers (the current tenant only).
Each selector runs a fixed number of queries whatever the size of the register or the record.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from contacts import selectors as contact_selectors
from contacts.choices import ContactStatus, Outcome, PersonRole
from contacts.models import Contact, ContactPerson, Person
from earlyhelp.models import EarlyHelpChild, EarlyHelpPlan, EarlyHelpRequest, EarlyHelpStatus, PlanReview
from mash.models import Agency
from mash.roles import Role
from triage.models import RatingHistory, StrategyDiscussion

from . import search as person_search
from .models import ChronologyEntry, ContactLink, PersonMerge

# Staff who look for a child's history at the front door (issue 18). Navigators answer information
# requests about their own agency's work only; referrers see their own referrals.
SEARCH_ROLES = frozenset({Role.TRIAGE, Role.MANAGER, Role.EHCOORD, Role.HEAD, Role.ADMIN})
OPEN_CONTACT = (ContactStatus.RECEIVED, ContactStatus.IN_TRIAGE, ContactStatus.ENQUIRY)
OPEN_EARLY_HELP = (EarlyHelpStatus.RECEIVED, EarlyHelpStatus.OUTCOME_GIVEN, EarlyHelpStatus.PLAN)
RECONTACT_WINDOW = contact_selectors.RECONTACT_WINDOW
LONDON = ZoneInfo("Europe/London")


def can_search(user) -> bool:
    return bool(getattr(user, "tenant_id", None)) and user.role in SEARCH_ROLES


def age_on(born: date | None, today: date) -> int | None:
    if born is None or born > today:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def today_in_london() -> date:
    return timezone.localdate(timezone.now(), LONDON)


# --- search -------------------------------------------------------------------------------------------------


@dataclass
class SearchResult:
    person: Person
    score: float
    reasons: dict
    age: int | None
    contact_ids: list[int] = field(default_factory=list)
    latest: Contact | None = None  # the latest contact naming them, with its rating
    address: str = ""


def search_people(user, query: person_search.SearchQuery, *, limit: int = person_search.RESULTS_MAX):
    """The best matches for ``query`` in the user's tenant, best first. Three queries at most, any register size:
    candidates, the people shown, and their contacts (pg_trgm's thresholds are set once per connection)."""
    if not can_search(user):
        return []
    hits = person_search.search(query, limit=limit)
    if not hits:
        return []
    ids = [h.person_id for h in hits]
    people = Person.objects.in_bulk(ids)
    mentions = defaultdict(list)
    for mention in (
        ContactPerson.objects.filter(person_id__in=ids)
        .select_related("contact", "contact__rating")
        .order_by("-contact__received_at", "-contact_id")
    ):
        mentions[mention.person_id].append(mention)
    today = today_in_london()
    results = []
    for hit in hits:
        person = people.get(hit.person_id)
        if person is None:
            continue
        seen = mentions.get(hit.person_id, [])
        latest = seen[0].contact if seen else None
        results.append(
            SearchResult(
                person=person,
                score=hit.score,
                reasons=hit.reasons,
                age=age_on(person.date_of_birth, today),
                contact_ids=list(dict.fromkeys(m.contact_id for m in seen)),
                latest=latest,
                address=_last_known_address(person, latest),
            )
        )
    return results


def _last_known_address(person: Person, latest: Contact | None) -> str:
    if person.address:
        return ", ".join(part for part in (person.address, _spaced(person.postcode)) if part)
    return _address(latest)


def _spaced(postcode: str) -> str:
    return f"{postcode[:-3]} {postcode[-3:]}" if len(postcode) > 3 else postcode


def _address(contact: Contact | None) -> str:
    if contact is None:
        return ""
    return ", ".join(part for part in (contact.address, contact.postcode.upper()) if part)


# --- the person's record ------------------------------------------------------------------------------------


def person_for(user, pk) -> Person | None:
    """The register entry ``pk`` if the user may see people (None: a 404). A merged duplicate answers with the
    entry it was merged into (at most a short chain; one query per hop)."""
    if not can_search(user):
        return None
    person = Person.objects.filter(pk=pk).first()
    seen = set()
    while person is not None and person.merged_into_id is not None and person.pk not in seen:
        seen.add(person.pk)
        person = Person.objects.filter(pk=person.merged_into_id).first()
    return person


# --- merging duplicates ---------------------------------------------------------------------------------------


def person_to_merge(user, pk) -> Person | None:
    """Register entry ``pk`` of the user's tenant as it is (a merged duplicate stays itself: merging it again is
    refused with a clear error, not silently redirected). None for another tenant's or no entry: a 404."""
    if not can_search(user):
        return None
    try:
        return Person.objects.filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


@dataclass
class MergePreview:
    """What merging ``other`` into ``kept`` would move, shown before staff confirm (four queries)."""

    kept: Person
    other: Person
    contacts: list[str]
    early_help: list[str]
    chronology_entries: int
    links: int

    @property
    def moves_nothing(self) -> bool:
        return not (self.contacts or self.early_help or self.chronology_entries)


def merge_preview(user, kept: Person, other: Person) -> MergePreview:
    contact_ids = list(
        ContactPerson.objects.filter(person=other).order_by("contact_id").values_list("contact_id", flat=True)
    )
    references = list(
        Contact.objects.filter(pk__in=set(contact_ids)).order_by("received_at").values_list("reference", flat=True)
    )
    early_help = sorted(set(EarlyHelpChild.objects.filter(person=other).values_list("request__reference", flat=True)))
    entries = ChronologyEntry.objects.filter(person=other, removed_at__isnull=True).count()
    links = ContactLink.objects.filter(contact_id__in=set(contact_ids), unlinked_at__isnull=True).count()
    return MergePreview(kept, other, references, early_help, entries, links)


def merges_of(person: Person) -> list[PersonMerge]:
    """The merges into ``person``, newest first, with who merged and who undid (one query)."""
    return list(PersonMerge.objects.filter(kept=person).select_related("merged", "merged_by", "unmerged_by"))


@dataclass(frozen=True)
class Event:
    at: datetime
    kind: str
    summary: str
    contact: Contact | None = None
    early_help: EarlyHelpRequest | None = None
    source: str = ""
    significant: bool = False
    entry: ChronologyEntry | None = None

    @property
    def contact_id(self) -> int | None:
        return self.contact.pk if self.contact is not None else None


# Kinds of chronology event, with their labels (the filter on the page, ``kind`` in the API).
KINDS = {
    "contact": "Contact received",
    "rating": "Rating",
    "rerating": "Re-rating",
    "decision": "Decision and outcome",
    "early_help": "Early-help request",
    "early_help_outcome": "Early-help outcome",
    "step_down": "Step down to early help",
    "step_up": "Step up to the MASH",
    "plan": "Early Help Plan",
    "plan_review": "Plan review",
    "early_help_closed": "Early help closed",
    "strategy_discussion": "Strategy discussion",
    "link": "Contacts linked",
    "manual": "Added by hand",
    "born": "Born",
}


@dataclass
class Relative:
    name: str
    relationship: str
    date_of_birth: date | None
    person_id: int | None
    references: list[str]


@dataclass
class PersonRecord:
    person: Person
    age: int | None
    address: str
    school: str
    gp: str
    contacts: list[Contact]
    early_help: list[EarlyHelpRequest]
    household: list[Relative]
    flags: dict
    chronology: list[Event]
    mentions: list[ContactPerson]


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=LONDON)


def _contact_ids_for(person: Person) -> set[int]:
    """Contacts naming the person in any role, or naming a child matched to them (confirmed, or possible and
    strong enough to count as the same child: contacts.selectors). Three queries."""
    ids = set(ContactPerson.objects.filter(person=person).values_list("contact_id", flat=True))
    epoch = datetime(1900, 1, 1, tzinfo=LONDON)
    ids |= {
        cid
        for _p, cid, _at in contact_selectors.child_sightings(
            [person.pk], since=epoch, until=timezone.now() + timedelta(days=1)
        )
    }
    return ids


def person_record(user, person: Person) -> PersonRecord | None:
    """Everything the person's page shows, in a fixed number of queries however long the history."""
    if not can_search(user):
        return None
    contact_ids = _contact_ids_for(person)
    contacts = list(
        Contact.objects.filter(pk__in=contact_ids)
        .select_related("rating", "decision", "decision__decided_by", "strategy_discussion")
        .order_by("-received_at", "-id")
    )
    # A UNION of three index look-ups. (OR-ed in one condition, the sub-select kept PostgreSQL from combining the
    # indexes: it read every early-help request of the tenant, 10 ms a page at 39,000 of them.)
    requests = EarlyHelpRequest.objects.order_by().values("pk")
    early_help_ids = (
        requests.filter(contact_id__in=contact_ids)
        .union(requests.filter(stepped_up_to_id__in=contact_ids), all=True)
        .union(EarlyHelpChild.objects.filter(person=person).order_by().values("request_id"), all=True)
    )
    early_help = list(
        EarlyHelpRequest.objects.filter(pk__in=early_help_ids)
        .select_related("contact", "stepped_up_to")
        .order_by("-received_at", "-id")
    )
    eh_ids = [r.pk for r in early_help]
    plans = {p.request_id: p for p in EarlyHelpPlan.objects.filter(request_id__in=eh_ids)}
    reviews = list(
        PlanReview.objects.filter(plan__request_id__in=eh_ids, recorded_at__isnull=False).select_related("plan")
    )
    ratings = list(RatingHistory.objects.filter(contact_id__in=contact_ids).select_related("rating", "previous_rating"))
    entries = list(ChronologyEntry.objects.filter(person=person, removed_at__isnull=True).select_related("recorded_by"))
    links = list(
        ContactLink.objects.filter(contact_id__in=contact_ids, unlinked_at__isnull=True).select_related(
            "linked_contact", "linked_early_help"
        )
    )
    mentions = list(
        ContactPerson.objects.filter(contact_id__in=contact_ids)
        .select_related("contact")
        .order_by("-contact__received_at", "order", "id")
    )
    by_id = {c.pk: c for c in contacts}
    # Attendees of strategy discussions are kept by agency slug; one query names them all, however many.
    agencies = dict(Agency.objects.values_list("slug", "name"))
    chronology = _chronology(contacts, early_help, plans, reviews, ratings, entries, links, by_id, agencies)
    if person.birth_recorded_at is not None and person.date_of_birth is not None:
        chronology.append(_born(person))
        chronology.sort(key=lambda e: (e.at, e.kind), reverse=True)
    today = today_in_london()
    latest = contacts[0] if contacts else None
    return PersonRecord(
        person=person,
        age=age_on(person.date_of_birth, today),
        address=_address(latest),
        school=next((c.school for c in contacts if c.school), ""),
        gp=next((c.gp for c in contacts if c.gp), ""),
        contacts=contacts,
        early_help=early_help,
        household=_household(person, mentions),
        flags=_flags(contacts, early_help),
        chronology=chronology,
        mentions=[m for m in mentions if m.person_id == person.pk],
    )


def _household(person: Person, mentions: list[ContactPerson]) -> list[Relative]:
    """Everyone else named on the person's contacts, once each (by register entry), latest wording first."""
    found: dict = {}
    for m in mentions:
        if m.person_id == person.pk:
            continue
        key = m.person_id or ("name", m.first_name.lower(), m.last_name.lower(), m.date_of_birth)
        relative = found.get(key)
        if relative is None:
            relationship = "Child" if m.role == PersonRole.CHILD else (m.relationship or m.get_role_display())
            relative = found[key] = Relative(
                f"{m.first_name} {m.last_name}", relationship, m.date_of_birth, m.person_id, []
            )
        if m.contact.reference not in relative.references:
            relative.references.append(m.contact.reference)
    return list(found.values())


def _flags(contacts: list[Contact], early_help: list[EarlyHelpRequest]) -> dict:
    now = timezone.now()
    recent = [c for c in contacts if c.received_at >= now - RECONTACT_WINDOW]
    # Decided as a strategy discussion, or one recorded (a later decision may have moved the outcome on).
    strategy = [c for c in contacts if c.outcome == Outcome.STRATEGY_DISCUSSION or _discussion(c) is not None]
    return {
        "open_contacts": [c for c in contacts if c.status in OPEN_CONTACT],
        "open_early_help": [r for r in early_help if r.status in OPEN_EARLY_HELP],
        "plans": [r for r in early_help if r.status == EarlyHelpStatus.PLAN],
        "strategy_discussions": strategy,
        "contacts_last_12_months": len(recent),
        "recontacts_last_12_months": max(len(recent) - 1, 0),
    }


def _discussion(contact: Contact) -> StrategyDiscussion | None:
    """The strategy discussion recorded on ``contact`` (read with it: no query), or None."""
    try:
        return contact.strategy_discussion
    except StrategyDiscussion.DoesNotExist:
        return None


def _strategy_summary(contact: Contact, sd: StrategyDiscussion, agencies: dict) -> str:
    attended = ", ".join(
        f"{p.get('name', '')} ({agencies.get(p.get('agency'), p.get('agency'))})" for p in sd.attendees
    )
    summary = (
        f"Strategy discussion on {contact.reference}, chaired by {sd.chair}: {sd.get_decision_display()}."
        f" Attended: {attended}."
    )
    if sd.conference:
        summary += " An initial child protection conference is to be convened."
    return summary


def _born(person: Person) -> Event:
    """A pre-birth referral's child was born: staff recorded the birth on the same record (contacts' record_birth)."""
    born, due = person.date_of_birth, person.expected_date
    summary = f"Born on {born.day} {born:%B %Y}"
    if due:
        summary += f" (expected {due.day} {due:%B %Y})"
    recorded = timezone.localdate(person.birth_recorded_at, LONDON)
    return Event(_midnight(born), "born", f"{summary}. Birth recorded on {recorded.day} {recorded:%B %Y}.")


def _rating_summary(h: RatingHistory) -> tuple[str, str]:
    if h.previous_rating_id:
        return "rerating", f"Re-rated from {h.previous_rating.label} to {h.rating.label}: {h.reason}"
    return "rating", f"Rated {h.rating.label}: {h.rationale}"


def _chronology(contacts, early_help, plans, reviews, ratings, entries, links, by_id, agencies) -> list[Event]:
    events: list[Event] = []
    for c in contacts:
        source = c.get_source_display()
        events.append(
            Event(
                c.received_at,
                "contact",
                f"Contact {c.reference} received ({c.get_channel_display()}, {source}).",
                contact=c,
            )
        )
        decision = getattr(c, "decision", None) if hasattr(c, "decision") else None
        if decision is not None:
            events.append(
                Event(
                    decision.decided_at,
                    "decision",
                    f"Decision on {c.reference}: {decision.get_outcome_display()}. {decision.reason}",
                    contact=c,
                )
            )
        discussion = _discussion(c)
        if discussion is not None:
            events.append(
                Event(discussion.held_at, "strategy_discussion", _strategy_summary(c, discussion, agencies), contact=c)
            )
    for h in ratings:
        kind, summary = _rating_summary(h)
        events.append(
            Event(h.rated_at, kind, f"{by_id[h.contact_id].reference}: {summary}", contact=by_id[h.contact_id])
        )
    for r in early_help:
        if r.contact_id:
            events.append(
                Event(
                    r.received_at,
                    "step_down",
                    f"Stepped down from {r.contact.reference} to early help ({r.reference}).",
                    contact=r.contact,
                    early_help=r,
                )
            )
        else:
            events.append(
                Event(r.received_at, "early_help", f"Early-help request {r.reference} received.", early_help=r)
            )
        if r.outcome_at:
            events.append(
                Event(
                    r.outcome_at,
                    "early_help_outcome",
                    f"{r.reference}: {r.get_outcome_display()}."
                    + (f" Lead professional: {r.lead_professional}." if r.lead_professional else ""),
                    early_help=r,
                )
            )
        plan = plans.get(r.pk)
        if plan is not None:
            events.append(
                Event(
                    plan.started_at,
                    "plan",
                    f"{r.reference}: Early Help Plan agreed with {plan.lead_professional}.",
                    early_help=r,
                )
            )
        if r.stepped_up_at:
            target = r.stepped_up_to
            events.append(
                Event(
                    r.stepped_up_at,
                    "step_up",
                    f"Stepped up from {r.reference} to the MASH"
                    + (f" ({target.reference})" if target else "")
                    + f": {r.step_up_reason}",
                    contact=target,
                    early_help=r,
                )
            )
        if r.closed_at and r.status != EarlyHelpStatus.STEPPED_UP:
            events.append(
                Event(
                    r.closed_at,
                    "early_help_closed",
                    f"{r.reference} closed: {r.get_closure_reason_display()}.",
                    early_help=r,
                )
            )
    eh_by_id = {r.pk: r for r in early_help}
    for review in reviews:
        request = eh_by_id[review.plan.request_id]
        at = _midnight(review.held_on) if review.held_on else review.recorded_at
        events.append(
            Event(
                at,
                "plan_review",
                f"{request.reference}: plan review {review.number}, "
                f"{review.get_progress_display().lower()}. {review.notes}",
                early_help=request,
            )
        )
    for link in links:
        events.append(
            Event(
                link.linked_at,
                "link",
                f"{by_id[link.contact_id].reference} linked to {link.linked_reference}.",
                contact=by_id[link.contact_id],
            )
        )
    for entry in entries:
        events.append(
            Event(
                _midnight(entry.occurred_on),
                "manual",
                entry.summary,
                source=entry.source,
                significant=entry.significant,
                entry=entry,
            )
        )
    events.sort(key=lambda e: (e.at, e.kind), reverse=True)
    return events


@dataclass(frozen=True)
class ChronologyFilter:
    kinds: frozenset = frozenset()
    since: date | None = None
    until: date | None = None

    def apply(self, events: list[Event]) -> list[Event]:
        out = events
        if self.kinds:
            out = [e for e in out if e.kind in self.kinds]
        if self.since:
            out = [e for e in out if timezone.localdate(e.at, LONDON) >= self.since]
        if self.until:
            out = [e for e in out if timezone.localdate(e.at, LONDON) <= self.until]
        return out


# --- contacts that belong together ----------------------------------------------------------------------


@dataclass(frozen=True)
class AlsoOpen:
    reference: str
    contact: Contact | None = None
    early_help: EarlyHelpRequest | None = None
    link: ContactLink | None = None

    @property
    def linked(self) -> bool:
        return self.link is not None


def attach_also_open(contacts) -> None:
    """Set ``also_open`` on each contact: the other open contacts and open early-help requests about the same
    children (same register entry, or a match that counts as the same child), each with its live link if
    triage linked them. Four queries for any number of contacts, and a fifth for the children's register entries
    unless the re-contact flag already worked them out (``contacts.selectors.child_register_entries``)."""
    contacts = list(contacts)
    if not contacts:
        return
    for contact in contacts:
        contact.also_open = []
    contact_selectors.child_register_entries(contacts)
    persons = set().union(*(entries for c in contacts for entries in c.child_entries.values()))
    if not persons:
        return
    # Indexed by register entry, so each contact reads only its own children's entries (the page's rows times
    # everything open about any of them was measured at 54 ms for a page of the queue). Only the columns the
    # tag, the contact page's table and the step-up/step-down check read.
    open_contacts: dict[int, list[ContactPerson]] = defaultdict(list)
    for mention in (
        ContactPerson.objects.filter(person_id__in=persons, role=PersonRole.CHILD, contact__status__in=OPEN_CONTACT)
        .select_related("contact")
        .only("person_id", "contact_id", "contact__reference", "contact__status", "contact__tenant_id")
        .order_by()
    ):
        open_contacts[mention.person_id].append(mention)
    open_help: dict[int, list[EarlyHelpChild]] = defaultdict(list)
    for child in (
        EarlyHelpChild.objects.filter(person_id__in=persons, request__status__in=OPEN_EARLY_HELP)
        .select_related("request")
        .only(
            "person_id",
            "request_id",
            "request__reference",
            "request__status",
            "request__contact_id",
            "request__stepped_up_to_id",
            "request__tenant_id",
        )
        .order_by()
    ):
        open_help[child.person_id].append(child)
    links = list(ContactLink.objects.filter(contact_id__in=[c.pk for c in contacts], unlinked_at__isnull=True))
    live = {(lk.contact_id, lk.linked_contact_id, lk.linked_early_help_id): lk for lk in links}
    for contact in contacts:
        mine = set().union(*contact.child_entries.values())
        seen = set()
        for person_id in mine:
            for m in open_contacts.get(person_id, ()):
                if m.contact_id != contact.pk and ("c", m.contact_id) not in seen:
                    seen.add(("c", m.contact_id))
                    link = live.get((contact.pk, m.contact_id, None))
                    contact.also_open.append(AlsoOpen(m.contact.reference, contact=m.contact, link=link))
        for person_id in mine:
            for child in open_help.get(person_id, ()):
                if ("e", child.request_id) in seen:
                    continue
                if child.request.contact_id == contact.pk or child.request.stepped_up_to_id == contact.pk:
                    continue  # its own step-down or step-up, already shown on the contact
                seen.add(("e", child.request_id))
                link = live.get((contact.pk, None, child.request_id))
                contact.also_open.append(AlsoOpen(child.request.reference, early_help=child.request, link=link))
        contact.also_open.sort(key=lambda a: a.reference)
