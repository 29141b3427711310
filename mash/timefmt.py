"""One way of telling time, for every page, notification and email.

* Time left to a deadline: ``2 h 15 min left``, ``Overdue by 20 min``, with its state: overdue, due soon
  (from the deadline's warning time, which each tenant sets per clock as the share of the time elapsed), on time.
* Instants in the GOV.UK style, in the tenant's zone (Europe/London by default): ``1 December 2026 at 2:15pm``,
  ``midday``, ``midnight``; dates as ``1 December 2026``.

The live countdown (static/mash/countdown.js) words time left exactly as :func:`span` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

OVERDUE = "overdue"
DUE_SOON = "due_soon"
ON_TIME = "on_time"
NO_DEADLINE = "none"

# Each state's GOV.UK tag colour and its word: colour is never the only signal.
STATE_TAGS = {
    OVERDUE: ("red", "Overdue"),
    DUE_SOON: ("yellow", "Due soon"),
    ON_TIME: ("blue", "On time"),
    NO_DEADLINE: ("grey", "No deadline"),
}


def span(seconds: float) -> str:
    """A length of time in words, to the minute: ``2 d 3 h``, ``2 h 15 min``, ``20 min``, ``under 1 min``."""
    minutes = int(seconds) // 60
    if minutes < 1:
        return "under 1 min"
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"


@dataclass(frozen=True)
class TimeLeft:
    due_at: datetime | None
    warn_at: datetime | None
    state: str
    words: str  # "2 h 15 min left", "Overdue by 20 min", "No deadline"
    seconds: int  # negative once overdue; 0 without a deadline

    @property
    def tag(self) -> str:
        return STATE_TAGS[self.state][0]

    @property
    def label(self) -> str:
        return STATE_TAGS[self.state][1]

    @property
    def is_overdue(self) -> bool:
        return self.state == OVERDUE

    @property
    def is_due_soon(self) -> bool:
        return self.state == DUE_SOON

    def __str__(self) -> str:
        return self.words


def warning_time(started_at: datetime | None, due_at: datetime | None, warn_fraction) -> datetime | None:
    """When a deadline turns "due soon": ``warn_fraction`` of the time from start to deadline has passed
    (a tenant's clock policy; the deadline engine warns the people responsible then)."""
    if started_at is None or due_at is None or warn_fraction is None:
        return None
    return started_at + (due_at - started_at) * float(Decimal(str(warn_fraction)))


def time_left(due_at: datetime | None, *, warn_at: datetime | None = None, now: datetime | None = None) -> TimeLeft:
    """Time left to ``due_at``. Due soon from ``warn_at`` (the clock's warning time) until the deadline."""
    if due_at is None:
        return TimeLeft(None, warn_at, NO_DEADLINE, "No deadline", 0)
    now = now or timezone.now()
    seconds = int((due_at - now).total_seconds())
    if seconds <= 0:
        return TimeLeft(due_at, warn_at, OVERDUE, f"Overdue by {span(-seconds)}", seconds)
    state = DUE_SOON if warn_at is not None and warn_at <= now else ON_TIME
    return TimeLeft(due_at, warn_at, state, f"{span(seconds)} left", seconds)


def _zone(zone):
    """The zone asked for, else the active one (the tenant's, set for each request), else Europe/London."""
    if zone is None:
        return timezone.get_current_timezone() if timezone.get_current_timezone_name() else ZoneInfo(settings.TIME_ZONE)
    return zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)


def govuk_time(instant: datetime, zone=None) -> str:
    """``2:15pm``, ``9am``, ``midday``, ``midnight`` (GOV.UK style: no leading zero, no ``:00``)."""
    local = timezone.localtime(instant, _zone(zone)) if timezone.is_aware(instant) else instant
    if local.hour == 0 and local.minute == 0:
        return "midnight"
    if local.hour == 12 and local.minute == 0:
        return "midday"
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    return f"{hour}{suffix}" if local.minute == 0 else f"{hour}:{local.minute:02d}{suffix}"


def govuk_date(value: date | datetime | None, zone=None) -> str:
    """``1 December 2026``; an instant is first put in the tenant's zone."""
    if not value:  # None, or a template's missing variable
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value, _zone(zone)) if timezone.is_aware(value) else value
    return f"{value.day} {value:%B %Y}"


def govuk_datetime(instant: datetime | None, zone=None) -> str:
    """``1 December 2026 at 2:15pm`` in the tenant's zone (Europe/London unless the tenant says otherwise)."""
    if not instant:
        return ""
    return f"{govuk_date(instant, zone)} at {govuk_time(instant, zone)}"


def govuk_day_datetime(instant: datetime | None, zone=None) -> str:
    """``Tuesday 1 December 2026 at 2:15pm``: a deadline someone plans their day around, with its weekday."""
    if not instant:
        return ""
    local = timezone.localtime(instant, _zone(zone)) if timezone.is_aware(instant) else instant
    return f"{local:%A} {govuk_datetime(instant, zone)}"


def age_in_years(date_of_birth: date | None, *, today: date | None = None) -> int | None:
    """Whole years of age today (a child born on 29 February turns a year older on 1 March)."""
    if date_of_birth is None:
        return None
    today = today or timezone.localdate()
    return today.year - date_of_birth.year - ((today.month, today.day) < (date_of_birth.month, date_of_birth.day))


def within(due_at: datetime | None, delta: timedelta, *, now: datetime | None = None) -> bool:
    """Due (not yet overdue) within ``delta`` of now: the queue's "due within the hour"."""
    now = now or timezone.now()
    return due_at is not None and now < due_at <= now + delta
