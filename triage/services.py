"""Every state change of triage: take, rate, decide, tell the referrer, and the working record around them.

Contact-level changes (take, rate, decide) lock the contact's row and compare its ``version`` with
the one the worker saw: the first change wins, the other is told who changed it (``Conflict``, 409),
and nothing is overwritten.
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from contacts import bounces
from contacts import services as contact_services
from contacts.choices import Bounce, ContactStatus, Outcome, PersonRole
from contacts.models import IDENTITY_CHECK_MAX, Contact
from deadlines.selectors import open_clock_for
from deadlines.services import meet_clock, notify, retime_clock, start_clock
from earlyhelp import selectors as earlyhelp_selectors
from earlyhelp import services as earlyhelp_services
from mash import audit, timefmt
from mash.exceptions import Conflict, NotAllowed, PolicyViolation
from mash.models import Agency, AuditEvent
from mash.roles import Role
from navigators import services as navigator_services
from navigators.models import OUTSTANDING, InformationRequest
from thresholds.calendars import calendar_for
from thresholds.models import AgenciesAsked, ClockKind, DeadlineUnit, Rating, ThresholdIndicator

from . import cpis, handover
from .alerts import alert_immediate_action
from .choices import FACTOR_CODES, NO_FACTORS, Perspective, PrimaryNeed, SharingBasis
from .models import (
    REASON_MAX,
    SAFETY_MAP_FIELDS,
    TEXT_MAX,
    CaseNote,
    Decision,
    RatingHistory,
    ReferrerCall,
    SafetyScale,
    SharingDecision,
    SignsOfSafetyMap,
    ThresholdJudgement,
)
from .selectors import OPEN_STATUSES
from .strategy import start_strategy_clock

log = logging.getLogger(__name__)

TRIAGE_ROLES = frozenset({Role.TRIAGE, Role.MANAGER})
DECIDERS = frozenset({Role.MANAGER})
# Who works the queue (heads of service may look at it too).
QUEUE_ROLES = frozenset({Role.TRIAGE, Role.MANAGER, Role.HEAD})
# Outcomes that make the child a child in need: the census primary need and factors apply to them.
CIN_OUTCOMES = frozenset({Outcome.ASSESSMENT, Outcome.STRATEGY_DISCUSSION})

# What happens next, in words for the referrer: never other agencies' information.
NEXT_STEPS = {
    Outcome.NFA: "Children's social care will take no further action. If you have new worries about the "
                 "child, please make a new referral.",
    Outcome.ADVICE: "The MASH has given information and advice. No further social care involvement is planned; "
                    "please keep supporting the family and make a new referral if things change.",
    Outcome.EARLY_HELP: "The family will be offered Early Help. The Early Help Hub will contact the family and "
                        "tell you the name of the lead professional.",
    Outcome.ASSESSMENT: "A social worker will carry out a children and families assessment (section 17) and may "
                        "contact you as part of it.",
    Outcome.STRATEGY_DISCUSSION: "A strategy discussion will be held to decide whether a child protection "
                                 "enquiry (section 47) is needed. A social worker may contact you.",
    Outcome.OTHER_SERVICE: "The family has been referred to another service that can help them.",
}  # fmt: skip


# --- shared checks ----------------------------------------------------------------------------------


def _require(actor, roles, what: str) -> None:
    if actor is None or actor.role not in roles:
        raise NotAllowed(f"Your role may not {what}.")


def _text(value, *, field: str, label: str, required: bool = True, max_length: int = TEXT_MAX) -> str:
    value = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
    if required and not value:
        raise PolicyViolation(f"Enter {label}.", field=field)
    if len(value) > max_length:
        raise PolicyViolation(f"{label[0].upper()}{label[1:]} must be {max_length:,} characters or fewer.", field=field)
    return value


def last_change(contact: Contact) -> AuditEvent | None:
    """The latest change (not a read) to the contact itself: who changed it, for a conflict message."""
    return (
        AuditEvent.objects.filter(
            tenant_id=contact.tenant_id, object_type=Contact._meta.label_lower, object_id=str(contact.pk)
        )
        .exclude(action__endswith=".viewed")
        .order_by("-at", "-id")
        .first()
    )


def _conflict(contact: Contact, what: str = "") -> Conflict:
    event = last_change(contact)
    who = ""
    if event is not None:
        when = timefmt.govuk_time(event.at, ZoneInfo(contact.tenant.time_zone))
        who = f" {event.actor_label} changed it at {when} ({event.action.replace('_', ' ').replace('.', ' ')})."
    return Conflict(
        f"Someone else changed contact {contact.reference} while you were looking at it.{who} "
        f"Nothing you sent was saved{': ' + what if what else ''}. Reload the page to see their change."
    )


def _locked(contact: Contact, *, version: int | None) -> Contact:
    """The contact's row, locked until the transaction ends; a stale ``version`` is a conflict."""
    locked = (
        Contact.objects.select_for_update(of=("self",))
        .select_related("rating", "tenant", "assigned_to")
        .get(pk=contact.pk)
    )
    if version is not None and int(version) != locked.version:
        raise _conflict(locked)
    return locked


