"""Every state change of an early-help request: receive, outcome, feedback, plan, reviews, closure, step up."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial
from zoneinfo import ZoneInfo

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from contacts import services as contact_services
from contacts.choices import Channel, Consent, ConsentReason, ParentsAware, PersonRole, ReferralSource
from contacts.models import CONCERNS_MAX
from contacts.models import TEXT_MAX as CONTACT_TEXT_MAX
from contacts.submissions import ContactSubmission, SubmittedPerson
from deadlines.selectors import clocks_for_subject, open_clock_for
from deadlines.services import cancel_clock, meet_clock, notify, start_clock
from mash import audit
from mash.exceptions import Conflict, NotAllowed, PolicyViolation
from mash.references import allocate_reference, taken_first
from mash.roles import Role
from thresholds.models import ClockKind
from thresholds.selectors import calendar_settings

from .models import (
    TEXT_MAX,
    ActionStatus,
    CallOutcome,
    ClosureReason,
    EarlyHelpAssessment,
    EarlyHelpChild,
    EarlyHelpCounter,
    EarlyHelpDraft,
    EarlyHelpOutcome,
    EarlyHelpPlan,
    EarlyHelpRequest,
    EarlyHelpStatus,
    FamilyConsent,
    FeedbackKind,
    FeedbackTask,
    LetterSentBy,
    PlanAction,
    PlanActionUpdate,
    PlanReview,
    ReviewProgress,
    UniversalService,
)

# Outcomes after which a lead professional completes (or reviews) an Early Help Plan the hub tracks.
PLAN_OUTCOMES = frozenset({EarlyHelpOutcome.DISTRICT_SERVICE, EarlyHelpOutcome.LEAD_PROFESSIONAL_SUPPORT})
# Who may file a request directly (API.md).
REQUESTERS = frozenset({Role.REFERRER, Role.TRIAGE, Role.EHCOORD})
REQUEST_FIELDS = (
    "needs", "referrer_name", "referrer_role", "referrer_organisation", "referrer_phone", "referrer_email",
    "family_contact", "family_phone", "address", "assessment_started_on", "assessment_completed_on",
    "assessment_organisation", "universal_services", "universal_support_tried",
)  # fmt: skip
CONSENT_FIELDS = ("consent", "consent_given_by", "consent_given_on", "consent_basis", "consent_reason")
# Ofsted Annex A List 2 (a statutory return) comes from these: hub staff record them, referrers never do.
ASSESSMENT_FIELDS = ("assessment_started_on", "assessment_completed_on", "assessment_organisation")
ASSESSMENT_RECORDERS = frozenset({Role.TRIAGE, Role.EHCOORD})
CHILD_FIELDS = ("first_name", "last_name", "date_of_birth", "sex", "ethnicity", "postcode")
MAX_CHILDREN = 20
# A review clock on a chosen day is a whole number of these (0.0001 clock hours) long.
REVIEW_STEP = timedelta(microseconds=360_000)


def request_url(request: EarlyHelpRequest) -> str:
    try:
        return reverse("earlyhelp:request", args=[request.pk])
    except NoReverseMatch:
        return ""


def _require_coordinator(actor, what: str) -> None:
    if actor is None or actor.role != Role.EHCOORD:
        raise NotAllowed(f"Only Early Help coordinators may {what}.")


def _locked(request: EarlyHelpRequest) -> EarlyHelpRequest:
    return EarlyHelpRequest.objects.select_for_update(of=("self",)).select_related("tenant").get(pk=request.pk)


def _bump(request: EarlyHelpRequest, fields: list[str]) -> None:
    request.version = F("version") + 1
    request.save(update_fields=[*fields, "version", "updated_at"])
    request.refresh_from_db(fields=["version"])


# --- receiving a request --------------------------------------------------------------------------


def receive(
    *, tenant, actor, received_at: datetime | None = None, contact=None, children=(), **fields
) -> EarlyHelpRequest:
    """File an early-help request and start its review clock (the tenant's early-help review policy).

    Its number is taken in a transaction of its own first (:func:`mash.references.taken_first`), so the tenant's
    early-help counter is locked for one statement, not while the request, its children and its clock are written;
    a request that then fails leaves an audited unused number (``early_help.reference_unused``). Inside a caller's
    transaction (a contact stepped down with its decision) the number is taken in that transaction instead."""
    received_at = received_at or timezone.now()
    first = taken_first(
        EarlyHelpCounter, tenant=tenant, at=received_at, actor=actor, kind_prefix="EH-", label="early_help"
    )
    with first as taken, transaction.atomic():
        request = EarlyHelpRequest.objects.create(
            reference=taken or allocate_reference(EarlyHelpCounter, tenant=tenant, at=received_at, kind_prefix="EH-"),
            contact=contact,
            received_at=received_at,
            requested_by=actor,
            **fields,
        )
        EarlyHelpChild.objects.bulk_create(
            EarlyHelpChild(tenant_id=tenant.pk, request=request, order=n, **child) for n, child in enumerate(children)
        )
        clock = start_clock(
            tenant=tenant,
            kind=ClockKind.EARLY_HELP_REVIEW,
            subject=request,
            started_at=received_at,
            responsible_roles=[Role.EHCOORD],
            label=request.reference,
            url=request_url(request),
            actor=actor,
            new_subject=True,  # made just above, in this transaction: no clock can be running for it yet
        )
        request.review_due_at = clock.due_at
        request.save(update_fields=["review_due_at"])
        audit.record(
            actor=actor,
            action="early_help.received",
            obj=request,
            changes={
                "contact": contact.reference if contact else None,
                "children": len(children),
                "review_due_at": clock.due_at.isoformat(),
            },
        )
        return request


def create_from_contact(*, contact, actor, reason: str = "") -> EarlyHelpRequest:
    """Step a decided MASH contact down to the Early Help Hub, carrying its information (nothing typed twice).

    Idempotent: a contact already stepped down and still with the hub keeps its one request.
    """
    existing = (
        EarlyHelpRequest.objects.filter(contact=contact)
        .exclude(status__in=[EarlyHelpStatus.CLOSED, EarlyHelpStatus.STEPPED_UP])
        .first()
    )
    if existing is not None:
        return existing
    people = list(contact.people.all())
    children = [
        {
            "person_id": p.person_id,
            **{f: getattr(p, f) for f in CHILD_FIELDS},
        }
        for p in people
        if p.role == PersonRole.CHILD
    ]
    carer = next((p for p in people if p.role == PersonRole.PARENT), None)
    needs = reason.strip() or contact.concerns
    if reason.strip() and contact.concerns:
        needs = f"{reason.strip()}\n\nConcerns in the MASH contact {contact.reference}:\n{contact.concerns}"
    return receive(
        tenant=contact.tenant,
        actor=actor,
        contact=contact,
        children=children,
        needs=needs[:TEXT_MAX],
        referrer_name=contact.referrer_name,
        referrer_role=contact.referrer_role,
        referrer_organisation=contact.referrer_organisation,
        referrer_phone=contact.referrer_phone,
        referrer_email=contact.referrer_email,
        family_contact=f"{carer.first_name} {carer.last_name}".strip() if carer else "",
        family_phone=carer.phone if carer else "",
        address=" ".join(filter(None, [contact.address, contact.postcode])),
    )


# --- consent to early help, and the "when to access targeted services" checks ------------------------------


def consent_errors(
    *,
    consent: str = "",
    consent_given_by: str = "",
    consent_given_on: date | None = None,
    consent_basis: str = "",
    consent_reason: str = "",
) -> dict[str, str]:
    """What a consent answer is missing (field to message); the page, the API and the service share it."""
    if consent not in FamilyConsent.values:
        return {"consent": "Select whether the family has agreed to early help."}
    errors = {}
    if consent == FamilyConsent.GIVEN:
        if not (consent_given_by or "").strip():
            errors["consent_given_by"] = "Enter who in the family agreed to early help."
        if consent_given_on is None:
            errors["consent_given_on"] = "Enter the date the family agreed."
        elif consent_given_on > timezone.localdate():
            errors["consent_given_on"] = "The date the family agreed must be today or in the past."
    else:
        if consent_basis not in ConsentReason.values:
            errors["consent_basis"] = "Select why the request is proceeding without the family's consent."
        if not (consent_reason or "").strip():
            errors["consent_reason"] = "Enter the reason the request is proceeding without the family's consent."
    return errors


def universal_errors(*, universal_services=(), universal_support_tried: str = "") -> dict[str, str]:
    """The professional's checks before targeted help: which universal services are involved, what they tried."""
    errors = {}
    services_ = list(universal_services or [])
    if not services_:
        errors["universal_services"] = "Select the universal services already involved with the family."
    elif any(s not in UniversalService.values for s in services_):
        errors["universal_services"] = "Choose universal services from the list."
    if not (universal_support_tried or "").strip():
        errors["universal_support_tried"] = "Enter what the universal services have tried."
    return errors


def _consent_values(data: dict) -> dict:
    consent = data.get("consent") or ""
    given = consent == FamilyConsent.GIVEN
    return {
        "consent": consent,
        "consent_given_by": (data.get("consent_given_by") or "").strip()[:200] if given else "",
        "consent_given_on": data.get("consent_given_on") if given else None,
        "consent_basis": "" if given else data.get("consent_basis") or "",
        "consent_reason": "" if given else (data.get("consent_reason") or "").strip()[:TEXT_MAX],
    }


def _hand_to_mash(request: EarlyHelpRequest, *, actor, submission: ContactSubmission, reason: str, action: str,
                  changes: dict | None = None, stop_reason: str = "Handed to the MASH as {}"):  # fmt: skip
    """Submit ``submission`` as a MASH contact (the contacts app's front door) and link the request to it: its
    plan ends and every clock on it stops. ``request`` is locked by the caller."""
    _check_step_up(submission)
    contact = contact_services.submit_contact(tenant=request.tenant, actor=actor, submission=submission)
    old = request.status
    now = timezone.now()
    request.stepped_up_to = contact
    request.stepped_up_at = now
    request.step_up_reason = reason.strip()[:TEXT_MAX]
    request.status = EarlyHelpStatus.STEPPED_UP
    _bump(request, ["stepped_up_to", "stepped_up_at", "step_up_reason", "status"])
    EarlyHelpPlan.objects.filter(request=request, closed_at__isnull=True).update(closed_at=now)
    _stop_clocks(request, actor=actor, reason=stop_reason.format(contact.reference))
    audit.record(
        actor=actor, action=action, obj=request,
        changes={"status": [old, request.status], "contact": contact.reference, **(changes or {})},
    )  # fmt: skip
    return contact


def _without_consent_submission(request: EarlyHelpRequest, *, actor) -> ContactSubmission:
    """A request proceeding without the family's consent, as a MASH contact: the referrer's words, the reason,
    and the basis for sharing without consent (information-sharing guidance)."""
    children = list(request.children.all())
    by_hub = actor.role == Role.EHCOORD
    concerns = (
        f"{request.needs.strip()}\n\nEarly help {request.reference} was asked for without the family's consent, "
        f"so it comes to the MASH as a contact.\nReason for proceeding without consent: {request.consent_reason}"
    )
    support = request.universal_support_tried
    if request.universal_services:
        names = ", ".join(UniversalService(s).label for s in request.universal_services)
        support = f"Universal services involved: {names}.\n{support}".strip()
    decided_by = actor.get_full_name() or actor.get_username()
    if not by_hub:
        decided_by = ", ".join(filter(None, [request.referrer_name or decided_by, request.referrer_role]))
    return ContactSubmission(
        channel=Channel.MARF,
        children=tuple(SubmittedPerson(**{f: getattr(c, f) for f in CHILD_FIELDS}) for c in children),
        concerns=concerns[:CONCERNS_MAX],
        support_provided=support[:5000],
        address=request.address[:300],
        parents_aware=ParentsAware.UNKNOWN,
        consent_to_referral=Consent.NOT_SOUGHT,
        consent_to_sharing=Consent.NOT_SOUGHT,
        consent_reason=request.consent_basis,
        consent_decided_by=decided_by[:CONTACT_TEXT_MAX],
        source=ReferralSource.LA_EARLY_HELP.value,
        referrer_name=(actor.get_full_name() or actor.get_username()) if by_hub else request.referrer_name,
        referrer_role=(actor.job_title or actor.get_role_display()) if by_hub else request.referrer_role,
        referrer_organisation="Early Help Hub" if by_hub else request.referrer_organisation,
        referrer_email=actor.email if by_hub else request.referrer_email,
        referrer_phone="" if by_hub else request.referrer_phone,
    )


def record_consent(*, request, actor, **data) -> EarlyHelpRequest:
    """The coordinator records the family's consent at the review (a step-down may arrive without it). Without
    consent the request is handled as a MASH contact instead."""
    _require_coordinator(actor, "record the family's consent")
    values = _consent_values(data)
    errors = consent_errors(**values)
    if errors:
        field, message = next(iter(errors.items()))
        raise PolicyViolation(message, field=field)
    with transaction.atomic():
        request = _locked(request)
        if request.status in (EarlyHelpStatus.CLOSED, EarlyHelpStatus.STEPPED_UP):
            raise Conflict("This request is no longer with the Early Help Hub.")
        _save_consent(request, actor=actor, values=values)
        if values["consent"] == FamilyConsent.NOT_GIVEN:
            _hand_to_mash(
                request, actor=actor, submission=_without_consent_submission(request, actor=actor),
                reason=f"Proceeding without the family's consent: {values['consent_reason']}",
                action="early_help.sent_to_mash_without_consent", changes={"consent_reason": values["consent_reason"]},
            )  # fmt: skip
    return request


def _save_consent(request: EarlyHelpRequest, *, actor, values: dict) -> None:
    before = {f: getattr(request, f) for f in CONSENT_FIELDS}
    for field, value in values.items():
        setattr(request, field, value)
    request.consent_recorded_at = timezone.now()
    request.consent_recorded_by = actor
    changes = audit.diff(request, before, CONSENT_FIELDS)
    _bump(request, [*CONSENT_FIELDS, "consent_recorded_at", "consent_recorded_by"])
    audit.record(actor=actor, action="early_help.consent_recorded", obj=request, changes=changes)


def may_record_assessment(actor) -> bool:
    """Hub staff (MASH triage, Early Help coordinators) may give the Annex A assessment fields; referrers not."""
    return actor is not None and actor.role in ASSESSMENT_RECORDERS


def request_early_help(*, tenant, actor, data: dict) -> EarlyHelpRequest:
    """A professional's Early Help Assessment sent straight to the hub (validated input); their draft goes."""
    if actor is None or actor.role not in REQUESTERS:
        raise NotAllowed("Only referrers, MASH triage and Early Help coordinators may request early help.")
    if not may_record_assessment(actor):
        given = [f for f in ASSESSMENT_FIELDS if data.get(f) not in (None, "")]
        if given:
            raise PolicyViolation(
                "The Early Help Hub records the assessment dates and organisation for Ofsted; leave them out.",
                field=given[0],
            )
    children = list(data.get("children") or [])
    if not children:
        raise PolicyViolation("Add at least one child.", field="children")
    if len(children) > MAX_CHILDREN:
        raise PolicyViolation(f"Add at most {MAX_CHILDREN} children to one request.", field="children")
    universal = {f: data.get(f) for f in ("universal_services", "universal_support_tried")}
    if any(universal.values()):  # an older API client may leave the checks out; given, they must be whole
        errors = universal_errors(**{k: v or "" for k, v in universal.items()})
        if errors:
            field, message = next(iter(errors.items()))
            raise PolicyViolation(message, field=field)
    consent = _consent_values(data) if data.get("consent") else None
    if consent is not None:
        errors = consent_errors(**consent)
        if errors:
            field, message = next(iter(errors.items()))
            raise PolicyViolation(message, field=field)
    with transaction.atomic():
        request = receive(
            tenant=tenant,
            actor=actor,
            children=[{f: child[f] for f in CHILD_FIELDS if f in child} for child in children],
            **{f: data[f] for f in REQUEST_FIELDS if f in data and data[f] is not None},
        )
        if consent is not None:
            _save_consent(request, actor=actor, values=consent)
            if consent["consent"] == FamilyConsent.NOT_GIVEN:
                # Early help is consensual: without the family's agreement the request is a MASH contact.
                _hand_to_mash(
                    request, actor=actor, submission=_without_consent_submission(request, actor=actor),
                    reason=f"Asked for without the family's consent: {consent['consent_reason']}",
                    action="early_help.sent_to_mash_without_consent",
                    changes={"consent_reason": consent["consent_reason"]},
                )  # fmt: skip
        discard_draft(actor=actor, reason="submitted")
    return request


# --- drafts of the Early Help Assessment form -------------------------------------------------------


def save_draft(*, actor, values: dict) -> EarlyHelpDraft:
    with transaction.atomic():
        draft, created = EarlyHelpDraft.objects.select_for_update().get_or_create(owner=actor)
        draft.data = {**draft.data, **values}
        draft.save()
        audit.record(
            actor=actor,
            action="early_help_draft.started" if created else "early_help_draft.saved",
            obj=draft,
            label=f"Early help draft of {actor.get_username()}",
        )
    return draft


def discard_draft(*, actor, reason: str = "discarded") -> None:
    with transaction.atomic():
        draft = EarlyHelpDraft.objects.filter(owner=actor).first()
        if draft is None:
            return
        audit.record(
            actor=actor, action=f"early_help_draft.{reason}", obj=draft,
            label=f"Early help draft of {actor.get_username()}",
        )  # fmt: skip
        draft.delete()


# --- Annex A List 2: the assessment -------------------------------------------------------------------


@transaction.atomic
def record_assessment(
    *, request, actor, started_on: date | None, completed_on: date | None, organisation: str
) -> EarlyHelpRequest:
    """Ofsted Annex A List 2: the Early Help Assessment's start and completion dates and who completed it."""
    _require_coordinator(actor, "record the assessment")
    today = timezone.localdate()
    if started_on and started_on > today:
        raise PolicyViolation("The assessment start date must be today or in the past.", field="started_on")
    if completed_on and completed_on > today:
        raise PolicyViolation("The completion date must be today or in the past.", field="completed_on")
    if completed_on and not started_on:
        raise PolicyViolation("Enter when the assessment started.", field="started_on")
    if started_on and completed_on and completed_on < started_on:
        raise PolicyViolation("The assessment cannot be completed before it started.", field="completed_on")
    if completed_on and not organisation.strip():
        raise PolicyViolation("Enter the organisation that completed the assessment.", field="organisation")
    request = _locked(request)
    before = {f: getattr(request, f) for f in ("assessment_started_on", "assessment_completed_on",
                                               "assessment_organisation")}  # fmt: skip
    request.assessment_started_on = started_on
    request.assessment_completed_on = completed_on
    request.assessment_organisation = organisation.strip()[:200]
    changes = audit.diff(request, before, before.keys())
    if changes:
        _bump(request, list(before))
        audit.record(actor=actor, action="early_help.assessment_recorded", obj=request, changes=changes)
    return request


# The Assessment Framework's three domains, each with strengths and needs, and the child's own views.
DOMAIN_FIELDS = (
    "development_strengths", "development_needs", "parenting_strengths", "parenting_needs", "family_strengths",
    "family_needs", "child_views",
)  # fmt: skip


def record_domains(*, request, actor, **values) -> EarlyHelpAssessment:
    """The Early Help Assessment's content: strengths and needs in each of the three domains, the child's views."""
    _require_coordinator(actor, "record the assessment")
    unknown = set(values) - set(DOMAIN_FIELDS)
    if unknown:
        raise PolicyViolation("Unknown assessment field.", field=sorted(unknown)[0])
    with transaction.atomic():
        request = _locked(request)
        assessment = EarlyHelpAssessment.objects.select_for_update().filter(request=request).first()
        created = assessment is None
        if created:
            assessment = EarlyHelpAssessment(request=request, updated_by=actor)
        before = {f: getattr(assessment, f) for f in DOMAIN_FIELDS}
        for field in DOMAIN_FIELDS:
            setattr(assessment, field, (values.get(field) or "").strip()[:TEXT_MAX])
        changes = audit.diff(assessment, before, DOMAIN_FIELDS)
        if changes or created:
            assessment.updated_by = actor
            assessment.save()
            audit.record(
                actor=actor, action="early_help.assessment_domains_recorded", obj=request,
                changes={field: "changed" for field in changes},  # the words are the record's, not the log's
            )  # fmt: skip
    return assessment


# --- the outcome and its feedback ---------------------------------------------------------------------


def outcome_errors(
    *,
    outcome: str,
    lead_professional: str = "",
    district_services: str = "",
    further_assessment=None,
    signposted_to: str = "",
) -> dict[str, str]:
    """What an outcome is missing (field to message): the API reports them all at once, the service the first."""
    if outcome not in EarlyHelpOutcome.values:
        return {"outcome": "Choose one of the four outcomes."}
    errors = {}
    if outcome in PLAN_OUTCOMES and not (lead_professional or "").strip():
        errors["lead_professional"] = "Enter the name of the lead professional."
    if outcome == EarlyHelpOutcome.DISTRICT_SERVICE:
        if not (district_services or "").strip():
            errors["district_services"] = "Enter which district Early Help service or services are offered."
        if further_assessment is None:
            errors["further_assessment"] = "Say whether the offer includes further assessment."
    if outcome == EarlyHelpOutcome.SIGNPOST and not (signposted_to or "").strip():
        errors["signposted_to"] = "Enter the service the family is signposted to."
    return errors


def give_outcome(
    *,
    request,
    actor,
    outcome: str,
    lead_professional: str = "",
    notes: str = "",
    district_services: str = "",
    further_assessment: bool | None = None,
    signposted_to: str = "",
    lead_professional_email: str = "",
    at: datetime | None = None,
) -> EarlyHelpRequest:
    """The coordinator's outcome (one of four). It meets the review clock and sets the feedback tasks going."""
    _require_coordinator(actor, "give the outcome of an early-help request")
    lead_professional = (lead_professional or "").strip()
    errors = outcome_errors(
        outcome=outcome, lead_professional=lead_professional, district_services=district_services,
        further_assessment=further_assessment, signposted_to=signposted_to,
    )  # fmt: skip
    if errors:
        field, message = next(iter(errors.items()))
        raise PolicyViolation(message, field=field)
    now = timezone.now()
    with transaction.atomic():
        request = _locked(request)
        if request.status != EarlyHelpStatus.RECEIVED:
            raise Conflict(f"This request already has its outcome ({request.get_status_display().lower()}).")
        request.status = EarlyHelpStatus.OUTCOME_GIVEN
        request.outcome = outcome
        request.outcome_at = at or now
        request.outcome_by = actor
        request.outcome_notes = (notes or "").strip()[:TEXT_MAX]
        request.lead_professional = lead_professional[:200]
        request.lead_professional_email = (lead_professional_email or "").strip()
        request.district_services = (district_services or "").strip()[:500] if outcome == "district_service" else ""
        request.further_assessment = further_assessment if outcome == "district_service" else None
        request.signposted_to = (signposted_to or "").strip()[:500] if outcome == "signpost" else ""
        fields = ["status", "outcome", "outcome_at", "outcome_by", "outcome_notes", "lead_professional",
                  "lead_professional_email", "district_services", "further_assessment", "signposted_to"]  # fmt: skip
        _bump(request, fields)
        clock = open_clock_for(subject=request, kind=ClockKind.EARLY_HELP_REVIEW)
        if clock is not None:
            meet_clock(clock=clock, at=request.outcome_at, actor=actor)
        audit.record(
            actor=actor,
            action="early_help.outcome_given",
            obj=request,
            changes={
                "status": [EarlyHelpStatus.RECEIVED.value, request.status],
                "outcome": outcome,
                "lead_professional": request.lead_professional,
                "district_services": request.district_services,
                "further_assessment": request.further_assessment,
                "signposted_to": request.signposted_to,
                "late": bool(clock and clock.late_by),
            },
        )
        _open_feedback_tasks(request, actor=actor)
        _tell_referrer(request)
    return request


def _open_feedback_tasks(request: EarlyHelpRequest, *, actor) -> list[FeedbackTask]:
    """Cambridgeshire's hub: the coordinator phones the referrer and the family; a letter goes to the lead
    professional."""
    referrer = request.referrer_name or (request.requested_by.get_full_name() if request.requested_by else "")
    specs = [
        (FeedbackKind.CALL_REFERRER, referrer, request.referrer_phone or request.referrer_email),
        (FeedbackKind.CALL_FAMILY, request.family_contact, request.family_phone),
    ]
    if request.lead_professional:
        specs.append(
            (FeedbackKind.LETTER_LEAD_PROFESSIONAL, request.lead_professional, request.lead_professional_email)
        )
    tasks = []
    for kind, recipient, reach in specs:
        task = FeedbackTask.objects.create(request=request, kind=kind, recipient=recipient[:200], phone_or_email=reach)
        if kind == FeedbackKind.LETTER_LEAD_PROFESSIONAL:
            task.letter_body = render_to_string("earlyhelp/letter.txt", {"request": request, "coordinator": actor})
        clock = start_clock(
            tenant=request.tenant,
            kind=ClockKind.EARLY_HELP_FEEDBACK,
            subject=task,
            started_at=request.outcome_at,
            responsible=[actor],
            label=f"{request.reference}: {task.get_kind_display().lower()}",
            url=request_url(request),
            actor=actor,
        )
        task.due_at = clock.due_at
        task.save(update_fields=["due_at", "letter_body"])
        tasks.append(task)
    audit.record(
        actor=actor, action="early_help.feedback_tasks_opened", obj=request, changes={"tasks": [t.kind for t in tasks]}
    )
    return tasks


def _tell_referrer(request: EarlyHelpRequest) -> None:
    """An in-app notice (and email) to the referrer's account, when the request came from one."""
    owners = {u for u in (request.requested_by, request.contact.submitted_by if request.contact else None) if u}
    message = f"The Early Help Hub's outcome for {request.reference}: {request.get_outcome_display()}."
    if request.lead_professional:
        message += f" Lead professional: {request.lead_professional}."
    for owner in owners:
        if owner.role == Role.REFERRER:
            notify(recipient=owner, subject=request.reference, message=message, url=_mine_url())


def _mine_url() -> str:
    try:
        return reverse("earlyhelp:mine")
    except NoReverseMatch:
        return ""


def _locked_task(task: FeedbackTask) -> FeedbackTask:
    return FeedbackTask.objects.select_for_update(of=("self",)).select_related("request").get(pk=task.pk)


def _finish_task(task: FeedbackTask, *, actor, at: datetime) -> None:
    task.done_at = at
    task.done_by = actor
    clock = open_clock_for(subject=task, kind=ClockKind.EARLY_HELP_FEEDBACK)
    if clock is not None:
        meet_clock(clock=clock, at=min(at, timezone.now()), actor=actor)


@transaction.atomic
def record_call(*, task, actor, spoke_to: str, called_at: datetime, outcome: str, notes: str = "") -> FeedbackTask:
    """One call to the referrer or the family: who, when, and how it went. Telling them the decision ends the task."""
    _require_coordinator(actor, "record feedback calls")
    task = _locked_task(task)
    if not task.is_call:
        raise PolicyViolation("This task is a letter, not a call.")
    if task.done_at is not None:
        raise Conflict("This call has already been made and recorded.")
    if outcome not in CallOutcome.values:
        raise PolicyViolation("Choose how the call went.", field="outcome")
    if not (spoke_to or "").strip():
        raise PolicyViolation("Enter who you called.", field="spoke_to")
    if timezone.is_naive(called_at):
        raise PolicyViolation("Enter when you called.", field="called_at")
    if called_at > timezone.now() + timedelta(minutes=5):
        raise PolicyViolation("The call cannot be in the future.", field="called_at")
    # A coordinator may ring while deciding and record the outcome just after; a day earlier is a mistake.
    if task.request.outcome_at and called_at < task.request.outcome_at - timedelta(hours=24):
        raise PolicyViolation("The call cannot be more than a day before the outcome was recorded.", field="called_at")
    attempt = {
        "spoke_to": spoke_to.strip()[:200],
        "called_at": called_at.isoformat(),
        "outcome": outcome,
        "notes": (notes or "").strip()[:2000],
        "by": actor.get_username(),
    }
    task.attempts = [*task.attempts, attempt]
    if outcome == CallOutcome.TOLD:
        _finish_task(task, actor=actor, at=called_at)
    task.save(update_fields=["attempts", "done_at", "done_by"])
    audit.record(
        actor=actor, action="early_help.feedback_call_recorded", obj=task.request,
        changes={"task": task.kind, **attempt, "done": task.done_at is not None},
    )  # fmt: skip
    return task


@transaction.atomic
def send_letter(*, task, actor, sent_by: str, email: str = "") -> FeedbackTask:
    """The letter to the lead professional, from the template: emailed (after commit) or printed and posted."""
    _require_coordinator(actor, "send the letter to the lead professional")
    task = _locked_task(task)
    if task.kind != FeedbackKind.LETTER_LEAD_PROFESSIONAL:
        raise PolicyViolation("This task is a call, not a letter.")
    if task.done_at is not None:
        raise Conflict("This letter has already been sent.")
    if sent_by not in LetterSentBy.values:
        raise PolicyViolation("Choose how the letter was sent.", field="sent_by")
    now = timezone.now()
    if sent_by == LetterSentBy.EMAIL:
        email = (email or task.phone_or_email or "").strip()
        if "@" not in email:
            raise PolicyViolation("Enter the lead professional's email address.", field="email")
        task.phone_or_email = email[:254]
        subject = f"Early Help: {task.request.reference}, you are the lead professional"
        body = task.letter_body
        transaction.on_commit(partial(send_mail, subject, body, None, [email], fail_silently=True), robust=True)
    task.sent_by = sent_by
    _finish_task(task, actor=actor, at=now)
    task.save(update_fields=["phone_or_email", "sent_by", "done_at", "done_by"])
    audit.record(
        actor=actor, action="early_help.letter_sent", obj=task.request,
        changes={"sent_by": sent_by, "to": task.phone_or_email if sent_by == LetterSentBy.EMAIL else task.recipient},
    )  # fmt: skip
    return task


# --- the Early Help Plan and its reviews -----------------------------------------------------------------


def review_due_instant(tenant, on: date) -> datetime:
    """A review planned for a day is due by the end of that working day, in the tenant's zone."""
    return datetime.combine(on, calendar_settings().day_end, tzinfo=ZoneInfo(tenant.time_zone))


def _schedule_review(plan: EarlyHelpPlan, *, actor, on: date | None, number: int) -> PlanReview:
    request = plan.request
    now = started = timezone.now()
    amount = unit = None
    if on is not None:
        due = review_due_instant(request.tenant, on)
        if due <= now + REVIEW_STEP:
            raise PolicyViolation("The review date must be in the future.", field="review_on")
        # The coordinator chose the day: the clock runs to it (clock hours), not the policy's default length.
        # The start is moved back under a second so the length is an exact number of steps and the due time exact.
        steps = (due - now) // REVIEW_STEP
        started = due - steps * REVIEW_STEP
        amount = Decimal(steps) * Decimal("0.0001")
        unit = "clock_hours"
    review = PlanReview.objects.create(plan=plan, number=number, due_at=now)
    clock = start_clock(
        tenant=request.tenant,
        kind=ClockKind.PLAN_REVIEW,
        subject=review,
        started_at=started,
        amount=amount,
        unit=unit,
        responsible_roles=[Role.EHCOORD],
        label=f"{request.reference}: plan review {number}",
        url=request_url(request),
        actor=actor,
    )
    review.due_at = clock.due_at
    review.save(update_fields=["due_at"])
    audit.record(
        actor=actor, action="early_help.review_scheduled", obj=request,
        changes={"review": number, "due_at": clock.due_at.isoformat()},
    )  # fmt: skip
    return review


def start_plan(
    *,
    request,
    actor,
    lead_professional: str,
    services: str,
    team_around_family_on: date | None = None,
    first_review_on: date | None = None,
    actions=(),
) -> EarlyHelpPlan:
    """The plan agreed at the Team Around the Family meeting; its first review goes on the deadline engine."""
    _require_coordinator(actor, "record the Early Help Plan")
    if not (lead_professional or "").strip():
        raise PolicyViolation("Enter the name of the lead professional.", field="lead_professional")
    if not (services or "").strip():
        raise PolicyViolation("Enter the services involved in the plan.", field="services")
    with transaction.atomic():
        request = _locked(request)
        if request.status != EarlyHelpStatus.OUTCOME_GIVEN or request.outcome not in PLAN_OUTCOMES:
            if request.status == EarlyHelpStatus.PLAN:
                raise Conflict("This request already has an Early Help Plan.")
            raise Conflict("A plan follows an outcome of a district service or support to the lead professional.")
        plan = EarlyHelpPlan.objects.create(
            request=request,
            lead_professional=lead_professional.strip()[:200],
            services=services.strip()[:TEXT_MAX],
            team_around_family_on=team_around_family_on,
            started_at=timezone.now(),
            created_by=actor,
        )
        for action in actions:
            _add_action(plan, actor=actor, **action)
        request.status = EarlyHelpStatus.PLAN
        request.lead_professional = plan.lead_professional
        _bump(request, ["status", "lead_professional"])
        audit.record(
            actor=actor,
            action="early_help.plan_started",
            obj=request,
            changes={
                "status": [EarlyHelpStatus.OUTCOME_GIVEN.value, EarlyHelpStatus.PLAN.value],
                "lead_professional": plan.lead_professional,
                "services": plan.services,
                "team_around_family_on": team_around_family_on.isoformat() if team_around_family_on else None,
            },
        )
        _schedule_review(plan, actor=actor, on=first_review_on, number=1)
    return plan


OPEN_ACTION = frozenset({ActionStatus.NOT_STARTED, ActionStatus.IN_PROGRESS})


def action_errors(*, description: str = "", owner: str = "", due_on: date | None = None) -> dict[str, str]:
    errors = {}
    if not (description or "").strip():
        errors["description"] = "Enter what the action is."
    if not (owner or "").strip():
        errors["owner"] = "Enter who owns the action."
    if due_on is None:
        errors["due_on"] = "Enter the date the action is due."
    return errors


def _add_action(plan: EarlyHelpPlan, *, actor, description: str, owner: str, due_on: date) -> PlanAction:
    errors = action_errors(description=description, owner=owner, due_on=due_on)
    if errors:
        field, message = next(iter(errors.items()))
        raise PolicyViolation(message, field=field)
    action = PlanAction.objects.create(
        plan=plan, description=description.strip()[:2000], owner=owner.strip()[:200], due_on=due_on, created_by=actor
    )
    audit.record(
        actor=actor, action="early_help.action_added", obj=plan.request,
        changes={"action": action.pk, "description": action.description, "owner": action.owner,
                 "due_on": due_on.isoformat()},
    )  # fmt: skip
    return action


def add_action(*, request, actor, description: str, owner: str, due_on: date | None) -> PlanAction:
    """A new action on the running Early Help Plan, with its owner and due date."""
    _require_coordinator(actor, "add actions to the Early Help Plan")
    with transaction.atomic():
        request = _locked(request)
        plan = EarlyHelpPlan.objects.filter(request=request, closed_at__isnull=True).first()
        if plan is None or request.status != EarlyHelpStatus.PLAN:
            raise Conflict("Actions are added to a running Early Help Plan.")
        return _add_action(plan, actor=actor, description=description, owner=owner, due_on=due_on)


def _review_actions(review: PlanReview, *, actor, updates: dict, now) -> list[dict]:
    """Each open action's progress at this review (all of them required), kept as its status history."""
    actions = list(PlanAction.objects.select_for_update().filter(plan=review.plan))
    known = {a.pk for a in actions}
    for pk in updates:
        if pk not in known:
            raise PolicyViolation("That action is not part of this plan.", field=f"action_{pk}_status")
    recorded = []
    for action in actions:
        update = updates.get(action.pk)
        if update is None:
            if action.status in OPEN_ACTION:
                message = f"Select the progress of the action '{action.description[:60]}'."
                raise PolicyViolation(message, field=f"action_{action.pk}_status")
            continue
        status = update.get("status")
        if status not in ActionStatus.values:
            raise PolicyViolation("Choose the action's progress from the list.", field=f"action_{action.pk}_status")
        note = (update.get("note") or "").strip()[:2000]
        PlanActionUpdate.objects.create(
            action=action, review=review, status=status, note=note, recorded_by=actor, recorded_at=now
        )
        old = action.status
        if old != status:
            action.status = status
            action.save(update_fields=["status"])
        audit.record(
            actor=actor, action="early_help.action_reviewed", obj=review.plan.request,
            changes={"action": action.pk, "review": review.number, "status": [old, status], "note": note},
        )  # fmt: skip
        recorded.append({"action": action.pk, "status": status})
    return recorded


def record_review(
    *,
    review,
    actor,
    held_on: date,
    progress: str,
    notes: str = "",
    next_review_on: date | None = None,
    close_plan: bool = False,
    action_updates: dict | None = None,
) -> PlanReview:
    """A plan review took place: it meets that review's clock and schedules the next (unless the plan ends)."""
    _require_coordinator(actor, "record plan reviews")
    if progress not in ReviewProgress.values:
        raise PolicyViolation("Choose how the plan is progressing.", field="progress")
    if held_on is None:
        raise PolicyViolation("Enter the date the review was held.", field="held_on")
    if held_on > timezone.localdate():
        raise PolicyViolation("The review date must be today or in the past.", field="held_on")
    if not close_plan and next_review_on is None:
        raise PolicyViolation("Enter the date of the next review, or say the plan is ending.", field="next_review_on")
    with transaction.atomic():
        review = PlanReview.objects.select_for_update(of=("self",)).select_related("plan__request").get(pk=review.pk)
        if not review.is_open:
            raise Conflict("This review has already been recorded.")
        plan = review.plan
        if held_on < timezone.localtime(plan.started_at).date():
            raise PolicyViolation("The review cannot be before the plan started.", field="held_on")
        now = timezone.now()
        review.held_on = held_on
        review.progress = progress
        review.notes = (notes or "").strip()[:TEXT_MAX]
        review.recorded_at = now
        review.recorded_by = actor
        review.save(update_fields=["held_on", "progress", "notes", "recorded_at", "recorded_by"])
        actions = _review_actions(review, actor=actor, updates=action_updates or {}, now=now)
        clock = open_clock_for(subject=review, kind=ClockKind.PLAN_REVIEW)
        held_at = min(review_due_instant(plan.request.tenant, held_on), now)
        if clock is not None:
            meet_clock(clock=clock, at=max(held_at, clock.started_at), actor=actor)
        audit.record(
            actor=actor, action="early_help.review_recorded", obj=plan.request,
            changes={"review": review.number, "held_on": held_on.isoformat(), "progress": progress,
                     "late": bool(clock and clock.late_by), "actions": actions},
        )  # fmt: skip
        if not close_plan:
            _schedule_review(plan, actor=actor, on=next_review_on, number=review.number + 1)
    return review


# --- closing and stepping up --------------------------------------------------------------------------


def _stop_clocks(request: EarlyHelpRequest, *, actor, reason: str) -> None:
    """Cancel every open clock of the request, its feedback tasks and its plan reviews."""
    subjects = [request, *FeedbackTask.objects.filter(request=request, done_at__isnull=True)]
    now = timezone.now()
    reviews = PlanReview.objects.filter(plan__request=request, recorded_at__isnull=True, cancelled_at__isnull=True)
    subjects += list(reviews)
    reviews.update(cancelled_at=now)
    for subject in subjects:
        for clock in clocks_for_subject(subject=subject):
            if clock.is_open:
                cancel_clock(clock=clock, actor=actor, reason=reason)


def close_request(*, request, actor, reason: str, notes: str = "") -> EarlyHelpRequest:
    """Close the request (and its plan) with its reason; every clock still running on it stops."""
    _require_coordinator(actor, "close early-help requests")
    if reason not in ClosureReason.values or reason == ClosureReason.STEPPED_UP:
        raise PolicyViolation("Choose why the request is closing.", field="reason")
    notes = (notes or "").strip()
    if reason == ClosureReason.OTHER and not notes:
        raise PolicyViolation("Say why the request is closing.", field="notes")
    with transaction.atomic():
        request = _locked(request)
        if request.status in (EarlyHelpStatus.CLOSED, EarlyHelpStatus.STEPPED_UP):
            raise Conflict("This request is already closed.")
        if request.status == EarlyHelpStatus.RECEIVED:
            raise Conflict("Give the outcome before closing the request.")
        old = request.status
        now = timezone.now()
        request.status = EarlyHelpStatus.CLOSED
        request.closed_at = now
        request.closure_reason = reason
        request.closure_notes = notes[:TEXT_MAX]
        _bump(request, ["status", "closed_at", "closure_reason", "closure_notes"])
        EarlyHelpPlan.objects.filter(request=request, closed_at__isnull=True).update(closed_at=now)
        label = ClosureReason(reason).label
        _stop_clocks(request, actor=actor, reason=f"Early help closed: {label}")
        audit.record(
            actor=actor, action="early_help.closed", obj=request,
            changes={"status": [old, request.status], "reason": reason, "notes": request.closure_notes},
        )  # fmt: skip
    return request


def may_step_up(user, request: EarlyHelpRequest) -> bool:
    """The coordinator, or the professional who asked for the help (often the lead professional)."""
    if user.role == Role.EHCOORD:
        return True
    return user.role == Role.REFERRER and user.pk in (
        request.requested_by_id,
        request.contact.submitted_by_id if request.contact else None,
    )


def history_summary(request: EarlyHelpRequest) -> str:
    """The early-help history a step-up carries to the MASH, so the front door sees what was tried."""
    return render_to_string("earlyhelp/history.txt", {"request": request}).strip()


# What contacts' MARF rules (contacts.serializers.ContactInput) ask of the answers a step-up gives, with their
# words: the step-up builds its submission from the request's stored children and the coordinator's answers.
STEP_UP_CHOICES = (
    ("parents_aware", ParentsAware, "whether parents know about this referral"),
    ("consent_to_referral", Consent, "consent to the referral"),
    ("consent_to_sharing", Consent, "consent to sharing information"),
)


def _check_step_up(submission: ContactSubmission) -> None:
    if not submission.children:
        raise PolicyViolation("Add at least one child.", field="children")
    if any(not (c.first_name and c.last_name and c.date_of_birth) for c in submission.children):
        # The child's record needs correcting first.
        raise PolicyViolation(
            "A child's details are incomplete (each needs a name and date of birth).", field="children"
        )
    if len(submission.concerns) > CONCERNS_MAX:
        raise PolicyViolation(
            f"What you are worried about must be {CONCERNS_MAX:,} characters or fewer.", field="concerns"
        )
    for field, choices, label in STEP_UP_CHOICES:
        value = getattr(submission, field)
        if value is None:
            raise PolicyViolation(f"Select {label}.", field=field)
        if value not in choices.values:
            raise PolicyViolation(f"Choose a valid option for {label}.", field=field)
    if submission.consent_reason and submission.consent_reason not in ConsentReason.values:
        raise PolicyViolation("Choose a valid option for why consent was not given.", field="consent_reason")
    if len(submission.consent_decided_by) > CONTACT_TEXT_MAX:
        raise PolicyViolation(
            f"Who decided must be {CONTACT_TEXT_MAX:,} characters or fewer.", field="consent_decided_by"
        )


def step_up(
    *,
    request,
    actor,
    concerns: str,
    parents_aware: str,
    consent_to_referral: str,
    consent_to_sharing: str,
    consent_reason: str = "",
    consent_decided_by: str = "",
):
    """Safeguarding concerns found in early help: a linked MASH contact (source 5D) with the history attached."""
    if not may_step_up(actor, request):
        raise NotAllowed("Only Early Help coordinators or the professional who asked may step a case up.")
    if not (concerns or "").strip():
        raise PolicyViolation("Enter the safeguarding concerns.", field="concerns")
    with transaction.atomic():
        request = _locked(request)
        if request.stepped_up_to_id is not None:
            raise Conflict("This case has already been stepped up to the MASH.")
        if request.status == EarlyHelpStatus.CLOSED:
            raise Conflict("This request is closed; make a new referral to the MASH.")
        children = list(request.children.all())
        history = history_summary(request)
        given = consent_to_referral == Consent.GIVEN and consent_to_sharing == Consent.GIVEN
        if not given and not consent_reason:
            raise PolicyViolation("Select why consent was not given or not sought.", field="consent_reason")
        if not given and not (consent_decided_by or "").strip():
            raise PolicyViolation("Enter who decided to refer without consent.", field="consent_decided_by")
        submission = ContactSubmission(
            channel=Channel.MARF,
            children=tuple(
                SubmittedPerson(
                    first_name=c.first_name,
                    last_name=c.last_name,
                    date_of_birth=c.date_of_birth,
                    sex=c.sex,
                    ethnicity=c.ethnicity,
                    postcode=c.postcode,
                )
                for c in children
            ),
            concerns=f"{concerns.strip()}\n\nStepped up from early help {request.reference}.",
            support_provided=history[:5000],
            parents_aware=parents_aware,
            consent_to_referral=consent_to_referral,
            consent_to_sharing=consent_to_sharing,
            consent_reason="" if given else consent_reason,
            consent_decided_by="" if given else consent_decided_by.strip(),
            source=ReferralSource.LA_EARLY_HELP.value,
            referrer_name=actor.get_full_name() or actor.get_username(),
            referrer_role=actor.job_title or actor.get_role_display(),
            referrer_organisation="Early Help Hub" if actor.role == Role.EHCOORD else request.referrer_organisation,
            referrer_email=actor.email,
        )
        contact = _hand_to_mash(
            request,
            actor=actor,
            submission=submission,
            reason=concerns,
            action="early_help.stepped_up",
            stop_reason="Stepped up to the MASH as {}",
        )
    return contact
