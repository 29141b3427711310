"""Strategy discussions (section 47, Working Together 2023): recorded after a decision to hold one, on their
own clock from that decision (the tenant's policy; default one working day), met when recorded."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from contacts.choices import Outcome
from contacts.models import Contact
from deadlines.selectors import open_clock_for
from deadlines.services import meet_clock, start_clock
from mash import audit
from mash.exceptions import Conflict, NotAllowed, PolicyViolation
from mash.models import Agency
from mash.roles import Role
from thresholds.models import ClockKind

from .choices import STRATEGY_REQUIRED_AGENCIES, StrategyDecision
from .models import TEXT_MAX, StrategyDiscussion

RECORDERS = frozenset({Role.MANAGER, Role.TRIAGE})


def start_strategy_clock(contact: Contact, *, actor, at: datetime):
    """The decision was a strategy discussion: its own clock starts now; the managers are responsible."""
    return start_clock(
        tenant=contact.tenant,
        kind=ClockKind.STRATEGY_DISCUSSION,
        subject=contact,
        started_at=at,
        responsible=[actor],
        responsible_roles=[Role.MANAGER],  # the managers in post when the warning is due
        label=contact.reference,
        url=reverse("triage:contact", args=[contact.pk]),
        actor=actor,
    )


def _text(value, *, field: str, label: str, required: bool = False, max_length: int = TEXT_MAX) -> str:
    value = value.strip() if isinstance(value, str) else ""
    if required and not value:
        raise PolicyViolation(f"Enter {label}.", field=field)
    if len(value) > max_length:
        raise PolicyViolation(f"Enter {label} in {max_length:,} characters or fewer.", field=field)
    return value


def _attendees(raw) -> list[dict]:
    if not isinstance(raw, list) or not raw:
        raise PolicyViolation("List who attended, each with their agency and name.", field="attendees")
    slugs = set(Agency.objects.filter(active=True).values_list("slug", flat=True))
    people = []
    for item in raw[:50]:
        if not isinstance(item, dict):
            raise PolicyViolation("Give each attendee as an agency and a name.", field="attendees")
        agency = str(item.get("agency") or "").strip()
        name = str(item.get("name") or "").strip()[:200]
        if agency not in slugs:
            raise PolicyViolation(f"No such agency in your hub: {agency or 'blank'}.", field="attendees")
        if not name:
            raise PolicyViolation("Enter the name of each attendee.", field="attendees")
        people.append({"agency": agency, "name": name})
    missing = [words for slug, words in STRATEGY_REQUIRED_AGENCIES.items() if slug not in {p["agency"] for p in people}]
    if missing:
        raise PolicyViolation(
            f"A strategy discussion must include {' and '.join(missing)} (Working Together 2023).", field="attendees"
        )
    return people


def _actions(raw) -> list[dict]:
    if raw in (None, ""):
        return []
    if not isinstance(raw, list):
        raise PolicyViolation("Give the actions as a list, each with an owner and a due date.", field="actions")
    actions = []
    for item in raw[:50]:
        if not isinstance(item, dict) or not str(item.get("action") or "").strip():
            raise PolicyViolation("Say what each action is.", field="actions")
        if not str(item.get("owner") or "").strip():
            raise PolicyViolation("Give each action an owner.", field="actions")
        actions.append({k: str(item.get(k) or "").strip()[:500] for k in ("action", "owner", "due")})
    return actions


@transaction.atomic
def record_strategy_discussion(
    *, contact: Contact, actor, held_at, chair, attendees, decision, notes="", shared="", actions=(), conference=False
) -> StrategyDiscussion:
    """Record the strategy discussion: police and health attended, children's social care chaired. Meets its
    clock (late if after its due time). Once per contact. Audited."""
    if actor is None or actor.role not in RECORDERS:
        raise NotAllowed("Only MASH managers and triage social workers may record a strategy discussion.")
    if not isinstance(held_at, datetime) or timezone.is_naive(held_at):
        raise PolicyViolation("Give when it was held, with its time zone.", field="held_at")
    if held_at > timezone.now():
        raise PolicyViolation("A strategy discussion is recorded once it has been held.", field="held_at")
    chair = _text(chair, field="chair", label="who chaired it", required=True, max_length=200)
    people = _attendees(attendees)
    if decision not in StrategyDecision.values:
        raise PolicyViolation("Choose what the strategy discussion decided.", field="decision")
    notes = _text(notes, field="notes", label="the notes")
    shared = _text(shared, field="shared", label="what was shared")
    actions = _actions(list(actions) if isinstance(actions, tuple) else actions)
    contact = Contact.objects.select_for_update(of=("self",)).get(pk=contact.pk)
    if contact.outcome != Outcome.STRATEGY_DISCUSSION:
        raise Conflict(f"Contact {contact.reference} was not decided as a strategy discussion.")
    # Times are typed to the minute: one held in the minute the contact arrived is not before it.
    if held_at < contact.received_at.replace(second=0, microsecond=0):
        raise PolicyViolation("It cannot have been held before the contact was received.", field="held_at")
    clock = open_clock_for(subject=contact, kind=ClockKind.STRATEGY_DISCUSSION)
    try:
        with transaction.atomic():
            discussion = StrategyDiscussion.objects.create(
                contact=contact, held_at=held_at, chair=chair, attendees=people, shared=shared,
                decision=decision, notes=notes, actions=actions, conference=bool(conference),
                due_at=clock.due_at if clock else None, recorded_by=actor, recorded_at=timezone.now(),
            )  # fmt: skip
    except IntegrityError:
        raise Conflict(f"The strategy discussion for {contact.reference} has already been recorded.") from None
    if clock is not None:
        meet_clock(clock=clock, at=held_at, actor=actor)
    audit.record(
        actor=actor,
        action="strategy_discussion.recorded",
        obj=contact,
        changes={
            "held_at": held_at.isoformat(),
            "chair": chair,
            "agencies": sorted({p["agency"] for p in people}),
            "decision": decision,
            "conference": bool(conference),
        },
    )
    return discussion
