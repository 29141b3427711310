"""After the decision: the MASH summary, the handover to the receiving team, its acknowledgement, and the
partner agencies told the outcome (issue 20).

The summary is compiled from the record, never retyped. Each agency's return goes into it only as the agency
allowed: a return marked not for onward sharing is named (agency, lawful basis, consent) but its content stays
in the MASH. The acknowledgement runs on its own clock (``ClockKind.HANDOVER_ACKNOWLEDGEMENT``, the tenant's
policy, default one working day); acknowledged, the contact is ``closed``.
"""

from __future__ import annotations

from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from contacts.choices import ContactStatus, Outcome, PersonRole
from contacts.models import Contact
from deadlines.selectors import open_clock_for
from deadlines.services import meet_clock, notify, start_clock
from mash import audit
from mash.exceptions import Conflict, NotAllowed, PolicyViolation
from mash.models import Team, TeamMember, User
from mash.roles import Role
from navigators.models import InformationReturn, ReturnStatus
from thresholds.models import ClockKind

from .handover_models import Handover
from .models import Decision, RatingHistory, SignsOfSafetyMap, ThresholdJudgement

# Outcomes that pass the work on to someone else, each to a receiving team.
PASSING_ON = frozenset({Outcome.ASSESSMENT, Outcome.STRATEGY_DISCUSSION, Outcome.EARLY_HELP, Outcome.OTHER_SERVICE})
SENDERS = frozenset({Role.MANAGER})
READERS = frozenset({Role.MANAGER, Role.TRIAGE, Role.HEAD})


