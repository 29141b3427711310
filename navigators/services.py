"""Every state change of an information request. Rating opens them; a decision closes what is left."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from contacts.choices import ENQUIRY_CLOSED
from deadlines.selectors import open_clock_for
from deadlines.services import cancel_clock, meet_clock, notify, retime_clock, same_policies, start_clock
from mash import audit, documents, timefmt
from mash.exceptions import Conflict, NotAllowed, PolicyViolation
from mash.models import Agency
from mash.roles import AGENCY_ROLES, Role
from thresholds.calendars import calendar_for
from thresholds.models import ClockKind, Rating

from . import access, validation
from .models import (
    ITEM_MAX,
    ITEMS_MAX,
    OUTSTANDING,
    SUMMARY_MAX,
    InformationRequest,
    InformationReturn,
    InformationShare,
    LawfulBasis,
    NavigatorSettings,
    QuestionTemplate,
    RequestStatus,
    ReturnAddendum,
    ReturnStatus,
)


def request_url(request: InformationRequest) -> str:
    try:
        return reverse("navigators:request", args=[request.pk])
    except NoReverseMatch:  # the navigators' pages are optional to the engine
        return ""


def _label(request: InformationRequest, contact) -> str:
    return f"{contact.reference} ({request.agency.name})"


@transaction.atomic
def open_requests(
    *, contact, rating: Rating, agencies: Iterable[Agency], actor, at: datetime | None = None, questions: str = ""
) -> list[InformationRequest]:
    """Ask each agency not yet asked about ``contact``, on ``rating``'s return deadline, from ``at``.

    Each request starts its navigator-return clock in the same transaction; the agency's
    navigators (those in post when the warning is due) are warned before it is due and its lead is the first
    rung of escalation.
    Agencies already asked are left to :func:`bring_forward`.
    """
    at = at or timezone.now()
    asked = set(InformationRequest.objects.filter(contact=contact).values_list("agency_id", flat=True))
    # A retired agency is asked nothing new, whoever the caller (its old requests stay as they are).
    agencies = [a for a in agencies if a.pk not in asked and a.active]
    if not agencies:
        return []
    due_at = calendar_for(contact.tenant).add(at, rating.return_amount, rating.return_unit)
    templates = {t.agency_id: t for t in QuestionTemplate.objects.filter(agency__in=agencies)}
    created = []
    with audit.batched(), same_policies():  # one audit INSERT, one read of the return clock's policy and ladder
        for agency in agencies:
            created.append(
                _open_request(
                    contact=contact, rating=rating, agency=agency, template=templates.get(agency.pk),
                    questions=questions, at=at, due_at=due_at, actor=actor,
                )
            )  # fmt: skip
    # The agency's group may see and answer it (django-guardian); narrowed to read-only when the enquiry closes.
    access.grant(created)
    return created


def _open_request(*, contact, rating, agency, template, questions, at, due_at, actor) -> InformationRequest:
    request = InformationRequest.objects.create(
        contact=contact,
        agency=agency,
        rating=rating,
        questions=questions,
        question_list=list(template.questions) if template else [],
        source_list=list(template.sources) if template else [],
        requested_at=at,
        requested_by=actor,
        due_at=due_at,
    )
    clock = start_clock(
        tenant=contact.tenant,
        kind=ClockKind.NAVIGATOR_RETURN,
        subject=request,
        started_at=at,
        amount=rating.return_amount,
        unit=rating.return_unit,
        responsible_roles=[Role.NAVIGATOR],  # the agency's navigators in post when the warning is due
        agency=agency,
        label=_label(request, contact),
        url=request_url(request),
        actor=actor,
        new_subject=True,  # made just above, in this transaction: no clock can be running for it yet
    )
    if clock.due_at != request.due_at:  # one calendar, so only if the tenant's calendar changed mid-call
        request.due_at = clock.due_at
        request.save(update_fields=["due_at"])
    audit.record(
        actor=actor,
        action="information_request.opened",
        obj=request,
        label=_label(request, contact),
        changes={"agency": agency.slug, "rating": rating.code, "due_at": request.due_at.isoformat()},
    )
    return request


@transaction.atomic
def bring_forward(
    *, contact, rating: Rating, actor, reason: str, at: datetime | None = None
) -> list[InformationRequest]:
    """Re-time the outstanding requests to ``rating``'s deadline from ``at`` where that is earlier.

    Stepping up brings deadlines forward; stepping down never puts one back (a later deadline
    would hide a delay), so requests whose deadline is already earlier keep it.
    """
    if rating.return_amount is None:
        return []
    at = at or timezone.now()
    due_at = calendar_for(contact.tenant).add(at, rating.return_amount, rating.return_unit)
    moved = []
    for request in InformationRequest.objects.select_for_update().filter(contact=contact, status__in=OUTSTANDING):
        if due_at >= request.due_at:
            continue
        new_due = max(due_at, request.requested_at)
        clock = open_clock_for(subject=request, kind=ClockKind.NAVIGATOR_RETURN)
        if clock is not None:
            retime_clock(clock=clock, due_at=new_due, actor=actor, reason=reason)
        old_due = request.due_at
        request.due_at = new_due
        request.rating = rating
        request.version += 1
        request.save(update_fields=["due_at", "rating", "version", "updated_at"])
        audit.record(
            actor=actor,
            action="information_request.retimed",
            obj=request,
            label=_label(request, contact),
            changes={"due_at": [old_due.isoformat(), new_due.isoformat()], "rating": rating.code, "reason": reason},
        )
        moved.append(request)
    return moved


@transaction.atomic
def close_outstanding(*, contact, actor, reason: str) -> list[InformationRequest]:
    """Close every request still waiting on ``contact`` (the manager decided without it) and stop its clock."""
    closed = []
    now = timezone.now()
    for request in InformationRequest.objects.select_for_update().filter(contact=contact, status__in=OUTSTANDING):
        clock = open_clock_for(subject=request, kind=ClockKind.NAVIGATOR_RETURN)
        if clock is not None:
            cancel_clock(clock=clock, actor=actor, reason=reason)
        request.status = RequestStatus.CLOSED
        request.closed_at = now
        request.closed_reason = reason[:300]
        request.version += 1
        request.save(update_fields=["status", "closed_at", "closed_reason", "version", "updated_at"])
        audit.record(
            actor=actor,
            action="information_request.closed",
            obj=request,
            label=_label(request, contact),
            changes={"reason": reason},
        )
        closed.append(request)
    # The enquiry is over: every agency keeps sight of its own requests, and can change none of them.
    access.narrow_to_read_only(InformationRequest.objects.filter(contact=contact))
    return closed


# --- the return: drafts, submission, addenda -------------------------------------------------------


def _check_may_work_on(request: InformationRequest, actor, *, roles=(Role.NAVIGATOR,)) -> None:
    """The actor is one of ``roles`` of the request's own agency and the grant still allows changes."""
    if actor.role not in roles or actor.agency_id != request.agency_id:
        raise NotAllowed("Only the requested agency's navigator can do that.")
    if request.status == RequestStatus.CLOSED:
        when = timefmt.govuk_datetime(request.closed_at)
        raise Conflict(f"This request was closed{' on ' + when if when else ''}: it can no longer take a return.")
    if request.contact.status in ENQUIRY_CLOSED:
        raise Conflict("The MASH enquiry is closed: this request can no longer be changed.")
    if not access.may_change(actor, request):
        raise NotAllowed("Your agency's access to this request is read-only.")


