"""Worked examples of deadline arithmetic (DOMAIN.md, "Time").

Every calendar date below is checked against the `holidays` package in
test_the_holiday_dates_these_examples_rely_on_are_real, rather than trusted from memory.
"""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from thresholds.workcalendar import NATIONS, Unit, WorkingCalendar, holidays_for

LONDON = ZoneInfo("Europe/London")
CH, WH, WD = Unit.CLOCK_HOURS, Unit.WORKING_HOURS, Unit.WORKING_DAYS
ENGLAND = WorkingCalendar()  # Europe/London, Mon-Fri 09:00-17:00, England and Wales holidays


def local(text: str) -> datetime:
    """'2026-11-20 15:00' as London wall time (unambiguous times only)."""
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


def case(rule, start, amount, unit, expected, calendar=ENGLAND):
    return pytest.param(calendar, start, amount, unit, expected, id=rule)


ADD_EXAMPLES = [
    # The examples in the product brief.
    case("4_working_hours_from_friday_1500_is_monday_1100", "2026-11-20 15:00", 4, WH, "2026-11-23 11:00"),
    case("one_working_day_from_friday_1630_is_monday_1630", "2026-11-20 16:30", 1, WD, "2026-11-23 16:30"),
    case(
        "one_working_day_from_friday_afternoon_skips_bank_holiday_monday", "2026-08-28 16:30", 1, WD, "2026-09-01 16:30"
    ),
    case("one_working_day_from_saturday_is_monday_1700", "2026-11-21 10:00", 1, WD, "2026-11-23 17:00"),
    # Christmas and New Year 2026: Fri 25 Dec, Sat 26 Dec (substitute Mon 28), Fri 1 Jan 2027.
    case(
        "one_working_day_from_christmas_eve_skips_christmas_and_substitute_boxing_day",
        "2026-12-24 16:00",
        1,
        WD,
        "2026-12-29 16:00",
    ),
    case("three_working_days_from_christmas_eve_is_new_years_eve", "2026-12-24 16:00", 3, WD, "2026-12-31 16:00"),
    case("four_working_days_from_christmas_eve_skips_new_years_day", "2026-12-24 16:00", 4, WD, "2027-01-04 16:00"),
    case("thirty_working_days_skip_the_christmas_holidays", "2026-11-16 09:00", 30, WD, "2026-12-29 17:00"),
    # Easter 2027: Good Friday 26 Mar, Easter Monday 29 Mar; clocks go forward Sun 28 Mar.
    case("one_working_day_from_thursday_before_easter_is_tuesday_after", "2027-03-25 12:00", 1, WD, "2027-03-30 12:00"),
    case(
        "4_working_hours_from_thursday_before_easter_skip_easter_and_the_clock_change",
        "2027-03-25 15:00",
        4,
        WH,
        "2027-03-30 11:00",
    ),
    # The tenant's own closure days.
    case(
        "a_closure_day_is_not_working_time",
        "2026-12-23 16:00",
        1,
        WD,
        "2026-12-29 16:00",
        WorkingCalendar(closures=frozenset({date(2026, 12, 24)})),
    ),
    case(
        "a_start_on_a_closure_day_counts_from_the_next_working_day",
        "2026-12-24 10:00",
        1,
        WD,
        "2026-12-29 17:00",
        WorkingCalendar(closures=frozenset({date(2026, 12, 24)})),
    ),
    # Starts outside working hours count from the next working start.
    case("a_start_before_0900_counts_from_0900", "2026-11-23 07:30", 2, WH, "2026-11-23 11:00"),
    case("a_start_after_1700_counts_from_next_morning", "2026-11-23 18:00", 2, WH, "2026-11-24 11:00"),
    case("a_start_on_sunday_counts_from_monday", "2026-11-22 12:00", 4, WH, "2026-11-23 13:00"),
    case("a_start_on_a_bank_holiday_counts_from_the_next_working_day", "2026-08-31 10:00", 1, WH, "2026-09-01 10:00"),
    # Fractional amounts.
    case("half_a_working_day_is_half_the_day_length", "2026-11-23 15:00", "0.5", WD, "2026-11-24 11:00"),
    case(
        "one_and_a_half_working_days_from_monday_0900_is_tuesday_1300",
        "2026-11-23 09:00",
        Decimal("1.5"),
        WD,
        "2026-11-24 13:00",
    ),
    case(
        "a_quarter_working_hour_carries_into_the_next_morning",
        "2026-11-23 16:00",
        Decimal("1.25"),
        WH,
        "2026-11-24 09:15",
    ),
    case("fractional_clock_hours", "2026-11-23 16:00", "1.5", CH, "2026-11-23 17:30"),
    case("a_float_amount_is_read_as_its_decimal_text", "2026-11-23 09:00", 0.1, WH, "2026-11-23 09:06"),
    # A deadline that uses up a working period exactly is that period's end.
    case("using_up_friday_afternoon_exactly_ends_at_friday_1700", "2026-11-20 13:00", 4, WH, "2026-11-20 17:00"),
    case("one_working_day_from_0900_ends_at_1700_the_same_day", "2026-11-23 09:00", 1, WD, "2026-11-23 17:00"),
    # Amount 0: the start itself when in working time or at a period's end, else the next start.
    case("zero_working_hours_in_working_time_is_the_start", "2026-11-20 12:00", 0, WH, "2026-11-20 12:00"),
    case("zero_working_hours_at_friday_1700_is_friday_1700", "2026-11-20 17:00", 0, WH, "2026-11-20 17:00"),
    case("zero_working_days_on_saturday_is_monday_0900", "2026-11-21 10:00", 0, WD, "2026-11-23 09:00"),
    case("zero_clock_hours_is_the_start", "2026-11-21 10:00", 0, CH, "2026-11-21 10:00"),
    # Clock hours are real time: 29 Mar 2026 01:00 UTC clocks go forward, 25 Oct 01:00 UTC back.
    case(
        "4_clock_hours_across_the_spring_clock_change_read_an_hour_later_on_the_wall",
        "2026-03-28 23:00",
        4,
        CH,
        "2026-03-29 04:00",
    ),
    case(
        "24_clock_hours_across_the_spring_clock_change_are_23_wall_hours",
        "2026-03-28 12:00",
        24,
        CH,
        "2026-03-29 13:00",
    ),
    case(
        "24_clock_hours_across_the_autumn_clock_change_are_25_wall_hours",
        "2026-10-24 12:00",
        24,
        CH,
        "2026-10-25 11:00",
    ),
    # Working hours stay 09:00-17:00 local on both sides of a clock change.
    case(
        "4_working_hours_across_the_spring_clock_change_keep_local_working_hours",
        "2026-03-27 15:00",
        4,
        WH,
        "2026-03-30 11:00",
    ),
    case(
        "4_working_hours_across_the_autumn_clock_change_keep_local_working_hours",
        "2026-10-23 15:00",
        4,
        WH,
        "2026-10-26 11:00",
    ),
    # Other calendars.
    case(
        "a_four_day_week_with_0830_1630_hours",
        "2026-11-19 12:00",
        1,
        WD,
        "2026-11-23 12:00",
        WorkingCalendar(weekdays=frozenset({0, 1, 2, 3}), day_start=time(8, 30), day_end=time(16, 30)),
    ),
    case(
        "scotland_keeps_the_first_monday_in_august",
        "2026-07-31 10:00",
        1,
        WD,
        "2026-08-04 10:00",
        WorkingCalendar(nation="SCT"),
    ),
    case("england_works_the_first_monday_in_august", "2026-07-31 10:00", 1, WD, "2026-08-03 10:00"),
    case(
        "no_nation_means_no_public_holidays",
        "2026-08-28 16:30",
        1,
        WD,
        "2026-08-31 16:30",
        WorkingCalendar(nation=None),
    ),
    case(
        "a_working_day_is_the_calendars_own_day_length",
        "2026-11-23 10:00",
        "0.5",
        WD,
        "2026-11-23 12:00",
        WorkingCalendar(day_start=time(10), day_end=time(14)),
    ),
]


