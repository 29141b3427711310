"""Immediate action (issue 19): Red (or any rating marked immediate) and urgent reports alert the managers on
duty and the triage worker at once, in the app and by email, exactly once each, and go to the top of the queue."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from contacts.models import Contact
from deadlines.models import Notification
from mash import tenancy
from mash.roles import Role
from tests.triage.builders import new_contact
from tests.triage.test_rating import rate
from triage.models import ImmediateAlert

pytestmark = pytest.mark.django_db


def browser(user):
    client = Client()
    client.force_login(user)
    return client


def alerts_to(hub, user):
    with tenancy.tenant_context(hub["tenant"]):
        return list(Notification.objects.filter(recipient=user, subject__startswith="Immediate action"))


@pytest.fixture
def hub(cambs, make_user):
    cambs["manager2"] = make_user(cambs["tenant"], Role.MANAGER, username="cambs-manager2", email="m2@example.org")
    cambs["retired"] = make_user(cambs["tenant"], Role.MANAGER, username="cambs-retired", is_active=False)
    return cambs


def test_rating_red_tells_each_duty_manager_and_the_triage_worker_exactly_once(
    hub, api_as, django_capture_on_commit_callbacks
):
    contact = new_contact(hub)
    with django_capture_on_commit_callbacks(execute=True):
        response = rate(api_as, hub["triage"], contact, rating="red", rationale="Baby with a bruise.")
    assert response.status_code == 200, response.content
    for who in ("manager", "manager2", "triage"):
        [notice] = alerts_to(hub, hub[who])
        assert contact.reference in notice.subject and "immediate action" in notice.message
    assert alerts_to(hub, hub["retired"]) == [] and alerts_to(hub, hub["head"]) == []
    assert sorted(m.to[0] for m in mail.outbox if "Immediate action" in m.subject) == sorted(
        [hub["manager"].email, "m2@example.org", hub["triage"].email]
    )
    # Down to Amber and back up to Red: nobody is told a second time.
    rate(api_as, hub["triage"], contact, rating="amber", rationale="x", reason="Police saw no injury.")
    rate(api_as, hub["triage"], contact, rating="red", rationale="x", reason="Hospital found a fracture.")
    for who in ("manager", "manager2", "triage"):
        assert len(alerts_to(hub, hub[who])) == 1
    inbox = api_as(hub["manager"]).get("/api/v1/notifications/").data["results"]
    assert [n["subject"] for n in inbox].count(f"Immediate action: {contact.reference}") == 1


def test_amber_alerts_nobody(hub, api_as):
    contact = new_contact(hub)
    rate(api_as, hub["triage"], contact, rating="amber", rationale="Domestic abuse.")
    assert alerts_to(hub, hub["manager"]) == []


def test_a_rating_the_tenant_marks_immediate_alerts_too(hub, api_as):
    assert api_as(hub["admin"]).patch("/api/v1/ratings/amber/", {"immediate": True}, format="json").status_code == 200
    contact = new_contact(hub)
    rate(api_as, hub["triage"], contact, rating="amber", rationale="Domestic abuse.")
    assert len(alerts_to(hub, hub["manager"])) == 1


def test_an_urgent_public_report_is_at_the_top_of_the_queue_before_anyone_rates_it(hub, api_as):
    older = new_contact(hub, "older", received_at=(timezone.now() - timedelta(days=6)).isoformat())  # overdue
    response = APIClient().post(
        "/api/v1/public/cambridgeshire/contacts/",
        {"children": [{"first_name": "Mia", "last_name": "Cole"}], "concerns": "He hit her with a belt tonight.",
         "urgent": True},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    with tenancy.tenant_context(hub["tenant"]):
        urgent = Contact.objects.get(reference=response.data["reference"])
    assert urgent.urgent and urgent.rating is None
    rows = api_as(hub["triage"]).get("/api/v1/triage/queue/").data["results"]
    assert [r["id"] for r in rows] == [urgent.pk, older.pk]
    assert rows[0]["immediate_action"] is True and rows[1]["immediate_action"] is False
    html = browser(hub["triage"]).get("/triage/").content.decode()
    assert html.index(urgent.reference) < html.index(older.reference)
    assert "Immediate action: reported urgent" in html
    assert len(alerts_to(hub, hub["manager"])) == 1 and len(alerts_to(hub, hub["manager2"])) == 1
    # Rated Red later by a triage worker: the managers are not told again; the worker is.
    rate(api_as, hub["triage"], urgent, rating="red", rationale="Belt marks.")
    assert len(alerts_to(hub, hub["manager"])) == 1 and len(alerts_to(hub, hub["triage"])) == 1
    with tenancy.tenant_context(hub["tenant"]):
        assert ImmediateAlert.objects.filter(contact=urgent).count() == 3


def test_an_urgent_contact_rated_green_leaves_the_top_of_the_queue(hub, api_as):
    older = new_contact(hub, "older", received_at=(timezone.now() - timedelta(days=6)).isoformat())
    urgent = new_contact(hub, "urgent", urgent=True)
    rate(api_as, hub["triage"], urgent, rating="green", rationale="A misunderstanding.", agencies=["education"])
    rows = api_as(hub["triage"]).get("/api/v1/triage/queue/").data["results"]
    assert [r["id"] for r in rows] == [older.pk, urgent.pk]


def test_the_forms_tell_them_to_call_999_first_and_take_urgent(hub):
    public = Client().get("/contacts/report/cambridgeshire/")
    html = public.content.decode()
    assert "call 999" in html and 'name="urgent"' in html
    referrer = browser(hub["referrer"]).get("/contacts/referral/concerns/")
    assert referrer.status_code == 200
    html = referrer.content.decode()
    assert "call 999 or the police" in html and 'name="urgent"' in html
    assert html.index("call 999 or the police") < html.index('name="urgent"')


def test_the_contact_api_says_urgent_and_out_of_hours(hub, api_as):
    contact = new_contact(hub, urgent=True)
    data = api_as(hub["triage"]).get(f"/api/v1/contacts/{contact.pk}/").data
    assert data["urgent"] is True and data["out_of_hours"] in (True, False)
