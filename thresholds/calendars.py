"""The tenant's working calendar as a :class:`WorkingCalendar`, for every deadline in the product."""

from __future__ import annotations

from decimal import Decimal

from .models import CalendarSettings, ClosureDay
from .workcalendar import Unit, WorkingCalendar


def calendar_for(tenant) -> WorkingCalendar:
    """Built from the tenant's settings and closure days (two small queries); run inside its context."""
    settings = CalendarSettings.objects.filter(tenant_id=tenant.pk).first()
    closures = frozenset(ClosureDay.objects.filter(tenant_id=tenant.pk).values_list("date", flat=True))
    if settings is None:
        return WorkingCalendar(tz=tenant.time_zone, closures=closures)
    return WorkingCalendar(
        tz=tenant.time_zone,
        weekdays=frozenset(settings.working_weekdays),
        day_start=settings.day_start,
        day_end=settings.day_end,
        nation=settings.nation or None,
        closures=closures,
    )


def due_at(tenant, start, amount: Decimal, unit: str):
    return calendar_for(tenant).add(start, amount, Unit(unit))
