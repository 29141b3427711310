"""Thin Celery entry points over the deadline services: ids in, fresh state loaded, idempotent.

Found by Celery's autodiscovery (``deadlines`` is an installed app). The task names keep the
``mash.deadlines.`` prefix the engine had when it lived inside the mash app, so wake-ups queued
before the upgrade still find their task (and beat's schedule in mash/celery.py names them).
"""

from celery import shared_task


@shared_task(name="mash.deadlines.wake_clock", ignore_result=True)
def wake_clock(clock_id: int, tenant_id: int) -> None:
    """A clock's exact wake-up (warning, breach or escalation). Running it twice does nothing more."""
    from mash.tenancy import tenant_context

    from . import services

    with tenant_context(tenant_id):
        services.process_clock(clock_id=clock_id)


@shared_task(name="mash.deadlines.process_due_clocks", ignore_result=True)
def process_due_clocks() -> dict:
    """Planned by the sweep for each moment stages fall due: processes every clock due by then."""
    from . import services

    return services.process_due().as_dict()


@shared_task(name="mash.deadlines.sweep_clocks", ignore_result=True)
def sweep_clocks() -> dict:
    """Run by beat every minute: the safety net for wake-ups the broker lost."""
    from . import services

    return services.sweep().as_dict()