@pytest.mark.parametrize(("calendar", "start", "amount", "unit", "expected"), ADD_EXAMPLES)
def test_deadline_examples(calendar, start, amount, unit, expected):
    result = calendar.add(local(start), amount, unit)
    assert result == local(expected)
    assert result.tzinfo is UTC


def test_the_holiday_dates_these_examples_rely_on_are_real():
    england = holidays_for("ENG", [2026, 2027])
    assert {
        date(2026, 8, 31),
        date(2026, 12, 25),
        date(2026, 12, 28),
        date(2027, 1, 1),
        date(2027, 3, 26),
        date(2027, 3, 29),
    } <= england
    assert date(2026, 12, 25).weekday() == 4 and date(2026, 12, 26).weekday() == 5
    assert date(2027, 1, 1).weekday() == 4 and date(2026, 8, 28).weekday() == 4
    assert date(2026, 8, 3) in holidays_for("SCT", [2026]) and date(2026, 8, 3) not in england
    assert not (holidays_for("ENG", [2026]) & {date(2026, 12, 24), date(2026, 12, 29), date(2026, 12, 31)})


def test_england_and_wales_holidays_include_easter_monday_and_the_august_bank_holiday():
    assert {date(2026, 4, 6), date(2026, 8, 31)} <= holidays_for("ENG", [2026])
    assert holidays_for("ENG", [2026]) == holidays_for("WLS", [2026])


