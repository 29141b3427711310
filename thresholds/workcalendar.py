"""Working-time arithmetic: the rule behind every deadline in the product.

A deadline is a duration in one of three units (DOMAIN.md, "Time"):

* clock hours   -- real elapsed time (UTC arithmetic; 24 clock hours across a clock
                   change is 24 real hours, so the wall time shifts by an hour);
* working hours -- only time inside working time counts; a start outside working time
                   counts from the next working start;
* working days  -- one working day is one working-day length (day_end - day_start) of
                   working time, i.e. working hours with amount x day length.

Working time is the calendar's working weekdays, minus the public holidays of its nation,
minus the tenant's closure days, between ``day_start`` and ``day_end`` in the *local* wall
time of ``tz`` -- so 09:00-17:00 stays 09:00-17:00 local on both sides of a clock change.
Each working day contributes one period ``[start, end)`` of UTC instants: from the first
instant the local clock reads ``day_start`` to the last instant it reads ``day_end`` (on the
rare day the clock change falls inside working hours this is the real length of that day).

No Django here: pure Python, ``holidays`` for public holidays, ``zoneinfo`` for local time.
All arithmetic is in integer microseconds since the Unix epoch, so results are exact.

Speed: periods are cached per day, and long spans jump whole weeks at a time using the
nominal working time per week corrected by a per-year table of exception days (public
holidays, closures and clock-change days), so a 30-working-day span takes a handful of
iterations, never one per minute or hour.
"""

from __future__ import annotations

import enum
import functools
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

__all__ = ["NATIONS", "Unit", "WorkingCalendar", "holidays_for"]


class Unit(str, enum.Enum):
    """The unit of a deadline; values are the API strings."""

    CLOCK_HOURS = "clock_hours"
    WORKING_HOURS = "working_hours"
    WORKING_DAYS = "working_days"

    def __str__(self) -> str:  # "working_days", not "Unit.WORKING_DAYS", in templates/logs
        return self.value


# Public-holiday sources: subdivisions of "GB" in the `holidays` package.
NATIONS: dict[str, str] = {
    "ENG": "England and Wales",
    "SCT": "Scotland",
    "WLS": "Wales",
    "NIR": "Northern Ireland",
}

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US_PER_HOUR = 3_600_000_000
_EMPTY = (0, 0)  # the period of a day with no working time
# Multiplying an amount into microseconds must be exact; dividing back is 28 digits.
_MUL = Context(prec=60, rounding=ROUND_HALF_EVEN)
_DIV = Context(prec=28, rounding=ROUND_HALF_EVEN)


# --- public holidays ---------------------------------------------------------------


@functools.cache
def _holidays_in_year(nation: str, year: int) -> frozenset[date]:
    # Without subdiv the GB calendar omits Easter Monday and the August bank holiday,
    # so England and Wales must ask for "ENG".
    return frozenset(holidays.country_holidays("GB", subdiv=nation, years=year).keys())


def holidays_for(nation: str | None, years: Iterable[int]) -> frozenset[date]:
    """Public holidays of ``nation`` (a key of NATIONS) in ``years``; cached per year.

    ``None`` means "no public holidays" and gives an empty set.
    """
    if nation is None:
        return frozenset()
    if nation not in NATIONS:
        raise ValueError(f"Unknown nation {nation!r}; expected one of {sorted(NATIONS)}")
    days: frozenset[date] = frozenset()
    for year in years:
        days |= _holidays_in_year(nation, int(year))
    return days


# --- instants as integer microseconds ------------------------------------------------


def _to_us(dt: datetime) -> int:
    delta = dt - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _from_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def _require_aware(value: datetime, name: str) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{name} must be a timezone-aware datetime (got naive {value.isoformat()}); "
            "attach a zone, e.g. datetime(..., tzinfo=ZoneInfo('Europe/London'))"
        )
    return value


def _to_decimal(amount: Decimal | int | str | float) -> Decimal:
    if isinstance(amount, bool):
        raise TypeError("amount must be a number, not a bool")
    try:
        if isinstance(amount, float):
            value = Decimal(str(amount))
        elif isinstance(amount, (int, Decimal)):
            value = Decimal(amount)
        elif isinstance(amount, str):
            value = Decimal(amount.strip())
        else:
            raise TypeError(f"amount must be a Decimal, int or str, not {type(amount).__name__}")
    except InvalidOperation:
        raise ValueError(f"amount {amount!r} is not a number") from None
    if not value.is_finite():
        raise ValueError(f"amount must be finite, got {amount!r}")
    if value < 0:
        raise ValueError(f"amount must not be negative, got {amount!r}")
    return value


