"""Laws of deadline arithmetic, checked on random calendars, starts and amounts.

Starts range over 2025-2029 with extra weight on the weeks of clock changes; calendars
have random working weekdays, hours, closures and public-holiday nations.
"""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from thresholds.workcalendar import Unit, WorkingCalendar, holidays_for

LONDON = ZoneInfo("Europe/London")
WORKING_UNITS = [Unit.WORKING_HOURS, Unit.WORKING_DAYS]
ONE_US = timedelta(microseconds=1)
FIRST_YEAR, LAST_YEAR = 2025, 2029

laws = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _last_sunday(year: int, month: int) -> date:
    last = date(year, month, 31)
    return last - timedelta(days=(last.weekday() + 1) % 7)


# UK clocks change at 01:00 UTC on the last Sundays of March and October.
CLOCK_CHANGES = [
    datetime.combine(_last_sunday(year, month), time(1), UTC)
    for year in range(FIRST_YEAR, LAST_YEAR + 1)
    for month in (3, 10)
]
EARLIEST = datetime(FIRST_YEAR, 1, 1, tzinfo=UTC)
SPAN = datetime(LAST_YEAR, 12, 1, tzinfo=UTC) - EARLIEST
NEAR = timedelta(days=5)
FIRST_DAY = date(FIRST_YEAR, 1, 1)
CLOSURE_RANGE = (date(LAST_YEAR + 1, 12, 31) - FIRST_DAY).days