def _locked_request(request: InformationRequest) -> InformationRequest:
    return (
        InformationRequest.objects.select_for_update(of=("self",))
        .select_related("contact", "agency")
        .get(pk=request.pk)
    )


def initial_return_values(request: InformationRequest) -> dict:
    """A new return pre-filled from the agency's question template and the contact's consent record."""
    contact = request.contact
    return {
        "answers": [{"question": q, "answer": ""} for q in request.question_list],
        "sources_checked": list(request.source_list),
        "consent_status": contact.consent_to_sharing,
        "consent_reason": contact.consent_reason,
        "lawful_basis": LawfulBasis.PUBLIC_TASK,
    }


def _draft_for(request: InformationRequest, actor) -> tuple[InformationReturn, bool]:
    existing = InformationReturn.objects.filter(request=request).first()
    if existing is not None:
        return existing, False
    draft = InformationReturn(request=request, created_by=actor, **initial_return_values(request))
    return draft, True


@transaction.atomic
def save_draft(*, request: InformationRequest, actor, values: dict, audited: bool = True) -> InformationReturn:
    """Keep what the navigator has typed so far (unvalidated beyond shape). Autosave passes ``audited=False``."""
    request = _locked_request(request)
    _check_may_work_on(request, actor)
    draft, created = _draft_for(request, actor)
    if draft.is_submitted:
        raise Conflict("This return has been submitted and cannot be changed; add an addendum instead.")
    for name, value in validation.clean(values, submitting=False).items():
        setattr(draft, name, value)
    draft.version += 0 if created else 1
    draft.save()
    if audited or created:
        audit.record(
            actor=actor,
            action="information_return.draft_saved",
            obj=draft,
            label=_label(request, request.contact),
            changes={"request": request.pk, "fields": sorted(values)},
        )
    return draft


