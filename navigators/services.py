"""Every state change of an information request. Rating opens them; a decision closes what is left."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from mash import audit
from mash.deadlines.selectors import open_clock_for
from mash.deadlines.services import cancel_clock, retime_clock, start_clock
from mash.models import Agency, User
from mash.roles import Role
from thresholds.calendars import calendar_for
from thresholds.models import ClockKind, Rating

from .models import OUTSTANDING, InformationRequest, RequestStatus


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
    navigators are warned before it is due and its lead is the first rung of escalation.
    Agencies already asked are left to :func:`bring_forward`.
    """
    at = at or timezone.now()
    asked = set(InformationRequest.objects.filter(contact=contact).values_list("agency_id", flat=True))
    agencies = [a for a in agencies if a.pk not in asked]
    if not agencies:
        return []
    due_at = calendar_for(contact.tenant).add(at, rating.return_amount, rating.return_unit)
    navigators: dict[int, list[int]] = {}
    for user_id, agency_id in User.objects.filter(
        tenant=contact.tenant, role=Role.NAVIGATOR, is_active=True, agency__in=agencies
    ).values_list("pk", "agency_id"):
        navigators.setdefault(agency_id, []).append(user_id)
    created = []
    for agency in agencies:
        request = InformationRequest.objects.create(
            contact=contact,
            agency=agency,
            rating=rating,
            questions=questions,
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
            responsible=navigators.get(agency.pk, []),
            agency=agency,
            label=_label(request, contact),
            url=request_url(request),
            actor=actor,
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
        created.append(request)
    return created


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
    return closed