def test_holidays_are_found_for_any_year_a_deadline_touches():
    # Nothing is hard-coded to a range of years: 1999 and 2040 work the same way.
    assert date(2040, 12, 25).weekday() == 1 and {date(2040, 12, 25), date(2040, 12, 26)} <= holidays_for("ENG", [2040])
    assert ENGLAND.add(local("2040-12-24 16:00"), 1, WD) == local("2040-12-27 16:00")
    assert ENGLAND.add(local("1999-12-24 16:00"), 3, WD) == local("2000-01-04 16:00")  # 31 Dec 1999 too


def test_every_nation_has_holidays_and_a_label():
    assert set(NATIONS) == {"ENG", "SCT", "WLS", "NIR"}
    for nation in NATIONS:
        assert date(2026, 12, 25) in holidays_for(nation, [2026])
    assert holidays_for(None, [2026]) == frozenset()
    with pytest.raises(ValueError, match="Unknown nation"):
        holidays_for("FRA", [2026])


def test_start_in_another_zone_is_the_same_instant():
    in_utc = local("2026-11-20 15:00").astimezone(UTC)
    assert ENGLAND.add(in_utc, 4, "working_hours") == local("2026-11-23 11:00")


def test_unit_accepts_the_api_strings():
    assert Unit("working_days") is Unit.WORKING_DAYS
    assert str(Unit.CLOCK_HOURS) == "clock_hours"
    assert ENGLAND.add(local("2026-11-20 15:00"), "4", "working_hours") == local("2026-11-23 11:00")


ELAPSED_EXAMPLES = [
    pytest.param(
        "2026-11-20 15:00", "2026-11-23 11:00", WH, Decimal(4), id="friday_1500_to_monday_1100_is_4_working_hours"
    ),
    pytest.param(
        "2026-11-20 15:00",
        "2026-11-23 11:00",
        WD,
        Decimal("0.5"),
        id="friday_1500_to_monday_1100_is_half_a_working_day",
    ),
    pytest.param("2026-12-24 16:00", "2026-12-29 16:00", WD, Decimal(1), id="christmas_eve_to_29th_is_one_working_day"),
    pytest.param("2026-11-21 10:00", "2026-11-22 20:00", WH, Decimal(0), id="a_weekend_has_no_working_time"),
    pytest.param("2026-11-23 12:00", "2026-11-23 10:00", WH, Decimal(0), id="an_end_before_the_start_is_no_time"),
    pytest.param(
        "2026-03-28 23:00", "2026-03-29 04:00", CH, Decimal(4), id="clock_hours_across_the_spring_change_are_real_hours"
    ),
    pytest.param(
        "2026-10-24 12:00",
        "2026-10-25 11:00",
        CH,
        Decimal(24),
        id="clock_hours_across_the_autumn_change_are_real_hours",
    ),
    pytest.param("2026-03-27 15:00", "2026-03-30 11:00", WH, Decimal(4), id="working_hours_across_the_spring_change"),
    pytest.param(
        "2026-11-23 09:00", "2026-11-23 10:20", WH, Decimal(4) / 3, id="a_third_of_four_hours_is_exact_to_28_digits"
    ),
]


@pytest.mark.parametrize(("a", "b", "unit", "expected"), ELAPSED_EXAMPLES)
def test_elapsed_examples(a, b, unit, expected):
    assert ENGLAND.elapsed(local(a), local(b), unit) == expected


def test_working_time_between_friday_1500_and_monday_1100_is_four_hours():
    assert ENGLAND.working_time_between(local("2026-11-20 15:00"), local("2026-11-23 11:00")) == timedelta(hours=4)


def test_working_time_between_counts_only_working_periods_across_christmas():
    between = ENGLAND.working_time_between(local("2026-12-21 00:00"), local("2027-01-04 00:00"))
    assert between == timedelta(hours=8 * 7)  # 21-24, 29-31 Dec


