"""Receivers: a request mirrors its return clock (breach, escalation, "overdue"); agency staff stay in their
agency's group. (An enquiry that closes leaves every agency read-only access to its requests: the decision's
service does that, navigators.services.close_outstanding.)"""

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from deadlines.signals import mirror_clock_stages
from mash.accounts.signals import OpenWork, open_work_requested
from thresholds.models import ClockKind

from . import access
from .models import InformationRequest, RequestStatus


def _mark_overdue(requests):
    requests.filter(status=RequestStatus.OPEN).update(status=RequestStatus.OVERDUE)


mirror_clock_stages(
    kind=ClockKind.NAVIGATOR_RETURN,
    model=InformationRequest,
    dispatch_uid="navigators.mirror_return_clock",
    on_breach=_mark_overdue,
)


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="navigators.agency_group_membership")
def keep_agency_group_in_step(sender, instance, raw=False, created=False, update_fields=None, **kwargs):
    """A navigator or lead is in their own agency's group (their object grants), and in no other."""
    if raw:
        return
    if update_fields is not None and not {"role", "agency", "agency_id", "is_active"} & set(update_fields):
        return  # e.g. last_login on signing in: membership cannot have changed
    access.sync_membership(instance, created=created)


@receiver(open_work_requested, dispatch_uid="navigators.open_work")
def requests_assigned_to(sender, user, **kwargs):
    """A leaver's outstanding information requests, for reassignment among their agency's navigators."""
    from django.urls import reverse

    from .models import OUTSTANDING

    outstanding = InformationRequest.objects.filter(assigned_to=user, status__in=OUTSTANDING).select_related(
        "contact", "agency"
    )
    return [
        OpenWork(
            "Information request",
            f"{r.contact.reference} ({r.agency.name})",
            r.get_status_display(),
            reverse("navigators:request", args=[r.pk]),
        )
        for r in outstanding.order_by("due_at")
    ]
