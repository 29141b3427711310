"""GET /calendar/due/: when a deadline falls by the caller's tenant's working calendar (DOMAIN.md, "Time")."""

from datetime import date
from urllib.parse import urlencode

import pytest

from mash import tenancy
from mash.roles import Role
from thresholds import services
from thresholds.models import CalendarSettings, ClosureDay
from thresholds.services import ensure_default_policy


@pytest.fixture
def staff(tenant_a, make_user, api_as):
    with tenancy.tenant_context(tenant_a):
        ensure_default_policy(tenant=tenant_a)
    return api_as(make_user(tenant_a, Role.TRIAGE))


def due(client, **params):
    return client.get("/api/v1/calendar/due/?" + urlencode(params))


@pytest.mark.parametrize(
    ("start", "amount", "unit", "expected"),
    [
        pytest.param(
            "2026-11-20T15:00:00Z",
            "4",
            "working_hours",
            "2026-11-23T11:00:00Z",
            id="4_working_hours_fri_1500_is_mon_1100",
        ),
        pytest.param(
            "2026-08-28T15:30:00Z",
            "1",
            "working_days",
            "2026-09-01T15:30:00Z",
            id="one_working_day_from_fri_1630_bst_skips_bank_holiday_monday",
        ),
        pytest.param(
            "2026-08-28T16:30:00+01:00",
            "1",
            "working_days",
            "2026-09-01T15:30:00Z",
            id="the_same_start_given_in_london_time",
        ),
        pytest.param(
            "2026-11-21T10:00:00Z", "1", "working_days", "2026-11-23T17:00:00Z", id="one_working_day_from_saturday"
        ),
        pytest.param(
            "2026-10-24T12:00:00Z",
            "24",
            "clock_hours",
            "2026-10-25T12:00:00Z",
            id="clock_hours_across_clocks_going_back",
        ),
        pytest.param("2026-11-20T15:00:00Z", "0.5", "working_hours", "2026-11-20T15:30:00Z", id="decimal_amounts"),
        pytest.param("2026-11-20T15:00:00Z", "0", "clock_hours", "2026-11-20T15:00:00Z", id="zero_is_the_start"),
    ],
)
def test_due_at_follows_the_working_calendar(staff, start, amount, unit, expected):
    response = due(staff, start=start, amount=amount, unit=unit)
    assert response.status_code == 200, response.data
    assert response.json() == {"due_at": expected}


def test_a_plus_offset_left_unencoded_in_the_query_string_still_works(staff):
    # "+01:00" arrives as " 01:00" when a client forgets to encode "+".
    response = staff.get("/api/v1/calendar/due/?start=2026-08-28T16:30:00+01:00&amount=1&unit=working_days")
    assert response.status_code == 200, response.data
    assert response.json() == {"due_at": "2026-09-01T15:30:00Z"}


def test_a_closure_day_of_the_tenant_shifts_the_deadline(staff, tenant_a, make_user, time_machine):
    time_machine.move_to("2026-11-23T12:00:00Z")
    params = {"start": "2027-01-08T15:00:00Z", "amount": "4", "unit": "working_hours"}
    assert due(staff, **params).json() == {"due_at": "2027-01-11T11:00:00Z"}
    with tenancy.tenant_context(tenant_a):
        services.add_closure_day(
            actor=make_user(tenant_a, Role.ADMIN), tenant=tenant_a, date=date(2027, 1, 11), reason="Staff training"
        )
    assert due(staff, **params).json() == {"due_at": "2027-01-12T11:00:00Z"}


def test_another_tenants_closure_day_does_not_count(staff, tenant_b):
    with tenancy.tenant_context(tenant_b):
        ClosureDay.objects.create(date=date(2027, 1, 11), reason="Their training day")
    response = due(staff, start="2027-01-08T15:00:00Z", amount="4", unit="working_hours")
    assert response.json() == {"due_at": "2027-01-11T11:00:00Z"}


