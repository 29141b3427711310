"""State changes of the tenant's policy. Each is validated, transactional and audited."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from mash import audit
from mash.exceptions import PolicyViolation
from mash.tenancy import refuse_another_tenant

from . import defaults
from .models import (
    CalendarSettings,
    ClockKind,
    ClockPolicy,
    ClosureDay,
    EdtCover,
    NeedDomain,
    Rating,
    ThresholdIndicator,
    ThresholdLevel,
)


@transaction.atomic
def ensure_default_policy(*, tenant, scheme: str | None = None) -> None:
    """Give a tenant its seeded calendar, rating scheme, clocks and threshold document where missing.

    ``scheme`` names one of ``defaults.SCHEMES`` (default: the tenant's slug, else the default BRAG
    scheme). Never overwrites what a tenant administrator has changed. Must run inside the tenant's context.

    What is missing is read once per kind of row and written in one statement (``ON CONFLICT DO NOTHING``, so a
    row another process adds meanwhile is kept, not an error): 13 statements for a new tenant, where a
    ``get_or_create`` per row took 67.
    """
    # The rows below are written for ``tenant`` and read for the active one: they must be the same.
    refuse_another_tenant(tenant.pk, "the default policy", required=True)
    CalendarSettings.objects.get_or_create(defaults={"working_weekdays": [0, 1, 2, 3, 4]})
    have = set(Rating.objects.values_list("code", flat=True))
    Rating.objects.bulk_create(
        [
            Rating(tenant_id=tenant.pk, **spec)
            for spec in defaults.SCHEMES.get(scheme or tenant.slug, defaults.DEFAULT_BRAG)
            if spec["code"] not in have
        ],
        ignore_conflicts=True,
    )
    have = set(ClockPolicy.objects.values_list("kind", flat=True))
    ClockPolicy.objects.bulk_create(
        [
            ClockPolicy(tenant_id=tenant.pk, kind=kind, amount=amount, unit=unit)
            for kind, (amount, unit) in defaults.DEFAULT_CLOCKS.items()
            if kind not in have
        ],
        ignore_conflicts=True,
    )
    if not ThresholdLevel.objects.exists():
        levels = ThresholdLevel.objects.bulk_create(
            ThresholdLevel(tenant_id=tenant.pk, number=number, name=name, description=description)
            for number, name, description, _ in defaults.THRESHOLD_LEVELS
        )
        ThresholdIndicator.objects.bulk_create(
            ThresholdIndicator(tenant_id=tenant.pk, level=level, domain=domain, text=text, order=i)
            for level, (*_, by_domain) in zip(levels, defaults.THRESHOLD_LEVELS, strict=True)
            for domain, texts in by_domain.items()
            for i, text in enumerate(texts)
        )


def _save_audited(*, actor, instance, fields, action):
    before = {}
    if instance.pk:
        stored = type(instance).objects.get(pk=instance.pk)
        before = {f: getattr(stored, f) for f in fields}
    instance.full_clean()
    instance.save()
    changes = audit.diff(instance, before, fields)
    if changes:
        audit.record(actor=actor, action=action, obj=instance, changes=changes)
    return instance


RATING_FIELDS = (
    "label", "colour", "description", "examples", "order", "agencies_asked",
    "return_amount", "return_unit", "decision_amount", "decision_unit", "immediate", "can_route_to_early_help",
    "active", "cpis_check_required",
)  # fmt: skip


@transaction.atomic
def change_rating(*, actor, rating: Rating, **fields) -> Rating:
    """Change the tenant's rating. Deadlines already running keep the policy they started with."""
    rating = Rating.objects.select_for_update().get(pk=rating.pk)
    for name, value in fields.items():
        if name in RATING_FIELDS:
            setattr(rating, name, value)
    if rating.agencies_asked == "none":
        rating.return_amount, rating.return_unit = None, ""
    if not rating.active and not Rating.objects.filter(active=True).exclude(pk=rating.pk).exists():
        raise PolicyViolation("Keep at least one rating active, or triage could not rate a contact.", field="active")
    return _save_audited(actor=actor, instance=rating, fields=RATING_FIELDS, action="rating.changed")