def _wall_to_us(zone: ZoneInfo, wall: datetime, *, latest: bool) -> int:
    """The UTC instant at which the local clock in ``zone`` reads ``wall`` (naive).

    A wall time that happens twice (clocks went back) gives the first instant, or the
    last with ``latest``; one that never happens (clocks went forward) gives the moment
    of the change, the first instant whose reading is later.
    """
    first = _to_us(wall.replace(tzinfo=zone))
    second = _to_us(wall.replace(tzinfo=zone, fold=1))
    if first == second:
        return first
    if first < second:
        return second if latest else first
    # Skipped: fold=1 reads the wall with the offset after the change (an instant before
    # it) and fold=0 with the offset before (an instant after it); the change is between.
    lo, hi = second, first
    before = _from_us(lo).astimezone(zone).utcoffset()
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _from_us(mid).astimezone(zone).utcoffset() == before:
            lo = mid
        else:
            hi = mid
    return hi


@functools.cache
def _clock_change_days(tz: str, year: int) -> frozenset[int]:
    """Ordinals of the local days of ``year`` in which the UTC offset of ``tz`` changes."""
    zone = ZoneInfo(tz)
    day = date(year, 1, 1).toordinal()
    end = date(year + 1, 1, 1).toordinal()
    offset = datetime.combine(date.fromordinal(day), time(0), zone).utcoffset()
    changed = set()
    while day < end:
        following = datetime.combine(date.fromordinal(day + 1), time(0), zone).utcoffset()
        if following != offset:
            changed.add(day)
        offset = following
        day += 1
    return frozenset(changed)


# --- the calendar --------------------------------------------------------------------