def _share_record(*, request, information_return, actor, at, what: str, addendum=None) -> InformationShare:
    contact = request.contact
    share = InformationShare.objects.create(
        request=request,
        information_return=information_return,
        addendum=addendum,
        from_agency=request.agency,
        shared_by=actor,
        shared_with=f"MASH team (triage social workers and managers), {contact.tenant.name}",
        what=what[:2_000],
        why=(
            f"MASH enquiry {contact.reference} rated {request.rating.label}: information requested to "
            f"decide what help and protection the child needs (Working Together to Safeguard Children)."
        ),
        lawful_basis=information_return.lawful_basis,
        consent_status=information_return.consent_status,
        consent_reason=information_return.consent_reason,
        shared_at=at,
    )
    audit.record(
        actor=actor,
        action="information.shared",
        obj=share,
        label=_label(request, contact),
        changes={
            "what": share.what,
            "with": share.shared_with,
            "why": share.why,
            "when": at.isoformat(),
            "lawful_basis": share.lawful_basis,
            "consent_status": share.consent_status,
            "consent_reason": share.consent_reason,
        },
    )
    return share


def _describe(ret: InformationReturn) -> str:
    known = "known" if ret.known_to_agency else "not known"
    return (
        f"Information return: {known} to {ret.request.agency.name}; involvement summary; "
        f"{len(ret.history)} history entr{'y' if len(ret.history) == 1 else 'ies'}; "
        f"{len(ret.risk_indicators)} risk indicator{'' if len(ret.risk_indicators) == 1 else 's'}; "
        f"{len(ret.answers)} answer{'' if len(ret.answers) == 1 else 's'} to the hub's questions; recommendation."
    )


@transaction.atomic
def submit_return(
    *, request: InformationRequest, actor, values: dict | None = None, at: datetime | None = None
) -> InformationReturn:
    """Submit the agency's return: the draft merged with ``values``, complete, then never changed.

    Meets the request's navigator-return clock (which stops any escalation at once) and records
    lateness when it comes after the deadline. Logged as an information share.
    """
    now = timezone.now()
    at = at or now
    request = _locked_request(request)
    if request.status == RequestStatus.RETURNED:
        raise Conflict("This request has already been returned; add an addendum to the return instead.")
    _check_may_work_on(request, actor)
    ret, _created = _draft_for(request, actor)
    if ret.is_submitted:
        raise Conflict("This return has been submitted and cannot be changed; add an addendum instead.")
    for name, value in validation.clean(values or {}, submitting=True).items():
        setattr(ret, name, value)
    validation.check_complete({name: getattr(ret, name) for name in validation.FIELDS})
    ret.status = ReturnStatus.SUBMITTED
    ret.submitted_at = at
    ret.submitted_by = actor
    ret.submitted_late = at > request.due_at
    ret.late_by = at - request.due_at if ret.submitted_late else None
    ret.save()

    clock = open_clock_for(subject=request, kind=ClockKind.NAVIGATOR_RETURN)
    if clock is not None:
        meet_clock(clock=clock, at=at, actor=actor)
    before = request.status
    request.status = RequestStatus.RETURNED
    request.returned_at = at
    request.version += 1
    request.save(update_fields=["status", "returned_at", "version", "updated_at"])
    audit.record(
        actor=actor,
        action="information_return.submitted",
        obj=ret,
        label=_label(request, request.contact),
        changes={
            "request": request.pk,
            "status": [before, RequestStatus.RETURNED],
            "known_to_agency": ret.known_to_agency,
            "submitted_at": at.isoformat(),
            "late_by_seconds": int(ret.late_by.total_seconds()) if ret.late_by else 0,
            "escalation_level": request.escalation_level,
        },
    )
    _share_record(request=request, information_return=ret, actor=actor, at=at, what=_describe(ret))
    return ret


