"""The tenant's working calendar as a :class:`WorkingCalendar`, for every deadline in the product."""

from __future__ import annotations

from decimal import Decimal

from django.core.cache import cache
from django.db import connection, transaction

from .models import CalendarSettings, ClosureDay
from .workcalendar import Unit, WorkingCalendar

# Kept in the cache (Redis in production, shared by every process) until the tenant's calendar
# settings or closure days change (forget_calendar, on their save and delete); the time-out is a
# backstop for changes made with QuerySet.update, which send no signal.
CACHE_SECONDS = 60 * 60


def _cache_key(tenant_id) -> str:
    return f"mash.calendar:{connection.settings_dict.get('NAME')}:{tenant_id}"


def _changing() -> set:
    """Tenants whose calendar this connection's open transaction changed: read fresh, never cached."""
    return connection.__dict__.setdefault("_mash_calendars_changing", set())


def calendar_for(tenant) -> WorkingCalendar:
    """The tenant's working calendar: built from its settings and closure days (two small queries) once,
    then read from the cache until they change; run inside its context."""
    changing = _changing()
    if not connection.in_atomic_block:
        changing.clear()
    if tenant.pk in changing:
        return _build(tenant)
    key = _cache_key(tenant.pk)
    cached = cache.get(key)
    if cached is not None and cached[0] == tenant.time_zone:
        return cached[1]
    calendar = _build(tenant)
    cache.set(key, (tenant.time_zone, calendar), CACHE_SECONDS)
    return calendar


def forget_calendar(tenant_id) -> None:
    """The tenant's calendar changed: drop the cached one now (this transaction reads it fresh) and again
    when the change commits (a process that read the old settings meanwhile may have cached them)."""
    if tenant_id is None:
        return
    key = _cache_key(tenant_id)
    cache.delete(key)
    if connection.in_atomic_block:
        _changing().add(tenant_id)
        transaction.on_commit(lambda: cache.delete(key), robust=True)


def calendar_changed(sender, instance, raw=False, **kwargs) -> None:
    """post_save / post_delete of a tenant's calendar settings or closure day."""
    forget_calendar(instance.tenant_id)


def _build(tenant) -> WorkingCalendar:
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
