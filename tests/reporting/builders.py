"""Builders for the dashboard tests (the fixture history is in conftest.py)."""

import time_machine

from contacts.choices import Outcome
from contacts.models import Contact
from mash import tenancy
from triage.handover_models import Consultation
from triage.strategy import record_strategy_discussion, start_strategy_clock

RANGE = {"from": "2026-08-01", "to": "2026-09-30"}


def consultation(tenant, recorded_by, recorded_at, *, organisation_type="school"):
    """One call to the advice line, recorded at ``recorded_at`` (advice only)."""
    with tenancy.tenant_context(tenant):
        return Consultation.objects.create(
            caller_name="Ms Lee", caller_organisation="Northfield Primary", organisation_type=organisation_type,
            question="Should we refer?", advice="Speak to the DSL and record it.", outcome="advice_given",
            recorded_by=recorded_by, recorded_at=recorded_at,
        )  # fmt: skip


def strategy_discussion(hub, contact, *, held_at=None):
    """Make ``contact``'s decision a strategy discussion: its clock starts at the decision (the default policy,
    one working day) through the triage service; given ``held_at``, it is recorded then (meeting the clock,
    late when after its due time). Returns the clock."""
    with tenancy.tenant_context(hub["tenant"]):
        Contact.objects.filter(pk=contact.pk).update(outcome=Outcome.STRATEGY_DISCUSSION)
        contact = Contact.objects.get(pk=contact.pk)
        with time_machine.travel(contact.decided_at, tick=False):
            clock = start_strategy_clock(contact, actor=hub["manager"], at=contact.decided_at)
        if held_at is not None:
            with time_machine.travel(held_at, tick=False):
                record_strategy_discussion(
                    contact=contact, actor=hub["manager"], held_at=held_at, chair="Sam Manager",
                    attendees=[{"agency": "police", "name": "DS Reid"}, {"agency": "health", "name": "Dr Khan"}],
                    decision="section_47_joint",
                )  # fmt: skip
        clock.refresh_from_db()
    return clock
