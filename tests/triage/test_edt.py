"""Out of hours and the Emergency Duty Team (issue 19): a Saturday contact is out of hours and in the EDT's queue; an
urgent one alerts the EDT once and runs its one-hour clock (breached once); the EDT's handover is first in the MASH
queue on Monday morning."""

from datetime import UTC, datetime

import pytest
import time_machine

from deadlines.models import Clock, Notification
from deadlines.services import process_due
from mash import tenancy
from mash.models import AuditEvent
from mash.roles import Role
from tests.triage.builders import new_contact

pytestmark = pytest.mark.django_db

SATURDAY = "2026-03-14T10:00:00+00:00"
MONDAY_9 = "2026-03-16T09:00:00+00:00"


@pytest.fixture
def hub(cambs, make_user):
    cambs["edt"] = make_user(cambs["tenant"], Role.EDT, username="cambridgeshire-edt")
    return cambs


def alerts_to(hub, user):
    with tenancy.tenant_context(hub["tenant"]):
        return list(Notification.objects.filter(recipient=user, subject__startswith="Immediate action"))


def test_a_saturday_contact_is_out_of_hours_in_the_edt_queue_and_handed_back_first_on_monday(hub, client, api_as):
    with time_machine.travel("2026-03-13T14:00:00+00:00", tick=False):  # Friday, working hours
        weekday = new_contact(hub, "friday")
    with time_machine.travel(SATURDAY, tick=False):
        saturday = new_contact(hub, "saturday")
    assert saturday.out_of_hours and not weekday.out_of_hours

    client.force_login(hub["edt"])
    queue = client.get("/triage/out-of-hours/").content.decode()
    assert saturday.reference in queue and weekday.reference not in queue
    with time_machine.travel("2026-03-14T11:00:00+00:00", tick=False):
        refused = client.post(f"/triage/contacts/{saturday.pk}/out-of-hours/",
                              {"calls": "Called mother.", "hand_back": "on"})  # fmt: skip
        assert refused.status_code == 400 and "handover note" in refused.content.decode()
        handed = client.post(f"/triage/contacts/{saturday.pk}/out-of-hours/", {
            "calls": "Called mother; child safe with grandmother.", "visits": "Home visit 10:40, child seen.",
            "police_involvement": "PC Shah attended.", "safety_actions": "Child to stay with grandmother.",
            "handover_note": "Please rate on Monday: bruising explained?", "hand_back": "on",
        })  # fmt: skip
    assert handed.status_code == 302
    assert f'id="edt-row-{saturday.pk}"' in queue
    assert f'id="edt-row-{saturday.pk}"' not in client.get("/triage/out-of-hours/").content.decode()

    with time_machine.travel(MONDAY_9, tick=False):
        rows = api_as(hub["triage"]).get("/api/v1/triage/queue/").data["results"]
        client.force_login(hub["triage"])
        page = client.get("/triage/").content.decode()
        contact_page = client.get(f"/triage/contacts/{saturday.pk}/").content.decode()
    assert [r["reference"] for r in rows][:2] == [saturday.reference, weekday.reference]
    assert rows[0]["edt_handover"] is True and rows[1]["edt_handover"] is False
    assert "EDT handover" in page and page.index(saturday.reference) < page.index(weekday.reference)
    assert "Please rate on Monday: bruising explained?" in contact_page and "PC Shah attended." in contact_page
    with tenancy.tenant_context(hub["tenant"]):
        event = AuditEvent.objects.get(action="contact.edt_handed_back", object_id=str(saturday.pk))
    assert event.changes["handover_note"] == "Please rate on Monday: bruising explained?"

    # Once a MASH worker takes it, it is ordinary work again.
    with time_machine.travel("2026-03-16T09:05:00+00:00", tick=False):
        taken = api_as(hub["triage"]).post(f"/api/v1/contacts/{saturday.pk}/take/", {}, format="json")
        assert taken.status_code == 200, taken.content
        rows = api_as(hub["triage"]).get("/api/v1/triage/queue/").data["results"]
    assert not any(r["edt_handover"] for r in rows)