def _save(contact: Contact, fields: list[str]) -> None:
    contact.version += 1
    contact.save(update_fields=[*fields, "version", "updated_at"])


# --- taking a contact ---------------------------------------------------------------------------------


@transaction.atomic
def take_contact(*, contact: Contact, actor, version: int | None = None) -> Contact:
    """A social worker takes the contact: it is theirs to screen. Someone else's contact is a conflict."""
    _require(actor, TRIAGE_ROLES, "take contacts")
    contact = _locked(contact, version=version)
    if contact.status not in OPEN_STATUSES:
        raise Conflict(f"Contact {contact.reference} has already been decided.")
    if contact.assigned_to_id == actor.pk:
        return contact
    if contact.assigned_to_id is not None and version is None:
        raise Conflict(f"{contact.assigned_to.get_full_name() or contact.assigned_to.get_username()} has already "
                       f"taken contact {contact.reference}.")  # fmt: skip
    before = contact.assigned_to.get_username() if contact.assigned_to_id else None
    status_before = contact.status
    contact.assigned_to = actor
    fields = ["assigned_to"]
    if contact.status == ContactStatus.RECEIVED:
        contact.status = ContactStatus.IN_TRIAGE
        fields.append("status")
    _save(contact, fields)
    audit.record(
        actor=actor,
        action="contact.taken",
        obj=contact,
        changes={"assigned_to": [before, actor.get_username()], "status": [status_before, contact.status]},
    )
    return contact


# --- rating -------------------------------------------------------------------------------------------


def _agencies_for(rating: Rating, slugs) -> list[Agency]:
    if rating.agencies_asked == AgenciesAsked.NONE:
        return []
    active = Agency.objects.filter(active=True).order_by("name")
    if rating.agencies_asked == AgenciesAsked.ALL:
        return list(active)
    slugs = [str(s).strip() for s in (slugs or []) if str(s).strip()]
    if not slugs:
        raise PolicyViolation(f"{rating.label} asks selected agencies: choose at least one agency.", field="agencies")
    found = {a.slug: a for a in active.filter(slug__in=slugs)}
    unknown = sorted(set(slugs) - set(found))
    retired = list(Agency.objects.filter(active=False, slug__in=unknown).order_by("name"))
    if retired:
        names = ", ".join(a.name for a in retired)
        raise PolicyViolation(
            f"{names} {'is' if len(retired) == 1 else 'are'} retired: asked nothing new.", field="agencies"
        )
    if unknown:
        raise PolicyViolation(f"No such agency in your hub: {', '.join(unknown)}.", field="agencies")
    return [found[s] for s in dict.fromkeys(slugs)]