# --- the working calendar -------------------------------------------------------------

CALENDAR_FIELDS = ("nation", "working_weekdays", "day_start", "day_end")


@transaction.atomic
def change_calendar(*, actor, nation: str, working_weekdays, day_start: time, day_end: time) -> CalendarSettings:
    """Set the tenant's working week, hours and bank-holiday nation.

    Deadlines already running keep the due time they were given when they started.
    """
    weekdays = sorted({int(day) for day in working_weekdays})
    if not weekdays:
        raise PolicyViolation("Select at least one working day.", field="working_weekdays")
    calendar = CalendarSettings.objects.select_for_update().first() or CalendarSettings()
    calendar.nation, calendar.working_weekdays = nation, weekdays
    calendar.day_start, calendar.day_end = day_start, day_end
    return _save_audited(actor=actor, instance=calendar, fields=CALENDAR_FIELDS, action="calendar.changed")


EDT_COVER_FIELDS = ("edt_cover", "edt_evening_start", "edt_morning_end")


@transaction.atomic
def change_edt_cover(
    *, actor, edt_cover: str, edt_evening_start: time | None = None, edt_morning_end: time | None = None
) -> CalendarSettings:
    """Set when the Emergency Duty Team covers: outside the working calendar, or set times on working days (and
    all day on other days). Contacts already received keep the out-of-hours mark they were given."""
    if edt_cover not in EdtCover.values:
        raise PolicyViolation("Choose when the Emergency Duty Team covers.", field="edt_cover")
    calendar = CalendarSettings.objects.select_for_update().first() or CalendarSettings()
    calendar.edt_cover = edt_cover
    if edt_cover == EdtCover.SET_TIMES:
        calendar.edt_evening_start, calendar.edt_morning_end = edt_evening_start, edt_morning_end
    else:
        calendar.edt_evening_start = calendar.edt_morning_end = None
    return _save_audited(actor=actor, instance=calendar, fields=EDT_COVER_FIELDS, action="edt_cover.changed")


def tenant_today(tenant) -> date:
    return timezone.localdate(timezone=ZoneInfo(tenant.time_zone))


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


@transaction.atomic
def add_closure_day(*, actor, tenant, date: date, reason: str) -> ClosureDay:
    """Close the hub on ``date`` (besides bank holidays). Only today or later: past deadlines stay as measured."""
    reason = reason.strip()
    if not reason:
        raise PolicyViolation("Enter why the hub is closed on this day.", field="reason")
    if date < tenant_today(tenant):
        raise PolicyViolation(
            "The closure date must be today or in the future. Deadlines already measured do not change.",
            field="date",
        )
    if ClosureDay.objects.filter(date=date).exists():
        raise PolicyViolation(f"The hub is already closed on {long_date(date)}.", field="date")
    closure = ClosureDay.objects.create(date=date, reason=reason)
    audit.record(
        actor=actor, action="closure_day.added", obj=closure, changes={"date": date.isoformat(), "reason": reason}
    )
    return closure


@transaction.atomic
def remove_closure_day(*, actor, tenant, closure: ClosureDay) -> None:
    """Reopen the hub on a closure day that has not passed yet."""
    closure = ClosureDay.objects.select_for_update().get(pk=closure.pk)
    if closure.date < tenant_today(tenant):
        raise PolicyViolation("A closure day that has passed cannot be removed.", field="date")
    audit.record(
        actor=actor,
        action="closure_day.removed",
        obj=closure,
        changes={"date": closure.date.isoformat(), "reason": closure.reason},
    )
    closure.delete()


# --- clocks ---------------------------------------------------------------------------

CLOCK_FIELDS = ("amount", "unit", "warn_fraction")