def test_the_tenants_nation_decides_the_bank_holidays(staff, tenant_a):
    params = {"start": "2026-12-31T16:30:00Z", "amount": "1", "unit": "working_days"}
    assert due(staff, **params).json() == {"due_at": "2027-01-04T16:30:00Z"}  # England: 1 January only
    with tenancy.tenant_context(tenant_a):
        CalendarSettings.objects.update(nation="SCT")
    assert due(staff, **params).json() == {"due_at": "2027-01-05T16:30:00Z"}  # Scotland: 2 January too (Mon 4th)


def test_the_tenants_working_hours_and_days_decide_working_time(staff, tenant_a):
    with tenancy.tenant_context(tenant_a):
        CalendarSettings.objects.update(working_weekdays=[0, 1, 2, 3, 4, 5], day_start="08:00", day_end="16:00")
    response = due(staff, start="2026-11-20T15:00:00Z", amount="4", unit="working_hours")
    assert response.json() == {"due_at": "2026-11-21T11:00:00Z"}  # Saturday works, from 08:00


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"amount": "4", "unit": "working_hours"}, "start"),
        ({"start": "", "amount": "4", "unit": "working_hours"}, "start"),
        ({"start": "2026-11-20T15:00:00", "amount": "4", "unit": "working_hours"}, "start"),
        ({"start": "2026-11-20", "amount": "4", "unit": "working_hours"}, "start"),
        ({"start": "next friday", "amount": "4", "unit": "working_hours"}, "start"),
        ({"start": "2026-13-45T15:00:00Z", "amount": "4", "unit": "working_hours"}, "start"),
        ({"start": "2026-11-20T15:00:00Z", "unit": "working_hours"}, "amount"),
        ({"start": "2026-11-20T15:00:00Z", "amount": "-1", "unit": "working_hours"}, "amount"),
        ({"start": "2026-11-20T15:00:00Z", "amount": "four", "unit": "working_hours"}, "amount"),
        ({"start": "2026-11-20T15:00:00Z", "amount": "NaN", "unit": "working_hours"}, "amount"),
        ({"start": "2026-11-20T15:00:00Z", "amount": "Infinity", "unit": "clock_hours"}, "amount"),
        ({"start": "2026-11-20T15:00:00Z", "amount": "1e12", "unit": "working_days"}, "amount"),
        ({"start": "2026-11-20T15:00:00Z", "amount": "4"}, "unit"),
        ({"start": "2026-11-20T15:00:00Z", "amount": "4", "unit": "fortnights"}, "unit"),
        ({"start": "9999-12-31T12:00:00Z", "amount": "100000", "unit": "clock_hours"}, "amount"),
        ({"start": "9999-12-31T12:00:00Z", "amount": "5", "unit": "working_days"}, "amount"),
    ],
)
def test_bad_input_answers_400_naming_the_field(staff, params, field):
    response = due(staff, **params)
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert isinstance(response.json()[field], list)


def test_every_bad_field_is_reported_at_once(staff):
    response = due(staff, start="soon", amount="-3", unit="weeks")
    assert response.status_code == 400
    assert set(response.json()) == {"start", "amount", "unit"}


def test_naive_start_says_to_give_an_offset(staff):
    response = due(staff, start="2026-11-20T15:00:00", amount="4", unit="working_hours")
    assert "offset" in response.json()["start"][0]


@pytest.mark.parametrize("role", [Role.NAVIGATOR, Role.MANAGER, Role.EHCOORD, Role.ADMIN, Role.HEAD])
def test_hub_staff_may_ask(role, tenant_a, make_user, api_as):
    response = due(api_as(make_user(tenant_a, role)), start="2026-11-20T15:00:00Z", amount="4", unit="working_hours")
    assert response.status_code == 200
    assert response.json() == {"due_at": "2026-11-23T11:00:00Z"}  # default calendar before any is saved


def test_referrers_may_not_ask(tenant_a, make_user, api_as):
    client = api_as(make_user(tenant_a, Role.REFERRER))
    assert due(client, start="2026-11-20T15:00:00Z", amount="4", unit="working_hours").status_code == 403