@dataclass(frozen=True)
class WorkingCalendar:
    """A tenant's working calendar and the deadline arithmetic over it.

    Semantics of ``add`` in working units (working hours, working days): the result is
    the *earliest* instant at or after ``start`` by which ``amount`` of working time has
    passed and which is in working time or exactly at the end of a working period.

    * So a deadline that uses up a period exactly is that period's end: 4 working hours
      from Fri 13:00 is Fri 17:00, not Mon 09:00.
    * Amount 0 gives ``start`` itself when ``start`` is in working time or exactly at the
      end of a period, otherwise ``next_working_start(start)``.
    * This makes ``add(add(s, a), b) == add(s, a + b)`` hold for every start and all
      amounts (including 0), and every result is in working time or at a period's end.

    Clock hours are plain UTC arithmetic; amount 0 gives ``start``.
    All results are aware datetimes in UTC. Amounts are rounded to whole microseconds.
    """

    tz: str = "Europe/London"
    weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # Monday=0
    day_start: time = time(9, 0)
    day_end: time = time(17, 0)
    nation: str | None = "ENG"  # public-holiday source; None = no public holidays
    closures: frozenset[date] = frozenset()  # the tenant's own closure days

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise ValueError(f"Unknown time zone {self.tz!r}") from None
        weekdays = frozenset(self.weekdays)
        if not weekdays or not weekdays <= set(range(7)):
            raise ValueError(f"weekdays must be a non-empty set of 0..6 (Monday=0), got {self.weekdays!r}")
        closures = frozenset(self.closures)
        if any(not isinstance(day, date) or isinstance(day, datetime) for day in closures):
            raise ValueError("closures must be dates (not datetimes)")
        for name in ("day_start", "day_end"):
            value = getattr(self, name)
            if not isinstance(value, time) or value.tzinfo is not None:
                raise ValueError(f"{name} must be a naive datetime.time (local wall time)")
        if not self.day_start < self.day_end:
            raise ValueError(f"day_start {self.day_start} must be before day_end {self.day_end}")
        if self.nation is not None and self.nation not in NATIONS:
            raise ValueError(f"Unknown nation {self.nation!r}; expected one of {sorted(NATIONS)} or None")
        object.__setattr__(self, "weekdays", weekdays)
        object.__setattr__(self, "closures", closures)
        object.__setattr__(self, "_engine", _engine_for(self))

    def __reduce__(self):  # pickle/copy the settings, not the caches
        return (type(self), (self.tz, self.weekdays, self.day_start, self.day_end, self.nation, self.closures))

    @property
    def working_day_length(self) -> timedelta:
        return timedelta(microseconds=self._engine.day_us)

    def is_working_day(self, day: date) -> bool:
        """A working weekday that is neither a public holiday nor a closure day."""
        if isinstance(day, datetime):
            raise TypeError("is_working_day takes a date; use is_working_time for an instant")
        return self._engine.is_working_day(day)

    def is_working_time(self, instant: datetime) -> bool:
        """Whether ``instant`` lies inside a working period [start, end)."""
        instant = _require_aware(instant, "instant")
        return self._engine.is_working_time(_to_us(instant), self._engine.local_ordinal(instant))

    def next_working_start(self, instant: datetime) -> datetime:
        """``instant`` itself (in UTC) if in working time, else the next period's start."""
        instant = _require_aware(instant, "instant")
        engine = self._engine
        return _from_us(engine.next_working_start(_to_us(instant), engine.local_ordinal(instant)))

    def add(self, start: datetime, amount: Decimal | int | str | float, unit: Unit | str) -> datetime:
        """The deadline ``amount`` ``unit`` after ``start`` (see the class docstring)."""
        start = _require_aware(start, "start")
        unit = Unit(unit)
        value = _to_decimal(amount)
        engine = self._engine
        scale = _US_PER_HOUR if unit is not Unit.WORKING_DAYS else engine.day_us
        amount_us = int(_MUL.multiply(value, Decimal(scale)).to_integral_value(context=_MUL))
        us = _to_us(start)
        if unit is Unit.CLOCK_HOURS:
            return _from_us(us + amount_us)
        return _from_us(engine.add_working(us, engine.local_ordinal(start), amount_us))

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Working time inside [a, b); zero if b <= a."""
        a = _require_aware(a, "a")
        b = _require_aware(b, "b")
        return timedelta(microseconds=self._engine.between(a, b))

    def elapsed(self, a: datetime, b: datetime, unit: Unit | str) -> Decimal:
        """How much of ``unit`` passes from a to b: the inverse of ``add`` in that unit.

        Hours for clock and working hours, working days for working days; zero if
        b <= a. ``elapsed(s, add(s, x, unit), unit) == x`` (to the microsecond).
        """
        a = _require_aware(a, "a")
        b = _require_aware(b, "b")
        unit = Unit(unit)
        if unit is Unit.CLOCK_HOURS:
            us = max(0, _to_us(b) - _to_us(a))
            scale = _US_PER_HOUR
        else:
            us = self._engine.between(a, b)
            scale = _US_PER_HOUR if unit is Unit.WORKING_HOURS else self._engine.day_us
        return _DIV.divide(Decimal(us), Decimal(scale))


@functools.lru_cache(maxsize=256)
def _engine_for(calendar: WorkingCalendar) -> _Engine:
    # Shared by equal calendars, so building a calendar per request keeps the caches.
    return _Engine(calendar)


class _Engine:
    """Caches and integer arithmetic for one calendar. Days are date ordinals."""

    def __init__(self, cal: WorkingCalendar) -> None:
        self.tz = cal.tz
        self.zone = ZoneInfo(cal.tz)
        self.weekdays = cal.weekdays
        self.day_start = cal.day_start
        self.day_end = cal.day_end
        self.nation = cal.nation
        self.closures = cal.closures
        self.closures_by_year: dict[int, list[date]] = {}
        for day in cal.closures:
            self.closures_by_year.setdefault(day.year, []).append(day)
        anchor = date(2000, 1, 1)
        self.day_us = _to_us(datetime.combine(anchor, cal.day_end, UTC)) - _to_us(
            datetime.combine(anchor, cal.day_start, UTC)
        )
        self.week_us = len(self.weekdays) * self.day_us
        # in_first[w][r]: working weekdays among the r days starting on weekday w.
        self.in_first = [[sum(1 for i in range(r) if (w + i) % 7 in self.weekdays) for r in range(7)] for w in range(7)]
        self.periods: dict[int, tuple[int, int]] = {}
        self.exceptions: dict[int, tuple[list[int], list[int]]] = {}

    # -- days and periods --

    def local_ordinal(self, instant: datetime) -> int:
        return instant.astimezone(self.zone).toordinal()

    def is_working_day(self, day: date) -> bool:
        if day.weekday() not in self.weekdays or day in self.closures:
            return False
        return self.nation is None or day not in _holidays_in_year(self.nation, day.year)

    def period(self, ordinal: int) -> tuple[int, int]:
        """(start, end) in UTC microseconds of the working period of a day; (0, 0) if none."""
        found = self.periods.get(ordinal)
        if found is not None:
            return found
        day = date.fromordinal(ordinal)
        found = _EMPTY
        if self.is_working_day(day):
            start = _wall_to_us(self.zone, datetime.combine(day, self.day_start), latest=False)
            end = _wall_to_us(self.zone, datetime.combine(day, self.day_end), latest=True)
            if start < end:  # empty only if the clock skips the whole of working hours
                found = (start, end)
        self.periods[ordinal] = found
        return found

    def year_exceptions(self, year: int) -> tuple[list[int], list[int]]:
        """Days of ``year`` whose working time differs from the weekday's nominal amount,
        sorted, with prefix sums of (actual - nominal): holidays, closures, clock changes."""
        found = self.exceptions.get(year)
        if found is not None:
            return found
        candidates = {day.toordinal() for day in self.closures_by_year.get(year, ())}
        if self.nation is not None:
            candidates.update(day.toordinal() for day in _holidays_in_year(self.nation, year))
        candidates |= _clock_change_days(self.tz, year)
        ordinals, sums, total = [], [0], 0
        for ordinal in sorted(candidates):
            start, end = self.period(ordinal)
            nominal = self.day_us if (ordinal + 6) % 7 in self.weekdays else 0
            if end - start != nominal:
                total += end - start - nominal
                ordinals.append(ordinal)
                sums.append(total)
        found = (ordinals, sums)
        self.exceptions[year] = found
        return found

    def span(self, first: int, stop: int) -> int:
        """Working microseconds in the whole days [first, stop)."""
        days = stop - first
        count = (days // 7) * len(self.weekdays) + self.in_first[(first + 6) % 7][days % 7]
        total = count * self.day_us
        for year in range(date.fromordinal(first).year, date.fromordinal(stop - 1).year + 1):
            ordinals, sums = self.year_exceptions(year)
            if ordinals:
                total += sums[bisect_left(ordinals, stop)] - sums[bisect_left(ordinals, first)]
        return total

    # -- instants --

    def locate(self, us: int, ordinal: int) -> tuple[int, int]:
        """(day, working microseconds of that day before ``us``), ``ordinal`` its local day."""
        start, end = self.period(ordinal)
        if us < start or start == end:
            # A period of the day before could only reach past midnight if a clock change
            # crossed midnight inside working hours; cheap to rule out.
            prev_start, prev_end = self.period(ordinal - 1)
            if us < prev_end:
                return ordinal - 1, max(0, us - prev_start)
            return ordinal, 0
        return ordinal, min(us - start, end - start)

    def is_working_time(self, us: int, ordinal: int) -> bool:
        start, end = self.period(ordinal)
        if start <= us < end:
            return True
        start, end = self.period(ordinal - 1)
        return start <= us < end

    def next_working_start(self, us: int, ordinal: int) -> int:
        day, used = self.locate(us, ordinal)
        start, end = self.period(day)
        if used < end - start:
            return max(us, start)
        day += 1
        while True:
            start, end = self.period(day)
            if start != end:
                return start
            day += 1

    def add_working(self, us: int, ordinal: int, amount: int) -> int:
        day, used = self.locate(us, ordinal)
        start, end = self.period(day)
        if amount == 0:
            if end - start > 0 and us == end:
                return us  # exactly at the end of a working period
            return self.next_working_start(us, ordinal)
        remaining = amount
        if remaining <= end - start - used:
            return start + used + remaining
        remaining -= end - start - used
        day += 1
        # Jump whole weeks while more than a week's nominal working time remains; a jump
        # must stop short of the target, so halve it on the rare week that gains time.
        week_us = self.week_us
        while remaining > week_us:
            weeks = remaining // week_us
            gained = self.span(day, day + 7 * weeks)
            while gained >= remaining and weeks > 1:
                weeks //= 2
                gained = self.span(day, day + 7 * weeks)
            if gained >= remaining:
                break
            remaining -= gained
            day += 7 * weeks
        period = self.period
        while True:
            start, end = period(day)
            if remaining <= end - start:
                return start + remaining
            remaining -= end - start
            day += 1

    def between(self, a: datetime, b: datetime) -> int:
        a_us, b_us = _to_us(a), _to_us(b)
        if b_us <= a_us:
            return 0
        a_day, a_used = self.locate(a_us, self.local_ordinal(a))
        b_day, b_used = self.locate(b_us, self.local_ordinal(b))
        if a_day == b_day:
            return b_used - a_used
        return self.span(a_day, b_day) - a_used + b_used