def update_return(*, information_return: InformationReturn, actor, values: dict) -> InformationReturn:
    """Change a return: only ever a draft. A submitted return is refused here (and by the database)."""
    if information_return.is_submitted:
        raise Conflict("This return has been submitted and cannot be changed; add an addendum instead.")
    return save_draft(request=information_return.request, actor=actor, values=values)


@transaction.atomic
def add_addendum(*, information_return: InformationReturn, actor, text: str) -> ReturnAddendum:
    """Add to a submitted return (something found later, a correction). The return itself stays as it was."""
    text = (text or "").strip()
    if not text:
        raise PolicyViolation("Enter what you want to add to the return.", field="text")
    if len(text) > SUMMARY_MAX:
        raise PolicyViolation(f"The addendum must be {SUMMARY_MAX} characters or fewer.", field="text")
    ret = InformationReturn.objects.select_related("request").get(pk=information_return.pk)
    if not ret.is_submitted:
        raise Conflict("Submit the return first; until then, change the draft itself.")
    request = _locked_request(ret.request)
    _check_may_work_on(request, actor, roles=(Role.NAVIGATOR, Role.AGENCY_LEAD))
    now = timezone.now()
    addendum = ReturnAddendum.objects.create(information_return=ret, text=text, added_by=actor, added_at=now)
    audit.record(
        actor=actor,
        action="information_return.addendum_added",
        obj=ret,
        label=_label(request, request.contact),
        changes={"addendum": addendum.pk, "text": text},
    )
    _share_record(
        request=request,
        information_return=ret,
        actor=actor,
        at=now,
        what=f"Addendum to the information return of {request.agency.name}: {text[:1_500]}",
        addendum=addendum,
    )
    return addendum


# --- documents with the return ------------------------------------------------------------------------


def may_attach_documents(user, request: InformationRequest, information_return) -> bool:
    """The requested agency's navigator while the return is a draft; its navigators and lead once it is
    submitted (a document then adds to it, like an addendum); nobody once the request or enquiry is closed."""
    if user.role not in AGENCY_ROLES or user.agency_id != request.agency_id:
        return False
    if request.status == RequestStatus.CLOSED or request.contact.status in ENQUIRY_CLOSED:
        return False
    if information_return is not None and information_return.is_submitted:
        return True
    return user.role == Role.NAVIGATOR


@transaction.atomic
def attach_return_document(*, request: InformationRequest, actor, upload, kind: str, description: str = ""):
    """Attach a document to the agency's return (a draft is started if there is none). After submission it is
    shared with the hub at once, and the information-share log says so."""
    request = _locked_request(request)
    _check_may_work_on(request, actor, roles=(Role.NAVIGATOR, Role.AGENCY_LEAD))
    ret, created = _draft_for(request, actor)
    if not may_attach_documents(actor, request, ret):
        raise NotAllowed("Only your agency's navigator can add to a draft return.")
    label = _label(request, request.contact)
    if created:
        ret.save()
        audit.record(
            actor=actor,
            action="information_return.draft_saved",
            obj=ret,
            label=label,
            changes={"request": request.pk, "fields": []},
        )
    document = documents.attach(
        subject=ret, actor=actor, upload=upload, kind=kind, description=description, label=label
    )
    if ret.is_submitted:
        _share_record(
            request=request,
            information_return=ret,
            actor=actor,
            at=document.uploaded_at,
            what=f"Document added to the information return of {request.agency.name}: "
            f"{document.original_name} ({document.get_kind_display()})",
        )
    return document