def _url(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


# --- who may do what ---------------------------------------------------------------------------------


def in_receiving_team(user, handover: Handover | None) -> bool:
    return bool(
        handover is not None
        and handover.team_id
        and user.is_authenticated
        and TeamMember.objects.filter(team_id=handover.team_id, user=user).exists()
    )


def handover_of(contact: Contact) -> Handover | None:
    return Handover.objects.filter(contact=contact).select_related("team", "sent_by", "acknowledged_by").first()


def visible_contact(user, pk) -> Contact | None:
    """The contact whose summary ``user`` may read: MASH staff any decided one, a receiving team its own."""
    if not getattr(user, "is_authenticated", False) or user.tenant_id is None:
        return None
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    contact = Contact.objects.filter(pk=pk).select_related("rating", "tenant").first()
    if contact is None:
        return None
    if user.role in READERS:
        return contact
    return contact if in_receiving_team(user, handover_of(contact)) else None


# --- the summary --------------------------------------------------------------------------------------


def _person(p) -> dict:
    return {
        "first_name": p.first_name,
        "last_name": p.last_name,
        "date_of_birth": p.date_of_birth.isoformat() if p.date_of_birth else None,
        "sex": p.get_sex_display(),
        "role": p.get_role_display(),
        "relationship": p.relationship,
        "ethnicity": p.get_ethnicity_display() if p.ethnicity else "",
        "disability": p.disability,
    }


def _user(u) -> str:
    return (u.get_full_name() or u.get_username()) if u is not None else ""


def _iso(value):
    return value.isoformat() if value else None


def may_go_onward(ret: InformationReturn) -> bool:
    """Whether the receiving team may see the return's content: the agency did not keep it to the MASH."""
    return not ret.not_for_onward_sharing


def _return(ret: InformationReturn) -> dict:
    base = {
        "agency": ret.request.agency.slug,
        "agency_name": ret.request.agency.name,
        "submitted_at": _iso(ret.submitted_at),
        "lawful_basis": ret.get_lawful_basis_display(),
        "consent": ret.get_consent_status_display(),
        "consent_reason": ret.get_consent_reason_display() if ret.consent_reason else "",
        "shared": may_go_onward(ret),
    }
    if not base["shared"]:
        return base | {
            "withheld_reason": f"{ret.request.agency.name} shared this for the MASH's decision only: it is not for "
            "onward sharing. Ask the MASH if you need it.",
            "known_to_agency": None, "summary": "", "history": [], "risk_indicators": [], "answers": [],
            "recommendation": "", "addenda": [],
        }  # fmt: skip
    return base | {
        "withheld_reason": "",
        "known_to_agency": ret.known_to_agency,
        "summary": ret.summary,
        "history": list(ret.history),
        "risk_indicators": list(ret.risk_indicators),
        "answers": list(ret.answers),
        "recommendation": ret.recommendation,
        "addenda": [{"at": _iso(a.added_at), "text": a.text} for a in ret.addenda.all()],
    }


def _team(handover: Handover | None) -> dict | None:
    if handover is None:
        return None
    return {
        "id": handover.team_id,
        "name": handover.receiver_name,
        "contact_details": handover.service_contact,
        "sent_at": _iso(handover.sent_at),
        "acknowledgement_due_at": _iso(handover.due_at),
        "acknowledged_at": _iso(handover.acknowledged_at),
        "acknowledged_by": _user(handover.acknowledged_by),
    }


def compile_summary(contact: Contact) -> dict:
    """The MASH summary from the record as it stands (the receiving team's view of the returns)."""
    contact = Contact.objects.select_related("rating", "threshold_level").get(pk=contact.pk)
    people = list(contact.people.order_by("order", "id"))
    ratings = RatingHistory.objects.filter(contact=contact).select_related("rating", "previous_rating", "rated_by")
    returns = (
        InformationReturn.objects.filter(request__contact=contact, status=ReturnStatus.SUBMITTED)
        .select_related("request__agency")
        .prefetch_related("addenda")
        .order_by("request__agency__name", "id")
    )
    safety = SignsOfSafetyMap.objects.filter(contact=contact).prefetch_related("scales").first()
    judgement = ThresholdJudgement.objects.filter(contact=contact).select_related("level").first()
    decision = Decision.objects.filter(contact=contact).select_related("decided_by").first()
    strategy = getattr(contact, "strategy_discussion", None) if hasattr(contact, "strategy_discussion") else None
    handover = handover_of(contact)
    shared_returns = [_return(r) for r in returns]
    recommendations = [
        {"from": r["agency_name"], "text": r["recommendation"]} for r in shared_returns if r["recommendation"]
    ]
    return {
        "contact": {
            "id": contact.pk,
            "reference": contact.reference,
            "received_at": _iso(contact.received_at),
            "channel": contact.get_channel_display(),
            "source": contact.get_source_display(),
            "urgent": contact.urgent,
            "concerns": contact.concerns,
            "support_provided": contact.support_provided,
            "referrer": {
                "name": contact.referrer_name,
                "role": contact.referrer_role,
                "organisation": contact.referrer_organisation,
            },
            "address": contact.address,
            "postcode": contact.postcode,
            "school": contact.school,
            "gp": contact.gp,
            "language": contact.language,
            "interpreter_needed": contact.interpreter_needed,
            "parents_aware": contact.get_parents_aware_display(),
            "consent_to_referral": contact.get_consent_to_referral_display(),
            "consent_to_sharing": contact.get_consent_to_sharing_display(),
            "status": contact.status,
        },
        "children": [_person(p) for p in people if p.role == PersonRole.CHILD],
        "household": [_person(p) for p in people if p.role != PersonRole.CHILD],
        "ratings": [
            {
                "rating": h.rating.code,
                "label": h.rating.label,
                "previous": h.previous_rating.label if h.previous_rating_id else None,
                "rationale": h.rationale,
                "reason": h.reason,
                "rated_at": _iso(h.rated_at),
                "rated_by": _user(h.rated_by),
            }
            for h in ratings
        ],
        "returns": shared_returns,
        "signs_of_safety": None
        if safety is None
        else {
            "harm": safety.harm,
            "danger_statements": safety.danger_statements,
            "complicating_factors": safety.complicating_factors,
            "existing_strengths": safety.existing_strengths,
            "existing_safety": safety.existing_safety,
            "safety_goals": safety.safety_goals,
            "next_steps": safety.next_steps,
            "scales": [{"perspective": s.get_perspective_display(), "score": s.score} for s in safety.scales.all()],
        },
        "level_of_need": None
        if judgement is None
        else {
            "level": judgement.level.number,
            "name": judgement.level.name,
            "rationale": judgement.rationale,
            "indicators": [i.text for i in judgement.indicators.all()],
        },
        "strategy_discussion": None
        if strategy is None
        else {
            "held_at": _iso(strategy.held_at),
            "chair": strategy.chair,
            "attendees": list(strategy.attendees),
            "decision": strategy.get_decision_display(),
            "notes": strategy.notes,
            "actions": list(strategy.actions),
            "conference": strategy.conference,
        },
        "decision": None
        if decision is None
        else {
            "outcome": decision.outcome,
            "outcome_label": Outcome(decision.outcome).label,
            "reason": decision.reason,
            "override_reason": decision.override_reason,
            "primary_need": decision.get_primary_need_display() if decision.primary_need else "",
            "factors": list(decision.factors),
            "decided_by": _user(decision.decided_by),
            "decided_at": _iso(decision.decided_at),
            "recommendations": recommendations,
        },
        "team": _team(handover),
    }


def record_produced(*, contact: Contact, actor, form: str) -> None:
    """The summary was produced for someone (page, print, PDF, JSON): audited like any read of a record."""
    audit.record(actor=actor, action=f"handover_summary.{form}", obj=contact, changes={"form": form})


# --- sending and acknowledging ------------------------------------------------------------------------


def _receiver(*, team_id, service_name: str, service_contact: str, outcome: str):
    service_name = (service_name or "").strip()[:200] if isinstance(service_name, str) else ""
    service_contact = (service_contact or "").strip()[:500] if isinstance(service_contact, str) else ""
    if team_id not in (None, ""):
        try:
            team = Team.objects.filter(pk=int(team_id), active=True).first()
        except (TypeError, ValueError):
            team = None
        if team is None:
            raise PolicyViolation("Choose one of your hub's teams.", field="team")
        return team, "", ""
    if outcome == Outcome.OTHER_SERVICE and service_name:
        if not service_contact:
            raise PolicyViolation("Give the service's contact details.", field="service_contact")
        return None, service_name, service_contact
    if outcome == Outcome.OTHER_SERVICE:
        raise PolicyViolation("Choose a team, or name the other service and its contact details.", field="team")
    raise PolicyViolation("Choose the receiving team.", field="team")


@transaction.atomic
def send_handover(*, contact: Contact, actor, team=None, service_name: str = "", service_contact: str = "") -> Handover:
    """Send the MASH summary to the receiving team and start the acknowledgement clock.

    Idempotent: sending again to the same receiver returns the handover already sent (nothing new starts);
    naming a different receiver once sent is a conflict.
    """
    if actor is None or actor.role not in SENDERS:
        raise NotAllowed("Only MASH team managers hand a case over.")
    contact = Contact.objects.select_for_update(of=("self",)).select_related("tenant").get(pk=contact.pk)
    if contact.outcome not in PASSING_ON or contact.status not in (ContactStatus.DECIDED, ContactStatus.CLOSED):
        raise Conflict(f"Contact {contact.reference} has no decision that passes it on to another team.")
    team_obj, service_name, service_contact = _receiver(
        team_id=team.pk if isinstance(team, Team) else team,
        service_name=service_name,
        service_contact=service_contact,
        outcome=contact.outcome,
    )
    existing = Handover.objects.filter(contact=contact).select_related("team").first()
    if existing is not None:
        same = existing.team_id == (team_obj.pk if team_obj else None) and (
            team_obj is not None or existing.service_name == service_name
        )
        if same:
            return existing
        raise Conflict(f"{contact.reference} was already handed over to {existing.receiver_name}.")
    now = timezone.now()
    handover = Handover(
        contact=contact, outcome=contact.outcome, team=team_obj, service_name=service_name,
        service_contact=service_contact, sent_by=actor, sent_at=now,
    )  # fmt: skip
    handover.save()
    handover.summary = compile_summary(contact)
    members = list(
        User.objects.filter(team_membership__team=team_obj, is_active=True) if team_obj else User.objects.none()
    )
    clock = start_clock(
        tenant=contact.tenant,
        kind=ClockKind.HANDOVER_ACKNOWLEDGEMENT,
        subject=handover,
        started_at=now,
        responsible=[actor],
        responsible_team=team_obj,  # its members when a warning is due, not a copy of today's
        label=f"{contact.reference} handover",
        url=_url("triage:handover", contact.pk),
        actor=actor,
    )
    handover.due_at = clock.due_at
    handover.save(update_fields=["summary", "due_at"])
    for member in members:
        notify(
            recipient=member,
            subject=f"{contact.reference}: MASH handover to {team_obj.name}",
            message=(
                f"The MASH has handed {contact.reference} over to {team_obj.name} "
                f"({Outcome(contact.outcome).label}). Read the MASH summary and acknowledge it."
            ),
            url=_url("triage:handover", contact.pk),
        )
    audit.record(
        actor=actor,
        action="contact.handed_over",
        obj=contact,
        changes={
            "team": handover.receiver_name,
            "team_id": handover.team_id,
            "outcome": contact.outcome,
            "acknowledgement_due_at": _iso(handover.due_at),
        },
    )
    return handover


def may_acknowledge(user, handover: Handover) -> bool:
    return user.role == Role.MANAGER or in_receiving_team(user, handover)


@transaction.atomic
def acknowledge_handover(*, contact: Contact, actor) -> Handover:
    """The receiving team (or a manager on its behalf) has the summary: meets the clock, closes the contact."""
    contact = Contact.objects.select_for_update(of=("self",)).get(pk=contact.pk)
    handover = Handover.objects.select_for_update(of=("self",)).filter(contact=contact).first()
    if handover is None:
        raise Conflict(f"{contact.reference} has not been handed over yet.")
    if not may_acknowledge(actor, handover):
        raise NotAllowed("Only the receiving team, or a MASH manager on its behalf, acknowledges a handover.")
    if handover.acknowledged_at is not None:
        raise Conflict(f"The handover of {contact.reference} was already acknowledged.")
    now = timezone.now()
    handover.acknowledged_at = now
    handover.acknowledged_by = actor
    handover.acknowledged_on_behalf = not in_receiving_team(actor, handover)
    handover.save(update_fields=["acknowledged_at", "acknowledged_by", "acknowledged_on_behalf"])
    clock = open_clock_for(subject=handover, kind=ClockKind.HANDOVER_ACKNOWLEDGEMENT)
    if clock is not None:
        meet_clock(clock=clock, at=now, actor=actor)
    before = contact.status
    contact.status = ContactStatus.CLOSED
    contact.version += 1
    contact.save(update_fields=["status", "version", "updated_at"])
    audit.record(
        actor=actor,
        action="handover.acknowledged",
        obj=contact,
        changes={
            "team": handover.receiver_name,
            "on_behalf": handover.acknowledged_on_behalf,
            "late_by_seconds": int(clock.late_by.total_seconds()) if clock is not None and clock.late_by else 0,
            "status": [before, contact.status],
        },
    )
    return handover


# --- partners told the outcome -----------------------------------------------------------------------


def partner_message(contact: Contact, *, agency_name: str, receiver: str) -> str:
    """The outcome for an agency that contributed: what was decided and who has the case; nothing of others."""
    outcome = Outcome(contact.outcome)
    return "\n\n".join(
        [
            f"Thank you for {agency_name}'s information for MASH enquiry {contact.reference}.",
            f"Outcome: {outcome.label}.",
            f"Receiving team: {receiver}." if receiver else (
                "Receiving team: the MASH will confirm it." if outcome in PASSING_ON else "No receiving team: "
                "the case does not pass to another team."
            ),
        ]
    )  # fmt: skip


def tell_partners(*, contact: Contact, actor) -> list[str]:
    """After the decision: each agency whose navigator submitted a return is told the outcome, once (in-app and
    by email); agencies that did not return are not. Called once, in the decision's transaction."""
    handover = handover_of(contact)
    receiver = handover.receiver_name if handover else ""
    told = []
    returns = (
        InformationReturn.objects.filter(request__contact=contact, status=ReturnStatus.SUBMITTED)
        .select_related("request__agency", "submitted_by")
        .order_by("request__agency__name")
    )
    seen = set()
    for ret in returns:
        agency = ret.request.agency
        if agency.pk in seen or ret.submitted_by is None or not ret.submitted_by.is_active:
            continue
        seen.add(agency.pk)
        notify(
            recipient=ret.submitted_by,
            subject=f"{contact.reference}: outcome of the MASH enquiry",
            message=partner_message(contact, agency_name=agency.name, receiver=receiver),
            url=_url("navigators:request", ret.request_id),
        )
        told.append(agency.slug)
    if told:
        audit.record(
            actor=actor,
            action="contact.partners_told",
            obj=contact,
            changes={"agencies": told, "outcome": contact.outcome, "team": receiver},
        )
    return told
