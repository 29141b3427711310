"""An early-help request, and each Early Help Plan review, show their clock's breach and escalation."""

from django.dispatch import receiver

from deadlines.signals import clock_stage_changed
from thresholds.models import ClockKind

from .models import EarlyHelpRequest, PlanReview

MIRRORED = {
    ClockKind.EARLY_HELP_REVIEW: EarlyHelpRequest,
    ClockKind.PLAN_REVIEW: PlanReview,
}


@receiver(clock_stage_changed, dispatch_uid="earlyhelp.mirror_review_clock")
def mirror_review_clock(sender, clock, changes, **kwargs):
    model = MIRRORED.get(clock.kind)
    if model is None or clock.subject_type != model._meta.label_lower:
        return
    fields = {name: changes[name] for name in ("breached_at", "escalation_level") if name in changes}
    if fields:
        model.objects.filter(pk=clock.subject_id).update(**fields)
