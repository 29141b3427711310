"""A contact shows its decision clock's breach and escalation (API.md's ``breached_at``, ``escalation_level``)."""

from django.dispatch import receiver

from deadlines.signals import clock_stage_changed
from mash.accounts.signals import OpenWork, open_work_requested
from thresholds.models import ClockKind

from .models import Contact

MIRRORED = ("breached_at", "escalation_level")


@receiver(clock_stage_changed, dispatch_uid="contacts.mirror_decision_clock")
def mirror_decision_clock(sender, clock, changes, **kwargs):
    if clock.kind != ClockKind.DECISION or clock.subject_type != Contact._meta.label_lower:
        return
    fields = {name: changes[name] for name in MIRRORED if name in changes}
    if fields:
        Contact.objects.filter(pk=clock.subject_id).update(**fields)


@receiver(open_work_requested, dispatch_uid="contacts.open_work")
def contacts_assigned_to(sender, user, **kwargs):
    """A leaver's undecided contacts, for the administrator to reassign (staff accounts page)."""
    from django.urls import reverse

    from .choices import ContactStatus

    open_contacts = Contact.objects.filter(assigned_to=user).exclude(
        status__in=[ContactStatus.DECIDED, ContactStatus.CLOSED]
    )
    return [
        OpenWork("Contact", c.reference, c.get_status_display(), reverse("contacts:detail", args=[c.pk]))
        for c in open_contacts.order_by("received_at")
    ]
