"""Receivers: a request mirrors its return clock (breach, escalation, "overdue"); agency staff stay in their
agency's group; an enquiry that closes leaves every agency read-only access to its requests."""

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from deadlines.signals import clock_stage_changed
from mash.accounts.signals import OpenWork, open_work_requested
from mash.tenancy import tenant_context
from thresholds.models import ClockKind

from . import access
from .models import InformationRequest, RequestStatus


@receiver(clock_stage_changed, dispatch_uid="navigators.mirror_return_clock")
def mirror_return_clock(sender, clock, changes, **kwargs):
    if clock.kind != ClockKind.NAVIGATOR_RETURN or clock.subject_type != InformationRequest._meta.label_lower:
        return
    fields = {name: changes[name] for name in ("breached_at", "escalation_level") if name in changes}
    if not fields:
        return
    requests = InformationRequest.objects.filter(pk=clock.subject_id)
    requests.update(**fields)
    if "breached_at" in fields:
        requests.filter(status=RequestStatus.OPEN).update(status=RequestStatus.OVERDUE)


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="navigators.agency_group_membership")
def keep_agency_group_in_step(sender, instance, raw=False, update_fields=None, **kwargs):
    """A navigator or lead is in their own agency's group (their object grants), and in no other."""
    if raw:
        return
    if update_fields is not None and not {"role", "agency", "agency_id", "is_active"} & set(update_fields):
        return  # e.g. last_login on signing in: membership cannot have changed
    access.sync_membership(instance)


@receiver(post_save, sender="contacts.Contact", dispatch_uid="navigators.enquiry_closed_read_only")
def narrow_when_enquiry_closes(sender, instance, raw=False, update_fields=None, **kwargs):
    """Once the contact is decided or closed, every agency's grant on its requests becomes read-only."""
    if raw or instance.status not in ("decided", "closed"):
        return
    if update_fields is not None and "status" not in update_fields:
        return
    with tenant_context(instance.tenant_id):
        access.narrow_to_read_only(InformationRequest.objects.filter(contact_id=instance.pk))


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
