"""An early-help request, and each Early Help Plan review, show their clock's breach and escalation."""

from deadlines.signals import mirror_clock_stages
from thresholds.models import ClockKind

from .models import EarlyHelpRequest, PlanReview

mirror_clock_stages(
    kind=ClockKind.EARLY_HELP_REVIEW, model=EarlyHelpRequest, dispatch_uid="earlyhelp.mirror_review_clock"
)
mirror_clock_stages(kind=ClockKind.PLAN_REVIEW, model=PlanReview, dispatch_uid="earlyhelp.mirror_plan_review_clock")
