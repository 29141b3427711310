"""An early-help request shows its review clock's breach and escalation."""

from django.dispatch import receiver

from mash.deadlines.signals import clock_stage_changed
from thresholds.models import ClockKind

from .models import EarlyHelpRequest


@receiver(clock_stage_changed, dispatch_uid="earlyhelp.mirror_review_clock")
def mirror_review_clock(sender, clock, changes, **kwargs):
    if clock.kind != ClockKind.EARLY_HELP_REVIEW or clock.subject_type != EarlyHelpRequest._meta.label_lower:
        return
    fields = {name: changes[name] for name in ("breached_at", "escalation_level") if name in changes}
    if fields:
        EarlyHelpRequest.objects.filter(pk=clock.subject_id).update(**fields)
