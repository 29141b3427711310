"""A request shows its return clock's breach and escalation, and reads "overdue" once breached."""

from django.dispatch import receiver

from mash.deadlines.signals import clock_stage_changed
from thresholds.models import ClockKind

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
