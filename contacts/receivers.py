"""A contact shows its decision clock's breach and escalation (API.md's ``breached_at``, ``escalation_level``)."""

from django.dispatch import receiver

from deadlines.signals import mirror_clock_stages
from mash.accounts.signals import OpenWork, open_work_requested
from thresholds.models import ClockKind

from .models import Contact

mirror_clock_stages(kind=ClockKind.DECISION, model=Contact, dispatch_uid="contacts.mirror_decision_clock")


@receiver(open_work_requested, dispatch_uid="contacts.open_work")
def contacts_assigned_to(sender, user, **kwargs):
    """A leaver's undecided contacts, for the administrator to reassign (staff accounts page)."""
    from django.urls import reverse

    from .choices import ENQUIRY_CLOSED

    open_contacts = Contact.objects.filter(assigned_to=user).exclude(status__in=ENQUIRY_CLOSED)
    return [
        OpenWork("Contact", c.reference, c.get_status_display(), reverse("contacts:detail", args=[c.pk]))
        for c in open_contacts.order_by("received_at")
    ]
