"""A contact shows its decision clock's breach and escalation (API.md's ``breached_at``, ``escalation_level``)."""

from deadlines.signals import mirror_clock_stages
from thresholds.models import ClockKind

from .models import Contact

mirror_clock_stages(kind=ClockKind.DECISION, model=Contact, dispatch_uid="contacts.mirror_decision_clock")
