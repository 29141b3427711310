"""The tenant's working calendar as a :class:`WorkingCalendar`, for every deadline in the product, and the
times its Emergency Duty Team covers (what is "out of hours")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from mash import tenant_settings

from .models import CalendarSettings, ClosureDay, EdtCover
from .workcalendar import Unit, WorkingCalendar


@dataclass(frozen=True)
class EdtCoverTimes:
    """When the Emergency Duty Team covers. Without times: whenever the working calendar is not working. With
    them: on a working day before ``morning_end`` and from ``evening_start`` (the tenant's local wall time, so
    the same on both sides of a clock change), and all day on any other day (weekends, bank holidays, closures).
    """

    evening_start: time | None = None
    morning_end: time | None = None

    def covers(self, calendar: WorkingCalendar, instant: datetime) -> bool:
        if self.evening_start is None or self.morning_end is None:
            return not calendar.is_working_time(instant)
        local = instant.astimezone(ZoneInfo(calendar.tz))
        if not calendar.is_working_day(local.date()):
            return True
        wall = local.time().replace(tzinfo=None)
        return wall < self.morning_end or wall >= self.evening_start


def _calendar_and_cover(tenant) -> tuple[WorkingCalendar, EdtCoverTimes]:
    """Built from the tenant's settings and closure days (two small queries) once per process, then kept until
    they change (:mod:`mash.tenant_settings`); run inside its context."""
    return tenant_settings.remembered(tenant, "calendar", lambda: _build(tenant))


def calendar_for(tenant) -> WorkingCalendar:
    """The tenant's working calendar (cached: see :func:`_calendar_and_cover`)."""
    return _calendar_and_cover(tenant)[0]


def edt_covers(tenant, at: datetime) -> bool:
    """Whether the tenant's Emergency Duty Team covers ``at``: a contact received then is out of hours."""
    calendar, cover = _calendar_and_cover(tenant)
    return cover.covers(calendar, at)


def _build(tenant) -> tuple[WorkingCalendar, EdtCoverTimes]:
    settings = CalendarSettings.objects.filter(tenant_id=tenant.pk).first()
    closures = frozenset(ClosureDay.objects.filter(tenant_id=tenant.pk).values_list("date", flat=True))
    if settings is None:
        return WorkingCalendar(tz=tenant.time_zone, closures=closures), EdtCoverTimes()
    calendar = WorkingCalendar(
        tz=tenant.time_zone,
        weekdays=frozenset(settings.working_weekdays),
        day_start=settings.day_start,
        day_end=settings.day_end,
        nation=settings.nation or None,
        closures=closures,
    )
    if settings.edt_cover != EdtCover.SET_TIMES:
        return calendar, EdtCoverTimes()
    return calendar, EdtCoverTimes(evening_start=settings.edt_evening_start, morning_end=settings.edt_morning_end)


def due_at(tenant, start, amount: Decimal, unit: str):
    return calendar_for(tenant).add(start, amount, Unit(unit))
