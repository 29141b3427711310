"""When the Emergency Duty Team covers is the tenant's own setting (issue 19): by default whatever the working
calendar does not; or set times on working days (local wall time, the same across a clock change) and all day on
other days. It decides which contacts are out of hours on receipt and which the EDT is alerted about."""

import re
from datetime import datetime

import pytest
import time_machine

from contacts.models import Contact
from mash import tenancy
from mash.roles import Role
from tests.audit_helpers import audit_event, audit_events
from tests.triage.builders import new_contact
from thresholds.models import CalendarSettings
from triage.edt import is_out_of_hours

pytestmark = pytest.mark.django_db

SET_TIMES = {"edt_cover": "set_times", "edt_evening_start": "18:00", "edt_morning_end": "08:00"}


@pytest.fixture
def hub(cambs, make_user):
    cambs["edt"] = make_user(cambs["tenant"], Role.EDT, username="cambridgeshire-edt")
    return cambs


@pytest.fixture
def admin(client, hub):
    client.force_login(hub[Role.ADMIN])
    return client


def received(hub, instants, *, key="at") -> dict:
    """Whether a contact received at each instant (UTC, ISO) is out of hours."""
    marks = {}
    for n, at in enumerate(instants):
        with time_machine.travel(at, tick=False):
            marks[at] = new_contact(hub, f"{key}-{n}").out_of_hours
    return marks


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_by_default_the_edt_covers_whatever_the_working_calendar_does_not(hub, admin):
    # Tuesday 10 March 2026 (GMT), working hours 09:00 to 17:00; Saturday 14 March.
    marks = received(hub, ["2026-03-10T08:59:00Z", "2026-03-10T09:00:00Z", "2026-03-10T16:59:00Z",
                           "2026-03-10T17:00:00Z", "2026-03-14T10:00:00Z"])  # fmt: skip
    assert list(marks.values()) == [True, False, False, True, True]
    assert "Whenever the hub is not working" in text(admin.get("/settings/"))


def test_set_cover_times_change_which_contacts_are_out_of_hours_and_are_audited(hub, admin, client):
    page = admin.get("/settings/edt-cover/")
    assert page.status_code == 200 and 'value="outside_working_hours" checked' in page.content.decode()
    saved = admin.post("/settings/edt-cover/", SET_TIMES, follow=True)
    assert "Emergency Duty Team cover saved" in text(saved)
    assert "On working days from 18:00 until 08:00 the next morning" in text(saved)
    event = audit_event(hub["tenant"], action="edt_cover.changed")
    assert event.actor == hub[Role.ADMIN]
    assert event.changes["edt_cover"] == ["outside_working_hours", "set_times"]

    marks = received(hub, [
        "2026-03-10T17:30:00Z",  # Tuesday after the working day, before the EDT starts: the MASH's
        "2026-03-10T18:00:00Z",  # the EDT starts
        "2026-03-11T07:59:00Z",  # Wednesday before the hand-back
        "2026-03-11T08:00:00Z",  # handed back, though the hub opens at 09:00
        "2026-03-14T13:00:00Z",  # Saturday: all day
        "2026-03-27T07:30:00Z",  # Friday 07:30 GMT
        "2026-03-30T06:30:00Z",  # Monday 07:30 BST, after the clocks went forward: still before 08:00 local
        "2026-03-30T07:30:00Z",  # Monday 08:30 BST: handed back
    ])  # fmt: skip
    assert list(marks.values()) == [False, True, True, False, True, True, True, False]

    # The EDT's queue and its alerts follow the same times.
    with tenancy.tenant_context(hub["tenant"]):
        tenant = hub["tenant"]
        assert not is_out_of_hours(tenant, at=datetime.fromisoformat("2026-03-10T17:30:00Z"))
        assert is_out_of_hours(tenant, at=datetime.fromisoformat("2026-03-10T18:30:00Z"))
    client.force_login(hub["edt"])
    queue = client.get("/triage/out-of-hours/").content.decode()
    with tenancy.tenant_context(hub["tenant"]):
        by_key = {c.external_reference: c.reference for c in Contact.objects.all()}
    assert by_key["at-1"] in queue and by_key["at-0"] not in queue and by_key["at-3"] not in queue

    # Back to the default: the times are cleared, and 17:30 on a working day is out of hours again.
    client.force_login(hub[Role.ADMIN])
    client.post("/settings/edt-cover/", {"edt_cover": "outside_working_hours", "edt_evening_start": "18:00"})
    with tenancy.tenant_context(hub["tenant"]):
        calendar = CalendarSettings.objects.get()
    assert (calendar.edt_cover, calendar.edt_evening_start, calendar.edt_morning_end) == (
        "outside_working_hours", None, None
    )  # fmt: skip
    assert received(hub, ["2026-03-17T17:30:00Z"], key="again") == {"2026-03-17T17:30:00Z": True}


@pytest.mark.parametrize(
    ("change", "field_id", "message"),
    [
        ({"edt_evening_start": ""}, "id_edt_evening_start", "Enter the time the Emergency Duty Team starts"),
        ({"edt_morning_end": ""}, "id_edt_morning_end", "Enter the time the Emergency Duty Team hands back"),
        ({"edt_evening_start": "6pm"}, "id_edt_evening_start", "Enter the evening start as hours and minutes"),
        ({"edt_morning_end": "19:00"}, "id_edt_morning_end", "must be earlier in the day than the evening start"),
        ({"edt_cover": ""}, "id_edt_cover_0", "Select when the Emergency Duty Team covers"),
        ({"edt_cover": "always"}, "id_edt_cover_0", "Select when the Emergency Duty Team covers"),
    ],
)
def test_bad_cover_times_are_field_errors_that_keep_what_was_typed(hub, admin, change, field_id, message):
    form = {**SET_TIMES, **change}
    response = admin.post("/settings/edt-cover/", form)
    body = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error:" in body and "govuk-error-summary" in body and f'href="#{field_id}"' in body
    assert message in text(response)
    for name in ("edt_evening_start", "edt_morning_end"):
        assert f'value="{form[name]}"' in body  # nothing typed is lost
    with tenancy.tenant_context(hub["tenant"]):
        calendar = CalendarSettings.objects.get()
    assert calendar.edt_cover == "outside_working_hours" and calendar.edt_evening_start is None
    assert not audit_events(hub["tenant"], action="edt_cover.changed")


@pytest.mark.parametrize("role", [Role.TRIAGE, Role.MANAGER, Role.EDT])
def test_only_the_tenant_administrator_sets_the_cover(hub, client, role):
    client.force_login(hub["edt"] if role == Role.EDT else hub[role])
    assert client.get("/settings/edt-cover/").status_code == 403
    assert client.post("/settings/edt-cover/", SET_TIMES).status_code == 403
    with tenancy.tenant_context(hub["tenant"]):
        assert CalendarSettings.objects.get().edt_cover == "outside_working_hours"