@transaction.atomic
@audit.batched()  # inside the transaction: the rating's own events in one INSERT
def rate_contact(
    *,
    contact: Contact,
    actor,
    rating_code: str,
    rationale: str,
    agencies=(),
    reason: str = "",
    version: int | None = None,
    at: datetime | None = None,
) -> RatingHistory:
    """Rate (or re-rate) the contact: the tenant's rating decides which agencies are asked and by when.

    Requests and their clocks are created in this transaction. A re-rating needs a reason, is kept in
    the history, brings open requests' deadlines forward (never later) and asks newly required
    agencies. A rating that asks no agency (Blue) leaves the contact ready for a decision.
    """
    _require(actor, TRIAGE_ROLES, "rate contacts")
    at = at or timezone.now()
    rationale = _text(rationale, field="rationale", label="why you chose this rating")
    reason = _text(reason, field="reason", label="the reason", required=False, max_length=REASON_MAX)
    rating = Rating.objects.filter(code=str(rating_code or ""), active=True).first()
    if rating is None:
        raise PolicyViolation("Choose one of your hub's ratings.", field="rating")
    contact = _locked(contact, version=version)
    if contact.status not in OPEN_STATUSES:
        raise Conflict(f"Contact {contact.reference} has already been decided; it can no longer be rated.")
    previous = contact.rating
    if previous is not None:
        if previous.pk == rating.pk:
            raise PolicyViolation(f"This contact is already rated {rating.label}.", field="rating")
        if not reason:
            raise PolicyViolation(
                f"Say why you are changing the rating from {previous.label} to {rating.label}.", field="reason"
            )
    agencies_to_ask = _agencies_for(rating, agencies)
    moved = []
    if previous is not None:
        moved = navigator_services.bring_forward(contact=contact, rating=rating, actor=actor, reason=reason, at=at)
    opened = navigator_services.open_requests(
        contact=contact, rating=rating, agencies=agencies_to_ask, actor=actor, at=at
    )
    status_before = contact.status
    outstanding = InformationRequest.objects.filter(contact=contact, status__in=OUTSTANDING).exists()
    contact.rating = rating
    contact.status = ContactStatus.ENQUIRY if outstanding else ContactStatus.IN_TRIAGE
    fields = ["rating", "status"]
    if contact.assigned_to_id is None:
        contact.assigned_to = actor
        fields.append("assigned_to")
    _save(contact, fields)
    brought_forward = _bring_decision_forward(contact, rating=rating, actor=actor)
    entry = RatingHistory.objects.create(
        contact=contact,
        rating=rating,
        previous_rating=previous,
        rationale=rationale,
        reason=reason,
        agencies=[a.slug for a in agencies_to_ask],
        rated_by=actor,
        rated_at=at,
    )
    audit.record(
        actor=actor,
        action="contact.rerated" if previous else "contact.rated",
        obj=contact,
        changes={
            "rating": [previous.code if previous else None, rating.code],
            "rationale": rationale,
            **({"reason": reason} if reason else {}),
            "agencies_asked": [r.agency.slug for r in opened],
            "deadlines_brought_forward": len(moved),
            "status": [status_before, contact.status],
        },
    )
    if rating.immediate:
        alert_immediate_action(contact=contact, reason=f"rated {rating.label} ({rationale[:120]})", actor=actor)
    if brought_forward is not None:
        audit.record(
            actor=actor,
            action="contact.decision_brought_forward",
            obj=contact,
            changes={"decision_due_at": [d.isoformat() for d in brought_forward], "by_rating": rating.code},
        )
    return entry