@st.composite
def instants(draw):
    """An aware instant, shown in London or UTC; near a clock change a third of the time."""
    near = draw(st.sampled_from([None, None, *CLOCK_CHANGES]))
    low, span = (EARLIEST, SPAN) if near is None else (near - NEAR, 2 * NEAR)
    instant = low + timedelta(microseconds=draw(st.integers(0, span // ONE_US)))
    if draw(st.booleans()):  # whole minutes half the time, so starts hit period edges
        instant = instant.replace(second=0, microsecond=0)
    return instant.astimezone(draw(st.sampled_from([LONDON, UTC])))


@st.composite
def calendars(draw, tz=None, earliest_minute=0):
    # Plain integers draw much faster than hypothesis' sets and dates.
    first = draw(st.integers(earliest_minute, 24 * 60 - 2))
    second = draw(st.integers(first + 1, 24 * 60 - 1))
    mask = draw(st.integers(1, 127))
    closure_days = draw(st.lists(st.integers(0, CLOSURE_RANGE), max_size=15))
    # A run of closure days, as a tenant closing for a week or two would have.
    run_start, run_length = draw(st.integers(0, CLOSURE_RANGE)), draw(st.sampled_from([0, 0, 1, 5, 15]))
    closure_days += range(run_start, run_start + run_length)
    return WorkingCalendar(
        tz=tz or draw(st.sampled_from(["Europe/London", "Europe/London", "Europe/London", "America/New_York"])),
        weekdays=frozenset(day for day in range(7) if mask >> day & 1),
        day_start=time(first // 60, first % 60),
        day_end=time(second // 60, second % 60),
        nation=draw(st.sampled_from(["ENG", "SCT", "NIR", None])),
        closures=frozenset(FIRST_DAY + timedelta(days=n) for n in closure_days),
    )


def amounts(unit: Unit, calendar: WorkingCalendar):
    """Spans up to 30 working days (720 clock hours), in hundredths: whole microseconds for
    any whole-minute day length, and sums of amounts are exact."""
    day_hours = calendar.working_day_length / timedelta(hours=1)
    most = {Unit.WORKING_DAYS: 30, Unit.WORKING_HOURS: 30 * day_hours, Unit.CLOCK_HOURS: 720}[unit]
    return st.one_of(st.just(Decimal(0)), st.integers(0, int(most * 100)).map(lambda n: Decimal(n).scaleb(-2)))


units = st.sampled_from(list(Unit))
working_units = st.sampled_from(WORKING_UNITS)


def at_end_of_a_period(calendar: WorkingCalendar, instant: datetime) -> bool:
    return not calendar.is_working_time(instant) and calendar.is_working_time(instant - ONE_US)


@laws
@given(calendars(), instants(), units, st.data())
def test_a_deadline_is_never_before_its_start_and_is_in_utc(calendar, start, unit, data):
    result = calendar.add(start, data.draw(amounts(unit, calendar)), unit)
    assert result >= start
    assert result.tzinfo is UTC


@laws
@given(calendars(), instants(), instants(), units, st.data())
def test_a_later_start_never_gives_an_earlier_deadline(calendar, s1, s2, unit, data):
    s1, s2 = sorted([s1, s2])
    amount = data.draw(amounts(unit, calendar))
    assert calendar.add(s1, amount, unit) <= calendar.add(s2, amount, unit)


@laws
@given(calendars(), instants(), units, st.data())
def test_a_larger_amount_never_gives_an_earlier_deadline(calendar, start, unit, data):
    a1, a2 = sorted([data.draw(amounts(unit, calendar)), data.draw(amounts(unit, calendar))])
    assert calendar.add(start, a1, unit) <= calendar.add(start, a2, unit)


@laws
@given(calendars(), instants(), units, st.data())
def test_adding_in_two_steps_is_adding_the_sum(calendar, start, unit, data):
    a, b = data.draw(amounts(unit, calendar)), data.draw(amounts(unit, calendar))
    assert calendar.add(calendar.add(start, a, unit), b, unit) == calendar.add(start, a + b, unit)


@laws
@given(calendars(), instants(), working_units, st.data())
def test_a_working_deadline_is_in_working_time_or_at_the_end_of_a_period(calendar, start, unit, data):
    result = calendar.add(start, data.draw(amounts(unit, calendar)), unit)
    assert calendar.is_working_time(result) or at_end_of_a_period(calendar, result)


@laws
@given(calendars(), instants(), working_units, st.data())
def test_the_working_time_from_start_to_deadline_is_the_amount(calendar, start, unit, data):
    amount = data.draw(amounts(unit, calendar))
    result = calendar.add(start, amount, unit)
    per_unit = timedelta(hours=1) if unit is Unit.WORKING_HOURS else calendar.working_day_length
    expected = timedelta(microseconds=int(per_unit // ONE_US * amount))
    assert calendar.working_time_between(start, result) == expected
    if amount:  # and it is the earliest such instant
        assert calendar.working_time_between(start, result - ONE_US) < expected


@laws
@given(calendars(), instants(), units, st.data())
def test_elapsed_inverts_add(calendar, start, unit, data):
    amount = data.draw(amounts(unit, calendar))
    assert calendar.elapsed(start, calendar.add(start, amount, unit), unit) == amount


@laws
@given(calendars(), instants(), instants(), units)
def test_adding_the_elapsed_time_reaches_no_later_than_the_end(calendar, a, b, unit):
    a, b = sorted([a, b])
    elapsed = calendar.elapsed(a, b, unit)
    reached = calendar.add(a, elapsed, unit)
    # With nothing elapsed, add() moves a start outside working time on to the next start.
    assert reached <= b or (elapsed == 0 and reached == calendar.next_working_start(a))
    assert calendar.working_time_between(a, reached) == calendar.working_time_between(a, b)


@laws
@given(calendars(), instants(), instants(), instants())
def test_working_time_between_adds_up_over_consecutive_intervals(calendar, a, b, c):
    a, b, c = sorted([a, b, c])
    between = calendar.working_time_between
    assert between(a, b) + between(b, c) == between(a, c)
    assert between(c, a) == timedelta(0)


@laws
@given(calendars(), instants())
def test_the_next_working_start_is_the_first_working_instant(calendar, instant):
    found = calendar.next_working_start(instant)
    assert found >= instant and calendar.is_working_time(found)
    assert calendar.working_time_between(instant, found) == timedelta(0)
    assert found == instant or not calendar.is_working_time(found - ONE_US)


@laws
@given(calendars(), instants(), st.integers(0, 720 * 3_600_000_000))
def test_clock_hours_are_real_elapsed_time(calendar, start, microseconds):
    hours = Decimal(microseconds) / 3_600_000_000
    assert calendar.add(start, hours, Unit.CLOCK_HOURS) - start == timedelta(microseconds=microseconds)


def london_calendars_away_from_clock_changes():
    """Working hours from 03:00, so a naive day-by-day reference needs no clock-change rules."""
    return calendars(tz="Europe/London", earliest_minute=3 * 60)


def reference_working_time(calendar: WorkingCalendar, a: datetime, b: datetime) -> timedelta:
    """Day by day, straight from the rule, for checking the week-skipping arithmetic."""
    total = timedelta(0)
    first, last = a.astimezone(LONDON).date(), b.astimezone(LONDON).date()
    public = holidays_for(calendar.nation, range(first.year, last.year + 1))
    day = first
    while day <= last:
        if day.weekday() in calendar.weekdays and day not in public and day not in calendar.closures:
            start = datetime.combine(day, calendar.day_start, LONDON)
            end = datetime.combine(day, calendar.day_end, LONDON)
            total += max(timedelta(0), min(end, b) - max(start, a))
        day += timedelta(days=1)
    return total


@laws
@given(london_calendars_away_from_clock_changes(), instants(), instants())
def test_working_time_between_matches_a_day_by_day_count(calendar, a, b):
    a, b = sorted([a, b])
    assert calendar.working_time_between(a, b) == reference_working_time(calendar, a, b)