@pytest.mark.parametrize(
    ("instant", "working"),
    [
        ("2026-11-23 09:00", True),
        ("2026-11-23 16:59:59.999999", True),
        ("2026-11-23 17:00", False),  # periods are [09:00, 17:00)
        ("2026-11-23 08:59", False),
        ("2026-11-21 12:00", False),
        ("2026-08-31 12:00", False),
    ],
)
def test_working_time_is_working_days_between_day_start_and_day_end(instant, working):
    assert ENGLAND.is_working_time(local(instant)) is working


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        pytest.param("2026-11-23 10:00", "2026-11-23 10:00", id="in_working_time_is_itself"),
        pytest.param("2026-11-20 17:00", "2026-11-23 09:00", id="friday_1700_is_monday_0900"),
        pytest.param("2026-08-28 18:00", "2026-09-01 09:00", id="skips_a_bank_holiday"),
        pytest.param("2026-12-24 17:30", "2026-12-29 09:00", id="skips_christmas"),
    ],
)
def test_next_working_start(instant, expected):
    assert ENGLAND.next_working_start(local(instant)) == local(expected)


def test_is_working_day_excludes_weekends_holidays_and_closures():
    calendar = WorkingCalendar(closures=frozenset({date(2026, 12, 24)}))
    assert calendar.is_working_day(date(2026, 12, 23))
    assert not calendar.is_working_day(date(2026, 12, 24))  # closure
    assert not calendar.is_working_day(date(2026, 12, 28))  # substitute Boxing Day
    assert not calendar.is_working_day(date(2026, 12, 27))  # Sunday


def test_working_day_length_is_day_end_minus_day_start():
    assert ENGLAND.working_day_length == timedelta(hours=8)
    assert WorkingCalendar(day_start=time(8, 30), day_end=time(16)).working_day_length == timedelta(hours=7, minutes=30)


def test_equal_calendars_are_equal_and_hashable_whatever_the_collection_types():
    assert WorkingCalendar(weekdays={0, 1, 2, 3, 4}, closures=[date(2026, 1, 2)]) == WorkingCalendar(
        closures=frozenset({date(2026, 1, 2)})
    )
    assert len({WorkingCalendar(), WorkingCalendar()}) == 1


@pytest.mark.parametrize("method", ["add", "elapsed", "working_time_between", "is_working_time", "next_working_start"])
def test_a_naive_datetime_is_refused(method):
    naive = datetime(2026, 11, 20, 15, 0)
    args = {
        "add": (naive, 1, WH),
        "elapsed": (naive, local("2026-11-23 11:00"), WH),
        "working_time_between": (local("2026-11-20 11:00"), naive),
        "is_working_time": (naive,),
        "next_working_start": (naive,),
    }[method]
    with pytest.raises(ValueError, match="timezone-aware"):
        getattr(ENGLAND, method)(*args)


@pytest.mark.parametrize("amount", [-1, "-0.5", Decimal("-0.001"), "NaN", "Infinity", "soon"])
def test_a_negative_or_non_numeric_amount_is_refused(amount):
    with pytest.raises(ValueError):
        ENGLAND.add(local("2026-11-20 15:00"), amount, WH)


def test_an_unknown_unit_is_refused():
    with pytest.raises(ValueError):
        ENGLAND.add(local("2026-11-20 15:00"), 1, "fortnights")


@pytest.mark.parametrize(
    "fields",
    [
        {"weekdays": frozenset()},
        {"weekdays": frozenset({7})},
        {"day_start": time(17), "day_end": time(9)},
        {"day_start": time(9), "day_end": time(9)},
        {"nation": "FRA"},
        {"tz": "Mars/Olympus_Mons"},
    ],
)
def test_an_impossible_calendar_is_refused(fields):
    with pytest.raises(ValueError):
        WorkingCalendar(**fields)


# Working hours that the clock change itself crosses (a night service working on Sundays).
NIGHT_SHIFT_RULES = {"weekdays": frozenset(range(7)), "nation": None}


def test_working_hours_the_clock_skips_are_not_worked():
    # 29 Mar 2026: 01:00 GMT becomes 02:00 BST, so 01:30-02:30 local is only 02:00-02:30 BST.
    calendar = WorkingCalendar(day_start=time(1, 30), day_end=time(2, 30), **NIGHT_SHIFT_RULES)
    day = (local("2026-03-29 00:00"), local("2026-03-30 00:00"))
    assert calendar.working_time_between(*day) == timedelta(minutes=30)
    assert calendar.next_working_start(day[0]) == local("2026-03-29 02:00")


def test_working_hours_the_clock_repeats_are_worked_twice():
    # 25 Oct 2026: 02:00 BST becomes 01:00 GMT, so 00:30-01:30 local lasts two real hours.
    calendar = WorkingCalendar(day_start=time(0, 30), day_end=time(1, 30), **NIGHT_SHIFT_RULES)
    day = (local("2026-10-25 00:00"), local("2026-10-26 00:00"))
    assert calendar.working_time_between(*day) == timedelta(hours=2)
    assert calendar.add(day[0], 2, WH) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 01:30 GMT