def _bring_decision_forward(contact: Contact, *, rating: Rating, actor) -> tuple[datetime, datetime] | None:
    """A rating with its own decision deadline re-times the decision clock to the earlier of the two,
    counted from receipt; never later (a re-rating down keeps the earlier deadline). Returns (old, new)
    when the deadline moved. The contact shows the clock's due time (the row is locked by the caller)."""
    deadline = rating.decision_deadline
    clock = open_clock_for(subject=contact, kind=ClockKind.DECISION)
    if deadline is None or clock is None:
        return None
    due_at = calendar_for(contact.tenant).add(contact.received_at, deadline["amount"], deadline["unit"])
    if due_at >= clock.due_at:
        return None
    old = clock.due_at
    clock = retime_clock(
        clock=clock,
        due_at=max(due_at, clock.started_at),
        actor=actor,
        reason=f"Rated {rating.label}: decision due within {_describe(deadline)} of receipt.",
    )
    contact.decision_due_at = clock.due_at
    _save(contact, ["decision_due_at"])
    return old, clock.due_at


def _describe(deadline: dict) -> str:
    amount = deadline["amount"].normalize()
    unit = DeadlineUnit(deadline["unit"]).label
    return f"{amount:f} {unit[:-1] if amount == 1 else unit}"


# --- the decision and the feedback ----------------------------------------------------------------------


def _clean_codes(outcome: str, primary_need: str, factors) -> tuple[str, list[str]]:
    primary_need = (primary_need or "").strip()
    factors = [str(f).strip().upper() for f in (factors or []) if str(f).strip()]
    if outcome not in CIN_OUTCOMES:
        if primary_need or factors:
            raise PolicyViolation(
                "The primary need and assessment factors apply only to an assessment or a strategy discussion.",
                field="primary_need" if primary_need else "factors",
            )
        return "", []
    if primary_need not in PrimaryNeed.values:
        raise PolicyViolation("Choose the child's primary need (N0 to N9).", field="primary_need")
    unknown = [f for f in factors if f not in FACTOR_CODES]
    if unknown:
        raise PolicyViolation(f"Not a factor code of the census: {', '.join(unknown)}.", field="factors")
    if NO_FACTORS in factors and len(set(factors)) > 1:
        raise PolicyViolation("21 (no factors identified) cannot be given with another factor.", field="factors")
    return primary_need, list(dict.fromkeys(factors))


