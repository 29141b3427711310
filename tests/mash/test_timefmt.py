"""Time is told one way: "2 h 15 min left", "Overdue by 20 min", "Due soon" from the clock's warning time, and
GOV.UK dates ("1 December 2026 at 2:15pm") in Europe/London, British Summer Time or not."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import timezone

from mash import timefmt

NOW = datetime(2026, 12, 1, 14, 15, tzinfo=UTC)  # GMT: London is on UTC


@pytest.mark.parametrize(
    ("due", "words", "state"),
    [
        (NOW + timedelta(hours=2, minutes=15), "2 h 15 min left", timefmt.ON_TIME),
        (NOW + timedelta(hours=3), "3 h left", timefmt.ON_TIME),
        (NOW + timedelta(minutes=45, seconds=59), "45 min left", timefmt.ON_TIME),
        (NOW + timedelta(seconds=30), "under 1 min left", timefmt.ON_TIME),
        (NOW + timedelta(days=2, hours=4, minutes=10), "2 d 4 h left", timefmt.ON_TIME),
        (NOW, "Overdue by under 1 min", timefmt.OVERDUE),
        (NOW - timedelta(minutes=20), "Overdue by 20 min", timefmt.OVERDUE),
        (NOW - timedelta(hours=1, minutes=5), "Overdue by 1 h 5 min", timefmt.OVERDUE),
        (NOW - timedelta(days=3), "Overdue by 3 d", timefmt.OVERDUE),
    ],
)
def test_time_left_is_worded_one_way(due, words, state):
    left = timefmt.time_left(due, now=NOW)
    assert (left.words, left.state, str(left)) == (words, state, words)


def test_due_soon_from_the_clocks_warning_time_until_the_deadline():
    due = NOW + timedelta(hours=1)
    assert timefmt.time_left(due, warn_at=NOW - timedelta(minutes=1), now=NOW).label == "Due soon"
    assert timefmt.time_left(due, warn_at=NOW + timedelta(minutes=1), now=NOW).label == "On time"
    assert timefmt.time_left(due, now=NOW).state == timefmt.ON_TIME  # no warning time: never "due soon"
    overdue = timefmt.time_left(NOW - timedelta(minutes=1), warn_at=NOW - timedelta(hours=2), now=NOW)
    assert (overdue.label, overdue.tag) == ("Overdue", "red")


def test_the_warning_time_is_the_tenants_share_of_the_time_elapsed():
    started = NOW - timedelta(hours=6)
    due = started + timedelta(hours=8)
    assert timefmt.warning_time(started, due, Decimal("0.75")) == started + timedelta(hours=6)
    assert timefmt.time_left(due, warn_at=timefmt.warning_time(started, due, Decimal("0.75")), now=NOW).is_due_soon
    assert not timefmt.time_left(due, warn_at=timefmt.warning_time(started, due, Decimal("0.9")), now=NOW).is_due_soon
    assert timefmt.warning_time(None, due, Decimal("0.75")) is None


def test_no_deadline_says_so():
    left = timefmt.time_left(None, now=NOW)
    assert (left.words, left.label, left.tag) == ("No deadline", "No deadline", "grey")


def test_time_left_across_the_end_of_british_summer_time_counts_real_hours():
    # Clocks go back at 2am BST on Sunday 25 October 2026: 9am Saturday to 9am Sunday is 25 hours.
    now = datetime(2026, 10, 24, 8, 0, tzinfo=UTC)  # 9am BST
    due = datetime(2026, 10, 25, 9, 0, tzinfo=UTC)  # 9am GMT
    assert timefmt.time_left(due, now=now).words == "1 d 1 h left"
    assert timefmt.govuk_datetime(now) == "24 October 2026 at 9am"
    assert timefmt.govuk_datetime(due) == "25 October 2026 at 9am"


def test_time_left_across_the_start_of_british_summer_time():
    # Clocks go forward at 1am GMT on Sunday 29 March 2026: 11pm Saturday to 11pm Sunday is 23 hours.
    now = datetime(2026, 3, 28, 23, 0, tzinfo=UTC)
    due = datetime(2026, 3, 29, 22, 0, tzinfo=UTC)
    assert timefmt.govuk_datetime(now) == "28 March 2026 at 11pm"
    assert timefmt.govuk_datetime(due) == "29 March 2026 at 11pm"
    assert timefmt.time_left(due, now=now).words == "23 h left"


@pytest.mark.parametrize(
    ("instant", "words"),
    [
        (datetime(2026, 12, 1, 14, 15, tzinfo=UTC), "1 December 2026 at 2:15pm"),
        (datetime(2026, 12, 1, 9, 5, tzinfo=UTC), "1 December 2026 at 9:05am"),
        (datetime(2026, 12, 1, 12, 0, tzinfo=UTC), "1 December 2026 at midday"),
        (datetime(2026, 12, 1, 0, 0, tzinfo=UTC), "1 December 2026 at midnight"),
        (datetime(2026, 6, 30, 23, 30, tzinfo=UTC), "1 July 2026 at 12:30am"),  # BST: already the 1st in London
        (datetime(2026, 6, 30, 11, 0, tzinfo=UTC), "30 June 2026 at midday"),
    ],
)
def test_instants_are_written_in_the_govuk_style_in_london_time(instant, words):
    assert timefmt.govuk_datetime(instant) == words


def test_a_deadline_someone_plans_a_day_round_carries_its_weekday_in_london_time():
    assert timefmt.govuk_day_datetime(datetime(2026, 12, 1, 14, 15, tzinfo=UTC)) == "Tuesday 1 December 2026 at 2:15pm"
    # BST: 11:30pm UTC on Tuesday 30 June is already Wednesday in London.
    assert timefmt.govuk_day_datetime(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)) == "Wednesday 1 July 2026 at 12:30am"
    assert timefmt.govuk_day_datetime(None) == ""


def test_another_tenant_zone_is_honoured():
    assert timefmt.govuk_datetime(datetime(2026, 12, 1, 14, 15, tzinfo=UTC), "Europe/Paris") == (
        "1 December 2026 at 3:15pm"
    )


def test_dates_and_ages():
    assert timefmt.govuk_date(date(2026, 12, 1)) == "1 December 2026"
    assert timefmt.govuk_date(None) == ""
    assert timefmt.age_in_years(date(2016, 12, 2), today=date(2026, 12, 1)) == 9
    assert timefmt.age_in_years(date(2016, 12, 1), today=date(2026, 12, 1)) == 10
    assert timefmt.age_in_years(None) is None


def test_the_template_tag_marks_overdue_and_due_soon_with_words_not_colour_alone():
    template = Template("{% load timefmt %}{% time_left_tag due warn %}|{{ when|govuk_datetime }}|{{ due|time_left }}")
    now = timezone.now()
    html = template.render(Context({"due": now - timedelta(minutes=21), "warn": None, "when": NOW}))
    assert '<strong class="govuk-tag govuk-tag--red mash-time-left__tag">Overdue</strong>' in html
    # The tag says "Overdue" and the words go on from it: "Overdue by 21 min", read once, not "Overdue Overdue by".
    assert 'Overdue</strong> <span class="mash-time-left__words">by 21 min</span>' in html
    assert "|1 December 2026 at 2:15pm|Overdue by 21 min" in html  # the words alone (an email, a notice)
    html = template.render(Context({"due": now + timedelta(minutes=50), "warn": now - timedelta(minutes=1)}))
    assert 'govuk-tag--yellow mash-time-left__tag">Due soon</strong>' in html and "min left" in html
    html = template.render(Context({"due": now + timedelta(hours=5), "warn": now + timedelta(hours=1)}))
    assert "govuk-tag" not in html and "h 59 min left" in html


def test_a_worklist_sort_key_is_the_instant_in_seconds_whatever_the_clocks_do():
    """A column sorted in the browser (MoJ sortable table) by ``data-sort-value``: the hour London's clocks go back
    happens twice, and the later instant must still sort after the earlier one (London time would tie them)."""
    template = Template("{% load timefmt %}{{ first|epoch }},{{ second|epoch }},{{ missing|epoch|default:'none' }}")
    first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 1:30am British Summer Time
    second = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 1:30am Greenwich Mean Time, an hour later
    assert timefmt.govuk_time(first) == timefmt.govuk_time(second) == "1:30am"
    assert template.render(Context({"first": first, "second": second, "missing": None})) == (
        f"{int(first.timestamp())},{int(first.timestamp()) + 3600},none"
    )
