"""Signals the deadline engine sends, so a clock's subject can mirror its state.

``clock_stage_changed`` is sent inside the engine's transaction, with the subject's tenant
active, each time a clock warns, breaches or escalates. Receivers update their own rows
(``breached_at``, ``escalation_level``, an ``overdue`` status); they must not call out to
the network, and an exception rolls the stage back so the next sweep retries it.
"""

from django.dispatch import Signal

# sender: the Clock class; kwargs: clock (the updated Clock), changes (field -> new value).
clock_stage_changed = Signal()

MIRRORED = ("breached_at", "escalation_level")


def mirror_clock_stages(*, kind: str, model, dispatch_uid: str, on_breach=None) -> None:
    """Keep ``model``'s ``breached_at`` and ``escalation_level`` in step with its ``kind`` clock.

    Connects one ``clock_stage_changed`` receiver; ``on_breach(rows)``, if given, runs on the
    subject's queryset when the clock breaches (a request's "overdue" status, say).
    """
    subject_type = model._meta.label_lower

    def mirror(sender, clock, changes, **kwargs):
        if clock.kind != kind or clock.subject_type != subject_type:
            return
        fields = {name: changes[name] for name in MIRRORED if name in changes}
        if not fields:
            return
        rows = model.objects.filter(pk=clock.subject_id)
        rows.update(**fields)
        if on_breach is not None and "breached_at" in fields:
            on_breach(rows)

    clock_stage_changed.connect(mirror, weak=False, dispatch_uid=dispatch_uid)
