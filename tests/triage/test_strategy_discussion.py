"""Strategy discussions (section 47, issue 19): recorded with police and health, on their own clock from the
decision (default one working day), breached once and escalated by the engine when not recorded in time."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from deadlines.models import Clock, Notification
from deadlines.services import process_due
from mash import tenancy
from tests.triage.builders import new_contact
from tests.triage.test_decision import decide

pytestmark = pytest.mark.django_db

DECIDED = "2026-03-10T10:00:00+00:00"  # Tuesday; one working day later is Wednesday 10:00
DUE = datetime(2026, 3, 11, 10, 0, tzinfo=UTC)


def discussion(**overrides):
    body = {
        "held_at": "2026-03-10T15:00:00Z",
        "chair": "Sam Patel, MASH team manager",
        "attendees": [
            {"agency": "social-care", "name": "Sam Patel"},
            {"agency": "police", "name": "DS Jo Reid"},
            {"agency": "health", "name": "Dr Amy Khan"},
            {"agency": "education", "name": "Ms Lee, designated safeguarding lead"},
        ],
        "decision": "section_47_joint",
        "notes": "Joint visit today; child seen alone.",
    }
    body.update(overrides)
    return body


@pytest.fixture
def decided(cambs, api_as):
    with time_machine.travel("2026-03-10T09:00:00+00:00", tick=False):
        contact = new_contact(cambs)
    with time_machine.travel(DECIDED, tick=False):
        response = decide(
            api_as, cambs["manager"], contact.pk, outcome="strategy_discussion", reason="Injury.", primary_need="N1"
        )
    assert response.status_code == 200, response.content
    return contact


def strategy_clock(hub, contact):
    with tenancy.tenant_context(hub["tenant"]):
        return Clock.objects.get(kind="strategy_discussion", subject_id=str(contact.pk))


def post(api_as, user, contact, body):
    with time_machine.travel("2026-03-10T16:00:00+00:00", tick=False):
        return api_as(user).post(f"/api/v1/contacts/{contact.pk}/strategy-discussion/", body, format="json")


def test_deciding_a_strategy_discussion_starts_its_clock_one_working_day(cambs, decided):
    clock = strategy_clock(cambs, decided)
    assert clock.due_at == DUE and clock.is_open


def test_recorded_with_police_and_health_it_is_on_the_contact_and_meets_its_clock(cambs, api_as, decided):
    response = post(api_as, cambs["triage"], decided, discussion())
    assert response.status_code == 201, response.content
    assert response.data["decision"] == "section_47_joint"
    data = api_as(cambs["manager"]).get(f"/api/v1/contacts/{decided.pk}/").data
    assert data["strategy_discussion"]["id"] == response.data["id"]
    assert data["strategy_discussion"]["due_at"] == "2026-03-11T10:00:00Z"
    clock = strategy_clock(cambs, decided)
    assert clock.met_at == datetime(2026, 3, 10, 15, 0, tzinfo=UTC) and clock.late_by is None
    client = Client()
    client.force_login(cambs["manager"])
    page = client.get(f"/triage/contacts/{decided.pk}/").content.decode()
    assert "DS Jo Reid (police)" in page and "Section 47 enquiry jointly with the police" in page
    assert "Strategy discussion recorded" in page  # the timeline
    assert post(api_as, cambs["manager"], decided, discussion()).status_code == 409  # once


@pytest.mark.parametrize(("missing", "words"), [("police", "the police"), ("health", "health")])
def test_one_without_police_or_health_is_refused_with_a_field_error(cambs, api_as, decided, missing, words):
    body = discussion()
    body["attendees"] = [a for a in body["attendees"] if a["agency"] != missing]
    response = post(api_as, cambs["manager"], decided, body)
    assert response.status_code == 400
    assert words in response.data["attendees"][0]
    assert strategy_clock(cambs, decided).is_open


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"decision": "section_17"}, "decision"),
        ({"held_at": "yesterday"}, "held_at"),
        ({"attendees": "police"}, "attendees"),
        ({"attendees": [{"agency": "fire", "name": "X"}, {"agency": "police", "name": "Y"}]}, "attendees"),
        ({"chair": ""}, "chair"),
        ({"held_at": "2026-03-12T10:00:00Z"}, "held_at"),  # in the future
    ],
)
def test_bad_input_is_a_field_error(cambs, api_as, decided, change, field):
    response = post(api_as, cambs["manager"], decided, discussion(**change))
    assert response.status_code == 400, response.content
    assert field in response.data


def test_only_managers_and_triage_record_it_and_only_after_that_decision(cambs, api_as, decided):
    assert post(api_as, cambs["ehcoord"], decided, discussion()).status_code == 403
    with time_machine.travel("2026-03-10T09:00:00+00:00", tick=False):
        other = new_contact(cambs, "other")
    assert post(api_as, cambs["manager"], other, discussion()).status_code == 409


def test_not_recorded_in_time_it_is_breached_once_and_escalated(cambs, api_as, decided):
    process_due(now=DUE + timedelta(minutes=1))
    process_due(now=DUE + timedelta(minutes=2))  # a second sweep changes nothing
    clock = strategy_clock(cambs, decided)
    assert clock.breached_at is not None and clock.escalation_level == 1
    with tenancy.tenant_context(cambs["tenant"]):
        breaches = Notification.objects.filter(clock=clock, kind="breach")
        assert breaches.filter(recipient=cambs["manager"]).count() == 1
        assert Notification.objects.filter(clock=clock, kind="escalation", level=1).count() == 1
    process_due(now=DUE + timedelta(hours=1, minutes=1))
    process_due(now=DUE + timedelta(hours=1, minutes=2))
    clock = strategy_clock(cambs, decided)
    assert clock.escalation_level == 2
    with tenancy.tenant_context(cambs["tenant"]):
        [to_head] = Notification.objects.filter(clock=clock, kind="escalation", level=2)
    assert to_head.recipient == cambs["head"]
    # Recorded late: the clock is met, late by the time it took.
    with time_machine.travel(DUE + timedelta(hours=3), tick=False):
        response = api_as(cambs["manager"]).post(
            f"/api/v1/contacts/{decided.pk}/strategy-discussion/",
            discussion(held_at=(DUE + timedelta(hours=2)).isoformat()),
            format="json",
        )
    assert response.status_code == 201, response.content
    assert strategy_clock(cambs, decided).late_by == timedelta(hours=2)


@pytest.mark.parametrize("due", ["0001-01-01", "9999-12-31"])
def test_an_action_due_outside_1900_to_2100_is_refused_and_the_clock_stays_open(cambs, api_as, decided, due):
    body = discussion(actions=[{"action": "Joint visit", "owner": "DS Jo Reid", "due": due}])
    response = post(api_as, cambs["manager"], decided, body)
    assert response.status_code == 400
    assert response.data["actions"][0]["due"] == ["Enter a date between 1900 and 2100."]
    assert strategy_clock(cambs, decided).is_open
