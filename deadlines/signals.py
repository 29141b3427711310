"""Signals the deadline engine sends, so a clock's subject can mirror its state.

``clock_stage_changed`` is sent inside the engine's transaction, with the subject's tenant
active, each time a clock warns, breaches or escalates. Receivers update their own rows
(``breached_at``, ``escalation_level``, an ``overdue`` status); they must not call out to
the network, and an exception rolls the stage back so the next sweep retries it.
"""

from django.dispatch import Signal

# sender: the Clock class; kwargs: clock (the updated Clock), changes (field -> new value).
clock_stage_changed = Signal()
