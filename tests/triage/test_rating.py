"""Rating decides which agencies are asked and by when (per tenant); re-rating keeps history and never delays."""

from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from contacts.models import Contact
from deadlines.models import Clock
from mash import tenancy
from mash.models import AuditEvent
from navigators.models import InformationRequest
from tests.triage.builders import new_contact
from thresholds.calendars import due_at
from triage.models import RatingHistory

pytestmark = pytest.mark.django_db


def rate(api_as, user, contact, **body):
    return api_as(user).post(f"/api/v1/contacts/{contact.pk}/rating/", body, format="json")


def requests_of(hub, contact):
    with tenancy.tenant_context(hub["tenant"]):
        return list(InformationRequest.objects.filter(contact=contact).select_related("agency"))


def test_a_red_rating_writes_its_events_in_two_inserts_in_the_order_they_happened(cambs, api_as):
    """The requests' and their clocks' events in one, with the clocks (written inside open_requests' savepoint, so a
    rollback to it takes them too), the rating's own in the other."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    contact = new_contact(cambs)
    with tenancy.tenant_context(cambs["tenant"]):
        since = AuditEvent.objects.order_by("pk").last().pk
    with CaptureQueriesContext(connection) as captured:
        response = rate(api_as, cambs["triage"], contact, rating="red", rationale="Serious injury to a baby.")
    assert response.status_code == 200, response.content
    inserts = [q["sql"] for q in captured.captured_queries if 'INSERT INTO "mash_auditevent"' in q["sql"]]
    assert len(inserts) == 2
    assert sum('INSERT INTO "mash_clock"' in sql for sql in inserts) == 1  # every request's clock, with the events
    with tenancy.tenant_context(cambs["tenant"]):
        actions = list(AuditEvent.objects.filter(pk__gt=since).order_by("pk").values_list("action", flat=True))
    agencies = len(cambs["agencies"])
    assert actions[: 2 * agencies] == ["clock.started", "information_request.opened"] * agencies
    assert "contact.rated" in actions[2 * agencies :]


def test_red_in_cambridgeshire_asks_every_agency_within_four_clock_hours(cambs, api_as):
    contact = new_contact(cambs)
    before = timezone.now()
    response = rate(api_as, cambs["triage"], contact, rating="red", rationale="Serious injury to a baby.")
    assert response.status_code == 200, response.content
    asked = requests_of(cambs, contact)
    assert {r.agency.slug for r in asked} == set(cambs["agencies"])
    for request in asked:
        assert timedelta(hours=4) <= request.due_at - before <= timedelta(hours=4, seconds=30)
        assert request.due_at - request.requested_at == timedelta(hours=4)
    assert response.data["status"] == "enquiry"
    assert response.data["rating"] == "red"
    assert {r["agency"] for r in response.data["information_requests"]} == set(cambs["agencies"])
    with tenancy.tenant_context(cambs["tenant"]):
        clocks = Clock.objects.filter(kind="navigator_return", subject_type="navigators.informationrequest")
        assert clocks.count() == len(cambs["agencies"])
        assert all(c.due_at - c.started_at == timedelta(hours=4) for c in clocks)


def test_green_asks_only_the_selected_agencies_within_24_hours(cambs, api_as):
    contact = new_contact(cambs)
    response = rate(
        api_as, cambs["triage"], contact, rating="green", rationale="Poor attendance.", agencies=["education", "health"]
    )
    assert response.status_code == 200, response.content
    asked = requests_of(cambs, contact)
    assert sorted(r.agency.slug for r in asked) == ["education", "health"]
    assert all(r.due_at - r.requested_at == timedelta(hours=24) for r in asked)


def test_green_without_agencies_is_refused_and_asks_nobody(cambs, api_as):
    contact = new_contact(cambs)
    response = rate(api_as, cambs["triage"], contact, rating="green", rationale="Poor attendance.", agencies=[])
    assert response.status_code == 400
    assert "agencies" in response.data
    assert requests_of(cambs, contact) == []
    with tenancy.tenant_context(cambs["tenant"]):
        assert Contact.objects.get(pk=contact.pk).rating is None


def test_an_unknown_agency_is_a_field_error(cambs, api_as):
    contact = new_contact(cambs)
    response = rate(api_as, cambs["triage"], contact, rating="green", rationale="x", agencies=["fire-brigade"])
    assert response.status_code == 400
    assert "fire-brigade" in response.data["agencies"][0]


def test_blue_asks_no_agency_and_leaves_the_contact_ready_for_a_decision(cambs, api_as):
    contact = new_contact(cambs)
    response = rate(api_as, cambs["triage"], contact, rating="blue", rationale="Advice about local services.")
    assert response.status_code == 200, response.content
    assert requests_of(cambs, contact) == []
    assert response.data["status"] == "in_triage"
    decided = api_as(cambs["manager"]).post(
        f"/api/v1/contacts/{contact.pk}/decision/",
        {"outcome": "advice", "reason": "Universal services."},
        format="json",
    )
    assert decided.status_code == 200, decided.content  # no override needed: nothing outstanding


def test_durham_amber_level_4_uses_one_working_day(durham, api_as):
    # Friday 16:30 in Durham: one working day later is Monday 16:30.
    with time_machine.travel("2026-03-06T16:30:00+00:00", tick=False):
        contact = new_contact(durham)
        response = rate(api_as, durham["triage"], contact, rating="amber-l4", rationale="Ongoing domestic abuse.")
        assert response.status_code == 200, response.content
        asked = requests_of(durham, contact)
    assert len(asked) == len(durham["agencies"])
    with tenancy.tenant_context(durham["tenant"]):
        expected = due_at(durham["tenant"], asked[0].requested_at, Decimal(1), "working_days")
    assert all(r.due_at == expected for r in asked)
    assert timezone.localtime(expected, ZoneInfo("Europe/London")).strftime("%A %H:%M") == "Monday 16:30"


def test_rating_needs_a_rationale_and_a_real_rating(cambs, api_as):
    contact = new_contact(cambs)
    assert "rationale" in rate(api_as, cambs["triage"], contact, rating="red").data
    assert "rating" in rate(api_as, cambs["triage"], contact, rating="purple", rationale="x").data
    assert (
        api_as(cambs["triage"]).post(f"/api/v1/contacts/{contact.pk}/rating/", ["red"], format="json").status_code
        == 400
    )
    assert requests_of(cambs, contact) == []


def test_rerating_needs_a_reason_and_is_kept_as_history(cambs, api_as):
    contact = new_contact(cambs)
    assert rate(api_as, cambs["triage"], contact, rating="amber", rationale="Domestic abuse.").status_code == 200
    refused = rate(api_as, cambs["triage"], contact, rating="red", rationale="Injury found.")
    assert refused.status_code == 400
    assert "reason" in refused.data
    stepped_up = rate(
        api_as,
        cambs["triage"],
        contact,
        rating="red",
        rationale="Injury found.",
        reason="The GP found bruising on the baby.",
    )
    assert stepped_up.status_code == 200, stepped_up.content
    with tenancy.tenant_context(cambs["tenant"]):
        history = list(RatingHistory.objects.filter(contact=contact).select_related("rating", "previous_rating"))
        assert [(h.previous_rating and h.previous_rating.code, h.rating.code) for h in history] == [
            (None, "amber"),
            ("amber", "red"),
        ]
        assert history[1].reason == "The GP found bruising on the baby."
        actions = list(
            AuditEvent.objects.filter(
                object_id=str(contact.pk), action__in=["contact.rated", "contact.rerated"]
            ).values_list("action", flat=True)
        )
    assert sorted(actions) == ["contact.rated", "contact.rerated"]


def test_stepping_up_brings_deadlines_forward_and_stepping_down_never_puts_them_back(cambs, api_as):
    contact = new_contact(cambs)
    with time_machine.travel("2026-03-03T09:00:00+00:00", tick=False):
        assert (
            rate(
                api_as, cambs["triage"], contact, rating="green", rationale="Attendance.", agencies=["education"]
            ).status_code
            == 200
        )
    first_due = requests_of(cambs, contact)[0].due_at  # 24 hours: Wednesday 09:00
    with time_machine.travel("2026-03-03T10:00:00+00:00", tick=False):
        response = rate(api_as, cambs["triage"], contact, rating="red", rationale="Injury.", reason="Bruising seen.")
        assert response.status_code == 200, response.content
    after_up = {r.agency.slug: r.due_at for r in requests_of(cambs, contact)}
    assert after_up["education"] == first_due - timedelta(hours=19)  # 10:00 + 4 hours
    assert set(after_up) == set(cambs["agencies"])  # Red asks the agencies Green did not
    with time_machine.travel("2026-03-03T11:00:00+00:00", tick=False):
        response = rate(
            api_as,
            cambs["triage"],
            contact,
            rating="green",
            rationale="Less worrying.",
            reason="Injury explained by hospital.",
            agencies=["education"],
        )
        assert response.status_code == 200, response.content
    after_down = {r.agency.slug: r.due_at for r in requests_of(cambs, contact)}
    assert after_down == after_up  # never later
    with tenancy.tenant_context(cambs["tenant"]):
        clock = Clock.objects.get(
            subject_type="navigators.informationrequest", subject_id=str(requests_of(cambs, contact)[0].pk)
        )
        assert clock.due_at == requests_of(cambs, contact)[0].due_at


def test_rating_the_same_rating_again_is_refused(cambs, api_as):
    contact = new_contact(cambs)
    rate(api_as, cambs["triage"], contact, rating="blue", rationale="Advice.")
    again = rate(api_as, cambs["triage"], contact, rating="blue", rationale="Advice.", reason="Again")
    assert again.status_code == 400
    assert "rating" in again.data


def test_a_stale_version_is_a_conflict_naming_who_changed_it(cambs, api_as):
    contact = new_contact(cambs)
    assert api_as(cambs["triage2"]).post(f"/api/v1/contacts/{contact.pk}/take/", {}, format="json").status_code == 200
    response = rate(api_as, cambs["triage"], contact, rating="red", rationale="Injury.", version=contact.version)
    assert response.status_code == 409
    assert "cambridgeshire-triage2" in response.data["detail"]
    assert requests_of(cambs, contact) == []


@pytest.mark.parametrize("role", ["head", "admin", "ehcoord"])
def test_staff_who_do_not_triage_may_not_rate(cambs, api_as, role):
    contact = new_contact(cambs)
    assert rate(api_as, cambs[role], contact, rating="red", rationale="x").status_code == 403


def test_a_navigator_cannot_see_the_contact_to_rate_it(cambs, api_as):
    contact = new_contact(cambs)
    assert rate(api_as, cambs["nav_police"], contact, rating="red", rationale="x").status_code == 404


def test_managers_may_rate_too(cambs, api_as):
    contact = new_contact(cambs)
    assert rate(api_as, cambs["manager"], contact, rating="amber", rationale="DA.").status_code == 200
