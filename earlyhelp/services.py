"""Every state change of an early-help request."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import F
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from contacts.choices import PersonRole
from mash import audit
from mash.deadlines.services import start_clock
from mash.models import User
from mash.roles import Role
from thresholds.models import ClockKind

from .models import EarlyHelpChild, EarlyHelpCounter, EarlyHelpRequest


def _allocate_reference(tenant, at: datetime) -> str:
    """``EH-<prefix>-<year>-<number>``; the counter row is updated first, so concurrent requests queue on its lock."""
    year = timezone.localtime(at, ZoneInfo(tenant.time_zone)).year
    counters = EarlyHelpCounter.objects.filter(year=year)
    if not counters.update(last_number=F("last_number") + 1):
        EarlyHelpCounter.objects.bulk_create(
            [EarlyHelpCounter(tenant_id=tenant.pk, year=year, last_number=0)], ignore_conflicts=True
        )
        counters.update(last_number=F("last_number") + 1)
    number = counters.values_list("last_number", flat=True).get()
    return f"EH-{tenant.reference_prefix}-{year}-{number:06d}"


def request_url(request: EarlyHelpRequest) -> str:
    try:
        return reverse("earlyhelp:request", args=[request.pk])
    except NoReverseMatch:
        return ""


@transaction.atomic
def receive(*, tenant, actor, received_at: datetime | None = None, contact=None, **fields) -> EarlyHelpRequest:
    """File an early-help request and start its review clock (the tenant's early-help review policy)."""
    received_at = received_at or timezone.now()
    request = EarlyHelpRequest.objects.create(
        reference=_allocate_reference(tenant, received_at),
        contact=contact,
        received_at=received_at,
        requested_by=actor,
        **fields,
    )
    coordinators = User.objects.filter(tenant=tenant, role=Role.EHCOORD, is_active=True)
    clock = start_clock(
        tenant=tenant,
        kind=ClockKind.EARLY_HELP_REVIEW,
        subject=request,
        started_at=received_at,
        responsible=list(coordinators),
        label=request.reference,
        url=request_url(request),
        actor=actor,
    )
    request.review_due_at = clock.due_at
    request.save(update_fields=["review_due_at"])
    audit.record(
        actor=actor,
        action="early_help.received",
        obj=request,
        changes={"contact": contact.reference if contact else None, "review_due_at": clock.due_at.isoformat()},
    )
    return request


def create_from_contact(*, contact, actor, reason: str = "") -> EarlyHelpRequest:
    """Step a decided MASH contact down to the Early Help Hub, carrying its information (nothing typed twice)."""
    request = receive(
        tenant=contact.tenant,
        actor=actor,
        contact=contact,
        needs=(reason or contact.concerns)[:10_000],
    )
    children = [p for p in contact.people.all() if p.role == PersonRole.CHILD]
    EarlyHelpChild.objects.bulk_create(
        EarlyHelpChild(
            tenant_id=contact.tenant_id,
            request=request,
            person_id=child.person_id,
            first_name=child.first_name,
            last_name=child.last_name,
            date_of_birth=child.date_of_birth,
            sex=child.sex,
            ethnicity=child.ethnicity,
            postcode=child.postcode,
            order=n,
        )
        for n, child in enumerate(children)
    )
    return request