@transaction.atomic
def change_clock_policy(*, actor, kind: str, amount: Decimal, unit: str, warn_fraction: Decimal) -> ClockPolicy:
    """Set how long a clock runs and when it warns. Clocks already running keep the policy they started with."""
    if kind == ClockKind.NAVIGATOR_RETURN:
        raise PolicyViolation("Navigator returns take their deadline from the rating.", field="kind")
    if kind not in ClockKind.values:
        raise PolicyViolation("Choose a clock.", field="kind")
    policy = ClockPolicy.objects.select_for_update().filter(kind=kind).first() or ClockPolicy(kind=kind)
    policy.amount, policy.unit, policy.warn_fraction = amount, unit, warn_fraction
    return _save_audited(actor=actor, instance=policy, fields=CLOCK_FIELDS, action="clock_policy.changed")


# --- the threshold document -----------------------------------------------------------

LEVEL_FIELDS = ("name", "description")
INDICATOR_FIELDS = ("domain", "text")


@transaction.atomic
def change_threshold_level(*, actor, level: ThresholdLevel, name: str, description: str) -> ThresholdLevel:
    level = ThresholdLevel.objects.select_for_update().get(pk=level.pk)
    level.name, level.description = name.strip(), description.strip()
    return _save_audited(actor=actor, instance=level, fields=LEVEL_FIELDS, action="threshold_level.changed")


def _check_indicator(*, level, domain, text, exclude_pk=None) -> str:
    text = text.strip()
    if not text:
        raise PolicyViolation("Enter the indicator.", field="text")
    if domain not in NeedDomain.values:
        raise PolicyViolation("Choose the domain of need.", field="domain")
    duplicates = ThresholdIndicator.objects.filter(level=level, domain=domain, text__iexact=text)
    if duplicates.exclude(pk=exclude_pk).exists():
        raise PolicyViolation(
            f"Level {level.number} already lists this indicator under {NeedDomain(domain).label.lower()}.",
            field="text",
        )
    return text


def _next_order(level, domain) -> int:
    top = ThresholdIndicator.objects.filter(level=level, domain=domain).aggregate(top=Max("order"))["top"]
    return 0 if top is None else top + 1


@transaction.atomic
def add_threshold_indicator(*, actor, level: ThresholdLevel, domain: str, text: str) -> ThresholdIndicator:
    """Add an indicator at the end of a level's domain."""
    level = ThresholdLevel.objects.select_for_update().get(pk=level.pk)
    text = _check_indicator(level=level, domain=domain, text=text)
    indicator = ThresholdIndicator(level=level, domain=domain, text=text, order=_next_order(level, domain))
    indicator.full_clean()
    indicator.save()
    audit.record(
        actor=actor,
        action="threshold_indicator.added",
        obj=indicator,
        changes={"level": level.number, "domain": domain, "text": text},
    )
    return indicator


@transaction.atomic
def change_threshold_indicator(*, actor, indicator: ThresholdIndicator, domain: str, text: str) -> ThresholdIndicator:
    indicator = ThresholdIndicator.objects.select_for_update().select_related("level").get(pk=indicator.pk)
    text = _check_indicator(level=indicator.level, domain=domain, text=text, exclude_pk=indicator.pk)
    if domain != indicator.domain:
        indicator.order = _next_order(indicator.level, domain)
    indicator.domain, indicator.text = domain, text
    return _save_audited(actor=actor, instance=indicator, fields=INDICATOR_FIELDS, action="threshold_indicator.changed")


@transaction.atomic
def remove_threshold_indicator(*, actor, indicator: ThresholdIndicator) -> None:
    indicator = ThresholdIndicator.objects.select_for_update().select_related("level").get(pk=indicator.pk)
    audit.record(
        actor=actor,
        action="threshold_indicator.removed",
        obj=indicator,
        changes={"level": indicator.level.number, "domain": indicator.domain, "text": indicator.text},
    )
    indicator.delete()
