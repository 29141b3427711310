"""Only managers decide; deciding before the returns are in needs an override; the referrer is told, proportionately."""

import pytest
from django.core import mail

from contacts.models import Contact
from deadlines.models import Clock, Notification
from earlyhelp.models import EarlyHelpRequest
from mash import tenancy
from navigators.models import InformationRequest
from tests.contacts.builders import submit
from tests.triage.builders import new_contact

pytestmark = pytest.mark.django_db


def decide(api_as, user, contact_id, **body):
    return api_as(user).post(f"/api/v1/contacts/{contact_id}/decision/", body, format="json")


def rate_red(api_as, hub, contact_id):
    response = api_as(hub["triage"]).post(
        f"/api/v1/contacts/{contact_id}/rating/", {"rating": "red", "rationale": "Injury."}, format="json"
    )
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("role", ["triage", "head", "admin", "ehcoord"])
def test_only_managers_decide(cambs, api_as, role):
    contact = new_contact(cambs)
    response = decide(api_as, cambs[role], contact.pk, outcome="nfa", reason="No concerns.")
    assert response.status_code == 403
    with tenancy.tenant_context(cambs["tenant"]):
        assert Contact.objects.get(pk=contact.pk).status == "received"


def test_a_referrer_may_not_decide_their_own_referral(cambs, api_as):
    contact_id = submit(api_as(cambs["referrer"]))["id"]
    assert decide(api_as, cambs["referrer"], contact_id, outcome="nfa", reason="x").status_code == 403


def test_deciding_before_the_returns_needs_an_override_and_closes_the_requests(cambs, api_as):
    contact = new_contact(cambs)
    rate_red(api_as, cambs, contact.pk)
    refused = decide(api_as, cambs["manager"], contact.pk, outcome="assessment", reason="Injury.", primary_need="N1")
    assert refused.status_code == 400
    assert "override_reason" in refused.data
    response = decide(
        api_as,
        cambs["manager"],
        contact.pk,
        outcome="assessment",
        reason="Injury to a baby.",
        primary_need="N1",
        factors=["18C"],
        override_reason="Child at risk tonight.",
    )
    assert response.status_code == 200, response.content
    assert response.data["status"] == "decided"
    assert {r["status"] for r in response.data["information_requests"]} == {"closed"}
    with tenancy.tenant_context(cambs["tenant"]):
        contact.refresh_from_db()
        assert contact.decided_by == cambs["manager"]
        assert contact.decided_at is not None
        decision_clock = Clock.objects.get(kind="decision", subject_id=str(contact.pk))
        assert decision_clock.met_at == contact.decided_at
        assert not Clock.objects.filter(
            kind="navigator_return", met_at__isnull=True, cancelled_at__isnull=True
        ).exists()
        assert contact.decision.override_reason == "Child at risk tonight."
        assert contact.decision.factors == ["18C"]


def test_census_codes_are_checked(cambs, api_as):
    contact = new_contact(cambs)
    assert "primary_need" in decide(api_as, cambs["manager"], contact.pk, outcome="assessment", reason="x").data
    assert (
        "factors"
        in decide(
            api_as, cambs["manager"], contact.pk, outcome="assessment", reason="x", primary_need="N1", factors=["18A"]
        ).data
    )
    assert (
        "factors"
        in decide(
            api_as,
            cambs["manager"],
            contact.pk,
            outcome="assessment",
            reason="x",
            primary_need="N1",
            factors=["21", "3B"],
        ).data
    )
    assert (
        "primary_need"
        in decide(api_as, cambs["manager"], contact.pk, outcome="nfa", reason="x", primary_need="N1").data
    )
    assert "outcome" in decide(api_as, cambs["manager"], contact.pk, outcome="adopt", reason="x").data
    assert "reason" in decide(api_as, cambs["manager"], contact.pk, outcome="nfa").data


def test_a_contact_is_decided_once(cambs, api_as):
    contact = new_contact(cambs)
    assert decide(api_as, cambs["manager"], contact.pk, outcome="nfa", reason="No concerns.").status_code == 200
    assert (
        decide(api_as, cambs["manager"], contact.pk, outcome="assessment", reason="x", primary_need="N1").status_code
        == 409
    )
    rerate = api_as(cambs["triage"]).post(
        f"/api/v1/contacts/{contact.pk}/rating/", {"rating": "red", "rationale": "x"}, format="json"
    )
    assert rerate.status_code == 409


def test_early_help_outcome_creates_the_early_help_request(cambs, api_as):
    contact = new_contact(cambs)
    response = decide(api_as, cambs["manager"], contact.pk, outcome="early_help", reason="Family needs support.")
    assert response.status_code == 200, response.content
    with tenancy.tenant_context(cambs["tenant"]):
        request = EarlyHelpRequest.objects.get(contact=contact)
        assert "Family needs support." in request.needs
        assert Clock.objects.filter(kind="early_help_review", subject_id=str(request.pk)).exists()


def test_the_referrer_is_told_the_outcome_on_the_feedback_clock_and_sees_nothing_of_the_returns(
    cambs, api_as, django_capture_on_commit_callbacks
):
    referrer = api_as(cambs["referrer"])
    contact_id = submit(referrer, referrer_email="dsl@school.example.org")["id"]
    rate_red(api_as, cambs, contact_id)
    with django_capture_on_commit_callbacks(execute=True):
        response = decide(
            api_as,
            cambs["manager"],
            contact_id,
            outcome="assessment",
            reason="Police hold a record of violence by the father.",
            primary_need="N1",
            override_reason="Urgent.",
            feedback="A social worker will call you this week.",
        )
    assert response.status_code == 200, response.content
    with tenancy.tenant_context(cambs["tenant"]):
        notice = Notification.objects.filter(recipient=cambs["referrer"]).order_by("-created_at", "-id").first()
        feedback_clock = Clock.objects.get(kind="referrer_feedback", subject_id=str(contact_id))
    assert "Children and families assessment" in notice.message
    assert "A social worker will call you this week." in notice.message
    assert "Police hold a record" not in notice.message  # the reason is internal; feedback is proportionate
    assert feedback_clock.met_at is not None
    emails = [m for m in mail.outbox if "dsl@school.example.org" in m.to]
    assert len(emails) == 1 and "What happens next" in emails[0].body

    seen = referrer.get(f"/api/v1/contacts/{contact_id}/")
    assert seen.status_code == 200
    assert seen.data["outcome"] == "assessment"
    assert "What happens next" in seen.data["feedback_to_referrer"]
    body = seen.content.decode()
    for hidden in ("information_requests", "rating", "internal_notes", "Police hold a record", "override"):
        assert hidden not in body
    page = _page_as(cambs["referrer"], f"/contacts/{contact_id}/")
    assert "What happens next" in page
    assert "Police hold a record" not in page and "Urgent." not in page and "Police</td>" not in page


def _page_as(user, url):
    from django.test import Client

    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_request_outstanding_is_closed_with_the_override_reason(cambs, api_as):
    contact = new_contact(cambs)
    rate_red(api_as, cambs, contact.pk)
    decide(api_as, cambs["manager"], contact.pk, outcome="nfa", reason="Explained.", override_reason="Hospital saw.")
    with tenancy.tenant_context(cambs["tenant"]):
        closed = InformationRequest.objects.filter(contact=contact)
        assert {r.status for r in closed} == {"closed"}
        assert all("Hospital saw." in r.closed_reason for r in closed)