def test_an_urgent_out_of_hours_contact_alerts_the_edt_once_and_its_clock_breaches_once(hub, api_as):
    with time_machine.travel(SATURDAY, tick=False):
        contact = new_contact(hub, urgent=True)
    assert len(alerts_to(hub, hub["edt"])) == 1
    with time_machine.travel("2026-03-14T10:20:00+00:00", tick=False):  # rated Red: told already, never twice
        rated = api_as(hub["triage"]).post(f"/api/v1/contacts/{contact.pk}/rating/",
                                           {"rating": "red", "rationale": "Injury."}, format="json")  # fmt: skip
    assert rated.status_code == 200, rated.content
    assert len(alerts_to(hub, hub["edt"])) == 1
    with tenancy.tenant_context(hub["tenant"]):
        clock = Clock.objects.get(kind="edt_response", subject_id=str(contact.pk))
    assert clock.due_at == datetime(2026, 3, 14, 11, 0, tzinfo=UTC)  # one clock hour, weekend or not

    process_due(now=datetime(2026, 3, 14, 11, 5, tzinfo=UTC))
    process_due(now=datetime(2026, 3, 14, 12, 5, tzinfo=UTC))
    with tenancy.tenant_context(hub["tenant"]):
        clock.refresh_from_db()
        breaches = Notification.objects.filter(recipient=hub["edt"], kind="breach")
        assert clock.breached_at is not None and breaches.count() == 1
        assert AuditEvent.objects.filter(action="clock.breached", object_id=str(clock.pk)).count() == 1


def test_the_edt_clock_breach_goes_to_the_edt_on_duty_when_it_falls_due(hub, make_user):
    with time_machine.travel(SATURDAY, tick=False):
        contact = new_contact(hub, urgent=True)
    night = make_user(hub["tenant"], Role.EDT, username="cambridgeshire-edt-night")  # came on after the alert
    hub["edt"].is_active = False
    hub["edt"].save(update_fields=["is_active"])
    process_due(now=datetime(2026, 3, 14, 11, 5, tzinfo=UTC))
    with tenancy.tenant_context(hub["tenant"]):
        clock = Clock.objects.get(kind="edt_response", subject_id=str(contact.pk))
        told = Notification.objects.filter(clock=clock, kind="breach").values_list("recipient_id", flat=True)
        assert clock.responsible_roles == ["edt"] and list(told) == [night.pk]


def test_a_working_hours_contact_does_not_alert_the_edt(hub):
    with time_machine.travel("2026-03-10T10:00:00+00:00", tick=False):  # Tuesday
        contact = new_contact(hub, urgent=True)
    assert not contact.out_of_hours
    assert alerts_to(hub, hub["edt"]) == []
    with tenancy.tenant_context(hub["tenant"]):
        assert not Clock.objects.filter(kind="edt_response").exists()


def test_the_edt_response_meets_its_clock(hub, client):
    with time_machine.travel(SATURDAY, tick=False):
        contact = new_contact(hub, urgent=True)
    client.force_login(hub["edt"])
    with time_machine.travel("2026-03-14T10:30:00+00:00", tick=False):
        saved = client.post(f"/triage/contacts/{contact.pk}/out-of-hours/", {"calls": "Called the school nurse."})
    assert saved.status_code == 302
    process_due(now=datetime(2026, 3, 14, 11, 5, tzinfo=UTC))
    with tenancy.tenant_context(hub["tenant"]):
        clock = Clock.objects.get(kind="edt_response", subject_id=str(contact.pk))
        assert clock.met_at is not None and clock.breached_at is None


@pytest.mark.parametrize("role", ["triage", "manager", "head"])
def test_only_the_edt_records_out_of_hours_work(hub, client, role):
    with time_machine.travel(SATURDAY, tick=False):
        contact = new_contact(hub)
    client.force_login(hub[role])
    response = client.post(f"/triage/contacts/{contact.pk}/out-of-hours/", {"calls": "x", "handover_note": "y"})
    assert response.status_code == 403
    assert client.get("/triage/out-of-hours/").status_code == 403


def test_the_edt_queue_names_the_child_and_counts_only_other_children(hub, client):
    """A row's "and 2 more" is about children: the MARF's mother is not one of them."""
    from tests.contacts.builders import marf

    leo = marf()["children"][0]
    siblings = [leo, {**leo, "first_name": "Mia"}, {**leo, "first_name": "Zac"}]
    with time_machine.travel(SATURDAY, tick=False):
        one = new_contact(hub, "one")  # Leo, and his mother Amy in the household
        three = new_contact(hub, "three", children=siblings)
    client.force_login(hub["edt"])
    queue = client.get("/triage/out-of-hours/").content.decode()
    row = queue[queue.index(f'id="edt-row-{one.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "Leo Hart" in row and "more" not in row and "Amy" not in row
    row = queue[queue.index(f'id="edt-row-{three.pk}"') :]
    assert "Leo Hart" in row[: row.index("</tr>")] and "and 2 more" in row[: row.index("</tr>")]