@transaction.atomic
def decide_contact(
    *,
    contact: Contact,
    actor,
    outcome: str,
    reason: str,
    override_reason: str = "",
    primary_need: str = "",
    factors=(),
    feedback: str = "",
    version: int | None = None,
    team=None,
    service_name: str = "",
    service_contact: str = "",
) -> Decision:
    """The manager decides next steps on the fullest picture.

    Deciding before every return is in needs an override reason; the outstanding requests are then
    closed. Meets the decision clock, steps down to Early Help when that is the outcome, and sends the
    referrer proportionate feedback on its own clock. A passing-on outcome may name its receiving ``team``
    (or an outside service) at once: the summary goes to them. The agencies that returned are told the outcome.
    """
    _require(actor, DECIDERS, "decide outcomes (MASH team managers only)")
    if outcome not in Outcome.values:
        raise PolicyViolation("Choose an outcome.", field="outcome")
    reason = _text(reason, field="reason", label="the reason for the decision")
    override_reason = _text(
        override_reason, field="override_reason", label="the override reason", required=False, max_length=REASON_MAX
    )
    feedback = _text(feedback, field="feedback", label="the message to the referrer", required=False)
    primary_need, factors = _clean_codes(outcome, primary_need, factors)
    contact = _locked(contact, version=version)
    if contact.status not in OPEN_STATUSES:
        raise Conflict(f"Contact {contact.reference} has already been decided.")
    outstanding = InformationRequest.objects.filter(contact=contact, status__in=OUTSTANDING).count()
    if outstanding and not override_reason:
        raise PolicyViolation(
            f"{outstanding} information request{'s are' if outstanding != 1 else ' is'} still outstanding: "
            "say why you are deciding before every return is in.",
            field="override_reason",
        )
    without_cpis = cpis.missing_required_check(contact)
    if without_cpis and not override_reason:
        raise PolicyViolation(
            f"A {contact.rating.label} contact needs a CP-IS check before the decision: record the check, "
            "or say why you are deciding without one.",
            field="override_reason",
        )
    now = timezone.now()
    # Always: besides closing what is still waiting, it narrows every agency's grant to read-only.
    closed = navigator_services.close_outstanding(
        contact=contact,
        actor=actor,
        reason=f"Decided before the return: {override_reason}" if outstanding else "The MASH decision was made.",
    )
    decision = Decision.objects.create(
        contact=contact,
        outcome=outcome,
        reason=reason,
        override_reason=override_reason if outstanding or without_cpis else "",
        primary_need=primary_need,
        factors=factors,
        requests_closed=len(closed),
        decided_by=actor,
        decided_at=now,
    )
    status_before = contact.status
    contact.outcome = outcome
    contact.status = ContactStatus.DECIDED
    contact.decided_at = now
    contact.decided_by = actor
    bounced = outcome == Outcome.EARLY_HELP and _stepped_up_then_down(contact, now=now)
    _save(contact, ["outcome", "status", "decided_at", "decided_by", *(bounces.FIELDS if bounced else [])])
    clock = open_clock_for(subject=contact, kind=ClockKind.DECISION)
    if clock is not None:
        meet_clock(clock=clock, at=now, actor=actor)
    audit.record(
        actor=actor,
        action="contact.decided",
        obj=contact,
        changes={
            "outcome": outcome,
            "reason": reason,
            **({"override_reason": override_reason, "requests_closed": len(closed)} if outstanding else {}),
            **({"override_reason": override_reason, "cpis_check_missing": True} if without_cpis else {}),
            **({"primary_need": primary_need, "factors": factors} if primary_need else {}),
            "status": [status_before, contact.status],
        },
    )
    if bounced:
        bounces.record(contact, actor=actor)
    if outcome == Outcome.EARLY_HELP:
        earlyhelp_services.create_from_contact(contact=contact, actor=actor, reason=reason)
    if outcome == Outcome.STRATEGY_DISCUSSION:
        start_strategy_clock(contact, actor=actor, at=now)
    _start_feedback_clock(contact, actor=actor, at=now)
    send_feedback(contact=contact, actor=actor, note=feedback)
    if outcome in handover.PASSING_ON and (team not in (None, "") or service_name):
        handover.send_handover(
            contact=contact, actor=actor, team=team, service_name=service_name, service_contact=service_contact
        )
    handover.tell_partners(contact=contact, actor=actor)
    return decision


def _stepped_up_then_down(contact: Contact, *, now: datetime) -> bool:
    """Seed 001: a child stepped up from early help (this contact, or another about the same child) and now
    stepped down again within the tenant's window is bouncing between tiers. Marks the contact (unsaved)."""
    if contact.bounce:
        return False
    up = earlyhelp_selectors.latest_step_up(
        bounces.contacts_about(bounces.children_of(contact)), since=now - bounces.window(contact.tenant), until=now
    )
    if up is None:
        return False
    return bounces.mark(contact, kind=Bounce.STEPPED_UP_THEN_DOWN, since=up.stepped_up_at, reference=up.reference)


def _referrer_reachable(contact: Contact) -> bool:
    return contact.submitted_by_id is not None or bool(contact.referrer_email)


def _start_feedback_clock(contact: Contact, *, actor, at: datetime):
    if not _referrer_reachable(contact):
        return None
    return start_clock(
        tenant=contact.tenant,
        kind=ClockKind.REFERRER_FEEDBACK,
        subject=contact,
        started_at=at,
        responsible=[actor],
        responsible_roles=[Role.MANAGER],  # the managers in post when the warning is due
        label=contact.reference,
        url=reverse("contacts:detail", args=[contact.pk]),
        actor=actor,
    )


def feedback_message(contact: Contact, *, note: str = "") -> str:
    """Proportionate feedback: the outcome and what happens next. Never other agencies' information."""
    children = [p for p in contact.people.all() if p.role == PersonRole.CHILD]
    about = ", ".join(f"{p.first_name} {p.last_name}".strip() for p in children) or "the child"
    parts = [
        f"Thank you for your referral {contact.reference} about {about}.",
        f"Outcome: {Outcome(contact.outcome).label}.",
        f"What happens next: {NEXT_STEPS[Outcome(contact.outcome)]}",
    ]
    if note:
        parts.append(note)
    return "\n\n".join(parts)