# --- agency leads: assignment ------------------------------------------------------------------------


@transaction.atomic
def assign(*, request: InformationRequest, assignee, actor, version: int) -> InformationRequest:
    """An agency lead gives the request to one of the agency's navigators (or back to the whole desk).

    ``version`` is the one the lead saw: if the request changed since, the lead must look again (409).
    """
    if actor.role != Role.AGENCY_LEAD or actor.agency_id != request.agency_id:
        raise NotAllowed("Only the agency's lead can reassign its requests.")
    if assignee is not None and (
        assignee.role != Role.NAVIGATOR or assignee.agency_id != request.agency_id or not assignee.is_active
    ):
        raise PolicyViolation("Choose a navigator of your own agency.", field="assigned_to")
    locked = _locked_request(request)
    if locked.version != version:
        raise Conflict("Someone else changed this request first. Reload it and try again.")
    if locked.status not in OUTSTANDING:
        raise Conflict("Only a request still waiting for its return can be reassigned.")
    before = locked.assigned_to.get_username() if locked.assigned_to_id else None
    locked.assigned_to = assignee
    locked.version += 1
    locked.save(update_fields=["assigned_to", "version", "updated_at"])
    audit.record(
        actor=actor,
        action="information_request.assigned",
        obj=locked,
        label=_label(locked, locked.contact),
        changes={"assigned_to": [before, assignee.get_username() if assignee else None]},
    )
    if assignee is not None and assignee.pk != actor.pk:
        notify(
            recipient=assignee,
            subject=_label(locked, locked.contact),
            message=f"{actor.get_full_name() or actor.get_username()} gave you the information request for "
            f"{locked.contact.reference}, due {timefmt.govuk_datetime(locked.due_at)}.",
            url=request_url(locked),
        )
    return locked


# --- tenant admin: question templates and sharing settings -------------------------------------------


def _admin_only(actor) -> None:
    if actor.role != Role.ADMIN:
        raise NotAllowed("Only the tenant administrator can change this.")


@transaction.atomic
def save_question_template(*, agency: Agency, actor, questions: list[str], sources: list[str]) -> QuestionTemplate:
    """Set the questions asked of ``agency`` and the sources its navigators usually check (new requests only)."""
    _admin_only(actor)
    questions = [q for q in (str(q).strip()[:ITEM_MAX] for q in questions) if q][:ITEMS_MAX]
    sources = [s for s in (str(s).strip()[:ITEM_MAX] for s in sources) if s][:ITEMS_MAX]
    if not questions:
        raise PolicyViolation("Ask the agency at least one question.", field="questions")
    template = QuestionTemplate.objects.filter(agency=agency).first() or QuestionTemplate(agency=agency)
    before = {"questions": list(template.questions), "sources": list(template.sources)}
    template.questions, template.sources = questions, sources
    template.save()
    changes = audit.diff(template, before, ["questions", "sources"])
    if changes:
        audit.record(actor=actor, action="question_template.changed", obj=template, changes=changes)
    return template


@transaction.atomic
def save_navigator_settings(*, tenant, actor, share_concerns_with_agencies: bool) -> NavigatorSettings:
    _admin_only(actor)
    settings_row = NavigatorSettings.objects.filter().first() or NavigatorSettings()
    before = {"share_concerns_with_agencies": settings_row.share_concerns_with_agencies}
    settings_row.share_concerns_with_agencies = bool(share_concerns_with_agencies)
    settings_row.save()
    changes = audit.diff(settings_row, before, ["share_concerns_with_agencies"])
    if changes:
        audit.record(actor=actor, action="navigator_settings.changed", obj=settings_row, tenant=tenant, changes=changes)
    return settings_row
