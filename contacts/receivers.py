"""A contact shows its decision clock's breach and escalation (API.md's ``breached_at``, ``escalation_level``)."""

from django.dispatch import receiver

from deadlines.signals import clock_stage_changed
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