@transaction.atomic
def send_feedback(*, contact: Contact, actor, note: str = "") -> Contact:
    """Tell the referrer the outcome (in-app notice to their account, and email), and meet the feedback clock.

    A member of the public whose identity the hub has not verified is emailed the reference and nothing else
    (``contacts.services.public_acknowledgement``); the outcome waits, written, until someone verifies them.
    """
    _require(actor, DECIDERS, "send feedback to referrers")
    contact = (
        Contact.objects.select_for_update(of=("self",)).select_related("tenant", "submitted_by").get(pk=contact.pk)
    )
    if contact.status != ContactStatus.DECIDED or not contact.outcome:
        raise Conflict("Feedback goes to the referrer once the contact is decided.")
    contact.feedback_to_referrer = feedback_message(contact, note=note)
    return _tell_referrer(contact, actor=actor)


def _tell_referrer(contact: Contact, *, actor) -> Contact:
    """Send ``contact.feedback_to_referrer`` where it may go (the row is locked by the caller); audited."""
    message = contact.feedback_to_referrer
    withheld = not contact.outcome_may_go_to_reporter
    now = timezone.now()
    told = []
    if contact.submitted_by is not None:
        notify(
            recipient=contact.submitted_by,
            subject=contact.reference,
            message=message,
            url=reverse("contacts:detail", args=[contact.pk]),
        )
        told.append("account")
    address = contact.referrer_email
    if address and (contact.submitted_by is None or contact.submitted_by.email.lower() != address.lower()):
        if withheld:
            subject = f"MASH: your report {contact.reference}"
            body = contact_services.public_acknowledgement(contact, considered=True)
        else:
            subject, body = f"MASH: outcome of referral {contact.reference}", message
        transaction.on_commit(lambda: send_mail(subject, body, None, [address], fail_silently=True), robust=True)
        told.append("email")
    # Sent means the outcome went; an acknowledgement to an unverified member of the public is not that.
    contact.feedback_sent_at = now if told and not withheld else None
    _save(contact, ["feedback_to_referrer", "feedback_sent_at"])
    if withheld:
        action = "contact.feedback_withheld"
    else:
        action = "contact.feedback_sent" if told else "contact.feedback_recorded"
    audit.record(
        actor=actor,
        action=action,
        obj=contact,
        changes={"to": told, "outcome": contact.outcome, **({"sent": "reference only"} if withheld else {})},
    )
    clock = open_clock_for(subject=contact, kind=ClockKind.REFERRER_FEEDBACK)
    if clock is not None and told:  # the reporter has had the answer the hub may give them
        meet_clock(clock=clock, at=now, actor=actor)
    return contact


@transaction.atomic
def verify_reporter_identity(*, contact: Contact, actor, check: str, version: int | None = None) -> Contact:
    """Record that the hub has confirmed who a member of the public is (e.g. called them back on the number
    they gave). From then on they are told the outcome; if it was decided already, it is sent now."""
    _require(actor, TRIAGE_ROLES, "verify who a reporter is")
    check = _text(check, field="check", label="how you confirmed who they are", max_length=IDENTITY_CHECK_MAX)
    contact = _locked(contact, version=version)
    if not contact.reporter_is_public:
        raise PolicyViolation(
            f"{contact.reference} came from a professional: their feedback does not wait for a check.", field="check"
        )
    if contact.reporter_identity_verified:
        raise Conflict(f"Who made report {contact.reference} has already been verified.")
    contact.reporter_identity_verified_at = timezone.now()
    contact.reporter_identity_verified_by = actor
    contact.reporter_identity_check = check
    _save(contact, ["reporter_identity_verified_at", "reporter_identity_verified_by", "reporter_identity_check"])
    audit.record(actor=actor, action="contact.reporter_identity_verified", obj=contact, changes={"check": check})
    if contact.outcome and contact.feedback_to_referrer and contact.feedback_sent_at is None:
        _tell_referrer(contact, actor=actor)  # the outcome, held back until now
    return contact


