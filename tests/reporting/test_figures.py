"""Each dashboard figure equals what a person counts by hand on the fixture in conftest.py."""

import pytest

from tests.reporting.builders import RANGE

pytestmark = pytest.mark.django_db

URL = "/api/v1/dashboard/timeliness/"


@pytest.fixture
def figures(history, api_as):
    response = api_as(history["manager"]).get(URL, RANGE)
    assert response.status_code == 200, response.content
    return response.data


def test_contacts_count_once_per_contact_and_children_once_per_child(figures):
    assert figures["contacts"] == 5  # c1..c5; c0, c0b before and c6 after the range
    assert figures["children"] == 7  # c1 names three children


def test_a_decision_exactly_at_its_due_time_is_within_the_deadline(figures):
    assert figures["decisions"] == 4  # c3 is still open
    assert figures["decided_within_deadline"] == 3  # c1 (exactly at due), c4, c5; c2 late
    assert figures["decided_within_deadline_pct"] == 75.0


def test_a_return_exactly_at_its_due_time_is_on_time(figures):
    assert figures["returns"] == 3  # the outstanding police request of c4 is not a return
    assert figures["returns_on_time_pct"] == 66.7  # police 17:00 (= due), education 12:00; health 17:01 late
    assert figures["returns_on_time_pct_by_agency"] == {"education": 100.0, "health": 0.0, "police": 100.0}
    assert figures["returns_on_time_pct_by_rating"] == {"amber": 66.7, "green": None}  # green: none back yet
    assert figures["information_requests"] == 4


def test_early_help_reviews_within_deadline(figures):
    assert figures["early_help_requests"] == 3
    assert figures["early_help_reviews"] == 2  # eh3 has no outcome yet
    assert figures["early_help_reviews_within_deadline_pct"] == 50.0  # eh1 exactly at due; eh2 a day late


def test_outcomes_ratings_and_sources(figures):
    assert figures["outcomes"] == {"nfa": 1, "advice": 1, "early_help": 1, "assessment": 1,
                                   "strategy_discussion": 0, "other_service": 0}  # fmt: skip
    assert figures["ratings"] == {"red": 0, "amber": 1, "green": 1, "blue": 2}  # c3 not rated
    assert figures["children_by_rating"] == {"red": 0, "amber": 3, "green": 1, "blue": 2}
    assert figures["sources"] == {"2A": 2, "3A": 1, "6": 2}
    assert figures["referrals"] == 1


def test_re_contact_at_twelve_months_and_a_day_is_not_within_twelve_months(figures):
    # c3 (Ann, seen in c1 twelve days before) and c5 (Finn, seen in c0b eleven and a half months before);
    # c4's Eve was last contacted twelve months and a day before, so c4 is not a re-contact.
    assert figures["re_contacts_within_12_months"] == 2
    assert figures["re_contacts_within_12_months_children"] == 2


def test_step_ups_and_step_downs(figures):
    assert figures["step_downs"] == 1  # c4 stepped down to early help
    assert figures["step_ups"] == 1  # c5 came from eh2's step-up


def test_median_and_90th_percentile_decision_time_in_working_days_skip_the_bank_holiday(figures):
    # c1: Fri 10:00 to Tue 10:00 over the bank holiday Monday = 1 working day (not 2);
    # c2: 1.375; c4: 0.5; c5: 0.125. Median of 0.125, 0.5, 1, 1.375 = 0.75; p90 = 1 + 0.7 x 0.375.
    assert figures["times"]["decision"] == [{"unit": "working_days", "count": 4, "median": 0.75, "p90": 1.26}]


def test_return_and_early_help_times_in_clock_hours(figures):
    amber = figures["times"]["return_by_rating"]["amber"]
    assert (amber["unit"], amber["count"], amber["median"]) == ("clock_hours", 3, 6.0)
    assert figures["times"]["early_help_review"] == [
        {"unit": "clock_hours", "count": 2, "median": 60.0, "p90": 69.6}  # 48 h and 72 h
    ]


def test_open_breaches_are_those_still_not_met_with_their_age(history, api_as):
    import time_machine

    with time_machine.travel("2026-09-23T10:00:00+01:00", tick=False):
        data = api_as(history["manager"]).get(URL, RANGE).data["open_breaches"]
    assert (data["count"], data["decisions"], data["returns"], data["early_help_reviews"]) == (3, 1, 1, 1)
    ages = {item["reference"]: item["overdue_hours"] for item in data["oldest"]}
    # c3 was due Wed 9 Sep 17:00 (one working day from 09:00 ends that evening); c4's police return Wed 16 Sep
    # 11:00; eh3 Tue 22 Sep 10:00.
    assert ages == {"ALP-2026-000003": 14 * 24 - 7.0, "ALP-2026-000004": 7 * 24 - 1.0, "EH-ALP-2026-000003": 24.0}


def test_more_open_breaches_than_are_listed_are_all_counted(history, api_as):
    import time_machine

    from contacts.models import Contact
    from mash import tenancy
    from reporting import services

    with tenancy.tenant_context(history["tenant"]):
        c3 = Contact.objects.get(pk=history["c3"].pk)  # open and breached
        for i in range(24):
            c3.pk, c3.reference = None, f"ALP-2026-8{i:05d}"
            c3.save()
        services.rebuild(tenant=history["tenant"])
    with time_machine.travel("2026-09-23T10:00:00+01:00", tick=False):
        data = api_as(history["manager"]).get(URL, RANGE).data["open_breaches"]
    assert (data["count"], data["decisions"], data["returns"], data["early_help_reviews"]) == (27, 25, 1, 1)
    assert len(data["oldest"]) == 20, "the oldest twenty are listed"


def test_trend_by_week_and_by_month(history, api_as):
    client = api_as(history["manager"])
    months = client.get(URL, {**RANGE, "interval": "month"}).data["trend"]["points"]
    assert [(p["period"], p["contacts"], p["children"], p["decisions"], p["decided_in_time"]) for p in months] == [
        ("2026-08-01", 1, 3, 1, 1),
        ("2026-09-01", 4, 4, 3, 2),
    ]
    assert months[0]["returns"] == 3 and months[0]["returns_on_time_pct"] == 66.7
    weeks = client.get(URL, {**RANGE, "interval": "week"}).data["trend"]["points"]
    assert [(p["period"], p["contacts"]) for p in weeks] == [
        ("2026-08-24", 1), ("2026-09-07", 2), ("2026-09-14", 2),
    ]  # fmt: skip


def test_a_team_sees_only_its_members_work(history, api_as):
    data = api_as(history["manager"]).get(URL, {**RANGE, "team": history["team"].pk}).data
    figures = (data["contacts"], data["children"], data["returns"], data["decided_within_deadline_pct"])
    assert figures == (1, 3, 3, 100.0)  # c1 and its three returns