# --- the working record ------------------------------------------------------------------------------------


@transaction.atomic
def save_safety_map(
    *, contact: Contact, actor, values: dict, scales: dict, version: int | None = None
) -> SignsOfSafetyMap:
    """Record or change the Signs of Safety analysis. A stale ``version`` of the map is a conflict."""
    _require(actor, TRIAGE_ROLES, "record a Signs of Safety analysis")
    cleaned = {
        name: _text(values.get(name, ""), field=name, label=name.replace("_", " "), required=False)
        for name in SAFETY_MAP_FIELDS
    }
    if not any(cleaned.values()):
        raise PolicyViolation("Write at least one part of the Signs of Safety analysis.", field="harm")
    scores = {}
    for perspective in Perspective.values:
        raw = scales.get(perspective)
        if raw in (None, ""):
            continue
        try:
            score = int(str(raw).strip())
        except ValueError:
            score = -1
        if not 0 <= score <= 10:
            raise PolicyViolation("A safety scale is a whole number from 0 to 10.", field=f"scale_{perspective}")
        scores[perspective] = score
    now = timezone.now()
    existing = SignsOfSafetyMap.objects.select_for_update().filter(contact=contact).first()
    if existing is None:
        try:
            with transaction.atomic():
                safety_map = SignsOfSafetyMap.objects.create(
                    contact=contact, updated_by=actor, updated_at=now, **cleaned
                )
        except IntegrityError:  # someone recorded the first map at the same moment
            raise Conflict(
                "Someone else recorded a Signs of Safety analysis for this contact at the same time. "
                "Nothing you sent was saved. Reload the page to see theirs."
            ) from None
        before = {}
    else:
        if version is not None and int(version) != existing.version:
            raise Conflict(
                f"{existing.updated_by.get_username()} changed this Signs of Safety analysis while you were "
                "editing it. Nothing you sent was saved. Reload the page to see their change."
            )
        before = {name: getattr(existing, name) for name in SAFETY_MAP_FIELDS}
        safety_map = existing
        for name, value in cleaned.items():
            setattr(safety_map, name, value)
        safety_map.updated_by, safety_map.updated_at = actor, now
        safety_map.version += 1
        safety_map.save()
    old_scores = {s.perspective: s.score for s in safety_map.scales.all()}
    SafetyScale.objects.filter(safety_map=safety_map).exclude(perspective__in=list(scores)).delete()
    for perspective, score in scores.items():
        SafetyScale.objects.update_or_create(safety_map=safety_map, perspective=perspective, defaults={"score": score})
    changes = (
        audit.diff(safety_map, before, SAFETY_MAP_FIELDS)
        if before
        else {"recorded": sorted(k for k, v in cleaned.items() if v)}
    )
    if old_scores != scores:
        changes["scales"] = [old_scores, scores]
    audit.record(
        actor=actor,
        action="safety_map.recorded" if not before else "safety_map.changed",
        obj=contact,
        changes=changes,
    )
    return safety_map


@transaction.atomic
def add_case_note(*, contact: Contact, actor, text: str) -> CaseNote:
    _require(actor, TRIAGE_ROLES, "add case notes")
    text = _text(text, field="text", label="the note")
    note = CaseNote.objects.create(contact=contact, text=text, author=actor, created_at=timezone.now())
    audit.record(actor=actor, action="case_note.added", obj=contact, changes={"note": note.pk, "text": text[:500]})
    return note


@transaction.atomic
def record_referrer_call(
    *,
    contact: Contact,
    actor,
    spoke_to: str,
    summary: str,
    called_at: datetime | None = None,
    direction: str = "outgoing",
) -> ReferrerCall:
    _require(actor, TRIAGE_ROLES, "record calls")
    spoke_to = _text(spoke_to, field="spoke_to", label="who you spoke to", max_length=200)
    summary = _text(summary, field="summary", label="what was said")
    now = timezone.now()
    called_at = called_at or now
    if timezone.is_naive(called_at):
        raise PolicyViolation("Give the time of the call with its time zone.", field="called_at")
    if called_at > now:
        raise PolicyViolation("The call cannot be in the future.", field="called_at")
    if direction not in ("outgoing", "incoming"):
        raise PolicyViolation("Say who called whom.", field="direction")
    call = ReferrerCall.objects.create(
        contact=contact, direction=direction, called_at=called_at, spoke_to=spoke_to, summary=summary,
        recorded_by=actor, recorded_at=now,
    )  # fmt: skip
    audit.record(
        actor=actor,
        action="referrer_call.recorded",
        obj=contact,
        changes={"call": call.pk, "spoke_to": spoke_to, "called_at": called_at.isoformat(), "direction": direction},
    )
    return call


@transaction.atomic
def judge_threshold(*, contact: Contact, actor, level_number, indicator_ids=(), rationale: str) -> ThresholdJudgement:
    """The hub's judgement of the level of need, against the tenant's own threshold document."""
    _require(actor, TRIAGE_ROLES, "judge the level of need")
    from thresholds.models import ThresholdLevel

    try:
        number = int(level_number)
    except (TypeError, ValueError):
        number = None
    level = ThresholdLevel.objects.filter(number=number).first() if number is not None else None
    if level is None:
        raise PolicyViolation("Choose a level of need from your threshold document.", field="level")
    ids = []
    for raw in indicator_ids or []:
        try:
            ids.append(int(raw))
        except (TypeError, ValueError):
            raise PolicyViolation("Choose indicators from the threshold document.", field="indicators") from None
    indicators = list(ThresholdIndicator.objects.filter(pk__in=ids, level=level))
    if len(indicators) != len(set(ids)):
        raise PolicyViolation(f"Choose indicators of level {level.number} only.", field="indicators")
    rationale = _text(rationale, field="rationale", label="why this level applies")
    judgement = ThresholdJudgement.objects.create(
        contact=contact, level=level, rationale=rationale, judged_by=actor, judged_at=timezone.now()
    )
    judgement.indicators.set(indicators)
    audit.record(
        actor=actor,
        action="threshold.judged",
        obj=contact,
        changes={"level": level.number, "indicators": [i.text for i in indicators], "rationale": rationale},
    )
    return judgement


@transaction.atomic
def record_sharing_decision(
    *, contact: Contact, actor, basis: str, consent_reason: str = "", explanation: str
) -> SharingDecision:
    """Share with consent, or without it and why (information-sharing guidance), or not at all: all recorded."""
    _require(actor, TRIAGE_ROLES, "record information-sharing decisions")
    from contacts.choices import ConsentReason

    if basis not in SharingBasis.values:
        raise PolicyViolation(
            "Say whether information is shared with consent, without it, or not at all.", field="basis"
        )
    consent_reason = (consent_reason or "").strip()
    if basis == SharingBasis.WITHOUT_CONSENT and consent_reason not in ConsentReason.values:
        raise PolicyViolation("Say why information is shared without consent.", field="consent_reason")
    if basis != SharingBasis.WITHOUT_CONSENT:
        consent_reason = ""
    explanation = _text(explanation, field="explanation", label="the reasons for this decision", max_length=REASON_MAX)
    decision = SharingDecision.objects.create(
        contact=contact, basis=basis, consent_reason=consent_reason, explanation=explanation,
        decided_by=actor, decided_at=timezone.now(),
    )  # fmt: skip
    audit.record(
        actor=actor,
        action="information_sharing.decided",
        obj=contact,
        changes={"basis": basis, "consent_reason": consent_reason, "explanation": explanation},
    )
    return decision
